//! `/api/v1/channels`: where notices go (e-mail, webhooks, Slack, Teams, the in-app bell), their
//! recent deliveries, and a "send test" that goes through the outbox like a real notice. Staff
//! see channels and their deliveries and may send tests; admins add, change and delete them.
//!
//! `/api/v1/notifications`: the in-app notices under the bell, with the caller's unread count.
//! A client contact sees only their own client's.
//!
//! Webhook URLs usually carry a secret token (Slack's and Teams' do), so only admins see them
//! whole; technicians see the scheme and host.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};

use super::api_doc::{ApiDoc, page_of};
use super::{IdPageParams, Page, email, id_page, required_text};
use crate::db::notifications::{self as store, AppNotice, Channel, ChannelChanges, ChannelFields, Delivery};
use crate::db::{DbError, audit, clients, rfc3339};
use crate::notify::{self, ChannelKind};
use crate::rules::Severity;
use crate::server::auth::Caller;
use crate::server::error::{ApiError, ApiResult, Json, Path, Query};
use crate::server::roles::{Admin, Person, Staff};
use crate::server::state::AppState;

const NAME_MAX: usize = 100;
const URL_MAX: usize = 2000;
const ADDRESSES_MAX: usize = 50;

pub const API: ApiDoc = ApiDoc {
    operations: &[
        ("get", "/api/v1/channels", "Notification channels, oldest first (staff)", None, 200, Some("ChannelPage")),
        ("post", "/api/v1/channels", "Add a notification channel (admin)", Some("NewChannel"), 201, Some("Channel")),
        ("get", "/api/v1/channels/{id}", "One notification channel (staff)", None, 200, Some("Channel")),
        (
            "patch",
            "/api/v1/channels/{id}",
            "Change a channel (admin); disabling gives up its waiting alert notices, a new target retries them at once",
            Some("ChannelChanges"),
            200,
            Some("Channel"),
        ),
        ("delete", "/api/v1/channels/{id}", "Delete a channel and its deliveries (admin)", None, 204, None),
        (
            "post",
            "/api/v1/channels/{id}/test",
            "Queue a test notice for this channel only (staff); follow it under /deliveries",
            None,
            202,
            Some("Delivery"),
        ),
        (
            "get",
            "/api/v1/channels/{id}/deliveries",
            "The channel's recent deliveries, newest first, with attempts and the last error (staff)",
            None,
            200,
            Some("DeliveryPage"),
        ),
        (
            "get",
            "/api/v1/notifications",
            "In-app notices, newest first, and the caller's unread count (client contacts see their own client's)",
            None,
            200,
            Some("AppNoticePage"),
        ),
        (
            "post",
            "/api/v1/notifications/read",
            "Mark the caller's in-app notices read up to an id; answers the new unread count",
            Some("ReadMark"),
            200,
            Some("Unread"),
        ),
    ],
    query: &[],
    paged: &["/api/v1/channels", "/api/v1/channels/{id}/deliveries", "/api/v1/notifications"],
    schemas,
};

fn schemas() -> Value {
    let ts = json!({ "type": "string", "format": "date-time" });
    let ts_or_null = json!({ "type": ["string", "null"], "format": "date-time" });
    let kind = json!({ "type": "string", "enum": ["email", "webhook", "slack", "teams", "in_app"] });
    let severity = json!({ "type": "string", "enum": ["warning", "critical"] });
    let target = json!({ "type": "string",
        "description": "http(s) URL for webhook, slack and teams; comma-separated e-mail addresses for email; empty for in_app" });
    json!({
        "Channel": { "type": "object", "properties": {
            "id": { "type": "integer" }, "name": { "type": "string" }, "kind": kind, "target": target,
            "min_severity": severity, "client_id": { "type": ["integer", "null"], "description": "null: every client" },
            "client": { "type": ["string", "null"] }, "enabled": { "type": "boolean" },
            "created_at": ts, "updated_at": ts,
            "pending": { "type": "integer", "description": "Deliveries waiting for an attempt" },
            "last_delivery": { "oneOf": [ { "$ref": "#/components/schemas/Delivery" }, { "type": "null" } ] } } },
        "NewChannel": { "type": "object", "required": ["name", "kind"], "additionalProperties": false, "properties": {
            "name": { "type": "string", "maxLength": NAME_MAX }, "kind": kind, "target": target,
            "min_severity": { "type": "string", "enum": ["warning", "critical"], "default": "warning" },
            "client_id": { "type": ["integer", "null"] }, "enabled": { "type": "boolean", "default": true } } },
        "ChannelChanges": { "type": "object", "additionalProperties": false, "properties": {
            "name": { "type": "string", "maxLength": NAME_MAX }, "kind": kind, "target": target, "min_severity": severity,
            "client_id": { "type": ["integer", "null"] }, "enabled": { "type": "boolean" } } },
        "Delivery": { "type": "object", "properties": {
            "id": { "type": "integer", "description": "Also sent to webhooks as X-Steward-Delivery" },
            "channel_id": { "type": "integer" }, "event": { "type": "string" }, "title": { "type": "string" },
            "state": { "type": "string", "enum": ["pending", "delivered", "failed"] },
            "attempts": { "type": "integer" }, "last_error": { "type": "string" }, "created_at": ts,
            "next_attempt_at": ts_or_null, "delivered_at": ts_or_null, "failed_at": ts_or_null } },
        "AppNotice": { "type": "object", "properties": {
            "id": { "type": "integer" }, "at": ts, "event": { "type": "string" }, "severity": severity,
            "title": { "type": "string" }, "body": { "type": "string" }, "link": { "type": "string" },
            "client_id": { "type": ["integer", "null"] }, "alert_id": { "type": ["integer", "null"] },
            "read": { "type": "boolean" } } },
        "ReadMark": { "type": "object", "required": ["up_to"], "additionalProperties": false, "properties": {
            "up_to": { "type": "integer", "minimum": 0, "description": "Notices with this id or lower are read" } } },
        "Unread": { "type": "object", "properties": { "unread": { "type": "integer" } } },
        "ChannelPage": page_of("Channel"),
        "DeliveryPage": page_of("Delivery"),
        "AppNoticePage": { "allOf": [ page_of("AppNotice"), { "type": "object", "properties": {
            "unread": { "type": "integer", "description": "The caller's unread notices, all pages" } } } ] },
    })
}

/// The part of the API description this module answers.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, get_one, update, remove, send_test, deliveries, notices, mark_read),
    modifiers(&TargetSuitsKind)
)]
pub struct Api;

/// A new channel's target is what its kind needs (`target`): the description says it per kind.
/// The patterns are narrower than the server's checks (any URL the `url` crate reads, any address
/// `lettre` takes), so that every target they allow is one the server takes.
struct TargetSuitsKind;

impl utoipa::Modify for TargetSuitsKind {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{AllOfBuilder, AnyOfBuilder, ObjectBuilder, SchemaType, Type};
        use utoipa::openapi::{RefOr, Schema};
        let kind = |names: &[&str]| ObjectBuilder::new().schema_type(Type::String).enum_values(Some(names.to_vec()));
        // A change may leave the target out (or null): the channel's own is checked then (409).
        let rule = |change: bool| -> Schema {
            let text = |pattern: &str, max: usize| {
                let t = ObjectBuilder::new().pattern(Some(pattern)).max_length(Some(max));
                if change {
                    t.schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                } else {
                    t.schema_type(Type::String)
                }
            };
            let in_app = ObjectBuilder::new()
                .property("kind", kind(&["in_app"]))
                .property("target", text(r"^\s*$", 100).schema_type(SchemaType::from_iter([Type::String, Type::Null])));
            let mut email =
                ObjectBuilder::new().property("kind", kind(&["email"])).property("target", text(EMAILS, 5000));
            let mut url = ObjectBuilder::new()
                .property("kind", kind(&["webhook", "slack", "teams"]))
                .property("target", text(URL, 2000));
            let mut any = AnyOfBuilder::new();
            if change {
                // No new kind: the target is checked against the channel's own kind (409).
                any = any.item(ObjectBuilder::new().property("kind", ObjectBuilder::new().schema_type(Type::Null)));
            } else {
                email = email.required("target");
                url = url.required("target");
            }
            any.item(in_app).item(email).item(url).into()
        };
        for (name, change) in [("NewChannel", false), ("ChannelRequest", true)] {
            let Some(schema) = doc.components.as_mut().and_then(|c| c.schemas.get_mut(name)) else { continue };
            let fields = std::mem::replace(schema, RefOr::T(Schema::default()));
            *schema = AllOfBuilder::new().item(fields).item(rule(change)).into();
        }
    }
}

/// What receives a channel's notices, by kind: URL, e-mail addresses, nothing.
const URL: &str = r"^\s*https?://[A-Za-z][A-Za-z0-9-]{0,30}(?:\.[A-Za-z][A-Za-z0-9-]{0,30}){0,4}(?::[1-9][0-9]{0,3})?(?:/[A-Za-z0-9._~-]*){0,8}\s*$";
const EMAILS: &str = r"^\s*[A-Za-z0-9_%+-]{1,20}(?:\.[A-Za-z0-9_%+-]{1,20}){0,2}@[A-Za-z0-9]{1,20}(?:\.[A-Za-z0-9]{1,20}){1,3}(?:\s*,\s*[A-Za-z0-9_%+-]{1,20}(?:\.[A-Za-z0-9_%+-]{1,20}){0,2}@[A-Za-z0-9]{1,20}(?:\.[A-Za-z0-9]{1,20}){1,3}){0,49}\s*$";

/// A new channel: its name and kind, and the target the kind needs.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewChannel {
    #[schema(required = true, nullable = false, format = "name", min_length = 1, max_length = 100)]
    name: Option<String>,
    #[schema(required = true, nullable = false, value_type = Option<ChannelKind>)]
    kind: Option<String>,
    /// An http(s) URL for webhook, slack and teams; comma-separated e-mail addresses for email;
    /// empty for in_app.
    target: Option<String>,
    /// Default warning.
    #[schema(value_type = Option<Severity>)]
    min_severity: Option<String>,
    /// Only notices about this client; null or left out: every client.
    #[serde(default, deserialize_with = "some_option")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 9223372036854775807_i64)]
    client_id: Option<Option<i64>>,
    /// Default true.
    enabled: Option<bool>,
}

impl From<NewChannel> for ChannelRequest {
    fn from(n: NewChannel) -> ChannelRequest {
        let NewChannel { name, kind, target, min_severity, client_id, enabled } = n;
        ChannelRequest { name, kind, target, min_severity, client_id, enabled }
    }
}

/// What to change of a channel; what is left out stays as it is. A target must suit the kind
/// (the new one, or the channel's own).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelRequest {
    #[schema(format = "name", min_length = 1, max_length = 100)]
    name: Option<String>,
    #[schema(value_type = Option<ChannelKind>)]
    kind: Option<String>,
    /// An http(s) URL for webhook, slack and teams; comma-separated e-mail addresses for email;
    /// empty for in_app.
    target: Option<String>,
    #[schema(value_type = Option<Severity>)]
    min_severity: Option<String>,
    /// Only notices about this client; null: every client.
    #[serde(default, deserialize_with = "some_option")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 9223372036854775807_i64)]
    client_id: Option<Option<i64>>,
    enabled: Option<bool>,
}

/// `"client_id": null` means every client, and a missing key leaves it alone.
fn some_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

fn kind(value: &str) -> ApiResult<ChannelKind> {
    ChannelKind::parse(value.trim()).ok_or_else(|| {
        ApiError::bad_field(
            "kind",
            format!("kind must be one of \"email\", \"webhook\", \"slack\", \"teams\" or \"in_app\", not {value:?}."),
        )
    })
}

fn severity(value: &str) -> ApiResult<Severity> {
    Severity::parse(value.trim()).ok_or_else(|| {
        ApiError::bad_field("min_severity", format!("min_severity must be \"warning\" or \"critical\", not {value:?}."))
    })
}

/// The target a channel of `kind` needs: an http(s) URL, e-mail addresses, or nothing.
pub fn target(kind: ChannelKind, value: &str) -> ApiResult<String> {
    let v = value.trim();
    let bad = |m: String| ApiError::bad_field("target", m);
    match kind {
        ChannelKind::InApp if v.is_empty() => Ok(String::new()),
        ChannelKind::InApp => {
            Err(bad("target must be empty for an in-app channel: its notices appear under the bell in Steward.".into()))
        }
        ChannelKind::Email => {
            let addresses: Vec<&str> = v.split(',').map(str::trim).filter(|a| !a.is_empty()).collect();
            if addresses.is_empty() {
                return Err(bad("target must be one or more e-mail addresses, separated by commas.".into()));
            }
            if addresses.len() > ADDRESSES_MAX {
                return Err(bad(format!(
                    "target may hold at most {ADDRESSES_MAX} e-mail addresses; use a list address."
                )));
            }
            let mut checked = Vec::with_capacity(addresses.len());
            for a in addresses {
                let ok = email("target", a).ok().filter(|a| a.parse::<lettre::Address>().is_ok());
                checked.push(ok.ok_or_else(|| {
                    bad(format!("target must be e-mail addresses separated by commas; {a:?} is not an e-mail address."))
                })?);
            }
            Ok(checked.join(", "))
        }
        ChannelKind::Webhook | ChannelKind::Slack | ChannelKind::Teams => {
            if v.is_empty() {
                return Err(bad(format!("target must be the receiver's URL for a {} channel.", kind.as_str())));
            }
            if v.chars().count() > URL_MAX {
                return Err(bad(format!("target must be at most {URL_MAX} characters long.")));
            }
            let url =
                reqwest::Url::parse(v).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            match url {
                Some(u) => Ok(u.to_string()),
                None => Err(bad(
                    "target must be an http:// or https:// URL, such as https://hooks.example.com/steward.".into(),
                )),
            }
        }
    }
}

/// The fields of a request, checked. `current` is the channel being changed (for a change of
/// kind, the target must suit the new kind).
struct Checked {
    name: Option<String>,
    kind: Option<ChannelKind>,
    target: Option<String>,
    min_severity: Option<Severity>,
    client_id: Option<Option<i64>>,
    enabled: Option<bool>,
}

fn check(req: ChannelRequest, current: Option<&Channel>) -> ApiResult<Checked> {
    let name = req.name.map(|n| required_text("name", &n, NAME_MAX)).transpose()?;
    let new_kind = req.kind.as_deref().map(kind).transpose()?;
    let min_severity = req.min_severity.as_deref().map(severity).transpose()?;
    // A target that does not suit the channel as it is (a new target for its kind, or its target
    // for a new kind) conflicts with what is stored: 409. Within the request itself: 400.
    let stored = |mut e: ApiError| {
        e.status = StatusCode::CONFLICT;
        e
    };
    let target = match (req.target, new_kind, current) {
        (Some(t), Some(k), _) => Some(target(k, &t)?),
        (Some(t), None, Some(c)) => Some(target(c.kind, &t).map_err(stored)?),
        // A new channel without a target: right only for in-app.
        (None, Some(k), None) => Some(target(k, "")?),
        // A new kind keeps the old target if it suits; in-app needs none.
        (None, Some(k), Some(c)) if k != c.kind => {
            Some(if k == ChannelKind::InApp { String::new() } else { target(k, &c.target).map_err(stored)? })
        }
        (None, _, _) => None,
        (t, None, None) => t,
    };
    if let Some(Some(id)) = req.client_id
        && id <= 0
    {
        return Err(ApiError::bad_field(
            "client_id",
            format!("client_id must name a client; there is no client with id {id}."),
        ));
    }
    Ok(Checked { name, kind: new_kind, target, min_severity, client_id: req.client_id, enabled: req.enabled })
}

/// A client id in a request body that names nothing: 404, naming the field.
fn unknown_client_is_bad_request(e: DbError) -> ApiError {
    match e {
        DbError::NotFound(m) if m.contains("client") => {
            let mut e = ApiError::not_found(m);
            e.detail = Some(json!({ "field": "client_id" }));
            e
        }
        other => other.into(),
    }
}

fn require_client(c: &rusqlite::Connection, client_id: Option<Option<i64>>) -> Result<(), DbError> {
    if let Some(Some(id)) = client_id
        && clients::get(c, id)?.is_none()
    {
        return Err(DbError::NotFound(format!("client_id must name a client; there is no client with id {id}.")));
    }
    Ok(())
}

/// What the caller may see of a channel: technicians get a webhook's scheme and host only.
fn for_caller(caller: &Caller, mut channel: Channel) -> Channel {
    if !caller.is_admin() && channel.kind.takes_url() {
        channel.target = match reqwest::Url::parse(&channel.target) {
            Ok(u) => format!("{}://{}/…", u.scheme(), u.host_str().unwrap_or("")),
            Err(_) => "…".into(),
        };
    }
    channel
}

async fn channel_or_404(state: &AppState, id: i64) -> ApiResult<Channel> {
    state
        .db
        .read(move |c| store::get_channel(c, id))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("There is no notification channel with id {id}.")))
}

/// Notification channels, oldest first (staff)
#[utoipa::path(get, path = "/api/v1/channels", params(IdPageParams), responses((status = 200, body = Page<Channel>)))]
pub async fn list(
    State(state): State<AppState>,
    Staff(caller): Staff,
    Query(p): Query<IdPageParams>,
) -> ApiResult<Json<Page<Channel>>> {
    let p = p.paging();
    let limit = p.limit()?;
    let after = p.after_id()?;
    let rows = state.db.read(move |c| store::list_channels(c, after, limit + 1)).await?;
    let mut paged = id_page(rows, limit, |c| c.id);
    paged.items = paged.items.into_iter().map(|c| for_caller(&caller, c)).collect();
    Ok(Json(paged))
}

/// One notification channel (staff)
#[utoipa::path(get, path = "/api/v1/channels/{id}", responses((status = 200, body = Channel)))]
pub async fn get_one(
    State(state): State<AppState>,
    Staff(caller): Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Channel>> {
    Ok(Json(for_caller(&caller, channel_or_404(&state, id).await?)))
}

/// Add a notification channel (admin)
#[utoipa::path(post, path = "/api/v1/channels", request_body = NewChannel, responses((status = 201, body = Channel)))]
pub async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Json(req): Json<NewChannel>,
) -> ApiResult<(StatusCode, Json<Channel>)> {
    let t = state.clock.now();
    let req = ChannelRequest::from(req);
    if req.name.is_none() {
        return Err(ApiError::bad_field("name", "name must not be empty."));
    }
    if req.kind.is_none() {
        return Err(ApiError::bad_field(
            "kind",
            "kind must be one of \"email\", \"webhook\", \"slack\", \"teams\" or \"in_app\".",
        ));
    }
    let c = check(req, None)?;
    let who = caller.who();
    let channel = state
        .db
        .write(move |conn| {
            require_client(conn, c.client_id)?;
            let fields = ChannelFields {
                name: c.name.as_deref().unwrap_or_default(),
                kind: c.kind.unwrap_or(ChannelKind::InApp),
                target: c.target.as_deref().unwrap_or_default(),
                min_severity: c.min_severity.unwrap_or(Severity::Warning),
                client_id: c.client_id.flatten(),
                enabled: c.enabled.unwrap_or(true),
            };
            let channel = store::insert_channel(conn, &fields, t)?;
            let detail = format!("{} {}", channel.kind.as_str(), channel.name);
            audit::record(conn, t, &who, "channel.created", &channel.id.to_string(), &detail)?;
            Ok(channel)
        })
        .await
        .map_err(unknown_client_is_bad_request)?;
    Ok((StatusCode::CREATED, Json(channel)))
}

/// Change a channel (admin); disabling gives up its waiting alert notices, a new target retries them at once
#[utoipa::path(patch, path = "/api/v1/channels/{id}", request_body = ChannelRequest, responses((status = 200, body = Channel)))]
pub async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<i64>,
    Json(req): Json<ChannelRequest>,
) -> ApiResult<Json<Channel>> {
    let now = state.clock.now();
    let current = channel_or_404(&state, id).await?;
    let c = check(req, Some(&current))?;
    let who = caller.who();
    let channel = state
        .db
        .write(move |conn| {
            require_client(conn, c.client_id)?;
            let changes = ChannelChanges {
                name: c.name,
                kind: c.kind,
                target: c.target,
                min_severity: c.min_severity,
                client_id: c.client_id,
                enabled: c.enabled,
            };
            let t = now;
            let channel = store::update_channel(conn, id, &changes, t)?;
            audit::record(conn, t, &who, "channel.updated", &id.to_string(), &channel.name)?;
            Ok(channel)
        })
        .await
        .map_err(unknown_client_is_bad_request)?;
    // A new target may have made waiting deliveries due now.
    state.notifications.wake.notify_one();
    Ok(Json(channel))
}

/// Delete a channel and its deliveries (admin)
#[utoipa::path(delete, path = "/api/v1/channels/{id}", responses((status = 204)))]
pub async fn remove(State(state): State<AppState>, Admin(caller): Admin, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    let now = state.clock.now();
    let who = caller.who();
    let deleted = state
        .db
        .write(move |c| {
            let deleted = store::delete_channel(c, id)?;
            if deleted {
                audit::record(c, now, &who, "channel.deleted", &id.to_string(), "")?;
            }
            Ok(deleted)
        })
        .await?;
    if deleted {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("There is no notification channel with id {id}.")))
    }
}

/// Queue a test notice for this channel only (staff); follow it under /deliveries
///
/// It goes through the outbox like a real one, so what it shows (delivered, or the error and the
/// next attempt) is what a real notice would meet.
#[utoipa::path(post, path = "/api/v1/channels/{id}/test", responses((status = 202, body = Delivery)))]
pub async fn send_test(
    State(state): State<AppState>,
    Staff(caller): Staff,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Json<Delivery>)> {
    let t = state.clock.now();
    let channel = channel_or_404(&state, id).await?;
    let (who, login, public_url) = (caller.who(), caller.user.login.clone(), state.public_url.clone());
    let delivery = state
        .db
        .write(move |c| {
            let client = channel.client_id.zip(channel.client.as_deref());
            let message = notify::test_message(&channel.name, client, &login, &public_url, &rfc3339(t));
            let delivery = store::enqueue_for(c, channel.id, &message, t)?;
            audit::record(c, t, &who, "channel.tested", &channel.id.to_string(), &delivery.id.to_string())?;
            Ok(delivery)
        })
        .await?;
    state.notifications.wake.notify_one();
    Ok((StatusCode::ACCEPTED, Json(delivery)))
}

/// The channel's recent deliveries, newest first, with attempts and the last error (staff)
#[utoipa::path(get, path = "/api/v1/channels/{id}/deliveries", params(IdPageParams), responses((status = 200, body = Page<Delivery>)))]
pub async fn deliveries(
    State(state): State<AppState>,
    _: Staff,
    Path(id): Path<i64>,
    Query(p): Query<IdPageParams>,
) -> ApiResult<Json<Page<Delivery>>> {
    let p = p.paging();
    let limit = p.limit()?;
    let before = p.after_id()?;
    channel_or_404(&state, id).await?;
    let rows = state.db.read(move |c| store::list_deliveries(c, id, before, limit + 1)).await?;
    Ok(Json(id_page(rows, limit, |d| d.id)))
}

/// A page of in-app notices, with the caller's unread count.
#[derive(Serialize, utoipa::ToSchema)]
pub struct NoticePage {
    items: Vec<AppNotice>,
    /// Pass as `?cursor=` for the next page; null on the last.
    #[schema(required = true)]
    next_cursor: Option<String>,
    /// The caller's unread notices, all pages.
    unread: i64,
}

/// In-app notices, newest first, and the caller's unread count (client contacts see their own client's)
#[utoipa::path(get, path = "/api/v1/notifications", params(IdPageParams), responses((status = 200, body = NoticePage)))]
pub async fn notices(
    State(state): State<AppState>,
    Person(caller): Person,
    Query(p): Query<IdPageParams>,
) -> ApiResult<Json<NoticePage>> {
    let p = p.paging();
    let limit = p.limit()?;
    let before = p.after_id()?;
    let (user_id, scope) = (caller.user.id, caller.client_scope());
    let (rows, unread) = state
        .db
        .read(move |c| {
            let rows = store::list_app_notices(c, user_id, scope, before, limit + 1)?;
            Ok((rows, store::unread_count(c, user_id, scope)?))
        })
        .await?;
    let paged = id_page(rows, limit, |n| n.id);
    Ok(Json(NoticePage { items: paged.items, next_cursor: paged.next_cursor, unread }))
}

/// How far the caller has read.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadMark {
    /// Notices with this id or lower are read.
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    up_to: i64,
}

/// The caller's unread in-app notices.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Unread {
    unread: i64,
}

/// Mark the caller's in-app notices read up to an id; answers the new unread count
#[utoipa::path(post, path = "/api/v1/notifications/read", request_body = ReadMark, responses((status = 200, body = Unread)))]
pub async fn mark_read(
    State(state): State<AppState>,
    Person(caller): Person,
    Json(req): Json<ReadMark>,
) -> ApiResult<Json<Unread>> {
    if req.up_to < 0 {
        return Err(ApiError::bad_field("up_to", format!("up_to must be a notice id (0 or more), not {}.", req.up_to)));
    }
    let (user_id, scope, up_to) = (caller.user.id, caller.client_scope(), req.up_to);
    let unread = state
        .db
        .write(move |c| {
            store::mark_read(c, user_id, up_to)?;
            store::unread_count(c, user_id, scope)
        })
        .await?;
    Ok(Json(Unread { unread }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(e: ApiError) -> (String, String) {
        (e.detail.and_then(|d| d["field"].as_str().map(str::to_owned)).unwrap_or_default(), e.message)
    }

    #[test]
    fn targets_are_checked_by_kind() {
        assert_eq!(
            target(ChannelKind::Slack, " https://hooks.slack.com/services/T/B/x ").unwrap(),
            "https://hooks.slack.com/services/T/B/x"
        );
        for bad in ["", "hooks.slack.com/x", "ftp://example.com/x", "javascript:alert(1)", "http://"] {
            let (f, m) = field(target(ChannelKind::Webhook, bad).unwrap_err());
            assert_eq!(f, "target", "{bad}");
            assert!(m.starts_with("target must"), "{m}");
        }
        assert_eq!(
            target(ChannelKind::Email, "a@example.com,  b@example.org").unwrap(),
            "a@example.com, b@example.org"
        );
        let (_, m) = field(target(ChannelKind::Email, "a@example.com, nobody").unwrap_err());
        assert!(m.contains("\"nobody\""), "{m}");
        assert!(target(ChannelKind::Email, " , ").is_err());
        assert_eq!(target(ChannelKind::InApp, "").unwrap(), "");
        assert!(target(ChannelKind::InApp, "https://example.com").is_err());
    }

    #[test]
    fn kind_and_severity_name_their_field() {
        assert_eq!(field(kind("pager").unwrap_err()).0, "kind");
        assert_eq!(kind("in_app").unwrap(), ChannelKind::InApp);
        assert_eq!(field(severity("info").unwrap_err()).0, "min_severity");
    }
}
