//! The agent's on-disk spool: every report goes here first and leaves only when the server has
//! acknowledged it, so a server outage, a lost answer, or a killed agent loses nothing.
//!
//! One file per report (`<seq>-<collected_at>.json`) in a folder, plus a small `state` file with
//! the last sequence number given, the reports dropped but not yet told to the server, and the
//! `floor`: the lowest sequence number still wanted. Every file is written to a temporary name,
//! synced and renamed into place, so a kill -9 leaves either the old or the new version, never a
//! torn one. The order of writes makes recovery exact: a report file is in place before `state`
//! counts it (on opening, the highest file number wins over `state`), and `state` moves the floor
//! before files below it are deleted (on opening, files below the floor are removed uncounted).
//!
//! Why not SQLite, which the server uses: the agent runs on every client computer, and its
//! resident memory is mostly the executable's pages it touches. Leaving SQLite's code to the
//! server keeps about 0.3 MiB off every endpoint (see BENCHMARKS.md).

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::protocol::Report;

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("spool folder {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("spool holds an unreadable report: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("the spool has used every sequence number the server can store; enroll this machine again")]
    Exhausted,
}

/// The highest sequence number the server can store (SQLite integers are i64).
pub const MAX_SEQ: u64 = i64::MAX as u64;

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

/// What `state` holds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct State {
    last_seq: u64,
    dropped: u64,
    floor: u64,
}

pub struct Spool {
    dir: PathBuf,
    bounds: Bounds,
    state: State,
    /// seq -> (collected_at, bytes)
    reports: BTreeMap<u64, (i64, u64)>,
}

const STATE: &str = "state";

fn file_name(seq: u64, collected_at: i64) -> String {
    format!("{seq:020}-{collected_at}.json")
}

fn parse_name(name: &str) -> Option<(u64, i64)> {
    let stem = name.strip_suffix(".json")?;
    let (seq, at) = stem.split_once('-')?;
    Some((seq.parse().ok()?, at.parse().ok()?))
}

impl Spool {
    /// Opens (creating if needed) the spool folder at `dir` and recovers from an interrupted write.
    pub fn open(dir: &Path, bounds: Bounds) -> Result<Spool, SpoolError> {
        let io = |source| SpoolError::Io { path: dir.to_owned(), source };
        crate::fsutil::create_private_dir(dir).map_err(io)?;
        let state = match fs::read_to_string(dir.join(STATE)) {
            Ok(text) => {
                let n: Vec<u64> = text.split_whitespace().filter_map(|v| v.parse().ok()).collect();
                State {
                    last_seq: n.first().copied().unwrap_or(0),
                    dropped: n.get(1).copied().unwrap_or(0),
                    floor: n.get(2).copied().unwrap_or(0),
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => State::default(),
            Err(e) => return Err(io(e)),
        };
        let mut spool = Spool { dir: dir.to_owned(), bounds, state, reports: BTreeMap::new() };
        for entry in fs::read_dir(dir).map_err(io)? {
            let entry = entry.map_err(io)?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(".tmp-") {
                // A write that never completed.
                let _ = fs::remove_file(entry.path());
                continue;
            }
            let Some((seq, at)) = parse_name(&name) else { continue };
            if seq < spool.state.floor {
                let _ = fs::remove_file(entry.path());
                continue;
            }
            let bytes = entry.metadata().map_err(io)?.len();
            spool.reports.insert(seq, (at, bytes));
            spool.state.last_seq = spool.state.last_seq.max(seq);
        }
        // Numbers no server could have given (a state written by an older agent that believed a
        // hostile acknowledgement): continue from the reports actually here.
        if spool.state.last_seq > MAX_SEQ || spool.state.floor > MAX_SEQ {
            let highest = spool.reports.keys().next_back().copied().unwrap_or(0);
            tracing::warn!(
                last_seq = spool.state.last_seq,
                floor = spool.state.floor,
                "the spool's numbers are out of range; continuing from its reports"
            );
            spool.state.last_seq = highest;
            spool.state.floor = spool.reports.keys().next().copied().unwrap_or(highest.saturating_add(1));
        }
        Ok(spool)
    }

    fn io(&self, source: io::Error) -> SpoolError {
        SpoolError::Io { path: self.dir.clone(), source }
    }

    /// Writes `bytes` to `name` in the folder, whole or not at all.
    fn write_atomic(&self, name: &str, bytes: &[u8]) -> Result<(), SpoolError> {
        let tmp = self.dir.join(format!(".tmp-{name}"));
        let done = (|| {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            fs::rename(&tmp, self.dir.join(name))?;
            fs::File::open(&self.dir)?.sync_all()
        })();
        done.map_err(|e| self.io(e))
    }

    fn save_state(&mut self, state: State) -> Result<(), SpoolError> {
        let text = format!("{} {} {}\n", state.last_seq, state.dropped, state.floor);
        self.write_atomic(STATE, text.as_bytes())?;
        self.state = state;
        Ok(())
    }

    /// Deletes the files of reports below the floor.
    fn remove_below_floor(&mut self) {
        let gone: Vec<u64> = self.reports.range(..self.state.floor).map(|(s, _)| *s).collect();
        for seq in gone {
            if let Some((at, _)) = self.reports.remove(&seq) {
                let _ = fs::remove_file(self.dir.join(file_name(seq, at)));
            }
        }
    }

    /// The sequence number of the last report made (0 before the first).
    pub fn last_seq(&self) -> Result<u64, SpoolError> {
        Ok(self.state.last_seq)
    }

    /// Reports dropped because the spool was full, not yet told to the server.
    pub fn dropped(&self) -> Result<u64, SpoolError> {
        Ok(self.state.dropped)
    }

    /// Numbers `report` with the next sequence number and stores it, then trims the spool to its
    /// bounds (oldest first). Returns the number given.
    pub fn push(&mut self, mut report: Report, now: i64) -> Result<u64, SpoolError> {
        let seq = self.state.last_seq.checked_add(1).filter(|s| *s <= MAX_SEQ).ok_or(SpoolError::Exhausted)?;
        report.seq = seq;
        let body = serde_json::to_vec(&report)?;
        self.write_atomic(&file_name(seq, report.collected_at), &body)?;
        self.reports.insert(seq, (report.collected_at, body.len() as u64));

        // Drop by age, then by size; never the report just made, even if larger than the bound.
        let too_old = now - self.bounds.max_age.as_secs() as i64;
        let mut floor = self.state.floor;
        let mut bytes: u64 = self.reports.values().map(|(_, b)| b).sum();
        let mut dropped = 0;
        for (&s, &(at, b)) in self.reports.range(floor.min(seq)..seq) {
            if at < too_old || bytes > self.bounds.max_bytes {
                floor = s + 1;
                bytes -= b;
                dropped += 1;
            } else {
                break;
            }
        }
        if dropped > 0 {
            tracing::warn!(dropped, "the spool is full: dropped the oldest reports");
            let state = State { last_seq: seq, dropped: self.state.dropped.saturating_add(dropped), floor };
            self.save_state(state)?;
            self.remove_below_floor();
        } else {
            // The report's own file records its number (opening takes the highest file); `state`
            // is written when files go away, so the common case costs one file write.
            self.state.last_seq = seq;
        }
        Ok(seq)
    }

    /// Up to `n` of the oldest reports, in sequence order.
    pub fn oldest(&self, n: usize) -> Result<Vec<Report>, SpoolError> {
        self.reports
            .iter()
            .take(n)
            .map(|(&seq, &(at, _))| {
                let bytes = fs::read(self.dir.join(file_name(seq, at))).map_err(|e| self.io(e))?;
                Ok(serde_json::from_slice(&bytes)?)
            })
            .collect()
    }

    /// Forgets every report up to `seq` (the server has them), and `told` dropped reports the
    /// server has now been told about. Never past the last report made: numbers beyond it are
    /// not the server's to hand out (see `agent::acknowledged`).
    pub fn acknowledge(&mut self, seq: u64, told: u64) -> Result<(), SpoolError> {
        let state = State {
            floor: self.state.floor.max(seq.min(self.state.last_seq).saturating_add(1)),
            dropped: self.state.dropped.saturating_sub(told),
            ..self.state
        };
        if state != self.state {
            self.save_state(state)?;
        }
        self.remove_below_floor();
        Ok(())
    }

    /// Removes the oldest report, which the server refuses outright (so it cannot block the
    /// rest), counting it as dropped.
    pub fn discard(&mut self, seq: u64) -> Result<(), SpoolError> {
        if self.reports.keys().next() != Some(&seq) {
            return Ok(());
        }
        let state = State { floor: seq.saturating_add(1), dropped: self.state.dropped.saturating_add(1), ..self.state };
        self.save_state(state)?;
        self.remove_below_floor();
        Ok(())
    }

    /// After enrolling: number new reports above what the server already has for this machine,
    /// and forget spooled reports it already has.
    pub fn continue_after(&mut self, server_seq: u64) -> Result<(), SpoolError> {
        let server_seq = server_seq.min(MAX_SEQ);
        let state = State {
            last_seq: self.state.last_seq.max(server_seq),
            floor: self.state.floor.max(server_seq + 1),
            ..self.state
        };
        self.save_state(state)?;
        self.remove_below_floor();
        Ok(())
    }

    /// Reports waiting, and their size in bytes.
    pub fn backlog(&self) -> Result<(u64, u64), SpoolError> {
        Ok((self.reports.len() as u64, self.reports.values().map(|(_, b)| b).sum()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(at: i64) -> Report {
        Report { collected_at: at, ..Default::default() }
    }

    fn seqs(s: &Spool) -> Vec<u64> {
        s.oldest(100).unwrap().iter().map(|r| r.seq).collect()
    }

    #[test]
    fn reports_are_numbered_kept_until_acknowledged_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spool");
        let mut s = Spool::open(&path, Bounds::default()).unwrap();
        for i in 0..5 {
            assert_eq!(s.push(report(1000 + i), 1000 + i).unwrap(), i as u64 + 1);
        }
        assert_eq!(s.oldest(2).unwrap().iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2]);
        s.acknowledge(3, 0).unwrap();
        drop(s);
        let mut s = Spool::open(&path, Bounds::default()).unwrap();
        assert_eq!(seqs(&s), [4, 5]);
        assert_eq!(s.push(report(2000), 2000).unwrap(), 6, "numbering resumes after a restart");
        s.acknowledge(6, 0).unwrap();
        drop(s);
        let mut s = Spool::open(&path, Bounds::default()).unwrap();
        assert_eq!(s.push(report(3000), 3000).unwrap(), 7, "and after the spool emptied");
    }

    #[test]
    fn full_spool_drops_the_oldest_and_counts_them() {
        let dir = tempfile::tempdir().unwrap();
        let one = serde_json::to_vec(&Report { seq: 1, ..report(10_000) }).unwrap().len() as u64;
        let mut s =
            Spool::open(&dir.path().join("s"), Bounds { max_age: Duration::from_secs(3600), max_bytes: one * 3 })
                .unwrap();
        for i in 0..5 {
            s.push(report(10_000 + i), 10_000 + i).unwrap();
        }
        assert_eq!(seqs(&s), [3, 4, 5]);
        assert_eq!(s.dropped().unwrap(), 2);
        // Too old: dropped by age at the next push.
        s.push(report(20_000), 20_000).unwrap();
        assert_eq!(seqs(&s), [6]);
        assert_eq!(s.dropped().unwrap(), 5);
        s.acknowledge(6, 5).unwrap();
        assert_eq!(s.dropped().unwrap(), 0);
        assert_eq!(s.backlog().unwrap(), (0, 0));
    }

    #[test]
    fn enrolling_again_continues_above_the_servers_number() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Spool::open(&dir.path().join("s"), Bounds::default()).unwrap();
        s.push(report(1), 1).unwrap();
        s.continue_after(41).unwrap();
        assert!(s.oldest(10).unwrap().is_empty());
        assert_eq!(s.push(report(2), 2).unwrap(), 42);
    }

    #[test]
    fn absurd_numbers_never_wipe_reports_or_break_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let mut s = Spool::open(&path, Bounds::default()).unwrap();
        for i in 1..=3 {
            s.push(report(i), i).unwrap();
        }
        // An acknowledgement past every report made deletes only what was made.
        s.acknowledge(u64::MAX, 0).unwrap();
        assert!(seqs(&s).is_empty());
        assert_eq!(s.push(report(4), 4).unwrap(), 4, "numbering is not moved by the server's number");
        s.acknowledge(u64::MAX - 1, u64::MAX).unwrap();
        assert_eq!(s.dropped().unwrap(), 0);
        // A server number past what it can store is capped, and numbering still works.
        s.continue_after(u64::MAX).unwrap();
        assert!(matches!(s.push(report(5), 5), Err(SpoolError::Exhausted)));
        drop(s);
        // A state file written by an older agent that believed u64::MAX opens and continues.
        fs::write(path.join(STATE), format!("{} 0 0\n", u64::MAX)).unwrap();
        fs::write(path.join(file_name(7, 7)), serde_json::to_vec(&Report { seq: 7, ..report(7) }).unwrap()).unwrap();
        let mut s = Spool::open(&path, Bounds::default()).unwrap();
        assert_eq!(seqs(&s), [7], "the report on disk is kept");
        assert_eq!(s.push(report(8), 8).unwrap(), 8);
        s.discard(7).unwrap();
        assert_eq!(seqs(&s), [8]);
    }

    #[test]
    fn an_interrupted_write_is_recovered_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let mut s = Spool::open(&path, Bounds::default()).unwrap();
        for i in 1..=3 {
            s.push(report(i), i).unwrap();
        }
        // A report file in place whose `state` update never happened: it counts.
        let extra = Report { seq: 4, ..report(4) };
        fs::write(path.join(file_name(4, 4)), serde_json::to_vec(&extra).unwrap()).unwrap();
        // A torn temporary file: ignored and removed.
        fs::write(path.join(".tmp-00000000000000000005-5.json"), b"{\"seq\":").unwrap();
        // A file below the floor that the crash left behind: removed, not counted.
        s.acknowledge(1, 0).unwrap();
        fs::write(path.join(file_name(1, 1)), serde_json::to_vec(&Report { seq: 1, ..report(1) }).unwrap()).unwrap();
        drop(s);
        let mut s = Spool::open(&path, Bounds::default()).unwrap();
        assert_eq!(seqs(&s), [2, 3, 4]);
        assert_eq!(s.push(report(6), 6).unwrap(), 5);
        assert!(!path.join(".tmp-00000000000000000005-5.json").exists());
        // The refused oldest report is discarded and counted.
        s.discard(2).unwrap();
        assert_eq!(seqs(&s), [3, 4, 5]);
        assert_eq!(s.dropped().unwrap(), 1);
    }
}
