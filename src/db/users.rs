//! People who log in: admins, technicians and client contacts.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::{DbError, rfc3339};

pub use crate::auth::role::Role;

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    #[schema(required = true)]
    pub client_id: Option<i64>,
    /// The client's name, for client-role users.
    #[schema(required = true)]
    pub client: Option<String>,
    pub disabled: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime, required = true)]
    pub last_login_at: Option<String>,
    /// A second factor (an authenticator app or at least one passkey) is set up.
    pub mfa_enabled: bool,
}

pub(crate) const USER_COLUMNS: &str = "u.id, u.login, u.email, u.name, u.role, u.client_id, c.name, u.disabled,
    u.created_at, u.last_login_at,
    u.totp_enabled_at IS NOT NULL OR EXISTS (SELECT 1 FROM passkeys p WHERE p.user_id = u.id)";
pub(crate) const USER_FROM: &str = "users u LEFT JOIN clients c ON c.id = u.client_id";

pub(crate) fn user_from_row(r: &Row) -> rusqlite::Result<User> {
    user_at(r, 0)
}

/// Reads the `USER_COLUMNS` that start at column `base` of a row.
pub(crate) fn user_at(r: &Row, base: usize) -> rusqlite::Result<User> {
    let role: String = r.get(base + 4)?;
    let role = role
        .parse()
        .map_err(|_| rusqlite::Error::InvalidColumnType(base + 4, "role".into(), rusqlite::types::Type::Text))?;
    Ok(User {
        id: r.get(base)?,
        login: r.get(base + 1)?,
        email: r.get(base + 2)?,
        name: r.get(base + 3)?,
        role,
        client_id: r.get(base + 5)?,
        client: r.get(base + 6)?,
        disabled: r.get(base + 7)?,
        created_at: rfc3339(r.get(base + 8)?),
        last_login_at: r.get::<_, Option<i64>>(base + 9)?.map(rfc3339),
        mfa_enabled: r.get(base + 10)?,
    })
}

pub fn count(conn: &Connection) -> Result<i64, DbError> {
    Ok(conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<User>, DbError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM {USER_FROM} WHERE u.id = ?1");
    Ok(conn.query_row(&sql, [id], user_from_row).optional()?)
}

/// The user with this login (case-insensitive) and their password hash.
pub fn by_login(conn: &Connection, login: &str) -> Result<Option<(User, String)>, DbError> {
    let sql = format!("SELECT {USER_COLUMNS}, u.password_hash FROM {USER_FROM} WHERE u.login = ?1");
    Ok(conn.query_row(&sql, [login], |r| Ok((user_from_row(r)?, r.get(11)?))).optional()?)
}

pub fn list(conn: &Connection, after: Option<&str>, limit: usize) -> Result<Vec<User>, DbError> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM {USER_FROM} WHERE (?1 IS NULL OR u.login > ?1 COLLATE NOCASE)
         ORDER BY u.login COLLATE NOCASE LIMIT ?2"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![after, limit as i64], user_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub struct NewUser<'a> {
    pub login: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub client_id: Option<i64>,
    pub password_hash: &'a str,
}

pub fn insert(conn: &Connection, u: &NewUser, now: i64) -> Result<User, DbError> {
    let result = conn.execute(
        "INSERT INTO users (login, email, name, role, client_id, password_hash, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![u.login, u.email, u.name, u.role.as_str(), u.client_id, u.password_hash, now],
    );
    match result {
        Ok(_) => get(conn, conn.last_insert_rowid())?.ok_or_else(|| DbError::NotFound("user vanished".into())),
        Err(e) => {
            let e = DbError::from(e);
            if e.is_unique_violation() {
                Err(DbError::conflict("login", format!("A user with login {:?} already exists.", u.login)))
            } else {
                Err(e)
            }
        }
    }
}

#[derive(Default)]
pub struct UserChanges {
    pub name: Option<String>,
    pub role: Option<Role>,
    /// `Some(None)` clears the client (for a role other than client).
    pub client_id: Option<Option<i64>>,
    pub disabled: Option<bool>,
}

pub fn update(conn: &Connection, id: i64, ch: &UserChanges, now: i64) -> Result<User, DbError> {
    let current = get(conn, id)?.ok_or_else(|| DbError::NotFound(format!("There is no user with id {id}.")))?;
    let role = ch.role.unwrap_or(current.role);
    let client_id = match ch.client_id {
        Some(c) => c,
        None if role == Role::Client => current.client_id,
        None => None,
    };
    if role == Role::Client && client_id.is_none() {
        return Err(crate::refusal::Refusal::invalid("client_id", "A user with the client role needs a client.").into());
    }
    let client_id = if role == Role::Client { client_id } else { None };
    conn.execute(
        "UPDATE users SET name = coalesce(?2, name), role = ?3, client_id = ?4,
         disabled = coalesce(?5, disabled), updated_at = ?6 WHERE id = ?1",
        params![id, ch.name, role.as_str(), client_id, ch.disabled, now],
    )?;
    get(conn, id)?.ok_or_else(|| DbError::NotFound(format!("There is no user with id {id}.")))
}

/// Stores a new password hash (`services::accounts::set_password` ends what the old one opened).
pub fn set_password_hash(conn: &Connection, id: i64, hash: &str, now: i64) -> Result<(), DbError> {
    let changed =
        conn.execute("UPDATE users SET password_hash = ?2, updated_at = ?3 WHERE id = ?1", params![id, hash, now])?;
    if changed == 0 {
        return Err(DbError::NotFound(format!("There is no user with id {id}.")));
    }
    Ok(())
}

/// What a second factor needs: the TOTP secret (set while enrolling and after), whether it is on,
/// and the last step used.
#[derive(Debug, Clone, Default)]
pub struct Totp {
    pub secret: Option<String>,
    pub enabled_at: Option<i64>,
    pub last_step: i64,
}

pub fn totp(conn: &Connection, id: i64) -> Result<Totp, DbError> {
    Ok(conn
        .query_row("SELECT totp_secret, totp_enabled_at, totp_last_step FROM users WHERE id = ?1", [id], |r| {
            Ok(Totp { secret: r.get(0)?, enabled_at: r.get(1)?, last_step: r.get(2)? })
        })
        .optional()?
        .unwrap_or_default())
}

/// Starts enrolling: a new secret, not yet in force.
pub fn begin_totp(conn: &Connection, id: i64, secret: &str) -> Result<(), DbError> {
    conn.execute(
        "UPDATE users SET totp_secret = ?2, totp_enabled_at = NULL, totp_last_step = 0 WHERE id = ?1",
        params![id, secret],
    )?;
    Ok(())
}

/// The user proved a code: the factor is on, and sessions waiting to set one up are free.
pub fn enable_totp(conn: &Connection, id: i64, step: i64, now: i64) -> Result<(), DbError> {
    conn.execute("UPDATE users SET totp_enabled_at = ?2, totp_last_step = ?3 WHERE id = ?1", params![id, now, step])?;
    conn.execute("UPDATE sessions SET mfa_setup_required = 0 WHERE user_id = ?1", [id])?;
    Ok(())
}

/// Records the step of a code just used, so it cannot be used again. False when a concurrent
/// login used it (or a later one) first.
pub fn use_totp_step(conn: &Connection, id: i64, step: i64) -> Result<bool, DbError> {
    Ok(conn.execute("UPDATE users SET totp_last_step = ?2 WHERE id = ?1 AND totp_last_step < ?2", params![id, step])?
        == 1)
}

/// Turns the second factor off and forgets its secret and recovery codes.
pub fn disable_totp(conn: &Connection, id: i64) -> Result<(), DbError> {
    conn.execute(
        "UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = 0 WHERE id = ?1",
        [id],
    )?;
    conn.execute("DELETE FROM recovery_codes WHERE user_id = ?1", [id])?;
    Ok(())
}

/// Replaces the user's recovery codes with these hashes.
pub fn set_recovery_codes(conn: &Connection, id: i64, hashes: &[[u8; 32]]) -> Result<(), DbError> {
    conn.execute("DELETE FROM recovery_codes WHERE user_id = ?1", [id])?;
    let mut stmt = conn.prepare_cached("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?1, ?2)")?;
    for h in hashes {
        stmt.execute(params![id, &h[..]])?;
    }
    Ok(())
}

/// Uses up the unused recovery code with this hash; false when there is none.
pub fn use_recovery_code(conn: &Connection, id: i64, hash: &[u8], now: i64) -> Result<bool, DbError> {
    Ok(conn.execute(
        "UPDATE recovery_codes SET used_at = ?3 WHERE id = (SELECT id FROM recovery_codes
         WHERE user_id = ?1 AND code_hash = ?2 AND used_at IS NULL LIMIT 1)",
        params![id, hash, now],
    )? == 1)
}

pub fn recovery_codes_left(conn: &Connection, id: i64) -> Result<i64, DbError> {
    Ok(conn
        .query_row("SELECT count(*) FROM recovery_codes WHERE user_id = ?1 AND used_at IS NULL", [id], |r| r.get(0))?)
}

pub fn password_hash(conn: &Connection, id: i64) -> Result<Option<String>, DbError> {
    Ok(conn.query_row("SELECT password_hash FROM users WHERE id = ?1", [id], |r| r.get(0)).optional()?)
}

pub fn touch_login(conn: &Connection, id: i64, now: i64) -> Result<(), DbError> {
    conn.execute("UPDATE users SET last_login_at = ?2 WHERE id = ?1", params![id, now])?;
    Ok(())
}
