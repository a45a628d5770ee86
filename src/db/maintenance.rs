//! Maintenance windows as stored: a name, a scope (see `rules::scope`), a schedule (JSON of
//! `rules::maintenance::Schedule`) read in `timezone`, and an enabled flag. Checking a schedule is
//! `rules::maintenance`'s business and checking a request the route's; this file stores, finds,
//! and says which client a window belongs to.
//!
//! A window has no client column: its client is its scope's client, or the client of the site or
//! device it names (none for global and tag windows). It is derived in each query, so a device
//! moved to another client takes its windows along without an update here.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::DbError;
use crate::rules::maintenance::{Schedule, Window};
use crate::rules::scope::Scope;

/// A stored window with the names the UI shows beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct MaintenanceWindow {
    pub id: i64,
    pub name: String,
    pub scope: Scope,
    pub schedule: Schedule,
    pub timezone: String,
    pub enabled: bool,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The client the window belongs to; `None` for global and tag windows.
    pub client_id: Option<i64>,
    /// That client's name.
    pub client: Option<String>,
    /// The site's name, for a site window.
    pub site: Option<String>,
    /// The device's hostname, for a device window.
    pub device: Option<String>,
}

impl MaintenanceWindow {
    /// The window as the rule engine holds it.
    pub fn window(&self) -> Window {
        Window {
            id: self.id,
            name: self.name.clone(),
            scope: self.scope.clone(),
            schedule: self.schedule.clone(),
            timezone: self.timezone.clone(),
            enabled: self.enabled,
        }
    }
}

/// What a caller writes: all of it, already checked (a PATCH merges into the stored window first).
#[derive(Debug, Clone)]
pub struct WindowFields {
    pub name: String,
    pub scope: Scope,
    pub schedule: Schedule,
    pub timezone: String,
    pub enabled: bool,
}

/// The windows with their client and the names of what they point at. The client is looked up
/// through the site or device for those scopes.
const SELECT: &str = "SELECT w.id, w.name, w.scope, w.scope_id, w.scope_tag, w.schedule_json, w.timezone, w.enabled,
        w.created_by, w.created_at, w.updated_at, c.id, c.name, s.name, d.hostname
    FROM maintenance_windows w
    LEFT JOIN sites s ON w.scope = 'site' AND s.id = w.scope_id
    LEFT JOIN devices d ON w.scope = 'device' AND d.id = w.scope_id
    LEFT JOIN clients c ON c.id = CASE w.scope WHEN 'client' THEN w.scope_id WHEN 'site' THEN s.client_id
                                               WHEN 'device' THEN d.client_id END";

fn from_row(r: &Row) -> rusqlite::Result<MaintenanceWindow> {
    let scope_text: String = r.get(2)?;
    let scope = Scope::from_columns(&scope_text, r.get(3)?, r.get(4)?).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, "not a scope".into())
    })?;
    let json: String = r.get(5)?;
    let schedule = serde_json::from_str(&json)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(5, rusqlite::types::Type::Text, Box::new(e)))?;
    Ok(MaintenanceWindow {
        id: r.get(0)?,
        name: r.get(1)?,
        scope,
        schedule,
        timezone: r.get(6)?,
        enabled: r.get(7)?,
        created_by: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
        client_id: r.get(11)?,
        client: r.get(12)?,
        site: r.get(13)?,
        device: r.get(14)?,
    })
}

/// Windows in name order after `(name, id)` of the previous page; with `client_id`, only those
/// that belong to that client (its own, its sites' and its devices').
pub fn list(
    conn: &Connection,
    client_id: Option<i64>,
    after: Option<(&str, i64)>,
    limit: usize,
) -> Result<Vec<MaintenanceWindow>, DbError> {
    let sql = format!(
        "{SELECT}
         WHERE (?1 IS NULL OR c.id = ?1)
           AND (?2 IS NULL OR (w.name COLLATE NOCASE, w.id) > (?2, ?3))
         ORDER BY w.name COLLATE NOCASE, w.id LIMIT ?4"
    );
    let (after_name, after_id) = after.map_or((None, None), |(n, id)| (Some(n), Some(id)));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![client_id, after_name, after_id, limit as i64], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<MaintenanceWindow>, DbError> {
    Ok(conn.query_row(&format!("{SELECT} WHERE w.id = ?1"), [id], from_row).optional()?)
}

fn schedule_json(schedule: &Schedule) -> Result<String, DbError> {
    serde_json::to_string(schedule).map_err(|e| DbError::Encode(format!("the schedule cannot be stored: {e}")))
}

pub fn insert(
    conn: &Connection,
    f: &WindowFields,
    created_by: Option<i64>,
    now: i64,
) -> Result<MaintenanceWindow, DbError> {
    let (scope, scope_id, scope_tag) = f.scope.to_columns();
    conn.execute(
        "INSERT INTO maintenance_windows
             (name, scope, scope_id, scope_tag, schedule_json, timezone, enabled, created_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
        params![
            f.name,
            scope,
            scope_id,
            scope_tag,
            schedule_json(&f.schedule)?,
            f.timezone,
            f.enabled,
            created_by,
            now
        ],
    )?;
    let id = conn.last_insert_rowid();
    get(conn, id)?.ok_or_else(|| DbError::NotFound("the maintenance window vanished".into()))
}

/// Replaces everything a caller may change.
pub fn update(conn: &Connection, id: i64, f: &WindowFields, now: i64) -> Result<MaintenanceWindow, DbError> {
    let (scope, scope_id, scope_tag) = f.scope.to_columns();
    let changed = conn.execute(
        "UPDATE maintenance_windows SET name = ?2, scope = ?3, scope_id = ?4, scope_tag = ?5, schedule_json = ?6,
             timezone = ?7, enabled = ?8, updated_at = ?9
         WHERE id = ?1",
        params![id, f.name, scope, scope_id, scope_tag, schedule_json(&f.schedule)?, f.timezone, f.enabled, now],
    )?;
    let not_found = || DbError::NotFound(format!("There is no maintenance window with id {id}."));
    if changed == 0 {
        return Err(not_found());
    }
    get(conn, id)?.ok_or_else(not_found)
}

/// Removes a window; false when there was none.
pub fn delete(conn: &Connection, id: i64) -> Result<bool, DbError> {
    Ok(conn.execute("DELETE FROM maintenance_windows WHERE id = ?1", [id])? > 0)
}

/// Every window, enabled or not, for the rule engine. A row that cannot be read (which only a
/// hand-edited database has) is left out with a warning, so it cannot switch off all the others.
pub fn load_all(conn: &Connection) -> Result<Vec<Window>, DbError> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} ORDER BY w.id"))?;
    let mut out = Vec::new();
    for row in stmt.query_map([], from_row)? {
        match row {
            Ok(w) => out.push(w.window()),
            Err(e) => tracing::warn!(error = %e, "a maintenance window cannot be read; it is ignored"),
        }
    }
    Ok(out)
}

/// Whether the client, site or device a scope names exists (global and tag scopes always do).
pub fn scope_exists(conn: &Connection, scope: &Scope) -> Result<bool, DbError> {
    let (table, id) = match scope {
        Scope::Global | Scope::Tag { .. } => return Ok(true),
        Scope::Client { client_id } => ("clients", *client_id),
        Scope::Site { site_id } => ("sites", *site_id),
        Scope::Device { device_id } => ("devices", *device_id),
    };
    let sql = format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)");
    Ok(conn.query_row(&sql, [id], |r| r.get(0))?)
}

/// The time zone a new window in `scope` starts in when its creator names none: the time zone of
/// the site it is about (a device's own site), else of its client, else UTC. A window is for the
/// people at that place, so "22:00" should mean their 22:00.
pub fn default_timezone(conn: &Connection, scope: &Scope) -> Result<String, DbError> {
    let sql = match scope {
        Scope::Global | Scope::Tag { .. } => return Ok("UTC".into()),
        Scope::Client { .. } => "SELECT timezone FROM clients WHERE id = ?1",
        Scope::Site { .. } => "SELECT timezone FROM sites WHERE id = ?1",
        Scope::Device { .. } => {
            "SELECT coalesce(s.timezone, c.timezone) FROM devices d JOIN clients c ON c.id = d.client_id
             LEFT JOIN sites s ON s.id = d.site_id WHERE d.id = ?1"
        }
    };
    let id = scope.to_columns().1.unwrap_or_default();
    let zone: Option<String> = conn.query_row(sql, [id], |r| r.get(0)).optional()?;
    Ok(zone.filter(|z| !z.trim().is_empty()).unwrap_or_else(|| "UTC".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
        super::super::migrations::migrate(&mut conn, std::path::Path::new(":memory:")).unwrap();
        conn.execute_batch(
            "INSERT INTO clients (id, name, timezone, created_at, updated_at) VALUES (1, 'Acme', 'America/New_York', 0, 0);
             INSERT INTO clients (id, name, created_at, updated_at) VALUES (2, 'Other', 0, 0);
             INSERT INTO sites (id, client_id, name, timezone, created_at, updated_at) VALUES (10, 1, 'Berlin office', 'Europe/Berlin', 0, 0);
             INSERT INTO devices (id, client_id, site_id, machine_id, hostname, secret_hash, enrolled_at)
                 VALUES (100, 1, 10, 'm1', 'berlin-pc', x'00', 0);
             INSERT INTO devices (id, client_id, site_id, machine_id, hostname, secret_hash, enrolled_at)
                 VALUES (101, 1, NULL, 'm2', 'laptop', x'00', 0);
             INSERT INTO devices (id, client_id, site_id, machine_id, hostname, secret_hash, enrolled_at)
                 VALUES (102, 2, NULL, 'm3', 'other-pc', x'00', 0);",
        )
        .unwrap();
        conn
    }

    fn fields(name: &str, scope: Scope) -> WindowFields {
        WindowFields {
            name: name.into(),
            scope,
            schedule: Schedule::Weekly { days: vec!["sun".into()], start: "23:00".into(), duration_minutes: 180 },
            timezone: "UTC".into(),
            enabled: true,
        }
    }

    #[test]
    fn windows_belong_to_the_client_of_what_they_name() {
        let c = db();
        let scopes = [
            ("a global", Scope::Global),
            ("b client", Scope::Client { client_id: 1 }),
            ("c site", Scope::Site { site_id: 10 }),
            ("d device", Scope::Device { device_id: 100 }),
            ("e tag", Scope::Tag { tag: "backup".into() }),
            ("f other", Scope::Device { device_id: 102 }),
        ];
        for (name, scope) in &scopes {
            insert(&c, &fields(name, scope.clone()), None, 5).unwrap();
        }
        let all = list(&c, None, None, 50).unwrap();
        let owners: Vec<_> = all.iter().map(|w| (w.name.as_str(), w.client_id)).collect();
        assert_eq!(
            owners,
            [
                ("a global", None),
                ("b client", Some(1)),
                ("c site", Some(1)),
                ("d device", Some(1)),
                ("e tag", None),
                ("f other", Some(2))
            ]
        );
        assert_eq!(all[2].site.as_deref(), Some("Berlin office"));
        assert_eq!(all[3].device.as_deref(), Some("berlin-pc"));
        assert_eq!(all[3].client.as_deref(), Some("Acme"));
        let acme: Vec<_> = list(&c, Some(1), None, 50).unwrap().into_iter().map(|w| w.name).collect();
        assert_eq!(acme, ["b client", "c site", "d device"]);
        // Paging: two at a time, no repeats, nothing lost.
        let first = list(&c, None, None, 2).unwrap();
        let last = first.last().unwrap();
        let second = list(&c, None, Some((&last.name, last.id)), 2).unwrap();
        assert_eq!(second.iter().map(|w| w.name.as_str()).collect::<Vec<_>>(), ["c site", "d device"]);
        assert_eq!(load_all(&c).unwrap().len(), 6, "the engine gets every window");
    }

    #[test]
    fn updates_replace_and_deletes_remove() {
        let c = db();
        let w = insert(&c, &fields("night", Scope::Global), None, 5).unwrap();
        let mut f = fields("night shift", Scope::Client { client_id: 2 });
        f.enabled = false;
        f.schedule = Schedule::Cron { expression: "0 22 * * *".into(), duration_minutes: 60 };
        let changed = update(&c, w.id, &f, 9).unwrap();
        assert_eq!((changed.name.as_str(), changed.enabled, changed.client_id), ("night shift", false, Some(2)));
        assert_eq!(changed.schedule, f.schedule);
        assert_eq!((changed.created_at, changed.updated_at), (5, 9));
        assert!(matches!(update(&c, 999, &f, 9), Err(DbError::NotFound(_))));
        assert!(delete(&c, w.id).unwrap());
        assert!(!delete(&c, w.id).unwrap());
        assert_eq!(get(&c, w.id).unwrap(), None);
        let loaded = load_all(&c).unwrap();
        assert!(loaded.is_empty());
    }

    #[test]
    fn scopes_must_name_something_that_exists() {
        let c = db();
        assert!(scope_exists(&c, &Scope::Global).unwrap());
        assert!(scope_exists(&c, &Scope::Client { client_id: 1 }).unwrap());
        assert!(!scope_exists(&c, &Scope::Client { client_id: 9 }).unwrap());
        assert!(scope_exists(&c, &Scope::Site { site_id: 10 }).unwrap());
        assert!(!scope_exists(&c, &Scope::Site { site_id: 1 }).unwrap());
        assert!(scope_exists(&c, &Scope::Device { device_id: 101 }).unwrap());
        assert!(!scope_exists(&c, &Scope::Device { device_id: 1 }).unwrap());
    }

    #[test]
    fn new_windows_default_to_the_site_zone_then_the_client_zone_then_utc() {
        let c = db();
        let zone = |s: Scope| default_timezone(&c, &s).unwrap();
        assert_eq!(zone(Scope::Site { site_id: 10 }), "Europe/Berlin");
        assert_eq!(zone(Scope::Device { device_id: 100 }), "Europe/Berlin", "the device's site");
        assert_eq!(zone(Scope::Device { device_id: 101 }), "America/New_York", "no site: the client's");
        assert_eq!(zone(Scope::Client { client_id: 1 }), "America/New_York");
        assert_eq!(zone(Scope::Client { client_id: 2 }), "UTC", "the column's default");
        assert_eq!(zone(Scope::Global), "UTC");
        assert_eq!(zone(Scope::Tag { tag: "x".into() }), "UTC");
    }
}
