//! `/api/v1/maintenance-windows`: list, read, add, change and remove maintenance windows.
//! Admins and technicians manage them (technicians are the ones who schedule the patch nights);
//! a client contact reads the windows of their own client, its sites and its devices, and no
//! others: global and tag windows are the MSP's own planning.
//!
//! A window's scope is flat in requests and answers, as `rules::scope::Scope` serializes:
//! `"scope": "site", "site_id": 4`. Every answer also says whether the window is `active` now and
//! when its current or `next` occurrence runs, computed from the schedule at answer time.

use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::api_doc::{ApiDoc, page_of};
use super::{Page, PageParams, required_text};
use crate::db::maintenance::{self, MaintenanceWindow, WindowFields};
use crate::db::{DbError, audit, rfc3339};
use crate::rules::maintenance::{Schedule, check};
use crate::rules::scope::Scope;
use crate::server::auth::Caller;
use crate::server::error::{ApiError, ApiResult, Json, Path, Query};
use crate::server::roles::{Person, Staff};
use crate::server::state::AppState;

const NAME_MAX: usize = 200;
const PATH: &str = "/api/v1/maintenance-windows";

pub const API: ApiDoc = ApiDoc {
    operations: &[
        (
            "get",
            PATH,
            "List maintenance windows by name (?client_id: those of a client, its sites and devices; client contacts see their own client's)",
            None,
            200,
            Some("MaintenanceWindowPage"),
        ),
        (
            "post",
            PATH,
            "Add a maintenance window (staff); its time zone defaults to its site's, else its client's, else UTC",
            Some("NewMaintenanceWindow"),
            201,
            Some("MaintenanceWindow"),
        ),
        ("get", "/api/v1/maintenance-windows/{id}", "One maintenance window", None, 200, Some("MaintenanceWindow")),
        (
            "patch",
            "/api/v1/maintenance-windows/{id}",
            "Change a maintenance window (staff); a scope, when given, is replaced whole",
            Some("MaintenanceWindowChanges"),
            200,
            Some("MaintenanceWindow"),
        ),
        ("delete", "/api/v1/maintenance-windows/{id}", "Remove a maintenance window (staff)", None, 204, None),
    ],
    query: &[(("get", PATH), &[("client_id", "integer")])],
    paged: &[PATH],
    schemas,
};

fn schemas() -> Value {
    let ts = json!({ "type": "string", "format": "date-time" });
    let scope_fields = json!({
        "scope": { "type": "string", "enum": ["global", "client", "site", "device", "tag"] },
        "client_id": { "type": "integer", "description": "For scope client" },
        "site_id": { "type": "integer", "description": "For scope site" },
        "device_id": { "type": "integer", "description": "For scope device" },
        "tag": { "type": "string", "description": "For scope tag (1 to 40 characters, no spaces)" } });
    let mut new = json!({ "type": "object", "required": ["name", "scope", "schedule"], "additionalProperties": false,
        "properties": {
            "name": { "type": "string", "maxLength": NAME_MAX },
            "schedule": { "$ref": "#/components/schemas/MaintenanceSchedule" },
            "timezone": { "type": "string", "description": "IANA name the schedule is read in; default: the site's, else the client's, else UTC" },
            "enabled": { "type": "boolean", "default": true } } });
    if let (Some(props), Value::Object(scope)) = (new["properties"].as_object_mut(), scope_fields) {
        props.extend(scope);
    }
    let mut changes = new.clone();
    if let Some(o) = changes.as_object_mut() {
        o.remove("required");
    }
    changes["properties"]["timezone"]["description"] = json!("IANA name the schedule is read in; kept when not given");
    changes["properties"]["scope"]["description"] =
        json!("Replaces the scope whole: give it with the id or tag that goes with it");
    json!({
        "MaintenanceSchedule": { "description": "When the window is on, in its time zone. Durations are real minutes (1 to 10080); \
            a start the clock skips at the spring change is taken at the first instant after the gap, one it shows twice the first time.",
            "oneOf": [
            { "type": "object", "required": ["kind", "starts", "ends"], "additionalProperties": false, "properties": {
                "kind": { "const": "once" },
                "starts": { "type": "string", "description": "Local date and time, e.g. 2026-12-01T22:00 (inclusive)" },
                "ends": { "type": "string", "description": "Local date and time after starts (exclusive)" } } },
            { "type": "object", "required": ["kind", "days", "start", "duration_minutes"], "additionalProperties": false, "properties": {
                "kind": { "const": "weekly" },
                "days": { "type": "array", "minItems": 1, "items": { "type": "string", "enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] } },
                "start": { "type": "string", "description": "HH:MM, e.g. 22:00; a window may run past midnight and into the next week" },
                "duration_minutes": { "type": "integer", "minimum": 1, "maximum": 10080 } } },
            { "type": "object", "required": ["kind", "expression", "duration_minutes"], "additionalProperties": false, "properties": {
                "kind": { "const": "cron" },
                "expression": { "type": "string", "description": "Five fields: minute hour day-of-month month day-of-week, e.g. \"0 22 * * 1-5\"" },
                "duration_minutes": { "type": "integer", "minimum": 1, "maximum": 10080 } } } ] },
        "MaintenanceWindow": { "type": "object", "properties": {
            "id": { "type": "integer" }, "name": { "type": "string" },
            "scope": { "type": "string", "enum": ["global", "client", "site", "device", "tag"] },
            "client_id": { "type": ["integer", "null"], "description": "The client the window belongs to (also for site and device windows)" },
            "client": { "type": ["string", "null"] },
            "site_id": { "type": ["integer", "null"] }, "site": { "type": ["string", "null"] },
            "device_id": { "type": ["integer", "null"] }, "device": { "type": ["string", "null"], "description": "The device's hostname" },
            "tag": { "type": ["string", "null"] },
            "schedule": { "$ref": "#/components/schemas/MaintenanceSchedule" },
            "timezone": { "type": "string" }, "enabled": { "type": "boolean" },
            "active": { "type": "boolean", "description": "Enabled and on right now: new alerts of the devices it covers are held back" },
            "next": { "type": ["object", "null"], "description": "The occurrence in progress, else the next one (null when none is to come, or disabled); overlapping occurrences are merged",
                "properties": { "starts": ts, "ends": ts } },
            "created_at": ts, "updated_at": ts } },
        "NewMaintenanceWindow": new,
        "MaintenanceWindowChanges": changes,
        "MaintenanceWindowPage": page_of("MaintenanceWindow"),
    })
}

/// The part of the API description this module answers.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, get_one, update, remove))]
pub struct Api;

/// Where a window applies.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum ScopeKind {
    Global,
    Client,
    Site,
    Device,
    Tag,
}

/// A window as the API answers it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WindowAnswer {
    id: i64,
    name: String,
    #[schema(value_type = ScopeKind)]
    scope: &'static str,
    /// The client the window belongs to (also for site and device windows).
    client_id: Option<i64>,
    client: Option<String>,
    site_id: Option<i64>,
    site: Option<String>,
    device_id: Option<i64>,
    /// The device's hostname.
    device: Option<String>,
    tag: Option<String>,
    schedule: Schedule,
    /// The IANA name the schedule is read in.
    timezone: String,
    enabled: bool,
    /// Enabled and on right now: new alerts of the devices it covers are held back.
    active: bool,
    /// The occurrence in progress, else the next one (null when none is to come, or disabled);
    /// overlapping occurrences are merged.
    next: Option<Occurrence>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

/// One occurrence of a window.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Occurrence {
    #[schema(format = DateTime)]
    starts: String,
    #[schema(format = DateTime)]
    ends: String,
}

fn answer(w: MaintenanceWindow, now: i64) -> WindowAnswer {
    let window = w.window();
    let active = w.enabled && window.is_active(now);
    let next = if w.enabled { window.current_or_next(now) } else { None }
        .map(|(s, e)| Occurrence { starts: rfc3339(s), ends: rfc3339(e) });
    let (site_id, device_id, tag) = match &w.scope {
        Scope::Site { site_id } => (Some(*site_id), None, None),
        Scope::Device { device_id } => (None, Some(*device_id), None),
        Scope::Tag { tag } => (None, None, Some(tag.clone())),
        Scope::Global | Scope::Client { .. } => (None, None, None),
    };
    let client_id = match &w.scope {
        // A client window whose client is gone still says which client it was for.
        Scope::Client { client_id } => Some(*client_id),
        _ => w.client_id,
    };
    WindowAnswer {
        id: w.id,
        name: w.name,
        scope: w.scope.to_columns().0,
        client_id,
        client: w.client,
        site_id,
        site: w.site,
        device_id,
        device: w.device,
        tag,
        schedule: w.schedule,
        timezone: w.timezone,
        enabled: w.enabled,
        active,
        next,
        created_at: rfc3339(w.created_at),
        updated_at: rfc3339(w.updated_at),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// How many windows at most (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// Where the previous page ended: its `next_cursor`.
    #[param(format = "cursor")]
    cursor: Option<String>,
    /// Only the windows of this client, its sites and its devices.
    client_id: Option<i64>,
}

/// List maintenance windows by name (?client_id: those of a client, its sites and devices; client contacts see their own client's)
#[utoipa::path(get, path = "/api/v1/maintenance-windows", params(ListParams), responses((status = 200, body = Page<WindowAnswer>)))]
pub async fn list(
    State(state): State<AppState>,
    Person(caller): Person,
    Query(p): Query<ListParams>,
) -> ApiResult<Json<Page<WindowAnswer>>> {
    let t = state.clock.now();
    let paging = PageParams { limit: p.limit, cursor: p.cursor };
    let limit = paging.limit()?;
    // A cursor without an id (not one this server gave out, but a position all the same) is
    // before every window of that name.
    let after = paging.after()?.map(|key| {
        match key.rsplit_once('\u{1f}').and_then(|(name, id)| Some((name.to_owned(), id.parse::<i64>().ok()?))) {
            Some(position) => position,
            None => (key, i64::MIN),
        }
    });
    let client_id = caller.client_scope().or(p.client_id);
    let mut rows = state
        .db
        .read(move |c| maintenance::list(c, client_id, after.as_ref().map(|(n, i)| (n.as_str(), *i)), limit + 1))
        .await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor =
        if more { rows.last().map(|w| URL_SAFE_NO_PAD.encode(format!("{}\u{1f}{}", w.name, w.id))) } else { None };
    Ok(Json(Page { items: rows.into_iter().map(|w| answer(w, t)).collect(), next_cursor }))
}

/// The window if the caller may see it; otherwise "not found", so a client contact cannot learn
/// which ids exist.
async fn visible(state: &AppState, caller: &Caller, id: i64) -> ApiResult<MaintenanceWindow> {
    let window = state.db.read(move |c| maintenance::get(c, id)).await?;
    match window {
        Some(w) if caller.client_scope().is_none_or(|own| w.client_id == Some(own)) => Ok(w),
        _ => Err(ApiError::not_found(format!("There is no maintenance window with id {id}."))),
    }
}

/// One maintenance window
#[utoipa::path(get, path = "/api/v1/maintenance-windows/{id}", responses((status = 200, body = WindowAnswer)))]
pub async fn get_one(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(id): Path<i64>,
) -> ApiResult<Json<WindowAnswer>> {
    let now = state.clock.now();
    let w = visible(&state, &caller, id).await?;
    Ok(Json(answer(w, now)))
}

/// A create or change request. The schedule stays JSON until it is checked, so a mistake in it
/// is a 400 that names `schedule` (or the field inside it), not a generic "body is not valid".
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowRequest {
    name: Option<String>,
    scope: Option<String>,
    client_id: Option<i64>,
    site_id: Option<i64>,
    device_id: Option<i64>,
    tag: Option<String>,
    schedule: Option<Value>,
    timezone: Option<String>,
    enabled: Option<bool>,
}

/// The id field each scope needs, and its schema.
fn scope_fields() -> [(&'static str, Option<(&'static str, Value)>); 5] {
    let id = |what: &str| json!({ "type": "integer", "format": "int64", "description": format!("The {what}'s id") });
    [
        ("global", None),
        ("client", Some(("client_id", id("client")))),
        ("site", Some(("site_id", id("site")))),
        ("device", Some(("device_id", id("device")))),
        (
            "tag",
            Some((
                "tag",
                json!({ "type": "string", "description": "1 to 40 characters, no spaces or control characters (trimmed, lower-cased)",
                        "pattern": r"^[ \t\n\r]*[!-~]{1,40}[ \t\n\r]*$" }),
            )),
        ),
    ]
}

/// A window request's schema: one branch per scope (with the one id field that scope needs and
/// the others absent or null), and for changes a branch without a scope. The scope is flat, as
/// `request_scope` reads it.
fn window_request_schema(new: bool) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    let nullable = |schema: Value| json!({ "oneOf": [schema, { "type": "null" }] });
    let name = json!({ "type": "string", "format": "name", "minLength": 1, "maxLength": NAME_MAX });
    let schedule = json!({ "$ref": "#/components/schemas/Schedule" });
    let mut common = serde_json::Map::new();
    common.insert("name".into(), if new { name } else { nullable(name) });
    common.insert("schedule".into(), if new { schedule } else { nullable(schedule) });
    common.insert(
        "timezone".into(),
        json!({ "type": ["string", "null"], "format": "timezone",
                "description": if new { "IANA name the schedule is read in; default: the site's, else the client's, else UTC" }
                               else { "IANA name the schedule is read in; kept when not given" } }),
    );
    common.insert("enabled".into(), json!({ "type": ["boolean", "null"], "description": "Default true" }));
    let fields = scope_fields();
    let mut branches: Vec<Value> = Vec::new();
    for (kind, needed) in &fields {
        let mut props = common.clone();
        props.insert("scope".into(), json!({ "type": "string", "enum": [kind] }));
        let mut required: Vec<&str> = if new { vec!["name", "scope", "schedule"] } else { vec!["scope"] };
        for (_, other) in &fields {
            if let Some((field, schema)) = other {
                let mine = needed.as_ref().is_some_and(|(f, _)| f == field);
                props.insert((*field).into(), if mine { schema.clone() } else { json!({ "type": "null" }) });
                if mine {
                    required.push(field);
                }
            }
        }
        branches.push(json!({ "type": "object", "title": kind, "required": required, "properties": props,
                              "additionalProperties": false }));
    }
    if !new {
        let mut props = common.clone();
        props.insert("scope".into(), json!({ "type": "null" }));
        for (field, _) in fields.iter().filter_map(|(_, f)| f.as_ref()) {
            props.insert((*field).into(), json!({ "type": "null" }));
        }
        branches.push(json!({ "type": "object", "title": "unchanged scope", "properties": props,
                              "additionalProperties": false }));
    }
    let description = if new {
        "A new maintenance window. Its scope is flat: \"scope\": \"site\", \"site_id\": 4; the id or tag that goes with the scope is needed and the others are not given."
    } else {
        "What to change of a window; what is left out stays as it is. A scope, when given, is replaced whole, with the id or tag that goes with it."
    };
    serde_json::from_value(json!({ "oneOf": branches, "description": description }))
        .expect("a window request's schema is a schema")
}

/// The body of `POST /maintenance-windows`, as the description states it (the handler reads a
/// `WindowRequest`).
pub struct NewWindow;

impl utoipa::PartialSchema for NewWindow {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        window_request_schema(true)
    }
}

impl utoipa::ToSchema for NewWindow {
    fn name() -> std::borrow::Cow<'static, str> {
        "NewMaintenanceWindow".into()
    }
}

/// The body of `PATCH /maintenance-windows/{id}`, as the description states it.
pub struct WindowChanges;

impl utoipa::PartialSchema for WindowChanges {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        window_request_schema(false)
    }
}

impl utoipa::ToSchema for WindowChanges {
    fn name() -> std::borrow::Cow<'static, str> {
        "MaintenanceWindowChanges".into()
    }
}

/// What a request asks for, checked as far as can be without the database.
struct Checked {
    name: Option<String>,
    scope: Option<Scope>,
    schedule: Option<Schedule>,
    timezone: Option<String>,
    enabled: Option<bool>,
}

fn check_request(req: WindowRequest) -> ApiResult<Checked> {
    let name = req.name.as_deref().map(|n| required_text("name", n, NAME_MAX)).transpose()?;
    let scope = request_scope(&req)?;
    let schedule = req
        .schedule
        .map(|v| {
            serde_json::from_value::<Schedule>(v)
                .map(Schedule::normalized)
                .map_err(|e| ApiError::bad_field("schedule", format!("schedule is not valid: {e}.")))
        })
        .transpose()?;
    let zone = req
        .timezone
        .as_deref()
        .map(|z| {
            let z = z.trim();
            jiff::tz::TimeZone::get(z).map(|_| z.to_owned()).map_err(|_| {
                ApiError::bad_field(
                    "timezone",
                    format!("timezone {z:?} is not a time zone name such as \"Europe/Berlin\"."),
                )
            })
        })
        .transpose()?;
    Ok(Checked { name, scope, schedule, timezone: zone, enabled: req.enabled })
}

/// The scope a request names, if it names one. Ids that do not go with the scope are refused
/// rather than ignored: `{"scope": "client", "site_id": 4}` is more likely a mistake than a wish.
fn request_scope(req: &WindowRequest) -> ApiResult<Option<Scope>> {
    let ids = [
        ("client_id", req.client_id.is_some(), "client"),
        ("site_id", req.site_id.is_some(), "site"),
        ("device_id", req.device_id.is_some(), "device"),
        ("tag", req.tag.is_some(), "tag"),
    ];
    let Some(kind) = req.scope.as_deref() else {
        if let Some((field, ..)) = ids.iter().find(|(_, given, _)| *given) {
            return Err(ApiError::bad_field("scope", format!("scope must be given with {field}.")));
        }
        return Ok(None);
    };
    let unknown =
        || ApiError::bad_field("scope", format!("scope must be global, client, site, device or tag, not {kind:?}."));
    if !["global", "client", "site", "device", "tag"].contains(&kind) {
        return Err(unknown());
    }
    for (field, given, belongs) in ids {
        if given && belongs != kind {
            return Err(ApiError::bad_field(field, format!("{field} does not go with scope {kind:?}.")));
        }
    }
    let needed =
        |field: &str| ApiError::bad_field(field, format!("{field} is needed for a window with scope {kind:?}."));
    let scope = match kind {
        "global" => Scope::Global,
        "client" => Scope::Client { client_id: req.client_id.ok_or_else(|| needed("client_id"))? },
        "site" => Scope::Site { site_id: req.site_id.ok_or_else(|| needed("site_id"))? },
        "device" => Scope::Device { device_id: req.device_id.ok_or_else(|| needed("device_id"))? },
        "tag" => Scope::Tag { tag: req.tag.clone().ok_or_else(|| needed("tag"))? }
            .normalized()
            .map_err(|m| ApiError::bad_field("tag", m))?,
        _ => return Err(unknown()),
    };
    Ok(Some(scope))
}

/// The checks that need the database: the scope names something that exists, and the schedule
/// fits its time zone. `Ok(Err(..))` is a refusal: nothing was written.
fn check_stored(c: &rusqlite::Connection, f: &WindowFields, t: i64) -> Result<Result<(), ApiError>, DbError> {
    if !maintenance::scope_exists(c, &f.scope)? {
        let (field, what) = match f.scope {
            Scope::Client { .. } => ("client_id", "client"),
            Scope::Site { .. } => ("site_id", "site"),
            _ => ("device_id", "device"),
        };
        let id = f.scope.to_columns().1.unwrap_or_default();
        return Ok(Err(super::rules::missing_row(field, format!("{field}: there is no {what} with id {id}."))));
    }
    Ok(check(&f.schedule, &f.timezone, t).map_err(|e| ApiError::bad_field(e.field, e.message)))
}

/// Tells the rule engine the windows changed. The change is stored either way; an engine that
/// cannot reload keeps the windows it had until its next reload, which the log says.
async fn reload_engine(state: &AppState) {
    if let Err(e) = state.engine.reload(&state.db).await {
        tracing::error!(error = %e, "the rule engine could not reload maintenance windows after a change");
    }
}

/// Add a maintenance window (staff); its time zone defaults to its site's, else its client's, else UTC
#[utoipa::path(post, path = "/api/v1/maintenance-windows", request_body = NewWindow, responses((status = 201, body = WindowAnswer)))]
pub async fn create(
    State(state): State<AppState>,
    Staff(caller): Staff,
    Json(req): Json<WindowRequest>,
) -> ApiResult<(StatusCode, Json<WindowAnswer>)> {
    let now = state.clock.now();
    let checked = check_request(req)?;
    let name = checked.name.ok_or_else(|| ApiError::bad_field("name", "name must not be empty."))?;
    let scope = checked.scope.ok_or_else(|| {
        ApiError::bad_field("scope", "scope must say where the window applies: global, client, site, device or tag.")
    })?;
    let schedule = checked.schedule.ok_or_else(|| {
        ApiError::bad_field("schedule", "schedule is needed: {\"kind\": \"once\" | \"weekly\" | \"cron\", ...}.")
    })?;
    let (zone, enabled, by, who) = (checked.timezone, checked.enabled.unwrap_or(true), caller.user.id, caller.who());
    let created = state
        .db
        .write(move |c| {
            let t = now;
            let timezone = match zone {
                Some(z) => z,
                None if maintenance::scope_exists(c, &scope)? => maintenance::default_timezone(c, &scope)?,
                None => "UTC".into(),
            };
            let fields = WindowFields { name, scope, schedule, timezone, enabled };
            if let Err(refused) = check_stored(c, &fields, t)? {
                return Ok(Err(refused));
            }
            let w = maintenance::insert(c, &fields, Some(by), t)?;
            audit::record(c, t, &who, "maintenance.created", &w.id.to_string(), &w.name)?;
            Ok(Ok(w))
        })
        .await??;
    reload_engine(&state).await;
    Ok((StatusCode::CREATED, Json(answer(created, now))))
}

/// Change a maintenance window (staff); a scope, when given, is replaced whole
#[utoipa::path(patch, path = "/api/v1/maintenance-windows/{id}", request_body = WindowChanges, responses((status = 200, body = WindowAnswer)))]
pub async fn update(
    State(state): State<AppState>,
    Staff(caller): Staff,
    Path(id): Path<i64>,
    Json(req): Json<WindowRequest>,
) -> ApiResult<Json<WindowAnswer>> {
    let now = state.clock.now();
    let checked = check_request(req)?;
    let who = caller.who();
    let updated = state
        .db
        .write(move |c| {
            let t = now;
            let old = maintenance::get(c, id)?
                .ok_or_else(|| DbError::NotFound(format!("There is no maintenance window with id {id}.")))?;
            let fields = WindowFields {
                name: checked.name.unwrap_or(old.name),
                scope: checked.scope.unwrap_or(old.scope),
                schedule: checked.schedule.unwrap_or(old.schedule),
                // Moving a window to another scope keeps its zone: the times a person set stay
                // the times they meant.
                timezone: checked.timezone.unwrap_or(old.timezone),
                enabled: checked.enabled.unwrap_or(old.enabled),
            };
            if let Err(refused) = check_stored(c, &fields, t)? {
                return Ok(Err(refused));
            }
            let w = maintenance::update(c, id, &fields, t)?;
            audit::record(c, t, &who, "maintenance.updated", &id.to_string(), &w.name)?;
            Ok(Ok(w))
        })
        .await??;
    reload_engine(&state).await;
    Ok(Json(answer(updated, now)))
}

/// Remove a maintenance window (staff)
#[utoipa::path(delete, path = "/api/v1/maintenance-windows/{id}", responses((status = 204)))]
pub async fn remove(State(state): State<AppState>, Staff(caller): Staff, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    let now = state.clock.now();
    let who = caller.who();
    state
        .db
        .write(move |c| {
            let old = maintenance::get(c, id)?
                .ok_or_else(|| DbError::NotFound(format!("There is no maintenance window with id {id}.")))?;
            maintenance::delete(c, id)?;
            audit::record(c, now, &who, "maintenance.deleted", &id.to_string(), &old.name)?;
            Ok(())
        })
        .await?;
    reload_engine(&state).await;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: Value) -> WindowRequest {
        serde_json::from_value(body).unwrap()
    }

    fn field(body: Value) -> String {
        let e = request_scope(&request(body)).unwrap_err();
        e.detail.unwrap()["field"].as_str().unwrap().to_owned()
    }

    #[test]
    fn scopes_are_read_flat_and_strictly() {
        assert_eq!(request_scope(&request(json!({}))).unwrap(), None);
        assert_eq!(request_scope(&request(json!({ "scope": "global" }))).unwrap(), Some(Scope::Global));
        assert_eq!(
            request_scope(&request(json!({ "scope": "site", "site_id": 4 }))).unwrap(),
            Some(Scope::Site { site_id: 4 })
        );
        assert_eq!(
            request_scope(&request(json!({ "scope": "tag", "tag": " Backup " }))).unwrap(),
            Some(Scope::Tag { tag: "backup".into() })
        );
        assert_eq!(field(json!({ "scope": "client" })), "client_id");
        assert_eq!(field(json!({ "scope": "client", "client_id": 1, "site_id": 4 })), "site_id");
        assert_eq!(field(json!({ "site_id": 4 })), "scope");
        assert_eq!(field(json!({ "scope": "planet" })), "scope");
        assert_eq!(field(json!({ "scope": "tag", "tag": "two words" })), "tag");
    }
}
