//! Sign-in security in real headless Chromium against the real server: setting up an
//! authenticator app from the Account page (the code computed here from the key the page shows),
//! logging in with the code step, an organisation that requires a second factor, the audit log
//! page with its filters, and a passkey (Chromium's virtual authenticator) added on the Account
//! page and used to log in. The `Browser` helper and its rules live in `browser.rs`.

use fantoccini::Locator;
use serde_json::json;
use steward::auth::totp::{base32_decode, code_at, step_of};

use crate::browser::Browser;
use crate::common::{TestServer, free_port};

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The code an authenticator app shows for `key` at `step`, as six digits.
fn code(key: &[u8], step: i64) -> String {
    format!("{:06}", code_at(key, step))
}

/// Sets up an authenticator app on the open Account page the way a person does: password, then
/// the key the page shows typed into the "app" (here: computed), then the first code. Confirms
/// with the previous step's code, so the current step's code is still unused for a login.
/// Returns the key.
async fn set_up_authenticator(browser: &Browser, password: &str) -> Vec<u8> {
    browser.wait_for_text("#mfa-card", "Off").await;
    browser.click("#mfa-setup").await;
    browser.fill("#mfa-password", password).await;
    browser.click("#mfa-password-submit").await;

    let shown = browser.text_of("#mfa-secret").await;
    let secret: String = shown.split_whitespace().collect();
    assert!(shown.contains(' ') && secret.len() >= 16, "the key is shown in groups for typing by hand: {shown:?}");
    let key = base32_decode(&secret).unwrap_or_else(|| panic!("the page shows a base32 key: {shown:?}"));
    // The QR code is a data: image the CSP allows, so it actually renders.
    browser
        .wait_until(
            "the QR code to render",
            "const img = document.querySelector('#mfa-qr'); return !!img && img.complete && img.naturalWidth > 0",
        )
        .await;

    browser.fill("#mfa-confirm-code", &code(&key, step_of(now()) - 1)).await;
    browser.click("#mfa-confirm-submit").await;
    browser.wait_count("#recovery-codes li", 10).await;
    browser
        .wait_until(
            "every recovery code to show",
            "return [...document.querySelectorAll('#recovery-codes li')].every((li) => li.innerText.trim().length > 0)",
        )
        .await;
    // Read from the page itself: WebDriver's element text is empty for items scrolled out of the
    // dialog's view.
    let codes: Vec<String> = serde_json::from_value(
        browser
            .js("return [...document.querySelectorAll('#recovery-codes li')].map((li) => li.textContent.trim())")
            .await,
    )
    .unwrap();
    assert!(codes.iter().all(|c| c.len() == 11 && c.contains('-')), "recovery codes like abcde-fghjk: {codes:?}");
    let download =
        browser.js("return document.querySelector('#recovery-codes-download').getAttribute('download')").await;
    assert_eq!(download, json!("steward-recovery-codes.txt"), "the codes download as a text file");
    browser.click("#recovery-codes-done").await;
    browser.wait_gone("#recovery-codes-dialog").await;
    browser.wait_for_text("#mfa-state", "On").await;
    browser.wait_for_text("#mfa-codes-left", "10 recovery codes left").await;
    key
}

#[tokio::test]
async fn admin_sets_up_an_authenticator_logs_in_with_a_code_and_finds_it_in_the_audit_log() {
    let server = TestServer::start();
    let browser = Browser::start().await;
    browser.log_in(&server, "admin", &server.admin_password).await;
    browser.click("#nav [data-nav=account]").await;
    browser.wait_for_text("#sessions-table", "This session").await;
    let key = set_up_authenticator(&browser, &server.admin_password).await;
    browser.wait_for_text("#profile-mfa", "On").await;

    browser.click("#logout").await;
    browser.fill("#login", "admin").await;
    browser.fill("#password", &server.admin_password).await;
    browser.click("#login-submit").await;
    browser.wait_for_text("#mfa-lead", "Enter the 6-digit code from your authenticator app").await;
    let input = browser.client.find(Locator::Css("#mfa-code")).await.unwrap();
    assert_eq!(input.attr("autocomplete").await.unwrap().as_deref(), Some("one-time-code"));
    assert_eq!(input.attr("inputmode").await.unwrap().as_deref(), Some("numeric"));
    assert!(browser.client.find(Locator::Css("#current-user")).await.is_err(), "the password alone opens nothing");

    // A wrong code is refused with the server's sentence; the right one opens the app.
    let step = step_of(now());
    let good: Vec<String> = (step - 2..=step + 2).map(|s| code(&key, s)).collect();
    let wrong = (0..).map(|n| format!("{n:06}")).find(|c| !good.contains(c)).unwrap();
    browser.fill("#mfa-code", &wrong).await;
    browser.click("#mfa-submit").await;
    browser.wait_for_text("#login-error", "not right").await;
    browser.fill("#mfa-code", &code(&key, step_of(now()))).await;
    browser.click("#mfa-submit").await;
    browser.wait_for_text("#current-user", "admin").await;

    // The audit log tells the story, newest first; the failure stands out.
    browser.click("#nav [data-nav=audit]").await;
    browser.wait_for_text("#audit-table", "mfa.enabled").await;
    let actions = browser.texts("#audit-table tbody tr[data-audit-id] td[data-col=action]").await;
    for wanted in ["login", "login.mfa_failed", "mfa.enabled", "logout"] {
        assert!(actions.iter().any(|a| a == wanted), "the log shows {wanted}: {actions:?}");
    }
    assert_eq!(actions.first().map(String::as_str), Some("login"), "newest first: {actions:?}");
    let failed = browser
        .js("return document.querySelector('tr[data-action=\"login.mfa_failed\"] .audit-action').className")
        .await;
    assert!(failed.as_str().unwrap().contains("audit-bad"), "a failed code is marked in red: {failed}");
    let all = actions.len();

    // One action narrows the list to it, and the choice lands in the address and the CSV link.
    browser
        .wait_until(
            "the action filter to offer mfa.enabled",
            "const s = document.querySelector('#audit-filter-action');
             return !s.disabled && !!s.querySelector('option[value=\"mfa.enabled\"]')",
        )
        .await;
    let select = browser.client.find(Locator::Css("#audit-filter-action")).await.unwrap();
    select.select_by_value("mfa.enabled").await.unwrap();
    browser
        .wait_until(
            "only mfa.enabled rows",
            "const rows = [...document.querySelectorAll('#audit-table tbody tr[data-audit-id]')];
             return rows.length === 1 && rows[0].dataset.action === 'mfa.enabled'",
        )
        .await;
    assert!(browser.js("return location.hash").await.as_str().unwrap().contains("action=mfa.enabled"));
    let csv = browser.js("return document.querySelector('#audit-csv').getAttribute('href')").await;
    assert!(csv.as_str().unwrap().contains("action=mfa.enabled"), "the CSV has the same filter: {csv}");

    // A family ("login") takes in login.mfa_failed too, and nothing else.
    let select = browser.client.find(Locator::Css("#audit-filter-action")).await.unwrap();
    select.select_by_value("login").await.unwrap();
    browser
        .wait_until(
            "only the login family",
            "const rows = [...document.querySelectorAll('#audit-table tbody tr[data-audit-id]')];
             return rows.length >= 3 && rows.every((r) => r.dataset.action === 'login' || r.dataset.action.startsWith('login.'))
               && rows.some((r) => r.dataset.action === 'login.mfa_failed')",
        )
        .await;
    assert!(browser.count("#audit-table tbody tr[data-audit-id]").await < all, "the filter narrowed the list");
    browser.close().await;
}

#[tokio::test]
async fn a_required_second_factor_keeps_the_admin_on_the_account_page_until_it_is_set_up() {
    let temp = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(&temp.path().join("data"), &[("STEWARD_AUTH__REQUIRE_MFA_FOR", "admins")]);
    let browser = Browser::start().await;
    browser.log_in(&server, "admin", &server.admin_password).await;

    browser.wait_until("the app to hold the admin on #/account", "return location.hash === '#/account'").await;
    browser.wait_for_text("#mfa-setup-banner", "Your organisation requires a second factor").await;
    let nav = browser.text_of("#nav").await;
    assert!(
        nav.contains("Account") && !nav.contains("Dashboard") && !nav.contains("Devices"),
        "nothing else to go to: {nav}"
    );
    browser.client.goto(&format!("{}/#/devices", server.url)).await.unwrap();
    browser.wait_until("the app to send the admin back to #/account", "return location.hash === '#/account'").await;
    browser.wait_for_text("#mfa-setup-banner", "set up an authenticator app to continue").await;

    set_up_authenticator(&browser, &server.admin_password).await;
    browser.wait_gone("#mfa-setup-banner").await;
    browser.wait_for_text("#nav", "Dashboard").await;
    assert!(browser.text_of("#mfa-card").await.contains("cannot be turned off"), "a required factor has no Turn off");
    assert_eq!(browser.count("#mfa-disable").await, 0);
    browser.click("#nav [data-nav=dashboard]").await;
    browser.wait_for_text("#page-title", "Dashboard").await;
    browser.close().await;
}

#[tokio::test]
async fn a_passkey_added_on_the_account_page_finishes_the_next_login() {
    // WebAuthn wants a host name (the relying party id), so the server is reached as localhost.
    let temp = tempfile::tempdir().unwrap();
    let port = free_port();
    let public_url = format!("https://localhost:{port}");
    let server = TestServer::start_at(
        &temp.path().join("data"),
        &format!("127.0.0.1:{port}"),
        &[("STEWARD_SERVER__PUBLIC_URL", &public_url)],
    );
    assert_eq!(server.url, public_url);
    let browser = Browser::start().await;
    browser.add_virtual_authenticator().await;
    browser.log_in(&server, "admin", &server.admin_password).await;
    browser.click("#nav [data-nav=account]").await;
    browser.wait_for_text("#passkeys", "No passkeys yet").await;
    browser.wait_for_text("#profile-mfa", "Off").await;

    // A wrong password is refused in the dialog, before the browser is asked for anything.
    browser.click("#passkey-add").await;
    browser.fill("#passkey-name", "Work laptop").await;
    browser.fill("#passkey-password", "not-the-password-at-all").await;
    browser.click("#passkey-submit").await;
    browser.wait_for_text("#passkey-dialog", "The current password is wrong").await;
    browser.fill("#passkey-password", &server.admin_password).await;
    browser.click("#passkey-submit").await;
    browser.wait_gone("#passkey-dialog").await;
    browser.wait_for_text("#passkeys-list", "Work laptop").await;
    assert!(browser.text_of("#passkeys-list").await.contains("not used yet"));
    browser.wait_for_text("#profile-mfa", "On").await;

    // The next login asks for the passkey after the password, and the passkey alone finishes it.
    browser.click("#logout").await;
    browser.fill("#login", "admin").await;
    browser.fill("#password", &server.admin_password).await;
    browser.click("#login-submit").await;
    browser.wait_for_text("#mfa-lead", "passkey").await;
    assert_eq!(browser.count("#mfa-code").await, 0, "no code to type without an authenticator app");
    assert!(browser.client.find(Locator::Css("#current-user")).await.is_err(), "the password alone opens nothing");
    browser.click("#mfa-use-passkey").await;
    browser.wait_for_text("#current-user", "admin").await;

    browser.click("#nav [data-nav=account]").await;
    browser.wait_for_text("#passkeys-list", "last used").await;
    browser.click("#nav [data-nav=audit]").await;
    browser.wait_for_text("#audit-table", "mfa.passkey_added").await;
    browser.wait_for_text("#audit-table", "passkey \"Work laptop\"").await;
    browser.close().await;
}
