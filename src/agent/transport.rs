//! How the agent talks to its server: HTTPS that trusts exactly one certificate (the one pinned at
//! enrollment), or, for the enrollment itself without a fingerprint, the system's CAs.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::auth::sha256;

/// Where the certificate a server showed is kept, for enrollment to pin.
pub type SeenFingerprint = Arc<Mutex<Option<[u8; 32]>>>;

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

/// Accepts only a server whose certificate has the pinned SHA-256 (and that proves it holds the
/// certificate's key, which the signature checks below make sure of).
#[derive(Debug)]
struct Pinned {
    fingerprint: [u8; 32],
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
        if sha256(end_entity.as_ref()) == self.fingerprint {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(format!(
                "the server's certificate ({}) is not the pinned one ({})",
                format_fingerprint(&sha256(end_entity.as_ref())),
                format_fingerprint(&self.fingerprint)
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

/// Verifies with the system's CAs and remembers the certificate it saw, so enrollment can pin it.
#[derive(Debug)]
struct Recording {
    inner: Arc<WebPkiServerVerifier>,
    seen: SeenFingerprint,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified = self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)?;
        *self.seen.lock().expect("seen lock") = Some(sha256(end_entity.as_ref()));
        Ok(verified)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
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

/// A client that trusts only the certificate with this fingerprint.
pub fn pinned_client(fingerprint: [u8; 32], timeout: Duration) -> Result<reqwest::Client, TransportError> {
    client_with(Arc::new(Pinned { fingerprint, provider: provider() }), timeout)
}

/// A client that trusts the system's CAs; the returned slot holds the fingerprint of the
/// certificate the server showed, once a request has been made.
pub fn system_roots_client(timeout: Duration) -> Result<(reqwest::Client, SeenFingerprint), TransportError> {
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
    let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
        .build()
        .map_err(|e| TransportError::Setup(e.to_string()))?;
    let seen = Arc::new(Mutex::new(None));
    Ok((client_with(Arc::new(Recording { inner, seen: seen.clone() }), timeout)?, seen))
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
}
