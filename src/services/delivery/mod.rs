//! Delivering notifications: the outbox worker (due rows, a few at a time, retries with
//! backoff, give-up), the SMTP side built from the `[notifications]` settings, and the watcher
//! that swaps in new settings when the config file changes.
//!
//! Why an outbox rather than sending from the engine: a notice accepted in the same commit as its
//! alert survives a crash, a restart and a receiver that is down for hours, and the engine never
//! waits on a slow webhook. The price is at-least-once delivery: a crash between a receiver's
//! answer and our record of it sends that notice again, so webhooks carry `X-Steward-Delivery`
//! (the outbox id) and e-mails a Message-ID made from it, for receivers to drop a repeat.

pub mod email;
mod reload;
mod worker;

use std::sync::{Arc, RwLock};

use super::live::Live;
use crate::config::{Config, NotificationsConfig};
use crate::db::Db;

/// What delivery needs, and nothing more: the database, the settings handle, the live feed (for
/// in-app notices) and the public URL (for links and the sender's domain).
#[derive(Clone)]
pub struct Delivery {
    pub db: Db,
    pub notifications: Arc<Notifications>,
    pub live: Arc<Live>,
    pub public_url: Arc<str>,
    pub clock: crate::clock::Clock,
}

/// The `[notifications]` settings in force, and the SMTP transport built from them. Swapped as
/// a whole on reload, so one delivery never mixes old and new settings.
pub struct Settings {
    pub config: NotificationsConfig,
    pub mail: email::Mailer,
}

impl Settings {
    pub fn new(config: &NotificationsConfig, public_url: &str) -> Settings {
        Settings { config: config.clone(), mail: email::Mailer::new(config, public_url) }
    }
}

/// The notifier's handle in the server's state.
pub struct Notifications {
    /// Woken after a transaction queued notices, so they go out at once rather than at the next poll.
    pub wake: tokio::sync::Notify,
    /// Read for every delivery, written only on a config reload.
    settings: RwLock<Arc<Settings>>,
}

impl Default for Notifications {
    /// The built-in defaults; `start` installs the configured settings before any delivery.
    fn default() -> Self {
        Notifications {
            wake: tokio::sync::Notify::new(),
            settings: RwLock::new(Arc::new(Settings::new(&NotificationsConfig::default(), ""))),
        }
    }
}

impl Notifications {
    /// The settings in force now.
    pub fn settings(&self) -> Arc<Settings> {
        self.settings.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Puts `settings` in force for every delivery that starts from now on.
    pub fn install(&self, settings: Settings) {
        *self.settings.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(settings);
    }
}

/// Starts the notifier's background work: outbox delivery and, when the server was started with
/// a config file, watching it. Installs the configured settings first (the state is built with
/// the defaults, before the public URL is known).
pub fn start(delivery: Delivery, config: &Config) -> Vec<tokio::task::JoinHandle<()>> {
    delivery.notifications.install(Settings::new(&config.notifications, &delivery.public_url));
    let mut tasks = vec![tokio::spawn(worker::run(delivery.clone()))];
    if let Some(file) = config.file.clone() {
        tasks.push(tokio::spawn(reload::watch(delivery, file)));
    }
    tasks
}
