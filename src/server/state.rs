//! What every handler can reach. Cheap to clone: every field is a handle.

use std::sync::Arc;

use crate::config::Config;
use crate::db::Db;

use super::auth::LoginThrottle;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// How agents, e-mails and links reach this server.
    pub public_url: Arc<str>,
    /// Session cookies carry `Secure` when people reach the server over HTTPS.
    pub secure_cookies: bool,
    pub login_throttle: Arc<LoginThrottle>,
}
