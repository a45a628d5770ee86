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
# A monitoring agent should never compete with the work the machine is for.
Nice=10
IOSchedulingClass=idle
KillSignal=SIGTERM
TimeoutStopSec=30

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
    }
}
