//! Contacts: the client's own people, who report tickets and hear about them. A contact with a
//! portal login is linked to that user; public comments on their tickets are e-mailed to them.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::{DbError, rfc3339};

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Contact {
    pub id: i64,
    pub client_id: i64,
    pub client: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    /// Their portal login, when they have one.
    pub user_id: Option<i64>,
    /// Tickets of theirs that are new, open or pending.
    pub open_tickets: i64,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

const SELECT: &str = "SELECT ct.id, ct.client_id, c.name, ct.name, ct.email, ct.phone, ct.user_id,
    (SELECT count(*) FROM tickets t WHERE t.contact_id = ct.id AND t.status IN ('new', 'open', 'pending')),
    ct.updated_at FROM contacts ct JOIN clients c ON c.id = ct.client_id";

fn from_row(r: &Row) -> rusqlite::Result<Contact> {
    Ok(Contact {
        id: r.get(0)?,
        client_id: r.get(1)?,
        client: r.get(2)?,
        name: r.get(3)?,
        email: r.get(4)?,
        phone: r.get(5)?,
        user_id: r.get(6)?,
        open_tickets: r.get(7)?,
        updated_at: rfc3339(r.get(8)?),
    })
}

/// Contacts by name, of one client or all, after id `after` in name order paging by id.
pub fn list(
    conn: &Connection,
    client_id: Option<i64>,
    after: Option<i64>,
    limit: usize,
) -> Result<Vec<Contact>, DbError> {
    Ok(conn
        .prepare_cached(&format!(
            "{SELECT} WHERE (?1 IS NULL OR ct.client_id = ?1) AND (?2 IS NULL OR ct.id > ?2) ORDER BY ct.id LIMIT ?3"
        ))?
        .query_map(params![client_id, after, limit as i64 + 1], from_row)?
        .collect::<Result<_, _>>()?)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Contact>, DbError> {
    Ok(conn.prepare_cached(&format!("{SELECT} WHERE ct.id = ?1"))?.query_row([id], from_row).optional()?)
}

/// A contact's fields as written (checked by the caller).
#[derive(Debug, Clone)]
pub struct ContactFields {
    pub name: String,
    pub email: String,
    pub phone: String,
}

pub fn create(conn: &Connection, client_id: i64, f: &ContactFields, now: i64) -> Result<i64, DbError> {
    conn.prepare_cached(
        "INSERT INTO contacts (client_id, name, email, phone, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
    )?
    .execute(params![client_id, f.name, f.email, f.phone, now])?;
    Ok(conn.last_insert_rowid())
}

pub fn update(conn: &Connection, id: i64, f: &ContactFields, now: i64) -> Result<bool, DbError> {
    Ok(conn
        .prepare_cached("UPDATE contacts SET name = ?2, email = ?3, phone = ?4, updated_at = ?5 WHERE id = ?1")?
        .execute(params![id, f.name, f.email, f.phone, now])?
        == 1)
}

/// Deletes a contact; their tickets stay, without a contact.
pub fn delete(conn: &Connection, id: i64) -> Result<bool, DbError> {
    Ok(conn.execute("DELETE FROM contacts WHERE id = ?1", [id])? == 1)
}

/// The address public comments on a ticket are mailed to: its contact's, when there is one.
pub fn email_of_ticket(conn: &Connection, ticket_id: i64) -> Result<Option<String>, DbError> {
    Ok(conn
        .prepare_cached(
            "SELECT ct.email FROM tickets t JOIN contacts ct ON ct.id = t.contact_id
             WHERE t.id = ?1 AND ct.email != ''",
        )?
        .query_row([ticket_id], |r| r.get(0))
        .optional()?)
}
