//! Devices for people: the fleet list with filters, a device's detail, its metric history,
//! software, events and tags, and the dashboard's summary. Client contacts see only their own.

use axum::extract::State;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::db::devices::{self, DeviceFilter, DeviceSummary};
use crate::db::{DbError, audit, metrics};
use crate::monitoring::rollup::{self, pick_resolution};
use crate::monitoring::series::METRICS;
use crate::server::auth::Caller;
use crate::server::error::{ApiError, ApiResult, Json, Path, Query};
use crate::server::live::LiveEvent;
use crate::server::roles::{Person, Staff};
use crate::server::state::AppState;

use super::{Page, PageParams};

/// The part of the API description this module answers.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list,
    get,
    series,
    software,
    events,
    set_tags,
    revoke,
    allow_reenroll,
    merge,
    keep,
    tags,
    metric_catalog,
    dashboard
))]
pub struct Api;

/// A metric name of `monitoring::series::METRICS`: a string the description lists as an enum.
pub struct MetricName;

impl utoipa::PartialSchema for MetricName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("A metric name (GET /api/v1/metrics lists them)"))
            .enum_values(Some(METRICS.iter().map(|(m, _)| *m)))
            .into()
    }
}

impl utoipa::ToSchema for MetricName {
    fn name() -> std::borrow::Cow<'static, str> {
        "MetricName".into()
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// How many devices at most (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// Where the previous page ended: its `next_cursor`.
    #[param(format = "cursor")]
    cursor: Option<String>,
    /// Only this client's devices.
    client_id: Option<i64>,
    /// Only the devices of this site.
    site_id: Option<i64>,
    /// Only devices online (true) or offline (false).
    online: Option<bool>,
    /// Only devices carrying this tag.
    tag: Option<String>,
    /// Hostname, OS or client name contains this.
    q: Option<String>,
}

/// Where a device list's cursor points: after (hostname, id). A cursor without an id (not one
/// this server gave out, but a position all the same) is before every device of that name.
fn name_and_id(key: &str) -> (String, i64) {
    match key.rsplit_once('\u{1f}').and_then(|(name, id)| Some((name, id.parse::<i64>().ok()?))) {
        Some((name, id)) => (name.to_owned(), id),
        None => (key.to_owned(), i64::MIN),
    }
}

/// List devices (?client_id, site_id, online, tag, q filter; client contacts see their own)
#[utoipa::path(get, path = "/api/v1/devices", params(ListParams), responses((status = 200, body = Page<DeviceSummary>)))]
pub async fn list(
    State(state): State<AppState>,
    Person(caller): Person,
    Query(p): Query<ListParams>,
) -> ApiResult<Json<Page<DeviceSummary>>> {
    let paging = PageParams { limit: p.limit, cursor: p.cursor };
    let limit = paging.limit()?;
    let after = paging.after()?.as_deref().map(name_and_id);
    let filter = DeviceFilter {
        client_id: caller.client_scope().or(p.client_id),
        site_id: p.site_id,
        online: p.online,
        tag: p.tag.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()),
        search: p.q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty()),
    };
    let mut rows = state
        .db
        .read(move |c| devices::list(c, &filter, after.as_ref().map(|(n, i)| (n.as_str(), *i)), limit + 1))
        .await?;
    if caller.client_scope().is_some() {
        rows.iter_mut().for_each(for_client_contact);
    }
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor =
        if more { rows.last().map(|d| URL_SAFE_NO_PAD.encode(format!("{}\u{1f}{}", d.hostname, d.id))) } else { None };
    Ok(Json(Page { items: rows, next_cursor }))
}

/// The device if the caller may see it; otherwise "not found".
async fn visible(state: &AppState, caller: &Caller, id: i64) -> ApiResult<DeviceSummary> {
    let device = state.db.read(move |c| devices::summary(c, id)).await?;
    match device {
        Some(mut d) if caller.client_scope().is_none_or(|own| own == d.client_id) => {
            if caller.client_scope().is_some() {
                for_client_contact(&mut d);
            }
            Ok(d)
        }
        _ => Err(ApiError::not_found(format!("There is no device with id {id}."))),
    }
}

/// What a client contact does not see: the device a possible clone was flagged against may be
/// another client's, and the machine id is the MSP's business.
fn for_client_contact(d: &mut DeviceSummary) {
    d.clone_of = None;
    d.machine_id.clear();
}

/// A metric series a device has reported.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SeriesName {
    metric: String,
    /// Mount point, interface, sensor; empty for a metric of the whole device.
    subject: String,
}

/// A device with its detail: latest metrics, inventory, patch state, SMART, and its series.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DeviceWithDetail {
    #[serde(flatten)]
    summary: DeviceSummary,
    #[serde(flatten)]
    detail: devices::DeviceDetail,
    series: Vec<SeriesName>,
}

/// One device: latest metrics, inventory, patch state, SMART, series
#[utoipa::path(get, path = "/api/v1/devices/{id}", responses((status = 200, body = DeviceWithDetail)))]
pub async fn get(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(id): Path<i64>,
) -> ApiResult<Json<DeviceWithDetail>> {
    let summary = visible(&state, &caller, id).await?;
    let (detail, series) = state
        .db
        .read(move |c| {
            let detail = devices::detail(c, id)?
                .ok_or_else(|| DbError::NotFound(format!("There is no device with id {id}.")))?;
            let series = metrics::series_of(c, id)?;
            Ok((detail, series))
        })
        .await?;
    let series = series.into_iter().map(|(_, metric, subject)| SeriesName { metric, subject }).collect();
    Ok(Json(DeviceWithDetail { summary, detail, series }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SeriesParams {
    /// The metric (GET /api/v1/metrics lists them).
    #[param(inline, value_type = MetricName)]
    metric: String,
    /// One subject (mount point, interface, sensor); all of the metric's subjects when absent.
    subject: Option<String>,
    /// RFC 3339 or unix seconds; default: an hour before `to`; before `to`.
    #[param(format = "instant")]
    from: Option<String>,
    /// RFC 3339 or unix seconds; default: now.
    #[param(format = "instant")]
    to: Option<String>,
    /// Seconds between points (at least 1), or a duration such as "5m"; default: about 300 points over the range.
    step: Option<String>,
}

/// A device's history of one metric, per subject.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SeriesAnswer {
    metric: String,
    /// Unix seconds.
    from: i64,
    /// Unix seconds.
    to: i64,
    /// Seconds between points.
    step: i64,
    /// The stored resolution read: raw, 5m or 1h.
    resolution: &'static str,
    /// What each point holds: ts, min, avg, max.
    #[schema(value_type = Vec<String>)]
    columns: [&'static str; 4],
    series: Vec<SubjectSeries>,
}

/// ts, min, avg, max (null for a value that is not a number).
type Point = (i64, Option<f64>, Option<f64>, Option<f64>);

/// The points of one subject.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SubjectSeries {
    subject: String,
    /// [ts, min, avg, max] each.
    #[schema(value_type = Vec<Vec<Option<f64>>>)]
    points: Vec<Point>,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Most points one series answer carries.
const MAX_POINTS: i64 = 2000;

/// Metric history (?metric, subject, from, to, step); the resolution fits the range
#[utoipa::path(get, path = "/api/v1/devices/{id}/series", params(SeriesParams), responses((status = 200, body = SeriesAnswer)))]
pub async fn series(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(id): Path<i64>,
    Query(p): Query<SeriesParams>,
) -> ApiResult<Json<SeriesAnswer>> {
    let now = state.clock.now();
    visible(&state, &caller, id).await?;
    if !METRICS.iter().any(|(m, _)| *m == p.metric) {
        let known: Vec<&str> = METRICS.iter().map(|(m, _)| *m).collect();
        return Err(ApiError::bad_field(
            "metric",
            format!("{:?} is not a metric; use one of {}.", p.metric, known.join(", ")),
        ));
    }
    let t = now;
    let to = p.to.as_deref().map(|v| super::timestamp("to", v)).transpose()?.unwrap_or(t);
    let from = p.from.as_deref().map(|v| super::timestamp("from", v)).transpose()?.unwrap_or(to - 3600);
    if from >= to {
        return Err(ApiError::bad_field("from", "from must be before to."));
    }
    let step = match p.step.as_deref() {
        None => ((to - from) / 300).max(1),
        Some(s) => match s.parse::<i64>() {
            Ok(n) => n,
            Err(_) => s
                .parse::<crate::config::HumanDuration>()
                .map(|d| i64::try_from(d.0.as_secs()).unwrap_or(i64::MAX))
                .map_err(|e| ApiError::bad_field("step", e.to_string()))?,
        },
    };
    if step < 1 {
        return Err(ApiError::bad_field("step", "step must be at least 1 second."));
    }
    let step = step.max((to - from) / MAX_POINTS);
    let resolution = pick_resolution(from, step, t, &state.config.retention.policy());
    let step = step.max(resolution.seconds());
    let (metric, subject) = (p.metric.clone(), p.subject.clone());
    let found = state
        .db
        .read(move |c| {
            let mut out = Vec::new();
            for (series_id, m, s) in metrics::series_of(c, id)? {
                if m == metric && subject.as_ref().is_none_or(|want| *want == s) {
                    out.push((s, metrics::points(c, series_id, from, to, resolution)?));
                }
            }
            Ok(out)
        })
        .await?;
    let series = found
        .into_iter()
        .map(|(subject, pts)| {
            let points = rollup::downsample(&pts, step)
                .into_iter()
                .map(|(t, mn, avg, mx)| (t, finite(mn), finite(avg), finite(mx)))
                .collect();
            SubjectSeries { subject, points }
        })
        .collect();
    Ok(Json(SeriesAnswer {
        metric: p.metric,
        from,
        to,
        step,
        resolution: resolution.name(),
        columns: ["ts", "min", "avg", "max"],
        series,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SoftwareParams {
    /// Only packages whose name contains this (case-insensitive).
    q: Option<String>,
}

/// Installed packages (?q filters by name)
#[utoipa::path(get, path = "/api/v1/devices/{id}/software", params(SoftwareParams), responses((status = 200, body = Page<devices::Software>)))]
pub async fn software(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(id): Path<i64>,
    Query(p): Query<SoftwareParams>,
) -> ApiResult<Json<Page<devices::Software>>> {
    visible(&state, &caller, id).await?;
    let q = p.q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty());
    let items = state.db.read(move |c| devices::software(c, id, q.as_deref())).await?;
    Ok(Json(Page { items, next_cursor: None }))
}

/// Enrollments and online/offline changes, newest first
#[utoipa::path(get, path = "/api/v1/devices/{id}/events", responses((status = 200, body = Page<devices::DeviceEvent>)))]
pub async fn events(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(id): Path<i64>,
) -> ApiResult<Json<Page<devices::DeviceEvent>>> {
    visible(&state, &caller, id).await?;
    let items = state.db.read(move |c| devices::events(c, id, 200)).await?;
    Ok(Json(Page { items, next_cursor: None }))
}

/// A device tag as a request gives it (see `tag`).
pub struct TagText;

impl utoipa::PartialSchema for TagText {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("1 to 40 ASCII letters, digits, - _ . or :; trimmed and lower-cased"))
            .pattern(Some(r"^[ \t\n\r]*[A-Za-z0-9_.:-]{1,40}[ \t\n\r]*$"))
            .into()
    }
}

impl utoipa::ToSchema for TagText {
    fn name() -> std::borrow::Cow<'static, str> {
        "DeviceTag".into()
    }
}

/// A device's tags, replacing those it has.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Tags {
    /// Short words: 1 to 40 ASCII letters, digits, `-`, `_`, `.` or `:` (trimmed, lower-cased).
    #[schema(max_items = 32, value_type = Vec<TagText>)]
    tags: Vec<String>,
}

/// Replace a device's tags (staff; audited)
///
/// Tags are short words: letters, digits, `-`, `_`, `.`, `:`.
#[utoipa::path(put, path = "/api/v1/devices/{id}/tags", request_body = Tags, responses((status = 200, body = DeviceSummary)))]
pub async fn set_tags(
    State(state): State<AppState>,
    Staff(caller): Staff,
    Path(id): Path<i64>,
    Json(req): Json<Tags>,
) -> ApiResult<Json<DeviceSummary>> {
    let now = state.clock.now();
    let device = visible(&state, &caller, id).await?;
    if req.tags.len() > 32 {
        return Err(ApiError::bad_field("tags", "A device can carry at most 32 tags."));
    }
    let mut tags = Vec::new();
    for t in &req.tags {
        let t = tag("tags", t)?;
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    let who = caller.who();
    let before = device.tags.join(", ");
    let summary = state
        .db
        .write(move |c| {
            devices::set_tags(c, id, &tags)?;
            let detail = format!("tags: [{before}] -> [{}]", tags.join(", "));
            audit::record(c, now, &who, "device.tags_changed", &id.to_string(), &detail)?;
            devices::summary(c, id)?.ok_or_else(|| DbError::NotFound(format!("There is no device with id {id}.")))
        })
        .await?;
    state.live.send(LiveEvent::DeviceChanged { device_id: id, client_id: device.client_id });
    Ok(Json(summary))
}

/// A tag and how many devices carry it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TagCount {
    tag: String,
    devices: i64,
}

/// Tags in use, with device counts (staff)
#[utoipa::path(get, path = "/api/v1/tags", responses((status = 200, body = Page<TagCount>)))]
pub async fn tags(State(state): State<AppState>, _: Staff) -> ApiResult<Json<Page<TagCount>>> {
    let tags = state.db.read(devices::all_tags).await?;
    Ok(Json(Page {
        items: tags.into_iter().map(|(tag, devices)| TagCount { tag, devices }).collect(),
        next_cursor: None,
    }))
}

/// The fleet dashboard.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    counts: devices::FleetCounts,
    by_client: Vec<devices::ClientHealth>,
    fullest_disks: Vec<DeviceSummary>,
    pending_security: Vec<DeviceSummary>,
    recent_check_ins: Vec<DeviceSummary>,
}

/// The fleet dashboard: counts, health by client, fullest disks, pending security updates, recent check-ins (staff)
#[utoipa::path(get, path = "/api/v1/dashboard", responses((status = 200, body = Dashboard)))]
pub async fn dashboard(State(state): State<AppState>, _: Staff) -> ApiResult<Json<Dashboard>> {
    let body = state
        .db
        .read(|c| {
            Ok(Dashboard {
                counts: devices::counts(c)?,
                by_client: devices::health_by_client(c)?,
                fullest_disks: devices::fullest_disks(c, 10)?,
                pending_security: devices::pending_security(c, 10)?,
                recent_check_ins: devices::recent_check_ins(c, 10)?,
            })
        })
        .await?;
    Ok(Json(body))
}

/// A metric a chart or rule can use.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MetricInfo {
    metric: &'static str,
    description: &'static str,
}

/// Metric names a series or rule can use
#[utoipa::path(get, path = "/api/v1/metrics", responses((status = 200, body = Page<MetricInfo>)))]
pub async fn metric_catalog(_: Person) -> Json<Page<MetricInfo>> {
    Json(Page {
        items: METRICS.iter().map(|&(metric, description)| MetricInfo { metric, description }).collect(),
        next_cursor: None,
    })
}

/// A device tag as typed: trimmed and lower-cased; 1 to 40 ASCII letters, digits, `-`, `_`, `.` or `:`.
pub fn tag(field: &str, value: &str) -> Result<String, ApiError> {
    let t = value.trim().to_lowercase();
    let ok = !t.is_empty()
        && t.len() <= 40
        && t.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if ok {
        Ok(t)
    } else {
        Err(ApiError::bad_field(field, format!("{t:?} is not a tag: use 1 to 40 letters, digits, - _ . or :.")))
    }
}

/// A staff action on a device's trust, by id; the device must exist (staff see every client).
async fn staff_device(state: &AppState, caller: &Staff, id: i64) -> ApiResult<DeviceSummary> {
    visible(state, caller, id).await
}

async fn summary_after(state: &AppState, id: i64) -> ApiResult<Json<DeviceSummary>> {
    let summary = state.db.read(move |c| devices::summary(c, id)).await?;
    summary.map(Json).ok_or_else(|| ApiError::not_found(format!("There is no device with id {id}.")))
}

/// Why a device is revoked.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    /// Why; the agent logs it. 1 to 200 characters, one line.
    #[schema(format = "name", min_length = 1, max_length = 200)]
    reason: String,
}

/// Revoke a device: its next check-in is refused with the reason and its agent stops (staff; audited)
///
/// The record and its history stay.
#[utoipa::path(post, path = "/api/v1/devices/{id}/revoke", request_body = RevokeRequest, responses((status = 200, body = DeviceSummary)))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Staff,
    Path(id): Path<i64>,
    Json(req): Json<RevokeRequest>,
) -> ApiResult<Json<DeviceSummary>> {
    let t = state.clock.now();
    let device = staff_device(&state, &caller, id).await?;
    let reason = req.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(ApiError::bad_field("reason", "reason must be 1 to 200 characters."));
    }
    if let Err(why) = crate::monitoring::validate::one_line(&reason) {
        return Err(ApiError::bad_field("reason", format!("reason {why}.")));
    }
    let who = caller.who();
    let done = state
        .db
        .write(move |c| {
            let done = devices::revoke(c, id, &reason, t)?;
            if done {
                audit::record(c, t, &who, "device.revoked", &id.to_string(), &reason)?;
            }
            Ok(done)
        })
        .await?;
    if !done {
        return Err(ApiError::conflict(format!("Device {id} is revoked already.")));
    }
    state.live.send(LiveEvent::DeviceChanged { device_id: id, client_id: device.client_id });
    summary_after(&state, id).await
}

/// How long a staff approval of a re-enrollment lasts.
const REENROLL_WINDOW_SECS: i64 = 24 * 3600;

/// Allow one re-enrollment of this device's machine without its device secret, within 24 hours (staff; audited)
///
/// For 24 hours, one enrollment of this machine id into this device's client updates this
/// device even without its device secret (the machine lost its state folder).
#[utoipa::path(post, path = "/api/v1/devices/{id}/allow-reenroll", responses((status = 200, body = DeviceSummary)))]
pub async fn allow_reenroll(
    State(state): State<AppState>,
    caller: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<DeviceSummary>> {
    let t = state.clock.now();
    let device = staff_device(&state, &caller, id).await?;
    if device.revoked {
        return Err(ApiError::conflict(format!("Device {id} is revoked; enroll the machine as a new device instead.")));
    }
    let who = caller.who();
    state
        .db
        .write(move |c| {
            devices::allow_reenroll(c, id, t + REENROLL_WINDOW_SECS)?;
            audit::record(c, t, &who, "device.reenroll_allowed", &id.to_string(), "one re-enrollment within 24 hours")
        })
        .await?;
    state.live.send(LiveEvent::DeviceChanged { device_id: id, client_id: device.client_id });
    summary_after(&state, id).await
}

/// On a possible clone: the device it was flagged against keeps its id and history and takes over this one's agent; this record goes (staff; audited)
///
/// Answers the surviving device.
#[utoipa::path(post, path = "/api/v1/devices/{id}/merge", responses((status = 200, body = DeviceSummary)))]
pub async fn merge(
    State(state): State<AppState>,
    caller: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<DeviceSummary>> {
    let t = state.clock.now();
    let device = staff_device(&state, &caller, id).await?;
    let who = caller.who();
    let outcome = state
        .db
        .write(move |c| {
            let merged = devices::merge(c, id, t)?;
            if let Ok(into) = merged {
                let detail =
                    format!("device {id} (possible clone) merged into device {into}, which took over its agent");
                audit::record(c, t, &who, "device.merged", &into.to_string(), &detail)?;
            }
            Ok(merged)
        })
        .await?;
    let into = outcome.map_err(|refusal| ApiError::conflict(refusal.to_string()))?;
    state.live.send(LiveEvent::DeviceChanged { device_id: into, client_id: device.client_id });
    summary_after(&state, into).await
}

/// On a possible clone: keep it as a device of its own (the flag goes) (staff; audited)
///
/// Both devices stay.
#[utoipa::path(post, path = "/api/v1/devices/{id}/keep", responses((status = 200, body = DeviceSummary)))]
pub async fn keep(State(state): State<AppState>, caller: Staff, Path(id): Path<i64>) -> ApiResult<Json<DeviceSummary>> {
    let now = state.clock.now();
    let device = staff_device(&state, &caller, id).await?;
    let who = caller.who();
    let was = state
        .db
        .write(move |c| {
            let was = devices::keep_both(c, id)?;
            if let Some(of) = was {
                let detail = format!("kept as a device of its own, not a clone of device {of}");
                audit::record(c, now, &who, "device.clone_kept", &id.to_string(), &detail)?;
            }
            Ok(was)
        })
        .await?;
    if was.is_none() {
        return Err(ApiError::conflict(format!("Device {id} is not flagged as a possible clone.")));
    }
    state.live.send(LiveEvent::DeviceChanged { device_id: id, client_id: device.client_id });
    summary_after(&state, id).await
}
