//! Devices: enrollment, check-in ingest (exactly once per sequence number), online/offline, and
//! the views the API and dashboard read.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use serde_json::Value;

use crate::monitoring::series;
use crate::protocol::{CheckIn, EnrollRequest, Inventory, Report};
use crate::rules::scope::{DeviceFacts, DeviceView};

use super::enroll_tokens::Grant;
use super::{DbError, metrics, rfc3339};

/// How an enrollment relates to the devices already known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrollKind {
    /// A machine id no live device has.
    New,
    /// The agent proved it is this device's agent (its current device secret), same client.
    Proven,
    /// Staff allowed this device one re-enrollment without its secret (its state folder was lost).
    Approved,
    /// The machine id is a live device's, but the agent proved nothing (or the token is another
    /// client's): a new device, flagged until staff merge it or keep both.
    PossibleClone { of: i64 },
}

impl EnrollKind {
    /// The audit action.
    pub fn action(self) -> &'static str {
        match self {
            EnrollKind::New => "device.enrolled",
            EnrollKind::Proven | EnrollKind::Approved => "device.reenrolled",
            EnrollKind::PossibleClone { .. } => "device.enrolled_possible_clone",
        }
    }
}

/// What enrolling did.
#[derive(Debug, Clone)]
pub struct Enrolled {
    pub device_id: i64,
    pub kind: EnrollKind,
    pub acked_seq: u64,
}

impl Enrolled {
    /// The device existed: its record was updated, not duplicated.
    pub fn again(&self) -> bool {
        matches!(self.kind, EnrollKind::Proven | EnrollKind::Approved)
    }
}

/// What an agent's credential names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Valid(i64),
    /// The right secret of a device staff revoked, with their reason.
    Revoked {
        device_id: i64,
        reason: String,
    },
    Invalid,
}

/// Checks `<claimed id>:<secret>` (the secret as its SHA-256): the device with that id, or the
/// device a merged clone with that id became.
pub fn authenticate(conn: &Connection, claimed_id: i64, secret_hash: &[u8]) -> Result<Credential, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, secret_hash, revoked_at IS NOT NULL, revoked_reason FROM devices WHERE id = ?1 OR alias_id = ?1",
    )?;
    let rows: Vec<(i64, Vec<u8>, bool, String)> = stmt
        .query_map([claimed_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    for (id, stored, revoked, reason) in rows {
        if crate::auth::constant_time_eq(&stored, secret_hash) {
            return Ok(if revoked { Credential::Revoked { device_id: id, reason } } else { Credential::Valid(id) });
        }
    }
    Ok(Credential::Invalid)
}

/// Enrolls a machine. The existing device is updated only when the agent proves it is that
/// device's agent (`proof`: the id and secret hash of its current credential) within the token's
/// client, or staff allowed one re-enrollment of the device with this machine id in that client;
/// otherwise the machine becomes a new device, flagged as a possible clone when a live device
/// already has its machine id. A revoked device is never taken over.
pub fn enroll(
    conn: &Connection,
    grant: &Grant,
    req: &EnrollRequest,
    proof: Option<(i64, &[u8])>,
    secret_hash: &[u8],
    now: i64,
) -> Result<Enrolled, DbError> {
    let mut target: Option<(i64, EnrollKind)> = None;
    if let Some((claimed, hash)) = proof
        && let Credential::Valid(id) = authenticate(conn, claimed, hash)?
    {
        let client: i64 = conn.query_row("SELECT client_id FROM devices WHERE id = ?1", [id], |r| r.get(0))?;
        if client == grant.client_id {
            target = Some((id, EnrollKind::Proven));
        }
    }
    if target.is_none() {
        target = conn
            .query_row(
                "SELECT id FROM devices WHERE machine_id = ?1 AND client_id = ?2 AND revoked_at IS NULL
                   AND reenroll_until >= ?3 ORDER BY id DESC LIMIT 1",
                params![req.machine_id, grant.client_id, now],
                |r| r.get(0),
            )
            .optional()?
            .map(|id| (id, EnrollKind::Approved));
    }
    let enrolled = match target {
        Some((id, kind)) => {
            conn.execute(
                "UPDATE devices SET site_id = coalesce(?2, site_id), machine_id = ?3, hostname = ?4, os = ?5,
                 agent_version = ?6, secret_hash = ?7, enrolled_at = ?8, reenroll_until = NULL WHERE id = ?1",
                params![id, grant.site_id, req.machine_id, req.hostname, req.os, req.agent_version, secret_hash, now],
            )?;
            let last_seq: i64 = conn.query_row("SELECT last_seq FROM devices WHERE id = ?1", [id], |r| r.get(0))?;
            Enrolled { device_id: id, kind, acked_seq: last_seq.max(0) as u64 }
        }
        None => {
            let twin: Option<i64> = conn
                .query_row(
                    "SELECT id FROM devices WHERE machine_id = ?1 AND revoked_at IS NULL ORDER BY id DESC LIMIT 1",
                    [&req.machine_id],
                    |r| r.get(0),
                )
                .optional()?;
            conn.execute(
                "INSERT INTO devices (client_id, site_id, machine_id, hostname, os, agent_version, secret_hash, enrolled_at, clone_of)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    grant.client_id,
                    grant.site_id,
                    req.machine_id,
                    req.hostname,
                    req.os,
                    req.agent_version,
                    secret_hash,
                    now,
                    twin
                ],
            )?;
            let kind = match twin {
                Some(of) => EnrollKind::PossibleClone { of },
                None => EnrollKind::New,
            };
            Enrolled { device_id: conn.last_insert_rowid(), kind, acked_seq: 0 }
        }
    };
    let detail = match enrolled.kind {
        EnrollKind::New => grant.client.clone(),
        EnrollKind::Proven => format!("{} (proved by its device secret)", grant.client),
        EnrollKind::Approved => format!("{} (allowed by staff)", grant.client),
        EnrollKind::PossibleClone { of } => format!("{}: possible clone of device {of}", grant.client),
    };
    event(conn, enrolled.device_id, now, if enrolled.again() { "re-enrolled" } else { "enrolled" }, &detail)?;
    Ok(enrolled)
}

/// Revokes a device: its check-ins are refused with `reason` from now on. False when there is no
/// such device or it was revoked already.
pub fn revoke(conn: &Connection, id: i64, reason: &str, now: i64) -> Result<bool, DbError> {
    // Marked offline at once, without an offline event: a revoked device is not "down".
    Ok(conn.execute(
        "UPDATE devices SET revoked_at = ?2, revoked_reason = ?3, online = 0, reenroll_until = NULL
         WHERE id = ?1 AND revoked_at IS NULL",
        params![id, now, reason],
    )? == 1)
}

/// Allows the device one re-enrollment without its secret until `until`. False when there is
/// no such live device.
pub fn allow_reenroll(conn: &Connection, id: i64, until: i64) -> Result<bool, DbError> {
    Ok(conn
        .execute("UPDATE devices SET reenroll_until = ?2 WHERE id = ?1 AND revoked_at IS NULL", params![id, until])?
        == 1)
}

/// Clears the possible-clone flag: both devices are kept as separate machines. Answers the
/// device it was flagged against, or `None` when it was not flagged.
pub fn keep_both(conn: &Connection, id: i64) -> Result<Option<i64>, DbError> {
    let of: Option<i64> =
        conn.query_row("SELECT clone_of FROM devices WHERE id = ?1", [id], |r| r.get(0)).optional()?.flatten();
    if of.is_some() {
        conn.execute("UPDATE devices SET clone_of = NULL WHERE id = ?1", [id])?;
    }
    Ok(of)
}

/// Why a merge cannot happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeRefusal {
    #[error("Device {0} is not flagged as a possible clone; there is nothing to merge.")]
    NotFlagged(i64),
    #[error("The device it was flagged against no longer exists or was revoked; keep this one instead.")]
    OriginalGone,
    #[error("The two devices belong to different clients; a device cannot move to another client by merging.")]
    OtherClient,
}

/// Merges a possible clone into the device it was flagged against: that device (its id, history,
/// alerts, tickets, tags and notes) is kept and takes over the clone's agent: its credential
/// (the clone's id stays accepted as an alias), machine id, hostname, latest numbers, inventory,
/// patch and SMART state, and its report numbering. The clone's own record goes, with the metric
/// samples it gathered since it enrolled. Answers the surviving device's id.
pub fn merge(conn: &Connection, clone_id: i64, now: i64) -> Result<Result<i64, MergeRefusal>, DbError> {
    let row: Option<(Option<i64>, i64)> = conn
        .query_row("SELECT clone_of, client_id FROM devices WHERE id = ?1", [clone_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((Some(old), clone_client)) = row else { return Ok(Err(MergeRefusal::NotFlagged(clone_id))) };
    let original: Option<(i64, bool)> = conn
        .query_row("SELECT client_id, revoked_at IS NOT NULL FROM devices WHERE id = ?1", [old], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    match original {
        None | Some((_, true)) => return Ok(Err(MergeRefusal::OriginalGone)),
        Some((client, _)) if client != clone_client => return Ok(Err(MergeRefusal::OtherClient)),
        Some(_) => {}
    }
    let clone_seq: i64 = conn.query_row("SELECT last_seq FROM devices WHERE id = ?1", [clone_id], |r| r.get(0))?;
    // The agent numbers its reports from its own count now: forget the check-in log above it, so
    // its next reports are not taken for ones the old agent already sent.
    conn.execute("DELETE FROM device_reports WHERE device_id = ?1 AND seq > ?2", params![old, clone_seq])?;
    for table in ["device_latest", "device_inventory", "device_patches", "device_smart", "device_software"] {
        // Table names are from this fixed list, never from input.
        let moved: bool =
            conn.query_row(&format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE device_id = ?1)"), [clone_id], |r| {
                r.get(0)
            })?;
        if moved {
            conn.execute(&format!("DELETE FROM {table} WHERE device_id = ?1"), [old])?;
            conn.execute(&format!("UPDATE {table} SET device_id = ?2 WHERE device_id = ?1"), params![clone_id, old])?;
        }
    }
    conn.execute(
        "INSERT OR IGNORE INTO device_tags (device_id, tag) SELECT ?2, tag FROM device_tags WHERE device_id = ?1",
        params![clone_id, old],
    )?;
    conn.execute("UPDATE OR IGNORE ticket_devices SET device_id = ?2 WHERE device_id = ?1", params![clone_id, old])?;
    conn.execute(
        "UPDATE devices SET (site_id, machine_id, hostname, os, agent_version, secret_hash, last_seen, last_seq, online,
             alias_id, reenroll_until) =
           (SELECT coalesce(c.site_id, devices.site_id), c.machine_id, c.hostname, c.os, c.agent_version, c.secret_hash,
                   c.last_seen, c.last_seq, c.online, c.id, NULL FROM devices c WHERE c.id = ?1)
         WHERE id = ?2",
        params![clone_id, old],
    )?;
    conn.execute("UPDATE devices SET clone_of = ?2 WHERE clone_of = ?1", params![clone_id, old])?;
    conn.execute("DELETE FROM devices WHERE id = ?1", [clone_id])?;
    event(conn, old, now, "re-enrolled", &format!("merged with device {clone_id}, which took over this record"))?;
    Ok(Ok(old))
}

pub fn event(conn: &Connection, device_id: i64, at: i64, kind: &str, detail: &str) -> Result<(), DbError> {
    conn.prepare_cached("INSERT INTO device_events (device_id, at, kind, detail) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![device_id, at, kind, detail])?;
    Ok(())
}

/// What a check-in changed.
#[derive(Debug, Clone, Default)]
pub struct Ingested {
    pub acked_seq: u64,
    pub stored: usize,
    /// The device was offline and is back.
    pub came_online: bool,
    /// The sequence numbers stored by this check-in, in order.
    pub new_seqs: Vec<u64>,
}

/// Stores the reports of a check-in that are new (sequence number above the last stored one) and
/// marks the device seen. Reports the server already has are skipped, so a resend after a lost
/// acknowledgement stores nothing twice.
pub fn ingest(conn: &Connection, device_id: i64, c: &CheckIn, now: i64) -> Result<Ingested, DbError> {
    let (last_seq, online): (i64, bool) =
        conn.query_row("SELECT last_seq, online FROM devices WHERE id = ?1", [device_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let mut acked = last_seq.max(0) as u64;
    let mut new_seqs = Vec::new();
    for report in &c.reports {
        if report.seq <= acked {
            continue;
        }
        store_report(conn, device_id, report, now)?;
        acked = report.seq;
        new_seqs.push(report.seq);
    }
    let stored = new_seqs.len();
    conn.execute(
        "UPDATE devices SET last_seen = ?2, last_seq = ?3, online = 1, agent_version = ?4,
         dropped_reports = dropped_reports + ?5 WHERE id = ?1",
        params![device_id, now, acked as i64, c.agent_version, c.dropped as i64],
    )?;
    if c.dropped > 0 {
        event(
            conn,
            device_id,
            now,
            "spool-dropped",
            &format!("{} reports dropped by the agent's full spool", c.dropped),
        )?;
    }
    if !online {
        event(conn, device_id, now, "online", "")?;
    }
    Ok(Ingested { acked_seq: acked, stored, came_online: !online, new_seqs })
}

fn store_report(conn: &Connection, device_id: i64, r: &Report, now: i64) -> Result<(), DbError> {
    conn.prepare_cached(
        "INSERT INTO device_reports (device_id, seq, collected_at, received_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![device_id, r.seq as i64, r.collected_at, now])?;
    let m = &r.metrics;
    metrics::record(conn, device_id, r.collected_at, &series::points(m))?;
    let json = serde_json::to_string(m).map_err(|e| DbError::Encode(e.to_string()))?;
    // "Latest" is the report the agent made last, by its own numbering, not by the date it
    // carries: a clock that jumped (either way) cannot pin an old report as the newest.
    conn.prepare_cached(
        "INSERT INTO device_latest (device_id, seq, collected_at, received_at, cpu_pct, mem_total, mem_used, disk_max_pct, metrics_json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (device_id) DO UPDATE SET seq = excluded.seq, collected_at = excluded.collected_at,
           received_at = excluded.received_at, cpu_pct = excluded.cpu_pct, mem_total = excluded.mem_total,
           mem_used = excluded.mem_used, disk_max_pct = excluded.disk_max_pct, metrics_json = excluded.metrics_json
         WHERE excluded.seq > device_latest.seq",
    )?
    .execute(params![
        device_id,
        r.seq as i64,
        r.collected_at,
        now,
        m.cpu_pct,
        m.mem_total_bytes as i64,
        m.mem_used_bytes as i64,
        series::fullest_disk_pct(m),
        json
    ])?;
    if let Some(inv) = &r.inventory {
        store_inventory(conn, device_id, r.collected_at, inv)?;
    }
    if let Some(p) = &r.patches {
        let json = serde_json::to_string(p).map_err(|e| DbError::Encode(e.to_string()))?;
        let since: Option<i64> = if p.known && p.security > 0 {
            let previous: Option<i64> = conn
                .query_row("SELECT security_since FROM device_patches WHERE device_id = ?1", [device_id], |r| r.get(0))
                .optional()?
                .flatten();
            Some(previous.unwrap_or(r.collected_at))
        } else {
            None
        };
        conn.execute(
            "INSERT OR REPLACE INTO device_patches (device_id, collected_at, known, pending, security, security_since, patches_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![device_id, r.collected_at, p.known, p.pending, p.security, since, json],
        )?;
    }
    if let Some(s) = &r.smart {
        let json = serde_json::to_string(s).map_err(|e| DbError::Encode(e.to_string()))?;
        conn.execute(
            "INSERT OR REPLACE INTO device_smart (device_id, collected_at, smart_json) VALUES (?1, ?2, ?3)",
            params![device_id, r.collected_at, json],
        )?;
    }
    Ok(())
}

fn store_inventory(conn: &Connection, device_id: i64, at: i64, inv: &Inventory) -> Result<(), DbError> {
    let mut without_packages = inv.clone();
    without_packages.packages.clear();
    let json = serde_json::to_string(&without_packages).map_err(|e| DbError::Encode(e.to_string()))?;
    conn.execute(
        "INSERT OR REPLACE INTO device_inventory (device_id, collected_at, inventory_json) VALUES (?1, ?2, ?3)",
        params![device_id, at, json],
    )?;
    if !inv.hostname.is_empty() {
        conn.execute("UPDATE devices SET hostname = ?2 WHERE id = ?1", params![device_id, inv.hostname])?;
    }
    if !inv.os_name.is_empty() {
        let os = format!("{} {}", inv.os_name, inv.os_version).trim().to_owned();
        conn.execute("UPDATE devices SET os = ?2 WHERE id = ?1", params![device_id, os])?;
    }
    conn.execute("DELETE FROM device_software WHERE device_id = ?1", [device_id])?;
    let mut insert =
        conn.prepare_cached("INSERT OR REPLACE INTO device_software (device_id, name, version) VALUES (?1, ?2, ?3)")?;
    for p in &inv.packages {
        insert.execute(params![device_id, p.name, p.version])?;
    }
    Ok(())
}

/// Marks offline every online device not seen since `seen_before`; returns their ids.
pub fn mark_offline(conn: &Connection, seen_before: i64, now: i64) -> Result<Vec<i64>, DbError> {
    let ids: Vec<i64> = {
        let mut stmt = conn.prepare_cached("SELECT id FROM devices WHERE online = 1 AND last_seen < ?1")?;
        stmt.query_map([seen_before], |r| r.get(0))?.collect::<Result<_, _>>()?
    };
    for id in &ids {
        conn.execute("UPDATE devices SET online = 0 WHERE id = ?1", [id])?;
        event(conn, *id, now, "offline", "")?;
    }
    Ok(ids)
}

/// When the next online device will pass `offline_after` (its last check-in), if any is online.
pub fn oldest_online_seen(conn: &Connection) -> Result<Option<i64>, DbError> {
    Ok(conn.query_row("SELECT min(last_seen) FROM devices WHERE online = 1", [], |r| r.get(0))?)
}

/// A row of the device list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeviceSummary {
    pub id: i64,
    pub hostname: String,
    pub client_id: i64,
    pub client: String,
    pub site_id: Option<i64>,
    pub site: Option<String>,
    pub online: bool,
    #[schema(format = DateTime)]
    pub last_seen: Option<String>,
    pub os: String,
    pub agent_version: String,
    pub tags: Vec<String>,
    pub cpu_pct: Option<f64>,
    pub mem_used_pct: Option<f64>,
    pub disk_max_pct: Option<f64>,
    pub pending_updates: Option<i64>,
    pub security_updates: Option<i64>,
    pub machine_id: String,
    /// Enrolled with this device's machine id without proving to be its agent: a possible clone
    /// (staff see it; merge or keep both).
    pub clone_of: Option<i64>,
    pub revoked: bool,
    #[schema(format = DateTime)]
    pub revoked_at: Option<String>,
    pub revoked_reason: String,
    /// Staff allowed one re-enrollment without the device secret until then.
    #[schema(format = DateTime)]
    pub reenroll_allowed_until: Option<String>,
}

const SUMMARY_COLUMNS: &str = "d.id, d.hostname, d.client_id, c.name, d.site_id, s.name, d.online, d.last_seen, d.os,
    d.agent_version, (SELECT group_concat(tag, char(31)) FROM device_tags t WHERE t.device_id = d.id),
    l.cpu_pct, CASE WHEN l.mem_total > 0 THEN l.mem_used * 100.0 / l.mem_total END, l.disk_max_pct,
    CASE WHEN p.known THEN p.pending END, CASE WHEN p.known THEN p.security END,
    d.machine_id, d.clone_of, d.revoked_at, d.revoked_reason, d.reenroll_until
    FROM devices d JOIN clients c ON c.id = d.client_id LEFT JOIN sites s ON s.id = d.site_id
    LEFT JOIN device_latest l ON l.device_id = d.id LEFT JOIN device_patches p ON p.device_id = d.id";

fn summary_from_row(r: &Row) -> rusqlite::Result<DeviceSummary> {
    let tags: Option<String> = r.get(10)?;
    let mut tags: Vec<String> = tags.map(|t| t.split('\u{1f}').map(str::to_owned).collect()).unwrap_or_default();
    tags.sort();
    Ok(DeviceSummary {
        id: r.get(0)?,
        hostname: r.get(1)?,
        client_id: r.get(2)?,
        client: r.get(3)?,
        site_id: r.get(4)?,
        site: r.get(5)?,
        online: r.get(6)?,
        last_seen: r.get::<_, Option<i64>>(7)?.map(rfc3339),
        os: r.get(8)?,
        agent_version: r.get(9)?,
        tags,
        cpu_pct: r.get(11)?,
        mem_used_pct: r.get(12)?,
        disk_max_pct: r.get(13)?,
        pending_updates: r.get(14)?,
        security_updates: r.get(15)?,
        machine_id: r.get(16)?,
        clone_of: r.get(17)?,
        revoked: r.get::<_, Option<i64>>(18)?.is_some(),
        revoked_at: r.get::<_, Option<i64>>(18)?.map(rfc3339),
        revoked_reason: r.get(19)?,
        reenroll_allowed_until: r.get::<_, Option<i64>>(20)?.map(rfc3339),
    })
}

/// Filters of the device list.
#[derive(Debug, Default, Clone)]
pub struct DeviceFilter {
    pub client_id: Option<i64>,
    pub site_id: Option<i64>,
    pub online: Option<bool>,
    pub tag: Option<String>,
    /// Hostname, OS, or client name contains this.
    pub search: Option<String>,
}

/// Devices in hostname order, after `(hostname, id)` of the previous page.
pub fn list(
    conn: &Connection,
    f: &DeviceFilter,
    after: Option<(&str, i64)>,
    limit: usize,
) -> Result<Vec<DeviceSummary>, DbError> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}
         WHERE (?1 IS NULL OR d.client_id = ?1) AND (?2 IS NULL OR d.site_id = ?2) AND (?3 IS NULL OR d.online = ?3)
           AND (?4 IS NULL OR EXISTS (SELECT 1 FROM device_tags t WHERE t.device_id = d.id AND t.tag = ?4))
           AND (?5 IS NULL OR instr(lower(d.hostname), lower(?5)) > 0 OR instr(lower(d.os), lower(?5)) > 0
                OR instr(lower(c.name), lower(?5)) > 0)
           AND (?6 IS NULL OR (d.hostname COLLATE NOCASE, d.id) > (?6, ?7))
         ORDER BY d.hostname COLLATE NOCASE, d.id LIMIT ?8"
    );
    let (after_name, after_id) = match after {
        Some((n, id)) => (Some(n), Some(id)),
        None => (None, None),
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![f.client_id, f.site_id, f.online, f.tag, f.search, after_name, after_id, limit as i64],
        summary_from_row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn summary(conn: &Connection, id: i64) -> Result<Option<DeviceSummary>, DbError> {
    Ok(conn.query_row(&format!("SELECT {SUMMARY_COLUMNS} WHERE d.id = ?1"), [id], summary_from_row).optional()?)
}

/// Everything the device page shows, beyond the summary.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeviceDetail {
    #[schema(format = DateTime)]
    pub enrolled_at: String,
    pub last_seq: i64,
    pub dropped_reports: i64,
    #[schema(format = DateTime)]
    pub latest_collected_at: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub latest: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub inventory: Option<Value>,
    #[schema(format = DateTime)]
    pub inventory_collected_at: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub patches: Option<Value>,
    #[schema(format = DateTime)]
    pub patches_collected_at: Option<String>,
    #[schema(format = DateTime)]
    pub security_pending_since: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub smart: Option<Value>,
    #[schema(format = DateTime)]
    pub smart_collected_at: Option<String>,
    pub software_count: i64,
}

pub fn detail(conn: &Connection, id: i64) -> Result<Option<DeviceDetail>, DbError> {
    let base: Option<(i64, i64, i64)> = conn
        .query_row("SELECT enrolled_at, last_seq, dropped_reports FROM devices WHERE id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let Some((enrolled_at, last_seq, dropped)) = base else { return Ok(None) };
    let json_at = |sql: &str| -> Result<(Option<Value>, Option<String>), DbError> {
        let row: Option<(String, i64)> = conn.query_row(sql, [id], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
        Ok(match row {
            Some((json, at)) => (serde_json::from_str(&json).ok(), Some(rfc3339(at))),
            None => (None, None),
        })
    };
    let (latest, latest_at) = json_at("SELECT metrics_json, collected_at FROM device_latest WHERE device_id = ?1")?;
    let (inventory, inventory_at) =
        json_at("SELECT inventory_json, collected_at FROM device_inventory WHERE device_id = ?1")?;
    let (patches, patches_at) = json_at("SELECT patches_json, collected_at FROM device_patches WHERE device_id = ?1")?;
    let (smart, smart_at) = json_at("SELECT smart_json, collected_at FROM device_smart WHERE device_id = ?1")?;
    let since: Option<i64> = conn
        .query_row("SELECT security_since FROM device_patches WHERE device_id = ?1", [id], |r| r.get(0))
        .optional()?
        .flatten();
    let software_count =
        conn.query_row("SELECT count(*) FROM device_software WHERE device_id = ?1", [id], |r| r.get(0))?;
    Ok(Some(DeviceDetail {
        enrolled_at: rfc3339(enrolled_at),
        last_seq,
        dropped_reports: dropped,
        latest: latest.map(with_disk_percentages),
        latest_collected_at: latest_at,
        inventory,
        inventory_collected_at: inventory_at,
        patches,
        patches_collected_at: patches_at,
        security_pending_since: since.map(rfc3339),
        smart,
        smart_collected_at: smart_at,
        software_count,
    }))
}

/// The stored metrics, with `disks` (the API's name for filesystems) carrying `used_pct` too.
fn with_disk_percentages(mut m: Value) -> Value {
    if let Some(fs) = m.get("filesystems").cloned() {
        let disks: Vec<Value> = fs
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|f| {
                        let mut f = f.clone();
                        let used = f["used_bytes"].as_u64().unwrap_or(0);
                        let avail = f["available_bytes"].as_u64().unwrap_or(0);
                        f["used_pct"] = Value::from(series::disk_used_pct(used, avail));
                        f
                    })
                    .collect()
            })
            .unwrap_or_default();
        m["disks"] = Value::Array(disks);
        if let Some(obj) = m.as_object_mut() {
            obj.remove("filesystems");
        }
    }
    m
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Software {
    pub name: String,
    pub version: String,
}

pub fn software(conn: &Connection, id: i64, search: Option<&str>) -> Result<Vec<Software>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, version FROM device_software WHERE device_id = ?1 AND (?2 IS NULL OR instr(lower(name), lower(?2)) > 0)
         ORDER BY name",
    )?;
    let rows = stmt.query_map(params![id, search], |r| Ok(Software { name: r.get(0)?, version: r.get(1)? }))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn set_tags(conn: &Connection, id: i64, tags: &[String]) -> Result<(), DbError> {
    conn.execute("DELETE FROM device_tags WHERE device_id = ?1", [id])?;
    let mut insert = conn.prepare_cached("INSERT OR IGNORE INTO device_tags (device_id, tag) VALUES (?1, ?2)")?;
    for t in tags {
        insert.execute(params![id, t])?;
    }
    Ok(())
}

/// Every tag in use, with how many devices carry it.
pub fn all_tags(conn: &Connection) -> Result<Vec<(String, i64)>, DbError> {
    let mut stmt = conn.prepare_cached("SELECT tag, count(*) FROM device_tags GROUP BY tag ORDER BY tag")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A device event, for the device page's history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeviceEvent {
    #[schema(format = DateTime)]
    pub at: String,
    pub kind: String,
    pub detail: String,
}

pub fn events(conn: &Connection, id: i64, limit: usize) -> Result<Vec<DeviceEvent>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, kind, detail FROM device_events WHERE device_id = ?1 ORDER BY at DESC, id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![id, limit as i64], |r| {
        Ok(DeviceEvent { at: rfc3339(r.get(0)?), kind: r.get(1)?, detail: r.get(2)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Online and offline devices per client, for the dashboard.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClientHealth {
    pub client_id: i64,
    pub client: String,
    pub online: i64,
    pub offline: i64,
}

pub fn health_by_client(conn: &Connection) -> Result<Vec<ClientHealth>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.name, sum(d.online), sum(1 - d.online) FROM devices d JOIN clients c ON c.id = d.client_id
         GROUP BY c.id ORDER BY sum(1 - d.online) DESC, c.name COLLATE NOCASE",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ClientHealth { client_id: r.get(0)?, client: r.get(1)?, online: r.get(2)?, offline: r.get(3)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The `limit` devices ordered by `order` (an SQL expression over the summary columns), for the
/// dashboard's "fullest disks", "pending security updates" and "recent check-ins" panels.
fn top(conn: &Connection, filter: &str, order: &str, limit: usize) -> Result<Vec<DeviceSummary>, DbError> {
    let sql = format!("SELECT {SUMMARY_COLUMNS} WHERE {filter} ORDER BY {order} LIMIT ?1");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([limit as i64], summary_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn fullest_disks(conn: &Connection, limit: usize) -> Result<Vec<DeviceSummary>, DbError> {
    top(conn, "l.disk_max_pct IS NOT NULL", "l.disk_max_pct DESC", limit)
}

pub fn pending_security(conn: &Connection, limit: usize) -> Result<Vec<DeviceSummary>, DbError> {
    top(conn, "p.known AND p.security > 0", "p.security DESC, p.security_since", limit)
}

pub fn recent_check_ins(conn: &Connection, limit: usize) -> Result<Vec<DeviceSummary>, DbError> {
    top(conn, "d.last_seen IS NOT NULL", "d.last_seen DESC", limit)
}

/// Fleet-wide counts for `/metrics` and the dashboard header.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct FleetCounts {
    pub devices: i64,
    pub online: i64,
    pub offline: i64,
    pub clients: i64,
    pub security_updates_pending: i64,
}

pub fn counts(conn: &Connection) -> Result<FleetCounts, DbError> {
    Ok(conn.query_row(
        "SELECT (SELECT count(*) FROM devices), (SELECT count(*) FROM devices WHERE online = 1),
                (SELECT count(*) FROM devices WHERE online = 0), (SELECT count(*) FROM clients),
                (SELECT coalesce(sum(security), 0) FROM device_patches WHERE known)",
        [],
        |r| {
            Ok(FleetCounts {
                devices: r.get(0)?,
                online: r.get(1)?,
                offline: r.get(2)?,
                clients: r.get(3)?,
                security_updates_pending: r.get(4)?,
            })
        },
    )?)
}

/// A device as rule evaluation sees it (scope facts, hostname, client name).
pub fn view(conn: &Connection, device_id: i64) -> Result<Option<DeviceView>, DbError> {
    let row: Option<(i64, Option<i64>, String, String)> = conn
        .prepare_cached(
            "SELECT d.client_id, d.site_id, d.hostname, c.name FROM devices d JOIN clients c ON c.id = d.client_id
             WHERE d.id = ?1",
        )?
        .query_row([device_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    let Some((client_id, site_id, hostname, client)) = row else { return Ok(None) };
    let tags: Vec<String> = conn
        .prepare_cached("SELECT lower(tag) FROM device_tags WHERE device_id = ?1")?
        .query_map([device_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(Some(DeviceView { facts: DeviceFacts { device_id, client_id, site_id, tags }, hostname, client }))
}
