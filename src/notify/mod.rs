//! Notifications: what the rule engine (and later the ticket queue) tells people, and how it
//! reaches them. A notice is written to the outbox in the same transaction as the change that
//! caused it, one row per channel that wants it; the notifier delivers the outbox with retries.
//!
//! This module is pure: what a notice says (`Message`, composed by the functions here) and what
//! each kind of channel receives (`payload`). Writing the outbox is `db::notifications::enqueue`,
//! called inside the transaction of the change; delivering it is `services::delivery`.
//!

pub mod payload;

#[cfg(test)]
mod every_kind;

use serde::{Deserialize, Serialize};

use crate::rules::Severity;

/// Why a notice is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// An alert opened.
    Opened,
    /// An open alert's severity changed.
    Severity,
    /// An alert still unresolved after its rule's re-notify interval.
    Renotify,
    /// An alert resolved (recovery notice).
    Resolved,
    /// The "send test" button.
    Test,
    /// A ticket used the warning share of an SLA target.
    SlaWarning,
    /// A ticket missed an SLA target.
    SlaBreach,
    /// A public comment on a ticket, mailed to the ticket's contact.
    TicketComment,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Opened => "opened",
            Event::Severity => "severity",
            Event::Renotify => "renotify",
            Event::Resolved => "resolved",
            Event::Test => "test",
            Event::SlaWarning => "sla_warning",
            Event::SlaBreach => "sla_breach",
            Event::TicketComment => "ticket_comment",
        }
    }
}

/// One notice, with everything a person needs to act on it without opening Steward.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub event: Event,
    pub severity: Severity,
    /// One line, e.g. "CRITICAL: disk / at 96.2 % on web-01 (Acme)".
    pub title: String,
    /// A few lines of detail.
    pub body: String,
    pub alert_id: Option<i64>,
    pub rule: String,
    pub client_id: Option<i64>,
    pub client: String,
    pub device_id: Option<i64>,
    pub device: String,
    /// What the alert is about on the device: a mount point, a disk, a process; may be empty.
    pub subject: String,
    pub value: Option<f64>,
    pub threshold: Option<f64>,
    /// A link into the UI.
    pub link: String,
    /// RFC 3339 UTC.
    pub at: String,
}

/// What kind of receiver a channel is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// SMTP; the target is comma-separated addresses.
    Email,
    /// Generic JSON POST of the `Message` plus `delivery_id`.
    Webhook,
    /// A Slack incoming webhook (or a Slack-compatible one: Mattermost, Rocket.Chat).
    Slack,
    /// A Microsoft Teams workflow webhook (Adaptive Card).
    Teams,
    /// The bell in Steward's own UI.
    InApp,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 5] =
        [ChannelKind::Email, ChannelKind::Webhook, ChannelKind::Slack, ChannelKind::Teams, ChannelKind::InApp];

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Email => "email",
            ChannelKind::Webhook => "webhook",
            ChannelKind::Slack => "slack",
            ChannelKind::Teams => "teams",
            ChannelKind::InApp => "in_app",
        }
    }

    pub fn parse(s: &str) -> Option<ChannelKind> {
        ChannelKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Kinds whose target is an http(s) URL.
    pub fn takes_url(self) -> bool {
        matches!(self, ChannelKind::Webhook | ChannelKind::Slack | ChannelKind::Teams)
    }
}

/// Which SLA clock a notice is about.
/// What an alert notice is about: the alert, its rule, and where it fired.
#[derive(Debug, Clone)]
pub struct AlertNotice<'a> {
    /// Opened, Severity (changed), Resolved or Renotify (a reminder).
    pub event: Event,
    pub severity: Severity,
    pub alert_id: i64,
    pub rule: &'a str,
    pub client_id: i64,
    pub client: &'a str,
    pub device_id: i64,
    pub device: &'a str,
    /// A mount point, a disk, a process; may be empty.
    pub subject: &'a str,
    /// The alert's state in words, e.g. "disk / at 96.2 %".
    pub summary: &'a str,
    pub value: Option<f64>,
    pub threshold: Option<f64>,
    /// The public URL, for the link.
    pub base: &'a str,
}

/// The notice for an alert opening, changing severity, resolving or still waiting (a reminder):
/// the label says which, the body has everything needed to act without opening Steward.
pub fn alert_message(n: &AlertNotice) -> Message {
    let label = match n.event {
        Event::Resolved => "RESOLVED".to_owned(),
        Event::Renotify => format!("STILL {}", n.severity.as_str().to_uppercase()),
        _ => n.severity.as_str().to_uppercase(),
    };
    let link = format!("{}/#/alerts/{}", n.base.trim_end_matches('/'), n.alert_id);
    let mut body = format!("Rule: {}\nClient: {}\nDevice: {}\n", n.rule, n.client, n.device);
    if !n.subject.is_empty() {
        body.push_str(&format!("Subject: {}\n", n.subject));
    }
    body.push_str(&format!("Status: {}\n", n.summary));
    if let Some(v) = n.value {
        body.push_str(&format!("Value: {}\n", payload::number(Some(v))));
    }
    if let Some(t) = n.threshold {
        body.push_str(&format!("Threshold: {}\n", payload::number(Some(t))));
    }
    body.push_str(&format!("Link: {link}\n"));
    Message {
        event: n.event,
        severity: n.severity,
        title: format!("[{label}] {} ({}): {}", n.device, n.client, n.summary),
        body,
        alert_id: Some(n.alert_id),
        rule: n.rule.to_owned(),
        client_id: Some(n.client_id),
        client: n.client.to_owned(),
        device_id: Some(n.device_id),
        device: n.device.to_owned(),
        subject: n.subject.to_owned(),
        value: n.value,
        threshold: n.threshold,
        link,
        at: String::new(),
    }
}

/// The notice of a ticket's SLA warning (`breached` false) or breach, for the channels and for
/// the people who must act. `base` is the server's public URL; `at` is RFC 3339.
pub fn sla_message(
    ticket: &crate::tickets::Ticket,
    clock: crate::tickets::lifecycle::Clock,
    breached: bool,
    base: &str,
    at: &str,
) -> Message {
    let (event, severity, what) = if breached {
        (Event::SlaBreach, Severity::Critical, "missed its SLA target")
    } else {
        (Event::SlaWarning, Severity::Warning, "is close to its SLA target")
    };
    let (id, clock) = (ticket.id, clock.label());
    let who = ticket.assignee.as_deref().unwrap_or("nobody yet");
    let link = format!("{}/#/tickets/{id}", base.trim_end_matches('/'));
    Message {
        event,
        severity,
        title: format!("Ticket #{id} {what} for {clock} ({}): {}", ticket.client, ticket.subject),
        body: format!(
            "Ticket: #{id} {}\nClient: {}\nPriority: {}\nClock: {clock}\nAssignee: {who}\nLink: {link}\n",
            ticket.subject, ticket.client, ticket.priority
        ),
        alert_id: None,
        rule: String::new(),
        client_id: Some(ticket.client_id),
        client: ticket.client.clone(),
        device_id: ticket.device_id,
        device: String::new(),
        subject: format!("ticket #{id}"),
        value: None,
        threshold: None,
        link,
        at: at.into(),
    }
}

/// The e-mail a ticket's contact gets when the MSP answers in public: the ticket in the subject
/// line (so replies thread), who wrote, and what.
pub fn reply_message(ticket: &crate::tickets::Ticket, author: &str, body: &str, link: &str, at: &str) -> Message {
    Message {
        event: Event::TicketComment,
        severity: Severity::Warning,
        title: format!("[Ticket #{}] {}", ticket.id, ticket.subject),
        body: format!("{author} wrote:\n\n{body}"),
        alert_id: None,
        rule: String::new(),
        client_id: Some(ticket.client_id),
        client: ticket.client.clone(),
        device_id: None,
        device: String::new(),
        subject: format!("Ticket #{}: {}", ticket.id, ticket.subject),
        value: None,
        threshold: None,
        link: link.to_owned(),
        at: at.into(),
    }
}

/// The notice the "send test" button sends: shaped like a real alert notice, with example
/// values in every field, so the receiving end shows what a real one will look like.
pub fn test_message(channel_name: &str, client: Option<(i64, &str)>, by: &str, public_url: &str, at: &str) -> Message {
    let client_name = client.map_or("Example client", |(_, name)| name);
    Message {
        event: Event::Test,
        severity: Severity::Critical,
        title: format!("TEST: disk / at 96.5 % on example-pc ({client_name})"),
        body: format!(
            "This is a test notice to the channel \"{channel_name}\", sent by {by}. \
             A real notice looks like this, with the alert's own values."
        ),
        alert_id: None,
        rule: "Disk usage (example)".into(),
        client_id: client.map(|(id, _)| id),
        client: client_name.into(),
        device_id: None,
        device: "example-pc".into(),
        subject: "/".into(),
        value: Some(96.5),
        threshold: Some(90.0),
        link: format!("{}/#/channels", public_url.trim_end_matches('/')),
        at: at.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket() -> crate::tickets::Ticket {
        crate::tickets::Ticket {
            id: 42,
            subject: "Printer offline".into(),
            client_id: 3,
            client: "Acme".into(),
            priority: crate::tickets::Priority::P2,
            assignee: Some("Tina".into()),
            ..Default::default()
        }
    }

    #[test]
    fn sla_notices_read_as_lines_with_everything_a_technician_needs() {
        let m = sla_message(
            &ticket(),
            crate::tickets::lifecycle::Clock::Resolution,
            true,
            "https://rmm.example.com/",
            "2026-12-03T09:00:00Z",
        );
        assert_eq!((m.event, m.severity), (Event::SlaBreach, Severity::Critical));
        assert_eq!(m.title, "Ticket #42 missed its SLA target for resolution (Acme): Printer offline");
        assert_eq!(
            m.body,
            "Ticket: #42 Printer offline\nClient: Acme\nPriority: P2\nClock: resolution\nAssignee: Tina\n\
             Link: https://rmm.example.com/#/tickets/42\n"
        );
        assert!(!m.body.contains("\\n"), "real line breaks, not a backslash and an n");
        assert_eq!((m.client_id, m.link.as_str()), (Some(3), "https://rmm.example.com/#/tickets/42"));

        let unassigned = crate::tickets::Ticket { assignee: None, ..ticket() };
        let w = sla_message(
            &unassigned,
            crate::tickets::lifecycle::Clock::FirstResponse,
            false,
            "https://rmm.example.com",
            "x",
        );
        assert_eq!((w.event, w.severity), (Event::SlaWarning, Severity::Warning));
        assert_eq!(w.title, "Ticket #42 is close to its SLA target for first response (Acme): Printer offline");
        assert!(w.body.contains("\nClock: first response\nAssignee: nobody yet\n"), "{}", w.body);
    }

    #[test]
    fn a_public_reply_reads_as_who_wrote_what_under_the_tickets_subject() {
        let m = reply_message(
            &ticket(),
            "Tina",
            "Restarted the spooler.\nPlease try again.",
            "https://rmm/#/tickets/42",
            "t",
        );
        assert_eq!(m.event, Event::TicketComment);
        assert_eq!(m.title, "[Ticket #42] Printer offline");
        assert_eq!(m.body, "Tina wrote:\n\nRestarted the spooler.\nPlease try again.");
        assert_eq!((m.subject.as_str(), m.client_id), ("Ticket #42: Printer offline", Some(3)));
    }
}
