//! The agent's footprint beside Debian's prometheus-node-exporter, measured in the same run:
//! peak resident memory (VmHWM) and CPU time over a window, with the agent checking in every 10 s
//! to a real server and node-exporter scraped every 10 s.
//!
//!   cargo bench --bench agent_footprint            # 5 minutes (STEWARD_BENCH_SECS to change)
//!
//! Needs `prometheus-node-exporter` (apt-get install prometheus-node-exporter).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const STEWARD: &str = env!("CARGO_BIN_EXE_steward");
const NODE_EXPORTER: &str = "/usr/bin/prometheus-node-exporter";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// (VmRSS, VmHWM) in bytes.
fn memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
            * 1024
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// User + system CPU time of a process, in seconds (children included once they are reaped).
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<u64> = after.split_whitespace().filter_map(|v| v.parse().ok()).collect();
    // After the command: state(skipped, not numeric) ppid pgrp session tty tpgid flags minflt cminflt
    // majflt cmajflt utime stime cutime cstime -> utime is the 12th numeric field here.
    let ticks = 100.0; // USER_HZ on Linux
    (f.get(10).copied().unwrap_or(0)
        + f.get(11).copied().unwrap_or(0)
        + f.get(12).copied().unwrap_or(0)
        + f.get(13).copied().unwrap_or(0)) as f64
        / ticks
}

/// A plain HTTP GET on loopback, as a scraper would make it; returns the body length.
fn scrape(port: u16) -> usize {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else { return 0 };
    let _ = s.write_all(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    let mut body = Vec::new();
    let _ = s.read_to_end(&mut body);
    body.len()
}

struct Guard(Vec<Child>);
impl Drop for Guard {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` and `cargo test --benches` ask what is here
    }
    assert!(
        std::path::Path::new(NODE_EXPORTER).exists(),
        "{NODE_EXPORTER} is missing: apt-get install prometheus-node-exporter"
    );
    let secs: u64 = std::env::var("STEWARD_BENCH_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(300);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let state = dir.path().join("agent");
    let mut guard = Guard(Vec::new());

    // A real server on loopback.
    let server_port = free_port();
    let mut server = Command::new(STEWARD)
        .args(["server", "--listen", &format!("127.0.0.1:{server_port}"), "--data-dir"])
        .arg(&data)
        .env("STEWARD_ADMIN_PASSWORD", "benchmark-password")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut fingerprint = String::new();
    for line in BufReader::new(server.stdout.take().unwrap()).lines().map_while(Result::ok) {
        if let Some(fp) = line.trim().strip_prefix("TLS certificate SHA-256 fingerprint:") {
            fingerprint = fp.trim().to_owned();
        }
        if line.starts_with("Logs go to") {
            break;
        }
    }
    guard.0.push(server);
    let admin = |args: &[&str]| {
        let out = Command::new(STEWARD).arg("admin").arg("--data-dir").arg(&data).args(args).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    admin(&["client", "add", "Benchmark"]);
    let token: serde_json::Value =
        serde_json::from_str(&admin(&["enroll-token", "create", "--client", "Benchmark", "--json"])).unwrap();
    let url = format!("https://127.0.0.1:{server_port}");
    let enrolled = Command::new(STEWARD)
        .args([
            "agent",
            "enroll",
            "--server",
            &url,
            "--token",
            token["token"].as_str().unwrap(),
            "--fingerprint",
            &fingerprint,
            "--state-dir",
        ])
        .arg(&state)
        .output()
        .unwrap();
    assert!(enrolled.status.success(), "{}", String::from_utf8_lossy(&enrolled.stderr));

    let agent = Command::new(STEWARD)
        .args(["agent", "run", "--interval", "10s", "--state-dir"])
        .arg(&state)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let ne_port = free_port();
    let exporter = Command::new(NODE_EXPORTER)
        .arg(format!("--web.listen-address=127.0.0.1:{ne_port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (agent_pid, ne_pid) = (agent.id(), exporter.id());
    guard.0.push(agent);
    guard.0.push(exporter);

    // Start-up: the agent's first inventory, patch check (apt simulates an upgrade) and SMART scan
    // run once at start and then every 6 h. They are timed on their own; the comparison window
    // starts when the inventory has reached the server.
    let warm = Instant::now();
    let db = data.join("steward.db");
    let inventory_stored = || {
        rusqlite::Connection::open(&db)
            .and_then(|c| c.query_row("SELECT count(*) FROM device_inventory", [], |r| r.get::<_, i64>(0)))
            .unwrap_or(0)
            > 0
    };
    while !inventory_stored() {
        assert!(warm.elapsed() < Duration::from_secs(300), "the agent sent no inventory within 5 minutes");
        std::thread::sleep(Duration::from_millis(200));
    }
    let startup = (warm.elapsed().as_secs_f64(), cpu_seconds(agent_pid), memory(agent_pid).1);
    let start = Instant::now();
    let (agent_cpu0, ne_cpu0) = (cpu_seconds(agent_pid), cpu_seconds(ne_pid));
    let mut next_scrape = Instant::now();
    let mut scraped = 0;
    let mut rss_samples = (0u64, 0u64, 0u32);
    eprintln!("measuring for {secs} s ...");
    while start.elapsed() < Duration::from_secs(secs) {
        if Instant::now() >= next_scrape {
            if scrape(ne_port) > 0 {
                scraped += 1;
            }
            next_scrape += Duration::from_secs(10);
        }
        let (a, _) = memory(agent_pid);
        let (n, _) = memory(ne_pid);
        rss_samples = (rss_samples.0 + a, rss_samples.1 + n, rss_samples.2 + 1);
        std::thread::sleep(Duration::from_millis(500));
    }
    let elapsed = start.elapsed().as_secs_f64();
    let agent_cpu = (cpu_seconds(agent_pid) - agent_cpu0) / elapsed * 100.0;
    let ne_cpu = (cpu_seconds(ne_pid) - ne_cpu0) / elapsed * 100.0;
    let (_, agent_peak) = memory(agent_pid);
    let (_, ne_peak) = memory(ne_pid);
    let mib = |b: u64| b as f64 / 1_048_576.0;
    let n = rss_samples.2.max(1) as u64;
    let reports: i64 = rusqlite::Connection::open(data.join("steward.db"))
        .and_then(|c| c.query_row("SELECT count(*) FROM device_reports", [], |r| r.get(0)))
        .unwrap_or(-1);
    println!(
        "start-up (first inventory, patch check, SMART scan; then every 6 h): {:.1} s wall, {:.2} s CPU incl. apt/dpkg, peak RSS {:.1} MiB",
        startup.0,
        startup.1,
        startup.2 as f64 / 1_048_576.0
    );
    println!(
        "agent footprint over {elapsed:.0} s (agent every 10 s: {reports} reports stored; node-exporter scraped {scraped} times)"
    );
    println!("| process | peak RSS (VmHWM) | mean RSS | CPU (% of one core) |");
    println!("| --- | ---: | ---: | ---: |");
    println!("| steward agent | {:.1} MiB | {:.1} MiB | {:.3} % |", mib(agent_peak), mib(rss_samples.0 / n), agent_cpu);
    println!(
        "| prometheus-node-exporter | {:.1} MiB | {:.1} MiB | {:.3} % |",
        mib(ne_peak),
        mib(rss_samples.1 / n),
        ne_cpu
    );
    println!(
        "agent/node-exporter: peak RSS {:.2} (target <= 0.50), CPU {:.2} (target <= 1.00)",
        agent_peak as f64 / ne_peak.max(1) as f64,
        agent_cpu / ne_cpu.max(1e-9)
    );
}
