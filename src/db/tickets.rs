//! Tickets: the queue, one ticket with its comments, events and time entries, versioned updates,
//! and the SLA figures stored on each ticket.
//!
//! Every change to a ticket is one row in `ticket_events`; the SLA clocks are replayed from those
//! rows (`tickets::sla::evaluate`) after each change, so the stored due times and met/breached flags
//! always follow from the history rather than from a second, separately kept state.
//!
//! Writes that can be refused for a reason the caller should hear about (a stale version, a field
//! naming something that does not exist) answer `Ok(Err(Refusal))`: the refusal is decided inside
//! the write transaction, before anything is written, so the check and the write cannot race.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::{DbError, rfc3339};
use crate::tickets::routing::TicketFacts;
use crate::tickets::sla::{self, Calendar, CalendarSpec, ClockEvent, ClockState, Priority, SlaPolicy, Status};

/// Where a ticket came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Alert,
    Manual,
    Api,
    Portal,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Alert => "alert",
            Source::Manual => "manual",
            Source::Api => "api",
            Source::Portal => "portal",
        }
    }
}

/// The SLA figures stored on a ticket.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct TicketSla {
    pub policy_id: Option<i64>,
    /// When the first response is (or was) due; kept after the clock stops.
    pub first_response_due: Option<String>,
    pub resolution_due: Option<String>,
    pub first_response_met: bool,
    pub first_response_breached: bool,
    pub first_response_warned: bool,
    pub resolution_met: bool,
    pub resolution_breached: bool,
    pub resolution_warned: bool,
    /// Business time used, pending time not counted.
    pub first_response_used_seconds: i64,
    pub resolution_used_seconds: i64,
}

/// A ticket as lists and pages show it.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Ticket {
    /// The ticket number.
    pub id: i64,
    pub subject: String,
    pub description: String,
    pub client_id: i64,
    pub client: String,
    pub site_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub contact: Option<String>,
    pub source: String,
    pub category: String,
    pub priority: String,
    pub status: String,
    pub queue_id: Option<i64>,
    pub queue: Option<String>,
    pub assignee_id: Option<i64>,
    /// The assignee's name (their login when they have no name).
    pub assignee: Option<String>,
    /// The first linked device.
    pub device_id: Option<i64>,
    pub device_ids: Vec<i64>,
    pub alert_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    pub first_response_at: Option<String>,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
    /// Send it back with a change; a change naming an older version is refused.
    pub version: i64,
    pub sla: TicketSla,
    /// The queue's sort key: the earliest running due time, `i64::MAX` when none runs.
    #[serde(skip)]
    pub sort_due: i64,
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

/// Why a write was not made; nothing was written.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// The change named an older version; this is the ticket as it is now.
    Stale(Box<Ticket>),
    /// A field names something that does not exist or does not fit (a device of another client).
    Field {
        field: &'static str,
        message: String,
    },
    NotFound(i64),
}

fn refuse<T>(field: &'static str, message: String) -> Result<Result<T, Refusal>, DbError> {
    Ok(Err(Refusal::Field { field, message }))
}

/// A ticket to open.
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub subject: String,
    pub description: String,
    pub client_id: i64,
    pub site_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub source: Source,
    pub category: String,
    pub priority: Priority,
    pub queue_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub alert_id: Option<i64>,
    pub device_ids: Vec<i64>,
    /// The person who opened it; `None` for the system (an alert).
    pub created_by: Option<i64>,
}

fn exists(conn: &Connection, sql: &str, p: impl rusqlite::Params) -> Result<bool, DbError> {
    Ok(conn.prepare_cached(sql)?.query_row(p, |_| Ok(())).optional()?.is_some())
}

/// Checks the references a ticket of `client_id` may hold; the first wrong one is the refusal.
fn check_refs(
    conn: &Connection,
    client_id: i64,
    site_id: Option<i64>,
    contact_id: Option<i64>,
    queue_id: Option<i64>,
    assignee_id: Option<i64>,
    device_ids: &[i64],
) -> Result<Option<Refusal>, DbError> {
    let field = |field: &'static str, message: String| Ok(Some(Refusal::Field { field, message }));
    if let Some(id) = site_id
        && !exists(conn, "SELECT 1 FROM sites WHERE id = ?1 AND client_id = ?2", params![id, client_id])?
    {
        return field("site_id", format!("site_id {id} is not a site of client {client_id}."));
    }
    if let Some(id) = contact_id
        && !exists(conn, "SELECT 1 FROM contacts WHERE id = ?1 AND client_id = ?2", params![id, client_id])?
    {
        return field("contact_id", format!("contact_id {id} is not a contact of client {client_id}."));
    }
    if let Some(id) = queue_id
        && !exists(conn, "SELECT 1 FROM queues WHERE id = ?1", [id])?
    {
        return field("queue_id", format!("queue_id {id} is not a queue."));
    }
    if let Some(id) = assignee_id
        && !exists(
            conn,
            "SELECT 1 FROM users WHERE id = ?1 AND role IN ('admin', 'technician') AND disabled = 0",
            [id],
        )?
    {
        return field("assignee_id", format!("assignee_id {id} is not an active technician or admin."));
    }
    for &id in device_ids {
        if !exists(conn, "SELECT 1 FROM devices WHERE id = ?1 AND client_id = ?2", params![id, client_id])? {
            return field("device_ids", format!("device_ids: device {id} is not a device of client {client_id}."));
        }
    }
    Ok(None)
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

/// Opens a ticket (status new) with its first event and SLA figures; answers it as stored.
pub fn create(conn: &Connection, t: &NewTicket, now: i64) -> Result<Result<Ticket, Refusal>, DbError> {
    if !exists(conn, "SELECT 1 FROM clients WHERE id = ?1", [t.client_id])? {
        return refuse("client_id", format!("client_id {} is not a client.", t.client_id));
    }
    if let Some(r) =
        check_refs(conn, t.client_id, t.site_id, t.contact_id, t.queue_id, t.assignee_id, &dedup(&t.device_ids))?
    {
        return Ok(Err(r));
    }
    if let Some(id) = t.alert_id
        && !exists(conn, "SELECT 1 FROM alerts WHERE id = ?1", [id])?
    {
        return refuse("alert_id", format!("alert_id {id} is not an alert."));
    }
    let policy = policy_for_client(conn, t.client_id)?;
    let device_ids = dedup(&t.device_ids);
    let tags = super::routing::device_tags(conn, &device_ids)?;
    let facts =
        TicketFacts { client_id: t.client_id, category: &t.category, source: t.source.as_str(), device_tags: &tags };
    let routed = super::routing::assign(conn, &facts, t.queue_id, t.assignee_id, now)?;
    conn.prepare_cached(
        "INSERT INTO tickets (subject, description, client_id, site_id, contact_id, source, category, priority,
                              status, queue_id, assignee_id, alert_id, created_by, created_at, updated_at,
                              sla_policy_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'new', ?9, ?10, ?11, ?12, ?13, ?13, ?14)",
    )?
    .execute(params![
        t.subject,
        t.description,
        t.client_id,
        t.site_id,
        t.contact_id,
        t.source.as_str(),
        t.category,
        t.priority.as_str(),
        routed.queue_id,
        routed.assignee_id,
        t.alert_id,
        t.created_by,
        now,
        policy
    ])?;
    let id = conn.last_insert_rowid();
    event(conn, id, now, t.created_by, "created", None, Some(t.priority.as_str()))?;
    if let Some(rule) = &routed.rule {
        event(conn, id, now, None, "routed", None, Some(rule))?;
    }
    if routed.queue_id.is_some() && routed.queue_id != t.queue_id {
        event(conn, id, now, None, "queue", None, id_text(routed.queue_id).as_deref())?;
    }
    if routed.assignee_id.is_some() && routed.assignee_id != t.assignee_id {
        event(conn, id, now, None, "assignee", None, id_text(routed.assignee_id).as_deref())?;
    }
    link_devices(conn, id, &device_ids)?;
    recompute_sla(conn, id, now)?;
    let ticket = get(conn, id)?.ok_or_else(|| DbError::NotFound(format!("ticket {id} just opened")))?;
    Ok(Ok(ticket))
}

fn dedup(ids: &[i64]) -> Vec<i64> {
    let mut out: Vec<i64> = Vec::with_capacity(ids.len());
    for &id in ids {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

fn link_devices(conn: &Connection, ticket_id: i64, device_ids: &[i64]) -> Result<(), DbError> {
    let mut stmt = conn.prepare_cached("INSERT INTO ticket_devices (ticket_id, device_id) VALUES (?1, ?2)")?;
    for id in device_ids {
        stmt.execute(params![ticket_id, id])?;
    }
    Ok(())
}

/// A change to a ticket's fields; `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct TicketChanges {
    pub subject: Option<String>,
    pub description: Option<String>,
    pub priority: Option<Priority>,
    pub status: Option<Status>,
    pub queue_id: Option<Option<i64>>,
    pub assignee_id: Option<Option<i64>>,
    pub category: Option<String>,
    pub contact_id: Option<Option<i64>>,
    /// The linked devices, in order (the first is "the" device).
    pub device_ids: Option<Vec<i64>>,
}

fn id_text(id: Option<i64>) -> Option<String> {
    id.map(|i| i.to_string())
}

/// Applies `changes` if the ticket is still at `version`: one event per field that changes, the
/// version goes up by one, the SLA figures follow. A change that changes nothing writes nothing
/// and answers the ticket as it is. A stale version is refused with the current ticket.
pub fn update(
    conn: &Connection,
    id: i64,
    version: i64,
    changes: &TicketChanges,
    by: Option<i64>,
    now: i64,
) -> Result<Result<Ticket, Refusal>, DbError> {
    let Some(cur) = get(conn, id)? else { return Ok(Err(Refusal::NotFound(id))) };
    if cur.version != version {
        return Ok(Err(Refusal::Stale(Box::new(cur))));
    }
    let device_ids = changes.device_ids.as_deref().map(dedup);
    if let Some(r) = check_refs(
        conn,
        cur.client_id,
        None,
        changes.contact_id.flatten().filter(|c| Some(*c) != cur.contact_id),
        changes.queue_id.flatten().filter(|q| Some(*q) != cur.queue_id),
        changes.assignee_id.flatten().filter(|a| Some(*a) != cur.assignee_id),
        device_ids.as_deref().unwrap_or(&[]),
    )? {
        return Ok(Err(r));
    }
    let subject = changes.subject.clone().unwrap_or_else(|| cur.subject.clone());
    let description = changes.description.clone().unwrap_or_else(|| cur.description.clone());
    let category = changes.category.clone().unwrap_or_else(|| cur.category.clone());
    let priority = changes.priority.map(|p| p.as_str().to_owned()).unwrap_or_else(|| cur.priority.clone());
    let status = changes.status.map(|s| s.as_str().to_owned()).unwrap_or_else(|| cur.status.clone());
    let queue_id = changes.queue_id.unwrap_or(cur.queue_id);
    let assignee_id = changes.assignee_id.unwrap_or(cur.assignee_id);
    let contact_id = changes.contact_id.unwrap_or(cur.contact_id);

    let mut events: Vec<(&str, Option<String>, Option<String>)> = Vec::new();
    let mut text = |kind: &'static str, old: &str, new: &str| {
        if old != new {
            events.push((kind, Some(old.to_owned()), Some(new.to_owned())));
        }
    };
    text("subject", &cur.subject, &subject);
    text("description", &cur.description, &description);
    text("category", &cur.category, &category);
    text("priority", &cur.priority, &priority);
    text("status", &cur.status, &status);
    for (kind, old, new) in [
        ("queue", cur.queue_id, queue_id),
        ("assignee", cur.assignee_id, assignee_id),
        ("contact", cur.contact_id, contact_id),
    ] {
        if old != new {
            events.push((kind, id_text(old), id_text(new)));
        }
    }
    let join = |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let devices_changed = device_ids.as_ref().is_some_and(|d| *d != cur.device_ids);
    if let Some(d) = device_ids.as_ref().filter(|_| devices_changed) {
        events.push(("devices", Some(join(&cur.device_ids)), Some(join(d))));
    }
    if events.is_empty() {
        return Ok(Ok(cur));
    }

    // The version guard is in the UPDATE itself, so it holds even if this were ever run outside
    // the one writer thread.
    let changed = conn
        .prepare_cached(
            "UPDATE tickets SET subject = ?3, description = ?4, category = ?5, priority = ?6, status = ?7,
                    queue_id = ?8, assignee_id = ?9, contact_id = ?10, updated_at = ?11, version = version + 1,
                    resolved_at = CASE WHEN ?7 NOT IN ('resolved', 'closed') THEN NULL
                                       WHEN ?7 = 'resolved' AND status != 'resolved' THEN ?11
                                       ELSE resolved_at END,
                    closed_at = CASE WHEN ?7 != 'closed' THEN NULL WHEN status != 'closed' THEN ?11
                                     ELSE closed_at END
             WHERE id = ?1 AND version = ?2",
        )?
        .execute(params![
            id,
            version,
            subject,
            description,
            category,
            priority,
            status,
            queue_id,
            assignee_id,
            contact_id,
            now
        ])?;
    if changed == 0 {
        let cur = get(conn, id)?.ok_or_else(|| DbError::NotFound(format!("There is no ticket with id {id}.")))?;
        return Ok(Err(Refusal::Stale(Box::new(cur))));
    }
    if let Some(d) = device_ids.filter(|_| devices_changed) {
        conn.prepare_cached("DELETE FROM ticket_devices WHERE ticket_id = ?1")?.execute([id])?;
        link_devices(conn, id, &d)?;
    }
    for (kind, old, new) in &events {
        event(conn, id, now, by, kind, old.as_deref(), new.as_deref())?;
    }
    recompute_sla(conn, id, now)?;
    let ticket = get(conn, id)?.ok_or_else(|| DbError::NotFound(format!("There is no ticket with id {id}.")))?;
    Ok(Ok(ticket))
}

/// Records one entry of a ticket's history.
pub fn event(
    conn: &Connection,
    ticket_id: i64,
    at: i64,
    user_id: Option<i64>,
    kind: &str,
    old_value: Option<&str>,
    new_value: Option<&str>,
) -> Result<(), DbError> {
    conn.prepare_cached(
        "INSERT INTO ticket_events (ticket_id, at, user_id, kind, old_value, new_value)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![ticket_id, at, user_id, kind, old_value, new_value])?;
    Ok(())
}

/// One entry of a ticket's history.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TicketEvent {
    pub id: i64,
    pub at: String,
    pub user_id: Option<i64>,
    pub user: Option<String>,
    /// "created", a field ("status", "priority", "assignee", "queue", "contact", "subject",
    /// "description", "category", "devices"), "first_response", "routed" (the routing rule's name
    /// in `new_value`), "sla_warning"/"sla_breach" (the clock) or "article" (a KB article linked).
    pub kind: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    /// For "assignee", "queue" and "contact": the names the ids stand for (`None` when gone).
    pub old_label: Option<String>,
    pub new_label: Option<String>,
}

/// The name an id of an event of `kind` stands for, as an SQL expression over `value`.
fn label_sql(value: &str) -> String {
    format!(
        "CASE e.kind
           WHEN 'assignee' THEN (SELECT coalesce(nullif(name, ''), login) FROM users WHERE id = CAST({value} AS INTEGER))
           WHEN 'queue' THEN (SELECT name FROM queues WHERE id = CAST({value} AS INTEGER))
           WHEN 'contact' THEN (SELECT name FROM contacts WHERE id = CAST({value} AS INTEGER))
         END"
    )
}

pub fn events(conn: &Connection, ticket_id: i64) -> Result<Vec<TicketEvent>, DbError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT e.id, e.at, e.user_id, coalesce(nullif(u.name, ''), u.login), e.kind, e.old_value, e.new_value,
                {}, {}
         FROM ticket_events e LEFT JOIN users u ON u.id = e.user_id WHERE e.ticket_id = ?1 ORDER BY e.id",
        label_sql("e.old_value"),
        label_sql("e.new_value")
    ))?;
    let rows = stmt.query_map([ticket_id], |r| {
        Ok(TicketEvent {
            id: r.get(0)?,
            at: rfc3339(r.get(1)?),
            user_id: r.get(2)?,
            user: r.get(3)?,
            kind: r.get(4)?,
            old_value: r.get(5)?,
            new_value: r.get(6)?,
            old_label: r.get(7)?,
            new_label: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A comment on a ticket.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Comment {
    pub id: i64,
    pub author_id: Option<i64>,
    /// `None` for the system.
    pub author: Option<String>,
    pub body: String,
    /// Seen by the client; internal otherwise.
    pub public: bool,
    pub created_at: String,
}

/// Adds a comment. The first public comment by staff is the ticket's first response: it is
/// recorded as an event and stops the first-response clock.
pub fn add_comment(
    conn: &Connection,
    ticket_id: i64,
    author_id: Option<i64>,
    by_staff: bool,
    body: &str,
    public: bool,
    now: i64,
) -> Result<Comment, DbError> {
    conn.prepare_cached(
        "INSERT INTO ticket_comments (ticket_id, author_id, body, public, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![ticket_id, author_id, body, public, now])?;
    let id = conn.last_insert_rowid();
    conn.prepare_cached("UPDATE tickets SET updated_at = ?2 WHERE id = ?1")?.execute(params![ticket_id, now])?;
    if public && by_staff {
        let first = conn
            .prepare_cached("UPDATE tickets SET first_response_at = ?2 WHERE id = ?1 AND first_response_at IS NULL")?
            .execute(params![ticket_id, now])?;
        if first == 1 {
            event(conn, ticket_id, now, author_id, "first_response", None, Some(&id.to_string()))?;
            recompute_sla(conn, ticket_id, now)?;
        }
    }
    comments(conn, ticket_id, true)?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| DbError::NotFound(format!("comment {id} just added")))
}

/// A ticket's comments, oldest first; `internal` false leaves out the internal ones.
pub fn comments(conn: &Connection, ticket_id: i64, internal: bool) -> Result<Vec<Comment>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.id, m.author_id, coalesce(nullif(u.name, ''), u.login), m.body, m.public, m.created_at
         FROM ticket_comments m LEFT JOIN users u ON u.id = m.author_id
         WHERE m.ticket_id = ?1 AND (?2 OR m.public) ORDER BY m.id",
    )?;
    let rows = stmt.query_map(params![ticket_id, internal], |r| {
        Ok(Comment {
            id: r.get(0)?,
            author_id: r.get(1)?,
            author: r.get(2)?,
            body: r.get(3)?,
            public: r.get(4)?,
            created_at: rfc3339(r.get(5)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Time a technician spent on a ticket.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TimeEntry {
    pub id: i64,
    pub user_id: Option<i64>,
    pub user: Option<String>,
    pub minutes: i64,
    pub billable: bool,
    pub note: String,
    /// The day the work was done ("2026-11-28", UTC).
    pub date: String,
    pub created_at: String,
}

/// Time to log on a ticket.
#[derive(Debug, Clone)]
pub struct NewTime<'a> {
    pub ticket_id: i64,
    pub user_id: i64,
    pub minutes: i64,
    pub billable: bool,
    pub note: &'a str,
    /// "YYYY-MM-DD".
    pub date: &'a str,
}

/// Logs time on a ticket.
pub fn add_time(conn: &Connection, e: &NewTime, now: i64) -> Result<TimeEntry, DbError> {
    let ticket_id = e.ticket_id;
    conn.prepare_cached(
        "INSERT INTO time_entries (ticket_id, user_id, minutes, billable, note, work_date, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![ticket_id, e.user_id, e.minutes, e.billable, e.note, e.date, now])?;
    let id = conn.last_insert_rowid();
    conn.prepare_cached("UPDATE tickets SET updated_at = ?2 WHERE id = ?1")?.execute(params![ticket_id, now])?;
    time_entries(conn, ticket_id)?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| DbError::NotFound(format!("time entry {id} just added")))
}

pub fn time_entries(conn: &Connection, ticket_id: i64) -> Result<Vec<TimeEntry>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.id, e.user_id, coalesce(nullif(u.name, ''), u.login), e.minutes, e.billable, e.note, e.work_date,
                e.created_at
         FROM time_entries e LEFT JOIN users u ON u.id = e.user_id WHERE e.ticket_id = ?1 ORDER BY e.id",
    )?;
    let rows = stmt.query_map([ticket_id], |r| {
        Ok(TimeEntry {
            id: r.get(0)?,
            user_id: r.get(1)?,
            user: r.get(2)?,
            minutes: r.get(3)?,
            billable: r.get(4)?,
            note: r.get(5)?,
            date: r.get(6)?,
            created_at: rfc3339(r.get(7)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
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

/// The ticket opened for `alert_id` that is not yet resolved or closed, if any: where a re-fire
/// or a severity change of the alert adds a comment instead of a new ticket.
pub fn open_for_alert(conn: &Connection, alert_id: i64) -> Result<Option<Ticket>, DbError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} {FROM} WHERE t.alert_id = ?1 AND t.status NOT IN ('resolved', 'closed')
             ORDER BY t.id DESC LIMIT 1"
        ))?
        .query_row([alert_id], from_row)
        .optional()?)
}

/// Whether a person has worked the ticket since it was opened: changed it, commented on it or
/// logged time. An alert's recovery resolves only tickets nobody has worked.
pub fn worked_by_someone(conn: &Connection, ticket_id: i64) -> Result<bool, DbError> {
    Ok(conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM ticket_events WHERE ticket_id = ?1 AND kind != 'created' AND user_id IS NOT NULL)
             OR EXISTS (SELECT 1 FROM ticket_comments WHERE ticket_id = ?1 AND author_id IS NOT NULL)
             OR EXISTS (SELECT 1 FROM time_entries WHERE ticket_id = ?1)",
    )?
    .query_row([ticket_id], |r| r.get(0))?)
}

/// The calendar and policy a ticket's clocks are measured with.
fn policy_of(conn: &Connection, policy_id: i64) -> Result<Option<(Calendar, SlaPolicy)>, DbError> {
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

/// The clock events in a ticket's history.
fn clock_history(conn: &Connection, ticket_id: i64) -> Result<Vec<ClockEvent>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, kind, new_value FROM ticket_events
         WHERE ticket_id = ?1 AND kind IN ('created', 'priority', 'status', 'first_response') ORDER BY id",
    )?;
    let rows = stmt.query_map([ticket_id], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (at, kind, value) = row?;
        let Ok(at) = Timestamp::from_second(at) else { continue };
        let value = value.unwrap_or_default();
        let event = match kind.as_str() {
            "created" => Priority::parse(&value).map(|priority| ClockEvent::Created { at, priority }),
            "priority" => Priority::parse(&value).map(|priority| ClockEvent::PriorityChanged { at, priority }),
            "status" => Status::parse(&value).map(|status| ClockEvent::StatusChanged { at, status }),
            _ => Some(ClockEvent::FirstResponse { at }),
        };
        out.extend(event);
    }
    Ok(out)
}

/// Replays the ticket's history through its SLA policy as of `now` and stores the figures. Due
/// times are kept once a clock stops or pauses (the report has none then), so the ticket still
/// shows when it was due; the queue's sort key only counts clocks that run.
pub fn recompute_sla(conn: &Connection, ticket_id: i64, now: i64) -> Result<SlaNews, DbError> {
    let row: Option<(Option<i64>, [bool; 4])> = conn
        .prepare_cached(
            "SELECT sla_policy_id, first_response_warned, first_response_breached, resolution_warned, resolution_breached
             FROM tickets WHERE id = ?1",
        )?
        .query_row([ticket_id], |r| Ok((r.get(0)?, [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?])))
        .optional()?;
    let Some((Some(policy_id), before)) = row else { return Ok(SlaNews::default()) };
    let Some((calendar, policy)) = policy_of(conn, policy_id)? else { return Ok(SlaNews::default()) };
    let history = clock_history(conn, ticket_id)?;
    let Ok(at) = Timestamp::from_second(now) else { return Ok(SlaNews::default()) };
    let report = match sla::evaluate(&calendar, &policy, &history, at) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(ticket_id, error = %e, "SLA figures not updated");
            return Ok(SlaNews::default());
        }
    };
    let secs = |t: Option<Timestamp>| t.map(|t| t.as_second());
    let (fr, res) = (&report.first_response, &report.resolution);
    let sla_due = [fr, res].into_iter().filter(|c| c.state == ClockState::Running).filter_map(|c| secs(c.due)).min();
    conn.prepare_cached(
        "UPDATE tickets SET first_response_due = coalesce(?2, first_response_due),
                resolution_due = coalesce(?3, resolution_due), first_response_met = ?4,
                first_response_breached = ?5, first_response_warned = ?6, resolution_met = ?7,
                resolution_breached = ?8, resolution_warned = ?9, first_response_used_s = ?10,
                resolution_used_s = ?11, sla_due = ?12, sla_next_change = ?13
         WHERE id = ?1",
    )?
    .execute(params![
        ticket_id,
        secs(fr.due),
        secs(res.due),
        fr.met,
        fr.breached,
        fr.warned,
        res.met,
        res.breached,
        res.warned,
        fr.used_seconds,
        res.used_seconds,
        sla_due,
        secs(report.next_change)
    ])?;
    // Flags only ever turn on (a breach is final), so "newly" is "on now, off before".
    let news = SlaNews {
        first_response_warned: fr.warned && !before[0],
        first_response_breached: fr.breached && !before[1],
        resolution_warned: res.warned && !before[2],
        resolution_breached: res.breached && !before[3],
    };
    for (happened, kind, detail) in [
        (news.first_response_warned, "sla_warning", "first response"),
        (news.first_response_breached, "sla_breach", "first response"),
        (news.resolution_warned, "sla_warning", "resolution"),
        (news.resolution_breached, "sla_breach", "resolution"),
    ] {
        if happened {
            event(conn, ticket_id, now, None, kind, None, Some(detail))?;
        }
    }
    Ok(news)
}

/// What a recomputation found newly happened: each warning and breach is reported once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlaNews {
    pub first_response_warned: bool,
    pub first_response_breached: bool,
    pub resolution_warned: bool,
    pub resolution_breached: bool,
}

/// Tickets whose SLA clocks reach a warning or breach by `now` (the timer's work list).
pub fn sla_due(conn: &Connection, now: i64) -> Result<Vec<i64>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM tickets WHERE sla_next_change IS NOT NULL AND sla_next_change <= ?1 ORDER BY sla_next_change LIMIT 500",
    )?;
    let rows = stmt.query_map([now], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Closes tickets resolved at or before `resolved_before`, as the system; returns their ids.
pub fn close_resolved(conn: &Connection, resolved_before: i64, now: i64) -> Result<Vec<i64>, DbError> {
    let due: Vec<(i64, i64)> = conn
        .prepare_cached(
            "SELECT id, version FROM tickets WHERE status = 'resolved' AND resolved_at <= ?1 ORDER BY id LIMIT 500",
        )?
        .query_map([resolved_before], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut closed = Vec::new();
    for (id, version) in due {
        let changes = TicketChanges { status: Some(Status::Closed), ..Default::default() };
        if update(conn, id, version, &changes, None, now)?.is_ok() {
            closed.push(id);
        }
    }
    Ok(closed)
}

/// A reply from the client on a resolved ticket: it goes back to open (as the client's doing).
/// Returns whether it was reopened.
pub fn reopen_on_client_reply(conn: &Connection, id: i64, by: i64, now: i64) -> Result<bool, DbError> {
    let Some(t) = get(conn, id)? else { return Ok(false) };
    if t.status != "resolved" {
        return Ok(false);
    }
    let changes = TicketChanges { status: Some(Status::Open), ..Default::default() };
    Ok(update(conn, id, t.version, &changes, Some(by), now)?.is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, Connection) {
        let (dir, conn) = crate::db::test_database();
        conn.execute("INSERT INTO clients (name, created_at, updated_at) VALUES ('Acme', 0, 0)", []).unwrap();
        (dir, conn)
    }

    fn new_ticket(priority: Priority) -> NewTicket {
        NewTicket {
            subject: "Printer on fire".into(),
            description: String::new(),
            client_id: 1,
            site_id: None,
            contact_id: None,
            source: Source::Manual,
            category: String::new(),
            priority,
            queue_id: None,
            assignee_id: None,
            alert_id: None,
            device_ids: Vec::new(),
            created_by: None,
        }
    }

    fn ts(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().as_second()
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

    #[test]
    fn due_times_follow_the_business_calendar() {
        let (_dir, conn) = db();
        // Friday 16:00 UTC: a P2 (60 min / 8 h) has one business hour left on Friday.
        let t = create(&conn, &new_ticket(Priority::P2), ts("2026-11-27T16:00:00Z")).unwrap().unwrap();
        assert_eq!(t.sla.first_response_due.as_deref(), Some("2026-11-27T17:00:00Z"));
        // 1 h on Friday, then 7 h on Monday from 08:00.
        assert_eq!(t.sla.resolution_due.as_deref(), Some("2026-11-30T15:00:00Z"));
        assert_eq!(t.sort_due, ts("2026-11-27T17:00:00Z"));
    }

    #[test]
    fn a_public_staff_comment_meets_the_first_response_and_pending_pauses() {
        let (_dir, conn) = db();
        let t = create(&conn, &new_ticket(Priority::P2), ts("2026-11-30T09:00:00Z")).unwrap().unwrap();
        add_comment(&conn, t.id, None, true, "internal note", false, ts("2026-11-30T09:10:00Z")).unwrap();
        assert_eq!(get(&conn, t.id).unwrap().unwrap().first_response_at, None, "internal is not a response");
        add_comment(&conn, t.id, None, true, "On it", true, ts("2026-11-30T09:20:00Z")).unwrap();
        let t = get(&conn, t.id).unwrap().unwrap();
        assert!(t.sla.first_response_met);
        assert_eq!(t.sla.first_response_due.as_deref(), Some("2026-11-30T10:00:00Z"), "due kept once met");
        let changes = TicketChanges { status: Some(Status::Pending), ..Default::default() };
        let t = update(&conn, t.id, t.version, &changes, None, ts("2026-11-30T10:00:00Z")).unwrap().unwrap();
        assert_eq!(t.sort_due, i64::MAX, "no clock runs while pending");
        let changes = TicketChanges { status: Some(Status::Open), ..Default::default() };
        let t = update(&conn, t.id, t.version, &changes, None, ts("2026-11-30T12:00:00Z")).unwrap().unwrap();
        // 1 h used before the pause; 7 h left from 12:00: 17:00 is 5 h, then 2 h on Tuesday.
        assert_eq!(t.sla.resolution_due.as_deref(), Some("2026-12-01T10:00:00Z"));
        assert_eq!(t.sla.resolution_used_seconds, 3600);
    }

    #[test]
    fn a_stale_version_is_refused_with_the_current_ticket_and_nothing_written() {
        let (_dir, conn) = db();
        let t = create(&conn, &new_ticket(Priority::P3), ts("2026-11-30T09:00:00Z")).unwrap().unwrap();
        let c = TicketChanges { subject: Some("first".into()), ..Default::default() };
        let first = update(&conn, t.id, 1, &c, None, ts("2026-11-30T09:01:00Z")).unwrap().unwrap();
        assert_eq!(first.version, 2);
        let c = TicketChanges { subject: Some("second".into()), ..Default::default() };
        let Err(Refusal::Stale(now)) = update(&conn, t.id, 1, &c, None, ts("2026-11-30T09:02:00Z")).unwrap() else {
            panic!("a stale version must be refused")
        };
        assert_eq!((now.version, now.subject.as_str()), (2, "first"));
        let kinds: Vec<String> = events(&conn, t.id).unwrap().into_iter().map(|e| e.kind).collect();
        assert_eq!(kinds, ["created", "subject"]);
        // Nothing changes: nothing written, no new version.
        let same = update(&conn, t.id, 2, &TicketChanges::default(), None, 0).unwrap().unwrap();
        assert_eq!(same.version, 2);
    }

    #[test]
    fn resolving_closing_and_reopening_keep_their_times_and_the_priority_retargets_the_clock() {
        let (_dir, conn) = db();
        let t = create(&conn, &new_ticket(Priority::P4), ts("2026-11-30T09:00:00Z")).unwrap().unwrap();
        // A P4 has 8 h to the first response; as a P1 it has 30 min, due at 09:30.
        let c = TicketChanges { priority: Some(Priority::P1), ..Default::default() };
        let t = update(&conn, t.id, t.version, &c, None, ts("2026-11-30T09:10:00Z")).unwrap().unwrap();
        assert_eq!(t.sla.first_response_due.as_deref(), Some("2026-11-30T09:30:00Z"));
        let c = TicketChanges { status: Some(Status::Resolved), ..Default::default() };
        let t = update(&conn, t.id, t.version, &c, None, ts("2026-11-30T09:20:00Z")).unwrap().unwrap();
        assert_eq!(t.resolved_at.as_deref(), Some("2026-11-30T09:20:00Z"));
        assert!(t.sla.resolution_met && t.sla.first_response_met, "{:?}", t.sla);
        let c = TicketChanges { status: Some(Status::Closed), ..Default::default() };
        let t = update(&conn, t.id, t.version, &c, None, ts("2026-11-30T10:00:00Z")).unwrap().unwrap();
        assert_eq!(t.resolved_at.as_deref(), Some("2026-11-30T09:20:00Z"), "closing keeps the resolution time");
        assert_eq!(t.closed_at.as_deref(), Some("2026-11-30T10:00:00Z"));
        let c = TicketChanges { status: Some(Status::Open), ..Default::default() };
        let t = update(&conn, t.id, t.version, &c, None, ts("2026-11-30T11:00:00Z")).unwrap().unwrap();
        assert_eq!((t.resolved_at, t.closed_at), (None, None), "reopened");
        assert!(!t.sla.resolution_met);
        assert_eq!(t.version, 5);
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
    fn a_ticket_is_worked_once_a_person_touches_it_and_the_system_does_not_count() {
        let (_dir, conn) = db();
        conn.execute(
            "INSERT INTO users (login, name, role, password_hash, created_at, updated_at)
             VALUES ('tess', 'Tess', 'technician', 'x', 0, 0)",
            [],
        )
        .unwrap();
        let tess = conn.last_insert_rowid();
        let t = create(&conn, &new_ticket(Priority::P2), 0).unwrap().unwrap();
        add_comment(&conn, t.id, None, false, "Condition still present", false, 1).unwrap();
        assert!(!worked_by_someone(&conn, t.id).unwrap(), "system comments are not work");
        let entry =
            NewTime { ticket_id: t.id, user_id: tess, minutes: 5, billable: false, note: "", date: "2026-11-30" };
        add_time(&conn, &entry, 2).unwrap();
        assert!(worked_by_someone(&conn, t.id).unwrap());
    }

    #[test]
    fn references_to_other_clients_are_refused_by_field() {
        let (_dir, conn) = db();
        let mut n = new_ticket(Priority::P3);
        n.device_ids = vec![42];
        assert!(matches!(create(&conn, &n, 0).unwrap(), Err(Refusal::Field { field: "device_ids", .. })));
        n.device_ids.clear();
        n.client_id = 9;
        assert!(matches!(create(&conn, &n, 0).unwrap(), Err(Refusal::Field { field: "client_id", .. })));
        let count: i64 = conn.query_row("SELECT count(*) FROM tickets", [], |r| r.get(0)).unwrap();
        assert_eq!(count, 0);
    }
}
