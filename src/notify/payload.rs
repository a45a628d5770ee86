//! What each kind of channel receives for one notice: the generic webhook's JSON, Slack's
//! incoming-webhook payload, a Teams Adaptive Card, and the e-mail's plain text. Pure functions,
//! so the shapes are checked by unit tests rather than against the real services.

use serde_json::{Value, json};

use super::{Event, Message};
use crate::rules::Severity;

/// Colours by what the notice means: red critical, amber warning, green resolved, blue test.
pub fn colour(m: &Message) -> &'static str {
    match (m.event, m.severity) {
        (Event::Resolved, _) => "#2e7d32",
        (Event::Test, _) => "#1565c0",
        (_, Severity::Critical) => "#c62828",
        (_, Severity::Warning) => "#ef8f00",
    }
}

/// The event as a person would say it.
pub fn event_label(e: Event) -> &'static str {
    match e {
        Event::Opened => "alert opened",
        Event::Severity => "severity changed",
        Event::Renotify => "still not resolved",
        Event::Resolved => "resolved",
        Event::Test => "test notice",
        Event::SlaWarning => "SLA warning",
        Event::SlaBreach => "SLA breached",
        Event::TicketComment => "ticket reply",
    }
}

/// A reading without float noise: 96.5, 90, 0.125.
pub fn number(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => {
            let rounded = (v * 1000.0).round() / 1000.0;
            format!("{rounded}")
        }
        _ => "—".into(),
    }
}

/// (label, value) of every field a person acts on, in reading order; empty values are "—".
pub fn facts(m: &Message) -> Vec<(&'static str, String)> {
    let text = |s: &str| if s.trim().is_empty() { "—".to_owned() } else { s.to_owned() };
    let all = vec![
        ("Severity", m.severity.as_str().to_owned()),
        ("Event", event_label(m.event).to_owned()),
        ("Client", text(&m.client)),
        ("Device", text(&m.device)),
        ("Subject", text(&m.subject)),
        ("Rule", text(&m.rule)),
        ("Value", number(m.value)),
        ("Threshold", number(m.threshold)),
        ("Time", text(&m.at)),
    ];
    // An alert keeps every field, so its notices always read alike; a ticket's notice has no
    // rule, reading or device to show, and leaves them out rather than print dashes.
    if m.alert_id.is_some() { all } else { all.into_iter().filter(|(_, v)| v != "—").collect() }
}

/// The generic webhook body: every `Message` field, plus `delivery_id` (also sent as the
/// `X-Steward-Delivery` header) so a receiver can drop a repeat.
pub fn webhook(delivery_id: i64, m: &Message) -> Value {
    let mut body = serde_json::to_value(m).unwrap_or_else(|_| json!({}));
    body["delivery_id"] = json!(delivery_id);
    body
}

/// Slack's mrkdwn treats `&`, `<` and `>` as control characters; everything else is literal.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A Slack incoming-webhook payload: `text` for the notification preview, and one attachment
/// (for the coloured bar) holding blocks with the title, body, fields and link.
pub fn slack(m: &Message) -> Value {
    let title = slack_escape(&m.title);
    let heading = if m.link.is_empty() {
        format!("*{title}*")
    } else {
        format!("*<{}|{}>*", slack_escape(&m.link), title.replace('|', "¦"))
    };
    let lead = if m.body.trim().is_empty() { heading } else { format!("{heading}\n{}", slack_escape(&m.body)) };
    let fields: Vec<Value> = facts(m)
        .into_iter()
        .filter(|(label, _)| *label != "Time")
        .map(|(label, value)| json!({ "type": "mrkdwn", "text": clip(&format!("*{label}*\n{}", slack_escape(&value)), 1900) }))
        .collect();
    json!({
        "text": clip(&m.title, 3000),
        "attachments": [{
            "color": colour(m),
            "fallback": clip(&m.title, 3000),
            "blocks": [
                { "type": "section", "text": { "type": "mrkdwn", "text": clip(&lead, 2900) } },
                { "type": "section", "fields": fields },
                { "type": "context", "elements": [
                    { "type": "mrkdwn", "text": clip(&format!("Steward · {}", slack_escape(&m.at)), 300) } ] },
            ],
        }],
    })
}

/// A Teams message: an Adaptive Card in the `attachments` envelope, which Teams' workflow
/// webhooks ("Post to a channel when a webhook request is received") accept. The title's colour
/// follows the severity; a FactSet holds the fields; a button opens Steward.
pub fn teams(m: &Message) -> Value {
    let colour = match (m.event, m.severity) {
        (Event::Resolved, _) => "Good",
        (Event::Test, _) => "Accent",
        (_, Severity::Critical) => "Attention",
        (_, Severity::Warning) => "Warning",
    };
    let mut body = vec![json!({
        "type": "TextBlock", "text": m.title, "weight": "Bolder", "size": "Medium", "wrap": true, "color": colour
    })];
    if !m.body.trim().is_empty() {
        body.push(json!({ "type": "TextBlock", "text": m.body, "wrap": true }));
    }
    let facts: Vec<Value> =
        facts(m).into_iter().map(|(title, value)| json!({ "title": title, "value": value })).collect();
    body.push(json!({ "type": "FactSet", "facts": facts }));
    let mut card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "msteams": { "width": "Full" },
        "body": body,
    });
    if !m.link.is_empty() {
        card["actions"] = json!([{ "type": "Action.OpenUrl", "title": "Open in Steward", "url": m.link }]);
    }
    json!({
        "type": "message",
        "summary": m.title,
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": card,
        }],
    })
}

/// The e-mail's plain-text body: the title, the body, then every field on its own line.
pub fn email_text(delivery_id: i64, m: &Message) -> String {
    if m.event == Event::TicketComment {
        return reply_text(delivery_id, m);
    }
    let mut out = String::new();
    out.push_str(&m.title);
    out.push_str("\n\n");
    if !m.body.trim().is_empty() {
        out.push_str(m.body.trim_end());
        out.push_str("\n\n");
    }
    for (label, value) in facts(m) {
        out.push_str(&format!("{:<11}{value}\n", format!("{label}:")));
    }
    if let Some(id) = m.alert_id {
        out.push_str(&format!("{:<11}#{id}\n", "Alert:"));
    }
    if !m.link.is_empty() {
        out.push_str(&format!("\nOpen in Steward: {}\n", m.link));
    }
    out.push_str(&format!("\n-- \nSent by Steward (delivery {delivery_id}).\n"));
    out
}

/// A technician's public reply on a ticket, as the client's contact reads it: the reply, the
/// ticket it belongs to, and where to answer; none of the monitoring fields.
fn reply_text(delivery_id: i64, m: &Message) -> String {
    let mut out = String::new();
    out.push_str(m.body.trim_end());
    out.push_str("\n\n");
    out.push_str(&format!("-- \n{}\n", m.subject));
    if !m.link.is_empty() {
        out.push_str(&format!("See the whole ticket or answer it: {}\n", m.link));
    }
    out.push_str(&format!("(Steward delivery {delivery_id})\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(event: Event, severity: Severity) -> Message {
        Message {
            event,
            severity,
            title: "CRITICAL: disk / at 96.2 % on web-01 (Acme <&> Co)".into(),
            body: "Disk / is 96.2 % full; the rule warns at 90 %.".into(),
            alert_id: Some(12),
            rule: "Disk usage".into(),
            client_id: Some(3),
            client: "Acme <&> Co".into(),
            device_id: Some(7),
            device: "web-01".into(),
            subject: "/".into(),
            value: Some(96.2),
            threshold: Some(90.0),
            link: "https://rmm.example.com/#/devices/7".into(),
            at: "2026-11-28T07:15:00Z".into(),
        }
    }

    #[test]
    fn slack_payload_has_text_colour_fields_and_link() {
        let p = slack(&message(Event::Opened, Severity::Critical));
        assert_eq!(p["text"], "CRITICAL: disk / at 96.2 % on web-01 (Acme <&> Co)");
        let a = &p["attachments"][0];
        assert_eq!(a["color"], "#c62828");
        let lead = a["blocks"][0]["text"]["text"].as_str().unwrap();
        assert!(lead.starts_with("*<https://rmm.example.com/#/devices/7|CRITICAL"), "{lead}");
        assert!(lead.contains("Acme &lt;&amp;&gt; Co"), "mrkdwn control characters are escaped: {lead}");
        let fields: Vec<&str> =
            a["blocks"][1]["fields"].as_array().unwrap().iter().map(|f| f["text"].as_str().unwrap()).collect();
        for want in ["*Client*\nAcme &lt;&amp;&gt; Co", "*Device*\nweb-01", "*Value*\n96.2", "*Threshold*\n90"] {
            assert!(fields.contains(&want), "{want:?} in {fields:?}");
        }
        assert!(fields.len() <= 10, "Slack takes at most 10 fields in a section");
        assert_eq!(slack(&message(Event::Resolved, Severity::Critical))["attachments"][0]["color"], "#2e7d32");
        assert_eq!(slack(&message(Event::Opened, Severity::Warning))["attachments"][0]["color"], "#ef8f00");
    }

    #[test]
    fn teams_payload_is_an_adaptive_card_in_the_attachments_envelope() {
        let p = teams(&message(Event::Opened, Severity::Critical));
        assert_eq!(p["type"], "message");
        let att = &p["attachments"][0];
        assert_eq!(att["contentType"], "application/vnd.microsoft.card.adaptive");
        let card = &att["content"];
        assert_eq!((card["type"].as_str(), card["version"].as_str()), (Some("AdaptiveCard"), Some("1.4")));
        assert_eq!(card["body"][0]["text"], "CRITICAL: disk / at 96.2 % on web-01 (Acme <&> Co)");
        assert_eq!(card["body"][0]["color"], "Attention");
        let facts = card["body"][2]["facts"].as_array().unwrap();
        let fact = |t: &str| facts.iter().find(|f| f["title"] == t).map(|f| f["value"].as_str().unwrap().to_owned());
        assert_eq!(fact("Client").as_deref(), Some("Acme <&> Co"));
        assert_eq!(fact("Value").as_deref(), Some("96.2"));
        assert_eq!(fact("Threshold").as_deref(), Some("90"));
        assert_eq!(card["actions"][0]["url"], "https://rmm.example.com/#/devices/7");
        let mut no_link = message(Event::Resolved, Severity::Warning);
        no_link.link.clear();
        let card = &teams(&no_link)["attachments"][0]["content"];
        assert!(card.get("actions").is_none(), "no button without a link");
        assert_eq!(card["body"][0]["color"], "Good");
    }

    #[test]
    fn webhook_body_is_the_message_plus_the_delivery_id() {
        let m = message(Event::Opened, Severity::Warning);
        let body = webhook(41, &m);
        assert_eq!(body["delivery_id"], 41);
        let back: Message = serde_json::from_value(body).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn email_text_names_every_field() {
        let text = email_text(41, &message(Event::Opened, Severity::Critical));
        assert!(text.starts_with("CRITICAL: disk / at 96.2 % on web-01"));
        for want in [
            "Client:    Acme <&> Co",
            "Device:    web-01",
            "Value:     96.2",
            "Threshold: 90",
            "Rule:      Disk usage",
            "Alert:     #12",
            "https://rmm.example.com/#/devices/7",
            "delivery 41",
        ] {
            assert!(text.contains(want), "{want:?} in\n{text}");
        }
    }

    #[test]
    fn numbers_drop_float_noise() {
        assert_eq!(number(Some(0.1 + 0.2)), "0.3");
        assert_eq!(number(Some(90.0)), "90");
        assert_eq!(number(None), "—");
        assert_eq!(number(Some(f64::NAN)), "—");
    }
}
