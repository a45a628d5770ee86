//! A ticket's history: one row per thing that happened to it (`tickets::EventRecord`), written as
//! the lifecycle decided, read back for the timeline and for the SLA replay.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, params};

use super::{DbError, rfc3339};
use crate::tickets::{EventKind, EventRecord, TicketEvent};

impl ToSql for EventKind {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

impl FromSql for EventKind {
    fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = v.as_str()?;
        EventKind::parse(s).ok_or_else(|| FromSqlError::Other(format!("{s:?} is not a kind of ticket event").into()))
    }
}

/// Records one entry of a ticket's history, at `at`, by `user_id` (`None`: the system).
pub fn record(
    conn: &Connection,
    ticket_id: i64,
    at: i64,
    user_id: Option<i64>,
    e: &EventRecord,
) -> Result<(), DbError> {
    conn.prepare_cached(
        "INSERT INTO ticket_events (ticket_id, at, user_id, kind, old_value, new_value)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![ticket_id, at, user_id, e.kind, e.old_value, e.new_value])?;
    Ok(())
}

/// The name an id of an event of `kind` stands for, as an SQL expression over `value`.
fn label_sql(value: &str) -> String {
    format!(
        "CASE e.kind
           WHEN 'assignee' THEN (SELECT coalesce(nullif(name, ''), login) FROM users WHERE id = CAST({value} AS INTEGER))
           WHEN 'queue' THEN (SELECT name FROM queues WHERE id = CAST({value} AS INTEGER))
           WHEN 'contact' THEN (SELECT name FROM contacts WHERE id = CAST({value} AS INTEGER))
         END"
    )
}

/// A ticket's history, oldest first, with the names its ids stand for.
pub fn list(conn: &Connection, ticket_id: i64) -> Result<Vec<TicketEvent>, DbError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT e.id, e.at, e.user_id, coalesce(nullif(u.name, ''), u.login), e.kind, e.old_value, e.new_value,
                {}, {}
         FROM ticket_events e LEFT JOIN users u ON u.id = e.user_id WHERE e.ticket_id = ?1 ORDER BY e.id",
        label_sql("e.old_value"),
        label_sql("e.new_value")
    ))?;
    let rows = stmt.query_map([ticket_id], |r| {
        Ok(TicketEvent {
            id: r.get(0)?,
            at: rfc3339(r.get(1)?),
            user_id: r.get(2)?,
            user: r.get(3)?,
            kind: r.get(4)?,
            old_value: r.get(5)?,
            new_value: r.get(6)?,
            old_label: r.get(7)?,
            new_label: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The entries of a ticket's history the SLA clocks read (creation, priority, status, first
/// response), oldest first, each with its instant in unix seconds.
pub fn clock_history(conn: &Connection, ticket_id: i64) -> Result<Vec<(i64, EventRecord)>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, kind, old_value, new_value FROM ticket_events
         WHERE ticket_id = ?1 AND kind IN (?2, ?3, ?4, ?5) ORDER BY id",
    )?;
    let rows = stmt.query_map(
        params![ticket_id, EventKind::Created, EventKind::Priority, EventKind::Status, EventKind::FirstResponse],
        |r| Ok((r.get(0)?, EventRecord { kind: r.get(1)?, old_value: r.get(2)?, new_value: r.get(3)? })),
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}
