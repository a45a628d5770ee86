//! The audit log: who did what, when, from where. Append-only (triggers refuse changes and the
//! deletion of entries younger than 30 days); retention removes older ones.

use rusqlite::{Connection, params};
use serde::Serialize;

use super::{DbError, rfc3339};

/// Who acted, and from where. Made once per request (from the caller) or per command.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Who {
    pub user_id: Option<i64>,
    /// The user's login at the time, or `agent`, `system`, `cli`, or a login that failed.
    pub actor: String,
    /// The client address (after trusted proxies), or empty when there is none (CLI, timers).
    pub source: String,
}

impl Who {
    pub fn user(id: i64, login: &str, source: &str) -> Who {
        Who { user_id: Some(id), actor: login.to_owned(), source: source.to_owned() }
    }

    /// Someone not (yet) known: a failed login, an agent enrolling.
    pub fn anonymous(actor: &str, source: &str) -> Who {
        Who { user_id: None, actor: actor.to_owned(), source: source.to_owned() }
    }

    /// The appliance itself (timers, first start).
    pub fn system() -> Who {
        Who { user_id: None, actor: "system".into(), source: String::new() }
    }

    /// `steward admin` on the server's own shell.
    pub fn cli() -> Who {
        Who { user_id: None, actor: "cli".into(), source: "local shell".into() }
    }
}

pub fn record(conn: &Connection, at: i64, who: &Who, action: &str, subject: &str, detail: &str) -> Result<(), DbError> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, user_id, actor, source, action, subject, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![at, who.user_id, who.actor, who.source, action, subject, detail])?;
    Ok(())
}

/// One entry as the API shows it.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Entry {
    pub id: i64,
    #[schema(format = DateTime)]
    pub at: String,
    pub actor: String,
    #[schema(required = true)]
    pub user_id: Option<i64>,
    pub source: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

/// What to show of the log; every field narrows it.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Exact login, case-insensitive.
    pub actor: Option<String>,
    /// An action (`login.failed`) or a family (`login`, matching `login` and `login.*`).
    pub action: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Words anywhere in subject, detail or source.
    pub q: Option<String>,
    /// Entries older than this id (paging, newest first).
    pub before_id: Option<i64>,
}

/// Newest first, at most `limit`.
pub fn list(conn: &Connection, f: &Filter, limit: usize) -> Result<Vec<Entry>, DbError> {
    let like = f.q.as_deref().map(|q| format!("%{}%", q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
    let family =
        f.action.as_deref().map(|a| format!("{}.%", a.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
    let mut stmt = conn.prepare_cached(
        "SELECT id, at, actor, user_id, source, action, subject, detail FROM audit_log
         WHERE (?1 IS NULL OR actor = ?1 COLLATE NOCASE)
           AND (?2 IS NULL OR action = ?2 OR action LIKE ?3 ESCAPE '\\')
           AND (?4 IS NULL OR at >= ?4) AND (?5 IS NULL OR at < ?5)
           AND (?6 IS NULL OR subject LIKE ?6 ESCAPE '\\' OR detail LIKE ?6 ESCAPE '\\' OR source LIKE ?6 ESCAPE '\\')
           AND (?7 IS NULL OR id < ?7)
         ORDER BY id DESC LIMIT ?8",
    )?;
    let rows =
        stmt.query_map(params![f.actor, f.action, family, f.from, f.to, like, f.before_id, limit as i64], |r| {
            Ok(Entry {
                id: r.get(0)?,
                at: rfc3339(r.get(1)?),
                actor: r.get(2)?,
                user_id: r.get(3)?,
                source: r.get(4)?,
                action: r.get(5)?,
                subject: r.get(6)?,
                detail: r.get(7)?,
            })
        })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The distinct actions recorded, for the page's filter.
pub fn actions(conn: &Connection) -> Result<Vec<String>, DbError> {
    let mut stmt = conn.prepare_cached("SELECT DISTINCT action FROM audit_log ORDER BY action")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Removes entries older than `before` (retention). Entries younger than 30 days (at `now`) stay
/// whatever `before` says: the schema refuses to delete them.
pub fn prune(conn: &Connection, before: i64, now: i64) -> Result<usize, DbError> {
    let floor = before.min(now - 30 * 86_400);
    Ok(conn.execute("DELETE FROM audit_log WHERE at < ?1", [floor])?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let mut c = Connection::open_in_memory().unwrap();
        super::super::migrations::migrate(&mut c, std::path::Path::new(":memory:")).unwrap();
        c
    }

    #[test]
    fn entries_cannot_be_changed_and_recent_ones_cannot_be_deleted() {
        let c = db();
        let now = crate::clock::Clock::system().now();
        record(&c, now, &Who::anonymous("mallory", "203.0.113.9"), "login.failed", "mallory", "").unwrap();
        record(&c, 1000, &Who::system(), "old.thing", "", "").unwrap();
        let err = c.execute("UPDATE audit_log SET detail = 'nothing happened'", []).unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
        let err = c.execute("DELETE FROM audit_log WHERE action = 'login.failed'", []).unwrap_err();
        assert!(err.to_string().contains("younger than 30 days"), "{err}");
        // Retention takes only what is old enough, even when asked for more.
        assert_eq!(prune(&c, now + 10, now).unwrap(), 1);
        let left = list(&c, &Filter::default(), 10).unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!((left[0].actor.as_str(), left[0].source.as_str()), ("mallory", "203.0.113.9"));
    }

    #[test]
    fn filters_narrow_by_actor_action_family_time_and_words() {
        let c = db();
        let who = Who::anonymous("Ann", "10.1.1.1");
        for (at, action, subject) in
            [(100, "login", ""), (200, "login.failed", "ann"), (300, "ticket.updated", "7"), (400, "login", "")]
        {
            record(&c, at, &who, action, subject, "").unwrap();
        }
        record(&c, 500, &Who::system(), "ticket.updated", "8", "status open -> resolved").unwrap();
        let count = |f: Filter| list(&c, &f, 100).unwrap().len();
        assert_eq!(count(Filter { actor: Some("ann".into()), ..Default::default() }), 4);
        assert_eq!(count(Filter { action: Some("login".into()), ..Default::default() }), 3);
        assert_eq!(count(Filter { action: Some("login.failed".into()), ..Default::default() }), 1);
        assert_eq!(count(Filter { from: Some(200), to: Some(400), ..Default::default() }), 2);
        assert_eq!(count(Filter { q: Some("resolved".into()), ..Default::default() }), 1);
        assert_eq!(
            count(Filter { q: Some("%".into()), ..Default::default() }),
            0,
            "a % is a character, not a wildcard"
        );
        let page = list(&c, &Filter { before_id: Some(3), ..Default::default() }, 100).unwrap();
        assert_eq!(page.iter().map(|e| e.id).collect::<Vec<_>>(), [2, 1], "newest first, below the cursor");
    }
}
