//! What every handler can reach. Cheap to clone: every field is a handle.

use std::sync::Arc;

use crate::config::Config;
use crate::db::Db;

use super::live::Live;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// How agents, e-mails and links reach this server.
    pub public_url: Arc<str>,
    /// Session cookies carry `Secure` when people reach the server over HTTPS.
    pub secure_cookies: bool,
    pub login_throttle: Arc<crate::auth::throttle::Throttle>,
    /// The WebAuthn relying party (from `public_url`) and the passkey ceremonies under way.
    pub passkeys: Arc<crate::auth::passkey::Passkeys>,
    /// `[http] trusted_proxies`, parsed.
    pub trusted_proxies: Arc<Vec<crate::netaddr::Cidr>>,
    pub live: Arc<Live>,
    /// Rules and maintenance windows in force, and the evaluation around them.
    pub engine: Arc<crate::services::engine::Engine>,
    /// The notifier (outbox delivery, channel settings).
    pub notifications: Arc<crate::services::delivery::Notifications>,
    /// The TLS certificate's identity, for install commands; `None` when TLS is off.
    pub tls_identity: Option<Arc<crate::certid::TlsIdentity>>,
    /// The SPKI pin of the next TLS key (`steward admin tls rotate`), told to agents ahead.
    pub tls_next_pin: Arc<super::tls::NextPin>,
    /// Now, for everything that reads the time (a manual clock in tests).
    pub clock: crate::clock::Clock,
}
