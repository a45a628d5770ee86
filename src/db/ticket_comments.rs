//! Comments on tickets: public ones the client sees, internal notes, and the system's own.

use rusqlite::{Connection, params};

use super::{DbError, rfc3339};
use crate::tickets::Comment;

/// Adds a comment by `author_id` (`None`: the system) and answers it as stored.
pub fn insert(
    conn: &Connection,
    ticket_id: i64,
    author_id: Option<i64>,
    body: &str,
    public: bool,
    now: i64,
) -> Result<Comment, DbError> {
    conn.prepare_cached(
        "INSERT INTO ticket_comments (ticket_id, author_id, body, public, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![ticket_id, author_id, body, public, now])?;
    let id = conn.last_insert_rowid();
    conn.prepare_cached(&format!("{SELECT} WHERE m.id = ?1"))?.query_row([id], from_row).map_err(DbError::from)
}

const SELECT: &str = "SELECT m.id, m.author_id, coalesce(nullif(u.name, ''), u.login), m.body, m.public, m.created_at
    FROM ticket_comments m LEFT JOIN users u ON u.id = m.author_id";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Comment> {
    Ok(Comment {
        id: r.get(0)?,
        author_id: r.get(1)?,
        author: r.get(2)?,
        body: r.get(3)?,
        public: r.get(4)?,
        created_at: rfc3339(r.get(5)?),
    })
}

/// A ticket's comments, oldest first; `internal` false leaves out the internal ones.
pub fn list(conn: &Connection, ticket_id: i64, internal: bool) -> Result<Vec<Comment>, DbError> {
    let mut stmt =
        conn.prepare_cached(&format!("{SELECT} WHERE m.ticket_id = ?1 AND (?2 OR m.public) ORDER BY m.id"))?;
    let rows = stmt.query_map(params![ticket_id, internal], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}
