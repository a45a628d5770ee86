//! `GET /api/v1/events`: server-sent events for open UI pages (check-ins, devices going online
//! or offline). A client contact receives only their own client's events.
//!
//! A stream lives no longer than the credential it was opened with: logging out, a password
//! change, disabling, a new role or client, or a revoked key end it at once (announced on
//! `Live::revoked`), and it checks its credential every few seconds for changes made outside the
//! server process (`steward admin`).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use crate::db::{api_keys, sessions};
use crate::server::auth::Via;
use crate::server::live::Revoked;
use crate::server::roles::Person;
use crate::server::state::AppState;

/// How often a stream re-reads its credential from the database.
const RECHECK: Duration = Duration::from_secs(5);

/// The part of the API description this module answers.
#[derive(utoipa::OpenApi)]
#[openapi(paths(events))]
pub struct Api;

/// Server-sent events: check_in, device_online, device_offline, device_enrolled, device_changed, alert_changed, notice
///
/// Each event's data is a JSON object with its `type`; `{"type": "resync"}` says some were
/// missed and the page should load everything again. The stream ends with the credential.
#[utoipa::path(get, path = "/api/v1/events", responses((status = 200, description = "An event stream", content_type = "text/event-stream", body = String)))]
pub async fn events(
    State(state): State<AppState>,
    Person(caller): Person,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let scope = caller.client_scope();
    let rx = state.live.events.subscribe();
    let revoked = state.live.revoked.subscribe();
    let stopping = state.live.stopping.subscribe();
    let recheck = tokio::time::interval_at(tokio::time::Instant::now() + RECHECK, RECHECK);
    let (me, via) = (caller.user.id, caller.via.clone());
    let ends_with = move |r: &Revoked| match (r, &via) {
        (Revoked::User(id), _) => *id == me,
        (Revoked::Session(id), Via::Session { id: mine, .. }) => id == mine,
        (Revoked::ApiKey(id), Via::ApiKey { id: mine }) => id == mine,
        _ => false,
    };
    let still_valid = {
        let (db, caller, clock) = (state.db.clone(), caller.clone(), state.clock.clone());
        move || {
            let (db, caller) = (db.clone(), caller.clone());
            // Read at each recheck: a session that expired since the stream opened ends it.
            let t = clock.now();
            async move {
                let user = caller.user.clone();
                let valid = match caller.via {
                    Via::Session { id, .. } => db.read(move |c| sessions::still_valid(c, id, &user, t)).await,
                    Via::ApiKey { id } => db.read(move |c| api_keys::still_valid(c, id, &user, t)).await,
                };
                // A database hiccup is not a reason to drop a page's stream.
                valid.unwrap_or(true)
            }
        }
    };
    let stream = futures_util::stream::unfold(
        (rx, revoked, stopping, recheck),
        move |(mut rx, mut revoked, mut stopping, mut recheck)| {
            let ends_with = ends_with.clone();
            let still_valid = still_valid.clone();
            async move {
                loop {
                    if *stopping.borrow() {
                        return None;
                    }
                    let next = tokio::select! {
                        next = rx.recv() => next,
                        r = revoked.recv() => match r {
                            Ok(r) if ends_with(&r) => return None,
                            // Missed some revocations: look the credential up instead.
                            Err(RecvError::Lagged(_)) if !still_valid().await => return None,
                            Err(RecvError::Closed) => return None,
                            _ => continue,
                        },
                        _ = recheck.tick() => {
                            if still_valid().await { continue } else { return None }
                        }
                        _ = stopping.changed() => return None,
                    };
                    match next {
                        Ok(e) if scope.is_none_or(|own| own == e.client_id()) => {
                            let data = serde_json::to_string(&e).unwrap_or_default();
                            return Some((Ok(Event::default().data(data)), (rx, revoked, stopping, recheck)));
                        }
                        Ok(_) => continue,
                        // A slow page missed some events: tell it to refresh everything.
                        Err(RecvError::Lagged(_)) => {
                            return Some((
                                Ok(Event::default().data("{\"type\":\"resync\"}")),
                                (rx, revoked, stopping, recheck),
                            ));
                        }
                        Err(RecvError::Closed) => return None,
                    }
                }
            }
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
