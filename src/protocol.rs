//! The wire types the agent and the server share, versioned as a whole by `PROTOCOL_VERSION`.
//!
//! Bytes are integers, percentages are 0–100 floats, times are unix seconds (UTC). Every list has
//! a bound (see `limits`) that the server enforces at the edge, so one misbehaving endpoint cannot
//! fill the appliance's disk.

use serde::{Deserialize, Serialize};

/// Bumped when a change would confuse the other side; the server answers older agents for as
/// long as it can.
pub const PROTOCOL_VERSION: u32 = 1;

/// Bounds on what one report may carry. The server refuses a report past any of them (400).
pub mod limits {
    pub const REPORTS_PER_BATCH: usize = 100;
    pub const FILESYSTEMS: usize = 64;
    pub const INTERFACES: usize = 64;
    pub const TEMPERATURES: usize = 64;
    pub const TOP_PROCESSES: usize = 10;
    pub const DISKS: usize = 64;
    pub const ADDRESSES: usize = 256;
    pub const PACKAGES: usize = 20_000;
    pub const SMART_DISKS: usize = 32;
    pub const SMART_ATTRIBUTES: usize = 64;
    pub const WATCHED: usize = 64;
    /// Longest string anywhere in a report (names, versions, paths).
    pub const TEXT: usize = 512;
    /// Largest check-in body, in bytes.
    pub const BODY_BYTES: usize = 16 * 1024 * 1024;
}

/// `POST /agent/v1/enroll`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    pub token: String,
    /// Stable id of the machine (`/etc/machine-id` on Linux): enrolling it again updates its record.
    pub machine_id: String,
    pub hostname: String,
    pub os: String,
    pub agent_version: String,
    /// The credential (`<device id>:<secret>`) from this machine's state file when it enrolls
    /// again: the proof that lets the server update that device instead of adding a new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_secret: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub device_id: i64,
    /// Shown once; the server keeps only its hash.
    pub device_secret: String,
    pub client: String,
    /// Suggested check-in interval in seconds.
    pub interval_secs: u64,
    /// The highest sequence number the server already has for this machine (0 when new): the
    /// agent numbers its next report above it, so a re-enrolled machine never repeats itself.
    pub acked_seq: u64,
    /// The SPKI pin (SHA-256 of the public key, base64) of the key the server will switch to, when
    /// a rotation is planned (`steward admin tls rotate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_pin: Option<String>,
    /// Enrolled as a new device flagged as a possible clone of another: staff will review it.
    #[serde(default)]
    pub possible_clone: bool,
}

/// `POST /agent/v1/checkin`: reports oldest first, straight from the agent's spool.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckIn {
    pub agent_version: String,
    pub reports: Vec<Report>,
    /// Reports the agent's spool had to drop (full) since it last told the server.
    #[serde(default)]
    pub dropped: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckInResponse {
    /// The highest sequence number the server has stored for this device; the agent deletes
    /// every spooled report up to it.
    pub acked_seq: u64,
    /// Reports in this batch that were new (the rest the server already had).
    pub stored: usize,
    pub interval_secs: u64,
    /// Processes and services the rules want this device to watch; reported in `Metrics::watched`.
    #[serde(default)]
    pub watch: Watch,
    /// The SPKI pin of the server's next key, when a rotation is planned: the agent keeps it and
    /// accepts that key once the server switches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_pin: Option<String>,
}

/// The body of a 403 answer to a revoked device's check-in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Revoked {
    pub error: String,
    pub revoked: bool,
    pub reason: String,
}

/// What the server asks an agent to keep an eye on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Watch {
    #[serde(default)]
    pub processes: Vec<String>,
    #[serde(default)]
    pub services: Vec<String>,
}

/// Whether a watched process or service was running at collection time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Watched {
    /// "process" or "service".
    pub kind: String,
    pub name: String,
    pub running: bool,
}

/// One check-in's worth of facts about a machine.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Strictly increasing per agent; the server ignores a sequence number it already has.
    pub seq: u64,
    /// When the agent collected it.
    pub collected_at: i64,
    pub metrics: Metrics,
    /// Sent at start and every 6 h.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory: Option<Inventory>,
    /// Sent at start and every 6 h.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patches: Option<PatchState>,
    /// Sent with the inventory where smartctl is installed and finds disks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smart: Option<SmartReport>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metrics {
    pub cpu_pct: f64,
    pub cpu_count: u32,
    pub mem_total_bytes: u64,
    pub mem_used_bytes: u64,
    pub mem_available_bytes: u64,
    pub swap_total_bytes: u64,
    pub swap_used_bytes: u64,
    pub load1: f64,
    pub load5: f64,
    pub load15: f64,
    pub uptime_secs: u64,
    pub filesystems: Vec<Filesystem>,
    pub network: Vec<Interface>,
    pub temperatures: Vec<Temperature>,
    pub top_cpu: Vec<Process>,
    pub top_mem: Vec<Process>,
    /// The processes and services the server asked to watch.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub watched: Vec<Watched>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filesystem {
    pub mount: String,
    pub fs_type: String,
    pub device: String,
    pub total_bytes: u64,
    pub used_bytes: u64,
    /// Space an unprivileged user can still write (less than total - used on ext4's reserve).
    pub available_bytes: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interface {
    pub name: String,
    pub rx_bytes_per_sec: f64,
    pub tx_bytes_per_sec: f64,
    pub rx_bytes_total: u64,
    pub tx_bytes_total: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Temperature {
    pub label: String,
    pub celsius: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical_celsius: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Process {
    pub pid: u32,
    pub name: String,
    pub cpu_pct: f64,
    pub mem_bytes: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inventory {
    pub hostname: String,
    pub os_name: String,
    pub os_version: String,
    pub kernel: String,
    pub arch: String,
    pub cpu_model: String,
    pub cpu_cores: u32,
    pub cpu_threads: u32,
    pub mem_total_bytes: u64,
    pub disks: Vec<Disk>,
    /// From DMI where readable: hardware vendor, model, serial.
    pub vendor: String,
    pub model: String,
    pub serial: String,
    pub bios_version: String,
    pub interfaces: Vec<NetworkAddress>,
    /// "dpkg", "rpm", or "" when neither is present.
    pub package_manager: String,
    pub packages: Vec<Package>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disk {
    pub name: String,
    pub model: String,
    pub serial: String,
    pub size_bytes: u64,
    pub rotational: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkAddress {
    pub name: String,
    pub mac: String,
    pub ips: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Package {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchState {
    /// "apt", "dnf", or "" when the machine has neither.
    pub manager: String,
    /// False when the pending updates could not be determined ("unknown").
    pub known: bool,
    pub pending: u32,
    pub security: u32,
    /// Names of pending updates (bounded like packages), security ones flagged.
    pub updates: Vec<PendingUpdate>,
    /// Why the state is unknown, when it is.
    #[serde(default)]
    pub error: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingUpdate {
    pub name: String,
    pub version: String,
    pub security: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmartReport {
    /// False when smartctl is not installed ("not available").
    pub available: bool,
    pub disks: Vec<SmartDisk>,
    #[serde(default)]
    pub error: String,
}

/// What `smartctl --json -a` says about one disk, reduced to what alerting and the UI need.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmartDisk {
    pub device: String,
    /// "ata", "nvme", "scsi".
    pub protocol: String,
    pub model: String,
    pub serial: String,
    pub capacity_bytes: u64,
    /// smartctl's overall verdict; None when it gave none.
    pub passed: Option<bool>,
    pub temperature_celsius: Option<f64>,
    pub power_on_hours: Option<u64>,
    /// ATA attributes (id, name, normalized value, worst, threshold, raw value).
    pub attributes: Vec<SmartAttribute>,
    /// NVMe health log, when the disk is NVMe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nvme: Option<NvmeHealth>,
    /// SAS/SCSI defect list and error counters, when the disk speaks SCSI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scsi: Option<ScsiHealth>,
}

/// What a SAS/SCSI disk says about its health: the grown defect list (sectors remapped since it
/// left the factory, like ATA's reallocated sectors) and the errors it could not correct.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScsiHealth {
    pub grown_defects: u64,
    pub uncorrected_read_errors: u64,
    pub uncorrected_write_errors: u64,
    pub uncorrected_verify_errors: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmartAttribute {
    pub id: u32,
    pub name: String,
    pub value: i64,
    pub worst: i64,
    pub thresh: i64,
    pub raw: i64,
    /// smartctl says the attribute is failing now ("when_failed": "now").
    #[serde(default)]
    pub failing_now: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NvmeHealth {
    pub critical_warning: u64,
    pub media_errors: u64,
    pub available_spare: u64,
    pub available_spare_threshold: u64,
    pub percentage_used: u64,
    pub unsafe_shutdowns: u64,
    pub num_err_log_entries: u64,
}
