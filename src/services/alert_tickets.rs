//! Alerts into tickets: one ticket per alert (when the rule's policy says so), kept in step with
//! it inside the same transaction. A re-fire or a change of severity adds a comment, not a
//! ticket; recovery resolves the ticket with a system comment if nobody has worked it, otherwise
//! it only says the condition cleared. What the ticket does is decided by `tickets::lifecycle`
//! (severity to priority, following the alert, the recovery); the ticket service writes it.

use rusqlite::{Connection, OptionalExtension};

use super::tickets;
use crate::db::{self, DbError, rules as stored};
use crate::rules::scope::DeviceView;
use crate::rules::{Rule, Severity, TicketPolicy};
use crate::tickets::lifecycle;
use crate::tickets::{Author, NewTicket, Source};

fn wanted(conn: &Connection, rule: &Rule) -> Result<bool, DbError> {
    Ok(match rule.tickets {
        TicketPolicy::Always => true,
        TicketPolicy::Never => false,
        TicketPolicy::Default => stored::alert_tickets_by_default(conn)?,
    })
}

/// The device's health when the alert opened, as lines for the ticket's description.
fn health(conn: &Connection, device_id: i64) -> Result<String, DbError> {
    let row: Option<(f64, i64, i64, String)> = conn
        .query_row(
            "SELECT cpu_pct, mem_used, mem_total, metrics_json FROM device_latest WHERE device_id = ?1",
            [device_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((cpu, used, total, json)) = row else { return Ok("No report from the device yet.".into()) };
    let gib = |b: f64| b / (1u64 << 30) as f64;
    let mut out = format!("CPU {cpu:.0} %, memory {:.1} of {:.1} GiB in use", gib(used as f64), gib(total as f64));
    if let Ok(m) = serde_json::from_str::<crate::protocol::Metrics>(&json) {
        for fs in &m.filesystems {
            let pct = crate::monitoring::series::disk_used_pct(fs.used_bytes, fs.available_bytes);
            out.push_str(&format!(
                "\nDisk {}: {pct:.1} % used, {:.1} GiB free",
                fs.mount,
                gib(fs.available_bytes as f64)
            ));
        }
    }
    Ok(out)
}

/// The alert a ticket is opened for.
pub struct OpenedAlert<'a> {
    pub id: i64,
    pub severity: Severity,
    pub summary: &'a str,
    /// Where the alert is in the UI.
    pub link: &'a str,
}

/// A new alert: opens its ticket if the rule wants one. Returns the ticket's id.
pub fn alert_opened(
    conn: &Connection,
    alert: &OpenedAlert,
    rule: &Rule,
    device: &DeviceView,
    now: i64,
) -> Result<Option<i64>, DbError> {
    let OpenedAlert { id: alert_id, severity, summary, link } = *alert;
    if !wanted(conn, rule)? {
        return Ok(None);
    }
    let description = format!(
        "{summary}\n\nRule: {}\nAlert: {link}\n\nThe device when the alert opened:\n{}",
        rule.name,
        health(conn, device.facts.device_id)?
    );
    let new = NewTicket {
        subject: format!("{}: {}", device.hostname, rule.name),
        description,
        client_id: device.facts.client_id,
        site_id: device.facts.site_id,
        contact_id: None,
        source: Source::Alert,
        category: "monitoring".into(),
        priority: lifecycle::priority_of(severity),
        queue_id: None,
        assignee_id: None,
        alert_id: Some(alert_id),
        device_ids: vec![device.facts.device_id],
        created_by: None,
    };
    match tickets::create(conn, &new, now)? {
        Ok(t) => {
            db::tickets::set_alert_ticket(conn, alert_id, t.id)?;
            Ok(Some(t.id))
        }
        Err(refusal) => {
            // Only a device or site that vanished mid-transaction could cause this; the alert stands.
            tracing::warn!(alert_id, ?refusal, "no ticket for the alert");
            Ok(None)
        }
    }
}

fn system_comment(conn: &Connection, ticket_id: i64, body: &str, now: i64) -> Result<(), DbError> {
    tickets::comment(conn, ticket_id, Author::System, body, false, now)?;
    Ok(())
}

/// The alert opened again (flapping) or changed severity: a comment, and the ticket back in the
/// queue (reopened, or raised in priority) if it needs to be. A closed ticket is left alone.
pub fn alert_changed(
    conn: &Connection,
    alert_id: i64,
    severity: Severity,
    what: &str,
    now: i64,
) -> Result<(), DbError> {
    let Some(t) = db::tickets::of_alert(conn, alert_id)? else { return Ok(()) };
    let Some(changes) = lifecycle::alert_changed(&t, severity) else { return Ok(()) };
    system_comment(conn, t.id, what, now)?;
    if !changes.is_empty()
        && let Err(refusal) = tickets::update(conn, t.id, t.version, &changes, None, now)?
    {
        tracing::warn!(ticket = t.id, ?refusal, "the alert's ticket could not follow it");
    }
    Ok(())
}

/// The alert resolved: the ticket resolves with it unless someone has worked it.
pub fn alert_resolved(conn: &Connection, alert_id: i64, summary: &str, now: i64) -> Result<(), DbError> {
    let Some(t) = db::tickets::open_for_alert(conn, alert_id)? else { return Ok(()) };
    let cleared = lifecycle::alert_cleared(db::tickets::worked_by_someone(conn, t.id)?, summary);
    system_comment(conn, t.id, &cleared.comment, now)?;
    if let Some(changes) = cleared.changes
        && let Err(refusal) = tickets::update(conn, t.id, t.version, &changes, None, now)?
    {
        tracing::warn!(ticket = t.id, ?refusal, "the alert's ticket could not be resolved");
    }
    Ok(())
}
