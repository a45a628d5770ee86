//! Devices for people: the fleet list with filters, a device's detail, its metric history,
//! software, events and tags, and the dashboard's summary. Client contacts see only their own.

use axum::extract::State;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::{Value, json};

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    limit: Option<u32>,
    cursor: Option<String>,
    client_id: Option<i64>,
    site_id: Option<i64>,
    online: Option<bool>,
    tag: Option<String>,
    /// Hostname, OS or client name contains this.
    q: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    Person(caller): Person,
    Query(p): Query<ListParams>,
) -> ApiResult<Json<Page<DeviceSummary>>> {
    let paging = PageParams { limit: p.limit, cursor: p.cursor };
    let limit = paging.limit()?;
    let after = match paging.after()? {
        Some(key) => {
            let (name, id) = key
                .rsplit_once('\u{1f}')
                .ok_or_else(|| ApiError::bad_field("cursor", "cursor is not one this server gave out."))?;
            Some((
                name.to_owned(),
                id.parse::<i64>()
                    .map_err(|_| ApiError::bad_field("cursor", "cursor is not one this server gave out."))?,
            ))
        }
        None => None,
    };
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

pub async fn get(State(state): State<AppState>, Person(caller): Person, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
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
    let mut body = serde_json::to_value(summary).map_err(ApiError::internal)?;
    let detail = serde_json::to_value(detail).map_err(ApiError::internal)?;
    if let (Some(b), Value::Object(d)) = (body.as_object_mut(), detail) {
        b.extend(d);
    }
    body["series"] =
        series.into_iter().map(|(_, metric, subject)| json!({ "metric": metric, "subject": subject })).collect();
    Ok(Json(body))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesParams {
    metric: String,
    /// One subject (mount point, interface, sensor); all of the metric's subjects when absent.
    subject: Option<String>,
    /// RFC 3339 or unix seconds; default: an hour before `to`.
    from: Option<String>,
    /// RFC 3339 or unix seconds; default: now.
    to: Option<String>,
    /// Seconds between points, or a duration such as "5m"; default: about 300 points over the range.
    step: Option<String>,
}

/// Most points one series answer carries.
const MAX_POINTS: i64 = 2000;

pub async fn series(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(id): Path<i64>,
    Query(p): Query<SeriesParams>,
) -> ApiResult<Json<Value>> {
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
    let series: Vec<Value> = found
        .into_iter()
        .map(|(subject, pts)| {
            let points: Vec<Value> =
                rollup::downsample(&pts, step).into_iter().map(|(t, mn, avg, mx)| json!([t, mn, avg, mx])).collect();
            json!({ "subject": subject, "points": points })
        })
        .collect();
    Ok(Json(json!({
        "metric": p.metric, "from": from, "to": to, "step": step, "resolution": resolution.name(),
        "columns": ["ts", "min", "avg", "max"], "series": series,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SoftwareParams {
    q: Option<String>,
}

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

pub async fn events(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(id): Path<i64>,
) -> ApiResult<Json<Page<devices::DeviceEvent>>> {
    visible(&state, &caller, id).await?;
    let items = state.db.read(move |c| devices::events(c, id, 200)).await?;
    Ok(Json(Page { items, next_cursor: None }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tags {
    tags: Vec<String>,
}

/// Replaces the device's tags. Tags are short words: letters, digits, `-`, `_`, `.`, `:`.
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

pub async fn tags(State(state): State<AppState>, _: Staff) -> ApiResult<Json<Page<Value>>> {
    let tags = state.db.read(devices::all_tags).await?;
    Ok(Json(Page {
        items: tags.into_iter().map(|(tag, n)| json!({ "tag": tag, "devices": n })).collect(),
        next_cursor: None,
    }))
}

/// The fleet dashboard in one answer.
pub async fn dashboard(State(state): State<AppState>, _: Staff) -> ApiResult<Json<Value>> {
    let body = state
        .db
        .read(|c| {
            Ok(json!({
                "counts": devices::counts(c)?,
                "by_client": devices::health_by_client(c)?,
                "fullest_disks": devices::fullest_disks(c, 10)?,
                "pending_security": devices::pending_security(c, 10)?,
                "recent_check_ins": devices::recent_check_ins(c, 10)?,
            }))
        })
        .await?;
    Ok(Json(body))
}

/// The metric names a chart or rule can use.
pub async fn metric_catalog(_: Person) -> Json<Value> {
    Json(
        json!({ "items": METRICS.iter().map(|(m, d)| json!({ "metric": m, "description": d })).collect::<Vec<_>>(), "next_cursor": null }),
    )
}

/// A device tag as typed: trimmed and lower-cased; 1 to 40 letters, digits, `-`, `_`, `.` or `:`.
pub fn tag(field: &str, value: &str) -> Result<String, ApiError> {
    let t = value.trim().to_lowercase();
    let ok =
        !t.is_empty() && t.len() <= 40 && t.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    /// Why; the agent logs it. 1 to 200 characters, one line.
    reason: String,
}

/// `POST /devices/{id}/revoke`: the device's next check-in is refused with the reason, and its
/// agent stops reporting. The record and its history stay.
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

/// `POST /devices/{id}/allow-reenroll`: for 24 hours, one enrollment of this machine id into
/// this device's client updates this device even without its device secret (the machine lost
/// its state folder).
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

/// `POST /devices/{id}/merge`, on a device flagged as a possible clone: the device it was
/// flagged against keeps its id and history and takes over this one's agent (see
/// `devices::merge`); this record goes. Answers the surviving device.
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

/// `POST /devices/{id}/keep`, on a device flagged as a possible clone: it is a machine of its
/// own; the flag goes and both devices stay.
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
