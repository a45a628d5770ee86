//! `/api/v1/tickets`: the ticket queue. Staff see and change every ticket; a client contact sees
//! and opens their own company's tickets (source "portal") and sees only public comments.
//!
//! Changes are versioned: a PATCH names the `version` it read, and a change made meanwhile by
//! someone else refuses it with 409 and the ticket as it is now, so no update is lost silently.

use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::api_doc::{ApiDoc, page_of};
use super::{Page, PageParams, optional_line, optional_text, present, required_multiline, required_text, yes};
use crate::db::tickets::{self, AssigneeFilter, TicketFilter};
use crate::db::{audit, ticket_comments, ticket_events, time_entries};
use crate::server::auth::{Caller, Via};
use crate::server::error::{ApiError, ApiResult, Json, Path, Query};
use crate::server::live::LiveEvent;
use crate::server::roles::{Person, Staff};
use crate::server::state::AppState;
use crate::services::tickets as service;
use crate::tickets::{
    Author, Comment, EventKind, NewTicket, NewTime, Priority, Refusal, Source, Status, Ticket, TicketChanges,
    TicketEvent, TimeEntry,
};

/// The part of the API description this module answers.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, one, update, bulk, comment, log_time))]
pub struct Api;

pub const API: ApiDoc = ApiDoc {
    operations: &[
        (
            "get",
            "/api/v1/tickets",
            "The ticket queue, soonest SLA due first, with filters",
            None,
            200,
            Some("TicketPage"),
        ),
        (
            "post",
            "/api/v1/tickets",
            "Open a ticket (client contacts: for their own company)",
            Some("NewTicket"),
            201,
            Some("Ticket"),
        ),
        (
            "get",
            "/api/v1/tickets/{id}",
            "One ticket with its timeline and time entries",
            None,
            200,
            Some("TicketDetail"),
        ),
        (
            "patch",
            "/api/v1/tickets/{id}",
            "Change a ticket (staff); 409 with the current ticket in detail when `version` is stale",
            Some("TicketChanges"),
            200,
            Some("Ticket"),
        ),
        (
            "post",
            "/api/v1/tickets/bulk",
            "Change several tickets at once (staff): each named with the version it was seen at; \
             stale ones are refused, not overwritten",
            Some("BulkChange"),
            200,
            Some("BulkResult"),
        ),
        (
            "post",
            "/api/v1/tickets/{id}/comments",
            "Comment on a ticket; the first public comment by staff is the first response",
            Some("NewComment"),
            201,
            Some("TicketComment"),
        ),
        (
            "post",
            "/api/v1/tickets/{id}/time",
            "Log time on a ticket (staff)",
            Some("NewTimeEntry"),
            201,
            Some("TimeEntry"),
        ),
    ],
    query: &[(
        ("get", "/api/v1/tickets"),
        &[
            ("status", "string"),
            ("priority", "string"),
            ("client_id", "integer"),
            ("assignee", "string"),
            ("queue_id", "integer"),
            ("device_id", "integer"),
            ("q", "string"),
        ],
    )],
    paged: &["/api/v1/tickets"],
    schemas,
};

fn schemas() -> Value {
    let ts = json!({ "type": ["string", "null"], "format": "date-time" });
    let id = json!({ "type": ["integer", "null"] });
    let priority = json!({ "type": "string", "enum": Priority::ALL.map(Priority::as_str) });
    let status = json!({ "type": "string", "enum": Status::ALL.map(Status::as_str) });
    let sla = json!({ "type": "object", "properties": {
        "policy_id": id, "first_response_due": ts, "resolution_due": ts,
                "first_response_met": { "type": "boolean" }, "first_response_breached": { "type": "boolean" },
                "first_response_warned": { "type": "boolean" }, "resolution_met": { "type": "boolean" },
                "resolution_breached": { "type": "boolean" }, "resolution_warned": { "type": "boolean" },
                "first_response_used_seconds": { "type": "integer" }, "resolution_used_seconds": { "type": "integer" } } });
    let ticket = json!({ "type": "object", "properties": {
            "id": { "type": "integer", "description": "The ticket number" },
            "subject": { "type": "string" }, "description": { "type": "string" },
            "client_id": { "type": "integer" }, "client": { "type": "string" }, "site_id": id,
            "contact_id": id, "contact": { "type": ["string", "null"] },
            "source": { "type": "string", "enum": Source::ALL.map(Source::as_str) },
            "category": { "type": "string" }, "priority": priority, "status": status,
            "queue_id": id, "queue": { "type": ["string", "null"] },
            "assignee_id": id, "assignee": { "type": ["string", "null"], "description": "The assignee's name" },
            "device_id": { "type": ["integer", "null"], "description": "The first linked device" },
            "device_ids": { "type": "array", "items": { "type": "integer" } },
            "alert_id": id, "created_by": id, "created_at": ts, "updated_at": ts,
            "first_response_at": ts, "resolved_at": ts, "closed_at": ts,
            "version": { "type": "integer", "description": "Send back with a change" },
            "sla": sla } });
    json!({
        "Ticket": ticket,
        "TicketDetail": { "allOf": [ { "$ref": "#/components/schemas/Ticket" }, { "type": "object", "properties": {
            "timeline": { "type": "array", "description": "Comments and events, oldest first", "items": { "type": "object", "properties": {
                "type": { "type": "string", "enum": ["comment", "event"] }, "at": ts } } },
            "time_entries": { "type": "array", "items": { "$ref": "#/components/schemas/TimeEntry" } } } } ] },
        "NewTicket": { "type": "object", "required": ["subject", "priority", "client_id"], "additionalProperties": false, "properties": {
            "subject": { "type": "string", "maxLength": 300 }, "description": { "type": "string" },
            "client_id": { "type": "integer" }, "site_id": { "type": "integer" }, "contact_id": { "type": "integer" },
            "category": { "type": "string" }, "priority": priority, "queue_id": { "type": "integer" },
            "assignee_id": { "type": "integer" }, "device_ids": { "type": "array", "items": { "type": "integer" } } } },
        "TicketChanges": { "type": "object", "required": ["version"], "additionalProperties": false, "properties": {
            "version": { "type": "integer" }, "subject": { "type": "string" }, "description": { "type": "string" },
            "priority": priority, "status": status, "queue_id": id, "assignee_id": id, "category": { "type": "string" },
            "contact_id": id, "device_ids": { "type": "array", "items": { "type": "integer" } } } },
        "NewComment": { "type": "object", "required": ["body"], "additionalProperties": false, "properties": {
            "body": { "type": "string" }, "public": { "type": "boolean", "default": false,
                "description": "Seen by the client; client contacts' comments are always public" } } },
        "TicketComment": { "type": "object", "properties": {
            "id": { "type": "integer" }, "author_id": id, "author": { "type": ["string", "null"] },
            "body": { "type": "string" }, "public": { "type": "boolean" }, "created_at": ts } },
        "NewTimeEntry": { "type": "object", "required": ["minutes"], "additionalProperties": false, "properties": {
            "minutes": { "type": "integer", "minimum": 1, "maximum": 1440 }, "billable": { "type": "boolean", "default": true },
            "note": { "type": "string" }, "date": { "type": "string", "format": "date", "description": "Default: today (UTC)" } } },
        "TimeEntry": { "type": "object", "properties": {
            "id": { "type": "integer" }, "user_id": id, "user": { "type": ["string", "null"] },
            "minutes": { "type": "integer" }, "billable": { "type": "boolean" }, "note": { "type": "string" },
            "date": { "type": "string", "format": "date" }, "created_at": ts } },
        "TicketPage": page_of("Ticket"),
        "BulkChange": { "type": "object", "required": ["tickets", "changes"], "additionalProperties": false, "properties": {
            "tickets": { "type": "array", "maxItems": 500, "items": { "type": "object", "required": ["id", "version"], "properties": {
                "id": { "type": "integer" }, "version": { "type": "integer" } } } },
            "changes": { "type": "object", "additionalProperties": false, "properties": {
                "assignee_id": id, "queue_id": id, "status": status, "priority": priority } } } },
        "BulkResult": { "type": "object", "properties": {
            "updated": { "type": "array", "items": { "$ref": "#/components/schemas/Ticket" } },
            "refused": { "type": "array", "items": { "type": "object", "properties": {
                "id": { "type": "integer" }, "message": { "type": "string" },
                "ticket": { "description": "The ticket as it is now, when the refusal was a stale version" } } } } } },
    })
}

/// Turns a refusal decided in the write transaction into the API's answer.
fn refused(r: Refusal) -> ApiError {
    match r {
        // Every field refusal names a row that does not exist (or is not the client's).
        Refusal::Field { field, message } => {
            let mut e = ApiError::not_found(message);
            e.detail = Some(json!({ "field": field }));
            e
        }
        Refusal::NotFound(id) => ApiError::not_found(format!("There is no ticket with id {id}.")),
        Refusal::Stale(current) => {
            let mut e = ApiError::conflict(format!(
                "Ticket {} was changed by someone else (it is at version {} now); the detail shows it as it \
                 is. Apply your change to that and send it with that version.",
                current.id, current.version
            ));
            e.detail = serde_json::to_value(current).ok();
            e
        }
    }
}

/// A request field that must be one of an enum's values (`Priority`, `Status`). It reads any JSON
/// value, so that a wrong one is refused by `check` with a 400 naming the field, like every other
/// field's refusal; serde's own error would refuse the body without saying which field.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum OneOf<T> {
    Valid(T),
    Invalid(Value),
}

impl<T> OneOf<T> {
    fn check(self, field: &str, choices: &str) -> ApiResult<T> {
        match self {
            OneOf::Valid(v) => Ok(v),
            OneOf::Invalid(v) => Err(ApiError::bad_field(field, format!("{field} {v} is not one of {choices}."))),
        }
    }
}

fn priority(v: Option<OneOf<Priority>>) -> ApiResult<Option<Priority>> {
    v.map(|p| p.check("priority", Priority::NAMES)).transpose()
}

fn status(field: &str, v: Option<OneOf<Status>>) -> ApiResult<Option<Status>> {
    v.map(|s| s.check(field, Status::NAMES)).transpose()
}

/// A whole number as JSON may write it: `2` or `2.0` (JSON Schema counts both as integers, so the
/// description's `integer` takes both). Fractions and numbers outside i64 stay refused.
#[derive(Clone, Copy)]
pub(super) struct Whole(i64);

impl<'de> Deserialize<'de> for Whole {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Whole, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Whole;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a whole number")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Whole, E> {
                Ok(Whole(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Whole, E> {
                i64::try_from(v).map(Whole).map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Whole, E> {
                // -2^63 <= v < 2^63, and no fraction: exactly an i64.
                if v.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&v) {
                    Ok(Whole(v as i64))
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Float(v), &self))
                }
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// `#[serde(deserialize_with = "whole")]` for an `i64` field.
pub(super) fn whole<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Whole::deserialize(d).map(|w| w.0)
}

/// `#[serde(default, deserialize_with = "opt_whole")]` for an `Option<i64>` field.
pub(super) fn opt_whole<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Option::<Whole>::deserialize(d).map(|w| w.map(|w| w.0))
}

/// Like `present` for an `Option<Option<i64>>` field: absent `None`, null `Some(None)`.
fn present_whole<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    opt_whole(d).map(Some)
}

/// `#[serde(default, deserialize_with = "whole_list")]` for a `Vec<i64>` field.
fn whole_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    Vec::<Whole>::deserialize(d).map(|v| v.into_iter().map(|w| w.0).collect())
}

/// `#[serde(default, deserialize_with = "opt_whole_list")]` for an `Option<Vec<i64>>` field.
fn opt_whole_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<i64>>, D::Error> {
    Option::<Vec<Whole>>::deserialize(d).map(|v| v.map(|v| v.into_iter().map(|w| w.0).collect()))
}

fn device_ids(ids: &[i64]) -> Result<(), ApiError> {
    if ids.len() > 50 {
        return Err(ApiError::bad_field("device_ids", "device_ids may list at most 50 devices."));
    }
    Ok(())
}

/// Cursors of lists ordered by two numbers (a due time or a rank, then an id): the 16 big-endian
/// bytes of the two, unpadded base64url. Like every cursor, any base64url text is a position:
/// shorter texts are padded with zero bytes, bytes past the 16th are ignored.
const PAIR_CURSOR: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    base64::engine::GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

pub(super) fn pair_cursor(a: i64, b: i64) -> String {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_be_bytes());
    bytes[8..].copy_from_slice(&b.to_be_bytes());
    PAIR_CURSOR.encode(bytes)
}

/// The two numbers a `pair_cursor` holds; `None` without a cursor.
pub(super) fn pair_after(cursor: Option<&str>) -> ApiResult<Option<(i64, i64)>> {
    let Some(cursor) = cursor.filter(|c| !c.is_empty()) else { return Ok(None) };
    let bytes = PAIR_CURSOR
        .decode(cursor)
        .map_err(|_| ApiError::bad_field("cursor", "cursor is not one this server gave out."))?;
    let mut all = [0u8; 16];
    let n = bytes.len().min(16);
    all[..n].copy_from_slice(&bytes[..n]);
    let number = |b: &[u8]| {
        let be: [u8; 8] = b.try_into().expect("eight bytes");
        i64::try_from(u64::from_be_bytes(be)).unwrap_or(i64::MAX)
    };
    Ok(Some((number(&all[..8]), number(&all[8..]))))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// How many tickets at most (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// Where the previous page ended: its `next_cursor`.
    #[param(format = "cursor")]
    cursor: Option<String>,
    /// `active` (new, open and pending), `all` (the default), or statuses separated by commas.
    #[param(
        pattern = "^(?:all|active|(?:new|open|pending|resolved|closed)(?:,(?:new|open|pending|resolved|closed))*)?$"
    )]
    status: Option<String>,
    /// P1 to P4.
    #[param(pattern = "^(?:[Pp][1-4])?$")]
    priority: Option<String>,
    client_id: Option<i64>,
    /// `me`, `unassigned`, or a user's id.
    #[param(pattern = "^(?:me|unassigned|-?[0-9]{1,18})?$")]
    assignee: Option<String>,
    queue_id: Option<i64>,
    device_id: Option<i64>,
    /// Words in the subject or description.
    q: Option<String>,
}

/// The ticket queue, soonest SLA due first, with filters
#[utoipa::path(get, path = "/api/v1/tickets", params(ListParams), responses((status = 200, body = Page<Ticket>)))]
pub async fn list(
    State(state): State<AppState>,
    Person(caller): Person,
    Query(p): Query<ListParams>,
) -> ApiResult<Json<Page<Ticket>>> {
    let paging = PageParams { limit: p.limit, cursor: p.cursor };
    let limit = paging.limit()?;
    let after = pair_after(paging.cursor.as_deref())?;
    // "active" is every status whose clocks may still run: the usual queue.
    let statuses = match p.status.as_deref().map(str::trim) {
        None | Some("") | Some("all") => Vec::new(),
        Some("active") => Status::ACTIVE.to_vec(),
        Some(list) => list
            .split(',')
            .map(|s| s.parse::<Status>().map_err(|e| ApiError::bad_field("status", format!("status {e}"))))
            .collect::<Result<_, _>>()?,
    };
    let priority = p
        .priority
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<Priority>().map_err(|e| ApiError::bad_field("priority", format!("priority {e}"))))
        .transpose()?;
    let assignee = match p.assignee.as_deref().map(str::trim) {
        None | Some("") => None,
        Some("me") => Some(AssigneeFilter::User(caller.user.id)),
        Some("unassigned") => Some(AssigneeFilter::Unassigned),
        Some(id) => Some(AssigneeFilter::User(id.parse().map_err(|_| {
            ApiError::bad_field("assignee", format!("assignee {id:?} is neither a user id, \"me\" nor \"unassigned\"."))
        })?)),
    };
    let mut client_id = p.client_id;
    if let Some(own) = caller.client_scope() {
        if client_id.is_some_and(|c| c != own) {
            return Ok(Json(Page { items: Vec::new(), next_cursor: None }));
        }
        client_id = Some(own);
    }
    let filter = TicketFilter {
        statuses,
        priority,
        client_id,
        assignee,
        queue_id: p.queue_id,
        device_id: p.device_id,
        search: p.q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty()),
    };
    let mut rows = state.db.read(move |c| tickets::list(c, &filter, after, limit)).await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor = if more { rows.last().map(|t| pair_cursor(t.sort_due, t.id)) } else { None };
    Ok(Json(Page { items: rows, next_cursor }))
}

/// A ticket to open. Client contacts open tickets for their own company (client_id may be left
/// out) and may not set queue_id, assignee_id or contact_id.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicketRequest {
    #[schema(value_type = String, format = "name", min_length = 1, max_length = 300)]
    subject: Option<String>,
    #[serde(default)]
    #[schema(format = "text", max_length = 20000)]
    description: String,
    /// The client the ticket is for (a client contact's own company when left out).
    #[serde(default, deserialize_with = "opt_whole")]
    #[schema(value_type = i64)]
    client_id: Option<i64>,
    /// One of the client's sites.
    #[serde(default, deserialize_with = "opt_whole")]
    site_id: Option<i64>,
    /// One of the client's contacts.
    #[serde(default, deserialize_with = "opt_whole")]
    contact_id: Option<i64>,
    #[serde(default)]
    #[schema(format = "line", max_length = 100)]
    category: String,
    #[schema(value_type = Priority)]
    priority: Option<OneOf<Priority>>,
    #[serde(default, deserialize_with = "opt_whole")]
    queue_id: Option<i64>,
    /// An active technician or admin.
    #[serde(default, deserialize_with = "opt_whole")]
    assignee_id: Option<i64>,
    /// Devices of the client; the first is the ticket's device.
    #[serde(default, deserialize_with = "whole_list")]
    #[schema(max_items = 50)]
    device_ids: Vec<i64>,
}

/// Open a ticket (client contacts: for their own company)
#[utoipa::path(post, path = "/api/v1/tickets", request_body = NewTicketRequest, responses((status = 201, body = Ticket)))]
pub async fn create(
    State(state): State<AppState>,
    Person(caller): Person,
    Json(req): Json<NewTicketRequest>,
) -> ApiResult<(StatusCode, Json<Ticket>)> {
    let t = state.clock.now();
    let subject = required_text("subject", req.subject.as_deref().unwrap_or(""), 300)?;
    let description = optional_text("description", &req.description, 20_000)?;
    let category = optional_line("category", &req.category, 100)?;
    let priority = priority(req.priority)?
        .ok_or_else(|| ApiError::bad_field("priority", format!("priority is required: one of {}.", Priority::NAMES)))?;
    device_ids(&req.device_ids)?;
    let portal = caller.client_scope();
    let client_id = match (portal, req.client_id) {
        (Some(own), Some(c)) if c != own => {
            return Err(ApiError::bad_field("client_id", "client_id: you may only open tickets for your own company."));
        }
        (Some(own), _) => own,
        (None, Some(c)) => c,
        (None, None) => {
            return Err(ApiError::bad_field("client_id", "client_id is required: the client the ticket is for."));
        }
    };
    if portal.is_some() {
        for (field, given) in [
            ("queue_id", req.queue_id.is_some()),
            ("assignee_id", req.assignee_id.is_some()),
            ("contact_id", req.contact_id.is_some()),
        ] {
            if given {
                return Err(ApiError::bad_field(
                    field,
                    format!("{field} is set by the MSP's staff, not in the portal."),
                ));
            }
        }
    }
    let source = match (&caller.via, portal) {
        (_, Some(_)) => Source::Portal,
        (Via::ApiKey { .. }, None) => Source::Api,
        (Via::Session { .. }, None) => Source::Manual,
    };
    let user = caller.user.clone();
    let who = caller.who();
    let ticket = state
        .db
        .write(move |c| {
            let contact_id = match portal {
                Some(own) => Some(tickets::contact_for_user(c, user.id, own, &user.name, &user.email, t)?),
                None => req.contact_id,
            };
            let new = NewTicket {
                subject,
                description,
                client_id,
                site_id: req.site_id,
                contact_id,
                source,
                category,
                priority,
                queue_id: req.queue_id,
                assignee_id: req.assignee_id,
                alert_id: None,
                device_ids: req.device_ids,
                created_by: Some(user.id),
            };
            let created = service::create(c, &new, t)?;
            if let Ok(ticket) = &created {
                audit::record(c, t, &who, "ticket.created", &ticket.id.to_string(), &ticket.subject)?;
            }
            Ok(created)
        })
        .await?
        .map_err(refused)?;
    changed(&state, &ticket);
    Ok((StatusCode::CREATED, Json(ticket)))
}

/// A ticket the caller may see; others are "not found".
async fn visible(state: &AppState, caller: &Caller, id: i64) -> ApiResult<Ticket> {
    let found = state.db.read(move |c| tickets::get(c, id)).await?;
    found
        .filter(|t| caller.client_scope().is_none_or(|own| own == t.client_id))
        .ok_or_else(|| ApiError::not_found(format!("There is no ticket with id {id}.")))
}

/// Events a client contact sees: the ticket's opening and its status changes.
const CLIENT_EVENTS: &[EventKind] = &[EventKind::Created, EventKind::Status];

/// A comment as the timeline shows it: with its time as `at`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TimelineComment {
    #[serde(flatten)]
    comment: Comment,
    #[schema(format = DateTime)]
    at: String,
}

/// One entry of a ticket's timeline.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TimelineEntry {
    Event(TicketEvent),
    Comment(TimelineComment),
}

/// A ticket with its timeline and (for staff) its time entries.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TicketDetail {
    #[serde(flatten)]
    ticket: Ticket,
    /// Comments and events, oldest first; client contacts see public comments, the opening and
    /// status changes.
    timeline: Vec<TimelineEntry>,
    /// Empty for client contacts.
    time_entries: Vec<TimeEntry>,
}

/// One ticket with its timeline and time entries
#[utoipa::path(get, path = "/api/v1/tickets/{id}", responses((status = 200, body = TicketDetail)))]
pub async fn one(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(id): Path<i64>,
) -> ApiResult<Json<TicketDetail>> {
    let ticket = visible(&state, &caller, id).await?;
    let staff = caller.client_scope().is_none();
    let (comments, events, time) = state
        .db
        .read(move |c| {
            let events = ticket_events::list(c, id)?;
            let time = if staff { time_entries::list(c, id)? } else { Vec::new() };
            Ok((ticket_comments::list(c, id, staff)?, events, time))
        })
        .await?;
    let mut timeline: Vec<(String, u8, i64, TimelineEntry)> = Vec::new();
    for e in events.into_iter().filter(|e| staff || CLIENT_EVENTS.contains(&e.kind)) {
        timeline.push((e.at.clone(), 0, e.id, TimelineEntry::Event(e)));
    }
    for m in comments {
        let (at, id) = (m.created_at.clone(), m.id);
        timeline.push((at.clone(), 1, id, TimelineEntry::Comment(TimelineComment { comment: m, at })));
    }
    // RFC 3339 UTC texts of one format sort as time; at the same second, events before comments.
    timeline.sort_by(|a, b| (&a.0, a.1, a.2).cmp(&(&b.0, b.1, b.2)));
    let timeline = timeline.into_iter().map(|(_, _, _, entry)| entry).collect();
    Ok(Json(TicketDetail { ticket, timeline, time_entries: time }))
}

/// A change to a ticket, based on the `version` read; what is left out (or null) stays as it
/// is, except that null clears queue_id, assignee_id and contact_id.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketPatch {
    /// The version of the ticket this change is based on.
    #[serde(default, deserialize_with = "opt_whole")]
    #[schema(value_type = i64)]
    version: Option<i64>,
    #[schema(format = "name", min_length = 1, max_length = 300)]
    subject: Option<String>,
    #[schema(format = "text", max_length = 20000)]
    description: Option<String>,
    #[schema(value_type = Option<Priority>)]
    priority: Option<OneOf<Priority>>,
    #[schema(value_type = Option<Status>)]
    status: Option<OneOf<Status>>,
    #[serde(default, deserialize_with = "present_whole")]
    #[schema(value_type = Option<i64>)]
    queue_id: Option<Option<i64>>,
    /// An active technician or admin; null unassigns.
    #[serde(default, deserialize_with = "present_whole")]
    #[schema(value_type = Option<i64>)]
    assignee_id: Option<Option<i64>>,
    #[schema(format = "line", max_length = 100)]
    category: Option<String>,
    /// One of the client's contacts; null clears it.
    #[serde(default, deserialize_with = "present_whole")]
    #[schema(value_type = Option<i64>)]
    contact_id: Option<Option<i64>>,
    /// Devices of the client, in order; replaces the list.
    #[serde(default, deserialize_with = "opt_whole_list")]
    #[schema(max_items = 50)]
    device_ids: Option<Vec<i64>>,
}

/// Change a ticket (staff); 409 with the current ticket in detail when `version` is stale
#[utoipa::path(patch, path = "/api/v1/tickets/{id}", request_body = TicketPatch, responses((status = 200, body = Ticket)))]
pub async fn update(
    State(state): State<AppState>,
    Staff(caller): Staff,
    Path(id): Path<i64>,
    Json(req): Json<TicketPatch>,
) -> ApiResult<Json<Ticket>> {
    let t = state.clock.now();
    let version = req.version.ok_or_else(|| {
        ApiError::bad_field("version", "version is required: the version of the ticket this change is based on.")
    })?;
    if let Some(d) = &req.device_ids {
        device_ids(d)?;
    }
    let changes = TicketChanges {
        subject: req.subject.as_deref().map(|s| required_text("subject", s, 300)).transpose()?,
        description: req.description.as_deref().map(|s| optional_text("description", s, 20_000)).transpose()?,
        priority: priority(req.priority)?,
        status: status("status", req.status)?,
        queue_id: req.queue_id,
        assignee_id: req.assignee_id,
        category: req.category.as_deref().map(|s| optional_line("category", s, 100)).transpose()?,
        contact_id: req.contact_id,
        device_ids: req.device_ids,
    };
    let by = caller.user.id;
    let who = caller.who();
    let ticket = state
        .db
        .write(move |c| {
            let before = tickets::get(c, id)?;
            let updated = service::update(c, id, version, &changes, Some(by), t)?;
            if let (Ok(ticket), Some(before)) = (&updated, &before)
                && ticket.version != version
            {
                audit::record(c, t, &who, "ticket.updated", &id.to_string(), &what_changed(before, ticket))?;
            }
            Ok(updated)
        })
        .await?
        .map_err(refused)?;
    changed(&state, &ticket);
    Ok(Json(ticket))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    #[schema(value_type = String, format = "body", min_length = 1, max_length = 50000)]
    body: Option<String>,
    /// Seen by the client; client contacts' comments are always public.
    #[serde(default)]
    public: bool,
}

/// Comment on a ticket; the first public comment by staff is the first response
#[utoipa::path(post, path = "/api/v1/tickets/{id}/comments", request_body = NewComment, responses((status = 201, body = Comment)))]
pub async fn comment(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(id): Path<i64>,
    Json(req): Json<NewComment>,
) -> ApiResult<(StatusCode, Json<Comment>)> {
    let t = state.clock.now();
    let body = required_multiline("body", req.body.as_deref().unwrap_or(""), 50_000)?;
    let ticket = visible(&state, &caller, id).await?;
    let staff = caller.client_scope().is_none();
    // What a client contact writes is what the client says: always public.
    let public = req.public || !staff;
    let (by, who) = (caller.user.id, caller.who());
    let author = if staff { Author::Staff(by) } else { Author::Client(by) };
    let name = if caller.user.name.is_empty() { caller.user.login.clone() } else { caller.user.name.clone() };
    let link = format!("{}/#/tickets/{id}", state.public_url.trim_end_matches('/'));
    let client_id = ticket.client_id;
    let (comment, mailed) = state
        .db
        .write(move |c| {
            let reply = service::Reply { author, name: &name, body: &body, public, link: &link };
            let (comment, mailed) = service::reply(c, &ticket, &reply, t)?;
            let kind = if public { "public" } else { "internal" };
            audit::record(c, t, &who, "ticket.commented", &id.to_string(), &format!("{kind} comment {}", comment.id))?;
            Ok((comment, mailed))
        })
        .await?;
    if mailed {
        state.notifications.wake.notify_one();
    }
    state.live.send(LiveEvent::TicketChanged { ticket_id: id, client_id });
    Ok((StatusCode::CREATED, Json(comment)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTimeEntry {
    /// The time spent.
    #[serde(default, deserialize_with = "opt_whole")]
    #[schema(value_type = i64, minimum = 1, maximum = 1440)]
    minutes: Option<i64>,
    #[serde(default = "yes")]
    #[schema(default = true)]
    billable: bool,
    #[serde(default)]
    #[schema(format = "text", max_length = 2000)]
    note: String,
    /// The day the work was done, YYYY-MM-DD; today (UTC) when left out or empty.
    #[schema(pattern = "^(?:[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8]))?$")]
    date: Option<String>,
}

/// Log time on a ticket (staff)
#[utoipa::path(post, path = "/api/v1/tickets/{id}/time", request_body = NewTimeEntry, responses((status = 201, body = TimeEntry)))]
pub async fn log_time(
    State(state): State<AppState>,
    Staff(caller): Staff,
    Path(id): Path<i64>,
    Json(req): Json<NewTimeEntry>,
) -> ApiResult<(StatusCode, Json<TimeEntry>)> {
    let now = state.clock.now();
    let minutes = match req.minutes {
        Some(m @ 1..=1440) => m,
        Some(m) => return Err(ApiError::bad_field("minutes", format!("minutes must be from 1 to 1440, not {m}."))),
        None => return Err(ApiError::bad_field("minutes", "minutes is required: the time spent, from 1 to 1440.")),
    };
    let note = optional_text("note", &req.note, 2_000)?;
    let date = match req.date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => d
            .parse::<jiff::civil::Date>()
            .map_err(|_| ApiError::bad_field("date", format!("date {d:?} is not a date such as \"2026-11-28\".")))?
            .to_string(),
        None => jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date().to_string(),
    };
    visible(&state, &caller, id).await?;
    let (by, who) = (caller.user.id, caller.who());
    let entry = state
        .db
        .write(move |c| {
            let billable = req.billable;
            let entry = NewTime { ticket_id: id, user_id: by, minutes, billable, note: &note, date: &date };
            let t = now;
            let made = service::log_time(c, &entry, t)?;
            let detail = format!("{minutes} minutes on {date}{}", if billable { ", billable" } else { "" });
            audit::record(c, t, &who, "ticket.time_logged", &id.to_string(), &detail)?;
            Ok(made)
        })
        .await?;
    let client_id = state.db.read(move |c| tickets::get(c, id)).await?.map_or(0, |t| t.client_id);
    state.live.send(LiveEvent::TicketChanged { ticket_id: id, client_id });
    Ok((StatusCode::CREATED, Json(entry)))
}

/// What an update changed, for the audit log: `status new -> open; assignee none -> Tina`.
fn what_changed(before: &Ticket, after: &Ticket) -> String {
    let name = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
    let mut parts = Vec::new();
    for (what, a, b) in [
        ("status", before.status.to_string(), after.status.to_string()),
        ("priority", before.priority.to_string(), after.priority.to_string()),
        ("assignee", name(&before.assignee), name(&after.assignee)),
        ("queue", name(&before.queue), name(&after.queue)),
        ("subject", before.subject.clone(), after.subject.clone()),
        ("category", before.category.clone(), after.category.clone()),
    ] {
        if a != b {
            parts.push(format!("{what} {a} -> {b}"));
        }
    }
    if parts.is_empty() { "details".into() } else { parts.join("; ") }
}

/// Tells open pages that a ticket was opened or changed.
fn changed(state: &AppState, t: &Ticket) {
    state.live.send(LiveEvent::TicketChanged { ticket_id: t.id, client_id: t.client_id });
}

/// One change for several tickets, each named with the version it was seen at.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    #[schema(value_type = Vec<BulkItem>, min_items = 1, max_items = 500)]
    tickets: Option<Vec<BulkItem>>,
    #[schema(value_type = BulkChanges)]
    changes: Option<BulkChanges>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkItem {
    #[serde(deserialize_with = "whole")]
    id: i64,
    /// The version the ticket was seen at.
    #[serde(deserialize_with = "whole")]
    version: i64,
}

/// What to set on every ticket: at least one of the four (null clears assignee_id and queue_id).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(min_properties = 1)]
pub struct BulkChanges {
    #[serde(default, deserialize_with = "present_whole")]
    #[schema(value_type = Option<i64>)]
    assignee_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present_whole")]
    #[schema(value_type = Option<i64>)]
    queue_id: Option<Option<i64>>,
    /// Not null: a bulk change of nothing but a null status would set nothing.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Status, required = false)]
    status: Option<OneOf<Status>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Priority, required = false)]
    priority: Option<OneOf<Priority>>,
}

/// One ticket a bulk change did not apply to, and why.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct BulkRefusal {
    id: i64,
    message: String,
    /// The ticket as it is now, when the refusal was a stale version.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Ticket>)]
    ticket: Option<Box<Ticket>>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct BulkResult {
    updated: Vec<Ticket>,
    refused: Vec<BulkRefusal>,
}

/// Most tickets one bulk change may name.
const BULK_MAX: usize = 500;

/// Change several tickets at once (staff): each named with the version it was seen at; stale ones are refused, not overwritten
///
/// Applies one change to many tickets in one transaction. Each ticket carries the version the
/// technician saw: one changed meanwhile is refused with its current state, like a single PATCH.
#[utoipa::path(post, path = "/api/v1/tickets/bulk", request_body = BulkRequest, responses((status = 200, body = BulkResult)))]
pub async fn bulk(
    State(state): State<AppState>,
    Staff(caller): Staff,
    Json(req): Json<BulkRequest>,
) -> ApiResult<Json<BulkResult>> {
    let now = state.clock.now();
    let items = req.tickets.unwrap_or_default();
    if items.is_empty() || items.len() > BULK_MAX {
        return Err(ApiError::bad_field(
            "tickets",
            format!(
                "tickets must name 1 to {BULK_MAX} tickets, each as {{\"id\", \"version\"}}; it names {}.",
                items.len()
            ),
        ));
    }
    let c = req.changes.ok_or_else(|| {
        ApiError::bad_field("changes", "changes is required: assignee_id, queue_id, status or priority to set.")
    })?;
    let changes = TicketChanges {
        priority: priority(c.priority)?,
        status: status("changes.status", c.status)?,
        queue_id: c.queue_id,
        assignee_id: c.assignee_id,
        ..Default::default()
    };
    if changes.priority.is_none()
        && changes.status.is_none()
        && changes.queue_id.is_none()
        && changes.assignee_id.is_none()
    {
        return Err(ApiError::bad_field(
            "changes",
            "changes sets nothing: give assignee_id, queue_id, status or priority.",
        ));
    }
    let by = caller.user.id;
    let who = caller.who();
    let result = state
        .db
        .write(move |conn| {
            let t = now;
            let mut out = BulkResult { updated: Vec::new(), refused: Vec::new() };
            for item in &items {
                match service::update(conn, item.id, item.version, &changes, Some(by), t)? {
                    Ok(ticket) => out.updated.push(ticket),
                    Err(r) => {
                        let e = refused(r.clone());
                        let ticket = match r {
                            Refusal::Stale(current) => Some(current),
                            _ => None,
                        };
                        out.refused.push(BulkRefusal { id: item.id, message: e.message, ticket });
                    }
                }
            }
            if !out.updated.is_empty() {
                let ids: Vec<String> = out.updated.iter().map(|t| t.id.to_string()).collect();
                audit::record(conn, t, &who, "ticket.bulk_updated", &ids.join(","), "")?;
            }
            Ok(out)
        })
        .await?;
    for t in &result.updated {
        changed(&state, t);
    }
    Ok(Json(result))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_priority_or_status_that_is_none_of_ours_is_refused_naming_the_field() {
        let body = json!({ "version": 1, "priority": 5, "status": " open " });
        let patch: TicketPatch = serde_json::from_value(body).unwrap();
        let e = priority(patch.priority).unwrap_err();
        assert_eq!(
            (e.message.as_str(), e.detail),
            ("priority 5 is not one of P1, P2, P3, P4.", Some(json!({ "field": "priority" })))
        );
        assert_eq!(status("status", patch.status).unwrap(), Some(Status::Open), "blanks around are forgiven");
        let bulk: BulkChanges = serde_json::from_value(json!({ "status": "done", "priority": "p1" })).unwrap();
        let e = status("changes.status", bulk.status).unwrap_err();
        assert_eq!(e.message, "changes.status \"done\" is not one of new, open, pending, resolved, closed.");
        assert_eq!(priority(bulk.priority).unwrap(), Some(Priority::P1));
        let bulk: BulkChanges = serde_json::from_value(json!({ "assignee_id": null, "status": null })).unwrap();
        assert_eq!(bulk.assignee_id, Some(None), "null unassigns");
        let e = status("changes.status", bulk.status).unwrap_err();
        assert_eq!(e.message, "changes.status null is not one of new, open, pending, resolved, closed.");
    }

    #[test]
    fn whole_numbers_may_be_written_as_floats_but_fractions_and_huge_ones_are_refused() {
        let item: BulkItem = serde_json::from_value(json!({ "id": 2.0, "version": -3 })).unwrap();
        assert_eq!((item.id, item.version), (2, -3));
        for bad in [json!(2.5), json!(1e19), json!(u64::MAX), json!("2")] {
            assert!(serde_json::from_value::<BulkItem>(json!({ "id": bad, "version": 1 })).is_err(), "{bad}");
        }
        let patch: TicketPatch = serde_json::from_value(json!({ "version": 4.0, "queue_id": null })).unwrap();
        assert_eq!((patch.version, patch.queue_id, patch.assignee_id), (Some(4), Some(None), None));
    }
}
