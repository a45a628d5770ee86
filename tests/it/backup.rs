//! `steward backup` copies the live database while writes keep arriving.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde_json::json;

use crate::common::{TestServer, http_client, steward};

#[tokio::test]
async fn backup_under_concurrent_writes_is_consistent() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let (_, made) = admin.post("/api/v1/api-keys", json!({ "name": "writer" })).await;
    let key = made["key"].as_str().unwrap().to_owned();
    // Give the database some size first, so the copy takes many steps.
    let notes = "n".repeat(2000);
    for i in 0..300 {
        let (status, _) = admin.post("/api/v1/clients", json!({ "name": format!("seed {i}"), "notes": notes })).await;
        assert_eq!(status, 201);
    }

    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let writer = {
        let (stop, written, url, key, notes) =
            (stop.clone(), written.clone(), format!("{}/api/v1/clients", server.url), key.clone(), notes.clone());
        tokio::spawn(async move {
            let client = http_client();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let res = client
                    .post(&url)
                    .bearer_auth(&key)
                    .json(&json!({ "name": format!("live {i}"), "notes": notes }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 201);
                written.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
        })
    };
    while written.load(Ordering::Relaxed) < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let out = tempfile::tempdir().unwrap();
    let copy = out.path().join("steward-backup.db");
    let data_dir = server.data_dir.to_str().unwrap().to_owned();
    let copy_arg = copy.to_str().unwrap().to_owned();
    let before = written.load(Ordering::Relaxed);
    let (code, stdout, stderr) = tokio::task::spawn_blocking(move || {
        steward(&["backup", "--data-dir", &data_dir, "--out", &copy_arg], None, &[])
    })
    .await
    .unwrap();
    let during = written.load(Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    assert_eq!(code, 0, "backup failed: {stderr}");
    assert!(stdout.contains("integrity check ok"), "{stdout}");
    assert!(during > before, "writes were acknowledged while the backup ran ({before} before it, {during} after)");

    let conn = rusqlite::Connection::open_with_flags(&copy, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let verdict: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(verdict, "ok");
    let fk: i64 = conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).unwrap();
    assert_eq!(fk, 0);
    // A consistent snapshot: all the seed rows, and the live rows form an unbroken run 0..n
    // (a torn copy would show gaps or half rows).
    let seeds: i64 = conn.query_row("SELECT count(*) FROM clients WHERE name LIKE 'seed %'", [], |r| r.get(0)).unwrap();
    assert_eq!(seeds, 300);
    let mut stmt = conn.prepare("SELECT name FROM clients WHERE name LIKE 'live %'").unwrap();
    let mut live: Vec<i64> =
        stmt.query_map([], |r| r.get::<_, String>(0)).unwrap().map(|n| n.unwrap()[5..].parse().unwrap()).collect();
    live.sort();
    assert!(live.iter().enumerate().all(|(i, n)| *n == i as i64), "live rows are a prefix of what was written");
    let short_notes: i64 =
        conn.query_row("SELECT count(*) FROM clients WHERE length(notes) != 2000", [], |r| r.get(0)).unwrap();
    assert_eq!(short_notes, 0);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777, 0o600);
}

#[test]
fn backup_of_a_missing_database_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = steward(
        &[
            "backup",
            "--data-dir",
            dir.path().join("nothing").to_str().unwrap(),
            "--out",
            dir.path().join("x.db").to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("no database"), "{stderr}");
}
