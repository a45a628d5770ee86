//! Linux: reads `/proc`, `/sys` and `/etc/os-release` directly, and calls three C library
//! functions (`statvfs`, `getifaddrs`, `kill`) that std does not wrap.
//!
//! Why raw FFI rather than a crate: the project has no `libc`/`nix` dependency, and these three
//! have had the same ABI in glibc and musl for decades. Each binding declares only what it reads,
//! and each is tested against the command-line tool that shows the same numbers (`df`, `ip`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use super::{Hardware, MemInfo, NetCounters, OsRelease};
use crate::protocol::{Disk, Filesystem, NetworkAddress, Temperature};

/// Filesystems that hold data someone can fill up. Everything else (proc, sysfs, tmpfs, devtmpfs,
/// overlay, squashfs, cgroup, fuse helpers...) is virtual, read-only or in RAM; "/" is the one
/// exception and is always reported, whatever its type (overlay in a container).
const DATA_FS_TYPES: &[&str] = &[
    "ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "f2fs", "bcachefs", "vfat", "exfat", "msdos", "ntfs", "ntfs3",
    "fuseblk", "jfs", "reiserfs", "nilfs2", "hfsplus", "nfs", "nfs4", "cifs", "smb3",
];

/// Network filesystems can block `statvfs` for minutes when the server is gone.
const NETWORK_FS_TYPES: &[&str] = &["nfs", "nfs4", "cifs", "smb3"];

/// How long one `statvfs` on a network filesystem may take before the mount is skipped.
const NETWORK_STATVFS_TIMEOUT: Duration = Duration::from_secs(5);

/// Reads the first line of a sysfs/procfs file, trimmed; "" when unreadable.
fn read_trimmed(path: impl AsRef<Path>) -> String {
    fs::read(path).map(|b| String::from_utf8_lossy(&b).trim().to_owned()).unwrap_or_default()
}

/// `MemTotal`, `MemAvailable` and swap from `/proc/meminfo`: the machine's memory, not a cgroup
/// limit, so the number matches what `free` shows on the host.
pub fn meminfo() -> io::Result<MemInfo> {
    Ok(parse_meminfo(&fs::read_to_string("/proc/meminfo")?))
}

/// The text of `/proc/meminfo`, in bytes.
pub fn parse_meminfo(text: &str) -> MemInfo {
    let mut kib: HashMap<&str, u64> = HashMap::new();
    for line in text.lines() {
        if let Some((key, rest)) = line.split_once(':')
            && let Some(value) = rest.split_whitespace().next().and_then(|v| v.parse().ok())
        {
            kib.insert(key.trim(), value);
        }
    }
    let get = |k: &str| kib.get(k).copied().unwrap_or(0);
    // Kernels before 3.14 lack MemAvailable; free + buffers + page cache is what `free` used then.
    let available = kib.get("MemAvailable").copied().unwrap_or_else(|| get("MemFree") + get("Buffers") + get("Cached"));
    MemInfo {
        total: get("MemTotal") * 1024,
        available: available * 1024,
        swap_total: get("SwapTotal") * 1024,
        swap_free: get("SwapFree") * 1024,
    }
}

/// 1, 5 and 15 minute load averages.
pub fn load_average() -> io::Result<(f64, f64, f64)> {
    let text = fs::read_to_string("/proc/loadavg")?;
    let mut it = text.split_whitespace().map(|v| v.parse::<f64>().unwrap_or(0.0));
    Ok((it.next().unwrap_or(0.0), it.next().unwrap_or(0.0), it.next().unwrap_or(0.0)))
}

/// Seconds since boot.
pub fn uptime_secs() -> io::Result<u64> {
    let text = fs::read_to_string("/proc/uptime")?;
    let secs: f64 = text.split_whitespace().next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
    Ok(secs as u64)
}

/// Per-interface byte counters from `/proc/net/dev` (one file read for all interfaces), without
/// the loopback interface.
pub fn net_counters() -> io::Result<Vec<NetCounters>> {
    let mut list = parse_net_dev(&fs::read_to_string("/proc/net/dev")?);
    for c in &mut list {
        c.physical = Path::new("/sys/class/net").join(&c.name).join("device").exists();
    }
    Ok(list)
}

pub fn parse_net_dev(text: &str) -> Vec<NetCounters> {
    let mut list = Vec::new();
    for line in text.lines() {
        let Some((name, counters)) = line.split_once(':') else { continue };
        let name = name.trim();
        let fields: Vec<u64> = counters.split_whitespace().map(|v| v.parse().unwrap_or(0)).collect();
        if name == "lo" || fields.len() < 9 {
            continue;
        }
        list.push(NetCounters { name: name.to_owned(), rx_bytes: fields[0], tx_bytes: fields[8], physical: false });
    }
    list
}

/// One line of `/proc/self/mountinfo`, with the kernel's octal escapes undone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountEntry {
    /// "major:minor" of the filesystem (one per superblock).
    pub dev: String,
    /// The directory of the filesystem that is mounted here: "/" unless it is a bind mount.
    pub root: String,
    pub mount: String,
    pub fs_type: String,
    pub source: String,
}

pub fn parse_mountinfo(text: &str) -> Vec<MountEntry> {
    let mut list = Vec::new();
    for line in text.lines() {
        let Some((left, right)) = line.split_once(" - ") else { continue };
        let l: Vec<&str> = left.split(' ').collect();
        let r: Vec<&str> = right.split(' ').collect();
        if l.len() < 5 || r.len() < 2 {
            continue;
        }
        list.push(MountEntry {
            dev: l[2].to_owned(),
            root: unescape_octal(l[3]),
            mount: unescape_octal(l[4]),
            fs_type: r[0].to_owned(),
            source: unescape_octal(r[1]),
        });
    }
    list
}

/// The kernel writes space, tab, newline and backslash in mount paths as `\040`, `\011`, ...
fn unescape_octal(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c)) {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Picks the mounts worth reporting: data filesystems plus "/", one entry per mount point (the
/// last one mounted there is the visible one), and one per filesystem.
///
/// One per filesystem (same major:minor) because bind mounts and btrfs subvolumes share the space
/// of the filesystem they come from: listing each would raise the same "disk full" alert several
/// times. The kept entry is "/" if the filesystem is mounted there, else a mount of the
/// filesystem's own root, else the shortest path. `is_dir` lets the caller drop single-file bind
/// mounts (a container's /etc/hosts), which are not places anyone stores data.
pub fn select_mounts(entries: Vec<MountEntry>, is_dir: impl Fn(&MountEntry) -> bool) -> Vec<MountEntry> {
    let mut by_mount: BTreeMap<String, MountEntry> = BTreeMap::new();
    for e in entries {
        if e.mount == "/" || DATA_FS_TYPES.contains(&e.fs_type.as_str()) {
            by_mount.insert(e.mount.clone(), e);
        }
    }
    let mut by_dev: HashMap<String, MountEntry> = HashMap::new();
    for e in by_mount.into_values() {
        if e.mount != "/" && !is_dir(&e) {
            continue;
        }
        let rank = |m: &MountEntry| (m.mount != "/", m.root != "/", m.mount.len(), m.mount.clone());
        match by_dev.get(&e.dev) {
            Some(kept) if rank(kept) <= rank(&e) => {}
            _ => {
                by_dev.insert(e.dev.clone(), e);
            }
        }
    }
    let mut list: Vec<MountEntry> = by_dev.into_values().collect();
    list.sort_by(|a, b| a.mount.cmp(&b.mount));
    list
}

/// Space of one filesystem in bytes, as `df` computes it from `statvfs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Space {
    pub total: u64,
    pub used: u64,
    pub available: u64,
}

mod ffi {
    use std::ffi::{c_char, c_int, c_uint, c_ulong, c_void};

    /// `fsblkcnt_t`: 64-bit on every 64-bit Linux and on 32-bit musl; `unsigned long` for the
    /// legacy (non-`statvfs64`) symbol on 32-bit glibc.
    #[cfg(any(target_pointer_width = "64", target_env = "musl"))]
    pub type FsBlkCnt = u64;
    #[cfg(not(any(target_pointer_width = "64", target_env = "musl")))]
    pub type FsBlkCnt = c_ulong;

    /// The leading fields of `struct statvfs`, which are the same in glibc and musl. The
    /// remaining fields are never read; `_rest` only reserves more room than any libc's struct
    /// needs, so the call can never write past this value.
    #[repr(C)]
    pub struct StatVfs {
        pub f_bsize: c_ulong,
        pub f_frsize: c_ulong,
        pub f_blocks: FsBlkCnt,
        pub f_bfree: FsBlkCnt,
        pub f_bavail: FsBlkCnt,
        pub _rest: [u64; 32],
    }

    /// `struct ifaddrs` (identical in glibc and musl).
    #[repr(C)]
    pub struct IfAddrs {
        pub ifa_next: *mut IfAddrs,
        pub ifa_name: *const c_char,
        pub ifa_flags: c_uint,
        pub ifa_addr: *const SockAddr,
        pub ifa_netmask: *const SockAddr,
        pub ifa_ifu: *const SockAddr,
        pub ifa_data: *mut c_void,
    }

    #[repr(C)]
    pub struct SockAddr {
        pub sa_family: u16,
        pub sa_data: [u8; 14],
    }

    #[repr(C)]
    pub struct SockAddrIn {
        pub sin_family: u16,
        pub sin_port: u16,
        pub sin_addr: [u8; 4],
        pub sin_zero: [u8; 8],
    }

    #[repr(C)]
    pub struct SockAddrIn6 {
        pub sin6_family: u16,
        pub sin6_port: u16,
        pub sin6_flowinfo: u32,
        pub sin6_addr: [u8; 16],
        pub sin6_scope_id: u32,
    }

    pub const AF_INET: u16 = 2;
    pub const AF_INET6: u16 = 10;
    pub const SIGKILL: c_int = 9;

    unsafe extern "C" {
        pub fn statvfs(path: *const c_char, buf: *mut StatVfs) -> c_int;
        pub fn getifaddrs(ifap: *mut *mut IfAddrs) -> c_int;
        pub fn freeifaddrs(ifa: *mut IfAddrs);
        /// `pid_t` is `int` on every Linux ABI.
        pub fn kill(pid: c_int, sig: c_int) -> c_int;
    }
}

/// `statvfs(2)`: total = f_blocks, used = f_blocks - f_bfree (what `df` shows as Used),
/// available = f_bavail (what an unprivileged user can still write), each times f_frsize.
#[allow(clippy::useless_conversion, reason = "the conversions widen u32 fields on 32-bit targets")]
pub fn statvfs(path: &str) -> io::Result<Space> {
    let c_path = std::ffi::CString::new(path).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    let mut buf = ffi::StatVfs { f_bsize: 0, f_frsize: 0, f_blocks: 0, f_bfree: 0, f_bavail: 0, _rest: [0; 32] };
    // SAFETY: `c_path` is NUL-terminated and outlives the call; `buf` is larger than any libc's
    // `struct statvfs` and its leading fields match the C layout (see `ffi::StatVfs`).
    let rc = unsafe { ffi::statvfs(c_path.as_ptr(), &mut buf) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    let unit = u64::from(if buf.f_frsize != 0 { buf.f_frsize } else { buf.f_bsize });
    let (blocks, bfree, bavail) = (u64::from(buf.f_blocks), u64::from(buf.f_bfree), u64::from(buf.f_bavail));
    Ok(Space {
        total: blocks.saturating_mul(unit),
        used: blocks.saturating_sub(bfree).saturating_mul(unit),
        available: bavail.saturating_mul(unit),
    })
}

/// Lists filesystems with their space. Holds the network mounts whose `statvfs` did not return in
/// time: such a mount is skipped until that call comes back, so a dead NFS server costs one
/// blocked thread, not one per check-in, and never blocks the check-in itself.
#[derive(Debug, Default)]
pub struct FilesystemProbe {
    stuck: Arc<Mutex<HashSet<String>>>,
}

impl FilesystemProbe {
    pub fn new() -> FilesystemProbe {
        FilesystemProbe::default()
    }

    pub fn filesystems(&self) -> Vec<Filesystem> {
        let entries = match fs::read_to_string("/proc/self/mountinfo") {
            Ok(text) => parse_mountinfo(&text),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read /proc/self/mountinfo");
                Vec::new()
            }
        };
        // Stat-ing a network mount point can hang like statvfs; only local ones are checked.
        let is_dir = |e: &MountEntry| {
            NETWORK_FS_TYPES.contains(&e.fs_type.as_str())
                || fs::metadata(&e.mount).map(|m| m.is_dir()).unwrap_or(false)
        };
        let mut mounts = select_mounts(entries, is_dir);
        if !mounts.iter().any(|m| m.mount == "/") {
            // A chroot can hide "/" from mountinfo; its space is still worth reporting.
            mounts.insert(
                0,
                MountEntry {
                    dev: String::new(),
                    root: "/".into(),
                    mount: "/".into(),
                    fs_type: String::new(),
                    source: String::new(),
                },
            );
        }
        let mut list = Vec::with_capacity(mounts.len());
        for m in mounts {
            let space = if NETWORK_FS_TYPES.contains(&m.fs_type.as_str()) {
                self.statvfs_with_timeout(&m.mount)
            } else {
                statvfs(&m.mount).map_err(|e| tracing::debug!(mount = %m.mount, error = %e, "statvfs failed")).ok()
            };
            let Some(space) = space else { continue };
            list.push(Filesystem {
                mount: m.mount,
                fs_type: m.fs_type,
                device: m.source,
                total_bytes: space.total,
                used_bytes: space.used,
                available_bytes: space.available,
            });
        }
        list
    }

    fn statvfs_with_timeout(&self, mount: &str) -> Option<Space> {
        {
            let mut stuck = self.stuck.lock().unwrap_or_else(|p| p.into_inner());
            if !stuck.insert(mount.to_owned()) {
                return None;
            }
        }
        let (tx, rx) = mpsc::channel();
        let stuck = Arc::clone(&self.stuck);
        let path = mount.to_owned();
        let spawned = std::thread::Builder::new().name("statvfs".into()).stack_size(64 * 1024).spawn(move || {
            let result = statvfs(&path);
            stuck.lock().unwrap_or_else(|p| p.into_inner()).remove(&path);
            let _ = tx.send(result);
        });
        if spawned.is_err() {
            self.stuck.lock().unwrap_or_else(|p| p.into_inner()).remove(mount);
            return None;
        }
        match rx.recv_timeout(NETWORK_STATVFS_TIMEOUT) {
            Ok(Ok(space)) => Some(space),
            Ok(Err(e)) => {
                tracing::debug!(mount, error = %e, "statvfs failed");
                None
            }
            Err(_) => {
                tracing::warn!(mount, "network filesystem did not answer statvfs in time; skipped until it does");
                None
            }
        }
    }
}

/// Temperatures from `/sys/class/hwmon` (falling back to `/sys/class/thermal` zones where no
/// hwmon driver exists). A machine without sensors (most VMs) gives an empty list.
pub fn temperatures() -> Vec<Temperature> {
    let list = hwmon_temperatures(Path::new("/sys/class/hwmon"));
    if list.is_empty() { thermal_zones(Path::new("/sys/class/thermal")) } else { list }
}

fn hwmon_temperatures(class: &Path) -> Vec<Temperature> {
    // (chip name, device it belongs to, its readings as protocol temperatures labelled by sensor)
    let mut chips: Vec<(String, String, Vec<Temperature>)> = Vec::new();
    let mut dirs: Vec<_> = fs::read_dir(class).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    dirs.sort();
    for dir in dirs {
        let chip = read_trimmed(dir.join("name"));
        let device = fs::read_link(dir.join("device"))
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default();
        let mut inputs: Vec<(u32, String)> = fs::read_dir(&dir)
            .map(|d| {
                d.flatten()
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        let n = name.strip_prefix("temp")?.strip_suffix("_input")?.parse().ok()?;
                        Some((n, name))
                    })
                    .collect()
            })
            .unwrap_or_default();
        inputs.sort();
        let mut sensors = Vec::new();
        for (n, file) in inputs {
            let Ok(milli) = read_trimmed(dir.join(&file)).parse::<i64>() else { continue };
            let label = read_trimmed(dir.join(format!("temp{n}_label")));
            let label = if label.is_empty() { format!("temp{n}") } else { label };
            let crit = read_trimmed(dir.join(format!("temp{n}_crit"))).parse::<i64>().ok().map(|c| c as f64 / 1000.0);
            sensors.push(Temperature { label, celsius: milli as f64 / 1000.0, critical_celsius: crit });
        }
        if !sensors.is_empty() {
            chips.push((chip, device, sensors));
        }
    }
    // Two NVMe drives both call their chip "nvme": the device name keeps their labels apart.
    let mut chip_count: HashMap<String, usize> = HashMap::new();
    for (chip, _, _) in &chips {
        *chip_count.entry(chip.clone()).or_default() += 1;
    }
    let mut list = Vec::new();
    for (chip, device, sensors) in chips {
        let prefix = if chip_count[&chip] > 1 && !device.is_empty() { format!("{chip} {device}") } else { chip };
        for t in sensors {
            list.push(Temperature { label: format!("{prefix} {}", t.label), ..t });
        }
    }
    list
}

fn thermal_zones(class: &Path) -> Vec<Temperature> {
    let mut dirs: Vec<_> = fs::read_dir(class).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    dirs.sort();
    let mut list = Vec::new();
    for dir in dirs {
        let Some(zone) = dir.file_name().map(|n| n.to_string_lossy().into_owned()) else { continue };
        if !zone.starts_with("thermal_zone") {
            continue;
        }
        let Ok(milli) = read_trimmed(dir.join("temp")).parse::<i64>() else { continue };
        let kind = read_trimmed(dir.join("type"));
        list.push(Temperature {
            label: format!("{kind} {zone}"),
            celsius: milli as f64 / 1000.0,
            critical_celsius: None,
        });
    }
    list
}

/// Block devices backed by hardware, from `/sys/block`. Loop, RAM, zram, device-mapper and md
/// devices have no `device` link and are skipped, as are empty drives (a card reader without a
/// card, a CD drive without a disc).
pub fn disks() -> Vec<Disk> {
    let mut names: Vec<String> = fs::read_dir("/sys/block")
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    let mut list = Vec::new();
    for name in names {
        let base = Path::new("/sys/block").join(&name);
        let virtual_kind = ["loop", "ram", "zram", "dm-", "md", "nbd"].iter().any(|p| name.starts_with(p));
        if virtual_kind || !base.join("device").exists() {
            continue;
        }
        let sectors: u64 = read_trimmed(base.join("size")).parse().unwrap_or(0);
        if sectors == 0 {
            continue;
        }
        list.push(Disk {
            model: read_trimmed(base.join("device/model")),
            serial: disk_serial(&base),
            size_bytes: sectors * 512,
            rotational: read_trimmed(base.join("queue/rotational")) == "1",
            name,
        });
    }
    list
}

/// NVMe exposes `device/serial`, virtio `serial`; SCSI/SATA disks have it only in the unit serial
/// number VPD page (0x80): four header bytes, then the ASCII serial.
fn disk_serial(base: &Path) -> String {
    for file in ["device/serial", "serial"] {
        let s = read_trimmed(base.join(file));
        if !s.is_empty() {
            return s;
        }
    }
    match fs::read(base.join("device/vpd_pg80")) {
        Ok(page) if page.len() > 4 && page[1] == 0x80 => {
            let len = (usize::from(page[2]) << 8 | usize::from(page[3])).min(page.len() - 4);
            String::from_utf8_lossy(&page[4..4 + len]).trim_matches(|c: char| c.is_whitespace() || c == '\0').to_owned()
        }
        _ => String::new(),
    }
}

/// Vendor, model, serial and BIOS version from DMI; ARM boards without DMI name themselves in
/// the device tree. `product_serial` is readable by root only, so it is "" for other users.
pub fn hardware() -> Hardware {
    let dmi = Path::new("/sys/class/dmi/id");
    let mut hw = Hardware {
        vendor: read_trimmed(dmi.join("sys_vendor")),
        model: read_trimmed(dmi.join("product_name")),
        serial: read_trimmed(dmi.join("product_serial")),
        bios_version: read_trimmed(dmi.join("bios_version")),
    };
    if hw.model.is_empty() {
        hw.model = read_trimmed("/proc/device-tree/model").trim_end_matches('\0').to_owned();
    }
    if hw.serial.is_empty() {
        hw.serial = read_trimmed("/proc/device-tree/serial-number").trim_end_matches('\0').to_owned();
    }
    hw
}

/// Every interface but loopback with its MAC (from `/sys/class/net`) and its addresses (from
/// `getifaddrs`). Interfaces that are down are listed too, without addresses.
pub fn network_addresses() -> Vec<NetworkAddress> {
    let mut names: Vec<String> = fs::read_dir("/sys/class/net")
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.retain(|n| n != "lo");
    names.sort_by_key(|n| (!Path::new("/sys/class/net").join(n).join("device").exists(), n.clone()));
    let mut ips = interface_ips().unwrap_or_else(|e| {
        tracing::warn!(error = %e, "getifaddrs failed; interfaces are listed without addresses");
        HashMap::new()
    });
    names
        .into_iter()
        .map(|name| NetworkAddress {
            mac: read_trimmed(Path::new("/sys/class/net").join(&name).join("address")),
            ips: ips.remove(&name).unwrap_or_default(),
            name,
        })
        .collect()
}

/// IPv4 and IPv6 addresses per interface name, in the order the kernel lists them.
pub fn interface_ips() -> io::Result<HashMap<String, Vec<String>>> {
    let mut head: *mut ffi::IfAddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `head` with a list it allocated, which is freed below.
    if unsafe { ffi::getifaddrs(&mut head) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    let mut cur = head;
    while !cur.is_null() {
        // SAFETY: `cur` is a node of the list getifaddrs returned, not yet freed; its name is a
        // NUL-terminated string and its address, when not null, is a sockaddr whose family says
        // which of sockaddr_in / sockaddr_in6 it is. Reads are unaligned-safe.
        unsafe {
            let node = &*cur;
            if !node.ifa_addr.is_null() && !node.ifa_name.is_null() {
                let family = std::ptr::read_unaligned(std::ptr::addr_of!((*node.ifa_addr).sa_family));
                let ip = match family {
                    ffi::AF_INET => {
                        let sa = std::ptr::read_unaligned(node.ifa_addr as *const ffi::SockAddrIn);
                        Some(std::net::IpAddr::from(sa.sin_addr))
                    }
                    ffi::AF_INET6 => {
                        let sa = std::ptr::read_unaligned(node.ifa_addr as *const ffi::SockAddrIn6);
                        Some(std::net::IpAddr::from(sa.sin6_addr))
                    }
                    _ => None,
                };
                if let Some(ip) = ip {
                    let name = std::ffi::CStr::from_ptr(node.ifa_name).to_string_lossy();
                    // IPv4 aliases carry labels such as "eth0:1"; ':' cannot occur in a real name.
                    let base = name.split(':').next().unwrap_or_default().to_owned();
                    map.entry(base).or_default().push(ip.to_string());
                }
            }
            cur = node.ifa_next;
        }
    }
    // SAFETY: `head` came from a successful getifaddrs and is freed exactly once.
    unsafe { ffi::freeifaddrs(head) };
    Ok(map)
}

/// The kernel's host name (what `uname -n` says).
pub fn hostname() -> String {
    let name = read_trimmed("/proc/sys/kernel/hostname");
    if name.is_empty() { read_trimmed("/etc/hostname") } else { name }
}

/// Kernel release, like `uname -r`.
pub fn kernel_release() -> String {
    read_trimmed("/proc/sys/kernel/osrelease")
}

/// A stable id for this machine, tried in this order:
/// 1. `/etc/machine-id` (systemd) and 2. `/var/lib/dbus/machine-id` (older or systemd-less
///    systems): the id every Linux tool uses, set at install time and kept across reboots;
/// 3. the DMI product UUID (hardware, root-only readable), prefixed "dmi-";
/// 4. the host name, prefixed "host-": stable as long as nobody renames the machine.
///
/// Cloned VMs that were not generalised share a machine-id; that is the image's problem, and the
/// server shows them as one device, which is how the technician notices.
pub fn machine_id() -> String {
    for path in ["/etc/machine-id", "/var/lib/dbus/machine-id"] {
        let id = read_trimmed(path).to_ascii_lowercase();
        if id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return id;
        }
    }
    let uuid = read_trimmed("/sys/class/dmi/id/product_uuid").to_ascii_lowercase();
    let placeholder = uuid.chars().filter(|c| c.is_ascii_hexdigit()).all(|c| c == '0' || c == 'f');
    if !uuid.is_empty() && !placeholder {
        return format!("dmi-{uuid}");
    }
    format!("host-{}", hostname())
}

/// `/etc/os-release`, or `/usr/lib/os-release` where the former is absent.
pub fn os_release() -> OsRelease {
    let text = fs::read_to_string("/etc/os-release").or_else(|_| fs::read_to_string("/usr/lib/os-release"));
    text.map(|t| parse_os_release(&t)).unwrap_or_default()
}

/// Reads NAME, VERSION_ID (else VERSION, else BUILD_ID for rolling releases) and PRETTY_NAME.
pub fn parse_os_release(text: &str) -> OsRelease {
    let mut vars: HashMap<&str, String> = HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else { continue };
        let value = value.trim();
        let unquoted = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value);
        let mut out = String::with_capacity(unquoted.len());
        let mut chars = unquoted.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                out.extend(chars.next());
            } else {
                out.push(c);
            }
        }
        vars.insert(key.trim(), out);
    }
    let get = |k: &str| vars.get(k).cloned().unwrap_or_default();
    let name = if vars.contains_key("NAME") { get("NAME") } else { "Linux".to_owned() };
    let version =
        ["VERSION_ID", "VERSION", "BUILD_ID"].iter().map(|k| get(k)).find(|v| !v.is_empty()).unwrap_or_default();
    let pretty = match get("PRETTY_NAME") {
        p if !p.is_empty() => p,
        _ if version.is_empty() => name.clone(),
        _ => format!("{name} {version}"),
    };
    OsRelease { name, version, pretty }
}

/// The full program name of a process whose 15-character `comm` was cut short, from argv[0].
pub fn full_process_name(pid: u32, comm: &str) -> String {
    if comm.len() < 15 {
        return comm.to_owned();
    }
    let Ok(cmdline) = fs::read(format!("/proc/{pid}/cmdline")) else { return comm.to_owned() };
    let argv0 = cmdline.split(|b| *b == 0).next().unwrap_or_default();
    let argv0 = String::from_utf8_lossy(argv0);
    let base = argv0.rsplit('/').next().unwrap_or_default();
    if base.starts_with(comm) { base.to_owned() } else { comm.to_owned() }
}

/// Starts the command as the leader of a new process group, so that `kill_process_group` also
/// reaches whatever it started.
pub fn own_process_group(cmd: &mut Command) {
    cmd.process_group(0);
}

/// SIGKILL to the child's whole process group. Call it only before the child has been reaped:
/// until then its pid (the group id) cannot be reused by an unrelated process.
pub fn kill_process_group(child: &Child) {
    let Ok(pid) = i32::try_from(child.id()) else { return };
    // SAFETY: kill(2) takes plain integers and touches no memory of ours.
    unsafe { ffi::kill(-pid, ffi::SIGKILL) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn entry(dev: &str, root: &str, mount: &str, fs_type: &str) -> MountEntry {
        MountEntry {
            dev: dev.into(),
            root: root.into(),
            mount: mount.into(),
            fs_type: fs_type.into(),
            source: "/dev/x".into(),
        }
    }

    #[test]
    fn meminfo_is_converted_from_kib() {
        let text = "MemTotal:       24683656 kB\nMemFree:        19283428 kB\nMemAvailable:   24110916 kB\n\
                    Buffers:           12 kB\nSwapTotal:       2097148 kB\nSwapFree:        1048574 kB\n";
        let m = parse_meminfo(text);
        assert_eq!(m.total, 24683656 * 1024);
        assert_eq!(m.available, 24110916 * 1024);
        assert_eq!(m.swap_total, 2097148 * 1024);
        assert_eq!(m.swap_free, 1048574 * 1024);
        let old_kernel = parse_meminfo("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 20 kB\nCached: 300 kB\n");
        assert_eq!(old_kernel.available, 420 * 1024);
    }

    #[test]
    fn net_dev_skips_loopback_and_reads_rx_tx_bytes() {
        let text = "Inter-|   Receive                                                |  Transmit\n \
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    \
             lo: 172733351  114559    0    0    0     0          0         0 172733351  114559    0    0    0     0       0          0\n  \
             eth0: 334309651   14412    0    0    0     0          0         0   927806   10401    0    0    0     0       0          0\n\
             wlan0:12 1 0 0 0 0 0 0 34 1 0 0 0 0 0 0\n";
        let list = parse_net_dev(text);
        assert_eq!(list.len(), 2);
        assert_eq!((list[0].name.as_str(), list[0].rx_bytes, list[0].tx_bytes), ("eth0", 334309651, 927806));
        assert_eq!((list[1].name.as_str(), list[1].rx_bytes, list[1].tx_bytes), ("wlan0", 12, 34));
    }

    #[test]
    fn mountinfo_lines_are_split_and_unescaped() {
        let text = "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n\
                    40 27 8:17 / /media/usb\\040stick rw shared:5 - vfat /dev/sdb1 rw\n";
        let list = parse_mountinfo(text);
        assert_eq!(
            list[0],
            MountEntry {
                dev: "254:0".into(),
                root: "/".into(),
                mount: "/".into(),
                fs_type: "ext4".into(),
                source: "/dev/vda".into()
            }
        );
        assert_eq!(list[1].mount, "/media/usb stick");
        assert_eq!(list[1].fs_type, "vfat");
        assert_eq!(unescape_octal("a\\134b\\011"), "a\\b\t");
        assert_eq!(unescape_octal("trailing\\04"), "trailing\\04");
    }

    #[test]
    fn mount_selection_keeps_data_filesystems_once() {
        let entries = vec![
            entry("0:21", "/", "/proc", "proc"),
            entry("0:40", "/", "/", "overlay"),
            entry("0:23", "/", "/dev/shm", "tmpfs"),
            entry("7:0", "/", "/snap/core/1", "squashfs"),
            entry("0:30", "/", "/sys/fs/cgroup", "cgroup2"),
            entry("254:1", "/", "/home", "ext4"),
            // A bind mount of a folder of /home's filesystem: same space, reported once.
            entry("254:1", "/alice/data", "/srv/data", "ext4"),
            // A container's single-file bind mount of the host disk.
            entry("254:0", "/var/lib/docker/containers/x/hosts", "/etc/hosts", "ext4"),
            entry("254:2", "/", "/boot/efi", "vfat"),
            entry("0:50", "/", "/mnt/nas", "nfs4"),
            // Mounted over an earlier mount: the later one is what /data shows.
            entry("8:1", "/", "/data", "xfs"),
            entry("8:2", "/", "/data", "btrfs"),
        ];
        let picked = select_mounts(entries, |e| e.mount != "/etc/hosts");
        let mounts: Vec<(&str, &str)> = picked.iter().map(|m| (m.mount.as_str(), m.fs_type.as_str())).collect();
        assert_eq!(
            mounts,
            vec![("/", "overlay"), ("/boot/efi", "vfat"), ("/data", "btrfs"), ("/home", "ext4"), ("/mnt/nas", "nfs4")]
        );
    }

    #[test]
    fn root_wins_over_other_mounts_of_the_same_filesystem() {
        let entries =
            vec![entry("8:1", "/", "/a", "ext4"), entry("8:1", "/", "/", "ext4"), entry("8:1", "/x", "/b", "ext4")];
        let picked = select_mounts(entries, |_| true);
        assert_eq!(picked.len(), 1);
        assert_eq!(picked[0].mount, "/");
    }

    #[test]
    fn os_release_handles_quotes_and_missing_fields() {
        let debian = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n\
                      VERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n";
        let r = parse_os_release(debian);
        assert_eq!((r.name.as_str(), r.version.as_str()), ("Debian GNU/Linux", "12"));
        assert_eq!(r.pretty, "Debian GNU/Linux 12 (bookworm)");

        let arch = "NAME=\"Arch Linux\"\nPRETTY_NAME=\"Arch Linux\"\nID=arch\nBUILD_ID=rolling\n";
        assert_eq!(parse_os_release(arch).version, "rolling");

        let rhel = "# comment\nNAME='Red Hat Enterprise Linux'\nVERSION=\"9.3 (Plow)\"\nVERSION_ID=\"9.3\"\n";
        let r = parse_os_release(rhel);
        assert_eq!(
            (r.name.as_str(), r.version.as_str(), r.pretty.as_str()),
            ("Red Hat Enterprise Linux", "9.3", "Red Hat Enterprise Linux 9.3")
        );

        assert_eq!(parse_os_release("NAME=\"Say \\\"hi\\\"\"\n").name, "Say \"hi\"");
        assert_eq!(parse_os_release("").pretty, "Linux");
    }

    /// `df` computes Size, Used and Avail from the same statvfs fields; they must agree.
    #[test]
    fn statvfs_matches_df() {
        let out = Command::new("df").args(["-B1", "--output=size,used,avail", "/"]).output().expect("df runs");
        let text = String::from_utf8(out.stdout).unwrap();
        let nums: Vec<u64> = text.lines().nth(1).unwrap().split_whitespace().map(|v| v.parse().unwrap()).collect();
        let space = statvfs("/").unwrap();
        assert_eq!(space.total, nums[0]);
        // Used and available move while other processes write; a few MiB is a generous bound.
        assert!(space.used.abs_diff(nums[1]) < 64 << 20, "{space:?} vs df {nums:?}");
        assert!(space.available.abs_diff(nums[2]) < 64 << 20, "{space:?} vs df {nums:?}");
        assert!(statvfs("/does/not/exist").is_err());
    }

    /// Every address `ip -j addr` lists for a non-loopback interface is found by getifaddrs.
    #[test]
    fn interface_ips_match_ip_addr() {
        let Ok(out) = Command::new("ip").args(["-j", "addr"]).output() else { return };
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let ours = interface_ips().unwrap();
        let mut checked = 0;
        for link in v.as_array().unwrap() {
            let name = link["ifname"].as_str().unwrap();
            for a in link["addr_info"].as_array().unwrap() {
                let ip = a["local"].as_str().unwrap();
                assert!(ours.get(name).is_some_and(|l| l.iter().any(|x| x == ip)), "{name} {ip} missing: {ours:?}");
                checked += 1;
            }
        }
        assert!(checked > 0);
    }

    /// The id is the one systemd (or, without it, D-Bus) gives this machine, as their own tools
    /// print it; kernel release and host name are what `uname` prints.
    #[test]
    fn machine_id_and_identity_are_read() {
        let id = machine_id();
        assert!(!id.is_empty());
        let told = [("systemd-id128", &["machine-id"][..]), ("dbus-uuidgen", &["--get"][..])]
            .into_iter()
            .find_map(|(tool, args)| Command::new(tool).args(args).output().ok().filter(|o| o.status.success()));
        if let Some(out) = told {
            assert_eq!(id, String::from_utf8(out.stdout).unwrap().trim().to_ascii_lowercase());
        }
        assert_eq!(
            kernel_release(),
            String::from_utf8(Command::new("uname").arg("-r").output().unwrap().stdout).unwrap().trim()
        );
        assert_eq!(
            hostname(),
            String::from_utf8(Command::new("uname").arg("-n").output().unwrap().stdout).unwrap().trim()
        );
    }

    #[test]
    fn hwmon_sensors_are_labelled_by_chip_and_kept_apart() {
        let dir = tempfile::tempdir().unwrap();
        let class = dir.path().join("hwmon");
        let write = |p: &str, v: &str| {
            let path = class.join(p);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, format!("{v}\n")).unwrap();
        };
        write("hwmon0/name", "coretemp");
        write("hwmon0/temp1_input", "45000");
        write("hwmon0/temp1_label", "Package id 0");
        write("hwmon0/temp1_crit", "100000");
        write("hwmon0/temp2_input", "41500");
        write("hwmon1/name", "nvme");
        write("hwmon1/temp1_input", "36850");
        write("hwmon1/temp1_label", "Composite");
        write("hwmon2/name", "nvme");
        write("hwmon2/temp1_input", "38850");
        write("hwmon2/temp1_label", "Composite");
        write("devices/nvme0/x", "");
        write("devices/nvme1/x", "");
        std::os::unix::fs::symlink(class.join("devices/nvme0"), class.join("hwmon1/device")).unwrap();
        std::os::unix::fs::symlink(class.join("devices/nvme1"), class.join("hwmon2/device")).unwrap();
        // A sensor whose driver errors on read is skipped, not reported as 0.
        write("hwmon3/name", "acpitz");
        write("hwmon3/temp1_label", "broken");
        write("hwmon3/temp1_input", "");

        let list = hwmon_temperatures(&class);
        let got: Vec<(&str, f64, Option<f64>)> =
            list.iter().map(|t| (t.label.as_str(), t.celsius, t.critical_celsius)).collect();
        assert_eq!(
            got,
            vec![
                ("coretemp Package id 0", 45.0, Some(100.0)),
                ("coretemp temp2", 41.5, None),
                ("nvme nvme0 Composite", 36.85, None),
                ("nvme nvme1 Composite", 38.85, None),
            ]
        );
        assert!(hwmon_temperatures(&dir.path().join("absent")).is_empty());
    }

    /// The disks and their sizes are the ones `lsblk` lists as disks, less RAM and compressed-swap
    /// devices and empty drives.
    #[test]
    fn disks_are_the_ones_lsblk_lists_with_its_sizes() {
        let Ok(out) = Command::new("lsblk").args(["-b", "-d", "-n", "-o", "NAME,SIZE,TYPE"]).output() else { return };
        let text = String::from_utf8(out.stdout).unwrap();
        let listed: BTreeMap<String, u64> = text
            .lines()
            .filter_map(|l| match l.split_whitespace().collect::<Vec<_>>()[..] {
                [name, size, "disk"] => Some((name.to_owned(), size.parse().unwrap())),
                _ => None,
            })
            .filter(|(name, size)| *size > 0 && !["zram", "ram", "nbd"].iter().any(|p| name.starts_with(p)))
            .collect();
        let ours: BTreeMap<String, u64> = disks().into_iter().map(|d| (d.name, d.size_bytes)).collect();
        assert_eq!(ours, listed, "lsblk -d: {text}");
    }
}
