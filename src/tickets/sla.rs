//! SLA clocks: business calendars, SLA policies, and where a ticket's first-response and
//! resolution clocks stand. Pure: no I/O, no clock reading; every function takes the instants it
//! asks about, so the queue, the timer that fires warnings, the reports and the tests agree.
//!
//! **Business time.** An instant is business time when the wall clock of the calendar's time zone
//! shows a day that is not a holiday and a time inside that weekday's hours. Business time is
//! counted in real seconds of such instants. Hours are wall-clock hours ("08:00-17:00" means what
//! the office's clocks show), so on the night the clocks change:
//! - spring forward (Europe/Berlin 2026-03-29, 02:00 -> 03:00): an 08:00-17:00 day is still 9
//!   hours; a 24x7 day has 23; hours that contain the skipped hour lose it (01:00-05:00 is 3 hours).
//! - fall back (2026-10-25, 03:00 -> 02:00): hours that contain the repeated hour count it twice, as
//!   it is lived twice (a 24x7 day has 25 hours). Interval ends inside the repeated hour are met on
//!   each pass: 02:30-04:00 that night is 02:30-03:00 summer time plus 02:30-04:00 winter time.
//!
//! Counting wall-clock minutes instead was rejected: a P1's "4 hours" on a 24x7 calendar would be
//! 3 or 5 real hours on those nights, and business time on a 24x7 calendar would not be elapsed
//! time. Business time is whole seconds; fractions of a second in the instants given are dropped.
//!
//! **How it is computed.** Between two changes of the zone's UTC offset, wall-clock time is real
//! time shifted by a constant, so business time in such a stretch is arithmetic on local days:
//! whole weeks count at once, holidays in the range are subtracted. The cost grows with the
//! number of offset changes and holidays in a span, not with its length: 90 days are two stretches.
//!
//! **Calendars** are validated once (`Calendar::new`); an interval may not cross midnight (a night
//! shift is 22:00-24:00 on one day and 00:00-06:00 on the next). Holidays are local dates; each
//! year's dates are listed, as many holidays move (Easter).
//!
//! **The clocks.** A ticket has two: first response and resolution, each with a budget in
//! business minutes from the SLA policy for the ticket's priority. `evaluate` replays the ticket's
//! history (`ClockEvent`s) and reports each clock at `now`. The rules:
//! - Both clocks count while the ticket is new or open. Pending pauses both; its time never counts.
//! - The first-response clock stops for good at the first response. Resolving or closing a ticket
//!   that had no response also stops it (the resolution answered the client): a ticket that an
//!   alert's recovery resolved is not left with a first-response clock running forever.
//! - Resolved and closed stop the resolution clock; reopening (any other status) resumes it with
//!   the business time already used.
//! - A clock breaches at the first instant it is not stopped and has used its whole budget, and
//!   warns at the first instant it has used the warning share. Budget running out at an instant
//!   wins over an event at that same instant: a due time is the last moment, not a moment of
//!   grace, so resolving at 17:00 a ticket due at 17:00 is a breach.
//! - A breach is final, and so is a warning: once they happened, reopening or a priority change
//!   never erases them, so each is reported once.
//! - A priority change re-targets the clocks as if the ticket had had the new priority since its
//!   creation: business time already used counts against the new target. If that target is
//!   already used up, the clock breaches at the change (even while pending). A clock that is
//!   stopped keeps its target: a met first response stays met. A resolved ticket whose new target
//!   is exceeded breaches when it is reopened, not before.
//!
//! The whole history is read with the policy and calendar given, as they are now. A breach that
//! was recorded and notified stays recorded in storage even if an admin later edits the policy.

use std::collections::BTreeSet;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::{Priority, Status};

/// Seconds in a day of civil (wall-clock) time.
const DAY: i64 = 86_400;

/// Day names as calendars spell them, Monday first.
pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The warning share a policy gets when it names none.
pub const DEFAULT_WARNING_PERCENT: u8 = 75;

/// Longest target a policy may set: a year of round-the-clock minutes.
pub const MAX_TARGET_MINUTES: u32 = 366 * 24 * 60;

/// Something wrong in a calendar or policy: the field as the API names it, and a sentence that
/// names it too.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    /// For example `timezone`, `hours.mon[1].end`, `holidays[0].date`, `p1.resolution_minutes`.
    pub field: String,
    pub message: String,
}

fn bad(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError { field: field.into(), message: message.into() }
}

// ----------------------------------------------------------------------------------------------
// Calendars
// ----------------------------------------------------------------------------------------------

/// A business calendar as the API takes and shows it.
///
/// ```json
/// { "timezone": "Europe/Berlin",
///   "hours": { "mon": [{ "start": "08:00", "end": "12:00" }, { "start": "13:00", "end": "17:30" }],
///              "sat": [], "sun": [] },
///   "holidays": [{ "date": "2026-12-25", "name": "Christmas Day" }] }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// IANA time zone name, such as "Europe/Berlin": the zone of the wall clock the hours are on.
    pub timezone: String,
    pub hours: WeeklyHours,
    /// Local dates on which no business time counts.
    #[serde(default)]
    pub holidays: Vec<Holiday>,
}

/// Business hours per weekday; a day left out has none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeeklyHours {
    #[serde(default)]
    pub mon: Vec<Interval>,
    #[serde(default)]
    pub tue: Vec<Interval>,
    #[serde(default)]
    pub wed: Vec<Interval>,
    #[serde(default)]
    pub thu: Vec<Interval>,
    #[serde(default)]
    pub fri: Vec<Interval>,
    #[serde(default)]
    pub sat: Vec<Interval>,
    #[serde(default)]
    pub sun: Vec<Interval>,
}

/// Wall-clock hours within one day: `start` "HH:MM" (00:00 to 23:59) up to `end` "HH:MM" (up to
/// "24:00", the end of the day), end exclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Interval {
    #[schema(example = "08:00", pattern = r"^\s*(?:[01][0-9]|2[0-3]):[0-5][0-9]\s*$")]
    pub start: String,
    #[schema(example = "17:00", pattern = r"^\s*(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)\s*$")]
    pub end: String,
}

/// A local date ("2026-12-25") on which no business time counts, with an optional name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    /// A local date; days up to 28 in the description so that every match is a real date.
    #[schema(example = "2026-12-25", pattern = r"^\s*[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])\s*$")]
    pub date: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
}

impl Interval {
    /// The hours from `start` to `end`, for example `Interval::new("08:00", "17:00")`.
    pub fn new(start: &str, end: &str) -> Interval {
        Interval { start: start.into(), end: end.into() }
    }
}

impl WeeklyHours {
    /// The same hours on every day of the week.
    pub fn every_day(intervals: &[Interval]) -> WeeklyHours {
        let mut hours = WeeklyHours::default();
        for day in hours.days_mut() {
            *day = intervals.to_vec();
        }
        hours
    }

    /// Each day's intervals, Monday first (the order of `DAYS`).
    pub fn days(&self) -> [&Vec<Interval>; 7] {
        [&self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun]
    }

    fn days_mut(&mut self) -> [&mut Vec<Interval>; 7] {
        [&mut self.mon, &mut self.tue, &mut self.wed, &mut self.thu, &mut self.fri, &mut self.sat, &mut self.sun]
    }
}

impl CalendarSpec {
    /// Round the clock, every day, no holidays: for clients who pay for 24x7 cover.
    pub fn twenty_four_seven(timezone: &str) -> CalendarSpec {
        CalendarSpec {
            timezone: timezone.into(),
            hours: WeeklyHours::every_day(&[Interval::new("00:00", "24:00")]),
            holidays: Vec::new(),
        }
    }

    /// The same hours Monday to Friday, none at the weekend, no holidays: the usual office.
    pub fn weekdays(timezone: &str, intervals: &[(&str, &str)]) -> CalendarSpec {
        let day: Vec<Interval> = intervals.iter().map(|(s, e)| Interval::new(s, e)).collect();
        let mut hours = WeeklyHours::every_day(&day);
        hours.sat.clear();
        hours.sun.clear();
        CalendarSpec { timezone: timezone.into(), hours, holidays: Vec::new() }
    }
}

/// A validated calendar, ready for the clock math. Serializes as its `CalendarSpec` (normalized:
/// texts trimmed, each day's intervals in order, holidays by date and each date once), and
/// deserializing validates.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "CalendarSpec", into = "CalendarSpec")]
pub struct Calendar {
    spec: CalendarSpec,
    tz: TimeZone,
    /// Per weekday (Monday first), the business intervals as seconds of the day, ordered and
    /// disjoint.
    week: [Vec<(i64, i64)>; 7],
    /// Business seconds of a whole (non-holiday) day, per weekday.
    day_seconds: [i64; 7],
    week_seconds: i64,
    /// Holidays as days since 1970-01-01 (local dates).
    holidays: BTreeSet<i64>,
}

impl Calendar {
    /// Checks a calendar and makes it usable. The error names the first wrong field in a sentence;
    /// a calendar with no hours on any day is refused, as no budget could ever run out on it.
    pub fn new(spec: CalendarSpec) -> Result<Calendar, FieldError> {
        let timezone = spec.timezone.trim().to_string();
        let tz = TimeZone::get(&timezone).map_err(|_| {
            bad("timezone", format!("timezone {:?} is not a time zone name such as \"Europe/Berlin\".", spec.timezone))
        })?;

        let mut week: [Vec<(i64, i64)>; 7] = Default::default();
        let mut hours = WeeklyHours::default();
        for (d, (intervals, out)) in spec.hours.days().into_iter().zip(hours.days_mut()).enumerate() {
            let name = DAYS[d];
            let mut day = Vec::with_capacity(intervals.len());
            for (i, interval) in intervals.iter().enumerate() {
                day.push(parse_interval(&format!("hours.{name}[{i}]"), interval, name)?);
            }
            day.sort_unstable();
            for pair in day.windows(2) {
                if pair[1].0 < pair[0].1 {
                    return Err(bad(
                        format!("hours.{name}"),
                        format!(
                            "hours.{name} has intervals that overlap: {} and {}.",
                            show_interval(pair[0]),
                            show_interval(pair[1])
                        ),
                    ));
                }
            }
            *out = day.iter().map(|&(s, e)| Interval::new(&clock_text(s), &clock_text(e))).collect();
            week[d] = day;
        }
        let day_seconds: [i64; 7] = std::array::from_fn(|d| week[d].iter().map(|(s, e)| e - s).sum());
        let week_seconds: i64 = day_seconds.iter().sum();
        if week_seconds == 0 {
            return Err(bad(
                "hours",
                "hours has no business hours on any day; give at least one interval \
                 (00:00-24:00 on every day for 24x7 cover).",
            ));
        }

        let mut holidays = BTreeSet::new();
        let mut listed: Vec<Holiday> = Vec::with_capacity(spec.holidays.len());
        for (i, holiday) in spec.holidays.iter().enumerate() {
            let field = format!("holidays[{i}].date");
            let date = parse_date(holiday.date.trim()).ok_or_else(|| {
                bad(&field, format!("{field} ({:?}) is not a date such as \"2026-12-25\".", holiday.date))
            })?;
            let day = day_number(date)
                .ok_or_else(|| bad(&field, format!("{field} ({date}) is outside the years this server handles.")))?;
            if holidays.insert(day) {
                listed.push(Holiday { date: date.to_string(), name: holiday.name.trim().to_string() });
            }
        }
        listed.sort_by(|a, b| a.date.cmp(&b.date));

        let spec = CalendarSpec { timezone, hours, holidays: listed };
        Ok(Calendar { spec, tz, week, day_seconds, week_seconds, holidays })
    }

    /// The calendar as validated and normalized, for storing and showing.
    pub fn spec(&self) -> &CalendarSpec {
        &self.spec
    }

    /// The zone whose wall clock the hours are read on.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// Whether `instant` is business time: the zone's wall clock shows a non-holiday date and a
    /// time inside that weekday's hours. "Is the help desk open now?"
    pub fn is_open(&self, instant: Timestamp) -> bool {
        let civil = instant.as_second() + i64::from(self.tz.to_offset(instant).seconds());
        let day = civil.div_euclid(DAY);
        let time = civil - day * DAY;
        !self.holidays.contains(&day) && self.week[weekday(day)].iter().any(|&(s, e)| s <= time && time < e)
    }

    /// The UTC offset (seconds) in force at `t` (unix seconds) and the next instant after `t`
    /// at which it may change.
    fn stretch(&self, t: i64) -> (i64, Option<i64>) {
        let Ok(ts) = Timestamp::from_second(t) else {
            return (0, None);
        };
        let offset = i64::from(self.tz.to_offset(ts).seconds());
        let next = self.tz.following(ts).map(|tr| tr.timestamp().as_second()).find(|&n| n > t);
        (offset, next)
    }

    /// Business seconds between unix seconds `from` and `to`; 0 unless `to` is after `from`.
    fn between(&self, from: i64, to: i64) -> i64 {
        let mut total = 0;
        let mut a = from;
        while a < to {
            let (offset, next) = self.stretch(a);
            let b = next.map_or(to, |n| n.min(to));
            total += self.civil_between(a + offset, b + offset);
            a = b;
        }
        total
    }

    /// The first instant (unix seconds) at which `seconds` of business time have passed since
    /// `from`; `from` itself when `seconds` is not positive; the last second jiff can represent
    /// when the budget would run out after it.
    fn add(&self, from: i64, seconds: i64) -> i64 {
        let max = Timestamp::MAX.as_second();
        if seconds <= 0 {
            return from;
        }
        let mut a = from;
        let mut left = seconds;
        loop {
            let (offset, next) = self.stretch(a);
            if let Some(b) = next {
                let here = self.civil_between(a + offset, b + offset);
                if left > here {
                    left -= here;
                    a = b;
                    continue;
                }
            }
            return self.civil_add(a + offset, left).map_or(max, |c| (c - offset).min(max));
        }
    }

    /// Business seconds between two wall-clock readings (seconds since 1970-01-01T00:00 local).
    fn civil_between(&self, x: i64, y: i64) -> i64 {
        if y <= x {
            return 0;
        }
        let (dx, dy) = (x.div_euclid(DAY), y.div_euclid(DAY));
        if dx == dy {
            return self.within_day(dx, x - dx * DAY, y - dx * DAY);
        }
        self.within_day(dx, x - dx * DAY, DAY) + self.whole_days(dx + 1, dy) + self.within_day(dy, 0, y - dy * DAY)
    }

    /// Business seconds of local day `day` between seconds-of-day `from` and `to`.
    fn within_day(&self, day: i64, from: i64, to: i64) -> i64 {
        if self.holidays.contains(&day) {
            return 0;
        }
        self.week[weekday(day)].iter().map(|&(s, e)| (e.min(to) - s.max(from)).max(0)).sum()
    }

    /// Business seconds of the whole local days `first..end`: whole weeks at once, holidays
    /// subtracted.
    fn whole_days(&self, first: i64, end: i64) -> i64 {
        if end <= first {
            return 0;
        }
        let weeks = (end - first) / 7;
        let mut total = weeks * self.week_seconds;
        for day in first + weeks * 7..end {
            total += self.day_seconds[weekday(day)];
        }
        for &holiday in self.holidays.range(first..end) {
            total -= self.day_seconds[weekday(holiday)];
        }
        total
    }

    /// The first wall-clock reading at which `seconds` (positive) of business time have passed
    /// since reading `x`; `None` past the years jiff represents.
    fn civil_add(&self, x: i64, seconds: i64) -> Option<i64> {
        // Readings beyond this are no instant jiff can represent, in any zone.
        let limit = Timestamp::MAX.as_second() + 2 * DAY;
        let mut c = x;
        let mut left = seconds;
        while c <= limit {
            let day = c.div_euclid(DAY);
            let time = c - day * DAY;
            if time == 0 && left > self.week_seconds {
                // Skip whole weeks, leaving at least one second to find by walking days.
                let weeks = ((left - 1) / self.week_seconds).min(limit / DAY / 7 + 1);
                let end = day + weeks * 7;
                left -= self.whole_days(day, end);
                c = end * DAY;
                continue;
            }
            if !self.holidays.contains(&day) {
                for &(s, e) in &self.week[weekday(day)] {
                    let s = s.max(time);
                    if s < e {
                        if left <= e - s {
                            return Some(day * DAY + s + left);
                        }
                        left -= e - s;
                    }
                }
            }
            c = (day + 1) * DAY;
        }
        None
    }
}

impl TryFrom<CalendarSpec> for Calendar {
    type Error = FieldError;

    fn try_from(spec: CalendarSpec) -> Result<Calendar, FieldError> {
        Calendar::new(spec)
    }
}

impl From<Calendar> for CalendarSpec {
    fn from(calendar: Calendar) -> CalendarSpec {
        calendar.spec
    }
}

/// How much business time of `calendar` passes from `from` to `to`, in seconds; 0 when `to` is
/// not after `from`. Weekends, holidays and changes of the zone's offset are accounted for; the
/// cost does not grow with the length of the span.
pub fn business_seconds_between(calendar: &Calendar, from: Timestamp, to: Timestamp) -> i64 {
    calendar.between(from.as_second(), to.as_second())
}

/// The instant at which `seconds` of business time have passed since `from`: the due time of a
/// budget started at `from`. Starting outside hours counts from the next opening; a budget that
/// runs out exactly at a closing time is due at that closing, not at the next opening. `from`
/// itself when `seconds` is not positive; the last whole second jiff represents (year 9999) when
/// the budget would run out after it.
pub fn add_business_seconds(calendar: &Calendar, from: Timestamp, seconds: i64) -> Timestamp {
    if seconds <= 0 {
        return from;
    }
    instant(calendar.add(from.as_second(), seconds))
}

/// "HH:MM" as seconds of the day; "24:00" only where `end` allows it.
fn time_of_day(text: &str, end: bool) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 5 || b[2] != b':' || ![0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit()) {
        return None;
    }
    let hour = i64::from((b[0] - b'0') * 10 + (b[1] - b'0'));
    let minute = i64::from((b[3] - b'0') * 10 + (b[4] - b'0'));
    match (hour, minute) {
        (0..=23, 0..=59) => Some(hour * 3600 + minute * 60),
        (24, 0) if end => Some(DAY),
        _ => None,
    }
}

fn parse_interval(field: &str, interval: &Interval, day: &str) -> Result<(i64, i64), FieldError> {
    let (start_text, end_text) = (interval.start.trim(), interval.end.trim());
    let start = time_of_day(start_text, false).ok_or_else(|| {
        let hint = if start_text == "24:00" { " 24:00 can only end a day." } else { "" };
        bad(
            format!("{field}.start"),
            format!(
                "{field}.start ({:?}) is not a time of day from 00:00 to 23:59 such as \"08:00\".{hint}",
                interval.start
            ),
        )
    })?;
    let end = time_of_day(end_text, true).ok_or_else(|| {
        bad(
            format!("{field}.end"),
            format!(
                "{field}.end ({:?}) is not a time of day such as \"17:30\" (or \"24:00\" for the end of the day).",
                interval.end
            ),
        )
    })?;
    if end <= start {
        let next = DAYS[(DAYS.iter().position(|d| *d == day).unwrap_or(0) + 1) % 7];
        return Err(bad(
            format!("{field}.end"),
            format!(
                "{field}.end ({end_text}) must be after {field}.start ({start_text}): an interval may not cross \
                 midnight, so give {start_text}-24:00 on {day} and 00:00-{end_text} on {next}."
            ),
        ));
    }
    Ok((start, end))
}

fn clock_text(seconds: i64) -> String {
    format!("{:02}:{:02}", seconds / 3600, seconds % 3600 / 60)
}

fn show_interval((start, end): (i64, i64)) -> String {
    format!("{}-{}", clock_text(start), clock_text(end))
}

/// "YYYY-MM-DD", a real date.
fn parse_date(text: &str) -> Option<Date> {
    let shape_ok = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if !shape_ok {
        return None;
    }
    text.parse().ok()
}

/// Days since 1970-01-01 of a local date.
fn day_number(date: Date) -> Option<i64> {
    Some(date.to_zoned(TimeZone::UTC).ok()?.timestamp().as_second().div_euclid(DAY))
}

/// Monday-first weekday index of a day number (1970-01-01 was a Thursday).
fn weekday(day: i64) -> usize {
    (day + 3).rem_euclid(7) as usize
}

/// Unix seconds as an instant, clamped to what jiff represents.
fn instant(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds.clamp(Timestamp::MIN.as_second(), Timestamp::MAX.as_second()))
        .unwrap_or(Timestamp::MAX)
}

// ----------------------------------------------------------------------------------------------
// Policies
// ----------------------------------------------------------------------------------------------

/// The two budgets of one priority, in business minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    #[schema(minimum = 1, maximum = 527040)]
    pub first_response_minutes: u32,
    /// Not shorter than `first_response_minutes`.
    #[schema(minimum = 1, maximum = 527040)]
    pub resolution_minutes: u32,
}

/// An SLA policy: targets per priority, counted in the business time of a calendar, and the
/// share of a budget at which the warning fires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicy {
    pub p1: Targets,
    pub p2: Targets,
    pub p3: Targets,
    pub p4: Targets,
    /// Percent of a budget used at which the warning fires (1 to 99).
    #[serde(default = "default_warning_percent")]
    #[schema(minimum = 1, maximum = 99, default = 75)]
    pub warning_percent: u8,
}

fn default_warning_percent() -> u8 {
    DEFAULT_WARNING_PERCENT
}

impl Default for SlaPolicy {
    /// A common starting point: P1 30 min / 4 h, P2 1 h / 8 h, P3 4 h / 24 h, P4 8 h / 40 h of
    /// business time, warning at 75 %.
    fn default() -> SlaPolicy {
        let t = |first_response_minutes, resolution_minutes| Targets { first_response_minutes, resolution_minutes };
        SlaPolicy {
            p1: t(30, 4 * 60),
            p2: t(60, 8 * 60),
            p3: t(4 * 60, 24 * 60),
            p4: t(8 * 60, 40 * 60),
            warning_percent: DEFAULT_WARNING_PERCENT,
        }
    }
}

impl SlaPolicy {
    /// The targets for tickets of `priority`.
    pub fn targets(&self, priority: Priority) -> Targets {
        match priority {
            Priority::P1 => self.p1,
            Priority::P2 => self.p2,
            Priority::P3 => self.p3,
            Priority::P4 => self.p4,
        }
    }

    /// Checks every target (1 minute to a year, resolution not shorter than first response) and
    /// the warning share; the error names the first wrong field in a sentence.
    pub fn validate(&self) -> Result<(), FieldError> {
        for priority in Priority::ALL {
            let key = priority.as_str().to_lowercase();
            let t = self.targets(priority);
            for (name, minutes) in
                [("first_response_minutes", t.first_response_minutes), ("resolution_minutes", t.resolution_minutes)]
            {
                if !(1..=MAX_TARGET_MINUTES).contains(&minutes) {
                    let field = format!("{key}.{name}");
                    return Err(bad(
                        &field,
                        format!("{field} ({minutes}) must be from 1 to {MAX_TARGET_MINUTES} business minutes."),
                    ));
                }
            }
            if t.resolution_minutes < t.first_response_minutes {
                return Err(bad(
                    format!("{key}.resolution_minutes"),
                    format!(
                        "{key}.resolution_minutes ({}) must not be shorter than {key}.first_response_minutes ({}).",
                        t.resolution_minutes, t.first_response_minutes
                    ),
                ));
            }
        }
        if !(1..=99).contains(&self.warning_percent) {
            return Err(bad(
                "warning_percent",
                format!("warning_percent ({}) must be from 1 to 99.", self.warning_percent),
            ));
        }
        Ok(())
    }
}

// ----------------------------------------------------------------------------------------------
// Clocks
// ----------------------------------------------------------------------------------------------

/// One entry of a ticket's history that the clocks care about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClockEvent {
    /// The ticket was opened (status new); always the first event.
    Created {
        #[serde(with = "rfc3339")]
        at: Timestamp,
        priority: Priority,
    },
    PriorityChanged {
        #[serde(with = "rfc3339")]
        at: Timestamp,
        priority: Priority,
    },
    StatusChanged {
        #[serde(with = "rfc3339")]
        at: Timestamp,
        status: Status,
    },
    /// A technician first answered the client (a public comment, a call logged).
    FirstResponse {
        #[serde(with = "rfc3339")]
        at: Timestamp,
    },
}

impl ClockEvent {
    /// When it happened.
    pub fn at(&self) -> Timestamp {
        match self {
            ClockEvent::Created { at, .. }
            | ClockEvent::PriorityChanged { at, .. }
            | ClockEvent::StatusChanged { at, .. }
            | ClockEvent::FirstResponse { at } => *at,
        }
    }
}

/// A history the clocks cannot be read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HistoryError {
    #[error("the ticket's history is empty; it must begin with its creation.")]
    Empty,
    #[error("the ticket's history must begin with its creation.")]
    NotCreatedFirst,
    #[error("the ticket's history has its creation twice.")]
    CreatedTwice,
}

/// Whether a clock counts right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// Counting business time (the ticket is new or open).
    Running,
    /// Not counting while the ticket is pending.
    Paused,
    /// Done: responded to (first response) or resolved/closed (resolution, until reopened).
    Stopped,
}

/// Where one clock stands at the instant it was evaluated for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockReport {
    pub state: ClockState,
    /// The budget in business minutes it is measured against (frozen once the first response
    /// came; otherwise that of the current priority).
    pub target_minutes: u32,
    /// Business time used so far (pending time not counted).
    pub used_seconds: i64,
    /// Budget left; negative once overrun.
    pub remaining_seconds: i64,
    /// Share of the budget used, in whole percent; above 100 once overrun.
    pub used_percent: u32,
    /// When the budget runs out (running) or ran out (the breach instant); `None` while paused or
    /// stopped without a breach, as the due time then depends on when the clock resumes.
    #[serde(with = "rfc3339::option")]
    pub due: Option<Timestamp>,
    /// When the warning share is reached (running) or was reached; `None` like `due`.
    #[serde(with = "rfc3339::option")]
    pub warning_at: Option<Timestamp>,
    /// The warning happened (at `warning_at`). Never goes back to false.
    pub warned: bool,
    /// The breach happened (at `due`). Never goes back to false.
    pub breached: bool,
    /// Stopped without a breach: the response came, or the ticket is resolved, in time.
    pub met: bool,
    /// When it stopped: the first response (or the resolution that stood for it), or the
    /// resolution of a ticket that is resolved or closed.
    #[serde(with = "rfc3339::option")]
    pub stopped_at: Option<Timestamp>,
}

/// Both clocks of a ticket at one instant, and when that will next change on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaReport {
    /// The priority the targets are taken from.
    pub priority: Priority,
    pub first_response: ClockReport,
    pub resolution: ClockReport,
    /// The next instant after the one evaluated at when a warning or breach happens if no
    /// further event comes: a timer sleeps until then and evaluates again. `None` when nothing
    /// will happen on its own (every clock paused, stopped or already breached).
    #[serde(with = "rfc3339::option")]
    pub next_change: Option<Timestamp>,
}

/// The clocks of one ticket, fed its history event by event. Holds the calendar and policy it
/// measures with; `evaluate` is the one-call form.
#[derive(Debug, Clone)]
pub struct SlaClock<'a> {
    calendar: &'a Calendar,
    policy: &'a SlaPolicy,
    /// Unix seconds up to which `used` is counted and the last event happened.
    at: i64,
    priority: Priority,
    status: Status,
    first_response: Clock,
    resolution: Clock,
}

/// One budget: its target, what is used, and the instants (unix seconds) that are final once set.
#[derive(Debug, Clone)]
struct Clock {
    target_minutes: u32,
    used: i64,
    stopped_at: Option<i64>,
    warned_at: Option<i64>,
    breached_at: Option<i64>,
}

impl Clock {
    fn new(target_minutes: u32) -> Clock {
        Clock { target_minutes, used: 0, stopped_at: None, warned_at: None, breached_at: None }
    }

    fn budget(&self) -> i64 {
        i64::from(self.target_minutes) * 60
    }

    /// Business seconds used at which the warning fires: the share of the budget, rounded up.
    fn warning_threshold(&self, percent: u8) -> i64 {
        (self.budget() * i64::from(percent) + 99) / 100
    }
}

impl<'a> SlaClock<'a> {
    /// The clocks of a ticket created at `created_at` with `priority`, measured with `calendar` and
    /// `policy` (which should have passed `validate`; a zero target breaches at once).
    pub fn new(calendar: &'a Calendar, policy: &'a SlaPolicy, created_at: Timestamp, priority: Priority) -> Self {
        let targets = policy.targets(priority);
        let mut clock = SlaClock {
            calendar,
            policy,
            at: created_at.as_second(),
            priority,
            status: Status::New,
            first_response: Clock::new(targets.first_response_minutes),
            resolution: Clock::new(targets.resolution_minutes),
        };
        clock.settle(clock.at);
        clock
    }

    /// Feeds the next event of the history. An event dated before the previous one (a server
    /// clock that stepped back) is taken as happening at the previous one's instant.
    pub fn apply(&mut self, event: &ClockEvent) -> Result<(), HistoryError> {
        if let ClockEvent::Created { .. } = event {
            return Err(HistoryError::CreatedTwice);
        }
        let t = event.at().as_second().max(self.at);
        self.advance(t);
        match *event {
            ClockEvent::Created { .. } => {}
            ClockEvent::PriorityChanged { priority, .. } => {
                self.priority = priority;
                let targets = self.policy.targets(priority);
                if self.first_response.stopped_at.is_none() {
                    self.first_response.target_minutes = targets.first_response_minutes;
                }
                self.resolution.target_minutes = targets.resolution_minutes;
            }
            ClockEvent::StatusChanged { status, .. } => {
                self.status = status;
                if status.done() {
                    self.first_response.stopped_at.get_or_insert(t);
                    self.resolution.stopped_at.get_or_insert(t);
                } else {
                    self.resolution.stopped_at = None;
                }
            }
            ClockEvent::FirstResponse { .. } => {
                self.first_response.stopped_at.get_or_insert(t);
            }
        }
        self.settle(t);
        Ok(())
    }

    /// Both clocks as they stand at `now` if no further event comes before it. A `now` before
    /// the last event fed is read as that event's instant.
    pub fn report(&self, now: Timestamp) -> SlaReport {
        let mut at_now = self.clone();
        let now = now.as_second().max(self.at);
        at_now.advance(now);
        let first_response = at_now.clock_report(&at_now.first_response);
        let resolution = at_now.clock_report(&at_now.resolution);
        let next_change = [first_response.warning_at, first_response.due, resolution.warning_at, resolution.due]
            .into_iter()
            .flatten()
            .filter(|t| t.as_second() > now)
            .min();
        SlaReport { priority: self.priority, first_response, resolution, next_change }
    }

    fn running(&self, clock: &Clock) -> bool {
        clock.stopped_at.is_none() && self.status.counts()
    }

    /// Counts business time up to `to`, marking a warning or breach at the instant it happens.
    fn advance(&mut self, to: i64) {
        if to <= self.at {
            return;
        }
        let (calendar, from, percent, counts) =
            (self.calendar, self.at, self.policy.warning_percent, self.status.counts());
        for clock in [&mut self.first_response, &mut self.resolution] {
            if clock.stopped_at.is_some() || !counts {
                continue;
            }
            let crossing = |threshold: i64| {
                let t = calendar.add(from, threshold - clock.used);
                (t <= to).then_some(t)
            };
            if clock.warned_at.is_none() {
                clock.warned_at = crossing(clock.warning_threshold(percent));
            }
            if clock.breached_at.is_none() {
                clock.breached_at = crossing(clock.budget());
            }
            clock.used += calendar.between(from, to);
        }
        self.at = to;
    }

    /// After an event at `t`: a clock that is not stopped and has used its warning share or its
    /// budget (a shorter target, a reopening) warns or breaches at `t`, even while pending.
    fn settle(&mut self, t: i64) {
        let percent = self.policy.warning_percent;
        for clock in [&mut self.first_response, &mut self.resolution] {
            if clock.stopped_at.is_some() {
                continue;
            }
            if clock.warned_at.is_none() && clock.used >= clock.warning_threshold(percent) {
                clock.warned_at = Some(t);
            }
            if clock.breached_at.is_none() && clock.used >= clock.budget() {
                clock.breached_at = Some(t);
            }
        }
    }

    /// One clock's report at `self.at` (already advanced to the instant asked about).
    fn clock_report(&self, clock: &Clock) -> ClockReport {
        let running = self.running(clock);
        let budget = clock.budget();
        let project = |threshold: i64| instant(self.calendar.add(self.at, threshold - clock.used));
        let due = clock.breached_at.map(instant).or_else(|| running.then(|| project(budget)));
        let warning_at = clock
            .warned_at
            .map(instant)
            .or_else(|| running.then(|| project(clock.warning_threshold(self.policy.warning_percent))));
        let state = match (clock.stopped_at.is_some(), running) {
            (true, _) => ClockState::Stopped,
            (false, true) => ClockState::Running,
            (false, false) => ClockState::Paused,
        };
        ClockReport {
            state,
            target_minutes: clock.target_minutes,
            used_seconds: clock.used,
            remaining_seconds: budget - clock.used,
            used_percent: u32::try_from(clock.used * 100 / budget.max(1)).unwrap_or(u32::MAX),
            due,
            warning_at,
            warned: clock.warned_at.is_some(),
            breached: clock.breached_at.is_some(),
            met: clock.stopped_at.is_some() && clock.breached_at.is_none(),
            stopped_at: clock.stopped_at.map(instant),
        }
    }
}

/// Replays a ticket's history (first its creation, then the rest in the order it happened) and
/// reports both clocks at `now`. Events after `now` are left out, so the answer is what was
/// known at `now`. The server calls it after each change and when `next_change` comes, and
/// notifies a warning or breach the first time it sees `warned` or `breached` set.
pub fn evaluate(
    calendar: &Calendar,
    policy: &SlaPolicy,
    history: &[ClockEvent],
    now: Timestamp,
) -> Result<SlaReport, HistoryError> {
    let (first, rest) = history.split_first().ok_or(HistoryError::Empty)?;
    let ClockEvent::Created { at, priority } = *first else {
        return Err(HistoryError::NotCreatedFirst);
    };
    let mut clock = SlaClock::new(calendar, policy, at, priority);
    for event in rest.iter().filter(|e| e.at() <= now) {
        clock.apply(event)?;
    }
    Ok(clock.report(now))
}

/// Instants in the API's form: RFC 3339 in UTC, such as "2026-06-08T07:00:00Z".
mod rfc3339 {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(t)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        String::deserialize(d)?.parse().map_err(D::Error::custom)
    }

    pub mod option {
        use jiff::Timestamp;
        use serde::{Deserialize, Deserializer, Serializer, de::Error};

        pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.collect_str(t),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
            Option::<String>::deserialize(d)?.map(|s| s.parse().map_err(D::Error::custom)).transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: i64 = 60;
    const H: i64 = 3600;

    /// An instant written with the offset the hand computation arrived at.
    fn at(text: &str) -> Timestamp {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn calendar(spec: CalendarSpec) -> Calendar {
        Calendar::new(spec).unwrap()
    }

    /// Monday to Friday 08:00-17:00 in `tz`.
    fn office(tz: &str) -> Calendar {
        calendar(CalendarSpec::weekdays(tz, &[("08:00", "17:00")]))
    }

    /// Monday to Friday 08:00-17:00 in Berlin, with Labour Day and Christmas 2026 off.
    fn berlin_office() -> Calendar {
        let mut spec = CalendarSpec::weekdays("Europe/Berlin", &[("08:00", "17:00")]);
        spec.holidays = ["2026-05-01", "2026-12-25", "2026-12-26"]
            .iter()
            .map(|d| Holiday { date: d.to_string(), name: String::new() })
            .collect();
        calendar(spec)
    }

    /// The same hours every day of the week, weekends included.
    fn daily(tz: &str, intervals: &[(&str, &str)]) -> Calendar {
        let day: Vec<Interval> = intervals.iter().map(|(s, e)| Interval::new(s, e)).collect();
        calendar(CalendarSpec { timezone: tz.into(), hours: WeeklyHours::every_day(&day), holidays: vec![] })
    }

    fn between(c: &Calendar, from: &str, to: &str) -> i64 {
        business_seconds_between(c, at(from), at(to))
    }

    fn add(c: &Calendar, from: &str, seconds: i64) -> Timestamp {
        add_business_seconds(c, at(from), seconds)
    }

    // ---- calendars ---------------------------------------------------------------------------

    fn field_of(spec: CalendarSpec) -> (String, String) {
        let e = Calendar::new(spec).unwrap_err();
        (e.field, e.message)
    }

    #[test]
    fn calendar_validation_names_the_field() {
        let mut spec = CalendarSpec::weekdays("Europe/Berln", &[("08:00", "17:00")]);
        let (field, message) = field_of(spec.clone());
        assert_eq!(field, "timezone");
        assert!(message.contains("Europe/Berln"), "{message}");

        spec.timezone = "Europe/Berlin".into();
        spec.hours.fri = vec![Interval::new("22:00", "02:00")];
        let (field, message) = field_of(spec.clone());
        assert_eq!(field, "hours.fri[0].end");
        assert!(message.contains("may not cross midnight"), "{message}");
        assert!(message.contains("22:00-24:00 on fri and 00:00-02:00 on sat"), "{message}");

        spec.hours.fri = vec![Interval::new("08:00", "12:00"), Interval::new("8am", "17:00")];
        assert_eq!(field_of(spec.clone()).0, "hours.fri[1].start");

        spec.hours.fri = vec![Interval::new("24:00", "24:00")];
        let (field, message) = field_of(spec.clone());
        assert_eq!(field, "hours.fri[0].start");
        assert!(message.contains("24:00 can only end a day"), "{message}");

        spec.hours.fri = vec![Interval::new("08:00", "24:30")];
        assert_eq!(field_of(spec.clone()).0, "hours.fri[0].end");

        spec.hours.fri = vec![Interval::new("13:00", "17:00"), Interval::new("08:00", "13:30")];
        let (field, message) = field_of(spec.clone());
        assert_eq!(field, "hours.fri");
        assert!(message.contains("08:00-13:30 and 13:00-17:00"), "{message}");

        spec.hours.fri = vec![Interval::new("08:00", "17:00")];
        spec.holidays = vec![
            Holiday { date: "2026-12-25".into(), name: String::new() },
            Holiday { date: "2026-13-01".into(), name: String::new() },
        ];
        let (field, message) = field_of(spec.clone());
        assert_eq!(field, "holidays[1].date");
        assert!(message.contains("\"2026-13-01\""), "{message}");

        let empty = CalendarSpec { timezone: "UTC".into(), hours: WeeklyHours::default(), holidays: vec![] };
        assert_eq!(field_of(empty).0, "hours");
    }

    #[test]
    fn calendar_is_normalized_and_serializes_as_its_spec() {
        let json = r#"{ "timezone": " Europe/Berlin ",
            "hours": { "mon": [{ "start": "13:00", "end": "17:30" }, { "start": " 08:00", "end": "12:00" }],
                       "sun": [{ "start": "00:00", "end": "24:00" }] },
            "holidays": [{ "date": "2026-12-25", "name": " Christmas Day " }, { "date": "2026-05-01" },
                         { "date": "2026-12-25" }] }"#;
        let c: Calendar = serde_json::from_str(json).unwrap();
        let spec = c.spec();
        assert_eq!(spec.timezone, "Europe/Berlin");
        assert_eq!(spec.hours.mon, vec![Interval::new("08:00", "12:00"), Interval::new("13:00", "17:30")]);
        assert_eq!(spec.hours.sun, vec![Interval::new("00:00", "24:00")]);
        assert!(spec.hours.tue.is_empty());
        assert_eq!(
            spec.holidays,
            vec![
                Holiday { date: "2026-05-01".into(), name: String::new() },
                Holiday { date: "2026-12-25".into(), name: "Christmas Day".into() },
            ]
        );
        let out = serde_json::to_value(&c).unwrap();
        assert_eq!(out["hours"]["mon"][0]["start"], "08:00");
        assert_eq!(out["holidays"][0], serde_json::json!({ "date": "2026-05-01" }));
        // Stored form reads back to the same calendar.
        let again: Calendar = serde_json::from_value(out).unwrap();
        assert_eq!(again.spec(), c.spec());

        let bad = r#"{ "timezone": "UTC", "hours": { "mon": [{ "start": "18:00", "end": "06:00" }] } }"#;
        let err = serde_json::from_str::<Calendar>(bad).unwrap_err().to_string();
        assert!(err.contains("hours.mon[0].end"), "{err}");
        let unknown = r#"{ "timezone": "UTC", "hours": { "monday": [] } }"#;
        assert!(serde_json::from_str::<Calendar>(unknown).is_err());
    }

    #[test]
    fn is_open_reads_the_wall_clock() {
        let c = berlin_office();
        assert!(c.is_open(at("2026-06-08T08:00+02:00"))); // Monday opening
        assert!(!c.is_open(at("2026-06-08T17:00+02:00"))); // closing is exclusive
        assert!(!c.is_open(at("2026-06-06T10:00+02:00"))); // Saturday
        assert!(!c.is_open(at("2026-05-01T10:00+02:00"))); // Labour Day
        assert!(c.is_open(at("2026-01-05T08:00+01:00"))); // winter time
        assert!(!c.is_open(at("2026-01-05T07:59+01:00")));
    }

    // ---- business time -----------------------------------------------------------------------

    #[test]
    fn across_a_weekend() {
        let c = berlin_office();
        // Fri 2026-06-05 15:00 CEST: 2 h until 17:00; Mon 2026-06-08 08:00 + 2 h = 10:00 CEST.
        assert_eq!(add(&c, "2026-06-05T15:00+02:00", 4 * H), at("2026-06-08T10:00+02:00"));
        assert_eq!(between(&c, "2026-06-05T15:00+02:00", "2026-06-08T10:00+02:00"), 4 * H);
        // The whole weekend is no business time.
        assert_eq!(between(&c, "2026-06-05T17:00+02:00", "2026-06-08T08:00+02:00"), 0);
        // A whole week: five 9-hour days.
        assert_eq!(between(&c, "2026-06-08T00:00+02:00", "2026-06-15T00:00+02:00"), 45 * H);
    }

    #[test]
    fn across_a_holiday() {
        let c = berlin_office();
        // Thu 2026-04-30 16:00: 1 h; Fri 2026-05-01 is Labour Day, then the weekend;
        // Mon 2026-05-04 08:00 + 2 h = 10:00 CEST.
        assert_eq!(add(&c, "2026-04-30T16:00+02:00", 3 * H), at("2026-05-04T10:00+02:00"));
        assert_eq!(between(&c, "2026-04-30T16:00+02:00", "2026-05-04T10:00+02:00"), 3 * H);
        // Without the holiday, Friday counts: Fri 08:00 + 2 h = 10:00.
        let plain = office("Europe/Berlin");
        assert_eq!(add(&plain, "2026-04-30T16:00+02:00", 3 * H), at("2026-05-01T10:00+02:00"));
        // Thu 2026-12-24 16:00 CET: 1 h; Fri 25th and Sat 26th holidays, Sun 27th;
        // Mon 2026-12-28 08:00 + 1 h = 09:00 CET.
        assert_eq!(add(&c, "2026-12-24T16:00+01:00", 2 * H), at("2026-12-28T09:00+01:00"));
    }

    #[test]
    fn starting_outside_hours_counts_from_the_next_opening() {
        let c = berlin_office();
        // Saturday 11:00: nothing until Mon 08:00, + 1 h = 09:00.
        assert_eq!(add(&c, "2026-06-06T11:00+02:00", H), at("2026-06-08T09:00+02:00"));
        // Monday 06:00, before opening: 08:00 + 30 min.
        assert_eq!(add(&c, "2026-06-08T06:00+02:00", 30 * M), at("2026-06-08T08:30+02:00"));
        // Monday 18:00, after closing: Tuesday 08:00 + 30 min.
        assert_eq!(add(&c, "2026-06-08T18:00+02:00", 30 * M), at("2026-06-09T08:30+02:00"));
        // In the lunch break of 08:00-12:00, 13:00-17:30: 13:00 + 30 min.
        let lunch = calendar(CalendarSpec::weekdays("Europe/Berlin", &[("08:00", "12:00"), ("13:00", "17:30")]));
        assert_eq!(add(&lunch, "2026-06-08T12:15+02:00", 30 * M), at("2026-06-08T13:30+02:00"));
        assert_eq!(between(&lunch, "2026-06-08T11:00+02:00", "2026-06-08T14:00+02:00"), 2 * H);
        // Zero or negative budget: no time passes.
        assert_eq!(add(&c, "2026-06-06T11:00+02:00", 0), at("2026-06-06T11:00+02:00"));
        assert_eq!(add(&c, "2026-06-06T11:00+02:00", -5), at("2026-06-06T11:00+02:00"));
        assert_eq!(between(&c, "2026-06-09T11:00+02:00", "2026-06-08T11:00+02:00"), 0);
    }

    #[test]
    fn due_exactly_at_a_closing_time_is_that_closing() {
        let c = berlin_office();
        // Mon 13:00 + 4 h = 17:00 the same day, not Tue 08:00.
        assert_eq!(add(&c, "2026-06-08T13:00+02:00", 4 * H), at("2026-06-08T17:00+02:00"));
        // One second more spills into Tuesday's opening.
        assert_eq!(add(&c, "2026-06-08T13:00+02:00", 4 * H + 1), at("2026-06-09T08:00:01+02:00"));
        let lunch = calendar(CalendarSpec::weekdays("Europe/Berlin", &[("08:00", "12:00"), ("13:00", "17:30")]));
        // Mon 10:00 + 2 h = 12:00, the start of lunch, not 13:00.
        assert_eq!(add(&lunch, "2026-06-08T10:00+02:00", 2 * H), at("2026-06-08T12:00+02:00"));
        // A whole day of 4 h + 4.5 h from Mon 08:00 = 17:30 Monday.
        assert_eq!(add(&lunch, "2026-06-08T08:00+02:00", 8 * H + 30 * M), at("2026-06-08T17:30+02:00"));
        // A week of budget from Mon 08:00 ends Fri 17:30.
        assert_eq!(add(&lunch, "2026-06-08T08:00+02:00", 5 * (8 * H + 30 * M)), at("2026-06-12T17:30+02:00"));
    }

    #[test]
    fn twenty_four_seven_is_elapsed_time() {
        let utc = calendar(CalendarSpec::twenty_four_seven("UTC"));
        assert_eq!(add(&utc, "2026-06-06T22:00Z", 4 * H), at("2026-06-07T02:00Z"));
        assert_eq!(between(&utc, "2026-06-06T22:00Z", "2026-06-09T22:00Z"), 72 * H);
        // In a zone with DST too: business time stays real time across the change.
        let berlin = calendar(CalendarSpec::twenty_four_seven("Europe/Berlin"));
        // Sat 2026-03-28 12:00 CET = 11:00Z; 24 real hours later = Sun 11:00Z = 13:00 CEST.
        assert_eq!(add(&berlin, "2026-03-28T12:00+01:00", 24 * H), at("2026-03-29T13:00+02:00"));
        assert_eq!(between(&berlin, "2026-03-28T12:00+01:00", "2026-03-29T13:00+02:00"), 24 * H);
        // 2026-12-25 is a holiday only in calendars that list it.
        assert!(utc.is_open(at("2026-12-25T12:00Z")));
    }

    #[test]
    fn dst_spring_forward_in_berlin() {
        // 2026-03-29 02:00 CET (01:00Z) the clocks jump to 03:00 CEST.
        let c = office("Europe/Berlin");
        // Fri 2026-03-27 16:00 CET: 1 h; Mon 2026-03-30 08:00 CEST + 1 h = 09:00 CEST (07:00Z),
        // not 08:00Z as a fixed offset would give.
        assert_eq!(add(&c, "2026-03-27T16:00+01:00", 2 * H), at("2026-03-30T09:00+02:00"));
        assert_eq!(between(&c, "2026-03-27T16:00+01:00", "2026-03-30T09:00+02:00"), 2 * H);
        let sunday = ("2026-03-29T00:00+01:00", "2026-03-30T00:00+02:00");
        // 08:00-17:00 on the change day is still 9 hours: the gap is outside the hours.
        assert_eq!(between(&daily("Europe/Berlin", &[("08:00", "17:00")]), sunday.0, sunday.1), 9 * H);
        // A 24x7 day has 23 hours.
        let all = calendar(CalendarSpec::twenty_four_seven("Europe/Berlin"));
        assert_eq!(between(&all, sunday.0, sunday.1), 23 * H);
        // 00:00 CET (2026-03-28T23:00Z) + 12 real hours = 11:00Z = 13:00 CEST.
        assert_eq!(add(&all, sunday.0, 12 * H), at("2026-03-29T13:00+02:00"));
        // 01:00-05:00 contains the skipped hour: 01:00-02:00 CET + 03:00-05:00 CEST = 3 hours.
        let night = daily("Europe/Berlin", &[("01:00", "05:00")]);
        assert_eq!(between(&night, sunday.0, sunday.1), 3 * H);
        // 01:30 CET + 1 h: 30 min to the jump at 02:00 CET, then 03:00 CEST + 30 min.
        assert_eq!(add(&night, "2026-03-29T01:30+01:00", H), at("2026-03-29T03:30+02:00"));
        // 02:30-04:00 starts in the gap: the clock shows 03:00-04:00 of it, 1 hour.
        let late = daily("Europe/Berlin", &[("02:30", "04:00")]);
        assert_eq!(between(&late, sunday.0, sunday.1), H);
        assert_eq!(add(&late, sunday.0, 30 * M), at("2026-03-29T03:30+02:00"));
    }

    #[test]
    fn dst_fall_back_in_berlin() {
        // 2026-10-25 03:00 CEST (01:00Z) the clocks go back to 02:00 CET.
        let c = office("Europe/Berlin");
        // Fri 2026-10-23 16:00 CEST: 1 h; Mon 2026-10-26 08:00 CET + 1 h = 09:00 CET (08:00Z).
        assert_eq!(add(&c, "2026-10-23T16:00+02:00", 2 * H), at("2026-10-26T09:00+01:00"));
        let sunday = ("2026-10-25T00:00+02:00", "2026-10-26T00:00+01:00");
        assert_eq!(between(&daily("Europe/Berlin", &[("08:00", "17:00")]), sunday.0, sunday.1), 9 * H);
        // A 24x7 day has 25 hours.
        let all = calendar(CalendarSpec::twenty_four_seven("Europe/Berlin"));
        assert_eq!(between(&all, sunday.0, sunday.1), 25 * H);
        // 01:00-05:00 lives the repeated hour twice: 01:00 CEST (23:00Z) to 05:00 CET (04:00Z).
        let night = daily("Europe/Berlin", &[("01:00", "05:00")]);
        assert_eq!(between(&night, sunday.0, sunday.1), 5 * H);
        // 01:30 CEST + 2 h: 01:30 -> 03:00 CEST (= 02:00 CET) is 1.5 h, then 02:30 CET.
        assert_eq!(add(&night, "2026-10-25T01:30+02:00", 2 * H), at("2026-10-25T02:30+01:00"));
        // 02:30-04:00 is met on both passes: 02:30-03:00 CEST (30 min) + 02:30-04:00 CET (1.5 h).
        let late = daily("Europe/Berlin", &[("02:30", "04:00")]);
        assert_eq!(between(&late, sunday.0, sunday.1), 2 * H);
        // 45 min from midnight: 02:30 -> 03:00 CEST is 30 min; the clock shows 02:00 CET, hours
        // resume at 02:30 CET; + 15 min = 02:45 CET (01:45Z).
        assert_eq!(add(&late, sunday.0, 45 * M), at("2026-10-25T02:45+01:00"));
        // Between the passes (02:00-02:30 CET) it is closed.
        assert!(!late.is_open(at("2026-10-25T02:15+01:00")));
        assert!(late.is_open(at("2026-10-25T02:45+02:00")));
    }

    #[test]
    fn dst_changes_in_new_york() {
        // 2026-03-08 02:00 EST (07:00Z) -> 03:00 EDT; 2026-11-01 02:00 EDT (06:00Z) -> 01:00 EST.
        let c = calendar(CalendarSpec::weekdays("America/New_York", &[("09:00", "17:00")]));
        // Fri 2026-03-06 16:00 EST: 1 h; Mon 2026-03-09 09:00 EDT + 1 h = 10:00 EDT (14:00Z).
        assert_eq!(add(&c, "2026-03-06T16:00-05:00", 2 * H), at("2026-03-09T10:00-04:00"));
        assert_eq!(between(&c, "2026-03-06T16:00-05:00", "2026-03-09T10:00-04:00"), 2 * H);
        // Fri 2026-10-30 16:00 EDT: 1 h; Mon 2026-11-02 09:00 EST + 1 h = 10:00 EST (15:00Z).
        assert_eq!(add(&c, "2026-10-30T16:00-04:00", 2 * H), at("2026-11-02T10:00-05:00"));
        assert_eq!(between(&c, "2026-10-30T16:00-04:00", "2026-11-02T10:00-05:00"), 2 * H);

        let all = calendar(CalendarSpec::twenty_four_seven("America/New_York"));
        assert_eq!(between(&all, "2026-03-08T00:00-05:00", "2026-03-09T00:00-04:00"), 23 * H);
        assert_eq!(between(&all, "2026-11-01T00:00-04:00", "2026-11-02T00:00-05:00"), 25 * H);
        // Sat 2026-03-07 12:00 EST (17:00Z) + 24 h = Sun 17:00Z = 13:00 EDT.
        assert_eq!(add(&all, "2026-03-07T12:00-05:00", 24 * H), at("2026-03-08T13:00-04:00"));
        // Sat 2026-10-31 12:00 EDT (16:00Z) + 24 h = Sun 16:00Z = 11:00 EST.
        assert_eq!(add(&all, "2026-10-31T12:00-04:00", 24 * H), at("2026-11-01T11:00-05:00"));
        let day = daily("America/New_York", &[("08:00", "17:00")]);
        assert_eq!(between(&day, "2026-03-08T00:00-05:00", "2026-03-09T00:00-04:00"), 9 * H);
        assert_eq!(between(&day, "2026-11-01T00:00-04:00", "2026-11-02T00:00-05:00"), 9 * H);
        // 00:00-03:00 on the fall day: 00:00 EDT (04:00Z) to 03:00 EST (08:00Z), 4 hours.
        let night = daily("America/New_York", &[("00:00", "03:00")]);
        assert_eq!(between(&night, "2026-11-01T00:00-04:00", "2026-11-02T00:00-05:00"), 4 * H);
    }

    #[test]
    fn long_spans_are_exact_and_fast() {
        let c = office("Europe/Berlin");
        // Mon 2026-01-05 to Sun 2026-04-05 is 90 days: 12 weeks and Mon-Sat, 60 + 5 = 65 working
        // days of 9 h = 2,106,000 s. The DST change (Sun 2026-03-29) is outside the hours.
        let (from, to) = ("2026-01-05T00:00+01:00", "2026-04-05T00:00+02:00");
        assert_eq!(between(&c, from, to), 65 * 9 * H);
        // Spending exactly that budget ends at the last closing: Fri 2026-04-03 17:00 CEST.
        assert_eq!(add(&c, from, 65 * 9 * H), at("2026-04-03T17:00+02:00"));
        // With Good Friday (2026-04-03) off: 64 days, ending Thu 2026-04-02 17:00.
        let mut spec = c.spec().clone();
        spec.holidays = vec![Holiday { date: "2026-04-03".into(), name: "Good Friday".into() }];
        let easter = calendar(spec);
        assert_eq!(between(&easter, from, to), 64 * 9 * H);
        assert_eq!(add(&easter, from, 64 * 9 * H), at("2026-04-02T17:00+02:00"));
        // The year 2026: 52 weeks + Thu 31 Dec = 261 weekdays; Labour Day and Christmas Day fall
        // on Fridays (26 Dec is a Saturday): 259 days of 9 h.
        let year = ("2026-01-01T00:00+01:00", "2027-01-01T00:00+01:00");
        assert_eq!(between(&berlin_office(), year.0, year.1), 259 * 9 * H);
        assert_eq!(add(&berlin_office(), year.0, 259 * 9 * H), at("2026-12-31T17:00+01:00"));

        let started = std::time::Instant::now();
        for i in 0..2000 {
            let from = at(from) + jiff::SignedDuration::from_mins(i);
            let used = business_seconds_between(&c, from, at(to));
            assert!(add_business_seconds(&c, from, used) <= at(to));
        }
        // Walking minute by minute would take minutes here; whole weeks take microseconds.
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
        // A budget beyond the representable years saturates instead of looping or panicking.
        let never = add_business_seconds(&c, at(from), i64::MAX);
        assert_eq!(never.as_second(), Timestamp::MAX.as_second());
    }

    // ---- properties on random instants -------------------------------------------------------

    /// SplitMix64: small, deterministic, good enough to spread test instants.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: i64) -> i64 {
            (self.next() % n as u64) as i64
        }
    }

    /// Calendars with the awkward cases: lunch breaks and holidays, boundaries inside DST gaps and
    /// folds, a 30-minute DST shift (Lord Howe), changes at midnight (Beirut), no DST (Kolkata).
    fn awkward_calendars() -> Vec<Calendar> {
        let mut lunch = CalendarSpec::weekdays("Europe/Berlin", &[("08:00", "12:00"), ("13:00", "17:30")]);
        lunch.holidays = ["2026-04-03", "2026-05-01", "2026-12-24", "2026-12-25", "2027-01-01"]
            .iter()
            .map(|d| Holiday { date: d.to_string(), name: String::new() })
            .collect();
        let mut beirut = CalendarSpec {
            timezone: "Asia/Beirut".into(),
            hours: WeeklyHours::every_day(&[Interval::new("00:00", "01:00"), Interval::new("23:00", "24:00")]),
            holidays: vec![],
        };
        beirut.hours.sat.push(Interval::new("08:00", "12:00"));
        vec![
            calendar(lunch),
            calendar(CalendarSpec::weekdays("America/New_York", &[("09:00", "17:00")])),
            calendar(CalendarSpec::twenty_four_seven("Europe/Berlin")),
            daily("Europe/Berlin", &[("02:30", "04:00"), ("22:00", "24:00")]),
            daily("America/New_York", &[("01:30", "02:30")]),
            daily("Australia/Lord_Howe", &[("01:00", "03:00")]),
            calendar(beirut),
            calendar(CalendarSpec::weekdays("Asia/Kolkata", &[("09:30", "18:00")])),
        ]
    }

    /// A random whole-minute instant in 2025-2027, half of them within two days of one of the
    /// zone's offset changes.
    fn random_instant(rng: &mut Rng, c: &Calendar) -> Timestamp {
        let start = at("2025-01-01T00:00Z");
        let transitions: Vec<Timestamp> = c
            .time_zone()
            .following(start)
            .take_while(|t| t.timestamp() < at("2028-01-01T00:00Z"))
            .map(|t| t.timestamp())
            .collect();
        let minute = if !transitions.is_empty() && rng.below(2) == 0 {
            let t = transitions[rng.below(transitions.len() as i64) as usize];
            t.as_second() / 60 + rng.below(4 * 24 * 60) - 2 * 24 * 60
        } else {
            start.as_second() / 60 + rng.below(3 * 365 * 24 * 60)
        };
        Timestamp::from_second(minute * 60).unwrap()
    }

    #[test]
    fn between_matches_a_minute_by_minute_count() {
        // Every boundary (hours, offset changes) is on a whole minute, so counting the minutes
        // whose first second is open is the definition, done the slow way.
        let mut rng = Rng(1);
        for c in awkward_calendars() {
            for _ in 0..40 {
                let from = random_instant(&mut rng, &c);
                let to = from + jiff::SignedDuration::from_mins(rng.below(3 * 24 * 60));
                let mut counted = 0;
                let mut t = from;
                while t < to {
                    if c.is_open(t) {
                        counted += M;
                    }
                    t += jiff::SignedDuration::from_mins(1);
                }
                assert_eq!(business_seconds_between(&c, from, to), counted, "{} {from} -> {to}", c.spec().timezone);
            }
        }
    }

    #[test]
    fn round_trips_on_random_instants() {
        let mut rng = Rng(7);
        for c in awkward_calendars() {
            for _ in 0..300 {
                let from = random_instant(&mut rng, &c) + jiff::SignedDuration::from_secs(rng.below(60));
                let to = from
                    + jiff::SignedDuration::from_secs({
                        let days = if rng.below(4) == 0 { 400 } else { 5 };
                        rng.below(days * 86_400)
                    });
                let used = business_seconds_between(&c, from, to);
                let end = add_business_seconds(&c, from, used);
                assert!(end <= to, "{} add({from}, {used}) = {end} > {to}", c.spec().timezone);
                assert_eq!(business_seconds_between(&c, from, end), used);
                if used > 0 {
                    // Business time ends at the instant returned: the second before it is open.
                    assert!(c.is_open(end - jiff::SignedDuration::from_secs(1)), "{} {end}", c.spec().timezone);
                }
                // Adding a budget and measuring it back gives the budget.
                let days = if rng.below(4) == 0 { 200 } else { 3 };
                let budget = 1 + rng.below(days * 86_400);
                let due = add_business_seconds(&c, from, budget);
                assert_eq!(business_seconds_between(&c, from, due), budget, "{} {from} + {budget}", c.spec().timezone);
                // Splitting a span anywhere adds up.
                let mid = from + jiff::SignedDuration::from_secs(rng.below((to.as_second() - from.as_second()).max(1)));
                assert_eq!(business_seconds_between(&c, from, mid) + business_seconds_between(&c, mid, to), used);
            }
        }
    }

    #[test]
    fn long_spans_add_up_day_by_day() {
        // The whole-week shortcut against the sum of one-day pieces.
        let mut rng = Rng(11);
        for c in awkward_calendars() {
            for _ in 0..5 {
                let from = random_instant(&mut rng, &c);
                let mut sum = 0;
                let mut t = from;
                for _ in 0..200 {
                    let next = t + jiff::SignedDuration::from_hours(23);
                    sum += business_seconds_between(&c, t, next);
                    t = next;
                }
                assert_eq!(business_seconds_between(&c, from, t), sum, "{} {from}", c.spec().timezone);
            }
        }
    }

    // ---- clocks ------------------------------------------------------------------------------

    use Priority::{P1, P2, P3, P4};

    fn created(t: &str, priority: Priority) -> ClockEvent {
        ClockEvent::Created { at: at(t), priority }
    }

    fn status(t: &str, status: Status) -> ClockEvent {
        ClockEvent::StatusChanged { at: at(t), status }
    }

    fn priority(t: &str, priority: Priority) -> ClockEvent {
        ClockEvent::PriorityChanged { at: at(t), priority }
    }

    fn response(t: &str) -> ClockEvent {
        ClockEvent::FirstResponse { at: at(t) }
    }

    /// The default policy (P1 30 min / 4 h, P2 1 h / 8 h, P3 4 h / 24 h, P4 8 h / 40 h, warning at
    /// 75 %) on the Berlin office calendar (Mon-Fri 08:00-17:00).
    fn report(history: &[ClockEvent], now: &str) -> SlaReport {
        evaluate(&berlin_office(), &SlaPolicy::default(), history, at(now)).unwrap()
    }

    #[test]
    fn a_new_ticket_has_both_clocks_running() {
        // P2 created Mon 2026-06-08 09:00 CEST, looked at 09:30.
        let r = report(&[created("2026-06-08T09:00+02:00", P2)], "2026-06-08T09:30+02:00");
        let fr = &r.first_response;
        assert_eq!(fr.state, ClockState::Running);
        assert_eq!(
            (fr.target_minutes, fr.used_seconds, fr.remaining_seconds, fr.used_percent),
            (60, 30 * M, 30 * M, 50)
        );
        // 60 min from 09:00: due 10:00; 75 % = 45 min: warning 09:45.
        assert_eq!(fr.due, Some(at("2026-06-08T10:00+02:00")));
        assert_eq!(fr.warning_at, Some(at("2026-06-08T09:45+02:00")));
        assert!(!fr.warned && !fr.breached && !fr.met);
        // 8 h from 09:00: due 17:00 (a closing time); 6 h: warning 15:00.
        assert_eq!(r.resolution.due, Some(at("2026-06-08T17:00+02:00")));
        assert_eq!(r.resolution.warning_at, Some(at("2026-06-08T15:00+02:00")));
        assert_eq!(r.next_change, Some(at("2026-06-08T09:45+02:00")));
        assert_eq!(r.priority, P2);
    }

    #[test]
    fn created_outside_hours_starts_counting_at_the_next_opening() {
        // P2 created Sat 2026-06-06 10:00: first response due Mon 08:00 + 1 h = 09:00, resolution
        // Mon 08:00 + 8 h = 16:00. Nothing is used over the weekend.
        let r = report(&[created("2026-06-06T10:00+02:00", P2)], "2026-06-07T20:00+02:00");
        assert_eq!(r.first_response.used_seconds, 0);
        assert_eq!(r.first_response.due, Some(at("2026-06-08T09:00+02:00")));
        assert_eq!(r.resolution.due, Some(at("2026-06-08T16:00+02:00")));
    }

    /// Evaluates the way the server will: after every event and whenever `next_change` comes,
    /// noting when `warned` and `breached` first show. Returns (clock and what, instant) in order.
    fn notices(history: &[ClockEvent], until: &str) -> Vec<(&'static str, Timestamp)> {
        let (calendar, policy) = (berlin_office(), SlaPolicy::default());
        let until = at(until);
        let mut now = history[0].at();
        let mut seen = [false; 4];
        let mut out = Vec::new();
        loop {
            let r = evaluate(&calendar, &policy, history, now).unwrap();
            let flags =
                [r.first_response.warned, r.first_response.breached, r.resolution.warned, r.resolution.breached];
            let names = ["first_response warning", "first_response breach", "resolution warning", "resolution breach"];
            for i in 0..4 {
                assert!(!seen[i] || flags[i], "{} went away at {now}", names[i]);
                if flags[i] && !seen[i] {
                    out.push((names[i], now));
                }
            }
            seen = flags;
            let next_event = history.iter().map(ClockEvent::at).filter(|t| *t > now).min();
            match [r.next_change, next_event].into_iter().flatten().min() {
                Some(t) if t <= until => now = t,
                _ => return out,
            }
        }
    }

    #[test]
    fn warning_at_75_percent_then_breach_at_100_each_reported_once() {
        // P1 created Mon 2026-06-08 09:00, nobody answers: first response warns at 75 % of
        // 30 min = 09:22:30 and breaches at 09:30; resolution warns at 3 h = 12:00, breaches at
        // 4 h = 13:00.
        let history = [created("2026-06-08T09:00+02:00", P1)];
        assert_eq!(
            notices(&history, "2026-06-12T00:00+02:00"),
            vec![
                ("first_response warning", at("2026-06-08T09:22:30+02:00")),
                ("first_response breach", at("2026-06-08T09:30+02:00")),
                ("resolution warning", at("2026-06-08T12:00+02:00")),
                ("resolution breach", at("2026-06-08T13:00+02:00")),
            ]
        );
        // Polled every minute instead, each flag turns on once and stays on.
        let mut flips = [0; 4];
        let mut last = [false; 4];
        let mut now = at("2026-06-08T09:00+02:00");
        while now < at("2026-06-09T12:00+02:00") {
            let r = report(&history, &now.to_string());
            let flags =
                [r.first_response.warned, r.first_response.breached, r.resolution.warned, r.resolution.breached];
            for i in 0..4 {
                assert!(!last[i] || flags[i]);
                flips[i] += usize::from(flags[i] && !last[i]);
            }
            last = flags;
            now += jiff::SignedDuration::from_mins(1);
        }
        assert_eq!(flips, [1, 1, 1, 1]);
        // After both breaches nothing changes on its own any more.
        let r = report(&history, "2026-06-08T14:00+02:00");
        assert_eq!(r.next_change, None);
        assert_eq!(r.resolution.due, Some(at("2026-06-08T13:00+02:00")));
        assert_eq!(r.resolution.used_percent, 125);
        assert_eq!(r.resolution.remaining_seconds, -H);
    }

    #[test]
    fn due_at_closing_time_breaches_at_that_instant() {
        // P2 created Mon 09:00: resolution due 17:00 exactly.
        let c = [created("2026-06-08T09:00+02:00", P2), response("2026-06-08T09:05+02:00")];
        assert!(!report(&c, "2026-06-08T16:59:59+02:00").resolution.breached);
        assert!(report(&c, "2026-06-08T17:00+02:00").resolution.breached);
        // Resolved a minute before: met. Resolved at 17:00 itself: the budget ran out first.
        let early = [c[0].clone(), c[1].clone(), status("2026-06-08T16:59+02:00", Status::Resolved)];
        let r = report(&early, "2026-06-09T12:00+02:00");
        assert!(r.resolution.met && !r.resolution.breached);
        assert_eq!(r.resolution.due, None);
        let late = [c[0].clone(), c[1].clone(), status("2026-06-08T17:00+02:00", Status::Resolved)];
        let r = report(&late, "2026-06-09T12:00+02:00");
        assert!(!r.resolution.met && r.resolution.breached);
        assert_eq!(r.resolution.due, Some(at("2026-06-08T17:00+02:00")));
    }

    #[test]
    fn pending_across_a_weekend_does_not_count() {
        // P2 created Fri 2026-06-05 15:00, answered 15:20, pending from 16:00 (1 h used) until
        // Mon 2026-06-08 10:00. 7 h left from Mon 10:00: due 17:00. Without the pause it would
        // have been due Mon 14:00 (Fri 2 h + Mon 6 h).
        let history = [
            created("2026-06-05T15:00+02:00", P2),
            response("2026-06-05T15:20+02:00"),
            status("2026-06-05T16:00+02:00", Status::Pending),
            status("2026-06-08T10:00+02:00", Status::Open),
        ];
        let paused = report(&history, "2026-06-06T12:00+02:00");
        assert_eq!(paused.resolution.state, ClockState::Paused);
        assert_eq!(paused.resolution.used_seconds, H);
        assert_eq!(paused.resolution.due, None);
        assert_eq!(paused.next_change, None);
        let fr = &paused.first_response;
        assert!(fr.met && fr.state == ClockState::Stopped && fr.used_seconds == 20 * M);
        assert_eq!(fr.stopped_at, Some(at("2026-06-05T15:20+02:00")));

        // Pending covered Monday 08:00-10:00 too: still 1 h used at 10:00.
        let r = report(&history, "2026-06-08T10:00+02:00");
        assert_eq!(r.resolution.used_seconds, H);
        assert_eq!(r.resolution.due, Some(at("2026-06-08T17:00+02:00")));
        // Warning at 6 h used: 5 h more from 10:00 = 15:00.
        assert_eq!(r.resolution.warning_at, Some(at("2026-06-08T15:00+02:00")));
        let unpaused = report(&history[..2], "2026-06-08T10:00+02:00");
        assert_eq!(unpaused.resolution.due, Some(at("2026-06-08T14:00+02:00")));
    }

    #[test]
    fn pending_across_a_night_does_not_count() {
        // P2 created Tue 2026-06-09 14:00, answered 14:10, pending 15:00 (1 h used) until Wed
        // 10:00: 7 h left, due Wed 17:00 (without the pause: Tue 3 h + Wed 5 h = Wed 13:00).
        let history = [
            created("2026-06-09T14:00+02:00", P2),
            response("2026-06-09T14:10+02:00"),
            status("2026-06-09T15:00+02:00", Status::Pending),
            status("2026-06-10T10:00+02:00", Status::Open),
        ];
        let r = report(&history, "2026-06-10T11:00+02:00");
        assert_eq!(r.resolution.used_seconds, 2 * H);
        assert_eq!(r.resolution.due, Some(at("2026-06-10T17:00+02:00")));
        assert_eq!(report(&history[..2], "2026-06-10T11:00+02:00").resolution.due, Some(at("2026-06-10T13:00+02:00")));
    }

    #[test]
    fn pending_before_the_first_response_pauses_it_too() {
        // P2 created Mon 09:00, pending 09:20 to 11:00 without an answer: 20 min used at 11:00,
        // due 11:40.
        let history = [
            created("2026-06-08T09:00+02:00", P2),
            status("2026-06-08T09:20+02:00", Status::Pending),
            status("2026-06-08T11:00+02:00", Status::Open),
        ];
        assert_eq!(report(&history[..2], "2026-06-08T10:30+02:00").first_response.state, ClockState::Paused);
        let r = report(&history, "2026-06-08T11:00+02:00");
        assert_eq!(r.first_response.used_seconds, 20 * M);
        assert_eq!(r.first_response.due, Some(at("2026-06-08T11:40+02:00")));
    }

    #[test]
    fn reopening_after_a_breach_keeps_the_breach() {
        // P1 created Mon 2026-06-08 09:00, answered 09:05; resolution due 13:00; resolved 14:00
        // (breached at 13:00); reopened Tue 09:00; resolved again Tue 10:00.
        let history = [
            created("2026-06-08T09:00+02:00", P1),
            response("2026-06-08T09:05+02:00"),
            status("2026-06-08T14:00+02:00", Status::Resolved),
            status("2026-06-09T09:00+02:00", Status::Open),
            status("2026-06-09T10:00+02:00", Status::Resolved),
        ];
        let reopened = report(&history, "2026-06-09T09:30+02:00");
        assert_eq!(reopened.resolution.state, ClockState::Running);
        assert!(reopened.resolution.breached && !reopened.resolution.met);
        assert_eq!(reopened.resolution.due, Some(at("2026-06-08T13:00+02:00")));
        assert_eq!(reopened.next_change, None);
        let r = report(&history, "2026-06-09T12:00+02:00");
        let res = &r.resolution;
        assert_eq!(res.state, ClockState::Stopped);
        assert!(res.breached && !res.met);
        assert_eq!(res.due, Some(at("2026-06-08T13:00+02:00")));
        // Mon 09:00-14:00 and Tue 09:00-10:00.
        assert_eq!(res.used_seconds, 6 * H);
        assert_eq!(res.stopped_at, Some(at("2026-06-09T10:00+02:00")));
        assert!(r.first_response.met);
    }

    #[test]
    fn reopening_a_met_ticket_resumes_its_clock() {
        // P1 created Mon 09:00, answered 09:05, resolved 10:00 (1 h used, met), reopened 15:00.
        // 3 h left from 15:00: Mon 2 h to 17:00, Tue 08:00 + 1 h = 09:00. Warning at 3 h used:
        // 2 h from 15:00 = 17:00 Monday, a closing time.
        let history = [
            created("2026-06-08T09:00+02:00", P1),
            response("2026-06-08T09:05+02:00"),
            status("2026-06-08T10:00+02:00", Status::Resolved),
            status("2026-06-08T15:00+02:00", Status::Open),
        ];
        let resolved = report(&history, "2026-06-08T12:00+02:00");
        assert!(resolved.resolution.met);
        assert_eq!(resolved.resolution.state, ClockState::Stopped);
        let r = report(&history, "2026-06-08T15:00+02:00");
        assert!(!r.resolution.met && r.resolution.state == ClockState::Running);
        assert_eq!(r.resolution.stopped_at, None);
        assert_eq!(r.resolution.due, Some(at("2026-06-09T09:00+02:00")));
        assert_eq!(r.resolution.warning_at, Some(at("2026-06-08T17:00+02:00")));
    }

    #[test]
    fn priority_raised_past_the_new_target_breaches_at_the_change() {
        // P3 created Mon 09:00, raised to P1 at 10:00: first response has used 60 min of P1's 30,
        // so it warns and breaches at 10:00. Resolution has used 1 h of P1's 4 h: due 13:00
        // (4 h from creation), warning 12:00.
        let history = [created("2026-06-08T09:00+02:00", P3), priority("2026-06-08T10:00+02:00", P1)];
        assert!(!report(&history, "2026-06-08T09:59+02:00").first_response.breached);
        let r = report(&history, "2026-06-08T10:00+02:00");
        assert_eq!(r.priority, P1);
        let fr = &r.first_response;
        assert!(fr.breached && fr.warned);
        assert_eq!(fr.due, Some(at("2026-06-08T10:00+02:00")));
        assert_eq!(fr.warning_at, Some(at("2026-06-08T10:00+02:00")));
        assert_eq!(fr.target_minutes, 30);
        assert_eq!(r.resolution.due, Some(at("2026-06-08T13:00+02:00")));
        assert_eq!(r.resolution.warning_at, Some(at("2026-06-08T12:00+02:00")));
        assert_eq!(r.next_change, Some(at("2026-06-08T12:00+02:00")));
    }

    #[test]
    fn priority_raised_within_the_new_target_retargets_from_creation() {
        // P4 created Mon 09:00, raised to P1 at 09:10: first response due 09:30, warning 09:22:30.
        let history = [created("2026-06-08T09:00+02:00", P4), priority("2026-06-08T09:10+02:00", P1)];
        let r = report(&history, "2026-06-08T09:10+02:00");
        assert!(!r.first_response.breached && !r.first_response.warned);
        assert_eq!(r.first_response.due, Some(at("2026-06-08T09:30+02:00")));
        assert_eq!(r.first_response.warning_at, Some(at("2026-06-08T09:22:30+02:00")));
    }

    #[test]
    fn priority_lowered_moves_the_due_time_out() {
        // P1 created Mon 2026-06-08 09:00, answered 09:10, lowered to P3 at 11:00 (before the P1
        // warning at 12:00). Resolution: 24 h from creation = Mon 8 h + Tue 9 h + Wed 08:00 + 7 h
        // = Wed 2026-06-10 15:00; warning at 18 h = Wed 09:00.
        let history = [
            created("2026-06-08T09:00+02:00", P1),
            response("2026-06-08T09:10+02:00"),
            priority("2026-06-08T11:00+02:00", P3),
        ];
        let r = report(&history, "2026-06-08T13:30+02:00");
        assert!(!r.resolution.warned && !r.resolution.breached);
        assert_eq!(r.resolution.target_minutes, 24 * 60);
        assert_eq!(r.resolution.due, Some(at("2026-06-10T15:00+02:00")));
        assert_eq!(r.resolution.warning_at, Some(at("2026-06-10T09:00+02:00")));
        // The first response was measured against P1's 30 minutes and stays met.
        assert!(r.first_response.met);
        assert_eq!(r.first_response.target_minutes, 30);
    }

    #[test]
    fn priority_lowered_after_a_breach_keeps_the_breach_and_the_warning() {
        // P1 created Mon 09:00, no answer: warning 09:22:30, breach 09:30. Lowered to P4 at 10:00.
        let history = [created("2026-06-08T09:00+02:00", P1), priority("2026-06-08T10:00+02:00", P4)];
        let r = report(&history, "2026-06-08T10:30+02:00");
        let fr = &r.first_response;
        assert!(fr.breached && fr.warned && !fr.met);
        assert_eq!(fr.due, Some(at("2026-06-08T09:30+02:00")));
        assert_eq!(fr.warning_at, Some(at("2026-06-08T09:22:30+02:00")));
        assert_eq!(fr.target_minutes, 8 * 60);
        assert_eq!(fr.used_seconds, 90 * M);
        // The late answer stops the clock; the breach stays.
        let answered = [history[0].clone(), history[1].clone(), response("2026-06-08T10:05+02:00")];
        let fr = report(&answered, "2026-06-08T11:00+02:00").first_response;
        assert!(fr.breached && !fr.met && fr.state == ClockState::Stopped);
        assert_eq!(fr.stopped_at, Some(at("2026-06-08T10:05+02:00")));
        // A warning already given is not given again for the longer target; the breach comes at
        // P4's 8 h from creation, Mon 17:00.
        let warned = [created("2026-06-08T09:00+02:00", P1), priority("2026-06-08T09:25+02:00", P4)];
        assert_eq!(
            notices(&warned, "2026-06-08T18:00+02:00"),
            vec![
                ("first_response warning", at("2026-06-08T09:22:30+02:00")),
                ("first_response breach", at("2026-06-08T17:00+02:00")),
            ]
        );
    }

    #[test]
    fn a_met_first_response_stays_met_when_priority_rises() {
        // P4 created Mon 09:00, answered 09:45 (within P4's 8 h), raised to P1 at 10:00: 45 min
        // exceed P1's 30, but the response was in time for the target that applied.
        let history = [
            created("2026-06-08T09:00+02:00", P4),
            response("2026-06-08T09:45+02:00"),
            priority("2026-06-08T10:00+02:00", P1),
        ];
        let r = report(&history, "2026-06-08T10:00+02:00");
        assert!(r.first_response.met && !r.first_response.breached);
        assert_eq!(r.first_response.target_minutes, 8 * 60);
        // The resolution clock did take the new target: 4 h from creation.
        assert_eq!(r.resolution.due, Some(at("2026-06-08T13:00+02:00")));
    }

    #[test]
    fn priority_raised_while_pending_breaches_at_the_change() {
        // P3 created Mon 09:00, pending 09:50 without an answer (50 min used), raised to P1 at
        // 10:30: past P1's 30 minutes, so the first response breaches at 10:30 though paused.
        let history = [
            created("2026-06-08T09:00+02:00", P3),
            status("2026-06-08T09:50+02:00", Status::Pending),
            priority("2026-06-08T10:30+02:00", P1),
        ];
        let r = report(&history, "2026-06-08T11:00+02:00");
        assert_eq!(r.first_response.state, ClockState::Paused);
        assert!(r.first_response.breached);
        assert_eq!(r.first_response.due, Some(at("2026-06-08T10:30+02:00")));
        assert_eq!(r.resolution.state, ClockState::Paused);
        assert!(!r.resolution.breached);
    }

    #[test]
    fn priority_raised_on_a_resolved_ticket_breaches_only_if_reopened() {
        // P3 created Mon 09:00, answered 09:05, resolved 14:00 (5 h of 24: met). Raised to P1
        // at 15:00 (4 h): still met while resolved; reopened Tue 09:00: breaches then.
        let history = [
            created("2026-06-08T09:00+02:00", P3),
            response("2026-06-08T09:05+02:00"),
            status("2026-06-08T14:00+02:00", Status::Resolved),
            priority("2026-06-08T15:00+02:00", P1),
            status("2026-06-09T09:00+02:00", Status::Open),
        ];
        let r = report(&history, "2026-06-08T16:00+02:00");
        assert!(r.resolution.met && !r.resolution.breached);
        assert_eq!(r.resolution.used_percent, 125);
        let r = report(&history, "2026-06-09T09:00+02:00");
        assert!(r.resolution.breached && !r.resolution.met);
        assert_eq!(r.resolution.due, Some(at("2026-06-09T09:00+02:00")));
    }

    #[test]
    fn resolving_without_an_answer_meets_the_first_response() {
        // P2 created Mon 09:00, resolved 09:20 by the alert's recovery, then closed.
        let history = [
            created("2026-06-08T09:00+02:00", P2),
            status("2026-06-08T09:20+02:00", Status::Resolved),
            status("2026-06-11T09:20+02:00", Status::Closed),
        ];
        let r = report(&history, "2026-06-12T00:00+02:00");
        assert!(r.first_response.met && r.resolution.met);
        assert_eq!(r.first_response.stopped_at, Some(at("2026-06-08T09:20+02:00")));
        // Closing after resolving keeps the resolution instant.
        assert_eq!(r.resolution.stopped_at, Some(at("2026-06-08T09:20+02:00")));
        assert_eq!(r.next_change, None);
    }

    #[test]
    fn clocks_follow_the_calendar_across_dst() {
        // P2 created Fri 2026-03-27 13:00 CET: resolution 8 h = Fri 4 h + Mon 2026-03-30 08:00
        // CEST + 4 h = 12:00 CEST (10:00Z).
        let r = report(&[created("2026-03-27T13:00+01:00", P2)], "2026-03-27T13:00+01:00");
        assert_eq!(r.resolution.due, Some(at("2026-03-30T12:00+02:00")));
        // On a 24x7 calendar in New York, P1 created Sun 2026-11-01 00:30 EDT (04:30Z) is due
        // 4 real hours later, 08:30Z = 03:30 EST.
        let all = calendar(CalendarSpec::twenty_four_seven("America/New_York"));
        let r = evaluate(
            &all,
            &SlaPolicy::default(),
            &[created("2026-11-01T00:30-04:00", P1)],
            at("2026-11-01T00:30-04:00"),
        )
        .unwrap();
        assert_eq!(r.resolution.due, Some(at("2026-11-01T03:30-05:00")));
    }

    #[test]
    fn a_busy_history_notifies_each_thing_once_in_order() {
        // P2 created Mon 2026-06-08 16:00: the answer's hour is Mon 16:00-17:00, so it is due at
        // the 17:00 closing, warning 16:45; answered 16:50, after the warning. Pending Tue 10:00
        // to Thu 10:00. Resolution (8 h): Mon 1 h + Tue 08:00-10:00 2 h, then from Thu 10:00 5 h
        // more = due Thu 15:00, warning at 6 h = Thu 13:00; resolved Thu 14:00, in time (7 h).
        let history = [
            created("2026-06-08T16:00+02:00", P2),
            response("2026-06-08T16:50+02:00"),
            status("2026-06-09T10:00+02:00", Status::Pending),
            status("2026-06-11T10:00+02:00", Status::Open),
            status("2026-06-11T14:00+02:00", Status::Resolved),
        ];
        assert_eq!(
            notices(&history, "2026-06-20T00:00+02:00"),
            vec![
                ("first_response warning", at("2026-06-08T16:45+02:00")),
                ("resolution warning", at("2026-06-11T13:00+02:00")),
            ]
        );
        let r = report(&history, "2026-06-20T00:00+02:00");
        assert!(r.first_response.met && r.resolution.met);
        assert_eq!(r.resolution.used_seconds, 7 * H);
    }

    #[test]
    fn history_must_begin_with_the_creation() {
        let (c, p, now) = (berlin_office(), SlaPolicy::default(), at("2026-06-08T12:00+02:00"));
        assert_eq!(evaluate(&c, &p, &[], now), Err(HistoryError::Empty));
        assert_eq!(evaluate(&c, &p, &[response("2026-06-08T09:00+02:00")], now), Err(HistoryError::NotCreatedFirst));
        let twice = [created("2026-06-08T09:00+02:00", P1), created("2026-06-08T09:10+02:00", P2)];
        assert_eq!(evaluate(&c, &p, &twice, now), Err(HistoryError::CreatedTwice));
    }

    #[test]
    fn events_after_now_are_left_out_and_out_of_order_ones_clamped() {
        // The response at 10:00 is not known at 09:30.
        let history = [created("2026-06-08T09:00+02:00", P2), response("2026-06-08T10:00+02:00")];
        assert!(!report(&history, "2026-06-08T09:30+02:00").first_response.met);
        // A status change stamped before the previous event (a clock stepped back) counts as
        // happening at the previous event: pending from 09:40, so 40 min used.
        let stepped = [
            created("2026-06-08T09:00+02:00", P2),
            response("2026-06-08T09:40+02:00"),
            status("2026-06-08T09:20+02:00", Status::Pending),
        ];
        assert_eq!(report(&stepped, "2026-06-08T12:00+02:00").resolution.used_seconds, 40 * M);
    }

    #[test]
    fn policy_validation_names_the_field() {
        assert_eq!(SlaPolicy::default().validate(), Ok(()));
        let mut p = SlaPolicy::default();
        p.p3.resolution_minutes = 0;
        assert_eq!(p.validate().unwrap_err().field, "p3.resolution_minutes");
        let mut p = SlaPolicy::default();
        p.p2.resolution_minutes = 30;
        let e = p.validate().unwrap_err();
        assert_eq!(e.field, "p2.resolution_minutes");
        assert!(e.message.contains("first_response_minutes (60)"), "{}", e.message);
        let p = SlaPolicy { warning_percent: 100, ..SlaPolicy::default() };
        assert_eq!(p.validate().unwrap_err().field, "warning_percent");
        // The warning share defaults to 75 % when a stored policy leaves it out.
        let t = r#"{ "first_response_minutes": 30, "resolution_minutes": 240 }"#;
        let json = format!(r#"{{ "p1": {t}, "p2": {t}, "p3": {t}, "p4": {t} }}"#);
        assert_eq!(serde_json::from_str::<SlaPolicy>(&json).unwrap().warning_percent, 75);
        assert_eq!(Priority::parse("p2"), Some(P2));
        assert_eq!(Status::parse("pending"), Some(Status::Pending));
    }

    #[test]
    fn events_and_reports_serialize_with_rfc3339_instants() {
        let e = status("2026-06-08T09:00+02:00", Status::Pending);
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({ "kind": "status_changed", "at": "2026-06-08T07:00:00Z", "status": "pending" })
        );
        assert_eq!(serde_json::from_value::<ClockEvent>(json).unwrap(), e);
        let c: ClockEvent =
            serde_json::from_str(r#"{ "kind": "created", "at": "2026-06-08T09:00:00+02:00", "priority": "P1" }"#)
                .unwrap();
        assert_eq!(c, created("2026-06-08T07:00Z", P1));

        let r = report(&[created("2026-06-08T09:00+02:00", P2)], "2026-06-08T09:30+02:00");
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["first_response"]["due"], "2026-06-08T08:00:00Z");
        assert_eq!(json["first_response"]["state"], "running");
        assert_eq!(json["first_response"]["stopped_at"], serde_json::Value::Null);
        assert_eq!(json["priority"], "P2");
        assert_eq!(serde_json::from_value::<SlaReport>(json).unwrap(), r);
    }
}
