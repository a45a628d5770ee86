//! Enrollment tokens for people: make one (with the one-line install command), list the usable
//! ones, revoke. Staff only.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::config::HumanDuration;
use crate::db::enroll_tokens::{self, EnrollToken};
use crate::db::{DbError, audit};
use crate::server::error::{ApiError, ApiResult, Json, Path, Query};
use crate::server::roles::Staff;
use crate::server::state::AppState;

use super::Page;
use crate::install::install_command;

use crate::services::enrollment::{MAX_TTL_SECS, MAX_USES, TokenRequest, create_token};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTokenRequest {
    client_id: i64,
    site_id: Option<i64>,
    /// A duration such as "24h" or "7d"; default `[monitoring] enroll_token_ttl`.
    ttl: Option<String>,
    /// How many machines may enroll with it; default 1.
    uses: Option<i64>,
}

pub async fn create(
    State(state): State<AppState>,
    Staff(caller): Staff,
    Json(req): Json<NewTokenRequest>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let ttl = match req.ttl.as_deref() {
        Some(t) => t.parse::<HumanDuration>().map_err(|e| ApiError::bad_field("ttl", e.to_string()))?,
        None => state.config.monitoring.enroll_token_ttl,
    };
    if ttl.0.is_zero() || ttl.0.as_secs() > MAX_TTL_SECS {
        return Err(ApiError::bad_field("ttl", "ttl must be between 1s and 90d."));
    }
    let uses = req.uses.unwrap_or(1);
    if !(1..=MAX_USES).contains(&uses) {
        return Err(ApiError::bad_field("uses", format!("uses must be between 1 and {MAX_USES}.")));
    }
    let (token, made) = create_token(
        &state.db,
        TokenRequest { client_id: req.client_id, site_id: req.site_id, ttl, uses, by: Some(caller.user.id) },
        caller.who(),
        state.clock.now(),
    )
    .await
    .map_err(|e| match e {
        DbError::NotFound(m) if m.contains("site") => ApiError::bad_field("site_id", m),
        DbError::NotFound(m) => ApiError::bad_field("client_id", m),
        other => other.into(),
    })?;
    let mut body = serde_json::to_value(made).map_err(ApiError::internal)?;
    body["token"] = json!(token);
    body["install_command"] = json!(install_command(&state.public_url, state.tls_identity.as_deref(), &token));
    Ok((StatusCode::CREATED, Json(body)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    client_id: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    _: Staff,
    Query(p): Query<ListParams>,
) -> ApiResult<Json<Page<EnrollToken>>> {
    let now = state.clock.now();
    let items = state.db.read(move |c| enroll_tokens::list_usable(c, p.client_id, now)).await?;
    Ok(Json(Page { items, next_cursor: None }))
}

pub async fn revoke(State(state): State<AppState>, Staff(caller): Staff, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    let t = state.clock.now();
    let who = caller.who();
    let done = state
        .db
        .write(move |c| {
            let done = enroll_tokens::revoke(c, id, t)?;
            if done {
                audit::record(c, t, &who, "enroll_token.revoked", &id.to_string(), "")?;
            }
            Ok(done)
        })
        .await?;
    if done {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("There is no usable token with id {id}.")))
    }
}
