//! The agent receiver: enrollment with a token, and check-ins authenticated by the device secret.
//! Not under `/api/v1` (which is for people and integrations): agents have their own credentials.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::json;

use crate::auth::{random_token, sha256};
use crate::db::audit::{self, Who};
use crate::db::devices;
use crate::db::enroll_tokens;
use crate::monitoring::validate;
use crate::protocol::{CheckIn, CheckInResponse, EnrollRequest, EnrollResponse};
use crate::server::error::{ApiError, ApiResult, Json};
use crate::server::live::{Live, LiveEvent};
use crate::server::roles::{CheckingIn, Device, parse_credential};
use crate::server::state::AppState;
use crate::services::engine;

/// The enrolling machine's address (after trusted proxies), for the audit log.
fn source(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> String {
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    crate::netaddr::client_addr(peer.ip(), forwarded, &state.trusted_proxies).to_string()
}

/// Enrolls a machine with a token. Whether an existing device is updated or a new one made (and
/// flagged as a possible clone) is `devices::enroll`'s to decide; every outcome and refusal is in
/// the audit log with the token's id and prefix and the source address.
pub async fn enroll(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(req): Json<EnrollRequest>,
) -> ApiResult<Json<EnrollResponse>> {
    let now = state.clock.now();
    let who = Who::anonymous("agent", &source(&state, peer, &headers));
    let token_hash = sha256(req.token.trim().as_bytes());
    if let Err((field, message)) = validate::enroll(&req) {
        let (who, detail) = (who.clone(), message.clone());
        state
            .db
            .write(move |c| {
                let token = match enroll_tokens::identify(c, &token_hash)? {
                    Some((id, prefix)) => format!("token {id} ({prefix}…)"),
                    None => "an unknown token".to_owned(),
                };
                audit::record(c, now, &who, "device.enroll_refused", "", &format!("{token}: {detail}"))
            })
            .await?;
        return Err(ApiError::bad_field(field, message));
    }
    let proof = req.device_secret.as_deref().and_then(parse_credential);
    let secret = random_token();
    let secret_hash = sha256(secret.as_bytes());
    let outcome = state
        .db
        .write(move |c| {
            let t = now;
            let grant = match enroll_tokens::redeem(c, &token_hash, t)? {
                Ok(g) => g,
                Err(refusal) => {
                    let token = match enroll_tokens::identify(c, &token_hash)? {
                        Some((id, prefix)) => format!("token {id} ({prefix}…)"),
                        None => "an unknown token".to_owned(),
                    };
                    let detail =
                        format!("{token}; machine id {:?}, hostname {:?}: {refusal}", req.machine_id, req.hostname);
                    audit::record(c, t, &who, "device.enroll_refused", "", &detail)?;
                    return Ok(Err(refusal));
                }
            };
            let proof = proof.as_ref().map(|(id, hash)| (*id, &hash[..]));
            let enrolled = devices::enroll(c, &grant, &req, proof, &secret_hash, t)?;
            let how = match (enrolled.kind, proof.is_some()) {
                (devices::EnrollKind::Proven, _) => "proved by its device secret".to_owned(),
                (devices::EnrollKind::Approved, _) => "re-enrollment allowed by staff".to_owned(),
                (devices::EnrollKind::PossibleClone { of }, true) => format!(
                    "possible clone of device {of}: the device secret sent does not prove a device of this client"
                ),
                (devices::EnrollKind::PossibleClone { of }, false) => {
                    format!("possible clone of device {of}: same machine id, no device secret")
                }
                (devices::EnrollKind::New, _) => "new machine".to_owned(),
            };
            let detail = format!(
                "token {} ({}…) of client {:?}; machine id {:?}, hostname {:?}; {how}",
                grant.token_id, grant.prefix, grant.client, req.machine_id, req.hostname
            );
            audit::record(c, t, &who, enrolled.kind.action(), &enrolled.device_id.to_string(), &detail)?;
            Ok(Ok((grant, enrolled)))
        })
        .await?;
    let (grant, enrolled) = outcome.map_err(|refusal| ApiError::forbidden(refusal.to_string()))?;
    tracing::info!(device_id = enrolled.device_id, kind = ?enrolled.kind, client = %grant.client, "device enrolled");
    state.live.send(LiveEvent::DeviceEnrolled { device_id: enrolled.device_id, client_id: grant.client_id });
    Ok(Json(EnrollResponse {
        device_id: enrolled.device_id,
        device_secret: format!("{}:{secret}", enrolled.device_id),
        client: grant.client,
        interval_secs: state.config.monitoring.checkin_interval.0.as_secs(),
        acked_seq: enrolled.acked_seq,
        next_pin: state.tls_next_pin.get(),
        possible_clone: matches!(enrolled.kind, devices::EnrollKind::PossibleClone { .. }),
    }))
}

/// Stores a check-in's reports and evaluates them; a refusal (credentials or body) is counted.
pub async fn check_in(
    State(state): State<AppState>,
    CheckingIn(device_id): CheckingIn,
    body: Result<Json<CheckIn>, ApiError>,
) -> ApiResult<(StatusCode, Json<CheckInResponse>)> {
    let now = state.clock.now();
    let started = Instant::now();
    let live = state.live.clone();
    let refuse = |e: ApiError| {
        Live::add(&live.checkins_refused, 1);
        e
    };
    let Json(checkin) = body.map_err(refuse)?;
    validate::check_in(&checkin, now).map_err(|reason| {
        let field = reason.split_once(": ").map_or("reports", |(field, _)| field);
        refuse(ApiError::bad_field(field, format!("The check-in is not valid: {reason}")))
    })?;
    let reports = checkin.reports.len();
    let ctx = state.engine.context();
    let (ingested, client_id, outcome, watch) = state
        .db
        .write(move |c| {
            let t = now;
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
    outcome.announce(&state.live, &state.notifications);
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
            next_pin: state.tls_next_pin.get(),
        }),
    ))
}

/// Answers `GET /agent/v1/ping` for an agent checking its credentials and the pinned certificate.
pub async fn ping(Device(id): Device) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(json!({ "device_id": id, "version": crate::VERSION })))
}
