//! `/api/v1/rules`: alert rules. Staff read them; admins write them. A preview shows, before
//! saving, which devices a rule would apply to (after overrides) and which would alert right now.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::api_doc::{ApiDoc, page_of};
use super::devices::MetricName;
use super::{Page, PageParams, id_page, required_text, yes};
use crate::config::HumanDuration;
use crate::db::{DbError, audit, rfc3339, rules as stored};
use crate::rules::condition::{Condition, Op};
use crate::rules::scope::{DeviceFacts, Scope};
use crate::rules::{Rule, Severity, TicketPolicy};
use crate::server::error::{ApiError, ApiResult, Json, Path, Query};
use crate::server::roles::{Admin, Staff};
use crate::server::state::AppState;
use crate::services::engine::{self, Book};

pub const API: ApiDoc = ApiDoc {
    operations: &[
        ("get", "/api/v1/rules", "Alert rules, oldest first (staff)", None, 200, Some("RulePage")),
        ("post", "/api/v1/rules", "Add an alert rule (admin)", Some("RuleFields"), 201, Some("Rule")),
        (
            "post",
            "/api/v1/rules/preview",
            "Which devices a draft rule would apply to, and which would alert now (staff)",
            Some("RuleFields"),
            200,
            Some("RulePreview"),
        ),
        ("get", "/api/v1/rules/{id}", "One alert rule (staff)", None, 200, Some("Rule")),
        (
            "patch",
            "/api/v1/rules/{id}",
            "Change an alert rule (admin); its alerts follow at the next check-in",
            Some("RuleChanges"),
            200,
            Some("Rule"),
        ),
        ("delete", "/api/v1/rules/{id}", "Delete an alert rule (admin); its open alerts resolve", None, 204, None),
    ],
    query: &[(("get", "/api/v1/rules"), &[("q", "string"), ("kind", "string"), ("enabled", "boolean")])],
    paged: &["/api/v1/rules"],
    schemas,
};

fn schemas() -> Value {
    let scope = json!({ "type": "object", "required": ["scope"], "description": "Where the rule applies; the most specific rule of a kind wins (device > tag > site > client > global)",
        "properties": { "scope": { "type": "string", "enum": ["global", "client", "site", "device", "tag"] },
            "client_id": { "type": "integer" }, "site_id": { "type": "integer" }, "device_id": { "type": "integer" }, "tag": { "type": "string" } } });
    let condition = json!({ "type": "object", "required": ["kind"], "description":
        "kind threshold {metric, op: above|below, warning, critical, clear, subject}; offline {severity}; \
         disk_forecast {window_hours, warning_days, critical_days}; smart; security_updates {warning_days, critical_days}; \
         process {name, severity}; service {name, severity}; spool_dropped {severity}",
        "properties": { "kind": { "type": "string", "enum": ["threshold", "offline", "disk_forecast", "smart", "security_updates", "process", "service", "spool_dropped"] } } });
    let duration = json!({ "type": "string", "description": "e.g. 90s, 10m, 4h, 1d; 0s for none" });
    let tickets = json!({ "type": "string", "enum": ["default", "always", "never"],
        "description": "Whether the rule's alerts open tickets; default follows the installation (always)" });
    json!({
        "Rule": { "type": "object", "properties": {
            "id": { "type": "integer" }, "name": { "type": "string" }, "enabled": { "type": "boolean" },
            "scope": scope, "scope_label": { "type": "string" }, "condition": condition, "kind_key": { "type": "string" },
            "hold": duration, "clear_hold": duration, "renotify": duration,
            "builtin": { "type": ["string", "null"] }, "open_alerts": { "type": "integer" }, "tickets": tickets,
            "created_at": { "type": "string", "format": "date-time" }, "updated_at": { "type": "string", "format": "date-time" } } },
        "RuleFields": { "type": "object", "required": ["name", "condition"], "additionalProperties": false, "properties": {
            "name": { "type": "string", "maxLength": 200 }, "enabled": { "type": "boolean", "default": true },
            "scope": scope, "condition": condition, "hold": duration, "clear_hold": duration, "renotify": duration,
            "tickets": tickets, "id": { "type": "integer", "description": "Preview only: the rule being edited" } } },
        "RuleChanges": { "type": "object", "additionalProperties": false, "properties": {
            "name": { "type": "string" }, "enabled": { "type": "boolean" }, "scope": scope, "condition": condition,
            "hold": duration, "clear_hold": duration, "renotify": duration, "tickets": tickets } },
        "RulePreview": { "type": "object", "properties": {
            "devices": { "type": "integer", "description": "Devices the rule applies to" },
            "alerting": { "type": "integer", "description": "Of those, how many cross a level now" },
            "shadowed": { "type": "integer", "description": "Devices where a more specific rule of the same kind wins" },
            "items": { "type": "array", "items": { "type": "object", "properties": {
                "device_id": { "type": "integer" }, "hostname": { "type": "string" }, "client": { "type": "string" },
                "applies": { "type": "boolean" }, "shadowed_by": { "type": ["string", "null"] },
                "now": { "type": "array", "items": { "type": "object", "properties": {
                    "subject": { "type": "string" }, "level": { "type": ["string", "null"] }, "summary": { "type": "string" } } } } } } } } },
        "RulePage": page_of("Rule"),
    })
}

/// The part of the API description this module answers.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, preview, one, update, remove))]
pub struct Api;

/// What a rule checks, by kind (the description of `rules::condition::Condition`):
/// threshold {metric, op, warning, critical, clear, subject}; offline {severity};
/// disk_forecast {window_hours, warning_days, critical_days}; smart;
/// security_updates {warning_days, critical_days}; process {name, severity};
/// service {name, severity}; spool_dropped {severity}.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[allow(dead_code)]
pub enum RuleCondition {
    /// A reported metric against warning and critical levels, per subject (e.g. every mount).
    /// Give a warning level, a critical level or both; a percentage metric's levels are 0 to
    /// 100; critical must not be less severe than warning, and clear is on the healthy side.
    Threshold {
        #[schema(value_type = MetricName)]
        metric: String,
        /// above (the default) or below: which side of the level is the problem.
        #[schema(nullable = false)]
        op: Option<Op>,
        warning: Option<f64>,
        critical: Option<f64>,
        /// Resolve only beyond this level (hysteresis).
        clear: Option<f64>,
        /// Only this subject (e.g. "/"); every subject when empty.
        #[schema(nullable = false, max_length = 200, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
        subject: Option<String>,
    },
    /// No check-in for `[monitoring] offline_after`.
    Offline {
        /// Default warning.
        #[schema(nullable = false)]
        severity: Option<Severity>,
    },
    /// Days until a filesystem is full, from the trend of its use; give warning_days,
    /// critical_days or both.
    DiskForecast {
        /// Hours of history the trend reads (default 72).
        #[schema(nullable = false, minimum = 6, maximum = 2160)]
        window_hours: Option<u32>,
        #[schema(minimum = 0, maximum = 3650)]
        warning_days: Option<f64>,
        #[schema(minimum = 0, maximum = 3650)]
        critical_days: Option<f64>,
    },
    /// SMART: the overall verdict failing, bad-sector counters non-zero or rising, NVMe trouble.
    Smart,
    /// Security updates pending for longer than this many days; give warning_days,
    /// critical_days (not fewer than warning_days) or both.
    SecurityUpdates {
        #[schema(minimum = 0, maximum = 3650)]
        warning_days: Option<f64>,
        #[schema(minimum = 0, maximum = 3650)]
        critical_days: Option<f64>,
    },
    /// A process (by name) not running.
    Process {
        #[schema(pattern = r"^[A-Za-z0-9_.@:+-]{1,100}$")]
        name: String,
        /// Default critical.
        #[schema(nullable = false)]
        severity: Option<Severity>,
    },
    /// A systemd service not active.
    Service {
        #[schema(pattern = r"^[A-Za-z0-9_.@:+-]{1,100}$")]
        name: String,
        /// Default critical.
        #[schema(nullable = false)]
        severity: Option<Severity>,
    },
    /// The agent's spool was full and dropped reports.
    SpoolDropped {
        /// Default warning.
        #[schema(nullable = false)]
        severity: Option<Severity>,
    },
}

/// A rule as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RuleView {
    id: i64,
    name: String,
    enabled: bool,
    /// Where the rule applies; the most specific rule of a kind wins (device > tag > site > client > global).
    scope: Scope,
    /// "All devices", "Client Acme", ...
    scope_label: String,
    #[schema(value_type = RuleCondition)]
    condition: Condition,
    /// What overrides what: a more specific rule replaces a broader one with the same key.
    kind_key: String,
    /// How long the condition must hold before the alert fires, e.g. 10m; 0s for at once.
    hold: String,
    /// How long the condition must be clear before the alert resolves.
    clear_hold: String,
    /// Tell again about an unacknowledged alert after this long; 0s: never.
    renotify: String,
    /// The shipped default this rule started as, if any.
    builtin: Option<String>,
    tickets: TicketPolicy,
    open_alerts: i64,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

fn duration_text(secs: i64) -> String {
    HumanDuration::secs(secs.max(0) as u64).to_string()
}

fn view(conn: &rusqlite::Connection, r: Rule) -> Result<RuleView, DbError> {
    let (created, updated) = stored::times(conn, r.id)?.unwrap_or_default();
    let open_alerts: i64 =
        conn.query_row("SELECT count(*) FROM alerts WHERE rule_id = ?1 AND state != 'resolved'", [r.id], |row| {
            row.get(0)
        })?;
    Ok(RuleView {
        id: r.id,
        scope_label: scope_label(conn, &r.scope)?,
        kind_key: r.condition.kind_key(),
        name: r.name,
        enabled: r.enabled,
        scope: r.scope,
        condition: r.condition,
        hold: duration_text(r.hold_secs),
        clear_hold: duration_text(r.clear_hold_secs),
        renotify: duration_text(r.renotify_secs),
        builtin: r.builtin,
        tickets: r.tickets,
        open_alerts,
        created_at: rfc3339(created),
        updated_at: rfc3339(updated),
    })
}

/// "All devices", "Client Acme", "Site Acme / Berlin office", "Device web-01", "Tag backup-server".
fn scope_label(conn: &rusqlite::Connection, s: &Scope) -> Result<String, DbError> {
    let name = |sql: &str, id: i64| -> Result<String, DbError> {
        use rusqlite::OptionalExtension;
        Ok(conn.query_row(sql, [id], |r| r.get::<_, String>(0)).optional()?.unwrap_or_else(|| format!("#{id} (gone)")))
    };
    Ok(match s {
        Scope::Global => "All devices".to_owned(),
        Scope::Client { client_id } => {
            format!("Client {}", name("SELECT name FROM clients WHERE id = ?1", *client_id)?)
        }
        Scope::Site { site_id } => format!(
            "Site {}",
            name(
                "SELECT c.name || ' / ' || s.name FROM sites s JOIN clients c ON c.id = s.client_id WHERE s.id = ?1",
                *site_id
            )?
        ),
        Scope::Device { device_id } => {
            format!("Device {}", name("SELECT hostname FROM devices WHERE id = ?1", *device_id)?)
        }
        Scope::Tag { tag } => format!("Tag {tag}"),
    })
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// How many rules at most (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// Where the previous page ended: its `next_cursor`.
    #[param(format = "id-cursor")]
    cursor: Option<String>,
    /// Name or kind contains this (case-insensitive).
    q: Option<String>,
    /// Only rules of this kind (threshold, offline, ...).
    kind: Option<String>,
    /// Only enabled (true) or disabled (false) rules.
    enabled: Option<bool>,
}

/// Alert rules, oldest first (staff)
#[utoipa::path(get, path = "/api/v1/rules", params(ListParams), responses((status = 200, body = Page<RuleView>)))]
pub async fn list(
    State(state): State<AppState>,
    _: Staff,
    Query(p): Query<ListParams>,
) -> ApiResult<Json<Page<RuleView>>> {
    let paging = PageParams { limit: p.limit, cursor: p.cursor };
    let limit = paging.limit()?;
    let after = paging.after_id()?;
    let q = p.q.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
    let rows = state
        .db
        .read(move |c| {
            let mut out = Vec::new();
            for r in stored::all(c)? {
                let keep = after.is_none_or(|a| r.id > a)
                    && p.enabled.is_none_or(|e| r.enabled == e)
                    && p.kind.as_deref().is_none_or(|k| r.condition.kind_key().split(':').next() == Some(k))
                    && q.as_deref()
                        .is_none_or(|q| r.name.to_lowercase().contains(q) || r.condition.kind_key().contains(q));
                if keep {
                    out.push(view(c, r)?);
                    if out.len() > limit {
                        break;
                    }
                }
            }
            Ok(out)
        })
        .await?;
    Ok(Json(id_page(rows, limit, |r| r.id)))
}

/// A new rule as a person sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleFields {
    /// Preview only: the rule being edited (a new rule's id is chosen by the server).
    #[serde(default)]
    #[schema(ignore)]
    id: Option<i64>,
    #[schema(format = "name", min_length = 1, max_length = 200)]
    name: String,
    #[serde(default = "yes")]
    #[schema(default = true)]
    enabled: bool,
    /// Where the rule applies (default global).
    #[serde(default = "global")]
    #[schema(value_type = Scope)]
    scope: Scope,
    #[schema(value_type = RuleCondition)]
    condition: Value,
    /// How long the condition must hold before the alert fires, e.g. 10m (at most 90 days).
    #[serde(default)]
    #[schema(pattern = r"^(?:[0-9]{1,6}s|[0-9]{1,5}m|[0-9]{1,3}h|(?:[0-9]|[1-8][0-9]|90)d)$")]
    hold: Option<String>,
    /// How long the condition must be clear before the alert resolves (at most 90 days).
    #[serde(default)]
    #[schema(pattern = r"^(?:[0-9]{1,6}s|[0-9]{1,5}m|[0-9]{1,3}h|(?:[0-9]|[1-8][0-9]|90)d)$")]
    clear_hold: Option<String>,
    /// Tell again about an unacknowledged alert after this long; 0s: never (at most 90 days).
    #[serde(default)]
    #[schema(pattern = r"^(?:[0-9]{1,6}s|[0-9]{1,5}m|[0-9]{1,3}h|(?:[0-9]|[1-8][0-9]|90)d)$")]
    renotify: Option<String>,
    #[serde(default)]
    #[schema(nullable = false)]
    tickets: TicketPolicy,
}

/// A draft rule to preview: a rule's fields, and the id of the rule being edited, if any.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct RuleDraft {
    /// The rule being edited: the preview shows the draft in its place.
    id: Option<i64>,
    #[schema(format = "name", min_length = 1, max_length = 200)]
    name: String,
    #[schema(default = true)]
    enabled: Option<bool>,
    scope: Option<Scope>,
    condition: RuleCondition,
    #[schema(pattern = r"^(?:[0-9]{1,6}s|[0-9]{1,5}m|[0-9]{1,3}h|(?:[0-9]|[1-8][0-9]|90)d)$")]
    hold: Option<String>,
    #[schema(pattern = r"^(?:[0-9]{1,6}s|[0-9]{1,5}m|[0-9]{1,3}h|(?:[0-9]|[1-8][0-9]|90)d)$")]
    clear_hold: Option<String>,
    #[schema(pattern = r"^(?:[0-9]{1,6}s|[0-9]{1,5}m|[0-9]{1,3}h|(?:[0-9]|[1-8][0-9]|90)d)$")]
    renotify: Option<String>,
    #[schema(nullable = false)]
    tickets: Option<TicketPolicy>,
}

fn global() -> Scope {
    Scope::Global
}

/// Parses a duration field; at most 90 days.
fn duration(field: &str, v: Option<&str>, default: i64) -> Result<i64, ApiError> {
    let Some(text) = v else { return Ok(default) };
    let d: HumanDuration = text.parse().map_err(|_| {
        ApiError::bad_field(field, format!("{field} {text:?} is not a duration such as 90s, 10m, 4h or 1d."))
    })?;
    // Compared before the cast: a huge one (9999999999999999999s) turned negative as i64 and
    // failed the database's CHECK, a 500.
    let secs = d.0.as_secs();
    if secs > 90 * 86_400 {
        return Err(ApiError::bad_field(field, format!("{field} must be at most 90 days.")));
    }
    Ok(secs as i64)
}

fn condition(v: Value) -> Result<Condition, ApiError> {
    let c: Condition = serde_json::from_value(v)
        .map_err(|e| ApiError::bad_field("condition", format!("The condition is not valid: {e}.")))?;
    c.validate().map_err(|e| ApiError::bad_field(&format!("condition.{}", e.field), e.message))?;
    Ok(c)
}

/// Checks that the scope's client, site or device exists.
async fn checked_scope(state: &AppState, scope: Scope) -> Result<Scope, ApiError> {
    let scope = scope.normalized().map_err(|m| ApiError::bad_field("scope.tag", m))?;
    let (table, id, field) = match &scope {
        Scope::Client { client_id } => ("clients", *client_id, "scope.client_id"),
        Scope::Site { site_id } => ("sites", *site_id, "scope.site_id"),
        Scope::Device { device_id } => ("devices", *device_id, "scope.device_id"),
        _ => return Ok(scope),
    };
    let exists = state
        .db
        .read(move |c| {
            Ok(c.query_row(&format!("SELECT count(*) FROM {table} WHERE id = ?1"), [id], |r| r.get::<_, i64>(0))? > 0)
        })
        .await?;
    if exists {
        Ok(scope)
    } else {
        Err(missing_row(field, format!("There is no {} with id {id}.", &table[..table.len() - 1])))
    }
}

async fn rule_from(state: &AppState, f: RuleFields, id: i64, builtin: Option<String>) -> Result<Rule, ApiError> {
    let name = required_text("name", &f.name, 200)?;
    let condition = condition(f.condition)?;
    let scope = checked_scope(state, f.scope).await?;
    Ok(Rule {
        id,
        name,
        enabled: f.enabled,
        scope,
        condition,
        hold_secs: duration("hold", f.hold.as_deref(), 0)?,
        clear_hold_secs: duration("clear_hold", f.clear_hold.as_deref(), 0)?,
        renotify_secs: duration("renotify", f.renotify.as_deref(), 0)?,
        builtin,
        tickets: f.tickets,
    })
}

/// Add an alert rule (admin)
#[utoipa::path(post, path = "/api/v1/rules", request_body = RuleFields, responses((status = 201, body = RuleView)))]
pub async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Json(f): Json<RuleFields>,
) -> ApiResult<(StatusCode, Json<RuleView>)> {
    let t = state.clock.now();
    if f.id.is_some() {
        return Err(ApiError::bad_field("id", "id is chosen by the server; leave it out."));
    }
    let rule = rule_from(&state, f, 0, None).await?;
    let who = caller.who();
    let view = state
        .db
        .write(move |c| {
            let id = stored::insert(c, &rule, t)?;
            audit::record(c, t, &who, "rule.created", &id.to_string(), &rule.name)?;
            let saved = stored::get(c, id)?.ok_or_else(|| DbError::NotFound("the rule just added".into()))?;
            view(c, saved)
        })
        .await?;
    after_change(&state, view.id).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// One alert rule (staff)
#[utoipa::path(get, path = "/api/v1/rules/{id}", responses((status = 200, body = RuleView)))]
pub async fn one(State(state): State<AppState>, _: Staff, Path(id): Path<i64>) -> ApiResult<Json<RuleView>> {
    let found = state.db.read(move |c| stored::get(c, id)?.map(|r| view(c, r)).transpose()).await?;
    found.map(Json).ok_or_else(|| ApiError::not_found(format!("There is no rule with id {id}.")))
}

/// What to change of a rule; what is left out stays as it is.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleChanges {
    #[schema(format = "name", min_length = 1, max_length = 200)]
    name: Option<String>,
    enabled: Option<bool>,
    /// Replaces the scope whole.
    scope: Option<Scope>,
    #[schema(value_type = Option<RuleCondition>)]
    condition: Option<Value>,
    #[schema(pattern = r"^(?:[0-9]{1,6}s|[0-9]{1,5}m|[0-9]{1,3}h|(?:[0-9]|[1-8][0-9]|90)d)$")]
    hold: Option<String>,
    #[schema(pattern = r"^(?:[0-9]{1,6}s|[0-9]{1,5}m|[0-9]{1,3}h|(?:[0-9]|[1-8][0-9]|90)d)$")]
    clear_hold: Option<String>,
    #[schema(pattern = r"^(?:[0-9]{1,6}s|[0-9]{1,5}m|[0-9]{1,3}h|(?:[0-9]|[1-8][0-9]|90)d)$")]
    renotify: Option<String>,
    tickets: Option<TicketPolicy>,
}

/// Change an alert rule (admin); its alerts follow at the next check-in
#[utoipa::path(patch, path = "/api/v1/rules/{id}", request_body = RuleChanges, responses((status = 200, body = RuleView)))]
pub async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<i64>,
    Json(ch): Json<RuleChanges>,
) -> ApiResult<Json<RuleView>> {
    let t = state.clock.now();
    let mut rule = state
        .db
        .read(move |c| stored::get(c, id))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("There is no rule with id {id}.")))?;
    if let Some(n) = ch.name {
        rule.name = required_text("name", &n, 200)?;
    }
    if let Some(e) = ch.enabled {
        rule.enabled = e;
    }
    if let Some(s) = ch.scope {
        rule.scope = checked_scope(&state, s).await?;
    }
    if let Some(c) = ch.condition {
        rule.condition = condition(c)?;
    }
    rule.hold_secs = duration("hold", ch.hold.as_deref(), rule.hold_secs)?;
    rule.clear_hold_secs = duration("clear_hold", ch.clear_hold.as_deref(), rule.clear_hold_secs)?;
    rule.renotify_secs = duration("renotify", ch.renotify.as_deref(), rule.renotify_secs)?;
    if let Some(t) = ch.tickets {
        rule.tickets = t;
    }
    let who = caller.who();
    let view = state
        .db
        .write(move |c| {
            if !stored::update(c, &rule, t)? {
                return Err(DbError::NotFound(format!("There is no rule with id {id}.")));
            }
            audit::record(c, t, &who, "rule.updated", &id.to_string(), &rule.name)?;
            view(c, rule)
        })
        .await?;
    after_change(&state, id).await?;
    Ok(Json(view))
}

/// Delete an alert rule (admin); its open alerts resolve
#[utoipa::path(delete, path = "/api/v1/rules/{id}", responses((status = 204)))]
pub async fn remove(State(state): State<AppState>, Admin(caller): Admin, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    let t = state.clock.now();
    let who = caller.who();
    let gone = state
        .db
        .write(move |c| {
            let name: Option<String> = stored::get(c, id)?.map(|r| r.name);
            let Some(name) = name else { return Ok(false) };
            stored::delete(c, id)?;
            audit::record(c, t, &who, "rule.deleted", &id.to_string(), &name)?;
            Ok(true)
        })
        .await?;
    if !gone {
        return Err(ApiError::not_found(format!("There is no rule with id {id}.")));
    }
    after_change(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// After a rule changed: the engine reloads, and alerts of the rule on devices it no longer
/// applies to resolve (others follow the new levels at their next check-in). A rule that now
/// overrides another also retires the other's alerts where it wins.
async fn after_change(state: &AppState, rule_id: i64) -> ApiResult<()> {
    let t = state.clock.now();
    state.engine.reload(&state.db).await?;
    let ctx = state.engine.context();
    let outcome = state
        .db
        .write(move |c| {
            let mut out = engine::reconcile_rule(c, &ctx, rule_id, t)?;
            let others: Vec<i64> = c
                .prepare("SELECT DISTINCT rule_id FROM alerts WHERE state != 'resolved' AND rule_id IS NOT NULL AND rule_id != ?1")?
                .query_map([rule_id], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for other in others {
                out.merge(engine::reconcile_rule(c, &ctx, other, t)?);
            }
            Ok(out)
        })
        .await?;
    outcome.announce(&state.live, &state.notifications);
    Ok(())
}

/// How far a preview looks.
const PREVIEW_DEVICES: usize = 1000;

/// What a draft rule would do.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RulePreview {
    /// Devices the rule applies to.
    devices: usize,
    /// Of those, how many cross a level now.
    alerting: usize,
    /// Devices where a more specific rule of the same kind wins.
    shadowed: usize,
    items: Vec<PreviewDevice>,
}

/// A device the draft's scope covers.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PreviewDevice {
    device_id: i64,
    hostname: String,
    client: String,
    applies: bool,
    /// The rule that wins on this device instead.
    shadowed_by: Option<String>,
    now: Vec<PreviewLevel>,
}

/// What the draft reads of a subject now.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PreviewLevel {
    subject: String,
    /// The level crossed, if any.
    level: Option<Severity>,
    summary: String,
}

/// Which devices a draft rule would apply to, and which would alert now (staff)
#[utoipa::path(post, path = "/api/v1/rules/preview", request_body = RuleDraft, responses((status = 200, body = RulePreview)))]
pub async fn preview(
    State(state): State<AppState>,
    _: Staff,
    Json(f): Json<RuleFields>,
) -> ApiResult<Json<RulePreview>> {
    let id = f.id.unwrap_or(-1);
    let draft = rule_from(&state, RuleFields { enabled: true, ..f }, id, None).await?;
    let book = state.engine.book();
    let mut rules: Vec<Rule> = book.rules.iter().filter(|r| r.id != id).cloned().collect();
    rules.push(draft.clone());
    rules.sort_by_key(|r| if r.id < 0 { i64::MAX } else { r.id });
    let trial = Book::new(rules, Vec::new());
    let result = state
        .db
        .read(move |c| {
            let mut stmt = c.prepare(
                "SELECT d.id, d.client_id, d.site_id, d.hostname, cl.name, l.metrics_json,
                        (SELECT group_concat(lower(tag), char(31)) FROM device_tags t WHERE t.device_id = d.id)
                 FROM devices d JOIN clients cl ON cl.id = d.client_id LEFT JOIN device_latest l ON l.device_id = d.id
                 ORDER BY cl.name, d.hostname LIMIT ?1",
            )?;
            let rows = stmt.query_map([PREVIEW_DEVICES as i64], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            })?;
            let (mut applies_n, mut alerting, mut shadowed) = (0, 0, 0);
            let mut items = Vec::new();
            for row in rows {
                let (device_id, client_id, site_id, hostname, client, metrics, tags) = row?;
                let facts = DeviceFacts {
                    device_id,
                    client_id,
                    site_id,
                    tags: tags.map(|t| t.split('\u{1f}').map(str::to_owned).collect()).unwrap_or_default(),
                };
                if !draft.scope.matches(&facts) {
                    continue;
                }
                let winner = trial
                    .applicable(&facts)
                    .into_iter()
                    .find(|r| r.condition.kind_key() == draft.condition.kind_key())
                    .map(|r| (r.id, r.name.clone()));
                let applies = winner.as_ref().is_some_and(|(w, _)| *w == id);
                let mut now_levels = Vec::new();
                if applies {
                    applies_n += 1;
                    let metrics: Option<crate::protocol::Metrics> = metrics.and_then(|m| serde_json::from_str(&m).ok());
                    if let Some(readings) = metrics.as_ref().and_then(|m| draft.condition.read_metrics(m)) {
                        let mut any = false;
                        for (subject, r) in readings {
                            any |= r.crossed.is_some();
                            now_levels.push(PreviewLevel { subject, level: r.crossed, summary: r.summary });
                        }
                        alerting += usize::from(any);
                    }
                } else {
                    shadowed += 1;
                }
                items.push(PreviewDevice {
                    device_id,
                    hostname,
                    client,
                    applies,
                    shadowed_by: if applies { None } else { winner.map(|(_, n)| n) },
                    now: now_levels,
                });
            }
            Ok(RulePreview { devices: applies_n, alerting, shadowed, items })
        })
        .await?;
    Ok(Json(result))
}

/// A body field that names a row that does not exist: 404, naming the field.
pub fn missing_row(field: &str, message: impl Into<String>) -> ApiError {
    let mut e = ApiError::not_found(message);
    e.detail = Some(json!({ "field": field }));
    e
}
