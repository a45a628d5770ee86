//! What the collector needs from the operating system that no portable crate gives exactly:
//! memory as the kernel counts it, filesystems and their space, network counters, sensors,
//! hardware and OS identity, network addresses, and stopping a command's whole process tree.
//!
//! Each OS gets one file (`linux.rs` today) exposing the same names; the collector (`agent::collect`)
//! calls only these and sysinfo. Porting the agent means writing `windows.rs` or `macos.rs`.

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub use linux::*;

#[cfg(not(target_os = "linux"))]
compile_error!("the agent's collector supports Linux only so far: add src/agent/platform/<os>.rs");

/// Memory and swap as the kernel reports them, in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemInfo {
    pub total: u64,
    pub available: u64,
    pub swap_total: u64,
    pub swap_free: u64,
}

/// Byte counters of one network interface since it came up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetCounters {
    pub name: String,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    /// Backed by hardware (or a hypervisor's virtual NIC) rather than a bridge, veth or tunnel;
    /// such interfaces are listed first so the limit on interfaces never drops them.
    pub physical: bool,
}

/// DMI (or device-tree) identity of the machine; fields are "" where unreadable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hardware {
    pub vendor: String,
    pub model: String,
    pub serial: String,
    pub bios_version: String,
}

/// The distribution's own name and version (os-release on Linux).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsRelease {
    /// "Debian GNU/Linux"
    pub name: String,
    /// "12"
    pub version: String,
    /// "Debian GNU/Linux 12 (bookworm)"
    pub pretty: String,
}
