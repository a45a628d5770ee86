//! Who may call what: the whole route table (`steward::server::route_table`), every route with
//! every kind of caller: nobody, a client contact of another client, a technician, an admin, and
//! an enrolled device. A caller below a route's role is refused with 401 (no credentials for this
//! kind of route) or 403 (known, but not allowed), before the path's id is looked at: the same
//! answer for a real id as for one that does not exist. A caller at or above the role is not
//! refused (a 400 for the empty body these requests send, or a 404, is an answer, not a refusal).
//! The client contact belongs to another client than every object the ids name, and never sees
//! one: nothing it is answered carries that client's name, and an id of that client's is answered
//! as one that does not exist.
//!
//! The role in the table is read from each handler's guard, so this test is what catches a guard
//! that does not enforce what it says, a handler that refuses more than its role (the role would
//! be wrong), and a handler put in the table as `public` that is not.

use std::collections::{BTreeMap, HashMap};

use reqwest::Method;
use serde_json::{Value, json};
use steward::server::roles::Access;

use crate::common::{Receiver, Session, TestAgent, TestServer, client_and_token, eventually, http_client};

const PASSWORD: &str = "roles-test-password";
/// In the name of every object of the client the contact does not belong to.
const MARK: &str = "Zephyr";
/// An id no object has.
const NO_SUCH_ID: &str = "987654";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Device,
    Contact,
    Technician,
    Admin,
}

const EVERYONE: [Who; 5] = [Who::Anonymous, Who::Device, Who::Contact, Who::Technician, Who::Admin];

/// What the test expects, written out here rather than taken from the server.
fn may(access: Access, who: Who) -> bool {
    match access {
        Access::Public => true,
        Access::Person => matches!(who, Who::Contact | Who::Technician | Who::Admin),
        Access::Staff => matches!(who, Who::Technician | Who::Admin),
        Access::Admin => who == Who::Admin,
        Access::Device => who == Who::Device,
    }
}

/// The refusal a caller who may not call a route gets: 401 without credentials of the route's
/// kind (a person's on an agent's route, a device's on a person's), else 403.
fn refusal(access: Access, who: Who) -> u16 {
    let person = matches!(who, Who::Contact | Who::Technician | Who::Admin);
    match access {
        Access::Device => 401,
        _ if person => 403,
        _ => 401,
    }
}

/// Routes about a user that a person may call for themselves (an admin for anyone): the test
/// fills in the caller's own id, and checks separately that another user's id is refused.
const OWN: [(&str, &str); 3] = [
    ("GET", "/api/v1/users/{id}"),
    ("PUT", "/api/v1/technicians/{id}/schedule"),
    ("DELETE", "/api/v1/technicians/{id}/schedule"),
];

struct Callers {
    anonymous: reqwest::Client,
    device: String,
    contact: Session,
    technician: Session,
    admin: Session,
    /// Each person's user id (contact, technician, admin), for the routes in `OWN`.
    own: [i64; 3],
}

/// One answer: status and body (an event stream's body is not read).
struct Answer {
    status: u16,
    body: String,
}

impl Callers {
    async fn send(&self, server: &TestServer, who: Who, method: &Method, path: &str) -> Answer {
        let url = format!("{}{path}", server.url);
        let mut request = match who {
            Who::Anonymous => self.anonymous.request(method.clone(), &url),
            Who::Device => self.anonymous.request(method.clone(), &url).bearer_auth(&self.device),
            Who::Contact | Who::Technician | Who::Admin => {
                let s = self.session(who);
                s.client.request(method.clone(), &url).header("x-csrf-token", &s.csrf)
            }
        };
        if [Method::POST, Method::PUT, Method::PATCH].contains(method) {
            request = request.json(&json!({}));
        }
        let res = request.send().await.unwrap_or_else(|e| panic!("{method} {path} as {who:?}: {e}"));
        let status = res.status().as_u16();
        let kind = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let body = if kind.starts_with("text/event-stream") { String::new() } else { res.text().await.unwrap() };
        Answer { status, body }
    }

    fn session(&self, who: Who) -> &Session {
        match who {
            Who::Contact => &self.contact,
            Who::Technician => &self.technician,
            Who::Admin => &self.admin,
            _ => unreachable!("{who:?} has no session"),
        }
    }

    fn own_id(&self, who: Who) -> Option<i64> {
        match who {
            Who::Contact => Some(self.own[0]),
            Who::Technician => Some(self.own[1]),
            Who::Admin => Some(self.own[2]),
            Who::Anonymous | Who::Device => None,
        }
    }
}

async fn created(s: &Session, path: &str, body: Value) -> i64 {
    let (status, v) = s.post(path, body).await;
    assert_eq!(status, 201, "{path}: {v}");
    v["id"].as_i64().unwrap_or_else(|| panic!("{path} answered no id: {v}"))
}

async fn user(admin: &Session, email: &str, role: &str, client_id: Option<i64>) -> i64 {
    let body = json!({ "email": email, "name": email, "role": role, "client_id": client_id, "password": PASSWORD });
    created(admin, "/api/v1/users", body).await
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// The path with its parameters filled in: ids from `ids` by the word before each `{...}`, the
/// caller's own id on `OWN` routes, or `NO_SUCH_ID` everywhere when `missing`.
fn fill(path: &str, method: &Method, ids: &HashMap<&str, i64>, own: Option<i64>, missing: bool) -> String {
    let own_route = OWN.contains(&(method.as_str(), path));
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').unwrap() + start;
        let before = &rest[..start];
        let param = &rest[start + 1..end];
        out.push_str(before);
        let resource = before.trim_end_matches('/').rsplit('/').next().unwrap();
        let value = match param {
            // Not a real binary: the walk would download tens of megabytes per caller.
            "name" => "steward-for-no-such-platform".to_owned(),
            "*path" => "app.js".to_owned(),
            _ if missing => NO_SUCH_ID.to_owned(),
            _ if own_route && own.is_some() => own.unwrap().to_string(),
            "article_id" => ids["articles"].to_string(),
            _ => ids
                .get(resource)
                .unwrap_or_else(|| panic!("{path}: the test has no {resource} to fill in {{{param}}}; add one"))
                .to_string(),
        };
        out.push_str(&value);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// GETs first, then changes, then deletions, and logging out last: the walk deletes what it
/// finds, and logging out ends the session the other requests need.
fn order(route: &steward::server::roles::Route) -> u8 {
    match route.method.as_str() {
        _ if route.path == "/auth/logout" => 3,
        "GET" => 0,
        "DELETE" => 2,
        _ => 1,
    }
}

#[tokio::test]
async fn every_route_refuses_callers_below_its_role_and_answers_those_at_or_above() {
    // Every device credential sent to /api/v1 is a wrong API key; the walk sends a few hundred.
    let temp = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(
        &temp.path().join("data"),
        &[("STEWARD_AUTH__MAX_FAILED_LOGINS_PER_ADDRESS", "100000"), ("STEWARD_MONITORING__OFFLINE_AFTER", "2s")],
    );
    let admin = server.admin().await;

    // The contact's own client, and another one that owns every object the walk names.
    let (acorn, _) = client_and_token(&admin, "Acorn Ltd", json!({})).await;
    let (zephyr, token) = client_and_token(&admin, &format!("{MARK} Ltd"), json!({})).await;
    let agent = TestAgent::enroll(&server, token["token"].as_str().unwrap());
    let device = agent.device_id();
    let credential = agent.credential();

    let contact_id = user(&admin, "carla@acorn.example", "client", Some(acorn)).await;
    let tech_id = user(&admin, "theo@msp.example", "technician", None).await;
    let spare_user = user(&admin, "spare@msp.example", "technician", None).await;
    let (_, me) = admin.get("/api/v1/me").await;
    let admin_id = me["user"]["id"].as_i64().unwrap();

    let mut ids: HashMap<&str, i64> = HashMap::new();
    ids.insert("clients", zephyr);
    ids.insert("users", spare_user);
    ids.insert("technicians", spare_user);
    ids.insert("devices", device);
    ids.insert("enroll-tokens", token["id"].as_i64().unwrap());
    ids.insert("sites", created(&admin, &format!("/api/v1/clients/{zephyr}/sites"), json!({ "name": MARK })).await);
    ids.insert("api-keys", created(&admin, "/api/v1/api-keys", json!({ "name": "spare" })).await);
    let spare_session = Session::login(&server, "admin", &server.admin_password).await;
    let (_, sessions) = spare_session.get("/api/v1/me/sessions").await;
    let current = sessions["items"].as_array().unwrap().iter().find(|s| s["current"] == true).unwrap();
    ids.insert("sessions", current["id"].as_i64().unwrap());
    // Nobody has a passkey: every person is told there is none.
    ids.insert("passkeys", NO_SUCH_ID.parse().unwrap());
    let ticket = json!({ "subject": format!("{MARK} printer"), "priority": "P3", "client_id": zephyr });
    ids.insert("tickets", created(&admin, "/api/v1/tickets", ticket).await);
    let article = json!({ "title": format!("{MARK} runbook"), "body": "Internal.", "visibility": "internal" });
    let article_id = created(&admin, "/api/v1/kb/articles", article).await;
    ids.insert("articles", article_id);
    let (status, linked) =
        admin.post(&format!("/api/v1/tickets/{}/articles", ids["tickets"]), json!({ "article_id": article_id })).await;
    assert_eq!(status, 201, "{linked}");
    let window = json!({ "name": format!("{MARK} nights"), "scope": "client", "client_id": zephyr,
        "schedule": { "kind": "weekly", "days": ["sun"], "start": "23:00", "duration_minutes": 180 } });
    ids.insert("maintenance-windows", created(&admin, "/api/v1/maintenance-windows", window).await);
    let receiver = Receiver::start().await;
    let channel =
        json!({ "name": format!("{MARK} hook"), "kind": "webhook", "target": receiver.url, "client_id": zephyr });
    ids.insert("channels", created(&admin, "/api/v1/channels", channel).await);
    let rule = json!({ "name": format!("{MARK} disk"), "scope": { "scope": "device", "device_id": device },
        "condition": { "kind": "threshold", "metric": "disk_used_pct", "warning": 99.0, "subject": "/" } });
    ids.insert("rules", created(&admin, "/api/v1/rules", rule).await);
    ids.insert("queues", created(&admin, "/api/v1/queues", json!({ "name": format!("{MARK} desk") })).await);
    let routing = json!({ "name": format!("{MARK} routing"), "client_id": zephyr, "queue_id": ids["queues"] });
    ids.insert("routing-rules", created(&admin, "/api/v1/routing-rules", routing).await);
    let day = json!([{ "start": "08:00", "end": "17:00" }]);
    let calendar = json!({ "name": format!("{MARK} hours"), "timezone": "UTC", "hours": { "mon": day } });
    ids.insert("calendars", created(&admin, "/api/v1/sla/calendars", calendar).await);
    let targets = |m: i64| json!({ "first_response_minutes": m, "resolution_minutes": m * 8 });
    let policy = json!({ "name": format!("{MARK} gold"), "calendar_id": ids["calendars"],
        "targets": { "p1": targets(30), "p2": targets(60), "p3": targets(240), "p4": targets(480) } });
    ids.insert("policies", created(&admin, "/api/v1/sla/policies", policy).await);
    let contact = json!({ "client_id": zephyr, "name": format!("{MARK} contact") });
    ids.insert("contacts", created(&admin, "/api/v1/contacts", contact).await);

    // One check-in, then silence: the device goes offline and its alert opens.
    let report = json!({ "agent_version": "test", "reports": [{ "seq": 1, "collected_at": now(), "metrics": {
        "cpu_pct": 1.0, "cpu_count": 1, "mem_total_bytes": 10, "mem_used_bytes": 5, "mem_available_bytes": 5,
        "swap_total_bytes": 0, "swap_used_bytes": 0, "load1": 0.0, "load5": 0.0, "load15": 0.0, "uptime_secs": 1,
        "filesystems": [], "network": [], "temperatures": [], "top_cpu": [], "top_mem": [] } }] });
    let res = http_client()
        .post(format!("{}/agent/v1/checkin", server.url))
        .bearer_auth(&credential)
        .json(&report)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let alert = eventually(30, "the device's offline alert", || async {
        let (_, page) = admin.get(&format!("/api/v1/alerts?state=open&client_id={zephyr}")).await;
        page["items"].as_array()?.first()?["id"].as_i64()
    })
    .await;
    ids.insert("alerts", alert);

    let callers = Callers {
        anonymous: http_client(),
        device: credential,
        contact: Session::login(&server, "carla@acorn.example", PASSWORD).await,
        technician: Session::login(&server, "theo@msp.example", PASSWORD).await,
        admin,
        own: [contact_id, tech_id, admin_id],
    };

    let mut table = steward::server::route_table();
    table.sort_by_key(order);
    let mut failures = Vec::new();
    for route in &table {
        let (method, access) = (&route.method, route.access);
        for who in EVERYONE {
            let own = callers.own_id(who);
            let path = fill(route.path, method, &ids, own, false);
            let missing = fill(route.path, method, &ids, own, true);
            let has_ids = missing != path;
            let answer = callers.send(&server, who, method, &path).await;
            let excerpt: String = answer.body.chars().take(300).filter(|c| !c.is_control()).collect();
            let what = format!("{method} {path} ({}) as {who:?}: {} {excerpt}", access.as_str(), answer.status);
            if !may(access, who) {
                let expected = refusal(access, who);
                if answer.status != expected {
                    failures.push(format!("{what}\n    expected the refusal {expected}"));
                }
                if !answer.body.contains("\"error\"") {
                    failures.push(format!("{what}\n    a refusal says why, as JSON"));
                }
                // The refusal comes before any lookup: an id that does not exist is refused alike.
                if has_ids {
                    let other = callers.send(&server, who, method, &missing).await;
                    if other.status != answer.status {
                        failures.push(format!("{what}\n    but {missing} answers {}", other.status));
                    }
                }
                continue;
            }
            let not_routed = answer.status == 404 && answer.body.contains("There is no such API route");
            if matches!(answer.status, 401 | 403 | 405) || answer.status >= 500 || not_routed {
                failures.push(format!("{what}\n    expected an answer, not a refusal or failure"));
            }
            if who == Who::Contact {
                if answer.body.contains(MARK) {
                    failures.push(format!("{what}\n    a client contact sees another client's {MARK}"));
                }
                // Another client's object is answered as one that does not exist.
                if has_ids && !OWN.contains(&(method.as_str(), route.path)) {
                    let other = callers.send(&server, who, method, &missing).await;
                    if other.status != answer.status || (200..300).contains(&answer.status) {
                        failures.push(format!("{what}\n    but {missing} answers {}", other.status));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test]
async fn own_routes_take_only_the_callers_own_id_unless_the_caller_is_an_admin() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let acorn = created(&admin, "/api/v1/clients", json!({ "name": "Acorn Ltd" })).await;
    let tech_id = user(&admin, "theo@msp.example", "technician", None).await;
    let other_id = user(&admin, "olga@msp.example", "technician", None).await;
    user(&admin, "carla@acorn.example", "client", Some(acorn)).await;
    let tech = Session::login(&server, "theo@msp.example", PASSWORD).await;
    let contact = Session::login(&server, "carla@acorn.example", PASSWORD).await;
    let schedule = json!({ "timezone": "UTC", "hours": { "mon": [{ "start": "08:00", "end": "17:00" }] } });
    for (method, path) in OWN {
        let method: Method = method.parse().unwrap();
        let body = if method == Method::PUT { schedule.clone() } else { Value::Null };
        let at = |id: i64| path.replace("{id}", &id.to_string());
        let (status, answer) = tech.send(method.clone(), &at(tech_id), body.clone()).await;
        assert!(status < 300, "{method} {path}, the technician's own: {status} {answer}");
        let (status, answer) = tech.send(method.clone(), &at(other_id), body.clone()).await;
        assert_eq!(status, 403, "{method} {path}, another technician's: {answer}");
        assert!(answer["error"].as_str().unwrap().starts_with("Only an admin"), "{answer}");
        let (status, answer) = admin.send(method.clone(), &at(other_id), body.clone()).await;
        assert!(status < 300, "{method} {path}, an admin for anyone: {status} {answer}");
        let (status, _) = contact.send(method.clone(), &at(tech_id), body).await;
        assert_eq!(status, 403, "{method} {path}, a client contact for a technician");
    }
}

/// The role the OpenAPI summary states in brackets: "(admin)", "(staff; audited)", "(admin, or
/// the technician)"; none means any person. Read apart from the code, so a handler whose guard is
/// weakened (or strengthened) disagrees with what the document promises.
fn documented_role(summary: &str) -> Access {
    let notes: Vec<&str> =
        summary.split('(').skip(1).filter_map(|s| s.split(')').next()).flat_map(|n| n.split(';')).collect();
    let notes: Vec<&str> = notes.iter().map(|n| n.trim()).collect();
    if notes.iter().any(|n| matches!(*n, "admin" | "admins")) {
        Access::Admin
    } else if notes.iter().any(|n| matches!(*n, "staff" | "admin, or the technician")) {
        Access::Staff
    } else {
        Access::Person
    }
}

#[tokio::test]
async fn the_table_is_the_api_the_openapi_document_describes_with_the_same_roles() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (status, doc) = admin.get("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    let documented: BTreeMap<(String, String), Access> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object().unwrap().iter().map(|(method, op)| {
                ((method.to_uppercase(), path.clone()), documented_role(op["summary"].as_str().unwrap()))
            })
        })
        .collect();
    let routed: BTreeMap<(String, String), Access> = steward::server::route_table()
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/"))
        .map(|r| ((r.method.to_string(), r.path.to_owned()), r.access))
        .collect();
    let unrouted: Vec<_> = documented.keys().filter(|k| !routed.contains_key(*k)).collect();
    let undocumented: Vec<_> = routed.keys().filter(|k| !documented.contains_key(*k)).collect();
    assert!(unrouted.is_empty(), "documented but not in the route table: {unrouted:?}");
    assert!(undocumented.is_empty(), "in the route table but not documented: {undocumented:?}");
    let differ: Vec<String> = routed
        .iter()
        .filter(|(k, access)| documented[*k] != **access)
        .map(|((m, p), access)| {
            format!(
                "{m} {p}: {} in the table, {} in the document",
                access.as_str(),
                documented[&(m.clone(), p.clone())].as_str()
            )
        })
        .collect();
    assert!(differ.is_empty(), "roles that differ:\n{}", differ.join("\n"));
}
