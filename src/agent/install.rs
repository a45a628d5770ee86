//! `steward agent install`: writes the systemd unit that runs the agent, and starts it.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::AgentError;

pub const UNIT_NAME: &str = "steward-agent.service";

/// The unit file's text.
pub fn unit(binary: &Path, state_dir: &Path, server: &str) -> String {
    format!(
        "[Unit]
Description=Steward agent (reports to {server})
Documentation=steward agent --help
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart={binary} agent run --state-dir {state_dir}
Restart=always
RestartSec=10
# Exit code 3: the server revoked this device. Restarting would only be refused again; the agent
# stays stopped until the machine is enrolled anew.
RestartPreventExitStatus=3
# A monitoring agent should never compete with the work the machine is for.
Nice=10
IOSchedulingClass=idle
KillSignal=SIGTERM
TimeoutStopSec=30

# Sandboxing. The agent keeps running as root (remote jobs will install packages), but it may
# change only what its job needs:
# - the file system is read-only except its state folder and the package managers' caches
#   (dnf refreshes its metadata when asked for updates); remote package installs will need
#   ProtectSystem=full instead of strict;
ProtectSystem=strict
ReadWritePaths={state_dir} -/var/cache/dnf -/var/lib/dnf -/var/cache/apt
# - home folders stay visible read-only, so a separate /home file system is still measured;
ProtectHome=read-only
PrivateTmp=yes
# - nothing it runs (smartctl, apt, dnf) needs setuid or new privileges;
NoNewPrivileges=yes
RestrictSUIDSGID=yes
# - /proc and /sys stay readable (metrics, DMI, temperatures), but kernel settings, modules and
#   logs, control groups, the clock and the hostname cannot be changed;
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
# - IPv4/IPv6 to reach the server, Unix sockets for systemctl (watched services), netlink to
#   list network interfaces;
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK
RestrictNamespaces=yes
RestrictRealtime=yes
LockPersonality=yes
SystemCallArchitectures=native
# Not used, on purpose: PrivateDevices (smartctl reads the disks in /dev), ProtectProc=invisible
# (top processes need every process in /proc), a CapabilityBoundingSet (smartctl needs
# CAP_SYS_RAWIO and CAP_SYS_ADMIN for NVMe; package installs need most of root's), and
# MemoryDenyWriteExecute (it would also bind the package managers and scripts the agent runs).

[Install]
WantedBy=multi-user.target
",
        binary = binary.display(),
        state_dir = state_dir.display(),
    )
}

/// Writes the unit into `unit_dir` and, when `start`, enables and starts it with systemctl.
pub fn install(binary: &Path, state_dir: &Path, unit_dir: &Path, start: bool) -> Result<PathBuf, AgentError> {
    let enrollment = super::Enrollment::load(state_dir)?;
    let binary = std::fs::canonicalize(binary)
        .map_err(|e| AgentError::Usage(format!("cannot find the agent executable {}: {e}", binary.display())))?;
    let state_dir =
        std::fs::canonicalize(state_dir).map_err(|source| AgentError::Io { path: state_dir.to_owned(), source })?;
    let path = unit_dir.join(UNIT_NAME);
    std::fs::create_dir_all(unit_dir).map_err(|source| AgentError::Io { path: unit_dir.to_owned(), source })?;
    std::fs::write(&path, unit(&binary, &state_dir, &enrollment.server))
        .map_err(|source| AgentError::Io { path: path.clone(), source })?;
    if start {
        for args in [&["daemon-reload"][..], &["enable", "--now", UNIT_NAME][..]] {
            let status = Command::new("systemctl")
                .args(args)
                .status()
                .map_err(|e| AgentError::Usage(format!("cannot run systemctl ({e}); is this a systemd machine? Use --no-start and start `steward agent run` another way")))?;
            if !status.success() {
                return Err(AgentError::Usage(format!("systemctl {} failed ({status})", args.join(" "))));
            }
        }
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_runs_the_agent_with_its_state_folder() {
        let text = unit(Path::new("/usr/local/bin/steward"), Path::new("/var/lib/steward-agent"), "https://rmm:8443");
        assert!(text.contains("ExecStart=/usr/local/bin/steward agent run --state-dir /var/lib/steward-agent"));
        assert!(text.contains("Restart=always"));
        assert!(text.contains("WantedBy=multi-user.target"));
        assert!(text.contains("RestartPreventExitStatus=3"), "a revoked agent is not restarted");
        assert_eq!(super::super::EXIT_REVOKED, 3);
        assert!(text.contains("ProtectSystem=strict\nReadWritePaths=/var/lib/steward-agent "), "{text}");
        assert!(text.contains("NoNewPrivileges=yes") && text.contains("PrivateTmp=yes"));
        assert!(!text.contains("\nUser="), "stays root");
        assert!(!text.contains("\nPrivateDevices="), "smartctl needs the disks");
    }
}
