//! The agent's on-disk spool: every report goes here first and leaves only when the server has
//! acknowledged it, so a server outage, a lost answer, or a killed agent loses nothing.
//!
//! Why SQLite and not a log file: numbering a report, storing it and trimming the spool to its
//! bounds must happen together or not at all, and a kill -9 mid-write must leave a readable
//! spool. A SQLite transaction gives both, and the agent already carries SQLite.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use crate::protocol::Report;

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("spool database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("spool holds an unreadable report: {0}")]
    Corrupt(#[from] serde_json::Error),
}

/// Limits on what the spool keeps; past them the oldest reports are dropped (and counted).
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub max_age: Duration,
    pub max_bytes: u64,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds { max_age: Duration::from_secs(7 * 86_400), max_bytes: 50 * 1024 * 1024 }
    }
}

pub struct Spool {
    conn: Connection,
    bounds: Bounds,
}

impl Spool {
    pub fn open(path: &Path, bounds: Bounds) -> Result<Spool, SpoolError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA cache_size = -256;
             CREATE TABLE IF NOT EXISTS reports (
                 seq INTEGER PRIMARY KEY, collected_at INTEGER NOT NULL, body BLOB NOT NULL);
             CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
             INSERT OR IGNORE INTO meta (key, value) VALUES ('last_seq', 0), ('dropped', 0);",
        )?;
        Ok(Spool { conn, bounds })
    }

    fn meta(&self, key: &str) -> Result<u64, SpoolError> {
        Ok(self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get::<_, i64>(0))? as u64)
    }

    /// The sequence number of the last report made (0 before the first).
    pub fn last_seq(&self) -> Result<u64, SpoolError> {
        self.meta("last_seq")
    }

    /// Reports dropped because the spool was full, not yet told to the server.
    pub fn dropped(&self) -> Result<u64, SpoolError> {
        self.meta("dropped")
    }

    /// Numbers `report` with the next sequence number and stores it, then trims the spool to its
    /// bounds (oldest first). Returns the number given.
    pub fn push(&mut self, mut report: Report, now: i64) -> Result<u64, SpoolError> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let seq = tx.query_row("SELECT value FROM meta WHERE key = 'last_seq'", [], |r| r.get::<_, i64>(0))? as u64 + 1;
        report.seq = seq;
        let body = serde_json::to_vec(&report)?;
        tx.execute(
            "INSERT INTO reports (seq, collected_at, body) VALUES (?1, ?2, ?3)",
            params![seq as i64, report.collected_at, body],
        )?;
        tx.execute("UPDATE meta SET value = ?1 WHERE key = 'last_seq'", [seq as i64])?;
        let mut dropped = tx.execute(
            "DELETE FROM reports WHERE collected_at < ?1 AND seq < ?2",
            params![now - self.bounds.max_age.as_secs() as i64, seq as i64],
        )? as i64;
        loop {
            let bytes: i64 = tx.query_row("SELECT coalesce(sum(length(body)), 0) FROM reports", [], |r| r.get(0))?;
            if bytes as u64 <= self.bounds.max_bytes {
                break;
            }
            // Never drop the report just made: a report larger than the whole bound still goes.
            let oldest: Option<i64> = tx
                .query_row("SELECT min(seq) FROM reports WHERE seq < ?1", [seq as i64], |r| r.get(0))
                .optional()?
                .flatten();
            let Some(oldest) = oldest else { break };
            tx.execute("DELETE FROM reports WHERE seq = ?1", [oldest])?;
            dropped += 1;
        }
        if dropped > 0 {
            tx.execute("UPDATE meta SET value = value + ?1 WHERE key = 'dropped'", [dropped])?;
            tracing::warn!(dropped, "the spool is full: dropped the oldest reports");
        }
        tx.commit()?;
        Ok(seq)
    }

    /// Up to `n` of the oldest reports, in sequence order.
    pub fn oldest(&self, n: usize) -> Result<Vec<Report>, SpoolError> {
        let mut stmt = self.conn.prepare_cached("SELECT body FROM reports ORDER BY seq LIMIT ?1")?;
        let bodies = stmt.query_map([n as i64], |r| r.get::<_, Vec<u8>>(0))?.collect::<Result<Vec<_>, _>>()?;
        Ok(bodies.iter().map(|b| serde_json::from_slice(b)).collect::<Result<_, _>>()?)
    }

    /// Forgets every report up to `seq` (the server has them), and `told` dropped reports the
    /// server has now been told about.
    pub fn acknowledge(&mut self, seq: u64, told: u64) -> Result<(), SpoolError> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM reports WHERE seq <= ?1", [seq as i64])?;
        tx.execute("UPDATE meta SET value = max(0, value - ?1) WHERE key = 'dropped'", [told as i64])?;
        tx.commit()?;
        Ok(())
    }

    /// Removes one report the server refuses outright (so it cannot block the rest), counting it
    /// as dropped.
    pub fn discard(&mut self, seq: u64) -> Result<(), SpoolError> {
        let tx = self.conn.transaction()?;
        if tx.execute("DELETE FROM reports WHERE seq = ?1", [seq as i64])? == 1 {
            tx.execute("UPDATE meta SET value = value + 1 WHERE key = 'dropped'", [])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// After enrolling: number new reports above what the server already has for this machine,
    /// and forget spooled reports it already has.
    pub fn continue_after(&mut self, server_seq: u64) -> Result<(), SpoolError> {
        let tx = self.conn.transaction()?;
        tx.execute("UPDATE meta SET value = max(value, ?1) WHERE key = 'last_seq'", [server_seq as i64])?;
        tx.execute("DELETE FROM reports WHERE seq <= ?1", [server_seq as i64])?;
        tx.commit()?;
        Ok(())
    }

    /// Reports waiting, and their size in bytes.
    pub fn backlog(&self) -> Result<(u64, u64), SpoolError> {
        Ok(self.conn.query_row("SELECT count(*), coalesce(sum(length(body)), 0) FROM reports", [], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64))
        })?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(at: i64) -> Report {
        Report { collected_at: at, ..Default::default() }
    }

    #[test]
    fn reports_are_numbered_kept_until_acknowledged_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spool.db");
        let mut s = Spool::open(&path, Bounds::default()).unwrap();
        for i in 0..5 {
            assert_eq!(s.push(report(1000 + i), 1000 + i).unwrap(), i as u64 + 1);
        }
        assert_eq!(s.oldest(2).unwrap().iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2]);
        s.acknowledge(3, 0).unwrap();
        drop(s);
        let mut s = Spool::open(&path, Bounds::default()).unwrap();
        assert_eq!(s.oldest(10).unwrap().iter().map(|r| r.seq).collect::<Vec<_>>(), [4, 5]);
        assert_eq!(s.push(report(2000), 2000).unwrap(), 6, "numbering resumes after a restart");
    }

    #[test]
    fn full_spool_drops_the_oldest_and_counts_them() {
        let dir = tempfile::tempdir().unwrap();
        let one = serde_json::to_vec(&Report { seq: 1, ..report(10_000) }).unwrap().len() as u64;
        let mut s =
            Spool::open(&dir.path().join("s.db"), Bounds { max_age: Duration::from_secs(3600), max_bytes: one * 3 })
                .unwrap();
        for i in 0..5 {
            s.push(report(10_000 + i), 10_000 + i).unwrap();
        }
        assert_eq!(s.oldest(10).unwrap().iter().map(|r| r.seq).collect::<Vec<_>>(), [3, 4, 5]);
        assert_eq!(s.dropped().unwrap(), 2);
        // Too old: dropped by age at the next push.
        s.push(report(20_000), 20_000).unwrap();
        assert_eq!(s.oldest(10).unwrap().iter().map(|r| r.seq).collect::<Vec<_>>(), [6]);
        assert_eq!(s.dropped().unwrap(), 5);
        s.acknowledge(6, 5).unwrap();
        assert_eq!(s.dropped().unwrap(), 0);
    }

    #[test]
    fn enrolling_again_continues_above_the_servers_number() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Spool::open(&dir.path().join("s.db"), Bounds::default()).unwrap();
        s.push(report(1), 1).unwrap();
        s.continue_after(41).unwrap();
        assert!(s.oldest(10).unwrap().is_empty());
        assert_eq!(s.push(report(2), 2).unwrap(), 42);
    }
}
