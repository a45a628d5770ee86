//! The time series a check-in feeds. Each is named by a metric and a subject (the mount point,
//! interface or sensor), e.g. `("disk_used_pct", "/var")`.

use crate::protocol::Metrics;

/// Metric names, as stored and as the API and rules name them.
pub const CPU_PCT: &str = "cpu_pct";
pub const MEM_USED_PCT: &str = "mem_used_pct";
pub const SWAP_USED_PCT: &str = "swap_used_pct";
pub const LOAD1: &str = "load1";
pub const LOAD5: &str = "load5";
pub const LOAD15: &str = "load15";
pub const LOAD_PER_CORE: &str = "load_per_core";
pub const DISK_USED_PCT: &str = "disk_used_pct";
pub const DISK_USED_BYTES: &str = "disk_used_bytes";
pub const DISK_FREE_BYTES: &str = "disk_free_bytes";
pub const NET_RX_BPS: &str = "net_rx_bps";
pub const NET_TX_BPS: &str = "net_tx_bps";
pub const TEMP_C: &str = "temp_c";

/// Every metric name a series can have, with what it measures (for the API and rule editor).
pub const METRICS: &[(&str, &str)] = &[
    (CPU_PCT, "CPU use, %"),
    (MEM_USED_PCT, "memory in use, %"),
    (SWAP_USED_PCT, "swap in use, %"),
    (LOAD1, "load average, 1 min"),
    (LOAD5, "load average, 5 min"),
    (LOAD15, "load average, 15 min"),
    (LOAD_PER_CORE, "5-minute load per logical CPU"),
    (DISK_USED_PCT, "filesystem used, % (per mount point)"),
    (DISK_USED_BYTES, "filesystem used, bytes (per mount point)"),
    (DISK_FREE_BYTES, "filesystem free for users, bytes (per mount point)"),
    (NET_RX_BPS, "network received, bytes/s (per interface)"),
    (NET_TX_BPS, "network sent, bytes/s (per interface)"),
    (TEMP_C, "temperature, °C (per sensor)"),
];

/// One value of one series.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub metric: &'static str,
    pub subject: String,
    pub value: f64,
}

fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 * 100.0 / whole as f64 }
}

/// A filesystem's used share as people read it (df's "Use%"): used / (used + available), so the
/// root reserve of ext4 counts as full.
pub fn disk_used_pct(used: u64, available: u64) -> f64 {
    pct(used, used.saturating_add(available))
}

/// The points one report's metrics feed.
pub fn points(m: &Metrics) -> Vec<Point> {
    let p = |metric: &'static str, subject: &str, value: f64| Point { metric, subject: subject.to_owned(), value };
    let mut out = vec![
        p(CPU_PCT, "", m.cpu_pct),
        p(MEM_USED_PCT, "", pct(m.mem_used_bytes, m.mem_total_bytes)),
        p(LOAD1, "", m.load1),
        p(LOAD5, "", m.load5),
        p(LOAD15, "", m.load15),
    ];
    if m.cpu_count > 0 {
        out.push(p(LOAD_PER_CORE, "", m.load5 / m.cpu_count as f64));
    }
    if m.swap_total_bytes > 0 {
        out.push(p(SWAP_USED_PCT, "", pct(m.swap_used_bytes, m.swap_total_bytes)));
    }
    for fs in &m.filesystems {
        out.push(p(DISK_USED_PCT, &fs.mount, disk_used_pct(fs.used_bytes, fs.available_bytes)));
        out.push(p(DISK_USED_BYTES, &fs.mount, fs.used_bytes as f64));
        out.push(p(DISK_FREE_BYTES, &fs.mount, fs.available_bytes as f64));
    }
    for nic in &m.network {
        out.push(p(NET_RX_BPS, &nic.name, nic.rx_bytes_per_sec));
        out.push(p(NET_TX_BPS, &nic.name, nic.tx_bytes_per_sec));
    }
    for t in &m.temperatures {
        out.push(p(TEMP_C, &t.label, t.celsius));
    }
    out
}

/// The fullest filesystem's used %, for dashboards.
pub fn fullest_disk_pct(m: &Metrics) -> Option<f64> {
    m.filesystems.iter().map(|f| disk_used_pct(f.used_bytes, f.available_bytes)).reduce(f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Filesystem, Interface};

    #[test]
    fn a_report_feeds_one_point_per_metric_and_subject() {
        let m = Metrics {
            cpu_pct: 12.5,
            cpu_count: 4,
            mem_total_bytes: 8_000,
            mem_used_bytes: 2_000,
            load5: 2.0,
            filesystems: vec![Filesystem {
                mount: "/".into(),
                total_bytes: 100,
                used_bytes: 45,
                available_bytes: 45,
                ..Default::default()
            }],
            network: vec![Interface { name: "eth0".into(), rx_bytes_per_sec: 10.0, ..Default::default() }],
            ..Default::default()
        };
        let pts = points(&m);
        let get = |metric: &str, subject: &str| {
            pts.iter().find(|p| p.metric == metric && p.subject == subject).map(|p| p.value)
        };
        assert_eq!(get(CPU_PCT, ""), Some(12.5));
        assert_eq!(get(MEM_USED_PCT, ""), Some(25.0));
        assert_eq!(get(LOAD_PER_CORE, ""), Some(0.5));
        assert_eq!(get(DISK_USED_PCT, "/"), Some(50.0), "reserve counts as full, like df");
        assert_eq!(get(NET_RX_BPS, "eth0"), Some(10.0));
        assert_eq!(get(SWAP_USED_PCT, ""), None, "no swap, no swap series");
        assert_eq!(fullest_disk_pct(&m), Some(50.0));
    }
}
