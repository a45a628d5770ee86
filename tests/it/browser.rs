//! The web UI in real headless Chromium, driven through chromedriver (Debian's `chromium` and
//! `chromium-driver`). The test command installs them; a missing browser fails the test with a
//! sentence saying how to install it, never a silent skip.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::common::TestServer;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A headless Chromium session; the driver process ends with it.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> Browser {
        for (path, package) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
            assert!(
                std::path::Path::new(path).exists(),
                "{path} is missing: install Debian's {package} (apt-get install chromium chromium-driver), \
                 or run the suite with scripts/test, which installs it"
            );
        }
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({
            "acceptInsecureCerts": true,
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1400,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let caps: fantoccini::wd::Capabilities = caps.as_object().unwrap().clone();
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector).capabilities(caps.clone()).connect(&url).await {
                Ok(c) => break c,
                Err(e) if Instant::now() > deadline => panic!("cannot start a Chromium session: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        Browser { client, driver, _profile: profile }
    }

    /// Waits (up to 10 s) for an element matching `css` and returns its text.
    pub async fn text_of(&self, css: &str) -> String {
        let el = self.client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(css)).await;
        let el = el.unwrap_or_else(|e| panic!("no element {css}: {e}"));
        el.text().await.unwrap()
    }

    /// Waits (up to 10 s) until the element's text contains `needle`; returns the text.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(el) = self.client.find(Locator::Css(css)).await
                && let Ok(text) = el.text().await
                && text.contains(needle)
            {
                return text;
            }
            if Instant::now() > deadline {
                let source = self.client.source().await.unwrap_or_default();
                panic!("{css} never showed {needle:?}; page:\n{}", &source[..source.len().min(3000)]);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(css)).await.unwrap();
        el.clear().await.unwrap();
        el.send_keys(text).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        let el = self.client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(css)).await.unwrap();
        el.click().await.unwrap();
    }

    /// Ends the session and the driver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

#[tokio::test]
async fn admin_logs_in_with_the_printed_password_sees_the_app_and_logs_out() {
    let server = TestServer::start();
    let browser = Browser::start().await;
    browser.client.goto(&server.url).await.unwrap();

    // A wrong password shows the server's sentence, and no app.
    browser.fill("#login", "admin").await;
    browser.fill("#password", "not-the-password").await;
    browser.click("#login-submit").await;
    browser.wait_for_text("#login-error", "Wrong login or password").await;
    assert!(browser.client.find(Locator::Css("#current-user")).await.is_err(), "no app after a failed login");

    // The printed password opens the app.
    browser.fill("#password", &server.admin_password).await;
    browser.click("#login-submit").await;
    browser.wait_for_text("#current-user", "admin").await;
    let nav = browser.text_of("#nav").await;
    assert!(nav.contains("Clients") && nav.contains("Users"), "an admin's navigation: {nav}");

    // Reloading keeps the session (the cookie, not page state, carries it).
    browser.client.refresh().await.unwrap();
    browser.wait_for_text("#current-user", "admin").await;

    browser.click("#logout").await;
    browser.client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#login")).await.unwrap();
    browser.client.refresh().await.unwrap();
    browser.client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#login")).await.unwrap();
    assert!(browser.client.find(Locator::Css("#current-user")).await.is_err(), "logged out stays logged out");
    browser.close().await;
}
