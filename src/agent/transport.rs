//! How the agent talks to its server: HTTPS that trusts the server's public key pinned at
//! enrollment (and the next key the server announced), or, for an agent enrolled without a
//! fingerprint, the system's CAs with the server's name checked.
//!
//! The pin is the SHA-256 of the certificate's SubjectPublicKeyInfo, not of the certificate: a
//! certificate renewed with the same key keeps working, and a planned key change is followed by
//! pinning the next key ahead of time. A state file from before (a leaf certificate's SHA-256)
//! is still accepted; the first connection that shows that certificate tells the agent its key's
//! pin, which replaces the old fingerprint.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::auth::sha256;

/// Where the pin (SPKI SHA-256, base64) of the key a server showed is kept, after a handshake.
pub type SeenPin = Arc<Mutex<Option<String>>>;

/// Where Debian, Ubuntu, Fedora and friends keep the system's trusted CAs.
const SYSTEM_CA_FILES: &[&str] =
    &["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"];

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("{0:?} is not a SHA-256 fingerprint (64 hex digits, colons allowed)")]
    BadFingerprint(String),
    #[error(
        "no trusted CA certificates were found on this machine; pass --fingerprint with the SHA-256 \
         fingerprint the server prints at start"
    )]
    NoSystemRoots,
    #[error("cannot set up HTTPS: {0}")]
    Setup(String),
}

/// Parses `AB:CD:...` or plain hex into the 32 bytes of a SHA-256 fingerprint.
pub fn parse_fingerprint(text: &str) -> Result<[u8; 32], TransportError> {
    let bad = || TransportError::BadFingerprint(text.to_owned());
    let hex: String =
        text.trim().trim_start_matches("sha256:").chars().filter(|c| *c != ':' && !c.is_whitespace()).collect();
    if hex.len() != 64 {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

pub fn format_fingerprint(fp: &[u8; 32]) -> String {
    fp.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

/// Parses `sha256//<base64 of 32 bytes>` (or the bare base64) into a pin, refusing anything else:
/// pins also arrive from the server, which the agent does not take on trust.
pub fn parse_pin(text: &str) -> Option<String> {
    use base64::Engine;
    let b64 = text.trim().trim_start_matches("sha256//");
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    (bytes.len() == 32).then(|| base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// What a pinned client trusts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pins {
    /// SPKI pins (base64 SHA-256) of keys accepted: the current one, and the announced next one.
    pub keys: Vec<String>,
    /// A leaf certificate's SHA-256, from a state file written before key pinning.
    pub legacy_leaf: Option<[u8; 32]>,
}

/// Accepts only a server whose key has one of the pinned SPKI hashes (or, for an old state file,
/// whose certificate has the pinned SHA-256); the signature checks below make sure it holds the
/// key. Records the pin of the key it accepted.
#[derive(Debug)]
struct Pinned {
    pins: Pins,
    seen: SeenPin,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let pin = crate::certid::spki_pin(end_entity.as_ref())
            .ok_or_else(|| rustls::Error::General("the server's certificate is not readable".into()))?;
        let leaf = sha256(end_entity.as_ref());
        if self.pins.keys.contains(&pin) || self.pins.legacy_leaf == Some(leaf) {
            *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(pin);
            Ok(ServerCertVerified::assertion())
        } else {
            let pinned = match self.pins.legacy_leaf {
                Some(fp) => format!("certificate {}", format_fingerprint(&fp)),
                None => format!("key sha256//{}", self.pins.keys.join(" or sha256//")),
            };
            Err(rustls::Error::General(format!(
                "the server's key (sha256//{pin}, certificate {}) is not the pinned one ({pinned})",
                format_fingerprint(&leaf)
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

fn provider() -> Arc<CryptoProvider> {
    CryptoProvider::get_default().cloned().unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()))
}

fn client_with(verifier: Arc<dyn ServerCertVerifier>, timeout: Duration) -> Result<reqwest::Client, TransportError> {
    let tls = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TransportError::Setup(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(10))
        .user_agent(format!("steward-agent/{}", crate::VERSION))
        .build()
        .map_err(|e| TransportError::Setup(e.to_string()))
}

/// A client that trusts only the pinned keys; the returned slot holds the pin of the key the
/// server showed, once a request has been made.
pub fn pinned_client(pins: Pins, timeout: Duration) -> Result<(reqwest::Client, SeenPin), TransportError> {
    let seen = SeenPin::default();
    Ok((client_with(Arc::new(Pinned { pins, seen: seen.clone(), provider: provider() }), timeout)?, seen))
}

/// A client that trusts the system's CAs and checks the server's name, as a browser does.
pub fn system_roots_client(timeout: Duration) -> Result<reqwest::Client, TransportError> {
    let mut roots = RootCertStore::empty();
    for path in SYSTEM_CA_FILES {
        if let Ok(iter) = CertificateDer::pem_file_iter(path) {
            for cert in iter.flatten() {
                let _ = roots.add(cert);
            }
        }
    }
    if roots.is_empty() {
        return Err(TransportError::NoSystemRoots);
    }
    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
        .build()
        .map_err(|e| TransportError::Setup(e.to_string()))?;
    client_with(verifier, timeout)
}

/// A client for a plain-HTTP server (TLS terminated elsewhere, or a lab).
pub fn plain_client(timeout: Duration) -> Result<reqwest::Client, TransportError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(10))
        .user_agent(format!("steward-agent/{}", crate::VERSION))
        .build()
        .map_err(|e| TransportError::Setup(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_parse_in_both_spellings() {
        let colon = "AB:".repeat(31) + "AB";
        let plain = "ab".repeat(32);
        assert_eq!(parse_fingerprint(&colon).unwrap(), [0xAB; 32]);
        assert_eq!(parse_fingerprint(&plain).unwrap(), [0xAB; 32]);
        assert_eq!(format_fingerprint(&[0xAB; 32]), colon);
        assert!(parse_fingerprint("AB:CD").is_err());
        assert!(parse_fingerprint(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn pins_are_32_byte_hashes_and_nothing_else() {
        use base64::Engine;
        let pin = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert_eq!(parse_pin(&format!("sha256//{pin}")).as_deref(), Some(pin.as_str()));
        assert_eq!(parse_pin(&pin).as_deref(), Some(pin.as_str()));
        assert_eq!(parse_pin(&base64::engine::general_purpose::STANDARD.encode([7u8; 31])), None);
        assert_eq!(parse_pin("not base64 at all \u{202e}"), None);
        assert_eq!(parse_pin(""), None);
    }
}
