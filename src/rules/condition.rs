//! What a rule checks, checked when it is written, and what a report means for it.
//!
//! A condition turns what the engine knows about a device into readings, one per subject (a
//! mount point, a disk, a process), for the state machine in `eval`. Pure: the engine fetches
//! history (for the forecast) and hands it in.

use serde::{Deserialize, Serialize};

use super::Severity;
use super::disk_health;
use super::eval::Reading;
use crate::monitoring::series;
use crate::protocol::{Metrics, SmartDisk};

/// Comparison of a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// The problem is a value above the level (CPU, disk used).
    #[default]
    Above,
    /// The problem is a value below the level (free bytes).
    Below,
}

/// What a rule checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// A reported metric against warning and critical levels, per subject (e.g. every mount).
    Threshold {
        /// A metric name from `series::METRICS`.
        metric: String,
        #[serde(default)]
        op: Op,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warning: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        critical: Option<f64>,
        /// Resolve only beyond this level (hysteresis); by default, as soon as no level is crossed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        clear: Option<f64>,
        /// Only this subject (e.g. "/"); every subject when empty.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        subject: String,
    },
    /// No check-in for `[monitoring] offline_after`.
    Offline {
        #[serde(default = "warning")]
        severity: Severity,
    },
    /// Days until a filesystem is full, from a least-squares trend of its use over a window.
    DiskForecast {
        #[serde(default = "default_window_hours")]
        window_hours: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warning_days: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        critical_days: Option<f64>,
    },
    /// SMART: the overall verdict failing, bad-sector counters non-zero or rising, NVMe trouble.
    Smart,
    /// Security updates pending for longer than this many days.
    SecurityUpdates {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warning_days: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        critical_days: Option<f64>,
    },
    /// A process (by name) not running; the agent is told to watch it.
    Process {
        name: String,
        #[serde(default = "critical")]
        severity: Severity,
    },
    /// A systemd service not active; the agent is told to watch it.
    Service {
        name: String,
        #[serde(default = "critical")]
        severity: Severity,
    },
    /// The agent's spool was full and dropped reports (history is missing).
    SpoolDropped {
        #[serde(default = "warning")]
        severity: Severity,
    },
}

fn warning() -> Severity {
    Severity::Warning
}
fn critical() -> Severity {
    Severity::Critical
}
fn default_window_hours() -> u32 {
    72
}

/// A field that is wrong, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    pub field: &'static str,
    pub message: String,
}

fn invalid(field: &'static str, message: impl Into<String>) -> Invalid {
    Invalid { field, message: message.into() }
}

/// Metrics whose values are shares, 0 to 100.
fn is_percent(metric: &str) -> bool {
    metric.ends_with("_pct")
}

impl Condition {
    /// What overrides what: a more specific rule replaces a broader one with the same key.
    pub fn kind_key(&self) -> String {
        match self {
            Condition::Threshold { metric, .. } => format!("threshold:{metric}"),
            Condition::Offline { .. } => "offline".into(),
            Condition::DiskForecast { .. } => "disk_forecast".into(),
            Condition::Smart => "smart".into(),
            Condition::SecurityUpdates { .. } => "security_updates".into(),
            Condition::Process { name, .. } => format!("process:{name}"),
            Condition::Service { name, .. } => format!("service:{name}"),
            Condition::SpoolDropped { .. } => "spool_dropped".into(),
        }
    }

    /// Checks the levels make sense; names the field that does not.
    pub fn validate(&self) -> Result<(), Invalid> {
        let finite = |field: &'static str, v: Option<f64>| match v {
            Some(x) if !x.is_finite() => Err(invalid(field, format!("{field} must be a number."))),
            _ => Ok(()),
        };
        match self {
            Condition::Threshold { metric, op, warning, critical, clear, subject } => {
                if !series::METRICS.iter().any(|(m, _)| m == metric) {
                    let known: Vec<&str> = series::METRICS.iter().map(|(m, _)| *m).collect();
                    return Err(invalid(
                        "metric",
                        format!("{metric:?} is not a metric; use one of {}.", known.join(", ")),
                    ));
                }
                finite("warning", *warning)?;
                finite("critical", *critical)?;
                finite("clear", *clear)?;
                if warning.is_none() && critical.is_none() {
                    return Err(invalid("warning", "set a warning level, a critical level, or both."));
                }
                if is_percent(metric) {
                    for (field, v) in [("warning", warning), ("critical", critical), ("clear", clear)] {
                        if v.is_some_and(|x| !(0.0..=100.0).contains(&x)) {
                            return Err(invalid(field, format!("{field} is a percentage: between 0 and 100.")));
                        }
                    }
                }
                let worse = |a: f64, b: f64| if *op == Op::Above { a > b } else { a < b };
                if let (Some(w), Some(c)) = (warning, critical)
                    && worse(*w, *c)
                {
                    let word = if *op == Op::Above { "above" } else { "below" };
                    return Err(invalid(
                        "critical",
                        format!(
                            "critical ({c}) must not be less severe than warning ({w}); the problem is a value {word} the level."
                        ),
                    ));
                }
                let first = warning.or(*critical).expect("one level is set");
                if let Some(x) = clear
                    && worse(*x, first)
                {
                    return Err(invalid(
                        "clear",
                        format!("clear ({x}) must be on the healthy side of the first level ({first})."),
                    ));
                }
                if subject.chars().count() > 200 || subject.chars().any(char::is_control) {
                    return Err(invalid(
                        "subject",
                        "subject must be at most 200 characters, without control characters.",
                    ));
                }
                Ok(())
            }
            Condition::DiskForecast { window_hours, warning_days, critical_days } => {
                if !(6..=24 * 90).contains(window_hours) {
                    return Err(invalid("window_hours", "window_hours must be between 6 and 2160 (90 days)."));
                }
                days_levels(*warning_days, *critical_days)
            }
            Condition::SecurityUpdates { warning_days, critical_days } => {
                days_levels(*warning_days, *critical_days)?;
                match (warning_days, critical_days) {
                    (Some(w), Some(c)) if c < w => {
                        Err(invalid("critical_days", "critical_days must not be fewer than warning_days."))
                    }
                    _ => Ok(()),
                }
            }
            Condition::Process { name, .. } | Condition::Service { name, .. } => {
                let ok = !name.is_empty()
                    && name.len() <= 100
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.@:+".contains(c));
                if ok {
                    Ok(())
                } else {
                    Err(invalid(
                        "name",
                        format!(
                            "{name:?} is not a process or service name (letters, digits and - _ . @ : +, at most 100)."
                        ),
                    ))
                }
            }
            Condition::Offline { .. } | Condition::Smart | Condition::SpoolDropped { .. } => Ok(()),
        }
    }

    /// The readings of one report's metrics, per subject; `None` when this condition does not
    /// read metrics (it is evaluated from something else).
    pub fn read_metrics(&self, m: &Metrics) -> Option<Vec<(String, Reading)>> {
        match self {
            Condition::Threshold { metric, op, warning, critical, clear, subject } => {
                let levels = Levels { op: *op, warning: *warning, critical: *critical, clear: *clear };
                let points = series::points(m);
                Some(
                    points
                        .into_iter()
                        .filter(|p| p.metric == metric && (subject.is_empty() || p.subject == *subject))
                        .map(|p| {
                            let r = levels.read(p.value, |v, t| describe(metric, &p.subject, v, t));
                            (p.subject, r)
                        })
                        .collect(),
                )
            }
            Condition::Process { name, severity } | Condition::Service { name, severity } => {
                let kind = if matches!(self, Condition::Process { .. }) { "process" } else { "service" };
                // Until the agent has been told to watch it, it reports nothing: no verdict.
                let w = m.watched.iter().find(|w| w.kind == kind && w.name == *name)?;
                let r = if w.running {
                    Reading::clear(format!("{kind} {name} is running"))
                } else {
                    let what = if kind == "service" { "is not active" } else { "is not running" };
                    Reading {
                        crossed: Some(*severity),
                        clear: false,
                        value: None,
                        threshold: None,
                        summary: format!("{kind} {name} {what}"),
                    }
                };
                Some(vec![(String::new(), r)])
            }
            _ => None,
        }
    }

    /// The reading for a device going offline (`false`) or checking in (`true`).
    pub fn read_online(&self, online: bool, offline_after_secs: i64) -> Option<Reading> {
        let Condition::Offline { severity } = self else { return None };
        Some(if online {
            Reading::clear("the device checks in again".into())
        } else {
            Reading {
                crossed: Some(*severity),
                clear: false,
                value: None,
                threshold: None,
                summary: format!("no check-in for {}", crate::config::HumanDuration::secs(offline_after_secs as u64)),
            }
        })
    }

    /// The reading of reports dropped by the agent's full spool, told with a check-in.
    pub fn read_dropped(&self, dropped: u64) -> Option<Reading> {
        let Condition::SpoolDropped { severity } = self else { return None };
        Some(if dropped == 0 {
            Reading::clear("the agent's spool is delivering everything".into())
        } else {
            Reading {
                crossed: Some(*severity),
                clear: false,
                value: Some(dropped as f64),
                threshold: Some(0.0),
                summary: format!("the agent's spool was full and dropped {dropped} reports: history is missing"),
            }
        })
    }

    /// The reading of security updates pending since `since` (unix seconds), or none pending.
    pub fn read_security(&self, since: Option<i64>, count: u32, now: i64) -> Option<Reading> {
        let Condition::SecurityUpdates { warning_days, critical_days } = self else { return None };
        let Some(since) = since.filter(|_| count > 0) else {
            return Some(Reading::clear("no security updates pending".into()));
        };
        let days = (now - since).max(0) as f64 / 86_400.0;
        let levels = Levels { op: Op::Above, warning: *warning_days, critical: *critical_days, clear: None };
        Some(levels.read(days, |d, t| format!("{count} security updates pending for {d:.0} days (limit {t:.0} days)")))
    }

    /// The reading of a disk-full forecast: `days` until full (`None`: not filling).
    pub fn read_forecast(&self, mount: &str, days: Option<f64>) -> Option<Reading> {
        let Condition::DiskForecast { warning_days, critical_days, .. } = self else { return None };
        let Some(days) = days else {
            return Some(Reading::clear(format!("{mount} is not filling up")));
        };
        let levels = Levels { op: Op::Below, warning: *warning_days, critical: *critical_days, clear: None };
        Some(
            levels
                .read(days, |d, t| format!("disk {mount} full in {d:.1} days at its current rate (limit {t:.0} days)")),
        )
    }

    /// The readings of a SMART report, one per disk (subject: serial, else device name).
    /// `previous` gives the last reading of a disk by subject, to tell rising counters.
    pub fn read_smart<'a>(
        &self,
        disks: &'a [SmartDisk],
        previous: impl Fn(&str) -> Option<SmartDisk>,
    ) -> Option<Vec<(String, Reading, &'a SmartDisk)>> {
        let Condition::Smart = self else { return None };
        Some(
            disks
                .iter()
                .map(|d| {
                    let subject = smart_subject(d);
                    let before = previous(&subject);
                    let findings = disk_health::assess(d, before.as_ref());
                    let worst = findings.iter().map(|f| f.severity).max();
                    let summary = if findings.is_empty() {
                        format!("{} is healthy", d.device)
                    } else {
                        findings.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("; ")
                    };
                    let r = Reading { crossed: worst, clear: worst.is_none(), value: None, threshold: None, summary };
                    (subject, r, d)
                })
                .collect(),
        )
    }
}

/// The subject a SMART disk is known by: its serial survives renaming (sda becoming sdb).
pub fn smart_subject(d: &SmartDisk) -> String {
    if d.serial.is_empty() { d.device.clone() } else { d.serial.clone() }
}

fn days_levels(warning: Option<f64>, critical: Option<f64>) -> Result<(), Invalid> {
    for (field, v) in [("warning_days", warning), ("critical_days", critical)] {
        if v.is_some_and(|x| !x.is_finite() || !(0.0..=3650.0).contains(&x)) {
            return Err(invalid(field, format!("{field} must be between 0 and 3650.")));
        }
    }
    if warning.is_none() && critical.is_none() {
        return Err(invalid("warning_days", "set warning_days, critical_days, or both."));
    }
    Ok(())
}

impl Reading {
    fn clear(summary: String) -> Reading {
        Reading { crossed: None, clear: true, value: None, threshold: None, summary }
    }
}

/// A threshold's levels.
#[derive(Debug, Clone, Copy)]
struct Levels {
    op: Op,
    warning: Option<f64>,
    critical: Option<f64>,
    clear: Option<f64>,
}

impl Levels {
    fn read(&self, v: f64, describe: impl Fn(f64, f64) -> String) -> Reading {
        let beyond = |level: f64| if self.op == Op::Above { v > level } else { v < level };
        let crossed = if self.critical.is_some_and(beyond) {
            Some(Severity::Critical)
        } else if self.warning.is_some_and(beyond) {
            Some(Severity::Warning)
        } else {
            None
        };
        let clear = match self.clear {
            Some(c) => !beyond(c) && v != c,
            None => crossed.is_none(),
        };
        let threshold = match crossed {
            Some(Severity::Critical) => self.critical,
            _ => self.warning.or(self.critical),
        };
        let summary = describe(v, threshold.unwrap_or(f64::NAN));
        Reading { crossed, clear: clear && crossed.is_none(), value: Some(v), threshold, summary }
    }
}

/// "disk / at 96.2 % (above 95 %)".
fn describe(metric: &str, subject: &str, value: f64, threshold: f64) -> String {
    let what = match metric {
        series::CPU_PCT => "CPU".to_owned(),
        series::MEM_USED_PCT => "memory".to_owned(),
        series::SWAP_USED_PCT => "swap".to_owned(),
        series::LOAD_PER_CORE => "load per core".to_owned(),
        series::LOAD1 | series::LOAD5 | series::LOAD15 => format!("load ({metric})"),
        series::DISK_USED_PCT | series::DISK_USED_BYTES => format!("disk {subject} used"),
        series::DISK_FREE_BYTES => format!("disk {subject} free"),
        series::NET_RX_BPS => format!("{subject} receiving"),
        series::NET_TX_BPS => format!("{subject} sending"),
        series::TEMP_C => format!("temperature {subject}"),
        _ => format!("{metric} {subject}"),
    };
    format!("{what} at {} (threshold {})", format_value(metric, value), format_value(metric, threshold))
}

/// A value with its unit, as people read it.
pub fn format_value(metric: &str, v: f64) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let bytes = |v: f64, suffix: &str| {
        let units = ["B", "KB", "MB", "GB", "TB", "PB"];
        let mut x = v;
        let mut i = 0;
        while x.abs() >= 1000.0 && i < units.len() - 1 {
            x /= 1000.0;
            i += 1;
        }
        format!("{x:.1} {}{suffix}", units[i])
    };
    match metric {
        m if is_percent(m) => format!("{v:.1} %"),
        series::DISK_USED_BYTES | series::DISK_FREE_BYTES => bytes(v, ""),
        series::NET_RX_BPS | series::NET_TX_BPS => bytes(v, "/s"),
        series::TEMP_C => format!("{v:.0} °C"),
        _ => format!("{v:.2}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Filesystem, Watched};
    use crate::rules::eval::{KeyState, Timing, Transition};

    fn disk_rule() -> Condition {
        serde_json::from_str(r#"{"kind":"threshold","metric":"disk_used_pct","warning":90,"critical":95,"clear":85}"#)
            .unwrap()
    }

    fn metrics(used_pct: f64) -> Metrics {
        Metrics {
            filesystems: vec![
                Filesystem {
                    mount: "/".into(),
                    used_bytes: used_pct as u64,
                    available_bytes: 100 - used_pct as u64,
                    total_bytes: 100,
                    ..Default::default()
                },
                Filesystem {
                    mount: "/boot".into(),
                    used_bytes: 10,
                    available_bytes: 90,
                    total_bytes: 100,
                    ..Default::default()
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn a_threshold_reads_every_subject_of_its_metric() {
        let r = disk_rule().read_metrics(&metrics(96.0)).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].0, "/");
        assert_eq!(r[0].1.crossed, Some(Severity::Critical));
        assert_eq!(r[0].1.threshold, Some(95.0));
        assert_eq!(r[0].1.summary, "disk / used at 96.0 % (threshold 95.0 %)");
        assert_eq!(r[1].1.crossed, None);
        assert!(r[1].1.clear);
        // Between the clear level and the warning level: not crossed, not clear either.
        let between = &disk_rule().read_metrics(&metrics(88.0)).unwrap()[0].1;
        assert_eq!((between.crossed, between.clear), (None, false));
    }

    #[test]
    fn levels_that_make_no_sense_are_refused_naming_the_field() {
        let bad = |json: &str| serde_json::from_str::<Condition>(json).unwrap().validate().unwrap_err().field;
        assert_eq!(bad(r#"{"kind":"threshold","metric":"nope","warning":1}"#), "metric");
        assert_eq!(bad(r#"{"kind":"threshold","metric":"cpu_pct"}"#), "warning");
        assert_eq!(bad(r#"{"kind":"threshold","metric":"cpu_pct","warning":120}"#), "warning");
        assert_eq!(bad(r#"{"kind":"threshold","metric":"cpu_pct","warning":90,"critical":80}"#), "critical");
        assert_eq!(bad(r#"{"kind":"threshold","metric":"cpu_pct","warning":90,"clear":95}"#), "clear");
        assert_eq!(
            bad(r#"{"kind":"threshold","metric":"disk_free_bytes","op":"below","warning":10,"critical":20}"#),
            "critical"
        );
        assert_eq!(bad(r#"{"kind":"process","name":"rm -rf"}"#), "name");
        assert_eq!(bad(r#"{"kind":"disk_forecast","warning_days":7,"window_hours":1}"#), "window_hours");
        assert_eq!(bad(r#"{"kind":"security_updates"}"#), "warning_days");
        assert!(
            serde_json::from_str::<Condition>(r#"{"kind":"threshold","metric":"cpu_pct","warning":1,"bogus":1}"#)
                .is_err()
        );
        disk_rule().validate().unwrap();
    }

    #[test]
    fn free_space_below_a_level_is_the_problem() {
        let c: Condition = serde_json::from_str(
            r#"{"kind":"threshold","metric":"disk_free_bytes","op":"below","warning":20,"critical":5}"#,
        )
        .unwrap();
        c.validate().unwrap();
        let r = c.read_metrics(&metrics(97.0)).unwrap(); // 3 bytes free on "/"
        assert_eq!(r[0].1.crossed, Some(Severity::Critical));
        assert_eq!(r[1].1.crossed, None);
    }

    #[test]
    fn watched_processes_and_services_read_only_once_the_agent_reports_them() {
        let c = Condition::Service { name: "nginx".into(), severity: Severity::Critical };
        assert_eq!(c.read_metrics(&Metrics::default()), None);
        let mut m = Metrics::default();
        m.watched.push(Watched { kind: "service".into(), name: "nginx".into(), running: false });
        let r = c.read_metrics(&m).unwrap();
        assert_eq!(r[0].1.crossed, Some(Severity::Critical));
        assert_eq!(r[0].1.summary, "service nginx is not active");
        m.watched[0].running = true;
        assert!(c.read_metrics(&m).unwrap()[0].1.clear);
    }

    #[test]
    fn security_updates_alert_by_how_long_they_have_waited() {
        let c = Condition::SecurityUpdates { warning_days: Some(14.0), critical_days: Some(30.0) };
        let day = 86_400;
        assert_eq!(c.read_security(Some(0), 3, 10 * day).unwrap().crossed, None);
        assert_eq!(c.read_security(Some(0), 3, 15 * day).unwrap().crossed, Some(Severity::Warning));
        assert_eq!(c.read_security(Some(0), 3, 31 * day).unwrap().crossed, Some(Severity::Critical));
        assert!(c.read_security(None, 0, 31 * day).unwrap().clear);
    }

    /// The forecast rule on the series a disk would report: a linear fill alerts when the
    /// days left drop under the level, a flat or shrinking disk never does.
    #[test]
    fn forecast_alerts_on_a_filling_disk_only() {
        let c = Condition::DiskForecast { window_hours: 72, warning_days: Some(7.0), critical_days: Some(2.0) };
        let day = 86_400;
        let gb = 1e9;
        let filling = |rate_gb_per_day: f64, start_used: f64| -> Vec<(i64, f64)> {
            (0..72 * 12).map(|i| (i * 300, start_used + rate_gb_per_day * gb * (i * 300) as f64 / day as f64)).collect()
        };
        let timing = Timing { hold: 0, clear_hold: 0 };
        // 100 GB disk at ~87.5 GB after 3 days, filling 2.5 GB/day: 5 days left.
        let s = filling(2.5, 80.0 * gb);
        let truth = (100.0 * gb - s.last().unwrap().1) / (2.5 * gb);
        let days = crate::rules::forecast::days_until_full(&s, 100.0 * gb);
        assert!((days.unwrap() - truth).abs() / truth < 0.05);
        let r = c.read_forecast("/", days).unwrap();
        assert_eq!(r.crossed, Some(Severity::Warning), "{r:?}");
        let mut state = KeyState::default();
        assert_eq!(state.step(Some(&r), 0, timing, false), Some(Transition::Open(Severity::Warning)));
        // Flat and shrinking: no forecast, no alert.
        for rate in [0.0, -1.0] {
            let days = crate::rules::forecast::days_until_full(&filling(rate, 80.0 * gb), 100.0 * gb);
            let r = c.read_forecast("/", days).unwrap();
            assert_eq!(r.crossed, None);
            assert!(r.clear);
        }
    }

    #[test]
    fn smart_readings_use_the_recorded_outputs() {
        let c = Condition::Smart;
        let load = |name: &str| {
            let text =
                std::fs::read_to_string(format!("{}/tests/data/smart/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
            crate::agent::collect::parse_smartctl(&serde_json::from_str(&text).unwrap()).unwrap()
        };
        let healthy = load("smart-nvme.json");
        let r = c.read_smart(std::slice::from_ref(&healthy), |_| None).unwrap();
        assert_eq!(r[0].1.crossed, None, "{}", r[0].1.summary);
        let failed = load("smart-fail2.json");
        let r = c.read_smart(std::slice::from_ref(&failed), |_| None).unwrap();
        assert_eq!(r[0].1.crossed, Some(Severity::Critical), "{}", r[0].1.summary);
    }

    /// The offline rule as the timer drives it: offline readings at each tick, due when the hold ends.
    #[test]
    fn offline_fires_when_its_hold_runs_out_and_resolves_on_the_next_check_in() {
        let c = Condition::Offline { severity: Severity::Critical };
        let timing = Timing { hold: 300, clear_hold: 0 };
        let off = c.read_online(false, 180).unwrap();
        assert_eq!(off.summary, "no check-in for 3m");
        let mut s = KeyState::default();
        assert_eq!(s.step(Some(&off), 1000, timing, false), None);
        assert_eq!(s.hold_due(timing), Some(1300), "the timer is told when to look again");
        assert_eq!(s.step(Some(&off), 1299, timing, false), None);
        assert_eq!(s.step(Some(&off), 1300, timing, false), Some(Transition::Open(Severity::Critical)));
        assert_eq!(s.hold_due(timing), None, "nothing left for the timer");
        let back = c.read_online(true, 180).unwrap();
        assert_eq!(s.step(Some(&back), 1400, timing, false), Some(Transition::Resolve));
        // With no hold (the shipped rule), it fires at the first offline reading.
        let mut s = KeyState::default();
        assert_eq!(s.step(Some(&off), 1000, Timing::default(), false), Some(Transition::Open(Severity::Critical)));
    }

    #[test]
    fn values_are_shown_with_their_units() {
        assert_eq!(format_value("disk_used_pct", 96.24), "96.2 %");
        assert_eq!(format_value("disk_free_bytes", 12_345_678_900.0), "12.3 GB");
        assert_eq!(format_value("net_rx_bps", 1_500_000.0), "1.5 MB/s");
        assert_eq!(format_value("temp_c", 71.4), "71 °C");
        assert_eq!(format_value("load_per_core", 2.1), "2.10");
    }
}
