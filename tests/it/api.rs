//! The JSON API: bad input gets a clear error and writes nothing; clients, sites and users behave.

use serde_json::{Value, json};

use crate::common::{Session, TestServer};

#[tokio::test]
async fn malformed_json_is_a_400_that_says_why_and_writes_nothing() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let url = format!("{}/api/v1/clients", server.url);
    let post = |body: &'static str, content_type: &'static str| {
        admin
            .client
            .post(&url)
            .header("x-csrf-token", &admin.csrf)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let res = post("{\"name\": \"Acme\"", "application/json").await.unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("not valid"), "{body}");

    let res = post("{\"nmae\": \"Acme\"}", "application/json").await.unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("nmae"), "the unknown field is named: {body}");

    let res = post("{\"name\": 5}", "application/json").await.unwrap();
    assert_eq!(res.status(), 400);

    let res = post("name=Acme", "application/x-www-form-urlencoded").await.unwrap();
    assert_eq!(res.status(), 415);
    assert!(res.json::<Value>().await.unwrap()["error"].is_string());

    let (_, list) = admin.get("/api/v1/clients").await;
    assert_eq!(list["items"], json!([]), "nothing half-written");
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(&dir.path().join("data"), &[("STEWARD_HTTP__BODY_LIMIT_BYTES", "4096")]);
    let admin = server.admin().await;
    let notes = "x".repeat(10_000);
    let (status, body) = admin.post("/api/v1/clients", json!({ "name": "Big", "notes": notes })).await;
    assert_eq!(status, 413, "{body}");
    assert!(body["error"].as_str().unwrap().contains("larger"));
}

#[tokio::test]
async fn unknown_api_routes_and_methods_answer_json() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (status, body) = admin.get("/api/v1/does-not-exist").await;
    assert_eq!(status, 404);
    assert!(body["error"].as_str().unwrap().contains("openapi.json"));
    let (status, body) = admin.get("/api/v2/clients").await;
    assert_eq!(status, 404);
    assert!(body["error"].is_string());
    let (status, body) = admin.send(reqwest::Method::PUT, "/api/v1/clients", json!({})).await;
    assert_eq!(status, 405);
    assert!(body["error"].is_string());
    let (status, body) = admin.get("/api/v1/clients/not-a-number").await;
    assert_eq!(status, 400);
    assert!(body["error"].is_string());
    let (status, body) = admin.get("/api/v1/clients?limit=0").await;
    assert_eq!((status, body["detail"]["field"].as_str()), (400, Some("limit")));
    let (status, body) = admin.get("/api/v1/clients?colour=red").await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("colour"), "{body}");
}

#[tokio::test]
async fn healthz_reports_ok_and_the_version() {
    let server = TestServer::start();
    let body: Value =
        server.client().get(format!("{}/healthz", server.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn clients_are_added_listed_paged_searched_and_renamed() {
    let server = TestServer::start();
    let admin = server.admin().await;
    for name in ["Northwind Traders", "Acme Dental", "Contoso Law", "Bakery Brot & Co"] {
        let (status, c) = admin.post("/api/v1/clients", json!({ "name": name })).await;
        assert_eq!(status, 201, "{c}");
        assert_eq!(c["name"], name);
        assert!(c["id"].as_i64().unwrap() > 0);
    }
    let (status, dup) = admin.post("/api/v1/clients", json!({ "name": "acme dental" })).await;
    assert_eq!(status, 409, "names are unique ignoring case: {dup}");
    let (status, blank) = admin.post("/api/v1/clients", json!({ "name": "   " })).await;
    assert_eq!((status, blank["detail"]["field"].as_str()), (400, Some("name")));

    // Pages of two, in name order, following next_cursor to the end.
    let mut names = Vec::new();
    let mut path = "/api/v1/clients?limit=2".to_string();
    loop {
        let (status, page) = admin.get(&path).await;
        assert_eq!(status, 200);
        names.extend(page["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/clients?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(names, ["Acme Dental", "Bakery Brot & Co", "Contoso Law", "Northwind Traders"]);

    let (_, found) = admin.get("/api/v1/clients?q=LAW").await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let id = found["items"][0]["id"].as_i64().unwrap();

    let (status, renamed) = admin
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/clients/{id}"),
            json!({ "name": "Contoso Legal", "notes": "Closed Fridays" }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!((renamed["name"].as_str(), renamed["notes"].as_str()), (Some("Contoso Legal"), Some("Closed Fridays")));
    let (status, _) = admin.get("/api/v1/clients/999999").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn sites_belong_to_clients_and_need_a_real_time_zone() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (_, client) = admin.post("/api/v1/clients", json!({ "name": "Acme" })).await;
    let id = client["id"].as_i64().unwrap();
    let (status, site) = admin
        .post(
            &format!("/api/v1/clients/{id}/sites"),
            json!({ "name": "Head office", "address": "1 Main St", "timezone": "Europe/Berlin" }),
        )
        .await;
    assert_eq!(status, 201, "{site}");
    let (status, bad) = admin
        .post(&format!("/api/v1/clients/{id}/sites"), json!({ "name": "Branch", "timezone": "Europe/Atlantis" }))
        .await;
    assert_eq!((status, bad["detail"]["field"].as_str()), (400, Some("timezone")));
    let (status, _) = admin.post(&format!("/api/v1/clients/{id}/sites"), json!({ "name": "head office" })).await;
    assert_eq!(status, 409);
    let (_, detail) = admin.get(&format!("/api/v1/clients/{id}")).await;
    assert_eq!(detail["sites"].as_array().unwrap().len(), 1);
    assert_eq!(detail["sites"][0]["timezone"], "Europe/Berlin");
    assert_eq!(detail["site_count"], 1);
    let site_id = site["id"].as_i64().unwrap();
    let (status, moved) = admin
        .send(reqwest::Method::PATCH, &format!("/api/v1/sites/{site_id}"), json!({ "timezone": "America/New_York" }))
        .await;
    assert_eq!((status, moved["timezone"].as_str()), (200, Some("America/New_York")));
}

#[tokio::test]
async fn roles_limit_what_people_see_and_change() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (_, acme) = admin.post("/api/v1/clients", json!({ "name": "Acme" })).await;
    let (_, other) = admin.post("/api/v1/clients", json!({ "name": "Other Co" })).await;
    let acme_id = acme["id"].as_i64().unwrap();

    let (status, tech) = admin
        .post(
            "/api/v1/users",
            json!({ "email": "tess@msp.example", "name": "Tess", "role": "technician", "password": "technician-pass" }),
        )
        .await;
    assert_eq!(status, 201, "{tech}");
    assert_eq!(tech["login"], "tess@msp.example");
    let (status, contact) = admin
        .post("/api/v1/users", json!({ "email": "carl@acme.example", "role": "client", "client_id": acme_id, "password": "client-contact-pass" }))
        .await;
    assert_eq!(status, 201, "{contact}");
    assert_eq!(contact["client"], "Acme");
    let (status, bad) = admin
        .post("/api/v1/users", json!({ "email": "x@y.example", "role": "client", "password": "long-enough-pass" }))
        .await;
    assert_eq!((status, bad["detail"]["field"].as_str()), (400, Some("client_id")));
    let (status, bad) = admin
        .post("/api/v1/users", json!({ "email": "not-an-email", "role": "technician", "password": "long-enough-pass" }))
        .await;
    assert_eq!((status, bad["detail"]["field"].as_str()), (400, Some("email")));
    let (status, bad) = admin
        .post("/api/v1/users", json!({ "email": "a@b.example", "role": "boss", "password": "long-enough-pass" }))
        .await;
    assert_eq!(status, 400, "{bad}");

    let tess = Session::login(&server, "TESS@msp.example", "technician-pass").await;
    assert_eq!(tess.get("/api/v1/clients").await.1["items"].as_array().unwrap().len(), 2, "staff see every client");
    assert_eq!(tess.post("/api/v1/clients", json!({ "name": "New" })).await.0, 403, "only admins add clients");
    assert_eq!(tess.get("/api/v1/users").await.0, 403);

    let carl = Session::login(&server, "carl@acme.example", "client-contact-pass").await;
    let (_, seen) = carl.get("/api/v1/clients").await;
    assert_eq!(seen["items"].as_array().unwrap().len(), 1);
    assert_eq!(seen["items"][0]["name"], "Acme");
    assert_eq!(
        carl.get(&format!("/api/v1/clients/{}", other["id"])).await.0,
        404,
        "another client's record is invisible"
    );

    // Disabling a user ends their session at once.
    let tech_id = tech["id"].as_i64().unwrap();
    let (status, _) =
        admin.send(reqwest::Method::PATCH, &format!("/api/v1/users/{tech_id}"), json!({ "disabled": true })).await;
    assert_eq!(status, 200);
    assert_eq!(tess.get("/api/v1/me").await.0, 401);

    // An admin cannot demote themself, so the last admin cannot lock everyone out.
    let (_, me) = admin.get("/api/v1/me").await;
    let admin_id = me["user"]["id"].as_i64().unwrap();
    let (status, body) =
        admin.send(reqwest::Method::PATCH, &format!("/api/v1/users/{admin_id}"), json!({ "role": "technician" })).await;
    assert_eq!(status, 409, "{body}");
}

#[tokio::test]
async fn ui_is_served_with_a_strict_content_security_policy() {
    let server = TestServer::start();
    let res = server.client().get(format!("{}/", server.url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    let html = res.text().await.unwrap();
    assert!(html.contains("/assets/"), "index.html loads the app from /assets/");
    let res = server.client().get(format!("{}/assets/app.js", server.url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().contains("javascript"));
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let res = server
        .client()
        .get(format!("{}/assets/app.js", server.url))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    let res = server.client().get(format!("{}/assets/nope.js", server.url)).send().await.unwrap();
    assert_eq!(res.status(), 404);
}
