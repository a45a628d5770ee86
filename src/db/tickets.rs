//! Ticket queries: the queue and one ticket read as `tickets::Ticket`, a ticket's row written as
//! the lifecycle decided it, its SLA figures stored, and the facts the ticket service asks
//! before it decides (does a reference fit the client, has anyone worked the ticket, who hears
//! of its SLA news). No decisions here: `tickets::lifecycle` makes them and `services::tickets`
//! calls both. Comments, history and time entries have their own files.
//!
//! Status, priority and source are stored as their API spelling ("open", "P2", "portal"); the
//! `ToSql`/`FromSql` impls here are the one place that turns them into text and back.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{DbError, rfc3339};
use crate::tickets::lifecycle::{SlaFigures, SlaFlags, Stamp, Update};
use crate::tickets::routing::Routed;
use crate::tickets::{NewTicket, NotOneOf, Priority, Refusal, Source, Status, Ticket, TicketSla};

impl ToSql for Status {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

impl FromSql for Status {
    fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
        from_text(v, Status::parse, Status::NAMES)
    }
}

impl ToSql for Priority {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

impl FromSql for Priority {
    fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
        from_text(v, Priority::parse, Priority::NAMES)
    }
}

impl ToSql for Source {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

impl FromSql for Source {
    fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
        from_text(v, Source::parse, "alert, manual, api, portal")
    }
}

/// A stored text that must be one of a set of names; another one is a read error, not a guess.
fn from_text<T>(v: ValueRef<'_>, parse: fn(&str) -> Option<T>, choices: &'static str) -> FromSqlResult<T> {
    let s = v.as_str()?;
    parse(s).ok_or_else(|| FromSqlError::Other(Box::new(NotOneOf { value: s.to_owned(), choices })))
}

const COLUMNS: &str = "t.id, t.subject, t.description, t.client_id, c.name, t.site_id, t.contact_id, ct.name,
    t.source, t.category, t.priority, t.status, t.queue_id, q.name, t.assignee_id, coalesce(nullif(a.name, ''), a.login),
    (SELECT json_group_array(device_id) FROM
        (SELECT device_id FROM ticket_devices WHERE ticket_id = t.id ORDER BY rowid)),
    t.alert_id, t.created_by, t.created_at, t.updated_at, t.first_response_at, t.resolved_at, t.closed_at, t.version,
    t.sla_policy_id, t.first_response_due, t.resolution_due, t.first_response_met, t.first_response_breached,
    t.first_response_warned, t.resolution_met, t.resolution_breached, t.resolution_warned, t.first_response_used_s,
    t.resolution_used_s, coalesce(t.sla_due, 9223372036854775807)";
const FROM: &str = "FROM tickets t JOIN clients c ON c.id = t.client_id LEFT JOIN contacts ct ON ct.id = t.contact_id
    LEFT JOIN queues q ON q.id = t.queue_id LEFT JOIN users a ON a.id = t.assignee_id";

fn from_row(r: &Row) -> rusqlite::Result<Ticket> {
    let devices: String = r.get(16)?;
    let device_ids: Vec<i64> = serde_json::from_str(&devices).unwrap_or_default();
    let ts = |i: usize| -> rusqlite::Result<Option<String>> { Ok(r.get::<_, Option<i64>>(i)?.map(rfc3339)) };
    Ok(Ticket {
        id: r.get(0)?,
        subject: r.get(1)?,
        description: r.get(2)?,
        client_id: r.get(3)?,
        client: r.get(4)?,
        site_id: r.get(5)?,
        contact_id: r.get(6)?,
        contact: r.get(7)?,
        source: r.get(8)?,
        category: r.get(9)?,
        priority: r.get(10)?,
        status: r.get(11)?,
        queue_id: r.get(12)?,
        queue: r.get(13)?,
        assignee_id: r.get(14)?,
        assignee: r.get(15)?,
        device_id: device_ids.first().copied(),
        device_ids,
        alert_id: r.get(17)?,
        created_by: r.get(18)?,
        created_at: rfc3339(r.get(19)?),
        updated_at: rfc3339(r.get(20)?),
        first_response_at: ts(21)?,
        resolved_at: ts(22)?,
        closed_at: ts(23)?,
        version: r.get(24)?,
        sla: TicketSla {
            policy_id: r.get(25)?,
            first_response_due: ts(26)?,
            resolution_due: ts(27)?,
            first_response_met: r.get(28)?,
            first_response_breached: r.get(29)?,
            first_response_warned: r.get(30)?,
            resolution_met: r.get(31)?,
            resolution_breached: r.get(32)?,
            resolution_warned: r.get(33)?,
            first_response_used_seconds: r.get(34)?,
            resolution_used_seconds: r.get(35)?,
        },
        sort_due: r.get(36)?,
    })
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Ticket>, DbError> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} {FROM} WHERE t.id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

/// Whose tickets a list asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    User(i64),
    Unassigned,
}

/// What a list asks for. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    /// Any of these statuses; empty: all.
    pub statuses: Vec<Status>,
    pub priority: Option<Priority>,
    pub client_id: Option<i64>,
    pub assignee: Option<AssigneeFilter>,
    pub queue_id: Option<i64>,
    pub device_id: Option<i64>,
    /// Words in the subject or description (full text, the last word as a prefix), or a
    /// ticket number.
    pub search: Option<String>,
}

/// Up to this many full-text matches are fetched and sorted; more are found by walking the queue.
const FEW_MATCHES: i64 = 2000;

/// Tickets by SLA due time (soonest first, those with no running clock last), then number, after
/// the `(sort_due, id)` the previous page ended at. Gives up to `limit + 1` rows.
pub fn list(
    conn: &Connection,
    f: &TicketFilter,
    after: Option<(i64, i64)>,
    limit: usize,
) -> Result<Vec<Ticket>, DbError> {
    use rusqlite::types::Value;
    // Only the filters given become terms, each a plain comparison, so SQLite can walk the index
    // that has that column before the queue order (client, assignee, queue, single status) and
    // read just the matching tickets, already sorted. The values are always bound parameters.
    let mut terms: Vec<String> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    let mut bind = |v: Value| {
        args.push(v);
        format!("?{}", args.len())
    };
    match f.statuses.as_slice() {
        [] => {}
        [one] => terms.push(format!("t.status = {}", bind(Value::Text(one.as_str().into())))),
        many => {
            let list = serde_json::to_string(&many.iter().map(|s| s.as_str()).collect::<Vec<_>>())
                .map_err(|e| DbError::Encode(e.to_string()))?;
            // The `+` keeps SQLite from sorting every ticket of these statuses instead of walking
            // the queue order, where the active ones (those with running clocks) come first.
            terms.push(format!("+t.status IN (SELECT value FROM json_each({}))", bind(Value::Text(list))));
        }
    }
    if let Some(p) = f.priority {
        terms.push(format!("t.priority = {}", bind(Value::Text(p.as_str().into()))));
    }
    if let Some(c) = f.client_id {
        terms.push(format!("t.client_id = {}", bind(Value::Integer(c))));
    }
    match f.assignee {
        Some(AssigneeFilter::User(id)) => terms.push(format!("t.assignee_id = {}", bind(Value::Integer(id)))),
        Some(AssigneeFilter::Unassigned) => terms.push("t.assignee_id IS NULL".into()),
        None => {}
    }
    if let Some(q) = f.queue_id {
        terms.push(format!("t.queue_id = {}", bind(Value::Integer(q))));
    }
    if let Some(d) = f.device_id {
        terms.push(format!(
            "EXISTS (SELECT 1 FROM ticket_devices td WHERE td.ticket_id = t.id AND td.device_id = {})",
            bind(Value::Integer(d))
        ));
    }
    // Words search the full-text index of subjects and descriptions; "123" or "#123" is also
    // ticket number 123. Text with nothing searchable in it finds nothing.
    if let Some(s) = f.search.as_deref().map(str::trim) {
        let number = s.trim_start_matches('#').parse::<i64>().ok();
        let words = match super::kb::match_expression(s) {
            // A rare word finds few tickets: fetch those and sort them. A common one finds
            // thousands: walk the queue order (`+` keeps SQLite from fetching them all first)
            // and stop at a page of matches.
            Some(expr) => {
                let many: bool = conn
                    .prepare_cached(
                        "SELECT count(*) > ?2 FROM (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?1 LIMIT ?2 + 1)",
                    )?
                    .query_row(params![expr, FEW_MATCHES], |r| r.get(0))?;
                let plus = if many { "+" } else { "" };
                Some(format!(
                    "{plus}t.id IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH {})",
                    bind(Value::Text(expr))
                ))
            }
            None => None,
        };
        let number = number.map(|n| format!("t.id = {}", bind(Value::Integer(n))));
        match (words, number) {
            (None, None) => return Ok(Vec::new()),
            (Some(w), None) => terms.push(w),
            (None, Some(n)) => terms.push(n),
            (Some(w), Some(n)) => terms.push(format!("({w} OR {n})")),
        }
    }
    if let Some((due, id)) = after {
        terms.push(format!(
            "(coalesce(t.sla_due, 9223372036854775807), t.id) > ({}, {})",
            bind(Value::Integer(due)),
            bind(Value::Integer(id))
        ));
    }
    let limit = bind(Value::Integer(limit as i64 + 1));
    let filter = if terms.is_empty() { String::new() } else { format!("WHERE {}", terms.join(" AND ")) };
    let sql = format!(
        "SELECT {COLUMNS} {FROM} {filter} ORDER BY coalesce(t.sla_due, 9223372036854775807), t.id LIMIT {limit}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn exists(conn: &Connection, sql: &str, p: impl rusqlite::Params) -> Result<bool, DbError> {
    Ok(conn.prepare_cached(sql)?.query_row(p, |_| Ok(())).optional()?.is_some())
}

/// The references a ticket of `client_id` is to hold, to check before it is written.
#[derive(Debug, Clone, Copy, Default)]
pub struct References<'a> {
    pub site_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub queue_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub device_ids: &'a [i64],
    pub alert_id: Option<i64>,
}

/// The first reference that does not exist or is not the client's, as the refusal that names it.
pub fn wrong_reference(conn: &Connection, client_id: i64, refs: &References) -> Result<Option<Refusal>, DbError> {
    let field = |field: &'static str, message: String| Ok(Some(Refusal::Field { field, message }));
    if let Some(id) = refs.site_id
        && !exists(conn, "SELECT 1 FROM sites WHERE id = ?1 AND client_id = ?2", params![id, client_id])?
    {
        return field("site_id", format!("site_id {id} is not a site of client {client_id}."));
    }
    if let Some(id) = refs.contact_id
        && !exists(conn, "SELECT 1 FROM contacts WHERE id = ?1 AND client_id = ?2", params![id, client_id])?
    {
        return field("contact_id", format!("contact_id {id} is not a contact of client {client_id}."));
    }
    if let Some(id) = refs.queue_id
        && !exists(conn, "SELECT 1 FROM queues WHERE id = ?1", [id])?
    {
        return field("queue_id", format!("queue_id {id} is not a queue."));
    }
    if let Some(id) = refs.assignee_id
        && !exists(
            conn,
            "SELECT 1 FROM users WHERE id = ?1 AND role IN ('admin', 'technician') AND disabled = 0",
            [id],
        )?
    {
        return field("assignee_id", format!("assignee_id {id} is not an active technician or admin."));
    }
    for &id in refs.device_ids {
        if !exists(conn, "SELECT 1 FROM devices WHERE id = ?1 AND client_id = ?2", params![id, client_id])? {
            return field("device_ids", format!("device_ids: device {id} is not a device of client {client_id}."));
        }
    }
    if let Some(id) = refs.alert_id
        && !exists(conn, "SELECT 1 FROM alerts WHERE id = ?1", [id])?
    {
        return field("alert_id", format!("alert_id {id} is not an alert."));
    }
    Ok(None)
}

pub fn client_exists(conn: &Connection, client_id: i64) -> Result<bool, DbError> {
    exists(conn, "SELECT 1 FROM clients WHERE id = ?1", [client_id])
}

/// Writes a new ticket's row (status new) as routed, measured by SLA policy `policy_id`; answers
/// its number. Its devices, history and SLA figures are written next, by the caller.
pub fn insert(
    conn: &Connection,
    t: &NewTicket,
    routed: &Routed,
    policy_id: Option<i64>,
    now: i64,
) -> Result<i64, DbError> {
    conn.prepare_cached(
        "INSERT INTO tickets (subject, description, client_id, site_id, contact_id, source, category, priority,
                              status, queue_id, assignee_id, alert_id, created_by, created_at, updated_at,
                              sla_policy_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?15)",
    )?
    .execute(params![
        t.subject,
        t.description,
        t.client_id,
        t.site_id,
        t.contact_id,
        t.source,
        t.category,
        t.priority,
        Status::New,
        routed.queue_id,
        routed.assignee_id,
        t.alert_id,
        t.created_by,
        now,
        policy_id
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Replaces the ticket's linked devices with `device_ids`, in order.
pub fn set_devices(conn: &Connection, ticket_id: i64, device_ids: &[i64]) -> Result<(), DbError> {
    conn.prepare_cached("DELETE FROM ticket_devices WHERE ticket_id = ?1")?.execute([ticket_id])?;
    let mut stmt = conn.prepare_cached("INSERT INTO ticket_devices (ticket_id, device_id) VALUES (?1, ?2)")?;
    for id in device_ids {
        stmt.execute(params![ticket_id, id])?;
    }
    Ok(())
}

/// Writes the ticket as `u` has it and raises its version, if it is still at `version`; false
/// when someone else changed it first (nothing written). The version guard is in the UPDATE
/// itself, so it holds even if this were ever run outside the one writer thread.
pub fn apply(conn: &Connection, id: i64, version: i64, u: &Update, now: i64) -> Result<bool, DbError> {
    // A stamp as (keep the stored value, or else this one).
    let stamp = |s: Stamp| match s {
        Stamp::Keep => (true, None),
        Stamp::Set(at) => (false, Some(at)),
        Stamp::Clear => (false, None),
    };
    let (keep_resolved, resolved_at) = stamp(u.resolved_at);
    let (keep_closed, closed_at) = stamp(u.closed_at);
    let changed = conn
        .prepare_cached(
            "UPDATE tickets SET subject = ?3, description = ?4, category = ?5, priority = ?6, status = ?7,
                    queue_id = ?8, assignee_id = ?9, contact_id = ?10, updated_at = ?11, version = version + 1,
                    resolved_at = CASE WHEN ?12 THEN resolved_at ELSE ?13 END,
                    closed_at = CASE WHEN ?14 THEN closed_at ELSE ?15 END
             WHERE id = ?1 AND version = ?2",
        )?
        .execute(params![
            id,
            version,
            u.subject,
            u.description,
            u.category,
            u.priority,
            u.status,
            u.queue_id,
            u.assignee_id,
            u.contact_id,
            now,
            keep_resolved,
            resolved_at,
            keep_closed,
            closed_at
        ])?;
    Ok(changed == 1)
}

/// Marks the ticket as changed at `now` (a comment, time logged, an article linked).
pub fn touch(conn: &Connection, id: i64, now: i64) -> Result<(), DbError> {
    conn.prepare_cached("UPDATE tickets SET updated_at = ?2 WHERE id = ?1")?.execute(params![id, now])?;
    Ok(())
}

/// Records the ticket's first response at `now` unless it has one; true when this was it.
pub fn set_first_response(conn: &Connection, id: i64, now: i64) -> Result<bool, DbError> {
    Ok(conn
        .prepare_cached("UPDATE tickets SET first_response_at = ?2 WHERE id = ?1 AND first_response_at IS NULL")?
        .execute(params![id, now])?
        == 1)
}

/// The ticket's SLA policy and the warnings and breaches stored so far; `None` when there is no
/// such ticket.
pub fn sla_state(conn: &Connection, id: i64) -> Result<Option<(Option<i64>, SlaFlags)>, DbError> {
    Ok(conn
        .prepare_cached(
            "SELECT sla_policy_id, first_response_warned, first_response_breached, resolution_warned, resolution_breached
             FROM tickets WHERE id = ?1",
        )?
        .query_row([id], |r| {
            let flags = SlaFlags {
                first_response_warned: r.get(1)?,
                first_response_breached: r.get(2)?,
                resolution_warned: r.get(3)?,
                resolution_breached: r.get(4)?,
            };
            Ok((r.get(0)?, flags))
        })
        .optional()?)
}

/// Stores a replay's SLA figures. A due time the figures leave out keeps the stored one.
pub fn store_sla(conn: &Connection, id: i64, f: &SlaFigures) -> Result<(), DbError> {
    conn.prepare_cached(
        "UPDATE tickets SET first_response_due = coalesce(?2, first_response_due),
                resolution_due = coalesce(?3, resolution_due), first_response_met = ?4,
                first_response_breached = ?5, first_response_warned = ?6, resolution_met = ?7,
                resolution_breached = ?8, resolution_warned = ?9, first_response_used_s = ?10,
                resolution_used_s = ?11, sla_due = ?12, sla_next_change = ?13
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        f.first_response_due,
        f.resolution_due,
        f.first_response_met,
        f.flags.first_response_breached,
        f.flags.first_response_warned,
        f.resolution_met,
        f.flags.resolution_breached,
        f.flags.resolution_warned,
        f.first_response_used_seconds,
        f.resolution_used_seconds,
        f.sort_due,
        f.next_change
    ])?;
    Ok(())
}

/// Tickets whose SLA clocks reach a warning or breach by `now` (the timer's work list).
pub fn sla_due(conn: &Connection, now: i64) -> Result<Vec<i64>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM tickets WHERE sla_next_change IS NOT NULL AND sla_next_change <= ?1 ORDER BY sla_next_change LIMIT 500",
    )?;
    let rows = stmt.query_map([now], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Up to 500 tickets still resolved and resolved at or before `at_or_before`, as (id, version).
pub fn resolved_by(conn: &Connection, at_or_before: i64) -> Result<Vec<(i64, i64)>, DbError> {
    Ok(conn
        .prepare_cached(
            "SELECT id, version FROM tickets WHERE status = ?1 AND resolved_at <= ?2 ORDER BY id LIMIT 500",
        )?
        .query_map(params![Status::Resolved, at_or_before], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?)
}

/// The e-mail addresses of the ticket's assignee (while active) and of its queue's escalation
/// contact, where set.
pub fn sla_contacts(conn: &Connection, id: i64) -> Result<(Option<String>, Option<String>), DbError> {
    Ok(conn
        .prepare_cached(
            "SELECT nullif(u.email, ''), nullif(q.escalation_email, '') FROM tickets t
             LEFT JOIN users u ON u.id = t.assignee_id AND u.disabled = 0
             LEFT JOIN queues q ON q.id = t.queue_id WHERE t.id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or_default())
}

/// The contact that stands for a portal user of `client_id`, made from the user's name and
/// e-mail the first time they open a ticket.
pub fn contact_for_user(
    conn: &Connection,
    user_id: i64,
    client_id: i64,
    name: &str,
    email: &str,
    now: i64,
) -> Result<i64, DbError> {
    let found: Option<i64> = conn
        .prepare_cached("SELECT id FROM contacts WHERE user_id = ?1 AND client_id = ?2")?
        .query_row(params![user_id, client_id], |r| r.get(0))
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    let name = if name.trim().is_empty() { email } else { name };
    conn.prepare_cached(
        "INSERT INTO contacts (client_id, user_id, name, email, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
    )?
    .execute(params![client_id, user_id, name, email, now])?;
    Ok(conn.last_insert_rowid())
}

/// The latest ticket opened for `alert_id` that is not yet resolved or closed, if any.
pub fn open_for_alert(conn: &Connection, alert_id: i64) -> Result<Option<Ticket>, DbError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} {FROM} WHERE t.alert_id = ?1 AND t.status NOT IN (?2, ?3) ORDER BY t.id DESC LIMIT 1"
        ))?
        .query_row(params![alert_id, Status::Resolved, Status::Closed], from_row)
        .optional()?)
}

/// The ticket the alert points at, in whatever status.
pub fn of_alert(conn: &Connection, alert_id: i64) -> Result<Option<Ticket>, DbError> {
    let id: Option<i64> = conn
        .prepare_cached("SELECT ticket_id FROM alerts WHERE id = ?1")?
        .query_row([alert_id], |r| r.get(0))
        .optional()?
        .flatten();
    match id {
        Some(id) => get(conn, id),
        None => Ok(None),
    }
}

/// Points the alert at its ticket.
pub fn set_alert_ticket(conn: &Connection, alert_id: i64, ticket_id: i64) -> Result<(), DbError> {
    conn.prepare_cached("UPDATE alerts SET ticket_id = ?2 WHERE id = ?1")?.execute(params![alert_id, ticket_id])?;
    Ok(())
}

/// Whether a person has worked the ticket since it was opened: changed it, commented on it or
/// logged time. The system's own entries do not count.
pub fn worked_by_someone(conn: &Connection, ticket_id: i64) -> Result<bool, DbError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM ticket_events WHERE ticket_id = ?1 AND kind != 'created' AND user_id IS NOT NULL)
                 OR EXISTS (SELECT 1 FROM ticket_comments WHERE ticket_id = ?1 AND author_id IS NOT NULL)
                 OR EXISTS (SELECT 1 FROM time_entries WHERE ticket_id = ?1)",
        )?
        .query_row([ticket_id], |r| r.get(0))?)
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
    fn a_portal_user_is_one_contact_per_client() {
        let (_dir, conn) = db();
        conn.execute(
            "INSERT INTO users (login, name, role, client_id, password_hash, created_at, updated_at)
             VALUES ('carl@acme.example', 'Carl', 'client', 1, 'x', 0, 0)",
            [],
        )
        .unwrap();
        let user = conn.last_insert_rowid();
        let first = contact_for_user(&conn, user, 1, "Carl", "carl@acme.example", 0).unwrap();
        assert_eq!(contact_for_user(&conn, user, 1, "Carl", "carl@acme.example", 0).unwrap(), first);
        conn.execute("INSERT INTO clients (name, created_at, updated_at) VALUES ('Beta', 0, 0)", []).unwrap();
        assert_ne!(contact_for_user(&conn, user, 2, "Carl", "carl@acme.example", 0).unwrap(), first);
    }

    #[test]
    fn a_ticket_reads_back_with_the_status_priority_and_source_it_was_written_with() {
        let (_dir, conn) = db();
        let new = NewTicket {
            subject: "x".into(),
            description: String::new(),
            client_id: 1,
            site_id: None,
            contact_id: None,
            source: Source::Api,
            category: String::new(),
            priority: Priority::P4,
            queue_id: None,
            assignee_id: None,
            alert_id: None,
            device_ids: Vec::new(),
            created_by: None,
        };
        let routed = Routed { queue_id: None, assignee_id: None, rule: None };
        let id = insert(&conn, &new, &routed, None, 0).unwrap();
        let t = get(&conn, id).unwrap().unwrap();
        assert_eq!((t.status, t.priority, t.source), (Status::New, Priority::P4, Source::Api));
        let stored: (String, String) = conn
            .query_row("SELECT status, priority FROM tickets WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert_eq!(stored, ("new".to_owned(), "P4".to_owned()), "the API's spelling, which the schema checks");
    }
}
