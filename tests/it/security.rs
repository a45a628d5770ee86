//! Security hardening: throttling that strangers cannot turn against users, the second factor,
//! password policy, sessions and API keys that end when they should (streams included), and an
//! audit log that records every security-relevant action once.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use steward::auth::totp;

use crate::common::*;

/// The authenticator's code for `secret` at `offset` steps from now.
fn code(secret: &str, offset: i64) -> String {
    let key = totp::base32_decode(secret).unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    format!("{:06}", totp::code_at(&key, totp::step_of(now) + offset))
}

async fn login_from(server: &TestServer, login: &str, password: &str, from: &str) -> reqwest::Response {
    server
        .client()
        .post(format!("{}/auth/login", server.url))
        .header("x-forwarded-for", from)
        .json(&json!({ "login": login, "password": password }))
        .send()
        .await
        .unwrap()
}

async fn audit(admin: &Session, query: &str) -> Vec<Value> {
    let (status, body) = admin.get(&format!("/api/v1/audit?limit=500&{query}")).await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_attacked_account_still_logs_in_from_its_owners_address() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(
        dir.path(),
        &[("STEWARD_AUTH__MAX_FAILED_LOGINS", "3"), ("STEWARD_HTTP__TRUSTED_PROXIES", "127.0.0.1")],
    );
    let attacker = "198.51.100.7";
    for _ in 0..3 {
        assert_eq!(login_from(&server, "admin", "guess-guess-guess", attacker).await.status(), 401);
    }
    let res = login_from(&server, "admin", "another-guess-here", attacker).await;
    assert_eq!(res.status(), 429, "the attacker's address waits");
    assert!(res.headers().contains_key("retry-after"));
    // The attacker's address waits even with the right password, so guessing cannot go on.
    assert_eq!(login_from(&server, "admin", &server.admin_password, attacker).await.status(), 429);
    // The owner, from their own address, is not locked out.
    let res = login_from(&server, "admin", &server.admin_password, "203.0.113.5").await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

    // Every failure is in the audit log with the address the proxy saw.
    let admin = server.admin().await;
    let failed = audit(&admin, "action=login.failed").await;
    assert_eq!(failed.len(), 3, "{failed:?}");
    assert!(failed.iter().all(|e| e["source"] == attacker && e["actor"] == "admin"), "{failed:?}");
}

#[tokio::test]
async fn forwarded_addresses_from_strangers_are_not_believed() {
    // No trusted proxies: an attacker who writes a new X-Forwarded-For each time is still one address.
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(dir.path(), &[("STEWARD_AUTH__MAX_FAILED_LOGINS", "3")]);
    for i in 0..3 {
        let res = login_from(&server, "admin", "guess-guess-guess", &format!("192.0.2.{i}")).await;
        assert_eq!(res.status(), 401);
    }
    assert_eq!(login_from(&server, "admin", "guess-guess-guess", "192.0.2.99").await.status(), 429);
}

#[tokio::test]
async fn totp_is_set_up_with_a_qr_code_and_logins_then_need_a_code_or_a_recovery_code_once() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (status, body) = admin.post("/api/v1/me/mfa/totp", json!({ "current_password": "not-my-password" })).await;
    assert_eq!((status, body["detail"]["field"].as_str()), (403, Some("current_password")), "{body}");
    let (status, setup) = admin.post("/api/v1/me/mfa/totp", json!({ "current_password": server.admin_password })).await;
    assert_eq!(status, 200, "{setup}");
    let secret = setup["secret"].as_str().unwrap().to_owned();
    assert!(setup["qr_code"].as_str().unwrap().starts_with("data:image/svg+xml;base64,"));
    assert!(setup["otpauth_uri"].as_str().unwrap().contains(&format!("secret={secret}")));
    // Not in force until a code proves the phone has it.
    let (_, me) = admin.get("/api/v1/me/mfa").await;
    assert_eq!(me["totp_enabled"], false);
    let (status, body) = admin.post("/api/v1/me/mfa/totp/confirm", json!({ "code": "000000x" })).await;
    assert_eq!((status, body["detail"]["field"].as_str()), (400, Some("code")));
    // Six digits that are not the code: a failed proof, like a wrong password.
    let wrong = if code(&secret, -1) == "000000" { "111111" } else { "000000" };
    let (status, body) = admin.post("/api/v1/me/mfa/totp/confirm", json!({ "code": wrong })).await;
    assert_eq!((status, body["detail"]["field"].as_str()), (403, Some("code")), "{body}");
    let (status, body) = admin.post("/api/v1/me/mfa/totp/confirm", json!({ "code": code(&secret, -1) })).await;
    assert_eq!(status, 200, "{body}");
    let recovery: Vec<String> =
        body["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    assert_eq!(recovery.len(), 10);

    // The password alone no longer makes a session.
    let client = server.client();
    let step1 = |client: reqwest::Client| {
        let (url, password) = (format!("{}/auth/login", server.url), server.admin_password.clone());
        async move {
            let res = client.post(url).json(&json!({ "login": "admin", "password": password })).send().await.unwrap();
            assert_eq!(res.status(), 200);
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["mfa_required"], true, "{body}");
            body["mfa_token"].as_str().unwrap().to_owned()
        }
    };
    let second = |client: reqwest::Client, token: String, code: String| {
        let url = format!("{}/auth/login/mfa", server.url);
        async move { client.post(url).json(&json!({ "mfa_token": token, "code": code })).send().await.unwrap() }
    };
    let token = step1(client.clone()).await;
    assert_eq!(client.get(format!("{}/api/v1/me", server.url)).send().await.unwrap().status(), 401);
    let wrong = second(client.clone(), token.clone(), "123456".into()).await;
    assert_eq!(wrong.status(), 401);
    let res = second(client.clone(), token.clone(), code(&secret, 0)).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(client.get(format!("{}/api/v1/me", server.url)).send().await.unwrap().status(), 200);
    // The challenge is spent, and the same code does not open a second login.
    assert_eq!(second(client.clone(), token, code(&secret, 0)).await.status(), 401);
    let other = server.client();
    let token = step1(other.clone()).await;
    assert_eq!(second(other.clone(), token.clone(), code(&secret, 0)).await.status(), 401, "a code works once");

    // A recovery code (typed loosely) works once.
    let loose = recovery[0].to_uppercase().replace('-', " ");
    assert_eq!(second(other.clone(), token, loose).await.status(), 200);
    let third = server.client();
    let token = step1(third.clone()).await;
    assert_eq!(second(third, token, recovery[0].clone()).await.status(), 401);
    let (_, me) = admin.get("/api/v1/me/mfa").await;
    assert_eq!((me["totp_enabled"].as_bool(), me["recovery_codes_left"].as_i64()), (Some(true), Some(9)));

    let actions: Vec<String> =
        audit(&admin, "").await.iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
    assert!(actions.contains(&"mfa.enabled".to_owned()) && actions.contains(&"login.mfa_failed".to_owned()));
}

#[tokio::test]
async fn admins_who_must_use_a_second_factor_set_one_up_before_anything_else() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(dir.path(), &[("STEWARD_AUTH__REQUIRE_MFA_FOR", "admins")]);
    let admin = server.admin().await;
    let (status, body) = admin.get("/api/v1/clients").await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["detail"]["mfa_setup_required"], true);
    let (status, me) = admin.get("/api/v1/me").await;
    assert_eq!((status, me["mfa_setup_required"].as_bool()), (200, Some(true)));
    let (_, setup) = admin.post("/api/v1/me/mfa/totp", json!({ "current_password": server.admin_password })).await;
    let secret = setup["secret"].as_str().unwrap();
    let (status, _) = admin.post("/api/v1/me/mfa/totp/confirm", json!({ "code": code(secret, 0) })).await;
    assert_eq!(status, 200);
    assert_eq!(admin.get("/api/v1/clients").await.0, 200, "free once it is set up");
    // Required means it cannot be turned off.
    let (status, _) =
        admin.post("/api/v1/me/mfa/totp/disable", json!({ "current_password": server.admin_password })).await;
    assert_eq!(status, 409);
    // Technicians are not asked.
    let (status, _) = admin
        .post(
            "/api/v1/users",
            json!({ "email": "tina@msp.example", "role": "technician", "password": "lantern-harbor-42" }),
        )
        .await;
    assert_eq!(status, 201);
    let tina = Session::login(&server, "tina@msp.example", "lantern-harbor-42").await;
    assert_eq!(tina.get("/api/v1/clients").await.0, 200);
}

#[tokio::test]
async fn weak_passwords_are_refused_with_the_reason() {
    let server = TestServer::start();
    let admin = server.admin().await;
    for (password, says) in [
        ("elevenchars", "at least 12"),
        ("aaaaaaaaaaaa", "repeated"),
        ("password1234", "common"),
        ("Qwertyuiop!!", "common"),
        ("nina@msp.example-x", "e-mail"),
    ] {
        let (status, body) = admin
            .post("/api/v1/users", json!({ "email": "nina@msp.example", "role": "technician", "password": password }))
            .await;
        assert_eq!((status, body["detail"]["field"].as_str()), (400, Some("password")), "{password}: {body}");
        assert!(body["error"].as_str().unwrap().contains(says), "{password}: {body}");
    }
    let (_, users) = admin.get("/api/v1/users").await;
    assert_eq!(users["items"].as_array().unwrap().len(), 1, "nothing stored");
}

#[tokio::test]
async fn idle_sessions_end_and_log_out_everywhere_ends_the_others() {
    // The server's clock is a manual one: hours pass in an instant.
    let wall = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let server = TestServer::start_with_clock(wall, &[("STEWARD_AUTH__SESSION_IDLE", "1h")]);
    // In use, a session outlives its idle time: five stretches of twenty minutes' work. (Use is
    // recorded just after each answer, so a step leaves room for one record still on its way.)
    let busy = server.admin().await;
    for _ in 0..5 {
        assert_eq!(busy.get("/api/v1/me").await.0, 200);
        server.advance(20 * 60);
    }
    assert_eq!(busy.get("/api/v1/me").await.0, 200, "an hour and forty minutes in, still working");
    // Left alone past it, it ends.
    server.advance(3600 + 1);
    let (status, body) = busy.get("/api/v1/me").await;
    assert_eq!(status, 401, "{body}");

    let laptop = server.admin().await;
    let phone = server.admin().await;
    let (status, list) = laptop.get("/api/v1/me/sessions").await;
    assert_eq!(status, 200);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{list}");
    assert_eq!(items.iter().filter(|s| s["current"] == true).count(), 1);
    let (status, ended) = laptop.post("/api/v1/me/sessions/end-others", json!({})).await;
    assert_eq!((status, ended["ended"].as_i64()), (200, Some(1)));
    assert_eq!(phone.get("/api/v1/me").await.0, 401, "the other session ended");
    assert_eq!(laptop.get("/api/v1/me").await.0, 200, "this one goes on");
}

async fn create_key(s: &Session, name: &str, expires_at: Option<String>) -> (u16, Value) {
    s.post("/api/v1/api-keys", json!({ "name": name, "expires_at": expires_at })).await
}

async fn with_key(server: &TestServer, key: &str) -> u16 {
    server.client().get(format!("{}/api/v1/me", server.url)).bearer_auth(key).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn api_keys_expire_and_admins_list_and_revoke_anyones_at_once() {
    let server = TestServer::start();
    let admin = server.admin().await;
    admin
        .post(
            "/api/v1/users",
            json!({ "email": "tina@msp.example", "role": "technician", "password": "lantern-harbor-42" }),
        )
        .await;
    let tina = Session::login(&server, "tina@msp.example", "lantern-harbor-42").await;
    let (status, body) = create_key(&tina, "export", Some("2020-01-01T00:00:00Z".into())).await;
    assert_eq!((status, body["detail"]["field"].as_str()), (400, Some("expires_at")));
    let soon = (time::OffsetDateTime::now_utc() + time::Duration::seconds(2))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let (status, short) = create_key(&tina, "short-lived", Some(soon)).await;
    assert_eq!(status, 201, "{short}");
    let (_, long) = create_key(&tina, "billing export", None).await;
    let (short_key, long_key) = (short["key"].as_str().unwrap(), long["key"].as_str().unwrap());
    assert_eq!(with_key(&server, short_key).await, 200);

    // The admin sees Tina's keys with their owner; Tina sees only her own.
    let (_, all) = admin.get("/api/v1/api-keys").await;
    let mine: Vec<&Value> =
        all["items"].as_array().unwrap().iter().filter(|k| k["user"] == "tina@msp.example").collect();
    assert_eq!(mine.len(), 2, "{all}");
    let (status, _) = tina.get("/api/v1/api-keys?user_id=1").await;
    assert_eq!(status, 403);

    // Revoked by the admin: refused on the very next request.
    let id = long["id"].as_i64().unwrap();
    assert_eq!(with_key(&server, long_key).await, 200);
    let (status, _) = admin.send(Method::DELETE, &format!("/api/v1/api-keys/{id}"), json!({})).await;
    assert_eq!(status, 204);
    assert_eq!(with_key(&server, long_key).await, 401);

    // The short-lived one stops by itself.
    eventually(10, "the key to expire", || async { (with_key(&server, short_key).await == 401).then_some(()) }).await;
    let (_, all) = admin.get("/api/v1/api-keys").await;
    let short_row = all["items"].as_array().unwrap().iter().find(|k| k["name"] == "short-lived").cloned().unwrap();
    assert_eq!(short_row["expired"], true);

    // The CLI lists and revokes too, and a password reset revokes every key of the user.
    let data = server.data_dir.to_str().unwrap();
    let (_, third) = create_key(&tina, "third", None).await;
    let (code, out, err) = steward(&["admin", "--data-dir", data, "api-key", "list", "--json"], None, &[]);
    assert_eq!(code, 0, "{err}");
    let listed: Value = serde_json::from_str(&out).unwrap();
    assert!(listed["items"].as_array().unwrap().iter().any(|k| k["name"] == "third"), "{out}");
    let (code, _, err) = steward(
        &["admin", "--data-dir", data, "user", "set-password", "--user", "tina@msp.example", "--password-stdin"],
        Some("a-brand-new-password\n"),
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(with_key(&server, third["key"].as_str().unwrap()).await, 401, "revoked by the reset");
    let (code, _, err) = steward(&["admin", "--data-dir", data, "api-key", "revoke", "999"], None, &[]);
    assert_ne!(code, 0);
    assert!(err.contains("999"), "{err}");
}

/// Opens the live event stream.
async fn open_stream(server: &TestServer, s: Option<&Session>, key: Option<&str>) -> reqwest::Response {
    let client = s.map_or_else(|| server.client(), |s| s.client.clone());
    let mut req = client.get(format!("{}/api/v1/events", server.url));
    if let Some(key) = key {
        req = req.bearer_auth(key);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200);
    res
}

/// True when the stream ends within `secs` (it may carry keep-alives before that).
async fn ends_within(mut stream: reqwest::Response, secs: u64) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        match tokio::time::timeout_at(deadline, stream.chunk()).await {
            Err(_) => return false,
            Ok(Ok(None)) | Ok(Err(_)) => return true,
            Ok(Ok(Some(_))) => continue,
        }
    }
}

/// True when `needle` arrives on the stream within `secs`; false when the stream ends first or
/// the time runs out.
async fn carries_within(mut stream: reqwest::Response, needle: &str, secs: u64) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    let mut seen = String::new();
    loop {
        match tokio::time::timeout_at(deadline, stream.chunk()).await {
            Ok(Ok(Some(chunk))) => {
                seen.push_str(&String::from_utf8_lossy(&chunk));
                if seen.contains(needle) {
                    return true;
                }
            }
            Err(_) | Ok(Ok(None)) | Ok(Err(_)) => return false,
        }
    }
}

#[tokio::test]
async fn live_streams_end_with_logout_disabling_demotion_and_key_revocation() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (_, user) = admin
        .post(
            "/api/v1/users",
            json!({ "email": "tina@msp.example", "role": "technician", "password": "lantern-harbor-42" }),
        )
        .await;
    let tina_id = user["id"].as_i64().unwrap();

    // A stream stays open while its own credential stands: another session ending is a
    // revocation it hears of and passes over, and it carries what happens after that.
    let tina = Session::login(&server, "tina@msp.example", "lantern-harbor-42").await;
    let client_id = add_client(&admin, "Acme").await;
    let ticket = open_ticket(&admin, json!({ "subject": "Printer", "priority": "P3", "client_id": client_id })).await;
    let open = open_stream(&server, Some(&tina), None).await;
    let elsewhere = server.admin().await;
    assert_eq!(elsewhere.post("/auth/logout", json!({})).await.0, 204);
    let note = json!({ "body": "After the logout", "public": false });
    assert_eq!(admin.post(&format!("/api/v1/tickets/{}/comments", ticket["id"]), note).await.0, 201);
    assert!(carries_within(open, "\"type\":\"ticket_changed\"", 10).await, "the open stream carries the change");

    // Disabled: ends at once.
    let stream = open_stream(&server, Some(&tina), None).await;
    let waiting = tokio::spawn(ends_within(stream, 5));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, _) = admin.send(Method::PATCH, &format!("/api/v1/users/{tina_id}"), json!({ "disabled": true })).await;
    assert_eq!(status, 200);
    assert!(waiting.await.unwrap(), "a disabled user's stream closes");
    admin.send(Method::PATCH, &format!("/api/v1/users/{tina_id}"), json!({ "disabled": false })).await;

    // Demoted to a client contact: the technician-wide stream closes.
    let tina = Session::login(&server, "tina@msp.example", "lantern-harbor-42").await;
    let stream = open_stream(&server, Some(&tina), None).await;
    let waiting = tokio::spawn(ends_within(stream, 5));
    tokio::time::sleep(Duration::from_millis(300)).await;
    admin
        .send(Method::PATCH, &format!("/api/v1/users/{tina_id}"), json!({ "role": "client", "client_id": client_id }))
        .await;
    assert!(waiting.await.unwrap(), "a demoted user's stream closes");

    // Logged out: closes.
    let stream = open_stream(&server, Some(&admin), None).await;
    let waiting = tokio::spawn(ends_within(stream, 5));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(admin.post("/auth/logout", json!({})).await.0, 204);
    assert!(waiting.await.unwrap(), "a logged-out session's stream closes");

    // A revoked key: closes.
    let admin = server.admin().await;
    let (_, key) = create_key(&admin, "dashboard", None).await;
    let stream = open_stream(&server, None, key["key"].as_str()).await;
    let waiting = tokio::spawn(ends_within(stream, 5));
    tokio::time::sleep(Duration::from_millis(300)).await;
    admin.send(Method::DELETE, &format!("/api/v1/api-keys/{}", key["id"]), json!({})).await;
    assert!(waiting.await.unwrap(), "a revoked key's stream closes");
}

#[tokio::test]
async fn each_audited_action_leaves_one_entry_with_who_and_where_and_admins_export_it() {
    let server = TestServer::start();
    let admin = server.admin().await;
    // Each action once.
    server
        .client()
        .post(format!("{}/auth/login", server.url))
        .json(&json!({ "login": "admin", "password": "nope-nope-nope" }))
        .send()
        .await
        .unwrap();
    let client_id = add_client(&admin, "Acme").await;
    let (_, user) = admin
        .post(
            "/api/v1/users",
            json!({ "email": "tina@msp.example", "role": "technician", "password": "lantern-harbor-42" }),
        )
        .await;
    let tina_id = user["id"].as_i64().unwrap();
    admin.send(Method::PATCH, &format!("/api/v1/users/{tina_id}"), json!({ "role": "admin" })).await;
    let (_, key) = create_key(&admin, "export", None).await;
    admin.send(Method::DELETE, &format!("/api/v1/api-keys/{}", key["id"]), json!({})).await;
    server.client().get(format!("{}/api/v1/me", server.url)).bearer_auth("stw_made-up-key").send().await.unwrap();
    admin.post("/api/v1/enroll-tokens", json!({ "client_id": client_id })).await;
    let (status, rule) = admin
        .post(
            "/api/v1/rules",
            json!({ "name": "CPU hot", "scope": { "scope": "client", "client_id": client_id },
                    "condition": { "kind": "threshold", "metric": "cpu_pct", "warning": 90 }, "hold": "5m" }),
        )
        .await;
    assert_eq!(status, 201, "{rule}");
    let ticket =
        open_ticket(&admin, json!({ "subject": "Printer jammed", "priority": "P3", "client_id": client_id })).await;
    let tid = ticket["id"].as_i64().unwrap();
    let (status, _) = admin
        .send(
            Method::PATCH,
            &format!("/api/v1/tickets/{tid}"),
            json!({ "version": ticket["version"], "status": "open", "assignee_id": tina_id }),
        )
        .await;
    assert_eq!(status, 200);
    admin.post(&format!("/api/v1/tickets/{tid}/comments"), json!({ "body": "Looking at it", "public": false })).await;
    let (status, _) =
        admin.post(&format!("/api/v1/tickets/{tid}/time"), json!({ "minutes": 15, "billable": true })).await;
    assert_eq!(status, 201);
    let laptop = server.admin().await;
    laptop.post("/api/v1/me/sessions/end-others", json!({})).await;
    laptop
        .post(
            "/api/v1/me/password",
            json!({ "current_password": server.admin_password, "new_password": "a-new-long-password" }),
        )
        .await;

    let entries = audit(&laptop, "").await;
    let count = |action: &str| entries.iter().filter(|e| e["action"] == action).count();
    for action in [
        "login.failed",
        "client.created",
        "user.updated",
        "api_key.created",
        "api_key.revoked",
        "api_key.refused",
        "enroll_token.created",
        "rule.created",
        "ticket.created",
        "ticket.updated",
        "ticket.commented",
        "ticket.time_logged",
        "sessions.ended",
        "password.changed",
    ] {
        assert_eq!(count(action), 1, "{action}: {entries:#?}");
    }
    assert_eq!(count("login"), 2, "two logins as admin");
    assert_eq!(count("user.created"), 2, "the first admin at first start, and Tina");
    let role = entries.iter().find(|e| e["action"] == "user.updated").unwrap();
    assert_eq!(role["detail"], "role technician -> admin", "what changed is said");
    assert!(
        entries
            .iter()
            .filter(|e| e["action"] != "user.created" || e["actor"] != "system")
            .all(|e| e["source"] == "127.0.0.1" || e["actor"] == "system"),
        "from where"
    );
    let updated = entries.iter().find(|e| e["action"] == "ticket.updated").unwrap();
    assert!(updated["detail"].as_str().unwrap().contains("status"), "{updated}");

    // Filters, paging and the CSV export.
    let logins = audit(&laptop, "action=login").await;
    assert_eq!(logins.len(), 3, "the family: login and login.failed");
    let (_, page) = laptop.get("/api/v1/audit?limit=2").await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let (_, next) = laptop.get(&format!("/api/v1/audit?limit=2&cursor={cursor}")).await;
    assert!(next["items"][0]["id"].as_i64() < page["items"][1]["id"].as_i64());
    let (status, body) = laptop.get("/api/v1/audit?from=yesterday").await;
    assert_eq!((status, body["detail"]["field"].as_str()), (400, Some("from")));
    let res = laptop.client.get(format!("{}/api/v1/audit.csv?action=ticket", server.url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let csv = res.text().await.unwrap();
    assert!(csv.starts_with("id,at,actor,source,action,subject,detail\r\n"), "{csv}");
    assert_eq!(csv.lines().count(), 1 + 4, "{csv}");

    // Only admins read it.
    let tech = {
        laptop
            .post(
                "/api/v1/users",
                json!({ "email": "ted@msp.example", "role": "technician", "password": "copper-kettle-77" }),
            )
            .await;
        Session::login(&server, "ted@msp.example", "copper-kettle-77").await
    };
    assert_eq!(tech.get("/api/v1/audit").await.0, 403);
    assert_eq!(tech.get("/api/v1/audit.csv").await.0, 403);
}

#[tokio::test]
async fn passkeys_are_added_only_with_the_password_and_a_real_answer_and_removed_only_by_their_owner() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = TestServer::start_at(
        dir.path(),
        &format!("127.0.0.1:{port}"),
        &[("STEWARD_SERVER__PUBLIC_URL", &format!("https://localhost:{port}"))],
    );
    let admin = server.admin().await;
    let start = "/api/v1/me/mfa/passkeys/register/start";
    let finish = "/api/v1/me/mfa/passkeys/register/finish";

    // No password, a wrong one, no name: refused, each naming its field.
    let (status, body) = admin.post(start, json!({ "name": "Laptop" })).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("current_password"), "{body}");
    let (status, body) = admin.post(start, json!({ "current_password": "wrong-wrong-wrong", "name": "Laptop" })).await;
    assert_eq!((status, body["detail"]["field"].as_str()), (403, Some("current_password")), "{body}");
    let (status, body) = admin.post(start, json!({ "current_password": server.admin_password, "name": " " })).await;
    assert_eq!((status, body["detail"]["field"].as_str()), (400, Some("name")), "{body}");

    // With both, the options for navigator.credentials.create, for this server's name.
    let (status, options) =
        admin.post(start, json!({ "current_password": server.admin_password, "name": "Laptop" })).await;
    assert_eq!(status, 200, "{options}");
    assert_eq!(options["publicKey"]["rp"]["id"], "localhost");
    assert_eq!(options["publicKey"]["user"]["name"], "admin");
    assert!(options["publicKey"]["challenge"].as_str().is_some_and(|c| c.len() >= 40), "{options}");

    // Garbage, and a well-formed answer no authenticator made, are refused; nothing is stored.
    let (status, body) = admin.post(finish, json!({ "credential": "garbage" })).await;
    assert_eq!((status, body["detail"]["field"].as_str()), (400, Some("credential")), "{body}");
    let forged = json!({ "id": "AAAA", "rawId": "AAAA", "type": "public-key",
        "response": { "attestationObject": "AAAA", "clientDataJSON": "AAAA" } });
    let (status, body) = admin.post(finish, json!({ "credential": forged })).await;
    assert_eq!((status, body["detail"]["field"].as_str()), (400, Some("credential")), "{body}");
    let (status, body) = admin.post(finish, json!({ "credential": forged })).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["error"].as_str().unwrap().contains("Start again"), "a ceremony is used up by one answer: {body}");
    let (_, list) = admin.get("/api/v1/me/mfa/passkeys").await;
    assert_eq!(list["items"], json!([]));

    // Someone else's passkey: put in place as a registration would leave it.
    let (status, _) = admin
        .post(
            "/api/v1/users",
            json!({ "email": "tina@msp.example", "role": "technician", "password": "lantern-harbor-42" }),
        )
        .await;
    assert_eq!(status, 201);
    let db = rusqlite::Connection::open(server.db_path()).unwrap();
    db.busy_timeout(Duration::from_secs(5)).unwrap();
    let admin_id: i64 = db.query_row("SELECT id FROM users WHERE login = 'admin'", [], |r| r.get(0)).unwrap();
    db.execute(
        "INSERT INTO passkeys (user_id, name, credential_id, passkey, created_at) VALUES (?1, 'Admin key', 'cred-1', '{}', 0)",
        [admin_id],
    )
    .unwrap();
    let key_id = db.last_insert_rowid();
    let tina = Session::login(&server, "tina@msp.example", "lantern-harbor-42").await;
    let (_, list) = tina.get("/api/v1/me/mfa/passkeys").await;
    assert_eq!(list["items"], json!([]), "only one's own passkeys are listed");
    let (status, body) = tina.send(Method::DELETE, &format!("/api/v1/me/mfa/passkeys/{key_id}"), json!(null)).await;
    assert_eq!(status, 404, "{body}");
    let (_, list) = admin.get("/api/v1/me/mfa/passkeys").await;
    assert_eq!(list["items"][0]["name"], "Admin key", "still there: {list}");
    let (_, me) = admin.get("/api/v1/me").await;
    assert_eq!(me["user"]["mfa_enabled"], true, "a passkey is a second factor");
    let (_, mfa) = admin.get("/api/v1/me/mfa").await;
    assert_eq!((&mfa["passkeys"], &mfa["totp_enabled"]), (&json!(1), &json!(false)), "{mfa}");

    // The password step now asks for the passkey; a garbage answer counts as a failed second factor.
    let res = login_from(&server, "admin", &server.admin_password, "").await;
    let step: Value = res.json().await.unwrap();
    assert_eq!((step["mfa_required"].as_bool(), &step["methods"]), (Some(true), &json!(["passkey"])), "{step}");
    let res = server
        .client()
        .post(format!("{}/auth/login/passkey/finish", server.url))
        .json(&json!({ "mfa_token": step["mfa_token"], "credential": { "id": "x" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(audit(&admin, "action=login.mfa_failed").await.len(), 1);

    let (status, _) = admin.send(Method::DELETE, &format!("/api/v1/me/mfa/passkeys/{key_id}"), json!(null)).await;
    assert_eq!(status, 204);
    let removed = audit(&admin, "action=mfa.passkey_removed").await;
    assert_eq!(removed.len(), 1, "{removed:?}");
    assert_eq!(removed[0]["subject"], "Admin key");
}
