//! Maintenance windows: when one is on, and whether it covers a device. Pure: every function
//! takes the time it asks about, so the engine, the API and the tests agree on what "now" is.
//!
//! A schedule is read in the window's own IANA time zone: "Sundays at 23:00" means 23:00 on the
//! wall clocks of the office being maintained, in winter and in summer. Occurrences are computed
//! on demand from the schedule (a few date computations, or one cron search), never stored.
//!
//! Daylight saving time, decided once for every kind of schedule:
//! - A start the clock skips (02:30 on the spring-forward night in Europe/Berlin) still happens,
//!   at the first instant that exists after the gap (03:00 summer time). Skipping the window
//!   would leave the night's patch run unsilenced; moving it earlier would start it before the
//!   person scheduled it. Cron patterns with a fixed time behave the same (croner's rule); those
//!   with wildcards in the skipped hour simply have no occurrence in it.
//! - A start the clock shows twice (02:30 on the fall-back night) happens once, the first time.
//!   A one-off window's end in that hour is taken the second time, so the window covers
//!   everything its wall-clock times could mean.
//! - `duration_minutes` is elapsed time: a 3-hour window is 3 real hours even on the night the
//!   clock changes, so it ends an hour later or earlier on the wall clock than on other nights.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

use super::scope::{DeviceFacts, Scope};

/// Longest a weekly or cron occurrence may last: a week. Longer would overlap the next
/// occurrence of any weekly schedule, which is a window that never ends: better said as one.
pub const MAX_DURATION_MINUTES: u32 = 7 * 24 * 60;

/// Day names as schedules spell them, Monday first.
pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Merging occurrences that overlap or touch (for `current_or_next`) stops after this many, so
/// a schedule that is always on ("* * * * *" for a minute) answers at once.
const MERGE_LIMIT: usize = 64;

/// When a window is on, in the window's own time zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Schedule {
    /// From `starts` to `ends`, local date-times such as "2026-12-01T22:00".
    Once {
        /// Local date and time, e.g. 2026-12-01T22:00 (inclusive).
        #[schema(
            pattern = r"^(?:19|20)[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?$"
        )]
        starts: String,
        /// Local date and time after starts (exclusive).
        #[schema(
            pattern = r"^(?:19|20)[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?$"
        )]
        ends: String,
    },
    /// On the given days ("mon".."sun"), from `start` ("22:00") for `duration_minutes`.
    Weekly {
        #[schema(min_items = 1, value_type = Vec<WeekDay>)]
        days: Vec<String>,
        /// HH:MM, e.g. 22:00; a window may run past midnight and into the next week.
        #[schema(pattern = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$")]
        start: String,
        /// Real minutes, 1 to 10080 (7 days).
        #[schema(minimum = 1, maximum = 10080)]
        duration_minutes: u32,
    },
    /// From each time the cron expression matches, for `duration_minutes`.
    Cron {
        /// Five fields: minute hour day-of-month month day-of-week, e.g. "0 22 * * 1-5".
        expression: String,
        /// Real minutes, 1 to 10080 (7 days).
        #[schema(minimum = 1, maximum = 10080)]
        duration_minutes: u32,
    },
}

/// A day of a weekly schedule (the description's name for `DAYS`).
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum WeekDay {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

/// A window as the engine keeps it in memory.
#[derive(Debug, Clone)]
pub struct Window {
    pub id: i64,
    pub name: String,
    pub scope: Scope,
    pub schedule: Schedule,
    pub timezone: String,
    pub enabled: bool,
}

impl Window {
    /// Whether the schedule has an occurrence in progress at `now` (unix seconds). Says nothing
    /// about `enabled` or the scope; `covers` asks all three. A schedule that does not validate
    /// (which the API never stores) is never on.
    pub fn is_active(&self, now: i64) -> bool {
        Plan::compile(&self.schedule, &self.timezone).is_ok_and(|p| p.covering(now).is_some())
    }

    /// Whether the window silences `device` at `now`: enabled, in scope, and on.
    pub fn covers(&self, device: &DeviceFacts, now: i64) -> bool {
        self.enabled && self.scope.matches(device) && self.is_active(now)
    }

    /// The occurrence in progress at `now`, else the next one, as (start, end) unix seconds with
    /// the end exclusive. Following occurrences that overlap or touch it are merged in, so the end
    /// is when the maintenance really stops. `None` when nothing is in progress or to come.
    pub fn current_or_next(&self, now: i64) -> Option<(i64, i64)> {
        let plan = Plan::compile(&self.schedule, &self.timezone).ok()?;
        let start = match plan.covering(now) {
            Some(start) => start,
            None => plan.next_start(now)?,
        };
        let mut end = plan.end_of(start)?;
        let mut cursor = start;
        for _ in 0..MERGE_LIMIT {
            match plan.next_start(cursor) {
                Some(next) if next <= end => {
                    end = end.max(plan.end_of(next)?);
                    cursor = next;
                }
                _ => break,
            }
        }
        Some((start, end))
    }
}

impl Schedule {
    /// The stored form: day names lower case, each once, in week order; texts trimmed. Call it
    /// before `check`, so "Mon" and "mon " are accepted and stored as "mon".
    pub fn normalized(self) -> Schedule {
        match self {
            Schedule::Once { starts, ends } => {
                Schedule::Once { starts: starts.trim().into(), ends: ends.trim().into() }
            }
            Schedule::Weekly { days, start, duration_minutes } => {
                let wanted: Vec<String> = days.iter().map(|d| d.trim().to_lowercase()).collect();
                let mut out: Vec<String> =
                    DAYS.iter().filter(|d| wanted.iter().any(|w| w == *d)).map(|d| d.to_string()).collect();
                // Names that are not days stay, so `check` can say which one is wrong.
                out.extend(wanted.into_iter().filter(|w| !DAYS.contains(&w.as_str())));
                Schedule::Weekly { days: out, start: start.trim().into(), duration_minutes }
            }
            Schedule::Cron { expression, duration_minutes } => Schedule::Cron {
                expression: expression.split_whitespace().collect::<Vec<_>>().join(" "),
                duration_minutes,
            },
        }
    }
}

/// What is wrong with a schedule, and which request field (as the API names it) holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleError {
    /// `timezone` or `schedule.<field>`, e.g. `schedule.days`.
    pub field: &'static str,
    /// A sentence that names the field.
    pub message: String,
}

impl std::fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Checks a schedule and its time zone, the field apart for the API's `detail.field`: a cron
/// expression must still match at least once after `now`.
pub fn check(schedule: &Schedule, timezone: &str, now: i64) -> Result<(), ScheduleError> {
    let plan = Plan::compile(schedule, timezone)?;
    if let Plan::Cron { .. } = plan
        && plan.next_start(now).is_none()
    {
        return Err(bad(
            "schedule.expression",
            "schedule.expression never matches a date to come (is it a day that does not exist, such as 30 February?).",
        ));
    }
    Ok(())
}

fn bad(field: &'static str, message: impl Into<String>) -> ScheduleError {
    ScheduleError { field, message: message.into() }
}

/// A schedule checked and turned into what computing occurrences needs.
enum Plan {
    Once { starts: i64, ends: i64 },
    Weekly { days: [bool; 7], start: Time, length: i64, tz: TimeZone },
    Cron { cron: Box<croner::Cron>, length: i64, tz: TimeZone },
}

impl Plan {
    fn compile(schedule: &Schedule, timezone: &str) -> Result<Plan, ScheduleError> {
        let tz = TimeZone::get(timezone.trim()).map_err(|_| {
            bad("timezone", format!("timezone {timezone:?} is not a time zone name such as \"Europe/Berlin\"."))
        })?;
        match schedule {
            Schedule::Once { starts: starts_text, ends: ends_text } => {
                let s = local_date_time("schedule.starts", starts_text)?;
                let e = local_date_time("schedule.ends", ends_text)?;
                let starts = resolve(&tz, s, Fold::First).ok_or_else(|| {
                    bad("schedule.starts", "schedule.starts is outside the years this server handles.")
                })?;
                let ends = resolve(&tz, e, Fold::Second)
                    .ok_or_else(|| bad("schedule.ends", "schedule.ends is outside the years this server handles."))?;
                if ends <= starts {
                    return Err(bad(
                        "schedule.ends",
                        format!("schedule.ends ({ends_text:?}) must be after schedule.starts ({starts_text:?})."),
                    ));
                }
                Ok(Plan::Once { starts, ends })
            }
            Schedule::Weekly { days, start, duration_minutes } => {
                if days.is_empty() {
                    return Err(bad("schedule.days", "schedule.days must name at least one day, such as [\"sun\"]."));
                }
                let mut set = [false; 7];
                for day in days {
                    let i = DAYS.iter().position(|d| d.eq_ignore_ascii_case(day.trim())).ok_or_else(|| {
                        bad(
                            "schedule.days",
                            format!("schedule.days has {day:?}, which is not a day: use mon, tue, wed, thu, fri, sat or sun."),
                        )
                    })?;
                    set[i] = true;
                }
                let start = time_of_day(start)?;
                let length = length("schedule.duration_minutes", *duration_minutes)?;
                Ok(Plan::Weekly { days: set, start, length, tz })
            }
            Schedule::Cron { expression, duration_minutes } => {
                let cron = croner::parser::CronParser::builder()
                    .seconds(croner::parser::Seconds::Disallowed)
                    .year(croner::parser::Year::Disallowed)
                    .build()
                    .parse(expression)
                    .map_err(|e| {
                        bad(
                            "schedule.expression",
                            format!(
                                "schedule.expression {expression:?} is not a cron expression of five fields \
                                 (minute hour day-of-month month day-of-week, such as \"0 22 * * 0\"): {e}"
                            ),
                        )
                    })?;
                let length = length("schedule.duration_minutes", *duration_minutes)?;
                Ok(Plan::Cron { cron: Box::new(cron), length, tz })
            }
        }
    }

    /// How long an occurrence starting at `start` lasts.
    fn end_of(&self, start: i64) -> Option<i64> {
        match self {
            Plan::Once { starts, ends } => Some(start + (ends - starts)),
            Plan::Weekly { length, .. } | Plan::Cron { length, .. } => Some(start + length),
        }
    }

    /// The start of the occurrence in progress at `t`. All occurrences of a schedule last the
    /// same, so the one that started last has the latest end: if it is over, so are the others.
    fn covering(&self, t: i64) -> Option<i64> {
        let start = self.last_start(t)?;
        (t < self.end_of(start)?).then_some(start)
    }

    /// The latest occurrence start at or before `t`.
    fn last_start(&self, t: i64) -> Option<i64> {
        match self {
            Plan::Once { starts, .. } => (*starts <= t).then_some(*starts),
            Plan::Weekly { .. } => self.weekly_starts_near(t)?.into_iter().filter(|s| *s <= t).max(),
            Plan::Cron { cron, tz, .. } => {
                let z = Timestamp::from_second(t).ok()?.to_zoned(tz.clone());
                cron.find_previous_occurrence(&z, true).ok().map(|z| z.timestamp().as_second())
            }
        }
    }

    /// The earliest occurrence start after `t`.
    fn next_start(&self, t: i64) -> Option<i64> {
        match self {
            Plan::Once { starts, .. } => (*starts > t).then_some(*starts),
            Plan::Weekly { .. } => self.weekly_starts_near(t)?.into_iter().filter(|s| *s > t).min(),
            Plan::Cron { cron, tz, .. } => {
                let z = Timestamp::from_second(t).ok()?.to_zoned(tz.clone());
                cron.find_next_occurrence(&z, false).ok().map(|z| z.timestamp().as_second())
            }
        }
    }

    /// Weekly starts on the local dates from 8 days before `t` to 8 days after: every day of the
    /// week twice over, so both the last start before `t` and the next one after it are among them.
    fn weekly_starts_near(&self, t: i64) -> Option<Vec<i64>> {
        let Plan::Weekly { days, start, tz, .. } = self else { return None };
        let today = tz.to_datetime(Timestamp::from_second(t).ok()?).date();
        let starts = (-8i64..=8)
            .filter_map(|k| today.checked_add(k.days()).ok())
            .filter(|d: &Date| days[d.weekday().to_monday_zero_offset() as usize])
            .filter_map(|d| resolve(tz, d.to_datetime(*start), Fold::First))
            .collect();
        Some(starts)
    }
}

/// Which instant a wall-clock time shown twice (when the clock goes back) stands for.
#[derive(Clone, Copy)]
enum Fold {
    First,
    Second,
}

/// The instant (unix seconds) a local date-time names in `tz`. A time in a gap (the clock jumps
/// forward over it) becomes the first instant after the gap: the moment of the jump.
fn resolve(tz: &TimeZone, dt: DateTime, fold: Fold) -> Option<i64> {
    let ambiguous = tz.to_ambiguous_timestamp(dt);
    let ts = match (ambiguous.offset(), fold) {
        (AmbiguousOffset::Unambiguous { .. }, _) | (AmbiguousOffset::Fold { .. }, Fold::First) => {
            ambiguous.earlier().ok()?
        }
        (AmbiguousOffset::Fold { .. }, Fold::Second) => ambiguous.later().ok()?,
        (AmbiguousOffset::Gap { .. }, _) => {
            // Read with the offset after the jump, the time lies just before the jump; the
            // zone's next transition from there is the jump itself.
            let before_jump = ambiguous.earlier().ok()?;
            tz.following(before_jump).next()?.timestamp()
        }
    };
    Some(ts.as_second())
}

/// "2026-12-01T22:00" (or with ":SS"): a local date-time, without offset or zone.
fn local_date_time(field: &'static str, text: &str) -> Result<DateTime, ScheduleError> {
    let t = text.trim();
    let shape_ok = matches!(t.len(), 16 | 19)
        && t.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            _ => b.is_ascii_digit(),
        });
    let parsed = if shape_ok { t.parse::<DateTime>().ok() } else { None };
    parsed.ok_or_else(|| {
        bad(field, format!("{field} must be a local date and time such as \"2026-12-01T22:00\", not {text:?}."))
    })
}

/// "22:00": hours 00 to 23, minutes 00 to 59, two digits each.
fn time_of_day(text: &str) -> Result<Time, ScheduleError> {
    let t = text.trim().as_bytes();
    let digits = |a: u8, b: u8| (a.is_ascii_digit() && b.is_ascii_digit()).then(|| (a - b'0') * 10 + (b - b'0'));
    let parsed = match t {
        [h1, h2, b':', m1, m2] => match (digits(*h1, *h2), digits(*m1, *m2)) {
            (Some(h), Some(m)) if h < 24 && m < 60 => Time::new(h as i8, m as i8, 0, 0).ok(),
            _ => None,
        },
        _ => None,
    };
    parsed.ok_or_else(|| {
        bad(
            "schedule.start",
            format!("schedule.start must be a time of day as HH:MM, such as \"22:00\", not {text:?}."),
        )
    })
}

fn length(field: &'static str, minutes: u32) -> Result<i64, ScheduleError> {
    if minutes == 0 || minutes > MAX_DURATION_MINUTES {
        return Err(bad(
            field,
            format!("{field} must be between 1 and {MAX_DURATION_MINUTES} (7 days), not {minutes}."),
        ));
    }
    Ok(i64::from(minutes) * 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unix seconds of a local date-time in `zone`, read unambiguously (tests pick times that are).
    fn at(zone: &str, local: &str) -> i64 {
        let dt: DateTime = local.parse().unwrap();
        TimeZone::get(zone).unwrap().to_timestamp(dt).unwrap().as_second()
    }

    /// Unix seconds of a UTC time such as "2026-03-29T01:00".
    fn utc(text: &str) -> i64 {
        at("UTC", text)
    }

    fn window(schedule: Schedule, zone: &str) -> Window {
        Window {
            id: 1,
            name: "patch night".into(),
            scope: Scope::Global,
            schedule,
            timezone: zone.into(),
            enabled: true,
        }
    }

    fn weekly(days: &[&str], start: &str, minutes: u32, zone: &str) -> Window {
        let days = days.iter().map(|d| d.to_string()).collect();
        window(Schedule::Weekly { days, start: start.into(), duration_minutes: minutes }, zone)
    }

    fn cron(expression: &str, minutes: u32, zone: &str) -> Window {
        window(Schedule::Cron { expression: expression.into(), duration_minutes: minutes }, zone)
    }

    fn once(starts: &str, ends: &str, zone: &str) -> Window {
        window(Schedule::Once { starts: starts.into(), ends: ends.into() }, zone)
    }

    #[test]
    fn a_one_off_window_includes_its_start_and_excludes_its_end() {
        let w = once("2026-12-01T22:00", "2026-12-02T01:30", "Europe/Berlin");
        let start = at("Europe/Berlin", "2026-12-01T22:00");
        let end = at("Europe/Berlin", "2026-12-02T01:30");
        assert_eq!(start, utc("2026-12-01T21:00"), "Berlin is UTC+1 in December");
        assert!(!w.is_active(start - 1));
        assert!(w.is_active(start));
        assert!(w.is_active(end - 1));
        assert!(!w.is_active(end));
        assert_eq!(w.current_or_next(start - 3600), Some((start, end)), "next, before it");
        assert_eq!(w.current_or_next(start + 60), Some((start, end)), "current, during it");
        assert_eq!(w.current_or_next(end), None, "nothing after it");
    }

    #[test]
    fn a_weekly_window_crosses_midnight() {
        // Fridays 22:00 for 4 h: on until Saturday 02:00, not on Friday morning.
        let w = weekly(&["fri"], "22:00", 240, "Europe/Berlin");
        let berlin = |t| at("Europe/Berlin", t);
        assert!(!w.is_active(berlin("2026-06-05T21:59")), "2026-06-05 is a Friday");
        assert!(w.is_active(berlin("2026-06-05T22:00")));
        assert!(w.is_active(berlin("2026-06-06T01:59")));
        assert!(!w.is_active(berlin("2026-06-06T02:00")));
        assert!(!w.is_active(berlin("2026-06-05T01:00")), "Friday 01:00 follows Thursday, not Friday");
        assert_eq!(
            w.current_or_next(berlin("2026-06-06T03:00")),
            Some((berlin("2026-06-12T22:00"), berlin("2026-06-13T02:00"))),
            "after it ends, the next one is a week later"
        );
    }

    #[test]
    fn a_weekly_window_wraps_around_the_end_of_the_week() {
        // Sunday 23:00 for 3 h is still on at Monday 01:00.
        let w = weekly(&["sun"], "23:00", 180, "UTC");
        assert!(w.is_active(utc("2026-06-08T01:00")), "2026-06-08 is a Monday");
        assert!(!w.is_active(utc("2026-06-08T02:00")));
        assert!(!w.is_active(utc("2026-06-07T22:59")));
        assert_eq!(
            w.current_or_next(utc("2026-06-08T01:00")),
            Some((utc("2026-06-07T23:00"), utc("2026-06-08T02:00")))
        );
    }

    #[test]
    fn only_the_days_named_have_a_window() {
        let w = weekly(&["mon", "wed"], "09:00", 60, "UTC");
        assert!(w.is_active(utc("2026-06-08T09:30")), "Monday");
        assert!(!w.is_active(utc("2026-06-09T09:30")), "Tuesday");
        assert!(w.is_active(utc("2026-06-10T09:30")), "Wednesday");
        assert_eq!(w.current_or_next(utc("2026-06-08T10:00")).map(|o| o.0), Some(utc("2026-06-10T09:00")));
    }

    #[test]
    fn overlapping_occurrences_are_one_stretch_of_maintenance() {
        // Every day at 00:00 for 36 h: from Monday 00:00 it never stops until the days run out.
        let w = weekly(&["mon", "tue"], "00:00", 36 * 60, "UTC");
        let (start, end) = w.current_or_next(utc("2026-06-08T12:00")).unwrap();
        assert_eq!((start, end), (utc("2026-06-08T00:00"), utc("2026-06-10T12:00")), "Monday's merges with Tuesday's");
        assert!(w.is_active(utc("2026-06-10T11:59")));
        assert!(!w.is_active(utc("2026-06-10T12:00")));
    }

    #[test]
    fn spring_forward_in_berlin_moves_a_start_in_the_gap_to_the_first_valid_instant() {
        // 2026-03-29 (a Sunday): Berlin's clocks jump from 02:00 to 03:00 (01:00 UTC).
        let w = weekly(&["sun"], "02:30", 60, "Europe/Berlin");
        let jump = utc("2026-03-29T01:00");
        assert_eq!(w.current_or_next(utc("2026-03-28T12:00")), Some((jump, jump + 3600)));
        assert!(!w.is_active(jump - 1));
        assert!(w.is_active(jump), "03:00 summer time, the first instant after the gap");
        assert!(w.is_active(jump + 3599));
        assert!(!w.is_active(jump + 3600));
        // A week later it is 02:30 summer time again.
        assert_eq!(w.current_or_next(jump + 7200).map(|o| o.0), Some(utc("2026-04-05T00:30")));
    }

    #[test]
    fn fall_back_in_berlin_starts_once_at_the_first_of_the_two_times_and_lasts_real_time() {
        // 2026-10-25 (a Sunday): 03:00 summer time becomes 02:00 winter time; 02:30 happens twice.
        let w = weekly(&["sun"], "02:30", 180, "Europe/Berlin");
        let first = utc("2026-10-25T00:30"); // 02:30 CEST
        assert_eq!(w.current_or_next(utc("2026-10-24T12:00")), Some((first, first + 3 * 3600)));
        assert!(w.is_active(utc("2026-10-25T01:30")), "the second 02:30 is inside the same window");
        assert!(w.is_active(utc("2026-10-25T03:29")), "04:29 winter time: 3 real hours");
        assert!(!w.is_active(utc("2026-10-25T03:30")));
    }

    #[test]
    fn new_york_changes_its_clocks_on_other_dates_than_berlin() {
        // 2026-03-08: New York jumps from 02:00 to 03:00 EDT (07:00 UTC).
        let w = weekly(&["sun"], "02:15", 30, "America/New_York");
        let jump = utc("2026-03-08T07:00");
        assert_eq!(w.current_or_next(utc("2026-03-07T12:00")), Some((jump, jump + 1800)));
        // The week before, in standard time, it is 02:15 EST (07:15 UTC).
        assert!(w.is_active(utc("2026-03-01T07:15")));
        // 2026-11-01: 02:00 EDT becomes 01:00 EST; a 01:30 start happens once, at 01:30 EDT.
        let w = weekly(&["sun"], "01:30", 60, "America/New_York");
        let first = utc("2026-11-01T05:30");
        assert_eq!(w.current_or_next(utc("2026-10-31T12:00")), Some((first, first + 3600)));
        assert!(w.is_active(utc("2026-11-01T06:29")), "01:29 EST, still inside the first hour");
        assert!(!w.is_active(utc("2026-11-01T06:30")), "01:30 EST, the repeat, starts nothing");
        // The same local time lands on a different UTC hour in summer than in winter.
        assert!(w.is_active(utc("2026-07-05T05:30")), "01:30 EDT");
        assert!(w.is_active(utc("2026-12-06T06:30")), "01:30 EST");
        assert!(!w.is_active(utc("2026-12-06T05:30")));
    }

    #[test]
    fn a_one_off_window_across_a_clock_change_uses_real_instants() {
        // 01:00 to 04:00 on Berlin's spring-forward night is two real hours.
        let w = once("2026-03-29T01:00", "2026-03-29T04:00", "Europe/Berlin");
        assert_eq!(
            w.current_or_next(utc("2026-03-28T00:00")),
            Some((utc("2026-03-29T00:00"), utc("2026-03-29T02:00")))
        );
        // An end inside the repeated hour of fall-back is read the second time round.
        let w = once("2026-10-25T01:00", "2026-10-25T02:30", "Europe/Berlin");
        assert_eq!(
            w.current_or_next(utc("2026-10-24T00:00")),
            Some((utc("2026-10-24T23:00"), utc("2026-10-25T01:30")))
        );
    }

    #[test]
    fn cron_windows_follow_the_expression_in_the_window_zone() {
        // Weekdays at 22:00 Berlin time for 2 h.
        let w = cron("0 22 * * 1-5", 120, "Europe/Berlin");
        let berlin = |t| at("Europe/Berlin", t);
        assert!(w.is_active(berlin("2026-06-08T22:00")), "Monday 22:00");
        assert!(w.is_active(berlin("2026-06-08T23:59")));
        assert!(!w.is_active(berlin("2026-06-09T00:00")));
        assert!(!w.is_active(berlin("2026-06-06T22:30")), "Saturday");
        assert!(w.is_active(berlin("2026-06-05T23:30")), "Friday");
        assert_eq!(
            w.current_or_next(berlin("2026-06-06T12:00")),
            Some((berlin("2026-06-08T22:00"), berlin("2026-06-09T00:00"))),
            "after Friday's, the next is Monday's"
        );
        // The first of each month at 04:15 UTC, for 90 minutes.
        let w = cron("15 4 1 * *", 90, "UTC");
        assert_eq!(
            w.current_or_next(utc("2026-06-10T00:00")),
            Some((utc("2026-07-01T04:15"), utc("2026-07-01T05:45")))
        );
        assert!(w.is_active(utc("2026-06-01T05:00")));
    }

    #[test]
    fn a_cron_start_in_the_spring_forward_gap_happens_at_the_first_valid_instant() {
        let w = cron("30 2 * * *", 60, "Europe/Berlin");
        let jump = utc("2026-03-29T01:00");
        assert_eq!(w.current_or_next(utc("2026-03-28T12:00")), Some((jump, jump + 3600)));
        assert!(w.is_active(jump + 60));
        assert!(!w.is_active(jump - 60));
    }

    #[test]
    fn covers_needs_the_scope_the_schedule_and_enabled() {
        let device = DeviceFacts { device_id: 7, client_id: 2, site_id: Some(3), tags: vec!["backup".into()] };
        let on = utc("2026-06-08T01:00");
        let off = utc("2026-06-08T12:00");
        let mut w = weekly(&["mon"], "00:00", 120, "UTC");
        for scope in [
            Scope::Global,
            Scope::Client { client_id: 2 },
            Scope::Site { site_id: 3 },
            Scope::Device { device_id: 7 },
            Scope::Tag { tag: "backup".into() },
        ] {
            w.scope = scope.clone();
            assert!(w.covers(&device, on), "{scope:?} covers the device while on");
            assert!(!w.covers(&device, off), "{scope:?} does not cover it while off");
        }
        for scope in [
            Scope::Client { client_id: 9 },
            Scope::Site { site_id: 9 },
            Scope::Device { device_id: 9 },
            Scope::Tag { tag: "web".into() },
        ] {
            w.scope = scope.clone();
            assert!(!w.covers(&device, on), "{scope:?} is someone else's");
        }
        w.scope = Scope::Global;
        w.enabled = false;
        assert!(!w.covers(&device, on), "a disabled window covers nothing");
        assert!(w.is_active(on), "though its schedule is on");
    }

    fn field_of(schedule: Schedule, zone: &str) -> &'static str {
        check(&schedule, zone, utc("2026-06-01T00:00")).unwrap_err().field
    }

    #[test]
    fn bad_schedules_are_refused_with_a_sentence_naming_the_field() {
        let weekly = |days: &[&str], start: &str, minutes| Schedule::Weekly {
            days: days.iter().map(|d| d.to_string()).collect(),
            start: start.into(),
            duration_minutes: minutes,
        };
        let cron = |e: &str, minutes| Schedule::Cron { expression: e.into(), duration_minutes: minutes };
        let once = |s: &str, e: &str| Schedule::Once { starts: s.into(), ends: e.into() };
        assert_eq!(field_of(weekly(&["mon", "funday"], "22:00", 60), "UTC"), "schedule.days");
        assert_eq!(field_of(weekly(&[], "22:00", 60), "UTC"), "schedule.days");
        for start in ["22", "7:00", "24:00", "22:60", "22:00:00", "ab:cd", ""] {
            assert_eq!(field_of(weekly(&["mon"], start, 60), "UTC"), "schedule.start", "{start:?}");
        }
        assert_eq!(field_of(weekly(&["mon"], "22:00", 0), "UTC"), "schedule.duration_minutes");
        assert_eq!(field_of(weekly(&["mon"], "22:00", MAX_DURATION_MINUTES + 1), "UTC"), "schedule.duration_minutes");
        assert_eq!(field_of(cron("0 22 * * *", 0), "UTC"), "schedule.duration_minutes");
        assert_eq!(field_of(cron("0 22 * * *", 20_000), "UTC"), "schedule.duration_minutes");
        for expression in ["", "every night", "61 * * * *", "0 22 * *", "0 0 22 * * *", "0 0 30 2 *"] {
            assert_eq!(field_of(cron(expression, 60), "UTC"), "schedule.expression", "{expression:?}");
        }
        assert_eq!(field_of(once("2026-12-02T01:00", "2026-12-01T22:00"), "UTC"), "schedule.ends");
        assert_eq!(field_of(once("2026-12-01T22:00", "2026-12-01T22:00"), "UTC"), "schedule.ends");
        for bad in [
            "2026-12-01",
            "2026-12-01 22:00",
            "2026-12-01T22:00Z",
            "2026-12-01T22:00+01:00",
            "2026-02-30T22:00",
            "tomorrow",
        ] {
            assert_eq!(field_of(once(bad, "2026-12-31T00:00"), "UTC"), "schedule.starts", "{bad:?}");
        }
        assert_eq!(field_of(weekly(&["mon"], "22:00", 60), "Mars/Olympus"), "timezone");

        let validate = |s: &Schedule, tz: &str| check(s, tz, utc("2026-06-01T00:00")).map_err(|e| e.message);
        let message = validate(&weekly(&["funday"], "22:00", 60), "UTC").unwrap_err();
        assert!(message.starts_with("schedule.days") && message.contains("\"funday\""), "{message}");
        let message = validate(&weekly(&["mon"], "25:00", 60), "UTC").unwrap_err();
        assert!(message.contains("schedule.start") && message.contains("HH:MM"), "{message}");
        let message = validate(&once("2026-12-02T01:00", "2026-12-01T22:00"), "UTC").unwrap_err();
        assert!(message.contains("schedule.ends") && message.contains("after schedule.starts"), "{message}");
        let message = validate(&weekly(&["mon"], "22:00", 60), "Europe/Atlantis").unwrap_err();
        assert!(message.contains("timezone") && message.contains("Europe/Atlantis"), "{message}");
    }

    #[test]
    fn good_schedules_pass_and_are_stored_in_one_spelling() {
        let now = utc("2026-06-01T00:00");
        let s = Schedule::Weekly {
            days: vec!["Sun ".into(), "mon".into(), "SUN".into()],
            start: " 23:00".into(),
            duration_minutes: 180,
        }
        .normalized();
        assert_eq!(
            s,
            Schedule::Weekly { days: vec!["mon".into(), "sun".into()], start: "23:00".into(), duration_minutes: 180 }
        );
        assert_eq!(check(&s, "Europe/Berlin", now), Ok(()));
        let c = Schedule::Cron { expression: "  0 22   * * 1-5 ".into(), duration_minutes: MAX_DURATION_MINUTES }
            .normalized();
        assert_eq!(c, Schedule::Cron { expression: "0 22 * * 1-5".into(), duration_minutes: MAX_DURATION_MINUTES });
        assert_eq!(check(&c, "America/New_York", now), Ok(()));
        let o = Schedule::Once { starts: "2026-12-01T22:00".into(), ends: "2026-12-02T01:30:00".into() };
        assert_eq!(check(&o, "UTC", now), Ok(()));
    }

    #[test]
    fn the_schedule_json_has_a_kind_and_refuses_strangers() {
        let s: Schedule =
            serde_json::from_str(r#"{"kind":"weekly","days":["sun"],"start":"23:00","duration_minutes":180}"#).unwrap();
        assert!(matches!(s, Schedule::Weekly { .. }));
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            serde_json::json!({"kind":"weekly","days":["sun"],"start":"23:00","duration_minutes":180})
        );
        assert!(serde_json::from_str::<Schedule>(r#"{"kind":"monthly"}"#).is_err());
        assert!(
            serde_json::from_str::<Schedule>(r#"{"kind":"cron","expression":"* * * * *","duration_minutes":5,"x":1}"#)
                .is_err()
        );
    }

    #[test]
    fn a_window_that_is_always_on_answers_at_once() {
        let w = cron("* * * * *", 5, "UTC");
        let now = utc("2026-06-01T00:00:30");
        let (start, end) = w.current_or_next(now).unwrap();
        assert_eq!(start, utc("2026-06-01T00:00"));
        assert!(end > now + 60 && end <= start + (MERGE_LIMIT as i64 + 5) * 60, "merged, but within the limit");
    }
}
