//! The test harness: starts the real `steward` binary on 127.0.0.1:0 with its own temp data
//! folder and a real SQLite file, reads what it prints, and gives tests an HTTP client for it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const STEWARD: &str = env!("CARGO_BIN_EXE_steward");

/// Installs the TLS crypto provider once for this test process.
pub fn init_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub struct TestServer {
    pub url: String,
    /// The admin password the first start printed (empty when the data folder was not new).
    pub admin_password: String,
    pub fingerprint: String,
    pub data_dir: PathBuf,
    pub stdout: Arc<Mutex<Vec<String>>>,
    child: Option<Child>,
    /// A server started inside this test process: its thread and the sender that stops it.
    in_process: Option<(std::thread::JoinHandle<()>, tokio::sync::oneshot::Sender<()>)>,
    /// The manual clock an in-process server reads; tests move it instead of sleeping.
    pub clock: Option<steward::clock::Clock>,
    /// Keeps the temp folder alive as long as the server; `None` when the caller owns the folder.
    _temp: Option<tempfile::TempDir>,
}

impl TestServer {
    /// A server on a fresh temp data folder.
    pub fn start() -> TestServer {
        let temp = tempfile::tempdir().expect("temp dir");
        let mut server = TestServer::start_in(&temp.path().join("data"), &[]);
        server._temp = Some(temp);
        server
    }

    /// The real server started inside this test process, on 127.0.0.1:0 with a fresh temp data
    /// folder and a manual clock standing at `unix_seconds`: for time-based behaviour (offline
    /// detection, holds, SLA timers, auto-close), which the test drives with `advance`. `env`
    /// holds config keys as `STEWARD_...` pairs, read as the binary would read its environment.
    pub fn start_with_clock(unix_seconds: i64, env: &[(&str, &str)]) -> TestServer {
        let temp = tempfile::tempdir().expect("temp dir");
        let mut server = TestServer::start_with_clock_at(&temp.path().join("data"), "127.0.0.1:0", unix_seconds, env);
        server._temp = Some(temp);
        server
    }

    /// Like `start_with_clock`, on a data folder and address the caller keeps, so that the test
    /// can stop the server (by dropping it) and start it again where it was, at a later time.
    pub fn start_with_clock_at(data_dir: &Path, listen: &str, unix_seconds: i64, env: &[(&str, &str)]) -> TestServer {
        init_tls();
        let data_dir = data_dir.to_path_buf();
        let mut vars: Vec<(String, String)> = vec![
            ("STEWARD_SERVER__LISTEN".into(), listen.into()),
            ("STEWARD_SERVER__DATA_DIR".into(), data_dir.display().to_string()),
        ];
        vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let config = steward::config::Config::load(None, vars).expect("a valid test config");
        let clock = steward::clock::Clock::manual(unix_seconds);
        let password = "lantern-harbor-42".to_owned();
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let options = steward::server::Options {
            clock: clock.clone(),
            admin_password: Some(password.clone()),
            ready: Some(ready_tx),
        };
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            runtime.spawn(async move {
                let _ = started_tx.send(ready_rx.await);
            });
            let stopped = async move {
                let _ = stop_rx.await;
            };
            if let Err(e) = runtime.block_on(steward::server::run_with(config, options, stopped)) {
                panic!("the in-process server failed: {e}");
            }
        });
        let ready = started_rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the in-process server answered")
            .expect("the in-process server started");
        TestServer {
            url: ready.url,
            admin_password: password,
            fingerprint: ready.fingerprint.unwrap_or_default(),
            data_dir,
            stdout: Arc::new(Mutex::new(Vec::new())),
            child: None,
            in_process: Some((thread, stop_tx)),
            clock: Some(clock),
            _temp: None,
        }
    }

    /// Moves the in-process server's clock forward by `seconds`; its timers act at once.
    pub fn advance(&self, seconds: i64) {
        self.clock.as_ref().expect("a server started with a manual clock").advance(seconds);
    }

    /// The in-process server's time, in unix seconds.
    pub fn now(&self) -> i64 {
        self.clock.as_ref().expect("a server started with a manual clock").now()
    }

    /// A server on `data_dir` (kept by the caller, so it can be restarted on the same folder).
    pub fn start_in(data_dir: &Path, env: &[(&str, &str)]) -> TestServer {
        TestServer::try_start_in(data_dir, env).unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn try_start_in(data_dir: &Path, env: &[(&str, &str)]) -> Result<TestServer, String> {
        TestServer::try_start_at(data_dir, "127.0.0.1:0", env)
    }

    /// A server on `data_dir` listening on a fixed address (so agents find it after a restart).
    pub fn start_at(data_dir: &Path, listen: &str, env: &[(&str, &str)]) -> TestServer {
        TestServer::try_start_at(data_dir, listen, env).unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn try_start_at(data_dir: &Path, listen: &str, env: &[(&str, &str)]) -> Result<TestServer, String> {
        TestServer::try_start_with(data_dir, listen, env, None)
    }

    /// A server on `data_dir` started under the file-creation mask `umask` (e.g. "022"), as a
    /// service manager or a shell with a permissive one would start it.
    pub fn start_with_umask(data_dir: &Path, umask: &str) -> TestServer {
        TestServer::try_start_with(data_dir, "127.0.0.1:0", &[], Some(umask)).unwrap_or_else(|e| panic!("{e}"))
    }

    fn try_start_with(
        data_dir: &Path,
        listen: &str,
        env: &[(&str, &str)],
        umask: Option<&str>,
    ) -> Result<TestServer, String> {
        init_tls();
        let log = data_dir.with_extension("log");
        std::fs::create_dir_all(data_dir.parent().unwrap()).unwrap();
        let stderr = std::fs::OpenOptions::new().create(true).append(true).open(&log).unwrap();
        let mut cmd = match umask {
            // `exec` keeps the process id, so kill and terminate still reach the server itself.
            Some(mask) => {
                let mut c = Command::new("sh");
                c.args(["-c", &format!("umask {mask} && exec \"$0\" \"$@\""), STEWARD]);
                c
            }
            None => Command::new(STEWARD),
        };
        cmd.args(["server", "--listen", listen, "--data-dir"])
            .arg(data_dir)
            .env_remove("STEWARD_CONFIG")
            .env_remove("STEWARD_ADMIN_PASSWORD")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().map_err(|e| format!("cannot start steward: {e}"))?;
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let stdout = child.stdout.take().unwrap();
        {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    lines.lock().unwrap().push(line);
                }
            });
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if lines.lock().unwrap().iter().any(|l| l.starts_with("Logs go to standard error")) {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                let log_text = std::fs::read_to_string(&log).unwrap_or_default();
                return Err(format!("steward exited with {status} before it was ready:\n{log_text}"));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return Err("steward did not become ready within 60 s".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let printed = lines.lock().unwrap().clone();
        let field = |prefix: &str| {
            printed.iter().find_map(|l| l.trim().strip_prefix(prefix).map(|v| v.trim().to_owned())).unwrap_or_default()
        };
        Ok(TestServer {
            url: field("URL:"),
            admin_password: field("password:"),
            fingerprint: field("TLS certificate SHA-256 fingerprint:"),
            data_dir: data_dir.to_owned(),
            stdout: lines,
            child: Some(child),
            in_process: None,
            clock: None,
            _temp: None,
        })
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("steward.db")
    }

    /// An HTTP client for this server: accepts its self-signed certificate, keeps cookies.
    pub fn client(&self) -> reqwest::Client {
        http_client()
    }

    /// A client logged in as admin through `/auth/login`, with the session's CSRF token.
    pub async fn admin(&self) -> Session {
        Session::login(self, "admin", &self.admin_password).await
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("server running").id()
    }

    /// Sends SIGKILL: no shutdown code runs.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends SIGTERM and waits for a clean exit; returns the exit code.
    pub fn terminate(&mut self) -> Option<i32> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return status.code();
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What the server wrote to standard error so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data_dir.with_extension("log")).unwrap_or_default()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
        if let Some((thread, stop)) = self.in_process.take() {
            let _ = stop.send(());
            let _ = thread.join();
        }
    }
}

pub fn http_client() -> reqwest::Client {
    init_tls();
    reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .cookie_store(true)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client")
}

/// A logged-in browser-like session: cookie jar plus CSRF token.
pub struct Session {
    pub client: reqwest::Client,
    pub csrf: String,
    pub base: String,
}

impl Session {
    pub async fn login(server: &TestServer, login: &str, password: &str) -> Session {
        let client = server.client();
        let res = client
            .post(format!("{}/auth/login", server.url))
            .json(&json!({ "login": login, "password": password }))
            .send()
            .await
            .expect("login request");
        assert_eq!(res.status(), 200, "login as {login} failed: {}", res.text().await.unwrap_or_default());
        let body: Value = res.json().await.unwrap();
        Session { client, csrf: body["csrf_token"].as_str().unwrap().to_owned(), base: server.url.clone() }
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let res = self.client.get(format!("{}{path}", self.base)).send().await.expect("GET");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
        let res = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, body).await
    }
}

/// Runs `steward` with arguments (and optional standard input); returns (exit code, stdout, stderr).
pub fn steward(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> (i32, String, String) {
    use std::io::Write;
    let mut cmd = Command::new(STEWARD);
    cmd.args(args).env_remove("STEWARD_CONFIG").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run steward");
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A port free right now on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits up to `secs` for `check` to give `Some`, polling every 100 ms.
pub async fn eventually<T, F, Fut>(secs: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out after {secs} s waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs `steward agent enroll` against `url` with a pinned fingerprint; returns (code, stdout, stderr).
pub fn enroll_agent(url: &str, token: &str, fingerprint: &str, state_dir: &Path) -> (i32, String, String) {
    let state = state_dir.to_str().unwrap();
    steward(
        &["agent", "enroll", "--server", url, "--token", token, "--fingerprint", fingerprint, "--state-dir", state],
        None,
        &[],
    )
}

/// A `steward agent` process with its own state folder.
pub struct TestAgent {
    pub state_dir: PathBuf,
    child: Option<Child>,
    _temp: tempfile::TempDir,
}

impl TestAgent {
    /// Enrolls a new agent state folder with `token`, pinning the server's certificate.
    pub fn enroll(server: &TestServer, token: &str) -> TestAgent {
        let temp = tempfile::tempdir().unwrap();
        let state_dir = temp.path().join("agent");
        let (code, out, err) = enroll_agent(&server.url, token, &server.fingerprint, &state_dir);
        assert_eq!(code, 0, "enroll failed: {out}{err}");
        TestAgent { state_dir, child: None, _temp: temp }
    }

    /// Like `enroll`, as a machine with its own machine id, so several agents on this one
    /// machine are several devices.
    pub fn enroll_as(server: &TestServer, token: &str, machine_id: &str) -> TestAgent {
        let temp = tempfile::tempdir().unwrap();
        let state_dir = temp.path().join("agent");
        let state = state_dir.to_str().unwrap();
        let (code, out, err) = steward(
            &[
                "agent",
                "enroll",
                "--server",
                &server.url,
                "--token",
                token,
                "--fingerprint",
                &server.fingerprint,
                "--state-dir",
                state,
            ],
            None,
            &[("STEWARD_MACHINE_ID", machine_id)],
        );
        assert_eq!(code, 0, "enroll failed: {out}{err}");
        TestAgent { state_dir, child: None, _temp: temp }
    }

    /// An agent whose state folder the test writes itself (`<temp>/agent`).
    pub fn in_temp(temp: tempfile::TempDir) -> TestAgent {
        TestAgent { state_dir: temp.path().join("agent"), child: None, _temp: temp }
    }

    /// The exit code once the agent process has ended by itself; `None` while it runs.
    pub fn exit_code(&mut self) -> Option<i32> {
        let status = self.child.as_mut()?.try_wait().ok()??;
        self.child = None;
        Some(status.code().unwrap_or(-1))
    }

    /// Starts `steward agent run` at `interval` (e.g. "1s").
    pub fn start(&mut self, interval: &str) {
        assert!(self.child.is_none(), "agent already running");
        let log =
            std::fs::OpenOptions::new().create(true).append(true).open(self.state_dir.with_extension("log")).unwrap();
        let child = Command::new(STEWARD)
            .args(["agent", "run", "--interval", interval, "--state-dir"])
            .arg(&self.state_dir)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start the agent");
        self.child = Some(child);
    }

    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The device credential (`<id>:<secret>`) enrollment stored.
    pub fn credential(&self) -> String {
        let state: Value =
            serde_json::from_str(&std::fs::read_to_string(self.state_dir.join("agent.json")).unwrap()).unwrap();
        state["credential"].as_str().unwrap().to_owned()
    }

    pub fn device_id(&self) -> i64 {
        let state: Value =
            serde_json::from_str(&std::fs::read_to_string(self.state_dir.join("agent.json")).unwrap()).unwrap();
        state["device_id"].as_i64().unwrap()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.state_dir.with_extension("log")).unwrap_or_default()
    }

    /// The sequence numbers of the reports waiting in the agent's spool (`<seq>-*.json`).
    pub fn spooled_seqs(&self) -> Vec<i64> {
        let Ok(dir) = std::fs::read_dir(self.state_dir.join("spool")) else { return Vec::new() };
        dir.filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_suffix(".json")?.split_once('-')?.0.parse().ok()
            })
            .collect()
    }
}

impl Drop for TestAgent {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Makes a client and an enrollment token for it through the API; returns (client id, token answer).
pub async fn client_and_token(admin: &Session, client: &str, extra: Value) -> (i64, Value) {
    let (status, c) = admin.post("/api/v1/clients", json!({ "name": client })).await;
    assert_eq!(status, 201, "{c}");
    let id = c["id"].as_i64().unwrap();
    let mut body = json!({ "client_id": id });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let (status, token) = admin.post("/api/v1/enroll-tokens", body).await;
    assert_eq!(status, 201, "{token}");
    (id, token)
}

/// A webhook receiver on loopback that keeps every JSON body it is sent.
pub struct Receiver {
    pub url: String,
    pub bodies: Arc<Mutex<Vec<Value>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let kept = bodies.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |body: axum::body::Bytes| {
                let kept = kept.clone();
                async move {
                    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    kept.lock().unwrap().push(v);
                    "ok"
                }
            }),
        );
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { url, bodies, task }
    }

    /// Payloads about `alert_id` with `event`.
    pub fn about(&self, alert_id: i64, event: &str) -> Vec<Value> {
        self.bodies
            .lock()
            .unwrap()
            .iter()
            .filter(|b| b["alert_id"] == alert_id && b["event"] == event)
            .cloned()
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One e-mail as an SMTP server saw it: the envelope recipients and the message text.
#[derive(Debug, Clone)]
pub struct Mail {
    pub rcpt: Vec<String>,
    pub data: String,
}

/// A minimal SMTP server on loopback that accepts everything and keeps the mails.
pub async fn start_smtp_sink() -> (u16, Arc<Mutex<Vec<Mail>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let kept = mails.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let mails = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = tokio::io::BufReader::new(read).lines();
                let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                let mut rcpt = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
                    let answer: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 sink\r\n",
                        "RCPT" => {
                            rcpt.push(
                                line.trim_start_matches(|c| c != '<').trim_matches(|c| c == '<' || c == '>').into(),
                            );
                            b"250 OK\r\n"
                        }
                        "DATA" => {
                            let _ = write.write_all(b"354 go ahead\r\n").await;
                            let mut data = String::new();
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                data.push_str(l.strip_prefix('.').filter(|_| l.starts_with("..")).unwrap_or(&l));
                                data.push('\n');
                            }
                            mails.lock().unwrap().push(Mail { rcpt: std::mem::take(&mut rcpt), data });
                            b"250 queued\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        }
                        // MAIL, RSET, NOOP and anything else.
                        _ => b"250 OK\r\n",
                    };
                    if write.write_all(answer).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, mails)
}

/// Adds a client through the API; answers its id.
pub async fn add_client(admin: &Session, name: &str) -> i64 {
    let (status, c) = admin.post("/api/v1/clients", json!({ "name": name })).await;
    assert_eq!(status, 201, "{c}");
    c["id"].as_i64().unwrap()
}

/// Opens a ticket through the API as `s`; answers it.
pub async fn open_ticket(s: &Session, body: Value) -> Value {
    let (status, t) = s.post("/api/v1/tickets", body).await;
    assert_eq!(status, 201, "{t}");
    t
}
