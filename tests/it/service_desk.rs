//! The service desk set-up through the API: queues and their members, routing rules (their
//! checks, their order, and where new tickets really end up: by category, by device tag, least
//! loaded among members on shift, unassigned when nobody is), technicians' schedules, SLA
//! calendars and policies (field checks, one default, what cannot be deleted, a client's own
//! policy setting its new tickets' due times), contacts, and who may change what.

use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::common::{Session, TestAgent, TestServer, add_client, client_and_token};

const PASSWORD: &str = "service-desk-test-pass";
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Adds a user (`role` technician, admin or client) who logs in with `email` and `PASSWORD`.
async fn user(admin: &Session, email: &str, name: &str, role: &str, client_id: Option<i64>) -> i64 {
    let mut body = json!({ "email": email, "name": name, "role": role, "password": PASSWORD });
    if let Some(c) = client_id {
        body["client_id"] = json!(c);
    }
    let (status, u) = admin.post("/api/v1/users", body).await;
    assert_eq!(status, 201, "{u}");
    u["id"].as_i64().unwrap()
}

async fn put(s: &Session, path: &str, body: Value) -> (u16, Value) {
    s.send(Method::PUT, path, body).await
}

async fn delete(s: &Session, path: &str) -> (u16, Value) {
    s.send(Method::DELETE, path, Value::Null).await
}

/// The field a refusal names, with its status: `(400, Some("name"))`.
fn refused(answer: &(u16, Value)) -> (u16, Option<&str>) {
    (answer.0, answer.1["detail"]["field"].as_str())
}

async fn created(s: &Session, path: &str, body: Value) -> Value {
    let (status, v) = s.post(path, body).await;
    assert_eq!(status, 201, "{path}: {v}");
    v
}

async fn queue(admin: &Session, name: &str, assignment: &str, members: &[i64]) -> i64 {
    let q = created(admin, "/api/v1/queues", json!({ "name": name, "assignment": assignment, "member_ids": members }))
        .await;
    q["id"].as_i64().unwrap()
}

async fn rule(admin: &Session, body: Value) -> i64 {
    created(admin, "/api/v1/routing-rules", body).await["id"].as_i64().unwrap()
}

async fn ticket(s: &Session, body: Value) -> Value {
    created(s, "/api/v1/tickets", body).await
}

fn unix(rfc3339: &str) -> i64 {
    rfc3339.parse::<jiff::Timestamp>().unwrap().as_second()
}

/// A schedule whose only hours are a whole day three days away from today (UTC): certainly off
/// shift now, even if the test runs across midnight.
fn off_shift_schedule() -> Value {
    let now = jiff::Timestamp::now().as_second();
    let today = (now.div_euclid(86_400) + 3).rem_euclid(7) as usize; // 1970-01-01 was a Thursday; 0 is Monday
    let mut hours = Map::new();
    hours.insert(DAYS[(today + 3) % 7].to_owned(), json!([{ "start": "00:00", "end": "24:00" }]));
    json!({ "timezone": "UTC", "hours": hours })
}

fn round_the_clock() -> Value {
    let day = json!([{ "start": "00:00", "end": "24:00" }]);
    let hours: Map<String, Value> = DAYS.iter().map(|d| ((*d).to_owned(), day.clone())).collect();
    json!({ "timezone": "UTC", "hours": hours })
}

fn items(page: &Value) -> &Vec<Value> {
    page["items"].as_array().unwrap()
}

async fn technician(admin: &Session, id: i64) -> Value {
    let (status, list) = admin.get("/api/v1/technicians").await;
    assert_eq!(status, 200, "{list}");
    items(&list).iter().find(|t| t["id"] == id).cloned().unwrap_or_else(|| panic!("technician {id} not listed: {list}"))
}

#[tokio::test]
async fn queues_are_added_changed_and_deleted_and_bad_fields_are_named() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let acme = add_client(&admin, "Acme").await;
    let ana = user(&admin, "ana@msp.example", "Ana", "technician", None).await;
    let ben = user(&admin, "ben@msp.example", "Ben", "technician", None).await;
    let carl = user(&admin, "carl@acme.example", "Carl", "client", Some(acme)).await;

    let q = created(
        &admin,
        "/api/v1/queues",
        json!({ "name": "Helpdesk", "assignment": "least_loaded", "escalation_email": "lead@msp.example", "member_ids": [ben, ana, ana] }),
    )
    .await;
    let id = q["id"].as_i64().unwrap();
    assert_eq!(q["assignment"], "least_loaded");
    assert_eq!(q["escalation_email"], "lead@msp.example");
    let members: Vec<&str> = q["members"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(members, ["Ana", "Ben"], "each member once");
    assert!(q["members"].as_array().unwrap().iter().all(|m| m["on_shift"] == true && m["open_tickets"] == 0), "{q}");
    assert_eq!((q["open_tickets"].as_i64(), q["unassigned_tickets"].as_i64()), (Some(0), Some(0)));
    assert_eq!(technician(&admin, ana).await["queue_ids"], json!([id]));

    // Field checks: each refusal names its field, and nothing is stored.
    let dup = admin.post("/api/v1/queues", json!({ "name": "helpdesk" })).await;
    assert_eq!(refused(&dup), (409, Some("name")), "a name another queue has: {}", dup.1);
    let bad = admin.post("/api/v1/queues", json!({ "name": "Servers", "assignment": "random" })).await;
    assert_eq!(refused(&bad), (400, Some("assignment")), "{}", bad.1);
    let client_member = admin.post("/api/v1/queues", json!({ "name": "Servers", "member_ids": [ana, carl] })).await;
    assert_eq!(refused(&client_member), (404, Some("member_ids")), "no such technician: {}", client_member.1);
    assert!(
        client_member.1["error"].as_str().unwrap().contains(&carl.to_string()),
        "names the user: {}",
        client_member.1
    );
    let nobody = admin.post("/api/v1/queues", json!({ "name": "Servers", "member_ids": [9999] })).await;
    assert_eq!(refused(&nobody), (404, Some("member_ids")));
    let mail = admin.post("/api/v1/queues", json!({ "name": "Servers", "escalation_email": "not mail" })).await;
    assert_eq!(refused(&mail), (400, Some("escalation_email")));
    let empty = admin.post("/api/v1/queues", json!({ "name": "  " })).await;
    assert_eq!(refused(&empty), (400, Some("name")));
    let (_, list) = admin.get("/api/v1/queues").await;
    assert_eq!(items(&list).len(), 1, "nothing refused was stored: {list}");

    // Change: a new name and method, Ben leaves.
    let (status, changed) = put(
        &admin,
        &format!("/api/v1/queues/{id}"),
        json!({ "name": "Service desk", "assignment": "manual", "member_ids": [ana] }),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!((changed["name"].as_str(), changed["assignment"].as_str()), (Some("Service desk"), Some("manual")));
    assert_eq!(changed["escalation_email"], "", "a field left out is cleared: PUT replaces");
    assert_eq!(changed["members"].as_array().unwrap().len(), 1);
    let (status, one) = admin.get(&format!("/api/v1/queues/{id}")).await;
    assert_eq!((status, one["name"].as_str()), (200, Some("Service desk")));
    assert_eq!(technician(&admin, ben).await["queue_ids"], json!([]));
    let other = queue(&admin, "Servers", "round_robin", &[]).await;
    let clash = put(&admin, &format!("/api/v1/queues/{other}"), json!({ "name": "SERVICE DESK" })).await;
    assert_eq!(refused(&clash), (409, Some("name")));
    assert_eq!(put(&admin, "/api/v1/queues/9999", json!({ "name": "Ghost" })).await.0, 404);

    // A ticket in the queue stays when the queue goes, in no queue; the queue's rules go with it.
    let t = ticket(&admin, json!({ "subject": "Printer", "priority": "P3", "client_id": acme, "queue_id": id })).await;
    assert_eq!((t["queue_id"].as_i64(), t["assignee_id"].as_i64()), (Some(id), None), "manual: nobody is picked");
    let (_, one) = admin.get(&format!("/api/v1/queues/{id}")).await;
    assert_eq!((one["open_tickets"].as_i64(), one["unassigned_tickets"].as_i64()), (Some(1), Some(1)));
    rule(&admin, json!({ "name": "All to the desk", "queue_id": id })).await;
    assert_eq!(delete(&admin, &format!("/api/v1/queues/{id}")).await.0, 204);
    assert_eq!(admin.get(&format!("/api/v1/queues/{id}")).await.0, 404);
    assert_eq!(delete(&admin, &format!("/api/v1/queues/{id}")).await.0, 404);
    let (_, t) = admin.get(&format!("/api/v1/tickets/{}", t["id"])).await;
    assert_eq!((t["status"].as_str(), t["queue_id"].as_i64()), (Some("new"), None));
    let (_, rules) = admin.get("/api/v1/routing-rules").await;
    assert!(items(&rules).is_empty(), "{rules}");
}

#[tokio::test]
async fn routing_rules_name_their_wrong_fields_and_the_first_match_in_position_order_wins() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let acme = add_client(&admin, "Acme").await;
    let printers = queue(&admin, "Printers", "manual", &[]).await;
    let desk = queue(&admin, "Helpdesk", "manual", &[]).await;

    let no_target = admin.post("/api/v1/routing-rules", json!({ "name": "Nowhere", "category": "printing" })).await;
    assert_eq!(refused(&no_target), (400, Some("queue_id")), "{}", no_target.1);
    let source =
        admin.post("/api/v1/routing-rules", json!({ "name": "Mail", "source": "email", "queue_id": desk })).await;
    assert_eq!(refused(&source), (400, Some("source")), "{}", source.1);
    let unknown =
        admin.post("/api/v1/routing-rules", json!({ "name": "Ghost Co", "client_id": 9999, "queue_id": desk })).await;
    assert_eq!(refused(&unknown), (404, Some("client_id")), "{}", unknown.1);
    let no_queue = admin.post("/api/v1/routing-rules", json!({ "name": "Gone", "queue_id": 9999 })).await;
    assert_eq!(refused(&no_queue), (404, Some("queue_id")));
    let no_person = admin.post("/api/v1/routing-rules", json!({ "name": "Gone", "assignee_id": 9999 })).await;
    assert_eq!(refused(&no_person), (404, Some("assignee_id")));
    let nameless = admin.post("/api/v1/routing-rules", json!({ "queue_id": desk })).await;
    assert_eq!(refused(&nameless), (400, Some("name")));
    let (_, rules) = admin.get("/api/v1/routing-rules").await;
    assert!(items(&rules).is_empty(), "nothing refused was stored: {rules}");

    // A category rule, then a catch-all: each new rule goes last.
    let by_category = rule(
        &admin,
        json!({ "name": "Printing", "client_id": acme, "category": "printing", "source": "manual", "queue_id": printers }),
    )
    .await;
    let catch_all = rule(&admin, json!({ "name": "Everything else", "queue_id": desk })).await;
    let (_, rules) = admin.get("/api/v1/routing-rules").await;
    let order: Vec<i64> = items(&rules).iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(order, [by_category, catch_all]);
    let first = &items(&rules)[0];
    assert_eq!(
        (first["client"].as_str(), first["queue"].as_str(), first["enabled"].as_bool()),
        (Some("Acme"), Some("Printers"), Some(true))
    );

    let open = |category: &'static str| {
        let admin = &admin;
        async move {
            let t =
                ticket(admin, json!({ "subject": "Help", "priority": "P3", "client_id": acme, "category": category }))
                    .await;
            t["queue_id"].as_i64()
        }
    };
    assert_eq!(open("Printing").await, Some(printers), "the category rule comes first (category ignores case)");
    assert_eq!(open("network").await, Some(desk), "no category match: the catch-all");
    let other = add_client(&admin, "Other Co").await;
    let t = ticket(&admin, json!({ "subject": "Help", "priority": "P3", "client_id": other, "category": "printing" }))
        .await;
    assert_eq!(t["queue_id"].as_i64(), Some(desk), "the category rule is for Acme only");

    // The catch-all moved before the category rule wins everything.
    let (status, moved) = put(
        &admin,
        &format!("/api/v1/routing-rules/{catch_all}"),
        json!({ "name": "Everything else", "position": 1, "queue_id": desk }),
    )
    .await;
    assert_eq!((status, moved["position"].as_i64()), (200, Some(1)), "{moved}");
    assert_eq!(open("printing").await, Some(desk));
    // Switched off, it is skipped.
    let (status, off) = put(
        &admin,
        &format!("/api/v1/routing-rules/{catch_all}"),
        json!({ "name": "Everything else", "enabled": false, "queue_id": desk }),
    )
    .await;
    assert_eq!(
        (status, off["enabled"].as_bool(), off["position"].as_i64()),
        (200, Some(false), Some(1)),
        "position kept"
    );
    assert_eq!(open("printing").await, Some(printers));
    assert_eq!(open("network").await, None, "no rule matches: no queue");

    let bad_change =
        put(&admin, &format!("/api/v1/routing-rules/{catch_all}"), json!({ "name": "Everything else" })).await;
    assert_eq!(refused(&bad_change), (400, Some("queue_id")));
    assert_eq!(put(&admin, "/api/v1/routing-rules/9999", json!({ "name": "x", "queue_id": desk })).await.0, 404);
    assert_eq!(delete(&admin, &format!("/api/v1/routing-rules/{by_category}")).await.0, 204);
    assert_eq!(delete(&admin, &format!("/api/v1/routing-rules/{by_category}")).await.0, 404);
    assert_eq!(open("printing").await, None);
}

#[tokio::test]
async fn a_rule_on_a_device_tag_sends_tickets_about_tagged_devices_to_its_queue() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (acme, token) = client_and_token(&admin, "Acme", json!({})).await;
    let agent = TestAgent::enroll(&server, token["token"].as_str().unwrap());
    let device = agent.device_id();
    let (status, tagged) = put(&admin, &format!("/api/v1/devices/{device}/tags"), json!({ "tags": ["servers"] })).await;
    assert_eq!(status, 200, "{tagged}");
    let servers = queue(&admin, "Server team", "manual", &[]).await;
    rule(&admin, json!({ "name": "Servers", "device_tag": "Servers", "queue_id": servers })).await;

    let t =
        ticket(&admin, json!({ "subject": "Disk", "priority": "P2", "client_id": acme, "device_ids": [device] })).await;
    assert_eq!((t["queue_id"].as_i64(), t["queue"].as_str()), (Some(servers), Some("Server team")), "{t}");
    let untagged = ticket(&admin, json!({ "subject": "Mail", "priority": "P2", "client_id": acme })).await;
    assert_eq!(untagged["queue_id"], Value::Null, "no device: the tag rule does not match");

    // Without the tag, the device's next ticket is not routed there.
    let (status, _) = put(&admin, &format!("/api/v1/devices/{device}/tags"), json!({ "tags": ["laptops"] })).await;
    assert_eq!(status, 200);
    let t =
        ticket(&admin, json!({ "subject": "Disk again", "priority": "P2", "client_id": acme, "device_ids": [device] }))
            .await;
    assert_eq!(t["queue_id"], Value::Null, "{t}");
    let (_, q) = admin.get(&format!("/api/v1/queues/{servers}")).await;
    assert_eq!((q["open_tickets"].as_i64(), q["unassigned_tickets"].as_i64()), (Some(1), Some(1)));
}

#[tokio::test]
async fn a_queue_gives_tickets_to_the_least_loaded_member_on_shift_and_keeps_them_unassigned_when_nobody_is() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let acme = add_client(&admin, "Acme").await;
    let ana = user(&admin, "ana@msp.example", "Ana", "technician", None).await;
    let ben = user(&admin, "ben@msp.example", "Ben", "technician", None).await;
    let desk = queue(&admin, "Helpdesk", "least_loaded", &[ana, ben]).await;
    rule(&admin, json!({ "name": "All to the desk", "queue_id": desk })).await;
    let new = |subject: &'static str| {
        let admin = &admin;
        async move { ticket(admin, json!({ "subject": subject, "priority": "P3", "client_id": acme })).await }
    };

    // Ana already has two open tickets, given to her directly (routing leaves a given assignee).
    for s in ["One", "Two"] {
        let t = ticket(&admin, json!({ "subject": s, "priority": "P3", "client_id": acme, "assignee_id": ana })).await;
        assert_eq!(t["assignee_id"].as_i64(), Some(ana));
    }
    let t = new("Three").await;
    assert_eq!(
        (t["queue_id"].as_i64(), t["assignee_id"].as_i64()),
        (Some(desk), Some(ben)),
        "Ben has fewer open tickets"
    );
    assert_eq!(technician(&admin, ben).await["open_tickets"], 1);

    // Ben goes off shift: the next one goes to Ana although she has more.
    let (status, b) = put(&admin, &format!("/api/v1/technicians/{ben}/schedule"), off_shift_schedule()).await;
    assert_eq!((status, b["on_shift"].as_bool()), (200, Some(false)), "{b}");
    let t = new("Four").await;
    assert_eq!(t["assignee_id"].as_i64(), Some(ana), "Ben is off shift");
    let (_, q) = admin.get(&format!("/api/v1/queues/{desk}")).await;
    let shifts: Vec<(i64, bool)> = q["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["id"].as_i64().unwrap(), m["on_shift"].as_bool().unwrap()))
        .collect();
    assert_eq!(shifts, [(ana, true), (ben, false)]);

    // Nobody on shift: the ticket waits in the queue, unassigned.
    let (status, _) = put(&admin, &format!("/api/v1/technicians/{ana}/schedule"), off_shift_schedule()).await;
    assert_eq!(status, 200);
    let t = new("Five").await;
    assert_eq!((t["queue_id"].as_i64(), t["assignee_id"].as_i64()), (Some(desk), None), "{t}");
    let (_, q) = admin.get(&format!("/api/v1/queues/{desk}")).await;
    assert_eq!((q["open_tickets"].as_i64(), q["unassigned_tickets"].as_i64()), (Some(3), Some(1)), "{q}");

    // Back on shift (a round-the-clock schedule, then none at all: always on shift).
    let (status, a) = put(&admin, &format!("/api/v1/technicians/{ana}/schedule"), round_the_clock()).await;
    assert_eq!((status, a["on_shift"].as_bool()), (200, Some(true)), "{a}");
    assert_eq!(delete(&admin, &format!("/api/v1/technicians/{ben}/schedule")).await.0, 204);
    let b = technician(&admin, ben).await;
    assert_eq!((b["schedule"].clone(), b["on_shift"].as_bool()), (Value::Null, Some(true)));
    // Ana has three open, Ben one: Ben.
    assert_eq!(new("Six").await["assignee_id"].as_i64(), Some(ben));
}

#[tokio::test]
async fn calendars_name_their_wrong_fields_and_one_in_use_cannot_be_deleted() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let office = |hours: Value| json!({ "name": "Berlin office", "timezone": "Europe/Berlin", "hours": hours });
    let nine_to_five = json!([{ "start": "09:00", "end": "17:00" }]);

    let mut bad_zone = office(json!({ "mon": nine_to_five }));
    bad_zone["timezone"] = json!("Mars/Olympus");
    assert_eq!(refused(&admin.post("/api/v1/sla/calendars", bad_zone).await), (400, Some("timezone")));
    let backwards =
        admin.post("/api/v1/sla/calendars", office(json!({ "mon": [{ "start": "17:00", "end": "09:00" }] }))).await;
    assert_eq!(refused(&backwards), (400, Some("hours.mon[0].end")), "{}", backwards.1);
    let late = admin
        .post(
            "/api/v1/sla/calendars",
            office(json!({ "mon": nine_to_five, "tue": [{ "start": "08:00", "end": "12:00" }, { "start": "25:00", "end": "26:00" }] })),
        )
        .await;
    assert_eq!(refused(&late), (400, Some("hours.tue[1].start")), "{}", late.1);
    let overlap = admin
        .post(
            "/api/v1/sla/calendars",
            office(json!({ "wed": [{ "start": "08:00", "end": "12:00" }, { "start": "11:00", "end": "17:00" }] })),
        )
        .await;
    assert_eq!(refused(&overlap), (400, Some("hours.wed")), "{}", overlap.1);
    assert_eq!(refused(&admin.post("/api/v1/sla/calendars", office(json!({}))).await), (400, Some("hours")));
    let mut bad_day = office(json!({ "mon": nine_to_five }));
    bad_day["holidays"] = json!([{ "date": "2026-12-25" }, { "date": "25.12.2026" }]);
    assert_eq!(refused(&admin.post("/api/v1/sla/calendars", bad_day).await), (400, Some("holidays[1].date")));
    let (_, list) = admin.get("/api/v1/sla/calendars").await;
    assert_eq!(items(&list).len(), 1, "only the shipped calendar: {list}");

    let mut good = office(json!({ "mon": nine_to_five, "fri": [{ "start": "09:00", "end": "13:00" }] }));
    good["holidays"] = json!([{ "date": "2026-12-25", "name": "Christmas Day" }]);
    let cal = created(&admin, "/api/v1/sla/calendars", good.clone()).await;
    let id = cal["id"].as_i64().unwrap();
    assert_eq!(cal["timezone"], "Europe/Berlin");
    assert_eq!(cal["hours"]["fri"], json!([{ "start": "09:00", "end": "13:00" }]));
    assert_eq!(cal["holidays"], json!([{ "date": "2026-12-25", "name": "Christmas Day" }]));
    assert_eq!(cal["policies"], json!([]));
    assert_eq!(
        refused(&admin.post("/api/v1/sla/calendars", good.clone()).await),
        (409, Some("name")),
        "the name is taken"
    );
    let bad_change = put(
        &admin,
        &format!("/api/v1/sla/calendars/{id}"),
        office(json!({ "thu": [{ "start": "9", "end": "17:00" }] })),
    )
    .await;
    assert_eq!(refused(&bad_change), (400, Some("hours.thu[0].start")));

    // In use by a policy: 409, and it stays; free again: deleted.
    let policy = created(
        &admin,
        "/api/v1/sla/policies",
        json!({ "name": "Berlin", "calendar_id": id, "targets": standard_targets() }),
    )
    .await;
    let (status, e) = delete(&admin, &format!("/api/v1/sla/calendars/{id}")).await;
    assert_eq!(status, 409, "{e}");
    assert!(e["error"].as_str().unwrap().contains("Berlin"), "names the policy: {e}");
    let (_, list) = admin.get("/api/v1/sla/calendars").await;
    assert_eq!(items(&list).iter().find(|k| k["id"] == id).unwrap()["policies"], json!(["Berlin"]));
    assert_eq!(delete(&admin, "/api/v1/sla/calendars/1").await.0, 409, "the shipped calendar counts for Standard");
    assert_eq!(delete(&admin, &format!("/api/v1/sla/policies/{}", policy["id"])).await.0, 204);
    assert_eq!(delete(&admin, &format!("/api/v1/sla/calendars/{id}")).await.0, 204);
    assert_eq!(delete(&admin, &format!("/api/v1/sla/calendars/{id}")).await.0, 404);
}

fn standard_targets() -> Value {
    json!({
        "p1": { "first_response_minutes": 30, "resolution_minutes": 240 },
        "p2": { "first_response_minutes": 60, "resolution_minutes": 480 },
        "p3": { "first_response_minutes": 240, "resolution_minutes": 1440 },
        "p4": { "first_response_minutes": 480, "resolution_minutes": 2400 },
        "warning_percent": 80,
    })
}

#[tokio::test]
async fn policies_name_their_wrong_targets_and_exactly_one_is_the_default() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let with = |change: &dyn Fn(&mut Value)| {
        let mut t = standard_targets();
        change(&mut t);
        json!({ "name": "Gold", "calendar_id": 1, "targets": t })
    };
    let zero = admin.post("/api/v1/sla/policies", with(&|t| t["p1"]["resolution_minutes"] = json!(0))).await;
    assert_eq!(refused(&zero), (400, Some("targets.p1.resolution_minutes")), "{}", zero.1);
    let shorter = admin.post("/api/v1/sla/policies", with(&|t| t["p2"]["resolution_minutes"] = json!(30))).await;
    assert_eq!(refused(&shorter), (400, Some("targets.p2.resolution_minutes")), "{}", shorter.1);
    let warning = admin.post("/api/v1/sla/policies", with(&|t| t["warning_percent"] = json!(100))).await;
    assert_eq!(refused(&warning), (400, Some("targets.warning_percent")));
    let no_targets = admin.post("/api/v1/sla/policies", json!({ "name": "Gold", "calendar_id": 1 })).await;
    assert_eq!(refused(&no_targets), (400, Some("targets")));
    let no_calendar = admin
        .post("/api/v1/sla/policies", json!({ "name": "Gold", "calendar_id": 99, "targets": standard_targets() }))
        .await;
    assert_eq!(refused(&no_calendar), (404, Some("calendar_id")));
    let taken = admin
        .post("/api/v1/sla/policies", json!({ "name": "standard", "calendar_id": 1, "targets": standard_targets() }))
        .await;
    assert_eq!(refused(&taken), (409, Some("name")));

    // Gold made the default: Standard stops being it, and Gold is listed first.
    let mut body = with(&|_| {});
    body["is_default"] = json!(true);
    let gold = created(&admin, "/api/v1/sla/policies", body.clone()).await;
    let gold_id = gold["id"].as_i64().unwrap();
    assert_eq!((gold["is_default"].as_bool(), gold["calendar"].as_str()), (Some(true), Some("Business hours")));
    assert_eq!(gold["targets"]["warning_percent"], 80);
    let defaults = |list: &Value| -> Vec<(String, bool)> {
        items(list)
            .iter()
            .map(|p| (p["name"].as_str().unwrap().to_owned(), p["is_default"].as_bool().unwrap()))
            .collect()
    };
    let (_, list) = admin.get("/api/v1/sla/policies").await;
    assert_eq!(defaults(&list), [("Gold".to_owned(), true), ("Standard".to_owned(), false)]);

    let (status, e) = delete(&admin, &format!("/api/v1/sla/policies/{gold_id}")).await;
    assert_eq!(status, 409, "the default cannot be deleted: {e}");
    // Un-defaulting by saying so is not how it goes: it stays the default until another takes over.
    body["is_default"] = json!(false);
    let (status, still) = put(&admin, &format!("/api/v1/sla/policies/{gold_id}"), body).await;
    assert_eq!((status, still["is_default"].as_bool()), (200, Some(true)), "{still}");

    let (_, standard) = admin.get("/api/v1/sla/policies").await;
    let standard = items(&standard).iter().find(|p| p["name"] == "Standard").unwrap().clone();
    let (status, back) = put(
        &admin,
        &format!("/api/v1/sla/policies/{}", standard["id"]),
        json!({ "name": "Standard", "calendar_id": 1, "targets": standard["targets"], "is_default": true }),
    )
    .await;
    assert_eq!((status, back["is_default"].as_bool()), (200, Some(true)), "{back}");
    let (_, list) = admin.get("/api/v1/sla/policies").await;
    assert_eq!(defaults(&list), [("Standard".to_owned(), true), ("Gold".to_owned(), false)]);
    let bad_change = put(
        &admin,
        &format!("/api/v1/sla/policies/{gold_id}"),
        with(&|t| t["p4"]["first_response_minutes"] = json!(600_000)),
    )
    .await;
    assert_eq!(refused(&bad_change), (400, Some("targets.p4.first_response_minutes")));
    assert_eq!(delete(&admin, &format!("/api/v1/sla/policies/{gold_id}")).await.0, 204);
    assert_eq!(delete(&admin, &format!("/api/v1/sla/policies/{gold_id}")).await.0, 404);
}

#[tokio::test]
async fn a_clients_own_policy_gives_its_new_tickets_that_policys_due_times() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let acme = add_client(&admin, "Acme").await;
    let other = add_client(&admin, "Other Co").await;
    let cal = created(&admin, "/api/v1/sla/calendars", {
        let mut c = round_the_clock();
        c["name"] = json!("24x7");
        c
    })
    .await;
    let mut targets = standard_targets();
    targets["p1"] = json!({ "first_response_minutes": 45, "resolution_minutes": 120 });
    let gold = created(
        &admin,
        "/api/v1/sla/policies",
        json!({ "name": "Gold", "calendar_id": cal["id"], "targets": targets }),
    )
    .await;
    let gold_id = gold["id"].as_i64().unwrap();

    let (status, set) =
        put(&admin, &format!("/api/v1/clients/{acme}/sla-policy"), json!({ "policy_id": gold_id })).await;
    assert_eq!(status, 200, "{set}");
    assert_eq!((set["client_id"].as_i64(), set["policy_id"].as_i64()), (Some(acme), Some(gold_id)));
    let (_, list) = admin.get("/api/v1/sla/policies").await;
    let listed = items(&list).iter().find(|p| p["id"] == gold_id).unwrap();
    assert_eq!(listed["clients"], json!([{ "id": acme, "name": "Acme" }]));

    let t = ticket(&admin, json!({ "subject": "Server down", "priority": "P1", "client_id": acme })).await;
    let opened = unix(t["created_at"].as_str().unwrap());
    assert_eq!(t["sla"]["policy_id"].as_i64(), Some(gold_id));
    assert_eq!(unix(t["sla"]["first_response_due"].as_str().unwrap()), opened + 45 * 60, "{t}");
    assert_eq!(unix(t["sla"]["resolution_due"].as_str().unwrap()), opened + 120 * 60, "{t}");
    let elsewhere = ticket(&admin, json!({ "subject": "Server down", "priority": "P1", "client_id": other })).await;
    assert_eq!(elsewhere["sla"]["policy_id"].as_i64(), Some(1), "other clients keep the default");

    let unknown = put(&admin, &format!("/api/v1/clients/{acme}/sla-policy"), json!({ "policy_id": 999 })).await;
    assert_eq!(refused(&unknown), (404, Some("policy_id")));
    let missing = put(&admin, &format!("/api/v1/clients/{acme}/sla-policy"), json!({})).await;
    assert_eq!(refused(&missing), (400, Some("policy_id")));
    assert_eq!(put(&admin, "/api/v1/clients/9999/sla-policy", json!({ "policy_id": null })).await.0, 404);

    // Back to the default: new tickets get it; the running one keeps Gold.
    let (status, _) = put(&admin, &format!("/api/v1/clients/{acme}/sla-policy"), json!({ "policy_id": null })).await;
    assert_eq!(status, 200);
    let t2 = ticket(&admin, json!({ "subject": "Again", "priority": "P1", "client_id": acme })).await;
    assert_eq!(t2["sla"]["policy_id"].as_i64(), Some(1));
    let (_, t) = admin.get(&format!("/api/v1/tickets/{}", t["id"])).await;
    assert_eq!(t["sla"]["policy_id"].as_i64(), Some(gold_id));
}

#[tokio::test]
async fn technicians_read_the_set_up_and_change_only_their_own_schedule() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let ana = user(&admin, "ana@msp.example", "Ana", "technician", None).await;
    let ben = user(&admin, "ben@msp.example", "Ben", "technician", None).await;
    let desk = queue(&admin, "Helpdesk", "round_robin", &[ana]).await;
    let tech = Session::login(&server, "ana@msp.example", PASSWORD).await;

    for path in [
        "/api/v1/queues",
        "/api/v1/technicians",
        "/api/v1/routing-rules",
        "/api/v1/sla/calendars",
        "/api/v1/sla/policies",
    ] {
        assert_eq!(tech.get(path).await.0, 200, "{path}");
    }
    assert_eq!(tech.post("/api/v1/queues", json!({ "name": "Mine" })).await.0, 403);
    assert_eq!(put(&tech, &format!("/api/v1/queues/{desk}"), json!({ "name": "Mine" })).await.0, 403);
    assert_eq!(delete(&tech, &format!("/api/v1/queues/{desk}")).await.0, 403);
    assert_eq!(tech.post("/api/v1/routing-rules", json!({ "name": "Mine", "assignee_id": ana })).await.0, 403);
    assert_eq!(tech.post("/api/v1/sla/calendars", json!({ "name": "x" })).await.0, 403);
    assert_eq!(put(&tech, "/api/v1/clients/1/sla-policy", json!({ "policy_id": null })).await.0, 403);
    let (_, q) = admin.get(&format!("/api/v1/queues/{desk}")).await;
    assert_eq!(q["name"], "Helpdesk", "unchanged");

    // Her own schedule: yes, with the same field checks; Ben's: no.
    let bad =
        put(&tech, &format!("/api/v1/technicians/{ana}/schedule"), json!({ "timezone": "Nowhere/Land", "hours": {} }))
            .await;
    assert_eq!(refused(&bad), (400, Some("timezone")));
    let (status, me) = put(&tech, &format!("/api/v1/technicians/{ana}/schedule"), off_shift_schedule()).await;
    assert_eq!((status, me["on_shift"].as_bool()), (200, Some(false)), "{me}");
    assert_eq!(me["schedule"]["timezone"], "UTC");
    assert_eq!(technician(&admin, ana).await["schedule"], me["schedule"]);
    assert_eq!(put(&tech, &format!("/api/v1/technicians/{ben}/schedule"), round_the_clock()).await.0, 403);
    assert_eq!(delete(&tech, &format!("/api/v1/technicians/{ben}/schedule")).await.0, 403);
    assert_eq!(technician(&admin, ben).await["schedule"], Value::Null, "Ben's is untouched");
    assert_eq!(delete(&tech, &format!("/api/v1/technicians/{ana}/schedule")).await.0, 204);
    assert_eq!(technician(&admin, ana).await["on_shift"], true);

    // An admin sets anyone's; not a client contact's, who is no technician.
    let (status, _) = put(&admin, &format!("/api/v1/technicians/{ben}/schedule"), round_the_clock()).await;
    assert_eq!(status, 200);
    let acme = add_client(&admin, "Acme").await;
    let carl = user(&admin, "carl@acme.example", "Carl", "client", Some(acme)).await;
    assert_eq!(put(&admin, &format!("/api/v1/technicians/{carl}/schedule"), round_the_clock()).await.0, 404);
}

#[tokio::test]
async fn staff_keep_clients_contacts_and_client_contacts_are_refused_the_set_up() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let acme = add_client(&admin, "Acme").await;
    let other = add_client(&admin, "Other Co").await;
    user(&admin, "ana@msp.example", "Ana", "technician", None).await;
    let tech = Session::login(&server, "ana@msp.example", PASSWORD).await;

    let c = created(
        &tech,
        "/api/v1/contacts",
        json!({ "client_id": acme, "name": "Dora Diaz", "email": "dora@acme.example", "phone": "+49 30 1234" }),
    )
    .await;
    let id = c["id"].as_i64().unwrap();
    assert_eq!(
        (c["client"].as_str(), c["email"].as_str(), c["open_tickets"].as_i64()),
        (Some("Acme"), Some("dora@acme.example"), Some(0))
    );
    created(&admin, "/api/v1/contacts", json!({ "client_id": other, "name": "Otto" })).await;
    assert_eq!(
        refused(&tech.post("/api/v1/contacts", json!({ "client_id": acme, "name": "X", "email": "nope" })).await),
        (400, Some("email"))
    );
    assert_eq!(
        refused(&tech.post("/api/v1/contacts", json!({ "client_id": 9999, "name": "X" })).await),
        (404, Some("client_id"))
    );
    assert_eq!(refused(&tech.post("/api/v1/contacts", json!({ "name": "X" })).await), (400, Some("client_id")));
    assert_eq!(
        refused(&tech.post("/api/v1/contacts", json!({ "client_id": acme, "name": " " })).await),
        (400, Some("name"))
    );

    let (status, page) = tech.get(&format!("/api/v1/contacts?client_id={acme}")).await;
    assert_eq!(status, 200, "{page}");
    let names: Vec<&str> = items(&page).iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Dora Diaz"], "only Acme's");
    let (_, all) = tech.get("/api/v1/contacts").await;
    assert_eq!(items(&all).len(), 2);

    let (status, changed) =
        put(&tech, &format!("/api/v1/contacts/{id}"), json!({ "name": "Dora Díaz", "phone": "+49 30 999" })).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!((changed["name"].as_str(), changed["email"].as_str()), (Some("Dora Díaz"), Some("")), "PUT replaces");
    let moved = put(&tech, &format!("/api/v1/contacts/{id}"), json!({ "client_id": other, "name": "Dora" })).await;
    assert_eq!(refused(&moved), (400, Some("client_id")));
    let t = ticket(&tech, json!({ "subject": "Laptop", "priority": "P3", "client_id": acme, "contact_id": id })).await;
    let (_, c) = tech.get(&format!("/api/v1/contacts?client_id={acme}")).await;
    assert_eq!(items(&c)[0]["open_tickets"], 1);
    assert_eq!(delete(&tech, &format!("/api/v1/contacts/{id}")).await.0, 204);
    assert_eq!(delete(&tech, &format!("/api/v1/contacts/{id}")).await.0, 404);
    assert_eq!(put(&tech, &format!("/api/v1/contacts/{id}"), json!({ "name": "Dora" })).await.0, 404);
    let (_, t) = admin.get(&format!("/api/v1/tickets/{}", t["id"])).await;
    assert_eq!(
        (t["status"].as_str(), t["contact_id"].clone()),
        (Some("new"), Value::Null),
        "the ticket stays, without a contact"
    );

    // A client contact sees none of this.
    user(&admin, "carl@acme.example", "Carl", "client", Some(acme)).await;
    let carl = Session::login(&server, "carl@acme.example", PASSWORD).await;
    assert_eq!(carl.get(&format!("/api/v1/contacts?client_id={acme}")).await.0, 403);
    assert_eq!(carl.post("/api/v1/contacts", json!({ "client_id": acme, "name": "Eve" })).await.0, 403);
    let (_, any) = admin.get("/api/v1/contacts").await;
    let any_id = items(&any)[0]["id"].as_i64().unwrap();
    assert_eq!(put(&carl, &format!("/api/v1/contacts/{any_id}"), json!({ "name": "Eve" })).await.0, 403);
    assert_eq!(delete(&carl, &format!("/api/v1/contacts/{any_id}")).await.0, 403);
    for path in [
        "/api/v1/queues",
        "/api/v1/technicians",
        "/api/v1/routing-rules",
        "/api/v1/sla/calendars",
        "/api/v1/sla/policies",
    ] {
        assert_eq!(carl.get(path).await.0, 403, "{path}");
    }
}

/// The API stores what it validated: `calendar_spec` in `src/server/routes/service_desk/mod.rs`
/// once checked `Calendar::new(spec.clone())` but stored the raw `spec`, so untrimmed times,
/// intervals out of order and repeated holidays came back as sent.
#[tokio::test]
async fn calendars_and_schedules_are_stored_as_validated_in_order_trimmed_and_each_holiday_once() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let messy = json!({
        "timezone": "UTC",
        "hours": { "mon": [{ "start": "13:00", "end": "17:00" }, { "start": " 08:00", "end": "12:00 " }] },
        "holidays": [{ "date": "2026-12-26", "name": " Boxing Day " }, { "date": "2026-12-25" }, { "date": "2026-12-25" }],
    });
    let tidy_hours = json!([{ "start": "08:00", "end": "12:00" }, { "start": "13:00", "end": "17:00" }]);
    let tidy_holidays = json!([{ "date": "2026-12-25" }, { "date": "2026-12-26", "name": "Boxing Day" }]);

    let mut body = messy.clone();
    body["name"] = json!("Split shift");
    let cal = created(&admin, "/api/v1/sla/calendars", body).await;
    assert_eq!(cal["hours"]["mon"], tidy_hours, "{cal}");
    assert_eq!(cal["holidays"], tidy_holidays, "{cal}");

    let (status, me) = put(&admin, "/api/v1/technicians/1/schedule", messy).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["schedule"]["hours"]["mon"], tidy_hours, "{me}");
    assert_eq!(me["schedule"]["holidays"], tidy_holidays, "{me}");
}
