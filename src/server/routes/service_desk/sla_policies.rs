//! SLA policies: first-response and resolution targets per priority, counted in a calendar's
//! business hours; one is the default, and a client may have its own. Staff read them; admins
//! change them, and a changed policy's running tickets are recounted.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{all, exists, list_of, missing, nullable_id, recount, taken, timestamp};
use crate::db::sla::{self as store, KeepPolicy, PolicyFields, PolicyView};
use crate::db::{DbError, audit};
use crate::server::error::{ApiError, ApiResult, Json, Path};
use crate::server::roles::{Admin, Staff};
use crate::server::routes::api_doc::ApiDoc;
use crate::server::routes::{Page, present, required_text};
use crate::server::state::AppState;
use crate::tickets::sla::SlaPolicy;

pub const API: ApiDoc = ApiDoc {
    operations: &[
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
    ],
    query: &[],
    paged: &[],
    schemas,
};

fn schemas() -> Value {
    let (id, ts) = (nullable_id(), timestamp());
    let targets = json!({ "type": "object", "required": ["first_response_minutes", "resolution_minutes"], "properties": {
        "first_response_minutes": { "type": "integer" }, "resolution_minutes": { "type": "integer" } } });
    let policy_targets = json!({ "type": "object", "required": ["p1", "p2", "p3", "p4"], "properties": {
        "p1": targets, "p2": targets, "p3": targets, "p4": targets,
        "warning_percent": { "type": "integer", "minimum": 1, "maximum": 99, "default": 75 } } });
    json!({
        "PolicyFields": { "type": "object", "required": ["name", "calendar_id", "targets"], "additionalProperties": false, "properties": {
            "name": { "type": "string" }, "calendar_id": { "type": "integer" },
            "is_default": { "type": "boolean", "description": "Make this the default (the previous one stops being it)" },
            "targets": policy_targets } },
        "Policy": { "allOf": [ { "$ref": "#/components/schemas/PolicyFields" }, { "type": "object", "properties": {
            "id": { "type": "integer" }, "calendar": { "type": "string" }, "updated_at": ts,
            "clients": { "type": "array", "items": { "type": "object", "properties": { "id": { "type": "integer" }, "name": { "type": "string" } } } } } } ] },
        "PolicyList": list_of("Policy"),
        "ClientPolicy": { "type": "object", "required": ["policy_id"], "properties": { "client_id": { "type": "integer" }, "policy_id": id } },
    })
}

/// The part of the API description this module answers.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, update, delete, set_client_policy))]
pub struct Api;

/// An SLA policy's fields.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyBody {
    #[schema(required = true, nullable = false, format = "name", min_length = 1, max_length = 100)]
    name: Option<String>,
    /// The business calendar it counts in.
    #[schema(required = true, nullable = false, maximum = 9223372036854775807_i64)]
    calendar_id: Option<i64>,
    /// Make this the default (the previous one stops being it).
    #[serde(default)]
    is_default: bool,
    /// First response and resolution minutes for p1 to p4 (a resolution not shorter than its
    /// first response).
    #[schema(required = true, nullable = false)]
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
        return Ok(Err(taken("name", format!("There is already a policy named {:?}.", f.name))));
    }
    if !exists(c, "SELECT 1 FROM sla_calendars WHERE id = ?1", f.calendar_id)? {
        return Ok(Err(missing("calendar_id", format!("calendar_id {} is not a calendar.", f.calendar_id))));
    }
    Ok(Ok(()))
}

/// SLA policies, the default first (staff)
#[utoipa::path(get, path = "/api/v1/sla/policies", responses((status = 200, body = Page<PolicyView>)))]
pub async fn list(State(state): State<AppState>, _: Staff) -> ApiResult<Json<Page<PolicyView>>> {
    Ok(all(state.db.read(store::policies).await?))
}

/// Add an SLA policy (admin)
#[utoipa::path(post, path = "/api/v1/sla/policies", request_body = PolicyBody, responses((status = 201, body = PolicyView)))]
pub async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Json(b): Json<PolicyBody>,
) -> ApiResult<(StatusCode, Json<PolicyView>)> {
    let t = state.clock.now();
    let f = policy_fields(b)?;
    let who = caller.who();
    let p = state
        .db
        .write(move |c| {
            if let Err(e) = check_policy(c, &f, None)? {
                return Ok(Err(e));
            }
            let id = store::create_policy(c, &f, t)?;
            audit::record(c, t, &who, "sla_policy.created", &id.to_string(), &f.name)?;
            Ok(Ok(store::policy(c, id)?))
        })
        .await??;
    let p = p.ok_or_else(|| ApiError::internal("a policy vanished as it was made"))?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// Change a policy; its running tickets are recounted (admin)
#[utoipa::path(put, path = "/api/v1/sla/policies/{id}", request_body = PolicyBody, responses((status = 200, body = PolicyView)))]
pub async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<i64>,
    Json(b): Json<PolicyBody>,
) -> ApiResult<Json<PolicyView>> {
    let t = state.clock.now();
    let f = policy_fields(b)?;
    let who = caller.who();
    let p = state
        .db
        .write(move |c| {
            if let Err(e) = check_policy(c, &f, Some(id))? {
                return Ok(Err(e));
            }
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

/// Delete a policy that is not the default (admin)
#[utoipa::path(delete, path = "/api/v1/sla/policies/{id}", responses((status = 204)))]
pub async fn delete(State(state): State<AppState>, Admin(caller): Admin, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    let now = state.clock.now();
    let who = caller.who();
    let outcome = state
        .db
        .write(move |c| {
            let outcome = store::delete_policy(c, id)?;
            if outcome == Ok(true) {
                audit::record(c, now, &who, "sla_policy.deleted", &id.to_string(), "")?;
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

/// A client's own SLA policy.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientPolicyBody {
    /// A policy's id; null: back to the default.
    #[serde(default, deserialize_with = "present")]
    #[schema(required = true, value_type = Option<i64>, maximum = 9223372036854775807_i64)]
    policy_id: Option<Option<i64>>,
}

/// Which policy a client now has.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ClientPolicy {
    client_id: i64,
    /// null: the default policy.
    #[schema(required = true)]
    policy_id: Option<i64>,
}

/// Give a client its own SLA policy, or null for the default (admin)
#[utoipa::path(put, path = "/api/v1/clients/{id}/sla-policy", request_body = ClientPolicyBody, responses((status = 200, body = ClientPolicy)))]
pub async fn set_client_policy(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(client_id): Path<i64>,
    Json(b): Json<ClientPolicyBody>,
) -> ApiResult<Json<ClientPolicy>> {
    let t = state.clock.now();
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
                return Ok(Err(missing("policy_id", format!("policy_id {p} is not an SLA policy."))));
            }
            if !store::set_client_policy(c, client_id, policy_id, t)? {
                return Ok(Err(ApiError::not_found(format!("There is no client with id {client_id}."))));
            }
            let what = policy_id.map_or_else(|| "default".to_owned(), |p| p.to_string());
            audit::record(c, t, &who, "client.sla_policy", &client_id.to_string(), &what)?;
            Ok(Ok(()))
        })
        .await??;
    Ok(Json(ClientPolicy { client_id, policy_id }))
}
