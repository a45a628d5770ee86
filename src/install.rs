//! How an agent gets onto a machine: the file name the server offers its build under, and the
//! one line a technician pastes, which trusts only this server's key.

use crate::certid::TlsIdentity;

/// The file name the server's own build is offered under.
pub fn binary_name() -> String {
    format!("steward-linux-{}", std::env::consts::ARCH)
}

/// The curl options that make a download trust only this server's key.
pub fn curl_tls(identity: Option<&TlsIdentity>) -> String {
    match identity {
        // --insecure skips the CA check a self-signed certificate would fail; the pin still
        // makes curl refuse any other key, so this is stricter than the CA check, not looser.
        Some(id) => format!("--insecure --pinnedpubkey 'sha256//{}'", id.spki_pin),
        None => String::new(),
    }
}

/// The one line that installs an agent with `token`.
pub fn install_command(public_url: &str, identity: Option<&TlsIdentity>, token: &str) -> String {
    let tls = curl_tls(identity);
    let tls = if tls.is_empty() { String::new() } else { format!("{tls} ") };
    format!("curl -fsSL {tls}'{public_url}/install.sh' | sudo sh -s -- --token '{token}'")
}
