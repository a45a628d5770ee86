//! `GET /api/v1/audit` (admins): the audit log, newest first, filtered by who, what, when and
//! words; `GET /api/v1/audit.csv` the same as a spreadsheet; `GET /api/v1/audit/actions` the
//! actions recorded so far, for the page's filter.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::api_doc::ApiDoc;
use super::reports::{Csv, csv_response};
use super::{Page, PageParams, id_page, timestamp};
use crate::db::audit::{self, Entry, Filter};
use crate::server::error::{ApiError, ApiResult, Json, Query};
use crate::server::roles::Admin;
use crate::server::state::AppState;

const FILTERS: &[(&str, &str)] =
    &[("actor", "string"), ("action", "string"), ("from", "string"), ("to", "string"), ("q", "string")];

pub const API: ApiDoc = ApiDoc {
    operations: &[
        (
            "get",
            "/api/v1/audit",
            "The audit log, newest first: logins and failures, users, roles, API keys, enrollments, devices, \
             rules, channels, tickets, settings (admins). ?actor= (login), action= (or its family, e.g. login), \
             from=, to= (RFC 3339 or unix seconds), q= (words in subject, detail or address)",
            None,
            200,
            Some("AuditPage"),
        ),
        (
            "get",
            "/api/v1/audit.csv",
            "The audit log as CSV, with the same filters (admins; at most 100,000 rows)",
            None,
            200,
            None,
        ),
        ("get", "/api/v1/audit/actions", "The actions the audit log holds (admins)", None, 200, Some("AuditActions")),
    ],
    query: &[(("get", "/api/v1/audit"), FILTERS), (("get", "/api/v1/audit.csv"), FILTERS)],
    paged: &["/api/v1/audit"],
    schemas,
};

fn schemas() -> Value {
    json!({
        "AuditEntry": { "type": "object", "required": ["id", "at", "actor", "action", "detail"], "properties": {
            "id": { "type": "integer" }, "at": { "type": "string", "format": "date-time" },
            "actor": { "type": "string", "description": "The login at the time, or agent, system, cli; for a failed login the login tried" },
            "user_id": { "type": ["integer", "null"] }, "source": { "type": "string", "description": "The client's address" },
            "action": { "type": "string" }, "subject": { "type": "string" }, "detail": { "type": "string" } } },
        "AuditPage": super::api_doc::page_of("AuditEntry"),
        "AuditActions": { "type": "object", "properties": { "items": { "type": "array", "items": { "type": "string" } } } },
    })
}

/// The part of the API description this module answers.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, csv, actions))]
pub struct Api;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// The login at the time (agent, system, cli for those), case-insensitive.
    #[param(max_length = 200, pattern = r"^[\t-\r \u0085]*[^\u0000-\u001f\u007f-\u009f]*[\t-\r \u0085]*$")]
    actor: Option<String>,
    /// An action, or its family (e.g. login).
    #[param(max_length = 200, pattern = r"^[\t-\r \u0085]*[^\u0000-\u001f\u007f-\u009f]*[\t-\r \u0085]*$")]
    action: Option<String>,
    /// From this time on.
    #[param(format = "instant")]
    from: Option<String>,
    /// Up to this time.
    #[param(format = "instant")]
    to: Option<String>,
    /// Words in the subject, the detail or the address.
    #[param(max_length = 200, pattern = r"^[\t-\r \u0085]*[^\u0000-\u001f\u007f-\u009f]*[\t-\r \u0085]*$")]
    q: Option<String>,
    /// How many entries at most (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// Where the previous page ended: its `next_cursor`.
    #[param(format = "id-cursor")]
    cursor: Option<String>,
}

// The description's side of `AuditParams`, which refuses `limit` and `cursor` for the export.
/// The filters of the CSV export: those of the list without its paging.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct CsvParams {
    /// The login at the time (agent, system, cli for those), case-insensitive.
    #[param(max_length = 200, pattern = r"^[\t-\r \u0085]*[^\u0000-\u001f\u007f-\u009f]*[\t-\r \u0085]*$")]
    actor: Option<String>,
    /// An action, or its family (e.g. login).
    #[param(max_length = 200, pattern = r"^[\t-\r \u0085]*[^\u0000-\u001f\u007f-\u009f]*[\t-\r \u0085]*$")]
    action: Option<String>,
    /// From this time on.
    #[param(format = "instant")]
    from: Option<String>,
    /// Up to this time.
    #[param(format = "instant")]
    to: Option<String>,
    /// Words in the subject, the detail or the address.
    #[param(max_length = 200, pattern = r"^[\t-\r \u0085]*[^\u0000-\u001f\u007f-\u009f]*[\t-\r \u0085]*$")]
    q: Option<String>,
}

fn filter(p: &AuditParams) -> ApiResult<Filter> {
    let text = |field: &str, v: &Option<String>| -> ApiResult<Option<String>> {
        match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) if v.chars().count() > 200 || v.chars().any(char::is_control) => {
                Err(ApiError::bad_field(field, format!("{field} must be at most 200 characters on one line.")))
            }
            Some(v) => Ok(Some(v.to_owned())),
        }
    };
    let time = |field: &str, v: &Option<String>| -> ApiResult<Option<i64>> {
        v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(|v| timestamp(field, v)).transpose()
    };
    Ok(Filter {
        actor: text("actor", &p.actor)?,
        action: text("action", &p.action)?,
        from: time("from", &p.from)?,
        to: time("to", &p.to)?,
        q: text("q", &p.q)?,
        before_id: None,
    })
}

/// The audit log, newest first: logins and failures, users, roles, API keys, enrollments, devices, rules, channels, tickets, settings (admins). ?actor= (login), action= (or its family, e.g. login), from=, to= (RFC 3339 or unix seconds), q= (words in subject, detail or address)
#[utoipa::path(get, path = "/api/v1/audit", params(AuditParams), responses((status = 200, body = Page<Entry>)))]
pub async fn list(
    State(state): State<AppState>,
    _: Admin,
    Query(p): Query<AuditParams>,
) -> ApiResult<Json<Page<Entry>>> {
    let paging = PageParams { limit: p.limit, cursor: p.cursor.clone() };
    let (limit, before) = (paging.limit()?, paging.after_id()?);
    let f = Filter { before_id: before, ..filter(&p)? };
    let rows = state.db.read(move |c| audit::list(c, &f, limit + 1)).await?;
    Ok(Json(id_page(rows, limit, |e| e.id)))
}

/// Most rows one export carries.
const CSV_ROWS: usize = 100_000;

/// The audit log as CSV, with the same filters (admins; at most 100,000 rows)
#[utoipa::path(get, path = "/api/v1/audit.csv", params(CsvParams), responses((status = 200, description = "id, at, actor, source, action, subject, detail", content_type = "text/csv", body = String)))]
pub async fn csv(State(state): State<AppState>, _: Admin, Query(p): Query<AuditParams>) -> ApiResult<Response> {
    if p.limit.is_some() || p.cursor.is_some() {
        return Err(ApiError::bad_request("audit.csv takes the filters only, not limit or cursor."));
    }
    let f = filter(&p)?;
    let rows = state.db.read(move |c| audit::list(c, &f, CSV_ROWS)).await?;
    let mut out = Csv::new(&["id", "at", "actor", "source", "action", "subject", "detail"]);
    for e in &rows {
        out.row([
            e.id.to_string(),
            e.at.clone(),
            e.actor.clone(),
            e.source.clone(),
            e.action.clone(),
            e.subject.clone(),
            e.detail.clone(),
        ]);
    }
    Ok(csv_response("audit.csv", out.finish()))
}

/// The actions recorded so far.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AuditActions {
    items: Vec<String>,
}

/// The actions the audit log holds (admins)
#[utoipa::path(get, path = "/api/v1/audit/actions", responses((status = 200, body = AuditActions)))]
pub async fn actions(State(state): State<AppState>, _: Admin) -> ApiResult<Json<AuditActions>> {
    let items = state.db.read(audit::actions).await?;
    Ok(Json(AuditActions { items }))
}
