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
use super::{Page, PageParams, email, id_page, required_text};
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

/// Requests to add or change a channel share one shape; every field is checked by `check`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelRequest {
    name: Option<String>,
    kind: Option<String>,
    target: Option<String>,
    min_severity: Option<String>,
    #[serde(default, deserialize_with = "some_option")]
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
    let target = match (req.target, new_kind.or(current.map(|c| c.kind))) {
        (Some(t), Some(k)) => Some(target(k, &t)?),
        (None, Some(k)) => match current {
            // A new channel without a target: right only for in-app.
            None => Some(target(k, "")?),
            // A new kind keeps the old target if it suits; in-app needs none.
            Some(c) if new_kind.is_some_and(|n| n != c.kind) => {
                Some(if k == ChannelKind::InApp { String::new() } else { target(k, &c.target)? })
            }
            Some(_) => None,
        },
        (t, None) => t,
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

/// A client id in a request body that names nothing is the request's fault: 400, not 404.
fn unknown_client_is_bad_request(e: DbError) -> ApiError {
    match e {
        DbError::NotFound(m) if m.contains("client") => ApiError::bad_field("client_id", m),
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

pub async fn list(
    State(state): State<AppState>,
    Staff(caller): Staff,
    Query(p): Query<PageParams>,
) -> ApiResult<Json<Page<Channel>>> {
    let limit = p.limit()?;
    let after = p.after_id()?;
    let rows = state.db.read(move |c| store::list_channels(c, after, limit + 1)).await?;
    let mut paged = id_page(rows, limit, |c| c.id);
    paged.items = paged.items.into_iter().map(|c| for_caller(&caller, c)).collect();
    Ok(Json(paged))
}

pub async fn get_one(
    State(state): State<AppState>,
    Staff(caller): Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Channel>> {
    Ok(Json(for_caller(&caller, channel_or_404(&state, id).await?)))
}

pub async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Json(req): Json<ChannelRequest>,
) -> ApiResult<(StatusCode, Json<Channel>)> {
    let t = state.clock.now();
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

/// Queues a test notice for this channel only, through the outbox like a real one, so what it
/// shows (delivered, or the error and the next attempt) is what a real notice would meet.
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

pub async fn deliveries(
    State(state): State<AppState>,
    _: Staff,
    Path(id): Path<i64>,
    Query(p): Query<PageParams>,
) -> ApiResult<Json<Page<Delivery>>> {
    let limit = p.limit()?;
    let before = p.after_id()?;
    channel_or_404(&state, id).await?;
    let rows = state.db.read(move |c| store::list_deliveries(c, id, before, limit + 1)).await?;
    Ok(Json(id_page(rows, limit, |d| d.id)))
}

#[derive(Serialize)]
pub struct NoticePage {
    items: Vec<AppNotice>,
    next_cursor: Option<String>,
    unread: i64,
}

pub async fn notices(
    State(state): State<AppState>,
    Person(caller): Person,
    Query(p): Query<PageParams>,
) -> ApiResult<Json<NoticePage>> {
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadMark {
    up_to: i64,
}

pub async fn mark_read(
    State(state): State<AppState>,
    Person(caller): Person,
    Json(req): Json<ReadMark>,
) -> ApiResult<Json<Value>> {
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
    Ok(Json(json!({ "unread": unread })))
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
