//! Integration tests: the real `steward` binary, on 127.0.0.1:0, with temp data folders, real
//! SQLite files, and (in `browser`) real headless Chromium.

mod api;
mod auth;
mod backup;
mod browser;
mod browser_security;
mod cli;
mod common;
mod demo;
mod durability;
mod enrollment;
mod fleet;
mod hardening;
mod kb;
mod maintenance;
mod notify;
mod reports;
mod roles;
mod rules;
mod security;
mod service_desk;
mod tickets;
mod tls;
