//! What a SMART reading says about a disk, in words a technician acts on.
//!
//! On ATA drives the counters of bad sectors (5 reallocated, 197 pending, 198 offline
//! uncorrectable, 187 reported uncorrectable, 188 command timeouts) predict failure when non-zero
//! or rising; a rising interface CRC count (199) points at the cable, not the disk. Their raw
//! values are read as vendors write them (see `attribute_count`). On SAS/SCSI, the grown defect
//! list and uncorrected read, write and verify errors count like ATA's bad sectors. On NVMe, media
//! errors, a critical warning, spare below its threshold or wear at 100 % count. smartctl's own
//! verdict failing is critical. The first reading counts too: a disk that arrives with 1975
//! reallocated sectors is not "fine until it changes".

use crate::protocol::SmartDisk;

pub use super::Severity;

/// One thing wrong with a disk.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub severity: Severity,
    /// Stable short name, e.g. "reallocated_sectors", for the alert's subject.
    pub code: &'static str,
    pub message: String,
}

/// ATA attributes that count bad sectors, with what they are called.
const BAD_SECTOR_COUNTERS: &[(u32, &str, &str)] = &[
    (5, "reallocated_sectors", "reallocated sectors"),
    (197, "pending_sectors", "sectors pending reallocation"),
    (198, "offline_uncorrectable", "offline-uncorrectable sectors"),
    (187, "reported_uncorrectable", "reported-uncorrectable errors"),
    (188, "command_timeouts", "command timeouts"),
];
const CRC_ERRORS: u32 = 199;

/// The count an ATA attribute's 48-bit raw value holds. Vendors pack more than one number into
/// some: Seagate's 188 Command_Timeout is three 16-bit counters (all timeouts, those over 5 s,
/// those over 7.5 s), so a raw of 8590065666 (0x0002_0002_0002) is 2 timeouts, not 8.6 billion;
/// the bad-sector and CRC counters keep their count in the low 32 bits, with vendor data above.
pub fn attribute_count(id: u32, raw: i64) -> i64 {
    match id {
        188 => raw & 0xFFFF,
        5 | 187 | 197 | 198 | 199 => raw & 0xFFFF_FFFF,
        _ => raw,
    }
}

fn raw(disk: &SmartDisk, id: u32) -> Option<i64> {
    disk.attributes.iter().find(|a| a.id == id).map(|a| attribute_count(id, a.raw))
}

/// A counter of trouble that is above zero: a warning, or critical when it rose since `before`.
fn counter(name: &str, code: &'static str, words: &str, value: u64, before: Option<u64>) -> Finding {
    let rising = before.is_some_and(|b| value > b);
    Finding {
        severity: if rising { Severity::Critical } else { Severity::Warning },
        code,
        message: match before {
            Some(b) if rising => format!("{name}: {words} rose from {b} to {value}; the disk is failing"),
            _ => format!("{name}: {value} {words}; the disk may be failing"),
        },
    }
}

/// Assesses `now`, comparing with the `previous` reading of the same disk where there is one.
pub fn assess(now: &SmartDisk, previous: Option<&SmartDisk>) -> Vec<Finding> {
    let mut out = Vec::new();
    let name = if now.model.is_empty() { now.device.clone() } else { format!("{} ({})", now.device, now.model) };
    if now.passed == Some(false) {
        out.push(Finding {
            severity: Severity::Critical,
            code: "smart_failed",
            message: format!("{name}: SMART overall health check FAILED; replace the disk and check backups now"),
        });
    }
    for a in now.attributes.iter().filter(|a| a.failing_now) {
        out.push(Finding {
            severity: Severity::Critical,
            code: "attribute_failing",
            message: format!("{name}: SMART attribute {} {} is below its failure threshold now", a.id, a.name),
        });
    }
    for &(id, code, words) in BAD_SECTOR_COUNTERS {
        let Some(value) = raw(now, id).filter(|v| *v > 0) else { continue };
        let before = previous.and_then(|p| raw(p, id)).map(|b| b as u64);
        out.push(counter(&name, code, words, value as u64, before));
    }
    if let Some(s) = &now.scsi {
        let before = previous.and_then(|p| p.scsi.as_ref());
        if s.grown_defects > 0 {
            let b = before.map(|b| b.grown_defects);
            out.push(counter(&name, "grown_defects", "sectors in the grown defect list", s.grown_defects, b));
        }
        let uncorrected = |h: &crate::protocol::ScsiHealth| {
            h.uncorrected_read_errors
                .saturating_add(h.uncorrected_write_errors)
                .saturating_add(h.uncorrected_verify_errors)
        };
        if uncorrected(s) > 0 {
            let b = before.map(uncorrected);
            out.push(counter(
                &name,
                "uncorrected_errors",
                "uncorrected read, write or verify errors",
                uncorrected(s),
                b,
            ));
        }
    }
    if let (Some(value), Some(before)) = (raw(now, CRC_ERRORS), previous.and_then(|p| raw(p, CRC_ERRORS)))
        && value > before
    {
        out.push(Finding {
            severity: Severity::Warning,
            code: "crc_errors",
            message: format!(
                "{name}: interface CRC errors rose from {before} to {value}; check or replace the SATA cable (this points at the cable, not the disk)"
            ),
        });
    }
    if let Some(n) = &now.nvme {
        if n.critical_warning != 0 {
            out.push(Finding {
                severity: Severity::Critical,
                code: "nvme_critical_warning",
                message: format!("{name}: NVMe critical warning flags {:#04x}", n.critical_warning),
            });
        }
        if n.media_errors > 0 {
            let before = previous.and_then(|p| p.nvme.as_ref()).map(|p| p.media_errors);
            out.push(counter(&name, "nvme_media_errors", "NVMe media errors", n.media_errors, before));
        }
        if n.available_spare_threshold > 0 && n.available_spare < n.available_spare_threshold {
            out.push(Finding {
                severity: Severity::Critical,
                code: "nvme_spare_low",
                message: format!(
                    "{name}: available spare {} % is below its threshold of {} %",
                    n.available_spare, n.available_spare_threshold
                ),
            });
        }
        if n.percentage_used >= 100 {
            out.push(Finding {
                severity: Severity::Warning,
                code: "nvme_worn_out",
                message: format!("{name}: the drive reports {} % of its rated wear used", n.percentage_used),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::collect::parse_smartctl;

    fn disk(file: &str) -> SmartDisk {
        let path = format!("{}/tests/data/smart/{file}", env!("CARGO_MANIFEST_DIR"));
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        parse_smartctl(&v).unwrap_or_else(|| panic!("{file} parses"))
    }

    #[test]
    fn healthy_disks_have_nothing_to_say() {
        for f in ["smart-ata.json", "smart-ata-full.json", "smart-nvme.json", "smart-sat.json", "smart-pass.json"] {
            assert_eq!(assess(&disk(f), None), vec![], "{f}");
        }
    }

    #[test]
    fn a_failed_disk_is_critical_on_its_first_reading() {
        let findings = assess(&disk("smart-fail2.json"), None);
        let codes: Vec<&str> = findings.iter().map(|f| f.code).collect();
        assert!(codes.contains(&"smart_failed"), "{codes:?}");
        let realloc = findings.iter().find(|f| f.code == "reallocated_sectors").unwrap();
        assert!(realloc.message.contains("1975"), "{}", realloc.message);
        assert!(findings.iter().any(|f| f.code == "pending_sectors" && f.message.contains('8')));
        assert_eq!(findings.iter().map(|f| f.severity).max(), Some(Severity::Critical));
    }

    #[test]
    fn a_rising_reallocated_count_turns_critical() {
        let now = disk("smart-fail2.json");
        let mut before = now.clone();
        before.passed = Some(true);
        for a in &mut before.attributes {
            a.failing_now = false;
            if a.id == 5 {
                a.raw = 1900;
            }
        }
        let findings = assess(&now, Some(&before));
        let realloc = findings.iter().find(|f| f.code == "reallocated_sectors").unwrap();
        assert_eq!(realloc.severity, Severity::Critical);
        assert!(realloc.message.contains("rose from 1900 to 1975"), "{}", realloc.message);
        // The same count as before is still a warning, not silence.
        let steady = assess(&now, Some(&now));
        assert_eq!(steady.iter().find(|f| f.code == "reallocated_sectors").unwrap().severity, Severity::Warning);
    }

    #[test]
    fn rising_crc_errors_blame_the_cable() {
        let now = disk("smart-ata-failed-scrutiny.json");
        assert!(assess(&now, None).iter().all(|f| f.code != "crc_errors"), "a standing CRC count alone is history");
        let mut before = now.clone();
        for a in &mut before.attributes {
            if a.id == 199 {
                a.raw = 100;
            }
        }
        let f = assess(&now, Some(&before));
        let crc = f.iter().find(|f| f.code == "crc_errors").unwrap();
        assert!(crc.message.contains("cable"), "{}", crc.message);
        assert_eq!(crc.severity, Severity::Warning);
    }

    #[test]
    fn packed_raw_values_are_read_as_the_count_they_hold() {
        // Seagate's 188: three 16-bit counters of 2 each.
        assert_eq!(attribute_count(188, 8_590_065_666), 2);
        // Bad-sector counters: the low 32 bits, vendor data above.
        assert_eq!(attribute_count(5, (7 << 32) | 12), 12);
        assert_eq!(attribute_count(197, 8), 8);
        // Other attributes keep their raw value (spin-up time and its average, power-on hours).
        assert_eq!(attribute_count(3, 30_089_675_132), 30_089_675_132);

        let mut d = disk("smart-ata.json");
        d.attributes.push(crate::protocol::SmartAttribute {
            id: 188,
            name: "Command_Timeout".into(),
            value: 100,
            worst: 99,
            thresh: 0,
            raw: 8_590_065_666,
            failing_now: false,
        });
        let f = assess(&d, None);
        let timeouts = f.iter().find(|f| f.code == "command_timeouts").unwrap();
        assert!(timeouts.message.ends_with(": 2 command timeouts; the disk may be failing"), "{}", timeouts.message);
        assert_eq!(timeouts.severity, Severity::Warning);
        // The same packed value again is no rise; one more timeout in each counter is.
        let mut later = d.clone();
        later.attributes.last_mut().unwrap().raw = 0x0003_0003_0003;
        let risen = assess(&later, Some(&d));
        let timeouts = risen.iter().find(|f| f.code == "command_timeouts").unwrap();
        assert!(timeouts.message.contains("rose from 2 to 3"), "{}", timeouts.message);
        assert_eq!(timeouts.severity, Severity::Critical);
    }

    #[test]
    fn sas_grown_defects_and_uncorrected_errors_alert_like_bad_sectors() {
        let now = disk("smart-scsi.json");
        let f = assess(&now, None);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].code, f[0].severity), ("grown_defects", Severity::Warning));
        assert_eq!(
            f[0].message,
            "/dev/sdg (SEAGATE ST4000NM0043): 56 sectors in the grown defect list; the disk may be failing"
        );
        let mut later = now.clone();
        let s = later.scsi.as_mut().unwrap();
        s.grown_defects = 60;
        s.uncorrected_read_errors = 3;
        let f = assess(&later, Some(&now));
        let grown = f.iter().find(|f| f.code == "grown_defects").unwrap();
        assert_eq!(grown.severity, Severity::Critical);
        assert!(grown.message.contains("rose from 56 to 60"), "{}", grown.message);
        let errors = f.iter().find(|f| f.code == "uncorrected_errors").unwrap();
        assert_eq!(errors.severity, Severity::Critical, "rose from 0 to 3");
        assert!(errors.message.contains("rose from 0 to 3;"), "{}", errors.message);
    }

    #[test]
    fn nvme_media_errors_count_on_the_first_reading() {
        let f = assess(&disk("smart-nvme-failed.json"), None);
        let media = f.iter().find(|f| f.code == "nvme_media_errors").unwrap();
        assert!(media.message.contains('7'), "{}", media.message);
        let mut worn = disk("smart-nvme.json");
        let n = worn.nvme.as_mut().unwrap();
        n.percentage_used = 100;
        n.available_spare = 5;
        let codes: Vec<&str> = assess(&worn, None).iter().map(|f| f.code).collect();
        assert_eq!(codes, ["nvme_spare_low", "nvme_worn_out"]);
    }
}
