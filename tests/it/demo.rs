//! `steward demo`: a newcomer runs one command, signs in with the printed password and finds a
//! working MSP — clients, technicians, tickets in every status, articles, and this computer as a
//! device that checks in. Ctrl-C (here SIGTERM) ends all of it, the agent included.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{STEWARD, Session, eventually, free_port, http_client};

/// The demo process; killed if a test fails half-way.
struct Demo {
    child: Child,
    lines: mpsc::Receiver<String>,
    printed: Vec<String>,
}

impl Demo {
    fn start(args: &[&str]) -> Demo {
        let mut child = Command::new(STEWARD)
            .arg("demo")
            .args(args)
            .env_remove("STEWARD_CONFIG")
            .env_remove("STEWARD_ADMIN_PASSWORD")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start steward demo");
        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Demo { child, lines, printed: Vec::new() }
    }

    /// Reads what the demo prints until `last`, and answers everything read so far.
    fn read_until(&mut self, last: &str) -> &[String] {
        let deadline = Instant::now() + Duration::from_secs(180);
        while !self.printed.iter().any(|l| l.trim() == last) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.printed.push(line),
                Err(_) => panic!("the demo did not print {last:?}; it printed:\n{}", self.printed.join("\n")),
            }
        }
        &self.printed
    }

    /// Sends SIGTERM and waits for the exit code.
    fn terminate(&mut self) -> Option<i32> {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "the demo did not stop within 60 s of SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Processes whose parent is `pid`, with their command lines.
fn children_of(pid: u32) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(child) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else { continue };
        // pid (comm) state ppid ...; comm may hold spaces, so read after the last ')'.
        let ppid = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
        if ppid == Some(pid) {
            let cmdline = std::fs::read(format!("/proc/{child}/cmdline")).unwrap_or_default();
            out.push((child, String::from_utf8_lossy(&cmdline).replace('\0', " ")));
        }
    }
    out
}

fn is_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next().map(str::to_owned)))
        .is_some_and(|state| state != "Z")
}

/// The value after `label` on the printed line that starts with it (after indentation).
fn printed_field(lines: &[String], starts: &str, label: &str) -> String {
    let line = lines
        .iter()
        .find(|l| l.trim_start().starts_with(starts))
        .unwrap_or_else(|| panic!("no line starting with {starts:?} in:\n{}", lines.join("\n")));
    let after = line.split_once(label).unwrap_or_else(|| panic!("no {label:?} in {line:?}")).1;
    after.split_whitespace().next().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_shows_a_whole_msp_with_this_computer_and_stops_cleanly() {
    let port = free_port();
    let mut demo = Demo::start(&["--listen", &format!("127.0.0.1:{port}")]);
    let printed = demo.read_until("Ctrl-C to stop.").to_vec();
    let url = format!("https://127.0.0.1:{port}");
    assert!(printed.iter().any(|l| l.contains(&url)), "the URL is printed:\n{}", printed.join("\n"));
    let admin_password = printed_field(&printed, "Administrator", "password:");
    let tech_login = printed_field(&printed, "Technician", "Technician");
    let tech_password = printed_field(&printed, "Technician", "password:");
    let portal_login = printed_field(&printed, "Client portal", "portal");
    let portal_password = printed_field(&printed, "Client portal", "password:");
    let data_dir = printed_field(&printed, "Data folder:", "Data folder:");
    assert!(std::path::Path::new(&data_dir).is_dir(), "{data_dir} exists while the demo runs");

    // Each printed login works.
    let login = |login: String, password: String| {
        let url = url.clone();
        async move {
            let client = http_client();
            let res = client
                .post(format!("{url}/auth/login"))
                .json(&json!({ "login": login, "password": password }))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "login as {login}");
            let body: Value = res.json().await.unwrap();
            Session { client, csrf: body["csrf_token"].as_str().unwrap().to_owned(), base: url }
        }
    };
    let admin = login("admin".into(), admin_password).await;
    let technician = login(tech_login, tech_password).await;
    let portal = login(portal_login, portal_password).await;

    for status in ["new", "open", "pending", "resolved", "closed"] {
        let (code, page) = technician.get(&format!("/api/v1/tickets?status={status}")).await;
        assert_eq!(code, 200, "{page}");
        assert!(!page["items"].as_array().unwrap().is_empty(), "tickets in status {status}: {page}");
    }
    let (_, clients) = admin.get("/api/v1/clients").await;
    assert!(clients["items"].as_array().unwrap().len() >= 3, "{clients}");
    let (_, users) = admin.get("/api/v1/users?limit=100").await;
    let technicians = users["items"].as_array().unwrap().iter().filter(|u| u["role"] == "technician").count();
    assert!(technicians >= 3, "{users}");
    let (code, articles) = technician.get("/api/v1/kb/articles").await;
    assert_eq!(code, 200, "{articles}");
    assert!(articles["items"].as_array().unwrap().len() >= 3, "{articles}");
    // The portal user sees their own company's tickets only.
    let (_, own) = portal.get("/api/v1/tickets").await;
    let own = own["items"].as_array().unwrap();
    assert!(!own.is_empty());
    assert!(own.iter().all(|t| t["client_id"] == own[0]["client_id"]), "{own:?}");

    // This computer is a device, and it checks in.
    let device = eventually(180, "this computer to check in", || async {
        let (_, list) = admin.get("/api/v1/devices").await;
        list["items"].as_array()?.iter().find(|d| d["online"] == true && d["cpu_pct"].is_number()).cloned()
    })
    .await;
    assert_eq!(device["client"], "Northwind Traders", "{device}");

    let agents: Vec<(u32, String)> =
        children_of(demo.child.id()).into_iter().filter(|(_, cmd)| cmd.contains("agent run")).collect();
    assert_eq!(agents.len(), 1, "one agent runs as the demo's child: {agents:?}");
    assert_eq!(demo.terminate(), Some(0), "the demo exits cleanly on SIGTERM");
    let (agent_pid, _) = &agents[0];
    // Once its parent is gone an exited agent is reaped by init at once; give that a moment.
    let gone = Instant::now() + Duration::from_secs(10);
    while is_running(*agent_pid) && Instant::now() < gone {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!is_running(*agent_pid), "the agent stopped with the demo");
    assert!(!std::path::Path::new(&data_dir).exists(), "the temporary data folder {data_dir} is deleted");
}

#[test]
fn a_port_in_use_is_refused_with_a_sentence() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = Command::new(STEWARD)
        .args(["demo", "--listen", &addr])
        .env_remove("STEWARD_CONFIG")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains(&format!("{addr} is already in use")), "{stderr}");
    assert!(stderr.contains("--listen"), "it says how to pick another port: {stderr}");
}

#[test]
fn a_folder_with_other_data_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("steward.db"), b"a real server's database").unwrap();
    let out = Command::new(STEWARD)
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env_remove("STEWARD_CONFIG")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("was not made by `steward demo`"), "{stderr}");
    assert_eq!(std::fs::read(dir.path().join("steward.db")).unwrap(), b"a real server's database");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "nothing was added to the folder");
}
