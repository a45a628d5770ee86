//! The delivery loop. It takes due outbox rows, delivers a few at a time, and records each
//! outcome: delivered, or a failed attempt with the next one scheduled after an exponential
//! backoff with jitter, or (once the notice is older than `retry_for`) given up.
//!
//! One loop, and it records every outcome before it looks for due rows again, so a row is never
//! in two attempts at once. It wakes at once when the rule engine (or the test button) queued
//! something, and otherwise when the next row falls due, checking at least every few seconds.

use std::time::{Duration, Instant};

use futures_util::StreamExt;

use super::Delivery;
use crate::db::DbError;
use crate::db::notifications::{self as store, Due};
use crate::notify::{ChannelKind, Message, payload};
use crate::services::live::LiveEvent;

/// Rows taken per round.
const BATCH: usize = 32;
/// Deliveries in flight at once.
const CONCURRENCY: usize = 4;
/// Longest sleep between looks at the outbox, whatever the next row's time says.
const MAX_SLEEP: Duration = Duration::from_secs(5);
/// Wait after the first failure; doubled after each further one, up to `max_backoff`.
const FIRST_BACKOFF: Duration = Duration::from_secs(10);
/// A webhook receiver that takes longer has failed this attempt.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// Finished deliveries and in-app notices are kept this long.
const KEEP: i64 = 90 * 86_400;
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

pub(super) async fn run(state: Delivery) {
    let client = match http_client() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the HTTP client for webhooks; notifications are not delivered");
            return;
        }
    };
    let mut last_prune: Option<Instant> = None;
    loop {
        if last_prune.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
            last_prune = Some(Instant::now());
            let before = state.clock.now() - KEEP;
            if let Err(e) = state.db.write(move |c| store::prune(c, before)).await {
                tracing::warn!(error = %e, "could not prune old deliveries");
            }
        }
        let t = state.clock.now();
        let due = match state.db.read(move |c| store::due(c, t, BATCH)).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the notification outbox");
                tokio::time::sleep(MAX_SLEEP).await;
                continue;
            }
        };
        let full = due.len() == BATCH;
        futures_util::stream::iter(due).for_each_concurrent(CONCURRENCY, |row| attempt(&state, &client, row)).await;
        if full {
            continue;
        }
        let next = state.db.read(store::next_due_at).await.unwrap_or(None);
        let wait = next.map_or(MAX_SLEEP, |at| until(at, state.clock.now()).min(MAX_SLEEP));
        if !wait.is_zero() {
            tokio::select! {
                _ = state.notifications.wake.notified() => {}
                _ = state.clock.moved() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }
}

/// Time from `now` until the unix second `at` begins (zero when it has).
fn until(at: i64, now: i64) -> Duration {
    Duration::from_secs(at.saturating_sub(now).max(0) as u64)
}

fn http_client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(HTTP_TIMEOUT)
        .connect_timeout(HTTP_TIMEOUT)
        .user_agent(concat!("Steward/", env!("CARGO_PKG_VERSION")))
        // A redirected POST turns into a GET on the way; better to say so than to "deliver" it.
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// How long to wait before attempt `failures + 1`, after `failures` failed ones: doubling from
/// `FIRST_BACKOFF`, capped at `max`, then a random share of it taken off (between 0 and half),
/// so deliveries that failed together (a receiver down) do not all come back at the same moment.
/// `random` is in [0, 1). Never less than one second.
pub fn backoff(failures: i64, max: Duration, random: f64) -> Duration {
    let exponent = failures.clamp(1, 30) as u32 - 1;
    let full = FIRST_BACKOFF.saturating_mul(2u32.saturating_pow(exponent)).min(max);
    let jittered = full.mul_f64(1.0 - random.clamp(0.0, 1.0) / 2.0);
    jittered.max(Duration::from_secs(1))
}

/// When to try again after a failure at `now`, or `None` to give up: the notice is older than
/// `retry_for`. The last attempt is made at the deadline rather than skipped.
pub fn next_attempt(
    created_at: i64,
    failures: i64,
    now: i64,
    retry_for: Duration,
    max: Duration,
    random: f64,
) -> Option<i64> {
    let deadline = created_at.saturating_add(retry_for.as_secs() as i64);
    if now >= deadline {
        return None;
    }
    let wait = backoff(failures, max, random).as_secs_f64().ceil() as i64;
    Some(now.saturating_add(wait).min(deadline))
}

enum Outcome {
    /// Sent; the row still has to be marked delivered.
    Sent,
    /// Delivered and already recorded (in-app notices are stored and marked in one transaction).
    Recorded,
}

async fn attempt(state: &Delivery, client: &reqwest::Client, row: Due) {
    let (id, channel_id, attempts, created_at) = (row.id, row.channel_id, row.attempts, row.created_at);
    let result = match serde_json::from_str::<Message>(&row.message_json) {
        Ok(message) => deliver(state, client, &row, message).await,
        // Nothing a retry could fix; give up at once.
        Err(e) => {
            record_failure(state, id, &format!("the stored notice cannot be read: {e}"), None).await;
            return;
        }
    };
    match result {
        Ok(Outcome::Recorded) => {}
        Ok(Outcome::Sent) => {
            let t = state.clock.now();
            match state.db.write(move |c| store::mark_delivered(c, id, t)).await {
                Ok(_) => tracing::debug!(delivery = id, channel = channel_id, "notice delivered"),
                Err(e) => {
                    tracing::warn!(delivery = id, error = %e, "delivered, but could not record it; it may be sent again")
                }
            }
        }
        Err(error) => {
            let settings = state.notifications.settings();
            let t = state.clock.now();
            let (retry_for, max) = (settings.config.retry_for.0, settings.config.max_backoff.0);
            let retry_at = next_attempt(created_at, attempts + 1, t, retry_for, max, rand::random::<f64>());
            match retry_at {
                None => tracing::warn!(delivery = id, channel = channel_id, attempts = attempts + 1, %error,
                    "giving up on a notice that could not be delivered for {}", settings.config.retry_for),
                Some(at) if attempts == 0 => tracing::warn!(delivery = id, channel = channel_id, %error,
                    "notice not delivered; retrying in {} s", at - t),
                Some(at) => tracing::info!(delivery = id, channel = channel_id, attempts = attempts + 1, %error,
                    "notice still not delivered; retrying in {} s", at - t),
            }
            record_failure(state, id, &error, retry_at).await;
        }
    }
}

async fn record_failure(state: &Delivery, id: i64, error: &str, retry_at: Option<i64>) {
    let error = error.chars().take(1000).collect::<String>();
    let t = state.clock.now();
    if let Err(e) = state.db.write(move |c| store::mark_attempt_failed(c, id, &error, retry_at, t)).await {
        tracing::warn!(delivery = id, error = %e, "could not record a failed delivery attempt");
    }
}

async fn deliver(state: &Delivery, client: &reqwest::Client, row: &Due, m: Message) -> Result<Outcome, String> {
    let id = row.id;
    match row.kind {
        ChannelKind::Webhook => post(client, &row.target, id, &m, &payload::webhook(id, &m)).await,
        ChannelKind::Slack => post(client, &row.target, id, &m, &payload::slack(&m)).await,
        ChannelKind::Teams => post(client, &row.target, id, &m, &payload::teams(&m)).await,
        ChannelKind::Email => {
            let settings = state.notifications.settings();
            settings.mail.send(id, &m, &row.target).await.map(|()| Outcome::Sent)
        }
        ChannelKind::InApp => {
            let (t, channel_id) = (state.clock.now(), row.channel_id);
            let client_id = m.client_id.unwrap_or(0);
            let stored = state
                .db
                .write(move |c| {
                    let notice = store::insert_app_notice(c, channel_id, &m, t)?;
                    // Already finished (which one loop never lets happen): store nothing twice.
                    if !store::mark_delivered(c, id, t)? {
                        return Err(DbError::conflict("id", "the delivery was already finished"));
                    }
                    Ok(notice)
                })
                .await
                .map_err(|e| format!("cannot store the in-app notice: {e}"))?;
            state.live.send(LiveEvent::Notice { notice_id: stored, client_id });
            Ok(Outcome::Recorded)
        }
    }
}

/// POSTs `body` as JSON. Any 2xx answer is a delivery; anything else is a failed attempt whose
/// error says what the receiver answered.
async fn post(
    client: &reqwest::Client,
    url: &str,
    delivery_id: i64,
    m: &Message,
    body: &serde_json::Value,
) -> Result<Outcome, String> {
    let mut response = client
        .post(url)
        .header("X-Steward-Delivery", delivery_id.to_string())
        .header("X-Steward-Event", m.event.as_str())
        .json(body)
        .send()
        .await
        .map_err(describe)?;
    let status = response.status();
    if status.is_success() {
        return Ok(Outcome::Sent);
    }
    // A little of the answer helps ("invalid_token", "no_service"); a huge one is not read.
    let mut text = Vec::new();
    while text.len() < 300 {
        match response.chunk().await {
            Ok(Some(chunk)) => text.extend_from_slice(&chunk),
            _ => break,
        }
    }
    let text: String = String::from_utf8_lossy(&text).chars().filter(|c| !c.is_control()).take(200).collect();
    let text = text.trim();
    Err(if text.is_empty() {
        format!("the receiver answered HTTP {status}")
    } else {
        format!("the receiver answered HTTP {status}: {text}")
    })
}

/// A webhook error as a sentence, without the URL (it often holds a secret token, and the error
/// is shown to technicians).
fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        return format!("the receiver did not answer within {} s", HTTP_TIMEOUT.as_secs());
    }
    let e = e.without_url();
    if e.is_connect() {
        // The innermost cause says it all: "Connection refused", "dns error: ...", a TLS complaint.
        let mut inner: &dyn std::error::Error = &e;
        while let Some(s) = inner.source() {
            inner = s;
        }
        return format!("cannot connect to the receiver: {inner}");
    }
    super::email::describe(&e)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: Duration = Duration::from_secs(600);

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let waits: Vec<u64> = (1..=8).map(|n| backoff(n, MAX, 0.0).as_secs()).collect();
        assert_eq!(waits, vec![10, 20, 40, 80, 160, 320, 600, 600]);
        assert_eq!(backoff(1000, MAX, 0.0), MAX, "no overflow after many failures");
    }

    #[test]
    fn jitter_takes_off_at_most_half_and_never_goes_below_a_second() {
        for r in [0.0, 0.25, 0.5, 0.999] {
            let d = backoff(3, MAX, r);
            assert!(d <= Duration::from_secs(40) && d >= Duration::from_secs(20), "{r}: {d:?}");
        }
        assert_ne!(backoff(3, MAX, 0.1), backoff(3, MAX, 0.9), "different draws spread the retries");
        assert_eq!(backoff(5, Duration::from_secs(1), 0.99), Duration::from_secs(1));
    }

    #[test]
    fn gives_up_only_after_the_retry_period_with_a_last_attempt_at_its_end() {
        let day = Duration::from_secs(86_400);
        assert_eq!(next_attempt(0, 1, 0, day, MAX, 0.0), Some(10));
        assert_eq!(next_attempt(0, 9, 86_000, day, MAX, 0.0), Some(86_400), "the last attempt is at the deadline");
        assert_eq!(next_attempt(0, 10, 86_400, day, MAX, 0.0), None);
        assert_eq!(next_attempt(0, 1, 90_000, day, MAX, 0.0), None);
    }
}
