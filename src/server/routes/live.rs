//! `GET /api/v1/events`: server-sent events for open UI pages (check-ins, devices going online
//! or offline). A client contact receives only their own client's events.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use crate::server::auth::Caller;
use crate::server::state::AppState;

pub async fn events(
    State(state): State<AppState>,
    caller: Caller,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let scope = caller.client_scope();
    let rx = state.live.events.subscribe();
    let stopping = state.live.stopping.subscribe();
    let stream = futures_util::stream::unfold((rx, stopping), move |(mut rx, mut stopping)| async move {
        loop {
            if *stopping.borrow() {
                return None;
            }
            let next = tokio::select! {
                next = rx.recv() => next,
                _ = stopping.changed() => return None,
            };
            match next {
                Ok(e) if scope.is_none_or(|own| own == e.client_id()) => {
                    let data = serde_json::to_string(&e).unwrap_or_default();
                    return Some((Ok(Event::default().data(data)), (rx, stopping)));
                }
                Ok(_) => continue,
                // A slow page missed some events: tell it to refresh everything.
                Err(RecvError::Lagged(_)) => {
                    return Some((Ok(Event::default().data("{\"type\":\"resync\"}")), (rx, stopping)));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
