#![recursion_limit = "256"]
//! Steward: the RMM and PSA appliance for managed service providers, as a library so that the
//! binary stays thin and tests can start the real server.

pub mod admin;
pub mod agent;
pub mod auth;
pub mod backup;
pub mod certid;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod fsutil;
pub mod install;
pub mod monitoring;
pub mod netaddr;
pub mod notify;
pub mod protocol;
pub mod refusal;
pub mod rules;
pub mod server;
pub mod services;
pub mod text;
pub mod tickets;

/// This build's version, as `/healthz` and `--version` report it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
