//! Background work of the fleet: marks devices offline when their check-ins stop (and evaluates
//! the offline rules in the same transaction), finishes timer holds, re-notifies unacknowledged
//! alerts, prunes metric history past its retention, and runs the ticket timers (auto-close, SLA
//! warnings and breaches) through `services::tickets`.

use std::time::Duration;

use crate::db::{devices, metrics, rules as stored_rules};
use crate::services::{engine, tickets};

use super::live::LiveEvent;
use super::state::AppState;

/// How often the offline timer looks. A device is marked offline at most this long after its
/// `offline_after` passed.
const OFFLINE_TICK: Duration = Duration::from_secs(1);
const PRUNE_EVERY: Duration = Duration::from_secs(600);
const PRUNE_BATCH: usize = 20_000;

pub async fn offline_timer(state: AppState) {
    let offline_after = state.config.monitoring.offline_after.0.as_secs() as i64;
    let mut tick = tokio::time::interval(OFFLINE_TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        next_tick(&mut tick, &state.clock).await;
        let t = state.clock.now();
        // Look first on a read connection; take the write lock only when someone went quiet or
        // a timer hold is due.
        let due = state.db.read(move |c| Ok((devices::oldest_online_seen(c)?, stored_rules::next_due(c)?))).await;
        let (quiet, hold_due) = match due {
            Ok((seen, hold)) => (seen.is_some_and(|s| s < t - offline_after), hold.is_some_and(|h| h <= t)),
            Err(_) => (false, false),
        };
        if !quiet && !hold_due {
            continue;
        }
        let ctx = state.engine.context();
        let went = state
            .db
            .write(move |c| {
                let ids = devices::mark_offline(c, t - offline_after, t)?;
                let mut out = Vec::with_capacity(ids.len());
                let mut outcome = engine::Outcome::default();
                for id in ids {
                    let client_id: i64 =
                        c.query_row("SELECT client_id FROM devices WHERE id = ?1", [id], |r| r.get(0))?;
                    out.push((id, client_id));
                    outcome.merge(engine::on_offline(c, &ctx, id, t)?);
                }
                outcome.merge(engine::on_timer(c, &ctx, t)?);
                Ok((out, outcome))
            })
            .await;
        match went {
            Ok((list, outcome)) => {
                for (device_id, client_id) in list {
                    tracing::info!(device_id, "device went offline");
                    state.live.send(LiveEvent::DeviceOffline { device_id, client_id });
                }
                outcome.announce(&state.live, &state.notifications);
            }
            Err(e) => tracing::warn!(error = %e, "offline check failed"),
        }
    }
}

/// How often unacknowledged alerts are looked at for a reminder (one indexed query).
const RENOTIFY_TICK: Duration = Duration::from_secs(5);

/// Reminds about unacknowledged alerts after their rule's re-notify interval.
pub async fn renotifier(state: AppState) {
    let mut tick = tokio::time::interval(RENOTIFY_TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        next_tick(&mut tick, &state.clock).await;
        let ctx = state.engine.context();
        let t = state.clock.now();
        match state.db.write(move |c| engine::renotify(c, &ctx, t)).await {
            Ok(outcome) => outcome.announce(&state.live, &state.notifications),
            Err(e) => tracing::warn!(error = %e, "re-notifying alerts failed"),
        }
    }
}

pub async fn pruner(state: AppState) {
    let policy = state.config.retention.policy();
    let mut tick = tokio::time::interval(PRUNE_EVERY);
    loop {
        next_tick(&mut tick, &state.clock).await;
        let cut = policy.cutoffs(state.clock.now());
        // Short transactions until a pass finds nothing more, so check-ins are never held up long.
        loop {
            match state.db.write(move |c| metrics::prune(c, &cut, PRUNE_BATCH)).await {
                Ok(p) if p.reports + p.samples + p.five_minutes + p.hourly == 0 => break,
                Ok(p) => tracing::debug!(?p, "pruned metric history"),
                Err(e) => {
                    tracing::warn!(error = %e, "pruning metric history failed");
                    break;
                }
            }
        }
    }
}

/// How often resolved tickets are looked at for closing.
const AUTO_CLOSE_TICK: Duration = Duration::from_secs(60);

/// Closes resolved tickets after `[tickets] auto_close_after`.
pub async fn ticket_closer(state: AppState) {
    let after = state.config.tickets.auto_close_after.0.as_secs() as i64;
    // Short settings (tests, impatient shops) are looked at more often than every minute.
    let every = AUTO_CLOSE_TICK.min(Duration::from_secs((after as u64 / 2).max(1)));
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        next_tick(&mut tick, &state.clock).await;
        let t = state.clock.now();
        match state.db.write(move |c| tickets::close_resolved(c, after, t)).await {
            Ok(closed) if !closed.is_empty() => {
                tracing::info!(closed = ?closed.iter().map(|t| t.id).collect::<Vec<_>>(), "resolved tickets closed");
                for t in closed {
                    state.live.send(LiveEvent::TicketChanged { ticket_id: t.id, client_id: t.client_id });
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "closing resolved tickets failed"),
        }
    }
}

/// How often SLA clocks are looked at for warnings and breaches due.
const SLA_TICK: Duration = Duration::from_secs(5);

/// Fires each SLA warning and breach once, when it happens: records it on the ticket and tells
/// the notification channels that take the ticket's client and the people who must act.
pub async fn sla_timer(state: AppState) {
    let mut tick = tokio::time::interval(SLA_TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        next_tick(&mut tick, &state.clock).await;
        let t = state.clock.now();
        // Look first on a read connection; take the write lock only when a clock is due.
        let due = state.db.read(move |c| crate::db::tickets::sla_due(c, t)).await;
        if !matches!(&due, Ok(ids) if !ids.is_empty()) {
            continue;
        }
        let base = state.public_url.trim_end_matches('/').to_owned();
        match state.db.write(move |c| tickets::sla_notices(c, &base, t)).await {
            Ok(done) => {
                if done.queued > 0 {
                    state.notifications.wake.notify_one();
                }
                for (ticket_id, client_id) in done.changed {
                    state.live.send(LiveEvent::TicketChanged { ticket_id, client_id });
                }
            }
            Err(e) => tracing::warn!(error = %e, "SLA timer failed"),
        }
    }
}

/// Waits for the timer's next tick, or for a manual clock to move (tests), whichever is first.
async fn next_tick(tick: &mut tokio::time::Interval, clock: &crate::clock::Clock) {
    tokio::select! {
        _ = tick.tick() => {}
        _ = clock.moved() => {}
    }
}
