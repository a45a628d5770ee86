//! `/api/v1/alerts`: what the rule engine found. Staff see and acknowledge every alert; a client
//! contact sees their own company's. Alerts resolve by themselves when the condition clears.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::api_doc::{ApiDoc, page_of};
use super::{Page, PageParams, id_page};
use crate::db::alerts::{self, Alert, AlertFilter};
use crate::rules::Severity;
use crate::server::auth::Caller;
use crate::server::error::{ApiError, ApiResult, Json, Path, Query};
use crate::server::live::LiveEvent;
use crate::server::roles::{Person, Staff};
use crate::server::state::AppState;

pub const API: ApiDoc = ApiDoc {
    operations: &[
        ("get", "/api/v1/alerts", "Alerts, newest first, with filters", None, 200, Some("AlertPage")),
        ("get", "/api/v1/alerts/counts", "Open alerts by severity (?client_id=)", None, 200, Some("AlertCounts")),
        ("get", "/api/v1/alerts/{id}", "One alert with its history", None, 200, Some("AlertDetail")),
        (
            "post",
            "/api/v1/alerts/{id}/acknowledge",
            "Acknowledge an open alert: someone is on it, reminders stop (staff)",
            None,
            200,
            Some("Alert"),
        ),
        ("post", "/api/v1/alerts/{id}/unacknowledge", "Take back an acknowledgement (staff)", None, 200, Some("Alert")),
        (
            "post",
            "/api/v1/alerts/acknowledge",
            "Acknowledge many open alerts at once (staff)",
            Some("AlertIds"),
            200,
            Some("AlertBulkResult"),
        ),
    ],
    query: &[
        (
            ("get", "/api/v1/alerts"),
            &[
                ("state", "string"),
                ("severity", "string"),
                ("client_id", "integer"),
                ("device_id", "integer"),
                ("rule_id", "integer"),
                ("q", "string"),
            ],
        ),
        (("get", "/api/v1/alerts/counts"), &[("client_id", "integer")]),
    ],
    paged: &["/api/v1/alerts"],
    schemas,
};

fn schemas() -> Value {
    let ts = json!({ "type": ["string", "null"], "format": "date-time" });
    json!({
        "Alert": { "type": "object", "properties": {
            "id": { "type": "integer" },
            "state": { "type": "string", "enum": ["open", "acknowledged", "resolved"] },
            "severity": { "type": "string", "enum": ["warning", "critical"] },
            "rule_id": { "type": ["integer", "null"] }, "rule_name": { "type": "string" },
            "device_id": { "type": "integer" }, "hostname": { "type": "string" },
            "client_id": { "type": "integer" }, "client": { "type": "string" },
            "subject": { "type": "string", "description": "What on the device: a mount point, a disk serial, ..." },
            "summary": { "type": "string" }, "value": { "type": ["number", "null"] }, "threshold": { "type": ["number", "null"] },
            "flapping": { "type": "boolean" }, "opened_at": ts, "updated_at": ts, "acknowledged_at": ts,
            "acknowledged_by": { "type": ["string", "null"] }, "resolved_at": ts, "resolution": { "type": "string" },
            "ticket_id": { "type": ["integer", "null"] } } },
        "AlertDetail": { "allOf": [ { "$ref": "#/components/schemas/Alert" }, { "type": "object", "properties": {
            "events": { "type": "array", "items": { "type": "object", "properties": {
                "at": ts, "kind": { "type": "string" }, "detail": { "type": "string" }, "user": { "type": ["string", "null"] } } } } } } ] },
        "AlertCounts": { "type": "object", "properties": {
            "critical": { "type": "integer" }, "warning": { "type": "integer" }, "unacknowledged": { "type": "integer" } } },
        "AlertIds": { "type": "object", "required": ["ids"], "additionalProperties": false, "properties": {
            "ids": { "type": "array", "items": { "type": "integer" }, "maxItems": 500 } } },
        "AlertBulkResult": { "type": "object", "properties": { "changed": { "type": "array", "items": { "type": "integer" } } } },
        "AlertPage": page_of("Alert"),
    })
}

/// The part of the API description this module answers.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, counts, one, acknowledge, unacknowledge, acknowledge_many))]
pub struct Api;

/// Which alerts a list shows: open (open or acknowledged), unacknowledged, acknowledged,
/// resolved, or all; every state when not given.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StateFilter {
    Open,
    Unacknowledged,
    Acknowledged,
    Resolved,
    All,
}

/// A severity to filter by: warning or critical; empty for any.
pub struct SeverityFilter;

impl utoipa::PartialSchema for SeverityFilter {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(["", "warning", "critical"]))
            .into()
    }
}

impl utoipa::ToSchema for SeverityFilter {
    fn name() -> std::borrow::Cow<'static, str> {
        "SeverityFilter".into()
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// How many alerts at most (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// Where the previous page ended: its `next_cursor`.
    #[param(format = "id-cursor")]
    cursor: Option<String>,
    /// open (open or acknowledged), unacknowledged, acknowledged, resolved or all.
    #[param(inline, value_type = Option<StateFilter>)]
    state: Option<String>,
    /// warning or critical.
    #[param(inline, value_type = Option<SeverityFilter>)]
    severity: Option<String>,
    /// Only this client's alerts.
    client_id: Option<i64>,
    /// Only this device's alerts.
    device_id: Option<i64>,
    /// Only this rule's alerts.
    rule_id: Option<i64>,
    /// Hostname, subject or summary contains this.
    q: Option<String>,
}

/// Alerts, newest first, with filters
#[utoipa::path(get, path = "/api/v1/alerts", params(ListParams), responses((status = 200, body = Page<Alert>)))]
pub async fn list(
    State(state): State<AppState>,
    Person(caller): Person,
    Query(p): Query<ListParams>,
) -> ApiResult<Json<Page<Alert>>> {
    let paging = PageParams { limit: p.limit, cursor: p.cursor };
    let limit = paging.limit()?;
    let before = paging.after_id()?;
    let states = ["open", "unacknowledged", "acknowledged", "resolved", "all"];
    if let Some(s) = p.state.as_deref().filter(|s| !states.contains(s)) {
        return Err(ApiError::bad_field("state", format!("state {s:?} is not one of {}.", states.join(", "))));
    }
    let severity = match p.severity.as_deref() {
        None | Some("") => None,
        Some(s) => Some(Severity::parse(s).ok_or_else(|| {
            ApiError::bad_field("severity", format!("severity {s:?} is neither warning nor critical."))
        })?),
    };
    let mut client_id = p.client_id;
    if let Some(own) = caller.client_scope() {
        if client_id.is_some_and(|c| c != own) {
            return Ok(Json(Page { items: Vec::new(), next_cursor: None }));
        }
        client_id = Some(own);
    }
    let filter = AlertFilter {
        state: p.state.filter(|s| s != "all"),
        severity,
        client_id,
        device_id: p.device_id,
        rule_id: p.rule_id,
        search: p.q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty()),
    };
    let rows = state.db.read(move |c| alerts::list(c, &filter, before, limit)).await?;
    Ok(Json(id_page(rows, limit, |a| a.id)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CountParams {
    /// Only this client's alerts.
    client_id: Option<i64>,
}

/// Open alerts by severity (?client_id=)
#[utoipa::path(get, path = "/api/v1/alerts/counts", params(CountParams), responses((status = 200, body = alerts::OpenCounts)))]
pub async fn counts(
    State(state): State<AppState>,
    Person(caller): Person,
    Query(p): Query<CountParams>,
) -> ApiResult<Json<alerts::OpenCounts>> {
    let client = caller.client_scope().or(p.client_id);
    Ok(Json(state.db.read(move |c| alerts::open_counts(c, client)).await?))
}

/// An alert the caller may see; others are "not found".
async fn visible(state: &AppState, caller: &Caller, id: i64) -> ApiResult<Alert> {
    let found = state.db.read(move |c| alerts::get(c, id)).await?;
    found
        .filter(|a| caller.client_scope().is_none_or(|own| own == a.client_id))
        .ok_or_else(|| ApiError::not_found(format!("There is no alert with id {id}.")))
}

/// An alert with its history.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AlertDetail {
    #[serde(flatten)]
    alert: Alert,
    events: Vec<alerts::AlertEvent>,
}

/// One alert with its history
#[utoipa::path(get, path = "/api/v1/alerts/{id}", responses((status = 200, body = AlertDetail)))]
pub async fn one(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(id): Path<i64>,
) -> ApiResult<Json<AlertDetail>> {
    let alert = visible(&state, &caller, id).await?;
    let events = state.db.read(move |c| alerts::events(c, id)).await?;
    Ok(Json(AlertDetail { alert, events }))
}

type Change = fn(&rusqlite::Connection, &[i64], i64, i64) -> Result<Vec<(i64, i64, i64)>, crate::db::DbError>;

/// Applies `f` to the alerts `ids` for a member of staff, with an audit entry per changed alert.
async fn change(
    state: &AppState,
    caller: &Staff,
    ids: Vec<i64>,
    f: Change,
    action: &'static str,
) -> ApiResult<Vec<i64>> {
    let t = state.clock.now();
    let (by, who) = (caller.user.id, caller.who());
    let changed = state
        .db
        .write(move |c| {
            let changed = f(c, &ids, by, t)?;
            for (alert_id, _, _) in &changed {
                crate::db::audit::record(c, t, &who, action, &alert_id.to_string(), "")?;
            }
            Ok(changed)
        })
        .await?;
    for &(alert_id, device_id, client_id) in &changed {
        state.live.send(LiveEvent::AlertChanged { alert_id, device_id, client_id });
    }
    Ok(changed.into_iter().map(|(a, _, _)| a).collect())
}

/// Acknowledge an open alert: someone is on it, reminders stop (staff)
#[utoipa::path(post, path = "/api/v1/alerts/{id}/acknowledge", responses((status = 200, body = Alert)))]
pub async fn acknowledge(State(state): State<AppState>, caller: Staff, Path(id): Path<i64>) -> ApiResult<Json<Alert>> {
    let alert = visible(&state, &caller, id).await?;
    if alert.state != "open" {
        return Err(ApiError::conflict(format!("Alert {id} is {}, not open.", alert.state)));
    }
    change(&state, &caller, vec![id], alerts::acknowledge, "alert.acknowledged").await?;
    Ok(Json(visible(&state, &caller, id).await?))
}

/// Take back an acknowledgement (staff)
#[utoipa::path(post, path = "/api/v1/alerts/{id}/unacknowledge", responses((status = 200, body = Alert)))]
pub async fn unacknowledge(
    State(state): State<AppState>,
    caller: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Alert>> {
    let alert = visible(&state, &caller, id).await?;
    if alert.state != "acknowledged" {
        return Err(ApiError::conflict(format!("Alert {id} is {}, not acknowledged.", alert.state)));
    }
    change(&state, &caller, vec![id], alerts::unacknowledge, "alert.unacknowledged").await?;
    Ok(Json(visible(&state, &caller, id).await?))
}

/// The alerts to change.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertIds {
    /// 1 to 500 alert ids; those not open are left as they are.
    #[schema(min_items = 1, max_items = 500)]
    ids: Vec<i64>,
}

/// The alerts a bulk change changed.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Changed {
    changed: Vec<i64>,
}

/// Acknowledge many open alerts at once (staff)
#[utoipa::path(post, path = "/api/v1/alerts/acknowledge", request_body = AlertIds, responses((status = 200, body = Changed)))]
pub async fn acknowledge_many(
    State(state): State<AppState>,
    caller: Staff,
    Json(req): Json<AlertIds>,
) -> ApiResult<Json<Changed>> {
    if req.ids.is_empty() || req.ids.len() > 500 {
        return Err(ApiError::bad_field("ids", "ids must list between 1 and 500 alerts."));
    }
    let changed = change(&state, &caller, req.ids, alerts::acknowledge, "alert.acknowledged").await?;
    Ok(Json(Changed { changed }))
}
