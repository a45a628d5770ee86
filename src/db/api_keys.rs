//! API keys for integrations. Only the SHA-256 of a key is stored; the key itself is shown once.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::users::{USER_COLUMNS, User, user_at};
use super::{DbError, rfc3339};

#[derive(Debug, Clone, Serialize)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

pub fn insert(
    conn: &Connection,
    user_id: i64,
    name: &str,
    prefix: &str,
    key_hash: &[u8],
    now: i64,
) -> Result<ApiKey, DbError> {
    conn.execute(
        "INSERT INTO api_keys (user_id, name, prefix, key_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![user_id, name, prefix, key_hash, now],
    )?;
    Ok(ApiKey {
        id: conn.last_insert_rowid(),
        name: name.to_owned(),
        prefix: prefix.to_owned(),
        created_at: rfc3339(now),
        last_used_at: None,
    })
}

/// The user's keys that are not revoked, newest first.
pub fn list_for_user(conn: &Connection, user_id: i64) -> Result<Vec<ApiKey>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, prefix, created_at, last_used_at FROM api_keys
         WHERE user_id = ?1 AND revoked_at IS NULL ORDER BY id DESC",
    )?;
    let rows = stmt.query_map([user_id], |r| {
        Ok(ApiKey {
            id: r.get(0)?,
            name: r.get(1)?,
            prefix: r.get(2)?,
            created_at: rfc3339(r.get(3)?),
            last_used_at: r.get::<_, Option<i64>>(4)?.map(rfc3339),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Revokes one of the user's keys; false when the user has no such key.
pub fn revoke(conn: &Connection, user_id: i64, id: i64, now: i64) -> Result<bool, DbError> {
    let changed = conn.execute(
        "UPDATE api_keys SET revoked_at = ?3 WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL",
        params![id, user_id, now],
    )?;
    Ok(changed == 1)
}

/// The enabled user owning the unrevoked key with this hash, and the key's id and last use.
pub fn lookup(conn: &Connection, key_hash: &[u8]) -> Result<Option<(i64, Option<i64>, User)>, DbError> {
    let sql = format!(
        "SELECT k.id, k.last_used_at, {USER_COLUMNS} FROM api_keys k JOIN users u ON u.id = k.user_id LEFT JOIN clients c ON c.id = u.client_id
         WHERE k.key_hash = ?1 AND k.revoked_at IS NULL AND u.disabled = 0"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    Ok(stmt.query_row([key_hash], |r| Ok((r.get(0)?, r.get(1)?, user_at(r, 2)?))).optional()?)
}

pub fn touch(conn: &Connection, id: i64, now: i64) -> Result<(), DbError> {
    conn.execute("UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1", params![id, now])?;
    Ok(())
}
