//! A rule of the trade saying no: the request is well-formed but the domain refuses it. Domain
//! and service code return these; only `server` turns them into HTTP statuses (400, 409, 403),
//! and the command line into a sentence.

/// Why a change was refused, naming the field a person should look at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The value breaks a rule (a missing client for a client contact, a date before another).
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    /// The value clashes with what is stored: a name taken, a version someone else changed.
    #[error("{message}")]
    Conflict { field: &'static str, message: String },
    /// The caller may not do this to this object (their own role, say), whatever the values.
    #[error("{0}")]
    NotAllowed(String),
}

impl Refusal {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Refusal {
        Refusal::Invalid { field, message: message.into() }
    }

    pub fn conflict(field: &'static str, message: impl Into<String>) -> Refusal {
        Refusal::Conflict { field, message: message.into() }
    }

    /// The field named, if any.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Refusal::Invalid { field, .. } | Refusal::Conflict { field, .. } => Some(field),
            Refusal::NotAllowed(_) => None,
        }
    }
}
