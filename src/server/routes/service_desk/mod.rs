//! How the service desk is set up, one file per resource: queues and their members,
//! technicians' weekly schedules, routing rules, SLA calendars, SLA policies (and a client's own
//! policy), and clients' contacts. Staff read all of it; admins change queues, schedules (a
//! technician may set their own), routing and SLAs; staff keep contacts.
//!
//! This file holds what several of them share: small answers and checks, and the pieces of the
//! OpenAPI schemas more than one resource uses.

pub mod calendars;
pub mod contacts;
pub mod queues;
pub mod routing_rules;
pub mod sla_policies;
pub mod technicians;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::Page;
use super::api_doc::ApiDoc;
use crate::db::sla as store;
use crate::db::{DbError, audit};
use crate::server::auth::Caller;
use crate::server::error::{ApiError, ApiResult, Json};
use crate::server::state::AppState;
use crate::tickets::sla::{Calendar, CalendarSpec, Holiday, WeeklyHours};

/// The service desk's part of the OpenAPI description, in the order the resources were once
/// listed in a single file (the document does not depend on it).
pub const API: [&ApiDoc; 6] =
    [&queues::API, &technicians::API, &routing_rules::API, &calendars::API, &sla_policies::API, &contacts::API];

/// A whole list in one answer (these lists are short: a few dozen rows at most).
fn all<T>(items: Vec<T>) -> Json<Page<T>> {
    Json(Page { items, next_cursor: None })
}

fn exists(c: &rusqlite::Connection, sql: &str, id: i64) -> Result<bool, DbError> {
    use rusqlite::OptionalExtension;
    Ok(c.prepare_cached(sql)?.query_row([id], |_| Ok(())).optional()?.is_some())
}

/// An active technician or admin: who may be on a queue, have a schedule or be assigned by a rule.
const STAFF_USER: &str = "SELECT 1 FROM users WHERE id = ?1 AND role IN ('admin', 'technician') AND disabled = 0";

/// Deletes row `id` with `delete` and records `action` in the audit log when it was there.
/// Answers 204, or 404 with `missing` when there was no such row.
async fn delete_audited(
    state: &AppState,
    caller: &Caller,
    action: &'static str,
    id: i64,
    delete: fn(&rusqlite::Connection, i64) -> Result<bool, DbError>,
    missing: String,
) -> ApiResult<StatusCode> {
    let now = state.clock.now();
    let who = caller.who();
    let gone = state
        .db
        .write(move |c| {
            let gone = delete(c, id)?;
            if gone {
                audit::record(c, now, &who, action, &id.to_string(), "")?;
            }
            Ok(gone)
        })
        .await?;
    if gone { Ok(StatusCode::NO_CONTENT) } else { Err(ApiError::not_found(missing)) }
}

/// A validated calendar from its parts (a technician's schedule or a business calendar); the
/// error names the wrong field (`hours.mon[0].end`).
fn calendar_spec(
    timezone: Option<String>,
    hours: Option<WeeklyHours>,
    holidays: Vec<Holiday>,
) -> ApiResult<CalendarSpec> {
    let timezone =
        timezone.ok_or_else(|| ApiError::bad_field("timezone", "timezone is required, such as \"Europe/Berlin\"."))?;
    let hours =
        hours.ok_or_else(|| ApiError::bad_field("hours", "hours is required: the working hours per weekday."))?;
    let spec = CalendarSpec { timezone: timezone.trim().to_owned(), hours, holidays };
    // Stored as checked: times trimmed, intervals in order, each holiday once.
    let calendar = Calendar::new(spec).map_err(|e| ApiError::bad_field(&e.field, e.message))?;
    Ok(calendar.spec().clone())
}

/// Recounts the running tickets of the given policies (after their targets or calendar changed).
fn recount(c: &rusqlite::Connection, policy_ids: &[i64], t: i64) -> Result<(), DbError> {
    for &p in policy_ids {
        for ticket in store::running_tickets_of_policy(c, p)? {
            crate::services::tickets::recompute_sla(c, ticket, t)?;
        }
    }
    Ok(())
}

// ---------- schema pieces several resources use ----------

/// An id that may be null.
fn nullable_id() -> Value {
    json!({ "type": ["integer", "null"] })
}

fn timestamp() -> Value {
    json!({ "type": "string", "format": "date-time" })
}

/// A whole list in one answer: `{"items": [item...], "next_cursor": null}`.
fn list_of(item: &str) -> Value {
    json!({ "type": "object", "properties": {
        "items": { "type": "array", "items": { "$ref": format!("#/components/schemas/{item}") } },
        "next_cursor": { "type": "null" } } })
}

/// A weekly schedule: time zone, hours per weekday and holidays (a technician's shifts, and the
/// parts of a business calendar).
fn schedule() -> Value {
    let interval = json!({ "type": "object", "required": ["start", "end"], "properties": {
        "start": { "type": "string", "example": "08:00" }, "end": { "type": "string", "example": "17:00" } } });
    let days = json!({ "type": "array", "items": interval });
    let hours = json!({ "type": "object", "description": "Hours per weekday; a day left out has none", "properties": {
        "mon": days, "tue": days, "wed": days, "thu": days, "fri": days, "sat": days, "sun": days } });
    let holidays = json!({ "type": "array", "items": { "type": "object", "required": ["date"], "properties": {
        "date": { "type": "string", "format": "date" }, "name": { "type": "string" } } } });
    json!({ "type": "object", "required": ["timezone", "hours"], "additionalProperties": false, "properties": {
        "timezone": { "type": "string", "example": "Europe/Berlin" }, "hours": hours, "holidays": holidays } })
}
