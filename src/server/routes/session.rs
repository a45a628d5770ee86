//! Logging in and out of the web UI, and the caller's own account (`/api/v1/me`).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{self, sha256};
use crate::db::{audit, now, sessions, users};
use crate::server::auth::{Caller, SESSION_COOKIE, Via};
use crate::server::error::{ApiError, ApiResult, Json};
use crate::server::state::AppState;

/// One message for an unknown login and a wrong password, so neither can be told apart.
const WRONG_LOGIN: &str = "Wrong login or password.";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    login: String,
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Response> {
    let login = req.login.trim().to_owned();
    if login.is_empty() || login.len() > 254 {
        return Err(ApiError::bad_field("login", "Enter your login (admin, or your e-mail address)."));
    }
    if req.password.is_empty() || req.password.len() > 1024 {
        return Err(ApiError::unauthorized(WRONG_LOGIN));
    }
    if let Some(wait) = state.login_throttle.check(&login, Some(peer.ip())) {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many failed logins; try again in {} minutes.", wait.as_secs().div_ceil(60)),
        );
        e.headers.push((header::RETRY_AFTER, HeaderValue::from(wait.as_secs())));
        return Err(e);
    }

    let lookup = login.clone();
    let found = state.db.read(move |c| users::by_login(c, &lookup)).await?;
    let password = req.password;
    let user = tokio::task::spawn_blocking(move || match found {
        Some((user, hash)) if auth::verify_password(&password, &hash) && !user.disabled => Some(user),
        Some(_) => None,
        None => {
            auth::verify_against_nothing(&password);
            None
        }
    })
    .await
    .map_err(ApiError::internal)?;

    let Some(user) = user else {
        state.login_throttle.failed(&login, Some(peer.ip()));
        let addr = peer.ip().to_string();
        let who = audit::Who::anonymous(&login, &addr);
        state.db.write(move |c| audit::record(c, now(), &who, "login.failed", &login, &addr)).await?;
        return Err(ApiError::unauthorized(WRONG_LOGIN));
    };
    state.login_throttle.succeeded(&login);

    let token = auth::random_token();
    let csrf = auth::random_token();
    let t = now();
    let ttl = state.config.auth.session_ttl.0;
    let user_agent: String =
        headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").chars().take(300).collect();
    let (token_hash, csrf_stored, user_id) = (sha256(token.as_bytes()), csrf.clone(), user.id);
    let addr = peer.ip().to_string();
    let who = audit::Who::user(user.id, &user.login, &addr);
    state
        .db
        .write(move |c| {
            sessions::prune_expired(c, t)?;
            sessions::insert(
                c,
                &sessions::NewSession {
                    token_hash: &token_hash,
                    user_id,
                    csrf_token: &csrf_stored,
                    expires_at: t + ttl.as_secs() as i64,
                    remote_addr: &addr,
                    user_agent: &user_agent,
                },
                t,
            )?;
            users::touch_login(c, user_id, t)?;
            audit::record(c, t, &who, "login", "", &addr)
        })
        .await?;

    let cookie = Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.secure_cookies)
        .path("/")
        .max_age(time::Duration::seconds(ttl.as_secs() as i64))
        .build();
    let user =
        state.db.read(move |c| users::get(c, user_id)).await?.ok_or_else(|| ApiError::internal("user vanished"))?;
    Ok((CookieJar::new().add(cookie), Json(json!({ "user": user, "csrf_token": csrf })).into_response())
        .into_response())
}

/// Ends the session. Needs the CSRF token, like every other change.
pub async fn logout(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    if let Via::Session { id, .. } = caller.via {
        let who = caller.who();
        state
            .db
            .write(move |c| {
                sessions::delete(c, id)?;
                audit::record(c, now(), &who, "logout", "", "")
            })
            .await?;
    }
    let gone = Cookie::build((SESSION_COOKIE, "")).path("/").max_age(time::Duration::ZERO).build();
    Ok((CookieJar::new().add(gone), StatusCode::NO_CONTENT).into_response())
}

/// The caller and, for a browser session, its CSRF token.
pub async fn me(caller: Caller) -> Json<Value> {
    let csrf = match &caller.via {
        Via::Session { csrf_token, .. } => Some(csrf_token.clone()),
        Via::ApiKey { .. } => None,
    };
    Json(json!({ "user": caller.user, "csrf_token": csrf }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// Changes the caller's password after checking the current one; other sessions end.
pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<PasswordChange>,
) -> ApiResult<StatusCode> {
    auth::check_new_password(&req.new_password).map_err(|m| ApiError::bad_field("new_password", m))?;
    let id = caller.user.id;
    let stored = state.db.read(move |c| users::password_hash(c, id)).await?.unwrap_or_default();
    let new_hash = tokio::task::spawn_blocking(move || {
        if auth::verify_password(&req.current_password, &stored) {
            auth::hash_password(&req.new_password).map(Some).map_err(ApiError::internal)
        } else {
            Ok(None)
        }
    })
    .await
    .map_err(ApiError::internal)??;
    let Some(new_hash) = new_hash else {
        return Err(ApiError::bad_field("current_password", "The current password is wrong."));
    };
    let who = caller.who();
    let keep = match caller.via {
        Via::Session { id, .. } => Some(id),
        Via::ApiKey { .. } => None,
    };
    state
        .db
        .write(move |c| {
            let t = now();
            users::set_password(c, id, &new_hash, keep, t)?;
            audit::record(c, t, &who, "password.changed", "", "")
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
