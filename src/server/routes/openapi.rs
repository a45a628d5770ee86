//! `GET /api/v1/openapi.json`: the description of the whole `/api/v1`, generated from the route
//! modules' own types. Each module derives `Api` (utoipa) from its handlers' `#[utoipa::path]`
//! attributes and its serde types; this file gathers the parts and adds what every operation
//! shares: the error answer, the credentials, and the integer ids in paths. The integration test
//! `roles` compares the document's paths and methods with the route table in both directions, and
//! `scripts/fuzz-api` checks the server's answers against it.
//!
//! Modules not yet described from their types still list theirs by hand (`ApiDoc`); the two are
//! joined here.

use serde_json::{Map, Value, json};
use utoipa::OpenApi;

use crate::server::error::Json;
use crate::server::roles::Person;

mod formats;

pub use super::api_doc::{ApiDoc, Operation, QueryParams, page_of};

/// The parts described from their types.
fn typed_parts() -> Vec<utoipa::openapi::OpenApi> {
    vec![
        super::clients::Api::openapi(),
        super::session::Api::openapi(),
        super::mfa::Api::openapi(),
        super::users::Api::openapi(),
        super::api_keys::Api::openapi(),
        super::live::Api::openapi(),
        super::audit::Api::openapi(),
        super::devices::Api::openapi(),
        super::enroll_tokens::Api::openapi(),
        super::alerts::Api::openapi(),
        super::rules::Api::openapi(),
        super::maintenance::Api::openapi(),
        super::tickets::Api::openapi(),
        super::kb::Api::openapi(),
        super::reports::Api::openapi(),
        super::channels::Api::openapi(),
        super::service_desk::queues::Api::openapi(),
        super::service_desk::technicians::Api::openapi(),
        super::service_desk::routing_rules::Api::openapi(),
        super::service_desk::calendars::Api::openapi(),
        super::service_desk::sla_policies::Api::openapi(),
        super::service_desk::contacts::Api::openapi(),
    ]
}

/// The document the types give, with what every operation shares added.
fn typed() -> Value {
    let mut doc = utoipa::openapi::OpenApi::default();
    for part in typed_parts() {
        doc.merge(part);
    }
    let mut schemas = utoipa::openapi::Components::default().schemas;
    <crate::server::error::ErrorBody as utoipa::ToSchema>::schemas(&mut Vec::new());
    schemas.insert("Error".to_owned(), <crate::server::error::ErrorBody as utoipa::PartialSchema>::schema());
    doc.components.get_or_insert_default().schemas.extend(schemas);
    let mut doc = serde_json::to_value(doc).expect("the description serializes");
    let error = json!({ "description": "What was wrong, as a sentence (with the field, for a bad one)",
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    if let Some(paths) = doc["paths"].as_object_mut() {
        for (path, ops) in paths.iter_mut() {
            for (method, op) in ops.as_object_mut().into_iter().flat_map(|ops| ops.iter_mut()) {
                op["responses"]["default"] = error.clone();
                op["operationId"] = json!(operation_id(method, path));
                if op["tags"].as_array().is_some_and(|t| t.is_empty()) {
                    op.as_object_mut().expect("an operation is an object").remove("tags");
                }
                add_path_ids(path, op);
            }
        }
    }
    formats::apply(&mut doc);
    doc
}

/// `get /api/v1/clients/{id}/sites` -> `get_clients_id_sites`: unique, as operation ids must be.
fn operation_id(method: &str, path: &str) -> String {
    let words = path.trim_start_matches("/api/v1/").split(|c: char| !c.is_ascii_alphanumeric());
    std::iter::once(method).chain(words.filter(|w| !w.is_empty())).collect::<Vec<_>>().join("_")
}

/// Every `{name}` in a path is a row's id: the handlers take `Path<i64>`.
fn add_path_ids(path: &str, op: &mut Value) {
    let names: Vec<&str> =
        path.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name)).collect();
    if names.is_empty() {
        return;
    }
    let params = op.as_object_mut().expect("an operation is an object").entry("parameters").or_insert(json!([]));
    let params = params.as_array_mut().expect("parameters are a list");
    for name in names.into_iter().rev() {
        params.retain(|p| !(p["in"] == "path" && p["name"] == name));
        params.insert(
            0,
            json!({ "name": name, "in": "path", "required": true,
                    "schema": { "type": "integer", "format": "int64", "minimum": 1, "maximum": i64::MAX } }),
        );
    }
}

/// Every module's part of the description.
fn parts() -> Vec<&'static ApiDoc> {
    let mut parts = vec![
        &super::rules::API,
        &super::alerts::API,
        &super::maintenance::API,
        &super::channels::API,
        &super::tickets::API,
    ];
    parts.extend(super::service_desk::API);
    parts.extend([&super::kb::API, &super::reports::API, &super::audit::API, &super::mfa::API]);
    parts
}

pub const OPERATIONS: &[Operation] = &[
    ("get", "/api/v1/me", "The caller, and the CSRF token of a browser session", None, 200, Some("Me")),
    (
        "post",
        "/api/v1/me/password",
        "Change the caller's password (other sessions end)",
        Some("PasswordChange"),
        204,
        None,
    ),
    (
        "get",
        "/api/v1/clients",
        "List clients (?q= filters by name; client contacts see their own)",
        None,
        200,
        Some("ClientPage"),
    ),
    ("post", "/api/v1/clients", "Add a client (admin)", Some("NewClient"), 201, Some("Client")),
    ("get", "/api/v1/clients/{id}", "One client with its sites", None, 200, Some("ClientWithSites")),
    (
        "patch",
        "/api/v1/clients/{id}",
        "Rename a client, edit its notes or set its time zone (admin)",
        Some("ClientChanges"),
        200,
        Some("Client"),
    ),
    ("get", "/api/v1/clients/{id}/sites", "A client's sites", None, 200, Some("SitePage")),
    ("post", "/api/v1/clients/{id}/sites", "Add a site to a client (admin)", Some("SiteFields"), 201, Some("Site")),
    ("patch", "/api/v1/sites/{id}", "Edit a site (admin)", Some("SiteFields"), 200, Some("Site")),
    ("get", "/api/v1/users", "List users (admin)", None, 200, Some("UserPage")),
    ("post", "/api/v1/users", "Add a user (admin); their login is their e-mail", Some("NewUser"), 201, Some("User")),
    ("get", "/api/v1/users/{id}", "One user (admin, or the user themself)", None, 200, Some("User")),
    (
        "patch",
        "/api/v1/users/{id}",
        "Change a user's name, role, client or disabled flag (admin)",
        Some("UserChanges"),
        200,
        Some("User"),
    ),
    (
        "get",
        "/api/v1/api-keys",
        "API keys in force: the caller's, or every user's for an admin (?user_id= narrows)",
        None,
        200,
        Some("ApiKeyPage"),
    ),
    (
        "post",
        "/api/v1/api-keys",
        "Make an API key for the caller; the key is in this answer only",
        Some("NewApiKey"),
        201,
        Some("NewApiKeyAnswer"),
    ),
    (
        "delete",
        "/api/v1/api-keys/{id}",
        "Revoke an API key at once: one of the caller's, or anyone's for an admin",
        None,
        204,
        None,
    ),
    (
        "get",
        "/api/v1/me/sessions",
        "The caller's sessions in force (where, when, which one is this)",
        None,
        200,
        Some("SessionPage"),
    ),
    ("delete", "/api/v1/me/sessions/{id}", "End one of the caller's sessions", None, 204, None),
    (
        "post",
        "/api/v1/me/sessions/end-others",
        "Log out everywhere else: end every other session of the caller",
        None,
        200,
        Some("Ended"),
    ),
    ("delete", "/api/v1/users/{id}/sessions", "End every session of a user (admins)", None, 204, None),
    ("delete", "/api/v1/users/{id}/mfa", "Turn a user's second factor off, for a lost phone (admins)", None, 204, None),
    (
        "get",
        "/api/v1/devices",
        "List devices (?client_id, site_id, online, tag, q filter; client contacts see their own)",
        None,
        200,
        Some("DevicePage"),
    ),
    (
        "get",
        "/api/v1/devices/{id}",
        "One device: latest metrics, inventory, patch state, SMART, series",
        None,
        200,
        Some("DeviceDetail"),
    ),
    (
        "get",
        "/api/v1/devices/{id}/series",
        "Metric history (?metric, subject, from, to, step); the resolution fits the range",
        None,
        200,
        Some("Series"),
    ),
    (
        "get",
        "/api/v1/devices/{id}/software",
        "Installed packages (?q filters by name)",
        None,
        200,
        Some("SoftwarePage"),
    ),
    (
        "get",
        "/api/v1/devices/{id}/events",
        "Enrollments and online/offline changes, newest first",
        None,
        200,
        Some("DeviceEventPage"),
    ),
    ("put", "/api/v1/devices/{id}/tags", "Replace a device's tags (staff; audited)", Some("Tags"), 200, Some("Device")),
    (
        "post",
        "/api/v1/devices/{id}/revoke",
        "Revoke a device: its next check-in is refused with the reason and its agent stops (staff; audited)",
        Some("RevokeDevice"),
        200,
        Some("Device"),
    ),
    (
        "post",
        "/api/v1/devices/{id}/allow-reenroll",
        "Allow one re-enrollment of this device's machine without its device secret, within 24 hours (staff; audited)",
        None,
        200,
        Some("Device"),
    ),
    (
        "post",
        "/api/v1/devices/{id}/merge",
        "On a possible clone: the device it was flagged against keeps its id and history and takes over this one's agent; this record goes (staff; audited)",
        None,
        200,
        Some("Device"),
    ),
    (
        "post",
        "/api/v1/devices/{id}/keep",
        "On a possible clone: keep it as a device of its own (the flag goes) (staff; audited)",
        None,
        200,
        Some("Device"),
    ),
    ("get", "/api/v1/tags", "Tags in use, with device counts (staff)", None, 200, None),
    ("get", "/api/v1/metrics", "Metric names a series or rule can use", None, 200, None),
    (
        "get",
        "/api/v1/dashboard",
        "The fleet dashboard: counts, health by client, fullest disks, pending security updates, recent check-ins (staff)",
        None,
        200,
        None,
    ),
    (
        "get",
        "/api/v1/enroll-tokens",
        "Usable enrollment tokens (?client_id) (staff)",
        None,
        200,
        Some("EnrollTokenPage"),
    ),
    (
        "post",
        "/api/v1/enroll-tokens",
        "Make an enrollment token and its one-line install command (staff)",
        Some("NewEnrollToken"),
        201,
        Some("NewEnrollTokenAnswer"),
    ),
    ("delete", "/api/v1/enroll-tokens/{id}", "Revoke an enrollment token (staff)", None, 204, None),
    (
        "get",
        "/api/v1/events",
        "Server-sent events: check_in, device_online, device_offline, device_enrolled, device_changed, alert_changed, notice",
        None,
        200,
        None,
    ),
    ("get", "/api/v1/openapi.json", "This description", None, 200, None),
];

fn schemas() -> Value {
    let ts = json!({ "type": "string", "format": "date-time" });
    let ts_or_null = json!({ "type": ["string", "null"], "format": "date-time" });
    let page = page_of;
    json!({
        "Error": { "type": "object", "required": ["error"], "properties": {
            "error": { "type": "string", "description": "What was wrong, as a sentence" },
            "detail": { "type": "object", "description": "For a bad field: {\"field\": name}" } } },
        "User": { "type": "object", "properties": {
            "id": { "type": "integer" }, "login": { "type": "string" }, "email": { "type": "string" },
            "name": { "type": "string" }, "role": { "type": "string", "enum": ["admin", "technician", "client"] },
            "client_id": { "type": ["integer", "null"] }, "client": { "type": ["string", "null"] },
            "disabled": { "type": "boolean" }, "created_at": ts, "last_login_at": ts_or_null,
            "mfa_enabled": { "type": "boolean" } } },
        "Me": { "type": "object", "properties": {
            "user": { "$ref": "#/components/schemas/User" },
            "csrf_token": { "type": ["string", "null"], "description": "Send as X-CSRF-Token on unsafe requests of a browser session" },
            "mfa_required": { "type": "boolean" }, "mfa_setup_required": { "type": "boolean" } } },
        "PasswordChange": { "type": "object", "required": ["current_password", "new_password"], "additionalProperties": false,
            "properties": { "current_password": { "type": "string" }, "new_password": { "type": "string", "minLength": 12 } } },
        "Client": { "type": "object", "properties": {
            "id": { "type": "integer" }, "name": { "type": "string" }, "notes": { "type": "string" },
            "timezone": { "type": "string", "description": "IANA name, e.g. Europe/Berlin; new maintenance windows of the client start in it when their site gives none" },
            "site_count": { "type": "integer" }, "user_count": { "type": "integer" }, "created_at": ts, "updated_at": ts } },
        "ClientWithSites": { "allOf": [ { "$ref": "#/components/schemas/Client" }, { "type": "object", "properties": {
            "sites": { "type": "array", "items": { "$ref": "#/components/schemas/Site" } } } } ] },
        "NewClient": { "type": "object", "required": ["name"], "additionalProperties": false, "properties": {
            "name": { "type": "string", "maxLength": 200 }, "notes": { "type": "string" },
            "timezone": { "type": "string", "description": "IANA name, e.g. Europe/Berlin (default UTC)" } } },
        "ClientChanges": { "type": "object", "additionalProperties": false, "properties": {
            "name": { "type": "string", "maxLength": 200 }, "notes": { "type": "string" },
            "timezone": { "type": "string", "description": "IANA name, e.g. Europe/Berlin" } } },
        "Site": { "type": "object", "properties": {
            "id": { "type": "integer" }, "client_id": { "type": "integer" }, "name": { "type": "string" },
            "address": { "type": "string" }, "timezone": { "type": "string", "description": "IANA name, e.g. Europe/Berlin" },
            "created_at": ts, "updated_at": ts } },
        "SiteFields": { "type": "object", "additionalProperties": false, "properties": {
            "name": { "type": "string" }, "address": { "type": "string" }, "timezone": { "type": "string" } } },
        "NewUser": { "type": "object", "required": ["email", "role", "password"], "additionalProperties": false, "properties": {
            "email": { "type": "string", "format": "email" }, "name": { "type": "string" },
            "role": { "type": "string", "enum": ["admin", "technician", "client"] },
            "client_id": { "type": "integer", "description": "Required for role client" },
            "password": { "type": "string", "minLength": 12 } } },
        "UserChanges": { "type": "object", "additionalProperties": false, "properties": {
            "name": { "type": "string" }, "role": { "type": "string", "enum": ["admin", "technician", "client"] },
            "client_id": { "type": ["integer", "null"] }, "disabled": { "type": "boolean" } } },
        "ApiKey": { "type": "object", "properties": {
            "id": { "type": "integer" }, "name": { "type": "string" }, "prefix": { "type": "string" },
            "user_id": { "type": "integer" }, "user": { "type": "string", "description": "The owner's login" },
            "created_at": ts, "last_used_at": ts_or_null, "expires_at": ts_or_null, "expired": { "type": "boolean" } } },
        "NewApiKey": { "type": "object", "required": ["name"], "additionalProperties": false,
            "properties": { "name": { "type": "string", "maxLength": 100 },
                "expires_at": { "type": ["string", "null"], "format": "date-time", "description": "Absent or null: never" } } },
        "Session": { "type": "object", "properties": {
            "id": { "type": "integer" }, "created_at": ts, "last_seen_at": ts, "expires_at": ts,
            "remote_addr": { "type": "string" }, "user_agent": { "type": "string" }, "current": { "type": "boolean" } } },
        "SessionPage": page("Session"),
        "Ended": { "type": "object", "properties": { "ended": { "type": "integer" } } },
        "NewApiKeyAnswer": { "allOf": [ { "$ref": "#/components/schemas/ApiKey" }, { "type": "object",
            "properties": { "key": { "type": "string", "description": "Shown only in this answer" } } } ] },
        "Device": { "type": "object", "properties": {
            "id": { "type": "integer" }, "hostname": { "type": "string" }, "client_id": { "type": "integer" },
            "client": { "type": "string" }, "site_id": { "type": ["integer", "null"] }, "site": { "type": ["string", "null"] },
            "online": { "type": "boolean" }, "last_seen": ts_or_null, "os": { "type": "string" },
            "agent_version": { "type": "string" }, "tags": { "type": "array", "items": { "type": "string" } },
            "cpu_pct": { "type": ["number", "null"] }, "mem_used_pct": { "type": ["number", "null"] },
            "disk_max_pct": { "type": ["number", "null"] }, "pending_updates": { "type": ["integer", "null"] },
            "security_updates": { "type": ["integer", "null"] },
            "machine_id": { "type": "string", "description": "Empty for client contacts" },
            "clone_of": { "type": ["integer", "null"], "description": "Enrolled with this device's machine id without proving to be its agent: a possible clone (staff merge it or keep both); null for client contacts" },
            "revoked": { "type": "boolean" }, "revoked_at": ts_or_null, "revoked_reason": { "type": "string" },
            "reenroll_allowed_until": ts_or_null } },
        "RevokeDevice": { "type": "object", "required": ["reason"], "additionalProperties": false,
            "properties": { "reason": { "type": "string", "minLength": 1, "maxLength": 200 } } },
        "DeviceDetail": { "allOf": [ { "$ref": "#/components/schemas/Device" }, { "type": "object", "properties": {
            "latest": { "type": ["object", "null"], "description": "The newest report's metrics: cpu_pct, mem_total_bytes, mem_used_bytes, disks [{mount, total_bytes, used_bytes, available_bytes, used_pct}], network, temperatures, top_cpu, top_mem, ..." },
            "inventory": { "type": ["object", "null"] }, "patches": { "type": ["object", "null"] }, "smart": { "type": ["object", "null"] },
            "software_count": { "type": "integer" }, "last_seq": { "type": "integer" }, "dropped_reports": { "type": "integer" },
            "series": { "type": "array", "items": { "type": "object", "properties": { "metric": { "type": "string" }, "subject": { "type": "string" } } } } } } ] },
        "Series": { "type": "object", "properties": {
            "metric": { "type": "string" }, "from": { "type": "integer" }, "to": { "type": "integer" }, "step": { "type": "integer" },
            "resolution": { "type": "string", "enum": ["raw", "5m", "1h"] },
            "series": { "type": "array", "items": { "type": "object", "properties": {
                "subject": { "type": "string" },
                "points": { "type": "array", "items": { "type": "array", "description": "[unix seconds, min, avg, max]" } } } } } } },
        "Software": { "type": "object", "properties": { "name": { "type": "string" }, "version": { "type": "string" } } },
        "DeviceEvent": { "type": "object", "properties": { "at": ts, "kind": { "type": "string" }, "detail": { "type": "string" } } },
        "Tags": { "type": "object", "required": ["tags"], "additionalProperties": false,
            "properties": { "tags": { "type": "array", "items": { "type": "string", "maxLength": 40 }, "maxItems": 32 } } },
        "EnrollToken": { "type": "object", "properties": {
            "id": { "type": "integer" }, "prefix": { "type": "string" }, "client_id": { "type": "integer" }, "client": { "type": "string" },
            "site_id": { "type": ["integer", "null"] }, "site": { "type": ["string", "null"] }, "created_at": ts, "expires_at": ts,
            "max_uses": { "type": "integer" }, "uses": { "type": "integer" }, "revoked": { "type": "boolean" } } },
        "NewEnrollToken": { "type": "object", "required": ["client_id"], "additionalProperties": false, "properties": {
            "client_id": { "type": "integer" }, "site_id": { "type": "integer" },
            "ttl": { "type": "string", "description": "e.g. 24h, 7d (at most 90d)" }, "uses": { "type": "integer", "minimum": 1 } } },
        "NewEnrollTokenAnswer": { "allOf": [ { "$ref": "#/components/schemas/EnrollToken" }, { "type": "object", "properties": {
            "token": { "type": "string", "description": "Shown only in this answer" },
            "install_command": { "type": "string", "description": "One line that installs and enrolls an agent" } } } ] },
        "DevicePage": page("Device"),
        "SoftwarePage": page("Software"),
        "DeviceEventPage": page("DeviceEvent"),
        "EnrollTokenPage": page("EnrollToken"),
        "ClientPage": page("Client"),
        "SitePage": page("Site"),
        "UserPage": page("User"),
        "ApiKeyPage": page("ApiKey"),
    })
}

/// The parts still described by hand.
fn by_hand() -> Value {
    let mut paths = Map::new();
    let parts = parts();
    let mut schemas = schemas();
    for part in &parts {
        if let Value::Object(more) = (part.schemas)() {
            schemas.as_object_mut().expect("schemas are an object").extend(more);
        }
    }
    let operations = OPERATIONS.iter().chain(parts.iter().flat_map(|p| p.operations.iter()));
    for &(method, path, summary, body, status, response) in operations {
        let mut op = json!({ "summary": summary, "responses": {} });
        let mut ok = json!({ "description": "Success" });
        if let Some(schema) = response {
            ok["content"] =
                json!({ "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } });
        }
        op["responses"][status.to_string()] = ok;
        let error = json!({ "description": "Error", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
        op["responses"]["default"] = error;
        if let Some(schema) = body {
            op["requestBody"] = json!({ "required": true, "content": { "application/json": {
                "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
        }
        let mut params = Vec::new();
        // Every `{name}` in the path is a path parameter; all of ours are integer ids.
        for name in path.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name)) {
            params.push(json!({ "name": name, "in": "path", "required": true, "schema": { "type": "integer" } }));
        }
        let paged = ["/api/v1/clients", "/api/v1/users", "/api/v1/devices"];
        if method == "get" && (paged.contains(&path) || parts.iter().any(|p| p.paged.contains(&path))) {
            params.push(json!({ "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 500, "default": 50 } }));
            params.push(json!({ "name": "cursor", "in": "query", "schema": { "type": "string" } }));
        }
        let query = |name: &str, kind: &str| json!({ "name": name, "in": "query", "schema": { "type": kind } });
        let extra: &[(&str, &str)] = match (method, path) {
            ("get", "/api/v1/clients") => &[("q", "string")],
            ("get", "/api/v1/devices") => &[
                ("client_id", "integer"),
                ("site_id", "integer"),
                ("online", "boolean"),
                ("tag", "string"),
                ("q", "string"),
            ],
            ("get", "/api/v1/devices/{id}/series") => {
                &[("metric", "string"), ("subject", "string"), ("from", "string"), ("to", "string"), ("step", "string")]
            }
            ("get", "/api/v1/devices/{id}/software") => &[("q", "string")],
            ("get", "/api/v1/enroll-tokens") => &[("client_id", "integer")],
            _ => parts
                .iter()
                .flat_map(|p| p.query.iter())
                .find(|(key, _)| *key == (method, path))
                .map_or(&[][..], |(_, q)| *q),
        };
        params.extend(extra.iter().map(|(n, k)| query(n, k)));
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Steward API", "version": crate::VERSION,
            "description": "Every route needs an API key (Authorization: Bearer stw_...) or a browser session; \
                            browser sessions send X-CSRF-Token on POST, PATCH, PUT and DELETE. Errors are \
                            {\"error\": sentence}. Lists are {\"items\", \"next_cursor\"}; timestamps are RFC 3339 UTC." },
        "components": {
            "securitySchemes": {
                "apiKey": { "type": "http", "scheme": "bearer" },
                "session": { "type": "apiKey", "in": "cookie", "name": "steward_session" } },
            "schemas": schemas },
        "security": [ { "apiKey": [] }, { "session": [] } ],
        "paths": paths,
    })
}

pub fn document() -> Value {
    let mut doc = by_hand();
    let typed = typed();
    if let (Some(paths), Some(more)) = (doc["paths"].as_object_mut(), typed["paths"].as_object()) {
        for (path, ops) in more {
            let entry = paths.entry(path.clone()).or_insert_with(|| json!({}));
            for (method, op) in ops.as_object().into_iter().flatten() {
                entry[method] = op.clone();
            }
        }
    }
    if let (Some(schemas), Some(more)) =
        (doc["components"]["schemas"].as_object_mut(), typed["components"]["schemas"].as_object())
    {
        for (name, schema) in more {
            schemas.insert(name.clone(), schema.clone());
        }
    }
    doc
}

/// This description
#[utoipa::path(get, path = "/api/v1/openapi.json", responses((status = 200, body = Object)))]
pub async fn openapi(_: Person) -> Json<Value> {
    Json(document())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    found.push(r);
                }
                map.values().for_each(|v| refs(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }

    #[test]
    fn every_schema_the_document_refers_to_is_in_it() {
        let doc = document();
        if let Ok(path) = std::env::var("STEWARD_DUMP_OPENAPI") {
            std::fs::write(path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
        }
        let mut found = Vec::new();
        refs(&doc, &mut found);
        assert!(found.len() > 50, "the operations refer to their schemas");
        let missing: Vec<&&str> = found
            .iter()
            .filter(|r| {
                let name = r.trim_start_matches("#/components/schemas/");
                doc["components"]["schemas"].get(name).is_none()
            })
            .collect();
        assert!(missing.is_empty(), "refers to schemas it does not have: {missing:?}");
    }
}
