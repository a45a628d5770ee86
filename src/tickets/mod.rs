//! The ticket queue's logic: what a ticket's history means for its SLA clocks, and (to come)
//! the ticket state machine and routing. Everything here is pure; the server stores tickets and
//! their events, calls into these modules, and acts on what they answer.
//!
//! `sla` owns business calendars, SLA policies and the clock math: business time between two
//! instants, when a budget of business time runs out, and where a ticket's first-response and
//! resolution clocks stand at a given moment.

pub mod markdown;
pub mod routing;
pub mod sla;
