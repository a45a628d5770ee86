//! API keys for integrations. Only the SHA-256 of a key is stored; the key itself is shown once.
//! A key may expire; its owner or an admin can revoke it; a password reset revokes them all.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::users::{USER_COLUMNS, User, user_at};
use super::{DbError, rfc3339};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub user_id: i64,
    /// The owner's login.
    pub user: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime, required = true)]
    pub last_used_at: Option<String>,
    #[schema(format = DateTime, required = true)]
    pub expires_at: Option<String>,
    pub expired: bool,
}

pub struct NewKey<'a> {
    pub user_id: i64,
    pub name: &'a str,
    pub prefix: &'a str,
    pub key_hash: &'a [u8],
    pub expires_at: Option<i64>,
}

pub fn insert(conn: &Connection, k: &NewKey, now: i64) -> Result<ApiKey, DbError> {
    conn.execute(
        "INSERT INTO api_keys (user_id, name, prefix, key_hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![k.user_id, k.name, k.prefix, k.key_hash, now, k.expires_at],
    )?;
    let id = conn.last_insert_rowid();
    get(conn, id, now)?.ok_or_else(|| DbError::NotFound(format!("API key {id} vanished")))
}

const KEY_COLUMNS: &str = "k.id, k.name, k.prefix, k.user_id, u.login, k.created_at, k.last_used_at, k.expires_at";

fn key_from_row(r: &rusqlite::Row, now: i64) -> rusqlite::Result<ApiKey> {
    let expires_at: Option<i64> = r.get(7)?;
    Ok(ApiKey {
        id: r.get(0)?,
        name: r.get(1)?,
        prefix: r.get(2)?,
        user_id: r.get(3)?,
        user: r.get(4)?,
        created_at: rfc3339(r.get(5)?),
        last_used_at: r.get::<_, Option<i64>>(6)?.map(rfc3339),
        expires_at: expires_at.map(rfc3339),
        expired: expires_at.is_some_and(|e| e <= now),
    })
}

/// An unrevoked key.
pub fn get(conn: &Connection, id: i64, now: i64) -> Result<Option<ApiKey>, DbError> {
    let sql = format!(
        "SELECT {KEY_COLUMNS} FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.id = ?1 AND k.revoked_at IS NULL"
    );
    Ok(conn.query_row(&sql, [id], |r| key_from_row(r, now)).optional()?)
}

/// Unrevoked keys, newest first: one user's, or everyone's (`None`), below the `before` id.
pub fn list(
    conn: &Connection,
    user_id: Option<i64>,
    before: Option<i64>,
    limit: usize,
    now: i64,
) -> Result<Vec<ApiKey>, DbError> {
    let sql = format!(
        "SELECT {KEY_COLUMNS} FROM api_keys k JOIN users u ON u.id = k.user_id
         WHERE k.revoked_at IS NULL AND (?1 IS NULL OR k.user_id = ?1) AND (?2 IS NULL OR k.id < ?2)
         ORDER BY k.id DESC LIMIT ?3"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![user_id, before, limit as i64], |r| key_from_row(r, now))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Revokes one key (of `owner` only, when given); false when there is no such unrevoked key.
pub fn revoke(conn: &Connection, id: i64, owner: Option<i64>, by: Option<i64>, now: i64) -> Result<bool, DbError> {
    let changed = conn.execute(
        "UPDATE api_keys SET revoked_at = ?3, revoked_by = ?4
         WHERE id = ?1 AND (?2 IS NULL OR user_id = ?2) AND revoked_at IS NULL",
        params![id, owner, now, by],
    )?;
    Ok(changed == 1)
}

/// Revokes every key of the user; returns their ids.
pub fn revoke_all(conn: &Connection, user_id: i64, by: Option<i64>, now: i64) -> Result<Vec<i64>, DbError> {
    let mut stmt = conn.prepare_cached(
        "UPDATE api_keys SET revoked_at = ?2, revoked_by = ?3 WHERE user_id = ?1 AND revoked_at IS NULL RETURNING id",
    )?;
    let rows = stmt.query_map(params![user_id, now, by], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The enabled user owning the unrevoked, unexpired key with this hash, and the key's id and
/// last use.
pub fn lookup(conn: &Connection, key_hash: &[u8], now: i64) -> Result<Option<(i64, Option<i64>, User)>, DbError> {
    let sql = format!(
        "SELECT k.id, k.last_used_at, {USER_COLUMNS} FROM api_keys k JOIN users u ON u.id = k.user_id LEFT JOIN clients c ON c.id = u.client_id
         WHERE k.key_hash = ?1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > ?2) AND u.disabled = 0"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    Ok(stmt.query_row(params![key_hash, now], |r| Ok((r.get(0)?, r.get(1)?, user_at(r, 2)?))).optional()?)
}

/// True while the key is unrevoked, unexpired, and its user enabled with the same role and client.
pub fn still_valid(conn: &Connection, id: i64, user: &User, now: i64) -> Result<bool, DbError> {
    let role: Option<(String, Option<i64>)> = conn
        .prepare_cached(
            "SELECT u.role, u.client_id FROM api_keys k JOIN users u ON u.id = k.user_id
             WHERE k.id = ?1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > ?2) AND u.disabled = 0",
        )?
        .query_row(params![id, now], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(role.is_some_and(|(role, client)| role == user.role.as_str() && client == user.client_id))
}

pub fn touch(conn: &Connection, id: i64, now: i64) -> Result<(), DbError> {
    conn.execute("UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1", params![id, now])?;
    Ok(())
}
