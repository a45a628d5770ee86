//! The server's TLS certificate: made once on first start (self-signed mode) and kept in the data
//! folder, or read from files. Its SHA-256 fingerprint is what agents pin at enrollment.

use std::path::{Path, PathBuf};

use crate::config::{TlsConfig, TlsMode};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("{path} holds no PEM certificate")]
    NoCertificate { path: PathBuf },
    #[error("cannot make a self-signed certificate: {0}")]
    Generate(String),
    #[error(
        "tls rotate works in self-signed mode only (tls.mode is {0:?}); with certificate files, renew them keeping \
         the key (agents pin the public key), or let agents enrolled without --fingerprint trust the system's CAs"
    )]
    NotSelfSigned(String),
    #[error("there is no next key to switch to; run `steward admin tls rotate` first and let the agents check in")]
    NothingToActivate,
}

/// Files of the self-signed mode, inside `<data dir>/tls`: the key in use, the next one made by
/// `steward admin tls rotate` (announced to agents until it is activated), and the one before.
const CERT: &str = "cert.pem";
const KEY: &str = "key.pem";
const NEXT_CERT: &str = "next-cert.pem";
const NEXT_KEY: &str = "next-key.pem";
const PREVIOUS_CERT: &str = "previous-cert.pem";
const PREVIOUS_KEY: &str = "previous-key.pem";

/// A certificate chain and key, PEM-encoded, with the leaf's fingerprint.
pub struct ServerCert {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
    /// SHA-256 of the leaf certificate's DER bytes, as colon-separated upper-case hex.
    pub fingerprint: String,
    /// SHA-256 of the public key, base64, for `curl --pinnedpubkey`.
    pub spki_pin: String,
    pub cert_path: PathBuf,
    /// The SPKI pin of the next key (`steward admin tls rotate`), which agents are told ahead.
    pub next_pin: Option<String>,
}

/// Loads (or, in self-signed mode on first start, makes) the certificate. `None` when TLS is off.
pub fn load_or_create(tls: &TlsConfig, data_dir: &Path, hostnames: &[String]) -> Result<Option<ServerCert>, TlsError> {
    let mut next_pin = None;
    let (cert_path, key_path) = match tls.mode {
        TlsMode::Off => return Ok(None),
        TlsMode::Files => (tls.cert_file.clone(), tls.key_file.clone()),
        TlsMode::SelfSigned => {
            let dir = data_dir.join("tls");
            let cert = dir.join(CERT);
            let key = dir.join(KEY);
            if !cert.exists() || !key.exists() {
                create_self_signed(&dir, &cert, &key, hostnames)?;
            }
            if let Ok(pem) = std::fs::read(dir.join(NEXT_CERT)) {
                next_pin = first_certificate_der(&pem).and_then(|der| spki_pin(&der));
            }
            (cert, key)
        }
    };
    let cert_pem = std::fs::read(&cert_path).map_err(|source| TlsError::Read { path: cert_path.clone(), source })?;
    let key_pem = std::fs::read(&key_path).map_err(|source| TlsError::Read { path: key_path.clone(), source })?;
    let der = first_certificate_der(&cert_pem).ok_or_else(|| TlsError::NoCertificate { path: cert_path.clone() })?;
    let spki_pin = spki_pin(&der).ok_or_else(|| TlsError::NoCertificate { path: cert_path.clone() })?;
    Ok(Some(ServerCert { fingerprint: fingerprint(&der), spki_pin, cert_pem, key_pem, cert_path, next_pin }))
}

/// The next key's pin as agents are told it: read from `tls/next-cert.pem` when that file
/// changes (one `stat` per check-in), so `steward admin tls rotate` needs no server restart.
#[derive(Debug, Default)]
pub struct NextPin {
    /// `None` outside the self-signed mode.
    path: Option<PathBuf>,
    cached: std::sync::Mutex<Option<(std::time::SystemTime, Option<String>)>>,
}

impl NextPin {
    pub fn new(tls: &TlsConfig, data_dir: &Path) -> NextPin {
        let path = (tls.mode == TlsMode::SelfSigned).then(|| data_dir.join("tls").join(NEXT_CERT));
        NextPin { path, cached: Default::default() }
    }

    pub fn get(&self) -> Option<String> {
        let path = self.path.as_ref()?;
        let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok()?;
        let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, pin)) = cached.as_ref()
            && *at == modified
        {
            return pin.clone();
        }
        let pin = std::fs::read(path).ok().and_then(|pem| first_certificate_der(&pem)).and_then(|der| spki_pin(&der));
        *cached = Some((modified, pin.clone()));
        pin
    }
}

/// What `steward admin tls rotate` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// A next key was made (or one was waiting already); its pin is announced to agents.
    Prepared { next_pin: String, new: bool },
    /// The next key is now the key in use (from the server's next start); the old one is kept
    /// as `previous-*.pem`.
    Activated { pin: String },
}

/// Prepares the next key of the self-signed mode, or (`activate`) puts it in place of the
/// current one. The server reads its key at start, so an activation takes effect at the next
/// restart; agents that checked in since `rotate` accept the new key then.
pub fn rotate(tls: &TlsConfig, data_dir: &Path, hostnames: &[String], activate: bool) -> Result<Rotation, TlsError> {
    if tls.mode != TlsMode::SelfSigned {
        return Err(TlsError::NotSelfSigned(format!("{:?}", tls.mode).to_lowercase()));
    }
    let dir = data_dir.join("tls");
    let (next_cert, next_key) = (dir.join(NEXT_CERT), dir.join(NEXT_KEY));
    let pin_of = |path: &Path| -> Result<String, TlsError> {
        let pem = std::fs::read(path).map_err(|source| TlsError::Read { path: path.to_owned(), source })?;
        first_certificate_der(&pem)
            .and_then(|der| spki_pin(&der))
            .ok_or_else(|| TlsError::NoCertificate { path: path.to_owned() })
    };
    if !activate {
        if next_cert.exists() && next_key.exists() {
            return Ok(Rotation::Prepared { next_pin: pin_of(&next_cert)?, new: false });
        }
        create_self_signed(&dir, &next_cert, &next_key, hostnames)?;
        return Ok(Rotation::Prepared { next_pin: pin_of(&next_cert)?, new: true });
    }
    if !(next_cert.exists() && next_key.exists()) {
        return Err(TlsError::NothingToActivate);
    }
    let pin = pin_of(&next_cert)?;
    let rename = |from: &str, to: &str| {
        std::fs::rename(dir.join(from), dir.join(to)).map_err(|source| TlsError::Write { path: dir.join(to), source })
    };
    // Key first: a crash between the steps leaves a key that matches no certificate only
    // until the rename of its certificate is repeated by hand; the previous pair stays whole.
    rename(KEY, PREVIOUS_KEY)?;
    rename(CERT, PREVIOUS_CERT)?;
    rename(NEXT_KEY, KEY)?;
    rename(NEXT_CERT, CERT)?;
    Ok(Rotation::Activated { pin })
}

fn create_self_signed(dir: &Path, cert: &Path, key: &Path, hostnames: &[String]) -> Result<(), TlsError> {
    let mut names: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    for h in hostnames {
        if !h.is_empty() && !names.contains(h) {
            names.push(h.clone());
        }
    }
    let mut params = rcgen::CertificateParams::new(names).map_err(|e| TlsError::Generate(e.to_string()))?;
    params.distinguished_name.push(rcgen::DnType::CommonName, "Steward appliance");
    params.distinguished_name.push(rcgen::DnType::OrganizationName, "Steward");
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(3650);
    let key_pair = rcgen::KeyPair::generate().map_err(|e| TlsError::Generate(e.to_string()))?;
    let certificate = params.self_signed(&key_pair).map_err(|e| TlsError::Generate(e.to_string()))?;
    crate::fsutil::create_private_dir(dir).map_err(|source| TlsError::Write { path: dir.to_owned(), source })?;
    crate::fsutil::write_private_file(key, key_pair.serialize_pem().as_bytes())
        .map_err(|source| TlsError::Write { path: key.to_owned(), source })?;
    crate::fsutil::write_private_file(cert, certificate.pem().as_bytes())
        .map_err(|source| TlsError::Write { path: cert.to_owned(), source })?;
    tracing::info!(path = %cert.display(), "made a self-signed TLS certificate");
    Ok(())
}

pub use crate::certid::{fingerprint, first_certificate_der, spki_pin};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_signed_certificate_is_made_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let tls = TlsConfig::default();
        let first = load_or_create(&tls, dir.path(), &["steward.lan".into()]).unwrap().unwrap();
        let second = load_or_create(&tls, dir.path(), &[]).unwrap().unwrap();
        assert_eq!(first.fingerprint, second.fingerprint);
        assert_eq!(first.fingerprint.len(), 32 * 3 - 1);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("tls/key.pem")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "private key readable only by its owner");
    }

    #[test]
    fn rotation_prepares_a_next_key_then_puts_it_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let tls = TlsConfig::default();
        let first = load_or_create(&tls, dir.path(), &[]).unwrap().unwrap();
        assert_eq!(first.next_pin, None);
        assert!(matches!(rotate(&tls, dir.path(), &[], true), Err(TlsError::NothingToActivate)));
        let Rotation::Prepared { next_pin, new: true } = rotate(&tls, dir.path(), &[], false).unwrap() else {
            panic!("a next key is made")
        };
        assert_ne!(next_pin, first.spki_pin);
        assert_eq!(
            rotate(&tls, dir.path(), &[], false).unwrap(),
            Rotation::Prepared { next_pin: next_pin.clone(), new: false }
        );
        let announced = load_or_create(&tls, dir.path(), &[]).unwrap().unwrap();
        assert_eq!(
            (announced.spki_pin.as_str(), announced.next_pin.as_deref()),
            (first.spki_pin.as_str(), Some(next_pin.as_str()))
        );
        assert_eq!(rotate(&tls, dir.path(), &[], true).unwrap(), Rotation::Activated { pin: next_pin.clone() });
        let after = load_or_create(&tls, dir.path(), &[]).unwrap().unwrap();
        assert_eq!((after.spki_pin, after.next_pin), (next_pin, None));
        let files = TlsConfig { mode: TlsMode::Files, ..TlsConfig::default() };
        assert!(rotate(&files, dir.path(), &[], false).unwrap_err().to_string().contains("self-signed mode only"));
    }
}
