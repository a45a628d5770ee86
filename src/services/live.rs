//! Live updates: what changed, broadcast to open UI pages (over SSE) and, later, to the rule engine.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use tokio::sync::broadcast;

/// One change worth showing without a reload.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A check-in was stored.
    CheckIn {
        device_id: i64,
        client_id: i64,
    },
    DeviceOnline {
        device_id: i64,
        client_id: i64,
    },
    DeviceOffline {
        device_id: i64,
        client_id: i64,
    },
    DeviceEnrolled {
        device_id: i64,
        client_id: i64,
    },
    /// Tags or other details of a device changed.
    DeviceChanged {
        device_id: i64,
        client_id: i64,
    },
    /// An alert opened, changed severity, was acknowledged or resolved.
    AlertChanged {
        alert_id: i64,
        device_id: i64,
        client_id: i64,
    },
    /// A new in-app notice. `client_id` is 0 for one about no client in particular.
    Notice {
        notice_id: i64,
        client_id: i64,
    },
    /// A ticket was opened or changed (fields, comments, time, SLA state).
    TicketChanged {
        ticket_id: i64,
        client_id: i64,
    },
}

impl LiveEvent {
    /// The client whose data the event is about (client contacts see only their own).
    pub fn client_id(&self) -> i64 {
        match self {
            LiveEvent::CheckIn { client_id, .. }
            | LiveEvent::DeviceOnline { client_id, .. }
            | LiveEvent::DeviceOffline { client_id, .. }
            | LiveEvent::DeviceEnrolled { client_id, .. }
            | LiveEvent::DeviceChanged { client_id, .. }
            | LiveEvent::AlertChanged { client_id, .. }
            | LiveEvent::Notice { client_id, .. }
            | LiveEvent::TicketChanged { client_id, .. } => *client_id,
        }
    }
}

/// Credentials that stopped being good: open event streams that rest on them end at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoked {
    Session(i64),
    ApiKey(i64),
    /// Every credential of the user (disabled, or their role or client changed).
    User(i64),
}

/// The broadcast channel plus the receiver's own counters for `/metrics`.
pub struct Live {
    pub events: broadcast::Sender<LiveEvent>,
    pub revoked: broadcast::Sender<Revoked>,
    /// Turns true when the server begins to shut down, so open event streams end and the
    /// graceful shutdown need not wait them out.
    pub stopping: tokio::sync::watch::Sender<bool>,
    pub checkins: AtomicU64,
    pub reports_stored: AtomicU64,
    pub reports_repeated: AtomicU64,
    pub checkins_refused: AtomicU64,
    pub checkin_micros: AtomicU64,
}

impl Default for Live {
    fn default() -> Self {
        Live {
            events: broadcast::channel(1024).0,
            revoked: broadcast::channel(256).0,
            stopping: tokio::sync::watch::channel(false).0,
            checkins: AtomicU64::new(0),
            reports_stored: AtomicU64::new(0),
            reports_repeated: AtomicU64::new(0),
            checkins_refused: AtomicU64::new(0),
            checkin_micros: AtomicU64::new(0),
        }
    }
}

impl Live {
    /// Sends to whoever listens; nobody listening is fine.
    pub fn send(&self, e: LiveEvent) {
        let _ = self.events.send(e);
    }

    /// Ends the streams of these sessions and keys.
    pub fn revoke(&self, sessions: &[i64], keys: &[i64]) {
        for &id in sessions {
            let _ = self.revoked.send(Revoked::Session(id));
        }
        for &id in keys {
            let _ = self.revoked.send(Revoked::ApiKey(id));
        }
    }

    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}
