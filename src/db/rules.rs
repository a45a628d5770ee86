//! Rules as stored, and the per-(rule, device, subject) evaluation state the engine keeps between
//! check-ins.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::DbError;
use crate::rules::eval::KeyState;
use crate::rules::scope::Scope;
use crate::rules::{Rule, TicketPolicy, defaults};

const COLUMNS: &str = "id, name, enabled, scope, scope_id, scope_tag, condition_json, hold_secs, clear_hold_secs,
    renotify_secs, builtin, ticket_policy";

fn bad(e: impl std::fmt::Display) -> DbError {
    DbError::Unreadable(e.to_string())
}

fn from_row(r: &Row) -> rusqlite::Result<Result<Rule, DbError>> {
    let scope = Scope::from_columns(&r.get::<_, String>(3)?, r.get(4)?, r.get(5)?);
    let condition = serde_json::from_str(&r.get::<_, String>(6)?);
    let id: i64 = r.get(0)?;
    Ok(match (scope, condition) {
        (Some(scope), Ok(condition)) => Ok(Rule {
            id,
            name: r.get(1)?,
            enabled: r.get(2)?,
            scope,
            condition,
            hold_secs: r.get(7)?,
            clear_hold_secs: r.get(8)?,
            renotify_secs: r.get(9)?,
            builtin: r.get(10)?,
            tickets: TicketPolicy::parse(&r.get::<_, String>(11)?).unwrap_or_default(),
        }),
        (None, _) => Err(bad(format!("rule {id} has a scope this version does not know"))),
        (_, Err(e)) => Err(bad(format!("rule {id} has a condition this version does not read: {e}"))),
    })
}

/// Every rule, oldest first (the order ties are broken in).
pub fn all(conn: &Connection) -> Result<Vec<Rule>, DbError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM rules ORDER BY id"))?;
    let rows = stmt.query_map([], from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Rule>, DbError> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM rules WHERE id = ?1"), [id], from_row).optional()?.transpose()
}

/// When a rule was made and last changed (unix seconds).
pub fn times(conn: &Connection, id: i64) -> Result<Option<(i64, i64)>, DbError> {
    Ok(conn
        .query_row("SELECT created_at, updated_at FROM rules WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

pub fn insert(conn: &Connection, rule: &Rule, now: i64) -> Result<i64, DbError> {
    let (scope, scope_id, scope_tag) = rule.scope.to_columns();
    let json = serde_json::to_string(&rule.condition).map_err(bad)?;
    conn.execute(
        "INSERT INTO rules (name, enabled, scope, scope_id, scope_tag, kind_key, condition_json, hold_secs,
                            clear_hold_secs, renotify_secs, builtin, created_at, updated_at, ticket_policy)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13)",
        params![
            rule.name,
            rule.enabled,
            scope,
            scope_id,
            scope_tag,
            rule.condition.kind_key(),
            json,
            rule.hold_secs,
            rule.clear_hold_secs,
            rule.renotify_secs,
            rule.builtin,
            now,
            rule.tickets.as_str()
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Replaces a rule's fields (not its id or builtin key). Returns false when there is no such rule.
pub fn update(conn: &Connection, rule: &Rule, now: i64) -> Result<bool, DbError> {
    let (scope, scope_id, scope_tag) = rule.scope.to_columns();
    let json = serde_json::to_string(&rule.condition).map_err(bad)?;
    let n = conn.execute(
        "UPDATE rules SET name = ?2, enabled = ?3, scope = ?4, scope_id = ?5, scope_tag = ?6, kind_key = ?7,
                condition_json = ?8, hold_secs = ?9, clear_hold_secs = ?10, renotify_secs = ?11, updated_at = ?12,
                ticket_policy = ?13
         WHERE id = ?1",
        params![
            rule.id,
            rule.name,
            rule.enabled,
            scope,
            scope_id,
            scope_tag,
            rule.condition.kind_key(),
            json,
            rule.hold_secs,
            rule.clear_hold_secs,
            rule.renotify_secs,
            now,
            rule.tickets.as_str()
        ],
    )?;
    Ok(n == 1)
}

pub fn delete(conn: &Connection, id: i64) -> Result<bool, DbError> {
    Ok(conn.execute("DELETE FROM rules WHERE id = ?1", [id])? == 1)
}

/// Whether alerts of rules that follow the default open tickets (setting `alert_tickets`).
pub fn alert_tickets_by_default(conn: &Connection) -> Result<bool, DbError> {
    let v: Option<String> =
        conn.query_row("SELECT value FROM settings WHERE key = 'alert_tickets'", [], |r| r.get(0)).optional()?;
    Ok(v.as_deref() != Some("never"))
}

/// Puts in the shipped rules, once per installation: a default an admin deleted stays deleted.
pub fn seed_defaults(conn: &Connection, now: i64) -> Result<usize, DbError> {
    let done: Option<String> =
        conn.query_row("SELECT value FROM settings WHERE key = 'default_rules'", [], |r| r.get(0)).optional()?;
    if done.is_some() {
        return Ok(0);
    }
    let rules = defaults::rules();
    for rule in &rules {
        insert(conn, rule, now)?;
    }
    conn.execute("INSERT INTO settings (key, value) VALUES ('default_rules', ?1)", [crate::VERSION])?;
    Ok(rules.len())
}

/// One stored evaluation state.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredState {
    pub rule_id: i64,
    pub subject: String,
    pub state: KeyState,
}

/// The evaluation states of one device.
pub fn states_of_device(conn: &Connection, device_id: i64) -> Result<Vec<StoredState>, DbError> {
    let mut stmt = conn.prepare_cached("SELECT rule_id, subject, state_json FROM rule_state WHERE device_id = ?1")?;
    let rows =
        stmt.query_map([device_id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (rule_id, subject, json) = row?;
        // A state this version cannot read starts over rather than stopping evaluation.
        let state = serde_json::from_str(&json).unwrap_or_default();
        out.push(StoredState { rule_id, subject, state });
    }
    Ok(out)
}

/// Stores a state, or removes it when there is nothing worth keeping.
pub fn save_state(
    conn: &Connection,
    device_id: i64,
    rule_id: i64,
    subject: &str,
    state: &KeyState,
    due_at: Option<i64>,
    now: i64,
) -> Result<(), DbError> {
    if state.is_idle(now) {
        conn.prepare_cached("DELETE FROM rule_state WHERE device_id = ?1 AND rule_id = ?2 AND subject = ?3")?
            .execute(params![device_id, rule_id, subject])?;
        return Ok(());
    }
    let json = serde_json::to_string(state).map_err(bad)?;
    conn.prepare_cached(
        "INSERT INTO rule_state (rule_id, device_id, subject, state_json, due_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (device_id, rule_id, subject) DO UPDATE SET state_json = excluded.state_json,
            due_at = excluded.due_at, updated_at = excluded.updated_at",
    )?
    .execute(params![rule_id, device_id, subject, json, due_at, now])?;
    Ok(())
}

/// (device, rule, subject) of states whose timer hold is due by `now`.
pub fn due_states(conn: &Connection, now: i64) -> Result<Vec<(i64, i64, String)>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT device_id, rule_id, subject FROM rule_state WHERE due_at IS NOT NULL AND due_at <= ?1 LIMIT 1000",
    )?;
    let rows = stmt.query_map([now], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The earliest timer hold, if any runs.
pub fn next_due(conn: &Connection) -> Result<Option<i64>, DbError> {
    Ok(conn.query_row("SELECT min(due_at) FROM rule_state WHERE due_at IS NOT NULL", [], |r| r.get(0))?)
}
