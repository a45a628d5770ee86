//! Alerts: one open per (rule, device, subject), their changes, and their history.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::{DbError, rfc3339};
use crate::rules::Severity;

/// An alert as lists and pages show it.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Alert {
    pub id: i64,
    pub state: String,
    pub severity: String,
    pub rule_id: Option<i64>,
    pub rule_name: String,
    pub device_id: i64,
    pub hostname: String,
    pub client_id: i64,
    pub client: String,
    pub subject: String,
    pub summary: String,
    pub value: Option<f64>,
    pub threshold: Option<f64>,
    pub flapping: bool,
    #[schema(format = DateTime)]
    pub opened_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    #[schema(format = DateTime)]
    pub acknowledged_at: Option<String>,
    pub acknowledged_by: Option<String>,
    #[schema(format = DateTime)]
    pub resolved_at: Option<String>,
    pub resolution: String,
    pub ticket_id: Option<i64>,
}

const COLUMNS: &str = "a.id, a.state, a.severity, a.rule_id, a.rule_name, a.device_id, d.hostname, a.client_id, c.name,
    a.subject, a.summary, a.value, a.threshold, a.flapping, a.opened_at, a.updated_at, a.acknowledged_at,
    coalesce(nullif(u.name, ''), u.login), a.resolved_at, a.resolution, a.ticket_id";
const FROM: &str = "FROM alerts a JOIN devices d ON d.id = a.device_id JOIN clients c ON c.id = a.client_id
    LEFT JOIN users u ON u.id = a.acknowledged_by";

fn from_row(r: &Row) -> rusqlite::Result<Alert> {
    Ok(Alert {
        id: r.get(0)?,
        state: r.get(1)?,
        severity: r.get(2)?,
        rule_id: r.get(3)?,
        rule_name: r.get(4)?,
        device_id: r.get(5)?,
        hostname: r.get(6)?,
        client_id: r.get(7)?,
        client: r.get(8)?,
        subject: r.get(9)?,
        summary: r.get(10)?,
        value: r.get(11)?,
        threshold: r.get(12)?,
        flapping: r.get(13)?,
        opened_at: rfc3339(r.get(14)?),
        updated_at: rfc3339(r.get(15)?),
        acknowledged_at: r.get::<_, Option<i64>>(16)?.map(rfc3339),
        acknowledged_by: r.get(17)?,
        resolved_at: r.get::<_, Option<i64>>(18)?.map(rfc3339),
        resolution: r.get(19)?,
        ticket_id: r.get(20)?,
    })
}

/// What a list asks for. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    /// "open" (open or acknowledged: not resolved), "unacknowledged", "acknowledged", "resolved", or all.
    pub state: Option<String>,
    pub severity: Option<Severity>,
    pub client_id: Option<i64>,
    pub device_id: Option<i64>,
    pub rule_id: Option<i64>,
    /// Words in the host name, client, rule or summary.
    pub search: Option<String>,
}

/// Alerts newest first, after the id `before` (the page cursor).
pub fn list(conn: &Connection, f: &AlertFilter, before: Option<i64>, limit: usize) -> Result<Vec<Alert>, DbError> {
    let states: Option<&[&str]> = match f.state.as_deref() {
        Some("open") => Some(&["open", "acknowledged"]),
        Some("unacknowledged") => Some(&["open"]),
        Some("acknowledged") => Some(&["acknowledged"]),
        Some("resolved") => Some(&["resolved"]),
        _ => None,
    };
    let states = states.map(|s| serde_json::to_string(s).expect("strings serialize"));
    let search =
        f.search.as_deref().map(|s| format!("%{}%", s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
    let sql = format!(
        "SELECT {COLUMNS} {FROM}
         WHERE (?1 IS NULL OR a.state IN (SELECT value FROM json_each(?1)))
           AND (?2 IS NULL OR a.severity = ?2)
           AND (?3 IS NULL OR a.client_id = ?3)
           AND (?4 IS NULL OR a.device_id = ?4)
           AND (?5 IS NULL OR a.rule_id = ?5)
           AND (?6 IS NULL OR d.hostname LIKE ?6 ESCAPE '\\' OR c.name LIKE ?6 ESCAPE '\\'
                OR a.rule_name LIKE ?6 ESCAPE '\\' OR a.summary LIKE ?6 ESCAPE '\\')
           AND (?7 IS NULL OR a.id < ?7)
         ORDER BY a.id DESC LIMIT ?8"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            states,
            f.severity.map(Severity::as_str),
            f.client_id,
            f.device_id,
            f.rule_id,
            search,
            before,
            limit as i64 + 1
        ],
        from_row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Alert>, DbError> {
    Ok(conn.query_row(&format!("SELECT {COLUMNS} {FROM} WHERE a.id = ?1"), [id], from_row).optional()?)
}

/// One entry of an alert's history.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct AlertEvent {
    #[schema(format = DateTime)]
    pub at: String,
    pub kind: String,
    pub detail: String,
    pub user: Option<String>,
}

pub fn events(conn: &Connection, alert_id: i64) -> Result<Vec<AlertEvent>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.at, e.kind, e.detail, coalesce(nullif(u.name, ''), u.login) FROM alert_events e
         LEFT JOIN users u ON u.id = e.user_id WHERE e.alert_id = ?1 ORDER BY e.id",
    )?;
    let rows = stmt.query_map([alert_id], |r| {
        Ok(AlertEvent { at: rfc3339(r.get(0)?), kind: r.get(1)?, detail: r.get(2)?, user: r.get(3)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn event(
    conn: &Connection,
    alert_id: i64,
    at: i64,
    kind: &str,
    detail: &str,
    user: Option<i64>,
) -> Result<(), DbError> {
    conn.prepare_cached("INSERT INTO alert_events (alert_id, at, kind, detail, user_id) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![alert_id, at, kind, detail, user])?;
    Ok(())
}

/// What the engine knows when it opens or changes an alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Firing<'a> {
    pub rule_id: i64,
    pub rule_name: &'a str,
    pub device_id: i64,
    pub client_id: i64,
    pub subject: &'a str,
    pub severity: Severity,
    pub summary: &'a str,
    pub value: Option<f64>,
    pub threshold: Option<f64>,
}

pub fn open(conn: &Connection, f: &Firing, now: i64) -> Result<i64, DbError> {
    conn.prepare_cached(
        "INSERT INTO alerts (rule_id, rule_name, device_id, client_id, subject, severity, state, summary, value,
                             threshold, opened_at, updated_at, last_notified_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'open', ?7, ?8, ?9, ?10, ?10, ?10)",
    )?
    .execute(params![
        f.rule_id,
        f.rule_name,
        f.device_id,
        f.client_id,
        f.subject,
        f.severity.as_str(),
        f.summary,
        f.value,
        f.threshold,
        now
    ])?;
    let id = conn.last_insert_rowid();
    event(conn, id, now, "opened", &format!("{}: {}", f.severity.as_str(), f.summary), None)?;
    Ok(id)
}

/// Opens a recently resolved alert again, marked flapping.
pub fn reopen(conn: &Connection, id: i64, f: &Firing, now: i64) -> Result<(), DbError> {
    conn.prepare_cached(
        "UPDATE alerts SET state = 'open', severity = ?2, summary = ?3, value = ?4, threshold = ?5, flapping = 1,
                resolved_at = NULL, resolution = '', acknowledged_at = NULL, acknowledged_by = NULL,
                updated_at = ?6, last_notified_at = ?6
         WHERE id = ?1",
    )?
    .execute(params![id, f.severity.as_str(), f.summary, f.value, f.threshold, now])?;
    event(conn, id, now, "reopened", &format!("flapping: {}", f.summary), None)
}

/// A new severity; a rise also takes back an acknowledgement, so someone looks again.
pub fn change_severity(conn: &Connection, id: i64, f: &Firing, now: i64) -> Result<(), DbError> {
    let rise = f.severity == Severity::Critical;
    conn.prepare_cached(
        "UPDATE alerts SET severity = ?2, summary = ?3, value = ?4, threshold = ?5, updated_at = ?6,
                state = CASE WHEN ?7 THEN 'open' ELSE state END
         WHERE id = ?1",
    )?
    .execute(params![id, f.severity.as_str(), f.summary, f.value, f.threshold, now, rise])?;
    event(conn, id, now, "severity", &format!("{}: {}", f.severity.as_str(), f.summary), None)
}

/// Keeps an open alert's current value and sentence up to date (no history entry).
pub fn refresh(
    conn: &Connection,
    id: i64,
    summary: &str,
    value: Option<f64>,
    threshold: Option<f64>,
) -> Result<(), DbError> {
    conn.prepare_cached(
        "UPDATE alerts SET summary = ?2, value = ?3, threshold = ?4 WHERE id = ?1 AND state != 'resolved'
           AND (summary != ?2 OR value IS NOT ?3 OR threshold IS NOT ?4)",
    )?
    .execute(params![id, summary, value, threshold])?;
    Ok(())
}

/// Resolves an alert that is not resolved yet; returns whether it was open.
pub fn resolve(conn: &Connection, id: i64, resolution: &str, now: i64) -> Result<bool, DbError> {
    let n = conn
        .prepare_cached(
            "UPDATE alerts SET state = 'resolved', resolved_at = ?2, resolution = ?3, updated_at = ?2
             WHERE id = ?1 AND state != 'resolved'",
        )?
        .execute(params![id, now, resolution])?;
    if n == 1 {
        event(conn, id, now, "resolved", resolution, None)?;
    }
    Ok(n == 1)
}

/// Acknowledges open alerts among `ids`; returns those it changed as (id, device, client).
pub fn acknowledge(conn: &Connection, ids: &[i64], user_id: i64, now: i64) -> Result<Vec<(i64, i64, i64)>, DbError> {
    let mut changed = Vec::new();
    for &id in ids {
        let row: Option<(i64, i64)> = conn
            .query_row(
                "UPDATE alerts SET state = 'acknowledged', acknowledged_at = ?2, acknowledged_by = ?3, updated_at = ?2
                 WHERE id = ?1 AND state = 'open' RETURNING device_id, client_id",
                params![id, now, user_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((device, client)) = row {
            event(conn, id, now, "acknowledged", "", Some(user_id))?;
            changed.push((id, device, client));
        }
    }
    Ok(changed)
}

/// Takes back acknowledgements among `ids`.
pub fn unacknowledge(conn: &Connection, ids: &[i64], user_id: i64, now: i64) -> Result<Vec<(i64, i64, i64)>, DbError> {
    let mut changed = Vec::new();
    for &id in ids {
        let row: Option<(i64, i64)> = conn
            .query_row(
                "UPDATE alerts SET state = 'open', acknowledged_at = NULL, acknowledged_by = NULL, updated_at = ?2
                 WHERE id = ?1 AND state = 'acknowledged' RETURNING device_id, client_id",
                params![id, now],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((device, client)) = row {
            event(conn, id, now, "unacknowledged", "", Some(user_id))?;
            changed.push((id, device, client));
        }
    }
    Ok(changed)
}

/// Unresolved alerts of a rule (to resolve when the rule goes away).
pub fn unresolved_of_rule(conn: &Connection, rule_id: i64) -> Result<Vec<(i64, i64, i64)>, DbError> {
    let mut stmt =
        conn.prepare_cached("SELECT id, device_id, client_id FROM alerts WHERE rule_id = ?1 AND state != 'resolved'")?;
    let rows = stmt.query_map([rule_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Open counts by severity (open and acknowledged), optionally of one client.
#[derive(Debug, Clone, Default, Serialize, PartialEq, utoipa::ToSchema)]
pub struct OpenCounts {
    pub critical: i64,
    pub warning: i64,
    pub unacknowledged: i64,
}

pub fn open_counts(conn: &Connection, client_id: Option<i64>) -> Result<OpenCounts, DbError> {
    Ok(conn.query_row(
        "SELECT coalesce(sum(severity = 'critical'), 0), coalesce(sum(severity = 'warning'), 0),
                coalesce(sum(state = 'open'), 0)
         FROM alerts WHERE state != 'resolved' AND (?1 IS NULL OR client_id = ?1)",
        [client_id],
        |r| Ok(OpenCounts { critical: r.get(0)?, warning: r.get(1)?, unacknowledged: r.get(2)? }),
    )?)
}

/// Unacknowledged alerts due to be told again: (alert, rule's interval).
pub fn due_for_renotify(conn: &Connection, now: i64) -> Result<Vec<i64>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id FROM alerts a JOIN rules r ON r.id = a.rule_id
         WHERE a.state = 'open' AND r.renotify_secs > 0
           AND coalesce(a.last_notified_at, a.opened_at) + r.renotify_secs <= ?1
         LIMIT 500",
    )?;
    let rows = stmt.query_map([now], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn mark_notified(conn: &Connection, id: i64, now: i64) -> Result<(), DbError> {
    conn.prepare_cached("UPDATE alerts SET last_notified_at = ?2 WHERE id = ?1")?.execute(params![id, now])?;
    Ok(())
}
