//! The knowledge base: articles in Markdown, their tags, the tickets they are linked from, the
//! articles a ticket's subject suggests, and full-text search across tickets and articles.
//!
//! Search runs on SQLite's FTS5 indexes (`kb_fts`, `tickets_fts`, `ticket_comments_fts`, kept by
//! triggers in migration 6). What a person types is never handed to FTS5 as a query: it goes
//! through `match_expression`, which quotes every word, so FTS5's own syntax (`"`, `*`, `(`, `-`,
//! `NEAR`, `AND`, column filters) is searched for as text and cannot make a query fail.
//!
//! Client contacts see only articles whose visibility is "client", and in search only their own
//! company's tickets and public comments; the functions here take that scope as an argument so
//! the rule sits next to the queries it narrows.
//!
//! Changes are versioned like tickets: a change names the version it read, and a stale one is
//! refused with the article as it is now (`Ok(Err(Refusal::Stale))`), decided in the write
//! transaction so the check and the write cannot race.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::{DbError, rfc3339};
use crate::tickets::{EventKind, EventRecord, Priority, Status, markdown};

/// Marks the start of a matched word in a search snippet (a private-use character, never HTML).
pub const MARK_START: char = '\u{E000}';
/// Marks the end of a matched word in a search snippet.
pub const MARK_END: char = '\u{E001}';

/// How long list excerpts are, in characters.
pub const EXCERPT_CHARS: usize = 200;

/// Who may read an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum Visibility {
    /// The MSP's own staff only.
    Internal,
    /// Staff and the clients' contacts in the portal.
    Client,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Internal => "internal",
            Visibility::Client => "client",
        }
    }

    pub fn parse(s: &str) -> Option<Visibility> {
        match s {
            "internal" => Some(Visibility::Internal),
            "client" => Some(Visibility::Client),
            _ => None,
        }
    }
}

/// An article as its page shows it.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Article {
    pub id: i64,
    pub title: String,
    /// The Markdown source.
    pub body: String,
    /// "internal" or "client".
    #[schema(value_type = Visibility)]
    pub visibility: String,
    /// Lower-case tags.
    pub tags: Vec<String>,
    pub author_id: Option<i64>,
    /// The author's name (their login when they have no name).
    pub author: Option<String>,
    /// Send it back with a change; a change naming an older version is refused.
    pub version: i64,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// An article as lists show it: the body only as a plain-text excerpt.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ArticleSummary {
    pub id: i64,
    pub title: String,
    #[schema(value_type = Visibility)]
    pub visibility: String,
    pub tags: Vec<String>,
    pub excerpt: String,
    pub author: Option<String>,
    #[schema(format = DateTime)]
    pub updated_at: String,
    pub version: i64,
    /// The recency list's sort key (unix seconds).
    #[serde(skip)]
    pub updated_unix: i64,
}

const ARTICLE_COLUMNS: &str = "a.id, a.title, a.body, a.visibility, a.tags, a.author_id,
    coalesce(nullif(u.name, ''), u.login), a.version, a.created_at, a.updated_at";

fn tags_of(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

fn article_row(r: &Row) -> rusqlite::Result<Article> {
    Ok(Article {
        id: r.get(0)?,
        title: r.get(1)?,
        body: r.get(2)?,
        visibility: r.get(3)?,
        tags: tags_of(&r.get::<_, String>(4)?),
        author_id: r.get(5)?,
        author: r.get(6)?,
        version: r.get(7)?,
        created_at: rfc3339(r.get(8)?),
        updated_at: rfc3339(r.get(9)?),
    })
}

/// Columns of `summary_row`: the body only as far as an excerpt can need it.
const SUMMARY_COLUMNS: &str = "a.id, a.title, a.visibility, a.tags, substr(a.body, 1, 4000),
    coalesce(nullif(u.name, ''), u.login), a.updated_at, a.version";

fn summary_row(r: &Row) -> rusqlite::Result<ArticleSummary> {
    let updated: i64 = r.get(6)?;
    Ok(ArticleSummary {
        id: r.get(0)?,
        title: r.get(1)?,
        visibility: r.get(2)?,
        tags: tags_of(&r.get::<_, String>(3)?),
        excerpt: markdown::excerpt(&r.get::<_, String>(4)?, EXCERPT_CHARS),
        author: r.get(5)?,
        updated_at: rfc3339(updated),
        version: r.get(7)?,
        updated_unix: updated,
    })
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Article>, DbError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {ARTICLE_COLUMNS} FROM kb_articles a LEFT JOIN users u ON u.id = a.author_id WHERE a.id = ?1"
        ))?
        .query_row([id], article_row)
        .optional()?)
}

/// An article to write. Fields are already checked (see `routes::kb`).
#[derive(Debug, Clone)]
pub struct NewArticle {
    pub title: String,
    pub body: String,
    pub visibility: Visibility,
    pub tags: Vec<String>,
    pub author_id: Option<i64>,
}

fn tags_json(tags: &[String]) -> Result<String, DbError> {
    serde_json::to_string(tags).map_err(|e| DbError::Encode(e.to_string()))
}

pub fn create(conn: &Connection, a: &NewArticle, now: i64) -> Result<Article, DbError> {
    conn.prepare_cached(
        "INSERT INTO kb_articles (title, body, visibility, tags, author_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?
    .execute(params![a.title, a.body, a.visibility.as_str(), tags_json(&a.tags)?, a.author_id, now])?;
    let id = conn.last_insert_rowid();
    get(conn, id)?.ok_or_else(|| DbError::NotFound(format!("article {id} just written")))
}

/// Why a write was not made; nothing was written.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// The change named an older version; this is the article as it is now.
    Stale(Box<Article>),
    NoArticle(i64),
    NoTicket(i64),
    /// The article is not linked from the ticket.
    NotLinked {
        ticket_id: i64,
        article_id: i64,
    },
}

/// A change to an article; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct ArticleChanges {
    pub title: Option<String>,
    pub body: Option<String>,
    pub visibility: Option<Visibility>,
    pub tags: Option<Vec<String>>,
}

/// Applies `changes` if the article is still at `version`; the version goes up by one. A change
/// that changes nothing writes nothing and answers the article as it is.
pub fn update(
    conn: &Connection,
    id: i64,
    version: i64,
    changes: &ArticleChanges,
    now: i64,
) -> Result<Result<Article, Refusal>, DbError> {
    let Some(cur) = get(conn, id)? else { return Ok(Err(Refusal::NoArticle(id))) };
    if cur.version != version {
        return Ok(Err(Refusal::Stale(Box::new(cur))));
    }
    let title = changes.title.as_ref().unwrap_or(&cur.title);
    let body = changes.body.as_ref().unwrap_or(&cur.body);
    let visibility: &str = match changes.visibility {
        Some(v) => v.as_str(),
        None => &cur.visibility,
    };
    let tags = changes.tags.as_ref().unwrap_or(&cur.tags);
    if *title == cur.title && *body == cur.body && visibility == cur.visibility && *tags == cur.tags {
        return Ok(Ok(cur));
    }
    // The version guard is in the UPDATE itself, so it holds even outside the one writer thread.
    let changed = conn
        .prepare_cached(
            "UPDATE kb_articles SET title = ?3, body = ?4, visibility = ?5, tags = ?6, updated_at = ?7,
                    version = version + 1
             WHERE id = ?1 AND version = ?2",
        )?
        .execute(params![id, version, title, body, visibility, tags_json(tags)?, now])?;
    let now_article = get(conn, id)?.ok_or_else(|| DbError::NotFound(format!("There is no article with id {id}.")))?;
    if changed == 0 {
        return Ok(Err(Refusal::Stale(Box::new(now_article))));
    }
    Ok(Ok(now_article))
}

/// Deletes an article (its links from tickets go with it; the tickets' timelines keep the
/// entries). Answers the deleted article, or `None` when there was none.
pub fn delete(conn: &Connection, id: i64) -> Result<Option<Article>, DbError> {
    let Some(article) = get(conn, id)? else { return Ok(None) };
    conn.prepare_cached("DELETE FROM kb_articles WHERE id = ?1")?.execute([id])?;
    Ok(Some(article))
}

/// Where a page of the article list starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFrom {
    Start,
    /// Recency order: after the `(updated_at, id)` the previous page ended at.
    After {
        updated_at: i64,
        id: i64,
    },
    /// Search order (best match first): after this many results.
    Offset(usize),
}

/// What the article list asks for. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    /// An FTS5 expression from `match_expression`; with it, the best matches come first.
    pub matching: Option<String>,
    pub tag: Option<String>,
    pub visibility: Option<Visibility>,
}

/// bm25 weights of kb_fts's columns (title, body, tags): a word in the title counts most.
const KB_WEIGHTS: &str = "10.0, 1.0, 5.0";

/// Articles, up to `limit + 1` (the extra one only says that more exist): the best matches first
/// when searching, else the most recently changed first.
pub fn list(
    conn: &Connection,
    f: &ArticleFilter,
    from: ListFrom,
    limit: usize,
) -> Result<Vec<ArticleSummary>, DbError> {
    let visibility = f.visibility.map(Visibility::as_str);
    let rows = if let Some(matching) = &f.matching {
        let offset = match from {
            ListFrom::Offset(n) => n,
            _ => 0,
        };
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM kb_fts JOIN kb_articles a ON a.id = kb_fts.rowid
                 LEFT JOIN users u ON u.id = a.author_id
             WHERE kb_fts MATCH ?1
               AND (?2 IS NULL OR EXISTS (SELECT 1 FROM json_each(a.tags) WHERE value = ?2))
               AND (?3 IS NULL OR a.visibility = ?3)
             ORDER BY bm25(kb_fts, {KB_WEIGHTS}), a.id LIMIT ?4 OFFSET ?5"
        ))?;
        stmt.query_map(params![matching, f.tag, visibility, limit as i64 + 1, offset as i64], summary_row)?
            .collect::<Result<Vec<_>, _>>()?
    } else {
        let after = match from {
            ListFrom::After { updated_at, id } => Some((updated_at, id)),
            _ => None,
        };
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM kb_articles a LEFT JOIN users u ON u.id = a.author_id
             WHERE (?1 IS NULL OR EXISTS (SELECT 1 FROM json_each(a.tags) WHERE value = ?1))
               AND (?2 IS NULL OR a.visibility = ?2)
               AND (?3 IS NULL OR (a.updated_at, a.id) < (?3, ?4))
             ORDER BY a.updated_at DESC, a.id DESC LIMIT ?5"
        ))?;
        stmt.query_map(
            params![f.tag, visibility, after.map(|a| a.0), after.map(|a| a.1), limit as i64 + 1],
            summary_row,
        )?
        .collect::<Result<Vec<_>, _>>()?
    };
    Ok(rows)
}

/// A tag and how many articles carry it.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct TagCount {
    pub tag: String,
    pub count: i64,
}

/// Tags in use, most used first; `client_only` counts only client-visible articles.
pub fn tags(conn: &Connection, client_only: bool) -> Result<Vec<TagCount>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.value, count(*) FROM kb_articles a, json_each(a.tags) t
         WHERE (?1 = 0 OR a.visibility = 'client')
         GROUP BY t.value ORDER BY count(*) DESC, t.value",
    )?;
    let rows = stmt.query_map([client_only], |r| Ok(TagCount { tag: r.get(0)?, count: r.get(1)? }))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A ticket an article is linked from.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct LinkedTicket {
    pub id: i64,
    pub subject: String,
    pub status: Status,
}

/// The tickets an article is linked from, newest link first.
pub fn linked_tickets(conn: &Connection, article_id: i64) -> Result<Vec<LinkedTicket>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.id, t.subject, t.status FROM ticket_articles l JOIN tickets t ON t.id = l.ticket_id
         WHERE l.article_id = ?1 ORDER BY l.linked_at DESC, t.id DESC",
    )?;
    let rows =
        stmt.query_map([article_id], |r| Ok(LinkedTicket { id: r.get(0)?, subject: r.get(1)?, status: r.get(2)? }))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// An article linked from a ticket.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct LinkedArticle {
    pub id: i64,
    pub title: String,
    #[schema(value_type = Visibility)]
    pub visibility: String,
    pub tags: Vec<String>,
    pub excerpt: String,
    #[schema(format = DateTime)]
    pub linked_at: String,
    /// Who linked it (their name, or login).
    pub linked_by: Option<String>,
}

fn linked_article_row(r: &Row) -> rusqlite::Result<LinkedArticle> {
    Ok(LinkedArticle {
        id: r.get(0)?,
        title: r.get(1)?,
        visibility: r.get(2)?,
        tags: tags_of(&r.get::<_, String>(3)?),
        excerpt: markdown::excerpt(&r.get::<_, String>(4)?, EXCERPT_CHARS),
        linked_at: rfc3339(r.get(5)?),
        linked_by: r.get(6)?,
    })
}

const LINKED_SQL: &str = "SELECT a.id, a.title, a.visibility, a.tags, substr(a.body, 1, 4000), l.linked_at,
        coalesce(nullif(u.name, ''), u.login)
    FROM ticket_articles l JOIN kb_articles a ON a.id = l.article_id LEFT JOIN users u ON u.id = l.linked_by";

/// The articles linked from a ticket, in the order they were linked; `client_only` leaves out
/// internal ones.
pub fn linked_articles(conn: &Connection, ticket_id: i64, client_only: bool) -> Result<Vec<LinkedArticle>, DbError> {
    let mut stmt = conn.prepare_cached(&format!(
        "{LINKED_SQL} WHERE l.ticket_id = ?1 AND (?2 = 0 OR a.visibility = 'client') ORDER BY l.linked_at, a.id"
    ))?;
    let rows = stmt.query_map(params![ticket_id, client_only], linked_article_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn ticket_exists(conn: &Connection, id: i64) -> Result<bool, DbError> {
    Ok(conn.prepare_cached("SELECT 1 FROM tickets WHERE id = ?1")?.query_row([id], |_| Ok(())).optional()?.is_some())
}

/// Links an article from a ticket, recording it on the ticket's timeline (an "article" event
/// whose new value is the title). Linking it again changes nothing.
pub fn link(
    conn: &Connection,
    ticket_id: i64,
    article_id: i64,
    by: i64,
    now: i64,
) -> Result<Result<LinkedArticle, Refusal>, DbError> {
    if !ticket_exists(conn, ticket_id)? {
        return Ok(Err(Refusal::NoTicket(ticket_id)));
    }
    let Some(article) = get(conn, article_id)? else { return Ok(Err(Refusal::NoArticle(article_id))) };
    let added = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO ticket_articles (ticket_id, article_id, linked_by, linked_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![ticket_id, article_id, by, now])?;
    if added == 1 {
        let linked = EventRecord::new(EventKind::Article, None, Some(article.title.clone()));
        super::ticket_events::record(conn, ticket_id, now, Some(by), &linked)?;
        conn.prepare_cached("UPDATE tickets SET updated_at = ?2 WHERE id = ?1")?.execute(params![ticket_id, now])?;
    }
    let linked = conn
        .prepare_cached(&format!("{LINKED_SQL} WHERE l.ticket_id = ?1 AND l.article_id = ?2"))?
        .query_row(params![ticket_id, article_id], linked_article_row)?;
    Ok(Ok(linked))
}

/// Removes a link, recording it on the ticket's timeline (an "article" event whose old value is
/// the title and whose new value is empty).
pub fn unlink(
    conn: &Connection,
    ticket_id: i64,
    article_id: i64,
    by: i64,
    now: i64,
) -> Result<Result<(), Refusal>, DbError> {
    let title: Option<String> = conn
        .prepare_cached(
            "SELECT a.title FROM ticket_articles l JOIN kb_articles a ON a.id = l.article_id
             WHERE l.ticket_id = ?1 AND l.article_id = ?2",
        )?
        .query_row(params![ticket_id, article_id], |r| r.get(0))
        .optional()?;
    let Some(title) = title else { return Ok(Err(Refusal::NotLinked { ticket_id, article_id })) };
    conn.prepare_cached("DELETE FROM ticket_articles WHERE ticket_id = ?1 AND article_id = ?2")?
        .execute(params![ticket_id, article_id])?;
    super::ticket_events::record(
        conn,
        ticket_id,
        now,
        Some(by),
        &EventRecord::new(EventKind::Article, Some(title), None),
    )?;
    conn.prepare_cached("UPDATE tickets SET updated_at = ?2 WHERE id = ?1")?.execute(params![ticket_id, now])?;
    Ok(Ok(()))
}

/// Most words of a query that take part; more are ignored.
const MAX_WORDS: usize = 16;

/// Turns what a person typed into a search box into an FTS5 MATCH expression that cannot fail
/// and means "all these words". Each word (split at whitespace and at control characters, which
/// FTS5 could take for the end of the text) becomes a double-quoted FTS5 string with any quotes
/// inside doubled, so operators, parentheses, `*`, `-`, `:` and `NEAR` are searched for as text;
/// the last word also matches as a prefix (`"print"*` finds "printer"), for search as you type;
/// the words are ANDed. Words without a letter or digit (which FTS5 would turn into empty
/// phrases) are dropped, as is everything after the first 16 words. `None` when nothing
/// searchable is left: the caller then shows no results, or everything, as fits.
///
/// The ticket list's `q` and the knowledge base use it alike; the tables' tokenizer
/// (`porter unicode61 remove_diacritics 2`) then matches "printers" to "printer", "cafe" to "café".
pub fn match_expression(user_text: &str) -> Option<String> {
    let words: Vec<String> = user_text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .take(MAX_WORDS)
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    let (last, rest) = words.split_last()?;
    let mut out = rest.join(" AND ");
    if !out.is_empty() {
        out.push_str(" AND ");
    }
    out.push_str(last);
    out.push('*');
    Some(out)
}

/// Words too common to say what a ticket is about.
const STOP_WORDS: &[&str] = &[
    "about", "after", "again", "all", "also", "and", "any", "are", "been", "but", "can", "cannot", "cant", "could",
    "did", "does", "doesn", "doesnt", "don", "dont", "for", "from", "get", "gets", "getting", "got", "had", "has",
    "have", "help", "her", "his", "how", "into", "isn", "isnt", "issue", "its", "just", "keeps", "may", "more", "need",
    "needs", "not", "now", "off", "our", "out", "please", "problem", "some", "still", "than", "that", "the", "their",
    "them", "then", "there", "these", "they", "this", "today", "too", "urgent", "very", "was", "wasn", "were", "what",
    "when", "where", "which", "while", "who", "why", "will", "with", "won", "wont", "would", "you", "your",
];

/// The FTS5 expression that finds articles about a ticket's subject: its words, less stop words
/// and words under three characters, ORed (an article needs only some of them; the best match,
/// with title words counting most, comes first). `None` when no word is left.
pub fn subject_expression(subject: &str) -> Option<String> {
    let mut words: Vec<String> = Vec::new();
    for word in subject.split(|c: char| !c.is_alphanumeric()) {
        let word = word.to_lowercase();
        if word.chars().count() < 3 || STOP_WORDS.contains(&word.as_str()) || words.contains(&word) {
            continue;
        }
        words.push(word);
        if words.len() == 10 {
            break;
        }
    }
    (!words.is_empty()).then(|| words.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(" OR "))
}

/// How many articles a ticket page suggests.
pub const SUGGESTIONS: usize = 5;

/// Articles that match the ticket's subject and are not linked from it yet, best first, up to
/// five; `client_only` suggests only client-visible ones.
pub fn suggestions(conn: &Connection, ticket_id: i64, client_only: bool) -> Result<Vec<ArticleSummary>, DbError> {
    let subject: Option<String> = conn
        .prepare_cached("SELECT subject FROM tickets WHERE id = ?1")?
        .query_row([ticket_id], |r| r.get(0))
        .optional()?;
    let Some(matching) = subject.as_deref().and_then(subject_expression) else { return Ok(Vec::new()) };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM kb_fts JOIN kb_articles a ON a.id = kb_fts.rowid
             LEFT JOIN users u ON u.id = a.author_id
         WHERE kb_fts MATCH ?1 AND (?2 = 0 OR a.visibility = 'client')
           AND a.id NOT IN (SELECT article_id FROM ticket_articles WHERE ticket_id = ?3)
         ORDER BY bm25(kb_fts, {KB_WEIGHTS}), a.id LIMIT ?4"
    ))?;
    let rows = stmt.query_map(params![matching, client_only, ticket_id, SUGGESTIONS as i64], summary_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A ticket found by search.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct TicketHit {
    pub id: i64,
    pub subject: String,
    pub status: Status,
    pub priority: Priority,
    /// The client's name.
    pub client: String,
    /// Text around the match, from the description or a comment when the match is there, else
    /// the subject; matched words sit between `MARK_START` and `MARK_END`. Plain text, never HTML.
    pub snippet: String,
}

/// An article found by search.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ArticleHit {
    pub id: i64,
    pub title: String,
    #[schema(value_type = Visibility)]
    pub visibility: String,
    /// Text around the match, from the body when the match is there, else the title or tags;
    /// marked like `TicketHit::snippet`.
    pub snippet: String,
}

/// FTS5's snippet() arguments after the column: the marks, the ellipsis, the length in tokens.
fn snippet_args() -> String {
    format!("'{MARK_START}', '{MARK_END}', '…', 16")
}

/// Searches tickets (subject, description and comments) and articles for what a person typed
/// (see `match_expression`), best matches first, up to `limit` of each. With `client_scope`
/// (a client contact's company) only that company's tickets, public comments and client-visible
/// articles are searched.
pub fn search(
    conn: &Connection,
    text: &str,
    client_scope: Option<i64>,
    limit: usize,
) -> Result<(Vec<TicketHit>, Vec<ArticleHit>), DbError> {
    let Some(matching) = match_expression(text) else { return Ok((Vec::new(), Vec::new())) };
    let marks = snippet_args();
    // Tickets by subject and description, then by their comments; a ticket's best match counts.
    // Its snippet is the most telling one: text around a match in the description or a comment
    // (2) beats the subject, which the result shows anyway (1), which beats text without a match.
    let mut best: HashMap<i64, (f64, u8, String)> = HashMap::new();
    let mut keep = |id: i64, score: f64, text: Option<String>, subject: Option<String>| {
        let (quality, snippet) = match (text, subject) {
            (Some(t), _) if t.contains(MARK_START) => (2, t),
            (_, Some(s)) if s.contains(MARK_START) => (1, s),
            (t, s) => (0, t.or(s).unwrap_or_default()),
        };
        let e = best.entry(id).or_insert((f64::INFINITY, 0, String::new()));
        e.0 = e.0.min(score);
        if quality > e.1 || e.2.is_empty() {
            (e.1, e.2) = (quality, snippet);
        }
    };
    let fetch = limit as i64 * 2;
    {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT t.id, bm25(tickets_fts, 5.0, 1.0), snippet(tickets_fts, 1, {marks}), snippet(tickets_fts, 0, {marks})
             FROM tickets_fts JOIN tickets t ON t.id = tickets_fts.rowid
             WHERE tickets_fts MATCH ?1 AND (?2 IS NULL OR t.client_id = ?2)
             ORDER BY bm25(tickets_fts, 5.0, 1.0) LIMIT ?3"
        ))?;
        let rows = stmt.query_map(params![matching, client_scope, fetch], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, f64>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
        })?;
        for row in rows {
            let (id, score, description, subject) = row?;
            keep(id, score, Some(description), Some(subject));
        }
    }
    {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT m.ticket_id, bm25(ticket_comments_fts), snippet(ticket_comments_fts, 0, {marks})
             FROM ticket_comments_fts JOIN ticket_comments m ON m.id = ticket_comments_fts.rowid
                 JOIN tickets t ON t.id = m.ticket_id
             WHERE ticket_comments_fts MATCH ?1 AND (?2 IS NULL OR (t.client_id = ?2 AND m.public = 1))
             ORDER BY bm25(ticket_comments_fts) LIMIT ?3"
        ))?;
        let rows = stmt.query_map(params![matching, client_scope, fetch], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, f64>(1)?, r.get::<_, String>(2)?))
        })?;
        for row in rows {
            let (id, score, snippet) = row?;
            keep(id, score, Some(snippet), None);
        }
    }
    let mut ranked: Vec<(i64, f64, String)> = best.into_iter().map(|(id, (score, _, s))| (id, score, s)).collect();
    ranked.sort_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
    ranked.truncate(limit);
    let mut tickets = Vec::with_capacity(ranked.len());
    let mut stmt = conn.prepare_cached(
        "SELECT t.subject, t.status, t.priority, c.name FROM tickets t JOIN clients c ON c.id = t.client_id
         WHERE t.id = ?1",
    )?;
    for (id, _, snippet) in ranked {
        let found = stmt
            .query_row([id], |r| {
                Ok(TicketHit {
                    id,
                    subject: r.get(0)?,
                    status: r.get(1)?,
                    priority: r.get(2)?,
                    client: r.get(3)?,
                    snippet: snippet.clone(),
                })
            })
            .optional()?;
        tickets.extend(found);
    }

    let mut stmt = conn.prepare_cached(&format!(
        "SELECT a.id, a.title, a.visibility, snippet(kb_fts, 1, {marks}), snippet(kb_fts, -1, {marks})
         FROM kb_fts JOIN kb_articles a ON a.id = kb_fts.rowid
         WHERE kb_fts MATCH ?1 AND (?2 IS NULL OR a.visibility = 'client')
         ORDER BY bm25(kb_fts, {KB_WEIGHTS}), a.id LIMIT ?3"
    ))?;
    let rows = stmt.query_map(params![matching, client_scope, limit as i64], |r| {
        // Text around a match in the body, else wherever the match is (the title, the tags).
        let body: String = r.get(3)?;
        let snippet = if body.contains(MARK_START) { body } else { r.get(4)? };
        Ok(ArticleHit { id: r.get(0)?, title: r.get(1)?, visibility: r.get(2)?, snippet })
    })?;
    let articles = rows.collect::<Result<_, _>>()?;
    Ok((tickets, articles))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, Connection) {
        let (dir, conn) = crate::db::test_database();
        (dir, conn)
    }

    fn article(conn: &Connection, title: &str, body: &str, visibility: Visibility, tags: &[&str]) -> Article {
        let new = NewArticle {
            title: title.into(),
            body: body.into(),
            visibility,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            author_id: None,
        };
        create(conn, &new, 1_000).unwrap()
    }

    fn titles(rows: &[ArticleSummary]) -> Vec<&str> {
        rows.iter().map(|a| a.title.as_str()).collect()
    }

    #[test]
    fn typed_text_becomes_quoted_words_with_a_prefix_last() {
        assert_eq!(match_expression("printer jam").as_deref(), Some("\"printer\" AND \"jam\"*"));
        assert_eq!(match_expression("  vpn ").as_deref(), Some("\"vpn\"*"));
        assert_eq!(match_expression("say \"hi\"").as_deref(), Some("\"say\" AND \"\"\"hi\"\"\"*"));
        assert_eq!(match_expression("a NEAR b").as_deref(), Some("\"a\" AND \"NEAR\" AND \"b\"*"));
        assert_eq!(match_expression("* ( ) - \"").as_deref(), None);
        assert_eq!(match_expression("").as_deref(), None);
        let many = "w ".repeat(40);
        assert_eq!(match_expression(&many).unwrap().matches("\"w\"").count(), MAX_WORDS);
    }

    #[test]
    fn every_typed_text_is_a_valid_query() {
        let (_dir, conn) = db();
        article(&conn, "Printer jams on tray 2", "Open the *tray* and pull the paper.", Visibility::Client, &[]);
        for text in [
            "\"",
            "\"\"",
            "*",
            "(",
            ")",
            "-",
            "NEAR",
            "NEAR(a b)",
            "a OR",
            "AND",
            "NOT x",
            "title:printer",
            "^x",
            "x +y",
            "{title body}:x",
            "'",
            "\\",
            "pr*",
            "\"printer",
            "printer\"",
            "-printer",
            "printer -jam",
            "(printer)",
            "x\u{0}y",
        ] {
            let f = ArticleFilter { matching: match_expression(text), ..Default::default() };
            if f.matching.is_some() {
                list(&conn, &f, ListFrom::Start, 10).unwrap_or_else(|e| panic!("{text:?}: {e}"));
                search(&conn, text, None, 10).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            }
        }
        let f = ArticleFilter { matching: match_expression("(printer)"), ..Default::default() };
        assert_eq!(titles(&list(&conn, &f, ListFrom::Start, 10).unwrap()), ["Printer jams on tray 2"]);
    }

    #[test]
    fn search_ranks_titles_first_and_finds_prefixes_and_stems() {
        let (_dir, conn) = db();
        article(&conn, "Outlook profile", "If the printer is offline, restart the spooler.", Visibility::Internal, &[]);
        article(&conn, "Printer offline", "Check the cable.", Visibility::Client, &["printing"]);
        let f = |q: &str| ArticleFilter { matching: match_expression(q), ..Default::default() };
        let found = list(&conn, &f("printer"), ListFrom::Start, 10).unwrap();
        assert_eq!(titles(&found), ["Printer offline", "Outlook profile"], "title matches first");
        assert_eq!(titles(&list(&conn, &f("print"), ListFrom::Start, 10).unwrap()).len(), 2, "prefix");
        assert_eq!(titles(&list(&conn, &f("printers spooler"), ListFrom::Start, 10).unwrap()), ["Outlook profile"]);
        let client = ArticleFilter { visibility: Some(Visibility::Client), ..f("printer") };
        assert_eq!(titles(&list(&conn, &client, ListFrom::Start, 10).unwrap()), ["Printer offline"]);
        let tagged = ArticleFilter { tag: Some("printing".into()), ..Default::default() };
        assert_eq!(titles(&list(&conn, &tagged, ListFrom::Start, 10).unwrap()), ["Printer offline"]);
        let page = list(&conn, &f("printer"), ListFrom::Offset(1), 10).unwrap();
        assert_eq!(titles(&page), ["Outlook profile"]);
    }

    #[test]
    fn edits_are_versioned_and_reindexed() {
        let (_dir, conn) = db();
        let a = article(&conn, "VPN setup", "Install the client.", Visibility::Internal, &["vpn"]);
        let changes = ArticleChanges { body: Some("Install WireGuard.".into()), ..Default::default() };
        let b = update(&conn, a.id, 1, &changes, 2_000).unwrap().unwrap();
        assert_eq!((b.version, b.updated_at.as_str()), (2, "1970-01-01T00:33:20Z"));
        let Err(Refusal::Stale(now)) = update(&conn, a.id, 1, &changes, 3_000).unwrap() else { panic!("stale") };
        assert_eq!(now.version, 2);
        assert_eq!(update(&conn, a.id, 2, &changes, 3_000).unwrap().unwrap().version, 2, "no change, no version");
        let f = |q: &str| ArticleFilter { matching: match_expression(q), ..Default::default() };
        assert_eq!(list(&conn, &f("wireguard"), ListFrom::Start, 10).unwrap().len(), 1);
        assert_eq!(list(&conn, &f("client"), ListFrom::Start, 10).unwrap().len(), 0, "the old body is gone");
        assert_eq!(tags(&conn, false).unwrap(), [TagCount { tag: "vpn".into(), count: 1 }]);
        assert!(tags(&conn, true).unwrap().is_empty(), "internal articles' tags are not counted for contacts");
        assert!(delete(&conn, a.id).unwrap().is_some());
        assert_eq!(list(&conn, &f("wireguard"), ListFrom::Start, 10).unwrap().len(), 0);
    }

    #[test]
    fn subjects_suggest_by_their_meaningful_words() {
        assert_eq!(subject_expression("The printer is not working!").as_deref(), Some("\"printer\" OR \"working\""));
        assert_eq!(subject_expression("Please help, it is on").as_deref(), None);
        assert_eq!(subject_expression("VPN vpn Vpn").as_deref(), Some("\"vpn\""));
    }
}
