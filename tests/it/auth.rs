//! Logging in, sessions, CSRF, API keys, and that every API route refuses strangers.

use serde_json::{Value, json};

use crate::common::{Session, TestServer};

#[tokio::test]
async fn first_start_prints_an_admin_password_that_logs_in() {
    let server = TestServer::start();
    assert_eq!(server.admin_password.len(), 20, "printed password: {:?}", server.stdout.lock().unwrap());
    assert!(server.url.starts_with("https://127.0.0.1:"), "{}", server.url);
    assert_eq!(server.fingerprint.split(':').count(), 32, "fingerprint printed: {}", server.fingerprint);

    let admin = server.admin().await;
    let (status, me) = admin.get("/api/v1/me").await;
    assert_eq!(status, 200);
    assert_eq!(me["user"]["login"], "admin");
    assert_eq!(me["user"]["role"], "admin");
    assert_eq!(me["csrf_token"], json!(admin.csrf));

    // The data folder holds secrets: owner only.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&server.data_dir).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
}

#[tokio::test]
async fn admin_password_from_the_environment_is_used_and_not_printed() {
    let dir = tempfile::tempdir().unwrap();
    let server =
        TestServer::start_in(&dir.path().join("data"), &[("STEWARD_ADMIN_PASSWORD", "a-long-chosen-password")]);
    assert!(server.admin_password.is_empty());
    assert!(!server.stdout.lock().unwrap().iter().any(|l| l.contains("a-long-chosen-password")));
    Session::login(&server, "admin", "a-long-chosen-password").await;
}

#[tokio::test]
async fn session_cookie_is_httponly_strict_and_secure() {
    let server = TestServer::start();
    let res = server
        .client()
        .post(format!("{}/auth/login", server.url))
        .json(&json!({ "login": "admin", "password": server.admin_password }))
        .send()
        .await
        .unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    for attr in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(cookie.contains(attr), "{attr} missing in {cookie}");
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_401() {
    let server = TestServer::start();
    let client = server.client();
    let mut answers = Vec::new();
    for (login, password) in [("admin", "wrong-password"), ("nobody@example.com", "wrong-password")] {
        let res = client
            .post(format!("{}/auth/login", server.url))
            .json(&json!({ "login": login, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
        assert!(res.headers().get("set-cookie").is_none(), "no session for a failed login");
        answers.push(res.json::<Value>().await.unwrap());
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0]["error"], "Wrong login or password.");
}

#[tokio::test]
async fn repeated_failures_are_throttled() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(&dir.path().join("data"), &[("STEWARD_AUTH__MAX_FAILED_LOGINS", "3")]);
    let client = server.client();
    let attempt = |password: &'static str| {
        let client = client.clone();
        let url = format!("{}/auth/login", server.url);
        async move { client.post(url).json(&json!({ "login": "admin", "password": password })).send().await.unwrap() }
    };
    for _ in 0..3 {
        assert_eq!(attempt("wrong-password").await.status(), 401);
    }
    let res = attempt("still-wrong").await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    // Even the right password waits out the lockout: guessing cannot go on in parallel.
    let right = server.admin_password.clone();
    let res = client
        .post(format!("{}/auth/login", server.url))
        .json(&json!({"login":"admin","password":right}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
}

#[tokio::test]
async fn every_api_route_needs_credentials() {
    // Every route is tried with a made-up key from this one address: more failures than the
    // per-address limit allows, which would turn the later answers into 429s.
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(dir.path(), &[("STEWARD_AUTH__MAX_FAILED_LOGINS_PER_ADDRESS", "100000")]);
    let admin = server.admin().await;
    let (status, spec) = admin.get("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    let paths = spec["paths"].as_object().unwrap();
    assert!(paths.len() >= 10, "the spec lists the API");
    let stranger = server.client();
    let mut checked = 0;
    for (path, ops) in paths {
        let concrete = path.replace("{id}", "1");
        for method in ops.as_object().unwrap().keys() {
            let m: reqwest::Method = method.to_uppercase().parse().unwrap();
            let url = format!("{}{concrete}", server.url);
            // No credentials at all.
            let res = stranger.request(m.clone(), &url).json(&json!({})).send().await.unwrap();
            assert_eq!(res.status(), 401, "{method} {path} without credentials");
            let body: Value = res.json().await.unwrap();
            assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{method} {path}: {body}");
            // A made-up API key.
            let res = stranger.request(m.clone(), &url).bearer_auth("stw_not-a-real-key").send().await.unwrap();
            assert_eq!(res.status(), 401, "{method} {path} with a bad key");
            // The route exists for a logged-in admin (anything but 404 / 405 for the route itself).
            let res = admin
                .client
                .request(m, &url)
                .header("x-csrf-token", &admin.csrf)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            assert_ne!(res.status(), 405, "{method} {path} is documented but not routed");
            checked += 1;
        }
    }
    assert!(checked >= 15);
    // Unknown routes under the API do not reveal themselves to strangers either.
    let res = stranger.get(format!("{}/api/v1/no-such-thing", server.url)).send().await.unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn unsafe_requests_from_a_session_need_the_csrf_token() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let url = format!("{}/api/v1/clients", server.url);
    let res = admin.client.post(&url).json(&json!({ "name": "Acme" })).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.json::<Value>().await.unwrap()["error"].as_str().unwrap().contains("CSRF"));
    let res =
        admin.client.post(&url).header("x-csrf-token", "forged").json(&json!({ "name": "Acme" })).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let (status, _) = admin.get("/api/v1/clients").await;
    assert_eq!(status, 200, "reads need no token");
    let (status, clients) = admin.get("/api/v1/clients").await;
    assert_eq!((status, clients["items"].as_array().unwrap().len()), (200, 0), "the refused writes wrote nothing");
}

#[tokio::test]
async fn api_keys_work_as_bearer_tokens_until_revoked_and_are_hashed_at_rest() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (status, made) = admin.post("/api/v1/api-keys", json!({ "name": "billing export" })).await;
    assert_eq!(status, 201);
    let key = made["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("stw_"));

    let client = server.client();
    let res = client.get(format!("{}/api/v1/me", server.url)).bearer_auth(&key).send().await.unwrap();
    assert_eq!(res.status(), 200);
    // API keys need no CSRF token: they are not ambient like cookies.
    let res = client
        .post(format!("{}/api/v1/clients", server.url))
        .bearer_auth(&key)
        .json(&json!({"name":"Acme"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    // The database holds no copy of the key or the password.
    let db = std::fs::read(server.db_path()).unwrap_or_default();
    let wal = std::fs::read(server.data_dir.join("steward.db-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(!contains(bytes, key.as_bytes()), "API key stored in clear");
        assert!(!contains(bytes, server.admin_password.as_bytes()), "password stored in clear");
    }

    let (_, list) = admin.get("/api/v1/api-keys").await;
    assert_eq!(list["items"][0]["name"], "billing export");
    assert!(list["items"][0].get("key").is_none(), "a key is shown once, never listed");
    let id = made["id"].as_i64().unwrap();
    let (status, _) = admin.send(reqwest::Method::DELETE, &format!("/api/v1/api-keys/{id}"), json!({})).await;
    assert_eq!(status, 204);
    let res = client.get(format!("{}/api/v1/me", server.url)).bearer_auth(&key).send().await.unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn logout_ends_the_session() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (status, _) = admin.post("/auth/logout", json!({})).await;
    assert_eq!(status, 204);
    let (status, _) = admin.get("/api/v1/me").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn changing_the_password_needs_the_old_one_and_ends_other_sessions() {
    let server = TestServer::start();
    let first = server.admin().await;
    let second = server.admin().await;
    let (status, body) = first
        .post("/api/v1/me/password", json!({ "current_password": "wrong-one", "new_password": "a-new-long-password" }))
        .await;
    assert_eq!((status, body["detail"]["field"].as_str()), (403, Some("current_password")));
    let (status, body) = first
        .post("/api/v1/me/password", json!({ "current_password": server.admin_password, "new_password": "short" }))
        .await;
    assert_eq!((status, body["detail"]["field"].as_str()), (400, Some("new_password")));
    let (status, _) = first
        .post(
            "/api/v1/me/password",
            json!({ "current_password": server.admin_password, "new_password": "a-new-long-password" }),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(first.get("/api/v1/me").await.0, 200, "the session that changed it stays");
    assert_eq!(second.get("/api/v1/me").await.0, 401, "other sessions end");
    Session::login(&server, "admin", "a-new-long-password").await;
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
