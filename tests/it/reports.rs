//! The reports through the API: SLA compliance per client for a month (met, breached, the breaches
//! listed) and time per technician and per client (billable and not), as JSON and as CSV files a
//! spreadsheet can open safely; bad parameters named; client contacts kept out.
//!
//! Tickets are put into a past month (March 2025) by moving their times back in the database, the
//! way an MSP's history looks a month later; a normal change through the API then has the server
//! replay the SLA clocks, so the breaches are found and recorded by the server itself.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Session, TestServer, add_client, open_ticket};

async fn technician(server: &TestServer, admin: &Session, name: &str) -> (i64, Session) {
    let email = format!("{}@msp.example", name.to_lowercase());
    let (status, u) = admin
        .post(
            "/api/v1/users",
            json!({ "email": email, "name": name, "role": "technician", "password": "technician-pass" }),
        )
        .await;
    assert_eq!(status, 201, "{u}");
    (u["id"].as_i64().unwrap(), Session::login(server, &email, "technician-pass").await)
}

fn unix(rfc3339: &str) -> i64 {
    rfc3339.parse::<jiff::Timestamp>().unwrap().as_second()
}

/// A GET that answers CSV: (status, content type, content disposition, body).
async fn csv(s: &Session, path: &str) -> (u16, String, String, String) {
    let res = s.client.get(format!("{}{path}", s.base)).send().await.expect("GET");
    let header = |name: &str| res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let (content_type, disposition) = (header("content-type"), header("content-disposition"));
    (res.status().as_u16(), content_type, disposition, res.text().await.unwrap())
}

fn lines(body: &str) -> Vec<&str> {
    assert!(body.is_empty() || body.ends_with("\r\n"), "CSV lines end with CRLF: {body:?}");
    body.split_terminator("\r\n").collect()
}

/// The field a 400 answer names.
async fn refused(s: &Session, path: &str) -> String {
    let (status, body) = s.get(path).await;
    assert_eq!(status, 400, "{path}: {body}");
    assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{body}");
    body["detail"]["field"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_sla_report_shows_each_clients_met_and_breached_clocks_lists_the_breaches_and_exports_csv() {
    // March 2025, on the default business calendar (Mon-Fri 08:00-17:00 UTC): the server's clock
    // starts on Monday the 3rd at 09:00 and is moved to each ticket's day.
    let server = TestServer::start_with_clock(
        unix("2025-03-03T09:00:00Z"),
        &[("STEWARD_AUTH__SESSION_IDLE", "60d"), ("STEWARD_AUTH__SESSION_TTL", "60d")],
    );
    let admin = server.admin().await;
    let acme = add_client(&admin, "Acme Dental").await;
    let beta = add_client(&admin, "Beta Bakery").await;
    let (tess, _) = technician(&server, &admin, "Tess").await;

    // Answered and resolved within minutes: both clocks met.
    let answered = open_ticket(&admin, json!({ "subject": "Printer jams", "priority": "P2", "client_id": acme })).await;
    let a = answered["id"].as_i64().unwrap();
    let (status, _) =
        admin.post(&format!("/api/v1/tickets/{a}/comments"), json!({ "body": "On it", "public": true })).await;
    assert_eq!(status, 201);
    let (_, now) = admin.get(&format!("/api/v1/tickets/{a}")).await;
    let (status, t) = admin
        .send(
            Method::PATCH,
            &format!("/api/v1/tickets/{a}"),
            json!({ "version": now["version"], "status": "resolved" }),
        )
        .await;
    assert_eq!(status, 200, "{t}");
    assert!(t["sla"]["first_response_met"].as_bool().unwrap() && t["sla"]["resolution_met"].as_bool().unwrap());
    // The next day, nobody answers; a subject a spreadsheet would run as a formula.
    server.advance(unix("2025-03-04T09:00:00Z") - server.now());
    let subject = "=HYPERLINK(\"http://evil.example\",\"Click\")";
    let ignored =
        open_ticket(&admin, json!({ "subject": subject, "priority": "P1", "client_id": acme, "assignee_id": tess }))
            .await;
    let b = ignored["id"].as_i64().unwrap();
    // Beta's one ticket, on the last day of the month, answered and resolved in time.
    server.advance(unix("2025-03-31T16:00:00Z") - server.now());
    let other = open_ticket(&admin, json!({ "subject": "New laptop", "priority": "P3", "client_id": beta })).await;
    let c = other["id"].as_i64().unwrap();
    let (status, _) =
        admin.send(Method::PATCH, &format!("/api/v1/tickets/{c}"), json!({ "version": 1, "status": "resolved" })).await;
    assert_eq!(status, 200);

    // The P1 had 30 minutes to answer and 4 hours to solve; a change shows its clocks replayed.
    let (status, t) = admin
        .send(Method::PATCH, &format!("/api/v1/tickets/{b}"), json!({ "version": 1, "category": "Network" }))
        .await;
    assert_eq!(status, 200, "{t}");
    assert!(t["sla"]["first_response_breached"].as_bool().unwrap(), "{}", t["sla"]);

    let (status, r) = admin.get("/api/v1/reports/sla?month=2025-03").await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        (r["month"].as_str(), r["from"].as_str(), r["to"].as_str()),
        (Some("2025-03"), Some("2025-03-01T00:00:00Z"), Some("2025-04-01T00:00:00Z"))
    );
    let clients = r["clients"].as_array().unwrap();
    let names: Vec<&str> = clients.iter().map(|c| c["client"].as_str().unwrap()).collect();
    assert_eq!(names, ["Acme Dental", "Beta Bakery"]);
    let row = &clients[0];
    assert_eq!((row["client_id"].as_i64(), row["tickets"].as_i64()), (Some(acme), Some(2)));
    let clock = json!({ "met": 1, "breached": 1, "running": 0, "percent_met": 50.0 });
    assert_eq!((&row["first_response"], &row["resolution"]), (&clock, &clock), "{row}");
    let breaches = row["breaches"].as_array().unwrap();
    let listed: Vec<(i64, &str)> =
        breaches.iter().map(|x| (x["ticket_id"].as_i64().unwrap(), x["clock"].as_str().unwrap())).collect();
    assert_eq!(listed, [(b, "first_response"), (b, "resolution")], "the answered ticket is not listed");
    assert_eq!(breaches[0]["due"], "2025-03-04T09:30:00Z");
    assert_eq!(breaches[1]["due"], "2025-03-04T13:00:00Z");
    assert_eq!((breaches[0]["subject"].as_str(), breaches[0]["priority"].as_str()), (Some(subject), Some("P1")));
    assert_eq!(breaches[0]["assignee"], "Tess");
    assert!(unix(breaches[0]["breached_at"].as_str().unwrap()) >= unix("2025-03-04T09:30:00Z"));
    let full = json!({ "met": 1, "breached": 0, "running": 0, "percent_met": 100.0 });
    assert_eq!((clients[1]["tickets"].as_i64(), &clients[1]["first_response"]), (Some(1), &full));
    assert_eq!(clients[1]["breaches"], json!([]));
    assert_eq!(r["totals"]["tickets"], 3);
    assert_eq!(r["totals"]["breaches"], 2);
    assert_eq!(r["totals"]["first_response"], json!({ "met": 2, "breached": 1, "running": 0, "percent_met": 66.7 }));

    // One client; a month without tickets; this month's report by default.
    let (_, only) = admin.get(&format!("/api/v1/reports/sla?month=2025-03&client_id={beta}")).await;
    assert_eq!(only["clients"].as_array().unwrap().len(), 1);
    assert_eq!(only["clients"][0]["client_id"], beta);
    let (_, quiet) = admin.get("/api/v1/reports/sla?month=2025-02").await;
    assert_eq!((quiet["clients"].as_array().unwrap().len(), quiet["totals"]["tickets"].as_i64()), (0, Some(0)));
    assert_eq!(quiet["totals"]["first_response"]["percent_met"], Value::Null, "nothing decided, no percentage");
    let (status, now) = admin.get("/api/v1/reports/sla").await;
    let this_month = jiff::Timestamp::from_second(server.now()).unwrap().to_string()[..7].to_owned();
    assert_eq!((status, now["month"].as_str()), (200, Some(this_month.as_str())));

    // The CSV: one row per client, then one row per breach with the formula defused.
    let (status, content_type, disposition, body) = csv(&admin, "/api/v1/reports/sla.csv?month=2025-03").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(content_type, "text/csv; charset=utf-8");
    assert_eq!(disposition, "attachment; filename=\"sla-2025-03.csv\"");
    assert_eq!(
        lines(&body),
        [
            "client,tickets,first response met,first response breached,first response running,first response % met,\
             resolution met,resolution breached,resolution running,resolution % met",
            "Acme Dental,2,1,1,0,50.0,1,1,0,50.0",
            "Beta Bakery,1,1,0,0,100.0,1,0,0,100.0",
        ]
    );
    let (status, _, disposition, body) = csv(&admin, "/api/v1/reports/sla.csv?month=2025-03&detail=breaches").await;
    assert_eq!((status, disposition.as_str()), (200, "attachment; filename=\"sla-breaches-2025-03.csv\""));
    let rows = lines(&body);
    assert_eq!(rows[0], "client,ticket,subject,priority,status,clock,due (UTC),breached at (UTC),assignee");
    assert_eq!(rows.len(), 3, "{body}");
    let defused = "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Click\"\")\"";
    assert!(
        rows[1].starts_with(&format!("Acme Dental,{b},{defused},P1,new,first response,2025-03-04 09:30:00,")),
        "{}",
        rows[1]
    );
    assert!(rows[1].ends_with(",Tess"), "{}", rows[1]);
    assert!(rows[2].contains(",resolution,2025-03-04 13:00:00,"), "{}", rows[2]);
    let (_, _, _, empty) = csv(&admin, "/api/v1/reports/sla.csv?month=2025-02").await;
    assert_eq!(lines(&empty).len(), 1, "a header row even with nothing under it");

    // Bad parameters are refused by name, on the JSON and the CSV routes alike.
    for (path, field) in [
        ("/api/v1/reports/sla?month=2025-13", "month"),
        ("/api/v1/reports/sla?month=March", "month"),
        ("/api/v1/reports/sla.csv?month=2025-3", "month"),
        ("/api/v1/reports/sla?client_id=acme", "client_id"),
        ("/api/v1/reports/sla.csv?detail=everything", "detail"),
    ] {
        assert_eq!(refused(&admin, path).await, field, "{path}");
    }
    // A client that does not exist is not found, named like a bad field.
    let (status, body) = admin.get("/api/v1/reports/sla.csv?client_id=99999").await;
    assert_eq!((status, body["detail"]["field"].as_str()), (404, Some("client_id")), "{body}");
    let (status, body) = admin.get("/api/v1/reports/sla?colour=red").await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("colour"), "{body}");
}

#[tokio::test]
async fn the_time_report_adds_up_billable_and_other_time_per_technician_and_client_and_exports_csv() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let acme = add_client(&admin, "Acme Dental").await;
    let beta = add_client(&admin, "Beta Bakery").await;
    let (tess_id, tess) = technician(&server, &admin, "Tess").await;
    let (bob_id, bob) = technician(&server, &admin, "Bob").await;
    let acme_ticket = open_ticket(&admin, json!({ "subject": "Server", "priority": "P3", "client_id": acme })).await;
    let beta_ticket = open_ticket(&admin, json!({ "subject": "Laptop", "priority": "P3", "client_id": beta })).await;
    let (at, bt) = (acme_ticket["id"].as_i64().unwrap(), beta_ticket["id"].as_i64().unwrap());
    for (who, ticket, minutes, billable, note, date) in [
        (&tess, at, 30, true, "Patched", "2025-03-03"),
        (&tess, at, 15, false, "=1+1", "2025-03-04"),
        (&tess, bt, 60, true, "Set up, \"new\" laptop", "2025-03-31"),
        (&bob, at, 45, true, "", "2025-03-01"),
        (&bob, bt, 10, false, "", "2025-03-15"),
        (&bob, bt, 99, true, "February", "2025-02-28"),
    ] {
        let body = json!({ "minutes": minutes, "billable": billable, "note": note, "date": date });
        let (status, e) = who.post(&format!("/api/v1/tickets/{ticket}/time"), body).await;
        assert_eq!(status, 201, "{e}");
    }

    let (status, r) = admin.get("/api/v1/reports/time?month=2025-03").await;
    assert_eq!(status, 200, "{r}");
    assert_eq!((r["from"].as_str(), r["to"].as_str()), (Some("2025-03-01"), Some("2025-03-31")));
    assert_eq!(
        r["technicians"],
        json!([
            { "user_id": bob_id, "technician": "Bob", "billable_minutes": 45, "non_billable_minutes": 10 },
            { "user_id": tess_id, "technician": "Tess", "billable_minutes": 90, "non_billable_minutes": 15 },
        ])
    );
    assert_eq!(
        r["clients"],
        json!([
            { "client_id": acme, "client": "Acme Dental", "billable_minutes": 75, "non_billable_minutes": 15 },
            { "client_id": beta, "client": "Beta Bakery", "billable_minutes": 60, "non_billable_minutes": 10 },
        ])
    );
    let matrix: Vec<(i64, i64, i64, i64)> = r["matrix"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let n = |k: &str| m[k].as_i64().unwrap();
            (n("user_id"), n("client_id"), n("billable_minutes"), n("non_billable_minutes"))
        })
        .collect();
    assert_eq!(matrix, [(bob_id, acme, 45, 0), (bob_id, beta, 0, 10), (tess_id, acme, 30, 15), (tess_id, beta, 60, 0)]);
    assert_eq!(r["totals"], json!({ "billable_minutes": 135, "non_billable_minutes": 25 }));

    // Any days, and one client's.
    let (_, days) = admin.get("/api/v1/reports/time?from=2025-03-01&to=2025-03-03").await;
    assert_eq!(days["totals"], json!({ "billable_minutes": 75, "non_billable_minutes": 0 }));
    let (_, one) = admin.get(&format!("/api/v1/reports/time?month=2025-03&client_id={beta}")).await;
    assert_eq!(one["totals"], json!({ "billable_minutes": 60, "non_billable_minutes": 10 }));
    assert_eq!(one["clients"].as_array().unwrap().len(), 1);

    let (status, content_type, disposition, body) =
        csv(&admin, "/api/v1/reports/time.csv?from=2025-03-01&to=2025-03-31&by=technician").await;
    assert_eq!((status, content_type.as_str()), (200, "text/csv; charset=utf-8"), "{body}");
    assert_eq!(disposition, "attachment; filename=\"time-by-technician-2025-03-01-to-2025-03-31.csv\"");
    assert_eq!(
        lines(&body),
        [
            "technician,billable minutes,non-billable minutes,total minutes,billable hours,non-billable hours,total hours",
            "Bob,45,10,55,0.75,0.17,0.92",
            "Tess,90,15,105,1.50,0.25,1.75",
        ]
    );
    let (_, _, _, body) = csv(&admin, "/api/v1/reports/time.csv?month=2025-03&by=client").await;
    assert_eq!(&lines(&body)[1..], ["Acme Dental,75,15,90,1.25,0.25,1.50", "Beta Bakery,60,10,70,1.00,0.17,1.17"]);
    let (_, _, disposition, body) = csv(&admin, "/api/v1/reports/time.csv?month=2025-03&by=entries").await;
    assert!(disposition.contains("time-by-entries-2025-03-01-to-2025-03-31.csv"), "{disposition}");
    let expected = vec![
        "date,technician,client,ticket,subject,minutes,billable,note".to_owned(),
        format!("2025-03-01,Bob,Acme Dental,{at},Server,45,yes,"),
        format!("2025-03-03,Tess,Acme Dental,{at},Server,30,yes,Patched"),
        format!("2025-03-04,Tess,Acme Dental,{at},Server,15,no,'=1+1"),
        format!("2025-03-15,Bob,Beta Bakery,{bt},Laptop,10,no,"),
        format!("2025-03-31,Tess,Beta Bakery,{bt},Laptop,60,yes,\"Set up, \"\"new\"\" laptop\""),
    ];
    assert_eq!(lines(&body), expected, "by day, the formula in a note defused, quotes doubled");

    for (path, field) in [
        ("/api/v1/reports/time?from=2025-03-31&to=2025-03-01", "from"),
        ("/api/v1/reports/time?from=2024-01-01&to=2025-03-01", "to"),
        ("/api/v1/reports/time?from=2025-02-30&to=2025-03-01", "from"),
        ("/api/v1/reports/time?from=2025-03-01", "to"),
        ("/api/v1/reports/time?month=2025-3", "month"),
        ("/api/v1/reports/time?month=2025-03&from=2025-03-01&to=2025-03-02", "month"),
        ("/api/v1/reports/time.csv?month=2025-03&by=week", "by"),
        ("/api/v1/reports/time.csv?to=yesterday&from=2025-03-01", "to"),
    ] {
        assert_eq!(refused(&admin, path).await, field, "{path}");
    }
}

#[tokio::test]
async fn client_contacts_cannot_read_reports() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let acme = add_client(&admin, "Acme Dental").await;
    let (status, u) = admin
        .post(
            "/api/v1/users",
            json!({ "email": "carl@acme.example", "name": "Carl", "role": "client", "client_id": acme, "password": "client-contact-pass" }),
        )
        .await;
    assert_eq!(status, 201, "{u}");
    let carl = Session::login(&server, "carl@acme.example", "client-contact-pass").await;
    for path in [
        "/api/v1/reports/sla".to_owned(),
        format!("/api/v1/reports/sla.csv?client_id={acme}"),
        "/api/v1/reports/time".to_owned(),
        format!("/api/v1/reports/time.csv?client_id={acme}&by=entries"),
    ] {
        let (status, body) = carl.get(&path).await;
        assert_eq!(status, 403, "{path}: {body}");
        assert!(body["error"].as_str().unwrap().contains("staff"), "{body}");
    }
}
