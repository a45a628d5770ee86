//! Running the package managers and smartctl: found on a fixed search path, in the C locale, with a
//! deadline after which the command and everything it started are killed.
//!
//! The deadline covers the output pipes too: a command that exits but leaves a child holding its
//! stdout open counts as timed out, so the collector can never wait forever.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::agent::platform;

/// Output beyond this is read and discarded: enough for 100 000 packages, small enough that a
/// runaway command cannot balloon the agent's memory.
const MAX_OUTPUT: u64 = 32 * 1024 * 1024;

/// After a kill, how long to wait for the process to be reaped before giving up on it (a process
/// stuck in the kernel, e.g. on a dying disk, ignores SIGKILL until the kernel lets go).
const REAP_GRACE: Duration = Duration::from_secs(2);

/// Where services keep their tools; a service manager's PATH may lack the sbin folders where
/// smartctl lives.
const FALLBACK_PATH: &[&str] = &["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("{program} could not be started: {source}")]
    Spawn { program: String, source: std::io::Error },
    #[error("{program} did not finish within {secs} seconds and was stopped")]
    TimedOut { program: String, secs: u64 },
}

/// What a finished command printed. `code` is None when a signal ended it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandOutput {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl CommandOutput {
    /// The last non-empty line of stderr (where apt, dnf and rpm put the reason they failed),
    /// else of stdout.
    pub fn reason(&self) -> String {
        let last = |s: &str| s.lines().rev().map(str::trim).find(|l| !l.is_empty()).map(str::to_owned);
        last(&self.stderr).or_else(|| last(&self.stdout)).unwrap_or_else(|| match self.code {
            Some(code) => format!("exit status {code}"),
            None => "killed by a signal".to_owned(),
        })
    }
}

/// Finds an executable by name on PATH, then in the usual system folders.
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path_var = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path_var)
        .chain(FALLBACK_PATH.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Runs `program args` with stdin closed and `LC_ALL=C` (tools' messages are parsed, so they must
/// not be translated), returning its output whatever its exit code.
pub fn run(program: &Path, args: &[&str], timeout: Duration) -> Result<CommandOutput, CommandError> {
    let name = program.file_name().unwrap_or(program.as_os_str()).to_string_lossy().into_owned();
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("LC_ALL", "C")
        .env("LANG", "C")
        .env("DEBIAN_FRONTEND", "noninteractive");
    platform::own_process_group(&mut cmd);
    let mut child = cmd.spawn().map_err(|source| CommandError::Spawn { program: name.clone(), source })?;
    let deadline = Instant::now() + timeout;
    let timed_out = || CommandError::TimedOut { program: name.clone(), secs: timeout.as_secs() };

    let (tx, rx) = mpsc::channel();
    let readers = [
        child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>),
        child.stderr.take().map(|p| Box::new(p) as _),
    ];
    for (which, pipe) in readers.into_iter().enumerate() {
        let Some(pipe) = pipe else { continue };
        let tx = tx.clone();
        let spawned =
            std::thread::Builder::new().name("command-output".into()).stack_size(64 * 1024).spawn(move || {
                let _ = tx.send((which, read_bounded(pipe)));
            });
        if let Err(source) = spawned {
            stop(&mut child);
            return Err(CommandError::Spawn { program: name, source });
        }
    }
    drop(tx);

    let Some(status) = wait_until(&mut child, deadline) else {
        stop(&mut child);
        return Err(timed_out());
    };
    let mut output = CommandOutput { code: status.code(), ..CommandOutput::default() };
    for _ in 0..2 {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((0, text)) => output.stdout = text,
            Ok((_, text)) => output.stderr = text,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            // The child is reaped, so its group id may be reused: the reader threads are left to
            // finish when whatever holds the pipe exits.
            Err(mpsc::RecvTimeoutError::Timeout) => return Err(timed_out()),
        }
    }
    Ok(output)
}

fn read_bounded(pipe: Box<dyn Read + Send>) -> String {
    let mut buf = Vec::new();
    let mut limited = pipe.take(MAX_OUTPUT);
    let _ = limited.read_to_end(&mut buf);
    // Keep draining so the command does not block on a full pipe; the surplus is dropped.
    let _ = std::io::copy(&mut limited.into_inner(), &mut std::io::sink());
    String::from_utf8_lossy(&buf).into_owned()
}

/// Polls for the child's exit, at first often (most commands take milliseconds), then every
/// 200 ms: a minute-long apt run costs a few hundred wake-ups.
fn wait_until(child: &mut Child, deadline: Instant) -> Option<ExitStatus> {
    let mut pause = Duration::from_millis(5);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "cannot wait for a command");
                return None;
            }
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}

/// Kills the child's process group while the child is still unreaped, then reaps it if the
/// kernel lets it die within `REAP_GRACE`.
fn stop(child: &mut Child) {
    platform::kill_process_group(child);
    let _ = child.kill();
    let _ = wait_until(child, Instant::now() + REAP_GRACE);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_and_exit_code_are_returned() {
        let sh = find_program("sh").expect("sh on PATH");
        let out = run(&sh, &["-c", "echo out; echo err >&2; exit 3"], Duration::from_secs(10)).unwrap();
        assert_eq!(out, CommandOutput { code: Some(3), stdout: "out\n".into(), stderr: "err\n".into() });
        assert_eq!(out.reason(), "err");
    }

    #[test]
    fn the_c_locale_is_set() {
        let sh = find_program("sh").unwrap();
        let out = run(&sh, &["-c", "echo $LC_ALL"], Duration::from_secs(10)).unwrap();
        assert_eq!(out.stdout, "C\n");
    }

    #[test]
    fn a_hanging_command_and_its_children_are_killed_at_the_deadline() {
        let sh = find_program("sh").unwrap();
        let started = Instant::now();
        // The background sleep holds stdout open after sh is killed; the group kill ends it too.
        let err = run(&sh, &["-c", "sleep 30 & sleep 30"], Duration::from_millis(300)).unwrap_err();
        assert!(matches!(err, CommandError::TimedOut { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    }

    #[test]
    fn a_child_left_holding_the_output_counts_as_timed_out() {
        let sh = find_program("sh").unwrap();
        let started = Instant::now();
        let err = run(&sh, &["-c", "sleep 3 & echo started"], Duration::from_millis(500)).unwrap_err();
        assert!(matches!(err, CommandError::TimedOut { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    }

    #[test]
    fn missing_programs_are_not_found() {
        assert!(find_program("steward-no-such-tool").is_none());
        assert!(matches!(
            run(Path::new("/nonexistent/tool"), &[], Duration::from_secs(1)),
            Err(CommandError::Spawn { .. })
        ));
    }
}
