//! A ticket's status and priority: the two values the queue, the SLA clocks and the API all
//! speak of. Each has one spelling, used in storage, in the API and in the history ("open", "P2");
//! reading one is lenient about surrounding blanks (and, for priorities, case), as people type them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

/// How urgent a ticket is; P1 is the most urgent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
pub enum Priority {
    P1,
    P2,
    /// What a request is when nobody says it is urgent (the new-ticket form's preset).
    #[default]
    P3,
    P4,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::P1, Priority::P2, Priority::P3, Priority::P4];
    /// The accepted values, as a refusal lists them.
    pub const NAMES: &str = "P1, P2, P3, P4";

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::P1 => "P1",
            Priority::P2 => "P2",
            Priority::P3 => "P3",
            Priority::P4 => "P4",
        }
    }

    /// "P1" to "P4" (either case).
    pub fn parse(s: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// A ticket's place in its life: new, open, pending, resolved, closed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Opened, nobody has changed its status yet.
    #[default]
    New,
    Open,
    /// Waiting on the client or a third party: both SLA clocks pause.
    Pending,
    Resolved,
    Closed,
}

impl Status {
    pub const ALL: [Status; 5] = [Status::New, Status::Open, Status::Pending, Status::Resolved, Status::Closed];
    /// The accepted values, as a refusal lists them.
    pub const NAMES: &str = "new, open, pending, resolved, closed";
    /// The statuses of tickets someone still has to work on: the usual queue.
    pub const ACTIVE: [Status; 3] = [Status::New, Status::Open, Status::Pending];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Open => "open",
            Status::Pending => "pending",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s.trim())
    }

    /// Whether the SLA clocks count in this status.
    pub fn counts(self) -> bool {
        matches!(self, Status::New | Status::Open)
    }

    /// Whether the work is done: the resolution clock stops, and an alert's recovery no longer
    /// touches the ticket.
    pub fn done(self) -> bool {
        matches!(self, Status::Resolved | Status::Closed)
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a text is not a status or priority: the sentence names the value and the choices.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not one of {choices}.")]
pub struct NotOneOf {
    pub value: String,
    pub choices: &'static str,
}

impl FromStr for Priority {
    type Err = NotOneOf;

    fn from_str(s: &str) -> Result<Priority, NotOneOf> {
        Priority::parse(s).ok_or_else(|| NotOneOf { value: s.to_owned(), choices: Priority::NAMES })
    }
}

impl FromStr for Status {
    type Err = NotOneOf;

    fn from_str(s: &str) -> Result<Status, NotOneOf> {
        Status::parse(s).ok_or_else(|| NotOneOf { value: s.to_owned(), choices: Status::NAMES })
    }
}

// Read as leniently as `parse`, so a body or stored history with "p2" or " open" means what it
// says rather than failing.
impl<'de> Deserialize<'de> for Priority {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Priority, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Status, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_back_as_written_and_wrong_ones_name_the_choices() {
        for p in Priority::ALL {
            assert_eq!(p.as_str().parse::<Priority>(), Ok(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>(), Ok(s));
            assert_eq!(serde_json::from_value::<Status>(serde_json::to_value(s).unwrap()).unwrap(), s);
        }
        assert_eq!(serde_json::from_str::<Priority>("\" p2 \"").unwrap(), Priority::P2, "as people type it");
        assert_eq!(" pending ".parse::<Status>(), Ok(Status::Pending));
        assert_eq!("P9".parse::<Priority>().unwrap_err().to_string(), "\"P9\" is not one of P1, P2, P3, P4.");
        assert_eq!(
            "done".parse::<Status>().unwrap_err().to_string(),
            "\"done\" is not one of new, open, pending, resolved, closed."
        );
        assert!(serde_json::from_str::<Status>("\"Open\"").is_err(), "statuses have one spelling");
    }

    #[test]
    fn p1_sorts_first_as_the_most_urgent() {
        assert!(Priority::P1 < Priority::P2 && Priority::P3 < Priority::P4);
    }
}
