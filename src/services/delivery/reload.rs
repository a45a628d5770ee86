//! Live reload of `[notifications]`: watches the config file and, when its text changes, reads it
//! again with the same layering as at start (file, then `STEWARD_*` environment). If it parses
//! and validates, the new `[notifications]` settings go into force; if not, a warning names the
//! problem and the last good settings stay.
//!
//! The parent folder is watched, not the file: editors save by writing a new file and renaming it
//! over the old one, which a watch on the old file's inode would never see. Events are only a hint:
//! after they settle the file is read and compared with the last text seen, so a folder's other
//! files (or an editor's swap files) cost one read each and change nothing.

use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

use super::Delivery;
use super::Settings;
use crate::config::{Config, NotificationsConfig};
use crate::db::notifications as store;
use crate::notify::ChannelKind;

/// Quiet time after the last event before the file is read: editors write in several steps.
const SETTLE: Duration = Duration::from_millis(300);

pub(super) async fn watch(state: Delivery, file: PathBuf) {
    let Some(folder) = file.parent().map(Path::to_owned) else { return };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Opening a file is an event too, and this task opens the file on every change: ignoring
        // opens keeps it from waking itself. A write being closed is still a change.
        use notify::event::{AccessKind, AccessMode, EventKind};
        let change = |kind: &EventKind| match kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
            EventKind::Access(_) => false,
            _ => true,
        };
        if event.is_ok_and(|e| change(&e.kind)) {
            let _ = tx.send(());
        }
    });
    // Kept alive by this task: dropping the watcher stops the events.
    let mut watcher = match watcher {
        Ok(w) => w,
        Err(e) => {
            tracing::warn!(file = %file.display(), error = %e, "cannot watch the config file; [notifications] changes need a restart");
            return;
        }
    };
    if let Err(e) = watcher.watch(&folder, RecursiveMode::NonRecursive) {
        tracing::warn!(folder = %folder.display(), error = %e, "cannot watch the config folder; [notifications] changes need a restart");
        return;
    }
    let mut last_text = tokio::fs::read_to_string(&file).await.ok();
    // The file as it was at start, to tell whether an edit touched sections that are not reloaded.
    let mut baseline = last_text.as_deref().and_then(|t| parse(t).ok());

    while rx.recv().await.is_some() {
        loop {
            match tokio::time::timeout(SETTLE, rx.recv()).await {
                Ok(Some(())) => continue,
                Ok(None) => return,
                Err(_) => break,
            }
        }
        let text = match tokio::fs::read_to_string(&file).await {
            Ok(t) => t,
            Err(e) => {
                // Also the moment between an editor's delete and its rename: the next event retries.
                tracing::warn!(file = %file.display(), error = %e, "cannot read the changed config file; keeping the notification settings in force");
                continue;
            }
        };
        if last_text.as_deref() == Some(text.as_str()) {
            continue;
        }
        last_text = Some(text.clone());
        let config = match parse(&text) {
            Ok(c) => c,
            Err(problem) => {
                tracing::warn!(file = %file.display(), "the config file changed but cannot be used ({problem}); keeping the last good notification settings");
                continue;
            }
        };
        let current = state.notifications.settings();
        if config.notifications != current.config {
            apply(&state, &config.notifications).await;
            let detail = format!(
                "[notifications] changed in {}: {}",
                file.display(),
                changed_keys(&current.config, &config.notifications)
            );
            let who = crate::db::audit::Who::system();
            let t = state.clock.now();
            if let Err(e) = state
                .db
                .write(move |c| crate::db::audit::record(c, t, &who, "settings.reloaded", "notifications", &detail))
                .await
            {
                tracing::warn!(error = %e, "could not record the settings change in the audit log");
            }
            tracing::info!(file = %file.display(), settings = ?config.notifications, "notification settings reloaded");
        }
        if baseline.as_ref().is_some_and(|b| outside_notifications(b) != outside_notifications(&config)) {
            tracing::info!(file = %file.display(), "the config file changed outside [notifications]; those changes take effect at the next restart");
        }
        baseline = Some(config);
    }
}

/// The file's text with the environment on top, validated: what the server would run with.
fn parse(text: &str) -> Result<Config, String> {
    let mut config = Config::from_toml(text)?;
    config.apply_env(std::env::vars()).map_err(|e| e.to_string())?;
    config.validate()?;
    Ok(config)
}

/// The keys of `[notifications]` that differ, by name (never a value: one is the SMTP password).
fn changed_keys(a: &NotificationsConfig, b: &NotificationsConfig) -> String {
    let (a, b) = (toml::Table::try_from(a).unwrap_or_default(), toml::Table::try_from(b).unwrap_or_default());
    let keys: Vec<&str> = b.iter().filter(|(k, v)| a.get(*k) != Some(v)).map(|(k, _)| k.as_str()).collect();
    keys.join(", ")
}

/// Everything but `[notifications]`, for comparing what a restart would change.
fn outside_notifications(c: &Config) -> Config {
    Config { notifications: NotificationsConfig::default(), file: None, ..c.clone() }
}

/// Puts new settings in force. E-mails that were waiting for their next attempt (most likely
/// because of the settings just fixed) are tried again at once.
async fn apply(state: &Delivery, config: &NotificationsConfig) {
    state.notifications.install(Settings::new(config, &state.public_url));
    let t = state.clock.now();
    if let Err(e) = state.db.write(move |c| store::retry_now(c, None, Some(ChannelKind::Email), t)).await {
        tracing::warn!(error = %e, "could not reschedule waiting e-mails after the reload");
    }
    state.notifications.wake.notify_one();
}
