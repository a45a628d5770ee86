//! Reports for the MSP's own bookkeeping: how well each client's SLA was kept in a month, and
//! where the technicians' time went (per technician, per client, billable or not).
//!
//! Both read what is already stored: the SLA flags each ticket carries (kept current by
//! `services::tickets::recompute_sla`) and the time entries logged on tickets. The adding-up is
//! done by pure functions (`clock_counts`, `percent_met`, `summarize_time`) so the arithmetic is tested
//! apart from SQL.

use std::collections::BTreeMap;

use rusqlite::{Connection, params};
use serde::Serialize;

use super::{DbError, rfc3339};
use crate::tickets::lifecycle::Clock;
use crate::tickets::{Priority, Status};

/// One SLA clock (first response or resolution) over a set of tickets.
#[derive(Debug, Clone, Default, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ClockCounts {
    /// Stopped in time: answered (first response) or resolved (resolution) before it was due.
    pub met: i64,
    /// Ran out before it stopped.
    pub breached: i64,
    /// Not decided yet: still running, paused while pending, or not measured at all.
    pub running: i64,
    /// Met as a share of the decided ones (met + breached), in percent with one decimal; `None`
    /// when none is decided yet.
    pub percent_met: Option<f64>,
}

/// `met / (met + breached)` in percent, rounded to one decimal; `None` when nothing is decided.
pub fn percent_met(met: i64, breached: i64) -> Option<f64> {
    let decided = met + breached;
    if decided <= 0 {
        return None;
    }
    // Integer rounding of tenths keeps 2/3 at 66.7 rather than 66.66666.
    let tenths = (met * 1000 * 2 + decided) / (decided * 2);
    Some(tenths as f64 / 10.0)
}

/// The counts of one clock over `tickets` tickets of which `met` were met and `breached` breached.
pub fn clock_counts(tickets: i64, met: i64, breached: i64) -> ClockCounts {
    ClockCounts { met, breached, running: (tickets - met - breached).max(0), percent_met: percent_met(met, breached) }
}

/// One SLA clock of one ticket that ran out.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct SlaBreach {
    pub ticket_id: i64,
    pub subject: String,
    pub priority: Priority,
    /// The ticket's status now.
    pub status: Status,
    pub clock: Clock,
    /// When the clock ran out (the due time it missed).
    #[schema(format = DateTime)]
    pub due: Option<String>,
    /// When Steward recorded the breach (its `sla_breach` event): the due time, or a little later
    /// when nothing was watching at that instant. The due time when no such event exists.
    #[schema(format = DateTime)]
    pub breached_at: Option<String>,
    pub assignee_id: Option<i64>,
    /// The assignee's name (their login when they have no name).
    pub assignee: Option<String>,
}

/// SLA compliance of one client's tickets opened in the month.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ClientSla {
    pub client_id: i64,
    pub client: String,
    /// Tickets opened in the month.
    pub tickets: i64,
    pub first_response: ClockCounts,
    pub resolution: ClockCounts,
    /// Every breached clock, by ticket number, first response before resolution.
    pub breaches: Vec<SlaBreach>,
}

/// The same figures over every client in the report.
#[derive(Debug, Clone, Default, Serialize, PartialEq, utoipa::ToSchema)]
pub struct SlaTotals {
    pub tickets: i64,
    pub first_response: ClockCounts,
    pub resolution: ClockCounts,
    /// How many clocks ran out (a ticket may breach both).
    pub breaches: i64,
}

/// The SLA compliance report: one entry per client that had tickets opened in the period.
#[derive(Debug, Clone, Default, Serialize, PartialEq, utoipa::ToSchema)]
pub struct SlaCompliance {
    pub clients: Vec<ClientSla>,
    pub totals: SlaTotals,
}

/// SLA compliance of the tickets opened from `start` (inclusive) to `end` (exclusive), unix
/// seconds, per client by name, limited to `client_id` when given. Clients without tickets opened
/// in the period are left out.
pub fn sla_compliance(
    conn: &Connection,
    start: i64,
    end: i64,
    client_id: Option<i64>,
) -> Result<SlaCompliance, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.client_id, c.name, count(*), sum(t.first_response_met), sum(t.first_response_breached),
                sum(t.resolution_met), sum(t.resolution_breached)
         FROM tickets t JOIN clients c ON c.id = t.client_id
         WHERE t.created_at >= ?1 AND t.created_at < ?2 AND (?3 IS NULL OR t.client_id = ?3)
         GROUP BY t.client_id ORDER BY c.name COLLATE NOCASE, t.client_id",
    )?;
    let rows = stmt.query_map(params![start, end, client_id], |r| {
        let tickets: i64 = r.get(2)?;
        Ok(ClientSla {
            client_id: r.get(0)?,
            client: r.get(1)?,
            tickets,
            first_response: clock_counts(tickets, r.get(3)?, r.get(4)?),
            resolution: clock_counts(tickets, r.get(5)?, r.get(6)?),
            breaches: Vec::new(),
        })
    })?;
    let mut clients: Vec<ClientSla> = rows.collect::<Result<_, _>>()?;

    let mut stmt = conn.prepare_cached(
        "SELECT t.client_id, t.id, t.subject, t.priority, t.status, t.first_response_breached, t.first_response_due,
                (SELECT min(e.at) FROM ticket_events e
                 WHERE e.ticket_id = t.id AND e.kind = 'sla_breach' AND e.new_value = 'first response'),
                t.resolution_breached, t.resolution_due,
                (SELECT min(e.at) FROM ticket_events e
                 WHERE e.ticket_id = t.id AND e.kind = 'sla_breach' AND e.new_value = 'resolution'),
                t.assignee_id, coalesce(nullif(a.name, ''), a.login)
         FROM tickets t LEFT JOIN users a ON a.id = t.assignee_id
         WHERE t.created_at >= ?1 AND t.created_at < ?2 AND (?3 IS NULL OR t.client_id = ?3)
               AND (t.first_response_breached = 1 OR t.resolution_breached = 1)
         ORDER BY t.id",
    )?;
    let mut rows = stmt.query(params![start, end, client_id])?;
    let mut by_client: BTreeMap<i64, Vec<SlaBreach>> = BTreeMap::new();
    while let Some(r) = rows.next()? {
        let clocks = [
            (Clock::FirstResponse, r.get::<_, bool>(5)?, r.get::<_, Option<i64>>(6)?, r.get::<_, Option<i64>>(7)?),
            (Clock::Resolution, r.get(8)?, r.get(9)?, r.get(10)?),
        ];
        for (clock, breached, due, recorded) in clocks {
            if !breached {
                continue;
            }
            by_client.entry(r.get(0)?).or_default().push(SlaBreach {
                ticket_id: r.get(1)?,
                subject: r.get(2)?,
                priority: r.get(3)?,
                status: r.get(4)?,
                clock,
                due: due.map(rfc3339),
                breached_at: recorded.or(due).map(rfc3339),
                assignee_id: r.get(11)?,
                assignee: r.get(12)?,
            });
        }
    }
    for client in &mut clients {
        client.breaches = by_client.remove(&client.client_id).unwrap_or_default();
    }
    let totals = sla_totals(&clients);
    Ok(SlaCompliance { clients, totals })
}

/// Adds up the clients' figures.
pub fn sla_totals(clients: &[ClientSla]) -> SlaTotals {
    let sum = |f: &dyn Fn(&ClientSla) -> i64| clients.iter().map(f).sum::<i64>();
    let tickets = sum(&|c| c.tickets);
    SlaTotals {
        tickets,
        first_response: clock_counts(tickets, sum(&|c| c.first_response.met), sum(&|c| c.first_response.breached)),
        resolution: clock_counts(tickets, sum(&|c| c.resolution.met), sum(&|c| c.resolution.breached)),
        breaches: sum(&|c| c.breaches.len() as i64),
    }
}

/// One time entry with what it belongs to, for the detailed export.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TimeRow {
    pub id: i64,
    /// The day the work was done ("2026-11-28").
    pub date: String,
    /// `None` when the technician's account was deleted.
    pub user_id: Option<i64>,
    pub technician: String,
    pub client_id: i64,
    pub client: String,
    pub ticket_id: i64,
    pub subject: String,
    pub minutes: i64,
    pub billable: bool,
    pub note: String,
}

/// Minutes split into billable and not.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Minutes {
    pub billable_minutes: i64,
    pub non_billable_minutes: i64,
}

impl Minutes {
    fn add(&mut self, minutes: i64, billable: bool) {
        if billable {
            self.billable_minutes += minutes;
        } else {
            self.non_billable_minutes += minutes;
        }
    }
}

/// One technician's time in the period.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct TechnicianTime {
    pub user_id: Option<i64>,
    pub technician: String,
    #[serde(flatten)]
    pub minutes: Minutes,
}

/// Time spent on one client's tickets in the period.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ClientTime {
    pub client_id: i64,
    pub client: String,
    #[serde(flatten)]
    pub minutes: Minutes,
}

/// One technician's time on one client's tickets.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct TechnicianClientTime {
    pub user_id: Option<i64>,
    pub technician: String,
    pub client_id: i64,
    pub client: String,
    #[serde(flatten)]
    pub minutes: Minutes,
}

/// The time report: sums per technician, per client and per pair, and the entries themselves.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct TimeReport {
    /// By name.
    pub technicians: Vec<TechnicianTime>,
    /// By name.
    pub clients: Vec<ClientTime>,
    /// By technician, then client.
    pub matrix: Vec<TechnicianClientTime>,
    pub totals: Minutes,
    /// By day, then as logged.
    pub entries: Vec<TimeRow>,
}

/// What a technician whose account was deleted is called in reports.
pub const FORMER_USER: &str = "(deleted user)";

/// Time logged for work done from `from` to `to` (both "YYYY-MM-DD", both included), limited to
/// one client's tickets when `client_id` is given.
pub fn time_report(conn: &Connection, from: &str, to: &str, client_id: Option<i64>) -> Result<TimeReport, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.id, e.work_date, e.user_id, coalesce(nullif(u.name, ''), u.login), t.client_id, c.name, t.id,
                t.subject, e.minutes, e.billable, e.note
         FROM time_entries e JOIN tickets t ON t.id = e.ticket_id JOIN clients c ON c.id = t.client_id
              LEFT JOIN users u ON u.id = e.user_id
         WHERE e.work_date >= ?1 AND e.work_date <= ?2 AND (?3 IS NULL OR t.client_id = ?3)
         ORDER BY e.work_date, e.id",
    )?;
    let rows = stmt.query_map(params![from, to, client_id], |r| {
        Ok(TimeRow {
            id: r.get(0)?,
            date: r.get(1)?,
            user_id: r.get(2)?,
            technician: r.get::<_, Option<String>>(3)?.unwrap_or_else(|| FORMER_USER.to_owned()),
            client_id: r.get(4)?,
            client: r.get(5)?,
            ticket_id: r.get(6)?,
            subject: r.get(7)?,
            minutes: r.get(8)?,
            billable: r.get(9)?,
            note: r.get(10)?,
        })
    })?;
    let entries: Vec<TimeRow> = rows.collect::<Result<_, _>>()?;
    Ok(summarize_time(entries))
}

/// Names sort as people expect, ignoring case; the id after it keeps equal names apart.
fn name_key(name: &str) -> String {
    name.to_lowercase()
}

/// Adds up time entries per technician, per client and per technician and client.
pub fn summarize_time(entries: Vec<TimeRow>) -> TimeReport {
    let mut technicians: BTreeMap<(String, Option<i64>), TechnicianTime> = BTreeMap::new();
    let mut clients: BTreeMap<(String, i64), ClientTime> = BTreeMap::new();
    let mut matrix: BTreeMap<(String, Option<i64>, String, i64), TechnicianClientTime> = BTreeMap::new();
    let mut totals = Minutes::default();
    for e in &entries {
        let tech_key = (name_key(&e.technician), e.user_id);
        let client_key = (name_key(&e.client), e.client_id);
        technicians
            .entry(tech_key.clone())
            .or_insert_with(|| TechnicianTime {
                user_id: e.user_id,
                technician: e.technician.clone(),
                minutes: Minutes::default(),
            })
            .minutes
            .add(e.minutes, e.billable);
        clients
            .entry(client_key.clone())
            .or_insert_with(|| ClientTime {
                client_id: e.client_id,
                client: e.client.clone(),
                minutes: Minutes::default(),
            })
            .minutes
            .add(e.minutes, e.billable);
        matrix
            .entry((tech_key.0, tech_key.1, client_key.0, client_key.1))
            .or_insert_with(|| TechnicianClientTime {
                user_id: e.user_id,
                technician: e.technician.clone(),
                client_id: e.client_id,
                client: e.client.clone(),
                minutes: Minutes::default(),
            })
            .minutes
            .add(e.minutes, e.billable);
        totals.add(e.minutes, e.billable);
    }
    TimeReport {
        technicians: technicians.into_values().collect(),
        clients: clients.into_values().collect(),
        matrix: matrix.into_values().collect(),
        totals,
        entries,
    }
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;
    use crate::services::tickets;
    use crate::tickets::{Author, NewTicket, NewTime, Source, TicketChanges};

    fn db() -> (tempfile::TempDir, Connection) {
        let (dir, conn) = crate::db::test_database();
        for name in ["Beta Bakery", "acme Dental", "Idle Inc"] {
            conn.execute("INSERT INTO clients (name, created_at, updated_at) VALUES (?1, 0, 0)", [name]).unwrap();
        }
        for (login, name) in [("tess", "Tess"), ("bob", "")] {
            conn.execute(
                "INSERT INTO users (login, name, role, password_hash, created_at, updated_at)
                 VALUES (?1, ?2, 'technician', 'x', 0, 0)",
                [login, name],
            )
            .unwrap();
        }
        (dir, conn)
    }

    const BETA: i64 = 1;
    const ACME: i64 = 2;
    const TESS: i64 = 1;
    const BOB: i64 = 2;

    fn ts(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().as_second()
    }

    fn open(conn: &Connection, client_id: i64, subject: &str, priority: Priority, at: &str) -> i64 {
        let t = NewTicket {
            subject: subject.into(),
            description: String::new(),
            client_id,
            site_id: None,
            contact_id: None,
            source: Source::Manual,
            category: String::new(),
            priority,
            queue_id: None,
            assignee_id: Some(TESS),
            alert_id: None,
            device_ids: Vec::new(),
            created_by: None,
        };
        tickets::create(conn, &t, ts(at)).unwrap().unwrap().id
    }

    fn set_status(conn: &Connection, id: i64, status: Status, at: &str) {
        let version = crate::db::tickets::get(conn, id).unwrap().unwrap().version;
        let c = TicketChanges { status: Some(status), ..Default::default() };
        tickets::update(conn, id, version, &c, None, ts(at)).unwrap().unwrap();
    }

    #[test]
    fn percentages_count_only_decided_clocks_and_round_to_one_decimal() {
        assert_eq!(percent_met(0, 0), None);
        assert_eq!(percent_met(3, 0), Some(100.0));
        assert_eq!(percent_met(0, 2), Some(0.0));
        assert_eq!(percent_met(2, 1), Some(66.7));
        assert_eq!(percent_met(1, 2), Some(33.3));
        assert_eq!(percent_met(7, 1), Some(87.5));
        assert_eq!(clock_counts(5, 2, 1), ClockCounts { met: 2, breached: 1, running: 2, percent_met: Some(66.7) });
    }

    #[test]
    fn sla_compliance_counts_tickets_opened_in_the_month_per_client_and_lists_breaches() {
        let (_dir, conn) = db();
        // November 2026 on the default business calendar (Mon-Fri 08-17 UTC, P2: 1 h / 8 h).
        // Acme: answered and resolved in time.
        let met = open(&conn, ACME, "Printer jams", Priority::P2, "2026-11-02T09:00:00Z");
        tickets::comment(&conn, met, Author::Staff(TESS), "On it", true, ts("2026-11-02T09:10:00Z")).unwrap();
        set_status(&conn, met, Status::Resolved, "2026-11-02T10:00:00Z");
        // Acme: nobody answered for a day: both clocks breached (recorded at the next change).
        let late = open(&conn, ACME, "=HYPERLINK(\"x\")", Priority::P2, "2026-11-03T09:00:00Z");
        set_status(&conn, late, Status::Open, "2026-11-04T12:00:00Z");
        // Beta: still running.
        open(&conn, BETA, "New laptop", Priority::P3, "2026-11-30T16:00:00Z");
        // Opened in October or December: not in November's report.
        open(&conn, BETA, "Old", Priority::P2, "2026-10-31T23:59:59Z");
        open(&conn, BETA, "Next", Priority::P2, "2026-12-01T00:00:00Z");

        let r = sla_compliance(&conn, ts("2026-11-01T00:00:00Z"), ts("2026-12-01T00:00:00Z"), None).unwrap();
        let names: Vec<&str> = r.clients.iter().map(|c| c.client.as_str()).collect();
        assert_eq!(names, ["acme Dental", "Beta Bakery"], "by name ignoring case; Idle Inc had no tickets");
        let acme = &r.clients[0];
        assert_eq!(acme.tickets, 2);
        assert_eq!(acme.first_response, ClockCounts { met: 1, breached: 1, running: 0, percent_met: Some(50.0) });
        assert_eq!(acme.resolution, ClockCounts { met: 1, breached: 1, running: 0, percent_met: Some(50.0) });
        let clocks: Vec<(i64, Clock)> = acme.breaches.iter().map(|b| (b.ticket_id, b.clock)).collect();
        assert_eq!(clocks, [(late, Clock::FirstResponse), (late, Clock::Resolution)]);
        let fr = &acme.breaches[0];
        assert_eq!(fr.due.as_deref(), Some("2026-11-03T10:00:00Z"), "the hour it had");
        assert_eq!(fr.breached_at.as_deref(), Some("2026-11-04T12:00:00Z"), "when Steward recorded it");
        assert_eq!((fr.subject.as_str(), fr.priority), ("=HYPERLINK(\"x\")", Priority::P2));
        assert_eq!(fr.assignee.as_deref(), Some("Tess"));
        assert_eq!(acme.breaches[1].due.as_deref(), Some("2026-11-03T17:00:00Z"), "8 business hours");

        let beta = &r.clients[1];
        assert_eq!(beta.tickets, 1);
        assert_eq!(beta.first_response, ClockCounts { met: 0, breached: 0, running: 1, percent_met: None });
        assert!(beta.breaches.is_empty());

        assert_eq!(r.totals.tickets, 3);
        assert_eq!(r.totals.first_response, ClockCounts { met: 1, breached: 1, running: 1, percent_met: Some(50.0) });
        assert_eq!(r.totals.breaches, 2);

        let only_beta = sla_compliance(&conn, ts("2026-11-01T00:00:00Z"), ts("2026-12-01T00:00:00Z"), Some(BETA));
        let only_beta = only_beta.unwrap();
        assert_eq!(only_beta.clients.len(), 1);
        assert_eq!((only_beta.clients[0].client_id, only_beta.totals.tickets), (BETA, 1));
        let empty = sla_compliance(&conn, ts("2026-01-01T00:00:00Z"), ts("2026-02-01T00:00:00Z"), None).unwrap();
        assert_eq!(empty, SlaCompliance::default());
    }

    #[test]
    fn time_is_summed_per_technician_per_client_and_per_pair_within_the_dates() {
        let (_dir, conn) = db();
        let acme = open(&conn, ACME, "Server", Priority::P3, "2026-11-02T09:00:00Z");
        let beta = open(&conn, BETA, "Laptop", Priority::P3, "2026-11-02T09:00:00Z");
        for (ticket, user, minutes, billable, date) in [
            (acme, TESS, 30, true, "2026-11-02"),
            (acme, TESS, 15, false, "2026-11-03"),
            (beta, TESS, 60, true, "2026-11-30"),
            (acme, BOB, 45, true, "2026-11-01"),
            (beta, BOB, 10, false, "2026-11-15"),
            (beta, BOB, 99, true, "2026-10-31"),
            (acme, TESS, 99, true, "2026-12-01"),
        ] {
            let e = NewTime { ticket_id: ticket, user_id: user, minutes, billable, note: "", date };
            tickets::log_time(&conn, &e, 0).unwrap();
        }
        let r = time_report(&conn, "2026-11-01", "2026-11-30", None).unwrap();
        let m = |b, n| Minutes { billable_minutes: b, non_billable_minutes: n };
        let techs: Vec<(&str, Option<i64>, Minutes)> =
            r.technicians.iter().map(|t| (t.technician.as_str(), t.user_id, t.minutes)).collect();
        assert_eq!(
            techs,
            [("bob", Some(BOB), m(45, 10)), ("Tess", Some(TESS), m(90, 15))],
            "a login stands for no name"
        );
        let clients: Vec<(&str, Minutes)> = r.clients.iter().map(|c| (c.client.as_str(), c.minutes)).collect();
        assert_eq!(clients, [("acme Dental", m(75, 15)), ("Beta Bakery", m(60, 10))]);
        let pairs: Vec<(&str, &str, Minutes)> =
            r.matrix.iter().map(|p| (p.technician.as_str(), p.client.as_str(), p.minutes)).collect();
        assert_eq!(
            pairs,
            [
                ("bob", "acme Dental", m(45, 0)),
                ("bob", "Beta Bakery", m(0, 10)),
                ("Tess", "acme Dental", m(30, 15)),
                ("Tess", "Beta Bakery", m(60, 0)),
            ]
        );
        assert_eq!(r.totals, m(135, 25));
        let dates: Vec<&str> = r.entries.iter().map(|e| e.date.as_str()).collect();
        assert_eq!(dates, ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-15", "2026-11-30"]);
        assert_eq!((r.entries[0].ticket_id, r.entries[0].subject.as_str()), (acme, "Server"));

        let only_beta = time_report(&conn, "2026-11-01", "2026-11-30", Some(BETA)).unwrap();
        assert_eq!(only_beta.totals, m(60, 10));
        assert_eq!(only_beta.clients.len(), 1);

        // A deleted technician's time still counts, under a name that says so.
        conn.execute("DELETE FROM users WHERE id = ?1", [BOB]).unwrap();
        let r = time_report(&conn, "2026-11-01", "2026-11-30", None).unwrap();
        assert_eq!((r.technicians[0].technician.as_str(), r.technicians[0].user_id), (FORMER_USER, None));
        assert_eq!(r.totals, m(135, 25));
    }
}
