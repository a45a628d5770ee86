//! Browser login sessions. The cookie holds a random token; only its SHA-256 is stored.

use rusqlite::{Connection, OptionalExtension, params};

use super::DbError;
use super::users::{USER_COLUMNS, User, user_at};

pub struct NewSession<'a> {
    pub token_hash: &'a [u8],
    pub user_id: i64,
    pub csrf_token: &'a str,
    pub expires_at: i64,
    pub remote_addr: &'a str,
    pub user_agent: &'a str,
}

pub fn insert(conn: &Connection, s: &NewSession, now: i64) -> Result<i64, DbError> {
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, remote_addr, user_agent)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![s.token_hash, s.user_id, s.csrf_token, now, s.expires_at, s.remote_addr, s.user_agent],
    )?;
    Ok(conn.last_insert_rowid())
}

pub struct ActiveSession {
    pub id: i64,
    pub csrf_token: String,
    pub user: User,
}

/// The unexpired session with this token hash whose user is enabled.
pub fn lookup(conn: &Connection, token_hash: &[u8], now: i64) -> Result<Option<ActiveSession>, DbError> {
    let sql = format!(
        "SELECT s.id, s.csrf_token, {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN clients c ON c.id = u.client_id
         WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.disabled = 0"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    Ok(stmt
        .query_row(params![token_hash, now], |r| {
            Ok(ActiveSession { id: r.get(0)?, csrf_token: r.get(1)?, user: user_at(r, 2)? })
        })
        .optional()?)
}

pub fn delete(conn: &Connection, id: i64) -> Result<(), DbError> {
    conn.execute("DELETE FROM sessions WHERE id = ?1", [id])?;
    Ok(())
}

pub fn prune_expired(conn: &Connection, now: i64) -> Result<usize, DbError> {
    Ok(conn.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?)
}
