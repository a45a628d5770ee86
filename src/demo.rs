//! `steward demo`: the whole product on one screen in a minute, for someone who has never seen it.
//!
//! It fills a data folder with a small, believable MSP — three clients with sites and contacts,
//! an admin and three technicians in two queues with weekly shifts, routing rules, a client-portal
//! login, alert rules beyond the shipped ones, knowledge base articles, and about 25 tickets in
//! every status with replies, internal notes and logged time — then starts the real server on it
//! and enrolls a real agent for this computer, so one device shows live data. The passwords are
//! made up for each run and printed once. Ctrl-C (or SIGTERM) stops the agent, then the server;
//! a temporary data folder is deleted afterwards.
//!
//! Ticket histories are written with their times in the past (a ticket opened yesterday was
//! answered an hour later), and the SLA figures are then worked out as of now, so the SLA report
//! for this month already has tickets that met their targets and tickets that missed them.

use std::future::Future;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use rusqlite::Connection;
use serde_json::json;

use crate::cli::DemoArgs;
use crate::config::Config;
use crate::db::contacts::{self, ContactFields};
use crate::db::kb::{self, Visibility};
use crate::db::tickets as db_tickets;
use crate::db::users::{self, NewUser, Role};
use crate::db::{DbError, clients, enroll_tokens, notifications, routing, sla};
use crate::rules::condition::{Condition, Op};
use crate::rules::scope::Scope;
use crate::rules::{Rule, Severity, TicketPolicy};
use crate::services::tickets;
use crate::tickets::routing::Assignment;
use crate::tickets::sla::{Calendar, CalendarSpec, SlaPolicy, Targets};
use crate::tickets::{Author, NewTicket, NewTime, Priority, Source, Status, TicketChanges};

/// The file that marks a data folder as made by `steward demo`; it lists the demo's logins.
pub const MARKER: &str = "demo.json";
/// The agent's state folder inside the data folder.
const AGENT_DIR: &str = "agent";
/// How often the demo's agent reports.
const AGENT_INTERVAL: &str = "10s";

/// A person who logs in to the demo, with the password made up for this run.
#[derive(Debug, Clone)]
pub struct Login {
    /// "Administrator", "Technician" or "Client portal".
    pub role_label: &'static str,
    pub login: String,
    pub name: String,
    pub password: String,
}

/// The demo's people: who they are, before their passwords are made up.
struct Person {
    login: &'static str,
    name: &'static str,
    role: Role,
}

const ADMIN: Person = Person { login: "admin", name: "Alex Morgan", role: Role::Admin };
const TECHNICIANS: [Person; 3] = [
    Person { login: "maria@brightline.example", name: "Maria Lopez", role: Role::Technician },
    Person { login: "sam@brightline.example", name: "Sam Okafor", role: Role::Technician },
    Person { login: "lee@brightline.example", name: "Lee Chen", role: Role::Technician },
];
const PORTAL: Person = Person { login: "anna@northwind.example", name: "Anna Berg", role: Role::Client };

/// A client company with its sites and contacts (the first contact of Northwind is the portal user).
struct SampleClient {
    name: &'static str,
    notes: &'static str,
    sites: &'static [(&'static str, &'static str)],
    contacts: &'static [(&'static str, &'static str, &'static str)],
}

const CLIENTS: [SampleClient; 3] = [
    SampleClient {
        name: "Northwind Traders",
        notes: "Wholesale food importer, 40 staff. Office hours 8–17. Key contact: Anna Berg (office manager).",
        sites: &[("Head office", "12 Market Street, Leeds"), ("Warehouse", "Unit 4, Canal Road, Leeds")],
        contacts: &[
            ("Anna Berg", "anna@northwind.example", "+44 113 496 0101"),
            ("Tom Fields", "tom@northwind.example", "+44 113 496 0144"),
        ],
    },
    SampleClient {
        name: "Contoso Dental",
        notes: "Two dental clinics with X-ray imaging. Pays for 24/7 cover (SLA \"Premium 24/7\").",
        sites: &[("Main Street clinic", "3 Main Street, York"), ("Riverside clinic", "88 Riverside, York")],
        contacts: &[
            ("Dr Priya Shah", "priya@contoso-dental.example", "+44 1904 496 020"),
            ("Ben Miller", "reception@contoso-dental.example", "+44 1904 496 021"),
        ],
    },
    SampleClient {
        name: "Fabrikam Architects",
        notes: "12 architects on Revit and AutoCAD; large project archive on the NAS.",
        sites: &[("Studio", "1 Mill Yard, Harrogate")],
        contacts: &[
            ("Olivia Park", "olivia@fabrikam.example", "+44 1423 496 300"),
            ("Marco Rossi", "marco@fabrikam.example", "+44 1423 496 301"),
        ],
    },
];
const NORTHWIND: usize = 0;
const CONTOSO: usize = 1;
const FABRIKAM: usize = 2;

/// One thing that happens to a sample ticket, minutes after it was opened.
#[derive(Clone, Copy)]
enum Step {
    /// A public reply by the assignee (the first one is the first response).
    Reply(&'static str),
    /// An internal note by the assignee.
    Note(&'static str),
    /// A reply by the client's portal user.
    ClientReply(&'static str),
    /// The assignee sets the status.
    Set(Status),
    /// The assignee logs time: minutes, billable, note.
    Time(i64, bool, &'static str),
}

/// A sample ticket and its history.
struct SampleTicket {
    client: usize,
    /// Index into the client's contacts.
    contact: Option<usize>,
    subject: &'static str,
    description: &'static str,
    priority: Priority,
    source: Source,
    category: &'static str,
    /// 0: Service desk, 1: Projects.
    queue: usize,
    /// Index into `TECHNICIANS`.
    assignee: Option<usize>,
    /// How long ago it was opened.
    age_minutes: i64,
    steps: &'static [(i64, Step)],
}

use Priority::{P1, P2, P3, P4};
use Status::{Closed, Open, Pending, Resolved};
use Step::{ClientReply, Note, Reply, Set, Time};

const HOUR: i64 = 60;
const DAY: i64 = 24 * HOUR;

/// About 25 tickets: some new, some being worked, some waiting, some done. The Contoso ones run
/// on the 24/7 policy and were opened in the last hours, so they land in this month's SLA report
/// with both met and missed targets.
const TICKETS: &[SampleTicket] = &[
    // ---- new ----
    SampleTicket {
        client: NORTHWIND,
        contact: Some(0),
        subject: "Outlook keeps asking for my password",
        description: "Since this morning Outlook asks for my password every few minutes. Webmail works fine.",
        priority: P3,
        source: Source::Portal,
        category: "Email",
        queue: 0,
        assignee: None,
        age_minutes: 35,
        steps: &[],
    },
    SampleTicket {
        client: NORTHWIND,
        contact: None,
        subject: "Disk almost full on NW-FS01 (D:)",
        description: "Monitoring: D: on the file server is 91 % used and growing about 2 GB a day.",
        priority: P2,
        source: Source::Alert,
        category: "Monitoring",
        queue: 0,
        assignee: None,
        age_minutes: 70,
        steps: &[],
    },
    SampleTicket {
        client: CONTOSO,
        contact: Some(1),
        subject: "Reception PC will not start",
        description: "Ben phoned: the reception PC at Main Street shows a black screen after the logo. \
                      Patients are checking in on paper.",
        priority: P1,
        source: Source::Manual,
        category: "Hardware",
        queue: 0,
        assignee: None,
        age_minutes: 9,
        steps: &[],
    },
    SampleTicket {
        client: FABRIKAM,
        contact: Some(0),
        subject: "New starter on Monday: laptop and accounts",
        description: "Jonas Weber starts on Monday as a junior architect. He needs a laptop with Revit, an \
                      email account and access to the Projects share.",
        priority: P4,
        source: Source::Manual,
        category: "Onboarding",
        queue: 1,
        assignee: None,
        age_minutes: 3 * HOUR,
        steps: &[],
    },
    SampleTicket {
        client: CONTOSO,
        contact: Some(0),
        subject: "X-ray viewer licence expires next week",
        description: "The licence server sent a warning: 9 days left on the imaging viewer licence.",
        priority: P3,
        source: Source::Api,
        category: "Licensing",
        queue: 0,
        assignee: Some(1),
        age_minutes: 2 * HOUR,
        steps: &[],
    },
    // ---- open ----
    SampleTicket {
        client: NORTHWIND,
        contact: Some(1),
        subject: "VPN drops every few minutes from home",
        description: "Tom's VPN connection drops every 5–10 minutes when working from home; the office is fine.",
        priority: P2,
        source: Source::Portal,
        category: "Network",
        queue: 0,
        assignee: Some(0),
        age_minutes: 26 * HOUR,
        steps: &[
            (20, Set(Open)),
            (22, Reply("Hi Tom, I'll look at the VPN logs now. Could you tell me which Wi-Fi you use at home?")),
            (45, Note("Firewall log shows IKE rekey failures from his IP every 8 minutes; suspect the home router.")),
            (50, Time(30, true, "VPN log analysis")),
            (3 * HOUR, ClientReply("It's the BT Hub that came with the broadband.")),
        ],
    },
    SampleTicket {
        client: CONTOSO,
        contact: Some(1),
        subject: "Printer in surgery 2 prints blank pages",
        description: "Prescriptions come out blank since the toner was changed.",
        priority: P3,
        source: Source::Manual,
        category: "Printing",
        queue: 0,
        assignee: Some(1),
        age_minutes: 5 * HOUR,
        steps: &[
            (8, Set(Open)),
            (
                10,
                Reply("Thanks Ben. Please check the toner's orange seal tab was pulled out; I'll call in 10 minutes."),
            ),
            (40, Time(15, true, "Phone support")),
        ],
    },
    SampleTicket {
        client: FABRIKAM,
        contact: Some(1),
        subject: "Plotter driver for Revit",
        description: "Revit 2025 does not list the HP DesignJet; the old driver is 32-bit.",
        priority: P3,
        source: Source::Manual,
        category: "Printing",
        queue: 1,
        assignee: Some(2),
        age_minutes: 50 * HOUR,
        steps: &[
            (5 * HOUR, Set(Open)),
            (5 * HOUR + 5, Reply("Hi Marco, HP has a universal 64-bit driver; I'll push it tonight.")),
            (6 * HOUR, Time(45, true, "Driver packaging and test on one workstation")),
        ],
    },
    SampleTicket {
        client: NORTHWIND,
        contact: None,
        subject: "Backup job failed: NW-FS01 nightly",
        description: "Monitoring: the nightly backup of NW-FS01 ended with 'VSS snapshot timed out'.",
        priority: P2,
        source: Source::Alert,
        category: "Backup",
        queue: 0,
        assignee: Some(1),
        age_minutes: 8 * HOUR,
        steps: &[
            (30, Set(Open)),
            (35, Note("VSS writer for SQL is in a failed state. Restarting the service out of hours.")),
            (40, Time(20, false, "Investigation (covered by the backup contract)")),
        ],
    },
    SampleTicket {
        client: CONTOSO,
        contact: Some(0),
        subject: "Wi-Fi slow in the waiting room",
        description: "Patients complain the guest Wi-Fi is unusable in the afternoon.",
        priority: P4,
        source: Source::Manual,
        category: "Network",
        queue: 0,
        assignee: Some(0),
        age_minutes: 3 * DAY,
        steps: &[
            (40, Set(Open)),
            (45, Reply("We'll measure the channel use on Thursday when we are on site.")),
            (DAY, Note("Neighbouring café's AP on channel 6 at full power. Move ours to 36 (5 GHz).")),
        ],
    },
    SampleTicket {
        client: FABRIKAM,
        contact: Some(0),
        subject: "Migrate the project archive to the new NAS",
        description: "Move 2.3 TB of closed projects from the old NAS to the new one, keeping permissions.",
        priority: P3,
        source: Source::Manual,
        category: "Project",
        queue: 1,
        assignee: Some(2),
        age_minutes: 5 * DAY,
        steps: &[
            (60, Set(Open)),
            (70, Reply("Plan: copy over three nights with robocopy, switch the share on Saturday.")),
            (DAY, Time(120, true, "First copy run and permission check")),
            (2 * DAY, Time(90, true, "Second copy run")),
            (3 * DAY, Time(60, true, "Delta copy, share switched")),
            (3 * DAY + 30, Note("Old NAS stays read-only for two weeks before it is wiped.")),
        ],
    },
    // ---- pending ----
    SampleTicket {
        client: NORTHWIND,
        contact: Some(1),
        subject: "Replacement toner for the warehouse printer",
        description: "The warehouse label printer is out of toner.",
        priority: P4,
        source: Source::Manual,
        category: "Printing",
        queue: 0,
        assignee: Some(0),
        age_minutes: 30 * HOUR,
        steps: &[
            (30, Set(Open)),
            (35, Reply("Toner ordered; it should arrive on Thursday.")),
            (40, Set(Pending)),
            (45, Time(10, true, "Ordering")),
        ],
    },
    SampleTicket {
        client: CONTOSO,
        contact: Some(0),
        subject: "Imaging software update: waiting for the vendor",
        description: "The X-ray imaging software needs version 8.2 for the new sensor.",
        priority: P2,
        source: Source::Manual,
        category: "Software",
        queue: 0,
        assignee: Some(1),
        age_minutes: 4 * HOUR,
        steps: &[
            (12, Set(Open)),
            (14, Reply("I've asked the vendor for the 8.2 installer and a slot for the update.")),
            (30, Set(Pending)),
            (31, Time(25, true, "Vendor call")),
        ],
    },
    SampleTicket {
        client: FABRIKAM,
        contact: Some(0),
        subject: "Who needs access to the Tenders folder?",
        description: "Please set up the new Tenders folder on the NAS.",
        priority: P3,
        source: Source::Manual,
        category: "Access",
        queue: 1,
        assignee: Some(2),
        age_minutes: 20 * HOUR,
        steps: &[
            (2 * HOUR, Set(Open)),
            (2 * HOUR + 5, Reply("Hi Olivia, which people should have read and which write access?")),
            (2 * HOUR + 6, Set(Pending)),
        ],
    },
    SampleTicket {
        client: NORTHWIND,
        contact: Some(0),
        subject: "Mailbox full for accounts@",
        description: "The shared accounts mailbox says it is full and bounces supplier invoices.",
        priority: P3,
        source: Source::Portal,
        category: "Email",
        queue: 0,
        assignee: Some(1),
        age_minutes: 10 * HOUR,
        steps: &[
            (25, Set(Open)),
            (26, Reply("I've turned on the online archive; please confirm we may move mail older than 2 years.")),
            (30, Set(Pending)),
            (32, Time(15, true, "Archive policy")),
        ],
    },
    // ---- resolved ----
    SampleTicket {
        client: CONTOSO,
        contact: Some(1),
        subject: "Reception phone has no dial tone",
        description: "The main reception phone is dead; calls go to the second line.",
        priority: P1,
        source: Source::Manual,
        category: "Telephony",
        queue: 0,
        assignee: Some(0),
        age_minutes: 5 * HOUR,
        steps: &[
            (4, Set(Open)),
            (5, Reply("On it: the handset lost its PoE port; I'm moving it to a working port remotely.")),
            (35, Time(30, true, "Switch port change")),
            (40, Reply("The phone is back. Please test an outside call.")),
            (45, Set(Resolved)),
        ],
    },
    SampleTicket {
        client: CONTOSO,
        contact: Some(0),
        subject: "Dentist laptop cannot reach the X-ray share",
        description: "Dr Shah's laptop shows 'network path not found' for \\\\imaging\\xray.",
        priority: P2,
        source: Source::Manual,
        category: "Network",
        queue: 0,
        assignee: Some(1),
        age_minutes: 6 * HOUR,
        steps: &[
            (50, Set(Open)),
            (52, Reply("Sorry for the wait. The laptop had joined the guest Wi-Fi; I've removed that network.")),
            (2 * HOUR, Note("Group policy now hides the guest SSID on staff laptops.")),
            (3 * HOUR, Time(60, true, "Diagnosis and group policy change")),
            (3 * HOUR + 5, Set(Resolved)),
        ],
    },
    SampleTicket {
        client: NORTHWIND,
        contact: Some(1),
        subject: "Password reset for Tom",
        description: "Tom is locked out after his holiday.",
        priority: P3,
        source: Source::Portal,
        category: "Accounts",
        queue: 0,
        assignee: Some(0),
        age_minutes: 3 * HOUR,
        steps: &[
            (10, Set(Open)),
            (12, Reply("Done: a temporary password is on its way to your mobile by text.")),
            (15, Time(5, true, "Password reset")),
            (20, Set(Resolved)),
        ],
    },
    SampleTicket {
        client: FABRIKAM,
        contact: Some(1),
        subject: "Monitor flickers at desk 4",
        description: "The left monitor at desk 4 flickers when the desk moves.",
        priority: P4,
        source: Source::Manual,
        category: "Hardware",
        queue: 1,
        assignee: Some(2),
        age_minutes: 28 * HOUR,
        steps: &[
            (3 * HOUR, Set(Open)),
            (3 * HOUR + 5, Reply("Likely the DisplayPort cable; a new one goes out with tomorrow's visit.")),
            (20 * HOUR, Time(15, true, "Cable swap on site")),
            (20 * HOUR + 5, Set(Resolved)),
        ],
    },
    // ---- closed ----
    SampleTicket {
        client: NORTHWIND,
        contact: Some(0),
        subject: "Set up MFA for the finance team",
        description: "The insurer asks for multi-factor sign-in for everyone in finance.",
        priority: P3,
        source: Source::Manual,
        category: "Security",
        queue: 0,
        assignee: Some(0),
        age_minutes: 10 * DAY,
        steps: &[
            (HOUR, Set(Open)),
            (HOUR + 5, Reply("We'll enrol the five finance users on Wednesday morning, 15 minutes each.")),
            (2 * DAY, Time(90, true, "MFA enrolment, 5 users")),
            (2 * DAY + 10, Set(Resolved)),
            (5 * DAY, Set(Closed)),
        ],
    },
    SampleTicket {
        client: CONTOSO,
        contact: None,
        subject: "Server restarted unexpectedly overnight",
        description: "Monitoring: IMG-SRV01 rebooted at 02:14 without a planned update.",
        priority: P1,
        source: Source::Alert,
        category: "Monitoring",
        queue: 0,
        assignee: Some(1),
        age_minutes: 5 * HOUR + 30,
        steps: &[
            (20, Set(Open)),
            (22, Reply("The imaging server restarted after a power dip; it is up and the X-ray service runs.")),
            (50, Note("UPS battery test failed. Replacement UPS battery quoted separately.")),
            (70, Time(40, true, "Post-incident checks")),
            (75, Set(Resolved)),
            (2 * HOUR, Set(Closed)),
        ],
    },
    SampleTicket {
        client: CONTOSO,
        contact: Some(0),
        subject: "Install updates on the imaging PC",
        description: "Monthly updates for the imaging PC, outside clinic hours please.",
        priority: P4,
        source: Source::Manual,
        category: "Maintenance",
        queue: 0,
        assignee: Some(2),
        age_minutes: 4 * HOUR + 30,
        steps: &[
            (15, Set(Open)),
            (20, Reply("Scheduled for tonight at 20:00.")),
            (90, Time(30, false, "Patching (included in the contract)")),
            (95, Set(Resolved)),
            (2 * HOUR, Set(Closed)),
        ],
    },
    SampleTicket {
        client: FABRIKAM,
        contact: Some(0),
        subject: "Licence renewal for AutoCAD",
        description: "Renewal notice for 12 AutoCAD seats arrived.",
        priority: P3,
        source: Source::Api,
        category: "Licensing",
        queue: 1,
        assignee: Some(2),
        age_minutes: 12 * DAY,
        steps: &[
            (2 * HOUR, Set(Open)),
            (2 * HOUR + 10, Reply("Quote sent; 12 seats for another year at last year's price.")),
            (DAY, Note("Olivia approved the quote by phone.")),
            (DAY + 30, Time(20, true, "Renewal order")),
            (DAY + 40, Set(Resolved)),
            (4 * DAY, Set(Closed)),
        ],
    },
    SampleTicket {
        client: NORTHWIND,
        contact: Some(0),
        subject: "Scanner does not send to email",
        description: "The copier's scan-to-email stopped working.",
        priority: P3,
        source: Source::Portal,
        category: "Printing",
        queue: 0,
        assignee: Some(1),
        age_minutes: 6 * DAY,
        steps: &[
            (30 * HOUR, Set(Open)),
            (
                30 * HOUR + 5,
                Reply("Microsoft switched off basic SMTP sign-in; I've set the copier up with an app relay."),
            ),
            (31 * HOUR, Time(45, true, "SMTP relay set-up")),
            (31 * HOUR + 10, Set(Resolved)),
            (4 * DAY, Set(Closed)),
        ],
    },
    SampleTicket {
        client: FABRIKAM,
        contact: Some(1),
        subject: "Firewall firmware update",
        description: "Vendor advisory: critical VPN fix in firmware 7.2.8.",
        priority: P2,
        source: Source::Manual,
        category: "Security",
        queue: 1,
        assignee: Some(1),
        age_minutes: 4 * DAY,
        steps: &[
            (30, Set(Open)),
            (35, Reply("We'll update the firewall tonight at 21:00; the VPN is down for about 10 minutes.")),
            (12 * HOUR, Time(40, true, "Firmware update and VPN test")),
            (12 * HOUR + 5, Set(Resolved)),
            (3 * DAY, Set(Closed)),
        ],
    },
    SampleTicket {
        client: NORTHWIND,
        contact: Some(0),
        subject: "Teams camera not working",
        description: "My camera shows a black picture in Teams, in other apps it works.",
        priority: P4,
        source: Source::Portal,
        category: "Software",
        queue: 0,
        assignee: Some(0),
        age_minutes: 2 * HOUR,
        steps: &[
            (6, Set(Open)),
            (8, Reply("Teams was set to the IR camera; I've switched it to the integrated webcam.")),
            (9, Time(10, true, "Remote session")),
            (15, ClientReply("Works now, thanks!")),
            (20, Set(Resolved)),
            (30, Set(Closed)),
        ],
    },
];

/// Knowledge base articles: title, visibility, tags, Markdown body (trimmed, as the API stores it).
const ARTICLES: [(&str, Visibility, &[&str], &str); 4] = [
    (
        "Reset a user's password in Microsoft 365",
        Visibility::Internal,
        &["m365", "passwords", "accounts"],
        "## When\n\nA user is locked out or forgot their password.\n\n## Steps\n\n1. Check who is asking: \
         call back on the number in the contact card.\n2. In the Microsoft 365 admin centre, open **Users → \
         Active users**, pick the user, **Reset password**.\n3. Tick *Require this user to change their \
         password when they first sign in*.\n4. Send the temporary password by text, never by email.\n\n\
         Log 5 minutes, billable.",
    ),
    (
        "Printer shows offline: first checks",
        Visibility::Client,
        &["printers"],
        "Before you call us, please check:\n\n- Is the printer switched on and showing no error?\n- Is the \
         network cable plugged in (a green light at the socket)?\n- Switch it off, wait 30 seconds, switch it \
         on again.\n\nStill offline? Open a ticket in the portal with the printer's name.",
    ),
    (
        "New starter checklist",
        Visibility::Internal,
        &["onboarding", "checklist"],
        "| Step | Who | Done |\n| --- | --- | --- |\n| Account and licence | Service desk | ☐ |\n| Laptop \
         imaged and enrolled in Steward | Projects | ☐ |\n| MFA enrolled | Service desk | ☐ |\n| Shares and \
         groups | Service desk | ☐ |\n\nSend the welcome email with the portal link on the first day.",
    ),
    (
        "Connecting to the VPN from home",
        Visibility::Client,
        &["vpn", "remote work"],
        "1. Connect to your home Wi-Fi.\n2. Open **FortiClient** and choose *Office*.\n3. Sign in with your \
         work email and approve the request on your phone.\n\nIf the VPN drops every few minutes, restart \
         your home router and tell us its make and model in a ticket.",
    ),
];

/// What a new demo database holds that the rest of the start-up needs.
#[derive(Debug, Clone)]
pub struct Seeded {
    /// The client and site this computer's agent joins.
    pub agent_client_id: i64,
    pub agent_site_id: i64,
    pub tickets: usize,
}

/// The sample data broke a rule the API would have refused it for: a bug in the demo.
fn refused(r: impl std::fmt::Debug) -> DbError {
    DbError::Commit(format!("sample data refused: {r:?}"))
}

/// A calendar as the API stores it: checked, and normalized by the check.
fn checked_calendar(spec: CalendarSpec) -> Result<CalendarSpec, DbError> {
    Ok(Calendar::new(spec).map_err(refused)?.spec().clone())
}

fn day_of(at: i64) -> String {
    jiff::Timestamp::from_second(at).map(|t| t.strftime("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// Fills a new, migrated database with the demo's MSP. `hashes` are the password hashes of the
/// admin, the three technicians and the portal user, in that order. Runs in the caller's
/// transaction; `now` is the present (ticket histories are written before it). Everything is
/// written through the `db` and `services` functions the API's handlers use; calendars and SLA
/// targets pass the domain checks here, and the handlers' other checks (names, addresses, tags)
/// are held to by the unit test `the_service_desk_is_one_the_api_could_have_made`.
pub fn seed(conn: &Connection, hashes: &[String; 5], now: i64) -> Result<Seeded, DbError> {
    crate::db::rules::seed_defaults(conn, now)?;

    // The 24/7 SLA for Contoso, beside the shipped business-hours "Standard" one.
    let around_the_clock = checked_calendar(CalendarSpec::twenty_four_seven("Europe/London"))?;
    let calendar = sla::create_calendar(conn, "Around the clock", &around_the_clock, now)?;
    let t = |first_response_minutes, resolution_minutes| Targets { first_response_minutes, resolution_minutes };
    let premium = SlaPolicy { p1: t(15, 60), p2: t(30, 120), p3: t(60, 480), p4: t(240, 1440), warning_percent: 75 };
    premium.validate().map_err(refused)?;
    let premium =
        sla::PolicyFields { name: "Premium 24/7".into(), calendar_id: calendar, targets: premium, is_default: false };
    let premium_id = sla::create_policy(conn, &premium, now)?;

    // Staff.
    let admin = users::insert(
        conn,
        &NewUser {
            login: ADMIN.login,
            email: "alex@brightline.example",
            name: ADMIN.name,
            role: ADMIN.role,
            client_id: None,
            password_hash: &hashes[0],
        },
        now,
    )?;
    let mut techs = Vec::new();
    for (i, p) in TECHNICIANS.iter().enumerate() {
        let u = users::insert(
            conn,
            &NewUser {
                login: p.login,
                email: p.login,
                name: p.name,
                role: p.role,
                client_id: None,
                password_hash: &hashes[1 + i],
            },
            now,
        )?;
        techs.push(u.id);
    }
    // Shifts: Maria early, Sam late, Lee office hours; all in the MSP's time zone.
    for (id, from, to) in [(techs[0], "07:00", "15:00"), (techs[1], "12:00", "20:00"), (techs[2], "09:00", "17:00")] {
        let spec = checked_calendar(CalendarSpec::weekdays("Europe/London", &[(from, to)]))?;
        routing::set_schedule(conn, id, Some(&spec), now)?;
    }

    // Clients, their sites and contacts; the first Northwind contact has a portal login.
    let mut client_ids = Vec::new();
    let mut site_ids: Vec<Vec<i64>> = Vec::new();
    let mut contact_ids: Vec<Vec<i64>> = Vec::new();
    let mut portal_user = 0;
    for (ci, c) in CLIENTS.iter().enumerate() {
        let client = clients::insert(conn, c.name, c.notes, now)?;
        clients::set_timezone(conn, client.id, "Europe/London", now)?;
        if ci == CONTOSO {
            sla::set_client_policy(conn, client.id, Some(premium_id), now)?;
        }
        let mut sites = Vec::new();
        for (name, address) in c.sites {
            let fields =
                clients::SiteFields { name: Some(name), address: Some(address), timezone: Some("Europe/London") };
            sites.push(clients::insert_site(conn, client.id, &fields, now)?.id);
        }
        let mut own_contacts = Vec::new();
        for (k, (name, email, phone)) in c.contacts.iter().enumerate() {
            let fields = ContactFields { name: (*name).into(), email: (*email).into(), phone: (*phone).into() };
            let contact = if ci == NORTHWIND && k == 0 {
                let u = users::insert(
                    conn,
                    &NewUser {
                        login: PORTAL.login,
                        email: PORTAL.login,
                        name: PORTAL.name,
                        role: PORTAL.role,
                        client_id: Some(client.id),
                        password_hash: &hashes[4],
                    },
                    now,
                )?;
                portal_user = u.id;
                // The portal user's contact, as their first ticket in the portal makes it, with
                // the phone number staff then add.
                let id = db_tickets::contact_for_user(conn, u.id, client.id, &u.name, &u.email, now)?;
                contacts::update(conn, id, &fields, now)?;
                id
            } else {
                contacts::create(conn, client.id, &fields, now)?
            };
            own_contacts.push(contact);
        }
        client_ids.push(client.id);
        site_ids.push(sites);
        contact_ids.push(own_contacts);
    }

    // Two queues, and routing: each client to a queue, alerts to the service desk.
    let mut queues = Vec::new();
    for (name, assignment, escalation, members) in [
        ("Service desk", Assignment::RoundRobin, "escalations@brightline.example", vec![techs[0], techs[1], techs[2]]),
        ("Projects", Assignment::LeastLoaded, "", vec![techs[2], techs[1]]),
    ] {
        let mut member_ids = members;
        // As the API keeps them: by id, each once.
        member_ids.sort_unstable();
        member_ids.dedup();
        let fields =
            routing::QueueFields { name: name.into(), assignment, escalation_email: escalation.into(), member_ids };
        queues.push(routing::create_queue(conn, &fields, now)?);
    }
    let rules = [
        ("Monitoring alerts to the service desk", None, Some(Source::Alert), queues[0]),
        ("Northwind Traders to the service desk", Some(client_ids[NORTHWIND]), None, queues[0]),
        ("Contoso Dental to the service desk", Some(client_ids[CONTOSO]), None, queues[0]),
        ("Fabrikam Architects to projects", Some(client_ids[FABRIKAM]), None, queues[1]),
    ];
    for (i, (name, client_id, source, queue)) in rules.into_iter().enumerate() {
        let fields = routing::RuleFields {
            name: name.into(),
            position: Some((i as i64 + 1) * 10),
            enabled: true,
            client_id,
            category: String::new(),
            source: source.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            device_tag: String::new(),
            queue_id: Some(queue),
            assignee_id: None,
        };
        routing::create_rule(conn, &fields, now)?;
    }

    // Alert rules beyond the shipped ones, and the bell in the UI as a channel.
    for rule in extra_rules(client_ids[NORTHWIND], client_ids[CONTOSO]) {
        crate::db::rules::insert(conn, &rule, now)?;
    }
    notifications::insert_channel(
        conn,
        &notifications::ChannelFields {
            name: "Bell in the UI",
            kind: crate::notify::ChannelKind::InApp,
            target: "",
            min_severity: Severity::Warning,
            client_id: None,
            enabled: true,
        },
        now,
    )?;

    // The knowledge base.
    let mut articles = Vec::new();
    for (i, (title, visibility, tags, body)) in ARTICLES.iter().enumerate() {
        let author = if i % 2 == 0 { techs[0] } else { techs[2] };
        let written = now - (30 - i as i64 * 5) * DAY * 60;
        let article = kb::NewArticle {
            title: (*title).into(),
            body: (*body).into(),
            visibility: *visibility,
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            author_id: Some(author),
        };
        articles.push(kb::create(conn, &article, written)?.id);
    }

    // Tickets, each with its history at the times it happened.
    let mut ids = Vec::new();
    for s in TICKETS {
        let created = now - s.age_minutes * 60;
        let by = match s.source {
            Source::Portal => Some(portal_user).filter(|_| s.client == NORTHWIND),
            Source::Manual => s.assignee.map(|a| techs[a]).or(Some(admin.id)),
            _ => None,
        };
        let new = NewTicket {
            subject: s.subject.into(),
            description: s.description.into(),
            client_id: client_ids[s.client],
            site_id: site_ids[s.client].first().copied(),
            contact_id: s.contact.map(|k| contact_ids[s.client][k]),
            source: s.source,
            category: s.category.into(),
            priority: s.priority,
            queue_id: Some(queues[s.queue]),
            assignee_id: s.assignee.map(|a| techs[a]),
            alert_id: None,
            device_ids: Vec::new(),
            created_by: by,
        };
        let ticket = tickets::create(conn, &new, created)?.map_err(refused)?;
        let (id, mut version) = (ticket.id, ticket.version);
        let tech = s.assignee.map(|a| techs[a]).unwrap_or(admin.id);
        for &(minutes, step) in s.steps {
            let at = (created + minutes * 60).min(now - 1);
            match step {
                Reply(text) => {
                    tickets::comment(conn, id, Author::Staff(tech), text, true, at)?;
                }
                Note(text) => {
                    tickets::comment(conn, id, Author::Staff(tech), text, false, at)?;
                }
                ClientReply(text) => {
                    // Only Northwind has a portal user; the others' replies came by mail.
                    let author = if s.client == NORTHWIND { Author::Client(portal_user) } else { Author::System };
                    tickets::comment(conn, id, author, text, true, at)?;
                }
                Set(status) => {
                    let changes = TicketChanges { status: Some(status), ..Default::default() };
                    version = tickets::update(conn, id, version, &changes, Some(tech), at)?.map_err(refused)?.version;
                }
                Time(minutes, billable, note) => {
                    let date = day_of(at);
                    let entry = NewTime { ticket_id: id, user_id: tech, minutes, billable, note, date: &date };
                    tickets::log_time(conn, &entry, at)?;
                }
            }
        }
        // The clocks as of now: the history above was written at its own times.
        tickets::recompute_sla(conn, id, now)?;
        ids.push(id);
    }
    // Articles linked from the tickets they helped with (each link on the ticket's timeline).
    for (ticket, article) in [(17, 0), (6, 1), (5, 3), (3, 2)] {
        kb::link(conn, ids[ticket], articles[article], techs[0], now)?.map_err(refused)?;
    }
    crate::db::audit::record(
        conn,
        now,
        &crate::db::audit::Who::system(),
        "demo.seeded",
        "",
        "sample data of steward demo",
    )?;
    Ok(Seeded { agent_client_id: client_ids[NORTHWIND], agent_site_id: site_ids[NORTHWIND][0], tickets: ids.len() })
}

/// Alert rules a real MSP adds to the shipped ones.
fn extra_rules(northwind: i64, contoso: i64) -> Vec<Rule> {
    let threshold = |metric: &str, warning: f64, critical: f64| Condition::Threshold {
        metric: metric.into(),
        op: Op::Above,
        warning: Some(warning),
        critical: Some(critical),
        clear: None,
        subject: String::new(),
    };
    let rule = |name: &str, scope: Scope, condition: Condition, hold_secs: i64, tickets: TicketPolicy| Rule {
        id: 0,
        name: name.into(),
        enabled: true,
        scope,
        condition,
        hold_secs,
        clear_hold_secs: 300,
        renotify_secs: 0,
        builtin: None,
        tickets,
    };
    vec![
        rule(
            "Northwind: disks above 80 %",
            Scope::Client { client_id: northwind },
            threshold("disk_used_pct", 80.0, 90.0),
            300,
            TicketPolicy::Default,
        ),
        rule(
            "Contoso: imaging service must run",
            Scope::Client { client_id: contoso },
            Condition::Service { name: "imaging-gateway".into(), severity: Severity::Critical },
            120,
            TicketPolicy::Always,
        ),
        rule(
            "Servers: load above 2 per core",
            Scope::Tag { tag: "server".into() },
            threshold("load_per_core", 2.0, 4.0),
            900,
            TicketPolicy::Never,
        ),
        rule(
            "Memory above 90 % for 10 minutes",
            Scope::Global,
            threshold("mem_used_pct", 90.0, 97.0),
            600,
            TicketPolicy::Never,
        ),
    ]
}

/// A one-use enrollment token for this computer's agent, good for an hour; it is shown nowhere.
fn enroll_token(conn: &Connection, client_id: i64, site_id: Option<i64>, now: i64) -> Result<String, DbError> {
    let token = format!("enr_{}", crate::auth::random_token());
    let hash = crate::auth::sha256(token.as_bytes());
    enroll_tokens::insert(
        conn,
        &enroll_tokens::NewToken {
            token_hash: &hash,
            prefix: &token[..12],
            client_id,
            site_id,
            created_by: None,
            expires_at: now + 3600,
            max_uses: 1,
        },
        now,
    )?;
    Ok(token)
}

/// A data folder made here for this run only; deleted when dropped.
struct TempFolder(PathBuf);

impl Drop for TempFolder {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.0) {
            eprintln!("steward demo: could not delete the temporary data folder {}: {e}", self.0.display());
        }
    }
}

/// What is in the data folder the demo was given.
#[derive(Debug, PartialEq, Eq)]
enum Folder {
    /// Missing or empty: fill it.
    New,
    /// Made by an earlier `steward demo`: run on it again.
    Demo,
    /// Anything else: not ours to touch.
    Foreign,
}

fn inspect(dir: &Path) -> std::io::Result<Folder> {
    if !dir.exists() {
        return Ok(Folder::New);
    }
    if dir.join(MARKER).is_file() {
        return Ok(Folder::Demo);
    }
    Ok(if std::fs::read_dir(dir)?.next().is_none() { Folder::New } else { Folder::Foreign })
}

/// The listen address with a free port put in for port 0; a clear refusal when it is taken.
fn check_listen(addr: SocketAddr) -> anyhow::Result<SocketAddr> {
    match TcpListener::bind(addr) {
        Ok(l) => Ok(l.local_addr()?),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => bail!(
            "{addr} is already in use by another program. Start the demo on another port, for example: \
             steward demo --listen {}:{}",
            addr.ip(),
            addr.port().wrapping_add(1).max(1024)
        ),
        Err(e) => bail!("cannot listen on {addr}: {e}"),
    }
}

fn made_up_logins() -> Vec<Login> {
    let mut out = vec![Login {
        role_label: "Administrator",
        login: ADMIN.login.into(),
        name: ADMIN.name.into(),
        password: crate::auth::random_password(),
    }];
    for t in &TECHNICIANS {
        out.push(Login {
            role_label: "Technician",
            login: t.login.into(),
            name: t.name.into(),
            password: crate::auth::random_password(),
        });
    }
    out.push(Login {
        role_label: "Client portal",
        login: PORTAL.login.into(),
        name: PORTAL.name.into(),
        password: crate::auth::random_password(),
    });
    out
}

/// Hashes the passwords off the async runtime (argon2 is slow on purpose).
async fn hash_all(logins: &[Login]) -> anyhow::Result<[String; 5]> {
    let passwords: Vec<String> = logins.iter().map(|l| l.password.clone()).collect();
    let hashes = tokio::task::spawn_blocking(move || {
        passwords.iter().map(|p| crate::auth::hash_password(p)).collect::<Result<Vec<_>, _>>()
    })
    .await
    .context("hash the passwords")??;
    hashes.try_into().map_err(|_| anyhow::anyhow!("expected five password hashes"))
}

/// The server an agent state folder is enrolled with, if any.
fn enrolled_server(agent_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(agent_dir.join("agent.json")).ok()?;
    let state: serde_json::Value = serde_json::from_str(&text).ok()?;
    state["server"].as_str().map(str::to_owned)
}

/// Prepares the database: fills a new one, or gives the people of an earlier demo new passwords.
/// Also makes an enrollment token when this computer's agent has not enrolled yet.
fn prepare(db_path: &Path, fresh: bool, hashes: &[String; 5], agent_enrolled: bool) -> anyhow::Result<Option<String>> {
    let mut conn = crate::db::open_connection(db_path, false)?;
    crate::db::migrations::migrate(&mut conn, db_path)?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let now = crate::clock::Clock::system().now();
    let (client, site) = if fresh {
        let seeded = seed(&tx, hashes, now)?;
        (seeded.agent_client_id, Some(seeded.agent_site_id))
    } else {
        let logins = [ADMIN.login, TECHNICIANS[0].login, TECHNICIANS[1].login, TECHNICIANS[2].login, PORTAL.login];
        for (login, hash) in logins.iter().zip(hashes) {
            if let Some((user, _)) = users::by_login(&tx, login)? {
                crate::services::accounts::set_password(&tx, user.id, hash, None, now)?;
            }
        }
        let client = clients::find_by_name(&tx, CLIENTS[NORTHWIND].name)?
            .with_context(|| format!("the demo's client {:?} is gone", CLIENTS[NORTHWIND].name))?;
        (client.id, None)
    };
    let token = if agent_enrolled { None } else { Some(enroll_token(&tx, client, site, now)?) };
    tx.commit()?;
    Ok(token)
}

/// Signals for the agent child: SIGTERM, so it stops as it would under systemd, also when the demo
/// itself is killed outright. (The few libc calls are declared here, as in `agent::platform`.)
mod signal {
    unsafe extern "C" {
        fn kill(pid: i32, sig: i32) -> i32;
        fn prctl(option: i32, ...) -> i32;
    }
    const SIGTERM: i32 = 15;
    const PR_SET_PDEATHSIG: i32 = 1;

    /// Asks a child that has not been reaped yet to stop.
    pub fn terminate(pid: u32) {
        let Ok(pid) = i32::try_from(pid) else { return };
        // SAFETY: kill(2) takes plain integers and touches no memory of ours.
        unsafe { kill(pid, SIGTERM) };
    }

    /// Makes the kernel send this child SIGTERM when the thread that started it ends, so the agent
    /// never outlives a demo that was killed outright. `run` starts it from the thread that runs
    /// the demo to its end (the runtime's `block_on`), not from a pool thread that may retire.
    pub fn stop_with_parent(cmd: &mut tokio::process::Command) {
        // SAFETY: prctl(2) with PR_SET_PDEATHSIG is async-signal-safe and allocates nothing.
        unsafe {
            cmd.pre_exec(|| {
                prctl(PR_SET_PDEATHSIG, SIGTERM as std::ffi::c_ulong);
                Ok(())
            });
        }
    }
}

/// Runs the demo until `shutdown` completes.
pub async fn run(args: DemoArgs, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
    // Listen for Ctrl-C from the start, so one during start-up still stops the demo cleanly.
    let mut shutdown = Box::pin(shutdown);
    let _ = futures_util::poll!(&mut shutdown);

    let listen = check_listen(args.listen)?;
    let (data_dir, temp, fresh) = match args.data_dir {
        Some(dir) => match inspect(&dir).with_context(|| format!("look into {}", dir.display()))? {
            Folder::New => (dir, None, true),
            Folder::Demo => (dir, None, false),
            Folder::Foreign => bail!(
                "{} is not empty and was not made by `steward demo`. The demo only fills a new or empty \
                 folder (or, without --data-dir, a temporary one), so it never touches a real server's data.",
                dir.display()
            ),
        },
        None => {
            let suffix: String = crate::auth::random_password().chars().take(8).collect();
            let dir = std::env::temp_dir().join(format!("steward-demo-{}", suffix.to_lowercase()));
            crate::fsutil::create_private_dir(&dir).with_context(|| format!("create {}", dir.display()))?;
            (dir.clone(), Some(TempFolder(dir)), true)
        }
    };
    crate::fsutil::create_private_dir(&data_dir).with_context(|| format!("create {}", data_dir.display()))?;

    let mut config = Config::default();
    config.server.data_dir = data_dir.clone();
    config.server.listen = listen;
    let url = config.public_url(listen);
    // This computer's agent and the readiness check go over loopback, whatever the address.
    let local_url = if listen.ip().is_unspecified() {
        let loopback = if listen.is_ipv6() { "[::1]" } else { "127.0.0.1" };
        format!("https://{loopback}:{}", listen.port())
    } else {
        url.clone()
    };

    let logins = made_up_logins();
    let hashes = hash_all(&logins).await?;
    let agent_dir = data_dir.join(AGENT_DIR);
    // An agent enrolled by an earlier run on another address would report to nobody: enroll again
    // (the server knows the machine and keeps its device).
    let agent_enrolled = enrolled_server(&agent_dir).as_deref() == Some(local_url.as_str());
    if !agent_enrolled && agent_dir.exists() {
        std::fs::remove_dir_all(&agent_dir).with_context(|| format!("remove {}", agent_dir.display()))?;
    }
    let db_path = data_dir.join(crate::server::DB_FILE);
    let token = prepare(&db_path, fresh, &hashes, agent_enrolled)?;
    if fresh {
        let marker = json!({
            "made_by": "steward demo",
            "version": crate::VERSION,
            "logins": logins.iter().map(|l| &l.login).collect::<Vec<_>>(),
        });
        crate::fsutil::write_private_file(&data_dir.join(MARKER), format!("{marker:#}\n").as_bytes())?;
    }
    let hosts: Vec<String> = crate::netaddr::url_host(&url).into_iter().collect();
    let fingerprint =
        crate::server::tls::load_or_create(&config.tls, &data_dir, &hosts)?.map(|c| c.fingerprint).unwrap_or_default();

    // The real server, in this process.
    let (stop_server, server_stopped) = tokio::sync::oneshot::channel::<()>();
    let mut server = tokio::spawn(crate::server::run(config, async move {
        let _ = server_stopped.await;
    }));
    // Ready when it answers; its own certificate is the one just loaded, so no check is lost.
    let probe = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .timeout(Duration::from_secs(5))
        .build()
        .context("make an HTTP client")?;
    let health = format!("{local_url}/healthz");
    let ready = async {
        loop {
            if probe.get(&health).send().await.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::select! {
        finished = &mut server => {
            finished.context("the server task")??;
            bail!("the server stopped during start-up");
        }
        answered = tokio::time::timeout(Duration::from_secs(60), ready) => {
            answered.map_err(|_| anyhow::anyhow!("the server did not answer at {local_url} within 60 s"))?;
        }
    }

    // This computer's agent: enrolled once, then run as a child process like on a client's PC.
    let exe = std::env::current_exe().context("find this executable")?;
    let agent_log = data_dir.join("agent.log");
    let log_file =
        || std::fs::OpenOptions::new().create(true).append(true).open(&agent_log).context("open the agent's log");
    let mut agent = None;
    let enrolled = match &token {
        None => Ok(()),
        Some(token) => {
            let out = tokio::process::Command::new(&exe)
                .args(["agent", "enroll", "--server", &local_url, "--token", token, "--fingerprint", &fingerprint])
                .arg("--state-dir")
                .arg(&agent_dir)
                .stdin(Stdio::null())
                .output()
                .await
                .context("run `steward agent enroll`")?;
            if out.status.success() {
                Ok(())
            } else {
                Err(format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
            }
        }
    };
    match enrolled {
        Ok(()) => {
            let mut cmd = tokio::process::Command::new(&exe);
            cmd.args(["agent", "run", "--interval", AGENT_INTERVAL, "--state-dir"])
                .arg(&agent_dir)
                .stdin(Stdio::null())
                .stdout(log_file()?)
                .stderr(log_file()?);
            signal::stop_with_parent(&mut cmd);
            agent = Some(cmd.spawn().context("start `steward agent run`")?);
        }
        Err(e) => eprintln!("steward demo: this computer's agent could not enroll, so no device reports:\n{e}"),
    }

    print_welcome(&url, &logins, &data_dir, temp.is_some(), agent.is_some(), &agent_log);

    // Until Ctrl-C or SIGTERM; the server stopping on its own ends the demo too.
    let mut server_result = None;
    let mut agent_done = false;
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            finished = &mut server => {
                server_result = Some(finished);
                break;
            }
            status = async { agent.as_mut().expect("agent running").wait().await }, if agent.is_some() && !agent_done => {
                agent_done = true;
                eprintln!(
                    "steward demo: this computer's agent stopped ({}); see {}. The server keeps running.",
                    status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string()),
                    agent_log.display()
                );
            }
        }
    }

    // The agent first, so it does not spool reports for a server that is going away.
    if let Some(mut child) = agent.take()
        && !agent_done
        && let Some(pid) = child.id()
    {
        signal::terminate(pid);
        if tokio::time::timeout(Duration::from_secs(10), child.wait()).await.is_err() {
            let _ = child.kill().await;
        }
    }
    let finished = match server_result {
        Some(r) => r,
        None => {
            let _ = stop_server.send(());
            server.await
        }
    };
    finished.context("the server task")??;
    match temp {
        Some(folder) => {
            drop(folder);
            println!("Demo stopped. Its temporary data folder is deleted.");
        }
        None => {
            println!("Demo stopped. Its data stays in {}; run the demo on it again to continue.", data_dir.display())
        }
    }
    Ok(())
}

fn print_welcome(url: &str, logins: &[Login], data_dir: &Path, temporary: bool, agent: bool, agent_log: &Path) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out);
    let _ = writeln!(out, "Steward demo: Brightline IT, a small MSP with three clients, is ready.");
    let _ = writeln!(out, "Open {url} (the certificate is self-signed: let the browser accept it) and sign in:");
    for l in logins {
        let _ = writeln!(out, "  {:<14} {:<26} password: {}   ({})", l.role_label, l.login, l.password, l.name);
    }
    let _ = writeln!(out, "The passwords were made up for this run.");
    if temporary {
        let _ = writeln!(out, "Data folder: {} (temporary: deleted when the demo stops)", data_dir.display());
    } else {
        let _ = writeln!(out, "Data folder: {} (kept)", data_dir.display());
    }
    if agent {
        let host = sysinfo::System::host_name().map(|h| h.to_string()).unwrap_or_else(|_| "this computer".into());
        let _ = writeln!(
            out,
            "This computer ({host}) reports as a device of Northwind Traders every 10 s (agent log: {}).",
            agent_log.display()
        );
    }
    let _ = writeln!(out, "Ctrl-C to stop.");
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeded() -> (tempfile::TempDir, Connection, Seeded) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let mut conn = crate::db::open_connection(&path, false).unwrap();
        crate::db::migrations::migrate(&mut conn, &path).unwrap();
        let hashes: [String; 5] = std::array::from_fn(|i| format!("not-a-hash-{i}"));
        let tx = conn.transaction().unwrap();
        let s = seed(&tx, &hashes, crate::clock::Clock::system().now()).unwrap();
        tx.commit().unwrap();
        (dir, conn, s)
    }

    #[test]
    fn the_sample_rules_are_valid() {
        for rule in extra_rules(1, 2) {
            rule.condition.validate().unwrap_or_else(|e| panic!("{}: {e:?}", rule.name));
        }
    }

    /// The service desk's set-up reads back through the db functions the API's pages use, with the
    /// same names and relationships, and every piece passes the checks the API makes before it
    /// writes (the tag and length rules of `routes::kb` and `routes::service_desk` are repeated
    /// here, as the demo may not call into `server`).
    #[test]
    fn the_service_desk_is_one_the_api_could_have_made() {
        let (_dir, conn, _) = seeded();
        let one_line = |what: &str, v: &str, max: usize| {
            assert!(!v.trim().is_empty() && v.trim() == v, "{what} {v:?} is trimmed and not empty");
            assert!(v.chars().count() <= max, "{what} {v:?} is at most {max} characters");
            assert_eq!(crate::text::one_line_problem(v), None, "{what} {v:?}");
        };

        // SLA: the 24/7 calendar, the premium policy on it, Contoso on the policy.
        let calendar = sla::calendars(&conn).unwrap().into_iter().find(|k| k.name == "Around the clock").unwrap();
        assert_eq!(calendar.spec, checked_calendar(CalendarSpec::twenty_four_seven("Europe/London")).unwrap());
        assert_eq!(calendar.policies, ["Premium 24/7"]);
        let policy = sla::policies(&conn).unwrap().into_iter().find(|p| p.name == "Premium 24/7").unwrap();
        assert_eq!((policy.calendar_id, policy.is_default), (calendar.id, false));
        policy.targets.validate().unwrap();
        let clients: Vec<&str> = policy.clients.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(clients, [CLIENTS[CONTOSO].name]);
        for name in [&calendar.name, &policy.name] {
            one_line("name", name, 100);
        }

        // Schedules, each a checked calendar.
        let techs = routing::technicians(&conn, crate::clock::Clock::system().now()).unwrap();
        let shift = |login: &str| techs.iter().find(|t| t.login == login).unwrap().schedule.clone();
        for (p, (from, to)) in TECHNICIANS.iter().zip([("07:00", "15:00"), ("12:00", "20:00"), ("09:00", "17:00")]) {
            let want = CalendarSpec::weekdays("Europe/London", &[(from, to)]);
            assert_eq!(shift(p.login), Some(want.clone()), "{}", p.login);
            assert_eq!(Calendar::new(want).unwrap().spec(), &shift(p.login).unwrap());
        }
        assert_eq!(shift(ADMIN.login), None, "the admin is always on shift");

        // Queues: members are active staff, escalation addresses are addresses.
        let queues = routing::queues(&conn, crate::clock::Clock::system().now()).unwrap();
        let members = |name: &str| {
            let q = queues.iter().find(|q| q.name == name).unwrap();
            let ids: Vec<i64> = q.members.iter().map(|m| m.id).collect();
            assert_eq!(routing::not_staff(&conn, &ids).unwrap(), None);
            let mut logins: Vec<&str> = q.members.iter().map(|m| m.login.as_str()).collect();
            logins.sort_unstable();
            (q.assignment.as_str(), q.escalation_email.as_str(), logins)
        };
        let [maria, sam, lee] = [TECHNICIANS[0].login, TECHNICIANS[1].login, TECHNICIANS[2].login];
        assert_eq!(members("Service desk"), ("round_robin", "escalations@brightline.example", vec![lee, maria, sam]));
        assert_eq!(members("Projects"), ("least_loaded", "", vec![lee, sam]));
        for q in &queues {
            one_line("queue name", &q.name, 100);
            assert!(q.escalation_email.is_empty() || crate::text::is_email(&q.escalation_email));
        }

        // Routing rules, in their order.
        let rules: Vec<_> = routing::rules(&conn)
            .unwrap()
            .into_iter()
            .map(|r| {
                one_line("rule name", &r.name, 200);
                assert!(r.source.is_empty() || Source::parse(&r.source).is_some(), "{}", r.source);
                assert!(r.enabled && r.category.is_empty() && r.device_tag.is_empty() && r.assignee_id.is_none());
                (r.position, r.client, r.source, r.queue.unwrap())
            })
            .collect();
        let rule = |p: i64, client: Option<&str>, source: &str, queue: &str| {
            (p, client.map(str::to_owned), source.to_owned(), queue.to_owned())
        };
        assert_eq!(
            rules,
            [
                rule(10, None, "alert", "Service desk"),
                rule(20, Some(CLIENTS[NORTHWIND].name), "", "Service desk"),
                rule(30, Some(CLIENTS[CONTOSO].name), "", "Service desk"),
                rule(40, Some(CLIENTS[FABRIKAM].name), "", "Projects"),
            ]
        );

        // Contacts: the portal user's is theirs; names, addresses and phones as the API takes them.
        let portal = users::by_login(&conn, PORTAL.login).unwrap().unwrap().0;
        let contacts = contacts::list(&conn, None, None, 100).unwrap();
        let want: Vec<(&str, &str, &str, &str)> = CLIENTS
            .iter()
            .flat_map(|c| c.contacts.iter().map(|&(name, email, phone)| (c.name, name, email, phone)))
            .collect();
        let got: Vec<(&str, &str, &str, &str)> =
            contacts.iter().map(|c| (c.client.as_str(), c.name.as_str(), c.email.as_str(), c.phone.as_str())).collect();
        assert_eq!(got, want);
        for c in &contacts {
            one_line("contact name", &c.name, 200);
            assert!(crate::text::is_email(&c.email), "{}", c.email);
            one_line("phone", &c.phone, 50);
            let own = c.email == PORTAL.login;
            assert_eq!(c.user_id, own.then_some(portal.id), "{}", c.name);
        }

        // Articles, and their links on the tickets' timelines.
        for &(title, visibility, tags, body) in &ARTICLES {
            let id: i64 = conn.query_row("SELECT id FROM kb_articles WHERE title = ?1", [title], |r| r.get(0)).unwrap();
            let a = kb::get(&conn, id).unwrap().unwrap();
            one_line("title", &a.title, 200);
            assert_eq!((a.body.as_str(), a.visibility.as_str()), (body, visibility.as_str()));
            assert_eq!(a.tags, tags);
            assert_eq!(body.trim(), body, "{title}: the API stores a body trimmed");
            assert!(tags.len() <= 20);
            for tag in tags {
                assert!(
                    tag.len() <= 40
                        && tag.trim() == *tag
                        && tag.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_ ".contains(c)),
                    "{tag:?}"
                );
            }
            let linked = kb::linked_tickets(&conn, id).unwrap();
            assert_eq!(linked.len(), 1, "{title} is linked from one ticket");
            let events: i64 = conn
                .query_row(
                    "SELECT count(*) FROM ticket_events WHERE ticket_id = ?1 AND kind = 'article' AND new_value = ?2",
                    rusqlite::params![linked[0].id, title],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(events, 1, "the link to {title} is on the ticket's timeline");
        }
    }

    #[test]
    fn every_status_has_tickets_and_the_sla_report_has_met_and_missed_targets() {
        let (_dir, conn, s) = seeded();
        assert_eq!(s.tickets, TICKETS.len());
        for status in Status::ALL {
            let n: i64 = conn
                .query_row("SELECT count(*) FROM tickets WHERE status = ?1", [status.as_str()], |r| r.get(0))
                .unwrap();
            assert!(n >= 2, "{} tickets {}", n, status.as_str());
        }
        let (met, breached): (i64, i64) = conn
            .query_row(
                "SELECT sum(first_response_met + resolution_met), sum(first_response_breached + resolution_breached)
                 FROM tickets",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert!(met > 0 && breached > 0, "met {met}, breached {breached}");
        let not_billable: i64 =
            conn.query_row("SELECT count(*) FROM time_entries WHERE billable = 0", [], |r| r.get(0)).unwrap();
        assert!(not_billable > 0, "some time is not billable");
        let internal: i64 =
            conn.query_row("SELECT count(*) FROM ticket_comments WHERE public = 0", [], |r| r.get(0)).unwrap();
        assert!(internal > 0);
    }
}
