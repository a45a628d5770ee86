//! Nothing acknowledged is lost: not to SIGKILL, and a clean stop leaves a checkpointed database.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{TestServer, eventually, http_client};

#[tokio::test]
async fn sigkill_during_a_stream_of_writes_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut server = TestServer::start_in(&data, &[]);
    let admin = server.admin().await;
    let (_, made) = admin.post("/api/v1/api-keys", json!({ "name": "writer" })).await;
    let key = made["key"].as_str().unwrap().to_owned();

    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut writers = Vec::new();
    for w in 0..8 {
        let (url, key, acknowledged) = (format!("{}/api/v1/clients", server.url), key.clone(), acknowledged.clone());
        writers.push(tokio::spawn(async move {
            let client = http_client();
            for i in 0.. {
                let name = format!("client {w}-{i}");
                match client.post(&url).bearer_auth(&key).json(&json!({ "name": name })).send().await {
                    Ok(res) if res.status() == 201 => acknowledged.lock().unwrap().push(name),
                    Ok(res) => panic!("unexpected answer {} while the server was up", res.status()),
                    Err(_) => break, // the server is gone
                }
            }
        }));
    }
    // Let enough writes through to mean something, then pull the plug mid-stream.
    eventually(60, "a hundred acknowledged writes", || async {
        (acknowledged.lock().unwrap().len() >= 100).then_some(())
    })
    .await;
    server.kill();
    for w in writers {
        w.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();

    let server = TestServer::start_in(&data, &[]);
    let client = http_client();
    let mut stored = std::collections::HashSet::new();
    let mut url = format!("{}/api/v1/clients?limit=500", server.url);
    loop {
        let page: Value = client.get(&url).bearer_auth(&key).send().await.unwrap().json().await.unwrap();
        for c in page["items"].as_array().unwrap() {
            stored.insert(c["name"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => url = format!("{}/api/v1/clients?limit=500&cursor={cursor}", server.url),
            None => break,
        }
    }
    let lost: Vec<_> = acknowledged.iter().filter(|n| !stored.contains(*n)).collect();
    assert!(lost.is_empty(), "{} acknowledged writes lost, e.g. {:?}", lost.len(), lost.first());

    let conn = rusqlite::Connection::open(server.db_path()).unwrap();
    let verdict: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(verdict, "ok");
}

#[tokio::test]
async fn sigterm_stops_cleanly_and_checkpoints_the_wal() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut server = TestServer::start_in(&data, &[]);
    let admin = server.admin().await;
    for i in 0..20 {
        assert_eq!(admin.post("/api/v1/clients", json!({ "name": format!("c{i}") })).await.0, 201);
    }
    assert_eq!(server.terminate(), Some(0), "exit code after SIGTERM; log:\n{}", server.log());
    let wal = std::fs::metadata(data.join("steward.db-wal")).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal, 0, "the WAL was checkpointed into the database file");
    // Everything is in the main file alone.
    let conn =
        rusqlite::Connection::open_with_flags(data.join("steward.db"), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let n: i64 = conn.query_row("SELECT count(*) FROM clients", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 20);
}

#[tokio::test]
async fn a_request_in_flight_at_sigterm_still_completes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut server = TestServer::start_in(&data, &[]);
    let admin = server.admin().await;
    let (_, made) = admin.post("/api/v1/api-keys", json!({ "name": "slow" })).await;
    let key = made["key"].as_str().unwrap().to_owned();

    // A body sent in two halves, with SIGTERM between them.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(2);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|chunk| (chunk, rx)) });
    let request = http_client()
        .post(format!("{}/api/v1/clients", server.url))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send();
    let pending = tokio::spawn(request);
    tx.send(Ok(b"{\"name\": \"Arrived during shutdown\"".to_vec())).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pid = server.pid();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap().success());
    // The rest of the body only once the server has begun shutting down.
    eventually(30, "the server to begin its shutdown", || async {
        server.log().contains("shutting down: finishing requests in flight").then_some(())
    })
    .await;
    tx.send(Ok(b"}".to_vec())).await.unwrap();
    drop(tx);
    let res = pending.await.unwrap().expect("the in-flight request got an answer");
    assert_eq!(res.status(), 201);
    assert_eq!(server.terminate(), Some(0), "clean exit; log:\n{}", server.log());

    let conn = rusqlite::Connection::open(data.join("steward.db")).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM clients WHERE name = 'Arrived during shutdown'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn open_live_event_streams_end_at_shutdown_and_do_not_hold_it_up() {
    use futures_util::StreamExt;
    let dir = tempfile::tempdir().unwrap();
    // A grace period far longer than the test's patience: only streams that end let it exit.
    let mut server = TestServer::start_in(&dir.path().join("data"), &[("STEWARD_HTTP__SHUTDOWN_GRACE", "10m")]);
    let admin = server.admin().await;
    let res = admin.client.get(format!("{}/api/v1/events", server.url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let mut stream = res.bytes_stream();
    assert_eq!(server.terminate(), Some(0), "the server exited cleanly; log:\n{}", server.log());
    // The stream ended rather than being cut: it drains to its end without an error.
    while let Some(chunk) = stream.next().await {
        chunk.expect("the stream closed cleanly");
    }
}
