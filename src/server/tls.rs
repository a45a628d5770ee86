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
}

/// A certificate chain and key, PEM-encoded, with the leaf's fingerprint.
pub struct ServerCert {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
    /// SHA-256 of the leaf certificate's DER bytes, as colon-separated upper-case hex.
    pub fingerprint: String,
    /// SHA-256 of the public key, base64, for `curl --pinnedpubkey`.
    pub spki_pin: String,
    pub cert_path: PathBuf,
}

/// Loads (or, in self-signed mode on first start, makes) the certificate. `None` when TLS is off.
pub fn load_or_create(tls: &TlsConfig, data_dir: &Path, hostnames: &[String]) -> Result<Option<ServerCert>, TlsError> {
    let (cert_path, key_path) = match tls.mode {
        TlsMode::Off => return Ok(None),
        TlsMode::Files => (tls.cert_file.clone(), tls.key_file.clone()),
        TlsMode::SelfSigned => {
            let dir = data_dir.join("tls");
            let cert = dir.join("cert.pem");
            let key = dir.join("key.pem");
            if !cert.exists() || !key.exists() {
                create_self_signed(&dir, &cert, &key, hostnames)?;
            }
            (cert, key)
        }
    };
    let cert_pem = std::fs::read(&cert_path).map_err(|source| TlsError::Read { path: cert_path.clone(), source })?;
    let key_pem = std::fs::read(&key_path).map_err(|source| TlsError::Read { path: key_path.clone(), source })?;
    let der = first_certificate_der(&cert_pem).ok_or_else(|| TlsError::NoCertificate { path: cert_path.clone() })?;
    let spki_pin = spki_pin(&der).ok_or_else(|| TlsError::NoCertificate { path: cert_path.clone() })?;
    Ok(Some(ServerCert { fingerprint: fingerprint(&der), spki_pin, cert_pem, key_pem, cert_path }))
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

/// The DER bytes of the first `CERTIFICATE` block in a PEM file.
pub fn first_certificate_der(pem: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine;
    let text = std::str::from_utf8(pem).ok()?;
    let start = text.find("-----BEGIN CERTIFICATE-----")? + "-----BEGIN CERTIFICATE-----".len();
    let end = start + text[start..].find("-----END CERTIFICATE-----")?;
    let b64: String = text[start..end].chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

/// The SubjectPublicKeyInfo of a DER certificate, hashed with SHA-256 and base64-encoded: the
/// form `curl --pinnedpubkey sha256//...` checks.
pub fn spki_pin(cert_der: &[u8]) -> Option<String> {
    use base64::Engine;
    let spki = subject_public_key_info(cert_der)?;
    Some(base64::engine::general_purpose::STANDARD.encode(crate::auth::sha256(spki)))
}

/// Walks just enough DER to find the SubjectPublicKeyInfo: Certificate → TBSCertificate →
/// [version], serial, signature, issuer, validity, subject, subjectPublicKeyInfo.
fn subject_public_key_info(cert_der: &[u8]) -> Option<&[u8]> {
    let (_, cert, _) = der_element(cert_der)?;
    let (_, tbs, _) = der_element(cert)?;
    let mut rest = tbs;
    let (tag, _, after) = der_element_whole(rest)?;
    if tag == 0xA0 {
        rest = after; // explicit version
    }
    for _ in 0..5 {
        rest = der_element_whole(rest)?.2;
    }
    let (tag, whole, _) = der_element_whole(rest)?;
    (tag == 0x30).then_some(whole)
}

/// (tag, contents, rest) of the DER element at the start of `data`.
fn der_element(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (tag, whole, rest) = der_element_whole(data)?;
    let header = der_header_len(whole)?;
    Some((tag, &whole[header..], rest))
}

/// (tag, the whole element with its header, rest).
fn der_element_whole(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *data.first()?;
    let header = der_header_len(data)?;
    let len = der_length(data)?;
    let end = header.checked_add(len)?;
    (end <= data.len()).then(|| (tag, &data[..end], &data[end..]))
}

fn der_header_len(data: &[u8]) -> Option<usize> {
    let first = *data.get(1)?;
    Some(if first < 0x80 { 2 } else { 2 + (first & 0x7f) as usize })
}

fn der_length(data: &[u8]) -> Option<usize> {
    let first = *data.get(1)?;
    if first < 0x80 {
        return Some(first as usize);
    }
    let n = (first & 0x7f) as usize;
    if n == 0 || n > 4 {
        return None;
    }
    data.get(2..2 + n)?.iter().try_fold(0usize, |acc, b| acc.checked_mul(256)?.checked_add(*b as usize))
}

/// `AB:CD:...`, the form browsers show and agents accept.
pub fn fingerprint(der: &[u8]) -> String {
    crate::auth::sha256(der).iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

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
    fn spki_pin_is_the_hash_of_the_public_key() {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["x".to_string()]).unwrap().self_signed(&key).unwrap();
        use base64::Engine;
        use rcgen::PublicKeyData;
        let expected =
            base64::engine::general_purpose::STANDARD.encode(crate::auth::sha256(&key.subject_public_key_info()));
        assert_eq!(spki_pin(cert.der()).unwrap(), expected);
        assert_eq!(spki_pin(b"not a certificate"), None);
    }
}
