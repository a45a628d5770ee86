//! The rule engine: what a reading means, and when it becomes an alert.
//!
//! The deciding parts are pure and unit-tested: `condition` (what a rule checks, validated),
//! `eval` (hold, hysteresis, flapping: one state machine per rule, device and subject), `scope`
//! (which rule applies to which device), `maintenance` (when a window is on), `forecast` and
//! `disk_health`. `engine` is the I/O around them: it runs inside the check-in's own write
//! transaction, so an acknowledged check-in has been evaluated, and its alerts and notices are
//! stored, or none of it is.

pub mod condition;
pub mod defaults;
pub mod disk_health;
pub mod eval;
pub mod forecast;
pub mod maintenance;
pub mod scope;

use serde::{Deserialize, Serialize};

/// How bad: a warning can wait for office hours, a critical cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "warning" => Some(Severity::Warning),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

/// A rule as stored: a condition, where it applies, and its timing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub id: i64,
    pub name: String,
    pub enabled: bool,
    pub scope: scope::Scope,
    pub condition: condition::Condition,
    /// The condition must hold this long before the alert fires.
    pub hold_secs: i64,
    /// The condition must be clear this long before the alert resolves.
    pub clear_hold_secs: i64,
    /// Tell again about an alert nobody acknowledged after this long; 0: never.
    pub renotify_secs: i64,
    /// The shipped default this rule started as, if any.
    pub builtin: Option<String>,
    /// Whether its alerts open tickets.
    #[serde(default)]
    pub tickets: TicketPolicy,
}

/// Whether a rule's alerts open tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketPolicy {
    /// As the installation's `alert_tickets` setting says (always, unless changed).
    #[default]
    Default,
    Always,
    Never,
}

impl TicketPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            TicketPolicy::Default => "default",
            TicketPolicy::Always => "always",
            TicketPolicy::Never => "never",
        }
    }

    pub fn parse(s: &str) -> Option<TicketPolicy> {
        match s {
            "default" => Some(TicketPolicy::Default),
            "always" => Some(TicketPolicy::Always),
            "never" => Some(TicketPolicy::Never),
            _ => None,
        }
    }
}

impl Rule {
    pub fn timing(&self) -> eval::Timing {
        eval::Timing { hold: self.hold_secs, clear_hold: self.clear_hold_secs }
    }
}
