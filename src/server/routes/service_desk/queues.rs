//! Queues: a name, how new tickets are assigned among the members, and whom to e-mail when a
//! ticket waits too long. Staff read them; admins change them.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{all, delete_audited, list_of, missing, taken};
use crate::db::routing::{self, Queue, QueueFields};
use crate::db::{DbError, audit};
use crate::server::error::{ApiError, ApiResult, Json, Path};
use crate::server::roles::{Admin, Staff};
use crate::server::routes::api_doc::ApiDoc;
use crate::server::routes::{Page, email, required_text};
use crate::server::state::AppState;
use crate::tickets::routing::Assignment;

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
    ],
    query: &[],
    paged: &[],
    schemas,
};

fn schemas() -> Value {
    let member = json!({ "type": "object", "properties": { "id": { "type": "integer" }, "login": { "type": "string" },
        "name": { "type": "string" }, "on_shift": { "type": "boolean" }, "open_tickets": { "type": "integer" } } });
    let assignment = json!({ "type": "string", "enum": ["round_robin", "least_loaded", "manual"] });
    json!({
        "Queue": { "type": "object", "properties": {
            "id": { "type": "integer" }, "name": { "type": "string" }, "assignment": assignment,
            "escalation_email": { "type": "string" }, "members": { "type": "array", "items": member },
            "open_tickets": { "type": "integer" }, "unassigned_tickets": { "type": "integer" } } },
        "QueueFields": { "type": "object", "required": ["name"], "additionalProperties": false, "properties": {
            "name": { "type": "string" }, "assignment": assignment, "escalation_email": { "type": "string" },
            "member_ids": { "type": "array", "items": { "type": "integer" } } } },
        "QueueList": list_of("Queue"),
    })
}

/// The part of the API description this module answers.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, one, update, delete))]
pub struct Api;

/// A queue's fields; a queue needs its name.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueBody {
    #[schema(required = true, nullable = false, format = "name", min_length = 1, max_length = 100)]
    name: Option<String>,
    /// How new tickets are assigned among the members: round_robin, least_loaded or manual;
    /// empty or left out: round_robin.
    #[schema(pattern = r"^\s*(?:round_robin|least_loaded|manual)?\s*$")]
    assignment: Option<String>,
    /// Who hears of SLA warnings and breaches of the queue's tickets; empty for nobody.
    #[serde(default)]
    #[schema(
        max_length = 254,
        pattern = r"^\s*(?:[^\s@\u0000-\u001f\u007f-\u009f]+@[^\s@.\u0000-\u001f\u007f-\u009f](?:[^\s@\u0000-\u001f\u007f-\u009f]*[^\s@.\u0000-\u001f\u007f-\u009f])?\.[^\s@.\u0000-\u001f\u007f-\u009f]+)?\s*$"
    )]
    escalation_email: String,
    /// Active technicians and admins.
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
        return Ok(Err(taken("name", format!("There is already a queue named {:?}.", f.name))));
    }
    if let Some(id) = routing::not_staff(c, &f.member_ids)? {
        return Ok(Err(missing("member_ids", format!("member_ids: user {id} is not an active technician or admin."))));
    }
    Ok(Ok(()))
}

/// Queues with their members, who is on shift, and open tickets (staff)
#[utoipa::path(get, path = "/api/v1/queues", responses((status = 200, body = Page<Queue>)))]
pub async fn list(State(state): State<AppState>, _: Staff) -> ApiResult<Json<Page<Queue>>> {
    let t = state.clock.now();
    Ok(all(state.db.read(move |c| routing::queues(c, t)).await?))
}

/// One queue (staff)
#[utoipa::path(get, path = "/api/v1/queues/{id}", responses((status = 200, body = Queue)))]
pub async fn one(State(state): State<AppState>, _: Staff, Path(id): Path<i64>) -> ApiResult<Json<Queue>> {
    let t = state.clock.now();
    let q = state.db.read(move |c| routing::queue(c, id, t)).await?;
    q.map(Json).ok_or_else(|| ApiError::not_found(format!("There is no queue with id {id}.")))
}

/// Add a queue (admin)
#[utoipa::path(post, path = "/api/v1/queues", request_body = QueueBody, responses((status = 201, body = Queue)))]
pub async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Json(body): Json<QueueBody>,
) -> ApiResult<(StatusCode, Json<Queue>)> {
    let t = state.clock.now();
    let f = queue_fields(body)?;
    let who = caller.who();
    let q = state
        .db
        .write(move |c| {
            if let Err(e) = check_queue(c, &f, None)? {
                return Ok(Err(e));
            }
            let id = routing::create_queue(c, &f, t)?;
            audit::record(c, t, &who, "queue.created", &id.to_string(), &f.name)?;
            Ok(Ok(routing::queue(c, id, t)?))
        })
        .await??;
    let q = q.ok_or_else(|| ApiError::internal("a queue vanished as it was made"))?;
    Ok((StatusCode::CREATED, Json(q)))
}

/// Change a queue and its members (admin)
#[utoipa::path(put, path = "/api/v1/queues/{id}", request_body = QueueBody, responses((status = 200, body = Queue)))]
pub async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<i64>,
    Json(body): Json<QueueBody>,
) -> ApiResult<Json<Queue>> {
    let t = state.clock.now();
    let f = queue_fields(body)?;
    let who = caller.who();
    let q = state
        .db
        .write(move |c| {
            if let Err(e) = check_queue(c, &f, Some(id))? {
                return Ok(Err(e));
            }
            if !routing::update_queue(c, id, &f, t)? {
                return Ok(Ok(None));
            }
            audit::record(c, t, &who, "queue.changed", &id.to_string(), &f.name)?;
            Ok(Ok(routing::queue(c, id, t)?))
        })
        .await??;
    q.map(Json).ok_or_else(|| ApiError::not_found(format!("There is no queue with id {id}.")))
}

/// Delete a queue; its tickets stay, without a queue (admin)
#[utoipa::path(delete, path = "/api/v1/queues/{id}", responses((status = 204)))]
pub async fn delete(State(state): State<AppState>, Admin(caller): Admin, Path(id): Path<i64>) -> ApiResult<StatusCode> {
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
