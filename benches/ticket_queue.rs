//! The ticket queue with 100,000 tickets: how long the queue page's requests take the real server.
//!
//!   cargo bench --bench ticket_queue        # about 2 minutes after the build
//!
//! A database is made with the real migrations and seeded in one transaction: 50 clients with
//! sites and contacts, 8 technicians, 4 queues, 100,000 tickets over two years (about 15 % still
//! active), each with its history (`created`, and `status` events for the finished ones), some
//! with comments. The full-text indexes are kept by the migration's triggers, so the seeding time
//! printed includes them. Then the real `steward server` starts on that folder, a technician logs
//! in over HTTPS, and each request the queue page makes is timed 200 times after a warm-up, one
//! at a time on one kept-alive connection, the body read to the end, gzip asked for as a browser
//! does. The server sends no timing header, so the figure is the loopback round trip, which
//! bounds the server's time from above. Beside it, the same list read straight through
//! `db::tickets::list` on a read connection of the same file: the SQL's share of that time.
//!
//! `STEWARD_BENCH_TICKETS` and `STEWARD_BENCH_REQUESTS` change the sizes (100000 and 200).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rusqlite::params;
use steward::db::tickets::{self, AssigneeFilter, TicketFilter};
use steward::tickets::{Priority, Status};

const STEWARD: &str = env!("CARGO_BIN_EXE_steward");
const CLIENTS: i64 = 50;
const TECHNICIANS: i64 = 8;
const QUEUES: i64 = 4;
const PASSWORD: &str = "benchmark-password";
const DAY: i64 = 86_400;

/// A small deterministic generator (xorshift), so every run seeds the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// 0..n
    fn below(&mut self, n: i64) -> i64 {
        (self.next() % n as u64) as i64
    }
    /// True with probability `percent` %.
    fn chance(&mut self, percent: i64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as i64) as usize]
    }
}

const PROBLEMS: &[&str] = &[
    "Outlook keeps asking for the password",
    "Printer offline",
    "VPN does not connect from home",
    "Disk almost full",
    "New starter needs a laptop",
    "Cannot open shared folder",
    "Backup job failed",
    "Wi-Fi drops in the meeting room",
    "Teams camera not working",
    "Password reset",
    "Slow computer",
    "Invoice PDF will not print",
    "Phone handset has no dial tone",
    "Firewall firmware update",
    "Mailbox full",
    "Scanner sends nothing to e-mail",
    "Certificate expires soon",
    "Server restarted unexpectedly",
    "Licence renewal for accounting software",
    "Monitor flickers",
];
const PLACES: &[&str] =
    &["at reception", "in accounts", "for the warehouse", "on the CEO's laptop", "since this morning", "again", ""];
const DETAILS: &[&str] = &[
    "The user says it started after the last Windows update.",
    "Happens every day around nine; a restart helps for an hour.",
    "Two people in the same office have the same problem.",
    "Urgent: they have a client meeting this afternoon.",
    "Alert from the monitoring: threshold crossed for more than ten minutes.",
    "They tried turning it off and on again.",
    "Please call back on the mobile number in the contact card.",
    "Same as last month; see the earlier ticket.",
];
const COMMENTS: &[&str] = &[
    "Called the user, remote session booked for 2 pm.",
    "Replaced the toner and printed a test page; working.",
    "Waiting for the vendor to answer.",
    "Rebooted the server out of hours; monitoring is green again.",
    "Reset the password and asked them to enrol MFA.",
    "Cleared 40 GB of old backups; 35 % free now.",
];

struct Seeded {
    /// The technician who logs in, and the client whose tickets are filtered on.
    technician_id: i64,
    client_id: i64,
    tickets: i64,
    active: i64,
    events: i64,
    comments: i64,
}

fn seed(path: &Path, tickets: i64) -> Seeded {
    let mut conn = steward::db::open_connection(path, false).unwrap();
    steward::db::migrations::migrate(&mut conn, path).unwrap();
    let now = steward::clock::Clock::system().now();
    let hash = steward::auth::hash_password(PASSWORD).unwrap();
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    let tx = conn.transaction().unwrap();
    let (mut events, mut comments, mut active) = (0i64, 0i64, 0i64);
    {
        let mut client =
            tx.prepare("INSERT INTO clients (id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)").unwrap();
        let mut site = tx
            .prepare("INSERT INTO sites (id, client_id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)")
            .unwrap();
        let mut contact = tx
            .prepare(
                "INSERT INTO contacts (id, client_id, name, email, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            )
            .unwrap();
        for c in 1..=CLIENTS {
            client.execute(params![c, format!("Client {c:02} Ltd"), now - 800 * DAY]).unwrap();
            for s in 0..2 {
                site.execute(params![c * 2 - 1 + s, c, format!("Office {}", s + 1), now - 800 * DAY]).unwrap();
            }
            for k in 0..4 {
                let id = (c - 1) * 4 + k + 1;
                contact
                    .execute(params![
                        id,
                        c,
                        format!("Person {k} of client {c}"),
                        format!("p{k}@client{c}.example"),
                        now
                    ])
                    .unwrap();
            }
        }
        let mut user = tx
            .prepare(
                "INSERT INTO users (id, login, email, name, role, password_hash, created_at, updated_at)
                 VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, ?6)",
            )
            .unwrap();
        user.execute(params![1, "admin", "Administrator", "admin", hash, now]).unwrap();
        for t in 1..=TECHNICIANS {
            let login = format!("tech{t}@msp.example");
            user.execute(params![t + 1, login, format!("Technician {t}"), "technician", hash, now]).unwrap();
        }
        let mut queue = tx
            .prepare("INSERT INTO queues (id, name, assignment, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)")
            .unwrap();
        let mut member = tx.prepare("INSERT INTO queue_members (queue_id, user_id) VALUES (?1, ?2)").unwrap();
        for (q, name) in ["Service desk", "Projects", "Network", "Escalations"].iter().enumerate() {
            let q = q as i64 + 1;
            queue.execute(params![q, name, if q == 1 { "round_robin" } else { "manual" }, now]).unwrap();
            for t in 1..=TECHNICIANS {
                if (t + q) % 2 == 0 || q == 1 {
                    member.execute(params![q, t + 1]).unwrap();
                }
            }
        }
    }
    let started = Instant::now();
    {
        let mut ticket = tx
            .prepare(
                "INSERT INTO tickets (id, subject, description, client_id, site_id, contact_id, source, category,
                     priority, status, queue_id, assignee_id, created_by, created_at, updated_at, first_response_at,
                     resolved_at, closed_at, version, sla_policy_id, first_response_due, resolution_due,
                     first_response_met, resolution_met, resolution_breached, sla_due)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, 1,
                         ?20, ?21, ?22, ?23, ?24, ?25)",
            )
            .unwrap();
        let mut event = tx
            .prepare(
                "INSERT INTO ticket_events (ticket_id, at, user_id, kind, old_value, new_value)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .unwrap();
        let mut comment = tx
            .prepare(
                "INSERT INTO ticket_comments (ticket_id, author_id, body, public, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .unwrap();
        for id in 1..=tickets {
            // Clients differ in size: the square skews tickets towards the low numbers.
            let r = rng.below(1000) as f64 / 1000.0;
            let client = ((r * r * CLIENTS as f64) as i64).min(CLIENTS - 1) + 1;
            let status = match rng.below(100) {
                0..75 => "closed",
                75..85 => "resolved",
                85..89 => "new",
                89..97 => "open",
                _ => "pending",
            };
            let is_active = matches!(status, "new" | "open" | "pending");
            let priority = match rng.below(100) {
                0..3 => "P1",
                3..18 => "P2",
                18..78 => "P3",
                _ => "P4",
            };
            let source = match rng.below(10) {
                0..4 => "alert",
                4..7 => "manual",
                7..9 => "portal",
                _ => "api",
            };
            // Active tickets are recent; finished ones spread over two years.
            let age = if is_active { rng.below(30 * DAY) } else { rng.below(730 * DAY) + DAY };
            let created = now - age;
            let assignee = if status == "new" && rng.chance(60) || is_active && rng.chance(10) {
                None
            } else {
                Some(rng.below(TECHNICIANS) + 2)
            };
            let queue = (!rng.chance(15)).then(|| rng.below(QUEUES) + 1);
            let target = match priority {
                "P1" => 4 * 3600,
                "P2" => 8 * 3600,
                "P3" => 2 * DAY,
                _ => 5 * DAY,
            };
            let responded = (status != "new").then(|| created + rng.below(3 * 3600) + 60);
            let resolved = matches!(status, "resolved" | "closed").then(|| created + rng.below(target * 2) + 600);
            let closed = (status == "closed").then(|| resolved.unwrap_or(created) + 3 * DAY);
            // The queue's sort key: the running clock's due time; none while pending or finished,
            // and none for a few tickets whose policy could not be read.
            let sla_due = (matches!(status, "new" | "open") && !rng.chance(5)).then_some(created + target);
            let met = resolved.is_some_and(|r| r <= created + target);
            let subject = format!("{} {}", rng.pick(PROBLEMS), rng.pick(PLACES)).trim().to_owned();
            let description = format!("{} {}", rng.pick(DETAILS), rng.pick(DETAILS));
            let updated = closed.or(resolved).or(responded).unwrap_or(created);
            let site = client * 2 - 1 + rng.below(2);
            let contact = (source != "alert").then(|| (client - 1) * 4 + rng.below(4) + 1);
            let created_by = (source == "manual").then(|| rng.below(TECHNICIANS) + 2);
            ticket
                .execute(params![
                    id,
                    subject,
                    description,
                    client,
                    site,
                    contact,
                    source,
                    if source == "alert" { "monitoring" } else { "" },
                    priority,
                    status,
                    queue,
                    assignee,
                    created_by,
                    created,
                    updated,
                    responded,
                    resolved,
                    closed,
                    1 + i64::from(responded.is_some()) + i64::from(resolved.is_some()) + i64::from(closed.is_some()),
                    created + target / 4,
                    created + target,
                    responded.is_some(),
                    met,
                    resolved.is_some() && !met,
                    sla_due,
                ])
                .unwrap();
            event.execute(params![id, created, created_by, "created", None::<String>, priority]).unwrap();
            events += 1;
            let mut last = "new";
            for (at, to) in [(responded, "open"), (resolved, "resolved"), (closed, "closed")] {
                if let Some(at) = at {
                    event.execute(params![id, at, assignee, "status", last, to]).unwrap();
                    last = to;
                    events += 1;
                }
            }
            if status == "pending" {
                event.execute(params![id, created + 3600, assignee, "status", last, "pending"]).unwrap();
                events += 1;
            }
            if rng.chance(30) {
                for k in 0..rng.below(3) + 1 {
                    let at = created + 600 * (k + 1);
                    comment.execute(params![id, assignee.unwrap_or(2), rng.pick(COMMENTS), k % 2 == 0, at]).unwrap();
                    comments += 1;
                }
            }
            active += i64::from(is_active);
        }
    }
    tx.commit().unwrap();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "seeded {tickets} tickets ({active} active), {events} events and {comments} comments in {secs:.1} s \
         ({:.0} tickets/s, full-text indexes kept by the triggers)",
        tickets as f64 / secs
    );
    // The client filtered on: a middling one (client 8 has about 4 % of the tickets).
    Seeded { technician_id: 2, client_id: 8, tickets, active, events, comments }
}

/// p50, p99 and max of durations, in milliseconds.
fn percentiles(samples: &mut [Duration]) -> (f64, f64, f64) {
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1;
        samples[i].as_secs_f64() * 1000.0
    };
    (at(0.50), at(0.99), at(1.0))
}

/// One request the queue page makes.
struct Kind {
    name: &'static str,
    path: String,
    /// The same list as `db::tickets::list` sees it; `None` for static files.
    filter: Option<(TicketFilter, Option<(i64, i64)>)>,
}

/// The statuses of the default queue ("active").
fn active() -> Vec<Status> {
    vec![Status::New, Status::Open, Status::Pending]
}

/// The server, stopped when the benchmark ends or fails.
struct Guard(Child);
impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` and `cargo test --benches` ask what is here
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    let count: i64 = std::env::var("STEWARD_BENCH_TICKETS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let rounds: usize = std::env::var("STEWARD_BENCH_REQUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let db = data.join("steward.db");
    let seeded = seed(&db, count);
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(data.join("steward.db-wal")).map(|m| m.len()).unwrap_or(0);
    println!("database: {:.0} MiB", size as f64 / 1_048_576.0);

    // The real server on that folder.
    let mut server = Command::new(STEWARD)
        .args(["server", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .env_remove("STEWARD_CONFIG")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut url = String::new();
    for line in BufReader::new(server.stdout.take().unwrap()).lines().map_while(Result::ok) {
        if let Some(u) = line.trim().strip_prefix("URL:") {
            url = u.trim().to_owned();
        }
        if line.starts_with("Logs go to") {
            break;
        }
    }
    let _server = Guard(server);
    assert!(!url.is_empty(), "the server printed no URL");

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let http = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .cookie_store(true)
        .pool_max_idle_per_host(1)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let login = format!("tech{}@msp.example", seeded.technician_id - 1);
    rt.block_on(async {
        let res = http
            .post(format!("{url}/auth/login"))
            .json(&serde_json::json!({ "login": login, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "login failed: {}", res.text().await.unwrap_or_default());
    });
    let get_json = |path: &str| -> serde_json::Value {
        rt.block_on(async {
            let res = http.get(format!("{url}{path}")).send().await.unwrap();
            assert_eq!(res.status(), 200, "GET {path}");
            res.json().await.unwrap()
        })
    };
    // The second page: the cursor the first page of the default queue hands out.
    let first = get_json("/api/v1/tickets?status=active&limit=50");
    let cursor = first["next_cursor"].as_str().expect("a second page").to_owned();
    let decoded = {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&cursor).unwrap();
        String::from_utf8(bytes).unwrap()
    };
    let after = decoded.split_once(':').map(|(d, i)| (d.parse::<i64>().unwrap(), i.parse::<i64>().unwrap()));

    let c = seeded.client_id;
    let me = seeded.technician_id;
    let filter = |f: TicketFilter| Some((f, None));
    let kinds = vec![
        Kind {
            name: "default queue: status=active",
            path: "/api/v1/tickets?status=active&limit=50".into(),
            filter: filter(TicketFilter { statuses: active(), ..Default::default() }),
        },
        Kind {
            name: "second page (cursor)",
            path: format!("/api/v1/tickets?status=active&limit=50&cursor={cursor}"),
            filter: Some((TicketFilter { statuses: active(), ..Default::default() }, after)),
        },
        Kind {
            name: "assignee=me",
            path: "/api/v1/tickets?status=active&assignee=me&limit=50".into(),
            filter: filter(TicketFilter {
                statuses: active(),
                assignee: Some(AssigneeFilter::User(me)),
                ..Default::default()
            }),
        },
        Kind {
            name: "assignee=unassigned",
            path: "/api/v1/tickets?status=active&assignee=unassigned&limit=50".into(),
            filter: filter(TicketFilter {
                statuses: active(),
                assignee: Some(AssigneeFilter::Unassigned),
                ..Default::default()
            }),
        },
        Kind {
            name: "priority=P2 + client",
            path: format!("/api/v1/tickets?status=active&priority=P2&client_id={c}&limit=50"),
            filter: filter(TicketFilter {
                statuses: active(),
                priority: Some(Priority::P2),
                client_id: Some(c),
                ..Default::default()
            }),
        },
        Kind {
            name: "q=printer, active",
            path: "/api/v1/tickets?status=active&q=printer&limit=50".into(),
            filter: filter(TicketFilter { statuses: active(), search: Some("printer".into()), ..Default::default() }),
        },
        Kind {
            name: "q=printer, all statuses",
            path: "/api/v1/tickets?q=printer&limit=50".into(),
            filter: filter(TicketFilter { search: Some("printer".into()), ..Default::default() }),
        },
        Kind {
            name: "q=certificate, client, all statuses",
            path: format!("/api/v1/tickets?q=certificate&client_id={c}&limit=50"),
            filter: filter(TicketFilter {
                client_id: Some(c),
                search: Some("certificate".into()),
                ..Default::default()
            }),
        },
        Kind { name: "GET / (index.html)", path: "/".into(), filter: None },
        Kind { name: "GET /assets/app.js", path: "/assets/app.js".into(), filter: None },
        Kind { name: "GET /assets/js/pages/tickets.js", path: "/assets/js/pages/tickets.js".into(), filter: None },
        Kind { name: "GET /assets/style.css", path: "/assets/style.css".into(), filter: None },
    ];

    let read = steward::db::open_connection(&db, true).unwrap();
    let warmup = 20;
    let started = Instant::now();
    let mut rows = Vec::new();
    for kind in &kinds {
        let target = format!("{url}{}", kind.path);
        let mut samples = Vec::with_capacity(rounds);
        let mut bytes = 0usize;
        for i in 0..warmup + rounds {
            let t = Instant::now();
            let body = rt.block_on(async {
                let res = http.get(&target).header("accept-encoding", "gzip").send().await.unwrap();
                assert_eq!(res.status(), 200, "GET {}", kind.path);
                res.bytes().await.unwrap()
            });
            if i >= warmup {
                samples.push(t.elapsed());
                bytes = body.len();
            }
        }
        let (p50, p99, max) = percentiles(&mut samples);
        let (sql, found) = match &kind.filter {
            Some((f, after)) => {
                let mut q = Vec::with_capacity(rounds);
                let mut found = 0;
                for _ in 0..rounds {
                    let t = Instant::now();
                    found = tickets::list(&read, f, *after, 50).unwrap().len().min(50);
                    q.push(t.elapsed());
                }
                let (p50, p99, _) = percentiles(&mut q);
                (format!("{p50:.1} / {p99:.1} ms"), found.to_string())
            }
            None => ("".into(), "".into()),
        };
        rows.push(format!(
            "| {} | {found} | {:.1} KiB | {p50:.1} ms | {p99:.1} ms | {max:.1} ms | {sql} |",
            kind.name,
            bytes as f64 / 1024.0
        ));
        eprintln!("  {} done", kind.name);
    }
    println!(
        "{} tickets ({} active, {} events, {} comments), {rounds} requests per kind after {warmup} warm-up, one at a time",
        seeded.tickets, seeded.active, seeded.events, seeded.comments
    );
    println!("| request (technician, HTTPS, gzip) | tickets | body | p50 | p99 | max | SQL alone p50 / p99 |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for row in rows {
        println!("{row}");
    }
    println!("measured in {:.0} s", started.elapsed().as_secs_f64());
}
