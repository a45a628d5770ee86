//! Rollups and retention. Samples are kept at full resolution for a couple of days; 5-minute and
//! hourly buckets keep min, max, sum and count for months and years.
//!
//! Why buckets are updated as samples arrive, not by a periodic pass: an agent that was offline
//! delivers its spooled samples late, and an incremental upsert puts them in the right bucket no
//! matter when they come; a periodic pass would need to track which old buckets turned dirty.
//! The background job only prunes.

use std::time::Duration;

pub const FIVE_MINUTES: i64 = 300;
pub const HOUR: i64 = 3600;

/// Start of the bucket of `width` seconds that holds `ts`.
pub fn bucket(ts: i64, width: i64) -> i64 {
    ts - ts.rem_euclid(width)
}

/// Min, max, sum and count of the values in one bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Aggregate {
    pub min: f64,
    pub max: f64,
    pub sum: f64,
    pub count: u64,
}

impl Aggregate {
    pub fn of(value: f64) -> Self {
        Aggregate { min: value, max: value, sum: value, count: 1 }
    }

    /// Folds another aggregate in (what the database upsert does, column by column).
    pub fn merge(self, other: Aggregate) -> Self {
        Aggregate {
            min: self.min.min(other.min),
            max: self.max.max(other.max),
            sum: self.sum + other.sum,
            count: self.count + other.count,
        }
    }

    pub fn avg(&self) -> f64 {
        if self.count == 0 { 0.0 } else { self.sum / self.count as f64 }
    }
}

/// Rolls `(ts, value)` samples up into buckets of `width`, in time order.
pub fn roll_up(samples: &[(i64, f64)], width: i64) -> Vec<(i64, Aggregate)> {
    let mut buckets: std::collections::BTreeMap<i64, Aggregate> = Default::default();
    for &(ts, v) in samples {
        let b = bucket(ts, width);
        buckets.entry(b).and_modify(|a| *a = a.merge(Aggregate::of(v))).or_insert(Aggregate::of(v));
    }
    buckets.into_iter().collect()
}

/// How long each resolution is kept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retention {
    pub raw: Duration,
    pub five_minutes: Duration,
    pub hourly: Duration,
}

/// Where history is cut: everything strictly older than each cutoff is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoffs {
    pub raw: i64,
    pub five_minutes: i64,
    pub hourly: i64,
}

impl Retention {
    /// The cutoffs at `now`. A bucket is kept while any part of it is inside its window.
    pub fn cutoffs(&self, now: i64) -> Cutoffs {
        Cutoffs {
            raw: now - self.raw.as_secs() as i64,
            five_minutes: bucket(now - self.five_minutes.as_secs() as i64, FIVE_MINUTES),
            hourly: bucket(now - self.hourly.as_secs() as i64, HOUR),
        }
    }
}

/// Which table a series query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Raw,
    FiveMinutes,
    Hourly,
}

impl Resolution {
    pub fn seconds(self) -> i64 {
        match self {
            Resolution::Raw => 0,
            Resolution::FiveMinutes => FIVE_MINUTES,
            Resolution::Hourly => HOUR,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Resolution::Raw => "raw",
            Resolution::FiveMinutes => "5m",
            Resolution::Hourly => "1h",
        }
    }
}

/// The finest resolution that still holds data back to `from` and is not finer than `step`
/// asks for (a 30-day chart does not need every sample).
pub fn pick_resolution(from: i64, step: i64, now: i64, retention: &Retention) -> Resolution {
    let cut = retention.cutoffs(now);
    if step < FIVE_MINUTES && from >= cut.raw {
        Resolution::Raw
    } else if step < HOUR && from >= cut.five_minutes {
        Resolution::FiveMinutes
    } else {
        Resolution::Hourly
    }
}

/// A stored point: `(ts, min, avg, max, count)`; raw samples have count 1 and min = avg = max.
pub type StoredPoint = (i64, f64, f64, f64, u64);

/// A point as charts read it: `(ts, min, avg, max)`.
pub type ChartPoint = (i64, f64, f64, f64);

/// Folds stored points into buckets of `step` seconds (count-weighted averages).
pub fn downsample(points: &[StoredPoint], step: i64) -> Vec<ChartPoint> {
    if step <= 1 {
        return points.iter().map(|&(t, mn, avg, mx, _)| (t, mn, avg, mx)).collect();
    }
    let mut out: Vec<(i64, Aggregate)> = Vec::new();
    for &(t, mn, avg, mx, count) in points {
        let b = bucket(t, step);
        let agg = Aggregate { min: mn, max: mx, sum: avg * count as f64, count };
        match out.last_mut() {
            Some((lb, a)) if *lb == b => *a = a.merge(agg),
            _ => out.push((b, agg)),
        }
    }
    out.into_iter().map(|(t, a)| (t, a.min, a.avg(), a.max)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_start_on_their_boundary() {
        assert_eq!(bucket(0, 300), 0);
        assert_eq!(bucket(299, 300), 0);
        assert_eq!(bucket(300, 300), 300);
        assert_eq!(bucket(3_599, 3_600), 0);
        assert_eq!(bucket(-1, 300), -300);
    }

    #[test]
    fn five_minute_rollup_of_a_known_series() {
        // One sample a minute for 15 minutes: 0, 1, 2, ... 14.
        let samples: Vec<(i64, f64)> = (0..15).map(|i| (1_800_000_000 + i * 60, i as f64)).collect();
        let rolled = roll_up(&samples, FIVE_MINUTES);
        assert_eq!(rolled.len(), 3);
        let (b, first) = rolled[0];
        assert_eq!(b, 1_800_000_000);
        assert_eq!((first.min, first.max, first.avg(), first.count), (0.0, 4.0, 2.0, 5));
        assert_eq!((rolled[2].1.min, rolled[2].1.max, rolled[2].1.avg()), (10.0, 14.0, 12.0));
    }

    #[test]
    fn hourly_from_five_minute_buckets_matches_hourly_from_samples() {
        let samples: Vec<(i64, f64)> = (0..180).map(|i| (1_800_000_000 + i * 37, ((i * 7) % 23) as f64)).collect();
        let direct = roll_up(&samples, HOUR);
        let mut via: std::collections::BTreeMap<i64, Aggregate> = Default::default();
        for (b, agg) in roll_up(&samples, FIVE_MINUTES) {
            let h = bucket(b, HOUR);
            via.entry(h).and_modify(|a| *a = a.merge(agg)).or_insert(agg);
        }
        let via: Vec<_> = via.into_iter().collect();
        assert_eq!(direct.len(), via.len());
        for ((b1, a1), (b2, a2)) in direct.iter().zip(&via) {
            assert_eq!(b1, b2);
            assert_eq!((a1.min, a1.max, a1.count), (a2.min, a2.max, a2.count));
            assert!((a1.avg() - a2.avg()).abs() < 1e-9);
        }
    }

    #[test]
    fn late_samples_fold_into_the_same_bucket() {
        let on_time = Aggregate::of(3.0).merge(Aggregate::of(5.0));
        let with_late = on_time.merge(Aggregate::of(1.0));
        assert_eq!((with_late.min, with_late.max, with_late.avg(), with_late.count), (1.0, 5.0, 3.0, 3));
    }

    #[test]
    fn prune_boundaries() {
        let r = Retention {
            raw: Duration::from_secs(48 * 3600),
            five_minutes: Duration::from_secs(90 * 86_400),
            hourly: Duration::from_secs(730 * 86_400),
        };
        let now = 1_800_000_123;
        let c = r.cutoffs(now);
        assert_eq!(c.raw, now - 172_800, "a sample exactly 48 h old is kept, one second older is not");
        // The 5-minute bucket that straddles the 90-day line is kept whole.
        assert_eq!(c.five_minutes % FIVE_MINUTES, 0);
        assert!(c.five_minutes <= now - 90 * 86_400 && now - 90 * 86_400 - c.five_minutes < FIVE_MINUTES);
        assert_eq!(c.hourly % HOUR, 0);
        assert!(c.hourly <= now - 730 * 86_400 && now - 730 * 86_400 - c.hourly < HOUR);
    }

    #[test]
    fn queries_read_the_finest_resolution_that_covers_their_range() {
        let r = Retention {
            raw: Duration::from_secs(48 * 3600),
            five_minutes: Duration::from_secs(90 * 86_400),
            hourly: Duration::from_secs(730 * 86_400),
        };
        let now = 1_800_000_000;
        assert_eq!(pick_resolution(now - 3600, 10, now, &r), Resolution::Raw, "1 h");
        assert_eq!(pick_resolution(now - 86_400, 60, now, &r), Resolution::Raw, "24 h");
        assert_eq!(pick_resolution(now - 7 * 86_400, 600, now, &r), Resolution::FiveMinutes, "7 d");
        assert_eq!(pick_resolution(now - 3 * 86_400, 60, now, &r), Resolution::FiveMinutes, "past raw retention");
        assert_eq!(pick_resolution(now - 30 * 86_400, 3600, now, &r), Resolution::Hourly, "30 d at 1 h steps");
        assert_eq!(pick_resolution(now - 365 * 86_400, 300, now, &r), Resolution::Hourly, "1 y");
    }

    #[test]
    fn downsampling_weights_averages_by_count() {
        let pts = [(0, 1.0, 2.0, 3.0, 1), (60, 0.0, 5.0, 9.0, 3), (300, 4.0, 4.0, 4.0, 1)];
        let out = downsample(&pts, 300);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0], (0, 0.0, (2.0 + 15.0) / 4.0, 9.0));
        assert_eq!(out[1], (300, 4.0, 4.0, 4.0));
    }
}
