//! The command line: bad arguments and bad config exit 2 with a sentence; admin commands work
//! against a data folder (also while the server runs); a newer database is refused.

use serde_json::Value;

use crate::common::{Session, TestServer, steward};

#[test]
fn bad_arguments_exit_2_with_a_sentence() {
    let (code, _, stderr) = steward(&["serve"], None, &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unrecognized subcommand"), "{stderr}");
    let (code, _, stderr) = steward(&["server", "--listen", "not-an-address"], None, &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--listen"), "{stderr}");
    let (code, _, stderr) = steward(&["admin", "user", "add", "--email", "a@b.example", "--role", "boss"], None, &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not a role"), "{stderr}");
}

#[test]
fn every_command_explains_every_flag() {
    let commands: &[&[&str]] = &[
        &[],
        &["server"],
        &["admin"],
        &["admin", "user", "add"],
        &["admin", "user", "list"],
        &["admin", "user", "set-password"],
        &["admin", "api-key", "create"],
        &["admin", "client", "add"],
        &["admin", "client", "list"],
        &["admin", "enroll-token", "create"],
        &["agent"],
        &["agent", "enroll"],
        &["agent", "run"],
        &["agent", "once"],
        &["agent", "install"],
        &["backup"],
        &["config", "example"],
        &["config", "check"],
        &["demo"],
    ];
    for args in commands {
        let mut full = args.to_vec();
        full.push("--help");
        let (code, stdout, stderr) = steward(&full, None, &[]);
        assert_eq!(code, 0, "{full:?}: {stderr}");
        let lines: Vec<&str> = stdout.lines().map(str::trim).collect();
        for (i, line) in lines.iter().enumerate().filter(|(_, l)| l.starts_with("--") || l.starts_with("-h")) {
            let words: Vec<&str> = line.split_whitespace().collect();
            let same_line = words.iter().skip(1).any(|w| !w.starts_with('<') && !w.starts_with('-'));
            // Long help puts the explanation on the next line.
            let next_line = lines.get(i + 1).is_some_and(|n| !n.is_empty() && !n.starts_with('-'));
            assert!(same_line || next_line, "{full:?}: flag without an explanation: {line}");
        }
    }
}

fn write_config(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("steward.toml");
    std::fs::write(&path, text).unwrap();
    let p = path.to_str().unwrap().to_owned();
    (dir, p)
}

#[test]
fn unknown_config_key_exits_2_naming_key_and_line() {
    let (_dir, path) = write_config("[server]\nlisten = \"127.0.0.1:0\"\n\n[monitoring]\nofline_after = \"3m\"\n");
    let (code, _, stderr) = steward(&["server", "--config", &path], None, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("ofline_after") && stderr.contains("line 5"), "{stderr}");
}

#[test]
fn bad_duration_exits_2_naming_key_and_line() {
    let (_dir, path) = write_config("[monitoring]\noffline_after = \"three minutes\"\n");
    let (code, _, stderr) = steward(&["server", "--config", &path], None, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("monitoring.offline_after") && stderr.contains("line 2"), "{stderr}");
    assert!(stderr.contains("90s, 15m, 4h or 7d"), "says what a duration looks like: {stderr}");

    let (code, _, stderr) = steward(&["config", "check"], None, &[("STEWARD_MONITORING__OFFLINE_AFTER", "soon")]);
    assert_eq!(code, 2);
    assert!(stderr.contains("STEWARD_MONITORING__OFFLINE_AFTER"), "{stderr}");
    let (code, _, stderr) = steward(&["config", "check"], None, &[("STEWARD_MONITORNG__OFFLINE_AFTER", "1m")]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no config section"), "{stderr}");
}

#[test]
fn config_layers_file_then_environment() {
    let (_dir, path) = write_config("[monitoring]\noffline_after = \"5m\"\n[http]\nrequest_timeout = \"20s\"\n");
    let (code, stdout, stderr) = steward(
        &["config", "check", "--config", &path, "--data-dir", "/srv/steward"],
        None,
        &[("STEWARD_MONITORING__OFFLINE_AFTER", "30s")],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("offline_after = \"30s\""), "environment beats file: {stdout}");
    assert!(stdout.contains("request_timeout = \"20s\""), "file beats default: {stdout}");
    assert!(stdout.contains("data_dir = \"/srv/steward\""), "flag beats all: {stdout}");
}

#[test]
fn config_example_is_the_shipped_file() {
    let (code, stdout, _) = steward(&["config", "example"], None, &[]);
    assert_eq!(code, 0);
    assert_eq!(stdout, std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml")).unwrap());
}

#[test]
fn a_database_from_a_newer_steward_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let conn = rusqlite::Connection::open(data.join("steward.db")).unwrap();
    conn.pragma_update(None, "user_version", 9999).unwrap();
    drop(conn);
    let (code, stdout, stderr) =
        steward(&["server", "--data-dir", data.to_str().unwrap(), "--listen", "127.0.0.1:0"], None, &[]);
    assert_eq!(code, 1);
    assert!(stderr.contains("newer version of Steward"), "{stderr}");
    assert!(!stdout.contains("password"), "no admin was made in the refused database");
}

#[tokio::test]
async fn admin_commands_create_what_interface_md_promises_while_the_server_runs() {
    let server = TestServer::start();
    let data = server.data_dir.to_str().unwrap().to_owned();
    let run = |args: Vec<String>, stdin: Option<&'static str>| {
        tokio::task::spawn_blocking(move || {
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            steward(&a, stdin, &[])
        })
    };
    let args = |s: &str| -> Vec<String> { s.split(' ').map(|w| w.replace("{data}", &data)).collect() };

    let (code, out, err) = run(args("admin --data-dir {data} client add Acme --json"), None).await.unwrap();
    assert_eq!(code, 0, "{err}");
    let client: Value = serde_json::from_str(out.trim()).unwrap();
    assert!(client["id"].as_i64().unwrap() > 0);
    assert_eq!(client.as_object().unwrap().len(), 1, "exactly one JSON object with id: {out}");

    let (code, out, err) = run(
        args("admin --data-dir {data} user add --email carl@acme.example --role client --client Acme --password-stdin --json"),
        Some("amber-window-31\n"),
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "{err}");
    let user: Value = serde_json::from_str(out.trim()).unwrap();
    assert!(user["id"].as_i64().unwrap() > 0);

    let (code, out, err) =
        run(args("admin --data-dir {data} api-key create --user admin --name ci --json"), None).await.unwrap();
    assert_eq!(code, 0, "{err}");
    let key: Value = serde_json::from_str(out.trim()).unwrap();
    let key = key["key"].as_str().unwrap().to_owned();

    // The running server sees all three at once.
    let res = server.client().get(format!("{}/api/v1/clients", server.url)).bearer_auth(&key).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["items"][0]["name"], "Acme");
    let carl = Session::login(&server, "carl@acme.example", "amber-window-31").await;
    assert_eq!(carl.get("/api/v1/me").await.1["user"]["client"], "Acme");

    let (code, _, err) = run(args("admin --data-dir {data} client add acme"), None).await.unwrap();
    assert_eq!(code, 1, "a duplicate is refused");
    assert!(err.contains("already exists"), "{err}");
    let (code, _, err) = run(
        args("admin --data-dir {data} user add --email x@acme.example --role client --password-stdin"),
        Some("long-enough-pw\n"),
    )
    .await
    .unwrap();
    assert_eq!(code, 2);
    assert!(err.contains("--client"), "{err}");
    let (code, _, err) = run(
        args("admin --data-dir {data} user add --email y@acme.example --role technician --password-stdin"),
        Some("short\n"),
    )
    .await
    .unwrap();
    assert_eq!(code, 2);
    assert!(err.contains("at least 12"), "{err}");
}

#[test]
fn set_password_recovers_a_lost_admin_password() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_s = data.to_str().unwrap();
    // The first admin exists only after a server start; `user list` on an empty folder shows none.
    drop(TestServer::start_in(&data, &[]));
    let (code, out, err) =
        steward(&["admin", "--data-dir", data_s, "user", "set-password", "--user", "admin"], None, &[]);
    assert_eq!(code, 0, "{err}");
    let password = out.trim().rsplit(' ').next().unwrap().to_owned();
    assert_eq!(password.len(), 20, "{out}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = TestServer::start_in(&data, &[]);
    rt.block_on(Session::login(&server, "admin", &password));
}

#[test]
fn enroll_token_create_prints_the_token_and_install_command_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    let (code, _, err) = steward(&["admin", "--data-dir", d, "client", "add", "Acme"], None, &[]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = steward(
        &[
            "admin",
            "--data-dir",
            d,
            "enroll-token",
            "create",
            "--client",
            "Acme",
            "--ttl",
            "24h",
            "--uses",
            "5",
            "--json",
        ],
        None,
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v.as_object().unwrap().len(), 2, "exactly token and install_command: {out}");
    let token = v["token"].as_str().unwrap();
    assert!(token.starts_with("enr_"));
    let command = v["install_command"].as_str().unwrap();
    assert!(command.contains(token) && command.contains("/install.sh") && command.contains("sha256//"), "{command}");
    let (code, _, err) =
        steward(&["admin", "--data-dir", d, "enroll-token", "create", "--client", "Nobody"], None, &[]);
    assert_eq!(code, 1);
    assert!(err.contains("no client named"), "{err}");
    let (code, _, err) =
        steward(&["admin", "--data-dir", d, "enroll-token", "create", "--client", "Acme", "--ttl", "soon"], None, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("not a duration"), "{err}");
}
