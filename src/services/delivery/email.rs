//! E-mail channels: the SMTP transport built from `[notifications]`, and sending one notice.
//! The transport keeps a small pool of connections; a config reload builds a new one, and the
//! old one closes when the last delivery using it ends.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::{NotificationsConfig, SmtpSecurity};
use crate::notify::{Message, payload};

/// One SMTP conversation may take this long before it counts as failed (and is retried).
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Mailer {
    /// `Err` says why e-mail cannot be sent with these settings (no host set, say).
    transport: Result<AsyncSmtpTransport<Tokio1Executor>, String>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(config: &NotificationsConfig, public_url: &str) -> Mailer {
        Mailer { transport: transport(config), from: sender(config, public_url) }
    }

    /// Sends notice `m` to the comma-separated addresses `to`, as one mail.
    pub async fn send(&self, delivery_id: i64, m: &Message, to: &str) -> Result<(), String> {
        let transport = self.transport.as_ref().map_err(Clone::clone)?;
        let mut builder = lettre::Message::builder()
            .from(self.from.clone())
            .subject(m.title.clone())
            // The same notice sent twice (at-least-once) has the same Message-ID, so mail
            // clients and list servers can drop the repeat.
            .message_id(Some(format!("<steward.delivery.{delivery_id}@{}>", self.from.email.domain())))
            .header(ContentType::TEXT_PLAIN);
        let mut any = false;
        for address in to.split(',').map(str::trim).filter(|a| !a.is_empty()) {
            let mailbox: Mailbox =
                address.parse().map_err(|e| format!("{address:?} is not an e-mail address ({e})"))?;
            builder = builder.to(mailbox);
            any = true;
        }
        if !any {
            return Err("the channel has no e-mail address".into());
        }
        let mail =
            builder.body(payload::email_text(delivery_id, m)).map_err(|e| format!("cannot build the e-mail: {e}"))?;
        transport.send(mail).await.map(|_| ()).map_err(|e| describe(&e))
    }
}

fn transport(c: &NotificationsConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    if c.smtp_host.is_empty() {
        return Err("e-mail is not set up: set smtp_host in the [notifications] section of the config file".into());
    }
    let host = c.smtp_host.as_str();
    let builder = match c.smtp_security {
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
        SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
        SmtpSecurity::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)),
    }
    .map_err(|e| format!("notifications.smtp_host {host:?} cannot be used: {}", describe(&e)))?;
    let mut builder = builder.port(c.smtp_port).timeout(Some(SMTP_TIMEOUT));
    if !c.smtp_username.is_empty() {
        builder = builder.credentials(Credentials::new(c.smtp_username.clone(), c.smtp_password.clone()));
    }
    Ok(builder.build())
}

/// `smtp_from`, or steward@ the public URL's host (steward@localhost when that is no domain).
fn sender(c: &NotificationsConfig, public_url: &str) -> Mailbox {
    if let Ok(m) = c.smtp_from.parse::<Mailbox>() {
        return m;
    }
    let host = crate::netaddr::url_host(public_url).unwrap_or_default();
    format!("Steward <steward@{host}>")
        .parse()
        .unwrap_or_else(|_| "Steward <steward@localhost>".parse().expect("a valid fallback sender"))
}

/// An error with its causes, on one line ("Connection error: Connection refused (os error 111)").
pub(super) fn describe(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sender_defaults_to_the_public_host() {
        let mut c = NotificationsConfig::default();
        assert_eq!(sender(&c, "https://rmm.example.com:8443").email.to_string(), "steward@rmm.example.com");
        assert_eq!(sender(&c, "").email.to_string(), "steward@localhost");
        c.smtp_from = "Ops <ops@example.net>".into();
        assert_eq!(sender(&c, "https://rmm.example.com").email.to_string(), "ops@example.net");
    }

    #[tokio::test]
    async fn without_a_host_the_mail_waits_with_a_sentence() {
        let mailer = Mailer::new(&NotificationsConfig::default(), "");
        let m = crate::notify::test_message("ops", None, "admin", "", "");
        let err = mailer.send(1, &m, "ann@example.com").await.unwrap_err();
        assert!(err.contains("smtp_host"), "{err}");
    }
}
