//! `/api/v1/reports`: the MSP's monthly figures, for staff only. SLA compliance per client for a
//! calendar month, and time worked per technician and per client (billable and not), each as
//! JSON for the Reports page and as CSV for a spreadsheet or the billing run.
//!
//! Months and days are calendar months and days in UTC, the same as every stored time; a client's
//! own time zone does not move them. The CSV is written here by hand (RFC 4180, CRLF line ends,
//! a header row) rather than with a crate: it is a few lines, and the one thing a library would
//! not do for us is the guard that matters here: a cell a spreadsheet would run as a formula
//! (`=`, `+`, `-`, `@`, tab, carriage return first) gets a leading apostrophe, because ticket
//! subjects and notes come from people outside the MSP too.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::api_doc::ApiDoc;
use crate::db::reports::{self, ClientSla, ClientTime, Minutes, SlaCompliance, TechnicianTime, TimeReport};
use crate::db::{clients, rfc3339};
use crate::server::error::{ApiError, ApiResult, Json, Query};
use crate::server::roles::Staff;
use crate::server::state::AppState;

/// The part of the API description this module answers.
#[derive(utoipa::OpenApi)]
#[openapi(paths(sla, sla_csv, time, time_csv))]
pub struct Api;

/// The reports' part of the API description.
pub const API: ApiDoc = ApiDoc {
    operations: &[
        (
            "get",
            "/api/v1/reports/sla",
            "SLA compliance per client of the tickets opened in a calendar month (UTC), with the breaches (staff)",
            None,
            200,
            Some("SlaReport"),
        ),
        (
            "get",
            "/api/v1/reports/sla.csv",
            "The SLA compliance report as CSV: one row per client, or one per breach with ?detail=breaches (staff)",
            None,
            200,
            None,
        ),
        (
            "get",
            "/api/v1/reports/time",
            "Time logged per technician, per client and per technician and client, billable and not, for the days \
             from..to or a calendar month (UTC) (staff)",
            None,
            200,
            Some("TimeReport"),
        ),
        (
            "get",
            "/api/v1/reports/time.csv",
            "The time report as CSV: ?by=technician (default), client, or entries for every time entry (staff)",
            None,
            200,
            None,
        ),
    ],
    query: &[
        (("get", "/api/v1/reports/sla"), &[("month", "string"), ("client_id", "integer")]),
        (("get", "/api/v1/reports/sla.csv"), &[("month", "string"), ("client_id", "integer"), ("detail", "string")]),
        (
            ("get", "/api/v1/reports/time"),
            &[("from", "string"), ("to", "string"), ("month", "string"), ("client_id", "integer")],
        ),
        (
            ("get", "/api/v1/reports/time.csv"),
            &[("from", "string"), ("to", "string"), ("month", "string"), ("client_id", "integer"), ("by", "string")],
        ),
    ],
    paged: &[],
    schemas,
};

fn schemas() -> Value {
    let ts = json!({ "type": ["string", "null"], "format": "date-time" });
    let int = json!({ "type": "integer" });
    let clock = json!({ "type": "object", "properties": {
        "met": { "type": "integer", "description": "Stopped before it was due" },
        "breached": { "type": "integer", "description": "Ran out before it stopped" },
        "running": { "type": "integer", "description": "Not decided yet: running, or paused while pending" },
        "percent_met": { "type": ["number", "null"], "description": "met / (met + breached) in percent, one decimal; null when none is decided" } } });
    let minutes = |extra: Value| {
        let mut props = json!({ "billable_minutes": int, "non_billable_minutes": int });
        if let (Some(p), Some(e)) = (props.as_object_mut(), extra.as_object()) {
            p.extend(e.clone());
        }
        json!({ "type": "object", "properties": props })
    };
    let user = json!({ "type": ["integer", "null"], "description": "null when the account was deleted" });
    json!({
        "SlaClock": clock,
        "SlaBreach": { "type": "object", "properties": {
            "ticket_id": int, "subject": { "type": "string" }, "priority": { "type": "string" },
            "status": { "type": "string", "description": "The ticket's status now" },
            "clock": { "type": "string", "enum": ["first_response", "resolution"] },
            "due": { "type": ["string", "null"], "format": "date-time", "description": "When the clock ran out" },
            "breached_at": { "type": ["string", "null"], "format": "date-time", "description": "When Steward recorded the breach" },
            "assignee_id": { "type": ["integer", "null"] }, "assignee": { "type": ["string", "null"] } } },
        "SlaReport": { "type": "object", "properties": {
            "month": { "type": "string", "description": "YYYY-MM, a calendar month in UTC" },
            "from": ts, "to": { "type": "string", "format": "date-time", "description": "The start of the next month (not included)" },
            "clients": { "type": "array", "description": "Clients with tickets opened in the month, by name", "items": {
                "type": "object", "properties": {
                    "client_id": int, "client": { "type": "string" },
                    "tickets": { "type": "integer", "description": "Tickets opened in the month" },
                    "first_response": { "$ref": "#/components/schemas/SlaClock" },
                    "resolution": { "$ref": "#/components/schemas/SlaClock" },
                    "breaches": { "type": "array", "items": { "$ref": "#/components/schemas/SlaBreach" } } } } },
            "totals": { "type": "object", "properties": {
                "tickets": int, "first_response": { "$ref": "#/components/schemas/SlaClock" },
                "resolution": { "$ref": "#/components/schemas/SlaClock" },
                "breaches": { "type": "integer", "description": "Clocks that ran out" } } } } },
        "TimeReport": { "type": "object", "properties": {
            "from": { "type": "string", "format": "date", "description": "First day included (UTC)" },
            "to": { "type": "string", "format": "date", "description": "Last day included (UTC)" },
            "technicians": { "type": "array", "items": minutes(json!({ "user_id": user, "technician": { "type": "string" } })) },
            "clients": { "type": "array", "items": minutes(json!({ "client_id": int, "client": { "type": "string" } })) },
            "matrix": { "type": "array", "description": "Per technician and client", "items": minutes(json!({
                "user_id": user, "technician": { "type": "string" }, "client_id": int, "client": { "type": "string" } })) },
            "totals": minutes(json!({})) } },
    })
}

// ---------- parameters ----------

/// A calendar month in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Month {
    first: Date,
}

impl Month {
    fn containing(day: Date) -> Month {
        Month { first: day.first_of_month() }
    }

    /// The month `now` (unix seconds) falls in, in UTC.
    fn current(now: i64) -> Month {
        let at = jiff::Timestamp::from_second(now).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        Month::containing(at.to_zoned(TimeZone::UTC).date())
    }

    fn last_day(self) -> Date {
        self.first.last_of_month()
    }

    /// Its first instant and the next month's, unix seconds.
    fn bounds(self) -> Result<(i64, i64), ApiError> {
        let start = unix(self.first)?;
        // The end of the last day, not the next month's first day: after 9999-12 there is none
        // (`month=9999-12` answered 500). A UTC day is always 86,400 seconds.
        let end = unix(self.last_day())? + 86_400;
        Ok((start, end))
    }

    /// "2026-11".
    fn label(self) -> String {
        format!("{:04}-{:02}", self.first.year(), self.first.month())
    }
}

/// The first instant of a UTC day, unix seconds. Counted in days, not through `jiff::Timestamp`,
/// whose range ends on 9999-12-30 (`month=9999-12` answered 500).
fn unix(day: Date) -> Result<i64, ApiError> {
    let days = day.since(jiff::civil::date(1970, 1, 1)).map_err(ApiError::internal)?.get_days();
    Ok(i64::from(days) * 86_400)
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// "YYYY-MM", a year from 1970 to 9999.
fn parse_month(field: &str, value: &str) -> Result<Month, ApiError> {
    let bad = || ApiError::bad_field(field, format!("{field} {value:?} is not a month such as \"2026-11\" (YYYY-MM)."));
    let (y, m) = value.split_once('-').ok_or_else(bad)?;
    if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let (year, month): (i16, i8) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if year < 1970 {
        return Err(bad());
    }
    Date::new(year, month, 1).map(|first| Month { first }).map_err(|_| bad())
}

/// "YYYY-MM-DD", a year from 1970 to 9999.
fn parse_date(field: &str, value: &str) -> Result<Date, ApiError> {
    let bad =
        || ApiError::bad_field(field, format!("{field} {value:?} is not a date such as \"2026-11-28\" (YYYY-MM-DD)."));
    let parts: Vec<&str> = value.split('-').collect();
    let [y, m, d] = parts[..] else { return Err(bad()) };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 || !value.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return Err(bad());
    }
    let (year, month, day): (i16, i8, i8) =
        (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
    if year < 1970 {
        return Err(bad());
    }
    Date::new(year, month, day).map_err(|_| bad())
}

fn parse_client_id(value: &Option<String>) -> Result<Option<i64>, ApiError> {
    let Some(v) = given(value) else { return Ok(None) };
    match v.parse::<i64>() {
        Ok(id) if id > 0 => Ok(Some(id)),
        _ => Err(ApiError::bad_field("client_id", format!("client_id {v:?} is not a client id (a whole number)."))),
    }
}

/// Most days one time report covers.
const MAX_DAYS: i32 = 366;

/// The days a time report covers, both included: `from` and `to`, else `month`, else the current
/// month.
fn parse_days(
    from: &Option<String>,
    to: &Option<String>,
    month: &Option<String>,
    now: i64,
) -> Result<(Date, Date), ApiError> {
    let (from, to, month) = (given(from), given(to), given(month));
    if month.is_some() && (from.is_some() || to.is_some()) {
        return Err(ApiError::bad_field("month", "Give either month, or from and to, not both."));
    }
    let (first, last) = match (from, to) {
        (None, None) => {
            let m = match month {
                Some(m) => parse_month("month", m)?,
                None => Month::current(now),
            };
            (m.first, m.last_day())
        }
        (Some(_), None) => {
            return Err(ApiError::bad_field("to", "to is missing: from and to go together (or give month)."));
        }
        (None, Some(_)) => {
            return Err(ApiError::bad_field("from", "from is missing: from and to go together (or give month)."));
        }
        (Some(f), Some(t)) => (parse_date("from", f)?, parse_date("to", t)?),
    };
    if first > last {
        return Err(ApiError::bad_field("from", format!("from {first} is after to {last}.")));
    }
    let days = (last - first).get_days() + 1;
    if days > MAX_DAYS {
        return Err(ApiError::bad_field(
            "to",
            format!("from {first} to {last} is {days} days; one report covers at most {MAX_DAYS} days."),
        ));
    }
    Ok((first, last))
}

/// Refuses a `client_id` that names no client, so a typo does not read as "no work done".
async fn check_client(state: &AppState, client_id: Option<i64>) -> ApiResult<()> {
    let Some(id) = client_id else { return Ok(()) };
    let found = state.db.read(move |c| clients::get(c, id)).await?;
    match found {
        Some(_) => Ok(()),
        None => {
            let mut e = ApiError::not_found(format!("There is no client with id {id}."));
            e.detail = Some(json!({ "field": "client_id" }));
            Err(e)
        }
    }
}

// ---------- SLA compliance ----------

/// `?month=YYYY-MM&client_id=` of the SLA report (`detail` is the CSV's).
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SlaParams {
    /// The calendar month (UTC), YYYY-MM; the current one when left out.
    #[param(pattern = "^(?:(?:19[7-9][0-9]|[2-9][0-9]{3})-(?:0[1-9]|1[0-2]))?$")]
    month: Option<String>,
    /// Only this client's tickets.
    #[param(value_type = Option<i64>, minimum = 1)]
    client_id: Option<String>,
    /// Refused: for sla.csv only.
    #[param(ignore)]
    detail: Option<String>,
}

/// `?month=YYYY-MM&client_id=&detail=` of the SLA report as CSV.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SlaCsvParams {
    /// The calendar month (UTC), YYYY-MM; the current one when left out.
    #[param(pattern = "^(?:(?:19[7-9][0-9]|[2-9][0-9]{3})-(?:0[1-9]|1[0-2]))?$")]
    month: Option<String>,
    /// Only this client's tickets.
    #[param(value_type = Option<i64>, minimum = 1)]
    client_id: Option<String>,
    /// "breaches" for one row per breach; one row per client when left out.
    #[param(pattern = "^(?:breaches)?$")]
    detail: Option<String>,
}

/// The SLA report of a month.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SlaAnswer {
    /// YYYY-MM, a calendar month in UTC.
    month: String,
    /// The month's first instant.
    #[schema(format = DateTime)]
    from: String,
    /// The start of the next month (not included).
    #[schema(format = DateTime)]
    to: String,
    #[serde(flatten)]
    report: SlaCompliance,
}

async fn sla_report(
    state: &AppState,
    month: &Option<String>,
    client_id: &Option<String>,
) -> ApiResult<(Month, SlaCompliance)> {
    let month = match given(month) {
        Some(m) => parse_month("month", m)?,
        None => Month::current(state.clock.now()),
    };
    let client_id = parse_client_id(client_id)?;
    check_client(state, client_id).await?;
    let (start, end) = month.bounds()?;
    let report = state.db.read(move |c| reports::sla_compliance(c, start, end, client_id)).await?;
    Ok((month, report))
}

/// SLA compliance per client of the tickets opened in a calendar month (UTC), with the breaches (staff)
///
/// `GET /api/v1/reports/sla`: the month's SLA compliance per client, with the breaches.
#[utoipa::path(get, path = "/api/v1/reports/sla", params(SlaParams), responses((status = 200, body = SlaAnswer)))]
pub async fn sla(State(state): State<AppState>, _: Staff, Query(p): Query<SlaParams>) -> ApiResult<Json<SlaAnswer>> {
    if given(&p.detail).is_some() {
        return Err(ApiError::bad_field("detail", "detail is for sla.csv; the JSON answer always lists the breaches."));
    }
    let (month, report) = sla_report(&state, &p.month, &p.client_id).await?;
    let (start, end) = month.bounds()?;
    Ok(Json(SlaAnswer { month: month.label(), from: rfc3339(start), to: rfc3339(end), report }))
}

/// The SLA compliance report as CSV: one row per client, or one per breach with ?detail=breaches (staff)
///
/// `GET /api/v1/reports/sla.csv`: the same as a CSV file, per client or per breach.
#[utoipa::path(get, path = "/api/v1/reports/sla.csv", params(SlaCsvParams),
    responses((status = 200, content_type = "text/csv", body = String)))]
pub async fn sla_csv(State(state): State<AppState>, _: Staff, Query(p): Query<SlaCsvParams>) -> ApiResult<Response> {
    let breaches = match given(&p.detail) {
        None => false,
        Some("breaches") => true,
        Some(other) => {
            return Err(ApiError::bad_field(
                "detail",
                format!("detail {other:?} is not known: give \"breaches\" for one row per breach, or leave it out."),
            ));
        }
    };
    let (month, report) = sla_report(&state, &p.month, &p.client_id).await?;
    let (name, body) = if breaches {
        (format!("sla-breaches-{}.csv", month.label()), sla_breaches_csv(&report.clients))
    } else {
        (format!("sla-{}.csv", month.label()), sla_clients_csv(&report.clients))
    };
    Ok(csv_response(&name, body))
}

fn percent(p: Option<f64>) -> String {
    p.map(|p| format!("{p:.1}")).unwrap_or_default()
}

/// One row per client: tickets, and met / breached / running / % met of each clock.
fn sla_clients_csv(clients: &[ClientSla]) -> String {
    let mut csv = Csv::new(&[
        "client",
        "tickets",
        "first response met",
        "first response breached",
        "first response running",
        "first response % met",
        "resolution met",
        "resolution breached",
        "resolution running",
        "resolution % met",
    ]);
    for c in clients {
        let (fr, res) = (&c.first_response, &c.resolution);
        csv.row([
            c.client.clone(),
            c.tickets.to_string(),
            fr.met.to_string(),
            fr.breached.to_string(),
            fr.running.to_string(),
            percent(fr.percent_met),
            res.met.to_string(),
            res.breached.to_string(),
            res.running.to_string(),
            percent(res.percent_met),
        ]);
    }
    csv.finish()
}

/// "2026-11-03 10:00:00" (UTC): a form spreadsheets read as a date and time.
fn spreadsheet_time(rfc3339: Option<&str>) -> String {
    rfc3339.map(|t| t.replacen('T', " ", 1).trim_end_matches('Z').to_owned()).unwrap_or_default()
}

/// One row per breached clock.
fn sla_breaches_csv(clients: &[ClientSla]) -> String {
    let mut csv = Csv::new(&[
        "client",
        "ticket",
        "subject",
        "priority",
        "status",
        "clock",
        "due (UTC)",
        "breached at (UTC)",
        "assignee",
    ]);
    for c in clients {
        for b in &c.breaches {
            csv.row([
                c.client.clone(),
                b.ticket_id.to_string(),
                b.subject.clone(),
                b.priority.to_string(),
                b.status.to_string(),
                b.clock.label().to_owned(),
                spreadsheet_time(b.due.as_deref()),
                spreadsheet_time(b.breached_at.as_deref()),
                b.assignee.clone().unwrap_or_default(),
            ]);
        }
    }
    csv.finish()
}

// ---------- time ----------

/// `?from=&to=` (or `month=`) and `client_id=` of the time report (`by` is the CSV's).
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TimeParams {
    /// The first day (UTC), YYYY-MM-DD; with `to`, instead of `month`; at most 366 days.
    #[param(pattern = "^(?:(?:19[7-9][0-9]|[2-9][0-9]{3})-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8]))?$")]
    from: Option<String>,
    /// The last day (UTC), YYYY-MM-DD, included; with `from`.
    #[param(pattern = "^(?:(?:19[7-9][0-9]|[2-9][0-9]{3})-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8]))?$")]
    to: Option<String>,
    /// A calendar month (UTC), YYYY-MM, instead of from and to; the current one when all three
    /// are left out.
    #[param(pattern = "^(?:(?:19[7-9][0-9]|[2-9][0-9]{3})-(?:0[1-9]|1[0-2]))?$")]
    month: Option<String>,
    /// Only this client's time.
    #[param(value_type = Option<i64>, minimum = 1)]
    client_id: Option<String>,
    /// Refused: for time.csv only.
    #[param(ignore)]
    by: Option<String>,
}

/// `?from=&to=` (or `month=`), `client_id=` and `by=` of the time report as CSV.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TimeCsvParams {
    /// The first day (UTC), YYYY-MM-DD; with `to`, instead of `month`; at most 366 days.
    #[param(pattern = "^(?:(?:19[7-9][0-9]|[2-9][0-9]{3})-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8]))?$")]
    from: Option<String>,
    /// The last day (UTC), YYYY-MM-DD, included; with `from`.
    #[param(pattern = "^(?:(?:19[7-9][0-9]|[2-9][0-9]{3})-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8]))?$")]
    to: Option<String>,
    /// A calendar month (UTC), YYYY-MM, instead of from and to; the current one when all three
    /// are left out.
    #[param(pattern = "^(?:(?:19[7-9][0-9]|[2-9][0-9]{3})-(?:0[1-9]|1[0-2]))?$")]
    month: Option<String>,
    /// Only this client's time.
    #[param(value_type = Option<i64>, minimum = 1)]
    client_id: Option<String>,
    /// technician (the default), client, or entries for every time entry.
    #[param(pattern = "^(?:technician|client|entries)?$")]
    by: Option<String>,
}

/// Time logged per technician, per client and per both.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TimeAnswer {
    /// First day included (UTC).
    #[schema(format = Date)]
    from: String,
    /// Last day included (UTC).
    #[schema(format = Date)]
    to: String,
    technicians: Vec<TechnicianTime>,
    clients: Vec<ClientTime>,
    /// Per technician and client.
    matrix: Vec<reports::TechnicianClientTime>,
    totals: Minutes,
}

async fn time_report(
    state: &AppState,
    (from, to, month, client_id): (&Option<String>, &Option<String>, &Option<String>, &Option<String>),
) -> ApiResult<(Date, Date, TimeReport)> {
    let (first, last) = parse_days(from, to, month, state.clock.now())?;
    let client_id = parse_client_id(client_id)?;
    check_client(state, client_id).await?;
    let (from, to) = (first.to_string(), last.to_string());
    let report = state.db.read(move |c| reports::time_report(c, &from, &to, client_id)).await?;
    Ok((first, last, report))
}

/// Time logged per technician, per client and per technician and client, billable and not, for the days from..to or a calendar month (UTC) (staff)
///
/// `GET /api/v1/reports/time`: time per technician, per client and per both.
#[utoipa::path(get, path = "/api/v1/reports/time", params(TimeParams), responses((status = 200, body = TimeAnswer)))]
pub async fn time(State(state): State<AppState>, _: Staff, Query(p): Query<TimeParams>) -> ApiResult<Json<TimeAnswer>> {
    if given(&p.by).is_some() {
        return Err(ApiError::bad_field("by", "by is for time.csv; the JSON answer has every grouping."));
    }
    let (first, last, r) = time_report(&state, (&p.from, &p.to, &p.month, &p.client_id)).await?;
    let answer = TimeAnswer {
        from: first.to_string(),
        to: last.to_string(),
        technicians: r.technicians,
        clients: r.clients,
        matrix: r.matrix,
        totals: r.totals,
    };
    Ok(Json(answer))
}

/// How the time CSV is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeBy {
    Technician,
    Client,
    Entries,
}

impl TimeBy {
    fn parse(v: Option<&str>) -> Result<TimeBy, ApiError> {
        match v {
            None | Some("technician") => Ok(TimeBy::Technician),
            Some("client") => Ok(TimeBy::Client),
            Some("entries") => Ok(TimeBy::Entries),
            Some(other) => {
                Err(ApiError::bad_field("by", format!("by {other:?} is not one of technician, client, entries.")))
            }
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            TimeBy::Technician => "technician",
            TimeBy::Client => "client",
            TimeBy::Entries => "entries",
        }
    }
}

/// The time report as CSV: ?by=technician (default), client, or entries for every time entry (staff)
///
/// `GET /api/v1/reports/time.csv`: the same as a CSV file, per technician, per client or per entry.
#[utoipa::path(get, path = "/api/v1/reports/time.csv", params(TimeCsvParams),
    responses((status = 200, content_type = "text/csv", body = String)))]
pub async fn time_csv(State(state): State<AppState>, _: Staff, Query(p): Query<TimeCsvParams>) -> ApiResult<Response> {
    let by = TimeBy::parse(given(&p.by))?;
    let (first, last, report) = time_report(&state, (&p.from, &p.to, &p.month, &p.client_id)).await?;
    let body = match by {
        TimeBy::Technician => {
            minutes_csv("technician", report.technicians.iter().map(|t| (t.technician.as_str(), t.minutes)))
        }
        TimeBy::Client => minutes_csv("client", report.clients.iter().map(|c| (c.client.as_str(), c.minutes))),
        TimeBy::Entries => entries_csv(&report),
    };
    Ok(csv_response(&format!("time-by-{}-{first}-to-{last}.csv", by.as_str()), body))
}

/// Hours with two decimals, as invoices show them ("1.75").
fn hours(minutes: i64) -> String {
    format!("{}.{:02}", minutes / 60, (minutes % 60 * 100 + 30) / 60)
}

/// One row per name: minutes and hours, billable, not billable and together.
fn minutes_csv<'a>(what: &str, rows: impl Iterator<Item = (&'a str, Minutes)>) -> String {
    let mut csv = Csv::new(&[
        what,
        "billable minutes",
        "non-billable minutes",
        "total minutes",
        "billable hours",
        "non-billable hours",
        "total hours",
    ]);
    for (name, m) in rows {
        let total = m.billable_minutes + m.non_billable_minutes;
        csv.row([
            name.to_owned(),
            m.billable_minutes.to_string(),
            m.non_billable_minutes.to_string(),
            total.to_string(),
            hours(m.billable_minutes),
            hours(m.non_billable_minutes),
            hours(total),
        ]);
    }
    csv.finish()
}

/// One row per time entry.
fn entries_csv(report: &TimeReport) -> String {
    let mut csv = Csv::new(&["date", "technician", "client", "ticket", "subject", "minutes", "billable", "note"]);
    for e in &report.entries {
        csv.row([
            e.date.clone(),
            e.technician.clone(),
            e.client.clone(),
            e.ticket_id.to_string(),
            e.subject.clone(),
            e.minutes.to_string(),
            if e.billable { "yes" } else { "no" }.to_owned(),
            e.note.clone(),
        ]);
    }
    csv.finish()
}

// ---------- CSV ----------

pub(super) fn csv_response(filename: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// An RFC 4180 document built in memory: a header row, then rows, each line ended by CRLF.
pub(super) struct Csv {
    out: String,
}

impl Csv {
    pub(super) fn new(header: &[&str]) -> Csv {
        let mut csv = Csv { out: String::new() };
        csv.row(header.iter().copied());
        csv
    }

    pub(super) fn row<S: AsRef<str>>(&mut self, cells: impl IntoIterator<Item = S>) {
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            push_cell(&mut self.out, cell.as_ref());
        }
        self.out.push_str("\r\n");
    }

    pub(super) fn finish(self) -> String {
        self.out
    }
}

/// Appends one cell: defused if a spreadsheet would take it for a formula, then quoted (quotes
/// doubled) if it holds a comma, a quote or a line break.
fn push_cell(out: &mut String, value: &str) {
    let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quoted = value.contains(['"', ',', '\n', '\r']);
    if quoted {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    if quoted {
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(cells: &[&str]) -> String {
        let mut csv = Csv { out: String::new() };
        csv.row(cells.iter().copied());
        csv.finish()
    }

    #[test]
    fn csv_cells_are_quoted_as_rfc_4180_says() {
        assert_eq!(
            line(&["plain", "with, comma", "say \"hi\"", "two\nlines", ""]),
            "plain,\"with, comma\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n"
        );
        let csv = Csv::new(&["a", "b"]).finish();
        assert_eq!(csv, "a,b\r\n", "a header row even when nothing follows");
    }

    #[test]
    fn cells_a_spreadsheet_would_run_as_formulas_get_an_apostrophe() {
        assert_eq!(
            line(&["=1+1", "+49 30 1234", "-2", "@SUM(A1)", "\tx", "a=b"]),
            "'=1+1,'+49 30 1234,'-2,'@SUM(A1),'\tx,a=b\r\n"
        );
        assert_eq!(line(&["=HYPERLINK(\"http://x\",\"y\")"]), "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r\n");
        assert_eq!(line(&["\rcmd"]), "\"'\rcmd\"\r\n");
    }

    #[test]
    fn hours_have_two_decimals() {
        assert_eq!([hours(0), hours(45), hours(90), hours(61), hours(1439)], ["0.00", "0.75", "1.50", "1.02", "23.98"]);
    }

    #[test]
    fn months_and_dates_are_read_strictly_and_named_when_wrong() {
        assert_eq!(parse_month("month", "2026-11").unwrap().label(), "2026-11");
        let (start, end) = parse_month("month", "2026-12").unwrap().bounds().unwrap();
        assert_eq!((rfc3339(start).as_str(), rfc3339(end).as_str()), ("2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"));
        let (_, end) = parse_month("month", "9999-12").unwrap().bounds().unwrap();
        assert_eq!(end, 253_402_300_800, "the instant after 9999-12-31T23:59:59Z");
        for bad in ["2026-13", "2026-1", "26-11", "2026/11", "1969-12", "2026-11-01", "november"] {
            let e = parse_month("month", bad).unwrap_err();
            assert_eq!(e.detail, Some(json!({ "field": "month" })), "{bad}");
            assert!(e.message.contains("YYYY-MM"), "{}", e.message);
        }
        assert_eq!(parse_date("from", "2026-02-28").unwrap().to_string(), "2026-02-28");
        for bad in ["2026-02-30", "2026-2-28", "20260228", "2026-02-28T00:00:00Z", "+2026-02-28"] {
            assert_eq!(parse_date("from", bad).unwrap_err().detail, Some(json!({ "field": "from" })), "{bad}");
        }
    }

    #[test]
    fn a_time_range_is_from_and_to_or_a_month_and_at_most_366_days() {
        let s = |v: &str| Some(v.to_owned());
        // 2026-12-03T09:00:00Z
        let days = |f: Option<String>, t: Option<String>, m: Option<String>| parse_days(&f, &t, &m, 1_796_288_400);
        let field = |r: Result<(Date, Date), ApiError>| r.unwrap_err().detail.unwrap()["field"].clone();
        let (a, b) = days(None, None, s("2024-02")).unwrap();
        assert_eq!((a.to_string(), b.to_string()), ("2024-02-01".into(), "2024-02-29".into()));
        let (a, b) = days(s("2026-01-01"), s("2026-12-31"), None).unwrap();
        assert_eq!((a.to_string(), b.to_string()), ("2026-01-01".into(), "2026-12-31".into()));
        assert!(days(s("2024-01-01"), s("2024-12-31"), None).is_ok(), "a leap year is 366 days");
        assert_eq!(field(days(s("2026-01-01"), s("2027-01-02"), None)), "to");
        assert_eq!(field(days(s("2026-11-30"), s("2026-11-01"), None)), "from");
        assert_eq!(field(days(s("2026-11-01"), None, None)), "to");
        assert_eq!(field(days(None, s("2026-11-01"), None)), "from");
        assert_eq!(field(days(s("2026-11-01"), s("2026-11-02"), s("2026-11"))), "month");
        let (a, b) = days(None, None, None).unwrap();
        assert_eq!((a.to_string(), b.to_string()), ("2026-12-01".into(), "2026-12-31".into()), "the current month");
    }
}
