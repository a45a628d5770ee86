//! `steward server`: opens the store, makes the first admin, binds, and serves the UI and API
//! until told to stop; then lets requests in flight finish, drains the writer and checkpoints.

pub mod assets;
pub mod auth;
pub mod error;
pub mod framing;
pub use crate::services::live;
pub mod monitor;
pub mod roles;
pub mod route_table;
pub mod routes;
pub mod state;
pub mod tls;

use std::future::Future;
use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::{Config, TlsMode};
use crate::db::{Db, DbError, audit, users};

use self::auth::require_caller;
use self::error::ApiError;
use self::live::Live;
pub use self::route_table::route_table;
use self::state::AppState;
use crate::certid::TlsIdentity;

/// The database file inside the data folder.
pub const DB_FILE: &str = "steward.db";

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot create the data folder {path}: {source}")]
    DataDir { path: std::path::PathBuf, source: std::io::Error },
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("TLS: {0}")]
    Tls(#[from] tls::TlsError),
    #[error("TLS: the certificate or key is not usable: {0}")]
    TlsConfig(std::io::Error),
    #[error("cannot create the admin user: {0}")]
    Admin(String),
    #[error("the server stopped: {0}")]
    Serve(std::io::Error),
}

/// Opens the data folder's database, creating the folder (mode 0700) if needed.
pub fn open_store(config: &Config) -> Result<Db, ServerError> {
    let dir = &config.server.data_dir;
    crate::fsutil::create_private_dir(dir).map_err(|source| ServerError::DataDir { path: dir.clone(), source })?;
    Ok(Db::open(&dir.join(DB_FILE))?)
}

/// How a server is run besides its config: the clock it reads, and for a server started inside
/// another program (the tests), the first admin's password and where to say it is ready.
#[derive(Default)]
pub struct Options {
    pub clock: crate::clock::Clock,
    /// The first admin's password on a new data folder; else `STEWARD_ADMIN_PASSWORD` or a random one.
    pub admin_password: Option<String>,
    /// Told the address and identity once the server listens; the banner is printed when `None`.
    pub ready: Option<tokio::sync::oneshot::Sender<Ready>>,
}

/// A started server, as `Options::ready` hears of it.
#[derive(Debug, Clone)]
pub struct Ready {
    pub url: String,
    /// Set when this start made the first admin.
    pub admin_password: Option<String>,
    /// The TLS certificate's SHA-256 fingerprint, when TLS is on.
    pub fingerprint: Option<String>,
}

/// Runs the server on the system clock until `shutdown` completes.
pub async fn run(config: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), ServerError> {
    run_with(config, Options::default(), shutdown).await
}

/// Runs the server with `options` until `shutdown` completes.
pub async fn run_with(
    config: Config,
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let Options { clock, admin_password, ready } = options;
    let db = open_store(&config)?;
    let first_admin = ensure_first_admin(&db, admin_password, clock.now()).await?;

    let listen = config.server.listen;
    let listener = TcpListener::bind(listen).map_err(|source| ServerError::Bind { addr: listen, source })?;
    let bound = listener.local_addr().map_err(|source| ServerError::Bind { addr: listen, source })?;
    let public_url = config.public_url(bound);

    let hostnames: Vec<String> = crate::netaddr::url_host(&public_url).into_iter().collect();
    let cert = tls::load_or_create(&config.tls, &config.server.data_dir, &hostnames)?;

    let offline_after = config.monitoring.offline_after.0.as_secs() as i64;
    let tls_next_pin = Arc::new(tls::NextPin::new(&config.tls, &config.server.data_dir));
    let state = AppState {
        db: db.clone(),
        secure_cookies: config.tls.mode != TlsMode::Off || public_url.starts_with("https://"),
        public_url: public_url.clone().into(),
        passkeys: Arc::new(crate::auth::passkey::Passkeys::new(&public_url)),
        login_throttle: Arc::new(crate::auth::throttle::Throttle::new(crate::auth::throttle::Limits {
            per_pair: config.auth.max_failed_logins,
            per_address: config.auth.max_failed_logins_per_address,
            window: config.auth.lockout_window.0,
        })),
        trusted_proxies: Arc::new(
            config.http.trusted_proxies.iter().filter_map(|p| crate::netaddr::Cidr::parse(p).ok()).collect(),
        ),
        config: Arc::new(config),
        live: Arc::new(Live::default()),
        engine: Arc::new(crate::services::engine::Engine::new(offline_after, &public_url)),
        notifications: Arc::new(crate::services::delivery::Notifications::default()),
        tls_identity: cert
            .as_ref()
            .map(|c| Arc::new(TlsIdentity { fingerprint: c.fingerprint.clone(), spki_pin: c.spki_pin.clone() })),
        tls_next_pin,
        clock: clock.clone(),
    };
    let t = clock.now();
    let seeded = db.write(move |c| crate::db::rules::seed_defaults(c, t)).await?;
    if seeded > 0 {
        tracing::info!(rules = seeded, "default alert rules added");
    }
    state.engine.reload(&db).await?;
    let app = router(state.clone());

    match ready {
        Some(tell) => {
            let _ = tell.send(Ready {
                url: public_url.clone(),
                admin_password: first_admin.clone(),
                fingerprint: cert.as_ref().map(|c| c.fingerprint.clone()),
            });
        }
        None => print_banner(&public_url, bound, cert.as_ref().map(|c| c.fingerprint.as_str()), first_admin.as_deref()),
    }
    tracing::info!(%bound, url = %public_url, "Steward is serving");

    let mut background = vec![
        tokio::spawn(housekeeping(state.clone())),
        tokio::spawn(monitor::offline_timer(state.clone())),
        tokio::spawn(monitor::pruner(state.clone())),
        tokio::spawn(monitor::renotifier(state.clone())),
        tokio::spawn(monitor::ticket_closer(state.clone())),
        tokio::spawn(monitor::sla_timer(state.clone())),
    ];
    background.extend(crate::services::delivery::start(
        crate::services::delivery::Delivery {
            db: state.db.clone(),
            notifications: state.notifications.clone(),
            live: state.live.clone(),
            public_url: state.public_url.clone(),
            clock: state.clock.clone(),
        },
        &state.config,
    ));
    let handle = axum_server::Handle::new();
    let grace = state.config.http.shutdown_grace.0;
    {
        let handle = handle.clone();
        let live = state.live.clone();
        tokio::spawn(async move {
            shutdown.await;
            tracing::info!("shutting down: finishing requests in flight");
            let _ = live.stopping.send(true);
            handle.graceful_shutdown(Some(grace));
        });
    }
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    let header_timeout = state.config.http.header_timeout.0;
    let served = match cert {
        Some(cert) => {
            let rustls = axum_server::tls_rustls::RustlsConfig::from_pem(cert.cert_pem, cert.key_pem)
                .await
                .map_err(ServerError::TlsConfig)?;
            let mut server = axum_server::from_tcp_rustls(listener, rustls)
                .map_err(ServerError::Serve)?
                .map(|inner| framing::Guard { inner, header_timeout });
            limit_idle_time(server.http_builder());
            server.handle(handle).serve(service).await
        }
        None => {
            let mut server = axum_server::from_tcp(listener)
                .map_err(ServerError::Serve)?
                .map(|inner| framing::Guard { inner, header_timeout });
            limit_idle_time(server.http_builder());
            server.handle(handle).serve(service).await
        }
    };
    for task in background {
        task.abort();
    }
    db.close().await;
    tracing::info!("stopped; the database is checkpointed");
    served.map_err(ServerError::Serve)
}

/// A keep-alive connection waiting this long for its next request is closed.
const IDLE_CONNECTION_TIMEOUT: Duration = Duration::from_secs(120);

/// Bounds how long an HTTP/1 connection may wait for a request head: hyper's header read timeout
/// (which does nothing without a timer, so a stalled client held a connection for minutes). Its
/// clock also runs on idle keep-alive connections, so it is the idle bound; a started but stalled
/// head is closed sooner, after `[http] header_timeout` (see `framing`).
fn limit_idle_time(builder: &mut hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>) {
    builder.http1().timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(IDLE_CONNECTION_TIMEOUT);
}

/// On the first start (no users at all), makes `admin` with `STEWARD_ADMIN_PASSWORD` or a random
/// password, and returns the password to print when it was generated here.
async fn ensure_first_admin(db: &Db, preset: Option<String>, t: i64) -> Result<Option<String>, ServerError> {
    if db.read(users::count).await? > 0 {
        return Ok(None);
    }
    let from_env = preset.or_else(|| std::env::var("STEWARD_ADMIN_PASSWORD").ok()).filter(|p| !p.is_empty());
    if let Some(p) = &from_env {
        crate::auth::check_new_password(p, &["admin"])
            .map_err(|m| ServerError::Admin(format!("STEWARD_ADMIN_PASSWORD: {m}")))?;
    }
    let password = from_env.clone().unwrap_or_else(crate::auth::random_password);
    let hash = {
        let p = password.clone();
        tokio::task::spawn_blocking(move || crate::auth::hash_password(&p))
            .await
            .map_err(|e| ServerError::Admin(e.to_string()))?
            .map_err(|e| ServerError::Admin(e.to_string()))?
    };
    let created = db
        .write(move |c| {
            // Another process may have made the first user meanwhile.
            if users::count(c)? > 0 {
                return Ok(false);
            }
            let new = users::NewUser {
                login: "admin",
                email: "",
                name: "Administrator",
                role: users::Role::Admin,
                client_id: None,
                password_hash: &hash,
            };
            users::insert(c, &new, t)?;
            audit::record(c, t, &audit::Who::system(), "user.created", "admin", "first start")?;
            Ok(true)
        })
        .await?;
    Ok(if created { Some(if from_env.is_some() { String::new() } else { password }) } else { None })
}

fn print_banner(url: &str, bound: SocketAddr, fingerprint: Option<&str>, admin_password: Option<&str>) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "Steward {} is ready.", crate::VERSION);
    let _ = writeln!(out, "  URL:       {url}");
    let _ = writeln!(out, "  Listening: {bound}");
    match fingerprint {
        Some(fp) => {
            let _ = writeln!(out, "  TLS certificate SHA-256 fingerprint: {fp}");
        }
        None => {
            let _ = writeln!(out, "  TLS is off: serve this behind a reverse proxy that terminates HTTPS.");
        }
    }
    match admin_password {
        Some("") => {
            let _ =
                writeln!(out, "First start: created the user \"admin\" with the password from STEWARD_ADMIN_PASSWORD.");
        }
        Some(p) => {
            let _ = writeln!(out, "First start: created the user \"admin\". This password is shown only once:");
            let _ = writeln!(out, "  login:    admin");
            let _ = writeln!(out, "  password: {p}");
        }
        None => {}
    }
    let _ = writeln!(out, "Logs go to standard error. Stop with Ctrl-C or SIGTERM.");
    let _ = out.flush();
}

/// Periodic clean-up: ended sessions, stale second-factor challenges, audit entries past retention.
async fn housekeeping(state: AppState) {
    let idle = state.config.auth.session_idle.0.as_secs() as i64;
    let audit_kept = state.config.audit.retention.0.as_secs() as i64;
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let t = state.clock.now();
        let done = state
            .db
            .write(move |c| {
                crate::db::sessions::prune_expired(c, t, idle)?;
                crate::db::mfa::prune_challenges(c, t)?;
                audit::prune(c, t - audit_kept, t)
            })
            .await;
        match done {
            Ok(0) => {}
            Ok(n) => tracing::info!(entries = n, "removed audit entries past [audit] retention"),
            Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
        }
    }
}

/// Content-Security-Policy for the UI: nothing but our own files, no inline script or style.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// `Strict-Transport-Security` when this server serves HTTPS itself; with `[tls] mode = "off"` the
/// reverse proxy in front decides (`None`: no header). No `includeSubDomains`: the appliance owns
/// its own host name, not the names below it, which may be other people's plain-HTTP services.
/// Browsers ignore the header on a connection whose certificate they did not accept, so an
/// untrusted self-signed certificate is not pinned by it.
fn hsts(config: &Config) -> Option<HeaderValue> {
    (config.tls.mode != TlsMode::Off).then(|| HeaderValue::from_static("max-age=31536000"))
}

/// The whole HTTP surface, built from `route_table`. Public so tests can drive it without a socket.
pub fn router(state: AppState) -> Router {
    let mut api = Router::new();
    let mut top = Router::new();
    for route in route_table() {
        if let Some(path) = route.path.strip_prefix(route_table::API_PREFIX) {
            api = api.route(path, route.handler);
        } else if route.path.starts_with("/agent/") {
            // Check-ins carry inventories with thousands of packages: a larger body limit than
            // people's requests.
            let handler = route.handler.layer(DefaultBodyLimit::max(crate::protocol::limits::BODY_BYTES));
            top = top.route(route.path, handler);
        } else {
            top = top.route(route.path, route.handler);
        }
    }
    let api = api
        .fallback(api_not_found)
        // `layer`, not `route_layer`: unknown paths under /api/v1 also need a caller, so the
        // API's shape is not visible to strangers. Every route's own guard asks again.
        .layer(middleware::from_fn_with_state(state.clone(), require_caller));

    let limits = &state.config.http;
    top.nest(route_table::API_PREFIX, api)
        .fallback(page_not_found)
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn(framing::refuse_ambiguous_framing))
        .layer(DefaultBodyLimit::max(limits.body_limit_bytes as usize))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, limits.request_timeout.0))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::overriding(header::STRICT_TRANSPORT_SECURITY, hsts(&state.config)))
        .layer(PropagateRequestIdLayer::new(HeaderName::from_static("x-request-id")))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(HeaderName::from_static("x-request-id"), MakeRequestUuid))
        .with_state(state)
}

async fn api_not_found() -> ApiError {
    ApiError::not_found("There is no such API route; GET /api/v1/openapi.json lists them.")
}

async fn page_not_found(uri: axum::http::Uri) -> Response {
    if uri.path() == "/api" || uri.path().starts_with("/api/") {
        return api_not_found().await.into_response();
    }
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "Not found\n").into_response()
}

/// Under `/api`, `/auth` and `/healthz`, every error is JSON, including those made by layers
/// (408 timeout, 413 body limit, 405 wrong method), and no answer is cached.
async fn json_errors(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let is_api =
        path.starts_with("/api") || path.starts_with("/auth") || path.starts_with("/agent") || path == "/healthz";
    let mut response = next.run(request).await;
    if !is_api {
        return response;
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if status.is_client_error() || status.is_server_error() {
        if is_json {
            return response;
        }
        let message = match status {
            StatusCode::METHOD_NOT_ALLOWED => "This route does not take that method.".to_owned(),
            StatusCode::REQUEST_TIMEOUT => "The request took too long and was stopped.".to_owned(),
            StatusCode::PAYLOAD_TOO_LARGE => "The request body is larger than this server accepts.".to_owned(),
            s => format!("{}.", s.canonical_reason().unwrap_or("Error")),
        };
        let (mut parts, _) = response.into_parts();
        parts.headers.remove(header::CONTENT_LENGTH);
        parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let body = serde_json::json!({ "error": message }).to_string();
        return Response::from_parts(parts, Body::from(body));
    }
    response
}
