//! The ticket lifecycle, with its I/O: open a ticket (routed, with its SLA clocks), change it,
//! comment on it (a public reply is mailed to the contact; a client's reply reopens), log time,
//! replay its SLA clocks, and the timers' work (close resolved tickets, announce SLA warnings and
//! breaches). Each function runs inside the caller's write transaction: it reads through `db`,
//! lets `tickets::lifecycle` decide, and writes what was decided.
//!
//! Every change to a ticket is one history row; the SLA clocks are replayed from those rows
//! (`recompute_sla`) after each change, so the stored due times and met/breached flags always
//! follow from the history rather than from a second, separately kept state.
//!
//! Writes that can be refused for a reason the caller should hear about (a stale version, a field
//! naming something that does not exist) answer `Ok(Err(Refusal))`: the refusal is decided inside
//! the write transaction, before anything is written, so the check and the write cannot race.

use rusqlite::Connection;

use crate::db::tickets::References;
use crate::db::{self, DbError};
use crate::notify;
use crate::tickets::lifecycle::{self, SlaFlags};
use crate::tickets::routing::TicketFacts;
use crate::tickets::sla;
use crate::tickets::{Author, Comment, NewTicket, NewTime, Refusal, Ticket, TicketChanges, TimeEntry};

/// Opens a ticket (status new), routed to a queue or technician, with its first history and SLA
/// figures; answers it as stored.
pub fn create(conn: &Connection, new: &NewTicket, now: i64) -> Result<Result<Ticket, Refusal>, DbError> {
    if !db::tickets::client_exists(conn, new.client_id)? {
        let message = format!("client_id {} is not a client.", new.client_id);
        return Ok(Err(Refusal::Field { field: "client_id", message }));
    }
    let device_ids = lifecycle::device_list(&new.device_ids);
    let refs = References {
        site_id: new.site_id,
        contact_id: new.contact_id,
        queue_id: new.queue_id,
        assignee_id: new.assignee_id,
        device_ids: &device_ids,
        alert_id: new.alert_id,
    };
    if let Some(r) = db::tickets::wrong_reference(conn, new.client_id, &refs)? {
        return Ok(Err(r));
    }
    let policy = db::sla::policy_for_client(conn, new.client_id)?;
    let tags = db::routing::device_tags(conn, &device_ids)?;
    let facts =
        TicketFacts { client_id: new.client_id, category: &new.category, source: new.source, device_tags: &tags };
    let routed = db::routing::assign(conn, &facts, new.queue_id, new.assignee_id, now)?;
    let id = db::tickets::insert(conn, new, &routed, policy, now)?;
    for (by, e) in lifecycle::opened(new, &routed) {
        db::ticket_events::record(conn, id, now, by, &e)?;
    }
    db::tickets::set_devices(conn, id, &device_ids)?;
    recompute_sla(conn, id, now)?;
    let ticket = db::tickets::get(conn, id)?.ok_or_else(|| DbError::NotFound(format!("ticket {id} just opened")))?;
    Ok(Ok(ticket))
}

/// Applies `changes`, made by `by` (`None`: the system), if the ticket is still at `version`: one
/// history entry per field that changes, the version goes up by one, the SLA figures follow. A
/// change that changes nothing writes nothing and answers the ticket as it is. A stale version is
/// refused with the current ticket.
pub fn update(
    conn: &Connection,
    id: i64,
    version: i64,
    changes: &TicketChanges,
    by: Option<i64>,
    now: i64,
) -> Result<Result<Ticket, Refusal>, DbError> {
    let Some(cur) = db::tickets::get(conn, id)? else { return Ok(Err(Refusal::NotFound(id))) };
    let next = match lifecycle::update(&cur, version, changes, now) {
        Ok(next) => next,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let named = lifecycle::new_references(&cur, changes);
    let refs = References {
        contact_id: named.contact_id,
        queue_id: named.queue_id,
        assignee_id: named.assignee_id,
        device_ids: &named.device_ids,
        ..Default::default()
    };
    if let Some(r) = db::tickets::wrong_reference(conn, cur.client_id, &refs)? {
        return Ok(Err(r));
    }
    let Some(next) = next else { return Ok(Ok(cur)) };
    if !db::tickets::apply(conn, id, version, &next, now)? {
        let cur = db::tickets::get(conn, id)?.ok_or_else(|| DbError::NotFound(no_ticket(id)))?;
        return Ok(Err(Refusal::Stale(Box::new(cur))));
    }
    if let Some(d) = &next.device_ids {
        db::tickets::set_devices(conn, id, d)?;
    }
    for e in &next.events {
        db::ticket_events::record(conn, id, now, by, e)?;
    }
    recompute_sla(conn, id, now)?;
    let ticket = db::tickets::get(conn, id)?.ok_or_else(|| DbError::NotFound(no_ticket(id)))?;
    Ok(Ok(ticket))
}

fn no_ticket(id: i64) -> String {
    format!("There is no ticket with id {id}.")
}

/// Adds a comment and what it means for the ticket: the first public answer by staff is the
/// ticket's first response (recorded, and the first-response clock stops); a reply by the client
/// reopens a resolved ticket.
pub fn comment(
    conn: &Connection,
    ticket_id: i64,
    author: Author,
    body: &str,
    public: bool,
    now: i64,
) -> Result<Comment, DbError> {
    let comment = db::ticket_comments::insert(conn, ticket_id, author.user_id(), body, public, now)?;
    db::tickets::touch(conn, ticket_id, now)?;
    if lifecycle::answers_the_client(author, public) && db::tickets::set_first_response(conn, ticket_id, now)? {
        let e = crate::tickets::EventRecord::new(
            crate::tickets::EventKind::FirstResponse,
            None,
            Some(comment.id.to_string()),
        );
        db::ticket_events::record(conn, ticket_id, now, author.user_id(), &e)?;
        recompute_sla(conn, ticket_id, now)?;
    }
    if let Some(t) = db::tickets::get(conn, ticket_id)?
        && let Some(changes) = lifecycle::client_reply(author, &t)
        && let Err(refusal) = update(conn, ticket_id, t.version, &changes, author.user_id(), now)?
    {
        tracing::warn!(ticket_id, ?refusal, "the client's reply could not reopen the ticket");
    }
    Ok(comment)
}

/// A comment a person writes on a ticket they see.
#[derive(Debug, Clone, Copy)]
pub struct Reply<'a> {
    pub author: Author,
    /// How the author signs (their name, or login).
    pub name: &'a str,
    pub body: &'a str,
    pub public: bool,
    /// Where the ticket is in the UI, for the e-mail.
    pub link: &'a str,
}

/// Adds a person's comment (`comment`) and, when it is a public answer by staff, queues it by
/// e-mail to the ticket's contact, from the outbox: sent (and retried) once SMTP is set up, and
/// never lost with a restart. Answers the comment and whether an e-mail was queued.
pub fn reply(conn: &Connection, ticket: &Ticket, r: &Reply, now: i64) -> Result<(Comment, bool), DbError> {
    let comment = comment(conn, ticket.id, r.author, r.body, r.public, now)?;
    let mut mailed = false;
    if lifecycle::answers_the_client(r.author, r.public)
        && let Some(address) = db::contacts::email_of_ticket(conn, ticket.id)?
    {
        let message = notify::reply_message(ticket, r.name, &comment.body, r.link, &db::rfc3339(now));
        mailed = db::notifications::enqueue_to(conn, &address, &message, now)?;
    }
    Ok((comment, mailed))
}

/// Logs time on a ticket.
pub fn log_time(conn: &Connection, entry: &NewTime, now: i64) -> Result<TimeEntry, DbError> {
    let made = db::time_entries::insert(conn, entry, now)?;
    db::tickets::touch(conn, entry.ticket_id, now)?;
    Ok(made)
}

/// Replays the ticket's history through its SLA policy as of `now`, stores the figures, and
/// records each warning and breach that newly happened; answers those. Due times are kept once a
/// clock stops or pauses, so the ticket still shows when it was due; the queue's sort key only
/// counts clocks that run. A ticket whose policy cannot be read keeps its figures (logged).
pub fn recompute_sla(conn: &Connection, ticket_id: i64, now: i64) -> Result<SlaFlags, DbError> {
    let Some((Some(policy_id), before)) = db::tickets::sla_state(conn, ticket_id)? else {
        return Ok(SlaFlags::default());
    };
    let Some((calendar, policy)) = db::sla::policy_of(conn, policy_id)? else { return Ok(SlaFlags::default()) };
    let history = lifecycle::clock_events(&db::ticket_events::clock_history(conn, ticket_id)?);
    let Ok(at) = jiff::Timestamp::from_second(now) else { return Ok(SlaFlags::default()) };
    let report = match sla::evaluate(&calendar, &policy, &history, at) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(ticket_id, error = %e, "SLA figures not updated");
            return Ok(SlaFlags::default());
        }
    };
    let (figures, news) = lifecycle::sla_figures(&report, before);
    db::tickets::store_sla(conn, ticket_id, &figures)?;
    for e in news.events() {
        db::ticket_events::record(conn, ticket_id, now, None, &e)?;
    }
    Ok(news)
}

/// Closes, as the system, the tickets resolved at least `after` seconds before `now`; answers them.
pub fn close_resolved(conn: &Connection, after: i64, now: i64) -> Result<Vec<Ticket>, DbError> {
    let mut closed = Vec::new();
    for (id, version) in db::tickets::resolved_by(conn, lifecycle::closes_if_resolved_by(now, after))? {
        if let Ok(t) = update(conn, id, version, &lifecycle::close(), None, now)? {
            closed.push(t);
        }
    }
    Ok(closed)
}

/// What the SLA timer did: deliveries queued, and the tickets that warned or breached.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlaNotices {
    pub queued: usize,
    /// (ticket, client)
    pub changed: Vec<(i64, i64)>,
}

/// Replays the SLA clocks of the tickets due for a change at `now` and queues a notice for each
/// warning or breach that newly happened: to the notification channels that take the ticket's
/// client, and by e-mail to the people who must act (the assignee and the queue's escalation
/// contact). `base` is the server's public URL, for links.
pub fn sla_notices(conn: &Connection, base: &str, now: i64) -> Result<SlaNotices, DbError> {
    let mut out = SlaNotices::default();
    for id in db::tickets::sla_due(conn, now)? {
        let news = recompute_sla(conn, id, now)?;
        let happened = news.happened();
        if happened.is_empty() {
            continue;
        }
        let Some(ticket) = db::tickets::get(conn, id)? else { continue };
        out.changed.push((id, ticket.client_id));
        let (assignee, escalation) = db::tickets::sla_contacts(conn, id)?;
        let recipients = lifecycle::notice_recipients(assignee, escalation);
        for (clock, breached) in happened {
            let message = notify::sla_message(&ticket, clock, breached, base, &db::rfc3339(now));
            out.queued += db::notifications::enqueue(conn, &message, now)?;
            for address in &recipients {
                out.queued += usize::from(db::notifications::enqueue_to(conn, address, &message, now)?);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::{EventKind, Priority, Source, Status};
    use jiff::Timestamp;

    fn db() -> (tempfile::TempDir, Connection) {
        let (dir, conn) = crate::db::test_database();
        conn.execute("INSERT INTO clients (name, created_at, updated_at) VALUES ('Acme', 0, 0)", []).unwrap();
        (dir, conn)
    }

    fn user(conn: &Connection, login: &str, role: &str) -> i64 {
        let client = if role == "client" { Some(1) } else { None };
        conn.execute(
            "INSERT INTO users (login, name, email, role, client_id, password_hash, created_at, updated_at)
             VALUES (?1, ?1, ?1 || '@example.com', ?2, ?3, 'x', 0, 0)",
            rusqlite::params![login, role, client],
        )
        .unwrap();
        conn.last_insert_rowid()
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

    fn set(conn: &Connection, t: &Ticket, status: Status, at: i64) -> Ticket {
        let c = TicketChanges { status: Some(status), ..Default::default() };
        update(conn, t.id, t.version, &c, None, at).unwrap().unwrap()
    }

    fn kinds(conn: &Connection, id: i64) -> Vec<EventKind> {
        db::ticket_events::list(conn, id).unwrap().into_iter().map(|e| e.kind).collect()
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
        let tess = user(&conn, "tess", "technician");
        let t = create(&conn, &new_ticket(Priority::P2), ts("2026-11-30T09:00:00Z")).unwrap().unwrap();
        comment(&conn, t.id, Author::Staff(tess), "internal note", false, ts("2026-11-30T09:10:00Z")).unwrap();
        assert_eq!(
            db::tickets::get(&conn, t.id).unwrap().unwrap().first_response_at,
            None,
            "internal is not a response"
        );
        comment(&conn, t.id, Author::Staff(tess), "On it", true, ts("2026-11-30T09:20:00Z")).unwrap();
        let t = db::tickets::get(&conn, t.id).unwrap().unwrap();
        assert!(t.sla.first_response_met);
        assert_eq!(t.sla.first_response_due.as_deref(), Some("2026-11-30T10:00:00Z"), "due kept once met");
        let t = set(&conn, &t, Status::Pending, ts("2026-11-30T10:00:00Z"));
        assert_eq!(t.sort_due, i64::MAX, "no clock runs while pending");
        let t = set(&conn, &t, Status::Open, ts("2026-11-30T12:00:00Z"));
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
        assert_eq!(kinds(&conn, t.id), [EventKind::Created, EventKind::Subject]);
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
        let t = set(&conn, &t, Status::Resolved, ts("2026-11-30T09:20:00Z"));
        assert_eq!(t.resolved_at.as_deref(), Some("2026-11-30T09:20:00Z"));
        assert!(t.sla.resolution_met && t.sla.first_response_met, "{:?}", t.sla);
        let t = set(&conn, &t, Status::Closed, ts("2026-11-30T10:00:00Z"));
        assert_eq!(t.resolved_at.as_deref(), Some("2026-11-30T09:20:00Z"), "closing keeps the resolution time");
        assert_eq!(t.closed_at.as_deref(), Some("2026-11-30T10:00:00Z"));
        let t = set(&conn, &t, Status::Open, ts("2026-11-30T11:00:00Z"));
        assert_eq!((t.resolved_at, t.closed_at), (None, None), "reopened");
        assert!(!t.sla.resolution_met);
        assert_eq!(t.version, 5);
    }

    #[test]
    fn a_client_reply_reopens_a_resolved_ticket_and_a_staff_reply_is_mailed_to_the_contact() {
        let (_dir, conn) = db();
        let tess = user(&conn, "tess", "technician");
        let carl = user(&conn, "carl", "client");
        let contact = db::tickets::contact_for_user(&conn, carl, 1, "Carl", "carl@acme.example", 0).unwrap();
        let t =
            create(&conn, &NewTicket { contact_id: Some(contact), ..new_ticket(Priority::P3) }, 0).unwrap().unwrap();
        let t = set(&conn, &t, Status::Resolved, 10);
        let link = "https://rmm.example.com/#/tickets/1";
        let from_carl = Reply { author: Author::Client(carl), name: "Carl", body: "Still broken", public: true, link };
        let (_, mailed) = reply(&conn, &t, &from_carl, 20).unwrap();
        assert!(!mailed, "the client's own words are not mailed back to them");
        let t = db::tickets::get(&conn, t.id).unwrap().unwrap();
        assert_eq!((t.status, t.resolved_at.as_deref()), (Status::Open, None), "back in the queue");
        let last = db::ticket_events::list(&conn, t.id).unwrap().pop().unwrap();
        assert_eq!((last.kind, last.user_id), (EventKind::Status, Some(carl)), "as the client's doing");

        let from_tess =
            Reply { author: Author::Staff(tess), name: "Tess", body: "Replaced the fuser", public: true, link };
        let (_, mailed) = reply(&conn, &t, &from_tess, 30).unwrap();
        assert!(mailed);
        let to: String =
            conn.query_row("SELECT recipient FROM outbox ORDER BY id DESC LIMIT 1", [], |r| r.get(0)).unwrap();
        assert_eq!(to, "carl@acme.example");
        let note = Reply { public: false, ..from_tess };
        assert!(!reply(&conn, &t, &note, 40).unwrap().1, "an internal note stays inside");
    }

    #[test]
    fn resolved_tickets_close_by_themselves_once_resolved_long_enough() {
        let (_dir, conn) = db();
        let day = 86_400;
        let old = create(&conn, &new_ticket(Priority::P3), 0).unwrap().unwrap();
        set(&conn, &old, Status::Resolved, day);
        let recent = create(&conn, &new_ticket(Priority::P3), 0).unwrap().unwrap();
        set(&conn, &recent, Status::Resolved, 3 * day);
        let open = create(&conn, &new_ticket(Priority::P3), 0).unwrap().unwrap();
        let closed = close_resolved(&conn, 3 * day, 4 * day).unwrap();
        assert_eq!(closed.iter().map(|t| (t.id, t.status)).collect::<Vec<_>>(), [(old.id, Status::Closed)]);
        let get = |id| db::tickets::get(&conn, id).unwrap().unwrap().status;
        assert_eq!((get(recent.id), get(open.id)), (Status::Resolved, Status::New));
        assert_eq!(db::ticket_events::list(&conn, old.id).unwrap().pop().unwrap().user_id, None, "as the system");
    }

    #[test]
    fn a_breach_is_announced_once_to_the_assignee() {
        let (_dir, conn) = db();
        let tess = user(&conn, "tess", "technician");
        let n = NewTicket { assignee_id: Some(tess), ..new_ticket(Priority::P1) };
        // Monday 09:00: a P1's first response is due at 09:30 and warns at 75 % (09:22:30).
        let t = create(&conn, &n, ts("2026-11-30T09:00:00Z")).unwrap().unwrap();
        let done = sla_notices(&conn, "https://rmm.example.com", ts("2026-11-30T09:31:00Z")).unwrap();
        assert_eq!(done.changed, [(t.id, 1)]);
        let mails: Vec<String> = conn
            .prepare("SELECT recipient FROM outbox WHERE channel_id IS NULL")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(mails, ["tess@example.com", "tess@example.com"], "the warning and the breach");
        let again = sla_notices(&conn, "https://rmm.example.com", ts("2026-11-30T09:32:00Z")).unwrap();
        assert_eq!(again, SlaNotices::default(), "told once");
        let kinds = kinds(&conn, t.id);
        assert_eq!(kinds[kinds.len() - 2..], [EventKind::SlaWarning, EventKind::SlaBreach]);
    }

    #[test]
    fn a_ticket_is_worked_once_a_person_touches_it_and_the_system_does_not_count() {
        let (_dir, conn) = db();
        let tess = user(&conn, "tess", "technician");
        let t = create(&conn, &new_ticket(Priority::P2), 0).unwrap().unwrap();
        comment(&conn, t.id, Author::System, "Condition still present", false, 1).unwrap();
        assert!(!db::tickets::worked_by_someone(&conn, t.id).unwrap(), "system comments are not work");
        let entry =
            NewTime { ticket_id: t.id, user_id: tess, minutes: 5, billable: false, note: "", date: "2026-11-30" };
        log_time(&conn, &entry, 2).unwrap();
        assert!(db::tickets::worked_by_someone(&conn, t.id).unwrap());
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
