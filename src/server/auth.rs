//! Who is calling. `Caller` is an extractor: a handler that takes one cannot run for an
//! unauthenticated request. On top of that, every `/api/v1` route sits behind `require_caller`,
//! so a handler that forgets to ask is still protected.
//!
//! Two ways in: an API key as `Authorization: Bearer stw_...`, or the UI's session cookie. Cookie
//! requests that change something must also carry the session's CSRF token in `X-CSRF-Token`
//! (the cookie is SameSite=Strict as well; the token is the second lock).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::{HeaderValue, Method, header, request::Parts};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;

use crate::auth::{constant_time_eq, sha256};
use crate::db::audit::Who;
use crate::db::users::{Role, User};
use crate::db::{api_keys, now, sessions};

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

    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_admin() { Ok(()) } else { Err(ApiError::forbidden("Only an admin may do this.")) }
    }

    pub fn require_staff(&self) -> Result<(), ApiError> {
        if self.is_staff() { Ok(()) } else { Err(ApiError::forbidden("Only the MSP's staff may do this.")) }
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
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let key = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or_else(|| ApiError::unauthorized("The Authorization header must be \"Bearer <API key>\"."))?;
        let source = client_ip(parts, state).map(|ip| ip.to_string()).unwrap_or_default();
        return api_key_caller(state, key, source).await;
    }
    let jar = CookieJar::from_headers(&parts.headers);
    let Some(cookie) = jar.get(SESSION_COOKIE) else {
        return Err(ApiError::unauthorized("Log in, or send an API key as \"Authorization: Bearer <key>\"."));
    };
    let hash = sha256(cookie.value().as_bytes());
    let session = state
        .db
        .read(move |c| sessions::lookup(c, &hash, now()))
        .await?
        .ok_or_else(|| ApiError::unauthorized("Your session has ended; log in again."))?;
    if !is_safe(&parts.method) {
        let sent = parts.headers.get(CSRF_HEADER).map(HeaderValue::as_bytes).unwrap_or_default();
        if !constant_time_eq(sent, session.csrf_token.as_bytes()) {
            return Err(ApiError::forbidden("The request lacks this session's CSRF token (X-CSRF-Token)."));
        }
    }
    let source = client_ip(parts, state).map(|ip| ip.to_string()).unwrap_or_default();
    Ok(Caller { user: session.user, via: Via::Session { id: session.id, csrf_token: session.csrf_token }, source })
}

async fn api_key_caller(state: &AppState, key: &str, source: String) -> Result<Caller, ApiError> {
    let hash = sha256(key.as_bytes());
    let (id, last_used, user) = state.db.read(move |c| api_keys::lookup(c, &hash)).await?.ok_or_else(|| {
        ApiError::unauthorized("The API key is not valid (unknown, revoked, or its user is disabled).")
    })?;
    // Record use at most once a minute, so reads do not turn into a write each.
    let t = now();
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

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Middleware for the whole `/api/v1` tree: no caller, no entry.
pub async fn require_caller(State(state): State<AppState>, request: Request, next: Next) -> Result<Response, ApiError> {
    let (mut parts, body) = request.into_parts();
    Caller::from_request_parts(&mut parts, &state).await?;
    Ok(next.run(Request::from_parts(parts, body)).await)
}

/// Counts failed logins per account and per address; past the limit, logins wait.
pub struct LoginThrottle {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginThrottle {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        LoginThrottle { max_failures: max_failures as usize, window, failures: Mutex::new(HashMap::new()) }
    }

    fn keys(login: &str, addr: Option<IpAddr>) -> Vec<String> {
        let mut keys = vec![format!("login:{}", login.to_lowercase())];
        if let Some(ip) = addr {
            keys.push(format!("addr:{ip}"));
        }
        keys
    }

    /// `Some(wait)` when this login or address has failed too often lately.
    pub fn check(&self, login: &str, addr: Option<IpAddr>) -> Option<Duration> {
        let now = Instant::now();
        let mut map = self.failures.lock().expect("throttle lock");
        let mut wait = None;
        for key in Self::keys(login, addr) {
            if let Some(times) = map.get_mut(&key) {
                times.retain(|t| now.duration_since(*t) < self.window);
                if times.len() >= self.max_failures {
                    let until = times[0] + self.window;
                    wait = Some(until.saturating_duration_since(now).max(Duration::from_secs(1)));
                }
            }
        }
        wait
    }

    pub fn failed(&self, login: &str, addr: Option<IpAddr>) {
        let now = Instant::now();
        let mut map = self.failures.lock().expect("throttle lock");
        // Keep the map from growing without bound under a spray of logins.
        if map.len() > 100_000 {
            map.retain(|_, times| times.last().is_some_and(|t| now.duration_since(*t) < self.window));
        }
        for key in Self::keys(login, addr) {
            map.entry(key).or_default().push(now);
        }
    }

    pub fn succeeded(&self, login: &str) {
        self.failures.lock().expect("throttle lock").remove(&format!("login:{}", login.to_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_blocks_after_the_limit_and_clears_on_success() {
        let t = LoginThrottle::new(3, Duration::from_secs(60));
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..3 {
            assert!(t.check("bob", Some(ip)).is_none());
            t.failed("bob", Some(ip));
        }
        assert!(t.check("BOB", None).is_some(), "per-account limit, case-insensitive");
        assert!(t.check("alice", Some(ip)).is_some(), "per-address limit");
        assert!(t.check("alice", Some("10.0.0.2".parse().unwrap())).is_none());
        t.succeeded("bob");
        assert!(t.check("bob", None).is_none());
    }
}
