//! How a TLS certificate is named: its SHA-256 fingerprint, and the SHA-256 of its public key
//! (SPKI), which agents and installers pin. Pure, so both the server and the agent use it.

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

/// What agents and installers pin.
#[derive(Debug, Clone)]
pub struct TlsIdentity {
    /// SHA-256 of the certificate, `AB:CD:...`.
    pub fingerprint: String,
    /// SHA-256 of the public key (SPKI), base64, as `curl --pinnedpubkey sha256//...` wants it.
    pub spki_pin: String,
}

#[cfg(test)]
mod tests {
    use super::*;

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
