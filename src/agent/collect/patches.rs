//! Pending updates, asked of apt or dnf without changing anything on the machine.
//!
//! apt: `apt list --upgradable` reads the package lists already on disk (apt's daily timer
//! refreshes them; the agent does not, as that writes system state) and names every installed
//! package with a newer candidate, including those an `upgrade` would hold back for needing a new
//! dependency. An update is a security update when a "-security" suite (Debian's
//! bookworm-security, Ubuntu's jammy-security...) offers it.
//!
//! `apt-get -s dist-upgrade` gives the same list but simulates the install order too, which cost
//! 6.6 s of CPU against 1.5 s for `apt list` on a Debian 12 VM with 119 updates; the agent has to
//! stay lighter than a node-exporter, so `apt list` it is, despite its stderr warning that its
//! output is meant for people (the format has not changed since apt 1.0).
//!
//! dnf: `dnf check-update` lists the updates, `dnf updateinfo list --security` the packages that
//! security advisories fix.

use std::collections::HashSet;
use std::time::Duration;

use super::command::{find_program, run};
use crate::protocol::{PatchState, PendingUpdate};

const TIMEOUT: Duration = Duration::from_secs(120);

/// Asks apt, else dnf; without either the state is unknown, with a sentence saying why.
pub fn patch_state() -> PatchState {
    if let Some(apt_path) = find_program("apt") {
        return apt(&apt_path);
    }
    if let Some(dnf) = find_program("dnf") {
        return dnf_state(&dnf);
    }
    PatchState {
        manager: String::new(),
        known: false,
        error: "Neither apt nor dnf was found, so pending updates cannot be determined.".into(),
        ..PatchState::default()
    }
}

fn unknown(manager: &str, error: String) -> PatchState {
    PatchState { manager: manager.into(), known: false, error, ..PatchState::default() }
}

fn known(manager: &str, updates: Vec<PendingUpdate>, error: String) -> PatchState {
    PatchState {
        manager: manager.into(),
        known: true,
        pending: u32::try_from(updates.len()).unwrap_or(u32::MAX),
        security: u32::try_from(updates.iter().filter(|u| u.security).count()).unwrap_or(u32::MAX),
        updates,
        error,
    }
}

fn apt(apt: &std::path::Path) -> PatchState {
    match run(apt, &["list", "--upgradable"], TIMEOUT) {
        Ok(out) if out.code == Some(0) => known("apt", parse_apt_list(&out.stdout), String::new()),
        Ok(out) => unknown("apt", format!("apt could not list the upgradable packages: {}", out.reason())),
        Err(e) => unknown("apt", e.to_string()),
    }
}

/// Lines of `apt list --upgradable`, e.g.
/// `libgcrypt20/oldstable,oldstable-security 1.10.1-3+deb12u1 amd64 [upgradable from: 1.10.1-3]`:
/// name, the suites offering the new version, the new version. Other lines ("Listing...") are
/// not updates.
pub fn parse_apt_list(text: &str) -> Vec<PendingUpdate> {
    let mut list = Vec::new();
    for line in text.lines() {
        if !line.contains("[upgradable from:") {
            continue;
        }
        let mut words = line.split_whitespace();
        let (Some(name_suites), Some(version)) = (words.next(), words.next()) else { continue };
        let Some((name, suites)) = name_suites.split_once('/') else { continue };
        let security = suites.split(',').any(|suite| suite.ends_with("-security"));
        list.push(PendingUpdate { name: name.to_owned(), version: version.to_owned(), security });
    }
    list
}

fn dnf_state(dnf: &std::path::Path) -> PatchState {
    // check-update exits 100 when updates are available, 0 when none, anything else on failure.
    let updates = match run(dnf, &["-q", "check-update"], TIMEOUT) {
        Ok(out) if matches!(out.code, Some(0) | Some(100)) => parse_dnf_check_update(&out.stdout),
        Ok(out) => return unknown("dnf", format!("dnf could not check for updates: {}", out.reason())),
        Err(e) => return unknown("dnf", e.to_string()),
    };
    if updates.is_empty() {
        return known("dnf", Vec::new(), String::new());
    }
    match run(dnf, &["-q", "updateinfo", "list", "--security"], TIMEOUT) {
        Ok(out) if out.code == Some(0) => known("dnf", mark_dnf_security(&updates, &out.stdout), String::new()),
        // The pending list is still right; only the security flags are missing, and the sentence
        // says so.
        Ok(out) => known(
            "dnf",
            mark_dnf_security(&updates, ""),
            format!("dnf could not list security advisories: {}", out.reason()),
        ),
        Err(e) => known("dnf", mark_dnf_security(&updates, ""), format!("dnf could not list security advisories: {e}")),
    }
}

/// One line of `dnf check-update`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnfUpdate {
    pub name: String,
    pub arch: String,
    pub version: String,
}

/// `dnf -q check-update`: "name.arch  [epoch:]version-release  repo" per update, where a long name
/// pushes the rest onto the next line. The "Obsoleting Packages" section that may follow repeats
/// packages and is not a list of updates.
pub fn parse_dnf_check_update(text: &str) -> Vec<DnfUpdate> {
    let mut list = Vec::new();
    let mut wrapped_name: Option<&str> = None;
    for line in text.lines() {
        if line.trim_start().starts_with("Obsoleting") {
            break;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (name_arch, version) = match (fields.as_slice(), wrapped_name.take()) {
            ([name_arch, version, _repo], _) => (*name_arch, *version),
            ([version, _repo], Some(name_arch)) => (name_arch, *version),
            ([name_arch], _) => {
                wrapped_name = Some(name_arch);
                continue;
            }
            _ => continue,
        };
        if let Some((name, arch)) = name_arch.rsplit_once('.')
            && !name.is_empty()
            && !arch.is_empty()
        {
            list.push(DnfUpdate { name: name.into(), arch: arch.into(), version: version.into() });
        }
    }
    list
}

/// Flags the updates that `dnf -q updateinfo list --security` names. Its lines end in the fixed
/// package's NEVRA (`RHSA-2024:0897 Important/Sec. openssl-libs-1:3.0.7-25.el9_3.x86_64`; dnf5
/// prints more columns), so every word that parses as name-version-release.arch of a pending
/// update marks it. The name is reported without its architecture unless two architectures of
/// one package are pending.
pub fn mark_dnf_security(updates: &[DnfUpdate], advisories: &str) -> Vec<PendingUpdate> {
    let secure: HashSet<(&str, &str)> = advisories.split_whitespace().filter_map(split_nevra).collect();
    let mut names: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for u in updates {
        *names.entry(u.name.as_str()).or_default() += 1;
    }
    updates
        .iter()
        .map(|u| PendingUpdate {
            name: if names[u.name.as_str()] > 1 { format!("{}.{}", u.name, u.arch) } else { u.name.clone() },
            version: u.version.clone(),
            security: secure.contains(&(u.name.as_str(), u.arch.as_str())),
        })
        .collect()
}

/// "openssl-libs-1:3.0.7-25.el9_3.x86_64" -> ("openssl-libs", "x86_64"). Versions and releases
/// never contain '-', names may.
fn split_nevra(word: &str) -> Option<(&str, &str)> {
    let (nevr, arch) = word.rsplit_once('.')?;
    let (nev, release) = nevr.rsplit_once('-')?;
    let (name, version) = nev.rsplit_once('-')?;
    let ok = !name.is_empty() && !version.is_empty() && !release.is_empty() && !arch.is_empty();
    ok.then_some((name, arch))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(name: &str, version: &str, security: bool) -> PendingUpdate {
        PendingUpdate { name: name.into(), version: version.into(), security }
    }

    /// From `apt list --upgradable` on Debian 12 (the stderr warning is not in stdout) and, for
    /// libssl3, Ubuntu 22.04.
    const APT_LIST: &str = "\
Listing...
appstream/oldstable 0.16.1-2+b1 amd64 [upgradable from: 0.16.1-2]
apt/oldstable-security 2.6.2 amd64 [upgradable from: 2.6.1]
libgcrypt20/oldstable,oldstable-security 1.10.1-3+deb12u1 amd64 [upgradable from: 1.10.1-3]
libssl3/jammy-updates,jammy-security 3.0.2-0ubuntu1.12 amd64 [upgradable from: 3.0.2-0ubuntu1.10]
login/oldstable 1:4.13+dfsg1-1+deb12u2 amd64 [upgradable from: 1:4.13+dfsg1-1+deb12u1]
tzdata/oldstable-updates 2025b-0+deb12u1 all [upgradable from: 2024a-0+deb12u1]
";

    #[test]
    fn apt_list_names_upgrades_and_flags_security_suites() {
        assert_eq!(
            parse_apt_list(APT_LIST),
            vec![
                update("appstream", "0.16.1-2+b1", false),
                update("apt", "2.6.2", true),
                update("libgcrypt20", "1.10.1-3+deb12u1", true),
                update("libssl3", "3.0.2-0ubuntu1.12", true),
                update("login", "1:4.13+dfsg1-1+deb12u2", false),
                update("tzdata", "2025b-0+deb12u1", false),
            ]
        );
        let state = known("apt", parse_apt_list(APT_LIST), String::new());
        assert_eq!((state.pending, state.security), (6, 3));
        assert!(parse_apt_list("Listing...\n").is_empty());
    }

    const DNF_CHECK_UPDATE: &str = "
NetworkManager.x86_64                1:1.44.0-4.el9_3              baseos
kernel.x86_64                        5.14.0-362.18.1.el9_3         baseos
openssl-libs.x86_64                  1:3.0.7-25.el9_3              baseos
python3-a-package-name-long-enough-to-wrap.noarch
                                     1.2.3-4.el9                   appstream
glibc.i686                           2.34-83.el9_3.7               baseos
glibc.x86_64                         2.34-83.el9_3.7               baseos
Obsoleting Packages
grub2-tools.x86_64                   1:2.06-70.el9_3.2             baseos
    grub2-tools.x86_64               1:2.06-61.el9                 @baseos
";

    #[test]
    fn dnf_check_update_handles_wrapped_names_and_stops_at_obsoletes() {
        let list = parse_dnf_check_update(DNF_CHECK_UPDATE);
        let names: Vec<String> = list.iter().map(|u| format!("{}.{} {}", u.name, u.arch, u.version)).collect();
        assert_eq!(
            names,
            vec![
                "NetworkManager.x86_64 1:1.44.0-4.el9_3",
                "kernel.x86_64 5.14.0-362.18.1.el9_3",
                "openssl-libs.x86_64 1:3.0.7-25.el9_3",
                "python3-a-package-name-long-enough-to-wrap.noarch 1.2.3-4.el9",
                "glibc.i686 2.34-83.el9_3.7",
                "glibc.x86_64 2.34-83.el9_3.7",
            ]
        );
    }

    #[test]
    fn dnf_security_advisories_flag_exactly_the_fixed_packages() {
        let advisories = "\
RHSA-2024:0897 Important/Sec.  kernel-5.14.0-362.18.1.el9_3.x86_64
RHSA-2024:0310 Moderate/Sec.   openssl-libs-1:3.0.7-25.el9_3.x86_64
RHSA-2024:0627 Moderate/Sec.   glibc-2.34-83.el9_3.7.x86_64
";
        let marked = mark_dnf_security(&parse_dnf_check_update(DNF_CHECK_UPDATE), advisories);
        assert_eq!(
            marked,
            vec![
                update("NetworkManager", "1:1.44.0-4.el9_3", false),
                update("kernel", "5.14.0-362.18.1.el9_3", true),
                update("openssl-libs", "1:3.0.7-25.el9_3", true),
                update("python3-a-package-name-long-enough-to-wrap", "1.2.3-4.el9", false),
                update("glibc.i686", "2.34-83.el9_3.7", false),
                update("glibc.x86_64", "2.34-83.el9_3.7", true),
            ]
        );
        let state = known("dnf", marked, String::new());
        assert_eq!((state.pending, state.security), (6, 3));
    }

    #[test]
    fn dnf5_advisory_table_is_understood_too() {
        let updates = parse_dnf_check_update(
            "openssl-libs.x86_64  1:3.2.2-3.fc40  updates\nbash.x86_64  5.2.26-3.fc40  updates\n",
        );
        let advisories = "Name                   Type     Severity  Package                              Issued\n\
                          FEDORA-2024-3ab2a2d7d5 security Important openssl-libs-1:3.2.2-3.fc40.x86_64 2024-07-20 01:23:55\n";
        let marked = mark_dnf_security(&updates, advisories);
        assert!(marked[0].security && marked[0].name == "openssl-libs");
        assert!(!marked[1].security);
    }

    #[test]
    fn nevra_splits_on_the_last_dashes() {
        assert_eq!(split_nevra("openssl-libs-1:3.0.7-25.el9_3.x86_64"), Some(("openssl-libs", "x86_64")));
        assert_eq!(split_nevra("Important/Sec."), None);
        assert_eq!(split_nevra("RHSA-2024:0897"), None);
        assert_eq!(split_nevra("2024-07-20"), None);
    }

    /// This Debian machine has apt and package lists: the state is known, and it names the
    /// packages `apt list --upgradable` names, with as many from a security suite.
    #[test]
    fn this_machine_reports_what_apt_lists() {
        let Some(apt) = find_program("apt") else { return };
        let state = patch_state();
        assert_eq!(state.manager, "apt");
        assert!(state.known, "{}", state.error);
        let out = std::process::Command::new(apt).args(["list", "--upgradable"]).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        // "name/suite[,suite] version arch [upgradable from: old]"; "Listing..." comes first.
        let lines: Vec<&str> = text.lines().filter(|l| l.contains('/') && l.contains(" [upgradable from: ")).collect();
        let mut listed: Vec<&str> = lines.iter().map(|l| &l[..l.find('/').unwrap()]).collect();
        let mut reported: Vec<&str> = state.updates.iter().map(|u| u.name.as_str()).collect();
        listed.sort_unstable();
        reported.sort_unstable();
        assert_eq!(reported, listed);
        assert_eq!(state.pending as usize, listed.len());
        let from_security = lines.iter().filter(|l| l.split_whitespace().next().unwrap().contains("-security")).count();
        assert_eq!(state.security as usize, from_security, "{text}");
    }
}
