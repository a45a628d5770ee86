//! TLS modes: a self-signed certificate made once and reused, certificate files, and off.

use serde_json::{Value, json};

use crate::common::{TestServer, init_tls, steward};

/// The SHA-256 of the certificate the server presents in the TLS handshake, as `AB:CD:...`.
async fn served_fingerprint(server: &TestServer) -> String {
    use sha2::Digest;
    init_tls();
    let client = reqwest::Client::builder().danger_accept_invalid_certs(true).tls_info(true).build().unwrap();
    let res = client.get(format!("{}/healthz", server.url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let info = res.extensions().get::<reqwest::tls::TlsInfo>().expect("TLS information");
    let der = info.peer_certificate().expect("the server's certificate");
    sha2::Sha256::digest(der).iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

#[tokio::test]
async fn self_signed_certificate_survives_restarts_and_files_mode_serves_given_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut first = TestServer::start_in(&data, &[]);
    let fingerprint = first.fingerprint.clone();
    assert_eq!(served_fingerprint(&first).await, fingerprint, "the printed fingerprint is the served certificate's");
    first.terminate();
    let again = TestServer::start_in(&data, &[]);
    assert_eq!(served_fingerprint(&again).await, fingerprint, "the certificate is made once and kept");
    drop(again);

    let cert = data.join("tls/cert.pem");
    let key = data.join("tls/key.pem");
    let other = dir.path().join("other");
    let env = [
        ("STEWARD_TLS__MODE", "files"),
        ("STEWARD_TLS__CERT_FILE", cert.to_str().unwrap()),
        ("STEWARD_TLS__KEY_FILE", key.to_str().unwrap()),
    ];
    let server = TestServer::start_in(&other, &env);
    assert_eq!(served_fingerprint(&server).await, fingerprint, "files mode serves the given certificate");
    assert_eq!(server.fingerprint, fingerprint, "and prints its fingerprint");
    assert!(!other.join("tls").exists(), "files mode makes no certificate of its own");
}

#[test]
fn files_mode_with_a_missing_file_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let (code, _, stderr) = steward(
        &["server", "--listen", "127.0.0.1:0", "--data-dir", dir.path().join("d").to_str().unwrap()],
        None,
        &[
            ("STEWARD_TLS__MODE", "files"),
            ("STEWARD_TLS__CERT_FILE", missing.to_str().unwrap()),
            ("STEWARD_TLS__KEY_FILE", missing.to_str().unwrap()),
        ],
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("missing.pem"), "{stderr}");
    let (code, _, stderr) = steward(&["config", "check"], None, &[("STEWARD_TLS__MODE", "files")]);
    assert_eq!(code, 2, "files mode without files is a config error");
    assert!(stderr.contains("tls.cert_file"), "{stderr}");
}

#[tokio::test]
async fn tls_off_serves_plain_http_without_secure_cookies() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(&dir.path().join("data"), &[("STEWARD_TLS__MODE", "off")]);
    assert!(server.url.starts_with("http://127.0.0.1:"), "{}", server.url);
    assert!(server.fingerprint.is_empty());
    let res = server
        .client()
        .post(format!("{}/auth/login", server.url))
        .json(&json!({ "login": "admin", "password": server.admin_password }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && !cookie.contains("Secure"), "{cookie}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user"]["login"], "admin");
}
