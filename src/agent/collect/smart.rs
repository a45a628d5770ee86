//! Disk health from smartctl's JSON output (smartmontools 7.0 and later), reduced to the fields
//! the rule engine judges: the overall verdict, the ATA attribute table and the NVMe health log.
//!
//! Disks are asked with `-n standby`, so a sleeping disk is skipped rather than spun up every few
//! hours; it is read again next time it is awake.

use std::time::Duration;

use serde_json::Value;

use super::command::{find_program, run};
use crate::protocol::{NvmeHealth, ScsiHealth, SmartAttribute, SmartDisk, SmartReport, limits};

const TIMEOUT: Duration = Duration::from_secs(60);

/// Scans for disks and reads each; disks smartctl cannot read are named in `error`.
pub fn smart_report() -> SmartReport {
    let Some(smartctl) = find_program("smartctl") else {
        return SmartReport { available: false, disks: Vec::new(), error: "smartctl is not installed".into() };
    };
    let scan = match run(&smartctl, &["--scan", "--json"], TIMEOUT) {
        Ok(out) => serde_json::from_str::<Value>(&out.stdout).map_err(|_| out.reason()),
        Err(e) => Err(e.to_string()),
    };
    let devices = match scan {
        Ok(v) => scan_devices(&v),
        Err(reason) => {
            return SmartReport {
                available: true,
                disks: Vec::new(),
                error: format!("smartctl could not list the disks: {reason}"),
            };
        }
    };
    let mut disks = Vec::new();
    let mut errors = Vec::new();
    for (name, kind) in devices.into_iter().take(limits::SMART_DISKS) {
        let mut args = vec!["--json", "-a", "-n", "standby"];
        if let Some(kind) = &kind {
            args.extend(["-d", kind.as_str()]);
        }
        args.push(&name);
        let out = match run(&smartctl, &args, TIMEOUT) {
            Ok(out) => out,
            Err(e) => {
                errors.push(format!("{name}: {e}"));
                continue;
            }
        };
        let Ok(v) = serde_json::from_str::<Value>(&out.stdout) else {
            errors.push(format!("{name}: {}", out.reason()));
            continue;
        };
        if in_standby(&v) {
            continue;
        }
        match parse_smartctl(&v) {
            Some(mut disk) => {
                // Disks behind a RAID controller share one device name; the type tells them apart.
                if let Some(kind) = kind.filter(|k| k.contains(',')) {
                    disk.device = format!("{} [{kind}]", disk.device);
                }
                disks.push(disk);
            }
            None => errors.push(format!("{name}: {}", messages(&v).unwrap_or_else(|| out.reason()))),
        }
    }
    SmartReport { available: true, disks, error: errors.join("; ") }
}

/// Device names from `smartctl --scan --json`.
pub fn parse_scan(v: &Value) -> Vec<String> {
    scan_devices(v).into_iter().map(|(name, _)| name).collect()
}

/// Device names with the `-d` type smartctl found them with ("sat", "nvme", "megaraid,0"...):
/// passing the type back is what makes disks behind RAID controllers and USB bridges readable.
fn scan_devices(v: &Value) -> Vec<(String, Option<String>)> {
    let Some(devices) = v["devices"].as_array() else { return Vec::new() };
    devices
        .iter()
        .filter_map(|d| {
            let name = d["name"].as_str().filter(|n| !n.is_empty())?;
            Some((name.to_owned(), d["type"].as_str().map(str::to_owned)))
        })
        .collect()
}

/// smartctl's messages, joined: why it could not read a disk.
fn messages(v: &Value) -> Option<String> {
    let list = v["smartctl"]["messages"].as_array()?;
    let text: Vec<&str> = list.iter().filter_map(|m| m["string"].as_str()).collect();
    (!text.is_empty()).then(|| text.join(" "))
}

/// `-n standby` answers "Device is in STANDBY mode, exit(2)" (or SLEEP, STANDBY_Y, ...).
fn in_standby(v: &Value) -> bool {
    v["smartctl"]["messages"].as_array().is_some_and(|list| {
        list.iter()
            .filter_map(|m| m["string"].as_str())
            .any(|s| s.starts_with("Device is in ") && (s.contains("STANDBY") || s.contains("SLEEP")))
    })
}

/// One disk from `smartctl --json -a`; None when smartctl could not identify a device at all (its
/// output then has no "device" block, only messages).
pub fn parse_smartctl(v: &Value) -> Option<SmartDisk> {
    let device = v.get("device")?;
    let text = |x: &Value| x.as_str().unwrap_or_default().trim().to_owned();
    let attributes = v["ata_smart_attributes"]["table"]
        .as_array()
        .map(|table| table.iter().filter_map(parse_attribute).take(limits::SMART_ATTRIBUTES).collect())
        .unwrap_or_default();
    let nvme = v.get("nvme_smart_health_information_log").filter(|l| l.is_object()).map(|log| {
        let n = |k: &str| log[k].as_u64().unwrap_or(0);
        NvmeHealth {
            critical_warning: n("critical_warning"),
            media_errors: n("media_errors"),
            available_spare: n("available_spare"),
            available_spare_threshold: n("available_spare_threshold"),
            percentage_used: n("percentage_used"),
            unsafe_shutdowns: n("unsafe_shutdowns"),
            num_err_log_entries: n("num_err_log_entries"),
        }
    });
    let errors = &v["scsi_error_counter_log"];
    let uncorrected = |k: &str| errors[k]["total_uncorrected_errors"].as_u64().unwrap_or(0);
    let scsi = (v.get("scsi_grown_defect_list").is_some() || errors.is_object()).then(|| ScsiHealth {
        grown_defects: v["scsi_grown_defect_list"].as_u64().unwrap_or(0),
        uncorrected_read_errors: uncorrected("read"),
        uncorrected_write_errors: uncorrected("write"),
        uncorrected_verify_errors: uncorrected("verify"),
    });
    Some(SmartDisk {
        device: text(&device["name"]),
        protocol: text(&device["protocol"]).to_ascii_lowercase(),
        model: text(&v["model_name"]),
        serial: text(&v["serial_number"]),
        capacity_bytes: v["user_capacity"]["bytes"].as_u64().unwrap_or(0),
        passed: v["smart_status"]["passed"].as_bool(),
        temperature_celsius: v["temperature"]["current"].as_f64(),
        power_on_hours: v["power_on_time"]["hours"].as_u64(),
        attributes,
        nvme,
        scsi,
    })
}

fn parse_attribute(a: &Value) -> Option<SmartAttribute> {
    let int = |x: &Value| x.as_i64().unwrap_or(0);
    Some(SmartAttribute {
        id: u32::try_from(a["id"].as_u64()?).ok()?,
        name: a["name"].as_str().unwrap_or_default().to_owned(),
        value: int(&a["value"]),
        worst: int(&a["worst"]),
        thresh: int(&a["thresh"]),
        raw: int(&a["raw"]["value"]),
        failing_now: a["when_failed"].as_str() == Some("now"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Scrutiny fixtures, copied with their README into tests/data/smart.
    fn fixture(name: &str) -> Value {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/smart").join(name);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&text).unwrap()
    }

    fn disk(name: &str) -> SmartDisk {
        parse_smartctl(&fixture(name)).unwrap_or_else(|| panic!("{name} has a device"))
    }

    fn raw(d: &SmartDisk, id: u32) -> Option<i64> {
        d.attributes.iter().find(|a| a.id == id).map(|a| a.raw)
    }

    #[test]
    fn every_fixture_is_covered() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/smart");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json"))
            .collect();
        files.sort();
        assert_eq!(
            files,
            [
                "smart-ata-failed-scrutiny.json",
                "smart-ata-full.json",
                "smart-ata.json",
                "smart-fail.json",
                "smart-fail2.json",
                "smart-nvme-failed.json",
                "smart-nvme.json",
                "smart-pass.json",
                "smart-sat.json",
                "smart-scsi.json",
                "smartctl_scan_nvme.json",
                "smartctl_scan_simple.json",
            ],
            "a new fixture needs a test below"
        );
    }

    #[test]
    fn failed_ata_drive_behind_usb_bridge() {
        let d = disk("smart-fail2.json");
        assert_eq!(d.device, "/dev/sdc");
        assert_eq!(d.protocol, "ata");
        assert_eq!(d.model, "Hitachi HDS721050DLE630");
        assert_eq!(d.serial, "MSK423Y20S3HBC");
        assert_eq!(d.capacity_bytes, 500107862016);
        assert_eq!(d.passed, Some(false));
        assert_eq!(d.temperature_celsius, Some(25.0));
        assert_eq!(d.power_on_hours, Some(65592));
        assert_eq!(d.attributes.len(), 17);
        let realloc = d.attributes.iter().find(|a| a.id == 5).unwrap();
        assert_eq!(
            realloc,
            &SmartAttribute {
                id: 5,
                name: "Reallocated_Sector_Ct".into(),
                value: 1,
                worst: 1,
                thresh: 5,
                raw: 1975,
                failing_now: true
            }
        );
        assert_eq!(raw(&d, 197), Some(8));
        assert_eq!(raw(&d, 198), Some(0));
        assert_eq!(raw(&d, 187), None);
        assert_eq!(d.attributes.iter().filter(|a| a.failing_now).count(), 1);
        assert!(d.nvme.is_none());
    }

    #[test]
    fn healthy_wd_drive() {
        let d = disk("smart-ata.json");
        assert_eq!((d.device.as_str(), d.protocol.as_str()), ("/dev/sdb", "ata"));
        assert_eq!(d.model, "WDC WD140EDFZ-11A0VA0");
        assert_eq!(d.capacity_bytes, 14000519643136);
        assert_eq!(d.passed, Some(true));
        assert_eq!((d.temperature_celsius, d.power_on_hours), (Some(32.0), Some(1730)));
        assert_eq!(d.attributes.len(), 18);
        assert_eq!([raw(&d, 5), raw(&d, 197), raw(&d, 198), raw(&d, 199)], [Some(0); 4]);
        // A packed 48-bit raw value (spin-up time with its average) survives intact.
        assert_eq!(raw(&d, 3), Some(30089675132));
        assert!(d.attributes.iter().all(|a| !a.failing_now));
    }

    #[test]
    fn samsung_ssd_full_output() {
        let d = disk("smart-ata-full.json");
        assert_eq!(d.model, "Samsung SSD 860 EVO 500GB");
        assert_eq!(d.serial, "S3YZNB0KB00864E");
        assert_eq!((d.passed, d.temperature_celsius, d.power_on_hours), (Some(true), Some(36.0), Some(14551)));
        assert_eq!(d.attributes.len(), 14);
        assert_eq!([raw(&d, 5), raw(&d, 187), raw(&d, 199)], [Some(0); 3]);
        assert_eq!(raw(&d, 197), None);
    }

    /// smartctl passes this drive; its 108 CRC errors (199) are what Scrutiny flags, and they
    /// point at the cable. Nothing is reallocated.
    #[test]
    fn crc_errors_on_a_passing_ssd() {
        let d = disk("smart-ata-failed-scrutiny.json");
        assert_eq!(d.model, "Samsung SSD 840 Series");
        assert_eq!(d.passed, Some(true));
        assert_eq!(raw(&d, 199), Some(108));
        assert_eq!(d.attributes.iter().find(|a| a.id == 199).unwrap().name, "CRC_Error_Count");
        assert_eq!(raw(&d, 5), Some(0));
        assert_eq!((d.temperature_celsius, d.power_on_hours), (Some(33.0), Some(19497)));
    }

    #[test]
    fn healthy_nvme() {
        let d = disk("smart-nvme.json");
        assert_eq!((d.device.as_str(), d.protocol.as_str()), ("/dev/testfoobarpass", "nvme"));
        assert_eq!(d.model, "INTEL SSDPEKNW010T8");
        assert_eq!(d.serial, "BTNH93710FS91P0B");
        assert_eq!(d.capacity_bytes, 1024209543168);
        assert_eq!((d.passed, d.temperature_celsius, d.power_on_hours), (Some(true), Some(36.0), Some(2401)));
        assert!(d.attributes.is_empty());
        assert_eq!(
            d.nvme,
            Some(NvmeHealth {
                critical_warning: 0,
                media_errors: 0,
                available_spare: 100,
                available_spare_threshold: 10,
                percentage_used: 0,
                unsafe_shutdowns: 43,
                num_err_log_entries: 0,
            })
        );
    }

    /// smartctl passes this drive too, but it has 7 media errors: the rule engine's call.
    #[test]
    fn nvme_with_media_errors() {
        let d = disk("smart-nvme-failed.json");
        assert_eq!(d.device, "/dev/nvme0");
        assert_eq!(d.model, "Samsung SSD 970 EVO 500GB");
        assert_eq!(d.passed, Some(true));
        let n = d.nvme.unwrap();
        assert_eq!(n.media_errors, 7);
        assert_eq!((n.critical_warning, n.available_spare, n.available_spare_threshold), (0, 99, 10));
        assert_eq!((n.percentage_used, n.unsafe_shutdowns, n.num_err_log_entries), (3, 10, 62));
        assert_eq!(d.power_on_hours, Some(12798));
    }

    #[test]
    fn health_only_output() {
        let d = disk("smart-pass.json");
        assert_eq!((d.device.as_str(), d.protocol.as_str()), ("/dev/sdc", "ata"));
        assert_eq!(d.passed, Some(true));
        assert_eq!((d.model.as_str(), d.capacity_bytes), ("", 0));
        assert_eq!((d.temperature_celsius, d.power_on_hours), (None, None));
        assert!(d.attributes.is_empty() && d.nvme.is_none() && d.scsi.is_none());
    }

    #[test]
    fn attributes_only_output_has_no_verdict() {
        let d = disk("smart-sat.json");
        assert_eq!(d.passed, None);
        assert_eq!(d.attributes.len(), 22);
        assert_eq!(d.temperature_celsius, Some(29.0));
        assert_eq!([raw(&d, 5), raw(&d, 187), raw(&d, 188), raw(&d, 197), raw(&d, 198), raw(&d, 199)], [Some(0); 6]);
    }

    #[test]
    fn scsi_drive() {
        let d = disk("smart-scsi.json");
        assert_eq!((d.device.as_str(), d.protocol.as_str()), ("/dev/sdg", "scsi"));
        assert_eq!(d.model, "SEAGATE ST4000NM0043");
        assert_eq!(d.capacity_bytes, 4000787030016);
        assert_eq!((d.passed, d.temperature_celsius, d.power_on_hours), (Some(true), Some(34.0), Some(43549)));
        assert!(d.attributes.is_empty() && d.nvme.is_none());
        let scsi = d.scsi.expect("the defect list and error counters");
        assert_eq!(scsi.grown_defects, 56);
        assert_eq!(
            (scsi.uncorrected_read_errors, scsi.uncorrected_write_errors, scsi.uncorrected_verify_errors),
            (0, 0, 0)
        );
    }

    #[test]
    fn unopenable_device_is_not_a_disk() {
        let v = fixture("smart-fail.json");
        assert_eq!(parse_smartctl(&v), None);
        assert!(messages(&v).unwrap().contains("Open failed"));
        assert!(!in_standby(&v));
    }

    #[test]
    fn scans_list_device_names_and_types() {
        let simple = fixture("smartctl_scan_simple.json");
        assert_eq!(
            parse_scan(&simple),
            ["/dev/sda", "/dev/sdb", "/dev/sdc", "/dev/sdd", "/dev/sde", "/dev/sdf", "/dev/sdg"]
        );
        assert!(scan_devices(&simple).iter().all(|(_, t)| t.as_deref() == Some("scsi")));
        assert_eq!(
            scan_devices(&fixture("smartctl_scan_nvme.json")),
            [("/dev/nvme0".to_owned(), Some("nvme".to_owned()))]
        );
        assert!(parse_scan(&fixture("smart-nvme.json")).is_empty());
    }

    #[test]
    fn a_sleeping_disk_is_recognised() {
        let v: Value = serde_json::json!({
            "smartctl": {"exit_status": 2, "messages": [{"string": "Device is in STANDBY mode, exit(2)", "severity": "information"}]},
            "device": {"name": "/dev/sdb", "type": "sat", "protocol": "ATA"}
        });
        assert!(in_standby(&v));
    }

    /// Without smartctl the report says "not available" rather than "no disks"; with it, every
    /// disk smartctl could read has a name and a protocol.
    #[test]
    fn report_on_this_machine() {
        let r = smart_report();
        if find_program("smartctl").is_none() {
            assert!(!r.available);
            assert_eq!(r.error, "smartctl is not installed");
        } else {
            assert!(r.available, "{}", r.error);
        }
        assert!(r.disks.iter().all(|d| !d.device.is_empty() && !d.protocol.is_empty()), "{r:?}");
    }
}
