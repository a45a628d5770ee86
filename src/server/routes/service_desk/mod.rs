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

/// A field of the body that names a row which is not there: 404, naming the field.
fn missing(field: &str, message: impl Into<String>) -> ApiError {
    let mut e = ApiError::not_found(message);
    e.detail = Some(json!({ "field": field }));
    e
}

/// A name another row already has: 409, naming the field.
fn taken(field: &str, message: impl Into<String>) -> ApiError {
    let mut e = ApiError::conflict(message);
    e.detail = Some(json!({ "field": field }));
    e
}

/// Adds to the schema `name` of `doc` (when it has one) a rule its fields alone cannot say: the
/// result is `allOf: [the schema, rule]`.
fn add_rule(doc: &mut utoipa::openapi::OpenApi, name: &str, rule: utoipa::openapi::Schema) {
    use utoipa::openapi::schema::AllOfBuilder;
    let Some(schema) = doc.components.as_mut().and_then(|c| c.schemas.get_mut(name)) else { return };
    let fields = std::mem::replace(schema, utoipa::openapi::RefOr::T(utoipa::openapi::Schema::default()));
    *schema = AllOfBuilder::new().item(fields).item(rule).into();
}

/// `anyOf` one of `fields` present with a value that `value` describes.
fn any_present(fields: &[&str], value: impl Fn() -> utoipa::openapi::Schema) -> utoipa::openapi::Schema {
    use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder};
    let mut any = AnyOfBuilder::new();
    for field in fields {
        any = any.item(ObjectBuilder::new().property(*field, value()).required(*field));
    }
    any.into()
}

/// The rule of a weekly schedule the per-day lists cannot say: some day has hours. And a
/// calendar as shown holds the schedule's fields beside its own: the schedule's
/// `additionalProperties: false` (it refuses other fields as a request) must not apply there.
pub struct SomeHours;

impl utoipa::Modify for SomeHours {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::ArrayBuilder;
        use utoipa::openapi::{RefOr, Schema};
        let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        add_rule(doc, "WeeklyHours", any_present(&days, || ArrayBuilder::new().min_items(Some(1)).into()));
        let Some(schemas) = doc.components.as_mut().map(|c| &mut c.schemas) else { return };
        let Some(RefOr::T(Schema::Object(mut spec))) = schemas.get("CalendarSpec").cloned() else { return };
        spec.additional_properties = None;
        if let Some(RefOr::T(Schema::AllOf(view))) = schemas.get_mut("CalendarView") {
            for item in &mut view.items {
                if matches!(item, RefOr::Ref(r) if r.ref_location.ends_with("/CalendarSpec")) {
                    *item = RefOr::T(Schema::Object(spec.clone()));
                }
            }
        }
    }
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
