//! Routing rules: which queue or technician a new ticket goes to, tried in order, the first
//! whose conditions all hold winning. Staff read them; admins change them.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{STAFF_USER, add_rule, all, any_present, delete_audited, exists, list_of, missing, nullable_id, timestamp};
use crate::db::routing::{self, RuleFields, RuleView};
use crate::db::{DbError, audit};
use crate::server::error::{ApiError, ApiResult, Json, Path};
use crate::server::roles::{Admin, Staff};
use crate::server::routes::api_doc::ApiDoc;
use crate::server::routes::{Page, optional_line, required_text, yes};
use crate::server::state::AppState;

pub const API: ApiDoc = ApiDoc {
    operations: &[
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
    ],
    query: &[],
    paged: &[],
    schemas,
};

fn schemas() -> Value {
    let (id, ts) = (nullable_id(), timestamp());
    json!({
        "RoutingRuleFields": { "type": "object", "required": ["name"], "additionalProperties": false,
            "description": "Set conditions must all hold; at least one of queue_id and assignee_id", "properties": {
            "name": { "type": "string" }, "position": { "type": "integer", "description": "Lower is tried first; default: last" },
            "enabled": { "type": "boolean", "default": true }, "client_id": id, "category": { "type": "string" },
            "source": { "type": "string", "enum": ["", "alert", "manual", "api", "portal"] },
            "device_tag": { "type": "string" }, "queue_id": id, "assignee_id": id } },
        "RoutingRule": { "allOf": [ { "$ref": "#/components/schemas/RoutingRuleFields" }, { "type": "object", "properties": {
            "id": { "type": "integer" }, "client": { "type": ["string", "null"] }, "queue": { "type": ["string", "null"] },
            "assignee": { "type": ["string", "null"] }, "created_at": ts, "updated_at": ts } } ] },
        "RoutingRuleList": list_of("RoutingRule"),
    })
}

/// The part of the API description this module answers.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, update, delete), modifiers(&SomewhereToGo))]
pub struct Api;

/// A rule's tickets go somewhere: a queue_id or an assignee_id (or both) that is not null.
struct SomewhereToGo;

impl utoipa::Modify for SomewhereToGo {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let id = || ObjectBuilder::new().schema_type(Type::Integer).into();
        add_rule(doc, "RuleBody", any_present(&["queue_id", "assignee_id"], id));
    }
}

/// A routing rule's fields: the conditions that must all hold, and where the tickets go (a
/// queue_id or an assignee_id, at least one).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleBody {
    #[schema(required = true, nullable = false, format = "name", min_length = 1, max_length = 200)]
    name: Option<String>,
    /// Lower is tried first; default: last.
    #[schema(minimum = 0, maximum = 1000000)]
    position: Option<i64>,
    #[serde(default = "yes")]
    enabled: bool,
    #[schema(maximum = 9223372036854775807_i64)]
    client_id: Option<i64>,
    #[serde(default)]
    #[schema(format = "line", max_length = 100)]
    category: String,
    /// How the ticket came in: alert, manual, api or portal; empty: any.
    #[serde(default)]
    #[schema(pattern = r"^\s*(?:alert|manual|api|portal)?\s*$")]
    source: String,
    /// A device tag: 1 to 40 letters, digits, - _ . or :; empty: any device.
    #[serde(default)]
    #[schema(pattern = r"^\s*[A-Za-z0-9_.:-]{0,40}\s*$")]
    device_tag: String,
    #[schema(maximum = 9223372036854775807_i64)]
    queue_id: Option<i64>,
    #[schema(maximum = 9223372036854775807_i64)]
    assignee_id: Option<i64>,
}

fn rule_fields(b: RuleBody) -> ApiResult<RuleFields> {
    let name = required_text("name", b.name.as_deref().unwrap_or(""), 200)?;
    let category = optional_line("category", &b.category, 100)?;
    let device_tag = match b.device_tag.trim() {
        "" => String::new(),
        t => crate::server::routes::devices::tag("device_tag", t)?,
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
        return Ok(Err(missing("client_id", format!("client_id {id} is not a client."))));
    }
    if let Some(id) = f.queue_id
        && !exists(c, "SELECT 1 FROM queues WHERE id = ?1", id)?
    {
        return Ok(Err(missing("queue_id", format!("queue_id {id} is not a queue."))));
    }
    if let Some(id) = f.assignee_id
        && !exists(c, STAFF_USER, id)?
    {
        return Ok(Err(missing("assignee_id", format!("assignee_id {id} is not an active technician or admin."))));
    }
    Ok(Ok(()))
}

/// Routing rules in the order they are tried (staff)
#[utoipa::path(get, path = "/api/v1/routing-rules", responses((status = 200, body = Page<RuleView>)))]
pub async fn list(State(state): State<AppState>, _: Staff) -> ApiResult<Json<Page<RuleView>>> {
    Ok(all(state.db.read(routing::rules).await?))
}

/// Add a routing rule (admin)
#[utoipa::path(post, path = "/api/v1/routing-rules", request_body = RuleBody, responses((status = 201, body = RuleView)))]
pub async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Json(body): Json<RuleBody>,
) -> ApiResult<(StatusCode, Json<RuleView>)> {
    let t = state.clock.now();
    let f = rule_fields(body)?;
    let who = caller.who();
    let rule = state
        .db
        .write(move |c| {
            if let Err(e) = check_rule(c, &f)? {
                return Ok(Err(e));
            }
            let id = routing::create_rule(c, &f, t)?;
            audit::record(c, t, &who, "routing_rule.created", &id.to_string(), &f.name)?;
            Ok(Ok(routing::rule(c, id)?))
        })
        .await??;
    let rule = rule.ok_or_else(|| ApiError::internal("a routing rule vanished as it was made"))?;
    Ok((StatusCode::CREATED, Json(rule)))
}

/// Change a routing rule (admin)
#[utoipa::path(put, path = "/api/v1/routing-rules/{id}", request_body = RuleBody, responses((status = 200, body = RuleView)))]
pub async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<i64>,
    Json(body): Json<RuleBody>,
) -> ApiResult<Json<RuleView>> {
    let t = state.clock.now();
    let f = rule_fields(body)?;
    let who = caller.who();
    let rule = state
        .db
        .write(move |c| {
            if let Err(e) = check_rule(c, &f)? {
                return Ok(Err(e));
            }
            if !routing::update_rule(c, id, &f, t)? {
                return Ok(Ok(None));
            }
            audit::record(c, t, &who, "routing_rule.changed", &id.to_string(), &f.name)?;
            Ok(Ok(routing::rule(c, id)?))
        })
        .await??;
    rule.map(Json).ok_or_else(|| ApiError::not_found(format!("There is no routing rule with id {id}.")))
}

/// Delete a routing rule (admin)
#[utoipa::path(delete, path = "/api/v1/routing-rules/{id}", responses((status = 204)))]
pub async fn delete(State(state): State<AppState>, Admin(caller): Admin, Path(id): Path<i64>) -> ApiResult<StatusCode> {
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
