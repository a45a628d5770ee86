//! `GET /metrics`: the appliance's own health and fleet counts in Prometheus text format.
//!
//! Behind `[metrics] token` when set. Only fleet-wide aggregates: no label or value carries a
//! client's (or device's) name, so a scraper, and whoever reads its storage, learns nothing about
//! who the MSP's customers are.

use std::fmt::Write;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use crate::db::devices;
use crate::server::error::ApiError;
use crate::server::state::AppState;

pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(expected) = state.config.metrics.token_digest() {
        check_token(&headers, &expected)?;
    }
    let counts = state.db.read(devices::counts).await?;
    let live = &state.live;
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, lines: &[(&str, f64)]| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, value) in lines {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    let version = format!("{{version=\"{}\"}}", crate::VERSION);
    metric("steward_build_info", "gauge", "The running Steward version.", &[(&version, 1.0)]);
    metric(
        "steward_devices",
        "gauge",
        "Enrolled devices by state.",
        &[("{state=\"online\"}", counts.online as f64), ("{state=\"offline\"}", counts.offline as f64)],
    );
    metric("steward_clients", "gauge", "Clients (customer companies).", &[("", counts.clients as f64)]);
    metric(
        "steward_security_updates_pending",
        "gauge",
        "Security updates pending across the fleet.",
        &[("", counts.security_updates_pending as f64)],
    );
    let load = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed) as f64;
    metric("steward_checkins_total", "counter", "Check-ins stored since start.", &[("", load(&live.checkins))]);
    metric(
        "steward_checkins_refused_total",
        "counter",
        "Check-ins refused (bad credentials or body).",
        &[("", load(&live.checkins_refused))],
    );
    metric(
        "steward_reports_stored_total",
        "counter",
        "Reports stored since start.",
        &[("", load(&live.reports_stored))],
    );
    metric(
        "steward_reports_repeated_total",
        "counter",
        "Reports received again after a lost acknowledgement, and ignored.",
        &[("", load(&live.reports_repeated))],
    );
    metric(
        "steward_checkin_seconds_total",
        "counter",
        "Time spent handling check-ins (divide by steward_checkins_total for the mean).",
        &[("", load(&live.checkin_micros) / 1e6)],
    );
    if let Some(rss) = resident_bytes() {
        metric("process_resident_memory_bytes", "gauge", "Resident memory of the server process.", &[("", rss as f64)]);
    }
    if let Ok(meta) = std::fs::metadata(state.db.path()) {
        metric("steward_database_bytes", "gauge", "Size of the database file.", &[("", meta.len() as f64)]);
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response())
}

/// Compares digests, so the comparison takes the same time whatever the presented token's length.
fn check_token(headers: &HeaderMap, expected: &[u8; 32]) -> Result<(), ApiError> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let ok = presented.is_some_and(|t| crate::auth::constant_time_eq(&crate::auth::sha256(t.as_bytes()), expected));
    if ok {
        return Ok(());
    }
    let mut e = ApiError::unauthorized("GET /metrics needs Authorization: Bearer <the [metrics] token>.");
    e.detail = Some(serde_json::json!({ "header": "Authorization" }));
    Err(e)
}

fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}
