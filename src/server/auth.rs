//! Who is calling. `Caller` is an extractor: whoever takes one cannot run for an unauthenticated
//! request. Handlers take it through a role (`roles::Person`, `Staff`, `Admin`), which also
//! decides whether this kind of person may call them. On top of that, every `/api/v1` route
//! sits behind `require_caller`, so even an unknown path needs credentials.
//!
//! Two ways in: an API key as `Authorization: Bearer stw_...`, or the UI's session cookie. Cookie
//! requests that change something must also carry the session's CSRF token in `X-CSRF-Token`
//! (the cookie is SameSite=Strict as well; the token is the second lock).

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts, OriginalUri, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header, request::Parts};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;

use crate::auth::{constant_time_eq, sha256};
use crate::db::audit::{self, Who};
use crate::db::users::{Role, User};
use crate::db::{api_keys, sessions};

use super::error::ApiError;
use super::state::AppState;

pub const SESSION_COOKIE: &str = "steward_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Via {
    Session { id: i64, csrf_token: String },
    ApiKey { id: i64 },
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub via: Via,
    /// The client's address (after trusted proxies), for the audit log.
    pub source: String,
}

/// The address a request came from: the peer, or what a trusted proxy says the client was.
pub fn client_ip(parts: &Parts, state: &AppState) -> Option<IpAddr> {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip();
    let forwarded = parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    Some(crate::netaddr::client_addr(peer, forwarded, &state.trusted_proxies))
}

impl Caller {
    /// Who this caller is, for the audit log.
    pub fn who(&self) -> Who {
        Who::user(self.user.id, &self.user.login, &self.source)
    }

    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    /// Admins and technicians: the MSP's own staff.
    pub fn is_staff(&self) -> bool {
        matches!(self.user.role, Role::Admin | Role::Technician)
    }

    /// For a client-role user, the one client they may see; `None` means all clients.
    pub fn client_scope(&self) -> Option<i64> {
        if self.user.role == Role::Client { self.user.client_id.or(Some(-1)) } else { None }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let caller = authenticate(parts, state).await?;
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

async fn authenticate(parts: &Parts, state: &AppState) -> Result<Caller, ApiError> {
    let t = state.clock.now();
    let ip = client_ip(parts, state);
    let source = ip.map(|ip| ip.to_string()).unwrap_or_default();
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let key = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or_else(|| ApiError::unauthorized("The Authorization header must be \"Bearer <API key>\"."))?;
        return api_key_caller(state, key, ip, source).await;
    }
    let jar = CookieJar::from_headers(&parts.headers);
    let Some(cookie) = jar.get(SESSION_COOKIE) else {
        return Err(ApiError::unauthorized("Log in, or send an API key as \"Authorization: Bearer <key>\"."));
    };
    let hash = sha256(cookie.value().as_bytes());
    let idle = state.config.auth.session_idle.0.as_secs() as i64;
    let session = state
        .db
        .read(move |c| sessions::lookup(c, &hash, t, idle))
        .await?
        .ok_or_else(|| ApiError::unauthorized("Your session has ended; log in again."))?;
    if !is_safe(&parts.method) {
        let sent = parts.headers.get(CSRF_HEADER).map(HeaderValue::as_bytes).unwrap_or_default();
        if !constant_time_eq(sent, session.csrf_token.as_bytes()) {
            return Err(ApiError::forbidden("The request lacks this session's CSRF token (X-CSRF-Token)."));
        }
    }
    let must_set_up = session.mfa_setup_required
        && !session.user.mfa_enabled
        && state.config.auth.require_mfa_for.applies_to(session.user.role);
    if must_set_up && !allowed_before_mfa_setup(parts) {
        let mut e = ApiError::forbidden("Set up a second factor (Account page) before anything else.");
        e.detail = Some(serde_json::json!({ "mfa_setup_required": true }));
        return Err(e);
    }
    // The idle clock restarts with use; written at most every few seconds per session.
    if t - session.last_seen_at >= (idle / 8).clamp(1, 60) {
        let (db, id) = (state.db.clone(), session.id);
        tokio::spawn(async move {
            if let Err(e) = db.write(move |c| sessions::touch(c, id, t)).await {
                tracing::warn!(error = %e, "could not record session use");
            }
        });
    }
    Ok(Caller { user: session.user, via: Via::Session { id: session.id, csrf_token: session.csrf_token }, source })
}

/// What a session that must first set up a second factor may reach: the account itself.
fn allowed_before_mfa_setup(parts: &Parts) -> bool {
    let path = parts.extensions.get::<OriginalUri>().map_or(parts.uri.path(), |u| u.0.path());
    let path = path.strip_prefix("/api/v1").unwrap_or(path);
    path == "/me" || path.starts_with("/me/mfa") || path == "/events"
}

async fn api_key_caller(state: &AppState, key: &str, ip: Option<IpAddr>, source: String) -> Result<Caller, ApiError> {
    let t = state.clock.now();
    let hash = sha256(key.as_bytes());
    let Some((id, last_used, user)) = state.db.read(move |c| api_keys::lookup(c, &hash, t)).await? else {
        // A key is 256 random bits: guessing one is hopeless, so only wrong keys are counted, and
        // an address past its limit is told to wait (and no longer fills the audit log).
        if let Some(ip) = ip {
            if let Some(wait) = state.login_throttle.check_address(ip, Instant::now()) {
                return Err(too_many(wait));
            }
            state.login_throttle.failed_address(ip, Instant::now());
        }
        // Record the refusal with the key's visible prefix only.
        let prefix: String = key.chars().take(12).filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        tracing::warn!(%source, %prefix, "refused an API key");
        let who = Who::anonymous("", &source);
        state
            .db
            .write(move |c| audit::record(c, t, &who, "api_key.refused", &prefix, "unknown, revoked or expired key"))
            .await?;
        return Err(ApiError::unauthorized(
            "The API key is not valid (unknown, revoked, expired, or its user is disabled).",
        ));
    };
    // Record use at most once a minute, so reads do not turn into a write each.
    if last_used.is_none_or(|last| t - last >= 60) {
        let db = state.db.clone();
        tokio::spawn(async move {
            if let Err(e) = db.write(move |c| api_keys::touch(c, id, t)).await {
                tracing::warn!(error = %e, "could not record API key use");
            }
        });
    }
    Ok(Caller { user, via: Via::ApiKey { id }, source })
}

/// 429 with `Retry-After`.
pub fn too_many(wait: Duration) -> ApiError {
    let secs = wait.as_secs().max(1);
    let when = if secs < 120 { format!("{secs} seconds") } else { format!("{} minutes", secs.div_ceil(60)) };
    let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, format!("Too many failed attempts; try again in {when}."));
    e.headers.push((header::RETRY_AFTER, HeaderValue::from(secs)));
    e
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Middleware for the whole `/api/v1` tree: no caller, no entry.
pub async fn require_caller(State(state): State<AppState>, request: Request, next: Next) -> Result<Response, ApiError> {
    let (mut parts, body) = request.into_parts();
    Caller::from_request_parts(&mut parts, &state).await?;
    Ok(next.run(Request::from_parts(parts, body)).await)
}
