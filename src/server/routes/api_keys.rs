//! The caller's own API keys: listed, made (the key is shown once), revoked.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth;
use crate::db::api_keys::{self, ApiKey};
use crate::db::{audit, now};
use crate::server::auth::Caller;
use crate::server::error::{ApiError, ApiResult, Json, Path};
use crate::server::state::AppState;

use super::{Page, required_text};

pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Page<ApiKey>>> {
    let user_id = caller.user.id;
    let keys = state.db.read(move |c| api_keys::list_for_user(c, user_id)).await?;
    Ok(Json(Page { items: keys, next_cursor: None }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    name: String,
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<NewKey>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let name = required_text("name", &req.name, 100)?;
    let (key, user_id, who) = (auth::new_api_key(), caller.user.id, caller.who());
    let (hash, prefix) = (auth::sha256(key.as_bytes()), key[..12].to_owned());
    let made = state
        .db
        .write(move |c| {
            let t = now();
            let made = api_keys::insert(c, user_id, &name, &prefix, &hash, t)?;
            audit::record(c, t, &who, "api_key.created", &made.id.to_string(), &made.name)?;
            Ok(made)
        })
        .await?;
    let mut body = serde_json::to_value(made).map_err(ApiError::internal)?;
    body["key"] = json!(key);
    Ok((StatusCode::CREATED, Json(body)))
}

pub async fn revoke(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    let (user_id, who) = (caller.user.id, caller.who());
    let revoked = state
        .db
        .write(move |c| {
            let t = now();
            let revoked = api_keys::revoke(c, user_id, id, t)?;
            if revoked {
                audit::record(c, t, &who, "api_key.revoked", &id.to_string(), "")?;
            }
            Ok(revoked)
        })
        .await?;
    if revoked {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("You have no API key with id {id}.")))
    }
}
