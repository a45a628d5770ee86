//! Technicians (and admins) as the service desk sees them: on shift now, open tickets, their
//! weekly schedule and queues. Staff read them; an admin, or the technician themselves, sets a
//! schedule.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{STAFF_USER, SomeHours, all, calendar_spec, exists, list_of, schedule};
use crate::db::audit;
use crate::db::routing::{self, Technician};
use crate::server::auth::Caller;
use crate::server::error::{ApiError, ApiResult, Json, Path};
use crate::server::roles::Staff;
use crate::server::routes::Page;
use crate::server::routes::api_doc::ApiDoc;
use crate::server::state::AppState;
use crate::tickets::sla::{Holiday, WeeklyHours};

pub const API: ApiDoc = ApiDoc {
    operations: &[
        (
            "get",
            "/api/v1/technicians",
            "Technicians and admins: on shift now, open tickets, schedule, queues (staff)",
            None,
            200,
            Some("TechnicianList"),
        ),
        (
            "put",
            "/api/v1/technicians/{id}/schedule",
            "Set a technician's weekly schedule (admin, or the technician)",
            Some("Schedule"),
            200,
            Some("Technician"),
        ),
        (
            "delete",
            "/api/v1/technicians/{id}/schedule",
            "Clear a schedule: always on shift (admin, or the technician)",
            None,
            204,
            None,
        ),
    ],
    query: &[],
    paged: &[],
    schemas,
};

fn schemas() -> Value {
    json!({
        "Schedule": schedule(),
        "Technician": { "type": "object", "properties": {
            "id": { "type": "integer" }, "login": { "type": "string" }, "name": { "type": "string" },
            "email": { "type": "string" }, "role": { "type": "string" }, "on_shift": { "type": "boolean" },
            "open_tickets": { "type": "integer" }, "schedule": { "description": "null: always on shift" },
            "queue_ids": { "type": "array", "items": { "type": "integer" } } } },
        "TechnicianList": list_of("Technician"),
    })
}

/// The part of the API description this module answers.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, set_schedule, clear_schedule), modifiers(&SomeHours))]
pub struct Api;

/// Technicians and admins: on shift now, open tickets, schedule, queues (staff)
#[utoipa::path(get, path = "/api/v1/technicians", responses((status = 200, body = Page<Technician>)))]
pub async fn list(State(state): State<AppState>, _: Staff) -> ApiResult<Json<Page<Technician>>> {
    let t = state.clock.now();
    Ok(all(state.db.read(move |c| routing::technicians(c, t)).await?))
}

/// A weekly schedule: the time zone, the hours per weekday and the holidays.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleBody {
    /// IANA name, e.g. Europe/Berlin.
    #[schema(required = true, nullable = false, format = "timezone")]
    timezone: Option<String>,
    #[schema(required = true, nullable = false)]
    hours: Option<WeeklyHours>,
    #[serde(default)]
    holidays: Vec<Holiday>,
}

/// Staff may read schedules; an admin, or the technician themselves, changes one.
fn may_set_schedule(caller: &Caller, user_id: i64) -> ApiResult<()> {
    if caller.is_admin() || caller.user.id == user_id {
        Ok(())
    } else {
        Err(ApiError::forbidden("Only an admin, or the technician themselves, may change a schedule."))
    }
}

/// Set a technician's weekly schedule (admin, or the technician)
#[utoipa::path(put, path = "/api/v1/technicians/{id}/schedule", request_body = ScheduleBody, responses((status = 200, body = Technician)))]
pub async fn set_schedule(
    State(state): State<AppState>,
    Staff(caller): Staff,
    Path(id): Path<i64>,
    Json(body): Json<ScheduleBody>,
) -> ApiResult<Json<Technician>> {
    let t = state.clock.now();
    may_set_schedule(&caller, id)?;
    let spec = calendar_spec(body.timezone, body.hours, body.holidays)?;
    let who = caller.who();
    let tech = state
        .db
        .write(move |c| {
            if !exists(c, STAFF_USER, id)? {
                return Ok(None);
            }
            routing::set_schedule(c, id, Some(&spec), t)?;
            audit::record(c, t, &who, "schedule.changed", &id.to_string(), &spec.timezone)?;
            Ok(routing::technicians(c, t)?.into_iter().find(|u| u.id == id))
        })
        .await?;
    tech.map(Json).ok_or_else(|| ApiError::not_found(format!("There is no active technician with id {id}.")))
}

/// Clear a schedule: always on shift (admin, or the technician)
#[utoipa::path(delete, path = "/api/v1/technicians/{id}/schedule", responses((status = 204)))]
pub async fn clear_schedule(
    State(state): State<AppState>,
    Staff(caller): Staff,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let t = state.clock.now();
    may_set_schedule(&caller, id)?;
    let who = caller.who();
    let found = state
        .db
        .write(move |c| {
            if !exists(c, STAFF_USER, id)? {
                return Ok(false);
            }
            routing::set_schedule(c, id, None, t)?;
            audit::record(c, t, &who, "schedule.cleared", &id.to_string(), "")?;
            Ok(true)
        })
        .await?;
    if found {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("There is no active technician with id {id}.")))
    }
}
