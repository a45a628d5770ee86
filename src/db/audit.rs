//! The audit log: who did what and when, for logins and changes to people, keys and clients.

use rusqlite::{Connection, params};

use super::DbError;

pub fn record(
    conn: &Connection,
    at: i64,
    user_id: Option<i64>,
    action: &str,
    subject: &str,
    detail: &str,
) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO audit_log (at, user_id, action, subject, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![at, user_id, action, subject, detail],
    )?;
    Ok(())
}
