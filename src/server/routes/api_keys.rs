//! API keys: listed (an admin sees everyone's), made (the key is shown once, with an optional
//! expiry), revoked by their owner or an admin (open event streams on the key end at once).

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use crate::auth;
use crate::db::api_keys::{self, ApiKey, NewKey};
use crate::db::audit;
use crate::server::error::{ApiError, ApiResult, Json, Path, Query};
use crate::server::roles::Person;
use crate::server::state::AppState;

use super::{Page, id_page, required_text, timestamp};

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only this user's keys; someone else's is for admins only (403).
    user_id: Option<i64>,
    /// How many keys at most (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// Where the previous page ended: its `next_cursor`.
    #[param(format = "id-cursor")]
    cursor: Option<String>,
}

/// The part of the API description this module answers.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, revoke))]
pub struct Api;

/// API keys in force: the caller's, or every user's for an admin (?user_id= narrows)
#[utoipa::path(get, path = "/api/v1/api-keys", params(ListParams), responses((status = 200, body = Page<ApiKey>)))]
pub async fn list(
    State(state): State<AppState>,
    Person(caller): Person,
    Query(p): Query<ListParams>,
) -> ApiResult<Json<Page<ApiKey>>> {
    let now = state.clock.now();
    let paging = super::PageParams { limit: p.limit, cursor: p.cursor };
    let (limit, before) = (paging.limit()?, paging.after_id()?);
    let user_id = match (caller.is_admin(), p.user_id) {
        (true, filter) => filter,
        (false, Some(id)) if id != caller.user.id => {
            return Err(ApiError::forbidden("Only an admin may list other people's API keys."));
        }
        (false, _) => Some(caller.user.id),
    };
    let keys = state.db.read(move |c| api_keys::list(c, user_id, before, limit + 1, now)).await?;
    Ok(Json(id_page(keys, limit, |k| k.id)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKeyRequest {
    /// What the key is for.
    #[schema(format = "name", min_length = 1, max_length = 100)]
    name: String,
    /// RFC 3339 or unix seconds, in the future and within five years; absent, null or empty:
    /// the key does not expire.
    #[serde(default)]
    #[schema(format = "instant")]
    expires_at: Option<String>,
}

/// A new key: the key itself is in this answer only.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct NewApiKeyAnswer {
    #[serde(flatten)]
    made: ApiKey,
    /// The key, for `Authorization: Bearer`; shown only here.
    key: String,
}

/// Longest lifetime a key may be given: five years.
const MAX_LIFETIME_SECS: i64 = 5 * 366 * 86_400;

/// Make an API key for the caller; the key is in this answer only
#[utoipa::path(post, path = "/api/v1/api-keys", request_body = NewKeyRequest, responses((status = 201, body = NewApiKeyAnswer)))]
pub async fn create(
    State(state): State<AppState>,
    Person(caller): Person,
    Json(req): Json<NewKeyRequest>,
) -> ApiResult<(StatusCode, Json<NewApiKeyAnswer>)> {
    let t = state.clock.now();
    let name = required_text("name", &req.name, 100)?;
    let expires_at = match req.expires_at.as_deref() {
        None | Some("") => None,
        Some(v) => {
            let at = timestamp("expires_at", v)?;
            if at <= t || at > t + MAX_LIFETIME_SECS {
                return Err(ApiError::bad_field(
                    "expires_at",
                    "expires_at must be in the future and within five years.",
                ));
            }
            Some(at)
        }
    };
    let (key, user_id, who) = (auth::new_api_key(), caller.user.id, caller.who());
    let (hash, prefix) = (auth::sha256(key.as_bytes()), key[..12].to_owned());
    let made = state
        .db
        .write(move |c| {
            let made =
                api_keys::insert(c, &NewKey { user_id, name: &name, prefix: &prefix, key_hash: &hash, expires_at }, t)?;
            let detail = match &made.expires_at {
                Some(e) => format!("{} ({}), expires {e}", made.name, made.prefix),
                None => format!("{} ({})", made.name, made.prefix),
            };
            audit::record(c, t, &who, "api_key.created", &made.id.to_string(), &detail)?;
            Ok(made)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(NewApiKeyAnswer { made, key })))
}

/// Revoke an API key at once: one of the caller's, or anyone's for an admin
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", responses((status = 204)))]
pub async fn revoke(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let t = state.clock.now();
    let owner = if caller.is_admin() { None } else { Some(caller.user.id) };
    let (by, who) = (caller.user.id, caller.who());
    let revoked = state
        .db
        .write(move |c| {
            let Some(key) = api_keys::get(c, id, t)?.filter(|k| owner.is_none_or(|o| o == k.user_id)) else {
                return Ok(false);
            };
            api_keys::revoke(c, id, owner, Some(by), t)?;
            let detail = format!("{} ({}) of {}", key.name, key.prefix, key.user);
            audit::record(c, t, &who, "api_key.revoked", &id.to_string(), &detail)?;
            Ok(true)
        })
        .await?;
    if revoked {
        state.live.revoke(&[], &[id]);
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("There is no API key with id {id} that you may revoke.")))
    }
}
