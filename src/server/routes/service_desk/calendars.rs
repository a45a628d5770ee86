//! SLA calendars: the business hours and holidays an SLA policy counts in. Staff read them;
//! admins change them, and the running tickets under a changed calendar are recounted.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{SomeHours, all, calendar_spec, list_of, recount, schedule, taken, timestamp};
use crate::db::audit;
use crate::db::sla::{self as store, CalendarView};
use crate::server::error::{ApiError, ApiResult, Json, Path};
use crate::server::roles::{Admin, Staff};
use crate::server::routes::api_doc::ApiDoc;
use crate::server::routes::{Page, required_text};
use crate::server::state::AppState;
use crate::tickets::sla::{Holiday, WeeklyHours};

pub const API: ApiDoc = ApiDoc {
    operations: &[
        ("get", "/api/v1/sla/calendars", "Business calendars (staff)", None, 200, Some("CalendarList")),
        (
            "post",
            "/api/v1/sla/calendars",
            "Add a business calendar (admin)",
            Some("CalendarFields"),
            201,
            Some("Calendar"),
        ),
        (
            "put",
            "/api/v1/sla/calendars/{id}",
            "Change a calendar; running tickets under it are recounted (admin)",
            Some("CalendarFields"),
            200,
            Some("Calendar"),
        ),
        ("delete", "/api/v1/sla/calendars/{id}", "Delete a calendar no policy uses (admin)", None, 204, None),
    ],
    query: &[],
    paged: &[],
    schemas,
};

fn schemas() -> Value {
    let (schedule, ts) = (schedule(), timestamp());
    json!({
        // One object, not `allOf` with the schedule: the schedule's `additionalProperties: false`
        // would refuse the name, so no body could match (the API fuzzer could not make one).
        "CalendarFields": { "type": "object", "required": ["name", "timezone", "hours"], "additionalProperties": false,
            "properties": { "name": { "type": "string" }, "timezone": schedule["properties"]["timezone"],
                "hours": schedule["properties"]["hours"], "holidays": schedule["properties"]["holidays"] } },
        "Calendar": { "allOf": [ { "$ref": "#/components/schemas/CalendarFields" }, { "type": "object", "properties": {
            "id": { "type": "integer" }, "policies": { "type": "array", "items": { "type": "string" } }, "updated_at": ts } } ] },
        "CalendarList": list_of("Calendar"),
    })
}

/// The part of the API description this module answers.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, update, delete), modifiers(&SomeHours))]
pub struct Api;

/// A business calendar: its name, time zone, hours per weekday and holidays.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarBody {
    #[schema(required = true, nullable = false, format = "name", min_length = 1, max_length = 100)]
    name: Option<String>,
    /// IANA name, e.g. Europe/Berlin.
    #[schema(required = true, nullable = false, format = "timezone")]
    timezone: Option<String>,
    #[schema(required = true, nullable = false)]
    hours: Option<WeeklyHours>,
    #[serde(default)]
    holidays: Vec<Holiday>,
}

/// Business calendars (staff)
#[utoipa::path(get, path = "/api/v1/sla/calendars", responses((status = 200, body = Page<CalendarView>)))]
pub async fn list(State(state): State<AppState>, _: Staff) -> ApiResult<Json<Page<CalendarView>>> {
    Ok(all(state.db.read(store::calendars).await?))
}

/// Add a business calendar (admin)
#[utoipa::path(post, path = "/api/v1/sla/calendars", request_body = CalendarBody, responses((status = 201, body = CalendarView)))]
pub async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Json(b): Json<CalendarBody>,
) -> ApiResult<(StatusCode, Json<CalendarView>)> {
    let t = state.clock.now();
    let name = required_text("name", b.name.as_deref().unwrap_or(""), 100)?;
    let spec = calendar_spec(b.timezone, b.hours, b.holidays)?;
    let who = caller.who();
    let cal = state
        .db
        .write(move |c| {
            if store::calendar_name_taken(c, &name, None)? {
                return Ok(Err(taken("name", format!("There is already a calendar named {name:?}."))));
            }
            let id = store::create_calendar(c, &name, &spec, t)?;
            audit::record(c, t, &who, "sla_calendar.created", &id.to_string(), &name)?;
            Ok(Ok(store::calendar(c, id)?))
        })
        .await??;
    let cal = cal.ok_or_else(|| ApiError::internal("a calendar vanished as it was made"))?;
    Ok((StatusCode::CREATED, Json(cal)))
}

/// Change a calendar; running tickets under it are recounted (admin)
#[utoipa::path(put, path = "/api/v1/sla/calendars/{id}", request_body = CalendarBody, responses((status = 200, body = CalendarView)))]
pub async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<i64>,
    Json(b): Json<CalendarBody>,
) -> ApiResult<Json<CalendarView>> {
    let t = state.clock.now();
    let name = required_text("name", b.name.as_deref().unwrap_or(""), 100)?;
    let spec = calendar_spec(b.timezone, b.hours, b.holidays)?;
    let who = caller.who();
    let cal = state
        .db
        .write(move |c| {
            if store::calendar_name_taken(c, &name, Some(id))? {
                return Ok(Err(taken("name", format!("There is already a calendar named {name:?}."))));
            }
            if !store::update_calendar(c, id, &name, &spec, t)? {
                return Ok(Ok(None));
            }
            let policies: Vec<i64> =
                store::policies(c)?.into_iter().filter(|p| p.calendar_id == id).map(|p| p.id).collect();
            recount(c, &policies, t)?;
            audit::record(c, t, &who, "sla_calendar.changed", &id.to_string(), &name)?;
            Ok(Ok(store::calendar(c, id)?))
        })
        .await??;
    cal.map(Json).ok_or_else(|| ApiError::not_found(format!("There is no calendar with id {id}.")))
}

/// Delete a calendar no policy uses (admin)
#[utoipa::path(delete, path = "/api/v1/sla/calendars/{id}", responses((status = 204)))]
pub async fn delete(State(state): State<AppState>, Admin(caller): Admin, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    let now = state.clock.now();
    let who = caller.who();
    let outcome = state
        .db
        .write(move |c| {
            let outcome = store::delete_calendar(c, id)?;
            if outcome == Ok(true) {
                audit::record(c, now, &who, "sla_calendar.deleted", &id.to_string(), "")?;
            }
            Ok(outcome)
        })
        .await?;
    match outcome {
        Ok(true) => Ok(StatusCode::NO_CONTENT),
        Ok(false) => Err(ApiError::not_found(format!("There is no calendar with id {id}."))),
        Err(users) => Err(ApiError::conflict(format!(
            "The calendar is used by the policies {}; give them another calendar first.",
            users.join(", ")
        ))),
    }
}
