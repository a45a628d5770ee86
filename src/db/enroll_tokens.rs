//! Enrollment tokens: made by staff, redeemed by agents. Only the SHA-256 of a token is stored.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::{DbError, rfc3339};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnrollToken {
    pub id: i64,
    pub prefix: String,
    pub client_id: i64,
    pub client: String,
    pub site_id: Option<i64>,
    pub site: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
    pub max_uses: i64,
    pub uses: i64,
    pub revoked: bool,
}

pub struct NewToken<'a> {
    pub token_hash: &'a [u8],
    pub prefix: &'a str,
    pub client_id: i64,
    pub site_id: Option<i64>,
    pub created_by: Option<i64>,
    pub expires_at: i64,
    pub max_uses: i64,
}

const COLUMNS: &str = "t.id, t.prefix, t.client_id, c.name, t.site_id, s.name, t.created_at, t.expires_at,
    t.max_uses, t.uses, t.revoked_at IS NOT NULL
    FROM enroll_tokens t JOIN clients c ON c.id = t.client_id LEFT JOIN sites s ON s.id = t.site_id";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<EnrollToken> {
    Ok(EnrollToken {
        id: r.get(0)?,
        prefix: r.get(1)?,
        client_id: r.get(2)?,
        client: r.get(3)?,
        site_id: r.get(4)?,
        site: r.get(5)?,
        created_at: rfc3339(r.get(6)?),
        expires_at: rfc3339(r.get(7)?),
        max_uses: r.get(8)?,
        uses: r.get(9)?,
        revoked: r.get(10)?,
    })
}

pub fn insert(conn: &Connection, t: &NewToken, now: i64) -> Result<EnrollToken, DbError> {
    conn.execute(
        "INSERT INTO enroll_tokens (token_hash, prefix, client_id, site_id, created_by, created_at, expires_at, max_uses)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![t.token_hash, t.prefix, t.client_id, t.site_id, t.created_by, now, t.expires_at, t.max_uses],
    )?;
    let id = conn.last_insert_rowid();
    Ok(conn.query_row(&format!("SELECT {COLUMNS} WHERE t.id = ?1"), [id], from_row)?)
}

/// Tokens that can still be used, newest first (optionally for one client).
pub fn list_usable(conn: &Connection, client_id: Option<i64>, now: i64) -> Result<Vec<EnrollToken>, DbError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} WHERE t.revoked_at IS NULL AND t.expires_at > ?1 AND t.uses < t.max_uses
           AND (?2 IS NULL OR t.client_id = ?2) ORDER BY t.id DESC LIMIT 200"
    ))?;
    let rows = stmt.query_map(params![now, client_id], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn revoke(conn: &Connection, id: i64, now: i64) -> Result<bool, DbError> {
    Ok(conn
        .execute("UPDATE enroll_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL", params![id, now])?
        == 1)
}

/// Where a redeemed token puts the device.
#[derive(Debug, Clone)]
pub struct Grant {
    pub token_id: i64,
    /// The token's first characters, for the audit log (never the token).
    pub prefix: String,
    pub client_id: i64,
    pub client: String,
    pub site_id: Option<i64>,
}

/// Why a token was refused; each says so in a sentence the agent prints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("The enrollment token is not valid; check it, or make a new one on the server.")]
    Unknown,
    #[error("The enrollment token has expired; make a new one on the server.")]
    Expired,
    #[error("The enrollment token has been used as many times as it allows; make a new one on the server.")]
    UsedUp,
    #[error("The enrollment token was revoked; make a new one on the server.")]
    Revoked,
}

/// The id and prefix of the token with this hash, if it exists (for the audit log of a refusal).
pub fn identify(conn: &Connection, token_hash: &[u8]) -> Result<Option<(i64, String)>, DbError> {
    Ok(conn
        .query_row("SELECT id, prefix FROM enroll_tokens WHERE token_hash = ?1", [token_hash], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?)
}

/// Uses one enrollment of the token with this hash, or says why not. Call inside the write that
/// creates the device, so a failure later leaves the use uncounted.
pub fn redeem(conn: &Connection, token_hash: &[u8], now: i64) -> Result<Result<Grant, Refusal>, DbError> {
    let row = conn
        .query_row(
            "SELECT t.id, t.client_id, c.name, t.site_id, t.expires_at, t.max_uses, t.uses, t.revoked_at, t.prefix
             FROM enroll_tokens t JOIN clients c ON c.id = t.client_id WHERE t.token_hash = ?1",
            [token_hash],
            |r| {
                Ok((
                    Grant {
                        token_id: r.get(0)?,
                        prefix: r.get(8)?,
                        client_id: r.get(1)?,
                        client: r.get(2)?,
                        site_id: r.get(3)?,
                    },
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, Option<i64>>(7)?,
                ))
            },
        )
        .optional()?;
    let Some((grant, expires_at, max_uses, uses, revoked_at)) = row else { return Ok(Err(Refusal::Unknown)) };
    if revoked_at.is_some() {
        return Ok(Err(Refusal::Revoked));
    }
    if expires_at <= now {
        return Ok(Err(Refusal::Expired));
    }
    if uses >= max_uses {
        return Ok(Err(Refusal::UsedUp));
    }
    conn.execute("UPDATE enroll_tokens SET uses = uses + 1 WHERE id = ?1", [grant.token_id])?;
    Ok(Ok(grant))
}
