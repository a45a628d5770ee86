//! SLA calendars and policies as stored: a calendar's spec and a policy's targets are JSON of
//! `tickets::sla::CalendarSpec` and `SlaPolicy`, validated before they are written. Exactly one
//! policy is the default; a client may have its own. A ticket keeps the policy it was opened
//! under, so changing a client's policy does not move the goalposts of running tickets.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use super::{DbError, rfc3339};
use crate::tickets::Status;
use crate::tickets::sla::{Calendar, CalendarSpec, SlaPolicy};

/// A business calendar as pages show it.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct CalendarView {
    pub id: i64,
    pub name: String,
    #[serde(flatten)]
    pub spec: CalendarSpec,
    /// Names of the policies counting in this calendar.
    pub policies: Vec<String>,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

fn calendar_from_row(r: &Row) -> rusqlite::Result<CalendarView> {
    let spec: String = r.get(2)?;
    let policies: String = r.get(3)?;
    Ok(CalendarView {
        id: r.get(0)?,
        name: r.get(1)?,
        spec: serde_json::from_str(&spec).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?,
        policies: serde_json::from_str(&policies).unwrap_or_default(),
        updated_at: rfc3339(r.get(4)?),
    })
}

const CALENDAR_SELECT: &str = "SELECT k.id, k.name, k.spec,
    (SELECT json_group_array(name) FROM (SELECT name FROM sla_policies p WHERE p.calendar_id = k.id ORDER BY name)),
    k.updated_at FROM sla_calendars k";

pub fn calendars(conn: &Connection) -> Result<Vec<CalendarView>, DbError> {
    Ok(conn
        .prepare_cached(&format!("{CALENDAR_SELECT} ORDER BY k.name COLLATE NOCASE, k.id"))?
        .query_map([], calendar_from_row)?
        .collect::<Result<_, _>>()?)
}

pub fn calendar(conn: &Connection, id: i64) -> Result<Option<CalendarView>, DbError> {
    Ok(conn
        .prepare_cached(&format!("{CALENDAR_SELECT} WHERE k.id = ?1"))?
        .query_row([id], calendar_from_row)
        .optional()?)
}

fn json<T: Serialize>(v: &T) -> Result<String, DbError> {
    serde_json::to_string(v).map_err(|e| DbError::Encode(e.to_string()))
}

/// Whether a calendar other than `except` already has this name.
pub fn calendar_name_taken(conn: &Connection, name: &str, except: Option<i64>) -> Result<bool, DbError> {
    super::name_taken(conn, super::Named::Calendars, name, except)
}

/// Whether a policy other than `except` already has this name.
pub fn policy_name_taken(conn: &Connection, name: &str, except: Option<i64>) -> Result<bool, DbError> {
    super::name_taken(conn, super::Named::Policies, name, except)
}

pub fn create_calendar(conn: &Connection, name: &str, spec: &CalendarSpec, now: i64) -> Result<i64, DbError> {
    conn.prepare_cached("INSERT INTO sla_calendars (name, spec, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)")?
        .execute(params![name, json(spec)?, now])?;
    Ok(conn.last_insert_rowid())
}

/// Changes a calendar. Tickets under policies using it are recomputed by the caller.
pub fn update_calendar(conn: &Connection, id: i64, name: &str, spec: &CalendarSpec, now: i64) -> Result<bool, DbError> {
    Ok(conn
        .prepare_cached("UPDATE sla_calendars SET name = ?2, spec = ?3, updated_at = ?4 WHERE id = ?1")?
        .execute(params![id, name, json(spec)?, now])?
        == 1)
}

/// Deletes a calendar no policy uses: `Ok(Err(names))` lists the policies that still do.
pub fn delete_calendar(conn: &Connection, id: i64) -> Result<Result<bool, Vec<String>>, DbError> {
    let users: Vec<String> = conn
        .prepare_cached("SELECT name FROM sla_policies WHERE calendar_id = ?1 ORDER BY name")?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if !users.is_empty() {
        return Ok(Err(users));
    }
    Ok(Ok(conn.execute("DELETE FROM sla_calendars WHERE id = ?1", [id])? == 1))
}

/// An SLA policy as pages show it.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct PolicyView {
    pub id: i64,
    pub name: String,
    pub calendar_id: i64,
    pub calendar: String,
    /// Used for clients without a policy of their own.
    pub is_default: bool,
    /// Targets per priority (`p1`..`p4`) and `warning_percent`.
    pub targets: SlaPolicy,
    /// Clients that have this as their own policy.
    pub clients: Vec<ClientRef>,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct ClientRef {
    pub id: i64,
    pub name: String,
}

fn policy_from_row(r: &Row) -> rusqlite::Result<PolicyView> {
    let targets: String = r.get(5)?;
    let clients: String = r.get(6)?;
    Ok(PolicyView {
        id: r.get(0)?,
        name: r.get(1)?,
        calendar_id: r.get(2)?,
        calendar: r.get(3)?,
        is_default: r.get(4)?,
        targets: serde_json::from_str(&targets).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?,
        clients: serde_json::from_str(&clients).unwrap_or_default(),
        updated_at: rfc3339(r.get(7)?),
    })
}

const POLICY_SELECT: &str = "SELECT p.id, p.name, p.calendar_id, k.name, p.is_default, p.targets,
    (SELECT json_group_array(json_object('id', id, 'name', name)) FROM
        (SELECT id, name FROM clients c WHERE c.sla_policy_id = p.id ORDER BY name)),
    p.updated_at FROM sla_policies p JOIN sla_calendars k ON k.id = p.calendar_id";

pub fn policies(conn: &Connection) -> Result<Vec<PolicyView>, DbError> {
    Ok(conn
        .prepare_cached(&format!("{POLICY_SELECT} ORDER BY p.is_default DESC, p.name COLLATE NOCASE, p.id"))?
        .query_map([], policy_from_row)?
        .collect::<Result<_, _>>()?)
}

pub fn policy(conn: &Connection, id: i64) -> Result<Option<PolicyView>, DbError> {
    Ok(conn.prepare_cached(&format!("{POLICY_SELECT} WHERE p.id = ?1"))?.query_row([id], policy_from_row).optional()?)
}

/// A policy's fields as written (targets validated by the caller).
#[derive(Debug, Clone)]
pub struct PolicyFields {
    pub name: String,
    pub calendar_id: i64,
    pub targets: SlaPolicy,
    pub is_default: bool,
}

fn take_default(conn: &Connection, id: i64) -> Result<(), DbError> {
    conn.execute("UPDATE sla_policies SET is_default = 0 WHERE is_default = 1 AND id != ?1", [id])?;
    conn.execute("UPDATE sla_policies SET is_default = 1 WHERE id = ?1", [id])?;
    Ok(())
}

pub fn create_policy(conn: &Connection, f: &PolicyFields, now: i64) -> Result<i64, DbError> {
    conn.prepare_cached(
        "INSERT INTO sla_policies (name, calendar_id, targets, is_default, created_at, updated_at)
         VALUES (?1, ?2, ?3, 0, ?4, ?4)",
    )?
    .execute(params![f.name, f.calendar_id, json(&f.targets)?, now])?;
    let id = conn.last_insert_rowid();
    if f.is_default {
        take_default(conn, id)?;
    }
    Ok(id)
}

/// Changes a policy. The default cannot be un-defaulted directly: make another the default.
pub fn update_policy(conn: &Connection, id: i64, f: &PolicyFields, now: i64) -> Result<bool, DbError> {
    let n = conn
        .prepare_cached(
            "UPDATE sla_policies SET name = ?2, calendar_id = ?3, targets = ?4, updated_at = ?5 WHERE id = ?1",
        )?
        .execute(params![id, f.name, f.calendar_id, json(&f.targets)?, now])?;
    if n == 1 && f.is_default {
        take_default(conn, id)?;
    }
    Ok(n == 1)
}

/// Why a policy cannot be deleted.
#[derive(Debug, Clone, PartialEq)]
pub enum KeepPolicy {
    IsDefault,
}

/// Deletes a policy that is not the default. Its clients fall back to the default; its tickets
/// keep their recorded figures and fall back to the default for further counting.
pub fn delete_policy(conn: &Connection, id: i64) -> Result<Result<bool, KeepPolicy>, DbError> {
    let default: Option<bool> =
        conn.query_row("SELECT is_default FROM sla_policies WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    match default {
        None => Ok(Ok(false)),
        Some(true) => Ok(Err(KeepPolicy::IsDefault)),
        Some(false) => {
            let fallback: Option<i64> =
                conn.query_row("SELECT id FROM sla_policies WHERE is_default = 1", [], |r| r.get(0)).optional()?;
            conn.execute("UPDATE tickets SET sla_policy_id = ?2 WHERE sla_policy_id = ?1", params![id, fallback])?;
            Ok(Ok(conn.execute("DELETE FROM sla_policies WHERE id = ?1", [id])? == 1))
        }
    }
}

/// Gives a client its own policy (or, with `None`, the default again). For tickets opened from now on.
pub fn set_client_policy(conn: &Connection, client_id: i64, policy_id: Option<i64>, now: i64) -> Result<bool, DbError> {
    Ok(conn
        .prepare_cached("UPDATE clients SET sla_policy_id = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![client_id, policy_id, now])?
        == 1)
}

/// Tickets whose clocks may still change under the given policy (those not resolved or closed):
/// to recompute after it changed.
pub fn running_tickets_of_policy(conn: &Connection, policy_id: i64) -> Result<Vec<i64>, DbError> {
    let [a, b, c] = Status::ACTIVE;
    Ok(conn
        .prepare_cached("SELECT id FROM tickets WHERE sla_policy_id = ?1 AND status IN (?2, ?3, ?4)")?
        .query_map(params![policy_id, a, b, c], |r| r.get(0))?
        .collect::<Result<_, _>>()?)
}

/// The SLA policy for a new ticket of `client_id`: the client's own, else the default.
pub fn policy_for_client(conn: &Connection, client_id: i64) -> Result<Option<i64>, DbError> {
    Ok(conn
        .prepare_cached(
            "SELECT coalesce(
                 (SELECT p.id FROM clients c JOIN sla_policies p ON p.id = c.sla_policy_id WHERE c.id = ?1),
                 (SELECT id FROM sla_policies WHERE is_default = 1))",
        )?
        .query_row([client_id], |r| r.get(0))?)
}

/// The calendar and policy a ticket's clocks are measured with; `None` (logged) when either no
/// longer reads as valid, so the ticket keeps its last figures rather than wrong ones.
pub fn policy_of(conn: &Connection, policy_id: i64) -> Result<Option<(Calendar, SlaPolicy)>, DbError> {
    let row: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT c.spec, p.targets FROM sla_policies p JOIN sla_calendars c ON c.id = p.calendar_id WHERE p.id = ?1",
        )?
        .query_row([policy_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((spec, targets)) = row else { return Ok(None) };
    let calendar = serde_json::from_str::<CalendarSpec>(&spec).ok().and_then(|s| Calendar::new(s).ok());
    let policy = serde_json::from_str::<SlaPolicy>(&targets).ok().filter(|p| p.validate().is_ok());
    match (calendar, policy) {
        (Some(c), Some(p)) => Ok(Some((c, p))),
        _ => {
            tracing::warn!(policy_id, "SLA policy or its calendar cannot be read; SLA figures not updated");
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, Connection) {
        let (dir, conn) = crate::db::test_database();
        conn.execute("INSERT INTO clients (name, created_at, updated_at) VALUES ('Acme', 0, 0)", []).unwrap();
        (dir, conn)
    }

    #[test]
    fn one_default_policy_at_a_time_and_the_default_cannot_be_deleted() {
        let (_dir, conn) = db();
        let f = PolicyFields { name: "Gold".into(), calendar_id: 1, targets: SlaPolicy::default(), is_default: true };
        let gold = create_policy(&conn, &f, 0).unwrap();
        let all = policies(&conn).unwrap();
        assert_eq!(all.iter().filter(|p| p.is_default).map(|p| p.id).collect::<Vec<_>>(), vec![gold]);
        assert_eq!(delete_policy(&conn, gold).unwrap(), Err(KeepPolicy::IsDefault));
        assert_eq!(delete_policy(&conn, 1).unwrap(), Ok(true), "Standard is no longer the default");
        assert_eq!(delete_calendar(&conn, 1).unwrap(), Err(vec!["Gold".to_string()]));
    }

    #[test]
    fn a_clients_own_policy_shows_on_the_policy() {
        let (_dir, conn) = db();
        let f = PolicyFields { name: "Gold".into(), calendar_id: 1, targets: SlaPolicy::default(), is_default: false };
        let gold = create_policy(&conn, &f, 0).unwrap();
        assert!(set_client_policy(&conn, 1, Some(gold), 0).unwrap());
        assert_eq!(policy(&conn, gold).unwrap().unwrap().clients, vec![ClientRef { id: 1, name: "Acme".into() }]);
        assert_eq!(policy_for_client(&conn, 1).unwrap(), Some(gold));
        assert!(set_client_policy(&conn, 1, None, 0).unwrap());
        assert_eq!(policy_for_client(&conn, 1).unwrap(), Some(1));
    }

    #[test]
    fn the_seeded_calendar_and_policy_are_the_documented_defaults() {
        let (_dir, conn) = db();
        let (calendar, policy) = policy_of(&conn, policy_for_client(&conn, 1).unwrap().unwrap()).unwrap().unwrap();
        assert_eq!(policy, SlaPolicy::default());
        assert_eq!(
            calendar.spec(),
            Calendar::new(CalendarSpec::weekdays("UTC", &[("08:00", "17:00")])).unwrap().spec()
        );
    }
}
