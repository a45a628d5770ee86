//! The agent receiver: enrollment with a token, and check-ins authenticated by the device secret.
//! Not under `/api/v1` (which is for people and integrations): agents have their own credentials.

use std::time::Instant;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::json;

use crate::auth::{constant_time_eq, random_token, sha256};
use crate::db::{devices, enroll_tokens, now};
use crate::monitoring::validate;
use crate::protocol::{CheckIn, CheckInResponse, EnrollRequest, EnrollResponse, limits};
use crate::rules::engine;
use crate::server::error::{ApiError, ApiResult, Json};
use crate::server::live::{Live, LiveEvent};
use crate::server::state::AppState;

pub async fn enroll(State(state): State<AppState>, Json(req): Json<EnrollRequest>) -> ApiResult<Json<EnrollResponse>> {
    for (field, value, max) in [
        ("machine_id", &req.machine_id, 128),
        ("hostname", &req.hostname, 255),
        ("os", &req.os, limits::TEXT),
        ("agent_version", &req.agent_version, 64),
    ] {
        if value.len() > max || value.chars().any(char::is_control) {
            return Err(ApiError::bad_field(field, format!("{field} must be at most {max} bytes of text.")));
        }
    }
    if req.machine_id.trim().is_empty() || req.hostname.trim().is_empty() {
        return Err(ApiError::bad_request("machine_id and hostname must not be empty."));
    }
    let token_hash = sha256(req.token.trim().as_bytes());
    let secret = random_token();
    let secret_hash = sha256(secret.as_bytes());
    let outcome = state
        .db
        .write(move |c| {
            let t = now();
            let grant = match enroll_tokens::redeem(c, &token_hash, t)? {
                Ok(g) => g,
                Err(refusal) => return Ok(Err(refusal)),
            };
            let enrolled = devices::enroll(c, &grant, &req, &secret_hash, t)?;
            Ok(Ok((grant, enrolled)))
        })
        .await?;
    let (grant, enrolled) = outcome.map_err(|refusal| ApiError::forbidden(refusal.to_string()))?;
    tracing::info!(device_id = enrolled.device_id, again = enrolled.again, client = %grant.client, "device enrolled");
    state.live.send(LiveEvent::DeviceEnrolled { device_id: enrolled.device_id, client_id: grant.client_id });
    Ok(Json(EnrollResponse {
        device_id: enrolled.device_id,
        device_secret: format!("{}:{secret}", enrolled.device_id),
        client: grant.client,
        interval_secs: state.config.monitoring.checkin_interval.0.as_secs(),
        acked_seq: enrolled.acked_seq,
    }))
}

/// Reads `Authorization: Bearer <device id>:<secret>` and checks the secret's hash.
async fn device_from(state: &AppState, headers: &HeaderMap) -> ApiResult<i64> {
    let refused = || ApiError::unauthorized("The device credentials are not valid; enroll this machine again.");
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or_else(refused)?;
    let credential = value.strip_prefix("Bearer ").ok_or_else(refused)?.trim();
    let (id, _) = credential.split_once(':').ok_or_else(refused)?;
    let id: i64 = id.parse().map_err(|_| refused())?;
    let stored = state.db.read(move |c| devices::credentials(c, id)).await?.ok_or_else(refused)?;
    if constant_time_eq(&stored, &sha256(credential.rsplit_once(':').map_or("", |(_, s)| s).as_bytes())) {
        Ok(id)
    } else {
        Err(refused())
    }
}

pub async fn check_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<CheckIn>, ApiError>,
) -> ApiResult<(StatusCode, Json<CheckInResponse>)> {
    let started = Instant::now();
    let live = state.live.clone();
    let refuse = |e: ApiError| {
        Live::add(&live.checkins_refused, 1);
        e
    };
    let device_id = device_from(&state, &headers).await.map_err(refuse)?;
    let Json(checkin) = body.map_err(refuse)?;
    validate::check_in(&checkin, now())
        .map_err(|reason| refuse(ApiError::bad_request(format!("The check-in is not valid: {reason}"))))?;
    let reports = checkin.reports.len();
    let ctx = state.engine.context();
    let (ingested, client_id, outcome, watch) = state
        .db
        .write(move |c| {
            let t = now();
            let ingested = devices::ingest(c, device_id, &checkin, t)?;
            let client_id: i64 =
                c.query_row("SELECT client_id FROM devices WHERE id = ?1", [device_id], |r| r.get(0))?;
            // Evaluated in the same transaction: acknowledged means stored and evaluated.
            let new: Vec<&crate::protocol::Report> =
                checkin.reports.iter().filter(|r| ingested.new_seqs.binary_search(&r.seq).is_ok()).collect();
            let (outcome, watch) = engine::on_check_in(c, &ctx, device_id, &new, checkin.dropped, t)?;
            Ok((ingested, client_id, outcome, watch))
        })
        .await?;
    announce(&state, &outcome);
    Live::add(&live.checkins, 1);
    Live::add(&live.reports_stored, ingested.stored as u64);
    Live::add(&live.reports_repeated, (reports - ingested.stored) as u64);
    Live::add(&live.checkin_micros, started.elapsed().as_micros() as u64);
    if ingested.came_online {
        live.send(LiveEvent::DeviceOnline { device_id, client_id });
    }
    live.send(LiveEvent::CheckIn { device_id, client_id });
    Ok((
        StatusCode::OK,
        Json(CheckInResponse {
            acked_seq: ingested.acked_seq,
            stored: ingested.stored,
            interval_secs: state.config.monitoring.checkin_interval.0.as_secs(),
            watch,
        }),
    ))
}

/// After an evaluation committed: live updates for the alerts it changed, and the notifier woken
/// for the notices it queued.
pub fn announce(state: &AppState, outcome: &engine::Outcome) {
    for &(alert_id, device_id, client_id) in &outcome.alerts {
        state.live.send(LiveEvent::AlertChanged { alert_id, device_id, client_id });
    }
    if outcome.notices > 0 {
        state.notifications.wake.notify_one();
    }
}

/// Answers `GET /agent/v1/ping` for an agent checking its credentials and the pinned certificate.
pub async fn ping(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Json<serde_json::Value>> {
    let id = device_from(&state, &headers).await?;
    Ok(Json(json!({ "device_id": id, "version": crate::VERSION })))
}
