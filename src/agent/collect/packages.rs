//! Installed software, from dpkg on Debian-family systems and rpm on Red Hat-family ones.

use std::time::Duration;

use super::command::{find_program, run};
use crate::protocol::Package;

const TIMEOUT: Duration = Duration::from_secs(120);

/// The package manager ("dpkg", "rpm" or "") and its installed packages, sorted by name.
///
/// dpkg is asked first: an rpm binary on a Debian system (it is packaged there) has an empty
/// database, while dpkg-query on a Red Hat system does not exist.
pub fn installed() -> (String, Vec<Package>) {
    if let Some(dpkg) = find_program("dpkg-query") {
        // ${Package} rather than ${binary:Package}: the latter appends ":amd64" to every
        // Multi-Arch: same library, which is noise in an inventory.
        let format = "${Status}\t${Package}\t${Version}\n";
        return ("dpkg".into(), query(&dpkg, &["-W", "-f", format], parse_dpkg));
    }
    if let Some(rpm) = find_program("rpm") {
        return ("rpm".into(), query(&rpm, &["-qa", "--qf", "%{NAME}\t%{VERSION}-%{RELEASE}\n"], parse_rpm));
    }
    (String::new(), Vec::new())
}

fn query(program: &std::path::Path, args: &[&str], parse: fn(&str) -> Vec<Package>) -> Vec<Package> {
    match run(program, args, TIMEOUT) {
        Ok(out) if out.code == Some(0) => parse(&out.stdout),
        Ok(out) => {
            tracing::warn!(program = %program.display(), reason = %out.reason(), "listing installed packages failed");
            Vec::new()
        }
        Err(e) => {
            tracing::warn!(error = %e, "listing installed packages failed");
            Vec::new()
        }
    }
}

/// Lines of `dpkg-query -W -f '${Status}\t${Package}\t${Version}\n'`. Only packages whose status
/// ends in "installed" count: dpkg also remembers removed packages whose configuration files
/// remain ("deinstall ok config-files"). A library installed for two architectures is one entry.
pub fn parse_dpkg(text: &str) -> Vec<Package> {
    let mut list: Vec<Package> = text
        .lines()
        .filter_map(|line| {
            let mut f = line.split('\t');
            let (status, name, version) = (f.next()?, f.next()?, f.next()?);
            (status.split_whitespace().last() == Some("installed") && !name.is_empty())
                .then(|| Package { name: name.to_owned(), version: version.to_owned() })
        })
        .collect();
    list.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
    list.dedup();
    list
}

/// Lines of `rpm -qa --qf '%{NAME}\t%{VERSION}-%{RELEASE}\n'`.
pub fn parse_rpm(text: &str) -> Vec<Package> {
    let mut list: Vec<Package> = text
        .lines()
        .filter_map(|line| {
            let (name, version) = line.split_once('\t')?;
            (!name.is_empty()).then(|| Package { name: name.to_owned(), version: version.trim().to_owned() })
        })
        .collect();
    list.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
    list.dedup();
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(name: &str, version: &str) -> Package {
        Package { name: name.into(), version: version.into() }
    }

    #[test]
    fn dpkg_lists_installed_packages_only() {
        let text = "install ok installed\tadduser\t3.134\n\
                    install ok installed\tlibc6\t2.36-9+deb12u4\n\
                    install ok installed\tlibc6\t2.36-9+deb12u4\n\
                    deinstall ok config-files\tlinux-image-6.1.0-9-amd64\t6.1.27-1\n\
                    hold ok installed\topenssl\t3.0.11-1~deb12u2\n\
                    install ok half-configured\tbroken\t1.0\n\
                    garbage line\n";
        assert_eq!(
            parse_dpkg(text),
            vec![pkg("adduser", "3.134"), pkg("libc6", "2.36-9+deb12u4"), pkg("openssl", "3.0.11-1~deb12u2")]
        );
    }

    #[test]
    fn rpm_lines_are_name_and_version_release() {
        let text = "bash\t5.1.8-6.el9_1\nopenssl-libs\t3.0.7-25.el9_3\ngpg-pubkey\tfd431d51-4ae0493b\n\n";
        assert_eq!(
            parse_rpm(text),
            vec![
                pkg("bash", "5.1.8-6.el9_1"),
                pkg("gpg-pubkey", "fd431d51-4ae0493b"),
                pkg("openssl-libs", "3.0.7-25.el9_3")
            ]
        );
    }

    #[test]
    fn this_machine_lists_its_packages() {
        let Some(dpkg) = find_program("dpkg-query") else { return };
        let (manager, list) = installed();
        assert_eq!(manager, "dpkg");
        let out = std::process::Command::new(dpkg).args(["-W", "-f", "${Package}\n", "dpkg"]).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "dpkg");
        assert!(list.iter().any(|p| p.name == "dpkg" && !p.version.is_empty()), "{} packages", list.len());
    }
}
