//! Enrollment tokens for people: make one (with the one-line install command), list the usable
//! ones, revoke. Staff only.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::config::HumanDuration;
use crate::db::enroll_tokens::{self, EnrollToken};
use crate::db::{DbError, audit};
use crate::server::error::{ApiError, ApiResult, Json, Path, Query};
use crate::server::roles::Staff;
use crate::server::state::AppState;

use super::Page;
use super::rules::missing_row;
use crate::install::install_command;

use crate::services::enrollment::{MAX_TTL_SECS, MAX_USES, TokenRequest, create_token};

/// The part of the API description this module answers.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, revoke))]
pub struct Api;

/// A new enrollment token's client, site and limits.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenRequest {
    /// The client the enrolled devices belong to.
    client_id: i64,
    /// A site of that client, if the devices belong to one.
    site_id: Option<i64>,
    /// A duration such as "24h" or "7d", 1s to 90 days; default `[monitoring] enroll_token_ttl`.
    /// The description lists one term (the server also takes sums such as "1d12h").
    #[schema(pattern = r"^(?:[1-9][0-9]{0,5}s|[1-9][0-9]{0,4}m|[1-9][0-9]{0,2}h|(?:[1-9]|[1-8][0-9]|90)d)$")]
    ttl: Option<String>,
    /// How many machines may enroll with it; default 1.
    #[schema(minimum = 1, maximum = 10000)]
    uses: Option<i64>,
}

/// A new token: the token itself (shown only here) and the command that installs an agent with it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct NewToken {
    #[serde(flatten)]
    made: EnrollToken,
    /// Shown only in this answer.
    token: String,
    /// One line that installs and enrolls an agent.
    install_command: String,
}

/// Make an enrollment token and its one-line install command (staff)
#[utoipa::path(post, path = "/api/v1/enroll-tokens", request_body = NewTokenRequest, responses((status = 201, body = NewToken)))]
pub async fn create(
    State(state): State<AppState>,
    Staff(caller): Staff,
    Json(req): Json<NewTokenRequest>,
) -> ApiResult<(StatusCode, Json<NewToken>)> {
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
        DbError::NotFound(m) if m.contains("site") => missing_row("site_id", m),
        DbError::NotFound(m) => missing_row("client_id", m),
        other => other.into(),
    })?;
    let install_command = install_command(&state.public_url, state.tls_identity.as_deref(), &token);
    Ok((StatusCode::CREATED, Json(NewToken { made, token, install_command })))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only this client's tokens.
    client_id: Option<i64>,
}

/// Usable enrollment tokens (?client_id) (staff)
#[utoipa::path(get, path = "/api/v1/enroll-tokens", params(ListParams), responses((status = 200, body = Page<EnrollToken>)))]
pub async fn list(
    State(state): State<AppState>,
    _: Staff,
    Query(p): Query<ListParams>,
) -> ApiResult<Json<Page<EnrollToken>>> {
    let now = state.clock.now();
    let items = state.db.read(move |c| enroll_tokens::list_usable(c, p.client_id, now)).await?;
    Ok(Json(Page { items, next_cursor: None }))
}

/// Revoke an enrollment token (staff)
#[utoipa::path(delete, path = "/api/v1/enroll-tokens/{id}", responses((status = 204)))]
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
