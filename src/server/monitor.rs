//! Background work of the fleet: marks devices offline when their check-ins stop (and evaluates
//! the offline rules in the same transaction), finishes timer holds, re-notifies unacknowledged
//! alerts, and prunes metric history past its retention.

use std::time::Duration;

use crate::db::{devices, metrics, now, rules as stored_rules};
use crate::services::engine;

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
        tick.tick().await;
        let t = now();
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
        tick.tick().await;
        let ctx = state.engine.context();
        match state.db.write(move |c| engine::renotify(c, &ctx, now())).await {
            Ok(outcome) => outcome.announce(&state.live, &state.notifications),
            Err(e) => tracing::warn!(error = %e, "re-notifying alerts failed"),
        }
    }
}

pub async fn pruner(state: AppState) {
    let policy = state.config.retention.policy();
    let mut tick = tokio::time::interval(PRUNE_EVERY);
    loop {
        tick.tick().await;
        let cut = policy.cutoffs(now());
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
        tick.tick().await;
        let t = now();
        match state.db.write(move |c| crate::db::tickets::close_resolved(c, t - after, t)).await {
            Ok(closed) if !closed.is_empty() => {
                tracing::info!(?closed, "resolved tickets closed");
                // Staff pages refresh; a contact sees the change on their next look.
                for ticket_id in closed {
                    state.live.send(LiveEvent::TicketChanged { ticket_id, client_id: 0 });
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
/// the notification channels that take the ticket's client.
pub async fn sla_timer(state: AppState) {
    let mut tick = tokio::time::interval(SLA_TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        let t = now();
        let due = state.db.read(move |c| crate::db::tickets::sla_due(c, t)).await;
        if !matches!(&due, Ok(ids) if !ids.is_empty()) {
            continue;
        }
        let base = state.public_url.trim_end_matches('/').to_owned();
        match state.db.write(move |c| sla_notices(c, &base, t)).await {
            Ok((0, _)) => {}
            Ok((_, changed)) => {
                state.notifications.wake.notify_one();
                for (ticket_id, client_id) in changed {
                    state.live.send(LiveEvent::TicketChanged { ticket_id, client_id });
                }
            }
            Err(e) => tracing::warn!(error = %e, "SLA timer failed"),
        }
    }
}

/// Recomputes the SLA figures of tickets due for a change and queues a notice for each warning
/// or breach that newly happened. Returns the number of deliveries queued and the tickets that
/// warned or breached (ticket, client).
fn sla_notices(c: &rusqlite::Connection, base: &str, t: i64) -> Result<(usize, Vec<(i64, i64)>), crate::db::DbError> {
    use crate::notify::SlaClock;
    let mut queued = 0;
    let mut changed = Vec::new();
    for id in crate::db::tickets::sla_due(c, t)? {
        let news = crate::db::tickets::recompute_sla(c, id, t)?;
        let Some(ticket) = crate::db::tickets::get(c, id)? else { continue };
        if news.first_response_warned
            || news.first_response_breached
            || news.resolution_warned
            || news.resolution_breached
        {
            changed.push((id, ticket.client_id));
        }
        let happened = [
            (news.first_response_warned, SlaClock::FirstResponse, false),
            (news.first_response_breached, SlaClock::FirstResponse, true),
            (news.resolution_warned, SlaClock::Resolution, false),
            (news.resolution_breached, SlaClock::Resolution, true),
        ];
        let recipients = if happened.iter().any(|(yes, _, _)| *yes) { sla_recipients(c, id)? } else { Vec::new() };
        for (yes, clock, breached) in happened {
            if !yes {
                continue;
            }
            let message = crate::notify::sla_message(&ticket, clock, breached, base, &crate::db::rfc3339(t));
            queued += crate::db::notifications::enqueue(c, &message, t)?;
            // And to the people who must act: the assignee and the queue's escalation contact.
            for address in &recipients {
                queued += usize::from(crate::db::notifications::enqueue_to(c, address, &message, t)?);
            }
        }
    }
    Ok((queued, changed))
}

/// The e-mail addresses that hear of a ticket's SLA warnings and breaches beside the channels:
/// its assignee's and its queue's escalation contact, each once.
fn sla_recipients(c: &rusqlite::Connection, ticket_id: i64) -> Result<Vec<String>, crate::db::DbError> {
    let (assignee, escalation): (Option<String>, Option<String>) = c
        .prepare_cached(
            "SELECT nullif(u.email, ''), nullif(q.escalation_email, '') FROM tickets t
             LEFT JOIN users u ON u.id = t.assignee_id AND u.disabled = 0
             LEFT JOIN queues q ON q.id = t.queue_id WHERE t.id = ?1",
        )?
        .query_row([ticket_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut out: Vec<String> = Vec::new();
    for a in [assignee, escalation].into_iter().flatten() {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&a)) {
            out.push(a);
        }
    }
    Ok(out)
}
