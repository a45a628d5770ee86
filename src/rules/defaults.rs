//! The rules a fresh install ships with: what most MSPs would set up on day one. All of them are
//! ordinary rules afterwards, to edit, scope, override or disable.

use super::condition::{Condition, Op};
use super::scope::Scope;
use super::{Rule, Severity, TicketPolicy};

const MIN: i64 = 60;
const DAY: i64 = 86_400;

/// The shipped rules, by their stable `builtin` key.
pub fn rules() -> Vec<Rule> {
    let rule = |key: &str, name: &str, condition: Condition, hold: i64, clear_hold: i64, renotify: i64| Rule {
        id: 0,
        name: name.to_owned(),
        enabled: true,
        scope: Scope::Global,
        condition,
        hold_secs: hold,
        clear_hold_secs: clear_hold,
        renotify_secs: renotify,
        builtin: Some(key.to_owned()),
        // A workstation switched off for the night is worth a notice, not a ticket.
        tickets: if key == "device-offline" { TicketPolicy::Never } else { TicketPolicy::Default },
    };
    let threshold =
        |metric: &str, warning: Option<f64>, critical: Option<f64>, clear: Option<f64>| Condition::Threshold {
            metric: metric.to_owned(),
            op: Op::Above,
            warning,
            critical,
            clear,
            subject: String::new(),
        };
    vec![
        // Fires the moment `[monitoring] offline_after` marks the device offline: that setting
        // is the hold.
        rule("device-offline", "Device offline", Condition::Offline { severity: Severity::Warning }, 0, 0, 0),
        rule(
            "disk-full",
            "Disk almost full",
            threshold("disk_used_pct", Some(90.0), Some(95.0), Some(88.0)),
            10 * MIN,
            5 * MIN,
            DAY,
        ),
        rule(
            "disk-forecast",
            "Disk full within 7 days",
            Condition::DiskForecast { window_hours: 72, warning_days: Some(7.0), critical_days: Some(2.0) },
            0,
            6 * 3600,
            DAY,
        ),
        rule(
            "memory-high",
            "Memory nearly exhausted",
            threshold("mem_used_pct", None, Some(95.0), Some(90.0)),
            15 * MIN,
            5 * MIN,
            0,
        ),
        rule("cpu-high", "CPU saturated", threshold("cpu_pct", None, Some(95.0), Some(85.0)), 15 * MIN, 5 * MIN, 0),
        rule("smart", "Disk failing (SMART)", Condition::Smart, 0, 0, DAY),
        rule(
            "security-updates",
            "Security updates pending over 14 days",
            Condition::SecurityUpdates { warning_days: Some(14.0), critical_days: Some(30.0) },
            0,
            0,
            7 * DAY,
        ),
        rule(
            "spool-dropped",
            "Agent lost reports (spool full)",
            Condition::SpoolDropped { severity: Severity::Warning },
            0,
            3600,
            0,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_is_valid_and_of_its_own_kind() {
        let rules = rules();
        let mut kinds = std::collections::HashSet::new();
        for r in &rules {
            r.condition.validate().unwrap_or_else(|e| panic!("{}: {e:?}", r.name));
            assert!(kinds.insert(r.condition.kind_key()), "two defaults of kind {}", r.condition.kind_key());
        }
        let disk = rules.iter().find(|r| r.builtin.as_deref() == Some("disk-full")).unwrap();
        assert_eq!(disk.hold_secs, 600, "disk > 90 % for 10 minutes");
    }
}
