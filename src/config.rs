//! Typed configuration: embedded defaults, then the TOML file, then `STEWARD_<SECTION>__<KEY>`
//! environment variables, then command-line flags (applied by the caller).
//!
//! Every key is documented with its default in `config.example.toml`; a unit test parses that file
//! and checks that it says exactly what `Config::default()` says, so the two cannot drift apart.
//! Unknown keys and bad values are refused with a sentence naming the key (and the line, for the
//! file), never ignored: a typo in a config file should not silently run with a default.
//!
//! The server reads the file once at start, except `[notifications]`: the notifier watches the
//! file and swaps in a new `[notifications]` section when an edit parses and validates
//! (`crate::notify::reload`), so SMTP settings can be fixed without dropping agents' connections.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The example configuration, embedded so `steward` can print it and tests can check it.
pub const EXAMPLE: &str = include_str!("../config.example.toml");

/// Prefix of environment variables that override config keys.
const ENV_PREFIX: &str = "STEWARD_";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config file {path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub tls: TlsConfig,
    pub http: HttpConfig,
    pub auth: AuthConfig,
    pub audit: AuditConfig,
    pub monitoring: MonitoringConfig,
    pub retention: RetentionConfig,
    pub notifications: NotificationsConfig,
    pub tickets: TicketsConfig,
    pub log: LogConfig,
    pub metrics: MetricsConfig,
    /// The file this was loaded from (absolute), so the server can watch it; not a config key.
    #[serde(skip)]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address and port the web UI, API and agent receiver listen on.
    pub listen: SocketAddr,
    /// Folder for the database, TLS certificate and other state; created with mode 0700.
    pub data_dir: PathBuf,
    /// How agents and e-mail links reach this server; derived from `listen` when empty.
    pub public_url: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "0.0.0.0:8443".parse().expect("valid default address"),
            data_dir: PathBuf::from("./steward-data"),
            public_url: String::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlsMode {
    SelfSigned,
    Files,
    Off,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsConfig {
    pub mode: TlsMode,
    /// PEM certificate chain, with `mode = "files"`.
    pub cert_file: PathBuf,
    /// PEM private key, with `mode = "files"`.
    pub key_file: PathBuf,
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig { mode: TlsMode::SelfSigned, cert_file: PathBuf::new(), key_file: PathBuf::new() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// A request that takes longer is answered 408.
    pub request_timeout: HumanDuration,
    /// Largest request body accepted, in bytes; larger ones are answered 413.
    pub body_limit_bytes: u64,
    /// How long a graceful shutdown waits for requests in flight.
    pub shutdown_grace: HumanDuration,
    /// A connection that has not sent a whole request head within this time is closed (slow or
    /// stalled clients must not hold connections open).
    pub header_timeout: HumanDuration,
    /// Reverse proxies (addresses or CIDR ranges) whose `X-Forwarded-For` names the real client.
    /// From anyone else the header is ignored, so it cannot be forged to dodge login limits.
    pub trusted_proxies: Vec<String>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            request_timeout: HumanDuration::secs(30),
            body_limit_bytes: 2 * 1024 * 1024,
            shutdown_grace: HumanDuration::secs(10),
            header_timeout: HumanDuration::secs(10),
            trusted_proxies: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// A login session ends this long after it began, however busy.
    pub session_ttl: HumanDuration,
    /// A login session ends after this long without a request.
    pub session_idle: HumanDuration,
    /// Failed logins for one account from one address allowed within `lockout_window`; then that
    /// address waits (longer after each further failure) while the owner's own address still works.
    pub max_failed_logins: u32,
    /// Failed logins from one address, for any accounts, allowed within `lockout_window`.
    pub max_failed_logins_per_address: u32,
    /// Window over which failed logins are counted.
    pub lockout_window: HumanDuration,
    /// Who must use a second factor (TOTP): "nobody", "admins", "staff" or "everyone".
    pub require_mfa_for: MfaRequirement,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            session_ttl: HumanDuration::secs(12 * 3600),
            session_idle: HumanDuration::secs(3600),
            max_failed_logins: 10,
            max_failed_logins_per_address: 50,
            lockout_window: HumanDuration::secs(15 * 60),
            require_mfa_for: MfaRequirement::Nobody,
        }
    }
}

/// `[auth] require_mfa_for`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MfaRequirement {
    Nobody,
    Admins,
    Staff,
    Everyone,
}

impl MfaRequirement {
    pub fn applies_to(self, role: crate::auth::role::Role) -> bool {
        use crate::auth::role::Role;
        match self {
            MfaRequirement::Nobody => false,
            MfaRequirement::Admins => role == Role::Admin,
            MfaRequirement::Staff => role != Role::Client,
            MfaRequirement::Everyone => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditConfig {
    /// Entries older than this are removed (at least 30 days are always kept).
    pub retention: HumanDuration,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig { retention: HumanDuration::secs(365 * 86_400) }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MonitoringConfig {
    /// No check-in for this long: the device is offline.
    pub offline_after: HumanDuration,
    /// Check-in interval the server asks agents to keep (each adds a little random jitter).
    pub checkin_interval: HumanDuration,
    /// Lifetime of an enrollment token made without an explicit --ttl.
    pub enroll_token_ttl: HumanDuration,
}

impl Default for MonitoringConfig {
    fn default() -> Self {
        MonitoringConfig {
            offline_after: HumanDuration::secs(180),
            checkin_interval: HumanDuration::secs(60),
            enroll_token_ttl: HumanDuration::secs(7 * 86_400),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TicketsConfig {
    /// A resolved ticket nobody reopens closes by itself after this long.
    pub auto_close_after: HumanDuration,
}

impl Default for TicketsConfig {
    fn default() -> Self {
        TicketsConfig { auto_close_after: HumanDuration::secs(3 * 86_400) }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionConfig {
    /// Samples at full resolution are kept this long.
    pub raw: HumanDuration,
    /// 5-minute rollups (min, average, max) are kept this long.
    pub rollup_5m: HumanDuration,
    /// Hourly rollups are kept this long.
    pub rollup_1h: HumanDuration,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            raw: HumanDuration::secs(48 * 3600),
            rollup_5m: HumanDuration::secs(90 * 86_400),
            rollup_1h: HumanDuration::secs(730 * 86_400),
        }
    }
}

impl RetentionConfig {
    pub fn policy(&self) -> crate::monitoring::rollup::Retention {
        crate::monitoring::rollup::Retention {
            raw: self.raw.0,
            five_minutes: self.rollup_5m.0,
            hourly: self.rollup_1h.0,
        }
    }
}

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which must succeed (usually port 587).
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
    /// No encryption: only for a relay on the same machine or a trusted network.
    None,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotificationsConfig {
    /// SMTP server for e-mail channels; empty: e-mail notices wait (and retry) until it is set.
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: SmtpSecurity,
    /// Login for the SMTP server; empty: send without logging in.
    pub smtp_username: String,
    pub smtp_password: String,
    /// Sender, e.g. "Steward <steward@example.com>"; empty: steward@<host of server.public_url>.
    pub smtp_from: String,
    /// A notice that could not be delivered for this long is given up.
    pub retry_for: HumanDuration,
    /// Longest wait between two attempts at one notice.
    pub max_backoff: HumanDuration,
}

impl Default for NotificationsConfig {
    fn default() -> Self {
        NotificationsConfig {
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_security: SmtpSecurity::Starttls,
            smtp_username: String::new(),
            smtp_password: String::new(),
            smtp_from: String::new(),
            retry_for: HumanDuration::secs(24 * 3600),
            max_backoff: HumanDuration::secs(600),
        }
    }
}

/// Written by hand so the SMTP password never reaches a log line.
impl fmt::Debug for NotificationsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotificationsConfig")
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_security", &self.smtp_security)
            .field("smtp_username", &self.smtp_username)
            .field("smtp_password", &if self.smtp_password.is_empty() { "" } else { "(set)" })
            .field("smtp_from", &self.smtp_from)
            .field("retry_for", &self.retry_for)
            .field("max_backoff", &self.max_backoff)
            .finish()
    }
}

impl NotificationsConfig {
    /// Checks what serde cannot: a usable sender address and host, and non-zero periods.
    pub fn validate(&self) -> Result<(), String> {
        if self.smtp_host.chars().any(|c| c.is_whitespace() || c.is_control() || c == '/') {
            return Err(format!("notifications.smtp_host must be a host name or address, not {:?}", self.smtp_host));
        }
        if self.smtp_port == 0 {
            return Err("notifications.smtp_port must be between 1 and 65535".into());
        }
        if !self.smtp_from.is_empty() && self.smtp_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(format!(
                "notifications.smtp_from must be an address such as \"Steward <steward@example.com>\", not {:?}",
                self.smtp_from
            ));
        }
        if self.smtp_password.is_empty() != self.smtp_username.is_empty() {
            return Err(
                "notifications.smtp_username and smtp_password must be set together (or both left empty)".into()
            );
        }
        if self.max_backoff.0 < Duration::from_secs(1) {
            return Err("notifications.max_backoff must be at least 1s".into());
        }
        if self.retry_for.0.is_zero() {
            return Err("notifications.retry_for must be longer than zero".into());
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// A tracing filter such as "info" or "steward=debug,tower_http=info"; RUST_LOG wins when set.
    pub level: String,
    pub format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig { level: "info".into(), format: LogFormat::Text }
    }
}

#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// When set, `GET /metrics` needs `Authorization: Bearer <token>`. Written as the token itself
    /// or as `sha256:<64 hex digits>` of it, so the config file need not hold the secret.
    pub token: String,
}

/// Written by hand so the metrics token never reaches a log line.
impl fmt::Debug for MetricsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsConfig").field("token", &if self.token.is_empty() { "" } else { "(set)" }).finish()
    }
}

/// Shortest plain metrics token accepted: a scraper's secret, not a password a person types.
pub const METRICS_TOKEN_MIN: usize = 16;

impl MetricsConfig {
    /// The SHA-256 digest a presented token must have, or `None` when `/metrics` is open.
    pub fn token_digest(&self) -> Option<[u8; 32]> {
        if self.token.is_empty() {
            return None;
        }
        if let Some(hex) = self.token.strip_prefix("sha256:") {
            let mut digest = [0u8; 32];
            for (i, byte) in digest.iter_mut().enumerate() {
                *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
            }
            return (hex.len() == 64).then_some(digest);
        }
        Some(crate::auth::sha256(self.token.as_bytes()))
    }

    pub fn validate(&self) -> Result<(), String> {
        let t = &self.token;
        if t.is_empty() {
            return Ok(());
        }
        if t.starts_with("sha256:") {
            return match self.token_digest() {
                Some(_) => Ok(()),
                None => Err("metrics.token: after \"sha256:\" write the token's SHA-256 as 64 hex digits".into()),
            };
        }
        if t.chars().count() < METRICS_TOKEN_MIN || !t.chars().all(|c| c.is_ascii_graphic()) {
            return Err(format!(
                "metrics.token must be at least {METRICS_TOKEN_MIN} characters without spaces (or sha256:<hex>)"
            ));
        }
        Ok(())
    }
}

impl Config {
    /// Loads the configuration: defaults, then `file` (if any), then the `STEWARD_*` variables in
    /// `env`. Flags are applied by the caller afterwards.
    pub fn load(file: Option<&Path>, env: impl IntoIterator<Item = (String, String)>) -> Result<Config, ConfigError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
                let mut config =
                    Config::from_toml(&text).map_err(|message| ConfigError::File { path: path.to_owned(), message })?;
                // Absolute, so a watcher finds it whatever the working directory is later.
                config.file = Some(std::path::absolute(path).unwrap_or_else(|_| path.to_owned()));
                config
            }
            None => Config::default(),
        };
        config.apply_env(env)?;
        Ok(config)
    }

    /// Parses a config file's text. The error names the key and line.
    pub fn from_toml(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| describe_toml_error(text, &e))
    }

    /// Applies `STEWARD_<SECTION>__<KEY>=value` overrides. Variables without a double underscore
    /// (such as `STEWARD_ADMIN_PASSWORD`) are not config keys and are left alone.
    pub fn apply_env(&mut self, env: impl IntoIterator<Item = (String, String)>) -> Result<(), ConfigError> {
        let mut overrides: Vec<(String, String, String, String)> = env
            .into_iter()
            .filter_map(|(var, value)| {
                let rest = var.strip_prefix(ENV_PREFIX)?;
                let (section, key) = rest.split_once("__")?;
                Some((var.clone(), section.to_ascii_lowercase(), key.to_ascii_lowercase(), value))
            })
            .collect();
        if overrides.is_empty() {
            return Ok(());
        }
        overrides.sort();
        // Not a key, so the round trip through a TOML table below would lose it.
        let file = self.file.clone();
        for (var, section, key, value) in overrides {
            let mut table = toml::Table::try_from(&*self).expect("config serializes to a table");
            let Some(toml::Value::Table(section_table)) = table.get_mut(&section) else {
                return Err(ConfigError::Env { var, message: format!("there is no config section [{section}]") });
            };
            let Some(current) = section_table.get(&key) else {
                return Err(ConfigError::Env {
                    var,
                    message: format!("there is no config key {key} in section [{section}]"),
                });
            };
            // Numbers and booleans are written bare in the environment; everything else is text.
            let parsed = match current {
                toml::Value::Integer(_) => {
                    value.trim().parse::<i64>().map(toml::Value::Integer).map_err(|_| ConfigError::Env {
                        var: var.clone(),
                        message: format!("{section}.{key} must be a whole number, not {value:?}"),
                    })?
                }
                toml::Value::Boolean(_) => {
                    value.trim().parse::<bool>().map(toml::Value::Boolean).map_err(|_| ConfigError::Env {
                        var: var.clone(),
                        message: format!("{section}.{key} must be true or false, not {value:?}"),
                    })?
                }
                // Lists are written comma-separated: STEWARD_HTTP__TRUSTED_PROXIES=127.0.0.1,10.0.0.0/8
                toml::Value::Array(_) => toml::Value::Array(
                    value
                        .split(',')
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .map(|v| toml::Value::String(v.to_owned()))
                        .collect(),
                ),
                _ => toml::Value::String(value),
            };
            section_table.insert(key.clone(), parsed);
            *self = toml::Value::Table(table).try_into().map_err(|e: toml::de::Error| ConfigError::Env {
                var: var.clone(),
                message: format!("{section}.{key}: {}", e.message()),
            })?;
            self.file = file.clone();
        }
        Ok(())
    }

    /// The address agents and links use: `public_url` when set, otherwise built from `listen`.
    pub fn public_url(&self, bound: SocketAddr) -> String {
        if !self.server.public_url.is_empty() {
            return self.server.public_url.trim_end_matches('/').to_owned();
        }
        let scheme = if self.tls.mode == TlsMode::Off { "http" } else { "https" };
        let host = if bound.ip().is_unspecified() {
            local_hostname().unwrap_or_else(|| "localhost".into())
        } else if bound.is_ipv6() {
            format!("[{}]", bound.ip())
        } else {
            bound.ip().to_string()
        };
        format!("{scheme}://{host}:{}", bound.port())
    }

    /// Checks relations between keys that serde cannot see on its own.
    pub fn validate(&self) -> Result<(), String> {
        if self.tls.mode == TlsMode::Files {
            if self.tls.cert_file.as_os_str().is_empty() {
                return Err("tls.cert_file must be set when tls.mode is \"files\"".into());
            }
            if self.tls.key_file.as_os_str().is_empty() {
                return Err("tls.key_file must be set when tls.mode is \"files\"".into());
            }
        }
        let url = &self.server.public_url;
        if !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) {
            return Err(format!("server.public_url must start with https:// or http://, not {url:?}"));
        }
        if self.http.body_limit_bytes < 1024 {
            return Err("http.body_limit_bytes must be at least 1024".into());
        }
        if self.auth.max_failed_logins == 0 {
            return Err("auth.max_failed_logins must be at least 1".into());
        }
        if self.auth.max_failed_logins_per_address < self.auth.max_failed_logins {
            return Err("auth.max_failed_logins_per_address must be at least auth.max_failed_logins".into());
        }
        if self.auth.session_idle > self.auth.session_ttl {
            return Err("auth.session_idle must not be longer than auth.session_ttl".into());
        }
        if self.audit.retention.0 < Duration::from_secs(30 * 86_400) {
            return Err("audit.retention must be at least 30d".into());
        }
        for p in &self.http.trusted_proxies {
            crate::netaddr::Cidr::parse(p).map_err(|e| format!("http.trusted_proxies: {e}"))?;
        }
        for (key, d) in [
            ("http.request_timeout", &self.http.request_timeout),
            ("http.header_timeout", &self.http.header_timeout),
            ("auth.session_ttl", &self.auth.session_ttl),
            ("auth.session_idle", &self.auth.session_idle),
            ("auth.lockout_window", &self.auth.lockout_window),
            ("monitoring.offline_after", &self.monitoring.offline_after),
            ("monitoring.checkin_interval", &self.monitoring.checkin_interval),
            ("monitoring.enroll_token_ttl", &self.monitoring.enroll_token_ttl),
            ("retention.raw", &self.retention.raw),
            ("retention.rollup_5m", &self.retention.rollup_5m),
            ("retention.rollup_1h", &self.retention.rollup_1h),
        ] {
            if d.0.is_zero() {
                return Err(format!("{key} must be longer than zero"));
            }
        }
        if self.retention.rollup_5m < self.retention.raw || self.retention.rollup_1h < self.retention.rollup_5m {
            return Err(
                "retention: keep rollup_1h at least as long as rollup_5m, and rollup_5m at least as long as raw".into(),
            );
        }
        self.metrics.validate()?;
        self.notifications.validate()
    }
}

fn local_hostname() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

/// Turns a toml error into one line: "line 3, key monitoring.offline_after: <what>".
fn describe_toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim_end_matches('\n').replace('\n', "; ");
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            match key_at_line(text, line) {
                Some(key) => format!("line {line}, key {key}: {message}"),
                None => format!("line {line}: {message}"),
            }
        }
        None => message,
    }
}

/// Finds "section.key" for the assignment on `line` (1-based), by reading the headers above it.
fn key_at_line(text: &str, line: usize) -> Option<String> {
    let mut section = String::new();
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if l.starts_with('[') && l.ends_with(']') {
            section = l.trim_matches(|c| c == '[' || c == ']').trim().to_owned();
        }
        if i + 1 == line {
            if l.starts_with('[') {
                return Some(section);
            }
            let key = l.split('=').next()?.trim();
            if key.is_empty() || key.starts_with('#') {
                return None;
            }
            return Some(if section.is_empty() { key.to_owned() } else { format!("{section}.{key}") });
        }
    }
    None
}

/// A duration written the way people say it: `90s`, `15m`, `4h`, `7d` (or combined: `1h30m`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct HumanDuration(pub Duration);

impl HumanDuration {
    pub const fn secs(s: u64) -> Self {
        HumanDuration(Duration::from_secs(s))
    }
}

impl fmt::Debug for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for HumanDuration {
    /// Writes the largest units that divide evenly: `3m`, `12h`, `1h30m`, `1500ms`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        if d.subsec_millis() != 0 || !d.subsec_nanos().is_multiple_of(1_000_000) {
            return write!(f, "{}ms", d.as_millis());
        }
        let mut secs = d.as_secs();
        if secs == 0 {
            return write!(f, "0s");
        }
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
            if secs >= size {
                write!(f, "{}{unit}", secs / size)?;
                secs %= size;
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a duration; write a number and a unit such as 90s, 15m, 4h or 7d")]
pub struct BadDuration(String);

impl FromStr for HumanDuration {
    type Err = BadDuration;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadDuration(s.to_owned());
        let text = s.trim();
        if text.is_empty() {
            return Err(bad());
        }
        let mut total = Duration::ZERO;
        let mut rest = text;
        while !rest.is_empty() {
            let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
            if digits == 0 {
                return Err(bad());
            }
            let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
            rest = &rest[digits..];
            let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
            let part = match &rest[..unit_len] {
                "ms" => Duration::from_millis(n),
                "s" => Duration::from_secs(n),
                "m" => Duration::from_secs(n.checked_mul(60).ok_or_else(bad)?),
                "h" => Duration::from_secs(n.checked_mul(3_600).ok_or_else(bad)?),
                "d" => Duration::from_secs(n.checked_mul(86_400).ok_or_else(bad)?),
                _ => return Err(bad()),
            };
            total = total.checked_add(part).ok_or_else(bad)?;
            rest = &rest[unit_len..];
        }
        Ok(HumanDuration(total))
    }
}

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        let cases = [("90s", 90), ("15m", 900), ("4h", 14_400), ("7d", 604_800), ("1h30m", 5_400)];
        for (text, secs) in cases {
            assert_eq!(text.parse::<HumanDuration>().unwrap().0, Duration::from_secs(secs), "{text}");
        }
        assert_eq!("250ms".parse::<HumanDuration>().unwrap().0, Duration::from_millis(250));
        for bad in ["", "15", "m", "15x", "-5m", "1.5h", "5 m", "99999999999999999999d"] {
            assert!(bad.parse::<HumanDuration>().is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn durations_print_back_in_the_same_form() {
        for text in ["90s", "15m", "4h", "7d", "1h30m", "250ms", "3m"] {
            let d: HumanDuration = text.parse().unwrap();
            let back: HumanDuration = d.to_string().parse().unwrap();
            assert_eq!(d, back, "{text} -> {d}");
        }
        assert_eq!(HumanDuration::secs(180).to_string(), "3m");
    }

    #[test]
    fn example_config_documents_exactly_the_defaults() {
        let parsed = Config::from_toml(EXAMPLE).expect("config.example.toml parses");
        assert_eq!(parsed, Config::default());
        // Every key the program knows appears in the example, so none goes undocumented.
        let table = toml::Table::try_from(Config::default()).unwrap();
        for (section, keys) in &table {
            assert!(EXAMPLE.contains(&format!("[{section}]")), "example lacks [{section}]");
            for key in keys.as_table().unwrap().keys() {
                assert!(
                    EXAMPLE.lines().any(|l| l.trim_start().starts_with(&format!("{key} ="))),
                    "example lacks {section}.{key}"
                );
            }
        }
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let err = Config::from_toml("[server]\nlisten = \"127.0.0.1:1\"\nlistn = \"x\"\n").unwrap_err();
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("listn"), "{err}");
        let err = Config::from_toml("[sever]\n").unwrap_err();
        assert!(err.contains("sever"), "{err}");
    }

    #[test]
    fn bad_duration_is_named_with_key_and_line() {
        let err = Config::from_toml("[monitoring]\n\noffline_after = \"3 minutes\"\n").unwrap_err();
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("monitoring.offline_after"), "{err}");
        assert!(err.contains("not a duration"), "{err}");
    }

    #[test]
    fn environment_overrides_file_and_names_bad_keys() {
        let mut c = Config::from_toml("[monitoring]\noffline_after = \"5m\"\n").unwrap();
        c.apply_env([
            ("STEWARD_MONITORING__OFFLINE_AFTER".to_string(), "30s".to_string()),
            ("STEWARD_HTTP__BODY_LIMIT_BYTES".to_string(), "4096".to_string()),
            ("STEWARD_ADMIN_PASSWORD".to_string(), "not a config key".to_string()),
        ])
        .unwrap();
        assert_eq!(c.monitoring.offline_after, HumanDuration::secs(30));
        assert_eq!(c.http.body_limit_bytes, 4096);

        let err = c.apply_env([("STEWARD_MONITORING__OFLINE_AFTER".into(), "1m".into())]).unwrap_err();
        assert!(err.to_string().contains("STEWARD_MONITORING__OFLINE_AFTER"), "{err}");
        let err = c.apply_env([("STEWARD_MONITORING__OFFLINE_AFTER".into(), "soon".into())]).unwrap_err();
        assert!(err.to_string().contains("not a duration"), "{err}");
        let err = c.apply_env([("STEWARD_TLS__MODE".into(), "maybe".into())]).unwrap_err();
        assert!(err.to_string().contains("tls.mode"), "{err}");
    }

    #[test]
    fn notification_settings_layer_and_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("steward.toml");
        std::fs::write(&path, "[notifications]\nsmtp_host = \"mail.example.com\"\nsmtp_security = \"none\"\n").unwrap();
        let c = Config::load(
            Some(&path),
            [
                ("STEWARD_NOTIFICATIONS__MAX_BACKOFF".to_string(), "1s".to_string()),
                ("STEWARD_NOTIFICATIONS__SMTP_PORT".to_string(), "2525".to_string()),
            ],
        )
        .unwrap();
        assert_eq!(c.notifications.smtp_host, "mail.example.com");
        assert_eq!(c.notifications.smtp_security, SmtpSecurity::None);
        assert_eq!((c.notifications.smtp_port, c.notifications.max_backoff), (2525, HumanDuration::secs(1)));
        assert_eq!(c.file.as_deref(), Some(path.as_path()), "the file is remembered through the env overrides");
        c.validate().unwrap();
        assert!(
            !format!(
                "{:?}",
                Config {
                    notifications: NotificationsConfig {
                        smtp_username: "u".into(),
                        smtp_password: "hunter22".into(),
                        ..c.notifications.clone()
                    },
                    ..c.clone()
                }
            )
            .contains("hunter22"),
            "the password stays out of logs"
        );

        let mut bad = c.clone();
        bad.notifications.smtp_from = "not an address".into();
        assert!(bad.validate().unwrap_err().contains("notifications.smtp_from"));
        let err = Config::from_toml("[notifications]\nsmtp_security = \"ssl\"\n").unwrap_err();
        assert!(err.contains("notifications.smtp_security"), "{err}");
    }

    #[test]
    fn metrics_token_is_checked_kept_out_of_logs_and_may_be_a_digest() {
        let mut c = Config::default();
        assert_eq!(c.metrics.token_digest(), None, "no token: /metrics is open");
        c.apply_env([("STEWARD_METRICS__TOKEN".to_string(), "scrape-0123456789abcdef".to_string())]).unwrap();
        c.validate().unwrap();
        let digest = crate::auth::sha256(b"scrape-0123456789abcdef");
        assert_eq!(c.metrics.token_digest(), Some(digest));
        assert!(!format!("{c:?}").contains("scrape-0123456789abcdef"), "the token stays out of logs");

        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        let hashed = Config::from_toml(&format!("[metrics]\ntoken = \"sha256:{hex}\"\n")).unwrap();
        hashed.validate().unwrap();
        assert_eq!(hashed.metrics.token_digest(), Some(digest), "the digest form accepts the same token");

        for bad in ["short", "has spaces in the middle of it", "sha256:abc", &format!("sha256:{}", "g".repeat(64))] {
            c.metrics.token = bad.to_owned();
            let err = c.validate().unwrap_err();
            assert!(err.contains("metrics.token"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn public_url_is_derived_from_listen() {
        let mut c = Config::default();
        assert_eq!(c.public_url("127.0.0.1:8443".parse().unwrap()), "https://127.0.0.1:8443");
        c.tls.mode = TlsMode::Off;
        assert_eq!(c.public_url("[::1]:80".parse().unwrap()), "http://[::1]:80");
        c.server.public_url = "https://rmm.example.com/".into();
        assert_eq!(c.public_url("0.0.0.0:1".parse().unwrap()), "https://rmm.example.com");
    }
}
