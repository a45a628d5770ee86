//! Metric history: one series per (device, metric, subject), samples at full resolution, and
//! 5-minute and hourly rollups upserted as samples arrive (see `monitoring::rollup` for why).

use rusqlite::{Connection, OptionalExtension, params};

use crate::monitoring::rollup::{Cutoffs, FIVE_MINUTES, HOUR, Resolution, StoredPoint, bucket};
use crate::monitoring::series::Point;

use super::DbError;

/// The series id for (device, metric, subject), made on first use.
pub fn series_id(conn: &Connection, device_id: i64, metric: &str, subject: &str) -> Result<i64, DbError> {
    let found: Option<i64> = conn
        .prepare_cached("SELECT id FROM metric_series WHERE device_id = ?1 AND metric = ?2 AND subject = ?3")?
        .query_row(params![device_id, metric, subject], |r| r.get(0))
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    conn.prepare_cached("INSERT INTO metric_series (device_id, metric, subject) VALUES (?1, ?2, ?3)")?
        .execute(params![device_id, metric, subject])?;
    Ok(conn.last_insert_rowid())
}

/// Folds one value into a rollup table's bucket: min, max, sum and count.
fn rollup_upsert(table: &str) -> String {
    format!(
        "INSERT INTO {table} (series_id, bucket, min, max, sum, count) VALUES (?1, ?2, ?3, ?3, ?3, 1)
         ON CONFLICT (series_id, bucket) DO UPDATE SET
           min = min({table}.min, excluded.min), max = max({table}.max, excluded.max),
           sum = {table}.sum + excluded.sum, count = {table}.count + 1"
    )
}

/// Stores one report's points at `ts`, and folds them into the rollups. A sample already stored
/// for the same series and time is left alone (and not counted twice).
pub fn record(conn: &Connection, device_id: i64, ts: i64, points: &[Point]) -> Result<(), DbError> {
    let mut insert = conn.prepare_cached("INSERT OR IGNORE INTO samples (series_id, ts, value) VALUES (?1, ?2, ?3)")?;
    let mut five = conn.prepare_cached(&rollup_upsert("rollups_5m"))?;
    let mut hour = conn.prepare_cached(&rollup_upsert("rollups_1h"))?;
    for p in points {
        if !p.value.is_finite() {
            continue;
        }
        let id = series_id(conn, device_id, p.metric, &p.subject)?;
        if insert.execute(params![id, ts, p.value])? == 1 {
            five.execute(params![id, bucket(ts, FIVE_MINUTES), p.value])?;
            hour.execute(params![id, bucket(ts, HOUR), p.value])?;
        }
    }
    Ok(())
}

/// The (metric, subject) pairs a device has history for.
pub fn series_of(conn: &Connection, device_id: i64) -> Result<Vec<(i64, String, String)>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, metric, subject FROM metric_series WHERE device_id = ?1 ORDER BY metric, subject",
    )?;
    let rows = stmt.query_map([device_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Points `(ts, min, avg, max, count)` of one series in `[from, to]` at `resolution`.
pub fn points(
    conn: &Connection,
    series_id: i64,
    from: i64,
    to: i64,
    resolution: Resolution,
) -> Result<Vec<StoredPoint>, DbError> {
    let sql = match resolution {
        Resolution::Raw => {
            "SELECT ts, value, value, value, 1 FROM samples WHERE series_id = ?1 AND ts >= ?2 AND ts <= ?3 ORDER BY ts"
        }
        Resolution::FiveMinutes => {
            "SELECT bucket, min, sum / count, max, count FROM rollups_5m
             WHERE series_id = ?1 AND bucket >= ?2 AND bucket <= ?3 ORDER BY bucket"
        }
        Resolution::Hourly => {
            "SELECT bucket, min, sum / count, max, count FROM rollups_1h
             WHERE series_id = ?1 AND bucket >= ?2 AND bucket <= ?3 ORDER BY bucket"
        }
    };
    let from = if resolution == Resolution::Raw { from } else { bucket(from, resolution.seconds()) };
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![series_id, from, to], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get::<_, i64>(4)? as u64))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What a prune removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub reports: usize,
    pub samples: usize,
    pub five_minutes: usize,
    pub hourly: usize,
}

/// Deletes history older than the cutoffs, at most `batch` rows per table per call (so a big
/// backlog is pruned in many short transactions rather than one long one).
pub fn prune(conn: &Connection, cut: &Cutoffs, batch: usize) -> Result<Pruned, DbError> {
    // The history tables are WITHOUT ROWID: delete by key.
    let del_keyed = |table: &str, column: &str, before: i64| -> Result<usize, DbError> {
        Ok(conn.execute(
            &format!(
                "DELETE FROM {table} WHERE (series_id, {column}) IN
                   (SELECT series_id, {column} FROM {table} WHERE {column} < ?1 LIMIT ?2)"
            ),
            params![before, batch as i64],
        )?)
    };
    let reports = conn.execute(
        "DELETE FROM device_reports WHERE (device_id, seq) IN
           (SELECT device_id, seq FROM device_reports WHERE received_at < ?1 LIMIT ?2)",
        params![cut.raw, batch as i64],
    )?;
    Ok(Pruned {
        reports,
        samples: del_keyed("samples", "ts", cut.raw)?,
        five_minutes: del_keyed("rollups_5m", "bucket", cut.five_minutes)?,
        hourly: del_keyed("rollups_1h", "bucket", cut.hourly)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitoring::rollup::{Retention, roll_up};
    use std::time::Duration;

    fn conn_with_device() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let mut conn = crate::db::open_connection(&path, false).unwrap();
        crate::db::migrations::migrate(&mut conn, &path).unwrap();
        conn.execute_batch(
            "INSERT INTO clients (id, name, created_at, updated_at) VALUES (1, 'Acme', 0, 0);
             INSERT INTO devices (id, client_id, machine_id, hostname, secret_hash, enrolled_at)
             VALUES (1, 1, 'm1', 'pc1', x'00', 0);",
        )
        .unwrap();
        (dir, conn)
    }

    fn cpu(v: f64) -> Vec<Point> {
        vec![Point { metric: "cpu_pct", subject: String::new(), value: v }]
    }

    #[test]
    fn stored_rollups_match_the_pure_rollup_even_with_late_and_repeated_samples() {
        let (_dir, conn) = conn_with_device();
        let t0 = 1_800_000_000;
        let mut samples: Vec<(i64, f64)> = (0..120).map(|i| (t0 + i * 60, ((i * 13) % 17) as f64)).collect();
        // Deliver out of order (a spool catching up) and one sample twice.
        samples.reverse();
        for &(ts, v) in &samples {
            record(&conn, 1, ts, &cpu(v)).unwrap();
        }
        record(&conn, 1, samples[5].0, &cpu(samples[5].1)).unwrap();
        samples.sort_by_key(|s| s.0);
        let id = series_id(&conn, 1, "cpu_pct", "").unwrap();
        for (width, res) in [(FIVE_MINUTES, Resolution::FiveMinutes), (HOUR, Resolution::Hourly)] {
            let expected = roll_up(&samples, width);
            let got = points(&conn, id, t0, t0 + 7200, res).unwrap();
            assert_eq!(got.len(), expected.len());
            for ((b, a), (t, mn, avg, mx, n)) in expected.iter().zip(&got) {
                assert_eq!((*b, a.min, a.max, a.count), (*t, *mn, *mx, *n));
                assert!((a.avg() - avg).abs() < 1e-9);
            }
        }
        assert_eq!(points(&conn, id, t0, t0 + 7200, Resolution::Raw).unwrap().len(), 120);
    }

    #[test]
    fn prune_removes_exactly_what_is_past_retention() {
        let (_dir, conn) = conn_with_device();
        let now = 1_800_000_000;
        let r = Retention {
            raw: Duration::from_secs(48 * 3600),
            five_minutes: Duration::from_secs(90 * 86_400),
            hourly: Duration::from_secs(730 * 86_400),
        };
        let cut = r.cutoffs(now);
        for ts in [cut.raw - 1, cut.raw, now] {
            record(&conn, 1, ts, &cpu(1.0)).unwrap();
        }
        for ts in [cut.five_minutes - 1, cut.hourly - 1] {
            record(&conn, 1, ts, &cpu(1.0)).unwrap();
        }
        let pruned = prune(&conn, &cut, 10_000).unwrap();
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT count(*) FROM samples"), 2, "the sample exactly at the cutoff stays");
        assert_eq!(count("SELECT min(ts) FROM samples"), cut.raw);
        assert_eq!(count(&format!("SELECT count(*) FROM rollups_5m WHERE bucket < {}", cut.five_minutes)), 0);
        assert!(count("SELECT count(*) FROM rollups_5m") > 0);
        assert_eq!(count(&format!("SELECT count(*) FROM rollups_1h WHERE bucket < {}", cut.hourly)), 0);
        assert_eq!(pruned.samples, 3);
        assert_eq!(prune(&conn, &cut, 10_000).unwrap(), Pruned::default(), "a second pass finds nothing");
    }
}
