//! Rule evaluation throughput: 1,000 rules over the check-ins of 10,000 devices.
//!
//!   cargo bench --bench rule_engine          # STEWARD_BENCH_ROUNDS=3 by default
//!
//! Two figures, each from the same fleet and rules:
//! - **evaluation only**: for each check-in, pick the rules that apply to the device (scope and
//!   overrides), read its metrics and step every (rule, subject) state machine, in memory;
//! - **as the server does it**: `engine::on_check_in` inside a SQLite write transaction on a
//!   real database file (its stored states loaded, changed ones saved, alerts and outbox rows
//!   written), 100 check-ins per transaction like the writer batches them.
//!
//! The fleet: 200 clients with 2 sites each, 10,000 devices with two filesystems, a few tags.
//! The rules: the 8 shipped defaults plus 992 more at client, site, device and tag scope
//! (thresholds on CPU, memory, disks, load; process and service watches), so a device sees a
//! dozen applicable rules after overrides, as a real MSP's would. About 3 % of the devices have a
//! disk above 90 %, so alerts open and states are stored too.

use std::collections::HashMap;
use std::time::Instant;

use steward::protocol::{Filesystem, Metrics, Report};
use steward::rules::condition::{Condition, Op};
use steward::rules::eval::KeyState;
use steward::rules::scope::{DeviceFacts, Scope};
use steward::rules::{Rule, defaults};
use steward::services::engine::{self, Book, Context};

const DEVICES: i64 = 10_000;
const CLIENTS: i64 = 200;
const RULES: usize = 1_000;

fn facts(d: i64) -> DeviceFacts {
    let client = d % CLIENTS + 1;
    let tags = match d % 10 {
        0 => vec!["server".to_owned()],
        1 => vec!["backup".to_owned(), "server".to_owned()],
        _ => vec![],
    };
    DeviceFacts { device_id: d + 1, client_id: client, site_id: Some(client * 2 - (d / CLIENTS) % 2), tags }
}

fn metrics(d: i64, round: i64) -> Metrics {
    let full = d % 33 == 0; // ~3 % of devices have a nearly full disk
    let root_used = if full { 95 } else { 40 + (d + round) % 40 } as u64;
    Metrics {
        cpu_pct: ((d * 7 + round * 13) % 100) as f64,
        cpu_count: 4,
        mem_total_bytes: 16 << 30,
        mem_used_bytes: ((d % 90 + 5) as u64 * (16 << 30)) / 100,
        mem_available_bytes: 1 << 30,
        load5: (d % 8) as f64,
        filesystems: vec![
            Filesystem {
                mount: "/".into(),
                used_bytes: root_used << 30,
                available_bytes: (100 - root_used) << 30,
                total_bytes: 100 << 30,
                ..Default::default()
            },
            Filesystem {
                mount: "/data".into(),
                used_bytes: 200 << 30,
                available_bytes: 800 << 30,
                total_bytes: 1000 << 30,
                ..Default::default()
            },
        ],
        ..Default::default()
    }
}

fn rules() -> Vec<Rule> {
    let mut out: Vec<Rule> = defaults::rules();
    let metrics = ["cpu_pct", "mem_used_pct", "disk_used_pct", "load_per_core", "swap_used_pct"];
    let mut i = 0;
    while out.len() < RULES {
        let n = i as i64;
        let scope = match i % 4 {
            0 => Scope::Client { client_id: n % CLIENTS + 1 },
            1 => Scope::Site { site_id: n % (CLIENTS * 2) + 1 },
            2 => Scope::Device { device_id: (n * 37) % DEVICES + 1 },
            _ => Scope::Tag { tag: if i % 8 == 3 { "server".into() } else { "backup".into() } },
        };
        let condition = match i % 6 {
            5 => Condition::Process { name: format!("svc{}", i % 50), severity: steward::rules::Severity::Critical },
            _ => {
                let metric = metrics[i % metrics.len()];
                let (w, c) = if metric == "load_per_core" { (2.0, 4.0) } else { (80.0 + (i % 10) as f64, 97.0) };
                Condition::Threshold {
                    metric: metric.into(),
                    op: Op::Above,
                    warning: Some(w),
                    critical: Some(c),
                    clear: None,
                    subject: String::new(),
                }
            }
        };
        out.push(Rule {
            id: 0,
            name: format!("rule {i}"),
            enabled: true,
            scope,
            condition,
            hold_secs: 600,
            clear_hold_secs: 300,
            renotify_secs: 0,
            builtin: None,
            tickets: Default::default(),
        });
        i += 1;
    }
    for (i, r) in out.iter_mut().enumerate() {
        r.id = i as i64 + 1;
    }
    out
}

fn evaluation_only(book: &Book, rounds: i64) {
    let mut states: HashMap<(i64, i64, String), KeyState> = HashMap::new();
    let all: Vec<DeviceFacts> = (0..DEVICES).map(facts).collect();
    let (mut checkins, mut steps, mut applicable) = (0u64, 0u64, 0u64);
    let started = Instant::now();
    for round in 0..rounds {
        let t = 1_800_000_000 + round * 60;
        for (d, f) in all.iter().enumerate() {
            let m = metrics(d as i64, round);
            let rules = book.applicable(f);
            applicable += rules.len() as u64;
            for rule in rules {
                if let Some(readings) = rule.condition.read_metrics(&m) {
                    for (subject, r) in readings {
                        let s = states.entry((f.device_id, rule.id, subject)).or_default();
                        s.step(Some(&r), t, rule.timing(), false);
                        steps += 1;
                    }
                }
            }
            checkins += 1;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "evaluation only: {checkins} check-ins in {secs:.2} s = {:.0} check-ins/s, {:.0} rule evaluations/s \
         ({:.1} applicable rules and {:.1} subject evaluations per check-in)",
        checkins as f64 / secs,
        steps as f64 / secs,
        applicable as f64 / checkins as f64,
        steps as f64 / checkins as f64
    );
}

fn with_storage(rules: &[Rule], rounds: i64) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    let mut conn = steward::db::open_connection(&path, false).unwrap();
    steward::db::migrations::migrate(&mut conn, &path).unwrap();
    {
        let tx = conn.transaction().unwrap();
        for c in 1..=CLIENTS {
            tx.execute(
                "INSERT INTO clients (id, name, created_at, updated_at) VALUES (?1, ?2, 0, 0)",
                (c, format!("Client {c}")),
            )
            .unwrap();
            for s in [c * 2 - 1, c * 2] {
                tx.execute(
                    "INSERT INTO sites (id, client_id, name, created_at, updated_at) VALUES (?1, ?2, ?3, 0, 0)",
                    (s, c, format!("Site {s}")),
                )
                .unwrap();
            }
        }
        for d in 0..DEVICES {
            let f = facts(d);
            tx.execute(
                "INSERT INTO devices (id, client_id, site_id, machine_id, hostname, secret_hash, enrolled_at, online, last_seen)
                 VALUES (?1, ?2, ?3, ?4, ?5, x'00', 0, 1, 0)",
                (f.device_id, f.client_id, f.site_id, format!("m{d}"), format!("host-{d}")),
            )
            .unwrap();
            for t in &f.tags {
                tx.execute("INSERT INTO device_tags (device_id, tag) VALUES (?1, ?2)", (f.device_id, t)).unwrap();
            }
        }
        tx.execute("DELETE FROM rules", []).unwrap();
        for r in rules {
            steward::db::rules::insert(&tx, r, 0).unwrap();
        }
        tx.execute(
            "INSERT INTO channels (name, kind, target, created_at, updated_at) VALUES ('ops', 'webhook', 'http://127.0.0.1:9/', 0, 0)",
            [],
        )
        .unwrap();
        tx.commit().unwrap();
    }
    let stored = steward::db::rules::all(&conn).unwrap();
    let ctx = Context {
        book: std::sync::Arc::new(Book::new(stored, Vec::new())),
        offline_after: 180,
        public_url: "https://steward.example".into(),
    };
    let (mut checkins, mut alerts, mut notices) = (0u64, 0usize, 0usize);
    let started = Instant::now();
    for round in 0..rounds {
        let t = 1_800_000_000 + round * 300;
        for batch in (0..DEVICES).collect::<Vec<_>>().chunks(100) {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).unwrap();
            for &d in batch {
                let report =
                    Report { seq: round as u64 + 1, collected_at: t, metrics: metrics(d, round), ..Default::default() };
                let (outcome, _) = engine::on_check_in(&tx, &ctx, d + 1, &[&report], 0, t).unwrap();
                alerts += outcome.alerts.len();
                notices += outcome.notices;
                checkins += 1;
            }
            tx.commit().unwrap();
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let states: i64 = conn.query_row("SELECT count(*) FROM rule_state", [], |r| r.get(0)).unwrap();
    println!(
        "as the server does it (SQLite, 100 check-ins per transaction): {checkins} check-ins in {secs:.2} s = {:.0} check-ins/s; \
         {alerts} alert changes, {notices} notices queued, {states} states stored",
        checkins as f64 / secs
    );
}

fn main() {
    let rounds: i64 = std::env::var("STEWARD_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let rules = rules();
    let book = Book::new(rules.clone(), Vec::new());
    println!("{} rules, {DEVICES} devices, {rounds} rounds of check-ins", rules.len());
    evaluation_only(&book, rounds);
    // Rounds 5 minutes apart, so 10-minute holds complete in the third round and alerts open.
    with_storage(&rules, rounds);
}
