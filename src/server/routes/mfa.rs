//! The caller's second factor: TOTP set up with a QR code (proved with a first code before it is
//! in force), recovery codes shown once, and turning it off with the password.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{self, sha256, totp};
use crate::db::{DbError, audit, now, users};
use crate::server::auth::Caller;
use crate::server::error::{ApiError, ApiResult, Json};
use crate::server::state::AppState;

use super::openapi::ApiDoc;

pub const API: ApiDoc = ApiDoc {
    operations: &[
        (
            "get",
            "/api/v1/me/mfa",
            "The caller's second factor: on or not, required or not, recovery codes left",
            None,
            200,
            Some("MfaStatus"),
        ),
        (
            "post",
            "/api/v1/me/mfa/totp",
            "Start setting up an authenticator app (with the password): the secret, its otpauth URI and a QR code",
            Some("PasswordProof"),
            200,
            Some("TotpSetup"),
        ),
        (
            "post",
            "/api/v1/me/mfa/totp/confirm",
            "Finish setting up with a first code; answers ten recovery codes, shown only here",
            Some("CodeProof"),
            200,
            Some("RecoveryCodes"),
        ),
        (
            "post",
            "/api/v1/me/mfa/totp/disable",
            "Turn the second factor off (with the password)",
            Some("PasswordProof"),
            204,
            None,
        ),
        (
            "post",
            "/api/v1/me/mfa/recovery-codes",
            "New recovery codes, with a current code; the old ones stop working",
            Some("CodeProof"),
            200,
            Some("RecoveryCodes"),
        ),
    ],
    query: &[],
    paged: &[],
    schemas,
};

fn schemas() -> Value {
    json!({
        "MfaStatus": { "type": "object", "properties": {
            "totp_enabled": { "type": "boolean" }, "enabled_at": { "type": ["string", "null"], "format": "date-time" },
            "recovery_codes_left": { "type": "integer" }, "required": { "type": "boolean" } } },
        "PasswordProof": { "type": "object", "required": ["current_password"], "additionalProperties": false,
            "properties": { "current_password": { "type": "string" } } },
        "CodeProof": { "type": "object", "required": ["code"], "additionalProperties": false,
            "properties": { "code": { "type": "string", "description": "Six digits from the authenticator app" } } },
        "TotpSetup": { "type": "object", "properties": {
            "secret": { "type": "string", "description": "Base32, for typing into an app by hand" },
            "otpauth_uri": { "type": "string" }, "qr_code": { "type": "string", "description": "data: URI of an SVG image" } } },
        "RecoveryCodes": { "type": "object", "properties": {
            "recovery_codes": { "type": "array", "items": { "type": "string" } } } },
    })
}

/// Whether the caller has a second factor, must have one, and how many recovery codes are left.
pub async fn status(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let id = caller.user.id;
    let (secret, left) = state.db.read(move |c| Ok((users::totp(c, id)?, users::recovery_codes_left(c, id)?))).await?;
    Ok(Json(json!({
        "totp_enabled": secret.enabled_at.is_some(),
        "enabled_at": secret.enabled_at.map(crate::db::rfc3339),
        "recovery_codes_left": left,
        "required": state.config.auth.require_mfa_for.applies_to(caller.user.role),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordProof {
    current_password: String,
}

/// Checks the caller's password (a second factor is changed only by someone who knows it).
async fn prove_password(state: &AppState, caller: &Caller, password: String) -> ApiResult<()> {
    let id = caller.user.id;
    let stored = state.db.read(move |c| users::password_hash(c, id)).await?.unwrap_or_default();
    let ok = tokio::task::spawn_blocking(move || password.len() <= 1024 && auth::verify_password(&password, &stored))
        .await
        .map_err(ApiError::internal)?;
    if ok { Ok(()) } else { Err(ApiError::bad_field("current_password", "The current password is wrong.")) }
}

/// Starts setting up TOTP: a new secret, its `otpauth://` URI and the QR code (SVG) to scan.
/// It is in force only after `confirm` with a first code.
pub async fn begin(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<PasswordProof>,
) -> ApiResult<Json<Value>> {
    prove_password(&state, &caller, req.current_password).await?;
    let id = caller.user.id;
    if state.db.read(move |c| users::totp(c, id)).await?.enabled_at.is_some() {
        return Err(ApiError::conflict("A second factor is set up already; turn it off first to set up another."));
    }
    let secret = totp::new_secret();
    let host = crate::server::url_host(&state.public_url).unwrap_or_default();
    let issuer = if host.is_empty() { "Steward".to_owned() } else { format!("Steward ({host})") };
    let uri = totp::otpauth_uri(&secret, &issuer, &caller.user.login);
    let svg = totp::qr_svg(&uri).ok_or_else(|| ApiError::internal("QR code too large"))?;
    let stored = secret.clone();
    state.db.write(move |c| users::begin_totp(c, id, &stored)).await?;
    use base64::Engine;
    let qr = format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(svg));
    Ok(Json(json!({ "secret": secret, "otpauth_uri": uri, "qr_code": qr })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeProof {
    code: String,
}

/// New recovery codes: stored hashed, returned once.
fn fresh_recovery_codes(c: &rusqlite::Connection, id: i64) -> Result<Vec<String>, DbError> {
    let codes = auth::new_recovery_codes();
    let hashes: Vec<[u8; 32]> = codes.iter().map(|c| sha256(auth::normalize_recovery_code(c).as_bytes())).collect();
    users::set_recovery_codes(c, id, &hashes)?;
    Ok(codes)
}

/// Finishes setting up TOTP with a first code from the app; answers the recovery codes, once.
pub async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<CodeProof>,
) -> ApiResult<Json<Value>> {
    let (id, who) = (caller.user.id, caller.who());
    let codes = state
        .db
        .write(move |c| {
            let t = now();
            let current = users::totp(c, id)?;
            let Some(secret) = current.secret.filter(|_| current.enabled_at.is_none()) else {
                return Ok(Err("Start setting up the authenticator first (or it is set up already)."));
            };
            let Some(step) = totp::verify(&secret, &req.code, t, 0) else {
                return Ok(Err("That code is not right; check the phone's clock and enter the current code."));
            };
            users::enable_totp(c, id, step, t)?;
            let codes = fresh_recovery_codes(c, id)?;
            audit::record(c, t, &who, "mfa.enabled", "", "authenticator app (TOTP)")?;
            Ok(Ok(codes))
        })
        .await?
        .map_err(|m| ApiError::bad_field("code", m))?;
    Ok(Json(json!({ "recovery_codes": codes })))
}

/// Turns the second factor off (with the password), unless the caller's role must have one.
pub async fn disable(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<PasswordProof>,
) -> ApiResult<StatusCode> {
    if state.config.auth.require_mfa_for.applies_to(caller.user.role) {
        return Err(ApiError::conflict(
            "Your role must use a second factor here ([auth] require_mfa_for); set up a new one instead of turning it off.",
        ));
    }
    prove_password(&state, &caller, req.current_password).await?;
    let (id, who) = (caller.user.id, caller.who());
    state
        .db
        .write(move |c| {
            users::disable_totp(c, id)?;
            audit::record(c, now(), &who, "mfa.disabled", "", "")
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// New recovery codes (the old ones stop working), with a current authenticator code.
pub async fn new_recovery_codes(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<CodeProof>,
) -> ApiResult<Json<Value>> {
    let (id, who) = (caller.user.id, caller.who());
    let codes = state
        .db
        .write(move |c| {
            let t = now();
            let current = users::totp(c, id)?;
            let Some(secret) = current.secret.filter(|_| current.enabled_at.is_some()) else {
                return Ok(Err("Set up an authenticator first."));
            };
            let Some(step) = totp::verify(&secret, &req.code, t, current.last_step) else {
                return Ok(Err("That code is not right (or was used already); enter the next one."));
            };
            users::use_totp_step(c, id, step)?;
            let codes = fresh_recovery_codes(c, id)?;
            audit::record(c, t, &who, "mfa.recovery_codes", "", "new recovery codes; the old ones stop working")?;
            Ok(Ok(codes))
        })
        .await?
        .map_err(|m| ApiError::bad_field("code", m))?;
    Ok(Json(json!({ "recovery_codes": codes })))
}
