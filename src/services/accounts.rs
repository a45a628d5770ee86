//! People's accounts: the changes that must end what someone's old standing opened.

use rusqlite::Connection;

use crate::db::users::{self, User, UserChanges};
use crate::db::{DbError, api_keys, sessions};

/// Applies `changes` to user `id`; disabling someone ends every session of theirs in the same
/// transaction. Returns the user and the sessions ended (for the live feed to close).
pub fn update_user(conn: &Connection, id: i64, changes: &UserChanges, now: i64) -> Result<(User, Vec<i64>), DbError> {
    let user = users::update(conn, id, changes, now)?;
    let ended = if changes.disabled == Some(true) { sessions::end_all(conn, id, None)? } else { Vec::new() };
    Ok((user, ended))
}

/// Sets a new password hash, ends the user's other sessions and revokes their API keys (a new
/// password means the old one may be known to someone). Returns the sessions and keys ended.
pub fn set_password(
    conn: &Connection,
    id: i64,
    hash: &str,
    keep_session: Option<i64>,
    now: i64,
) -> Result<(Vec<i64>, Vec<i64>), DbError> {
    users::set_password_hash(conn, id, hash, now)?;
    let sessions = sessions::end_all(conn, id, keep_session)?;
    let keys = api_keys::revoke_all(conn, id, None, now)?;
    Ok((sessions, keys))
}
