//! Clients (customer companies) and their sites. Staff see every client; a client contact sees
//! only their own. Admins add and edit, including the client's time zone, which the client's
//! maintenance windows start in when no site gives one.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use crate::db::audit;
use crate::db::clients::{self, Client, Site, SiteFields};
use crate::server::auth::Caller;
use crate::server::error::{ApiError, ApiResult, Json, Path, Query};
use crate::server::roles::{Admin, Person};
use crate::server::state::AppState;

use super::{Page, PageParams, optional_text, page, required_text, timezone};

const NAME_MAX: usize = 200;
const NOTES_MAX: usize = 10_000;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// How many clients at most (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// Where the previous page ended: its `next_cursor`.
    #[param(format = "cursor")]
    cursor: Option<String>,
    /// Only clients whose name contains this (case-insensitive).
    q: Option<String>,
}

/// The part of the API description this module answers.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, get, update, list_sites, create_site, update_site))]
pub struct Api;

/// List clients (?q= filters by name; client contacts see their own)
#[utoipa::path(get, path = "/api/v1/clients", params(ListParams), responses((status = 200, body = Page<Client>)))]
pub async fn list(
    State(state): State<AppState>,
    Person(caller): Person,
    Query(p): Query<ListParams>,
) -> ApiResult<Json<Page<Client>>> {
    let paging = PageParams { limit: p.limit, cursor: p.cursor };
    let limit = paging.limit()?;
    let after = paging.after()?;
    let search = p.q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty());
    let scope = caller.client_scope();
    let rows = state.db.read(move |c| clients::list(c, search.as_deref(), scope, after.as_deref(), limit + 1)).await?;
    Ok(Json(page(rows, limit, |c| &c.name)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClient {
    #[schema(format = "name", min_length = 1, max_length = 200)]
    name: String,
    #[serde(default)]
    #[schema(format = "text", max_length = 10000)]
    notes: String,
    /// IANA name, e.g. Europe/Berlin; UTC when not given.
    #[schema(format = "timezone")]
    timezone: Option<String>,
}

/// Add a client (admin)
#[utoipa::path(post, path = "/api/v1/clients", request_body = NewClient, responses((status = 201, body = Client)))]
pub async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Json(req): Json<NewClient>,
) -> ApiResult<(StatusCode, Json<Client>)> {
    let t = state.clock.now();
    let name = required_text("name", &req.name, NAME_MAX)?;
    let notes = optional_text("notes", &req.notes, NOTES_MAX)?;
    let zone = req.timezone.map(|z| timezone("timezone", &z)).transpose()?;
    let who = caller.who();
    let client = state
        .db
        .write(move |c| {
            let mut client = clients::insert(c, &name, &notes, t)?;
            if let Some(zone) = &zone {
                client = clients::set_timezone(c, client.id, zone, t)?;
            }
            audit::record(c, t, &who, "client.created", &client.id.to_string(), &client.name)?;
            Ok(client)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(client)))
}

/// Finds a client the caller may see; others are "not found", not "forbidden", so a client
/// contact cannot learn which ids exist.
async fn visible_client(state: &AppState, caller: &Caller, id: i64) -> ApiResult<Client> {
    let not_found = || ApiError::not_found(format!("There is no client with id {id}."));
    if caller.client_scope().is_some_and(|own| own != id) {
        return Err(not_found());
    }
    state.db.read(move |c| clients::get(c, id)).await?.ok_or_else(not_found)
}

/// A client with its sites.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ClientWithSites {
    #[serde(flatten)]
    client: Client,
    sites: Vec<Site>,
}

/// One client with its sites
#[utoipa::path(get, path = "/api/v1/clients/{id}", responses((status = 200, body = ClientWithSites)))]
pub async fn get(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(id): Path<i64>,
) -> ApiResult<Json<ClientWithSites>> {
    let client = visible_client(&state, &caller, id).await?;
    let sites = state.db.read(move |c| clients::sites(c, id)).await?;
    Ok(Json(ClientWithSites { client, sites }))
}

/// What to change of a client; what is left out stays as it is.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientChanges {
    #[schema(format = "name", min_length = 1, max_length = 200)]
    name: Option<String>,
    #[schema(format = "text", max_length = 10000)]
    notes: Option<String>,
    /// IANA name, e.g. Europe/Berlin.
    #[schema(format = "timezone")]
    timezone: Option<String>,
}

/// Rename a client, edit its notes or set its time zone (admin)
#[utoipa::path(patch, path = "/api/v1/clients/{id}", request_body = ClientChanges, responses((status = 200, body = Client)))]
pub async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<i64>,
    Json(req): Json<ClientChanges>,
) -> ApiResult<Json<Client>> {
    let t = state.clock.now();
    let name = req.name.map(|n| required_text("name", &n, NAME_MAX)).transpose()?;
    let notes = req.notes.map(|n| optional_text("notes", &n, NOTES_MAX)).transpose()?;
    let zone = req.timezone.map(|z| timezone("timezone", &z)).transpose()?;
    let who = caller.who();
    let client = state
        .db
        .write(move |c| {
            let mut client = clients::update(c, id, name.as_deref(), notes.as_deref(), t)?;
            if let Some(zone) = &zone {
                client = clients::set_timezone(c, id, zone, t)?;
            }
            audit::record(c, t, &who, "client.updated", &id.to_string(), &client.name)?;
            Ok(client)
        })
        .await?;
    Ok(Json(client))
}

/// A client's sites
#[utoipa::path(get, path = "/api/v1/clients/{id}/sites", responses((status = 200, body = Page<Site>)))]
pub async fn list_sites(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(id): Path<i64>,
) -> ApiResult<Json<Page<Site>>> {
    visible_client(&state, &caller, id).await?;
    let sites = state.db.read(move |c| clients::sites(c, id)).await?;
    Ok(Json(Page { items: sites, next_cursor: None }))
}

/// A site's fields; a new site needs its name.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteRequest {
    #[schema(format = "name", min_length = 1, max_length = 200)]
    name: Option<String>,
    #[schema(format = "text", max_length = 1000)]
    address: Option<String>,
    /// IANA name, e.g. Europe/Berlin.
    #[schema(format = "timezone")]
    timezone: Option<String>,
}

struct CheckedSite {
    name: Option<String>,
    address: Option<String>,
    timezone: Option<String>,
}

fn check_site(req: SiteRequest) -> ApiResult<CheckedSite> {
    Ok(CheckedSite {
        name: req.name.map(|n| required_text("name", &n, NAME_MAX)).transpose()?,
        address: req.address.map(|a| optional_text("address", &a, 1000)).transpose()?,
        timezone: req.timezone.map(|z| timezone("timezone", &z)).transpose()?,
    })
}

impl CheckedSite {
    fn fields(&self) -> SiteFields<'_> {
        SiteFields { name: self.name.as_deref(), address: self.address.as_deref(), timezone: self.timezone.as_deref() }
    }
}

/// Add a site to a client (admin)
#[utoipa::path(post, path = "/api/v1/clients/{id}/sites", request_body = SiteRequest, responses((status = 201, body = Site)))]
pub async fn create_site(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(client_id): Path<i64>,
    Json(req): Json<SiteRequest>,
) -> ApiResult<(StatusCode, Json<Site>)> {
    let t = state.clock.now();
    if req.name.is_none() {
        return Err(ApiError::bad_field("name", "name must not be empty."));
    }
    let site = check_site(req)?;
    visible_client(&state, &caller, client_id).await?;
    let who = caller.who();
    let site = state
        .db
        .write(move |c| {
            let s = clients::insert_site(c, client_id, &site.fields(), t)?;
            audit::record(c, t, &who, "site.created", &s.id.to_string(), &s.name)?;
            Ok(s)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(site)))
}

/// Edit a site (admin)
#[utoipa::path(patch, path = "/api/v1/sites/{id}", request_body = SiteRequest, responses((status = 200, body = Site)))]
pub async fn update_site(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<i64>,
    Json(req): Json<SiteRequest>,
) -> ApiResult<Json<Site>> {
    let t = state.clock.now();
    let site = check_site(req)?;
    let who = caller.who();
    let site = state
        .db
        .write(move |c| {
            let s = clients::update_site(c, id, &site.fields(), t)?;
            audit::record(c, t, &who, "site.updated", &id.to_string(), &s.name)?;
            Ok(s)
        })
        .await?;
    Ok(Json(site))
}
