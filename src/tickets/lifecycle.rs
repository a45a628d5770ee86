//! A ticket's life, decided: what opening one records, what a change turns it into and which
//! history entries record that (the diff), when a client's reply reopens it, which resolved
//! tickets close by themselves, how an alert's ticket follows the alert, and what an SLA replay
//! stores and announces. Pure: the ticket service (`services::tickets`) loads what these need,
//! asks, and writes the answer.
//!
//! Every change is recorded as history (`EventRecord`) and the SLA clocks are replayed from that
//! history, never kept as a second state; so the decisions here answer in history entries, and
//! `clock_events` reads the clocks' part back out of them.

use super::routing::Routed;
use super::sla::{ClockEvent, ClockState, SlaReport};
use super::{Author, EventKind, EventRecord, NewTicket, Priority, Refusal, Status, Ticket, TicketChanges};
use crate::rules::Severity;

// ---------- opening ----------

/// The devices to link, each once, in the order given (the first is "the" device).
pub fn device_list(ids: &[i64]) -> Vec<i64> {
    let mut out: Vec<i64> = Vec::with_capacity(ids.len());
    for &id in ids {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// What opening a ticket records, each entry with who did it: its creation (by whoever opened
/// it, with the priority, which starts the SLA clocks), then, as the system's doing, the routing
/// rule that placed it and the queue and assignee routing chose beyond those given. A new
/// ticket's status is always new.
pub fn opened(new: &NewTicket, routed: &Routed) -> Vec<(Option<i64>, EventRecord)> {
    let mut out =
        vec![(new.created_by, EventRecord::new(EventKind::Created, None, Some(new.priority.as_str().into())))];
    if let Some(rule) = &routed.rule {
        out.push((None, EventRecord::new(EventKind::Routed, None, Some(rule.clone()))));
    }
    if routed.queue_id.is_some() && routed.queue_id != new.queue_id {
        out.push((None, EventRecord::new(EventKind::Queue, None, id_text(routed.queue_id))));
    }
    if routed.assignee_id.is_some() && routed.assignee_id != new.assignee_id {
        out.push((None, EventRecord::new(EventKind::Assignee, None, id_text(routed.assignee_id))));
    }
    out
}

fn id_text(id: Option<i64>) -> Option<String> {
    id.map(|i| i.to_string())
}

// ---------- changing ----------

/// What a change does to one of the ticket's instants (resolved, closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    Keep,
    Set(i64),
    Clear,
}

/// A ticket as it is after a change, and the history entries that record the change.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub subject: String,
    pub description: String,
    pub category: String,
    pub priority: Priority,
    pub status: Status,
    pub queue_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub contact_id: Option<i64>,
    /// The linked devices, when they change.
    pub device_ids: Option<Vec<i64>>,
    pub resolved_at: Stamp,
    pub closed_at: Stamp,
    /// One entry per field that changes, in the order fields are listed on the ticket.
    pub events: Vec<EventRecord>,
}

/// The references a change names anew; they must exist and fit the ticket's client before the
/// change is written. One left as it is is not checked again, so a ticket whose assignee has since
/// left can still be changed otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewReferences {
    pub contact_id: Option<i64>,
    pub queue_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub device_ids: Vec<i64>,
}

pub fn new_references(cur: &Ticket, changes: &TicketChanges) -> NewReferences {
    let fresh = |given: Option<Option<i64>>, now: Option<i64>| given.flatten().filter(|id| Some(*id) != now);
    NewReferences {
        contact_id: fresh(changes.contact_id, cur.contact_id),
        queue_id: fresh(changes.queue_id, cur.queue_id),
        assignee_id: fresh(changes.assignee_id, cur.assignee_id),
        device_ids: changes.device_ids.as_deref().map(device_list).unwrap_or_default(),
    }
}

/// The ticket `cur` after `changes`, made at `now` by a person who read it at `version`. A stale
/// version is refused with the ticket as it is; `None` is a change that changes nothing (no
/// history, no new version). Resolving stamps the resolution time (kept when it is then closed);
/// closing stamps the closing time; any other status clears both.
pub fn update(cur: &Ticket, version: i64, changes: &TicketChanges, now: i64) -> Result<Option<Update>, Refusal> {
    if cur.version != version {
        return Err(Refusal::Stale(Box::new(cur.clone())));
    }
    let or = |given: &Option<String>, now: &String| given.clone().unwrap_or_else(|| now.clone());
    let next = Update {
        subject: or(&changes.subject, &cur.subject),
        description: or(&changes.description, &cur.description),
        category: or(&changes.category, &cur.category),
        priority: changes.priority.unwrap_or(cur.priority),
        status: changes.status.unwrap_or(cur.status),
        queue_id: changes.queue_id.unwrap_or(cur.queue_id),
        assignee_id: changes.assignee_id.unwrap_or(cur.assignee_id),
        contact_id: changes.contact_id.unwrap_or(cur.contact_id),
        device_ids: changes.device_ids.as_deref().map(device_list).filter(|d| *d != cur.device_ids),
        resolved_at: Stamp::Keep,
        closed_at: Stamp::Keep,
        events: Vec::new(),
    };
    let mut events = Vec::new();
    let mut text = |kind: EventKind, old: &str, new: &str| {
        if old != new {
            events.push(EventRecord::new(kind, Some(old.to_owned()), Some(new.to_owned())));
        }
    };
    text(EventKind::Subject, &cur.subject, &next.subject);
    text(EventKind::Description, &cur.description, &next.description);
    text(EventKind::Category, &cur.category, &next.category);
    text(EventKind::Priority, cur.priority.as_str(), next.priority.as_str());
    text(EventKind::Status, cur.status.as_str(), next.status.as_str());
    for (kind, old, new) in [
        (EventKind::Queue, cur.queue_id, next.queue_id),
        (EventKind::Assignee, cur.assignee_id, next.assignee_id),
        (EventKind::Contact, cur.contact_id, next.contact_id),
    ] {
        if old != new {
            events.push(EventRecord::new(kind, id_text(old), id_text(new)));
        }
    }
    if let Some(d) = &next.device_ids {
        let join = |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        events.push(EventRecord::new(EventKind::Devices, Some(join(&cur.device_ids)), Some(join(d))));
    }
    if events.is_empty() {
        return Ok(None);
    }
    let (was, is) = (cur.status, next.status);
    let resolved_at = match is {
        _ if !is.done() => Stamp::Clear,
        Status::Resolved if was != Status::Resolved => Stamp::Set(now),
        _ => Stamp::Keep,
    };
    let closed_at = match is {
        Status::Closed if was != Status::Closed => Stamp::Set(now),
        Status::Closed => Stamp::Keep,
        _ => Stamp::Clear,
    };
    Ok(Some(Update { resolved_at, closed_at, events, ..next }))
}

// ---------- comments ----------

/// Whether a comment answers the client: public and by staff. The first such answer is the
/// ticket's first response, which stops the first-response clock.
pub fn answers_the_client(author: Author, public: bool) -> bool {
    public && matches!(author, Author::Staff(_))
}

/// A reply from the client: a resolved ticket is not done after all and goes back to open (as
/// the client's doing). Other tickets stay as they are; a closed one stays closed.
pub fn client_reply(author: Author, t: &Ticket) -> Option<TicketChanges> {
    (matches!(author, Author::Client(_)) && t.status == Status::Resolved)
        .then(|| TicketChanges { status: Some(Status::Open), ..Default::default() })
}

// ---------- closing ----------

/// Resolved tickets close by themselves `after` seconds after they were resolved: at `now`, those
/// still resolved and resolved at or before the instant this answers.
pub fn closes_if_resolved_by(now: i64, after: i64) -> i64 {
    now.saturating_sub(after)
}

/// The change that closes a ticket.
pub fn close() -> TicketChanges {
    TicketChanges { status: Some(Status::Closed), ..Default::default() }
}

// ---------- alerts ----------

/// The priority of an alert's ticket: critical P2, warning P3. P1 is for a person to declare (a
/// whole business down, not one disk).
pub fn priority_of(severity: Severity) -> Priority {
    match severity {
        Severity::Critical => Priority::P2,
        Severity::Warning => Priority::P3,
    }
}

/// The alert of ticket `t` fired again or changed severity. `None`: a closed ticket is left
/// alone. Otherwise the ticket gets the news as a comment and this change (possibly empty): a
/// resolved ticket reopens, and a more severe alert raises the priority (never lowers it).
pub fn alert_changed(t: &Ticket, severity: Severity) -> Option<TicketChanges> {
    if t.status == Status::Closed {
        return None;
    }
    let wanted = priority_of(severity);
    Some(TicketChanges {
        priority: (wanted < t.priority).then_some(wanted),
        status: (t.status == Status::Resolved).then_some(Status::Open),
        ..Default::default()
    })
}

/// What the alert's recovery does to its ticket, which is still being worked on.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertCleared {
    /// The system comment that says so.
    pub comment: String,
    /// The change: resolve, when nobody has worked the ticket.
    pub changes: Option<TicketChanges>,
}

/// The alert cleared (`summary` says how). A ticket nobody has worked resolves by itself; one a
/// person has worked on (changed, commented, logged time) is theirs to resolve.
pub fn alert_cleared(worked: bool, summary: &str) -> AlertCleared {
    if worked {
        return AlertCleared {
            comment: format!("The condition cleared ({summary}). Resolve the ticket when the work is done."),
            changes: None,
        };
    }
    AlertCleared {
        comment: format!("Resolved automatically: the condition cleared ({summary})."),
        changes: Some(TicketChanges { status: Some(Status::Resolved), ..Default::default() }),
    }
}

// ---------- SLA ----------

/// The clocks' part of a ticket's history (`at` in unix seconds), oldest first: creation,
/// priority and status changes, the first response. Entries whose value cannot be read are
/// skipped rather than stopping the clocks.
pub fn clock_events(history: &[(i64, EventRecord)]) -> Vec<ClockEvent> {
    let mut out = Vec::new();
    for (at, e) in history {
        let Ok(at) = jiff::Timestamp::from_second(*at) else { continue };
        let value = e.new_value.as_deref().unwrap_or_default();
        let event = match e.kind {
            EventKind::Created => Priority::parse(value).map(|priority| ClockEvent::Created { at, priority }),
            EventKind::Priority => Priority::parse(value).map(|priority| ClockEvent::PriorityChanged { at, priority }),
            EventKind::Status => Status::parse(value).map(|status| ClockEvent::StatusChanged { at, status }),
            EventKind::FirstResponse => Some(ClockEvent::FirstResponse { at }),
            _ => None,
        };
        out.extend(event);
    }
    out
}

/// One of a ticket's two SLA clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    FirstResponse,
    Resolution,
}

impl Clock {
    /// How a person reads it; also the value of its `sla_warning`/`sla_breach` history entries.
    pub fn label(self) -> &'static str {
        match self {
            Clock::FirstResponse => "first response",
            Clock::Resolution => "resolution",
        }
    }
}

/// The warnings and breaches of a ticket's clocks: as stored, or (from `sla_figures`) those that
/// newly happened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlaFlags {
    pub first_response_warned: bool,
    pub first_response_breached: bool,
    pub resolution_warned: bool,
    pub resolution_breached: bool,
}

impl SlaFlags {
    /// Each flag that is set, as (clock, breached), warnings before breaches, first response first.
    pub fn happened(self) -> Vec<(Clock, bool)> {
        [
            (self.first_response_warned, Clock::FirstResponse, false),
            (self.first_response_breached, Clock::FirstResponse, true),
            (self.resolution_warned, Clock::Resolution, false),
            (self.resolution_breached, Clock::Resolution, true),
        ]
        .into_iter()
        .filter(|(set, _, _)| *set)
        .map(|(_, clock, breached)| (clock, breached))
        .collect()
    }

    /// The history entries that record these as having happened.
    pub fn events(self) -> Vec<EventRecord> {
        self.happened()
            .into_iter()
            .map(|(clock, breached)| {
                let kind = if breached { EventKind::SlaBreach } else { EventKind::SlaWarning };
                EventRecord::new(kind, None, Some(clock.label().into()))
            })
            .collect()
    }
}

/// The SLA figures to store on a ticket after a replay; instants in unix seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlaFigures {
    /// `None` while a clock is paused or stopped without a breach: the stored due time is then
    /// kept, so the ticket still shows when it was due.
    pub first_response_due: Option<i64>,
    pub resolution_due: Option<i64>,
    pub first_response_met: bool,
    pub resolution_met: bool,
    pub flags: SlaFlags,
    pub first_response_used_seconds: i64,
    pub resolution_used_seconds: i64,
    /// The queue's sort key: the earliest due time of a clock that runs.
    pub sort_due: Option<i64>,
    /// When the SLA timer must look again.
    pub next_change: Option<i64>,
}

/// What a replay's report means for the ticket: the figures to store, and which warnings and
/// breaches newly happened compared with `before` (each is announced once; a breach is final).
pub fn sla_figures(report: &SlaReport, before: SlaFlags) -> (SlaFigures, SlaFlags) {
    let secs = |t: Option<jiff::Timestamp>| t.map(|t| t.as_second());
    let (fr, res) = (&report.first_response, &report.resolution);
    let flags = SlaFlags {
        first_response_warned: fr.warned,
        first_response_breached: fr.breached,
        resolution_warned: res.warned,
        resolution_breached: res.breached,
    };
    let figures = SlaFigures {
        first_response_due: secs(fr.due),
        resolution_due: secs(res.due),
        first_response_met: fr.met,
        resolution_met: res.met,
        flags,
        first_response_used_seconds: fr.used_seconds,
        resolution_used_seconds: res.used_seconds,
        sort_due: [fr, res].into_iter().filter(|c| c.state == ClockState::Running).filter_map(|c| secs(c.due)).min(),
        next_change: secs(report.next_change),
    };
    // Flags only ever turn on, so "newly" is "on now, off before".
    let news = SlaFlags {
        first_response_warned: flags.first_response_warned && !before.first_response_warned,
        first_response_breached: flags.first_response_breached && !before.first_response_breached,
        resolution_warned: flags.resolution_warned && !before.resolution_warned,
        resolution_breached: flags.resolution_breached && !before.resolution_breached,
    };
    (figures, news)
}

/// Who hears of a ticket's SLA warnings and breaches by e-mail beside the channels: its assignee
/// and its queue's escalation contact, each once however the address is written.
pub fn notice_recipients(assignee: Option<String>, escalation: Option<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in [assignee, escalation].into_iter().flatten().filter(|a| !a.trim().is_empty()) {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&a)) {
            out.push(a);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::sla::{self, Calendar, CalendarSpec, SlaPolicy};
    use crate::tickets::{Source, Ticket};

    fn ts(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_second()
    }

    fn ticket(status: Status) -> Ticket {
        Ticket {
            id: 7,
            subject: "Printer on fire".into(),
            client_id: 1,
            priority: Priority::P3,
            status,
            version: 4,
            ..Default::default()
        }
    }

    fn set(status: Status) -> TicketChanges {
        TicketChanges { status: Some(status), ..Default::default() }
    }

    fn kinds(u: &Update) -> Vec<EventKind> {
        u.events.iter().map(|e| e.kind).collect()
    }

    #[test]
    fn resolving_stamps_the_resolution_and_closing_keeps_it() {
        let now = 1000;
        let u = update(&ticket(Status::Open), 4, &set(Status::Resolved), now).unwrap().unwrap();
        assert_eq!((u.status, u.resolved_at, u.closed_at), (Status::Resolved, Stamp::Set(now), Stamp::Clear));
        assert_eq!(u.events, [EventRecord::new(EventKind::Status, Some("open".into()), Some("resolved".into()))]);
        let u = update(&ticket(Status::Resolved), 4, &set(Status::Closed), now).unwrap().unwrap();
        assert_eq!((u.resolved_at, u.closed_at), (Stamp::Keep, Stamp::Set(now)), "closing keeps when it was resolved");
        let u = update(&ticket(Status::Closed), 4, &set(Status::Open), now).unwrap().unwrap();
        assert_eq!((u.resolved_at, u.closed_at), (Stamp::Clear, Stamp::Clear), "reopened: neither resolved nor closed");
        let u = update(&ticket(Status::Closed), 4, &set(Status::Resolved), now).unwrap().unwrap();
        assert_eq!((u.resolved_at, u.closed_at), (Stamp::Set(now), Stamp::Clear), "resolved anew from closed");
    }

    #[test]
    fn resolving_pauses_the_resolution_clock_in_the_replayed_history() {
        // Opened Monday 09:00 as a P2 (1 h to respond, 8 h to resolve), resolved at 09:40, replayed at 15:00.
        let calendar = Calendar::new(CalendarSpec::weekdays("UTC", &[("08:00", "17:00")])).unwrap();
        let u = update(&ticket(Status::New), 4, &set(Status::Resolved), ts("2026-11-30T09:40:00Z")).unwrap().unwrap();
        let mut history =
            vec![(ts("2026-11-30T09:00:00Z"), EventRecord::new(EventKind::Created, None, Some("P2".into())))];
        history.extend(u.events.into_iter().map(|e| (ts("2026-11-30T09:40:00Z"), e)));
        let report = sla::evaluate(
            &calendar,
            &SlaPolicy::default(),
            &clock_events(&history),
            "2026-11-30T15:00:00Z".parse().unwrap(),
        )
        .unwrap();
        let (figures, news) = sla_figures(&report, SlaFlags::default());
        assert!(figures.resolution_met && figures.first_response_met, "{figures:?}");
        assert_eq!(figures.resolution_used_seconds, 40 * 60, "only the time before it was resolved counts");
        assert_eq!(figures.sort_due, None, "no clock runs on a resolved ticket");
        assert_eq!(news, SlaFlags::default());
    }

    #[test]
    fn a_field_set_to_what_it_is_records_nothing() {
        let t = Ticket { assignee_id: Some(3), device_ids: vec![5, 6], ..ticket(Status::Open) };
        let same = TicketChanges {
            subject: Some("Printer on fire".into()),
            status: Some(Status::Open),
            priority: Some(Priority::P3),
            assignee_id: Some(Some(3)),
            device_ids: Some(vec![5, 6, 5]),
            ..Default::default()
        };
        assert_eq!(update(&t, 4, &same, 0), Ok(None), "no history, no new version");
        let mixed = TicketChanges { priority: Some(Priority::P1), ..same };
        let u = update(&t, 4, &mixed, 0).unwrap().unwrap();
        assert_eq!(kinds(&u), [EventKind::Priority], "only what changed is recorded");
        assert_eq!(u.device_ids, None, "the same devices are not relinked");
    }

    #[test]
    fn each_changed_field_is_one_history_entry_with_before_and_after() {
        let t = Ticket { queue_id: Some(2), device_ids: vec![5], ..ticket(Status::New) };
        let c = TicketChanges {
            subject: Some("Printer fixed?".into()),
            queue_id: Some(None),
            assignee_id: Some(Some(9)),
            device_ids: Some(vec![6, 5]),
            ..Default::default()
        };
        let u = update(&t, 4, &c, 0).unwrap().unwrap();
        assert_eq!(kinds(&u), [EventKind::Subject, EventKind::Queue, EventKind::Assignee, EventKind::Devices]);
        assert_eq!(u.events[1], EventRecord::new(EventKind::Queue, Some("2".into()), None), "taken out of its queue");
        assert_eq!(u.events[2].new_value.as_deref(), Some("9"));
        assert_eq!(u.events[3], EventRecord::new(EventKind::Devices, Some("5".into()), Some("6,5".into())));
        assert_eq!((u.resolved_at, u.closed_at), (Stamp::Clear, Stamp::Clear));
    }

    #[test]
    fn a_change_based_on_an_older_version_is_refused_with_the_ticket_as_it_is() {
        let t = ticket(Status::Open);
        let Err(Refusal::Stale(now)) = update(&t, 3, &set(Status::Closed), 0) else { panic!("stale must be refused") };
        assert_eq!((now.version, now.status), (4, Status::Open));
    }

    #[test]
    fn only_references_named_anew_are_checked() {
        let t = Ticket { assignee_id: Some(3), queue_id: Some(2), ..ticket(Status::Open) };
        let c = TicketChanges {
            assignee_id: Some(Some(3)),
            queue_id: Some(Some(8)),
            contact_id: Some(None),
            device_ids: Some(vec![4, 4]),
            ..Default::default()
        };
        let r = new_references(&t, &c);
        assert_eq!(r, NewReferences { contact_id: None, queue_id: Some(8), assignee_id: None, device_ids: vec![4] });
    }

    #[test]
    fn a_client_reply_reopens_a_resolved_ticket_but_not_a_closed_one() {
        let reopen = client_reply(Author::Client(5), &ticket(Status::Resolved)).unwrap();
        let u = update(&ticket(Status::Resolved), 4, &reopen, 0).unwrap().unwrap();
        assert_eq!((u.status, u.resolved_at), (Status::Open, Stamp::Clear));
        assert_eq!(client_reply(Author::Client(5), &ticket(Status::Closed)), None);
        assert_eq!(client_reply(Author::Client(5), &ticket(Status::Pending)), None, "pending waits for someone");
        assert_eq!(client_reply(Author::Staff(2), &ticket(Status::Resolved)), None, "staff notes do not reopen");
    }

    #[test]
    fn only_a_public_staff_comment_answers_the_client() {
        assert!(answers_the_client(Author::Staff(2), true));
        assert!(!answers_the_client(Author::Staff(2), false), "an internal note is not an answer");
        assert!(!answers_the_client(Author::Client(5), true));
        assert!(!answers_the_client(Author::System, true));
    }

    #[test]
    fn opening_records_the_priority_and_where_routing_put_the_ticket() {
        let new = NewTicket {
            subject: "Disk full".into(),
            description: String::new(),
            client_id: 1,
            site_id: None,
            contact_id: None,
            source: Source::Alert,
            category: String::new(),
            priority: Priority::P2,
            queue_id: None,
            assignee_id: None,
            alert_id: None,
            device_ids: vec![3, 3],
            created_by: None,
        };
        let routed = Routed { queue_id: Some(2), assignee_id: Some(9), rule: Some("Alerts to the desk".into()) };
        let e = opened(&new, &routed);
        assert_eq!(e[0], (None, EventRecord::new(EventKind::Created, None, Some("P2".into()))));
        let kinds = |e: &[(Option<i64>, EventRecord)]| e.iter().map(|(_, e)| e.kind).collect::<Vec<_>>();
        assert_eq!(kinds(&e), [EventKind::Created, EventKind::Routed, EventKind::Queue, EventKind::Assignee]);
        // Opened by a person with a queue given: theirs is the creation; only the assignee the
        // queue picked is news, and that is the system's doing.
        let by_hand = NewTicket { queue_id: Some(2), created_by: Some(4), ..new };
        let e = opened(&by_hand, &Routed { rule: None, ..routed });
        assert_eq!(kinds(&e), [EventKind::Created, EventKind::Assignee]);
        assert_eq!((e[0].0, e[1].0), (Some(4), None));
        assert_eq!(device_list(&by_hand.device_ids), [3]);
    }

    #[test]
    fn resolved_tickets_close_once_they_have_been_resolved_long_enough() {
        let after = 3 * 86_400;
        let cutoff = closes_if_resolved_by(ts("2026-12-04T10:00:00Z"), after);
        assert!(ts("2026-12-01T10:00:00Z") <= cutoff, "resolved three days ago: closes");
        assert!(ts("2026-12-01T10:00:01Z") > cutoff, "a second short: not yet");
        let u = update(&ticket(Status::Resolved), 4, &close(), 0).unwrap().unwrap();
        assert_eq!(u.status, Status::Closed);
    }

    #[test]
    fn an_alerts_ticket_follows_it_up_but_never_down() {
        let t = ticket(Status::Resolved);
        let c = alert_changed(&t, Severity::Critical).unwrap();
        assert_eq!((c.priority, c.status), (Some(Priority::P2), Some(Status::Open)), "raised and reopened");
        let p1 = Ticket { priority: Priority::P1, ..ticket(Status::Open) };
        assert!(alert_changed(&p1, Severity::Warning).unwrap().is_empty(), "a person's P1 stays");
        assert_eq!(alert_changed(&ticket(Status::Closed), Severity::Critical), None, "closed is left alone");
    }

    #[test]
    fn an_alerts_recovery_resolves_only_a_ticket_nobody_worked() {
        let untouched = alert_cleared(false, "disk at 71 %");
        assert_eq!(untouched.changes.and_then(|c| c.status), Some(Status::Resolved));
        assert_eq!(untouched.comment, "Resolved automatically: the condition cleared (disk at 71 %).");
        let worked = alert_cleared(true, "disk at 71 %");
        assert_eq!(worked.changes, None);
        assert!(worked.comment.contains("Resolve the ticket when the work is done"), "{}", worked.comment);
    }

    #[test]
    fn a_warning_or_breach_is_news_once() {
        let calendar = Calendar::new(CalendarSpec::weekdays("UTC", &[("08:00", "17:00")])).unwrap();
        // A P1 (30 min to the first response) opened at 09:00, nobody answers.
        let history = [(ts("2026-11-30T09:00:00Z"), EventRecord::new(EventKind::Created, None, Some("P1".into())))];
        let at = |s: &str| {
            sla::evaluate(&calendar, &SlaPolicy::default(), &clock_events(&history), s.parse().unwrap()).unwrap()
        };
        let (figures, news) = sla_figures(&at("2026-11-30T09:31:00Z"), SlaFlags::default());
        assert_eq!(news.happened(), [(Clock::FirstResponse, false), (Clock::FirstResponse, true)]);
        assert_eq!(
            news.events().iter().map(|e| (e.kind, e.new_value.as_deref())).collect::<Vec<_>>(),
            [(EventKind::SlaWarning, Some("first response")), (EventKind::SlaBreach, Some("first response"))]
        );
        let (_, again) = sla_figures(&at("2026-11-30T09:40:00Z"), figures.flags);
        assert_eq!(again, SlaFlags::default(), "told once");
    }

    #[test]
    fn unreadable_history_entries_are_skipped_not_fatal() {
        let history = [
            (0, EventRecord::new(EventKind::Created, None, Some("P2".into()))),
            (10, EventRecord::new(EventKind::Status, Some("new".into()), Some("someday".into()))),
            (20, EventRecord::new(EventKind::Subject, Some("a".into()), Some("b".into()))),
            (30, EventRecord::new(EventKind::FirstResponse, None, Some("12".into()))),
        ];
        let e = clock_events(&history);
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(matches!(e[1], ClockEvent::FirstResponse { .. }));
    }

    #[test]
    fn the_assignee_who_is_also_the_escalation_contact_hears_once() {
        let both = notice_recipients(Some("tina@msp.example".into()), Some("Tina@MSP.example".into()));
        assert_eq!(both, ["tina@msp.example"]);
        assert_eq!(notice_recipients(None, Some("desk@msp.example".into())), ["desk@msp.example"]);
        assert!(notice_recipients(None, None).is_empty());
    }
}
