//! The store: one SQLite file in the data folder, one writer thread, a few read connections.
//!
//! Why one writer: SQLite allows one writer at a time anyway, and funnelling every write through
//! one thread lets many small writes that arrive together (check-ins, ticket edits) share one
//! `BEGIN IMMEDIATE` transaction and one fsync. Each job in a batch runs inside its own SAVEPOINT,
//! so a failing job rolls back alone; a job's caller hears back only after the batch has committed,
//! which is what makes "acknowledged" mean "on disk". Reads run on separate connections in
//! `spawn_blocking`, so neither reads nor writes ever block the async runtime.

pub mod alerts;
pub mod api_keys;
pub mod audit;
pub mod clients;
pub mod contacts;
pub mod devices;
pub mod enroll_tokens;
pub mod kb;
pub mod maintenance;
pub mod metrics;
pub mod mfa;
pub mod migrations;
pub mod notifications;
pub mod passkeys;
pub mod reports;
pub mod routing;
pub mod rules;
pub mod sessions;
pub mod sla;
pub mod ticket_comments;
pub mod ticket_events;
pub mod tickets;
pub mod time_entries;
pub mod users;

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use tokio::sync::{Semaphore, oneshot};

/// Most jobs one write transaction takes; more wait for the next one.
const MAX_BATCH: usize = 512;
/// Read connections kept open.
const READERS: usize = 4;
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// SQLite could not grow the database or its journal: the disk (or its quota) is full.
    #[error("the disk holding the database is full: {0}")]
    DiskFull(String),
    /// The batch this write was part of could not be committed; nothing of it was stored.
    #[error("the write could not be committed: {0}")]
    Commit(String),
    #[error(
        "the database {path} was made by a newer version of Steward (schema version {found}; this \
         binary knows up to {known}). Run the newer steward, or restore a backup made by this version."
    )]
    TooNew { path: PathBuf, found: i64, known: i64 },
    #[error("cannot open the database {}: {cause}", path.display())]
    Open { path: PathBuf, cause: String },
    #[error("the database writer has stopped")]
    WriterGone,
    #[error("a database job panicked")]
    Panicked,
    /// A stored value this version cannot read (a rule's condition from a newer version, say).
    #[error("a stored value cannot be read: {0}")]
    Unreadable(String),
    /// A schema migration refused to run; nothing of it was applied.
    #[error("{0}")]
    Migration(String),
    /// A value could not be turned into its stored form (JSON): a bug, not the caller's fault.
    #[error("a value could not be encoded for storage: {0}")]
    Encode(String),
    /// The domain refused the change (a name taken, a rule broken); names the field.
    #[error(transparent)]
    Refused(#[from] crate::refusal::Refusal),
    #[error("{0}")]
    NotFound(String),
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        if is_disk_full(&e) { DbError::DiskFull(e.to_string()) } else { DbError::Sqlite(e) }
    }
}

/// SQLITE_FULL: the database or its write-ahead log could not grow.
fn is_disk_full(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DiskFull)
}

/// Why a batch could not be committed, as every job in it hears it.
#[derive(Debug, Clone)]
enum Fault {
    DiskFull(String),
    Other(String),
}

impl Fault {
    fn of(e: &rusqlite::Error) -> Fault {
        if is_disk_full(e) { Fault::DiskFull(e.to_string()) } else { Fault::Other(e.to_string()) }
    }
}

impl From<Fault> for DbError {
    fn from(f: Fault) -> Self {
        match f {
            Fault::DiskFull(m) => DbError::DiskFull(m),
            Fault::Other(m) => DbError::Commit(m),
        }
    }
}

impl DbError {
    /// A conflict with stored data (409), naming the field.
    pub fn conflict(field: &'static str, message: impl Into<String>) -> DbError {
        DbError::Refused(crate::refusal::Refusal::conflict(field, message))
    }

    /// True when a UNIQUE constraint refused the write (a duplicate name, say).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, DbError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
    }
}

/// One caller's write: run inside the batch's transaction, then told how the commit went.
trait WriteJob: Send {
    /// Does the work; false means it failed and its savepoint must be rolled back.
    fn run(&mut self, conn: &Connection) -> bool;
    /// Answers the caller: its own result if the batch committed, else the commit's error.
    fn finish(self: Box<Self>, commit: Result<(), Fault>);
    /// The fault its work ended with, if it failed (after `run`).
    fn fault(&self) -> Option<Fault>;
}

struct TypedJob<R, F> {
    work: Option<F>,
    result: Option<Result<R, DbError>>,
    reply: oneshot::Sender<Result<R, DbError>>,
}

impl<R, F> WriteJob for TypedJob<R, F>
where
    R: Send,
    F: FnOnce(&Connection) -> Result<R, DbError> + Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let Some(work) = self.work.take() else { return false };
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| work(conn))).unwrap_or(Err(DbError::Panicked));
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn fault(&self) -> Option<Fault> {
        match &self.result {
            Some(Err(DbError::DiskFull(m))) => Some(Fault::DiskFull(m.clone())),
            Some(Err(e)) => Some(Fault::Other(e.to_string())),
            _ => None,
        }
    }

    fn finish(self: Box<Self>, commit: Result<(), Fault>) {
        let outcome = match (commit, self.result) {
            (Ok(()), Some(result)) => result,
            (Err(fault), _) => Err(fault.into()),
            (Ok(()), None) => Err(DbError::WriterGone),
        };
        let _ = self.reply.send(outcome);
    }
}

type Job = Box<dyn WriteJob>;

/// Handle to the store. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Option<std::sync::mpsc::Sender<Job>>>,
    writer_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    readers: Mutex<Vec<Connection>>,
    reader_slots: Arc<Semaphore>,
}

impl Db {
    /// Opens (creating if needed) the database at `path`, brings its schema up to date, and starts
    /// the writer thread. A database made by a newer Steward is refused.
    pub fn open(path: &Path) -> Result<Db, DbError> {
        let mut conn = open_connection(path, false)?;
        migrations::migrate(&mut conn, path)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            readers.push(open_connection(path, true)?);
        }
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("steward-db-writer".into())
            .spawn(move || writer_loop(conn, rx))
            .expect("spawn the database writer thread");
        Ok(Db {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                writer: Mutex::new(Some(tx)),
                writer_thread: Mutex::new(Some(thread)),
                readers: Mutex::new(readers),
                reader_slots: Arc::new(Semaphore::new(READERS)),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` in a write transaction (shared with other writes that arrive at the same time) and
    /// returns its result once the transaction has committed. If `f` fails, its changes are rolled
    /// back and nothing it wrote remains.
    pub async fn write<R, F>(&self, f: F) -> Result<R, DbError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R, DbError> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel::<Result<R, DbError>>();
        let job: Job = Box::new(TypedJob { work: Some(f), result: None, reply: tx });
        {
            let guard = self.inner.writer.lock().expect("writer lock");
            let sender = guard.as_ref().ok_or(DbError::WriterGone)?;
            sender.send(job).map_err(|_| DbError::WriterGone)?;
        }
        rx.await.map_err(|_| DbError::WriterGone)?
    }

    /// Runs `f` on a read connection, off the async runtime.
    pub async fn read<R, F>(&self, f: F) -> Result<R, DbError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R, DbError> + Send + 'static,
    {
        // The permit and the connection travel into the blocking task and go back to the pool
        // there, so a caller that gives up (an aborted request) cannot lose either.
        let permit = self.inner.reader_slots.clone().acquire_owned().await.map_err(|_| DbError::WriterGone)?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let taken = inner.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
            let conn = match taken {
                Some(c) => c,
                // Each permit stands for one pooled connection; this is only a safety net.
                None => open_connection(&inner.path, true)?,
            };
            let result = std::panic::catch_unwind(AssertUnwindSafe(|| f(&conn))).unwrap_or(Err(DbError::Panicked));
            inner.readers.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
            result
        })
        .await
        .map_err(|_| DbError::Panicked)?
    }

    /// Stops taking writes, lets the writer finish what it has, and checkpoints the WAL into the
    /// main file. Called on graceful shutdown.
    pub async fn close(&self) {
        self.inner.writer.lock().expect("writer lock").take();
        let handle = self.inner.writer_thread.lock().expect("writer thread lock").take();
        if let Some(handle) = handle {
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
    }
}

/// Why `path` could not be created, in words: the folder missing, or not writable and why.
fn cannot_write(path: &Path, e: &std::io::Error) -> String {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return format!("the data folder {} does not exist or is not a folder ({e})", dir.display());
    }
    format!(
        "the data folder {} cannot be written ({e}); make it writable by the user running Steward, or choose \
         another with --data-dir",
        dir.display()
    )
}

/// A problem with the database's folder that would stop SQLite, which needs to create its
/// write-ahead log and shared-memory files beside the database: `None` if the folder is writable.
fn folder_problem(path: &Path) -> Option<String> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let probe = dir.join(format!(".steward-write-check-{}", std::process::id()));
    match std::fs::OpenOptions::new().write(true).create_new(true).open(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            None
        }
        Err(e) => Some(cannot_write(path, &e)),
    }
}

/// Opens one connection with the settings every connection shares.
pub fn open_connection(path: &Path, read_only: bool) -> Result<Connection, DbError> {
    // The database holds password and key hashes. Readers open after the writer, so once is enough.
    if !read_only {
        match crate::fsutil::private_database(path) {
            Ok(fixed) => {
                for file in fixed {
                    tracing::info!(file = %file.display(), "made the database file readable by its owner only (0600)");
                }
            }
            // It does not exist and cannot be made: say why, with the folder.
            Err(e) if !path.exists() => {
                return Err(DbError::Open { path: path.to_owned(), cause: cannot_write(path, &e) });
            }
            // Someone else's file (root ran a command, say): SQLite may still open it; say why it stays.
            Err(e) => tracing::warn!(file = %path.display(), error = %e, "cannot make the database file owner-only"),
        }
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|source| DbError::Open {
        path: path.to_owned(),
        cause: folder_problem(path).unwrap_or_else(|| source.to_string()),
    })?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;",
    )?;
    if read_only {
        conn.execute_batch("PRAGMA query_only = ON;")?;
    }
    Ok(conn)
}

fn writer_loop(conn: Connection, jobs: std::sync::mpsc::Receiver<Job>) {
    // Blocks for the first job, then takes whatever else is already waiting into the same batch.
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        run_batch(&conn, batch);
    }
    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
        tracing::warn!(error = %e, "WAL checkpoint at shutdown failed");
    }
}

fn run_batch(conn: &Connection, mut batch: Vec<Job>) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        tracing::error!(error = %e, "cannot start a write transaction");
        let fault = Fault::of(&e);
        for job in batch {
            job.finish(Err(fault.clone()));
        }
        return;
    }
    let mut failures: Vec<Option<Fault>> = Vec::with_capacity(batch.len());
    for job in batch.iter_mut() {
        // A fault below may have ended the transaction; the rest of the batch starts a new one.
        if conn.is_autocommit()
            && let Err(e) = conn.execute_batch("BEGIN IMMEDIATE")
        {
            failures.push(Some(Fault::of(&e)));
            continue;
        }
        if let Err(e) = conn.execute_batch("SAVEPOINT job") {
            failures.push(Some(Fault::of(&e)));
            continue;
        }
        let ok = job.run(conn);
        if conn.is_autocommit() {
            // SQLite rolled the whole transaction back (a full disk, an I/O error): this job's
            // work and that of every job before it in the batch are gone, so none of them may be
            // acknowledged.
            let fault = job.fault().unwrap_or_else(|| Fault::Other("the transaction was rolled back".into()));
            tracing::error!(?fault, "a write transaction was rolled back by SQLite; its writes are refused");
            for earlier in failures.iter_mut().filter(|f| f.is_none()) {
                *earlier = Some(fault.clone());
            }
            failures.push(Some(fault));
            continue;
        }
        let end = if ok { "RELEASE job" } else { "ROLLBACK TO job; RELEASE job" };
        failures.push(conn.execute_batch(end).err().map(|e| Fault::of(&e)));
    }
    // After a rollback by SQLite as the batch's last act there is nothing left to commit.
    let commit = if conn.is_autocommit() { Ok(()) } else { conn.execute_batch("COMMIT").map_err(|e| Fault::of(&e)) };
    if let Err(fault) = &commit {
        tracing::error!(?fault, "a write transaction could not be committed; its writes were rolled back");
        let _ = conn.execute_batch("ROLLBACK");
    }
    for (job, failure) in batch.into_iter().zip(failures) {
        job.finish(match (&commit, failure) {
            (Ok(()), None) => Ok(()),
            (_, Some(e)) => Err(e),
            (Err(e), None) => Err(e.clone()),
        });
    }
}

/// Formats unix seconds as RFC 3339 UTC (`2026-11-28T07:15:00Z`).
pub fn rfc3339(ts: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// Tables whose rows have a name unique regardless of case.
#[derive(Debug, Clone, Copy)]
pub enum Named {
    Queues,
    Calendars,
    Policies,
}

/// Whether a row of `table` other than `except` already has this name (ignoring case).
pub fn name_taken(conn: &Connection, table: Named, name: &str, except: Option<i64>) -> Result<bool, DbError> {
    let table = match table {
        Named::Queues => "queues",
        Named::Calendars => "sla_calendars",
        Named::Policies => "sla_policies",
    };
    Ok(conn
        .prepare_cached(&format!("SELECT 1 FROM {table} WHERE name = ?1 COLLATE NOCASE AND id IS NOT ?2"))?
        .query_row(rusqlite::params![name, except], |_| Ok(()))
        .optional()?
        .is_some())
}

/// A fresh database at the latest schema in a temporary folder, for unit tests; the folder
/// lives as long as the returned guard.
#[cfg(test)]
pub(crate) fn test_database() -> (tempfile::TempDir, rusqlite::Connection) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("db");
    let mut conn = open_connection(&path, false).expect("a database");
    migrations::migrate(&mut conn, &path).expect("the schema");
    (dir, conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("steward.db")).unwrap();
        (dir, db)
    }

    #[tokio::test]
    async fn a_failing_write_leaves_nothing_and_others_in_its_batch_commit() {
        let (_dir, db) = temp_db();
        let mut handles = Vec::new();
        for i in 0..20 {
            let db = db.clone();
            handles.push(tokio::spawn(async move {
                db.write(move |c| {
                    c.execute(
                        "INSERT INTO clients (name, created_at, updated_at) VALUES (?1, 0, 0)",
                        [format!("client {i}")],
                    )?;
                    if i % 5 == 0 {
                        return Err(DbError::conflict("name", "refused on purpose"));
                    }
                    Ok(i)
                })
                .await
            }));
        }
        let mut ok = 0;
        for h in handles {
            if h.await.unwrap().is_ok() {
                ok += 1;
            }
        }
        assert_eq!(ok, 16);
        let count: i64 = db.read(|c| Ok(c.query_row("SELECT count(*) FROM clients", [], |r| r.get(0))?)).await.unwrap();
        assert_eq!(count, 16, "the four refused writes left nothing behind");
    }

    #[tokio::test]
    async fn a_full_disk_is_told_apart_and_nothing_half_written_remains() {
        let (_dir, db) = temp_db();
        // SQLite answers SQLITE_FULL when the database may not grow: here a page limit at the
        // current size stands in for a disk with no space left.
        db.write(|c| {
            let pages: i64 = c.query_row("PRAGMA page_count", [], |r| r.get(0))?;
            c.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
            Ok(())
        })
        .await
        .unwrap();
        let big = "x".repeat(64 * 1024);
        let refused = db
            .write(move |c| {
                c.execute("INSERT INTO clients (name, created_at, updated_at) VALUES ('Acme', 0, 0)", [])?;
                c.execute("UPDATE clients SET notes = ?1 WHERE name = 'Acme'", [&big])?;
                Ok(())
            })
            .await;
        assert!(matches!(refused, Err(DbError::DiskFull(_))), "{refused:?}");
        let count: i64 = db.read(|c| Ok(c.query_row("SELECT count(*) FROM clients", [], |r| r.get(0))?)).await.unwrap();
        assert_eq!(count, 0, "the client row of the refused write is gone too");
        // Many writers at once, one of them too big for the space left: SQLite rolls back the
        // whole batch it lands in. Whatever was acknowledged is stored; whatever was refused is not.
        let mut handles = Vec::new();
        for i in 0..40 {
            let db = db.clone();
            handles.push(tokio::spawn(async move {
                let name = format!("client {i}");
                let stored = name.clone();
                let notes = if i == 20 { "y".repeat(256 * 1024) } else { String::new() };
                let result = db
                    .write(move |c| {
                        Ok(c.execute(
                            "INSERT INTO clients (name, notes, created_at, updated_at) VALUES (?1, ?2, 0, 0)",
                            [&stored, &notes],
                        )?)
                    })
                    .await;
                (name, result.is_ok(), matches!(result, Err(DbError::DiskFull(_))))
            }));
        }
        let mut outcomes = Vec::new();
        for h in handles {
            outcomes.push(h.await.unwrap());
        }
        assert!(outcomes.iter().any(|(_, _, full)| *full), "the big write was refused for want of space");
        for (name, acknowledged, _) in outcomes {
            let lookup = name.clone();
            let stored: i64 = db
                .read(
                    move |c| Ok(c.query_row("SELECT count(*) FROM clients WHERE name = ?1", [&lookup], |r| r.get(0))?),
                )
                .await
                .unwrap();
            assert_eq!(stored == 1, acknowledged, "{name}: acknowledged exactly when stored");
        }
        // Space again: writes go through.
        db.write(|c| Ok(c.query_row("PRAGMA max_page_count = 1000000", [], |_| Ok(()))?)).await.unwrap();
        db.write(|c| Ok(c.execute("INSERT INTO clients (name, created_at, updated_at) VALUES ('Acme', 0, 0)", [])?))
            .await
            .unwrap();
    }

    #[test]
    fn a_data_folder_that_cannot_be_written_is_named_with_the_reason() {
        // /sys refuses new files, even to root, on every Linux machine.
        let err = open_connection(Path::new("/sys/steward.db"), false).expect_err("no database in /sys");
        let text = err.to_string();
        assert!(text.contains("/sys/steward.db") && text.contains("the data folder /sys cannot be written"), "{text}");
        assert!(text.contains("os error"), "the operating system's reason is given: {text}");
        assert!(!text.contains("unable to open database file"), "not only SQLite's words: {text}");
        let missing = open_connection(Path::new("/nonexistent-steward-folder/steward.db"), false).err().unwrap();
        assert!(missing.to_string().contains("/nonexistent-steward-folder does not exist"), "{missing}");
    }

    #[tokio::test]
    async fn reads_abandoned_by_their_callers_do_not_drain_the_pool() {
        let (_dir, db) = temp_db();
        for _ in 0..(READERS * 3) {
            let slow = db.read(|c| {
                std::thread::sleep(std::time::Duration::from_millis(30));
                Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?)
            });
            // The caller gives up while the read runs, as an aborted HTTP request does.
            assert!(tokio::time::timeout(std::time::Duration::from_millis(2), slow).await.is_err());
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        for _ in 0..(READERS * 2) {
            let one: i64 = db.read(|c| Ok(c.query_row("SELECT 1", [], |r| r.get(0))?)).await.unwrap();
            assert_eq!(one, 1);
        }
        assert_eq!(db.inner.readers.lock().unwrap().len(), READERS, "every connection came back");
    }

    #[tokio::test]
    async fn a_panicking_job_does_not_stop_the_writer() {
        let (_dir, db) = temp_db();
        let r: Result<(), DbError> = db.write(|_| panic!("boom")).await;
        assert!(matches!(r, Err(DbError::Panicked)));
        db.write(|c| Ok(c.execute("INSERT INTO clients (name, created_at, updated_at) VALUES ('a', 0, 0)", [])?))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn close_checkpoints_the_wal() {
        let (dir, db) = temp_db();
        db.write(|c| Ok(c.execute("INSERT INTO clients (name, created_at, updated_at) VALUES ('a', 0, 0)", [])?))
            .await
            .unwrap();
        db.close().await;
        let wal = dir.path().join("steward.db-wal");
        let len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        assert_eq!(len, 0, "WAL truncated after close");
        assert!(matches!(db.write(|_| Ok(())).await, Err(DbError::WriterGone)));
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_000_000), "2026-11-18T11:06:40Z");
    }
}
