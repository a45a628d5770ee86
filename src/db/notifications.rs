//! Notification channels, the outbox that delivers through them, and the in-app notices with
//! how far each person has read them. `enqueue` writes the outbox rows for alerts;
//! everything else about those tables is here.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::{DbError, rfc3339};
use crate::notify::{ChannelKind, Message};
use crate::rules::Severity;

/// A way notices reach people: an e-mail list, a webhook, a chat room, or the bell in the UI.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Channel {
    pub id: i64,
    pub name: String,
    pub kind: ChannelKind,
    /// The URL, or the comma-separated e-mail addresses; empty for in-app.
    pub target: String,
    /// Notices below this severity are not sent here.
    pub min_severity: Severity,
    /// Only notices about this client; `None`: every client.
    pub client_id: Option<i64>,
    pub client: Option<String>,
    pub enabled: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// Deliveries not yet made (waiting for their first or next attempt).
    pub pending: i64,
    /// The newest delivery, to see at a glance whether the channel works.
    pub last_delivery: Option<Delivery>,
}

/// One outbox row, as people see it under a channel.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Delivery {
    /// The outbox id; webhooks carry it as `X-Steward-Delivery`.
    pub id: i64,
    pub channel_id: i64,
    pub event: String,
    pub title: String,
    /// "pending", "delivered" or "failed" (given up).
    #[schema(value_type = String, pattern = "^(?:pending|delivered|failed)$")]
    pub state: &'static str,
    pub attempts: i64,
    /// Why the latest failed attempt failed; kept after a later success, to show why it took long.
    pub last_error: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When the next attempt is due, while pending.
    #[schema(format = DateTime)]
    pub next_attempt_at: Option<String>,
    #[schema(format = DateTime)]
    pub delivered_at: Option<String>,
    #[schema(format = DateTime)]
    pub failed_at: Option<String>,
}

/// What a new channel is made of (already validated).
pub struct ChannelFields<'a> {
    pub name: &'a str,
    pub kind: ChannelKind,
    pub target: &'a str,
    pub min_severity: Severity,
    pub client_id: Option<i64>,
    pub enabled: bool,
}

/// A partial edit: `None` leaves a field alone; `client_id: Some(None)` makes it every client's.
#[derive(Default)]
pub struct ChannelChanges {
    pub name: Option<String>,
    pub kind: Option<ChannelKind>,
    pub target: Option<String>,
    pub min_severity: Option<Severity>,
    pub client_id: Option<Option<i64>>,
    pub enabled: Option<bool>,
}

const PENDING: &str = "delivered_at IS NULL AND failed_at IS NULL";

const CHANNEL_COLUMNS: &str = "ch.id, ch.name, ch.kind, ch.target, ch.min_severity, ch.client_id, cl.name,
    ch.enabled, ch.created_at, ch.updated_at,
    (SELECT count(*) FROM outbox o WHERE o.channel_id = ch.id AND o.delivered_at IS NULL AND o.failed_at IS NULL)
    FROM channels ch LEFT JOIN clients cl ON cl.id = ch.client_id";

fn channel_from_row(r: &Row) -> rusqlite::Result<Channel> {
    let kind: String = r.get(2)?;
    let severity: String = r.get(4)?;
    Ok(Channel {
        id: r.get(0)?,
        name: r.get(1)?,
        // The table's CHECK constraints allow only the values these parse.
        kind: ChannelKind::parse(&kind).unwrap_or(ChannelKind::Webhook),
        target: r.get(3)?,
        min_severity: Severity::parse(&severity).unwrap_or(Severity::Warning),
        client_id: r.get(5)?,
        client: r.get(6)?,
        enabled: r.get(7)?,
        created_at: rfc3339(r.get(8)?),
        updated_at: rfc3339(r.get(9)?),
        pending: r.get(10)?,
        last_delivery: None,
    })
}

const DELIVERY_COLUMNS: &str = "id, channel_id, event, coalesce(json_extract(message_json, '$.title'), ''),
    attempts, last_error, created_at, next_attempt_at, delivered_at, failed_at";

fn delivery_from_row(r: &Row) -> rusqlite::Result<Delivery> {
    let delivered: Option<i64> = r.get(8)?;
    let failed: Option<i64> = r.get(9)?;
    let state = match (delivered, failed) {
        (Some(_), _) => "delivered",
        (None, Some(_)) => "failed",
        (None, None) => "pending",
    };
    Ok(Delivery {
        id: r.get(0)?,
        channel_id: r.get(1)?,
        event: r.get(2)?,
        title: r.get(3)?,
        state,
        attempts: r.get(4)?,
        last_error: r.get(5)?,
        created_at: rfc3339(r.get(6)?),
        next_attempt_at: (state == "pending").then(|| rfc3339(r.get(7).unwrap_or(0))),
        delivered_at: delivered.map(rfc3339),
        failed_at: failed.map(rfc3339),
    })
}

fn with_last_delivery(conn: &Connection, mut channel: Channel) -> Result<Channel, DbError> {
    let sql = format!("SELECT {DELIVERY_COLUMNS} FROM outbox WHERE channel_id = ?1 ORDER BY id DESC LIMIT 1");
    channel.last_delivery = conn.query_row(&sql, [channel.id], delivery_from_row).optional()?;
    Ok(channel)
}

/// Channels in the order they were made, after the id `after` (the page cursor).
pub fn list_channels(conn: &Connection, after: Option<i64>, limit: usize) -> Result<Vec<Channel>, DbError> {
    let sql = format!("SELECT {CHANNEL_COLUMNS} WHERE (?1 IS NULL OR ch.id > ?1) ORDER BY ch.id LIMIT ?2");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![after, limit as i64], channel_from_row)?.collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(|c| with_last_delivery(conn, c)).collect()
}

pub fn get_channel(conn: &Connection, id: i64) -> Result<Option<Channel>, DbError> {
    let sql = format!("SELECT {CHANNEL_COLUMNS} WHERE ch.id = ?1");
    match conn.query_row(&sql, [id], channel_from_row).optional()? {
        Some(c) => Ok(Some(with_last_delivery(conn, c)?)),
        None => Ok(None),
    }
}

fn not_found(id: i64) -> DbError {
    DbError::NotFound(format!("There is no notification channel with id {id}."))
}

pub fn insert_channel(conn: &Connection, f: &ChannelFields, now: i64) -> Result<Channel, DbError> {
    conn.execute(
        "INSERT INTO channels (name, kind, target, min_severity, client_id, enabled, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![f.name, f.kind.as_str(), f.target, f.min_severity.as_str(), f.client_id, f.enabled, now],
    )?;
    let id = conn.last_insert_rowid();
    get_channel(conn, id)?.ok_or_else(|| not_found(id))
}

/// Applies `changes`. Disabling a channel gives up its waiting alert notices (a test still goes
/// out), so re-enabling it later does not send a backlog of stale alerts; a new target or kind
/// retries the waiting ones at once, since the fix is usually what they were waiting for.
pub fn update_channel(conn: &Connection, id: i64, changes: &ChannelChanges, now: i64) -> Result<Channel, DbError> {
    let (set_client, client) = match changes.client_id {
        Some(c) => (true, c),
        None => (false, None),
    };
    let changed = conn.execute(
        "UPDATE channels SET name = coalesce(?2, name), kind = coalesce(?3, kind), target = coalesce(?4, target),
             min_severity = coalesce(?5, min_severity), client_id = CASE WHEN ?6 THEN ?7 ELSE client_id END,
             enabled = coalesce(?8, enabled), updated_at = ?9
         WHERE id = ?1",
        params![
            id,
            changes.name,
            changes.kind.map(ChannelKind::as_str),
            changes.target,
            changes.min_severity.map(Severity::as_str),
            set_client,
            client,
            changes.enabled,
            now
        ],
    )?;
    if changed == 0 {
        return Err(not_found(id));
    }
    if changes.enabled == Some(false) {
        conn.execute(
            &format!(
                "UPDATE outbox SET failed_at = ?2, last_error = 'The channel was disabled.'
                 WHERE channel_id = ?1 AND event <> 'test' AND {PENDING}"
            ),
            params![id, now],
        )?;
    }
    if changes.target.is_some() || changes.kind.is_some() {
        retry_now(conn, Some(id), None, now)?;
    }
    get_channel(conn, id)?.ok_or_else(|| not_found(id))
}

/// Deletes a channel and its outbox rows. False when there was none.
pub fn delete_channel(conn: &Connection, id: i64) -> Result<bool, DbError> {
    Ok(conn.execute("DELETE FROM channels WHERE id = ?1", [id])? > 0)
}

/// Makes waiting deliveries due now: of one channel, or of every channel of one kind.
pub fn retry_now(
    conn: &Connection,
    channel_id: Option<i64>,
    kind: Option<ChannelKind>,
    now: i64,
) -> Result<usize, DbError> {
    Ok(conn.execute(
        &format!(
            "UPDATE outbox SET next_attempt_at = ?1
             WHERE {PENDING} AND next_attempt_at > ?1
               AND (?2 IS NULL OR channel_id = ?2)
               AND (?3 IS NULL OR channel_id IN (SELECT id FROM channels WHERE kind = ?3))"
        ),
        params![now, channel_id, kind.map(ChannelKind::as_str)],
    )?)
}

/// Queues `message` for one channel only, whatever its severity filter (the "send test" button).
pub fn enqueue_for(conn: &Connection, channel_id: i64, message: &Message, now: i64) -> Result<Delivery, DbError> {
    let json = serde_json::to_string(message).map_err(|e| DbError::Encode(e.to_string()))?;
    conn.execute(
        "INSERT INTO outbox (channel_id, alert_id, event, message_json, created_at, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![channel_id, message.alert_id, message.event.as_str(), json, now],
    )?;
    let id = conn.last_insert_rowid();
    get_delivery(conn, id)?.ok_or_else(|| DbError::NotFound(format!("There is no delivery with id {id}.")))
}

pub fn get_delivery(conn: &Connection, id: i64) -> Result<Option<Delivery>, DbError> {
    let sql = format!("SELECT {DELIVERY_COLUMNS} FROM outbox WHERE id = ?1");
    Ok(conn.query_row(&sql, [id], delivery_from_row).optional()?)
}

/// A channel's deliveries, newest first, before the id `before` (the page cursor).
pub fn list_deliveries(
    conn: &Connection,
    channel_id: i64,
    before: Option<i64>,
    limit: usize,
) -> Result<Vec<Delivery>, DbError> {
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM outbox WHERE channel_id = ?1 AND (?2 IS NULL OR id < ?2)
         ORDER BY id DESC LIMIT ?3"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![channel_id, before, limit as i64], delivery_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// An outbox row due for an attempt, with its channel as it is now (so a corrected URL applies
/// to notices already waiting).
#[derive(Debug, Clone)]
pub struct Due {
    pub id: i64,
    /// 0 for a notice to one person's address (`kind` e-mail, `target` the address).
    pub channel_id: i64,
    pub kind: ChannelKind,
    pub target: String,
    pub message_json: String,
    pub attempts: i64,
    pub created_at: i64,
}

/// Up to `limit` deliveries due at `now`, the longest-waiting first.
pub fn due(conn: &Connection, now: i64, limit: usize) -> Result<Vec<Due>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.id, coalesce(o.channel_id, 0), coalesce(ch.kind, 'email'), coalesce(ch.target, o.recipient),
                o.message_json, o.attempts, o.created_at
         FROM outbox o LEFT JOIN channels ch ON ch.id = o.channel_id
         WHERE o.delivered_at IS NULL AND o.failed_at IS NULL AND o.next_attempt_at <= ?1
         ORDER BY o.next_attempt_at, o.id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now, limit as i64], |r| {
        let kind: String = r.get(2)?;
        Ok(Due {
            id: r.get(0)?,
            channel_id: r.get(1)?,
            kind: ChannelKind::parse(&kind).unwrap_or(ChannelKind::Webhook),
            target: r.get(3)?,
            message_json: r.get(4)?,
            attempts: r.get(5)?,
            created_at: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// When the next waiting delivery is due; `None` when nothing waits.
pub fn next_due_at(conn: &Connection) -> Result<Option<i64>, DbError> {
    Ok(conn.query_row(&format!("SELECT min(next_attempt_at) FROM outbox WHERE {PENDING}"), [], |r| r.get(0))?)
}

/// Records a successful attempt. False when the row was already finished (or is gone).
pub fn mark_delivered(conn: &Connection, id: i64, now: i64) -> Result<bool, DbError> {
    Ok(conn.execute(
        &format!("UPDATE outbox SET delivered_at = ?2, attempts = attempts + 1 WHERE id = ?1 AND {PENDING}"),
        params![id, now],
    )? > 0)
}

/// Records a failed attempt: the next one at `retry_at`, or, with `None`, none (given up).
pub fn mark_attempt_failed(
    conn: &Connection,
    id: i64,
    error: &str,
    retry_at: Option<i64>,
    now: i64,
) -> Result<(), DbError> {
    conn.execute(
        &format!(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2,
                 next_attempt_at = coalesce(?3, next_attempt_at),
                 failed_at = CASE WHEN ?3 IS NULL THEN ?4 ELSE NULL END
             WHERE id = ?1 AND {PENDING}"
        ),
        params![id, error, retry_at, now],
    )?;
    Ok(())
}

/// Deletes finished deliveries and in-app notices older than `before`, so the tables do not
/// grow without bound. Returns how many rows went.
pub fn prune(conn: &Connection, before: i64) -> Result<usize, DbError> {
    let outbox =
        conn.execute("DELETE FROM outbox WHERE coalesce(delivered_at, failed_at) < ?1 AND created_at < ?1", [before])?;
    let notices = conn.execute("DELETE FROM app_notifications WHERE at < ?1", [before])?;
    Ok(outbox + notices)
}

/// An in-app notice, as the bell shows it.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct AppNotice {
    pub id: i64,
    #[schema(format = DateTime)]
    pub at: String,
    pub event: String,
    pub severity: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub client_id: Option<i64>,
    pub alert_id: Option<i64>,
    /// Whether the caller has read it (marked read up to it or past it).
    pub read: bool,
}

/// Stores an in-app notice from `channel_id`; returns its id.
pub fn insert_app_notice(conn: &Connection, channel_id: i64, m: &Message, now: i64) -> Result<i64, DbError> {
    // The client or alert may have been deleted while the notice waited.
    conn.execute(
        "INSERT INTO app_notifications (at, channel_id, alert_id, client_id, event, severity, title, body, link)
         VALUES (?1, ?2, (SELECT id FROM alerts WHERE id = ?3), (SELECT id FROM clients WHERE id = ?4),
                 ?5, ?6, ?7, ?8, ?9)",
        params![
            now,
            channel_id,
            m.alert_id,
            m.client_id,
            m.event.as_str(),
            m.severity.as_str(),
            m.title,
            m.body,
            m.link
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The notices `user_id` may see (for a client contact, only `scope`'s), newest first, before
/// the id `before`.
pub fn list_app_notices(
    conn: &Connection,
    user_id: i64,
    scope: Option<i64>,
    before: Option<i64>,
    limit: usize,
) -> Result<Vec<AppNotice>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT n.id, n.at, n.event, n.severity, n.title, n.body, n.link, n.client_id, n.alert_id,
             n.id <= coalesce((SELECT last_read_id FROM app_notification_reads WHERE user_id = ?1), 0)
         FROM app_notifications n
         WHERE (?2 IS NULL OR n.client_id = ?2) AND (?3 IS NULL OR n.id < ?3)
         ORDER BY n.id DESC LIMIT ?4",
    )?;
    let rows = stmt.query_map(params![user_id, scope, before, limit as i64], |r| {
        Ok(AppNotice {
            id: r.get(0)?,
            at: rfc3339(r.get(1)?),
            event: r.get(2)?,
            severity: r.get(3)?,
            title: r.get(4)?,
            body: r.get(5)?,
            link: r.get(6)?,
            client_id: r.get(7)?,
            alert_id: r.get(8)?,
            read: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many notices `user_id` may see and has not read.
pub fn unread_count(conn: &Connection, user_id: i64, scope: Option<i64>) -> Result<i64, DbError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM app_notifications n
         WHERE (?2 IS NULL OR n.client_id = ?2)
           AND n.id > coalesce((SELECT last_read_id FROM app_notification_reads WHERE user_id = ?1), 0)",
        params![user_id, scope],
        |r| r.get(0),
    )?)
}

/// Marks everything up to the notice `up_to` read for `user_id`. Never moves the mark back, so
/// two tabs marking at once cannot un-read anything, nor past the newest notice, so a made-up
/// large id cannot mark notices read before they exist.
pub fn mark_read(conn: &Connection, user_id: i64, up_to: i64) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO app_notification_reads (user_id, last_read_id)
         VALUES (?1, min(?2, (SELECT coalesce(max(id), 0) FROM app_notifications)))
         ON CONFLICT (user_id) DO UPDATE SET last_read_id = max(last_read_id, excluded.last_read_id)",
        params![user_id, up_to],
    )?;
    Ok(())
}

/// Queues `message` for every enabled channel that wants it: severity at or above the channel's
/// minimum, and the channel is for every client or for this message's client. Returns how many
/// deliveries were queued. Runs inside the caller's transaction.
pub fn enqueue(conn: &Connection, message: &Message, now: i64) -> Result<usize, DbError> {
    let json = serde_json::to_string(message).map_err(|e| DbError::Encode(e.to_string()))?;
    let severities: &[&str] = match message.severity {
        Severity::Warning => &["warning"],
        Severity::Critical => &["warning", "critical"],
    };
    let mut n = 0;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO outbox (channel_id, alert_id, event, message_json, created_at, next_attempt_at)
         SELECT id, ?1, ?2, ?3, ?4, ?4 FROM channels
         WHERE enabled = 1 AND min_severity IN (SELECT value FROM json_each(?5))
           AND (client_id IS NULL OR client_id = ?6)",
    )?;
    let wanted = serde_json::to_string(severities).map_err(|e| DbError::Encode(e.to_string()))?;
    n += stmt.execute(params![message.alert_id, message.event.as_str(), json, now, wanted, message.client_id])?;
    Ok(n)
}

/// Queues `message` for one person's e-mail address (an assignee, an escalation contact, a
/// client's contact), apart from the channels; sent when SMTP is set up, retried like the rest.
/// An empty or malformed address queues nothing and answers false.
pub fn enqueue_to(conn: &Connection, address: &str, message: &Message, now: i64) -> Result<bool, DbError> {
    let address = address.trim();
    if address.parse::<lettre::message::Mailbox>().is_err() {
        return Ok(false);
    }
    let json = serde_json::to_string(message).map_err(|e| DbError::Encode(e.to_string()))?;
    conn.prepare_cached(
        "INSERT INTO outbox (channel_id, recipient, alert_id, event, message_json, created_at, next_attempt_at)
         VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?5)",
    )?
    .execute(params![address, message.alert_id, message.event.as_str(), json, now])?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::Event;

    fn conn() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let mut c = super::super::open_connection(&path, false).unwrap();
        super::super::migrations::migrate(&mut c, &path).unwrap();
        (dir, c)
    }

    fn message(severity: Severity, client_id: Option<i64>) -> Message {
        Message {
            event: Event::Opened,
            severity,
            title: "CRITICAL: disk / at 96 % on web-01 (Acme)".into(),
            body: String::new(),
            alert_id: None,
            rule: "Disk".into(),
            client_id,
            client: "Acme".into(),
            device_id: None,
            device: "web-01".into(),
            subject: "/".into(),
            value: Some(96.0),
            threshold: Some(90.0),
            link: String::new(),
            at: rfc3339(0),
        }
    }

    fn channel(c: &Connection, kind: ChannelKind, min: Severity, client_id: Option<i64>) -> Channel {
        let target = if kind == ChannelKind::InApp { "" } else { "http://127.0.0.1:9/hook" };
        let f = ChannelFields { name: "ops", kind, target, min_severity: min, client_id, enabled: true };
        insert_channel(c, &f, 100).unwrap()
    }

    #[test]
    fn enqueue_honours_severity_client_routing_and_enabled() {
        let (_d, c) = conn();
        let acme = super::super::clients::insert(&c, "Acme", "", 0).unwrap().id;
        let other = super::super::clients::insert(&c, "Other", "", 0).unwrap().id;
        let all = channel(&c, ChannelKind::Webhook, Severity::Warning, None);
        let critical_only = channel(&c, ChannelKind::Webhook, Severity::Critical, None);
        let acme_only = channel(&c, ChannelKind::Webhook, Severity::Warning, Some(acme));
        let off = channel(&c, ChannelKind::Webhook, Severity::Warning, None);
        update_channel(&c, off.id, &ChannelChanges { enabled: Some(false), ..Default::default() }, 100).unwrap();

        assert_eq!(enqueue(&c, &message(Severity::Warning, Some(other)), 200).unwrap(), 1);
        assert_eq!(enqueue(&c, &message(Severity::Critical, Some(acme)), 200).unwrap(), 3);
        let count = |id| list_deliveries(&c, id, None, 10).unwrap().len();
        assert_eq!((count(all.id), count(critical_only.id), count(acme_only.id), count(off.id)), (2, 1, 1, 0));
    }

    #[test]
    fn attempts_are_recorded_until_delivered_or_given_up() {
        let (_d, c) = conn();
        let ch = channel(&c, ChannelKind::Webhook, Severity::Warning, None);
        let d = enqueue_for(&c, ch.id, &message(Severity::Warning, None), 1000).unwrap();
        assert_eq!((d.state, d.attempts), ("pending", 0));
        assert_eq!(due(&c, 999, 10).unwrap().len(), 0, "not due before its time");
        assert_eq!(due(&c, 1000, 10).unwrap()[0].id, d.id);

        mark_attempt_failed(&c, d.id, "connection refused", Some(1030), 1000).unwrap();
        assert!(due(&c, 1029, 10).unwrap().is_empty());
        assert_eq!(next_due_at(&c).unwrap(), Some(1030));
        assert!(mark_delivered(&c, d.id, 1031).unwrap());
        assert!(!mark_delivered(&c, d.id, 1032).unwrap(), "a delivery is finished once");
        let d = get_delivery(&c, d.id).unwrap().unwrap();
        assert_eq!((d.state, d.attempts, d.last_error.as_str()), ("delivered", 2, "connection refused"));
        assert_eq!(next_due_at(&c).unwrap(), None);

        let e = enqueue_for(&c, ch.id, &message(Severity::Warning, None), 2000).unwrap();
        mark_attempt_failed(&c, e.id, "HTTP 500", None, 2000).unwrap();
        let e = get_delivery(&c, e.id).unwrap().unwrap();
        assert_eq!((e.state, e.attempts), ("failed", 1));
        assert!(due(&c, i64::MAX, 10).unwrap().is_empty());
    }

    #[test]
    fn disabling_gives_up_waiting_alert_notices_but_not_tests() {
        let (_d, c) = conn();
        let ch = channel(&c, ChannelKind::Webhook, Severity::Warning, None);
        let alert = enqueue_for(&c, ch.id, &message(Severity::Warning, None), 10).unwrap();
        let mut test = message(Severity::Warning, None);
        test.event = Event::Test;
        let test = enqueue_for(&c, ch.id, &test, 10).unwrap();
        update_channel(&c, ch.id, &ChannelChanges { enabled: Some(false), ..Default::default() }, 20).unwrap();
        assert_eq!(get_delivery(&c, alert.id).unwrap().unwrap().state, "failed");
        assert_eq!(get_delivery(&c, test.id).unwrap().unwrap().state, "pending");
    }

    #[test]
    fn a_new_target_retries_waiting_deliveries_at_once() {
        let (_d, c) = conn();
        let ch = channel(&c, ChannelKind::Webhook, Severity::Warning, None);
        let d = enqueue_for(&c, ch.id, &message(Severity::Warning, None), 10).unwrap();
        mark_attempt_failed(&c, d.id, "refused", Some(5000), 10).unwrap();
        let changes = ChannelChanges { target: Some("http://127.0.0.1:8/new".into()), ..Default::default() };
        update_channel(&c, ch.id, &changes, 20).unwrap();
        let due = due(&c, 20, 10).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].target, "http://127.0.0.1:8/new", "the channel as it is now");
    }

    #[test]
    fn unread_counts_follow_the_read_mark_and_the_client_scope() {
        let (_d, c) = conn();
        let acme = super::super::clients::insert(&c, "Acme", "", 0).unwrap().id;
        let ch = channel(&c, ChannelKind::InApp, Severity::Warning, None);
        let ann = super::super::users::NewUser {
            login: "ann",
            email: "",
            name: "",
            role: super::super::users::Role::Technician,
            client_id: None,
            password_hash: "x",
        };
        let user = super::super::users::insert(&c, &ann, 0).unwrap().id;
        let first = insert_app_notice(&c, ch.id, &message(Severity::Warning, Some(acme)), 1).unwrap();
        let second = insert_app_notice(&c, ch.id, &message(Severity::Critical, None), 2).unwrap();
        assert_eq!(unread_count(&c, user, None).unwrap(), 2);
        assert_eq!(unread_count(&c, user, Some(acme)).unwrap(), 1);
        mark_read(&c, user, first).unwrap();
        assert_eq!(unread_count(&c, user, None).unwrap(), 1);
        mark_read(&c, user, 0).unwrap();
        assert_eq!(unread_count(&c, user, None).unwrap(), 1, "the mark never moves back");
        let list = list_app_notices(&c, user, None, None, 10).unwrap();
        assert_eq!(list.iter().map(|n| (n.id, n.read)).collect::<Vec<_>>(), vec![(second, false), (first, true)]);
        assert_eq!(list_app_notices(&c, user, Some(acme), None, 10).unwrap().len(), 1);

        mark_read(&c, user, 1_000_000).unwrap();
        assert_eq!(unread_count(&c, user, None).unwrap(), 0);
        insert_app_notice(&c, ch.id, &message(Severity::Critical, None), 3).unwrap();
        assert_eq!(unread_count(&c, user, None).unwrap(), 1, "a made-up id does not mark future notices read");
    }
}
