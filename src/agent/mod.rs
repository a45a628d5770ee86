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
use self::transport::{Pins, SeenPin, parse_fingerprint, parse_pin};

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
/// Bounds on the check-in interval a server may ask for (it is not taken on trust).
const MIN_INTERVAL: Duration = Duration::from_secs(1);
const MAX_INTERVAL: Duration = Duration::from_secs(86_400);
/// Exit code of `agent run` for a device the server revoked; the systemd unit does not restart
/// on it (`RestartPreventExitStatus=3`).
pub const EXIT_REVOKED: u8 = 3;

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
    #[error("the server revoked this device: {0}. The agent stopped; enroll this machine again to bring it back")]
    Revoked(String),
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
    /// Written by agents before key pinning: the server certificate's SHA-256. Still accepted;
    /// the first connection replaces it by the pin of that certificate's key.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fingerprint: String,
    /// The server's public key pin (SHA-256 of its SPKI, base64). Empty: an https server is
    /// checked through the system's CAs and its name; an http server (`--insecure-http`) not at all.
    #[serde(default)]
    pub pin: String,
    /// The pin of the key the server announced it will switch to; accepted alongside `pin`, and
    /// in its place once the server shows it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub next_pin: String,
    pub client: String,
    pub interval_secs: u64,
    /// Set when the server said this device is revoked (its reason): `agent run` stops at once
    /// until the machine is enrolled again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<String>,
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

    fn pinned(&self) -> bool {
        !self.pin.is_empty() || !self.fingerprint.is_empty()
    }

    /// A client that trusts what enrollment decided; with pins, the slot where the pin of the
    /// key the server showed lands.
    fn client(&self) -> Result<(reqwest::Client, Option<SeenPin>), AgentError> {
        if self.pinned() {
            let keys = [&self.pin, &self.next_pin].into_iter().filter(|p| !p.is_empty()).cloned().collect();
            let legacy_leaf =
                if self.fingerprint.is_empty() { None } else { Some(parse_fingerprint(&self.fingerprint)?) };
            let (client, seen) = transport::pinned_client(Pins { keys, legacy_leaf }, HTTP_TIMEOUT)?;
            return Ok((client, Some(seen)));
        }
        Ok(if self.server.starts_with("https://") {
            (transport::system_roots_client(HTTP_TIMEOUT)?, None)
        } else {
            (transport::plain_client(HTTP_TIMEOUT)?, None)
        })
    }

    /// Follows what the last exchange showed: the key the server presented (`seen`) and the
    /// next key it announced. Answers whether anything changed (then save and rebuild the client).
    /// - an old state's certificate fingerprint becomes the pin of the key it showed;
    /// - the announced next key, once the server shows it, becomes the pin (the old one is dropped);
    /// - a newly announced next key is kept, to be accepted alongside the current one.
    pub fn follow_keys(&mut self, seen: Option<String>, announced: Option<&str>) -> bool {
        if !self.pinned() {
            return false;
        }
        let mut changed = false;
        if let Some(seen) = seen {
            if !self.fingerprint.is_empty() {
                tracing::info!(pin = %seen, "the server's certificate fingerprint is now pinned as its key");
                self.fingerprint.clear();
                self.pin = seen;
                changed = true;
            } else if seen == self.next_pin && seen != self.pin {
                tracing::info!(pin = %seen, "the server switched to its announced next key; it is now the one pinned");
                self.pin = std::mem::take(&mut self.next_pin);
                changed = true;
            }
        }
        if let Some(next) = announced.and_then(parse_pin)
            && next != self.pin
            && next != self.next_pin
        {
            tracing::info!(next_pin = %next, "the server announced its next key; it will be accepted when the server switches");
            self.next_pin = next;
            changed = true;
        }
        changed
    }
}

/// How much of an acknowledgement to believe. `acked` is the server's number, `sent` the last
/// report of the batch, `made` the last number this agent ever gave. A number past `made` claims
/// reports that were never made: the answer is not believed at all (`None`; nothing is deleted
/// and the delivery counts as failed, so it backs off). Otherwise reports up to `acked` are
/// forgotten, never past the batch sent.
pub fn acknowledged(acked: u64, sent: u64, made: u64) -> Option<u64> {
    (acked <= made).then(|| acked.min(sent))
}

/// The check-in interval a server asks for, within sane bounds.
fn sane_interval(secs: u64) -> Duration {
    Duration::from_secs(secs).clamp(MIN_INTERVAL, MAX_INTERVAL)
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

/// What enrollment did, beyond the state it saved.
pub struct Enrolled {
    pub enrollment: Enrollment,
    /// The server already knows a device with this machine id and this enrollment did not prove
    /// to be its agent: a new device, flagged for staff to review.
    pub possible_clone: bool,
}

/// `steward agent enroll`: redeems the token, stores the credentials and pins the server's key
/// (with `fingerprint`) or relies on the system's CAs (without). When the state folder holds a
/// credential for this server already, it is sent along: the proof that this is the same agent.
pub async fn enroll(
    server: &str,
    token: &str,
    fingerprint: Option<&str>,
    insecure_http: bool,
    state_dir: &Path,
) -> Result<Enrolled, AgentError> {
    let server = server.trim_end_matches('/').to_owned();
    let https = server.starts_with("https://");
    if !https && !server.starts_with("http://") {
        return Err(AgentError::Usage(format!("--server must start with https:// or http://, not {server:?}")));
    }
    if !https && !insecure_http {
        return Err(AgentError::Usage(format!(
            "--server {server} is plain http://: the device secret and every report would travel unencrypted. \
             Use https://, or pass --insecure-http if a TLS proxy on this host or a lab makes that acceptable"
        )));
    }
    if !https && fingerprint.is_some() {
        return Err(AgentError::Usage("--fingerprint needs an https:// server".into()));
    }
    let (client, seen) = match (https, fingerprint) {
        (true, Some(fp)) => {
            let pins = match parse_pin(fp).filter(|_| fp.trim().starts_with("sha256//")) {
                Some(pin) => Pins { keys: vec![pin], legacy_leaf: None },
                None => Pins { keys: Vec::new(), legacy_leaf: Some(parse_fingerprint(fp)?) },
            };
            let (client, seen) = transport::pinned_client(pins, HTTP_TIMEOUT)?;
            (client, Some(seen))
        }
        (true, None) => (transport::system_roots_client(HTTP_TIMEOUT)?, None),
        (false, _) => (transport::plain_client(HTTP_TIMEOUT)?, None),
    };
    let previous = Enrollment::load(state_dir).ok().filter(|e| e.server == server);
    let request = EnrollRequest {
        token: token.trim().to_owned(),
        machine_id: machine_id(),
        hostname: collect::hostname(),
        os: collect::os_description(),
        agent_version: crate::VERSION.to_owned(),
        device_secret: previous.map(|e| e.credential),
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
        let said = printable(body["error"].as_str().unwrap_or("no reason given"));
        return Err(AgentError::Refused(format!("the server refused the enrollment ({status}): {said}")));
    }
    let answer: EnrollResponse =
        res.json().await.map_err(|e| AgentError::Refused(format!("the server's answer is not an enrollment: {e}")))?;
    // The answer is checked like any input: it ends up in headers, file names and arithmetic.
    let bad = |what: &str| AgentError::Refused(format!("the server's answer is not a valid enrollment: {what}"));
    if answer.acked_seq > spool::MAX_SEQ {
        return Err(bad("acked_seq is out of range"));
    }
    let credential_ok = answer.device_secret.len() <= 256
        && answer.device_secret.split_once(':').is_some_and(|(id, s)| id.parse::<i64>().is_ok() && !s.is_empty())
        && answer.device_secret.chars().all(|c| c.is_ascii_graphic());
    if !credential_ok {
        return Err(bad("device_secret"));
    }
    let pin = match seen.and_then(|s| s.lock().unwrap_or_else(|e| e.into_inner()).take()) {
        Some(pin) => pin,
        None if fingerprint.is_some() => return Err(bad("no server key was seen")),
        None => String::new(),
    };
    let mut enrollment = Enrollment {
        server,
        device_id: answer.device_id,
        credential: answer.device_secret,
        fingerprint: String::new(),
        pin,
        next_pin: String::new(),
        client: printable(&answer.client),
        interval_secs: sane_interval(answer.interval_secs).as_secs(),
        revoked: None,
    };
    enrollment.follow_keys(None, answer.next_pin.as_deref());
    enrollment.save(state_dir)?;
    open_spool(state_dir, Bounds::default())?.continue_after(answer.acked_seq)?;
    Ok(Enrolled { enrollment, possible_clone: answer.possible_clone })
}

/// Text from the server, made safe to print: one line, no control or invisible characters, bounded.
fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control() && !crate::monitoring::validate::is_deceptive(*c)).take(500).collect()
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
    Report {
        seq: 0,
        collected_at: crate::clock::Clock::system().now(),
        metrics: collector.metrics(),
        ..Default::default()
    }
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
    /// The server could not be reached, failed (5xx), or answered something not believable:
    /// try again later (backing off).
    Later(String),
    /// The server says staff revoked this device, with their reason.
    Revoked(String),
}

/// What the server's answers said besides acknowledgements.
#[derive(Default)]
struct Notes {
    watch: Option<Watch>,
    next_pin: Option<String>,
}

/// Sends spooled reports oldest first, in batches, until the spool is empty or the server fails.
/// Every round that continues has shrunk the spool, so a server cannot make it spin.
async fn deliver(
    client: &reqwest::Client,
    e: &Enrollment,
    spool: &mut Spool,
    interval: &mut Duration,
    pinned_interval: bool,
    notes: &mut Notes,
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
            let made = spool.last_seq()?;
            let Some(upto) = acknowledged(answer.acked_seq, last, made) else {
                tracing::error!(
                    acked_seq = answer.acked_seq,
                    last_made = made,
                    "the server acknowledged reports this agent never made; not believing the answer, keeping every report"
                );
                return Ok(Delivery::Later(format!(
                    "the server acknowledged up to {}, past the last report made ({made})",
                    answer.acked_seq
                )));
            };
            spool.acknowledge(upto, dropped)?;
            notes.watch = Some(answer.watch);
            notes.next_pin = answer.next_pin;
            if !pinned_interval {
                *interval = sane_interval(answer.interval_secs);
            }
            if upto < last {
                return Ok(Delivery::Later(format!("the server acknowledged up to {upto} of {last}")));
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
        if status == reqwest::StatusCode::FORBIDDEN && said["detail"]["revoked"] == true {
            let reason = said["detail"]["reason"].as_str().unwrap_or("no reason given");
            return Ok(Delivery::Revoked(printable(reason)));
        }
        let said = printable(said["error"].as_str().unwrap_or(""));
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

/// `steward agent run`: collects every interval, spools, delivers; returns on `stop`, or with
/// `AgentError::Revoked` when the server says staff revoked this device (and then refuses to
/// start again until the machine is enrolled anew).
pub async fn run(
    state_dir: &Path,
    options: RunOptions,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), AgentError> {
    let mut enrollment = Enrollment::load(state_dir)?;
    if let Some(reason) = &enrollment.revoked {
        tracing::error!(%reason, "this device was revoked by the server's staff; not reporting");
        return Err(AgentError::Revoked(reason.clone()));
    }
    let (mut client, mut seen) = enrollment.client()?;
    let mut spool = open_spool(state_dir, options.bounds)?;
    let mut collector = Collector::new();
    let pinned_interval = options.interval.is_some();
    let mut interval = options.interval.unwrap_or(sane_interval(enrollment.interval_secs));
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
        let seq = spool.push(report, crate::clock::Clock::system().now())?;
        tracing::debug!(seq, "report spooled");

        if Instant::now() >= next_delivery {
            let mut notes = Notes::default();
            let delivered =
                deliver(&client, &enrollment, &mut spool, &mut interval, pinned_interval, &mut notes).await?;
            if let Some(watch) = notes.watch {
                collector.set_watch(watch);
            }
            let shown = seen.as_ref().and_then(|s| s.lock().unwrap_or_else(|e| e.into_inner()).take());
            if enrollment.follow_keys(shown, notes.next_pin.as_deref()) {
                enrollment.save(state_dir)?;
                (client, seen) = enrollment.client()?;
            }
            match delivered {
                Delivery::Done => {
                    if failures > 0 {
                        tracing::info!("the server is reachable again; the spool is delivered");
                    }
                    failures = 0;
                }
                Delivery::Later(reason) => {
                    failures = failures.saturating_add(1);
                    let wait = backoff(failures, interval);
                    let (waiting, bytes) = spool.backlog()?;
                    tracing::warn!(%reason, retry_in = ?wait, spooled = waiting, spooled_bytes = bytes, "cannot deliver reports; spooling");
                    next_delivery = Instant::now() + wait;
                }
                Delivery::Revoked(reason) => {
                    tracing::error!(%reason, "the server says staff revoked this device; the agent stops reporting");
                    enrollment.revoked = Some(reason.clone());
                    enrollment.save(state_dir)?;
                    return Err(AgentError::Revoked(reason));
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
    fn acknowledgements_past_what_was_made_are_not_believed() {
        assert_eq!(acknowledged(5, 5, 9), Some(5));
        assert_eq!(acknowledged(3, 5, 9), Some(3), "a partial acknowledgement");
        assert_eq!(acknowledged(8, 5, 9), Some(5), "never past the batch sent");
        assert_eq!(acknowledged(10, 5, 9), None, "a report never made");
        assert_eq!(acknowledged(u64::MAX, 5, 9), None);
        assert_eq!(sane_interval(0), MIN_INTERVAL);
        assert_eq!(sane_interval(u64::MAX), MAX_INTERVAL);
        assert_eq!(sane_interval(60), Duration::from_secs(60));
    }

    fn enrollment(pin: &str, fingerprint: &str) -> Enrollment {
        Enrollment {
            server: "https://rmm".into(),
            device_id: 1,
            credential: "1:x".into(),
            fingerprint: fingerprint.into(),
            pin: pin.into(),
            next_pin: String::new(),
            client: "c".into(),
            interval_secs: 60,
            revoked: None,
        }
    }

    #[test]
    fn keys_are_followed_through_a_rotation_and_old_fingerprints_migrate() {
        use base64::Engine;
        let pin = |b: u8| base64::engine::general_purpose::STANDARD.encode([b; 32]);
        let mut e = enrollment(&pin(1), "");
        assert!(!e.follow_keys(Some(pin(1)), None), "nothing new");
        assert!(!e.follow_keys(None, Some("sha256//garbage")), "a malformed announcement is ignored");
        assert!(e.follow_keys(Some(pin(1)), Some(&format!("sha256//{}", pin(2)))));
        assert_eq!((e.pin.as_str(), e.next_pin.as_str()), (pin(1).as_str(), pin(2).as_str()));
        assert!(!e.follow_keys(Some(pin(1)), Some(&pin(2))), "announced again: nothing new");
        assert!(e.follow_keys(Some(pin(2)), None), "the server switched");
        assert_eq!((e.pin.as_str(), e.next_pin.as_str()), (pin(2).as_str(), ""));

        let mut old = enrollment("", &("AB:".repeat(31) + "AB"));
        assert!(old.follow_keys(Some(pin(3)), None));
        assert_eq!((old.pin.as_str(), old.fingerprint.as_str()), (pin(3).as_str(), ""));

        let mut system = enrollment("", "");
        assert!(!system.follow_keys(None, Some(&pin(4))), "CA-verified agents pin nothing");
        assert_eq!(system.next_pin, "");
    }

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
