//! Device trust (issue 10): enrollment that cannot take a device over, possible clones that staff
//! merge or keep, staff-approved re-enrollment, revocation that stops a real agent, agents that
//! follow a planned key rotation, and hostile values from either side.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{Session, TestAgent, TestServer, client_and_token, eventually, free_port, http_client, steward};

/// `steward agent enroll` into `state_dir` as the machine `machine_id`.
fn enroll_in(server: &TestServer, token: &str, state_dir: &Path, machine_id: &str) -> (i32, String, String) {
    steward(
        &[
            "agent",
            "enroll",
            "--server",
            &server.url,
            "--token",
            token,
            "--fingerprint",
            &server.fingerprint,
            "--state-dir",
            state_dir.to_str().unwrap(),
        ],
        None,
        &[("STEWARD_MACHINE_ID", machine_id)],
    )
}

fn state_of(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("agent.json")).unwrap()).unwrap()
}

/// Audit entries with `action`: (subject, detail, source).
fn audit(server: &TestServer, action: &str) -> Vec<(String, String, String)> {
    let conn =
        rusqlite::Connection::open_with_flags(server.db_path(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    let mut stmt = conn.prepare("SELECT subject, detail, source FROM audit_log WHERE action = ?1 ORDER BY id").unwrap();
    stmt.query_map([action], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
}

async fn ping(server: &TestServer, credential: &str) -> (u16, Value) {
    let res = http_client().get(format!("{}/agent/v1/ping", server.url)).bearer_auth(credential).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

async fn device(admin: &Session, id: i64) -> (u16, Value) {
    admin.get(&format!("/api/v1/devices/{id}")).await
}

#[tokio::test]
async fn a_token_of_another_client_cannot_take_a_device_over() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (victim_client, victim_token) = client_and_token(&admin, "Contoso", json!({})).await;
    let (attacker_client, attacker_token) = client_and_token(&admin, "Fabrikam", json!({})).await;
    let victim = TestAgent::enroll_as(&server, victim_token["token"].as_str().unwrap(), "machine-of-contoso");

    // The attacker knows the victim's machine id, not its device secret.
    let temp = tempfile::tempdir().unwrap();
    let attacker_dir = temp.path().join("agent");
    let (code, out, err) =
        enroll_in(&server, attacker_token["token"].as_str().unwrap(), &attacker_dir, "machine-of-contoso");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("possible clone"), "the enrolling person is told: {out}");
    let attacker_id = state_of(&attacker_dir)["device_id"].as_i64().unwrap();
    assert_ne!(attacker_id, victim.device_id(), "a new device, not the victim's");

    let (_, v) = device(&admin, victim.device_id()).await;
    assert_eq!(v["client_id"], victim_client, "the victim keeps its client: {v}");
    assert_eq!(ping(&server, &victim.credential()).await.0, 200, "the victim's credential still works");
    let (_, a) = device(&admin, attacker_id).await;
    assert_eq!(a["client_id"], attacker_client);
    assert_eq!(a["clone_of"], victim.device_id(), "flagged for staff: {a}");

    let entries = audit(&server, "device.enrolled_possible_clone");
    assert_eq!(entries.len(), 1, "{entries:?}");
    let (subject, detail, source) = &entries[0];
    assert_eq!(subject, &attacker_id.to_string());
    let prefix = attacker_token["prefix"].as_str().unwrap();
    assert!(detail.contains(prefix), "names the token by its prefix: {detail}");
    assert!(detail.contains(&format!("possible clone of device {}", victim.device_id())), "{detail}");
    assert!(!detail.contains(attacker_token["token"].as_str().unwrap()), "never the token itself");
    assert_eq!(source, "127.0.0.1");

    // A refused token is audited too, with the address it came from.
    let (code, _, _) = enroll_in(&server, "enr_never-made", &temp.path().join("other"), "machine-of-contoso");
    assert_eq!(code, 1);
    let refused = audit(&server, "device.enroll_refused");
    assert!(refused.iter().any(|(_, d, s)| d.contains("unknown token") && s == "127.0.0.1"), "{refused:?}");
}

#[tokio::test]
async fn a_clone_in_the_same_client_is_flagged_and_staff_merge_or_keep_it() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (client_id, token) = client_and_token(&admin, "Northwind", json!({ "uses": 5 })).await;
    let t = token["token"].as_str().unwrap();
    let original = TestAgent::enroll_as(&server, t, "golden-image");
    let kept = TestAgent::enroll_as(&server, t, "golden-image");
    let (_, k) = device(&admin, kept.device_id()).await;
    assert_eq!(k["clone_of"], original.device_id(), "{k}");
    let (_, list) = admin.get(&format!("/api/v1/devices?client_id={client_id}")).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2, "both records visible: {list}");

    // Keep both: the flag goes, both stay and both credentials work.
    let (status, body) = admin.post(&format!("/api/v1/devices/{}/keep", kept.device_id()), json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["clone_of"], Value::Null);
    assert_eq!(ping(&server, &original.credential()).await.0, 200);
    assert_eq!(ping(&server, &kept.credential()).await.0, 200);
    assert_eq!(audit(&server, "device.clone_kept").len(), 1);

    // Merge: the record it was flagged against keeps its id and takes over the new agent.
    let mut reinstalled = TestAgent::enroll_as(&server, t, "golden-image");
    let (_, r) = device(&admin, reinstalled.device_id()).await;
    let survivor = r["clone_of"].as_i64().expect("flagged");
    let (status, body) = admin.post(&format!("/api/v1/devices/{}/merge", reinstalled.device_id()), json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], survivor);
    assert_eq!(device(&admin, reinstalled.device_id()).await.0, 404, "the clone's record is gone");
    let (status, p) = ping(&server, &reinstalled.credential()).await;
    assert_eq!((status, p["device_id"].as_i64()), (200, Some(survivor)), "its agent now reports as {survivor}");
    reinstalled.start("1s");
    let latest = eventually(30, "the merged agent's reports", || async {
        let (_, d) = device(&admin, survivor).await;
        (d["last_seq"].as_i64() > Some(0) && !d["latest"].is_null()).then_some(d)
    })
    .await;
    assert_eq!(latest["client_id"], client_id);
    assert_eq!(audit(&server, "device.merged").len(), 1);
    // Merging is for flagged devices only.
    let (status, _) = admin.post(&format!("/api/v1/devices/{}/merge", original.device_id()), json!({})).await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn a_re_enrollment_is_proven_by_the_device_secret_or_allowed_once_by_staff() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (_, token) = client_and_token(&admin, "Adventure Works", json!({ "uses": 10 })).await;
    let t = token["token"].as_str().unwrap();
    let agent = TestAgent::enroll_as(&server, t, "laptop-7");
    let id = agent.device_id();
    let old_credential = agent.credential();

    // The same state folder: the agent proves itself with its secret and keeps its device.
    let (code, out, err) = enroll_in(&server, t, &agent.state_dir, "laptop-7");
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(agent.device_id(), id);
    assert_eq!(ping(&server, &old_credential).await.0, 401, "the old secret was replaced");
    assert_eq!(ping(&server, &agent.credential()).await.0, 200);
    assert_eq!(audit(&server, "device.reenrolled").len(), 1);

    // The state folder is lost: without staff, a new (flagged) device.
    let lost = tempfile::tempdir().unwrap();
    let (code, ..) = enroll_in(&server, t, &lost.path().join("a"), "laptop-7");
    assert_eq!(code, 0);
    assert_ne!(state_of(&lost.path().join("a"))["device_id"], id);

    // Staff allow one re-enrollment: it takes the device back, once.
    let (status, body) = admin.post(&format!("/api/v1/devices/{id}/allow-reenroll"), json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["reenroll_allowed_until"].is_string(), "{body}");
    let (code, ..) = enroll_in(&server, t, &lost.path().join("b"), "laptop-7");
    assert_eq!(code, 0);
    assert_eq!(state_of(&lost.path().join("b"))["device_id"], id, "the approved re-enrollment updates the device");
    assert_eq!(ping(&server, &agent.credential()).await.0, 401, "the lost agent's secret no longer works");
    let (code, ..) = enroll_in(&server, t, &lost.path().join("c"), "laptop-7");
    assert_eq!(code, 0);
    assert_ne!(state_of(&lost.path().join("c"))["device_id"], id, "the approval was used up");
    assert_eq!(audit(&server, "device.reenroll_allowed").len(), 1);

    // Client contacts cannot act on devices.
    let (client_id, _) = client_and_token(&admin, "Contact's company", json!({})).await;
    let (status, _) = admin
        .post(
            "/api/v1/users",
            json!({ "email": "c@example.com", "name": "C", "role": "client", "client_id": client_id, "password": "a long enough password 1" }),
        )
        .await;
    assert_eq!(status, 201);
    let contact = Session::login(&server, "c@example.com", "a long enough password 1").await;
    let (status, _) = contact.post(&format!("/api/v1/devices/{id}/revoke"), json!({ "reason": "x" })).await;
    assert!(status == 403 || status == 404, "{status}");
}

#[tokio::test]
async fn a_revoked_device_is_refused_and_its_agent_stops() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (_, token) = client_and_token(&admin, "Litware", json!({})).await;
    let mut agent = TestAgent::enroll(&server, token["token"].as_str().unwrap());
    let id = agent.device_id();
    agent.start("1s");
    eventually(30, "a first check-in", || async {
        (device(&admin, id).await.1["last_seq"].as_i64() > Some(0)).then_some(())
    })
    .await;

    let (status, body) =
        admin.post(&format!("/api/v1/devices/{id}/revoke"), json!({ "reason": "laptop stolen" })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["revoked"], true);
    let code = eventually(60, "the agent to stop", || {
        let code = agent.exit_code();
        async move { code }
    })
    .await;
    assert_eq!(code, 3, "exit code 3, which the systemd unit does not restart");
    assert!(agent.log().contains("laptop stolen"), "the agent logs why: {}", agent.log());
    let (_, d) = device(&admin, id).await;
    assert_eq!(d["revoked_reason"], "laptop stolen");
    let (status, _) = ping(&server, &agent.credential()).await;
    assert_eq!(status, 403);
    assert_eq!(audit(&server, "device.revoked").len(), 1);

    // Started again (as Restart=always would), it stops at once without reporting.
    let seq_before = device(&admin, id).await.1["last_seq"].clone();
    agent.start("1s");
    let code = eventually(30, "the restarted agent to stop", || {
        let code = agent.exit_code();
        async move { code }
    })
    .await;
    assert_eq!(code, 3);
    assert_eq!(device(&admin, id).await.1["last_seq"], seq_before, "nothing more was stored");
}

#[tokio::test]
async fn agents_follow_a_planned_key_rotation_and_old_state_files_keep_working() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let listen = format!("127.0.0.1:{}", free_port());
    let mut server = TestServer::start_at(&data, &listen, &[]);
    let admin = server.admin().await;
    let (_, token) = client_and_token(&admin, "Wingtip", json!({ "uses": 2 })).await;
    let t = token["token"].as_str().unwrap();
    let mut pinned = TestAgent::enroll_as(&server, t, "rotation-a");
    let first_pin = state_of(&pinned.state_dir)["pin"].as_str().unwrap().to_owned();
    assert!(!first_pin.is_empty(), "enrolling with --fingerprint pins the key");

    // An agent whose state file predates key pinning: the leaf certificate's fingerprint only.
    let mut old = TestAgent::enroll_as(&server, t, "rotation-b");
    let s = state_of(&old.state_dir);
    let legacy = json!({
        "server": s["server"], "device_id": s["device_id"], "credential": s["credential"],
        "fingerprint": server.fingerprint, "client": s["client"], "interval_secs": s["interval_secs"],
    });
    std::fs::write(old.state_dir.join("agent.json"), serde_json::to_vec_pretty(&legacy).unwrap()).unwrap();

    pinned.start("1s");
    old.start("1s");
    eventually(30, "the old state file migrated to a key pin", || async {
        let s = state_of(&old.state_dir);
        (s["pin"] == first_pin.as_str() && s.get("fingerprint").is_none()).then_some(())
    })
    .await;

    let (code, out, err) = steward(&["admin", "--data-dir", data.to_str().unwrap(), "tls", "rotate"], None, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let next = out.split("sha256//").nth(1).unwrap().split(|c: char| c == '.' || c.is_whitespace()).next().unwrap();
    let next = next.to_owned();
    for agent in [&pinned, &old] {
        eventually(30, "the agent to learn the next key", || async {
            (state_of(&agent.state_dir)["next_pin"] == next.as_str()).then_some(())
        })
        .await;
    }

    let (code, out, err) =
        steward(&["admin", "--data-dir", data.to_str().unwrap(), "tls", "rotate", "--activate"], None, &[]);
    assert_eq!(code, 0, "{out}{err}");
    server.terminate();
    let server = TestServer::start_at(&data, &listen, &[]);
    assert_ne!(server.fingerprint, "", "serving");
    let admin = Session::login(&server, "admin", &admin_password(&data)).await;
    for agent in [&pinned, &old] {
        // The agent switches its pin once it has met the new key (a delivery of the old server's
        // last seconds does not count), then goes on reporting through it.
        eventually(60, "the agent to pin the new key", || async {
            let s = state_of(&agent.state_dir);
            (s["pin"] == next.as_str() && s.get("next_pin").is_none()).then_some(())
        })
        .await;
        let switched = device(&admin, agent.device_id()).await.1["last_seq"].as_i64();
        eventually(60, "the agent to report through the new key", || async {
            (device(&admin, agent.device_id()).await.1["last_seq"].as_i64() > switched).then_some(())
        })
        .await;
    }
}

/// A server restarted on its data folder prints no password: set one from the shell.
fn admin_password(data: &Path) -> String {
    let password = "rotation test password 1";
    let (code, out, err) = steward(
        &["admin", "--data-dir", data.to_str().unwrap(), "user", "set-password", "--user", "admin", "--password-stdin"],
        Some(&format!("{password}\n")),
        &[],
    );
    assert_eq!(code, 0, "{out}{err}");
    password.to_owned()
}

#[tokio::test]
async fn agent_enroll_refuses_plain_http_without_insecure_http() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(&dir.path().join("data"), &[("STEWARD_TLS__MODE", "off")]);
    let admin = server.admin().await;
    let (_, token) = client_and_token(&admin, "Plain", json!({})).await;
    let state = dir.path().join("agent");
    let args = ["agent", "enroll", "--server", &server.url, "--token", token["token"].as_str().unwrap(), "--state-dir"];
    let mut refused: Vec<&str> = args.to_vec();
    refused.push(state.to_str().unwrap());
    let (code, _, err) = steward(&refused, None, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--insecure-http"), "names the flag: {err}");
    assert!(!state.join("agent.json").exists());
    let mut allowed = refused.clone();
    allowed.push("--insecure-http");
    let (code, out, err) = steward(&allowed, None, &[]);
    assert_eq!(code, 0, "{out}{err}");
}

/// A fake server on loopback that answers every check-in with `acked_seq` 2^64-1 (and an absurd
/// interval), and every enrollment the same way; counts the check-ins.
async fn lying_server() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let checkins = Arc::new(AtomicUsize::new(0));
    let counted = checkins.clone();
    let app = axum::Router::new()
        .route(
            "/agent/v1/checkin",
            axum::routing::post(move || {
                let counted = counted.clone();
                async move {
                    counted.fetch_add(1, Ordering::SeqCst);
                    axum::Json(json!({ "acked_seq": u64::MAX, "stored": 0, "interval_secs": 0 }))
                }
            }),
        )
        .route(
            "/agent/v1/enroll",
            axum::routing::post(|| async {
                axum::Json(json!({ "device_id": 1, "device_secret": "1:s", "client": "x", "interval_secs": 1, "acked_seq": u64::MAX }))
            }),
        );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, checkins)
}

// Multi-threaded: the fake server must answer while the test waits for `steward agent enroll`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_told_an_absurd_acked_seq_keeps_its_pace_and_its_reports() {
    let (url, checkins) = lying_server().await;

    // Enrolling: the absurd number is refused, nothing is saved.
    let temp = tempfile::tempdir().unwrap();
    let state = temp.path().join("agent");
    let (code, _, err) = steward(
        &[
            "agent",
            "enroll",
            "--server",
            &url,
            "--token",
            "t",
            "--insecure-http",
            "--state-dir",
            state.to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("acked_seq"), "{err}");
    assert!(!state.join("agent.json").exists());

    // Running: every answer claims reports never made.
    std::fs::create_dir_all(&state).unwrap();
    let enrollment =
        json!({ "server": url, "device_id": 1, "credential": "1:s", "pin": "", "client": "x", "interval_secs": 1 });
    std::fs::write(state.join("agent.json"), enrollment.to_string()).unwrap();
    let mut agent = TestAgent::in_temp(temp);
    agent.start("1s");
    eventually(60, "six reports made", || {
        let n = agent.spooled_seqs().len();
        async move { (n >= 6).then_some(()) }
    })
    .await;
    let made = agent.spooled_seqs().len();
    let asked = checkins.load(Ordering::SeqCst);
    assert!(asked >= 1, "it did try to deliver");
    assert!(asked <= made, "at most one check-in per report made ({asked} check-ins, {made} reports)");
    agent.kill();
    let kept = agent.spooled_seqs().len();
    assert!(kept >= made, "no report was deleted on the liar's word ({kept} of {made})");

    // Restarted on the same state: no panic, and it goes on numbering and keeping.
    agent.start("1s");
    eventually(60, "a report after the restart", || {
        let n = agent.spooled_seqs().len();
        async move { (n > kept).then_some(()) }
    })
    .await;
    assert_eq!(agent.exit_code(), None, "still running");
    assert!(checkins.load(Ordering::SeqCst) <= agent.spooled_seqs().len(), "still at most one check-in per report");
    assert!(!agent.log().contains("panicked"), "{}", agent.log());
    assert!(agent.log().contains("never made"), "the lie is logged: {}", agent.log());
}

fn report(seq: u64, collected_at: i64) -> Value {
    let mut r = serde_json::to_value(steward::protocol::Report::default()).unwrap();
    r["seq"] = json!(seq);
    r["collected_at"] = json!(collected_at);
    r
}

async fn check_in(server: &TestServer, credential: &str, reports: Vec<Value>) -> (u16, Value) {
    let res = http_client()
        .post(format!("{}/agent/v1/checkin", server.url))
        .bearer_auth(credential)
        .json(&json!({ "agent_version": "test", "reports": reports }))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_server_refuses_values_it_cannot_store_faithfully_naming_the_field() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (_, token) = client_and_token(&admin, "Hostile", json!({ "uses": 10 })).await;
    let agent = TestAgent::enroll(&server, token["token"].as_str().unwrap());
    let credential = agent.credential();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;

    let mut huge_mem = report(1, now);
    huge_mem["metrics"]["mem_total_bytes"] = json!(u64::MAX);
    let mut bidi_mount = report(1, now);
    bidi_mount["metrics"]["filesystems"] = json!([{ "mount": "/\u{202e}gpj.exe", "fs_type": "ext4", "device": "sda", "total_bytes": 1, "used_bytes": 0, "available_bytes": 1 }]);
    let cases = [
        (report(u64::MAX, now), "reports[0].seq"),
        (report(i64::MAX as u64 + 1, now), "reports[0].seq"),
        (huge_mem, "reports[0].metrics.mem_total_bytes"),
        (report(1, now + 23 * 3600), "reports[0].collected_at"),
        (bidi_mount, "reports[0].metrics.filesystems[0].mount"),
    ];
    for (r, field) in cases {
        let (status, body) = check_in(&server, &credential, vec![r]).await;
        assert_eq!(status, 400, "{field}: {body}");
        assert_eq!(body["detail"]["field"], field, "{body}");
        assert!(body["error"].as_str().unwrap().contains(field), "{body}");
    }
    // Nothing was poisoned: an ordinary report is stored, and is the latest.
    let (status, body) = check_in(&server, &credential, vec![report(1, now)]).await;
    assert_eq!((status, body["stored"].clone(), body["acked_seq"].clone()), (200, json!(1), json!(1)), "{body}");

    let enroll = |hostname: &str, machine: &str| json!({ "token": token["token"], "machine_id": machine, "hostname": hostname, "os": "Linux", "agent_version": "x" });
    for (body, field, says) in [
        (enroll("pc\u{7}bell", "m"), "hostname", "control characters"),
        (enroll("pc\u{202e}exe", "m"), "hostname", "bidirectional"),
        (enroll("p\u{200b}c", "m"), "hostname", "invisible"),
        (enroll("pc", "m\u{2066}"), "machine_id", "bidirectional"),
    ] {
        let res = http_client().post(format!("{}/agent/v1/enroll", server.url)).json(&body).send().await.unwrap();
        assert_eq!(res.status(), 400);
        let answer: Value = res.json().await.unwrap();
        assert_eq!(answer["detail"]["field"], field, "{answer}");
        assert!(answer["error"].as_str().unwrap().contains(says), "{answer}");
    }
    let (_, tokens) = admin.get("/api/v1/enroll-tokens").await;
    let used = tokens["items"].as_array().unwrap().iter().find(|t| t["id"] == token["id"]).unwrap()["uses"].clone();
    assert_eq!(used, 1, "refused enrollments used nothing");
    let refused = audit(&server, "device.enroll_refused");
    assert_eq!(refused.len(), 4, "each refusal is audited: {refused:?}");
    let prefix = token["prefix"].as_str().unwrap();
    assert!(
        refused.iter().all(|(_, d, _)| d.contains(prefix) && (d.contains("hostname") || d.contains("machine_id"))),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_stalled_connection_is_closed_and_ambiguous_framing_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(
        &dir.path().join("data"),
        &[("STEWARD_TLS__MODE", "off"), ("STEWARD_HTTP__HEADER_TIMEOUT", "2s")],
    );
    let addr = server.url.trim_start_matches("http://").to_owned();
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        // The deadline only keeps a broken server from hanging the test; the default was 650 s.
        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").unwrap();
        let mut got = Vec::new();
        let read = stream.read_to_end(&mut got);
        (read.map_err(|e| e.kind()), String::from_utf8_lossy(&got).into_owned())
    })
    .await
    .unwrap();
    match answer {
        (Ok(_), text) if text.is_empty() => {} // closed
        (Ok(_), text) => {
            assert!(text.starts_with("HTTP/1.1 408"), "{text}");
            assert!(text.contains("\"error\""), "a JSON body: {text}");
        }
        (Err(kind), _) => {
            assert_eq!(kind, std::io::ErrorKind::ConnectionReset, "the connection was closed, not left open");
        }
    }
    // The server still answers whole requests, and an idle keep-alive connection is not a stalled
    // head: it outlives the header timeout and serves the next request.
    let res = http_client().get(format!("{}/healthz", server.url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let addr = server.url.trim_start_matches("http://").to_owned();
    let second = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let ask = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
        stream.write_all(ask).unwrap();
        // One whole answer: its JSON body ends with a brace.
        let answer = |stream: &mut std::net::TcpStream| {
            let (mut got, mut buf) = (Vec::new(), [0u8; 4096]);
            while !got.ends_with(b"}") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            }
            String::from_utf8_lossy(&got).into_owned()
        };
        assert!(answer(&mut stream).starts_with("HTTP/1.1 200"));
        // Idle until the header timeout has certainly passed: a connection stalled after this one
        // went idle is closed by it.
        let mut stalled = std::net::TcpStream::connect(stream.peer_addr().unwrap()).unwrap();
        stalled.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        stalled.write_all(b"GET /healthz HTTP/1.1\r\nHo").unwrap();
        let mut sink = Vec::new();
        let _ = stalled.read_to_end(&mut sink);
        stream.write_all(ask).unwrap();
        answer(&mut stream)
    })
    .await
    .unwrap();
    assert!(second.starts_with("HTTP/1.1 200"), "the idle connection still works: {second:?}");

    // A request with both Content-Length and Transfer-Encoding is refused, in JSON.
    let addr = server.url.trim_start_matches("http://").to_owned();
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        stream
            .write_all(
                b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                  Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
            )
            .unwrap();
        let mut got = Vec::new();
        let _ = stream.read_to_end(&mut got);
        String::from_utf8_lossy(&got).into_owned()
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("application/json"), "{answer}");
    assert!(answer.contains("both Content-Length and Transfer-Encoding"), "{answer}");
}

#[tokio::test]
async fn staff_keep_a_possible_clone_and_revoke_a_device_from_its_page() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (_, token) = client_and_token(&admin, "Tailwind", json!({ "uses": 2 })).await;
    let t = token["token"].as_str().unwrap();
    let original = TestAgent::enroll_as(&server, t, "shared-image");
    let clone = TestAgent::enroll_as(&server, t, "shared-image");

    let browser = crate::browser::Browser::start().await;
    browser.log_in(&server, "admin", &server.admin_password).await;
    browser.client.goto(&format!("{}/#/devices", server.url)).await.unwrap();
    browser.wait_count(&format!("#devices-table [data-clone-of=\"{}\"]", original.device_id()), 1).await;

    browser.client.goto(&format!("{}/#/devices/{}", server.url, clone.device_id())).await.unwrap();
    let flag = browser.wait_for_text("#device-clone", "Possible clone of").await;
    assert!(flag.contains(&format!("device {}", original.device_id())), "{flag}");
    browser.click("#clone-keep").await;
    browser.wait_for_text("#confirm-dialog", "Keep both").await;
    browser.click("#confirm-ok").await;
    browser.wait_gone("#device-clone").await;
    assert_eq!(device(&admin, clone.device_id()).await.1["clone_of"], Value::Null, "kept on the server");

    browser.click("#device-revoke").await;
    browser.fill("#revoke-reason", "sold to <b>someone</b>").await;
    browser.click("#revoke-ok").await;
    let shown = browser.wait_for_text("#device-revoked-reason", "sold to").await;
    assert_eq!(shown, "sold to <b>someone</b>", "the reason shows as text");
    let (_, d) = device(&admin, clone.device_id()).await;
    assert_eq!((d["revoked"].clone(), d["revoked_reason"].clone()), (json!(true), json!("sold to <b>someone</b>")));
    assert_eq!(ping(&server, &clone.credential()).await.0, 403);
    assert_eq!(ping(&server, &original.credential()).await.0, 200, "the other device is untouched");
    browser.close().await;
}
