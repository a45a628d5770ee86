//! Routing and the people it routes to: routing rules, queues with their members, technicians'
//! weekly schedules, and the assignment of a new ticket (`assign`), which reads all of these and
//! lets `tickets::routing` decide.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::DbError;
use crate::tickets::routing::{self, Assignment, Member, Routed, RoutingRule, TicketFacts};
use crate::tickets::sla::{Calendar, CalendarSpec};

/// Decides the queue and assignee of a ticket about to be opened. A given assignee stands; a
/// given queue skips the rules; otherwise the first matching rule picks a queue or a person.
/// Within a queue, its assignment method picks among members on shift at `now` and the queue
/// remembers who got it (round-robin's turn).
pub fn assign(
    conn: &Connection,
    facts: &TicketFacts,
    queue_id: Option<i64>,
    assignee_id: Option<i64>,
    now: i64,
) -> Result<Routed, DbError> {
    if assignee_id.is_some() {
        return Ok(Routed { queue_id, assignee_id, rule: None });
    }
    let (queue_id, direct, rule) = match queue_id {
        Some(q) => (Some(q), None, None),
        None => {
            let rules = enabled_rules(conn)?;
            match routing::first_match(&rules, facts) {
                Some(r) => {
                    let name: String =
                        conn.query_row("SELECT name FROM routing_rules WHERE id = ?1", [r.id], |row| row.get(0))?;
                    (r.queue_id, r.assignee_id, Some(name))
                }
                None => (None, None, None),
            }
        }
    };
    // A rule naming a person who can no longer take tickets falls back to its queue.
    let direct = match direct {
        Some(id) if is_active_staff(conn, id)? => Some(id),
        _ => None,
    };
    let assignee_id = match (direct, queue_id) {
        (Some(id), _) => Some(id),
        (None, Some(q)) => pick_in_queue(conn, q, now)?,
        (None, None) => None,
    };
    Ok(Routed { queue_id, assignee_id, rule })
}

fn is_active_staff(conn: &Connection, user_id: i64) -> Result<bool, DbError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM users WHERE id = ?1 AND role IN ('admin', 'technician') AND disabled = 0")?
        .query_row([user_id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The member of queue `queue_id` who gets the next ticket, recorded as the queue's last.
fn pick_in_queue(conn: &Connection, queue_id: i64, now: i64) -> Result<Option<i64>, DbError> {
    let Some((assignment, last)) = conn
        .prepare_cached("SELECT assignment, last_assigned_id FROM queues WHERE id = ?1")?
        .query_row([queue_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?)))
        .optional()?
    else {
        return Ok(None);
    };
    let assignment = Assignment::parse(&assignment).unwrap_or(Assignment::Manual);
    let members: Vec<Member> = members(conn, queue_id, now)?
        .into_iter()
        .map(|m| Member { user_id: m.id, on_shift: m.on_shift, open_tickets: m.open_tickets })
        .collect();
    let picked = routing::pick(assignment, &members, last);
    if let Some(id) = picked {
        conn.prepare_cached("UPDATE queues SET last_assigned_id = ?2 WHERE id = ?1")?.execute(params![queue_id, id])?;
    }
    Ok(picked)
}

/// Whether a technician is on shift at `now`: inside their weekly schedule, or always when they
/// have none. A schedule that no longer parses counts as always on shift (and is logged).
pub fn on_shift(spec: Option<&str>, now: i64) -> bool {
    let Some(spec) = spec else { return true };
    let calendar = serde_json::from_str::<CalendarSpec>(spec)
        .map_err(|e| e.to_string())
        .and_then(|s| Calendar::new(s).map_err(|e| e.message.clone()));
    match calendar {
        Ok(c) => Timestamp::from_second(now).is_ok_and(|t| c.is_open(t)),
        Err(e) => {
            tracing::warn!(error = %e, "a technician's schedule cannot be read; counting them on shift");
            true
        }
    }
}

// ---------- queues ----------

/// A queue member as pages show them.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct QueueMember {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub on_shift: bool,
    pub open_tickets: i64,
}

/// A queue (a team tickets are routed to).
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Queue {
    pub id: i64,
    pub name: String,
    /// "round_robin", "least_loaded" or "manual".
    pub assignment: String,
    /// Who hears of SLA warnings and breaches of the queue's tickets, beside the assignee.
    pub escalation_email: String,
    pub members: Vec<QueueMember>,
    /// New, open or pending tickets in the queue.
    pub open_tickets: i64,
    /// Of those, how many nobody has taken yet.
    pub unassigned_tickets: i64,
}

/// Active staff in the queue, by id, with their shift and load at `now`.
pub fn members(conn: &Connection, queue_id: i64, now: i64) -> Result<Vec<QueueMember>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.login, u.name, s.spec,
                (SELECT count(*) FROM tickets t WHERE t.assignee_id = u.id AND t.status IN ('new', 'open', 'pending'))
         FROM queue_members m JOIN users u ON u.id = m.user_id
         LEFT JOIN technician_schedules s ON s.user_id = u.id
         WHERE m.queue_id = ?1 AND u.disabled = 0 AND u.role IN ('admin', 'technician')
         ORDER BY u.id",
    )?;
    let rows = stmt.query_map([queue_id], |r| {
        let spec: Option<String> = r.get(3)?;
        Ok(QueueMember {
            id: r.get(0)?,
            login: r.get(1)?,
            name: r.get(2)?,
            on_shift: on_shift(spec.as_deref(), now),
            open_tickets: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn queue_from_row(r: &Row) -> rusqlite::Result<Queue> {
    Ok(Queue {
        id: r.get(0)?,
        name: r.get(1)?,
        assignment: r.get(2)?,
        escalation_email: r.get(3)?,
        members: Vec::new(),
        open_tickets: r.get(4)?,
        unassigned_tickets: r.get(5)?,
    })
}

const QUEUE_SELECT: &str = "SELECT q.id, q.name, q.assignment, q.escalation_email,
    (SELECT count(*) FROM tickets t WHERE t.queue_id = q.id AND t.status IN ('new', 'open', 'pending')),
    (SELECT count(*) FROM tickets t WHERE t.queue_id = q.id AND t.status IN ('new', 'open', 'pending')
                                       AND t.assignee_id IS NULL)
    FROM queues q";

/// Every queue by name, with members.
pub fn queues(conn: &Connection, now: i64) -> Result<Vec<Queue>, DbError> {
    let mut out: Vec<Queue> = conn
        .prepare_cached(&format!("{QUEUE_SELECT} ORDER BY q.name COLLATE NOCASE, q.id"))?
        .query_map([], queue_from_row)?
        .collect::<Result<_, _>>()?;
    for q in &mut out {
        q.members = members(conn, q.id, now)?;
    }
    Ok(out)
}

pub fn queue(conn: &Connection, id: i64, now: i64) -> Result<Option<Queue>, DbError> {
    let q =
        conn.prepare_cached(&format!("{QUEUE_SELECT} WHERE q.id = ?1"))?.query_row([id], queue_from_row).optional()?;
    match q {
        Some(mut q) => {
            q.members = members(conn, id, now)?;
            Ok(Some(q))
        }
        None => Ok(None),
    }
}

/// A queue's fields as written.
#[derive(Debug, Clone)]
pub struct QueueFields {
    pub name: String,
    pub assignment: Assignment,
    pub escalation_email: String,
    pub member_ids: Vec<i64>,
}

/// The first member id that is not an active technician or admin.
pub fn not_staff(conn: &Connection, ids: &[i64]) -> Result<Option<i64>, DbError> {
    for &id in ids {
        if !is_active_staff(conn, id)? {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// Whether a queue other than `except` already has this name.
pub fn queue_name_taken(conn: &Connection, name: &str, except: Option<i64>) -> Result<bool, DbError> {
    super::name_taken(conn, super::Named::Queues, name, except)
}

fn set_members(conn: &Connection, queue_id: i64, ids: &[i64]) -> Result<(), DbError> {
    conn.prepare_cached("DELETE FROM queue_members WHERE queue_id = ?1")?.execute([queue_id])?;
    let mut stmt = conn.prepare_cached("INSERT OR IGNORE INTO queue_members (queue_id, user_id) VALUES (?1, ?2)")?;
    for id in ids {
        stmt.execute(params![queue_id, id])?;
    }
    Ok(())
}

pub fn create_queue(conn: &Connection, f: &QueueFields, now: i64) -> Result<i64, DbError> {
    conn.prepare_cached(
        "INSERT INTO queues (name, assignment, escalation_email, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
    )?
    .execute(params![f.name, f.assignment.as_str(), f.escalation_email, now])?;
    let id = conn.last_insert_rowid();
    set_members(conn, id, &f.member_ids)?;
    Ok(id)
}

/// Replaces a queue's fields and members; false when there is no such queue.
pub fn update_queue(conn: &Connection, id: i64, f: &QueueFields, now: i64) -> Result<bool, DbError> {
    let n = conn
        .prepare_cached(
            "UPDATE queues SET name = ?2, assignment = ?3, escalation_email = ?4, updated_at = ?5 WHERE id = ?1",
        )?
        .execute(params![id, f.name, f.assignment.as_str(), f.escalation_email, now])?;
    if n == 1 {
        set_members(conn, id, &f.member_ids)?;
    }
    Ok(n == 1)
}

/// Deletes a queue: its tickets stay, without a queue; its routing rules go with it.
pub fn delete_queue(conn: &Connection, id: i64) -> Result<bool, DbError> {
    Ok(conn.execute("DELETE FROM queues WHERE id = ?1", [id])? == 1)
}

// ---------- technicians and their schedules ----------

/// A technician (or admin) as the assignee pickers and the schedule page show them.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Technician {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub on_shift: bool,
    pub open_tickets: i64,
    /// Their weekly schedule; `None`: always on shift.
    pub schedule: Option<CalendarSpec>,
    pub queue_ids: Vec<i64>,
}

/// Active staff by name.
pub fn technicians(conn: &Connection, now: i64) -> Result<Vec<Technician>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.login, u.name, u.email, u.role, s.spec,
                (SELECT count(*) FROM tickets t WHERE t.assignee_id = u.id AND t.status IN ('new', 'open', 'pending')),
                (SELECT json_group_array(queue_id) FROM queue_members m WHERE m.user_id = u.id)
         FROM users u LEFT JOIN technician_schedules s ON s.user_id = u.id
         WHERE u.disabled = 0 AND u.role IN ('admin', 'technician')
         ORDER BY coalesce(nullif(u.name, ''), u.login) COLLATE NOCASE, u.id",
    )?;
    let rows = stmt.query_map([], |r| {
        let spec: Option<String> = r.get(5)?;
        let queues: String = r.get(7)?;
        Ok(Technician {
            id: r.get(0)?,
            login: r.get(1)?,
            name: r.get(2)?,
            email: r.get(3)?,
            role: r.get(4)?,
            on_shift: on_shift(spec.as_deref(), now),
            open_tickets: r.get(6)?,
            schedule: spec.as_deref().and_then(|s| serde_json::from_str(s).ok()),
            queue_ids: serde_json::from_str(&queues).unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Sets (or with `None` clears) a technician's weekly schedule. The spec must be validated.
pub fn set_schedule(conn: &Connection, user_id: i64, spec: Option<&CalendarSpec>, now: i64) -> Result<(), DbError> {
    match spec {
        Some(spec) => {
            let json = serde_json::to_string(spec).map_err(|e| DbError::Encode(e.to_string()))?;
            conn.prepare_cached(
                "INSERT INTO technician_schedules (user_id, spec, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (user_id) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at",
            )?
            .execute(params![user_id, json, now])?;
        }
        None => {
            conn.prepare_cached("DELETE FROM technician_schedules WHERE user_id = ?1")?.execute([user_id])?;
        }
    }
    Ok(())
}

// ---------- routing rules ----------

/// A routing rule as pages show it.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct RuleView {
    pub id: i64,
    pub name: String,
    /// Rules are tried from the lowest position up.
    pub position: i64,
    pub enabled: bool,
    pub client_id: Option<i64>,
    pub client: Option<String>,
    pub category: String,
    pub source: String,
    pub device_tag: String,
    pub queue_id: Option<i64>,
    pub queue: Option<String>,
    pub assignee_id: Option<i64>,
    pub assignee: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

const RULE_SELECT: &str = "SELECT r.id, r.name, r.position, r.enabled, r.client_id, c.name, r.category, r.source,
    r.device_tag, r.queue_id, q.name, r.assignee_id, coalesce(nullif(u.name, ''), u.login), r.created_at, r.updated_at
    FROM routing_rules r LEFT JOIN clients c ON c.id = r.client_id LEFT JOIN queues q ON q.id = r.queue_id
    LEFT JOIN users u ON u.id = r.assignee_id";

fn rule_from_row(r: &Row) -> rusqlite::Result<RuleView> {
    Ok(RuleView {
        id: r.get(0)?,
        name: r.get(1)?,
        position: r.get(2)?,
        enabled: r.get(3)?,
        client_id: r.get(4)?,
        client: r.get(5)?,
        category: r.get(6)?,
        source: r.get(7)?,
        device_tag: r.get(8)?,
        queue_id: r.get(9)?,
        queue: r.get(10)?,
        assignee_id: r.get(11)?,
        assignee: r.get(12)?,
        created_at: super::rfc3339(r.get(13)?),
        updated_at: super::rfc3339(r.get(14)?),
    })
}

/// Every routing rule, in the order they are tried.
pub fn rules(conn: &Connection) -> Result<Vec<RuleView>, DbError> {
    Ok(conn
        .prepare_cached(&format!("{RULE_SELECT} ORDER BY r.position, r.id"))?
        .query_map([], rule_from_row)?
        .collect::<Result<_, _>>()?)
}

pub fn rule(conn: &Connection, id: i64) -> Result<Option<RuleView>, DbError> {
    Ok(conn.prepare_cached(&format!("{RULE_SELECT} WHERE r.id = ?1"))?.query_row([id], rule_from_row).optional()?)
}

/// The enabled rules in order, as the router reads them.
fn enabled_rules(conn: &Connection) -> Result<Vec<RoutingRule>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, client_id, category, source, device_tag, queue_id, assignee_id FROM routing_rules
         WHERE enabled = 1 ORDER BY position, id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(RoutingRule {
            id: r.get(0)?,
            client_id: r.get(1)?,
            category: r.get(2)?,
            source: r.get(3)?,
            device_tag: r.get(4)?,
            queue_id: r.get(5)?,
            assignee_id: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A routing rule's fields as written (checked by the caller).
#[derive(Debug, Clone)]
pub struct RuleFields {
    pub name: String,
    /// `None` on create: after the last rule.
    pub position: Option<i64>,
    pub enabled: bool,
    pub client_id: Option<i64>,
    pub category: String,
    pub source: String,
    pub device_tag: String,
    pub queue_id: Option<i64>,
    pub assignee_id: Option<i64>,
}

pub fn create_rule(conn: &Connection, f: &RuleFields, now: i64) -> Result<i64, DbError> {
    let position = match f.position {
        Some(p) => p,
        None => conn.query_row("SELECT coalesce(max(position), 0) + 10 FROM routing_rules", [], |r| r.get(0))?,
    };
    conn.prepare_cached(
        "INSERT INTO routing_rules (name, position, enabled, client_id, category, source, device_tag, queue_id,
                                    assignee_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
    )?
    .execute(params![
        f.name,
        position,
        f.enabled,
        f.client_id,
        f.category,
        f.source,
        f.device_tag,
        f.queue_id,
        f.assignee_id,
        now
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Replaces a rule's fields (its position too, when given); false when there is no such rule.
pub fn update_rule(conn: &Connection, id: i64, f: &RuleFields, now: i64) -> Result<bool, DbError> {
    Ok(conn
        .prepare_cached(
            "UPDATE routing_rules SET name = ?2, position = coalesce(?3, position), enabled = ?4, client_id = ?5,
                    category = ?6, source = ?7, device_tag = ?8, queue_id = ?9, assignee_id = ?10, updated_at = ?11
             WHERE id = ?1",
        )?
        .execute(params![
            id,
            f.name,
            f.position,
            f.enabled,
            f.client_id,
            f.category,
            f.source,
            f.device_tag,
            f.queue_id,
            f.assignee_id,
            now
        ])?
        == 1)
}

pub fn delete_rule(conn: &Connection, id: i64) -> Result<bool, DbError> {
    Ok(conn.execute("DELETE FROM routing_rules WHERE id = ?1", [id])? == 1)
}

/// Tags of the given devices, for matching rules on a device tag.
pub fn device_tags(conn: &Connection, device_ids: &[i64]) -> Result<Vec<String>, DbError> {
    let mut out = Vec::new();
    let mut stmt = conn.prepare_cached("SELECT tag FROM device_tags WHERE device_id = ?1")?;
    for id in device_ids {
        for tag in stmt.query_map([id], |r| r.get::<_, String>(0))? {
            out.push(tag?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::sla::Interval;

    fn db() -> (tempfile::TempDir, Connection) {
        let (dir, conn) = crate::db::test_database();
        conn.execute("INSERT INTO clients (name, created_at, updated_at) VALUES ('Acme', 0, 0)", []).unwrap();
        for login in ["ana", "ben", "cy"] {
            conn.execute(
                "INSERT INTO users (login, name, role, password_hash, created_at, updated_at)
                 VALUES (?1, ?1, 'technician', 'x', 0, 0)",
                [login],
            )
            .unwrap();
        }
        (dir, conn)
    }

    fn facts() -> TicketFacts<'static> {
        TicketFacts { client_id: 1, category: "", source: crate::tickets::Source::Alert, device_tags: &[] }
    }

    // 2026-11-30 is a Monday; 10:00 UTC.
    const MONDAY_10: i64 = 1_796_032_800;

    #[test]
    fn a_queue_rule_assigns_in_turn_among_members_on_shift_and_remembers_the_turn() {
        let (_dir, conn) = db();
        let q = create_queue(
            &conn,
            &QueueFields {
                name: "Helpdesk".into(),
                assignment: Assignment::RoundRobin,
                escalation_email: String::new(),
                member_ids: vec![1, 2, 3],
            },
            0,
        )
        .unwrap();
        let rule = RuleFields {
            name: "Everything".into(),
            position: None,
            enabled: true,
            client_id: None,
            category: String::new(),
            source: String::new(),
            device_tag: String::new(),
            queue_id: Some(q),
            assignee_id: None,
        };
        create_rule(&conn, &rule, 0).unwrap();
        // Ben works weekends only: off shift on a Monday.
        let weekends = CalendarSpec {
            timezone: "UTC".into(),
            hours: crate::tickets::sla::WeeklyHours {
                sat: vec![Interval::new("00:00", "24:00")],
                sun: vec![Interval::new("00:00", "24:00")],
                ..Default::default()
            },
            holidays: Vec::new(),
        };
        set_schedule(&conn, 2, Some(&weekends), 0).unwrap();
        let picks: Vec<Option<i64>> =
            (0..3).map(|_| assign(&conn, &facts(), None, None, MONDAY_10).unwrap().assignee_id).collect();
        assert_eq!(picks, vec![Some(1), Some(3), Some(1)]);
        let routed = assign(&conn, &facts(), None, None, MONDAY_10).unwrap();
        assert_eq!(routed, Routed { queue_id: Some(q), assignee_id: Some(3), rule: Some("Everything".into()) });
        // Given an assignee, routing leaves it alone.
        assert_eq!(assign(&conn, &facts(), None, Some(2), MONDAY_10).unwrap().assignee_id, Some(2));
    }

    #[test]
    fn a_rule_naming_a_disabled_person_leaves_the_ticket_unassigned_and_no_rule_no_queue() {
        let (_dir, conn) = db();
        assert_eq!(
            assign(&conn, &facts(), None, None, 0).unwrap(),
            Routed { queue_id: None, assignee_id: None, rule: None }
        );
        let rule = RuleFields {
            name: "Ana takes Acme".into(),
            position: None,
            enabled: true,
            client_id: Some(1),
            category: String::new(),
            source: String::new(),
            device_tag: String::new(),
            queue_id: None,
            assignee_id: Some(1),
        };
        create_rule(&conn, &rule, 0).unwrap();
        assert_eq!(assign(&conn, &facts(), None, None, 0).unwrap().assignee_id, Some(1));
        conn.execute("UPDATE users SET disabled = 1 WHERE id = 1", []).unwrap();
        assert_eq!(assign(&conn, &facts(), None, None, 0).unwrap().assignee_id, None);
    }
}
