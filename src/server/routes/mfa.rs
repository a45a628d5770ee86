//! The caller's second factor: TOTP set up with a QR code (proved with a first code before it is
//! in force), recovery codes shown once, and turning it off with the password; and passkeys
//! (WebAuthn), several per person, added with the password and removed one by one.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use webauthn_rs::prelude::{Passkey, RegisterPublicKeyCredential};

use crate::auth::passkey::{self, PasskeyError};
use crate::auth::{self, sha256, totp};
use crate::db::passkeys::PasskeyInfo;
use crate::db::{DbError, audit, passkeys as db_passkeys, users};
use crate::server::auth::Caller;
use crate::server::error::{ApiError, ApiResult, Json, Path};
use crate::server::roles::Person;
use crate::server::state::AppState;

use super::api_doc::ApiDoc;
use super::{Page, required_text};

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
        ("get", "/api/v1/me/mfa/passkeys", "The caller's passkeys", None, 200, Some("PasskeyPage")),
        (
            "post",
            "/api/v1/me/mfa/passkeys/register/start",
            "Start adding a passkey (with the password): the options for navigator.credentials.create",
            Some("NewPasskey"),
            200,
            Some("PasskeyCreationOptions"),
        ),
        (
            "post",
            "/api/v1/me/mfa/passkeys/register/finish",
            "Finish adding a passkey with the browser's answer to navigator.credentials.create",
            Some("PasskeyCredential"),
            201,
            Some("Passkey"),
        ),
        ("delete", "/api/v1/me/mfa/passkeys/{id}", "Remove one of the caller's passkeys", None, 204, None),
    ],
    query: &[],
    paged: &[],
    schemas,
};

fn schemas() -> Value {
    json!({
        "MfaStatus": { "type": "object", "properties": {
            "totp_enabled": { "type": "boolean" }, "enabled_at": { "type": ["string", "null"], "format": "date-time" },
            "recovery_codes_left": { "type": "integer" }, "required": { "type": "boolean" },
            "passkeys": { "type": "integer", "description": "How many passkeys the caller has" } } },
        "Passkey": { "type": "object", "properties": {
            "id": { "type": "integer" }, "name": { "type": "string" },
            "created_at": { "type": "string", "format": "date-time" },
            "last_used_at": { "type": ["string", "null"], "format": "date-time" } } },
        "PasskeyPage": super::api_doc::page_of("Passkey"),
        "NewPasskey": { "type": "object", "required": ["current_password", "name"], "additionalProperties": false,
            "properties": { "current_password": { "type": "string" },
                "name": { "type": "string", "maxLength": 60, "description": "Which device or key it is, for the list" } } },
        "PasskeyCreationOptions": { "type": "object", "description":
            "WebAuthn PublicKeyCredentialCreationOptions under publicKey; binary fields are base64url strings" },
        "PasskeyCredential": { "type": "object", "required": ["credential"], "additionalProperties": false,
            "properties": { "credential": { "type": "object", "description":
                "The PublicKeyCredential navigator.credentials.create answered, binary fields as base64url" } } },
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

/// The part of the API description this module answers.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    status,
    begin,
    confirm,
    disable,
    new_recovery_codes,
    passkeys,
    passkey_register_start,
    passkey_register_finish,
    remove_passkey
))]
pub struct Api;

/// Whether the caller has a second factor, must have one, and how many recovery codes are left.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct MfaStatus {
    /// How many passkeys the caller has.
    passkeys: i64,
    totp_enabled: bool,
    /// When the authenticator app was set up.
    #[schema(format = DateTime, required = true)]
    enabled_at: Option<String>,
    recovery_codes_left: i64,
    /// The caller's role must use a second factor here.
    required: bool,
}

/// The caller's second factor: on or not, required or not, recovery codes left
#[utoipa::path(get, path = "/api/v1/me/mfa", responses((status = 200, body = MfaStatus)))]
pub async fn status(State(state): State<AppState>, Person(caller): Person) -> ApiResult<Json<MfaStatus>> {
    let id = caller.user.id;
    let (secret, left, passkeys) = state
        .db
        .read(move |c| Ok((users::totp(c, id)?, users::recovery_codes_left(c, id)?, db_passkeys::count(c, id)?)))
        .await?;
    Ok(Json(MfaStatus {
        passkeys,
        totp_enabled: secret.enabled_at.is_some(),
        enabled_at: secret.enabled_at.map(crate::db::rfc3339),
        recovery_codes_left: left,
        required: state.config.auth.require_mfa_for.applies_to(caller.user.role),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordProof {
    /// A wrong one is refused with 403.
    current_password: String,
}

/// A proof of the caller's password that failed: 403, naming the field.
pub(crate) fn wrong_password() -> ApiError {
    let mut e = ApiError::forbidden("The current password is wrong.");
    e.detail = Some(json!({ "field": "current_password" }));
    e
}

/// Checks the caller's password (a second factor is changed only by someone who knows it).
async fn prove_password(state: &AppState, caller: &Caller, password: String) -> ApiResult<()> {
    let id = caller.user.id;
    let stored = state.db.read(move |c| users::password_hash(c, id)).await?.unwrap_or_default();
    let ok = tokio::task::spawn_blocking(move || password.len() <= 1024 && auth::verify_password(&password, &stored))
        .await
        .map_err(ApiError::internal)?;
    if ok { Ok(()) } else { Err(wrong_password()) }
}

/// A new TOTP secret, to scan or type into an authenticator app.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct TotpSetup {
    /// Base32, for typing into an app by hand.
    secret: String,
    otpauth_uri: String,
    /// A data: URI of an SVG image.
    qr_code: String,
}

/// Start setting up an authenticator app (with the password): the secret, its otpauth URI and a QR code
///
/// It is in force only after `confirm` with a first code.
#[utoipa::path(post, path = "/api/v1/me/mfa/totp", request_body = PasswordProof, responses((status = 200, body = TotpSetup)))]
pub async fn begin(
    State(state): State<AppState>,
    Person(caller): Person,
    Json(req): Json<PasswordProof>,
) -> ApiResult<Json<TotpSetup>> {
    prove_password(&state, &caller, req.current_password).await?;
    let id = caller.user.id;
    if state.db.read(move |c| users::totp(c, id)).await?.enabled_at.is_some() {
        return Err(ApiError::conflict("A second factor is set up already; turn it off first to set up another."));
    }
    let secret = totp::new_secret();
    let host = crate::netaddr::url_host(&state.public_url).unwrap_or_default();
    let issuer = if host.is_empty() { "Steward".to_owned() } else { format!("Steward ({host})") };
    let uri = totp::otpauth_uri(&secret, &issuer, &caller.user.login);
    let svg = totp::qr_svg(&uri).ok_or_else(|| ApiError::internal("QR code too large"))?;
    let stored = secret.clone();
    state.db.write(move |c| users::begin_totp(c, id, &stored)).await?;
    use base64::Engine;
    let qr = format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(svg));
    Ok(Json(TotpSetup { secret, otpauth_uri: uri, qr_code: qr }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeProof {
    /// Six digits from the authenticator app (spaces are ignored); a wrong one is refused with
    /// 403.
    #[schema(pattern = r"^\s*(?:[0-9]\s*){6}$")]
    code: String,
}

impl CodeProof {
    /// The code, when it is six digits (spaces aside): anything else is no code at all.
    fn code(self) -> ApiResult<String> {
        let digits = self.code.chars().filter(|c| !c.is_whitespace()).count();
        let all_digits = self.code.chars().all(|c| c.is_whitespace() || c.is_ascii_digit());
        if digits == 6 && all_digits {
            Ok(self.code)
        } else {
            Err(ApiError::bad_field("code", "Enter the six digits the authenticator app shows."))
        }
    }
}

/// A proof with a code that failed: 403, naming the field.
fn wrong_code(message: &str) -> ApiError {
    let mut e = ApiError::forbidden(message);
    e.detail = Some(json!({ "field": "code" }));
    e
}

/// Ten one-time recovery codes, shown only in this answer.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RecoveryCodes {
    recovery_codes: Vec<String>,
}

/// New recovery codes: stored hashed, returned once.
fn fresh_recovery_codes(c: &rusqlite::Connection, id: i64) -> Result<Vec<String>, DbError> {
    let codes = auth::new_recovery_codes();
    let hashes: Vec<[u8; 32]> = codes.iter().map(|c| sha256(auth::normalize_recovery_code(c).as_bytes())).collect();
    users::set_recovery_codes(c, id, &hashes)?;
    Ok(codes)
}

/// Finish setting up with a first code; answers ten recovery codes, shown only here
///
/// Setting up must have been started (409 otherwise).
#[utoipa::path(post, path = "/api/v1/me/mfa/totp/confirm", request_body = CodeProof, responses((status = 200, body = RecoveryCodes)))]
pub async fn confirm(
    State(state): State<AppState>,
    Person(caller): Person,
    Json(req): Json<CodeProof>,
) -> ApiResult<Json<RecoveryCodes>> {
    let t = state.clock.now();
    let code = req.code()?;
    let (id, who) = (caller.user.id, caller.who());
    let codes = state
        .db
        .write(move |c| {
            let current = users::totp(c, id)?;
            let Some(secret) = current.secret.filter(|_| current.enabled_at.is_none()) else {
                return Ok(Err(ApiError::conflict(
                    "Start setting up the authenticator first (or it is set up already).",
                )));
            };
            let Some(step) = totp::verify(&secret, &code, t, 0) else {
                return Ok(Err(wrong_code(
                    "That code is not right; check the phone's clock and enter the current code.",
                )));
            };
            users::enable_totp(c, id, step, t)?;
            let codes = fresh_recovery_codes(c, id)?;
            audit::record(c, t, &who, "mfa.enabled", "", "authenticator app (TOTP)")?;
            Ok(Ok(codes))
        })
        .await??;
    Ok(Json(RecoveryCodes { recovery_codes: codes }))
}

/// Turn the second factor off (with the password)
///
/// Unless the caller's role must have one (409).
#[utoipa::path(post, path = "/api/v1/me/mfa/totp/disable", request_body = PasswordProof, responses((status = 204)))]
pub async fn disable(
    State(state): State<AppState>,
    Person(caller): Person,
    Json(req): Json<PasswordProof>,
) -> ApiResult<StatusCode> {
    let now = state.clock.now();
    let (id, who) = (caller.user.id, caller.who());
    let passkeys = state.db.read(move |c| db_passkeys::count(c, id)).await?;
    if state.config.auth.require_mfa_for.applies_to(caller.user.role) && passkeys == 0 {
        return Err(ApiError::conflict(
            "Your role must use a second factor here ([auth] require_mfa_for); set up a new one instead of turning it off.",
        ));
    }
    prove_password(&state, &caller, req.current_password).await?;
    state
        .db
        .write(move |c| {
            users::disable_totp(c, id)?;
            audit::record(c, now, &who, "mfa.disabled", "", "")
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// New recovery codes, with a current code; the old ones stop working
///
/// An authenticator app must be set up (409 otherwise).
#[utoipa::path(post, path = "/api/v1/me/mfa/recovery-codes", request_body = CodeProof, responses((status = 200, body = RecoveryCodes)))]
pub async fn new_recovery_codes(
    State(state): State<AppState>,
    Person(caller): Person,
    Json(req): Json<CodeProof>,
) -> ApiResult<Json<RecoveryCodes>> {
    let t = state.clock.now();
    let code = req.code()?;
    let (id, who) = (caller.user.id, caller.who());
    let codes = state
        .db
        .write(move |c| {
            let current = users::totp(c, id)?;
            let Some(secret) = current.secret.filter(|_| current.enabled_at.is_some()) else {
                return Ok(Err(ApiError::conflict("Set up an authenticator first.")));
            };
            let Some(step) = totp::verify(&secret, &code, t, current.last_step) else {
                return Ok(Err(wrong_code("That code is not right (or was used already); enter the next one.")));
            };
            users::use_totp_step(c, id, step)?;
            let codes = fresh_recovery_codes(c, id)?;
            audit::record(c, t, &who, "mfa.recovery_codes", "", "new recovery codes; the old ones stop working")?;
            Ok(Ok(codes))
        })
        .await??;
    Ok(Json(RecoveryCodes { recovery_codes: codes }))
}

/// The user's passkeys as webauthn-rs wants them, with their row ids.
fn stored_passkeys(c: &rusqlite::Connection, user_id: i64) -> Result<Vec<(i64, Passkey)>, DbError> {
    let rows = db_passkeys::stored(c, user_id)?;
    // A row that no longer parses (a future format) is skipped rather than locking the user out.
    Ok(rows.into_iter().filter_map(|(id, json)| serde_json::from_str(&json).ok().map(|p| (id, p))).collect())
}

pub(crate) async fn load_passkeys(state: &AppState, user_id: i64) -> ApiResult<Vec<(i64, Passkey)>> {
    Ok(state.db.read(move |c| stored_passkeys(c, user_id)).await?)
}

fn passkey_error(e: PasskeyError) -> ApiError {
    match e {
        PasskeyError::Unavailable(why) => ApiError::conflict(why),
        // No ceremony waits for an answer: the caller's state, not the request, is off.
        PasskeyError::NotStarted => ApiError::conflict(PasskeyError::NotStarted.to_string()),
        other => ApiError::bad_field("credential", other.to_string()),
    }
}

/// The caller's passkeys
///
/// Oldest first.
#[utoipa::path(get, path = "/api/v1/me/mfa/passkeys", responses((status = 200, body = Page<PasskeyInfo>)))]
pub async fn passkeys(State(state): State<AppState>, Person(caller): Person) -> ApiResult<Json<Page<PasskeyInfo>>> {
    let id = caller.user.id;
    let items = state.db.read(move |c| db_passkeys::list(c, id)).await?;
    Ok(Json(Page { items, next_cursor: None }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPasskey {
    /// A wrong one is refused with 403.
    current_password: String,
    /// Which device or key it is, for the list.
    #[schema(format = "name", min_length = 1, max_length = 60)]
    name: String,
}

/// Start adding a passkey (with the password): the options for navigator.credentials.create
///
/// The caller's passkeys are excluded, so none is added twice. WebAuthn
/// PublicKeyCredentialCreationOptions under publicKey; binary fields are base64url strings.
#[utoipa::path(post, path = "/api/v1/me/mfa/passkeys/register/start", request_body = NewPasskey, responses((status = 200, body = Object)))]
pub async fn passkey_register_start(
    State(state): State<AppState>,
    Person(caller): Person,
    Json(req): Json<NewPasskey>,
) -> ApiResult<Json<Value>> {
    let name = required_text("name", &req.name, 60)?;
    prove_password(&state, &caller, req.current_password).await?;
    let existing: Vec<Passkey> = load_passkeys(&state, caller.user.id).await?.into_iter().map(|(_, p)| p).collect();
    let user = &caller.user;
    let display = if user.name.trim().is_empty() { &user.login } else { &user.name };
    let options =
        state.passkeys.start_registration(user.id, &user.login, display, name, &existing).map_err(passkey_error)?;
    Ok(Json(serde_json::to_value(options).map_err(ApiError::internal)?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeyCredential {
    /// The PublicKeyCredential navigator.credentials.create answered, binary fields as base64url.
    #[schema(schema_with = registration_credential)]
    credential: Value,
}

/// What `RegisterPublicKeyCredential` (webauthn-rs) takes: binary fields as unpadded base64url
/// (the unused bits of the last character zero), unknown fields ignored.
fn registration_credential() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    let base64url = || {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-][AQgw]|[A-Za-z0-9_-]{2}[AEIMQUYcgkosw048])?$"))
    };
    let text = || ObjectBuilder::new().schema_type(Type::String);
    let response = ObjectBuilder::new()
        .property("attestationObject", base64url())
        .required("attestationObject")
        .property("clientDataJSON", base64url())
        .required("clientDataJSON")
        .property(
            "transports",
            ArrayBuilder::new().schema_type(SchemaType::from_iter([Type::Array, Type::Null])).items(text()),
        );
    // The client's extension outputs: flags webauthn-rs reads, anything else ignored.
    let extensions = ObjectBuilder::new().max_properties(Some(0));
    ObjectBuilder::new()
        .property("id", text())
        .required("id")
        .property("rawId", base64url())
        .required("rawId")
        .property("response", response)
        .required("response")
        .property("type", text())
        .required("type")
        .property("clientExtensionResults", extensions)
        .build()
}

/// Finish adding a passkey with the browser's answer to navigator.credentials.create
///
/// It is in force from now on. Adding must have been started (409 otherwise).
#[utoipa::path(post, path = "/api/v1/me/mfa/passkeys/register/finish", request_body = PasskeyCredential, responses((status = 201, body = PasskeyInfo)))]
pub async fn passkey_register_finish(
    State(state): State<AppState>,
    Person(caller): Person,
    Json(req): Json<PasskeyCredential>,
) -> ApiResult<(StatusCode, Json<PasskeyInfo>)> {
    let t = state.clock.now();
    let credential: RegisterPublicKeyCredential = serde_json::from_value(req.credential).map_err(|e| {
        ApiError::bad_field("credential", format!("That is not what navigator.credentials.create answers ({e})."))
    })?;
    let (name, passkey) = state.passkeys.finish_registration(caller.user.id, &credential).map_err(passkey_error)?;
    let cred_id = passkey::credential_id(&passkey);
    let json = serde_json::to_string(&passkey).map_err(ApiError::internal)?;
    let (id, who) = (caller.user.id, caller.who());
    let added = state
        .db
        .write(move |c| {
            let Some(added) = db_passkeys::insert(c, id, &name, &cred_id, &json, t)? else { return Ok(None) };
            audit::record(c, t, &who, "mfa.passkey_added", &name, "passkey")?;
            Ok(Some(added))
        })
        .await?
        .ok_or_else(|| ApiError::conflict("That passkey is registered already."))?;
    Ok((StatusCode::CREATED, Json(added)))
}

/// Remove one of the caller's passkeys
///
/// Unless it is the last second factor of someone whose role must have one (409).
#[utoipa::path(delete, path = "/api/v1/me/mfa/passkeys/{id}", responses((status = 204)))]
pub async fn remove_passkey(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let now = state.clock.now();
    let required = state.config.auth.require_mfa_for.applies_to(caller.user.role);
    let (user_id, who) = (caller.user.id, caller.who());
    let removed = state
        .db
        .write(move |c| {
            let Some(name) = db_passkeys::delete(c, user_id, id)? else { return Ok(false) };
            if required && users::totp(c, user_id)?.enabled_at.is_none() && db_passkeys::count(c, user_id)? == 0 {
                // Rolls the deletion back with the rest of this write.
                return Err(DbError::conflict(
                    "id",
                    "Your role must use a second factor here ([auth] require_mfa_for): add another passkey or an \
                     authenticator app before removing this one.",
                ));
            }
            audit::record(c, now, &who, "mfa.passkey_removed", &name, "passkey")?;
            Ok(true)
        })
        .await?;
    if !removed {
        return Err(ApiError::not_found(format!("You have no passkey with id {id}.")));
    }
    Ok(StatusCode::NO_CONTENT)
}
