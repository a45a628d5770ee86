//! The ticket queue through the API: opening, listing and reading tickets with their SLA due
//! times, versioned updates under contention, field checks, what client contacts see, and the
//! timeline of comments, events and time.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Receiver, Session, TestServer, add_client, eventually, open_ticket, start_smtp_sink};

async fn patch(s: &Session, id: i64, body: Value) -> (u16, Value) {
    s.send(Method::PATCH, &format!("/api/v1/tickets/{id}"), body).await
}

fn unix(rfc3339: &str) -> i64 {
    rfc3339.parse::<jiff::Timestamp>().unwrap().as_second()
}

/// When a budget of `minutes` business minutes, started at `start`, runs out on the default
/// calendar (Monday to Friday, 08:00 to 17:00 UTC, no holidays), counted by hand: walk the
/// business hours forward day by day.
fn due_on_default_calendar(start: i64, minutes: i64) -> i64 {
    let (open, close) = (8 * 3600, 17 * 3600);
    let mut left = minutes * 60;
    let mut t = start;
    loop {
        let day = t.div_euclid(86_400);
        let weekday = (day + 3).rem_euclid(7); // 1970-01-01 was a Thursday; 0 is Monday
        let (day_start, tod) = (day * 86_400, t.rem_euclid(86_400));
        if weekday < 5 && tod < close {
            let from = tod.max(open);
            let available = close - from;
            if left <= available {
                return day_start + from + left;
            }
            left -= available;
        }
        t = day_start + 86_400;
    }
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn tickets_are_opened_listed_and_read_with_their_sla_due_times() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let acme = add_client(&admin, "Acme").await;
    let (_, me) = admin.get("/api/v1/me").await;
    let admin_id = me["user"]["id"].as_i64().unwrap();

    let printer = open_ticket(
        &admin,
        json!({ "subject": "Printer jams", "priority": "P2", "client_id": acme, "description": "Tray 2, every page" }),
    )
    .await;
    let id = printer["id"].as_i64().unwrap();
    assert_eq!(printer["status"], "new");
    assert_eq!(printer["priority"], "P2");
    assert_eq!(printer["client_id"], acme);
    assert_eq!(printer["device_id"], Value::Null);
    assert_eq!(printer["assignee"], Value::Null);
    assert_eq!(printer["source"], "manual");
    assert_eq!(printer["version"], 1);
    // The default policy gives a P2 60 business minutes to the first response and 8 hours to the
    // resolution on the default calendar.
    let created = unix(printer["created_at"].as_str().unwrap());
    let sla = &printer["sla"];
    assert_eq!(unix(sla["first_response_due"].as_str().unwrap()), due_on_default_calendar(created, 60), "{sla}");
    assert_eq!(unix(sla["resolution_due"].as_str().unwrap()), due_on_default_calendar(created, 480), "{sla}");
    assert!(sla["first_response_due"].as_str().unwrap().ends_with('Z'), "timestamps are RFC 3339 UTC");

    let (status, one) = admin.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(status, 200);
    for field in ["id", "status", "priority", "client_id", "device_id", "assignee", "sla", "version"] {
        assert_eq!(one[field], printer[field], "{field}");
    }
    assert_eq!(one["timeline"][0]["type"], "event");
    assert_eq!(one["timeline"][0]["kind"], "created");

    let vpn = open_ticket(
        &admin,
        json!({ "subject": "VPN down for everyone", "priority": "P1", "client_id": acme, "assignee_id": admin_id }),
    )
    .await;
    let vpn_id = vpn["id"].as_i64().unwrap();
    assert_eq!(vpn["assignee_id"], admin_id);
    assert_eq!(vpn["assignee"], "Administrator", "the assignee by name");

    // The queue: soonest SLA due first (the P1's 30 minutes before the P2's 60).
    let (status, all) = admin.get("/api/v1/tickets").await;
    assert_eq!(status, 200);
    assert_eq!(ids(&all), [vpn_id, id]);
    assert_eq!(all["next_cursor"], Value::Null);
    assert_eq!(ids(&admin.get("/api/v1/tickets?assignee=me").await.1), [vpn_id]);
    assert_eq!(ids(&admin.get("/api/v1/tickets?assignee=unassigned").await.1), [id]);
    assert_eq!(ids(&admin.get("/api/v1/tickets?priority=P2").await.1), [id]);
    assert_eq!(ids(&admin.get("/api/v1/tickets?q=tray%202").await.1), [id], "search covers the description");
    assert_eq!(ids(&admin.get("/api/v1/tickets?status=new,open").await.1), [vpn_id, id]);
    assert!(ids(&admin.get("/api/v1/tickets?status=closed").await.1).is_empty());
    assert!(ids(&admin.get(&format!("/api/v1/tickets?client_id={}", acme + 1)).await.1).is_empty());

    let (_, first) = admin.get("/api/v1/tickets?limit=1").await;
    assert_eq!(ids(&first), [vpn_id]);
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let (_, second) = admin.get(&format!("/api/v1/tickets?limit=1&cursor={cursor}")).await;
    assert_eq!(ids(&second), [id]);
    assert_eq!(second["next_cursor"], Value::Null);
}

#[tokio::test]
async fn fifty_parallel_updates_are_each_applied_or_refused_and_none_is_lost() {
    let server = TestServer::start();
    let admin = Arc::new(server.admin().await);
    let acme = add_client(&admin, "Acme").await;
    let id = open_ticket(&admin, json!({ "subject": "Contended", "priority": "P3", "client_id": acme })).await["id"]
        .as_i64()
        .unwrap();

    let mut tasks = Vec::new();
    for i in 0..50 {
        let admin = admin.clone();
        tasks.push(tokio::spawn(async move {
            let (_, read) = admin.get(&format!("/api/v1/tickets/{id}")).await;
            let version = read["version"].as_i64().unwrap();
            let subject = format!("change {i}");
            let (status, body) = patch(&admin, id, json!({ "version": version, "subject": subject })).await;
            (version, subject, status, body)
        }));
    }
    let mut applied = Vec::new();
    for task in tasks {
        let (sent, subject, status, body) = task.await.unwrap();
        match status {
            200 => {
                assert_eq!(body["version"], sent + 1, "an applied change moves the version on by one");
                assert_eq!(body["subject"], subject.as_str());
                applied.push((body["version"].as_i64().unwrap(), subject));
            }
            409 => {
                assert_eq!(body["detail"]["id"], id, "{body}");
                assert!(body["detail"]["version"].as_i64().unwrap() > sent, "the current ticket is newer: {body}");
            }
            other => panic!("a change must be applied or refused, not {other}: {body}"),
        }
    }
    assert!(!applied.is_empty());
    applied.sort();
    let versions: Vec<i64> = applied.iter().map(|(v, _)| *v).collect();
    let expected: Vec<i64> = (2..2 + applied.len() as i64).collect();
    assert_eq!(versions, expected, "each applied change has its own version");

    let (_, last) = admin.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(last["version"], 1 + applied.len() as i64);
    assert_eq!(last["subject"], applied.last().unwrap().1.as_str(), "the last applied change is what stands");
    let changes: Vec<&Value> = last["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "event" && e["kind"] == "subject")
        .collect();
    assert_eq!(changes.len(), applied.len(), "one event per applied change, none for a refused one");
    let recorded: Vec<&str> = changes.iter().map(|e| e["new_value"].as_str().unwrap()).collect();
    let sent: Vec<&str> = applied.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(recorded, sent, "the history lists the applied changes in order");
}

#[tokio::test]
async fn stale_writes_get_the_current_ticket_and_bad_fields_are_named_with_nothing_stored() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let acme = add_client(&admin, "Acme").await;
    let t = open_ticket(&admin, json!({ "subject": "Slow PC", "priority": "P3", "client_id": acme })).await;
    let id = t["id"].as_i64().unwrap();

    let (status, opened) = patch(&admin, id, json!({ "version": 1, "status": "open" })).await;
    assert_eq!((status, opened["version"].as_i64()), (200, Some(2)), "{opened}");
    // A second technician still holds version 1.
    let (status, stale) = patch(&admin, id, json!({ "version": 1, "priority": "P1" })).await;
    assert_eq!(status, 409, "{stale}");
    assert!(stale["error"].as_str().unwrap().contains("version 2"), "{stale}");
    assert_eq!(stale["detail"]["version"], 2);
    assert_eq!(stale["detail"]["status"], "open");
    assert_eq!(stale["detail"]["priority"], "P3", "the stale change was not applied");

    // A field naming a row that does not exist (or is not the client's) is "not found", by name.
    let bad_creates = [
        (json!({ "priority": "P2", "client_id": acme }), "subject", 400),
        (json!({ "subject": "  ", "priority": "P2", "client_id": acme }), "subject", 400),
        (json!({ "subject": "x", "priority": "P9", "client_id": acme }), "priority", 400),
        (json!({ "subject": "x", "client_id": acme }), "priority", 400),
        (json!({ "subject": "x", "priority": "P2" }), "client_id", 400),
        (json!({ "subject": "x", "priority": "P2", "client_id": 999 }), "client_id", 404),
        (json!({ "subject": "x", "priority": "P2", "client_id": acme, "device_ids": [999] }), "device_ids", 404),
        (json!({ "subject": "x", "priority": "P2", "client_id": acme, "assignee_id": 999 }), "assignee_id", 404),
        (json!({ "subject": "x", "priority": "P2", "client_id": acme, "queue_id": 999 }), "queue_id", 404),
        (json!({ "subject": "x", "priority": "P2", "client_id": acme, "site_id": 999 }), "site_id", 404),
    ];
    for (body, field, code) in bad_creates {
        let (status, e) = admin.post("/api/v1/tickets", body.clone()).await;
        assert_eq!((status, e["detail"]["field"].as_str()), (code, Some(field)), "{body} -> {e}");
        assert!(e["error"].as_str().unwrap().contains(field), "the sentence names {field}: {e}");
    }
    let bad_patches = [
        (json!({ "status": "pending" }), "version", 400),
        (json!({ "version": 2, "status": "done" }), "status", 400),
        (json!({ "version": 2, "priority": "urgent" }), "priority", 400),
        (json!({ "version": 2, "subject": "" }), "subject", 400),
        (json!({ "version": 2, "assignee_id": 999 }), "assignee_id", 404),
        (json!({ "version": 2, "contact_id": 999 }), "contact_id", 404),
        (json!({ "version": 2, "status": "pending", "device_ids": [999] }), "device_ids", 404),
    ];
    for (body, field, code) in bad_patches {
        let (status, e) = patch(&admin, id, body.clone()).await;
        assert_eq!((status, e["detail"]["field"].as_str()), (code, Some(field)), "{body} -> {e}");
    }
    let bad_time = [
        (json!({ "minutes": 0 }), "minutes"),
        (json!({}), "minutes"),
        (json!({ "minutes": 5, "date": "yesterday" }), "date"),
    ];
    for (body, field) in bad_time {
        let (status, e) = admin.post(&format!("/api/v1/tickets/{id}/time"), body.clone()).await;
        assert_eq!((status, e["detail"]["field"].as_str()), (400, Some(field)), "{body} -> {e}");
    }
    let (status, e) = admin.post(&format!("/api/v1/tickets/{id}/comments"), json!({ "body": " " })).await;
    assert_eq!((status, e["detail"]["field"].as_str()), (400, Some("body")));

    let (_, all) = admin.get("/api/v1/tickets").await;
    assert_eq!(ids(&all), [id], "no refused ticket was stored");
    let (_, now) = admin.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(
        (now["version"].as_i64(), now["status"].as_str()),
        (Some(2), Some("open")),
        "no refused change was stored"
    );
    assert_eq!(now["timeline"].as_array().unwrap().len(), 2, "created and status only: {now}");
    assert!(now["time_entries"].as_array().unwrap().is_empty());
    assert_eq!(admin.get("/api/v1/tickets/999").await.0, 404);
}

#[tokio::test]
async fn client_contacts_see_their_own_tickets_and_public_comments_and_staff_see_the_whole_timeline() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let acme = add_client(&admin, "Acme").await;
    let other = add_client(&admin, "Other Co").await;
    let (status, u) = admin
        .post(
            "/api/v1/users",
            json!({ "email": "carl@acme.example", "name": "Carl", "role": "client", "client_id": acme, "password": "client-contact-pass" }),
        )
        .await;
    assert_eq!(status, 201, "{u}");
    let staff_ticket =
        open_ticket(&admin, json!({ "subject": "Mail slow", "priority": "P3", "client_id": acme })).await;
    let sid = staff_ticket["id"].as_i64().unwrap();
    let foreign =
        open_ticket(&admin, json!({ "subject": "Other's secret", "priority": "P3", "client_id": other })).await;
    let fid = foreign["id"].as_i64().unwrap();

    let carl = Session::login(&server, "carl@acme.example", "client-contact-pass").await;
    let mine = open_ticket(&carl, json!({ "subject": "Cannot log in", "priority": "P4" })).await;
    let mid = mine["id"].as_i64().unwrap();
    assert_eq!(mine["source"], "portal");
    assert_eq!(mine["client_id"], acme);
    assert_eq!(mine["contact"], "Carl");
    let (status, e) =
        carl.post("/api/v1/tickets", json!({ "subject": "x", "priority": "P4", "client_id": other })).await;
    assert_eq!((status, e["detail"]["field"].as_str()), (400, Some("client_id")));

    let mut seen = ids(&carl.get("/api/v1/tickets").await.1);
    seen.sort();
    assert_eq!(seen, [sid, mid], "only Acme's tickets");
    assert!(ids(&carl.get(&format!("/api/v1/tickets?client_id={other}")).await.1).is_empty());
    assert_eq!(carl.get(&format!("/api/v1/tickets/{fid}")).await.0, 404);
    assert_eq!(carl.post(&format!("/api/v1/tickets/{fid}/comments"), json!({ "body": "hi" })).await.0, 404);
    assert_eq!(patch(&carl, sid, json!({ "version": 1, "status": "closed" })).await.0, 403);
    assert_eq!(carl.post(&format!("/api/v1/tickets/{sid}/time"), json!({ "minutes": 5 })).await.0, 403);

    // Staff work the ticket: an internal note, an answer to the client, 15 billable minutes.
    let (status, note) = admin
        .post(&format!("/api/v1/tickets/{sid}/comments"), json!({ "body": "Mailbox is 49.9 GB", "public": false }))
        .await;
    assert_eq!((status, note["public"].as_bool()), (201, Some(false)), "{note}");
    let (_, t) = admin.get(&format!("/api/v1/tickets/{sid}")).await;
    assert_eq!(t["first_response_at"], Value::Null, "an internal note is not a response");
    let (status, answer) = admin
        .post(
            &format!("/api/v1/tickets/{sid}/comments"),
            json!({ "body": "We are archiving old mail.", "public": true }),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    let (status, time) = admin
        .post(&format!("/api/v1/tickets/{sid}/time"), json!({ "minutes": 15, "billable": true, "note": "archive" }))
        .await;
    assert_eq!((status, time["minutes"].as_i64(), time["billable"].as_bool()), (201, Some(15), Some(true)), "{time}");
    let (status, reply) =
        carl.post(&format!("/api/v1/tickets/{sid}/comments"), json!({ "body": "Thanks!", "public": false })).await;
    assert_eq!((status, reply["public"].as_bool()), (201, Some(true)), "a client's comment is always public");

    let (_, t) = admin.get(&format!("/api/v1/tickets/{sid}")).await;
    assert_eq!(t["first_response_at"], answer["created_at"], "the first public staff comment is the first response");
    assert_eq!(t["sla"]["first_response_met"], true, "{t}");
    let timeline = t["timeline"].as_array().unwrap();
    let kinds: Vec<String> = timeline
        .iter()
        .map(|e| format!("{}:{}", e["type"].as_str().unwrap(), e["kind"].as_str().or(e["body"].as_str()).unwrap()))
        .collect();
    for expected in [
        "event:created",
        "comment:Mailbox is 49.9 GB",
        "event:first_response",
        "comment:We are archiving old mail.",
        "comment:Thanks!",
    ] {
        assert!(kinds.contains(&expected.to_owned()), "{expected} in {kinds:?}");
    }
    let entries = t["time_entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!((entries[0]["minutes"].as_i64(), entries[0]["note"].as_str()), (Some(15), Some("archive")));

    let (status, seen) = carl.get(&format!("/api/v1/tickets/{sid}")).await;
    assert_eq!(status, 200);
    let bodies: Vec<&str> = seen["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "comment")
        .map(|e| e["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["We are archiving old mail.", "Thanks!"], "no internal comments for the client");
    assert!(seen["time_entries"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_client_reply_reopens_a_resolved_ticket_and_an_untouched_one_closes_by_itself() {
    // The server's clock is a manual one: three days pass in an instant.
    let wall = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let server = TestServer::start_with_clock(
        wall,
        &[
            ("STEWARD_TICKETS__AUTO_CLOSE_AFTER", "3d"),
            // The people here stay logged in while the clock jumps three days.
            ("STEWARD_AUTH__SESSION_TTL", "7d"),
            ("STEWARD_AUTH__SESSION_IDLE", "7d"),
        ],
    );
    let admin = server.admin().await;
    let acme = add_client(&admin, "Acme").await;
    let (status, u) = admin
        .post(
            "/api/v1/users",
            json!({ "email": "dana@acme.example", "role": "client", "client_id": acme, "password": "client-contact-pass" }),
        )
        .await;
    assert_eq!(status, 201, "{u}");
    let contact = Session::login(&server, "dana@acme.example", "client-contact-pass").await;
    // A ticket nobody resolves, opened first: older than the wait when the other one closes.
    let other = open_ticket(&admin, json!({ "subject": "New laptop", "priority": "P4", "client_id": acme })).await;

    // Resolved, then the client answers before it closes: open again, in the queue.
    let t = open_ticket(&admin, json!({ "subject": "Printer jams", "priority": "P3", "client_id": acme })).await;
    let id = t["id"].as_i64().unwrap();
    let (status, body) = patch(&admin, id, json!({ "version": t["version"], "status": "resolved" })).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) =
        contact.post(&format!("/api/v1/tickets/{id}/comments"), json!({ "body": "Still jamming." })).await;
    assert_eq!(status, 201, "{body}");
    let (_, now) = admin.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(now["status"], "open", "{now}");

    // Resolved and left alone: closed after [tickets] auto_close_after, by the system.
    let version = now["version"].clone();
    let (status, body) = patch(&admin, id, json!({ "version": version, "status": "resolved" })).await;
    assert_eq!(status, 200, "{body}");
    server.advance(3 * 86_400 + 60);
    let closed = eventually(10, "the ticket to close by itself", || async {
        let (_, t) = admin.get(&format!("/api/v1/tickets/{id}")).await;
        (t["status"] == "closed").then_some(t)
    })
    .await;
    assert_eq!(unix(closed["closed_at"].as_str().unwrap()), server.now(), "closed by the server's clock: {closed}");
    // The pass that closed it would have closed the older ticket too if age were enough; nobody
    // resolved that one, so it stays as it was.
    let (_, still) = admin.get(&format!("/api/v1/tickets/{}", other["id"])).await;
    assert_eq!((still["status"].as_str(), &still["closed_at"]), (Some("new"), &Value::Null), "{still}");
}

#[tokio::test]
async fn an_sla_warning_and_breach_each_fire_once_and_reach_the_channels_the_assignee_and_the_escalation_contact() {
    let (smtp_port, mails) = start_smtp_sink().await;
    let port = smtp_port.to_string();
    // A manual clock: the SLA's hour passes in a moment.
    let wall = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let server = TestServer::start_with_clock(
        wall,
        &[
            // The people here stay logged in while the clock jumps an hour.
            ("STEWARD_AUTH__SESSION_IDLE", "2h"),
            ("STEWARD_NOTIFICATIONS__SMTP_HOST", "127.0.0.1"),
            ("STEWARD_NOTIFICATIONS__SMTP_PORT", &port),
            ("STEWARD_NOTIFICATIONS__SMTP_SECURITY", "none"),
            ("STEWARD_NOTIFICATIONS__SMTP_FROM", "Steward <steward@example.com>"),
        ],
    );
    let admin = server.admin().await;
    let hook = Receiver::start().await;
    let (status, body) =
        admin.post("/api/v1/channels", json!({ "name": "Ops hook", "kind": "webhook", "target": hook.url })).await;
    assert_eq!(status, 201, "{body}");
    // A round-the-clock calendar and a one-hour first response for P1, set up as an admin would.
    let day = json!([{ "start": "00:00", "end": "24:00" }]);
    let (status, calendar) = admin
        .post(
            "/api/v1/sla/calendars",
            json!({ "name": "Around the clock", "timezone": "UTC",
                    "hours": { "mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": day, "sun": day } }),
        )
        .await;
    assert_eq!(status, 201, "{calendar}");
    let t = |f: u32, r: u32| json!({ "first_response_minutes": f, "resolution_minutes": r });
    let (status, policy) = admin
        .post(
            "/api/v1/sla/policies",
            json!({ "name": "Premium", "calendar_id": calendar["id"], "is_default": true,
                    "targets": { "p1": t(60, 600), "p2": t(120, 600), "p3": t(240, 1440), "p4": t(480, 2400),
                                 "warning_percent": 75 } }),
        )
        .await;
    assert_eq!(status, 201, "{policy}");
    let acme = add_client(&admin, "Acme").await;
    let (status, tech) = admin
        .post(
            "/api/v1/users",
            json!({ "email": "ana@msp.example", "name": "Ana", "role": "technician", "password": "correct horse battery staple" }),
        )
        .await;
    assert_eq!(status, 201, "{tech}");
    let (status, queue) = admin
        .post(
            "/api/v1/queues",
            json!({ "name": "Servers", "assignment": "least_loaded", "escalation_email": "lead@msp.example",
                    "member_ids": [tech["id"]] }),
        )
        .await;
    assert_eq!(status, 201, "{queue}");
    let (status, contact) = admin
        .post("/api/v1/contacts", json!({ "client_id": acme, "name": "Carla", "email": "carla@acme.example" }))
        .await;
    assert_eq!(status, 201, "{contact}");
    let t = open_ticket(
        &admin,
        json!({ "subject": "Server down", "priority": "P1", "client_id": acme, "queue_id": queue["id"],
                "contact_id": contact["id"] }),
    )
    .await;
    assert_eq!(t["assignee_id"], tech["id"], "the queue assigned it to its only member: {t}");
    let id = t["id"].as_i64().unwrap();
    let created = unix(t["created_at"].as_str().unwrap());
    assert_eq!(unix(t["sla"]["first_response_due"].as_str().unwrap()), created + 3600, "{t}");

    let about = |event: &'static str| {
        let bodies = hook.bodies.lock().unwrap().clone();
        bodies
            .into_iter()
            .filter(|b| b["event"] == event && b["subject"] == format!("ticket #{id}"))
            .collect::<Vec<_>>()
    };
    // 46 of 60 minutes: past the warning share (75 %), not yet breached.
    server.advance(46 * 60);
    eventually(10, "the warning notice", || async { (!about("sla_warning").is_empty()).then_some(()) }).await;
    assert!(about("sla_breach").is_empty(), "a warning is not a breach");
    server.advance(15 * 60);
    eventually(10, "the breach notice", || async { (!about("sla_breach").is_empty()).then_some(()) }).await;
    let warning = about("sla_warning");
    assert_eq!(warning.len(), 1, "{warning:?}");
    assert!(warning[0]["title"].as_str().unwrap().contains("close to its SLA target"), "{warning:?}");
    assert_eq!(about("sla_breach")[0]["severity"], "critical");
    let (status, ticket) = admin.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(status, 200, "{ticket}");
    let timeline = ticket["timeline"].to_string();
    assert!(timeline.contains("sla_warning") && timeline.contains("sla_breach"), "{timeline}");
    // Later passes find nothing new: each fired once (read again once the answer below arrived).
    server.advance(10 * 60);
    // A breach is final: answering now does not take it back.
    let (status, _) =
        admin.post(&format!("/api/v1/tickets/{id}/comments"), json!({ "body": "On it.", "public": true })).await;
    assert_eq!(status, 201);
    let (_, ticket) = admin.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(ticket["sla"]["first_response_breached"], true, "{}", ticket["sla"]);

    // The assignee and the queue's escalation contact each got the warning and the breach by mail,
    // and the contact got the public answer (not the internal notes, not the SLA notices).
    let to = |address: &'static str| {
        let mails = mails.lock().unwrap().clone();
        mails
            .into_iter()
            .filter(|m| m.rcpt.iter().any(|r| r == address))
            // Long headers are folded onto continuation lines.
            .map(|m| m.data.replace("\n ", " ").replace("\n\t", " "))
            .collect::<Vec<_>>()
    };
    eventually(30, "the answer to reach the contact", || async {
        (!to("carla@acme.example").is_empty()).then_some(())
    })
    .await;
    for who in ["ana@msp.example", "lead@msp.example"] {
        let got = to(who);
        let subjects: Vec<&str> = got.iter().filter_map(|d| d.lines().find(|l| l.starts_with("Subject:"))).collect();
        assert_eq!(subjects.len(), 2, "{who}: {subjects:?}");
        assert!(subjects.iter().any(|s| s.contains("close to its SLA target")), "{who}: {subjects:?}");
        assert!(subjects.iter().any(|s| s.contains("missed its SLA target")), "{who}: {subjects:?}");
    }
    assert_eq!((about("sla_warning").len(), about("sla_breach").len()), (1, 1));
    let answer = to("carla@acme.example");
    assert_eq!(answer.len(), 1, "{answer:?}");
    assert!(answer[0].contains("On it.") && answer[0].contains(&format!("Ticket #{id}")), "{}", answer[0]);
    let (status, _) = admin
        .post(&format!("/api/v1/tickets/{id}/comments"), json!({ "body": "Internal: check RAID", "public": false }))
        .await;
    assert_eq!(status, 201);
    // A public answer after the note: once its mail has arrived and nothing more waits for the
    // contact, whatever the note would have sent has been sent too.
    let (status, _) =
        admin.post(&format!("/api/v1/tickets/{id}/comments"), json!({ "body": "Fixed.", "public": true })).await;
    assert_eq!(status, 201);
    eventually(30, "the second answer to reach the contact", || async {
        (to("carla@acme.example").len() >= 2 && waiting_mails(&server, "carla@acme.example") == 0).then_some(())
    })
    .await;
    let answers = to("carla@acme.example");
    assert_eq!(answers.len(), 2, "the two public answers only: {answers:?}");
    assert!(answers.iter().all(|m| !m.contains("check RAID")), "internal notes are not mailed to the client");
    assert!(answers[1].contains("Fixed."), "{}", answers[1]);
}

/// Mails to `recipient` the server has queued and not yet delivered or given up.
fn waiting_mails(server: &TestServer, recipient: &str) -> i64 {
    let conn =
        rusqlite::Connection::open_with_flags(server.db_path(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    conn.query_row(
        "SELECT count(*) FROM outbox WHERE recipient = ?1 AND delivered_at IS NULL AND failed_at IS NULL",
        [recipient],
        |r| r.get(0),
    )
    .unwrap()
}
