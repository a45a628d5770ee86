//! Fleet monitoring end to end: real agent processes enrolling with and reporting to a real server.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{
    Session, TestAgent, TestServer, client_and_token, enroll_agent, eventually, free_port, http_client, steward,
};

/// MemTotal of /proc/meminfo, in bytes.
fn mem_total_bytes() -> u64 {
    let text = std::fs::read_to_string("/proc/meminfo").unwrap();
    let line = text.lines().find(|l| l.starts_with("MemTotal:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024
}

/// Size of the root filesystem as `df` (statvfs) reports it, in bytes.
fn root_fs_bytes() -> u64 {
    let out = std::process::Command::new("df").args(["-B1", "--output=size", "/"]).output().unwrap();
    String::from_utf8(out.stdout).unwrap().lines().nth(1).unwrap().trim().parse().unwrap()
}

/// The check-in log of a device, straight from the server's database: (seq, collected_at).
fn stored_reports(server: &TestServer, device_id: i64) -> Vec<(i64, i64)> {
    let conn =
        rusqlite::Connection::open_with_flags(server.db_path(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    let mut stmt =
        conn.prepare("SELECT seq, collected_at FROM device_reports WHERE device_id = ?1 ORDER BY seq").unwrap();
    stmt.query_map([device_id], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}

/// Asserts the log is 1..=n without gaps or repeats, collected in order.
fn assert_exactly_once_in_order(reports: &[(i64, i64)]) {
    let seqs: Vec<i64> = reports.iter().map(|r| r.0).collect();
    let expected: Vec<i64> = (1..=reports.len() as i64).collect();
    assert_eq!(seqs, expected, "every report once, none missing");
    assert!(reports.windows(2).all(|w| w[0].1 <= w[1].1), "collected in order: {reports:?}");
}

async fn device(admin: &Session, id: i64) -> Value {
    let (status, d) = admin.get(&format!("/api/v1/devices/{id}")).await;
    assert_eq!(status, 200, "{d}");
    d
}

#[tokio::test]
async fn an_enrolled_agent_reports_this_machines_real_numbers() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (client_id, token) = client_and_token(&admin, "Acme Dental", json!({})).await;
    assert!(token["install_command"].as_str().unwrap().contains("install.sh"), "{token}");
    let mut agent = TestAgent::enroll(&server, token["token"].as_str().unwrap());
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(agent.state_dir.join("agent.json")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "credentials readable by root only");
    agent.start("1s");

    let id = eventually(30, "the device to report", || async {
        let (_, list) = admin.get("/api/v1/devices").await;
        let d = list["items"].as_array()?.first()?.clone();
        (d["online"] == true).then(|| d["id"].as_i64().unwrap())
    })
    .await;
    let (_, list) = admin.get("/api/v1/devices").await;
    let row = &list["items"][0];
    assert_eq!(row["client"], "Acme Dental");
    assert_eq!(row["client_id"], client_id);
    assert!(row["last_seen"].as_str().unwrap().ends_with('Z'));

    let d = eventually(30, "an inventory", || async {
        let d = device(&admin, id).await;
        d["inventory"].is_object().then_some(d)
    })
    .await;
    let latest = &d["latest"];
    assert_eq!(latest["mem_total_bytes"].as_u64().unwrap(), mem_total_bytes(), "MemTotal, exactly");
    assert!(latest["mem_used_bytes"].as_u64().unwrap() < latest["mem_total_bytes"].as_u64().unwrap());
    let cpu = latest["cpu_pct"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&cpu));
    let root = latest["disks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["mount"] == "/")
        .expect("the root filesystem is reported");
    let (reported, df) = (root["total_bytes"].as_f64().unwrap(), root_fs_bytes() as f64);
    assert!((reported - df).abs() / df < 0.01, "root size {reported} vs statvfs {df}");
    assert!(root["used_bytes"].as_u64().unwrap() > 0);
    assert_eq!(d["hostname"], std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap().trim());
    assert!(d["software_count"].as_i64().unwrap() > 10, "dpkg packages are listed");
    assert!(d["series"].as_array().unwrap().iter().any(|s| s["metric"] == "disk_used_pct" && s["subject"] == "/"));

    // The history API answers the chart's query with data.
    let series = eventually(20, "three CPU samples", || async {
        let (status, s) = admin.get(&format!("/api/v1/devices/{id}/series?metric=cpu_pct&step=1")).await;
        assert_eq!(status, 200, "{s}");
        (s["series"][0]["points"].as_array().map_or(0, Vec::len) >= 3).then_some(s)
    })
    .await;
    assert_eq!(series["resolution"], "raw");
    let (_, software) = admin.get(&format!("/api/v1/devices/{id}/software?q=libc")).await;
    assert!(software["items"].as_array().unwrap().iter().all(|p| p["name"].as_str().unwrap().contains("libc")));
    agent.kill();
}

#[tokio::test]
async fn reports_made_while_the_server_was_down_arrive_exactly_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let listen = format!("127.0.0.1:{}", free_port());
    let mut server = TestServer::start_at(&data, &listen, &[]);
    let admin = server.admin().await;
    let (_, token) = client_and_token(&admin, "Northwind", json!({})).await;
    let mut agent = TestAgent::enroll(&server, token["token"].as_str().unwrap());
    let id = agent.device_id();
    agent.start("1s");
    eventually(30, "three reports", || async { (stored_reports(&server, id).len() >= 3).then_some(()) }).await;

    // The server goes away; the agent keeps collecting into its spool until it holds five
    // reports the server has not got.
    assert_eq!(server.terminate(), Some(0));
    let stored_before = stored_reports(&server, id).iter().map(|r| r.0).max().unwrap_or(0);
    let made_meanwhile = eventually(60, "five reports spooled during the outage", || {
        let made: Vec<i64> = agent.spooled_seqs().into_iter().filter(|seq| *seq > stored_before).collect();
        async move { (made.len() >= 5).then_some(made) }
    })
    .await;
    let server = TestServer::start_at(&data, &listen, &[]);
    let log_before = agent.log();
    assert!(log_before.contains("spooling"), "the agent noticed the outage:\n{log_before}");

    // Everything made meanwhile arrives (the backoff is at most ten intervals).
    let last_made = *made_meanwhile.iter().max().unwrap();
    let reports = eventually(40, "the spooled reports", || async {
        let r = stored_reports(&server, id);
        r.iter().any(|(seq, _)| *seq == last_made).then_some(r)
    })
    .await;
    let stored: Vec<i64> = reports.iter().map(|r| r.0).collect();
    assert!(made_meanwhile.iter().all(|seq| stored.contains(seq)), "made {made_meanwhile:?}, stored {stored:?}");
    assert_exactly_once_in_order(&reports);
    let admin = Session::login(&server, "admin", &admin_password(&data)).await;
    let d = device(&admin, id).await;
    assert!(d["last_seq"].as_i64().unwrap() >= reports.len() as i64);
    assert_eq!(d["dropped_reports"], 0);
}

/// The sequence numbers of the reports waiting in the agent's spool (`<seq>-<collected_at>.json`).
/// The first start printed the admin password; later starts print none, so tests reset it.
fn admin_password(data: &std::path::Path) -> String {
    let (code, out, err) = steward(
        &["admin", "--data-dir", data.to_str().unwrap(), "user", "set-password", "--user", "admin", "--password-stdin"],
        Some("restarted-owner-pw\n"),
        &[],
    );
    assert_eq!(code, 0, "{out}{err}");
    "restarted-owner-pw".into()
}

#[tokio::test]
async fn a_killed_agent_resumes_its_sequence_without_duplicates() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (_, token) = client_and_token(&admin, "Contoso", json!({})).await;
    let mut agent = TestAgent::enroll(&server, token["token"].as_str().unwrap());
    let id = agent.device_id();
    agent.start("1s");
    eventually(30, "three reports", || async { (stored_reports(&server, id).len() >= 3).then_some(()) }).await;
    agent.kill();
    let before = stored_reports(&server, id).len();
    agent.start("1s");
    let reports = eventually(30, "reports after the restart", || async {
        let r = stored_reports(&server, id);
        (r.len() >= before + 3).then_some(r)
    })
    .await;
    assert_exactly_once_in_order(&reports);
}

#[tokio::test]
async fn enrolling_the_same_machine_again_updates_its_record() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (_, token) = client_and_token(&admin, "Fabrikam", json!({ "uses": 2 })).await;
    let t = token["token"].as_str().unwrap();
    let agent = TestAgent::enroll(&server, t);
    let (id, old_credential) = (agent.device_id(), agent.credential());
    // Enrolling again from the same state folder proves the agent with its device secret.
    let (code, out, err) = enroll_agent(&server.url, t, &server.fingerprint, &agent.state_dir);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(agent.device_id(), id, "same machine, same device");
    let (_, list) = admin.get("/api/v1/devices").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    // The old credential no longer works: the machine holds only the newest one.
    let res =
        http_client().get(format!("{}/agent/v1/ping", server.url)).bearer_auth(old_credential).send().await.unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn bad_expired_and_used_up_tokens_are_refused_and_create_nothing() {
    // The server's clock is a manual one: the short token's hour passes in an instant.
    let wall = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let server = TestServer::start_with_clock(wall, &[("STEWARD_AUTH__SESSION_IDLE", "2h")]);
    let admin = server.admin().await;
    let (_, once) = client_and_token(&admin, "Tailspin", json!({ "uses": 1 })).await;
    let (status, short) =
        admin.post("/api/v1/enroll-tokens", json!({ "client_id": once["client_id"], "ttl": "1h" })).await;
    assert_eq!(status, 201, "{short}");
    let used = TestAgent::enroll(&server, once["token"].as_str().unwrap());
    let devices_before = admin.get("/api/v1/devices").await.1["items"].as_array().unwrap().len();
    server.advance(3600 + 1);

    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("agent");
    for (token, says) in [
        ("enr_this-token-was-never-made", "not valid"),
        (short["token"].as_str().unwrap(), "expired"),
        (once["token"].as_str().unwrap(), "used as many times"),
    ] {
        let (code, out, err) = enroll_agent(&server.url, token, &server.fingerprint, &state);
        assert_eq!(code, 1, "{out}{err}");
        assert!(err.contains(says), "the sentence says {says:?}: {err}");
        assert!(!state.join("agent.json").exists(), "no credentials stored");
    }
    let devices_after = admin.get("/api/v1/devices").await.1["items"].as_array().unwrap().len();
    assert_eq!(devices_before, devices_after, "nothing created on the server");
    drop(used);

    // A wrong fingerprint is refused before anything is sent.
    let (_, fresh) = admin.post("/api/v1/enroll-tokens", json!({ "client_id": once["client_id"] })).await;
    let wrong = "00:".repeat(31) + "00";
    let (code, _, err) = enroll_agent(&server.url, fresh["token"].as_str().unwrap(), &wrong, &state);
    assert_eq!(code, 1);
    assert!(err.contains("not the pinned one"), "{err}");
    let (_, tokens) = admin.get("/api/v1/enroll-tokens").await;
    let unused = tokens["items"].as_array().unwrap().iter().find(|t| t["id"] == fresh["id"]).unwrap();
    assert_eq!(unused["uses"], 0, "the refused connection used nothing");
}

#[tokio::test]
async fn malformed_oversized_and_unauthenticated_check_ins_store_nothing() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (_, token) = client_and_token(&admin, "Litware", json!({})).await;
    let agent = TestAgent::enroll(&server, token["token"].as_str().unwrap());
    let credential = agent.credential();
    let url = format!("{}/agent/v1/checkin", server.url);
    let client = http_client();
    let post = |body: Vec<u8>, credential: String| {
        let (client, url) = (client.clone(), url.clone());
        async move {
            let res = client
                .post(url)
                .bearer_auth(credential)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let report = |filesystems: usize| {
        let fs: Vec<Value> = (0..filesystems)
            .map(|i| json!({ "mount": format!("/m{i}"), "fs_type": "ext4", "device": "", "total_bytes": 10, "used_bytes": 5, "available_bytes": 5 }))
            .collect();
        json!({ "agent_version": "test", "reports": [{ "seq": 1, "collected_at": time_now(), "metrics": {
            "cpu_pct": 1.0, "cpu_count": 1, "mem_total_bytes": 10, "mem_used_bytes": 5, "mem_available_bytes": 5,
            "swap_total_bytes": 0, "swap_used_bytes": 0, "load1": 0.0, "load5": 0.0, "load15": 0.0, "uptime_secs": 1,
            "filesystems": fs, "network": [], "temperatures": [], "top_cpu": [], "top_mem": [] } }] })
    };

    let (status, body) = post(b"{\"agent_version\": \"x\", \"reports\": [".to_vec(), credential.clone()).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = post(serde_json::to_vec(&report(65)).unwrap(), credential.clone()).await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("reports[0].metrics.filesystems: 65 entries"), "{body}");
    let mut negative = report(1);
    negative["reports"][0]["metrics"]["cpu_pct"] = json!(-3.0);
    let (status, body) = post(serde_json::to_vec(&negative).unwrap(), credential.clone()).await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("cpu_pct"), "{body}");
    let mut huge = report(1);
    huge["padding"] = json!("x".repeat(17 * 1024 * 1024));
    let refused = || async {
        let text = http_client().get(format!("{}/metrics", server.url)).send().await.unwrap().text().await.unwrap();
        let line = text.lines().find(|l| l.starts_with("steward_checkins_refused_total")).unwrap().to_owned();
        line.rsplit(' ').next().unwrap().parse::<u64>().unwrap()
    };
    let refused_before = refused().await;
    // A client of its own: the server closes this connection after refusing, and a pooled
    // connection it closed must not be reused for the requests below.
    let sent = http_client()
        .post(&url)
        .bearer_auth(&credential)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&huge).unwrap())
        .send()
        .await;
    match sent {
        Ok(res) => assert_eq!(res.status().as_u16(), 413),
        // The server answers 413 as soon as it sees the length and closes; when that happens
        // before the client has written all 17 MiB, the client sees a broken pipe, not the answer.
        Err(e) => {
            assert!(e.is_request(), "{e:?}");
            eventually(10, "the server to count the refusal", || async {
                (refused().await > refused_before).then_some(())
            })
            .await;
        }
    }
    let forged = format!("{}:not-the-secret", agent.device_id());
    let (status, _) = post(serde_json::to_vec(&report(1)).unwrap(), forged).await;
    assert_eq!(status, 401);

    assert!(stored_reports(&server, agent.device_id()).is_empty(), "nothing stored");
    let d = device(&admin, agent.device_id()).await;
    assert_eq!(d["online"], false, "a refused check-in does not count as one");
    assert!(d["latest"].is_null());
    // A good one is accepted, and sent again it is not stored twice.
    let (status, answer) = post(serde_json::to_vec(&report(1)).unwrap(), credential.clone()).await;
    assert_eq!((status, answer["stored"].as_u64()), (200, Some(1)), "{answer}");
    let (status, answer) = post(serde_json::to_vec(&report(1)).unwrap(), credential).await;
    assert_eq!((status, answer["stored"].as_u64(), answer["acked_seq"].as_u64()), (200, Some(0), Some(1)));
    assert_eq!(stored_reports(&server, agent.device_id()).len(), 1);
}

fn time_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[tokio::test]
async fn killing_the_agent_makes_the_device_go_offline_and_back() {
    // The server's clock is moved past `offline_after` (3 minutes by default) once the agent is
    // gone, instead of waiting for a short configured timeout to pass on the wall clock.
    let server = TestServer::start_with_clock(time_now(), &[]);
    let admin = server.admin().await;
    let (_, token) = client_and_token(&admin, "Wingtip", json!({})).await;
    let mut agent = TestAgent::enroll(&server, token["token"].as_str().unwrap());
    let id = agent.device_id();
    agent.start("1s");
    eventually(30, "online", || async { (device(&admin, id).await["online"] == true).then_some(()) }).await;
    agent.kill();
    server.advance(170);
    assert_eq!(device(&admin, id).await["online"], true, "still online within offline_after");
    server.advance(20);
    eventually(5, "offline", || async { (device(&admin, id).await["online"] == false).then_some(()) }).await;
    agent.start("1s");
    eventually(15, "online again", || async { (device(&admin, id).await["online"] == true).then_some(()) }).await;
    let (_, events) = admin.get(&format!("/api/v1/devices/{id}/events")).await;
    let kinds: Vec<&str> = events["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(&kinds[..3], ["online", "offline", "online"], "newest first: {kinds:?}");

    // /metrics counts the fleet in Prometheus text.
    let text = http_client().get(format!("{}/metrics", server.url)).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("steward_devices{state=\"online\"} 1"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("steward_checkins_total ") && !l.ends_with(" 0")), "{text}");
}

#[tokio::test]
async fn the_install_command_downloads_the_agent_over_a_pinned_key_and_enrolls() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (_, token) = client_and_token(&admin, "Proseware", json!({})).await;
    let command = token["install_command"].as_str().unwrap();
    assert!(command.contains("--pinnedpubkey 'sha256//"), "{command}");
    let dir = tempfile::tempdir().unwrap();
    let (prefix, state) = (dir.path().join("bin"), dir.path().join("state"));
    // As printed, but without sudo and into a temp folder, without the systemd service.
    let local = command.replace(
        "| sudo sh -s --",
        &format!("| sh -s -- --prefix '{}' --state-dir '{}' --no-service", prefix.display(), state.display()),
    );
    let out = std::process::Command::new("sh").args(["-c", &local]).output().unwrap();
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let installed = std::fs::read(prefix.join("steward")).unwrap();
    assert_eq!(installed, std::fs::read(crate::common::STEWARD).unwrap(), "the server's own executable");
    assert!(state.join("agent.json").exists());
    let (_, list) = admin.get("/api/v1/devices").await;
    assert_eq!(list["items"][0]["client"], "Proseware");

    // A different key is refused by curl before anything runs.
    let (_, token) = admin.post("/api/v1/enroll-tokens", json!({ "client_id": list["items"][0]["client_id"] })).await;
    let tampered = token["install_command"]
        .as_str()
        .unwrap()
        .replace("sha256//", "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
        .replace("| sudo sh -s --", "| sh -s -- --no-service --prefix /nonexistent-prefix");
    let out = std::process::Command::new("bash").args(["-o", "pipefail", "-c", &tampered]).output().unwrap();
    assert!(!out.status.success(), "a wrong pin must fail");

    // `steward agent install` writes the unit that runs the agent.
    let units = dir.path().join("units");
    let (code, out, err) = steward(
        &[
            "agent",
            "install",
            "--state-dir",
            state.to_str().unwrap(),
            "--unit-dir",
            units.to_str().unwrap(),
            "--no-start",
        ],
        None,
        &[],
    );
    assert_eq!(code, 0, "{out}{err}");
    let unit = std::fs::read_to_string(units.join("steward-agent.service")).unwrap();
    assert!(
        unit.contains(&format!("agent run --state-dir {}", std::fs::canonicalize(&state).unwrap().display())),
        "{unit}"
    );
}

/// What a command prints, trimmed.
fn tool(program: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(program).args(args).output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Whether `program` is installed where the agent looks: the PATH and the usual system folders.
fn installed(program: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"].map(Into::into))
        .any(|d| d.join(program).is_file())
}

/// `agent once` needs no enrollment: one full report of this machine, on standard output.
#[test]
fn agent_once_prints_a_full_report_of_this_machine() {
    let (code, out, err) = steward(&["agent", "once"], None, &[]);
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["metrics"]["mem_total_bytes"].as_u64().unwrap(), mem_total_bytes());
    let inventory = &report["inventory"];
    assert_eq!(inventory["hostname"], tool("uname", &["-n"]));
    assert_eq!(inventory["arch"], tool("uname", &["-m"]));
    assert!(inventory["packages"].as_array().unwrap().len() > 10);
    if installed("apt") {
        assert_eq!(
            (report["patches"]["manager"].as_str(), report["patches"]["known"].as_bool()),
            (Some("apt"), Some(true))
        );
    }
    let smart = &report["smart"];
    assert_eq!(smart["available"].as_bool(), Some(installed("smartctl")), "{smart}");
}

#[tokio::test]
async fn devices_are_filtered_tagged_and_scoped_to_their_client() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (acme, token) = client_and_token(&admin, "Acme", json!({})).await;
    let agent = TestAgent::enroll(&server, token["token"].as_str().unwrap());
    let id = agent.device_id();
    let (other, _) = client_and_token(&admin, "Other Co", json!({})).await;

    let (status, tagged) = admin
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/devices/{id}/tags"),
            json!({ "tags": ["Server", "backup", "server"] }),
        )
        .await;
    assert_eq!(status, 200, "{tagged}");
    assert_eq!(tagged["tags"], json!(["backup", "server"]), "lower-cased, without repeats");
    let (status, bad) =
        admin.send(reqwest::Method::PUT, &format!("/api/v1/devices/{id}/tags"), json!({ "tags": ["no spaces"] })).await;
    assert_eq!((status, bad["detail"]["field"].as_str()), (400, Some("tags")));

    let count = |path: String| {
        let admin = &admin;
        async move {
            let (status, list) = admin.get(&path).await;
            assert_eq!(status, 200, "{path}: {list}");
            list["items"].as_array().unwrap().len()
        }
    };
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap().trim().to_owned();
    assert_eq!(count("/api/v1/devices?tag=server".into()).await, 1);
    assert_eq!(count("/api/v1/devices?tag=desktop".into()).await, 0);
    assert_eq!(count(format!("/api/v1/devices?client_id={acme}")).await, 1);
    assert_eq!(count(format!("/api/v1/devices?client_id={other}")).await, 0);
    assert_eq!(count("/api/v1/devices?online=false".into()).await, 1, "enrolled but never checked in");
    assert_eq!(count("/api/v1/devices?online=true".into()).await, 0);
    assert_eq!(count(format!("/api/v1/devices?q={}", &hostname[..hostname.len().min(4)])).await, 1);
    assert_eq!(count("/api/v1/devices?q=no-such-host".into()).await, 0);
    let (status, body) = admin.get("/api/v1/devices?online=maybe").await;
    assert_eq!(status, 400, "{body}");
    let (_, tags) = admin.get("/api/v1/tags").await;
    assert_eq!(tags["items"], json!([{ "tag": "backup", "devices": 1 }, { "tag": "server", "devices": 1 }]));

    // A client contact of the other company sees none of Acme's devices, even by id.
    let (status, _) = admin
        .post("/api/v1/users", json!({ "email": "olga@other.example", "role": "client", "client_id": other, "password": "quiet-meadow-19" }))
        .await;
    assert_eq!(status, 201);
    let olga = Session::login(&server, "olga@other.example", "quiet-meadow-19").await;
    let (_, seen) = olga.get("/api/v1/devices").await;
    assert_eq!(seen["items"], json!([]));
    assert_eq!(olga.get(&format!("/api/v1/devices/{id}")).await.0, 404);
    assert_eq!(olga.get(&format!("/api/v1/devices?client_id={acme}")).await.1["items"], json!([]));
    assert_eq!(olga.get("/api/v1/dashboard").await.0, 403, "the fleet dashboard is for staff");
}
