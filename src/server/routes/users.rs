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

/// The part of the API description this module answers.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, get, update, end_sessions, reset_mfa))]
pub struct Api;

/// List users (admin)
#[utoipa::path(get, path = "/api/v1/users", params(PageParams), responses((status = 200, body = Page<User>)))]
pub async fn list(State(state): State<AppState>, _: Admin, Query(p): Query<PageParams>) -> ApiResult<Json<Page<User>>> {
    let limit = p.limit()?;
    let after = p.after()?;
    let rows = state.db.read(move |c| users::list(c, after.as_deref(), limit + 1)).await?;
    Ok(Json(page(rows, limit, |u| &u.login)))
}

/// One user (admin, or the user themself)
#[utoipa::path(get, path = "/api/v1/users/{id}", responses((status = 200, body = User)))]
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

// The description's side of `NewUserRequest`, which takes both kinds and checks the client.
/// A new user: staff (an admin or a technician), or a client contact with their client.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
#[schema(as = NewUser)]
#[allow(dead_code)]
enum NewUserForm {
    Staff(NewStaffUser),
    Contact(NewContactUser),
}

/// A new admin or technician.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct NewStaffUser {
    /// Their login too.
    #[schema(format = Email, max_length = 254)]
    email: String,
    #[serde(default)]
    #[schema(format = "line", max_length = 200)]
    name: String,
    role: StaffRole,
    /// Not used: staff belong to no client.
    client_id: Option<i64>,
    /// At least 12 characters, not one character repeated; nor a run such as 123456789012, one
    /// of the most common passwords, or the e-mail address.
    #[schema(min_length = 12, max_length = 1024, pattern = r"^(?!([\s\S])\1*$)")]
    password: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum StaffRole {
    Admin,
    Technician,
}

/// A new client contact: they see their client's devices and tickets.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct NewContactUser {
    /// Their login too.
    #[schema(format = Email, max_length = 254)]
    email: String,
    #[serde(default)]
    #[schema(format = "line", max_length = 200)]
    name: String,
    role: ContactRole,
    /// Their client.
    client_id: i64,
    /// At least 12 characters, not one character repeated; nor a run such as 123456789012, one
    /// of the most common passwords, or the e-mail address.
    #[schema(min_length = 12, max_length = 1024, pattern = r"^(?!([\s\S])\1*$)")]
    password: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum ContactRole {
    Client,
}

/// Add a user (admin); their login is their e-mail
#[utoipa::path(post, path = "/api/v1/users", request_body = NewUserForm, responses((status = 201, body = User)))]
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
        .map_err(unknown_client_names_the_field)?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// A client id in a request body that names nothing: 404, naming the field.
fn unknown_client_names_the_field(e: DbError) -> ApiError {
    match e {
        DbError::NotFound(m) if m.contains("client") => {
            let mut e = ApiError::not_found(m);
            e.detail = Some(serde_json::json!({ "field": "client_id" }));
            e
        }
        other => other.into(),
    }
}

/// `"client_id": null` clears the client, and a missing key leaves it alone.
fn some_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

/// What to change of a user; what is left out stays as it is.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = UserChangeFields)]
pub struct UserChangeRequest {
    #[schema(format = "line", max_length = 200)]
    name: Option<String>,
    role: Option<Role>,
    /// The client of a client contact; null clears it (for another role).
    #[serde(default, deserialize_with = "some_option")]
    client_id: Option<Option<i64>>,
    disabled: Option<bool>,
}

/// `UserChangeFields`, with the one rule between them a request alone breaks: a client contact
/// needs a client, so `"role": "client"` does not go with `"client_id": null`.
struct UserChangesDoc;

impl utoipa::PartialSchema for UserChangesDoc {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AllOfBuilder, AnyOfBuilder, ObjectBuilder, Ref, SchemaType, Type};
        let any = || ObjectBuilder::new().schema_type(SchemaType::AnyValue);
        let staff = any().property(
            "role",
            any().enum_values(Some([
                serde_json::json!("admin"),
                serde_json::json!("technician"),
                serde_json::Value::Null,
            ])),
        );
        let with_client = any().property(
            "client_id",
            ObjectBuilder::new().schema_type(Type::Integer).format(Some(
                utoipa::openapi::schema::SchemaFormat::KnownFormat(utoipa::openapi::schema::KnownFormat::Int64),
            )),
        );
        AllOfBuilder::new()
            .item(Ref::from_schema_name("UserChangeFields"))
            .item(AnyOfBuilder::new().item(staff).item(with_client))
            .description(Some(
                "What to change of a user; what is left out stays as it is. A client contact needs a client.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for UserChangesDoc {
    fn name() -> std::borrow::Cow<'static, str> {
        "UserChanges".into()
    }

    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        schemas.push(("UserChangeFields".to_owned(), <UserChangeRequest as utoipa::PartialSchema>::schema()));
        <UserChangeRequest as utoipa::ToSchema>::schemas(schemas);
    }
}

/// Change a user's name, role, client or disabled flag (admin)
#[utoipa::path(patch, path = "/api/v1/users/{id}", request_body = UserChangesDoc, responses((status = 200, body = User)))]
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
            // A client contact without a client: when this request alone says so (`"role":
            // "client", "client_id": null`) it is a bad request; otherwise it is the user's
            // current standing that lacks the client.
            let role = changes.role.unwrap_or(current.role);
            let client = changes.client_id.unwrap_or(current.client_id);
            let said_so = changes.role == Some(Role::Client) && changes.client_id == Some(None);
            if role == Role::Client && client.is_none() && !said_so {
                return Err(DbError::conflict("client_id", "A user with the client role needs a client."));
            }
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
        .map_err(unknown_client_names_the_field)?;
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

/// End every session of a user (admins)
///
/// A lost laptop: their open event streams end too.
#[utoipa::path(delete, path = "/api/v1/users/{id}/sessions", responses((status = 204)))]
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

/// Turn a user's second factor off, for a lost phone (admins)
///
/// For a lost phone without recovery codes; the user sets up a new one at the next login when
/// the policy asks for it.
#[utoipa::path(delete, path = "/api/v1/users/{id}/mfa", responses((status = 204)))]
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
