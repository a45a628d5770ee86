//! Clients' contacts: the people at a client who raise tickets (some of them also log in to the
//! portal). Staff keep them.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{delete_audited, exists, missing, nullable_id, timestamp};
use crate::db::audit;
use crate::db::contacts::{self, Contact, ContactFields};
use crate::server::error::{ApiError, ApiResult, Json, Path, Query};
use crate::server::roles::Staff;
use crate::server::routes::api_doc::{ApiDoc, page_of};
use crate::server::routes::{Page, PageParams, email, id_page, optional_line, required_text};
use crate::server::state::AppState;

pub const API: ApiDoc = ApiDoc {
    operations: &[
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
    let (id, ts) = (nullable_id(), timestamp());
    json!({
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

/// The part of the API description this module answers.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, update, delete))]
pub struct Api;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContactParams {
    /// How many contacts at most (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// Where the previous page ended: its `next_cursor`.
    #[param(format = "id-cursor")]
    cursor: Option<String>,
    /// Only this client's contacts.
    #[param(maximum = 9223372036854775807_i64)]
    client_id: Option<i64>,
}

/// A new contact of a client.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    /// Whose contact this is.
    #[schema(required = true, nullable = false, maximum = 9223372036854775807_i64)]
    client_id: Option<i64>,
    #[schema(required = true, nullable = false, format = "name", min_length = 1, max_length = 200)]
    name: Option<String>,
    /// Empty: none.
    #[serde(default)]
    #[schema(
        max_length = 254,
        pattern = r"^\s*(?:[^\s@\u0000-\u001f\u007f-\u009f]+@[^\s@.\u0000-\u001f\u007f-\u009f](?:[^\s@\u0000-\u001f\u007f-\u009f]*[^\s@.\u0000-\u001f\u007f-\u009f])?\.[^\s@.\u0000-\u001f\u007f-\u009f]+)?\s*$"
    )]
    email: String,
    #[serde(default)]
    #[schema(format = "line", max_length = 50)]
    phone: String,
}

/// A contact's new fields; a contact stays with their client.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactChanges {
    /// Refused: a contact cannot move to another client.
    #[schema(ignore)]
    client_id: Option<i64>,
    #[schema(required = true, nullable = false, format = "name", min_length = 1, max_length = 200)]
    name: Option<String>,
    /// Empty: none.
    #[serde(default)]
    #[schema(
        max_length = 254,
        pattern = r"^\s*(?:[^\s@\u0000-\u001f\u007f-\u009f]+@[^\s@.\u0000-\u001f\u007f-\u009f](?:[^\s@\u0000-\u001f\u007f-\u009f]*[^\s@.\u0000-\u001f\u007f-\u009f])?\.[^\s@.\u0000-\u001f\u007f-\u009f]+)?\s*$"
    )]
    email: String,
    #[serde(default)]
    #[schema(format = "line", max_length = 50)]
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

/// Clients' contacts (staff)
#[utoipa::path(get, path = "/api/v1/contacts", params(ContactParams), responses((status = 200, body = Page<Contact>)))]
pub async fn list(
    State(state): State<AppState>,
    _: Staff,
    Query(p): Query<ContactParams>,
) -> ApiResult<Json<Page<Contact>>> {
    let paging = PageParams { limit: p.limit, cursor: p.cursor };
    let (limit, after) = (paging.limit()?, paging.after_id()?);
    let rows = state.db.read(move |c| contacts::list(c, p.client_id, after, limit)).await?;
    Ok(Json(id_page(rows, limit, |c| c.id)))
}

/// Add a contact to a client (staff)
#[utoipa::path(post, path = "/api/v1/contacts", request_body = ContactBody, responses((status = 201, body = Contact)))]
pub async fn create(
    State(state): State<AppState>,
    Staff(caller): Staff,
    Json(b): Json<ContactBody>,
) -> ApiResult<(StatusCode, Json<Contact>)> {
    let t = state.clock.now();
    let f = contact_fields(&b)?;
    let client_id =
        b.client_id.ok_or_else(|| ApiError::bad_field("client_id", "client_id is required: whose contact this is."))?;
    let who = caller.who();
    let contact = state
        .db
        .write(move |c| {
            if !exists(c, "SELECT 1 FROM clients WHERE id = ?1", client_id)? {
                return Ok(Err(missing("client_id", format!("client_id {client_id} is not a client."))));
            }
            let id = contacts::create(c, client_id, &f, t)?;
            audit::record(c, t, &who, "contact.created", &id.to_string(), &f.name)?;
            Ok(Ok(contacts::get(c, id)?))
        })
        .await??;
    let contact = contact.ok_or_else(|| ApiError::internal("a contact vanished as it was made"))?;
    Ok((StatusCode::CREATED, Json(contact)))
}

/// Change a contact (staff)
#[utoipa::path(put, path = "/api/v1/contacts/{id}", request_body = ContactChanges, responses((status = 200, body = Contact)))]
pub async fn update(
    State(state): State<AppState>,
    Staff(caller): Staff,
    Path(id): Path<i64>,
    Json(b): Json<ContactChanges>,
) -> ApiResult<Json<Contact>> {
    let t = state.clock.now();
    if b.client_id.is_some() {
        return Err(ApiError::bad_field("client_id", "A contact stays with their client; add a new contact instead."));
    }
    let f = contact_fields(&ContactBody { client_id: None, name: b.name, email: b.email, phone: b.phone })?;
    let who = caller.who();
    let contact = state
        .db
        .write(move |c| {
            if !contacts::update(c, id, &f, t)? {
                return Ok(None);
            }
            audit::record(c, t, &who, "contact.changed", &id.to_string(), &f.name)?;
            contacts::get(c, id)
        })
        .await?;
    contact.map(Json).ok_or_else(|| ApiError::not_found(format!("There is no contact with id {id}.")))
}

/// Delete a contact; their tickets stay (staff)
#[utoipa::path(delete, path = "/api/v1/contacts/{id}", responses((status = 204)))]
pub async fn delete(State(state): State<AppState>, Staff(caller): Staff, Path(id): Path<i64>) -> ApiResult<StatusCode> {
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
