//! `steward agent`: enrolls this machine with a server, then reports its health, inventory and
//! patch state every interval. Every report goes through the on-disk spool, so nothing is lost
//! while the server is unreachable; the agent runs on a single-threaded runtime to stay light.

pub mod collect;
pub mod install;
pub mod platform;
pub mod spool;
pub mod transport;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::protocol::{CheckIn, CheckInResponse, EnrollRequest, EnrollResponse, Report, Watch};

use self::collect::Collector;
use self::spool::{Bounds, Spool};
use self::transport::{format_fingerprint, parse_fingerprint};

/// Default state folder when run as a service.
pub const DEFAULT_STATE_DIR: &str = "/var/lib/steward-agent";
const STATE_FILE: &str = "agent.json";
/// The spool folder inside the state folder.
const SPOOL_DIR: &str = "spool";
/// How often inventory, SMART and patch state are collected.
const INVENTORY_EVERY: Duration = Duration::from_secs(6 * 3600);
/// Reports sent in one check-in.
const BATCH: usize = 50;
/// Longest wait between delivery attempts while the server is away.
const MAX_BACKOFF: Duration = Duration::from_secs(300);
const HTTP_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("{0}")]
    Usage(String),
    #[error("this machine is not enrolled (no {0}); run `steward agent enroll --server URL --token TOKEN` first")]
    NotEnrolled(PathBuf),
    #[error("cannot reach the server at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("{0}")]
    Refused(String),
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Transport(#[from] transport::TransportError),
    #[error(transparent)]
    Spool(#[from] spool::SpoolError),
}

/// What enrollment leaves in the state folder (mode 0600): how to reach and prove ourselves to
/// the server.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Enrollment {
    pub server: String,
    pub device_id: i64,
    /// `<device id>:<secret>`, sent as the bearer credential.
    pub credential: String,
    /// The server certificate's SHA-256; empty for a plain-HTTP server.
    pub fingerprint: String,
    pub client: String,
    pub interval_secs: u64,
}

impl Enrollment {
    pub fn load(state_dir: &Path) -> Result<Enrollment, AgentError> {
        let path = state_dir.join(STATE_FILE);
        let text = std::fs::read_to_string(&path).map_err(|_| AgentError::NotEnrolled(path.clone()))?;
        serde_json::from_str(&text)
            .map_err(|e| AgentError::Usage(format!("{} is damaged ({e}); enroll again", path.display())))
    }

    fn save(&self, state_dir: &Path) -> Result<(), AgentError> {
        let io = |source| AgentError::Io { path: state_dir.to_owned(), source };
        crate::fsutil::create_private_dir(state_dir).map_err(io)?;
        let text = serde_json::to_vec_pretty(self).expect("enrollment serializes");
        crate::fsutil::write_private_file(&state_dir.join(STATE_FILE), &text).map_err(io)
    }

    fn client(&self) -> Result<reqwest::Client, AgentError> {
        Ok(if self.fingerprint.is_empty() {
            transport::plain_client(HTTP_TIMEOUT)?
        } else {
            transport::pinned_client(parse_fingerprint(&self.fingerprint)?, HTTP_TIMEOUT)?
        })
    }
}

fn open_spool(state_dir: &Path, bounds: Bounds) -> Result<Spool, AgentError> {
    crate::fsutil::create_private_dir(state_dir)
        .map_err(|source| AgentError::Io { path: state_dir.to_owned(), source })?;
    Ok(Spool::open(&state_dir.join(SPOOL_DIR), bounds)?)
}

/// Turns a transport error into a sentence that names the likely cause.
fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// `steward agent enroll`: redeems the token, stores the credentials and pins the certificate.
pub async fn enroll(
    server: &str,
    token: &str,
    fingerprint: Option<&str>,
    state_dir: &Path,
) -> Result<Enrollment, AgentError> {
    let server = server.trim_end_matches('/').to_owned();
    let https = server.starts_with("https://");
    if !https && !server.starts_with("http://") {
        return Err(AgentError::Usage(format!("--server must start with https:// or http://, not {server:?}")));
    }
    let (client, seen, pinned) = match (https, fingerprint) {
        (true, Some(fp)) => {
            let fp = parse_fingerprint(fp)?;
            (transport::pinned_client(fp, HTTP_TIMEOUT)?, None, Some(fp))
        }
        (true, None) => {
            let (client, seen) = transport::system_roots_client(HTTP_TIMEOUT)?;
            (client, Some(seen), None)
        }
        (false, _) => (transport::plain_client(HTTP_TIMEOUT)?, None, None),
    };
    let request = EnrollRequest {
        token: token.trim().to_owned(),
        machine_id: machine_id(),
        hostname: collect::hostname(),
        os: collect::os_description(),
        agent_version: crate::VERSION.to_owned(),
    };
    let url = format!("{server}/agent/v1/enroll");
    let res = client.post(&url).json(&request).send().await.map_err(|e| {
        let reason = describe(&e);
        let hint = if reason.contains("certificate") && fingerprint.is_none() {
            " (a self-signed server needs --fingerprint with the SHA-256 it prints at start)"
        } else {
            ""
        };
        AgentError::Unreachable { url: server.clone(), reason: format!("{reason}{hint}") }
    })?;
    if !res.status().is_success() {
        let status = res.status();
        let body: serde_json::Value = res.json().await.unwrap_or_default();
        let said = body["error"].as_str().unwrap_or("no reason given");
        return Err(AgentError::Refused(format!("the server refused the enrollment ({status}): {said}")));
    }
    let answer: EnrollResponse =
        res.json().await.map_err(|e| AgentError::Refused(format!("the server's answer is not an enrollment: {e}")))?;
    let fingerprint = match (pinned, seen) {
        (Some(fp), _) => format_fingerprint(&fp),
        (None, Some(seen)) => seen.lock().expect("seen lock").map(|fp| format_fingerprint(&fp)).unwrap_or_default(),
        (None, None) => String::new(),
    };
    let enrollment = Enrollment {
        server,
        device_id: answer.device_id,
        credential: answer.device_secret,
        fingerprint,
        client: answer.client,
        interval_secs: answer.interval_secs,
    };
    enrollment.save(state_dir)?;
    open_spool(state_dir, Bounds::default())?.continue_after(answer.acked_seq)?;
    Ok(enrollment)
}

/// This machine's identity for enrollment: `/etc/machine-id`, unless `STEWARD_MACHINE_ID` says
/// otherwise. The override is for machines cloned from one image, which share a machine id and
/// would otherwise enroll as one device.
fn machine_id() -> String {
    std::env::var("STEWARD_MACHINE_ID")
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(collect::machine_id)
}

/// A report of the metrics only; inventory, patches and SMART come from the slow collector.
fn metrics_report(collector: &mut Collector) -> Report {
    Report { seq: 0, collected_at: crate::db::now(), metrics: collector.metrics(), ..Default::default() }
}

/// `steward agent once`: one full report, as JSON.
pub fn once() -> Report {
    let mut collector = Collector::new();
    let mut report = metrics_report(&mut collector);
    report.inventory = Some(collector.inventory());
    report.patches = Some(collector.patches());
    report.smart = Some(collector.smart());
    report
}

/// How `run` behaves; the defaults are what a service uses.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Overrides the server's suggested interval.
    pub interval: Option<Duration>,
    pub bounds: Bounds,
}

/// What one delivery attempt achieved.
enum Delivery {
    /// Everything spooled was delivered.
    Done,
    /// The server could not be reached or failed (5xx): try again later.
    Later(String),
}

/// Sends spooled reports oldest first, in batches, until the spool is empty or the server fails.
async fn deliver(
    client: &reqwest::Client,
    e: &Enrollment,
    spool: &mut Spool,
    interval: &mut Duration,
    pinned_interval: bool,
    watch: &mut Option<Watch>,
) -> Result<Delivery, AgentError> {
    let url = format!("{}/agent/v1/checkin", e.server);
    let mut batch = BATCH;
    loop {
        let reports = spool.oldest(batch)?;
        let Some(last) = reports.last().map(|r| r.seq) else { return Ok(Delivery::Done) };
        let dropped = spool.dropped()?;
        let body = CheckIn { agent_version: crate::VERSION.to_owned(), reports, dropped };
        let res = match client.post(&url).bearer_auth(&e.credential).json(&body).send().await {
            Ok(r) => r,
            Err(err) => return Ok(Delivery::Later(describe(&err))),
        };
        let status = res.status();
        if status.is_success() {
            let answer: CheckInResponse = match res.json().await {
                Ok(a) => a,
                Err(err) => return Ok(Delivery::Later(format!("unreadable answer: {err}"))),
            };
            spool.acknowledge(answer.acked_seq, dropped)?;
            *watch = Some(answer.watch);
            if !pinned_interval && answer.interval_secs > 0 {
                *interval = Duration::from_secs(answer.interval_secs);
            }
            if answer.acked_seq < last {
                return Ok(Delivery::Later(format!("the server acknowledged up to {} of {last}", answer.acked_seq)));
            }
            continue;
        }
        if status.is_server_error()
            || status == reqwest::StatusCode::REQUEST_TIMEOUT
            || status == reqwest::StatusCode::TOO_MANY_REQUESTS
        {
            return Ok(Delivery::Later(format!("the server answered {status}")));
        }
        let said: serde_json::Value = res.json().await.unwrap_or_default();
        let said = said["error"].as_str().unwrap_or("").to_owned();
        if status == reqwest::StatusCode::PAYLOAD_TOO_LARGE && batch > 1 {
            batch = (batch / 2).max(1);
            continue;
        }
        if status == reqwest::StatusCode::BAD_REQUEST || status == reqwest::StatusCode::PAYLOAD_TOO_LARGE {
            if batch > 1 {
                // Find the one report the server refuses by sending them one at a time.
                batch = 1;
                continue;
            }
            tracing::error!(seq = body.reports[0].seq, reason = %said, "the server refuses this report; dropping it");
            spool.discard(body.reports[0].seq)?;
            continue;
        }
        // 401/403: the credentials are no longer valid. Keep spooling; an admin must re-enroll.
        return Ok(Delivery::Later(format!("the server answered {status}: {said}")));
    }
}

/// `steward agent run`: collects every interval, spools, delivers; returns on `stop`.
pub async fn run(
    state_dir: &Path,
    options: RunOptions,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), AgentError> {
    let enrollment = Enrollment::load(state_dir)?;
    let client = enrollment.client()?;
    let mut spool = open_spool(state_dir, options.bounds)?;
    let mut collector = Collector::new();
    let pinned_interval = options.interval.is_some();
    let mut interval = options.interval.unwrap_or(Duration::from_secs(enrollment.interval_secs.max(1)));
    tracing::info!(server = %enrollment.server, device_id = enrollment.device_id, ?interval, "agent running");

    let slow = spawn_slow_collector();
    let mut failures: u32 = 0;
    let mut next_delivery = Instant::now();
    tokio::pin!(stop);
    loop {
        let mut report = metrics_report(&mut collector);
        if let Ok(facts) = slow.try_recv() {
            report.inventory = Some(facts.inventory);
            report.patches = Some(facts.patches);
            report.smart = Some(facts.smart);
        }
        let seq = spool.push(report, crate::db::now())?;
        tracing::debug!(seq, "report spooled");

        if Instant::now() >= next_delivery {
            let mut watch = None;
            let delivered =
                deliver(&client, &enrollment, &mut spool, &mut interval, pinned_interval, &mut watch).await?;
            if let Some(watch) = watch {
                collector.set_watch(watch);
            }
            match delivered {
                Delivery::Done => {
                    if failures > 0 {
                        tracing::info!("the server is reachable again; the spool is delivered");
                    }
                    failures = 0;
                }
                Delivery::Later(reason) => {
                    failures += 1;
                    let wait = backoff(failures, interval);
                    let (waiting, bytes) = spool.backlog()?;
                    tracing::warn!(%reason, retry_in = ?wait, spooled = waiting, spooled_bytes = bytes, "cannot deliver reports; spooling");
                    next_delivery = Instant::now() + wait;
                }
            }
        }
        let sleep = jitter(interval);
        tokio::select! {
            _ = tokio::time::sleep(sleep) => {}
            _ = &mut stop => {
                tracing::info!("agent stopping");
                return Ok(());
            }
        }
    }
}

/// What changes slowly and takes seconds to find out.
struct SlowFacts {
    inventory: crate::protocol::Inventory,
    patches: crate::protocol::PatchState,
    smart: crate::protocol::SmartReport,
}

/// Collects inventory, patch state and SMART at start and every six hours on a thread of its
/// own, so a slow package manager never delays a check-in: the facts ride along with whichever
/// report is made after they are ready.
fn spawn_slow_collector() -> std::sync::mpsc::Receiver<SlowFacts> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new().name("slow-collector".into()).spawn(move || {
        loop {
            let mut collector = Collector::new();
            let facts =
                SlowFacts { inventory: collector.inventory(), patches: collector.patches(), smart: collector.smart() };
            drop(collector);
            if tx.send(facts).is_err() {
                return; // the agent stopped
            }
            std::thread::sleep(INVENTORY_EVERY);
        }
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the inventory thread; reports will carry metrics only");
    }
    rx
}

/// Wait before the next delivery after `failures` failed ones: doubling from the interval, at
/// most ten intervals or five minutes, with ±20 % jitter so a fleet does not retry in step.
pub fn backoff(failures: u32, interval: Duration) -> Duration {
    let cap = MAX_BACKOFF.min(interval * 10).max(interval);
    let base = interval.saturating_mul(1u32 << failures.saturating_sub(1).min(16)).min(cap);
    base.mul_f64(rand::rng().random_range(0.8..1.2))
}

/// The interval with up to ±10 % random jitter.
fn jitter(interval: Duration) -> Duration {
    interval.mul_f64(rand::rng().random_range(0.9..1.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap_with_jitter() {
        let i = Duration::from_secs(10);
        for (failures, base) in [(1, 10), (2, 20), (3, 40), (4, 80), (5, 100), (12, 100)] {
            let w = backoff(failures, i).as_secs_f64();
            assert!(w >= base as f64 * 0.8 - 1e-9 && w <= base as f64 * 1.2 + 1e-9, "{failures}: {w}");
        }
        let w = backoff(30, Duration::from_secs(60)).as_secs_f64();
        assert!(w <= 300.0 * 1.2, "never past five minutes: {w}");
    }
}
