//! `/api/v1/kb`: the knowledge base. Staff write articles in Markdown, tag them and mark each
//! internal or client-visible; client contacts read the client-visible ones (an internal article
//! is "not found" for them). Also here: the articles linked from a ticket and those its subject
//! suggests (`/api/v1/tickets/{id}/articles`), and `/api/v1/search` across tickets and articles.
//!
//! An article's `html` is rendered on the server (`tickets::markdown::render`, raw HTML and
//! unsafe addresses neutralised) and is the one piece of HTML the UI inserts as HTML. Search
//! snippets are plain text with the matched words between U+E000 and U+E001.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::api_doc::{ApiDoc, page_of};
use super::tickets::{opt_whole, pair_after, pair_cursor};
use super::{Page, PageParams, optional_text, required_text};
use crate::db::kb::{
    self, Article, ArticleChanges, ArticleFilter, ArticleHit, ArticleSummary, LinkedArticle, ListFrom, NewArticle,
    Refusal, TagCount, TicketHit, Visibility,
};
use crate::db::{audit, tickets};
use crate::server::auth::Caller;
use crate::server::error::{ApiError, ApiResult, Json, Path, Query};
use crate::server::live::LiveEvent;
use crate::server::roles::{Person, Staff};
use crate::server::state::AppState;
use crate::tickets::{Priority, Status, markdown};

/// The part of the API description this module answers.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, one, update, remove, preview, tag_list, ticket_articles, link, unlink, search))]
pub struct Api;

pub const API: ApiDoc = ApiDoc {
    operations: &[
        (
            "get",
            "/api/v1/kb/articles",
            "Knowledge-base articles: best matches first with ?q=, else the most recently changed; client contacts see client-visible ones",
            None,
            200,
            Some("ArticlePage"),
        ),
        ("post", "/api/v1/kb/articles", "Write an article (staff)", Some("NewArticle"), 201, Some("ArticleDetail")),
        (
            "get",
            "/api/v1/kb/articles/{id}",
            "One article with its rendered HTML (and, for staff, the tickets it is linked from)",
            None,
            200,
            Some("ArticleDetail"),
        ),
        (
            "patch",
            "/api/v1/kb/articles/{id}",
            "Change an article (staff); 409 with the current article in detail when `version` is stale",
            Some("ArticleChanges"),
            200,
            Some("ArticleDetail"),
        ),
        ("delete", "/api/v1/kb/articles/{id}", "Delete an article (staff)", None, 204, None),
        (
            "post",
            "/api/v1/kb/preview",
            "Render Markdown as an article would show it, for the editor's preview (staff)",
            Some("ArticlePreview"),
            200,
            Some("RenderedArticle"),
        ),
        ("get", "/api/v1/kb/tags", "Tags of articles, most used first, with counts", None, 200, Some("KbTagList")),
        (
            "get",
            "/api/v1/tickets/{id}/articles",
            "Articles linked from a ticket, and up to five more its subject suggests",
            None,
            200,
            Some("TicketArticles"),
        ),
        (
            "post",
            "/api/v1/tickets/{id}/articles",
            "Link an article from a ticket (staff); shows on the ticket's timeline",
            Some("ArticleLink"),
            201,
            Some("LinkedArticle"),
        ),
        (
            "delete",
            "/api/v1/tickets/{id}/articles/{article_id}",
            "Unlink an article from a ticket (staff)",
            None,
            204,
            None,
        ),
        (
            "get",
            "/api/v1/search",
            "Full-text search across tickets (subject, description, comments) and articles",
            None,
            200,
            Some("SearchResults"),
        ),
    ],
    query: &[
        (("get", "/api/v1/kb/articles"), &[("q", "string"), ("tag", "string"), ("visibility", "string")]),
        (("get", "/api/v1/search"), &[("q", "string"), ("limit", "integer")]),
    ],
    paged: &["/api/v1/kb/articles"],
    schemas,
};

fn schemas() -> Value {
    let ts = json!({ "type": "string", "format": "date-time" });
    let visibility = json!({ "type": "string", "enum": ["internal", "client"],
        "description": "client: client contacts may read it too" });
    let tags = json!({ "type": "array", "maxItems": 20, "items": { "type": "string", "maxLength": 40,
        "pattern": "^[a-z0-9 _-]+$" }, "description": "Lower-cased on the way in" });
    let snippet = json!({ "type": "string",
        "description": "Plain text around the match; matched words between U+E000 and U+E001" });
    let article = json!({ "type": "object", "properties": {
        "id": { "type": "integer" }, "title": { "type": "string" },
        "body": { "type": "string", "description": "Markdown" }, "visibility": visibility, "tags": tags,
        "author_id": { "type": ["integer", "null"] }, "author": { "type": ["string", "null"] },
        "version": { "type": "integer", "description": "Send back with a change" },
        "created_at": ts, "updated_at": ts } });
    let status = json!({ "type": "string", "enum": Status::ALL.map(Status::as_str) });
    let priority = json!({ "type": "string", "enum": Priority::ALL.map(Priority::as_str) });
    json!({
        "Article": article,
        "ArticleDetail": { "allOf": [ { "$ref": "#/components/schemas/Article" }, { "type": "object", "properties": {
            "html": { "type": "string", "description": "The body rendered: raw HTML escaped, only http, https, mailto and relative addresses" },
            "linked_tickets": { "type": "array", "description": "Staff only", "items": { "type": "object", "properties": {
                "id": { "type": "integer" }, "subject": { "type": "string" }, "status": status } } } } } ] },
        "ArticleSummary": { "type": "object", "properties": {
            "id": { "type": "integer" }, "title": { "type": "string" }, "visibility": visibility, "tags": tags,
            "excerpt": { "type": "string", "description": "The start of the body as plain text" },
            "author": { "type": ["string", "null"] }, "updated_at": ts, "version": { "type": "integer" } } },
        "ArticlePage": page_of("ArticleSummary"),
        "NewArticle": { "type": "object", "required": ["title"], "additionalProperties": false, "properties": {
            "title": { "type": "string", "maxLength": 200 }, "body": { "type": "string", "maxLength": 100000 },
            "visibility": { "type": "string", "enum": ["internal", "client"], "default": "internal" }, "tags": tags } },
        "ArticleChanges": { "type": "object", "required": ["version"], "additionalProperties": false, "properties": {
            "version": { "type": "integer" }, "title": { "type": "string", "maxLength": 200 },
            "body": { "type": "string", "maxLength": 100000 }, "visibility": visibility, "tags": tags } },
        "ArticlePreview": { "type": "object", "required": ["body"], "additionalProperties": false, "properties": {
            "body": { "type": "string", "maxLength": 100000 } } },
        "RenderedArticle": { "type": "object", "properties": { "html": { "type": "string" } } },
        "KbTagList": { "type": "object", "properties": {
            "items": { "type": "array", "items": { "type": "object", "properties": {
                "tag": { "type": "string" }, "count": { "type": "integer" } } } },
            "next_cursor": { "type": "null" } } },
        "LinkedArticle": { "type": "object", "properties": {
            "id": { "type": "integer" }, "title": { "type": "string" }, "visibility": visibility, "tags": tags,
            "excerpt": { "type": "string" }, "linked_at": ts, "linked_by": { "type": ["string", "null"] } } },
        "TicketArticles": { "type": "object", "properties": {
            "linked": { "type": "array", "items": { "$ref": "#/components/schemas/LinkedArticle" } },
            "suggested": { "type": "array", "description": "Not linked yet; matching the ticket's subject, best first",
                "items": { "$ref": "#/components/schemas/ArticleSummary" } } } },
        "ArticleLink": { "type": "object", "required": ["article_id"], "additionalProperties": false, "properties": {
            "article_id": { "type": "integer" } } },
        "SearchResults": { "type": "object", "properties": {
            "tickets": { "type": "array", "items": { "type": "object", "properties": {
                "id": { "type": "integer" }, "subject": { "type": "string" }, "status": status,
                "priority": priority, "client": { "type": "string" }, "snippet": snippet } } },
            "articles": { "type": "array", "items": { "type": "object", "properties": {
                "id": { "type": "integer" }, "title": { "type": "string" }, "visibility": visibility,
                "snippet": snippet } } } } },
    })
}

const TITLE_MAX: usize = 200;
const BODY_MAX: usize = 100_000;
const TAGS_MAX: usize = 20;
const TAG_MAX: usize = 40;
/// The longest search text taken.
const QUERY_MAX: usize = 200;

fn no_article(id: i64) -> ApiError {
    ApiError::not_found(format!("There is no article with id {id}."))
}

/// Turns a refusal decided in the write transaction into the API's answer.
fn refused(r: Refusal) -> ApiError {
    match r {
        Refusal::NoArticle(id) => no_article(id),
        Refusal::NoTicket(id) => ApiError::not_found(format!("There is no ticket with id {id}.")),
        Refusal::NotLinked { ticket_id, article_id } => {
            ApiError::not_found(format!("Article {article_id} is not linked from ticket {ticket_id}."))
        }
        Refusal::Stale(current) => {
            let mut e = ApiError::conflict(format!(
                "Article {} was changed by someone else (it is at version {} now); the detail shows it as it \
                 is. Apply your change to that and send it with that version.",
                current.id, current.version
            ));
            e.detail = serde_json::to_value(current).ok();
            e
        }
    }
}

fn visibility(v: &str) -> Result<Visibility, ApiError> {
    Visibility::parse(v.trim())
        .ok_or_else(|| ApiError::bad_field("visibility", format!("visibility {v:?} is not one of internal, client.")))
}

/// Tags as stored: trimmed, lower-cased, without repeats; at most 20 of at most 40 characters
/// of a-z, 0-9, `-`, `_` and spaces.
fn checked_tags(tags: &[String]) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty() || out.contains(&tag) {
            continue;
        }
        if tag.chars().count() > TAG_MAX {
            return Err(ApiError::bad_field("tags", format!("tags: {tag:?} is longer than {TAG_MAX} characters.")));
        }
        if !tag.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | ' ')) {
            return Err(ApiError::bad_field(
                "tags",
                format!("tags: {tag:?} may only hold letters a to z, digits, '-', '_' and spaces."),
            ));
        }
        out.push(tag);
    }
    if out.len() > TAGS_MAX {
        return Err(ApiError::bad_field("tags", format!("tags: an article may have at most {TAGS_MAX} tags.")));
    }
    Ok(out)
}

fn body_text(body: &str) -> Result<String, ApiError> {
    optional_text("body", body, BODY_MAX)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// How many articles at most (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// Where the previous page ended: its `next_cursor`.
    #[param(format = "cursor")]
    cursor: Option<String>,
    /// Words to search the title, body and tags for; the best matches come first.
    #[param(format = "text", max_length = 200)]
    q: Option<String>,
    /// Only articles with this tag.
    tag: Option<String>,
    #[param(value_type = Option<Visibility>)]
    visibility: Option<String>,
}

/// Knowledge-base articles: best matches first with ?q=, else the most recently changed; client contacts see client-visible ones
#[utoipa::path(get, path = "/api/v1/kb/articles", params(ListParams), responses((status = 200, body = Page<ArticleSummary>)))]
pub async fn list(
    State(state): State<AppState>,
    Person(caller): Person,
    Query(p): Query<ListParams>,
) -> ApiResult<Json<Page<ArticleSummary>>> {
    let paging = PageParams { limit: p.limit, cursor: p.cursor };
    let limit = paging.limit()?;
    let q = optional_text("q", p.q.as_deref().unwrap_or(""), QUERY_MAX)?;
    let matching = kb::match_expression(&q);
    // A query with nothing searchable in it ("*", "-") finds nothing rather than everything.
    if !q.is_empty() && matching.is_none() {
        return Ok(Json(Page { items: Vec::new(), next_cursor: None }));
    }
    let mut wanted = p.visibility.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(visibility).transpose()?;
    if caller.client_scope().is_some() {
        if wanted == Some(Visibility::Internal) {
            return Ok(Json(Page { items: Vec::new(), next_cursor: None }));
        }
        wanted = Some(Visibility::Client);
    }
    // The cursor is (rank, 0) in search order, (updated_at, id) in recency order.
    let from = match pair_after(paging.cursor.as_deref())? {
        None => ListFrom::Start,
        Some((rank, _)) if matching.is_some() => ListFrom::Offset(usize::try_from(rank).unwrap_or(usize::MAX)),
        Some((updated_at, id)) => ListFrom::After { updated_at, id },
    };
    let offset = match from {
        ListFrom::Offset(n) => n,
        _ => 0,
    };
    let ranked = matching.is_some();
    let filter = ArticleFilter {
        matching,
        tag: p.tag.map(|t| t.trim().to_lowercase()).filter(|t| !t.is_empty()),
        visibility: wanted,
    };
    let mut rows = state.db.read(move |c| kb::list(c, &filter, from, limit)).await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor = match rows.last() {
        Some(_) if more && ranked => Some(pair_cursor(i64::try_from(offset + limit).unwrap_or(i64::MAX), 0)),
        Some(a) if more => Some(pair_cursor(a.updated_unix, a.id)),
        _ => None,
    };
    Ok(Json(Page { items: rows, next_cursor }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewArticleRequest {
    #[schema(value_type = String, format = "name", min_length = 1, max_length = 200)]
    title: Option<String>,
    /// Markdown.
    #[serde(default)]
    #[schema(format = "text", max_length = 100000)]
    body: String,
    /// internal (the default): staff only; client: client contacts may read it too.
    #[schema(value_type = Option<Visibility>)]
    visibility: Option<String>,
    #[serde(default)]
    #[schema(value_type = Vec<KbTag>, max_items = 20)]
    tags: Vec<String>,
}

/// An article's tag: at most 40 characters of a-z, 0-9, '-', '_' and spaces, lower-cased on the
/// way in (an article has at most 20; blanks and repeats are dropped).
#[derive(utoipa::ToSchema)]
#[schema(pattern = "^[A-Za-z0-9 _-]{0,40}$", max_length = 40)]
#[allow(dead_code)]
pub struct KbTag(String);

/// An article as its page shows it: with the rendered body and, for staff, where it is linked.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ArticleDetail {
    #[serde(flatten)]
    article: Article,
    /// The body rendered: raw HTML escaped, only http, https, mailto and relative addresses.
    html: String,
    /// Staff only: the tickets it is linked from.
    #[serde(skip_serializing_if = "Option::is_none")]
    linked_tickets: Option<Vec<kb::LinkedTicket>>,
}

/// Write an article (staff)
#[utoipa::path(post, path = "/api/v1/kb/articles", request_body = NewArticleRequest, responses((status = 201, body = ArticleDetail)))]
pub async fn create(
    State(state): State<AppState>,
    Staff(caller): Staff,
    Json(req): Json<NewArticleRequest>,
) -> ApiResult<(StatusCode, Json<ArticleDetail>)> {
    let t = state.clock.now();
    let new = NewArticle {
        title: required_text("title", req.title.as_deref().unwrap_or(""), TITLE_MAX)?,
        body: body_text(&req.body)?,
        visibility: req.visibility.as_deref().map(visibility).transpose()?.unwrap_or(Visibility::Internal),
        tags: checked_tags(&req.tags)?,
        author_id: Some(caller.user.id),
    };
    let who = caller.who();
    let article = state
        .db
        .write(move |c| {
            let article = kb::create(c, &new, t)?;
            audit::record(c, t, &who, "article.created", &article.id.to_string(), &article.title)?;
            Ok(article)
        })
        .await?;
    let html = markdown::render(&article.body);
    Ok((StatusCode::CREATED, Json(ArticleDetail { article, html, linked_tickets: Some(Vec::new()) })))
}

/// An article the caller may read; internal ones are "not found" for client contacts.
fn readable(caller: &Caller, article: Option<Article>, id: i64) -> ApiResult<Article> {
    article
        .filter(|a| caller.client_scope().is_none() || a.visibility == Visibility::Client.as_str())
        .ok_or_else(|| no_article(id))
}

/// One article with its rendered HTML (and, for staff, the tickets it is linked from)
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}", responses((status = 200, body = ArticleDetail)))]
pub async fn one(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(id): Path<i64>,
) -> ApiResult<Json<ArticleDetail>> {
    let staff = caller.client_scope().is_none();
    let (article, linked) = state
        .db
        .read(move |c| {
            let article = kb::get(c, id)?;
            let linked = if staff && article.is_some() { Some(kb::linked_tickets(c, id)?) } else { None };
            Ok((article, linked))
        })
        .await?;
    let article = readable(&caller, article, id)?;
    let html = markdown::render(&article.body);
    Ok(Json(ArticleDetail { article, html, linked_tickets: linked }))
}

/// A change to an article, based on the `version` read; what is left out (or null) stays.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticlePatch {
    /// The version of the article this change is based on.
    #[serde(default, deserialize_with = "opt_whole")]
    #[schema(value_type = i64)]
    version: Option<i64>,
    #[schema(format = "name", min_length = 1, max_length = 200)]
    title: Option<String>,
    /// Markdown.
    #[schema(format = "text", max_length = 100000)]
    body: Option<String>,
    #[schema(value_type = Option<Visibility>)]
    visibility: Option<String>,
    #[schema(value_type = Option<Vec<KbTag>>, max_items = 20)]
    tags: Option<Vec<String>>,
}

/// Change an article (staff); 409 with the current article in detail when `version` is stale
#[utoipa::path(patch, path = "/api/v1/kb/articles/{id}", request_body = ArticlePatch, responses((status = 200, body = ArticleDetail)))]
pub async fn update(
    State(state): State<AppState>,
    Staff(caller): Staff,
    Path(id): Path<i64>,
    Json(req): Json<ArticlePatch>,
) -> ApiResult<Json<ArticleDetail>> {
    let now = state.clock.now();
    let version = req.version.ok_or_else(|| {
        ApiError::bad_field("version", "version is required: the version of the article this change is based on.")
    })?;
    let changes = ArticleChanges {
        title: req.title.as_deref().map(|t| required_text("title", t, TITLE_MAX)).transpose()?,
        body: req.body.as_deref().map(body_text).transpose()?,
        visibility: req.visibility.as_deref().map(visibility).transpose()?,
        tags: req.tags.as_deref().map(checked_tags).transpose()?,
    };
    let who = caller.who();
    let (article, linked) = state
        .db
        .write(move |c| {
            let t = now;
            let article = match kb::update(c, id, version, &changes, t)? {
                Ok(a) => a,
                Err(r) => return Ok(Err(r)),
            };
            if article.version != version {
                let detail = format!("version {} -> {}", version, article.version);
                audit::record(c, t, &who, "article.updated", &id.to_string(), &detail)?;
            }
            let linked = kb::linked_tickets(c, id)?;
            Ok(Ok((article, linked)))
        })
        .await?
        .map_err(refused)?;
    let html = markdown::render(&article.body);
    Ok(Json(ArticleDetail { article, html, linked_tickets: Some(linked) }))
}

/// Delete an article (staff)
#[utoipa::path(delete, path = "/api/v1/kb/articles/{id}", responses((status = 204)))]
pub async fn remove(State(state): State<AppState>, Staff(caller): Staff, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    let t = state.clock.now();
    let who = caller.who();
    let deleted = state
        .db
        .write(move |c| {
            let deleted = kb::delete(c, id)?;
            if let Some(a) = &deleted {
                audit::record(c, t, &who, "article.deleted", &id.to_string(), &a.title)?;
            }
            Ok(deleted)
        })
        .await?;
    deleted.map(|_| StatusCode::NO_CONTENT).ok_or_else(|| no_article(id))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    /// Markdown.
    #[serde(default)]
    #[schema(max_length = 100000)]
    body: String,
}

/// Markdown rendered as an article shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RenderedArticle {
    html: String,
}

/// Render Markdown as an article would show it, for the editor's preview (staff)
#[utoipa::path(post, path = "/api/v1/kb/preview", request_body = PreviewRequest, responses((status = 200, body = RenderedArticle)))]
pub async fn preview(_: Staff, Json(req): Json<PreviewRequest>) -> ApiResult<Json<RenderedArticle>> {
    if req.body.chars().count() > BODY_MAX {
        return Err(ApiError::bad_field("body", format!("body must be at most {BODY_MAX} characters long.")));
    }
    Ok(Json(RenderedArticle { html: markdown::render(&req.body) }))
}

/// Tags of articles, most used first, with counts
#[utoipa::path(get, path = "/api/v1/kb/tags", responses((status = 200, body = Page<TagCount>)))]
pub async fn tag_list(State(state): State<AppState>, Person(caller): Person) -> ApiResult<Json<Page<TagCount>>> {
    let client_only = caller.client_scope().is_some();
    let items = state.db.read(move |c| kb::tags(c, client_only)).await?;
    Ok(Json(Page { items, next_cursor: None }))
}

/// The client of a ticket the caller may see; others are "not found".
async fn visible_ticket(state: &AppState, caller: &Caller, id: i64) -> ApiResult<i64> {
    let found = state.db.read(move |c| tickets::get(c, id)).await?;
    found
        .filter(|t| caller.client_scope().is_none_or(|own| own == t.client_id))
        .map(|t| t.client_id)
        .ok_or_else(|| ApiError::not_found(format!("There is no ticket with id {id}.")))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TicketArticles {
    linked: Vec<LinkedArticle>,
    /// Not linked yet; matching the ticket's subject, best first.
    suggested: Vec<ArticleSummary>,
}

/// Articles linked from a ticket, and up to five more its subject suggests
#[utoipa::path(get, path = "/api/v1/tickets/{id}/articles", responses((status = 200, body = TicketArticles)))]
pub async fn ticket_articles(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(id): Path<i64>,
) -> ApiResult<Json<TicketArticles>> {
    visible_ticket(&state, &caller, id).await?;
    let client_only = caller.client_scope().is_some();
    let (linked, suggested) = state
        .db
        .read(move |c| Ok((kb::linked_articles(c, id, client_only)?, kb::suggestions(c, id, client_only)?)))
        .await?;
    Ok(Json(TicketArticles { linked, suggested }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    #[serde(default, deserialize_with = "opt_whole")]
    #[schema(value_type = i64)]
    article_id: Option<i64>,
}

/// Link an article from a ticket (staff); shows on the ticket's timeline
#[utoipa::path(post, path = "/api/v1/tickets/{id}/articles", request_body = LinkRequest, responses((status = 201, body = LinkedArticle)))]
pub async fn link(
    State(state): State<AppState>,
    Staff(caller): Staff,
    Path(id): Path<i64>,
    Json(req): Json<LinkRequest>,
) -> ApiResult<(StatusCode, Json<LinkedArticle>)> {
    let now = state.clock.now();
    let article_id = req
        .article_id
        .ok_or_else(|| ApiError::bad_field("article_id", "article_id is required: the article to link."))?;
    let client_id = visible_ticket(&state, &caller, id).await?;
    let by = caller.user.id;
    let linked = state.db.write(move |c| kb::link(c, id, article_id, by, now)).await?.map_err(|r| match r {
        Refusal::NoArticle(a) => {
            let mut e = ApiError::not_found(format!("article_id {a} is not an article."));
            e.detail = Some(json!({ "field": "article_id" }));
            e
        }
        other => refused(other),
    })?;
    state.live.send(LiveEvent::TicketChanged { ticket_id: id, client_id });
    Ok((StatusCode::CREATED, Json(linked)))
}

/// Unlink an article from a ticket (staff)
#[utoipa::path(delete, path = "/api/v1/tickets/{id}/articles/{article_id}", responses((status = 204)))]
pub async fn unlink(
    State(state): State<AppState>,
    Staff(caller): Staff,
    Path((id, article_id)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    let now = state.clock.now();
    let client_id = visible_ticket(&state, &caller, id).await?;
    let by = caller.user.id;
    state.db.write(move |c| kb::unlink(c, id, article_id, by, now)).await?.map_err(refused)?;
    state.live.send(LiveEvent::TicketChanged { ticket_id: id, client_id });
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words to find.
    #[param(format = "text", max_length = 200)]
    q: Option<String>,
    /// How many of each at most (default 10).
    #[param(minimum = 1, maximum = 50)]
    limit: Option<u32>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    tickets: Vec<TicketHit>,
    articles: Vec<ArticleHit>,
}

/// Full-text search across tickets (subject, description, comments) and articles
#[utoipa::path(get, path = "/api/v1/search", params(SearchParams), responses((status = 200, body = SearchResults)))]
pub async fn search(
    State(state): State<AppState>,
    Person(caller): Person,
    Query(p): Query<SearchParams>,
) -> ApiResult<Json<SearchResults>> {
    let limit = match p.limit.unwrap_or(10) {
        n @ 1..=50 => n as usize,
        n => return Err(ApiError::bad_field("limit", format!("limit must be between 1 and 50, not {n}."))),
    };
    let q = optional_text("q", p.q.as_deref().unwrap_or(""), QUERY_MAX)?;
    let scope = caller.client_scope();
    let (tickets, articles) = state.db.read(move |c| kb::search(c, &q, scope, limit)).await?;
    Ok(Json(SearchResults { tickets, articles }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_lower_cased_deduplicated_and_checked() {
        let tags = checked_tags(&["VPN".into(), " vpn ".into(), "".into(), "how-to_guide 2".into()]).unwrap();
        assert_eq!(tags, ["vpn", "how-to_guide 2"]);
        for bad in ["a/b", "ümlaut", "x<y", &"a".repeat(41)] {
            let e = checked_tags(&[bad.to_string()]).unwrap_err();
            assert_eq!(e.detail, Some(json!({ "field": "tags" })), "{bad}");
        }
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert!(checked_tags(&many).is_err());
    }
}
