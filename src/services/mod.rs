//! Services: the I/O around the domain. Each one reads and writes through `db`, decides with the
//! pure domain modules, and is called by `server` (routes, timers) or the command line. See
//! ARCHITECTURE.md.

pub mod accounts;
pub mod alert_tickets;
pub mod delivery;
pub mod engine;
pub mod enrollment;
pub mod live;
pub mod tickets;
