//! `GET /healthz`: answers once the server is ready (the store opened and migrated).

use axum::extract::State;
use serde_json::{Value, json};

use crate::server::error::{ApiError, Json};
use crate::server::state::AppState;

pub async fn healthz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    // A read proves the store answers, not only that the process is alive.
    state.db.read(|c| Ok(c.query_row("SELECT 1", [], |_| Ok(()))?)).await?;
    Ok(Json(json!({ "status": "ok", "version": crate::VERSION })))
}
