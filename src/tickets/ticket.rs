//! A ticket and what hangs off it, as the rest of Steward passes them around: the ticket as
//! pages show it, a ticket to open, a change to make, the entries of its history, its comments
//! and its time entries. Instants read by people are RFC 3339 texts (as the API gives them);
//! instants the decisions work with are unix seconds.

use serde::{Deserialize, Serialize};

use super::{Priority, Status};

/// Where a ticket came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Opened by an alert.
    Alert,
    /// Opened by a technician in the UI.
    #[default]
    Manual,
    /// Opened through the API with a key.
    Api,
    /// Opened by a client contact in the portal.
    Portal,
}

impl Source {
    pub const ALL: [Source; 4] = [Source::Alert, Source::Manual, Source::Api, Source::Portal];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Alert => "alert",
            Source::Manual => "manual",
            Source::Api => "api",
            Source::Portal => "portal",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// The SLA figures stored on a ticket.
#[derive(Debug, Clone, Default, Serialize, PartialEq, utoipa::ToSchema)]
pub struct TicketSla {
    pub policy_id: Option<i64>,
    /// When the first response is (or was) due; kept after the clock stops.
    #[schema(format = DateTime)]
    pub first_response_due: Option<String>,
    #[schema(format = DateTime)]
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
#[derive(Debug, Clone, Default, Serialize, PartialEq, utoipa::ToSchema)]
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
    pub source: Source,
    pub category: String,
    pub priority: Priority,
    pub status: Status,
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
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    #[schema(format = DateTime)]
    pub first_response_at: Option<String>,
    #[schema(format = DateTime)]
    pub resolved_at: Option<String>,
    #[schema(format = DateTime)]
    pub closed_at: Option<String>,
    /// Send it back with a change; a change naming an older version is refused.
    pub version: i64,
    pub sla: TicketSla,
    /// The queue's sort key: the earliest running due time, `i64::MAX` when none runs.
    #[serde(skip)]
    pub sort_due: i64,
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

/// A change to a ticket's fields; `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
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

impl TicketChanges {
    /// Whether the change sets nothing at all.
    pub fn is_empty(&self) -> bool {
        *self == TicketChanges::default()
    }
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

/// What one entry of a ticket's history records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Opened; the priority it was opened with is the new value.
    Created,
    Subject,
    Description,
    Category,
    Priority,
    Status,
    /// Queue, assignee and contact: old and new values are ids.
    Queue,
    Assignee,
    Contact,
    /// The linked device ids, comma-separated.
    Devices,
    /// The first public answer by staff; the comment's id is the new value.
    FirstResponse,
    /// Routing put the ticket somewhere; the routing rule's name is the new value.
    Routed,
    /// An SLA clock warned or breached; the clock ("first response", "resolution") is the new value.
    SlaWarning,
    SlaBreach,
    /// A knowledge-base article was linked (its title the new value) or unlinked (the old value).
    Article,
}

impl EventKind {
    pub const ALL: [EventKind; 15] = [
        EventKind::Created,
        EventKind::Subject,
        EventKind::Description,
        EventKind::Category,
        EventKind::Priority,
        EventKind::Status,
        EventKind::Queue,
        EventKind::Assignee,
        EventKind::Contact,
        EventKind::Devices,
        EventKind::FirstResponse,
        EventKind::Routed,
        EventKind::SlaWarning,
        EventKind::SlaBreach,
        EventKind::Article,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Created => "created",
            EventKind::Subject => "subject",
            EventKind::Description => "description",
            EventKind::Category => "category",
            EventKind::Priority => "priority",
            EventKind::Status => "status",
            EventKind::Queue => "queue",
            EventKind::Assignee => "assignee",
            EventKind::Contact => "contact",
            EventKind::Devices => "devices",
            EventKind::FirstResponse => "first_response",
            EventKind::Routed => "routed",
            EventKind::SlaWarning => "sla_warning",
            EventKind::SlaBreach => "sla_breach",
            EventKind::Article => "article",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One entry of a ticket's history as it is written: what happened, with the value before and
/// after as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    pub kind: EventKind,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

impl EventRecord {
    pub fn new(kind: EventKind, old_value: Option<String>, new_value: Option<String>) -> EventRecord {
        EventRecord { kind, old_value, new_value }
    }
}

/// One entry of a ticket's history as the timeline shows it.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct TicketEvent {
    pub id: i64,
    #[schema(format = DateTime)]
    pub at: String,
    pub user_id: Option<i64>,
    pub user: Option<String>,
    pub kind: EventKind,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    /// For "assignee", "queue" and "contact": the names the ids stand for (`None` when gone).
    pub old_label: Option<String>,
    pub new_label: Option<String>,
}

/// A comment on a ticket.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Comment {
    pub id: i64,
    pub author_id: Option<i64>,
    /// `None` for the system.
    pub author: Option<String>,
    pub body: String,
    /// Seen by the client; internal otherwise.
    pub public: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// Who writes a comment, as far as the ticket's life cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    /// Steward itself (an alert's news): never an answer, never work on the ticket.
    System,
    /// A technician or admin.
    Staff(i64),
    /// A client contact in the portal.
    Client(i64),
}

impl Author {
    /// The user, `None` for the system.
    pub fn user_id(self) -> Option<i64> {
        match self {
            Author::System => None,
            Author::Staff(id) | Author::Client(id) => Some(id),
        }
    }
}

/// Time a technician spent on a ticket.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct TimeEntry {
    pub id: i64,
    pub user_id: Option<i64>,
    pub user: Option<String>,
    pub minutes: i64,
    pub billable: bool,
    pub note: String,
    /// The day the work was done ("2026-11-28", UTC).
    #[schema(format = Date)]
    pub date: String,
    #[schema(format = DateTime)]
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
