//! The rule engine end to end: real agents, a real server, and a webhook receiver on loopback.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{Receiver, Session, TestAgent, TestServer, client_and_token, eventually, free_port};

async fn webhook_channel(admin: &Session, url: &str) {
    let (status, body) =
        admin.post("/api/v1/channels", json!({ "name": "Ops hook", "kind": "webhook", "target": url })).await;
    assert_eq!(status, 201, "{body}");
}

/// Enrolls and starts an agent for a new client; waits until its device is online with a root disk.
async fn online_device(server: &TestServer, admin: &Session, client: &str) -> (TestAgent, i64, Value) {
    let (_, token) = client_and_token(admin, client, json!({})).await;
    let mut agent = TestAgent::enroll_as(server, token["token"].as_str().unwrap(), &format!("test-machine-{client}"));
    agent.start("1s");
    let id = agent.device_id();
    let d = eventually(30, "the device to report its root filesystem", || async {
        let (_, d) = admin.get(&format!("/api/v1/devices/{id}")).await;
        let disks = d["latest"]["disks"].as_array()?;
        disks.iter().any(|x| x["mount"] == "/").then_some(d)
    })
    .await;
    (agent, id, d)
}

fn root_used_pct(device: &Value) -> f64 {
    let disks = device["latest"]["disks"].as_array().unwrap();
    let root = disks.iter().find(|x| x["mount"] == "/").unwrap();
    root["used_pct"].as_f64().unwrap()
}

async fn alerts_of(admin: &Session, query: &str) -> Vec<Value> {
    let (status, page) = admin.get(&format!("/api/v1/alerts?{query}")).await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

/// Adds a rule for one device: root disk used above `level` %, held for `hold` seconds.
async fn root_disk_rule(admin: &Session, device_id: i64, name: &str, level: f64, hold: u64) -> i64 {
    let (status, rule) = admin
        .post(
            "/api/v1/rules",
            json!({
                "name": name,
                "scope": { "scope": "device", "device_id": device_id },
                "condition": { "kind": "threshold", "metric": "disk_used_pct", "warning": level, "subject": "/" },
                "hold": format!("{hold}s"),
            }),
        )
        .await;
    assert_eq!(status, 201, "{rule}");
    rule["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_disk_rule_below_the_current_usage_alerts_once_and_recovers_once() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let hook = Receiver::start().await;
    webhook_channel(&admin, &hook.url).await;
    let (_agent, device_id, d) = online_device(&server, &admin, "Acme Dental").await;
    let used = root_used_pct(&d);
    let level = (used - 1.0).max(0.0).floor();

    // A rule for this one device, overriding the shipped global disk rule.
    let rule_id = root_disk_rule(&admin, device_id, "Root disk (test)", level, 0).await;

    let alert = eventually(30, "the disk alert to open", || async {
        alerts_of(&admin, &format!("state=open&rule_id={rule_id}")).await.into_iter().next()
    })
    .await;
    assert_eq!(alert["device_id"], device_id);
    assert_eq!(alert["severity"], "warning");
    assert_eq!(alert["subject"], "/");
    assert_eq!(alert["client"], "Acme Dental");
    let alert_id = alert["id"].as_i64().unwrap();
    let opened = eventually(30, "the webhook to get the alert", || async {
        let got = hook.about(alert_id, "opened");
        (!got.is_empty()).then_some(got)
    })
    .await;
    let payload = &opened[0];
    assert_eq!(payload["client"], "Acme Dental");
    assert_eq!(payload["threshold"].as_f64(), Some(level));
    assert!(payload["value"].as_f64().unwrap() > level, "{payload}");
    assert!(payload["link"].as_str().unwrap().contains(&format!("/#/alerts/{alert_id}")), "{payload}");

    // More check-ins while it holds: the same alert, no new notice.
    let first_seq = d["last_seq"].as_i64().unwrap();
    eventually(30, "three more check-ins", || async {
        let (_, d) = admin.get(&format!("/api/v1/devices/{device_id}")).await;
        (d["last_seq"].as_i64()? > first_seq + 3).then_some(())
    })
    .await;
    assert_eq!(alerts_of(&admin, &format!("rule_id={rule_id}&state=all")).await.len(), 1);
    assert_eq!(hook.about(alert_id, "opened").len(), 1, "one notice for one alert");

    // Raise the level out of reach: the alert resolves at the next check-in and says so once.
    let (status, body) = admin
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/rules/{rule_id}"),
            json!({ "condition": { "kind": "threshold", "metric": "disk_used_pct", "warning": 100, "subject": "/" } }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    eventually(30, "the alert to resolve", || async {
        let (_, a) = admin.get(&format!("/api/v1/alerts/{alert_id}")).await;
        (a["state"] == "resolved").then_some(())
    })
    .await;
    eventually(30, "the recovery notice", || async { (!hook.about(alert_id, "resolved").is_empty()).then_some(()) })
        .await;
    let later = {
        let (_, d) = admin.get(&format!("/api/v1/devices/{device_id}")).await;
        d["last_seq"].as_i64().unwrap()
    };
    eventually(30, "three more check-ins", || async {
        let (_, d) = admin.get(&format!("/api/v1/devices/{device_id}")).await;
        (d["last_seq"].as_i64()? > later + 3).then_some(())
    })
    .await;
    assert_eq!(hook.about(alert_id, "resolved").len(), 1, "one recovery notice");
    assert_eq!(hook.about(alert_id, "opened").len(), 1);
    let (_, detail) = admin.get(&format!("/api/v1/alerts/{alert_id}")).await;
    let kinds: Vec<&str> = detail["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["opened", "resolved"], "{detail}");
}

#[tokio::test]
async fn killing_the_agent_opens_an_offline_alert_and_starting_it_resolves_it() {
    // The server's clock moves past `offline_after` (3 minutes) once the agent is gone.
    let server = TestServer::start_with_clock(jiff::Timestamp::now().as_second(), &[]);
    let admin = server.admin().await;
    let (mut agent, device_id, _) = online_device(&server, &admin, "Bakery").await;
    assert!(alerts_of(&admin, &format!("device_id={device_id}&state=open")).await.is_empty());

    agent.kill();
    server.advance(170);
    assert!(alerts_of(&admin, &format!("device_id={device_id}&state=open")).await.is_empty(), "not offline yet");
    server.advance(20);
    let alert = eventually(5, "an offline alert", || async {
        alerts_of(&admin, &format!("device_id={device_id}&state=open"))
            .await
            .into_iter()
            .find(|a| a["rule_name"] == "Device offline")
    })
    .await;
    assert_eq!(alert["severity"], "warning");
    let (_, d) = admin.get(&format!("/api/v1/devices/{device_id}")).await;
    assert_eq!(d["online"], false, "the alert follows the device's own offline mark");

    agent.start("1s");
    let alert_id = alert["id"].as_i64().unwrap();
    eventually(30, "the offline alert to resolve", || async {
        let (_, a) = admin.get(&format!("/api/v1/alerts/{alert_id}")).await;
        (a["state"] == "resolved").then_some(())
    })
    .await;
    let all = alerts_of(&admin, &format!("device_id={device_id}&state=all")).await;
    assert_eq!(all.iter().filter(|a| a["rule_name"] == "Device offline").count(), 1, "{all:?}");
}

/// The hold's start as the server stored it for this rule, if a hold runs.
fn stored_hold_start(server: &TestServer, rule_id: i64) -> Option<i64> {
    let conn =
        rusqlite::Connection::open_with_flags(server.db_path(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
    conn.busy_timeout(Duration::from_secs(5)).ok()?;
    let json: String =
        conn.query_row("SELECT state_json FROM rule_state WHERE rule_id = ?1", [rule_id], |r| r.get(0)).ok()?;
    serde_json::from_str::<Value>(&json).ok()?["warn_since"].as_i64()
}

fn unix(rfc3339: &str) -> i64 {
    let t: jiff::Timestamp = rfc3339.parse().unwrap();
    t.as_second()
}

/// Sends one report of a device whose root filesystem is 90 % full, collected `at`.
async fn report_root_90(server: &TestServer, credential: &str, seq: u64, at: i64) {
    let fs = json!([{ "mount": "/", "fs_type": "ext4", "device": "/dev/sda1",
                      "total_bytes": 100_000_000_000u64, "used_bytes": 90_000_000_000u64, "available_bytes": 10_000_000_000u64 }]);
    let body = json!({ "agent_version": "test", "reports": [{ "seq": seq, "collected_at": at, "metrics": {
        "cpu_pct": 1.0, "cpu_count": 1, "mem_total_bytes": 10, "mem_used_bytes": 5, "mem_available_bytes": 5,
        "swap_total_bytes": 0, "swap_used_bytes": 0, "load1": 0.0, "load5": 0.0, "load15": 0.0, "uptime_secs": 1,
        "filesystems": fs, "network": [], "temperatures": [], "top_cpu": [], "top_mem": [] } }] });
    let res = crate::common::http_client()
        .post(format!("{}/agent/v1/checkin", server.url))
        .bearer_auth(credential)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "check-in {seq}: {}", res.text().await.unwrap_or_default());
}

#[tokio::test]
async fn a_server_restart_in_the_middle_of_a_hold_fires_on_time_and_once() {
    // The server runs in this process on a manual clock and is stopped and started again on the
    // same data folder and address; the device (enrolled by the real agent) reports what the
    // test sends, collected at the server's time, so a half-hour hold passes in moments. (The
    // agent spooling while the server is down is `fleet`'s and `durability`'s to show.)
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    let listen = format!("127.0.0.1:{}", free_port());
    let start = jiff::Timestamp::now().as_second();
    let server = TestServer::start_with_clock_at(&data, &listen, start, &[]);
    let admin = server.admin().await;
    let (_, token) = client_and_token(&admin, "Clinic", json!({})).await;
    let agent = TestAgent::enroll_as(&server, token["token"].as_str().unwrap(), "test-machine-Clinic");
    let (device_id, credential) = (agent.device_id(), agent.credential());
    let hold = 1800;
    let rule_id = root_disk_rule(&admin, device_id, "Root disk with a hold", 80.0, hold as u64).await;
    let query = format!("rule_id={rule_id}&state=all");
    let alerts = || alerts_of(&admin, &query);

    report_root_90(&server, &credential, 1, server.now()).await;
    let since = stored_hold_start(&server, rule_id).expect("the first reading over the level starts the hold");
    assert_eq!(since, start);
    // A third into the hold: nothing yet.
    server.advance(hold / 3);
    report_root_90(&server, &credential, 2, server.now()).await;
    assert!(alerts().await.is_empty(), "not yet: the hold runs");

    // Down, and back five minutes later by its clock: the hold carries on from where it was.
    drop(server);
    let restarted = start + hold / 3 + 300;
    let server = TestServer::start_with_clock_at(&data, &listen, restarted, &[]);
    assert_eq!(stored_hold_start(&server, rule_id), Some(since), "the hold carries on from where it was");
    report_root_90(&server, &credential, 3, server.now()).await;
    // Sessions are stored: the admin's session carries on across the restart.
    assert!(alerts().await.is_empty(), "the hold still runs");

    // It runs out where it began plus its length, not a full hold after the restart.
    server.advance(since + hold - 1 - restarted);
    report_root_90(&server, &credential, 4, server.now()).await;
    assert!(alerts().await.is_empty(), "a second before the hold ends");
    server.advance(1);
    report_root_90(&server, &credential, 5, server.now()).await;
    let opened: Vec<i64> = alerts().await.iter().map(|a| unix(a["opened_at"].as_str().unwrap())).collect();
    assert_eq!(opened, [since + hold], "opened as the hold ran out, not {restarted} + {hold}");
    // More readings, later still: the same alert, not a second one.
    for seq in 6..9 {
        server.advance(60);
        report_root_90(&server, &credential, seq, server.now()).await;
    }
    assert_eq!(alerts().await.len(), 1, "one alert, not two");
}

#[tokio::test]
async fn watched_processes_alert_when_missing_and_not_when_running() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (_agent, device_id, _) = online_device(&server, &admin, "Dentist").await;
    for name in ["steward", "no-such-daemon"] {
        let (status, body) = admin
            .post(
                "/api/v1/rules",
                json!({ "name": format!("{name} running"), "scope": { "scope": "device", "device_id": device_id },
                        "condition": { "kind": "process", "name": name } }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let alert = eventually(30, "an alert for the missing process", || async {
        alerts_of(&admin, &format!("device_id={device_id}&state=open"))
            .await
            .into_iter()
            .find(|a| a["rule_name"] == "no-such-daemon running")
    })
    .await;
    assert_eq!(alert["severity"], "critical");
    assert!(alert["summary"].as_str().unwrap().contains("no-such-daemon is not running"), "{alert}");
    let open = alerts_of(&admin, &format!("device_id={device_id}&state=open")).await;
    assert!(
        !open.iter().any(|a| a["rule_name"] == "steward running"),
        "the agent itself runs, so no alert for it: {open:?}"
    );
}

#[tokio::test]
async fn rules_are_validated_naming_the_field_and_nothing_is_stored() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (_, before) = admin.get("/api/v1/rules?limit=500").await;
    let count = before["items"].as_array().unwrap().len();
    assert!(count >= 7, "the shipped defaults are there: {before}");
    let kinds: Vec<&str> =
        before["items"].as_array().unwrap().iter().map(|r| r["condition"]["kind"].as_str().unwrap()).collect();
    for k in ["offline", "threshold", "disk_forecast", "smart", "security_updates"] {
        assert!(kinds.contains(&k), "a default {k} rule: {kinds:?}");
    }
    let cases = [
        (json!({ "name": "", "condition": { "kind": "smart" } }), "name"),
        (json!({ "name": "x", "condition": { "kind": "nope" } }), "condition"),
        (
            json!({ "name": "x", "condition": { "kind": "threshold", "metric": "cpu_pct", "warning": 150 } }),
            "condition.warning",
        ),
        (
            json!({ "name": "x", "condition": { "kind": "threshold", "metric": "cpu_pct", "warning": 90, "critical": 80 } }),
            "condition.critical",
        ),
        (json!({ "name": "x", "condition": { "kind": "smart" }, "hold": "soon" }), "hold"),
    ];
    for (body, field) in cases {
        let (status, answer) = admin.post("/api/v1/rules", body.clone()).await;
        assert_eq!(status, 400, "{body} -> {answer}");
        assert_eq!(answer["detail"]["field"], field, "{body} -> {answer}");
        assert!(answer["error"].as_str().unwrap().ends_with('.'), "a sentence: {answer}");
    }
    // A scope naming a row that does not exist is a 404 that names the field.
    let body =
        json!({ "name": "x", "condition": { "kind": "smart" }, "scope": { "scope": "client", "client_id": 999 } });
    let (status, answer) = admin.post("/api/v1/rules", body.clone()).await;
    assert_eq!(status, 404, "{body} -> {answer}");
    assert_eq!(answer["detail"]["field"], "scope.client_id", "{body} -> {answer}");
    assert_eq!(answer["error"], "There is no client with id 999.");
    let (_, after) = admin.get("/api/v1/rules?limit=500").await;
    assert_eq!(after["items"].as_array().unwrap().len(), count, "nothing stored");
}

#[tokio::test]
async fn preview_shows_which_devices_a_rule_reaches_and_which_alert_now() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (_agent, device_id, d) = online_device(&server, &admin, "Law Office").await;
    let used = root_used_pct(&d);
    let draft = |level: f64| {
        json!({ "name": "draft", "scope": { "scope": "device", "device_id": device_id },
                "condition": { "kind": "threshold", "metric": "disk_used_pct", "warning": level, "subject": "/" } })
    };
    let (status, p) = admin.post("/api/v1/rules/preview", draft((used - 1.0).max(0.0).floor())).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["devices"], 1);
    assert_eq!(p["alerting"], 1, "{p}");
    assert_eq!(p["items"][0]["now"][0]["level"], "warning");
    let (_, p) = admin.post("/api/v1/rules/preview", draft(100.0)).await;
    assert_eq!(p["alerting"], 0, "{p}");
    // A second global CPU rule would not apply: the shipped one is as broad and older.
    let (_, g) = admin
        .post(
            "/api/v1/rules/preview",
            json!({ "name": "global draft", "condition": { "kind": "threshold", "metric": "cpu_pct", "warning": 99 } }),
        )
        .await;
    assert_eq!((g["devices"].as_i64(), g["shadowed"].as_i64()), (Some(0), Some(1)), "{g}");
    assert_eq!(g["items"][0]["shadowed_by"], "CPU saturated");
    // Nothing was saved by previews.
    let (_, rules) = admin.get("/api/v1/rules?q=draft").await;
    assert!(rules["items"].as_array().unwrap().is_empty(), "{rules}");
}

#[tokio::test]
async fn alerts_are_acknowledged_one_by_one_or_in_bulk_and_clients_see_only_their_own() {
    let server = TestServer::start_with_clock(jiff::Timestamp::now().as_second(), &[]);
    let admin = server.admin().await;
    let (mut a1, dev1, _) = online_device(&server, &admin, "First Co").await;
    let (mut a2, dev2, _) = online_device(&server, &admin, "Second Co").await;
    a1.kill();
    a2.kill();
    server.advance(200);
    let open = eventually(5, "two offline alerts", || async {
        let open = alerts_of(&admin, "state=open").await;
        (open.len() >= 2).then_some(open)
    })
    .await;
    let ids: Vec<i64> = open.iter().map(|a| a["id"].as_i64().unwrap()).collect();
    let first = open.iter().find(|a| a["device_id"] == dev1).unwrap()["id"].as_i64().unwrap();

    let (status, a) = admin.post(&format!("/api/v1/alerts/{first}/acknowledge"), json!({})).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["state"], "acknowledged");
    assert_eq!(a["acknowledged_by"], "Administrator", "who acknowledged, by name");
    let (status, again) = admin.post(&format!("/api/v1/alerts/{first}/acknowledge"), json!({})).await;
    assert_eq!(status, 409, "{again}");
    assert_eq!(alerts_of(&admin, "state=unacknowledged").await.len(), ids.len() - 1);

    let (status, bulk) = admin.post("/api/v1/alerts/acknowledge", json!({ "ids": ids })).await;
    assert_eq!(status, 200, "{bulk}");
    assert_eq!(bulk["changed"].as_array().unwrap().len(), ids.len() - 1, "only those still open change");
    assert!(alerts_of(&admin, "state=unacknowledged").await.is_empty());
    let (_, counts) = admin.get("/api/v1/alerts/counts").await;
    assert_eq!(counts["unacknowledged"], 0);
    assert_eq!(counts["warning"].as_i64().unwrap() + counts["critical"].as_i64().unwrap(), ids.len() as i64);

    // A client contact of the second company sees its alert only.
    let second_client = open.iter().find(|a| a["device_id"] == dev2).unwrap()["client_id"].as_i64().unwrap();
    let (status, user) = admin
        .post(
            "/api/v1/users",
            json!({ "email": "boss@second.example", "role": "client", "client_id": second_client, "password": "a long enough password" }),
        )
        .await;
    assert_eq!(status, 201, "{user}");
    let contact = Session::login(&server, "boss@second.example", "a long enough password").await;
    let (_, theirs) = contact.get("/api/v1/alerts?state=all").await;
    let theirs = theirs["items"].as_array().unwrap();
    assert!(!theirs.is_empty());
    assert!(theirs.iter().all(|a| a["client_id"] == second_client), "{theirs:?}");
    let (status, _) = contact.get(&format!("/api/v1/alerts/{first}")).await;
    assert_eq!(status, 404, "another company's alert is not found");
    let (status, _) = contact.post("/api/v1/alerts/acknowledge", json!({ "ids": [first] })).await;
    assert_eq!(status, 403);
    let (status, bad) = admin.get("/api/v1/alerts?state=sleeping").await;
    assert_eq!(status, 400);
    assert_eq!(bad["detail"]["field"], "state");
}

#[tokio::test]
async fn a_maintenance_window_silences_and_what_is_still_wrong_after_it_is_judged_fresh() {
    // A manual clock, and reports the test sends (collected at the server's time), so that hours
    // of window and a ten-minute hold pass at once and the alert's time is exact.
    let server = TestServer::start_with_clock(jiff::Timestamp::now().as_second(), &[]);
    let admin = server.admin().await;
    let hook = Receiver::start().await;
    webhook_channel(&admin, &hook.url).await;
    let (_, token) = client_and_token(&admin, "Architects", json!({})).await;
    let agent = TestAgent::enroll_as(&server, token["token"].as_str().unwrap(), "test-machine-Architects");
    let (device_id, credential) = (agent.device_id(), agent.credential());
    let local = |t: i64| jiff::Timestamp::from_second(t).unwrap().strftime("%Y-%m-%dT%H:%M").to_string();
    let (status, window) = admin
        .post(
            "/api/v1/maintenance-windows",
            json!({
                "name": "Patch night",
                "scope": "device",
                "device_id": device_id,
                "timezone": "UTC",
                "schedule": { "kind": "once", "starts": local(server.now() - 3600), "ends": local(server.now() + 7200) },
            }),
        )
        .await;
    assert_eq!(status, 201, "{window}");
    assert_eq!(window["active"], true, "{window}");
    let hold = 600;
    let rule_id = root_disk_rule(&admin, device_id, "Root disk during maintenance", 80.0, hold as u64).await;
    let mut seq = 0;
    // Time passes with a report at least every two minutes, so the device stays online.
    let mut pass = async |seconds: i64| {
        let mut left = seconds;
        loop {
            seq += 1;
            report_root_90(&server, &credential, seq, server.now()).await;
            if left == 0 {
                break;
            }
            let step = left.min(120);
            server.advance(step);
            left -= step;
        }
    };

    // Well past the hold inside the window: nothing fires, no hold even runs.
    pass(2 * hold).await;
    assert!(alerts_of(&admin, &format!("rule_id={rule_id}&state=all")).await.is_empty(), "silenced");
    assert_eq!(stored_hold_start(&server, rule_id), None, "no hold runs inside a window");

    // The window ends: the disk is still over the level, so it is judged fresh: after the hold.
    let window_id = window["id"].as_i64().unwrap();
    let (status, _) =
        admin.send(reqwest::Method::DELETE, &format!("/api/v1/maintenance-windows/{window_id}"), json!({})).await;
    assert_eq!(status, 204);
    let ended = server.now();
    pass(hold - 1).await;
    assert!(alerts_of(&admin, &format!("rule_id={rule_id}&state=all")).await.is_empty(), "not at once");
    pass(1).await;
    let open = alerts_of(&admin, &format!("rule_id={rule_id}&state=open")).await;
    let opened: Vec<i64> = open.iter().map(|a| unix(a["opened_at"].as_str().unwrap())).collect();
    assert_eq!(opened, [ended + hold], "a full hold after the window");
    let alert_id = open[0]["id"].as_i64().unwrap();
    eventually(30, "one notice", || async { (!hook.about(alert_id, "opened").is_empty()).then_some(()) }).await;
    pass(60).await;
    assert_eq!(alerts_of(&admin, "state=all").await.len(), 1, "nothing else opened meanwhile");
    assert_eq!(hook.bodies.lock().unwrap().iter().filter(|b| b["event"] == "opened").count(), 1, "no flood");
}

#[tokio::test]
async fn an_unacknowledged_alert_is_told_again_after_its_interval_and_an_acknowledged_one_is_not() {
    // The server's clock moves an hour at a time; the device stays online meanwhile.
    let server = TestServer::start_with_clock(
        jiff::Timestamp::now().as_second(),
        &[
            ("STEWARD_MONITORING__OFFLINE_AFTER", "1d"),
            ("STEWARD_AUTH__SESSION_IDLE", "1d"),
            ("STEWARD_AUTH__SESSION_TTL", "2d"),
        ],
    );
    let admin = server.admin().await;
    let hook = Receiver::start().await;
    webhook_channel(&admin, &hook.url).await;
    let (_agent, device_id, _) = online_device(&server, &admin, "Vets").await;
    // Two alerts reminded every hour: one will be acknowledged; the other, left alone, shows
    // when the reminder timer has looked at the alerts again.
    let mut alerts = Vec::new();
    for (name, process) in [("Needed daemon", "no-such-daemon"), ("Other daemon", "no-such-other-daemon")] {
        let (status, rule) = admin
            .post(
                "/api/v1/rules",
                json!({ "name": name, "scope": { "scope": "device", "device_id": device_id },
                        "condition": { "kind": "process", "name": process }, "renotify": "1h" }),
            )
            .await;
        assert_eq!(status, 201, "{rule}");
        let alert = eventually(30, "the alert", || async {
            alerts_of(&admin, &format!("rule_id={}&state=open", rule["id"])).await.into_iter().next()
        })
        .await;
        alerts.push(alert["id"].as_i64().unwrap());
    }
    let (id, other) = (alerts[0], alerts[1]);
    server.advance(3600);
    eventually(10, "a reminder", || async { (!hook.about(id, "renotify").is_empty()).then_some(()) }).await;
    let reminder = &hook.about(id, "renotify")[0];
    assert!(reminder["title"].as_str().unwrap().contains("still unresolved"), "{reminder}");

    let (status, _) = admin.post(&format!("/api/v1/alerts/{id}/acknowledge"), json!({})).await;
    assert_eq!(status, 200);
    let (_, detail) = admin.get(&format!("/api/v1/alerts/{id}")).await;
    let acked_at = unix(detail["acknowledged_at"].as_str().unwrap());
    // Each reminder carries the second its timer tick made it; one made after the
    // acknowledgement's second was made by a tick that ran after it.
    let after_ack = |alert: i64| -> Vec<Value> {
        hook.about(alert, "renotify").into_iter().filter(|b| unix(b["at"].as_str().unwrap()) > acked_at).collect()
    };
    for hour in 1..=2 {
        server.advance(3600);
        eventually(10, "a reminder of the other alert made after the acknowledgement", || async {
            (after_ack(other).len() >= hour).then_some(())
        })
        .await;
    }
    assert_eq!(after_ack(id), Vec::<Value>::new(), "no reminders once someone is on it");
    let (_, detail) = admin.get(&format!("/api/v1/alerts/{id}")).await;
    let late: Vec<&Value> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "notified" && unix(e["at"].as_str().unwrap()) > acked_at)
        .collect();
    assert!(late.is_empty(), "no reminder recorded after the acknowledgement: {late:?}");
}

async fn tickets_of_device(admin: &Session, device_id: i64) -> Vec<Value> {
    let (status, page) = admin.get(&format!("/api/v1/tickets?device_id={device_id}&status=all")).await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

async fn ticket(admin: &Session, id: i64) -> Value {
    let (status, t) = admin.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(status, 200, "{t}");
    t
}

/// Sets a device's process rule to watch `name` at `severity`.
async fn watch(admin: &Session, rule_id: i64, name: &str, severity: &str) {
    let (status, body) = admin
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/rules/{rule_id}"),
            json!({ "condition": { "kind": "process", "name": name, "severity": severity } }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn an_alert_opens_one_ticket_routed_and_assigned_that_follows_it_and_recovery_resolves_it_unless_worked() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (_agent, device_id, device) = online_device(&server, &admin, "Opticians").await;
    let client_id = device["client_id"].as_i64().unwrap();

    // The service desk: two technicians in a round-robin queue, and a rule sending this client's
    // monitoring tickets there.
    let mut techs = Vec::new();
    for who in ["ana", "ben"] {
        let (status, u) = admin
            .post(
                "/api/v1/users",
                json!({ "email": format!("{who}@msp.example"), "name": who, "role": "technician",
                        "password": "correct horse battery staple" }),
            )
            .await;
        assert_eq!(status, 201, "{u}");
        techs.push(u["id"].as_i64().unwrap());
    }
    let (status, queue) = admin
        .post("/api/v1/queues", json!({ "name": "Monitoring", "assignment": "round_robin", "member_ids": techs }))
        .await;
    assert_eq!(status, 201, "{queue}");
    let queue_id = queue["id"].as_i64().unwrap();
    let (status, route) = admin
        .post(
            "/api/v1/routing-rules",
            json!({ "name": "Opticians' alerts", "client_id": client_id, "source": "alert", "queue_id": queue_id }),
        )
        .await;
    assert_eq!(status, 201, "{route}");
    let (status, rule) = admin
        .post(
            "/api/v1/rules",
            json!({ "name": "Backup daemon", "scope": { "scope": "device", "device_id": device_id },
                    "condition": { "kind": "process", "name": "no-such-backupd", "severity": "warning" } }),
        )
        .await;
    assert_eq!(status, 201, "{rule}");
    let rule_id = rule["id"].as_i64().unwrap();

    // The alert opens one ticket: from the alert, for this device, priority from severity.
    let t = eventually(30, "a ticket for the alert", || async {
        tickets_of_device(&admin, device_id).await.into_iter().next()
    })
    .await;
    let id = t["id"].as_i64().unwrap();
    assert_eq!(
        (t["source"].as_str(), t["priority"].as_str(), t["device_id"].as_i64()),
        (Some("alert"), Some("P3"), Some(device_id)),
        "{t}"
    );
    let alert = alerts_of(&admin, &format!("rule_id={rule_id}&state=open")).await.remove(0);
    assert_eq!(alert["ticket_id"].as_i64(), Some(id), "the alert links its ticket");
    assert_eq!(ticket(&admin, id).await["alert_id"].as_i64(), alert["id"].as_i64());
    assert!(ticket(&admin, id).await["description"].as_str().unwrap().contains("The device when the alert opened"));
    // Routed by the rule into the queue and assigned to the first technician in turn, with its
    // SLA clocks running.
    let routed = ticket(&admin, id).await;
    assert_eq!(
        (routed["queue_id"].as_i64(), routed["assignee_id"].as_i64()),
        (Some(queue_id), Some(techs[0])),
        "{routed}"
    );
    assert!(routed["sla"]["first_response_due"].is_string() && routed["sla"]["resolution_due"].is_string(), "{routed}");
    let timeline = routed["timeline"].to_string();
    assert!(timeline.contains("routed") && timeline.contains("Opticians' alerts"), "{timeline}");

    // A severity change comments on the same ticket and raises its priority; no second ticket.
    watch(&admin, rule_id, "no-such-backupd", "critical").await;
    eventually(30, "the ticket to follow the severity", || async {
        (ticket(&admin, id).await["priority"] == "P2").then_some(())
    })
    .await;
    let timeline = ticket(&admin, id).await["timeline"].to_string();
    assert!(timeline.contains("The alert is now critical"), "{timeline}");
    assert_eq!(tickets_of_device(&admin, device_id).await.len(), 1, "one ticket per alert");

    // Recovery resolves it, since nobody worked it.
    watch(&admin, rule_id, "steward", "critical").await;
    eventually(30, "the ticket to resolve itself", || async {
        (ticket(&admin, id).await["status"] == "resolved").then_some(())
    })
    .await;
    assert!(ticket(&admin, id).await["timeline"].to_string().contains("Resolved automatically"));

    // A second problem (another rule), and this time a technician answers on the ticket first.
    let (status, other) = admin
        .post(
            "/api/v1/rules",
            json!({ "name": "Sync daemon", "scope": { "scope": "device", "device_id": device_id },
                    "condition": { "kind": "process", "name": "no-such-syncd", "severity": "warning" } }),
        )
        .await;
    assert_eq!(status, 201, "{other}");
    let other_id = other["id"].as_i64().unwrap();
    let second = eventually(30, "a second ticket", || async {
        tickets_of_device(&admin, device_id).await.into_iter().find(|t| t["id"].as_i64() != Some(id))
    })
    .await;
    let second_id = second["id"].as_i64().unwrap();
    assert_eq!(second["assignee_id"].as_i64(), Some(techs[1]), "round-robin: the next technician in turn");
    let (status, body) = admin
        .post(&format!("/api/v1/tickets/{second_id}/comments"), json!({ "body": "Looking into it.", "public": true }))
        .await;
    assert!(status == 200 || status == 201, "{status} {body}");
    watch(&admin, other_id, "steward", "warning").await;
    eventually(30, "the cleared note", || async {
        ticket(&admin, second_id).await["timeline"].to_string().contains("The condition cleared").then_some(())
    })
    .await;
    assert_ne!(
        ticket(&admin, second_id).await["status"],
        "resolved",
        "a worked ticket is not resolved for the technician"
    );
    assert_eq!(tickets_of_device(&admin, device_id).await.len(), 2);
}
