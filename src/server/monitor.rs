//! Background work of the fleet: marks devices offline when their check-ins stop, and prunes
//! metric history past its retention.

use std::time::Duration;

use crate::db::{devices, metrics, now};

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
        // Look first on a read connection; take the write lock only when someone went quiet.
        let due = state.db.read(devices::oldest_online_seen).await;
        if !matches!(due, Ok(Some(seen)) if seen < t - offline_after) {
            continue;
        }
        let went = state
            .db
            .write(move |c| {
                let ids = devices::mark_offline(c, t - offline_after, t)?;
                let mut out = Vec::with_capacity(ids.len());
                for id in ids {
                    let client_id: i64 =
                        c.query_row("SELECT client_id FROM devices WHERE id = ?1", [id], |r| r.get(0))?;
                    out.push((id, client_id));
                }
                Ok(out)
            })
            .await;
        match went {
            Ok(list) => {
                for (device_id, client_id) in list {
                    tracing::info!(device_id, "device went offline");
                    state.live.send(LiveEvent::DeviceOffline { device_id, client_id });
                }
            }
            Err(e) => tracing::warn!(error = %e, "offline check failed"),
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
