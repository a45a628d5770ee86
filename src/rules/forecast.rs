//! Disk-full forecast: when, at the rate it has been filling, a filesystem will be full.
//!
//! A least-squares line through the used-bytes samples of a window (say the last 7 days) gives
//! the fill rate; the time left is what remains divided by that rate. A least-squares fit rather
//! than first-to-last difference, so one deleted log file or one big download at either end of
//! the window does not swing the forecast.

/// Seconds in a day.
const DAY: f64 = 86_400.0;

/// Days until `used` reaches `capacity`, from `(unix seconds, used bytes)` samples in any order.
/// `None` when the disk is not filling (flat or shrinking), or the samples cannot show a trend
/// (fewer than three, or all at one instant). `Some(0.0)` when the trend says it is full already.
pub fn days_until_full(samples: &[(i64, f64)], capacity: f64) -> Option<f64> {
    if samples.len() < 3 || !capacity.is_finite() || capacity <= 0.0 {
        return None;
    }
    let n = samples.len() as f64;
    // Centre time on the first sample, so squares of unix seconds do not lose precision.
    let t0 = samples.iter().map(|s| s.0).min()?;
    let mean_t = samples.iter().map(|s| (s.0 - t0) as f64).sum::<f64>() / n;
    let mean_y = samples.iter().map(|s| s.1).sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for &(t, y) in samples {
        let dt = (t - t0) as f64 - mean_t;
        sxy += dt * (y - mean_y);
        sxx += dt * dt;
    }
    if sxx == 0.0 {
        return None;
    }
    let slope = sxy / sxx; // bytes per second
    if !slope.is_finite() || slope <= 0.0 {
        return None;
    }
    let t_last = samples.iter().map(|s| s.0).max()?;
    let now_fitted = mean_y + slope * ((t_last - t0) as f64 - mean_t);
    let remaining = capacity - now_fitted;
    Some((remaining / slope / DAY).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GB: f64 = 1e9;

    #[test]
    fn a_linear_fill_is_forecast_within_five_percent() {
        // 100 GB disk at 50 GB, filling 2 GB a day, sampled every 5 minutes for 7 days.
        let start = 1_800_000_000;
        let samples: Vec<(i64, f64)> =
            (0..7 * 288).map(|i| (start + i * 300, 36.0 * GB + 2.0 * GB * (i as f64 * 300.0 / DAY))).collect();
        let last_used = samples.last().unwrap().1;
        let truth = (100.0 * GB - last_used) / (2.0 * GB);
        let days = days_until_full(&samples, 100.0 * GB).unwrap();
        assert!((days - truth).abs() / truth < 0.05, "forecast {days} vs truth {truth}");
    }

    #[test]
    fn noise_and_a_cleanup_do_not_swing_it_far() {
        let start = 1_800_000_000;
        let mut samples: Vec<(i64, f64)> = (0..2016)
            .map(|i| {
                let wobble = ((i * 7919) % 13) as f64 * 0.05 * GB; // ± a few hundred MB of churn
                (start + i * 300, 40.0 * GB + 1.0 * GB * (i as f64 * 300.0 / DAY) + wobble)
            })
            .collect();
        samples.reverse(); // any order
        let days = days_until_full(&samples, 100.0 * GB).unwrap();
        let truth = (100.0 - (40.0 + 7.0 + 0.3)) / 1.0;
        assert!((days - truth).abs() / truth < 0.05, "forecast {days} vs about {truth}");
    }

    #[test]
    fn flat_or_shrinking_disks_get_no_forecast() {
        let start = 1_800_000_000;
        let flat: Vec<(i64, f64)> = (0..100).map(|i| (start + i * 300, 70.0 * GB)).collect();
        assert_eq!(days_until_full(&flat, 100.0 * GB), None);
        let shrinking: Vec<(i64, f64)> = (0..100).map(|i| (start + i * 300, 70.0 * GB - i as f64 * 1e6)).collect();
        assert_eq!(days_until_full(&shrinking, 100.0 * GB), None);
        assert_eq!(days_until_full(&flat[..2], 100.0 * GB), None, "two samples are no trend");
        let same_instant = vec![(start, 1.0), (start, 2.0), (start, 3.0)];
        assert_eq!(days_until_full(&same_instant, 100.0 * GB), None);
    }

    #[test]
    fn a_disk_past_its_trend_is_full_now() {
        let start = 1_800_000_000;
        let samples: Vec<(i64, f64)> = (0..10).map(|i| (start + i * 3600, 99.0 * GB + i as f64 * GB)).collect();
        assert_eq!(days_until_full(&samples, 100.0 * GB), Some(0.0));
    }
}
