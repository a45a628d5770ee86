//! People's passkeys (WebAuthn credentials), a second factor besides the authenticator app. The
//! key itself is kept as webauthn-rs serialises it; this module only stores and finds it.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::{DbError, rfc3339};

/// A passkey as its owner sees it in the list.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct PasskeyInfo {
    pub id: i64,
    pub name: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime, required = true)]
    pub last_used_at: Option<String>,
}

/// The caller's passkeys, oldest first.
pub fn list(conn: &Connection, user_id: i64) -> Result<Vec<PasskeyInfo>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, created_at, last_used_at FROM passkeys WHERE user_id = ?1 ORDER BY created_at, id",
    )?;
    let rows = stmt.query_map([user_id], |r| {
        Ok(PasskeyInfo {
            id: r.get(0)?,
            name: r.get(1)?,
            created_at: rfc3339(r.get(2)?),
            last_used_at: r.get::<_, Option<i64>>(3)?.map(rfc3339),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The user's stored keys (webauthn-rs JSON), by id.
pub fn stored(conn: &Connection, user_id: i64) -> Result<Vec<(i64, String)>, DbError> {
    let mut stmt = conn.prepare_cached("SELECT id, passkey FROM passkeys WHERE user_id = ?1 ORDER BY id")?;
    let rows = stmt.query_map([user_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn count(conn: &Connection, user_id: i64) -> Result<i64, DbError> {
    Ok(conn.query_row("SELECT count(*) FROM passkeys WHERE user_id = ?1", [user_id], |r| r.get(0))?)
}

/// Stores a new passkey; `None` when that credential is registered already (to anyone). A user
/// held on the Account page until they set up a second factor is let go.
pub fn insert(
    conn: &Connection,
    user_id: i64,
    name: &str,
    credential_id: &str,
    passkey: &str,
    now: i64,
) -> Result<Option<PasskeyInfo>, DbError> {
    let added = conn.execute(
        "INSERT INTO passkeys (user_id, name, credential_id, passkey, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (credential_id) DO NOTHING",
        params![user_id, name, credential_id, passkey, now],
    )?;
    if added == 0 {
        return Ok(None);
    }
    conn.execute("UPDATE sessions SET mfa_setup_required = 0 WHERE user_id = ?1", [user_id])?;
    let id = conn.last_insert_rowid();
    Ok(Some(PasskeyInfo { id, name: name.to_owned(), created_at: rfc3339(now), last_used_at: None }))
}

/// A login used this passkey; `passkey` is its updated JSON (new signature counter) when it changed.
/// Answers the passkey's name.
pub fn used(conn: &Connection, id: i64, passkey: Option<&str>, now: i64) -> Result<String, DbError> {
    conn.execute(
        "UPDATE passkeys SET last_used_at = ?2, passkey = coalesce(?3, passkey) WHERE id = ?1",
        params![id, now, passkey],
    )?;
    Ok(conn.query_row("SELECT name FROM passkeys WHERE id = ?1", [id], |r| r.get(0))?)
}

/// Removes one of the user's passkeys; answers its name, or `None` when the user has none with that id.
pub fn delete(conn: &Connection, user_id: i64, id: i64) -> Result<Option<String>, DbError> {
    Ok(conn
        .query_row("DELETE FROM passkeys WHERE id = ?1 AND user_id = ?2 RETURNING name", params![id, user_id], |r| {
            r.get(0)
        })
        .optional()?)
}

/// Removes all of a user's passkeys (an admin resets their second factor).
pub fn delete_all(conn: &Connection, user_id: i64) -> Result<usize, DbError> {
    Ok(conn.execute("DELETE FROM passkeys WHERE user_id = ?1", [user_id])?)
}
