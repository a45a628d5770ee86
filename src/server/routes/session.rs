//! Logging in and out of the web UI (password, then the second factor when one is set up: a code
//! or a passkey), the caller's own account (`/api/v1/me`) and their sessions.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;
use serde_json::{Value, json};

use webauthn_rs::prelude::{Passkey, PublicKeyCredential};

use crate::auth::passkey::{self, PasskeyError};
use crate::auth::throttle::Verdict;
use crate::auth::{self, sha256, totp};
use crate::db::audit::Who;
use crate::db::sessions::SessionInfo;
use crate::db::users::User;
use crate::db::{audit, mfa, passkeys, sessions, users};
use crate::server::auth::{SESSION_COOKIE, Via, too_many};
use crate::server::error::{ApiError, ApiResult, Json, Path};
use crate::server::roles::Person;
use crate::server::state::AppState;

use super::Page;

/// One message for an unknown login and a wrong password, so neither can be told apart.
const WRONG_LOGIN: &str = "Wrong login or password.";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    login: String,
    password: String,
}

/// The client's address for a request without a `Caller` yet (login).
fn address(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    crate::netaddr::client_addr(peer.ip(), forwarded, &state.trusted_proxies)
}

/// Waits out the throttle's slow-down, or refuses with 429.
async fn throttled(state: &AppState, login: &str, ip: IpAddr) -> ApiResult<()> {
    match state.login_throttle.check(login, ip, Instant::now()) {
        Verdict::Wait(wait) => {
            tracing::warn!(%login, %ip, "login refused: too many failures from this address");
            Err(too_many(wait))
        }
        Verdict::Go(delay) => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            Ok(())
        }
    }
}

/// A failed attempt: counted, logged and audited.
async fn failed(state: &AppState, login: &str, ip: IpAddr, action: &'static str, detail: &str) -> ApiResult<()> {
    let now = state.clock.now();
    state.login_throttle.failed(login, ip, Instant::now());
    tracing::warn!(%login, %ip, action, "failed login");
    let (who, login, detail) = (Who::anonymous(login, &ip.to_string()), login.to_owned(), detail.to_owned());
    state.db.write(move |c| audit::record(c, now, &who, action, &login, &detail)).await?;
    Ok(())
}

/// `POST /auth/login`: with the right password, either a session (cookie and CSRF token) or,
/// when the user has a second factor, `{"mfa_required": true, "mfa_token"}` for `/auth/login/mfa`.
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Response> {
    let now = state.clock.now();
    let login = req.login.trim().to_owned();
    if login.is_empty() || login.len() > 254 {
        return Err(ApiError::bad_field("login", "Enter your login (admin, or your e-mail address)."));
    }
    let ip = address(&state, peer, &headers);
    throttled(&state, &login, ip).await?;
    if req.password.is_empty() || req.password.len() > 1024 {
        failed(&state, &login, ip, "login.failed", "empty or overlong password").await?;
        return Err(ApiError::unauthorized(WRONG_LOGIN));
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
        failed(&state, &login, ip, "login.failed", "wrong login or password").await?;
        return Err(ApiError::unauthorized(WRONG_LOGIN));
    };
    state.login_throttle.succeeded(&login, ip);

    if user.mfa_enabled {
        let token = auth::random_token();
        let (hash, user_id, addr) = (sha256(token.as_bytes()), user.id, ip.to_string());
        let (totp_on, passkeys) = state
            .db
            .write(move |c| {
                mfa::create_challenge(c, &hash, user_id, &addr, now)?;
                Ok((users::totp(c, user_id)?.enabled_at.is_some(), passkeys::count(c, user_id)?))
            })
            .await?;
        let methods: Vec<&str> =
            [(totp_on, "totp"), (passkeys > 0, "passkey")].into_iter().filter(|(on, _)| *on).map(|(_, m)| m).collect();
        return Ok(Json(json!({ "mfa_required": true, "mfa_token": token, "methods": methods })).into_response());
    }
    let setup_required = state.config.auth.require_mfa_for.applies_to(user.role);
    start_session(&state, user, ip, &headers, setup_required, "password").await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MfaLoginRequest {
    mfa_token: String,
    /// The six digits the authenticator shows, or one of the recovery codes.
    code: String,
}

/// `POST /auth/login/mfa`: the second step, with a code from the authenticator or a recovery code.
pub async fn login_mfa(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(req): Json<MfaLoginRequest>,
) -> ApiResult<Response> {
    let now = state.clock.now();
    let ip = address(&state, peer, &headers);
    if req.code.len() > 100 {
        return Err(login_expired());
    }
    let (challenge, user) = pending_login(&state, &req.mfa_token).await?;
    let (user_id, t) = (user.id, now);
    throttled(&state, &user.login, ip).await?;

    let code = req.code.trim().to_owned();
    let how = state
        .db
        .write(move |c| {
            let secret = users::totp(c, user_id)?;
            let Some(s) = secret.secret.filter(|_| secret.enabled_at.is_some()) else { return Ok(None) };
            if let Some(step) = totp::verify(&s, &code, t, secret.last_step) {
                return Ok(users::use_totp_step(c, user_id, step)?.then(|| "authenticator code".to_owned()));
            }
            let recovery = sha256(auth::normalize_recovery_code(&code).as_bytes());
            if users::use_recovery_code(c, user_id, &recovery, t)? {
                let left = users::recovery_codes_left(c, user_id)?;
                return Ok(Some(format!("recovery code ({left} left)")));
            }
            mfa::challenge_failed(c, challenge)?;
            Ok(None)
        })
        .await?;
    let Some(how) = how else {
        failed(&state, &user.login, ip, "login.mfa_failed", "wrong second-factor code").await?;
        return Err(ApiError::unauthorized("That code is not right (or was used already); try the next one."));
    };
    state.login_throttle.succeeded(&user.login, ip);
    state.db.write(move |c| mfa::delete_challenge(c, challenge)).await?;
    start_session(&state, user, ip, &headers, false, &how).await
}

fn login_expired() -> ApiError {
    ApiError::unauthorized("The login has expired or had too many wrong codes; log in again.")
}

/// The half-done login an `mfa_token` names: its `mfa_challenges` row and the user, or the 401
/// that sends the person back to the password.
async fn pending_login(state: &AppState, token: &str) -> ApiResult<(i64, User)> {
    let t = state.clock.now();
    if token.len() > 100 {
        return Err(login_expired());
    }
    let hash = sha256(token.trim().as_bytes());
    let (challenge, user_id) = state.db.read(move |c| mfa::challenge(c, &hash, t)).await?.ok_or_else(login_expired)?;
    let user =
        state.db.read(move |c| users::get(c, user_id)).await?.filter(|u| !u.disabled).ok_or_else(login_expired)?;
    Ok((challenge, user))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasskeyLoginStart {
    mfa_token: String,
}

/// `POST /auth/login/passkey/start`: the second step with a passkey; answers the options for
/// `navigator.credentials.get`, limited to the user's passkeys.
pub async fn login_passkey_start(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(req): Json<PasskeyLoginStart>,
) -> ApiResult<Json<Value>> {
    let ip = address(&state, peer, &headers);
    let (challenge, user) = pending_login(&state, &req.mfa_token).await?;
    throttled(&state, &user.login, ip).await?;
    let keys: Vec<Passkey> = super::mfa::load_passkeys(&state, user.id).await?.into_iter().map(|(_, p)| p).collect();
    if keys.is_empty() {
        return Err(ApiError::bad_request("You have no passkey here; enter the code from your authenticator app."));
    }
    let options = state.passkeys.start_login(challenge, &keys).map_err(|e| match e {
        PasskeyError::Unavailable(why) => ApiError::conflict(why),
        other => ApiError::internal(other),
    })?;
    Ok(Json(serde_json::to_value(options).map_err(ApiError::internal)?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasskeyLoginFinish {
    mfa_token: String,
    /// What `navigator.credentials.get` answered, binary fields as base64url.
    credential: Value,
}

/// `POST /auth/login/passkey/finish`: checks the passkey's signature and, when it holds, makes the
/// session. A refusal counts like a wrong code (against the login and the throttle).
pub async fn login_passkey_finish(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(req): Json<PasskeyLoginFinish>,
) -> ApiResult<Response> {
    let now = state.clock.now();
    let ip = address(&state, peer, &headers);
    let (challenge, user) = pending_login(&state, &req.mfa_token).await?;
    throttled(&state, &user.login, ip).await?;
    let user_id = user.id;
    let verified = serde_json::from_value::<PublicKeyCredential>(req.credential)
        .map_err(|e| format!("not a passkey's answer: {e}"))
        .and_then(|credential| state.passkeys.finish_login(challenge, &credential).map_err(|e| e.to_string()));
    let stored = super::mfa::load_passkeys(&state, user_id).await?;
    let found = verified.and_then(|result| {
        let used = passkey::used_credential_id(&result);
        let (row, mut key) = stored
            .into_iter()
            .find(|(_, p)| passkey::credential_id(p) == used)
            .ok_or_else(|| "a passkey this user does not have".to_owned())?;
        // The signature counter moved: keep the new one, so a cloned key shows up.
        let changed = key.update_credential(&result) == Some(true);
        Ok((row, changed.then(|| serde_json::to_string(&key).ok()).flatten()))
    });
    let (row, updated) = match found {
        Ok(found) => found,
        Err(why) => {
            state.db.write(move |c| mfa::challenge_failed(c, challenge)).await?;
            // The reason may quote what the browser sent: kept short and on one line for the log.
            let why: String = why.chars().filter(|c| !c.is_control()).take(200).collect();
            failed(&state, &user.login, ip, "login.mfa_failed", &format!("passkey refused: {why}")).await?;
            return Err(ApiError::unauthorized("The passkey was not accepted; try again, or log in another way."));
        }
    };
    state.login_throttle.succeeded(&user.login, ip);
    let name = state
        .db
        .write(move |c| {
            let name = passkeys::used(c, row, updated.as_deref(), now)?;
            mfa::delete_challenge(c, challenge)?;
            Ok(name)
        })
        .await?;
    start_session(&state, user, ip, &headers, false, &format!("passkey \"{name}\"")).await
}

/// Makes the session, sets the cookie and answers with the user and the CSRF token.
async fn start_session(
    state: &AppState,
    user: User,
    ip: IpAddr,
    headers: &HeaderMap,
    mfa_setup_required: bool,
    how: &str,
) -> ApiResult<Response> {
    let t = state.clock.now();
    let token = auth::random_token();
    let csrf = auth::random_token();
    let ttl = state.config.auth.session_ttl.0.as_secs() as i64;
    let idle = state.config.auth.session_idle.0.as_secs() as i64;
    let user_agent: String =
        headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").chars().take(300).collect();
    let (token_hash, csrf_stored, user_id) = (sha256(token.as_bytes()), csrf.clone(), user.id);
    let addr = ip.to_string();
    let who = Who::user(user.id, &user.login, &addr);
    let detail = if mfa_setup_required { format!("{how}; must set up a second factor") } else { how.to_owned() };
    state
        .db
        .write(move |c| {
            sessions::prune_expired(c, t, idle)?;
            sessions::insert(
                c,
                &sessions::NewSession {
                    token_hash: &token_hash,
                    user_id,
                    csrf_token: &csrf_stored,
                    expires_at: t + ttl,
                    remote_addr: &addr,
                    user_agent: &user_agent,
                    mfa_setup_required,
                },
                t,
            )?;
            users::touch_login(c, user_id, t)?;
            audit::record(c, t, &who, "login", "", &detail)
        })
        .await?;

    let cookie = Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.secure_cookies)
        .path("/")
        .max_age(time::Duration::seconds(ttl))
        .build();
    let user =
        state.db.read(move |c| users::get(c, user_id)).await?.ok_or_else(|| ApiError::internal("user vanished"))?;
    let body = json!({ "user": user, "csrf_token": csrf, "mfa_setup_required": mfa_setup_required });
    Ok((CookieJar::new().add(cookie), Json(body).into_response()).into_response())
}

/// Ends the session (and its open event streams). Needs the CSRF token, like every other change.
pub async fn logout(State(state): State<AppState>, Person(caller): Person) -> ApiResult<Response> {
    let now = state.clock.now();
    if let Via::Session { id, .. } = caller.via {
        let who = caller.who();
        state
            .db
            .write(move |c| {
                sessions::delete(c, id)?;
                audit::record(c, now, &who, "logout", "", "")
            })
            .await?;
        state.live.revoke(&[id], &[]);
    }
    let gone = Cookie::build((SESSION_COOKIE, "")).path("/").max_age(time::Duration::ZERO).build();
    Ok((CookieJar::new().add(gone), StatusCode::NO_CONTENT).into_response())
}

/// The caller, their second-factor state and, for a browser session, its CSRF token.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Me {
    user: User,
    /// Send as X-CSRF-Token on unsafe requests of a browser session; null for an API key.
    #[schema(required = true)]
    csrf_token: Option<String>,
    /// The caller's role must use a second factor here.
    mfa_required: bool,
    /// It must, and the caller has none yet.
    mfa_setup_required: bool,
}

/// The part of the API description this module answers.
#[derive(utoipa::OpenApi)]
#[openapi(paths(me, change_password, my_sessions, end_my_session, end_my_other_sessions))]
pub struct Api;

/// The caller, and the CSRF token of a browser session
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Me)))]
pub async fn me(State(state): State<AppState>, Person(caller): Person) -> ApiResult<Json<Me>> {
    let csrf = match &caller.via {
        Via::Session { csrf_token, .. } => Some(csrf_token.clone()),
        Via::ApiKey { .. } => None,
    };
    let required = state.config.auth.require_mfa_for.applies_to(caller.user.role);
    let mfa_setup_required = required && !caller.user.mfa_enabled;
    Ok(Json(Me { user: caller.user, csrf_token: csrf, mfa_required: required, mfa_setup_required }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// A wrong one is refused with 403.
    current_password: String,
    /// At least 12 characters, not one character repeated; nor a run such as 123456789012, one
    /// of the most common passwords, or the caller's login or e-mail address.
    #[schema(min_length = 12, max_length = 1024, pattern = r"^(?!([\s\S])\1*$)")]
    new_password: String,
}

/// Change the caller's password (other sessions end)
///
/// After checking the current one. Every other session ends, and the caller's API keys are
/// revoked (whoever knew the old password may have made one).
#[utoipa::path(post, path = "/api/v1/me/password", request_body = PasswordChange, responses((status = 204)))]
pub async fn change_password(
    State(state): State<AppState>,
    Person(caller): Person,
    Json(req): Json<PasswordChange>,
) -> ApiResult<StatusCode> {
    let t = state.clock.now();
    auth::check_new_password(&req.new_password, &[&caller.user.login, &caller.user.email])
        .map_err(|m| ApiError::bad_field("new_password", m))?;
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
        return Err(super::mfa::wrong_password());
    };
    let who = caller.who();
    let keep = match caller.via {
        Via::Session { id, .. } => Some(id),
        Via::ApiKey { .. } => None,
    };
    let (ended, keys) = state
        .db
        .write(move |c| {
            let (ended, keys) = crate::services::accounts::set_password(c, id, &new_hash, keep, t)?;
            let detail = format!("{} other sessions ended, {} API keys revoked", ended.len(), keys.len());
            audit::record(c, t, &who, "password.changed", "", &detail)?;
            Ok((ended, keys))
        })
        .await?;
    state.live.revoke(&ended, &keys);
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's sessions in force (where, when, which one is this)
#[utoipa::path(get, path = "/api/v1/me/sessions", responses((status = 200, body = Page<SessionInfo>)))]
pub async fn my_sessions(State(state): State<AppState>, Person(caller): Person) -> ApiResult<Json<Page<SessionInfo>>> {
    let now = state.clock.now();
    let current = match caller.via {
        Via::Session { id, .. } => Some(id),
        Via::ApiKey { .. } => None,
    };
    let (user_id, idle) = (caller.user.id, state.config.auth.session_idle.0.as_secs() as i64);
    let items = state.db.read(move |c| sessions::list_for_user(c, user_id, now, idle, current)).await?;
    Ok(Json(Page { items, next_cursor: None }))
}

/// End one of the caller's sessions
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", responses((status = 204)))]
pub async fn end_my_session(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let now = state.clock.now();
    let (user_id, who) = (caller.user.id, caller.who());
    let ended = state
        .db
        .write(move |c| {
            let ended = sessions::end_one(c, user_id, id)?;
            if ended {
                audit::record(c, now, &who, "session.ended", &id.to_string(), "")?;
            }
            Ok(ended)
        })
        .await?;
    if !ended {
        return Err(ApiError::not_found(format!("You have no session with id {id}.")));
    }
    state.live.revoke(&[id], &[]);
    Ok(StatusCode::NO_CONTENT)
}

/// How many sessions ended.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Ended {
    ended: usize,
}

/// Log out everywhere else: end every other session of the caller
///
/// Every session of the caller but the one making this request.
#[utoipa::path(post, path = "/api/v1/me/sessions/end-others", responses((status = 200, body = Ended)))]
pub async fn end_my_other_sessions(State(state): State<AppState>, Person(caller): Person) -> ApiResult<Json<Ended>> {
    let now = state.clock.now();
    let keep = match caller.via {
        Via::Session { id, .. } => Some(id),
        Via::ApiKey { .. } => None,
    };
    let (user_id, who) = (caller.user.id, caller.who());
    let ended = state
        .db
        .write(move |c| {
            let ended = sessions::end_all(c, user_id, keep)?;
            audit::record(c, now, &who, "sessions.ended", "", &format!("{} other sessions", ended.len()))?;
            Ok(ended)
        })
        .await?;
    state.live.revoke(&ended, &[]);
    Ok(Json(Ended { ended: ended.len() }))
}
