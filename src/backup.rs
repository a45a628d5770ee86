//! `steward backup`: a consistent copy of the live database, taken with SQLite's online backup
//! while the server keeps writing.
//!
//! The copy is made page by page (so a progress bar can move) inside one read transaction on the
//! source: under WAL that pins a single snapshot, so writes that land meanwhile neither restart
//! the copy nor leak half into it. The copy is written beside the target, checked with
//! `PRAGMA integrity_check`, synced, and only then renamed over the target.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("there is no database at {0}; is --data-dir right?")]
    NoDatabase(PathBuf),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the copy failed its integrity check: {0}")]
    Integrity(String),
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// What was copied.
#[derive(Debug, Clone, Copy)]
pub struct BackupSummary {
    pub pages: i32,
    pub bytes: u64,
}

/// Copies the database at `source` to `out`. `progress(done, total)` is called as pages are copied.
pub fn backup(source: &Path, out: &Path, mut progress: impl FnMut(i32, i32)) -> Result<BackupSummary, BackupError> {
    if !source.is_file() {
        return Err(BackupError::NoDatabase(source.to_owned()));
    }
    let src = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    src.busy_timeout(Duration::from_secs(30))?;
    // One read transaction for the whole copy: one snapshot.
    src.execute_batch("BEGIN DEFERRED")?;
    src.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;

    let tmp = partial_path(out);
    let _ = std::fs::remove_file(&tmp);
    let io = |source| BackupError::Io { path: tmp.clone(), source };
    // Owner-only from the first byte, not only once finished (its journal takes the same mode).
    crate::fsutil::private_database(&tmp).map_err(io)?;
    {
        let mut dst = Connection::open(&tmp)?;
        {
            let copy = Backup::new(&src, &mut dst)?;
            loop {
                let step = copy.step(128)?;
                let p = copy.progress();
                progress(p.pagecount - p.remaining, p.pagecount);
                match step {
                    StepResult::Done => break,
                    StepResult::More => {}
                    // Another connection holds a lock the copy needs; wait and go on.
                    StepResult::Busy | StepResult::Locked => std::thread::sleep(Duration::from_millis(20)),
                    _ => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        }
        // The copy is a standalone file: no WAL to carry around.
        dst.execute_batch("PRAGMA journal_mode = DELETE;")?;
        let verdict: String = dst.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if verdict != "ok" {
            drop(dst);
            let _ = std::fs::remove_file(&tmp);
            return Err(BackupError::Integrity(verdict));
        }
    }
    src.execute_batch("COMMIT")?;
    restrict_and_sync(&tmp).map_err(io)?;
    std::fs::rename(&tmp, out).map_err(|source| BackupError::Io { path: out.to_owned(), source })?;
    let bytes = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    let pages: i32 = Connection::open_with_flags(out, OpenFlags::SQLITE_OPEN_READ_ONLY)?.query_row(
        "PRAGMA page_count",
        [],
        |r| r.get(0),
    )?;
    Ok(BackupSummary { pages, bytes })
}

fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".partial");
    out.with_file_name(name)
}

/// The copy holds password and key hashes: owner-only, and on disk before it is renamed.
fn restrict_and_sync(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    std::fs::File::open(path)?.sync_all()
}

/// Draws `[#####.....]  45%  1234/2700 pages` on one terminal line.
pub fn progress_bar(done: i32, total: i32) -> String {
    const WIDTH: i32 = 30;
    let total = total.max(1);
    let filled = (done.clamp(0, total) * WIDTH / total) as usize;
    format!(
        "[{}{}] {:>3}%  {done}/{total} pages",
        "#".repeat(filled),
        ".".repeat(WIDTH as usize - filled),
        done.clamp(0, total) * 100 / total
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_bar_fills() {
        assert!(progress_bar(0, 10).starts_with("[......"));
        assert!(progress_bar(10, 10).contains("100%"));
        assert!(progress_bar(5, 10).contains(" 50%"));
    }

    #[test]
    fn missing_database_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = backup(&dir.path().join("nope.db"), &dir.path().join("out.db"), |_, _| {}).unwrap_err();
        assert!(err.to_string().contains("nope.db"), "{err}");
    }
}
