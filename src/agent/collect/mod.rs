//! The agent's collector: fills the check-in's `Metrics`, and less often its `Inventory`,
//! `PatchState` and `SmartReport`, from the machine it runs on.
//!
//! CPU and process times come from sysinfo (portable); everything the kernel reports more exactly
//! than sysinfo exposes (memory without cgroup limits, statvfs space, interface counters, sensors,
//! hardware identity) comes from `agent::platform`. Package managers and smartctl run as commands
//! with a deadline (`command`).
//!
//! Built to stay light: each call refreshes only what it reports, the one thing kept between calls
//! is what rates need (CPU and process times, interface counters), and nothing polls in between.
//! Every call blocks (reads files, runs commands), so async callers use `spawn_blocking`.

mod command;
mod packages;
mod patches;
mod smart;

use std::cmp::Ordering;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, System};

use crate::agent::platform::{self, NetCounters};
use crate::protocol::{
    Filesystem, Interface, Inventory, Metrics, PatchState, Process, SmartReport, Temperature, Watch, Watched, limits,
};

pub use packages::{parse_dpkg, parse_rpm};
pub use patches::{DnfUpdate, mark_dnf_security, parse_apt_list, parse_dnf_check_update};
pub use smart::{parse_scan, parse_smartctl};

/// How long the first `metrics()` call measures CPU and network before answering: long enough
/// for sysinfo (which needs 200 ms between CPU samples) and for the kernel's 10 ms CPU accounting
/// tick to give 2.5 % steps per core, short enough not to delay the first check-in.
const BASELINE: Duration = Duration::from_millis(400);

/// Processes reported in each of the two top lists.
const TOP_PROCESSES: usize = 5;

pub struct Collector {
    /// None only where sysinfo does not support the OS; then CPU and process fields stay empty.
    system: Option<System>,
    /// Interface counters at the previous `metrics()` call; None before the first.
    last_net: Option<(Instant, Vec<NetCounters>)>,
    filesystems: platform::FilesystemProbe,
    /// What the server asked to watch (from the last check-in's answer).
    watch: Watch,
}

impl Default for Collector {
    fn default() -> Self {
        Collector::new()
    }
}

impl Collector {
    pub fn new() -> Collector {
        let system = System::new()
            .map_err(
                |e| tracing::warn!(error = %e, "sysinfo is not supported here; CPU and process figures will be empty"),
            )
            .ok();
        Collector { system, last_net: None, filesystems: platform::FilesystemProbe::new(), watch: Watch::default() }
    }

    /// Sets the processes and services reported in `Metrics::watched` from now on.
    pub fn set_watch(&mut self, watch: Watch) {
        if watch != self.watch {
            tracing::info!(processes = ?watch.processes, services = ?watch.services, "watching");
            self.watch = watch;
        }
    }

    fn watched(&self) -> Vec<Watched> {
        let mut out = Vec::new();
        if let Some(sys) = &self.system {
            for name in &self.watch.processes {
                let running = sys.processes().values().any(|p| {
                    p.name().to_string_lossy() == *name
                        || p.exe().and_then(|e| e.file_name()).is_some_and(|f| f.to_string_lossy() == *name)
                });
                out.push(Watched { kind: "process".into(), name: name.clone(), running });
            }
        }
        out.extend(services_active(&self.watch.services));
        out
    }

    /// Metrics now. CPU % and network rates are measured since the previous call; the first call
    /// measures over `BASELINE` itself, so it never reports zeros it did not observe.
    pub fn metrics(&mut self) -> Metrics {
        if self.last_net.is_none() {
            self.refresh_cpu_and_processes();
            self.last_net = Some((Instant::now(), read_net_counters()));
            std::thread::sleep(BASELINE);
        }
        self.refresh_cpu_and_processes();
        let now = Instant::now();
        let counters = read_net_counters();
        let network = match &self.last_net {
            Some((then, previous)) => network_rates(previous, &counters, now.duration_since(*then)),
            None => network_rates(&[], &counters, Duration::ZERO),
        };
        self.last_net = Some((now, counters));

        let mem = platform::meminfo().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot read memory figures");
            platform::MemInfo::default()
        });
        let (load1, load5, load15) = platform::load_average().unwrap_or_default();
        let (cpu_pct, cpu_count, top_cpu, top_mem) = match &self.system {
            Some(sys) => {
                let count = sys.cpus().len().max(1);
                let (top_cpu, top_mem) = top_processes(sys, count);
                (clamp_pct(f64::from(sys.global_cpu_usage())), count as u32, top_cpu, top_mem)
            }
            None => (0.0, 0, Vec::new(), Vec::new()),
        };
        let mut metrics = Metrics {
            cpu_pct,
            cpu_count,
            mem_total_bytes: mem.total,
            mem_used_bytes: mem.total.saturating_sub(mem.available),
            mem_available_bytes: mem.available,
            swap_total_bytes: mem.swap_total,
            swap_used_bytes: mem.swap_total.saturating_sub(mem.swap_free),
            load1,
            load5,
            load15,
            uptime_secs: platform::uptime_secs().unwrap_or(0),
            filesystems: self.filesystems.filesystems(),
            network,
            temperatures: platform::temperatures(),
            top_cpu,
            top_mem,
            watched: self.watched(),
        };
        bound_metrics(&mut metrics);
        metrics
    }

    /// Hardware and OS inventory with installed packages. Takes seconds (the package query).
    pub fn inventory(&mut self) -> Inventory {
        let release = platform::os_release();
        let hw = platform::hardware();
        let (cpu_model, cpu_threads) = match &mut self.system {
            Some(sys) => {
                // The CPU list exists once `metrics()` ran; a fresh collector builds it here.
                if sys.cpus().is_empty() {
                    sys.refresh_cpu_usage();
                }
                let model = sys.cpus().first().map(|c| c.brand().trim().to_owned()).unwrap_or_default();
                (model, sys.cpus().len() as u32)
            }
            None => (String::new(), 0),
        };
        let cpu_cores = System::physical_core_count().map(|n| n as u32).unwrap_or(cpu_threads);
        let (package_manager, packages) = packages::installed();
        let mut inventory = Inventory {
            hostname: platform::hostname(),
            os_name: release.name,
            os_version: release.version,
            kernel: platform::kernel_release(),
            arch: std::env::consts::ARCH.to_owned(),
            cpu_model,
            cpu_cores,
            cpu_threads,
            mem_total_bytes: platform::meminfo().map(|m| m.total).unwrap_or(0),
            disks: platform::disks(),
            vendor: hw.vendor,
            model: hw.model,
            serial: hw.serial,
            bios_version: hw.bios_version,
            interfaces: platform::network_addresses(),
            package_manager,
            packages,
        };
        bound_inventory(&mut inventory);
        inventory
    }

    /// Pending and security updates from apt (`apt list --upgradable`, no root needed) or dnf;
    /// `known: false` with a sentence in `error` when neither can say. Commands are stopped
    /// after 120 s.
    pub fn patches(&self) -> PatchState {
        let mut state = patches::patch_state();
        state.updates.truncate(limits::PACKAGES);
        for u in &mut state.updates {
            clip(&mut u.name);
            clip(&mut u.version);
        }
        clip(&mut state.manager);
        clip(&mut state.error);
        state
    }

    /// SMART health of every disk `smartctl --scan` finds; `available: false` without smartctl.
    pub fn smart(&self) -> SmartReport {
        let mut report = smart::smart_report();
        report.disks.truncate(limits::SMART_DISKS);
        for d in &mut report.disks {
            for s in [&mut d.device, &mut d.protocol, &mut d.model, &mut d.serial] {
                clip(s);
            }
            d.attributes.truncate(limits::SMART_ATTRIBUTES);
            for a in &mut d.attributes {
                clip(&mut a.name);
            }
        }
        clip(&mut report.error);
        report
    }

    fn refresh_cpu_and_processes(&mut self) {
        if let Some(sys) = &mut self.system {
            sys.refresh_cpu_usage();
            // Threads are left out: they would be counted twice (as themselves and in their
            // process), and listing them is the costly part of a refresh.
            let kind = ProcessRefreshKind::nothing().without_tasks().with_cpu().with_memory();
            sys.refresh_processes_specifics(ProcessesToUpdate::All, true, kind);
        }
    }
}

/// The id the server knows this machine by; see `platform::machine_id` for where it comes from.
pub fn machine_id() -> String {
    platform::machine_id()
}

pub fn hostname() -> String {
    platform::hostname()
}

/// The OS as a person names it: "Debian GNU/Linux 12 (bookworm)".
pub fn os_description() -> String {
    platform::os_release().pretty
}

fn read_net_counters() -> Vec<NetCounters> {
    platform::net_counters().unwrap_or_else(|e| {
        tracing::warn!(error = %e, "cannot read network counters");
        Vec::new()
    })
}

/// Bytes per second of each interface over `elapsed`. An interface seen for the first time, or
/// whose counters went backwards (it was re-created), has no rate yet: 0, not a spike.
/// Physical interfaces come first so the limit on interfaces drops bridges and veths, not NICs.
fn network_rates(previous: &[NetCounters], now: &[NetCounters], elapsed: Duration) -> Vec<Interface> {
    let before: HashMap<&str, &NetCounters> = previous.iter().map(|c| (c.name.as_str(), c)).collect();
    let secs = elapsed.as_secs_f64();
    let rate = |new: u64, old: Option<u64>| match old {
        Some(old) if new >= old && secs > 0.0 => (new - old) as f64 / secs,
        _ => 0.0,
    };
    let mut sorted: Vec<&NetCounters> = now.iter().collect();
    sorted.sort_by(|a, b| b.physical.cmp(&a.physical).then_with(|| a.name.cmp(&b.name)));
    sorted
        .into_iter()
        .map(|c| {
            let old = before.get(c.name.as_str());
            Interface {
                name: c.name.clone(),
                rx_bytes_per_sec: rate(c.rx_bytes, old.map(|o| o.rx_bytes)),
                tx_bytes_per_sec: rate(c.tx_bytes, old.map(|o| o.tx_bytes)),
                rx_bytes_total: c.rx_bytes,
                tx_bytes_total: c.tx_bytes,
            }
        })
        .collect()
}

/// One process as sampled: pid, share of the whole machine's CPU (0–100), resident memory.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Sample {
    pid: u32,
    cpu_pct: f64,
    mem_bytes: u64,
}

/// Whether each systemd unit is active, by one `systemctl is-active` call (one line per unit, in
/// order). Without systemd, nothing is reported: no verdict rather than a false "not running".
fn services_active(names: &[String]) -> Vec<Watched> {
    if names.is_empty() {
        return Vec::new();
    }
    let Some(systemctl) = command::find_program("systemctl") else { return Vec::new() };
    let mut args = vec!["is-active", "--"];
    args.extend(names.iter().map(String::as_str));
    // is-active exits non-zero when any unit is inactive; its lines are still the answer.
    let Ok(out) = command::run(&systemctl, &args, Duration::from_secs(10)) else { return Vec::new() };
    let states: Vec<&str> = out.stdout.lines().map(str::trim).collect();
    if states.len() != names.len() {
        return Vec::new();
    }
    names
        .iter()
        .zip(states)
        .map(|(name, state)| Watched {
            kind: "service".into(),
            name: name.clone(),
            running: matches!(state, "active" | "reloading" | "activating"),
        })
        .collect()
}

/// The busiest processes by CPU and by memory.
///
/// sysinfo counts a process's CPU per core (a busy 4-thread process shows 400 %); it is divided
/// by the number of CPUs here because the protocol's percentages are 0–100 and because a
/// technician compares it with the machine's total CPU, as Windows' Task Manager does.
fn top_processes(sys: &System, cpu_count: usize) -> (Vec<Process>, Vec<Process>) {
    let samples: Vec<Sample> = sys
        .processes()
        .iter()
        .map(|(pid, p)| Sample {
            pid: pid.as_u32(),
            cpu_pct: clamp_pct(f64::from(p.cpu_usage()) / cpu_count as f64),
            mem_bytes: p.memory(),
        })
        .collect();
    let (by_cpu, by_mem) = pick_top(samples, TOP_PROCESSES);
    let describe = |s: Sample| Process {
        pid: s.pid,
        name: sys
            .process(sysinfo::Pid::from_u32(s.pid))
            .map(|p| platform::full_process_name(s.pid, &p.name().to_string_lossy()))
            .unwrap_or_default(),
        cpu_pct: s.cpu_pct,
        mem_bytes: s.mem_bytes,
    };
    (by_cpu.into_iter().map(describe).collect(), by_mem.into_iter().map(describe).collect())
}

/// The `n` highest by CPU (ties: more memory first) and the `n` highest by memory (ties: more
/// CPU first); equal on both, the lower pid wins so the lists are stable.
fn pick_top(mut samples: Vec<Sample>, n: usize) -> (Vec<Sample>, Vec<Sample>) {
    let by_cpu = |a: &Sample, b: &Sample| {
        b.cpu_pct
            .partial_cmp(&a.cpu_pct)
            .unwrap_or(Ordering::Equal)
            .then(b.mem_bytes.cmp(&a.mem_bytes))
            .then(a.pid.cmp(&b.pid))
    };
    let by_mem = |a: &Sample, b: &Sample| {
        b.mem_bytes
            .cmp(&a.mem_bytes)
            .then(b.cpu_pct.partial_cmp(&a.cpu_pct).unwrap_or(Ordering::Equal))
            .then(a.pid.cmp(&b.pid))
    };
    samples.sort_by(by_cpu);
    let top_cpu = samples.iter().take(n).copied().collect();
    samples.sort_by(by_mem);
    let top_mem = samples.iter().take(n).copied().collect();
    (top_cpu, top_mem)
}

/// 0–100, to two decimals: sysinfo's f32 would otherwise print as 27.4725284576416.
fn clamp_pct(v: f64) -> f64 {
    if v.is_finite() { (v.clamp(0.0, 100.0) * 100.0).round() / 100.0 } else { 0.0 }
}

/// Cuts a string to `limits::TEXT` bytes at a character boundary.
fn clip(s: &mut String) {
    if s.len() > limits::TEXT {
        let mut end = limits::TEXT;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
}

fn bound_metrics(m: &mut Metrics) {
    // Sorted by mount point, so "/" is first and survives the cut.
    m.filesystems.truncate(limits::FILESYSTEMS);
    for f in &mut m.filesystems {
        let Filesystem { mount, fs_type, device, .. } = f;
        for s in [mount, fs_type, device] {
            clip(s);
        }
    }
    m.network.truncate(limits::INTERFACES);
    for i in &mut m.network {
        clip(&mut i.name);
    }
    m.temperatures.truncate(limits::TEMPERATURES);
    for Temperature { label, .. } in &mut m.temperatures {
        clip(label);
    }
    for p in m.top_cpu.iter_mut().chain(m.top_mem.iter_mut()) {
        clip(&mut p.name);
    }
    m.top_cpu.truncate(limits::TOP_PROCESSES);
    m.top_mem.truncate(limits::TOP_PROCESSES);
}

fn bound_inventory(inv: &mut Inventory) {
    for s in [
        &mut inv.hostname,
        &mut inv.os_name,
        &mut inv.os_version,
        &mut inv.kernel,
        &mut inv.arch,
        &mut inv.cpu_model,
        &mut inv.vendor,
        &mut inv.model,
        &mut inv.serial,
        &mut inv.bios_version,
        &mut inv.package_manager,
    ] {
        clip(s);
    }
    inv.disks.truncate(limits::DISKS);
    for d in &mut inv.disks {
        for s in [&mut d.name, &mut d.model, &mut d.serial] {
            clip(s);
        }
    }
    inv.interfaces.truncate(limits::INTERFACES);
    for i in &mut inv.interfaces {
        clip(&mut i.name);
        clip(&mut i.mac);
        i.ips.truncate(limits::ADDRESSES);
        for ip in &mut i.ips {
            clip(ip);
        }
    }
    inv.packages.truncate(limits::PACKAGES);
    for p in &mut inv.packages {
        clip(&mut p.name);
        clip(&mut p.version);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counters(name: &str, rx: u64, tx: u64, physical: bool) -> NetCounters {
        NetCounters { name: name.into(), rx_bytes: rx, tx_bytes: tx, physical }
    }

    fn sample(pid: u32, cpu_pct: f64, mem_bytes: u64) -> Sample {
        Sample { pid, cpu_pct, mem_bytes }
    }

    #[test]
    fn network_rates_are_per_second_and_physical_first() {
        let before =
            [counters("eth0", 1_000, 500, true), counters("docker0", 0, 0, false), counters("wg0", 900, 900, false)];
        let after = [
            counters("docker0", 4_000, 0, false),
            counters("eth0", 21_000, 2_500, true),
            counters("veth1", 77, 77, false),
            counters("wg0", 100, 100, false),
        ];
        let list = network_rates(&before, &after, Duration::from_secs(2));
        let got: Vec<(&str, f64, f64, u64)> =
            list.iter().map(|i| (i.name.as_str(), i.rx_bytes_per_sec, i.tx_bytes_per_sec, i.rx_bytes_total)).collect();
        assert_eq!(
            got,
            vec![
                ("eth0", 10_000.0, 1_000.0, 21_000),
                ("docker0", 2_000.0, 0.0, 4_000),
                // New since the last call: no rate yet.
                ("veth1", 0.0, 0.0, 77),
                // Counters went backwards (interface re-created): no spike.
                ("wg0", 0.0, 0.0, 100),
            ]
        );
    }

    #[test]
    fn top_lists_rank_by_cpu_and_by_memory() {
        let samples = vec![
            sample(1, 0.0, 10),
            sample(2, 50.0, 1),
            sample(3, 10.0, 900),
            sample(4, 10.0, 800),
            sample(5, 3.0, 5_000),
            sample(6, 0.5, 20),
            sample(7, 0.0, 30),
        ];
        let (cpu, mem) = pick_top(samples, 3);
        assert_eq!(cpu.iter().map(|s| s.pid).collect::<Vec<_>>(), [2, 3, 4]);
        assert_eq!(mem.iter().map(|s| s.pid).collect::<Vec<_>>(), [5, 3, 4]);
        let (few, _) = pick_top(vec![sample(9, 1.0, 1)], 5);
        assert_eq!(few.len(), 1);
    }

    #[test]
    fn clip_respects_char_boundaries() {
        let mut s = "é".repeat(limits::TEXT);
        clip(&mut s);
        assert_eq!(s.len(), limits::TEXT);
        let mut odd = format!("a{}", "é".repeat(limits::TEXT));
        clip(&mut odd);
        assert_eq!(odd.len(), limits::TEXT - 1);
        let mut short = "short".to_owned();
        clip(&mut short);
        assert_eq!(short, "short");
    }

    fn meminfo_total_kib() -> u64 {
        let text = std::fs::read_to_string("/proc/meminfo").unwrap();
        let line = text.lines().find(|l| l.starts_with("MemTotal:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    fn df_size(path: &str) -> u64 {
        let out = std::process::Command::new("df").args(["-B1", "--output=size", path]).output().unwrap();
        String::from_utf8(out.stdout).unwrap().lines().nth(1).unwrap().trim().parse().unwrap()
    }

    /// What a command prints, trimmed: `uname -m`, `getconf _NPROCESSORS_ONLN`, ...
    fn tool(program: &str, args: &[&str]) -> String {
        let out = std::process::Command::new(program).args(args).output().unwrap();
        assert!(out.status.success(), "{program} {args:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// The first number of a /proc file such as `uptime` or `loadavg`.
    fn first_number(path: &str) -> f64 {
        std::fs::read_to_string(path).unwrap().split_whitespace().next().unwrap().parse().unwrap()
    }

    /// On this machine: memory is the kernel's MemTotal, "/" is listed with df's size, the CPU
    /// count, uptime and load are the kernel's, CPU and process figures are measured (not zero)
    /// from the first call, and a busy thread shows up in the top-CPU list. Run with --nocapture
    /// to see the report.
    #[test]
    fn metrics_on_this_machine() {
        let mut c = Collector::new();
        let (uptime_before, load_before) = (first_number("/proc/uptime"), first_number("/proc/loadavg"));
        let started = Instant::now();
        let first = c.metrics();
        let (uptime_after, load_after) = (first_number("/proc/uptime"), first_number("/proc/loadavg"));
        assert!(started.elapsed() >= BASELINE, "the first call takes its own baseline");
        println!("{}", serde_json::to_string_pretty(&first).unwrap());

        assert_eq!(first.mem_total_bytes, meminfo_total_kib() * 1024);
        assert_eq!(first.mem_used_bytes + first.mem_available_bytes, first.mem_total_bytes);
        let root = first.filesystems.iter().find(|f| f.mount == "/").expect("/ is always listed");
        let df = df_size("/") as f64;
        assert!((root.total_bytes as f64 - df).abs() <= df * 0.01, "{} vs df {df}", root.total_bytes);
        assert!(root.used_bytes <= root.total_bytes && root.available_bytes <= root.total_bytes);
        let mounts: Vec<&str> = first.filesystems.iter().map(|f| f.mount.as_str()).collect();
        assert!(
            !mounts.iter().any(|m| m.starts_with("/proc") || m.starts_with("/sys") || m.starts_with("/dev")),
            "{mounts:?}"
        );

        let online: u32 = tool("getconf", &["_NPROCESSORS_ONLN"]).parse().unwrap();
        assert_eq!(first.cpu_count, online, "every online CPU, not this process's share");
        assert!((0.0..=100.0).contains(&first.cpu_pct));
        // Read from the kernel around the call: the figure reported is one the kernel gave then
        // (the load average moves every 5 s, uptime every second).
        let uptime = first.uptime_secs as f64;
        assert!(uptime_before.floor() <= uptime && uptime <= uptime_after, "{uptime} vs /proc/uptime");
        let (low, high) = (load_before.min(load_after), load_before.max(load_after));
        assert!((low..=high).contains(&first.load1), "load1 {} vs /proc/loadavg {low}..{high}", first.load1);
        assert!(first.network.iter().all(|i| i.name != "lo"));
        assert!(!first.top_mem.is_empty() && first.top_mem.len() <= TOP_PROCESSES);
        assert!(first.top_mem.windows(2).all(|w| w[0].mem_bytes >= w[1].mem_bytes));
        assert!(first.top_cpu.windows(2).all(|w| w[0].cpu_pct >= w[1].cpu_pct));
        assert!(first.top_mem.iter().all(|p| !p.name.is_empty() && p.pid > 0));

        // Keep one core busy for a second: this test process must then rank among the busiest.
        let stop = Instant::now() + Duration::from_secs(1);
        let spinner = std::thread::spawn(move || {
            let mut x = 0u64;
            while Instant::now() < stop {
                x = std::hint::black_box(x.wrapping_add(1));
            }
        });
        spinner.join().unwrap();
        let started = Instant::now();
        let second = c.metrics();
        assert!(started.elapsed() < BASELINE, "later calls measure since the previous one");
        let me = std::process::id();
        let ours = second.top_cpu.iter().find(|p| p.pid == me);
        assert!(ours.is_some_and(|p| p.cpu_pct > 5.0), "pid {me} not busy in {:?}", second.top_cpu);
        assert!(second.cpu_pct > 0.0);
    }

    #[test]
    fn inventory_on_this_machine() {
        let inv = Collector::new().inventory();
        println!(
            "{}",
            serde_json::to_string_pretty(&Inventory {
                packages: inv.packages[..3.min(inv.packages.len())].to_vec(),
                ..inv.clone()
            })
            .unwrap()
        );
        // What the machine's own tools say, read independently of the collector.
        assert_eq!(inv.hostname, tool("uname", &["-n"]));
        assert_eq!(inv.kernel, tool("uname", &["-r"]));
        assert_eq!(inv.arch, tool("uname", &["-m"]), "the machine's architecture");
        assert_eq!(inv.mem_total_bytes, meminfo_total_kib() * 1024);
        assert_eq!(inv.cpu_threads.to_string(), tool("getconf", &["_NPROCESSORS_ONLN"]));
        assert!(inv.cpu_cores >= 1 && inv.cpu_cores <= inv.cpu_threads);
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap();
        if let Some(model) = cpuinfo.lines().find_map(|l| l.strip_prefix("model name")) {
            assert_eq!(inv.cpu_model, model.trim_start_matches([' ', '\t', ':']).trim(), "/proc/cpuinfo's model name");
        }
        assert!(!inv.cpu_model.is_empty());
        assert!(inv.interfaces.iter().all(|i| i.name != "lo"));
        let release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
        if release.contains("ID=debian") {
            assert_eq!(inv.os_name, "Debian GNU/Linux");
            assert!(os_description().starts_with("Debian GNU/Linux"));
            assert_eq!(inv.package_manager, "dpkg");
            assert!(inv.packages.len() > 50, "{} packages", inv.packages.len());
        }
    }
}
