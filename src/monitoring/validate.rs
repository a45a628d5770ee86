//! What a check-in may contain. Checked at the edge, before anything is written; the error names
//! the field, e.g. `reports[3].metrics.filesystems: 70 entries, at most 64`.

use crate::protocol::{CheckIn, EnrollRequest, Report, limits};

/// How far in the future an agent's clock may be before its reports are refused. A few minutes of
/// drift are normal; a report dated further ahead would otherwise look like the newest one long
/// after newer reports arrived.
pub const MAX_CLOCK_AHEAD_SECS: i64 = 5 * 60;
/// Oldest report accepted: a spool keeps at most days, not years.
const MAX_AGE_SECS: i64 = 400 * 86_400;

pub fn check_in(c: &CheckIn, now: i64) -> Result<(), String> {
    text("agent_version", &c.agent_version)?;
    int("dropped", c.dropped)?;
    if c.reports.is_empty() {
        return Err("reports: empty; send at least one report".into());
    }
    count("reports", c.reports.len(), limits::REPORTS_PER_BATCH)?;
    let mut last_seq = 0;
    for (i, r) in c.reports.iter().enumerate() {
        report(r, now).map_err(|e| format!("reports[{i}].{e}"))?;
        if r.seq <= last_seq {
            return Err(format!("reports[{i}].seq: {} is not greater than the report before it ({last_seq})", r.seq));
        }
        last_seq = r.seq;
    }
    Ok(())
}

fn report(r: &Report, now: i64) -> Result<(), String> {
    if r.seq == 0 {
        return Err("seq: must start at 1".into());
    }
    int("seq", r.seq)?;
    if r.collected_at > now.saturating_add(MAX_CLOCK_AHEAD_SECS) {
        return Err(format!(
            "collected_at: {} is more than {} minutes ahead of the server's clock ({now}); check the machine's clock",
            r.collected_at,
            MAX_CLOCK_AHEAD_SECS / 60
        ));
    }
    if r.collected_at < now.saturating_sub(MAX_AGE_SECS) {
        return Err(format!("collected_at: {} is more than 400 days old", r.collected_at));
    }
    let m = &r.metrics;
    for (name, v) in [
        ("mem_total_bytes", m.mem_total_bytes),
        ("mem_used_bytes", m.mem_used_bytes),
        ("mem_available_bytes", m.mem_available_bytes),
        ("swap_total_bytes", m.swap_total_bytes),
        ("swap_used_bytes", m.swap_used_bytes),
        ("uptime_secs", m.uptime_secs),
    ] {
        int(&format!("metrics.{name}"), v)?;
    }
    pct("metrics.cpu_pct", m.cpu_pct)?;
    for (name, v) in [("load1", m.load1), ("load5", m.load5), ("load15", m.load15)] {
        non_negative(&format!("metrics.{name}"), v)?;
    }
    if m.mem_used_bytes > m.mem_total_bytes {
        return Err("metrics.mem_used_bytes: larger than mem_total_bytes".into());
    }
    if m.swap_used_bytes > m.swap_total_bytes {
        return Err("metrics.swap_used_bytes: larger than swap_total_bytes".into());
    }
    count("metrics.filesystems", m.filesystems.len(), limits::FILESYSTEMS)?;
    for (i, f) in m.filesystems.iter().enumerate() {
        let at = format!("metrics.filesystems[{i}]");
        nonempty_text(&format!("{at}.mount"), &f.mount)?;
        text(&format!("{at}.fs_type"), &f.fs_type)?;
        text(&format!("{at}.device"), &f.device)?;
        for (name, v) in
            [("total_bytes", f.total_bytes), ("used_bytes", f.used_bytes), ("available_bytes", f.available_bytes)]
        {
            int(&format!("{at}.{name}"), v)?;
        }
        if f.used_bytes > f.total_bytes {
            return Err(format!("{at}.used_bytes: larger than total_bytes"));
        }
    }
    count("metrics.network", m.network.len(), limits::INTERFACES)?;
    for (i, n) in m.network.iter().enumerate() {
        let at = format!("metrics.network[{i}]");
        nonempty_text(&format!("{at}.name"), &n.name)?;
        non_negative(&format!("{at}.rx_bytes_per_sec"), n.rx_bytes_per_sec)?;
        non_negative(&format!("{at}.tx_bytes_per_sec"), n.tx_bytes_per_sec)?;
        int(&format!("{at}.rx_bytes_total"), n.rx_bytes_total)?;
        int(&format!("{at}.tx_bytes_total"), n.tx_bytes_total)?;
    }
    count("metrics.temperatures", m.temperatures.len(), limits::TEMPERATURES)?;
    for (i, t) in m.temperatures.iter().enumerate() {
        let at = format!("metrics.temperatures[{i}]");
        nonempty_text(&format!("{at}.label"), &t.label)?;
        if !t.celsius.is_finite() || !(-100.0..=300.0).contains(&t.celsius) {
            return Err(format!("{at}.celsius: {} is not a plausible temperature", t.celsius));
        }
    }
    for (name, list) in [("top_cpu", &m.top_cpu), ("top_mem", &m.top_mem)] {
        count(&format!("metrics.{name}"), list.len(), limits::TOP_PROCESSES)?;
        for (i, p) in list.iter().enumerate() {
            text(&format!("metrics.{name}[{i}].name"), &p.name)?;
            non_negative(&format!("metrics.{name}[{i}].cpu_pct"), p.cpu_pct)?;
            int(&format!("metrics.{name}[{i}].mem_bytes"), p.mem_bytes)?;
        }
    }
    count("metrics.watched", m.watched.len(), limits::WATCHED)?;
    for (i, w) in m.watched.iter().enumerate() {
        nonempty_text(&format!("metrics.watched[{i}].name"), &w.name)?;
        if w.kind != "process" && w.kind != "service" {
            return Err(format!("metrics.watched[{i}].kind: {:?} is neither \"process\" nor \"service\"", w.kind));
        }
    }
    if let Some(inv) = &r.inventory {
        for (name, v) in [
            ("hostname", &inv.hostname),
            ("os_name", &inv.os_name),
            ("os_version", &inv.os_version),
            ("kernel", &inv.kernel),
            ("arch", &inv.arch),
            ("cpu_model", &inv.cpu_model),
            ("vendor", &inv.vendor),
            ("model", &inv.model),
            ("serial", &inv.serial),
            ("bios_version", &inv.bios_version),
            ("package_manager", &inv.package_manager),
        ] {
            text(&format!("inventory.{name}"), v)?;
        }
        int("inventory.mem_total_bytes", inv.mem_total_bytes)?;
        count("inventory.disks", inv.disks.len(), limits::DISKS)?;
        for (i, d) in inv.disks.iter().enumerate() {
            for (name, v) in [("name", &d.name), ("model", &d.model), ("serial", &d.serial)] {
                text(&format!("inventory.disks[{i}].{name}"), v)?;
            }
            int(&format!("inventory.disks[{i}].size_bytes"), d.size_bytes)?;
        }
        count("inventory.interfaces", inv.interfaces.len(), limits::INTERFACES)?;
        for (i, n) in inv.interfaces.iter().enumerate() {
            text(&format!("inventory.interfaces[{i}].name"), &n.name)?;
            text(&format!("inventory.interfaces[{i}].mac"), &n.mac)?;
            count(&format!("inventory.interfaces[{i}].ips"), n.ips.len(), limits::ADDRESSES)?;
            for ip in &n.ips {
                text(&format!("inventory.interfaces[{i}].ips"), ip)?;
            }
        }
        count("inventory.packages", inv.packages.len(), limits::PACKAGES)?;
        for (i, p) in inv.packages.iter().enumerate() {
            nonempty_text(&format!("inventory.packages[{i}].name"), &p.name)?;
            text(&format!("inventory.packages[{i}].version"), &p.version)?;
        }
    }
    if let Some(p) = &r.patches {
        text("patches.manager", &p.manager)?;
        text("patches.error", &p.error)?;
        count("patches.updates", p.updates.len(), limits::PACKAGES)?;
        for (i, u) in p.updates.iter().enumerate() {
            nonempty_text(&format!("patches.updates[{i}].name"), &u.name)?;
            text(&format!("patches.updates[{i}].version"), &u.version)?;
        }
        if p.security > p.pending {
            return Err("patches.security: more security updates than pending updates".into());
        }
    }
    if let Some(s) = &r.smart {
        text("smart.error", &s.error)?;
        count("smart.disks", s.disks.len(), limits::SMART_DISKS)?;
        for (i, d) in s.disks.iter().enumerate() {
            let at = format!("smart.disks[{i}]");
            nonempty_text(&format!("{at}.device"), &d.device)?;
            for (name, v) in [("protocol", &d.protocol), ("model", &d.model), ("serial", &d.serial)] {
                text(&format!("{at}.{name}"), v)?;
            }
            int(&format!("{at}.capacity_bytes"), d.capacity_bytes)?;
            if let Some(h) = d.power_on_hours {
                int(&format!("{at}.power_on_hours"), h)?;
            }
            if let Some(n) = &d.nvme {
                for (name, v) in [
                    ("critical_warning", n.critical_warning),
                    ("media_errors", n.media_errors),
                    ("available_spare", n.available_spare),
                    ("available_spare_threshold", n.available_spare_threshold),
                    ("percentage_used", n.percentage_used),
                    ("unsafe_shutdowns", n.unsafe_shutdowns),
                    ("num_err_log_entries", n.num_err_log_entries),
                ] {
                    int(&format!("{at}.nvme.{name}"), v)?;
                }
            }
            if let Some(h) = &d.scsi {
                for (name, v) in [
                    ("grown_defects", h.grown_defects),
                    ("uncorrected_read_errors", h.uncorrected_read_errors),
                    ("uncorrected_write_errors", h.uncorrected_write_errors),
                    ("uncorrected_verify_errors", h.uncorrected_verify_errors),
                ] {
                    int(&format!("{at}.scsi.{name}"), v)?;
                }
            }
            count(&format!("{at}.attributes"), d.attributes.len(), limits::SMART_ATTRIBUTES)?;
            for (j, a) in d.attributes.iter().enumerate() {
                text(&format!("{at}.attributes[{j}].name"), &a.name)?;
            }
        }
    }
    Ok(())
}

fn count(field: &str, n: usize, max: usize) -> Result<(), String> {
    if n > max { Err(format!("{field}: {n} entries, at most {max}")) } else { Ok(()) }
}

/// SQLite stores integers as i64: a larger number would come back negative, so it is refused.
fn int(field: &str, v: u64) -> Result<(), String> {
    if v > i64::MAX as u64 {
        Err(format!("{field}: {v} is larger than {} (the largest stored)", i64::MAX))
    } else {
        Ok(())
    }
}

/// Characters that change how the text around them is shown without being visible themselves:
/// bidirectional overrides and isolates (which can make `gpj.exe` read as `exe.jpg`), zero-width
/// characters and joiners, and line/paragraph separators. No hostname or one-line name needs one.
pub fn is_deceptive(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// Why a one-line name cannot be kept as sent, if it cannot: control characters (line breaks,
/// escapes) or invisible/bidirectional ones. The sentence starts with the reason, not the field.
pub fn one_line(v: &str) -> Result<(), &'static str> {
    if v.chars().any(char::is_control) {
        return Err("contains control characters");
    }
    if v.chars().any(is_deceptive) {
        return Err("contains invisible or bidirectional-override characters");
    }
    Ok(())
}

fn text(field: &str, v: &str) -> Result<(), String> {
    if v.len() > limits::TEXT {
        return Err(format!("{field}: longer than {} bytes", limits::TEXT));
    }
    one_line(v).map_err(|why| format!("{field}: {why}"))
}

/// Checks an enrollment request; answers (field, sentence) for the first problem.
pub fn enroll(req: &EnrollRequest) -> Result<(), (&'static str, String)> {
    for (field, value, max) in [
        ("machine_id", &req.machine_id, 128),
        ("hostname", &req.hostname, 255),
        ("os", &req.os, limits::TEXT),
        ("agent_version", &req.agent_version, 64),
    ] {
        if value.len() > max {
            return Err((field, format!("{field} must be at most {max} bytes.")));
        }
        if let Err(why) = one_line(value) {
            return Err((field, format!("{field} {why}.")));
        }
    }
    for (field, value) in [("machine_id", &req.machine_id), ("hostname", &req.hostname)] {
        if value.trim().is_empty() {
            return Err((field, format!("{field} must not be empty.")));
        }
    }
    if let Some(secret) = &req.device_secret
        && (secret.len() > 256 || one_line(secret).is_err())
    {
        return Err(("device_secret", "device_secret is not a credential this server gives out.".into()));
    }
    Ok(())
}

fn nonempty_text(field: &str, v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Err(format!("{field}: empty"));
    }
    text(field, v)
}

fn non_negative(field: &str, v: f64) -> Result<(), String> {
    if v.is_finite() && v >= 0.0 { Ok(()) } else { Err(format!("{field}: {v} is not a finite, non-negative number")) }
}

fn pct(field: &str, v: f64) -> Result<(), String> {
    if v.is_finite() && (0.0..=100.0).contains(&v) {
        Ok(())
    } else {
        Err(format!("{field}: {v} is not between 0 and 100"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Filesystem, Metrics};

    fn good(seq: u64) -> Report {
        Report {
            seq,
            collected_at: 1_800_000_000,
            metrics: Metrics {
                cpu_pct: 5.0,
                mem_total_bytes: 10,
                mem_used_bytes: 5,
                filesystems: vec![Filesystem {
                    mount: "/".into(),
                    total_bytes: 10,
                    used_bytes: 5,
                    ..Default::default()
                }],
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn batch(reports: Vec<Report>) -> CheckIn {
        CheckIn { agent_version: "0.1.0".into(), reports, dropped: 0 }
    }

    #[test]
    fn bad_reports_are_named() {
        let now = 1_800_000_000;
        assert!(check_in(&batch(vec![good(1), good(2)]), now).is_ok());
        type Spoil = Box<dyn Fn(&mut Report)>;
        let cases: Vec<(Spoil, &str)> = vec![
            (Box::new(move |r| r.metrics.cpu_pct = 150.0), "reports[0].metrics.cpu_pct"),
            (Box::new(move |r| r.metrics.cpu_pct = f64::NAN), "reports[0].metrics.cpu_pct"),
            (Box::new(move |r| r.metrics.mem_used_bytes = 11), "reports[0].metrics.mem_used_bytes"),
            (
                Box::new(|r| r.metrics.filesystems = vec![Filesystem::default(); 65]),
                "reports[0].metrics.filesystems: 65 entries",
            ),
            (Box::new(move |r| r.metrics.filesystems[0].mount = "x".repeat(600)), "mount: longer than"),
            (Box::new(move |r| r.collected_at = now + 3 * 86_400), "collected_at"),
            (Box::new(move |r| r.collected_at = now + 23 * 3600), "reports[0].collected_at"),
            (Box::new(move |r| r.collected_at = now + MAX_CLOCK_AHEAD_SECS + 1), "reports[0].collected_at"),
            (Box::new(move |r| r.seq = u64::MAX), "reports[0].seq: 18446744073709551615 is larger"),
            (Box::new(move |r| r.seq = i64::MAX as u64 + 1), "reports[0].seq"),
            (
                Box::new(move |r| {
                    r.metrics.mem_total_bytes = u64::MAX;
                    r.metrics.mem_used_bytes = 0;
                }),
                "reports[0].metrics.mem_total_bytes",
            ),
            (Box::new(move |r| r.metrics.filesystems[0].total_bytes = u64::MAX), "filesystems[0].total_bytes"),
            (Box::new(move |r| r.metrics.filesystems[0].mount = "/\u{202e}x".into()), "mount: contains invisible"),
            (Box::new(move |r| r.metrics.filesystems[0].mount = "/a\u{200b}".into()), "mount: contains invisible"),
            (Box::new(move |r| r.metrics.filesystems[0].device = "sd\na".into()), "device: contains control"),
            (Box::new(move |r| r.seq = 0), "seq"),
        ];
        for (spoil, expected) in cases {
            let mut r = good(1);
            spoil(&mut r);
            let err = check_in(&batch(vec![r]), now).unwrap_err();
            assert!(err.contains(expected), "{err} should name {expected}");
        }
        let mut ahead = good(1);
        ahead.collected_at = now + MAX_CLOCK_AHEAD_SECS;
        ahead.seq = i64::MAX as u64;
        assert!(check_in(&batch(vec![ahead]), now).is_ok(), "a few minutes of drift and the largest storable seq pass");
        let err = check_in(&batch(vec![good(2), good(2)]), now).unwrap_err();
        assert!(err.contains("reports[1].seq"), "{err}");
        assert!(check_in(&batch(vec![]), now).is_err());
        assert!(check_in(&batch((1..=101).map(good).collect()), now).unwrap_err().contains("at most 100"));
    }
}

#[cfg(test)]
mod enroll_tests {
    use super::*;

    fn request(hostname: &str) -> EnrollRequest {
        EnrollRequest {
            token: "t".into(),
            machine_id: "m".into(),
            hostname: hostname.into(),
            os: "Linux".into(),
            agent_version: "1".into(),
            device_secret: None,
        }
    }

    #[test]
    fn hostnames_are_refused_for_the_right_reason() {
        assert!(enroll(&request("pc-01.lan")).is_ok());
        assert!(enroll(&request("Büro-PC")).is_ok(), "letters of any script are fine");
        let (field, why) = enroll(&request("pc\u{1b}[31m")).unwrap_err();
        assert_eq!(field, "hostname");
        assert!(why.contains("control characters") && !why.contains("bytes"), "{why}");
        for sneaky in ["pc\u{202e}exe", "p\u{200b}c", "pc\u{2066}", "\u{feff}pc"] {
            let (field, why) = enroll(&request(sneaky)).unwrap_err();
            assert_eq!(field, "hostname");
            assert!(why.contains("invisible or bidirectional"), "{sneaky:?}: {why}");
        }
        let (field, why) = enroll(&request(&"a".repeat(256))).unwrap_err();
        assert_eq!((field, why.contains("at most 255 bytes")), ("hostname", true));
        assert_eq!(enroll(&request(" ")).unwrap_err().0, "hostname");
    }
}
