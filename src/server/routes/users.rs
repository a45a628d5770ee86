//! People: admins add technicians and client contacts, change roles, disable accounts.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Deserializer};

use crate::auth;
use crate::db::users::{self, NewUser, Role, User, UserChanges};
use crate::db::{DbError, audit, clients, sessions};
use crate::server::error::{ApiError, ApiResult, Json, Path, Query};
use crate::server::live::Revoked;
use crate::server::roles::{Admin, Person};
use crate::server::state::AppState;

use super::{Page, PageParams, email, optional_line, page};

pub async fn list(State(state): State<AppState>, _: Admin, Query(p): Query<PageParams>) -> ApiResult<Json<Page<User>>> {
    let limit = p.limit()?;
    let after = p.after()?;
    let rows = state.db.read(move |c| users::list(c, after.as_deref(), limit + 1)).await?;
    Ok(Json(page(rows, limit, |u| &u.login)))
}

pub async fn get(State(state): State<AppState>, Person(caller): Person, Path(id): Path<i64>) -> ApiResult<Json<User>> {
    if caller.user.id != id && !caller.is_admin() {
        return Err(ApiError::forbidden("Only an admin may do this."));
    }
    let user = state.db.read(move |c| users::get(c, id)).await?;
    user.map(Json).ok_or_else(|| ApiError::not_found(format!("There is no user with id {id}.")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    email: String,
    #[serde(default)]
    name: String,
    role: Role,
    client_id: Option<i64>,
    password: String,
}

pub async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Json(req): Json<NewUserRequest>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let t = state.clock.now();
    let email = email("email", &req.email)?;
    let name = optional_line("name", &req.name, 200)?;
    auth::check_new_password(&req.password, &[&email]).map_err(|m| ApiError::bad_field("password", m))?;
    let client_id = match (req.role, req.client_id) {
        (Role::Client, None) => return Err(ApiError::bad_field("client_id", "A client contact needs a client_id.")),
        (Role::Client, Some(id)) => Some(id),
        (_, _) => None,
    };
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&req.password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let (role, who) = (req.role, caller.who());
    let user = state
        .db
        .write(move |c| {
            if let Some(id) = client_id
                && clients::get(c, id)?.is_none()
            {
                return Err(DbError::NotFound(format!("There is no client with id {id}.")));
            }
            let user = users::insert(
                c,
                &NewUser { login: &email, email: &email, name: &name, role, client_id, password_hash: &hash },
                t,
            )?;
            audit::record(c, t, &who, "user.created", &user.login, role.as_str())?;
            Ok(user)
        })
        .await
        .map_err(unknown_client_is_bad_request)?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// A client id in a request body that names nothing is the request's fault: 400, not 404.
fn unknown_client_is_bad_request(e: DbError) -> ApiError {
    match e {
        DbError::NotFound(m) if m.contains("client") => ApiError::bad_field("client_id", m),
        other => other.into(),
    }
}

/// `"client_id": null` clears the client, and a missing key leaves it alone.
fn some_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserChangeRequest {
    name: Option<String>,
    role: Option<Role>,
    #[serde(default, deserialize_with = "some_option")]
    client_id: Option<Option<i64>>,
    disabled: Option<bool>,
}

pub async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<i64>,
    Json(req): Json<UserChangeRequest>,
) -> ApiResult<Json<User>> {
    let t = state.clock.now();
    let changes = UserChanges {
        name: req.name.map(|n| optional_line("name", &n, 200)).transpose()?,
        role: req.role,
        client_id: req.client_id,
        disabled: req.disabled,
    };
    let by = caller.user.id;
    let who = caller.who();
    let user = state
        .db
        .write(move |c| {
            let current =
                users::get(c, id)?.ok_or_else(|| DbError::NotFound(format!("There is no user with id {id}.")))?;
            // Nobody demotes or disables themself, so the last admin can never lock everyone out.
            let demoted = changes.role.is_some_and(|r| r != current.role);
            if id == by && (demoted || changes.disabled == Some(true)) {
                return Err(DbError::conflict(
                    if demoted { "role" } else { "disabled" },
                    "You cannot change your own role or disable yourself; ask another admin.",
                ));
            }
            if let Some(Some(client)) = changes.client_id
                && clients::get(c, client)?.is_none()
            {
                return Err(DbError::NotFound(format!("There is no client with id {client}.")));
            }
            let (user, _ended) = crate::services::accounts::update_user(c, id, &changes, t)?;
            let detail = changed(&current, &user);
            audit::record(c, t, &who, "user.updated", &user.login, &detail)?;
            Ok((user, current))
        })
        .await
        .map_err(unknown_client_is_bad_request)?;
    let (user, before) = user;
    // A disabled user, or one whose role or client changed, keeps no open stream of the old kind.
    if user.disabled != before.disabled || user.role != before.role || user.client_id != before.client_id {
        let _ = state.live.revoked.send(Revoked::User(id));
    }
    Ok(Json(user))
}

/// What an update changed, for the audit log: `role technician -> admin; disabled`.
fn changed(before: &User, after: &User) -> String {
    let mut parts = Vec::new();
    if before.name != after.name {
        parts.push(format!("name {:?} -> {:?}", before.name, after.name));
    }
    if before.role != after.role {
        parts.push(format!("role {} -> {}", before.role, after.role));
    }
    if before.client != after.client {
        parts.push(format!(
            "client {} -> {}",
            before.client.as_deref().unwrap_or("none"),
            after.client.as_deref().unwrap_or("none")
        ));
    }
    if before.disabled != after.disabled {
        parts.push(if after.disabled { "disabled".into() } else { "enabled".into() });
    }
    parts.join("; ")
}

/// An admin ends every session of a user (a lost laptop), and their open event streams.
pub async fn end_sessions(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    end_all_sessions(
        &state,
        caller.who(),
        id,
        "sessions.ended",
        |_, _| Ok(()),
        |n| format!("{n} sessions, by an admin"),
    )
    .await
}

/// An admin turns a user's second factor off (a lost phone without recovery codes); the user
/// sets up a new one at the next login when the policy asks for it.
pub async fn reset_mfa(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    if id == caller.user.id {
        return Err(ApiError::conflict("Turn your own second factor off on your Account page."));
    }
    let off = |c: &rusqlite::Connection, id| {
        users::disable_totp(c, id)?;
        crate::db::passkeys::delete_all(c, id).map(drop)
    };
    let detail = |_| "second factor (authenticator app, passkeys) turned off by an admin".to_owned();
    end_all_sessions(&state, caller.who(), id, "mfa.reset", off, detail).await
}

/// In one transaction: `change` to user `id`, every session of theirs ended, `action` audited
/// (with `detail` of the number ended); then their open event streams end.
async fn end_all_sessions(
    state: &AppState,
    who: audit::Who,
    id: i64,
    action: &'static str,
    change: impl FnOnce(&rusqlite::Connection, i64) -> Result<(), DbError> + Send + 'static,
    detail: impl FnOnce(usize) -> String + Send + 'static,
) -> ApiResult<StatusCode> {
    let now = state.clock.now();
    let ended = state
        .db
        .write(move |c| {
            let user =
                users::get(c, id)?.ok_or_else(|| DbError::NotFound(format!("There is no user with id {id}.")))?;
            change(c, id)?;
            let ended = sessions::end_all(c, id, None)?;
            audit::record(c, now, &who, action, &user.login, &detail(ended.len()))?;
            Ok(ended)
        })
        .await?;
    state.live.revoke(&ended, &[]);
    Ok(StatusCode::NO_CONTENT)
}
