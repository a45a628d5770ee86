//! Security hardening (issue 10): HSTS under TLS, owner-only database files, `/metrics` behind its
//! token and without client names, one-line fields that refuse line breaks and invisible
//! characters, and regressions for the server errors the API fuzzer (`scripts/fuzz-api`) found.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::{Value, json};

use crate::common::{STEWARD, Session, TestAgent, TestServer, add_client, client_and_token, http_client};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

fn database_files(data_dir: &Path) -> [std::path::PathBuf; 3] {
    ["steward.db", "steward.db-wal", "steward.db-shm"].map(|f| data_dir.join(f))
}

#[tokio::test]
async fn hsts_is_sent_when_the_server_serves_https_itself() {
    let server = TestServer::start();
    assert!(server.url.starts_with("https://"), "{}", server.url);
    let client = http_client();
    // A page, an API error and the metrics: every answer carries it.
    for path in ["/healthz", "/", "/api/v1/clients", "/no-such-page", "/metrics"] {
        let res = client.get(format!("{}{path}", server.url)).send().await.unwrap();
        let hsts = res.headers().get("strict-transport-security").map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(hsts.as_deref(), Some("max-age=31536000"), "GET {path} answered {}", res.status());
    }
    // Without a [metrics] token, /metrics stays open as before.
    let res = client.get(format!("{}/metrics", server.url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn without_tls_the_reverse_proxy_decides_about_hsts() {
    let temp = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(&temp.path().join("data"), &[("STEWARD_TLS__MODE", "off")]);
    assert!(server.url.starts_with("http://"), "{}", server.url);
    for path in ["/healthz", "/api/v1/clients"] {
        let res = http_client().get(format!("{}{path}", server.url)).send().await.unwrap();
        assert!(res.headers().get("x-content-type-options").is_some(), "the other security headers are there");
        assert!(res.headers().get("strict-transport-security").is_none(), "GET {path} sent HSTS over plain HTTP");
    }
}

#[tokio::test]
async fn database_files_and_backups_are_owner_only_under_a_permissive_umask() {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    let mut server = TestServer::start_with_umask(&data, "022");
    let password = server.admin_password.clone();
    let admin = server.admin().await;
    // A write, so the WAL and its shared-memory index exist.
    add_client(&admin, "Umask Ltd").await;
    for file in database_files(&data) {
        assert_eq!(mode(&file), 0o600, "{} under umask 022", file.display());
    }

    // `steward backup` under the same umask, while the server runs.
    let out = temp.path().join("copy.db");
    let status = std::process::Command::new("sh")
        .args(["-c", "umask 022 && exec \"$0\" \"$@\"", STEWARD, "backup", "--data-dir"])
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(status.status.success(), "backup failed: {}", String::from_utf8_lossy(&status.stderr));
    assert_eq!(mode(&out), 0o600, "the backup holds password hashes");

    // Files an older version left 0644 (the server killed, so the WAL and index stay) are
    // tightened when the database is opened again, and the data is all there.
    server.kill();
    let left: Vec<_> = database_files(&data).into_iter().filter(|f| f.exists()).collect();
    assert!(left.len() >= 2, "the killed server left its WAL behind: {left:?}");
    for file in &left {
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let server = TestServer::start_with_umask(&data, "022");
    let admin = Session::login(&server, "admin", &password).await;
    let (status, clients) = admin.get("/api/v1/clients").await;
    assert_eq!(status, 200, "{clients}");
    assert_eq!(clients["items"][0]["name"], "Umask Ltd");
    for file in database_files(&data) {
        if file.exists() {
            assert_eq!(mode(&file), 0o600, "{} after the restart", file.display());
        }
    }
    assert_eq!(mode(&data.join("steward.db")), 0o600);
}

#[tokio::test]
async fn metrics_need_the_token_and_name_no_client() {
    let token = "scrape-9f2c7e1b4a6d8e03";
    let temp = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(&temp.path().join("data"), &[("STEWARD_METRICS__TOKEN", token)]);
    let admin = server.admin().await;
    let (_, enroll) = client_and_token(&admin, "Globex Confidential Holdings", json!({})).await;
    let agent = TestAgent::enroll(&server, enroll["token"].as_str().unwrap());
    assert!(agent.device_id() > 0);

    let url = format!("{}/metrics", server.url);
    let client = http_client();
    for auth in [None, Some("Bearer wrong-token-0000000000".to_owned()), Some(token.to_owned())] {
        let mut req = client.get(&url);
        if let Some(a) = &auth {
            req = req.header("authorization", a);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 401, "Authorization: {auth:?}");
        assert_eq!(res.headers()["content-type"], "application/json");
        let body: Value = res.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains("Bearer"), "{body}");
        assert_eq!(body["detail"]["header"], "Authorization", "{body}");
    }

    let res = client.get(&url).bearer_auth(token).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    let count = |line: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(line))
            .unwrap_or_else(|| panic!("no {line} in:\n{text}"))
            .trim()
            .parse()
            .unwrap()
    };
    let devices = count("steward_devices{state=\"online\"}") + count("steward_devices{state=\"offline\"}");
    assert_eq!(devices, 1.0, "the fleet count includes the enrolled device");
    assert_eq!(count("steward_clients"), 1.0);
    assert!(!text.contains("Globex"), "a client's name reached /metrics:\n{text}");
    assert!(!text.to_lowercase().contains("client=") && !text.contains("client_id"), "per-client labels:\n{text}");
    assert!(!server.log().contains(token), "the token reached the log");
}

#[tokio::test]
async fn a_ticket_subject_with_a_line_break_is_refused_and_nothing_stored() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let client_id = add_client(&admin, "Initech").await;
    let (status, body) = admin
        .post(
            "/api/v1/tickets",
            json!({ "subject": "Printer down\r\nBcc: everyone@example.com", "priority": "P3", "client_id": client_id }),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["detail"]["field"], "subject", "{body}");
    assert!(body["error"].as_str().unwrap().contains("one line"), "{body}");
    let (status, list) = admin.get("/api/v1/tickets").await;
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "nothing was stored: {list}");

    // A bidi override in a name is refused the same way; a description keeps its lines.
    let (status, body) = admin.post("/api/v1/clients", json!({ "name": "Acme\u{202E}gpj.exe" })).await;
    assert_eq!((status, body["detail"]["field"].as_str()), (400, Some("name")), "{body}");
    let (status, ticket) = admin
        .post(
            "/api/v1/tickets",
            json!({ "subject": "Printer down", "description": "Line one\r\nLine two", "priority": "P3", "client_id": client_id }),
        )
        .await;
    assert_eq!(status, 201, "{ticket}");
    let (status, comment) = admin
        .post(&format!("/api/v1/tickets/{}/comments", ticket["id"]), json!({ "body": "Tried:\n- a reboot" }))
        .await;
    assert_eq!(status, 201, "a comment's body may have several lines: {comment}");
}

// Found while making the device routes reachable for scripts/fuzz-api (its runs did not hit it:
// the description types from/to as plain strings): extreme unix seconds overflowed `to - from`,
// the handler panicked and the request got no answer at all.
#[tokio::test]
async fn series_refuses_times_outside_1970_to_9999_naming_the_field() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (_, enroll) = client_and_token(&admin, "Overflow GmbH", json!({})).await;
    let agent = TestAgent::enroll(&server, enroll["token"].as_str().unwrap());
    let series = format!("/api/v1/devices/{}/series?metric=cpu_pct", agent.device_id());
    for (query, field) in [
        ("&from=-9223372036854775808&to=1700000000", "from"),
        ("&to=-9223372036854775808", "to"),
        ("&from=0&to=9223372036854775807", "to"),
        ("&from=-1", "from"),
    ] {
        let (status, body) = admin.get(&format!("{series}{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["detail"]["field"], field, "{query}: {body}");
    }
    let (status, body) = admin.get(&format!("{series}&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z")).await;
    assert_eq!(status, 200, "{body}");
    assert!(!server.log().contains("panicked"), "{}", server.log());
}

// Found by probing the bounds the fuzzer's string-typed parameters rarely reach: both answered 500.
#[tokio::test]
async fn extreme_months_and_durations_are_answered_not_500() {
    let server = TestServer::start();
    let admin = server.admin().await;
    for path in ["/api/v1/reports/sla?month=9999-12", "/api/v1/reports/sla.csv?month=9999-12"] {
        let res = admin.client.get(format!("{}{path}", server.url)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}: {}", res.text().await.unwrap());
    }
    let (status, body) = admin.get("/api/v1/reports/sla?month=9999-12").await;
    assert_eq!((status, body["month"].as_str()), (200, Some("9999-12")), "{body}");

    let (status, rules) = admin.get("/api/v1/rules").await;
    assert_eq!(status, 200, "{rules}");
    let rule = &rules["items"][0];
    let path = format!("/api/v1/rules/{}", rule["id"]);
    for field in ["hold", "clear_hold", "renotify"] {
        let (status, body) = admin.send(reqwest::Method::PATCH, &path, json!({ field: "9999999999999999999s" })).await;
        assert_eq!(status, 400, "{field}: {body}");
        assert_eq!(body["detail"]["field"], field, "{body}");
    }
    let (_, after) = admin.get(&path).await;
    assert_eq!(after["clear_hold"], rule["clear_hold"], "nothing was changed");
}
