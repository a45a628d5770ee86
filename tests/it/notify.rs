//! Notifications: channels are checked at the edge, test notices travel through the outbox to
//! real receivers on loopback (a tiny HTTP server and a tiny SMTP server written here), survive a
//! receiver outage and a server restart exactly once, reach the in-app bell, and the SMTP settings
//! follow an edit of the config file without a restart.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::browser::Browser;
use crate::common::{Session, TestServer, eventually, free_port, start_smtp_sink};

/// Retries come quickly in tests: at most a second apart.
const FAST_RETRIES: (&str, &str) = ("STEWARD_NOTIFICATIONS__MAX_BACKOFF", "1s");

/// What a webhook receiver got: the `X-Steward-Delivery` header and the JSON body, per request.
type Received = Arc<Mutex<Vec<(String, Value)>>>;

/// A minimal HTTP receiver on `port`: one request per connection, answered 200, recorded. The
/// connections are served inline, so aborting the task stops the receiver entirely.
fn start_receiver(port: u16, received: Received) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind the receiver's port");
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let mut reader = BufReader::new(stream);
            let mut headers = HashMap::new();
            let mut line = String::new();
            if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                continue;
            }
            loop {
                line.clear();
                if reader.read_line(&mut line).await.unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
                }
            }
            let len = headers.get("content-length").and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
            let mut body = vec![0; len];
            if reader.read_exact(&mut body).await.is_err() {
                continue;
            }
            let delivery = headers.get("x-steward-delivery").cloned().unwrap_or_default();
            received.lock().unwrap().push((delivery, serde_json::from_slice(&body).unwrap_or(Value::Null)));
            let mut stream = reader.into_inner();
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
            let _ = stream.shutdown().await;
        }
    })
}

/// The mail's text with folded headers unfolded and quoted-printable undone, for plain searches.
fn readable(data: &str) -> String {
    let unfolded = data.replace("\n ", " ").replace("\n\t", " ");
    if !unfolded.to_ascii_lowercase().contains("content-transfer-encoding: quoted-printable") {
        return unfolded;
    }
    let joined = unfolded.replace("=\n", "");
    let mut out = Vec::new();
    let bytes = joined.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn add_channel(admin: &Session, body: Value) -> i64 {
    let (status, channel) = admin.post("/api/v1/channels", body).await;
    assert_eq!(status, 201, "{channel}");
    channel["id"].as_i64().unwrap()
}

/// Presses "send test"; returns the delivery (outbox) id.
async fn send_test(admin: &Session, channel: i64) -> i64 {
    let (status, delivery) = admin.post(&format!("/api/v1/channels/{channel}/test"), json!({})).await;
    assert_eq!(status, 202, "{delivery}");
    assert_eq!(delivery["state"], "pending");
    delivery["id"].as_i64().unwrap()
}

/// The channel's deliveries by id, as its page in the UI lists them.
async fn deliveries(admin: &Session, channel: i64) -> HashMap<i64, Value> {
    let (status, page) = admin.get(&format!("/api/v1/channels/{channel}/deliveries")).await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().iter().map(|d| (d["id"].as_i64().unwrap(), d.clone())).collect()
}

async fn wait_delivered(admin: &Session, channel: i64, ids: &[i64]) {
    eventually(60, "every delivery to be recorded as delivered", || async {
        let all = deliveries(admin, channel).await;
        ids.iter().all(|id| all.get(id).is_some_and(|d| d["state"] == "delivered")).then_some(())
    })
    .await;
}

/// Each delivery id arrived exactly once, and nothing else arrived.
fn assert_once_each(received: &Received, ids: &[i64]) {
    let got = received.lock().unwrap().clone();
    let mut by_header: HashMap<String, usize> = HashMap::new();
    let mut by_body: HashMap<String, usize> = HashMap::new();
    for (header, body) in &got {
        *by_header.entry(header.clone()).or_default() += 1;
        *by_body.entry(body.to_string()).or_default() += 1;
        assert_eq!(body["delivery_id"].to_string(), *header, "the header and the body name the same delivery");
        assert_eq!(body["event"], "test");
    }
    let want: HashMap<String, usize> = ids.iter().map(|id| (id.to_string(), 1)).collect();
    assert_eq!(by_header, want, "every notice once, none twice: {got:?}");
    assert_eq!(by_body.len(), ids.len(), "as many distinct bodies as notices");
    assert!(by_body.values().all(|&n| n == 1), "no body twice");
}

#[tokio::test]
async fn webhook_notices_survive_a_receiver_outage_and_a_server_restart_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut server = TestServer::start_in(&data, &[FAST_RETRIES]);
    let password = server.admin_password.clone();
    let admin = server.admin().await;
    let port = free_port();
    let channel = add_channel(
        &admin,
        json!({ "name": "Ops webhook", "kind": "webhook", "target": format!("http://127.0.0.1:{port}/hook") }),
    )
    .await;

    // Nothing listens yet: the notices wait, and the channel says why.
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(send_test(&admin, channel).await);
    }
    eventually(30, "failed attempts with a reason", || async {
        let all = deliveries(&admin, channel).await;
        ids.iter()
            .all(|id| {
                let d = &all[id];
                d["state"] == "pending"
                    && d["attempts"].as_i64() >= Some(2)
                    && d["last_error"].as_str().unwrap().contains("cannot connect to the receiver")
            })
            .then_some(())
    })
    .await;
    let (_, listed) = admin.get(&format!("/api/v1/channels/{channel}")).await;
    assert_eq!(listed["pending"], 3, "{listed}");

    let received: Received = Arc::default();
    let receiver = start_receiver(port, received.clone());
    wait_delivered(&admin, channel, &ids).await;
    assert_once_each(&received, &ids);

    // Receiver down again, two more notices, and the server restarts while they wait.
    receiver.abort();
    let _ = receiver.await;
    let waiting = [send_test(&admin, channel).await, send_test(&admin, channel).await];
    eventually(30, "the new notices to fail once", || async {
        let all = deliveries(&admin, channel).await;
        waiting.iter().all(|id| all[id]["attempts"].as_i64() >= Some(1)).then_some(())
    })
    .await;
    assert_eq!(server.terminate(), Some(0));
    let server = TestServer::start_in(&data, &[FAST_RETRIES]);
    let admin = Session::login(&server, "admin", &password).await;
    let after_restart = deliveries(&admin, channel).await;
    assert!(waiting.iter().all(|id| after_restart[id]["state"] == "pending"), "still queued after the restart");

    let receiver = start_receiver(port, received.clone());
    ids.extend(waiting);
    wait_delivered(&admin, channel, &ids).await;
    assert_once_each(&received, &ids);
    receiver.abort();
}

#[tokio::test]
async fn email_notice_reaches_the_smtp_server_with_every_field() {
    let (smtp_port, mails) = start_smtp_sink().await;
    let port = smtp_port.to_string();
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(
        &dir.path().join("data"),
        &[
            FAST_RETRIES,
            ("STEWARD_NOTIFICATIONS__SMTP_HOST", "127.0.0.1"),
            ("STEWARD_NOTIFICATIONS__SMTP_PORT", &port),
            ("STEWARD_NOTIFICATIONS__SMTP_SECURITY", "none"),
            ("STEWARD_NOTIFICATIONS__SMTP_FROM", "Steward <steward@example.com>"),
        ],
    );
    let admin = server.admin().await;
    let channel = add_channel(
        &admin,
        json!({ "name": "On call", "kind": "email", "target": "oncall@example.com, boss@example.org" }),
    )
    .await;
    let id = send_test(&admin, channel).await;
    wait_delivered(&admin, channel, &[id]).await;

    let mails = mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 1, "one mail for both addresses: {mails:?}");
    assert_eq!(mails[0].rcpt, vec!["oncall@example.com", "boss@example.org"]);
    let text = readable(&mails[0].data);
    for want in [
        "Subject: TEST: disk / at 96.5 % on example-pc (Example client)",
        "From: Steward <steward@example.com>",
        "Client:    Example client",
        "Device:    example-pc",
        "Value:     96.5",
        "Threshold: 90",
        &format!("Open in Steward: {}/#/channels", server.url),
        &format!("Message-ID: <steward.delivery.{id}@example.com>"),
    ] {
        assert!(text.contains(want), "{want:?} missing from the mail:\n{text}");
    }
}

#[tokio::test]
async fn in_app_notice_appears_under_the_bell_live_and_read_clears_the_count() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (status, acme) = admin.post("/api/v1/clients", json!({ "name": "Acme" })).await;
    assert_eq!(status, 201);
    let (status, other) = admin.post("/api/v1/clients", json!({ "name": "Other Co" })).await;
    assert_eq!(status, 201);
    for (email, client) in [("eve@other.example", &other), ("ann@acme.example", &acme)] {
        let (status, _) = admin
            .post(
                "/api/v1/users",
                json!({ "email": email, "role": "client", "client_id": client["id"], "password": "correct horse battery" }),
            )
            .await;
        assert_eq!(status, 201);
    }
    let channel =
        add_channel(&admin, json!({ "name": "Bell for Acme", "kind": "in_app", "client_id": acme["id"] })).await;
    let (_, before) = admin.get("/api/v1/notifications").await;
    assert_eq!((before["unread"].as_i64(), before["items"].as_array().map(Vec::len)), (Some(0), Some(0)));

    // The open page's event stream hears of the notice.
    let events = admin.client.get(format!("{}/api/v1/events", server.url)).send().await.unwrap();
    assert_eq!(events.status(), 200);
    let id = send_test(&admin, channel).await;
    let heard = tokio::time::timeout(Duration::from_secs(60), async {
        let mut stream = events.bytes_stream();
        let mut seen = String::new();
        while let Some(Ok(chunk)) = stream.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("\"type\":\"notice\"") {
                return seen;
            }
        }
        seen
    })
    .await
    .expect("a notice event on the live stream");
    assert!(heard.contains(&format!("\"client_id\":{}", acme["id"])), "{heard}");

    wait_delivered(&admin, channel, &[id]).await;
    let (status, page) = admin.get("/api/v1/notifications").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["unread"], 1, "{page}");
    let notice = &page["items"][0];
    assert_eq!(notice["title"], "TEST: disk / at 96.5 % on example-pc (Acme)");
    assert_eq!((notice["read"].as_bool(), notice["client_id"].as_i64()), (Some(false), acme["id"].as_i64()));

    // Acme's contact sees it; a contact of another client sees none of it.
    let ann = Session::login(&server, "ann@acme.example", "correct horse battery").await;
    let (_, theirs) = ann.get("/api/v1/notifications").await;
    assert_eq!(
        (theirs["unread"].as_i64(), theirs["items"][0]["id"].as_i64()),
        (Some(1), notice["id"].as_i64()),
        "{theirs}"
    );
    let eve = Session::login(&server, "eve@other.example", "correct horse battery").await;
    let (_, theirs) = eve.get("/api/v1/notifications").await;
    assert_eq!((theirs["unread"].as_i64(), theirs["items"].as_array().map(Vec::len)), (Some(0), Some(0)), "{theirs}");

    let (status, read) = admin.post("/api/v1/notifications/read", json!({ "up_to": notice["id"] })).await;
    assert_eq!((status, read["unread"].as_i64()), (200, Some(0)), "{read}");
    let (_, after) = admin.get("/api/v1/notifications").await;
    assert_eq!((after["unread"].as_i64(), after["items"][0]["read"].as_bool()), (Some(0), Some(true)));
    let (_, theirs) = ann.get("/api/v1/notifications").await;
    assert_eq!(theirs["unread"], 1, "each person has their own read mark");
}

/// Replaces the file the way editors do: a new file renamed over the old one.
fn save(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn smtp_config(port: u16) -> String {
    format!("[notifications]\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\nsmtp_security = \"none\"\n")
}

#[tokio::test]
async fn smtp_settings_follow_an_edit_of_the_config_file_and_a_bad_edit_keeps_the_last_good_ones() {
    let (first_port, first) = start_smtp_sink().await;
    let (second_port, second) = start_smtp_sink().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("etc").join("steward.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    save(&config, &smtp_config(first_port));
    let server =
        TestServer::start_in(&dir.path().join("data"), &[FAST_RETRIES, ("STEWARD_CONFIG", config.to_str().unwrap())]);
    let admin = server.admin().await;
    let channel = add_channel(&admin, json!({ "name": "Mail", "kind": "email", "target": "ops@example.com" })).await;

    let one = send_test(&admin, channel).await;
    wait_delivered(&admin, channel, &[one]).await;
    assert_eq!((first.lock().unwrap().len(), second.lock().unwrap().len()), (1, 0));

    save(&config, &smtp_config(second_port));
    eventually(30, "the reload to be logged", || async {
        server.log().contains("notification settings reloaded").then_some(())
    })
    .await;
    let two = send_test(&admin, channel).await;
    wait_delivered(&admin, channel, &[two]).await;
    assert_eq!((first.lock().unwrap().len(), second.lock().unwrap().len()), (1, 1), "the new port, without a restart");
    let (_, audit) = admin.get("/api/v1/audit?action=settings").await;
    let entries = audit["items"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(
        entries[0]["detail"].as_str().unwrap(),
        format!("[notifications] changed in {}: smtp_port", config.display())
    );

    save(&config, "[notifications]\nsmtp_host = \"127.0.0.1\"\nsmtp_port = \"twenty-five\"\n");
    eventually(30, "a warning naming the bad key", || async {
        let log = server.log();
        (log.contains("cannot be used") && log.contains("notifications.smtp_port")).then_some(())
    })
    .await;
    let three = send_test(&admin, channel).await;
    wait_delivered(&admin, channel, &[three]).await;
    assert_eq!((first.lock().unwrap().len(), second.lock().unwrap().len()), (1, 2), "the last good settings");
    let (status, health) = admin.get("/healthz").await;
    assert_eq!((status, health["status"].as_str()), (200, Some("ok")), "the server kept running");
}

#[tokio::test]
async fn bad_channel_fields_are_refused_naming_the_field_and_store_nothing() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let url = "https://hooks.example.com/steward";
    let cases = [
        (json!({ "kind": "webhook", "target": url }), "name"),
        (json!({ "name": "  ", "kind": "webhook", "target": url }), "name"),
        (json!({ "name": "Ops" , "target": url }), "kind"),
        (json!({ "name": "Ops", "kind": "pager", "target": url }), "kind"),
        (json!({ "name": "Ops", "kind": "webhook" }), "target"),
        (json!({ "name": "Ops", "kind": "webhook", "target": "ftp://files.example.com/x" }), "target"),
        (json!({ "name": "Ops", "kind": "slack", "target": "hooks.slack.com/services/x" }), "target"),
        (json!({ "name": "Ops", "kind": "teams", "target": "javascript:alert(1)" }), "target"),
        (json!({ "name": "Ops", "kind": "email", "target": "ops@example.com, nobody" }), "target"),
        (json!({ "name": "Ops", "kind": "email", "target": "" }), "target"),
        (json!({ "name": "Ops", "kind": "in_app", "target": url }), "target"),
        (json!({ "name": "Ops", "kind": "webhook", "target": url, "min_severity": "info" }), "min_severity"),
        (json!({ "name": "Ops", "kind": "webhook", "target": url, "client_id": 4242 }), "client_id"),
    ];
    for (body, field) in cases {
        let (status, answer) = admin.post("/api/v1/channels", body.clone()).await;
        // A client that is not there is not found; the rest are bad fields.
        let expected = if field == "client_id" { 404 } else { 400 };
        assert_eq!(status, expected, "{body} -> {answer}");
        assert_eq!(answer["detail"]["field"], field, "{body} -> {answer}");
        let sentence = answer["error"].as_str().unwrap();
        assert!(sentence.contains(field) && sentence.ends_with('.'), "a sentence naming {field}: {sentence}");
    }
    for (body, word) in [
        (json!({ "name": "Ops", "kind": "webhook", "target": url, "enabled": "yes" }), "enabled"),
        (json!({ "name": "Ops", "kind": "webhook", "target": url, "colour": "red" }), "colour"),
    ] {
        let (status, answer) = admin.post("/api/v1/channels", body.clone()).await;
        assert_eq!(status, 400, "{body} -> {answer}");
        assert!(answer["error"].as_str().unwrap().contains(word), "{answer}");
    }
    // Every notification route the OpenAPI document lists exists, and none answers a stranger.
    let (_, spec) = admin.get("/api/v1/openapi.json").await;
    let mut listed = 0;
    for (path, ops) in spec["paths"].as_object().unwrap() {
        if !(path.starts_with("/api/v1/channels") || path.starts_with("/api/v1/notifications")) {
            continue;
        }
        for method in ops.as_object().unwrap().keys() {
            let url = format!("{}{}", server.url, path.replace("{id}", "1"));
            let m: reqwest::Method = method.to_uppercase().parse().unwrap();
            let res = server.client().request(m, &url).json(&json!({})).send().await.unwrap();
            assert_eq!(res.status(), 401, "{method} {path} without credentials");
            listed += 1;
        }
    }
    assert_eq!(listed, 9, "channels: list, add, get, change, delete, test, deliveries; notices: list, read");

    // Technicians may look, not write; they see a webhook's host, not its secret path.
    let (status, _) = admin
        .post(
            "/api/v1/users",
            json!({ "email": "tom@msp.example", "role": "technician", "password": "correct horse battery" }),
        )
        .await;
    assert_eq!(status, 201);
    let tom = Session::login(&server, "tom@msp.example", "correct horse battery").await;
    let (status, _) = tom.post("/api/v1/channels", json!({ "name": "Mine", "kind": "in_app" })).await;
    assert_eq!(status, 403);
    let (_, list) = admin.get("/api/v1/channels").await;
    assert_eq!(list["items"], json!([]), "nothing stored");

    // Changes are checked the same way, against the channel's kind, and change nothing when refused.
    // A target that does not suit the stored kind, or a kind the stored target does not suit,
    // conflicts with the channel as it is: 409.
    let id = add_channel(&admin, json!({ "name": "Ops", "kind": "webhook", "target": url })).await;
    for (body, field, status_wanted) in [
        (json!({ "target": "not a url" }), "target", 409),
        (json!({ "kind": "email" }), "target", 409),
        (json!({ "kind": "email", "target": "not mail" }), "target", 400),
        (json!({ "name": "" }), "name", 400),
        (json!({ "min_severity": "low" }), "min_severity", 400),
    ] {
        let (status, answer) =
            admin.send(reqwest::Method::PATCH, &format!("/api/v1/channels/{id}"), body.clone()).await;
        assert_eq!((status, answer["detail"]["field"].as_str()), (status_wanted, Some(field)), "{body} -> {answer}");
    }
    let (_, channel) = admin.get(&format!("/api/v1/channels/{id}")).await;
    assert_eq!((channel["name"].as_str(), channel["kind"].as_str()), (Some("Ops"), Some("webhook")));
    assert_eq!((channel["target"].as_str(), channel["min_severity"].as_str()), (Some(url), Some("warning")));
    let (status, seen) = tom.get("/api/v1/channels").await;
    assert_eq!((status, seen["items"][0]["target"].as_str()), (200, Some("https://hooks.example.com/…")), "{seen}");
}

#[tokio::test]
async fn the_notifications_page_checks_the_form_sends_a_test_and_the_bell_counts_it() {
    let server = TestServer::start();
    let browser = Browser::start().await;
    browser.log_in(&server, "admin", &server.admin_password).await;
    browser.click("[data-nav=channels]").await;
    browser.wait_for_text("#page-title", "Notifications").await;

    // Mistakes are shown on their fields, and nothing is stored.
    browser.click("#add-channel").await;
    let kind = browser.client.find(fantoccini::Locator::Css("#channel-kind")).await.unwrap();
    kind.select_by_value("webhook").await.unwrap();
    browser.fill("#channel-target", "hooks.example.com/steward").await;
    browser.click("#channel-submit").await;
    browser.wait_for_text("#channel-name-error", "name").await;
    browser.wait_for_text("#channel-target-error", "URL").await;
    let (_, stored) = server_channels(&server).await;
    assert_eq!(stored, json!([]), "nothing stored while the form shows errors");

    // An in-app channel needs no target.
    kind.select_by_value("in_app").await.unwrap();
    browser.wait_gone("#channel-target").await;
    browser.fill("#channel-name", "Bell").await;
    browser.click("#channel-submit").await;
    browser.wait_gone("#channel-dialog").await;
    browser.wait_for_text("#channels-table", "Bell").await;

    // "Send test" shows the delivery's progress, and the bell counts the notice, live.
    browser.click("[data-action=test-channel]").await;
    browser
        .wait_until("a delivered row", "return !!document.querySelector('#deliveries-table tr[data-state=delivered]')")
        .await;
    browser.wait_for_text("#notice-count", "1").await;
    browser.click("#notice-bell").await;
    browser.wait_for_text("#notices-list", "TEST: disk / at 96.5 % on example-pc").await;
    browser.click("#notices-read").await;
    browser.wait_gone("#notice-count").await;
    browser.wait_count("#notices-list tr[data-read=true]", 1).await;
    browser.close().await;
}

/// The channels the server has, seen through the API as the admin.
async fn server_channels(server: &TestServer) -> (u16, Value) {
    let admin = server.admin().await;
    let (status, page) = admin.get("/api/v1/channels").await;
    (status, page["items"].clone())
}
