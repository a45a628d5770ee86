//! The ticket queue's logic, pure: what a ticket is (`Ticket`, `Status`, `Priority` and what
//! hangs off a ticket), how it lives (`lifecycle`: opening, the diff of a change into history,
//! reopening, closing, following an alert, what an SLA replay stores), what its history means for
//! its SLA clocks (`sla`), who gets it (`routing`), and how its Markdown reads (`markdown`).
//! `services::tickets` loads what these need through `db`, asks, and writes the answer.
//!
//! `sla` owns business calendars, SLA policies and the clock math: business time between two
//! instants, when a budget of business time runs out, and where a ticket's first-response and
//! resolution clocks stand at a given moment.

pub mod lifecycle;
pub mod markdown;
pub mod routing;
pub mod sla;
mod status;
mod ticket;

pub use status::{NotOneOf, Priority, Status};
pub use ticket::{
    Author, Comment, EventKind, EventRecord, NewTicket, NewTime, Refusal, Source, Ticket, TicketChanges, TicketEvent,
    TicketSla, TimeEntry,
};
