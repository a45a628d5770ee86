//! The state machine behind every alert: one per (rule, device, subject). Pure; the engine feeds
//! it readings and stores what it returns.
//!
//! - **Hold**: a level fires only when the condition has held for the whole hold time, measured
//!   from the first reading that crossed it; one reading below resets the clock.
//! - **Hysteresis**: once firing, the alert resolves only when readings are on the clear side of
//!   the clear level (which may sit below the warning level) for the whole clear hold. Between the
//!   two levels it stays as it is.
//! - **Flapping**: a key that fires again within `FLAP_WINDOW` of resolving reopens the same
//!   alert, marked flapping, and from then on resolves only after `FLAP_WINDOW` of calm (or the
//!   clear hold, if longer). So a signal that crosses the line at every check-in makes one alert.
//! - **Silence** (maintenance): nothing new fires and no hold runs; a firing alert may still
//!   resolve. When the silence ends, holds start from scratch: what is still wrong is judged fresh.

use serde::{Deserialize, Serialize};

use super::Severity;

/// How long after resolving a re-fire counts as the same, flapping problem; and how long a
/// flapping alert must stay calm before it resolves.
pub const FLAP_WINDOW: i64 = 3600;

/// What one reading says about one subject.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// The worst level the reading crosses, if any.
    pub crossed: Option<Severity>,
    /// The reading is on the clear side of the clear level (always true when nothing is crossed
    /// and no separate clear level is set).
    pub clear: bool,
    pub value: Option<f64>,
    /// The level crossed, or the warning level when none is.
    pub threshold: Option<f64>,
    /// A sentence, e.g. "disk / at 96.2 % (critical above 95 %)".
    pub summary: String,
}

/// A rule's timing.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Timing {
    pub hold: i64,
    pub clear_hold: i64,
}

/// Where one (rule, device, subject) stands. The default value is "nothing going on", which the
/// engine does not store.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KeyState {
    /// Since when readings have crossed the warning level (or worse), unbroken.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warn_since: Option<i64>,
    /// Since when readings have crossed the critical level, unbroken.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crit_since: Option<i64>,
    /// Since when readings have been clear, unbroken, while firing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clear_since: Option<i64>,
    /// The severity of the open alert, if one is open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firing: Option<Severity>,
    /// The alert this key opened last (open, or resolved recently enough to reopen).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<i64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub flapping: bool,
    /// Whatever the condition needs to remember between readings (previous SMART counters, the
    /// last forecast); kept as is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memo: Option<serde_json::Value>,
}

/// What a step changed about the alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// A new alert at this severity.
    Open(Severity),
    /// The recently resolved alert opens again (flapping) at this severity.
    Reopen(Severity),
    /// The open alert's severity changed.
    Severity(Severity),
    Resolve,
}

impl KeyState {
    /// Whether there is nothing worth storing.
    pub fn is_idle(&self, now: i64) -> bool {
        self.warn_since.is_none()
            && self.crit_since.is_none()
            && self.firing.is_none()
            && self.memo.is_none()
            && self.resolved_at.is_none_or(|t| now - t >= FLAP_WINDOW)
    }

    /// When a running hold would complete without a new reading changing it, if one is running.
    pub fn hold_due(&self, timing: Timing) -> Option<i64> {
        // The warning clock always runs when the critical one does, and started no later.
        let since = match self.firing {
            None => self.warn_since,
            Some(Severity::Warning) => self.crit_since,
            Some(Severity::Critical) => None,
        }?;
        Some(since + timing.hold)
    }

    /// Takes one reading (`None`: the subject was not reported, e.g. a disk unmounted) at `now`.
    pub fn step(&mut self, reading: Option<&Reading>, now: i64, timing: Timing, silenced: bool) -> Option<Transition> {
        let Some(r) = reading else {
            self.warn_since = None;
            self.crit_since = None;
            return self.firing.is_some().then(|| self.resolve(now));
        };
        // Hold clocks: a level's clock runs while readings cross it, unbroken, and not in silence.
        let crossed = if silenced { None } else { r.crossed };
        self.warn_since = match crossed {
            Some(_) => Some(self.warn_since.unwrap_or(now)),
            None => None,
        };
        self.crit_since = match crossed {
            Some(Severity::Critical) => Some(self.crit_since.unwrap_or(now)),
            _ => None,
        };
        let held = |since: Option<i64>| since.is_some_and(|s| now - s >= timing.hold);
        let due = if held(self.crit_since) {
            Some(Severity::Critical)
        } else if held(self.warn_since) {
            Some(Severity::Warning)
        } else {
            None
        };

        match self.firing {
            None => {
                let severity = due?;
                self.firing = Some(severity);
                self.clear_since = None;
                let recently = self.alert_id.is_some() && self.resolved_at.is_some_and(|t| now - t < FLAP_WINDOW);
                self.resolved_at = None;
                if recently {
                    self.flapping = true;
                    Some(Transition::Reopen(severity))
                } else {
                    self.flapping = false;
                    self.alert_id = None;
                    Some(Transition::Open(severity))
                }
            }
            Some(current) => {
                if r.clear {
                    let since = *self.clear_since.get_or_insert(now);
                    let needed = if self.flapping { timing.clear_hold.max(FLAP_WINDOW) } else { timing.clear_hold };
                    return (now - since >= needed).then(|| self.resolve(now));
                }
                self.clear_since = None;
                // Not clear: at least a warning, worse when the critical level has held.
                let severity = match due {
                    Some(Severity::Critical) => Severity::Critical,
                    // Below critical now: step down only once the reading no longer crosses it.
                    _ if current == Severity::Critical && r.crossed == Some(Severity::Critical) => Severity::Critical,
                    _ => Severity::Warning,
                };
                if severity != current && !(silenced && severity > current) {
                    self.firing = Some(severity);
                    return Some(Transition::Severity(severity));
                }
                None
            }
        }
    }

    fn resolve(&mut self, now: i64) -> Transition {
        self.firing = None;
        self.clear_since = None;
        self.resolved_at = Some(now);
        Transition::Resolve
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Severity::*;

    /// A disk-style rule: warning above 90, critical above 95, clear below 85.
    fn disk(value: f64) -> Reading {
        let crossed = if value > 95.0 {
            Some(Critical)
        } else if value > 90.0 {
            Some(Warning)
        } else {
            None
        };
        Reading { crossed, clear: value < 85.0, value: Some(value), threshold: Some(90.0), summary: String::new() }
    }

    /// Feeds `values` one per `every` seconds from t=0; returns the transitions with their times.
    fn run(values: &[f64], every: i64, timing: Timing) -> Vec<(i64, Transition)> {
        let mut s = KeyState::default();
        let mut out = Vec::new();
        for (i, v) in values.iter().enumerate() {
            let t = i as i64 * every;
            if let Some(tr) = s.step(Some(&disk(*v)), t, timing, false) {
                if matches!(tr, Transition::Open(_)) {
                    s.alert_id = Some(1);
                }
                out.push((t, tr));
            }
        }
        out
    }

    const TEN_MIN: Timing = Timing { hold: 600, clear_hold: 0 };

    #[test]
    fn fires_only_after_the_condition_held_for_the_whole_hold() {
        let mut values = vec![92.0; 10]; // 0..540 s: not yet 10 minutes
        assert!(run(&values, 60, TEN_MIN).is_empty());
        values.push(92.0); // t = 600
        assert_eq!(run(&values, 60, TEN_MIN), vec![(600, Transition::Open(Warning))]);
    }

    #[test]
    fn one_reading_below_restarts_the_hold() {
        let mut values = vec![92.0; 9];
        values.push(80.0); // t = 540 breaks it
        values.extend([92.0; 10]); // 600..1140: 9 minutes since 600
        assert!(run(&values, 60, TEN_MIN).is_empty());
        values.push(92.0); // t = 1200: ten minutes since 600
        assert_eq!(run(&values, 60, TEN_MIN), vec![(1200, Transition::Open(Warning))]);
    }

    #[test]
    fn severity_rises_and_falls_in_place() {
        let t = Timing { hold: 0, clear_hold: 0 };
        let got = run(&[92.0, 97.0, 97.0, 93.0, 88.0, 80.0], 60, t);
        assert_eq!(
            got,
            vec![
                (0, Transition::Open(Warning)),
                (60, Transition::Severity(Critical)),
                (180, Transition::Severity(Warning)),
                (240 + 60, Transition::Resolve),
            ]
        );
    }

    #[test]
    fn hysteresis_keeps_it_open_between_the_clear_and_warning_levels() {
        let t = Timing { hold: 0, clear_hold: 0 };
        // 88 is below the warning level but above the clear level: still a problem.
        let got = run(&[92.0, 88.0, 87.0, 89.0, 86.0, 84.0], 60, t);
        assert_eq!(got, vec![(0, Transition::Open(Warning)), (300, Transition::Resolve)]);
    }

    #[test]
    fn recovery_waits_for_the_clear_hold() {
        let t = Timing { hold: 0, clear_hold: 300 };
        let got = run(&[92.0, 80.0, 80.0, 80.0, 80.0, 80.0, 80.0], 60, t);
        assert_eq!(got, vec![(0, Transition::Open(Warning)), (360, Transition::Resolve)]);
        // A relapse inside the clear hold starts the clear hold again.
        let got = run(&[92.0, 80.0, 80.0, 80.0, 92.0, 80.0, 80.0, 80.0, 80.0, 80.0, 80.0], 60, t);
        assert_eq!(got, vec![(0, Transition::Open(Warning)), (600, Transition::Resolve)]);
    }

    #[test]
    fn a_value_crossing_the_threshold_at_every_check_in_for_an_hour_makes_one_alert() {
        let values: Vec<f64> = (0..60).map(|i| if i % 2 == 0 { 97.0 } else { 50.0 }).collect();
        for timing in [Timing { hold: 0, clear_hold: 0 }, Timing { hold: 0, clear_hold: 120 }, TEN_MIN] {
            let got = run(&values, 60, timing);
            let opened = got.iter().filter(|(_, t)| matches!(t, Transition::Open(_))).count();
            assert!(opened <= 1, "{timing:?}: {got:?}");
            // Once it has reopened as flapping, it stays open for the rest of the hour.
            assert!(got.len() <= 3, "{timing:?}: {got:?}");
            if let Some(last) = got.last() {
                assert_ne!(last.1, Transition::Resolve, "{timing:?}: {got:?}");
            }
        }
    }

    #[test]
    fn a_flapping_alert_resolves_after_an_hour_of_calm() {
        let t = Timing { hold: 0, clear_hold: 0 };
        let mut values = vec![97.0, 50.0, 97.0];
        values.extend(std::iter::repeat_n(50.0, 61));
        let got = run(&values, 60, t);
        assert_eq!(
            got,
            vec![
                (0, Transition::Open(Critical)),
                (60, Transition::Resolve),
                (120, Transition::Reopen(Critical)),
                (180 + 3600, Transition::Resolve),
            ]
        );
    }

    #[test]
    fn silence_fires_nothing_and_holds_start_fresh_after_it() {
        let mut s = KeyState::default();
        // Full for 20 minutes inside a window: nothing.
        for i in 0..20 {
            assert_eq!(s.step(Some(&disk(97.0)), i * 60, TEN_MIN, true), None);
        }
        assert!(s.is_idle(20 * 60), "no hold runs in silence: {s:?}");
        // Out of the window the hold starts now, so it fires ten minutes later, not at once.
        assert_eq!(s.step(Some(&disk(97.0)), 1200, TEN_MIN, false), None);
        assert_eq!(s.step(Some(&disk(97.0)), 1740, TEN_MIN, false), None);
        assert_eq!(s.step(Some(&disk(97.0)), 1800, TEN_MIN, false), Some(Transition::Open(Critical)));
    }

    #[test]
    fn a_firing_alert_may_resolve_in_silence_but_not_escalate() {
        let t = Timing { hold: 0, clear_hold: 0 };
        let mut s = KeyState::default();
        assert_eq!(s.step(Some(&disk(92.0)), 0, t, false), Some(Transition::Open(Warning)));
        assert_eq!(s.step(Some(&disk(97.0)), 60, t, true), None);
        assert_eq!(s.step(Some(&disk(50.0)), 120, t, true), Some(Transition::Resolve));
    }

    #[test]
    fn a_subject_that_disappears_resolves_its_alert() {
        let t = Timing { hold: 0, clear_hold: 600 };
        let mut s = KeyState::default();
        assert_eq!(s.step(Some(&disk(97.0)), 0, t, false), Some(Transition::Open(Critical)));
        assert_eq!(s.step(None, 60, t, false), Some(Transition::Resolve));
        assert_eq!(s.step(None, 120, t, false), None);
    }

    #[test]
    fn the_state_survives_a_round_trip_through_json() {
        // A hold that ran 8 of 10 minutes before a restart completes 2 minutes after it.
        let mut s = KeyState::default();
        for i in 0..=8 {
            s.step(Some(&disk(92.0)), i * 60, TEN_MIN, false);
        }
        let stored = serde_json::to_string(&s).unwrap();
        let mut back: KeyState = serde_json::from_str(&stored).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.hold_due(TEN_MIN), Some(600));
        assert_eq!(back.step(Some(&disk(92.0)), 540, TEN_MIN, false), None);
        assert_eq!(back.step(Some(&disk(92.0)), 600, TEN_MIN, false), Some(Transition::Open(Warning)));
        assert_eq!(serde_json::to_string(&KeyState::default()).unwrap(), "{}");
    }
}
