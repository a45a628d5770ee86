//! Time logged on tickets: minutes, billable or not, with a note; what invoices and the
//! reports add up.

use rusqlite::{Connection, params};

use super::{DbError, rfc3339};
use crate::tickets::{NewTime, TimeEntry};

/// Logs time on a ticket and answers the entry as stored.
pub fn insert(conn: &Connection, e: &NewTime, now: i64) -> Result<TimeEntry, DbError> {
    conn.prepare_cached(
        "INSERT INTO time_entries (ticket_id, user_id, minutes, billable, note, work_date, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![e.ticket_id, e.user_id, e.minutes, e.billable, e.note, e.date, now])?;
    let id = conn.last_insert_rowid();
    conn.prepare_cached(&format!("{SELECT} WHERE e.id = ?1"))?.query_row([id], from_row).map_err(DbError::from)
}

const SELECT: &str = "SELECT e.id, e.user_id, coalesce(nullif(u.name, ''), u.login), e.minutes, e.billable, e.note,
        e.work_date, e.created_at
    FROM time_entries e LEFT JOIN users u ON u.id = e.user_id";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<TimeEntry> {
    Ok(TimeEntry {
        id: r.get(0)?,
        user_id: r.get(1)?,
        user: r.get(2)?,
        minutes: r.get(3)?,
        billable: r.get(4)?,
        note: r.get(5)?,
        date: r.get(6)?,
        created_at: rfc3339(r.get(7)?),
    })
}

/// A ticket's time entries, oldest first.
pub fn list(conn: &Connection, ticket_id: i64) -> Result<Vec<TimeEntry>, DbError> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE e.ticket_id = ?1 ORDER BY e.id"))?;
    let rows = stmt.query_map([ticket_id], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}
