//! Logins half done: the password was right and the second factor is still to come.

use rusqlite::{Connection, OptionalExtension, params};

use super::DbError;

/// How long a challenge waits for its code.
pub const CHALLENGE_TTL_SECS: i64 = 300;
/// Wrong codes one challenge takes before it is gone (the password must be given again).
pub const MAX_CHALLENGE_FAILURES: i64 = 5;

pub fn create_challenge(
    conn: &Connection,
    token_hash: &[u8],
    user_id: i64,
    addr: &str,
    now: i64,
) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO mfa_challenges (token_hash, user_id, expires_at, remote_addr) VALUES (?1, ?2, ?3, ?4)",
        params![token_hash, user_id, now + CHALLENGE_TTL_SECS, addr],
    )?;
    Ok(())
}

/// The challenge's id and user, while it lasts.
pub fn challenge(conn: &Connection, token_hash: &[u8], now: i64) -> Result<Option<(i64, i64)>, DbError> {
    Ok(conn
        .query_row(
            "SELECT id, user_id FROM mfa_challenges WHERE token_hash = ?1 AND expires_at > ?2 AND failures < ?3",
            params![token_hash, now, MAX_CHALLENGE_FAILURES],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

pub fn challenge_failed(conn: &Connection, id: i64) -> Result<(), DbError> {
    conn.execute("UPDATE mfa_challenges SET failures = failures + 1 WHERE id = ?1", [id])?;
    Ok(())
}

pub fn delete_challenge(conn: &Connection, id: i64) -> Result<(), DbError> {
    conn.execute("DELETE FROM mfa_challenges WHERE id = ?1", [id])?;
    Ok(())
}

pub fn prune_challenges(conn: &Connection, now: i64) -> Result<usize, DbError> {
    Ok(conn.execute(
        "DELETE FROM mfa_challenges WHERE expires_at <= ?1 OR failures >= ?2",
        params![now, MAX_CHALLENGE_FAILURES],
    )?)
}
