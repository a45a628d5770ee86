//! Browser login sessions. The cookie holds a random token; only its SHA-256 is stored. A session
//! ends `session_ttl` after it began, or after `session_idle` without a request.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::users::{USER_COLUMNS, User, user_at};
use super::{DbError, rfc3339};

pub struct NewSession<'a> {
    pub token_hash: &'a [u8],
    pub user_id: i64,
    pub csrf_token: &'a str,
    pub expires_at: i64,
    pub remote_addr: &'a str,
    pub user_agent: &'a str,
    /// The user must set up a second factor before doing anything else.
    pub mfa_setup_required: bool,
}

pub fn insert(conn: &Connection, s: &NewSession, now: i64) -> Result<i64, DbError> {
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, remote_addr,
         user_agent, mfa_setup_required) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8)",
        params![
            s.token_hash,
            s.user_id,
            s.csrf_token,
            now,
            s.expires_at,
            s.remote_addr,
            s.user_agent,
            s.mfa_setup_required
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

pub struct ActiveSession {
    pub id: i64,
    pub csrf_token: String,
    pub user: User,
    pub last_seen_at: i64,
    pub mfa_setup_required: bool,
}

/// The session with this token hash, if it has not expired, was used within `idle_secs`, and
/// its user is enabled.
pub fn lookup(
    conn: &Connection,
    token_hash: &[u8],
    now: i64,
    idle_secs: i64,
) -> Result<Option<ActiveSession>, DbError> {
    let sql = format!(
        "SELECT s.id, s.csrf_token, s.last_seen_at, s.mfa_setup_required, {USER_COLUMNS}
         FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN clients c ON c.id = u.client_id
         WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND s.last_seen_at > ?2 - ?3 AND u.disabled = 0"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    Ok(stmt
        .query_row(params![token_hash, now, idle_secs], |r| {
            Ok(ActiveSession {
                id: r.get(0)?,
                csrf_token: r.get(1)?,
                last_seen_at: r.get(2)?,
                mfa_setup_required: r.get(3)?,
                user: user_at(r, 4)?,
            })
        })
        .optional()?)
}

/// Marks the session used now (the idle clock starts again).
pub fn touch(conn: &Connection, id: i64, now: i64) -> Result<(), DbError> {
    conn.prepare_cached("UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1 AND last_seen_at < ?2")?
        .execute(params![id, now])?;
    Ok(())
}

/// True while the session exists, has not reached its absolute end, and its user is enabled
/// with the same role and client (for long-lived streams, which do not count as use).
pub fn still_valid(conn: &Connection, id: i64, user: &User, now: i64) -> Result<bool, DbError> {
    let role: Option<(String, Option<i64>)> = conn
        .prepare_cached(
            "SELECT u.role, u.client_id FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id = ?1 AND s.expires_at > ?2 AND u.disabled = 0",
        )?
        .query_row(params![id, now], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(role.is_some_and(|(role, client)| role == user.role.as_str() && client == user.client_id))
}

/// A session as its owner sees it in the list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionInfo {
    pub id: i64,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub last_seen_at: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
    pub remote_addr: String,
    pub user_agent: String,
    /// The session this request came with.
    pub current: bool,
}

/// The user's sessions still in force, most recently used first.
pub fn list_for_user(
    conn: &Connection,
    user_id: i64,
    now: i64,
    idle_secs: i64,
    current: Option<i64>,
) -> Result<Vec<SessionInfo>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, created_at, last_seen_at, min(expires_at, last_seen_at + ?3), remote_addr, user_agent FROM sessions
         WHERE user_id = ?1 AND expires_at > ?2 AND last_seen_at > ?2 - ?3 ORDER BY last_seen_at DESC, id DESC",
    )?;
    let rows = stmt.query_map(params![user_id, now, idle_secs], |r| {
        let id: i64 = r.get(0)?;
        Ok(SessionInfo {
            id,
            created_at: rfc3339(r.get(1)?),
            last_seen_at: rfc3339(r.get(2)?),
            expires_at: rfc3339(r.get(3)?),
            remote_addr: r.get(4)?,
            user_agent: r.get(5)?,
            current: Some(id) == current,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn delete(conn: &Connection, id: i64) -> Result<(), DbError> {
    conn.execute("DELETE FROM sessions WHERE id = ?1", [id])?;
    Ok(())
}

/// Ends one of the user's sessions; false when the user has no such session.
pub fn end_one(conn: &Connection, user_id: i64, id: i64) -> Result<bool, DbError> {
    Ok(conn.execute("DELETE FROM sessions WHERE id = ?1 AND user_id = ?2", params![id, user_id])? == 1)
}

/// Ends every session of the user but `keep`; returns the ids ended.
pub fn end_all(conn: &Connection, user_id: i64, keep: Option<i64>) -> Result<Vec<i64>, DbError> {
    let mut stmt = conn.prepare_cached("DELETE FROM sessions WHERE user_id = ?1 AND id IS NOT ?2 RETURNING id")?;
    let rows = stmt.query_map(params![user_id, keep], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn prune_expired(conn: &Connection, now: i64, idle_secs: i64) -> Result<usize, DbError> {
    Ok(conn
        .execute("DELETE FROM sessions WHERE expires_at <= ?1 OR last_seen_at <= ?1 - ?2", params![now, idle_secs])?)
}
