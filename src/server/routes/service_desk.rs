//! How the service desk is set up: queues and their members, technicians' weekly schedules,
//! routing rules, SLA calendars and policies (and a client's own policy), and clients' contacts.
//! Staff read all of it; admins change queues, schedules (a technician may set their own),
//! routing and SLAs; staff keep contacts.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use serde::Deserialize;
use serde_json::{Value, json};

use super::openapi::{ApiDoc, page_of};
use super::{Page, PageParams, email, id_page, optional_line, present, required_text, yes};
use crate::db::contacts::{self, Contact, ContactFields};
use crate::db::routing::{self, Queue, QueueFields, RuleFields, RuleView, Technician};
use crate::db::sla::{self as store, CalendarView, KeepPolicy, PolicyFields, PolicyView};
use crate::db::{DbError, audit, now};
use crate::server::auth::Caller;
use crate::server::error::{ApiError, ApiResult, Json, Path, Query};
use crate::server::state::AppState;
use crate::tickets::routing::Assignment;
use crate::tickets::sla::{Calendar, CalendarSpec, Holiday, SlaPolicy, WeeklyHours};

pub const API: ApiDoc = ApiDoc {
    operations: &[
        (
            "get",
            "/api/v1/queues",
            "Queues with their members, who is on shift, and open tickets (staff)",
            None,
            200,
            Some("QueueList"),
        ),
        ("post", "/api/v1/queues", "Add a queue (admin)", Some("QueueFields"), 201, Some("Queue")),
        ("get", "/api/v1/queues/{id}", "One queue (staff)", None, 200, Some("Queue")),
        (
            "put",
            "/api/v1/queues/{id}",
            "Change a queue and its members (admin)",
            Some("QueueFields"),
            200,
            Some("Queue"),
        ),
        ("delete", "/api/v1/queues/{id}", "Delete a queue; its tickets stay, without a queue (admin)", None, 204, None),
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
        (
            "get",
            "/api/v1/routing-rules",
            "Routing rules in the order they are tried (staff)",
            None,
            200,
            Some("RoutingRuleList"),
        ),
        (
            "post",
            "/api/v1/routing-rules",
            "Add a routing rule (admin)",
            Some("RoutingRuleFields"),
            201,
            Some("RoutingRule"),
        ),
        (
            "put",
            "/api/v1/routing-rules/{id}",
            "Change a routing rule (admin)",
            Some("RoutingRuleFields"),
            200,
            Some("RoutingRule"),
        ),
        ("delete", "/api/v1/routing-rules/{id}", "Delete a routing rule (admin)", None, 204, None),
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
        ("get", "/api/v1/sla/policies", "SLA policies, the default first (staff)", None, 200, Some("PolicyList")),
        ("post", "/api/v1/sla/policies", "Add an SLA policy (admin)", Some("PolicyFields"), 201, Some("Policy")),
        (
            "put",
            "/api/v1/sla/policies/{id}",
            "Change a policy; its running tickets are recounted (admin)",
            Some("PolicyFields"),
            200,
            Some("Policy"),
        ),
        ("delete", "/api/v1/sla/policies/{id}", "Delete a policy that is not the default (admin)", None, 204, None),
        (
            "put",
            "/api/v1/clients/{id}/sla-policy",
            "Give a client its own SLA policy, or null for the default (admin)",
            Some("ClientPolicy"),
            200,
            Some("ClientPolicy"),
        ),
        ("get", "/api/v1/contacts", "Clients' contacts (staff)", None, 200, Some("ContactPage")),
        ("post", "/api/v1/contacts", "Add a contact to a client (staff)", Some("NewContact"), 201, Some("Contact")),
        ("put", "/api/v1/contacts/{id}", "Change a contact (staff)", Some("ContactFields"), 200, Some("Contact")),
        ("delete", "/api/v1/contacts/{id}", "Delete a contact; their tickets stay (staff)", None, 204, None),
    ],
    query: &[(("get", "/api/v1/contacts"), &[("client_id", "integer")])],
    paged: &["/api/v1/contacts"],
    schemas,
};

fn schemas() -> Value {
    let id = json!({ "type": ["integer", "null"] });
    let ts = json!({ "type": "string", "format": "date-time" });
    let interval = json!({ "type": "object", "required": ["start", "end"], "properties": {
        "start": { "type": "string", "example": "08:00" }, "end": { "type": "string", "example": "17:00" } } });
    let days = json!({ "type": "array", "items": interval });
    let hours = json!({ "type": "object", "description": "Hours per weekday; a day left out has none", "properties": {
        "mon": days, "tue": days, "wed": days, "thu": days, "fri": days, "sat": days, "sun": days } });
    let holidays = json!({ "type": "array", "items": { "type": "object", "required": ["date"], "properties": {
        "date": { "type": "string", "format": "date" }, "name": { "type": "string" } } } });
    let schedule = json!({ "type": "object", "required": ["timezone", "hours"], "additionalProperties": false, "properties": {
        "timezone": { "type": "string", "example": "Europe/Berlin" }, "hours": hours, "holidays": holidays } });
    let targets = json!({ "type": "object", "required": ["first_response_minutes", "resolution_minutes"], "properties": {
        "first_response_minutes": { "type": "integer" }, "resolution_minutes": { "type": "integer" } } });
    let policy_targets = json!({ "type": "object", "required": ["p1", "p2", "p3", "p4"], "properties": {
        "p1": targets, "p2": targets, "p3": targets, "p4": targets,
        "warning_percent": { "type": "integer", "minimum": 1, "maximum": 99, "default": 75 } } });
    let member = json!({ "type": "object", "properties": { "id": { "type": "integer" }, "login": { "type": "string" },
        "name": { "type": "string" }, "on_shift": { "type": "boolean" }, "open_tickets": { "type": "integer" } } });
    let assignment = json!({ "type": "string", "enum": ["round_robin", "least_loaded", "manual"] });
    let list = |item: &str| {
        json!({ "type": "object", "properties": {
        "items": { "type": "array", "items": { "$ref": format!("#/components/schemas/{item}") } },
        "next_cursor": { "type": "null" } } })
    };
    json!({
        "Queue": { "type": "object", "properties": {
            "id": { "type": "integer" }, "name": { "type": "string" }, "assignment": assignment,
            "escalation_email": { "type": "string" }, "members": { "type": "array", "items": member },
            "open_tickets": { "type": "integer" }, "unassigned_tickets": { "type": "integer" } } },
        "QueueFields": { "type": "object", "required": ["name"], "additionalProperties": false, "properties": {
            "name": { "type": "string" }, "assignment": assignment, "escalation_email": { "type": "string" },
            "member_ids": { "type": "array", "items": { "type": "integer" } } } },
        "QueueList": list("Queue"),
        "Schedule": schedule,
        "Technician": { "type": "object", "properties": {
            "id": { "type": "integer" }, "login": { "type": "string" }, "name": { "type": "string" },
            "email": { "type": "string" }, "role": { "type": "string" }, "on_shift": { "type": "boolean" },
            "open_tickets": { "type": "integer" }, "schedule": { "description": "null: always on shift" },
            "queue_ids": { "type": "array", "items": { "type": "integer" } } } },
        "TechnicianList": list("Technician"),
        "RoutingRuleFields": { "type": "object", "required": ["name"], "additionalProperties": false,
            "description": "Set conditions must all hold; at least one of queue_id and assignee_id", "properties": {
            "name": { "type": "string" }, "position": { "type": "integer", "description": "Lower is tried first; default: last" },
            "enabled": { "type": "boolean", "default": true }, "client_id": id, "category": { "type": "string" },
            "source": { "type": "string", "enum": ["", "alert", "manual", "api", "portal"] },
            "device_tag": { "type": "string" }, "queue_id": id, "assignee_id": id } },
        "RoutingRule": { "allOf": [ { "$ref": "#/components/schemas/RoutingRuleFields" }, { "type": "object", "properties": {
            "id": { "type": "integer" }, "client": { "type": ["string", "null"] }, "queue": { "type": ["string", "null"] },
            "assignee": { "type": ["string", "null"] }, "created_at": ts, "updated_at": ts } } ] },
        "RoutingRuleList": list("RoutingRule"),
        // One object, not `allOf` with the schedule: the schedule's `additionalProperties: false`
        // would refuse the name, so no body could match (the API fuzzer could not make one).
        "CalendarFields": { "type": "object", "required": ["name", "timezone", "hours"], "additionalProperties": false,
            "properties": { "name": { "type": "string" }, "timezone": schedule["properties"]["timezone"],
                "hours": schedule["properties"]["hours"], "holidays": schedule["properties"]["holidays"] } },
        "Calendar": { "allOf": [ { "$ref": "#/components/schemas/CalendarFields" }, { "type": "object", "properties": {
            "id": { "type": "integer" }, "policies": { "type": "array", "items": { "type": "string" } }, "updated_at": ts } } ] },
        "CalendarList": list("Calendar"),
        "PolicyFields": { "type": "object", "required": ["name", "calendar_id", "targets"], "additionalProperties": false, "properties": {
            "name": { "type": "string" }, "calendar_id": { "type": "integer" },
            "is_default": { "type": "boolean", "description": "Make this the default (the previous one stops being it)" },
            "targets": policy_targets } },
        "Policy": { "allOf": [ { "$ref": "#/components/schemas/PolicyFields" }, { "type": "object", "properties": {
            "id": { "type": "integer" }, "calendar": { "type": "string" }, "updated_at": ts,
            "clients": { "type": "array", "items": { "type": "object", "properties": { "id": { "type": "integer" }, "name": { "type": "string" } } } } } } ] },
        "PolicyList": list("Policy"),
        "ClientPolicy": { "type": "object", "required": ["policy_id"], "properties": { "client_id": { "type": "integer" }, "policy_id": id } },
        "ContactFields": { "type": "object", "required": ["name"], "additionalProperties": false, "properties": {
            "name": { "type": "string" }, "email": { "type": "string", "format": "email" }, "phone": { "type": "string" } } },
        // Spelled out rather than `allOf` with ContactFields, whose `additionalProperties: false`
        // would refuse client_id: no body could match.
        "NewContact": { "type": "object", "required": ["client_id", "name"], "additionalProperties": false, "properties": {
            "client_id": { "type": "integer" }, "name": { "type": "string" },
            "email": { "type": "string", "format": "email" }, "phone": { "type": "string" } } },
        "Contact": { "type": "object", "properties": {
            "id": { "type": "integer" }, "client_id": { "type": "integer" }, "client": { "type": "string" },
            "name": { "type": "string" }, "email": { "type": "string" }, "phone": { "type": "string" },
            "user_id": id, "open_tickets": { "type": "integer" }, "updated_at": ts } },
        "ContactPage": page_of("Contact"),
    })
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/queues", get(list_queues).post(create_queue))
        .route("/queues/{id}", get(one_queue).put(update_queue).delete(delete_queue))
        .route("/technicians", get(list_technicians))
        .route("/technicians/{id}/schedule", put(set_schedule).delete(clear_schedule))
        .route("/routing-rules", get(list_rules).post(create_rule))
        .route("/routing-rules/{id}", put(update_rule).delete(delete_rule))
        .route("/sla/calendars", get(list_calendars).post(create_calendar))
        .route("/sla/calendars/{id}", put(update_calendar).delete(delete_calendar))
        .route("/sla/policies", get(list_policies).post(create_policy))
        .route("/sla/policies/{id}", put(update_policy).delete(delete_policy))
        .route("/clients/{id}/sla-policy", put(set_client_policy))
        .route("/contacts", get(list_contacts).post(create_contact))
        .route("/contacts/{id}", put(update_contact).delete(delete_contact))
}

/// A whole list in one answer (these lists are short: a few dozen rows at most).
fn all<T>(items: Vec<T>) -> Json<Page<T>> {
    Json(Page { items, next_cursor: None })
}

fn exists(c: &rusqlite::Connection, sql: &str, id: i64) -> Result<bool, DbError> {
    use rusqlite::OptionalExtension;
    Ok(c.prepare_cached(sql)?.query_row([id], |_| Ok(())).optional()?.is_some())
}

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
    let who = caller.who();
    let gone = state
        .db
        .write(move |c| {
            let gone = delete(c, id)?;
            if gone {
                audit::record(c, now(), &who, action, &id.to_string(), "")?;
            }
            Ok(gone)
        })
        .await?;
    if gone { Ok(StatusCode::NO_CONTENT) } else { Err(ApiError::not_found(missing)) }
}

// ---------- queues ----------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueBody {
    name: Option<String>,
    assignment: Option<String>,
    #[serde(default)]
    escalation_email: String,
    #[serde(default)]
    member_ids: Vec<i64>,
}

fn queue_fields(b: QueueBody) -> ApiResult<QueueFields> {
    let name = required_text("name", b.name.as_deref().unwrap_or(""), 100)?;
    let assignment = match b.assignment.as_deref().map(str::trim) {
        None | Some("") => Assignment::RoundRobin,
        Some(a) => Assignment::parse(a).ok_or_else(|| {
            ApiError::bad_field(
                "assignment",
                format!("assignment {a:?} is not one of round_robin, least_loaded, manual."),
            )
        })?,
    };
    let escalation_email = match b.escalation_email.trim() {
        "" => String::new(),
        e => email("escalation_email", e)?,
    };
    let mut member_ids = b.member_ids;
    member_ids.sort_unstable();
    member_ids.dedup();
    Ok(QueueFields { name, assignment, escalation_email, member_ids })
}

/// Checks a queue's name and members inside the write transaction.
fn check_queue(
    c: &rusqlite::Connection,
    f: &QueueFields,
    except: Option<i64>,
) -> Result<Result<(), ApiError>, DbError> {
    if routing::queue_name_taken(c, &f.name, except)? {
        return Ok(Err(ApiError::bad_field("name", format!("There is already a queue named {:?}.", f.name))));
    }
    if let Some(id) = routing::not_staff(c, &f.member_ids)? {
        return Ok(Err(ApiError::bad_field(
            "member_ids",
            format!("member_ids: user {id} is not an active technician or admin."),
        )));
    }
    Ok(Ok(()))
}

async fn list_queues(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Page<Queue>>> {
    caller.require_staff()?;
    let t = now();
    Ok(all(state.db.read(move |c| routing::queues(c, t)).await?))
}

async fn one_queue(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<Json<Queue>> {
    caller.require_staff()?;
    let t = now();
    let q = state.db.read(move |c| routing::queue(c, id, t)).await?;
    q.map(Json).ok_or_else(|| ApiError::not_found(format!("There is no queue with id {id}.")))
}

async fn create_queue(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<QueueBody>,
) -> ApiResult<(StatusCode, Json<Queue>)> {
    caller.require_admin()?;
    let f = queue_fields(body)?;
    let who = caller.who();
    let q = state
        .db
        .write(move |c| {
            if let Err(e) = check_queue(c, &f, None)? {
                return Ok(Err(e));
            }
            let t = now();
            let id = routing::create_queue(c, &f, t)?;
            audit::record(c, t, &who, "queue.created", &id.to_string(), &f.name)?;
            Ok(Ok(routing::queue(c, id, t)?))
        })
        .await??;
    let q = q.ok_or_else(|| ApiError::internal("a queue vanished as it was made"))?;
    Ok((StatusCode::CREATED, Json(q)))
}

async fn update_queue(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<QueueBody>,
) -> ApiResult<Json<Queue>> {
    caller.require_admin()?;
    let f = queue_fields(body)?;
    let who = caller.who();
    let q = state
        .db
        .write(move |c| {
            if let Err(e) = check_queue(c, &f, Some(id))? {
                return Ok(Err(e));
            }
            let t = now();
            if !routing::update_queue(c, id, &f, t)? {
                return Ok(Ok(None));
            }
            audit::record(c, t, &who, "queue.changed", &id.to_string(), &f.name)?;
            Ok(Ok(routing::queue(c, id, t)?))
        })
        .await??;
    q.map(Json).ok_or_else(|| ApiError::not_found(format!("There is no queue with id {id}.")))
}

async fn delete_queue(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    caller.require_admin()?;
    delete_audited(
        &state,
        &caller,
        "queue.deleted",
        id,
        routing::delete_queue,
        format!("There is no queue with id {id}."),
    )
    .await
}

// ---------- technicians ----------

async fn list_technicians(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Page<Technician>>> {
    caller.require_staff()?;
    let t = now();
    Ok(all(state.db.read(move |c| routing::technicians(c, t)).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleBody {
    timezone: Option<String>,
    hours: Option<WeeklyHours>,
    #[serde(default)]
    holidays: Vec<Holiday>,
}

/// A validated calendar from its parts; the error names the wrong field (`hours.mon[0].end`).
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

fn may_set_schedule(caller: &Caller, user_id: i64) -> ApiResult<()> {
    if caller.is_admin() || (caller.is_staff() && caller.user.id == user_id) {
        Ok(())
    } else {
        Err(ApiError::forbidden("Only an admin, or the technician themselves, may change a schedule."))
    }
}

const STAFF_USER: &str = "SELECT 1 FROM users WHERE id = ?1 AND role IN ('admin', 'technician') AND disabled = 0";

async fn set_schedule(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ScheduleBody>,
) -> ApiResult<Json<Technician>> {
    may_set_schedule(&caller, id)?;
    let spec = calendar_spec(body.timezone, body.hours, body.holidays)?;
    let who = caller.who();
    let tech = state
        .db
        .write(move |c| {
            if !exists(c, STAFF_USER, id)? {
                return Ok(None);
            }
            let t = now();
            routing::set_schedule(c, id, Some(&spec), t)?;
            audit::record(c, t, &who, "schedule.changed", &id.to_string(), &spec.timezone)?;
            Ok(routing::technicians(c, t)?.into_iter().find(|u| u.id == id))
        })
        .await?;
    tech.map(Json).ok_or_else(|| ApiError::not_found(format!("There is no active technician with id {id}.")))
}

async fn clear_schedule(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    may_set_schedule(&caller, id)?;
    let who = caller.who();
    let found = state
        .db
        .write(move |c| {
            if !exists(c, STAFF_USER, id)? {
                return Ok(false);
            }
            let t = now();
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

// ---------- routing rules ----------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleBody {
    name: Option<String>,
    position: Option<i64>,
    #[serde(default = "yes")]
    enabled: bool,
    client_id: Option<i64>,
    #[serde(default)]
    category: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    device_tag: String,
    queue_id: Option<i64>,
    assignee_id: Option<i64>,
}

fn rule_fields(b: RuleBody) -> ApiResult<RuleFields> {
    let name = required_text("name", b.name.as_deref().unwrap_or(""), 200)?;
    let category = optional_line("category", &b.category, 100)?;
    let device_tag = match b.device_tag.trim() {
        "" => String::new(),
        t => super::devices::tag("device_tag", t)?,
    };
    let source = b.source.trim().to_owned();
    if !source.is_empty() && crate::tickets::Source::parse(&source).is_none() {
        return Err(ApiError::bad_field(
            "source",
            format!("source {source:?} is not one of alert, manual, api, portal (or empty for any)."),
        ));
    }
    if b.queue_id.is_none() && b.assignee_id.is_none() {
        return Err(ApiError::bad_field(
            "queue_id",
            "A routing rule needs a queue_id or an assignee_id: where its tickets go.",
        ));
    }
    if b.position.is_some_and(|p| !(0..=1_000_000).contains(&p)) {
        return Err(ApiError::bad_field("position", "position must be between 0 and 1000000."));
    }
    Ok(RuleFields {
        name,
        position: b.position,
        enabled: b.enabled,
        client_id: b.client_id,
        category,
        source,
        device_tag,
        queue_id: b.queue_id,
        assignee_id: b.assignee_id,
    })
}

/// Checks what a rule names, inside the write transaction.
fn check_rule(c: &rusqlite::Connection, f: &RuleFields) -> Result<Result<(), ApiError>, DbError> {
    if let Some(id) = f.client_id
        && !exists(c, "SELECT 1 FROM clients WHERE id = ?1", id)?
    {
        return Ok(Err(ApiError::bad_field("client_id", format!("client_id {id} is not a client."))));
    }
    if let Some(id) = f.queue_id
        && !exists(c, "SELECT 1 FROM queues WHERE id = ?1", id)?
    {
        return Ok(Err(ApiError::bad_field("queue_id", format!("queue_id {id} is not a queue."))));
    }
    if let Some(id) = f.assignee_id
        && !exists(c, STAFF_USER, id)?
    {
        return Ok(Err(ApiError::bad_field(
            "assignee_id",
            format!("assignee_id {id} is not an active technician or admin."),
        )));
    }
    Ok(Ok(()))
}

async fn list_rules(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Page<RuleView>>> {
    caller.require_staff()?;
    Ok(all(state.db.read(routing::rules).await?))
}

async fn create_rule(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<RuleBody>,
) -> ApiResult<(StatusCode, Json<RuleView>)> {
    caller.require_admin()?;
    let f = rule_fields(body)?;
    let who = caller.who();
    let rule = state
        .db
        .write(move |c| {
            if let Err(e) = check_rule(c, &f)? {
                return Ok(Err(e));
            }
            let t = now();
            let id = routing::create_rule(c, &f, t)?;
            audit::record(c, t, &who, "routing_rule.created", &id.to_string(), &f.name)?;
            Ok(Ok(routing::rule(c, id)?))
        })
        .await??;
    let rule = rule.ok_or_else(|| ApiError::internal("a routing rule vanished as it was made"))?;
    Ok((StatusCode::CREATED, Json(rule)))
}

async fn update_rule(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<RuleBody>,
) -> ApiResult<Json<RuleView>> {
    caller.require_admin()?;
    let f = rule_fields(body)?;
    let who = caller.who();
    let rule = state
        .db
        .write(move |c| {
            if let Err(e) = check_rule(c, &f)? {
                return Ok(Err(e));
            }
            let t = now();
            if !routing::update_rule(c, id, &f, t)? {
                return Ok(Ok(None));
            }
            audit::record(c, t, &who, "routing_rule.changed", &id.to_string(), &f.name)?;
            Ok(Ok(routing::rule(c, id)?))
        })
        .await??;
    rule.map(Json).ok_or_else(|| ApiError::not_found(format!("There is no routing rule with id {id}.")))
}

async fn delete_rule(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    caller.require_admin()?;
    delete_audited(
        &state,
        &caller,
        "routing_rule.deleted",
        id,
        routing::delete_rule,
        format!("There is no routing rule with id {id}."),
    )
    .await
}

// ---------- SLA calendars and policies ----------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarBody {
    name: Option<String>,
    timezone: Option<String>,
    hours: Option<WeeklyHours>,
    #[serde(default)]
    holidays: Vec<Holiday>,
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

async fn list_calendars(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Page<CalendarView>>> {
    caller.require_staff()?;
    Ok(all(state.db.read(store::calendars).await?))
}

async fn create_calendar(
    State(state): State<AppState>,
    caller: Caller,
    Json(b): Json<CalendarBody>,
) -> ApiResult<(StatusCode, Json<CalendarView>)> {
    caller.require_admin()?;
    let name = required_text("name", b.name.as_deref().unwrap_or(""), 100)?;
    let spec = calendar_spec(b.timezone, b.hours, b.holidays)?;
    let who = caller.who();
    let cal = state
        .db
        .write(move |c| {
            if store::calendar_name_taken(c, &name, None)? {
                return Ok(Err(ApiError::bad_field("name", format!("There is already a calendar named {name:?}."))));
            }
            let t = now();
            let id = store::create_calendar(c, &name, &spec, t)?;
            audit::record(c, t, &who, "sla_calendar.created", &id.to_string(), &name)?;
            Ok(Ok(store::calendar(c, id)?))
        })
        .await??;
    let cal = cal.ok_or_else(|| ApiError::internal("a calendar vanished as it was made"))?;
    Ok((StatusCode::CREATED, Json(cal)))
}

async fn update_calendar(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(b): Json<CalendarBody>,
) -> ApiResult<Json<CalendarView>> {
    caller.require_admin()?;
    let name = required_text("name", b.name.as_deref().unwrap_or(""), 100)?;
    let spec = calendar_spec(b.timezone, b.hours, b.holidays)?;
    let who = caller.who();
    let cal = state
        .db
        .write(move |c| {
            if store::calendar_name_taken(c, &name, Some(id))? {
                return Ok(Err(ApiError::bad_field("name", format!("There is already a calendar named {name:?}."))));
            }
            let t = now();
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

async fn delete_calendar(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    caller.require_admin()?;
    let who = caller.who();
    let outcome = state
        .db
        .write(move |c| {
            let outcome = store::delete_calendar(c, id)?;
            if outcome == Ok(true) {
                audit::record(c, now(), &who, "sla_calendar.deleted", &id.to_string(), "")?;
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyBody {
    name: Option<String>,
    calendar_id: Option<i64>,
    #[serde(default)]
    is_default: bool,
    targets: Option<SlaPolicy>,
}

fn policy_fields(b: PolicyBody) -> ApiResult<PolicyFields> {
    let name = required_text("name", b.name.as_deref().unwrap_or(""), 100)?;
    let calendar_id = b.calendar_id.ok_or_else(|| {
        ApiError::bad_field("calendar_id", "calendar_id is required: the business hours it counts in.")
    })?;
    let targets = b.targets.ok_or_else(|| {
        ApiError::bad_field("targets", "targets is required: first response and resolution minutes for p1 to p4.")
    })?;
    targets.validate().map_err(|e| {
        let field = format!("targets.{}", e.field);
        let message = match e.message.strip_prefix(e.field.as_str()) {
            Some(rest) => format!("{field}{rest}"),
            None => e.message,
        };
        ApiError::bad_field(&field, message)
    })?;
    Ok(PolicyFields { name, calendar_id, targets, is_default: b.is_default })
}

fn check_policy(
    c: &rusqlite::Connection,
    f: &PolicyFields,
    except: Option<i64>,
) -> Result<Result<(), ApiError>, DbError> {
    if store::policy_name_taken(c, &f.name, except)? {
        return Ok(Err(ApiError::bad_field("name", format!("There is already a policy named {:?}.", f.name))));
    }
    if !exists(c, "SELECT 1 FROM sla_calendars WHERE id = ?1", f.calendar_id)? {
        return Ok(Err(ApiError::bad_field(
            "calendar_id",
            format!("calendar_id {} is not a calendar.", f.calendar_id),
        )));
    }
    Ok(Ok(()))
}

async fn list_policies(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Page<PolicyView>>> {
    caller.require_staff()?;
    Ok(all(state.db.read(store::policies).await?))
}

async fn create_policy(
    State(state): State<AppState>,
    caller: Caller,
    Json(b): Json<PolicyBody>,
) -> ApiResult<(StatusCode, Json<PolicyView>)> {
    caller.require_admin()?;
    let f = policy_fields(b)?;
    let who = caller.who();
    let p = state
        .db
        .write(move |c| {
            if let Err(e) = check_policy(c, &f, None)? {
                return Ok(Err(e));
            }
            let t = now();
            let id = store::create_policy(c, &f, t)?;
            audit::record(c, t, &who, "sla_policy.created", &id.to_string(), &f.name)?;
            Ok(Ok(store::policy(c, id)?))
        })
        .await??;
    let p = p.ok_or_else(|| ApiError::internal("a policy vanished as it was made"))?;
    Ok((StatusCode::CREATED, Json(p)))
}

async fn update_policy(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(b): Json<PolicyBody>,
) -> ApiResult<Json<PolicyView>> {
    caller.require_admin()?;
    let f = policy_fields(b)?;
    let who = caller.who();
    let p = state
        .db
        .write(move |c| {
            if let Err(e) = check_policy(c, &f, Some(id))? {
                return Ok(Err(e));
            }
            let t = now();
            if !store::update_policy(c, id, &f, t)? {
                return Ok(Ok(None));
            }
            recount(c, &[id], t)?;
            audit::record(c, t, &who, "sla_policy.changed", &id.to_string(), &f.name)?;
            Ok(Ok(store::policy(c, id)?))
        })
        .await??;
    p.map(Json).ok_or_else(|| ApiError::not_found(format!("There is no SLA policy with id {id}.")))
}

async fn delete_policy(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    caller.require_admin()?;
    let who = caller.who();
    let outcome = state
        .db
        .write(move |c| {
            let outcome = store::delete_policy(c, id)?;
            if outcome == Ok(true) {
                audit::record(c, now(), &who, "sla_policy.deleted", &id.to_string(), "")?;
            }
            Ok(outcome)
        })
        .await?;
    match outcome {
        Ok(true) => Ok(StatusCode::NO_CONTENT),
        Ok(false) => Err(ApiError::not_found(format!("There is no SLA policy with id {id}."))),
        Err(KeepPolicy::IsDefault) => {
            Err(ApiError::conflict("This is the default policy; make another policy the default first."))
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientPolicyBody {
    /// Present and null: back to the default.
    #[serde(default, deserialize_with = "present")]
    policy_id: Option<Option<i64>>,
}

async fn set_client_policy(
    State(state): State<AppState>,
    caller: Caller,
    Path(client_id): Path<i64>,
    Json(b): Json<ClientPolicyBody>,
) -> ApiResult<Json<Value>> {
    caller.require_admin()?;
    let policy_id = b.policy_id.ok_or_else(|| {
        ApiError::bad_field("policy_id", "policy_id is required: a policy's id, or null for the default.")
    })?;
    let who = caller.who();
    state
        .db
        .write(move |c| {
            if let Some(p) = policy_id
                && !exists(c, "SELECT 1 FROM sla_policies WHERE id = ?1", p)?
            {
                return Ok(Err(ApiError::bad_field("policy_id", format!("policy_id {p} is not an SLA policy."))));
            }
            let t = now();
            if !store::set_client_policy(c, client_id, policy_id, t)? {
                return Ok(Err(ApiError::not_found(format!("There is no client with id {client_id}."))));
            }
            let what = policy_id.map_or_else(|| "default".to_owned(), |p| p.to_string());
            audit::record(c, t, &who, "client.sla_policy", &client_id.to_string(), &what)?;
            Ok(Ok(()))
        })
        .await??;
    Ok(Json(json!({ "client_id": client_id, "policy_id": policy_id })))
}

// ---------- contacts ----------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactParams {
    limit: Option<u32>,
    cursor: Option<String>,
    client_id: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    client_id: Option<i64>,
    name: Option<String>,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
}

fn contact_fields(b: &ContactBody) -> ApiResult<ContactFields> {
    let name = required_text("name", b.name.as_deref().unwrap_or(""), 200)?;
    let email = match b.email.trim() {
        "" => String::new(),
        e => email("email", e)?,
    };
    let phone = optional_line("phone", &b.phone, 50)?;
    if phone.contains('\n') {
        return Err(ApiError::bad_field("phone", "phone must be one line."));
    }
    Ok(ContactFields { name, email, phone })
}

async fn list_contacts(
    State(state): State<AppState>,
    caller: Caller,
    Query(p): Query<ContactParams>,
) -> ApiResult<Json<Page<Contact>>> {
    caller.require_staff()?;
    let paging = PageParams { limit: p.limit, cursor: p.cursor };
    let (limit, after) = (paging.limit()?, paging.after_id()?);
    let rows = state.db.read(move |c| contacts::list(c, p.client_id, after, limit)).await?;
    Ok(Json(id_page(rows, limit, |c| c.id)))
}

async fn create_contact(
    State(state): State<AppState>,
    caller: Caller,
    Json(b): Json<ContactBody>,
) -> ApiResult<(StatusCode, Json<Contact>)> {
    caller.require_staff()?;
    let f = contact_fields(&b)?;
    let client_id =
        b.client_id.ok_or_else(|| ApiError::bad_field("client_id", "client_id is required: whose contact this is."))?;
    let who = caller.who();
    let contact = state
        .db
        .write(move |c| {
            if !exists(c, "SELECT 1 FROM clients WHERE id = ?1", client_id)? {
                return Ok(Err(ApiError::bad_field("client_id", format!("client_id {client_id} is not a client."))));
            }
            let t = now();
            let id = contacts::create(c, client_id, &f, t)?;
            audit::record(c, t, &who, "contact.created", &id.to_string(), &f.name)?;
            Ok(Ok(contacts::get(c, id)?))
        })
        .await??;
    let contact = contact.ok_or_else(|| ApiError::internal("a contact vanished as it was made"))?;
    Ok((StatusCode::CREATED, Json(contact)))
}

async fn update_contact(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(b): Json<ContactBody>,
) -> ApiResult<Json<Contact>> {
    caller.require_staff()?;
    if b.client_id.is_some() {
        return Err(ApiError::bad_field("client_id", "A contact stays with their client; add a new contact instead."));
    }
    let f = contact_fields(&b)?;
    let who = caller.who();
    let contact = state
        .db
        .write(move |c| {
            let t = now();
            if !contacts::update(c, id, &f, t)? {
                return Ok(None);
            }
            audit::record(c, t, &who, "contact.changed", &id.to_string(), &f.name)?;
            contacts::get(c, id)
        })
        .await?;
    contact.map(Json).ok_or_else(|| ApiError::not_found(format!("There is no contact with id {id}.")))
}

async fn delete_contact(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    caller.require_staff()?;
    delete_audited(
        &state,
        &caller,
        "contact.deleted",
        id,
        contacts::delete,
        format!("There is no contact with id {id}."),
    )
    .await
}
