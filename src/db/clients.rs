//! Clients (the MSP's customer companies) and their sites.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::{DbError, rfc3339};

/// A customer company of the MSP.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Client {
    pub id: i64,
    pub name: String,
    pub notes: String,
    /// IANA name, e.g. Europe/Berlin: what the client's maintenance windows start in when their
    /// site gives none.
    pub timezone: String,
    pub site_count: i64,
    pub user_count: i64,
    pub device_count: i64,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// One of a client's locations.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Site {
    pub id: i64,
    pub client_id: i64,
    pub name: String,
    pub address: String,
    pub timezone: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

const CLIENT_COLUMNS: &str = "c.id, c.name, c.notes, c.created_at, c.updated_at,
    (SELECT count(*) FROM sites s WHERE s.client_id = c.id),
    (SELECT count(*) FROM users u WHERE u.client_id = c.id),
    (SELECT count(*) FROM devices d WHERE d.client_id = c.id), c.timezone";

fn client_from_row(r: &Row) -> rusqlite::Result<Client> {
    Ok(Client {
        id: r.get(0)?,
        name: r.get(1)?,
        notes: r.get(2)?,
        created_at: rfc3339(r.get(3)?),
        updated_at: rfc3339(r.get(4)?),
        site_count: r.get(5)?,
        user_count: r.get(6)?,
        device_count: r.get(7)?,
        timezone: r.get(8)?,
    })
}

/// Clients ordered by name, after the name `after` (the page cursor), optionally only those whose
/// name contains `search`, and (for a client-role user) only `only_id`.
pub fn list(
    conn: &Connection,
    search: Option<&str>,
    only_id: Option<i64>,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<Client>, DbError> {
    let sql = format!(
        "SELECT {CLIENT_COLUMNS} FROM clients c
         WHERE (?1 IS NULL OR c.name > ?1 COLLATE NOCASE)
           AND (?2 IS NULL OR instr(lower(c.name), lower(?2)) > 0)
           AND (?3 IS NULL OR c.id = ?3)
         ORDER BY c.name COLLATE NOCASE LIMIT ?4"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![after, search, only_id, limit as i64], client_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Client>, DbError> {
    let sql = format!("SELECT {CLIENT_COLUMNS} FROM clients c WHERE c.id = ?1");
    Ok(conn.query_row(&sql, [id], client_from_row).optional()?)
}

pub fn find_by_name(conn: &Connection, name: &str) -> Result<Option<Client>, DbError> {
    let sql = format!("SELECT {CLIENT_COLUMNS} FROM clients c WHERE c.name = ?1 COLLATE NOCASE");
    Ok(conn.query_row(&sql, [name], client_from_row).optional()?)
}

/// Adds a client. A name already taken (ignoring case) is a `Conflict`.
pub fn insert(conn: &Connection, name: &str, notes: &str, now: i64) -> Result<Client, DbError> {
    let result = conn.execute(
        "INSERT INTO clients (name, notes, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
        params![name, notes, now],
    );
    match result {
        Ok(_) => get(conn, conn.last_insert_rowid())?.ok_or_else(|| DbError::NotFound("client vanished".into())),
        Err(e) => Err(name_taken(e.into(), format!("A client named {name:?} already exists."))),
    }
}

pub fn update(
    conn: &Connection,
    id: i64,
    name: Option<&str>,
    notes: Option<&str>,
    now: i64,
) -> Result<Client, DbError> {
    let changed = conn
        .execute(
            "UPDATE clients SET name = coalesce(?2, name), notes = coalesce(?3, notes), updated_at = ?4 WHERE id = ?1",
            params![id, name, notes, now],
        )
        .map_err(|e| name_taken(e.into(), format!("A client named {:?} already exists.", name.unwrap_or(""))))?;
    if changed == 0 {
        return Err(DbError::NotFound(format!("There is no client with id {id}.")));
    }
    get(conn, id)?.ok_or_else(|| DbError::NotFound(format!("There is no client with id {id}.")))
}

/// Sets a client's time zone (an IANA name the caller has checked).
pub fn set_timezone(conn: &Connection, id: i64, timezone: &str, now: i64) -> Result<Client, DbError> {
    let changed =
        conn.execute("UPDATE clients SET timezone = ?2, updated_at = ?3 WHERE id = ?1", params![id, timezone, now])?;
    let not_found = || DbError::NotFound(format!("There is no client with id {id}."));
    if changed == 0 {
        return Err(not_found());
    }
    get(conn, id)?.ok_or_else(not_found)
}

fn name_taken(e: DbError, message: String) -> DbError {
    if e.is_unique_violation() { DbError::conflict("name", message) } else { e }
}

const SITE_COLUMNS: &str = "id, client_id, name, address, timezone, created_at, updated_at";

fn site_from_row(r: &Row) -> rusqlite::Result<Site> {
    Ok(Site {
        id: r.get(0)?,
        client_id: r.get(1)?,
        name: r.get(2)?,
        address: r.get(3)?,
        timezone: r.get(4)?,
        created_at: rfc3339(r.get(5)?),
        updated_at: rfc3339(r.get(6)?),
    })
}

pub fn sites(conn: &Connection, client_id: i64) -> Result<Vec<Site>, DbError> {
    let sql = format!("SELECT {SITE_COLUMNS} FROM sites WHERE client_id = ?1 ORDER BY name COLLATE NOCASE");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([client_id], site_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn get_site(conn: &Connection, id: i64) -> Result<Option<Site>, DbError> {
    let sql = format!("SELECT {SITE_COLUMNS} FROM sites WHERE id = ?1");
    Ok(conn.query_row(&sql, [id], site_from_row).optional()?)
}

pub struct SiteFields<'a> {
    pub name: Option<&'a str>,
    pub address: Option<&'a str>,
    pub timezone: Option<&'a str>,
}

pub fn insert_site(conn: &Connection, client_id: i64, f: &SiteFields, now: i64) -> Result<Site, DbError> {
    let name = f.name.unwrap_or_default();
    conn.execute(
        "INSERT INTO sites (client_id, name, address, timezone, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![client_id, name, f.address.unwrap_or(""), f.timezone.unwrap_or("UTC"), now],
    )
    .map_err(|e| name_taken(e.into(), format!("This client already has a site named {name:?}.")))?;
    get_site(conn, conn.last_insert_rowid())?.ok_or_else(|| DbError::NotFound("site vanished".into()))
}

pub fn update_site(conn: &Connection, id: i64, f: &SiteFields, now: i64) -> Result<Site, DbError> {
    let changed = conn
        .execute(
            "UPDATE sites SET name = coalesce(?2, name), address = coalesce(?3, address),
             timezone = coalesce(?4, timezone), updated_at = ?5 WHERE id = ?1",
            params![id, f.name, f.address, f.timezone, now],
        )
        .map_err(|e| {
            name_taken(e.into(), format!("This client already has a site named {:?}.", f.name.unwrap_or("")))
        })?;
    if changed == 0 {
        return Err(DbError::NotFound(format!("There is no site with id {id}.")));
    }
    get_site(conn, id)?.ok_or_else(|| DbError::NotFound(format!("There is no site with id {id}.")))
}
