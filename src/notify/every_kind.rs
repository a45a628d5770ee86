//! Every kind of notice read whole, as each kind of channel receives it: plain text (title and
//! body), e-mail, Slack and Teams.

use super::*;
use crate::tickets::{Priority, Ticket};

const BASE: &str = "https://rmm.example.com/";
const AT: &str = "2026-12-03T09:00:00Z";

fn alert(event: Event, severity: Severity, summary: &str) -> Message {
    let mut m = alert_message(&AlertNotice {
        event,
        severity,
        alert_id: 17,
        rule: "Disk almost full",
        client_id: 3,
        client: "Acme",
        device_id: 9,
        device: "web-01",
        subject: "/",
        summary,
        value: Some(96.2),
        threshold: Some(90.0),
        base: BASE,
    });
    m.at = AT.into();
    m
}

fn ticket() -> Ticket {
    Ticket {
        id: 42,
        subject: "Printer offline".into(),
        client_id: 3,
        client: "Acme".into(),
        priority: Priority::P2,
        assignee: Some("Tina".into()),
        ..Default::default()
    }
}

/// The seven kinds, with their title and body as a person reads them.
fn every_kind() -> Vec<(&'static str, Message)> {
    vec![
        ("opened", alert(Event::Opened, Severity::Warning, "disk / at 96.2 %")),
        ("changed", alert(Event::Severity, Severity::Critical, "disk / at 96.2 %")),
        (
            "resolved",
            Message { value: Some(71.0), ..alert(Event::Resolved, Severity::Critical, "disk / back to 71 %") },
        ),
        ("reminder", alert(Event::Renotify, Severity::Critical, "disk / at 96.2 % for 4 h")),
        ("sla warning", sla_message(&ticket(), crate::tickets::lifecycle::Clock::FirstResponse, false, BASE, AT)),
        ("sla breach", sla_message(&ticket(), crate::tickets::lifecycle::Clock::Resolution, true, BASE, AT)),
        (
            "public reply",
            reply_message(
                &ticket(),
                "Tina",
                "The toner was empty; replaced.",
                "https://rmm.example.com/#/portal/tickets/42",
                AT,
            ),
        ),
    ]
}

/// Reads a notice whole: its title and body, the e-mail's text, and the Slack and Teams bodies.
fn check(m: &Message, title: &str, body: &str, email: &str, slack: &str, teams: &str) {
    assert_eq!(m.title, title);
    assert_eq!(m.body, body);
    assert!(!m.body.contains("\\n"), "real line breaks, not a backslash and an n");
    assert_eq!(payload::email_text(5, m), email);
    assert_eq!(payload::slack(m), serde_json::from_str::<serde_json::Value>(slack).unwrap(), "Slack");
    assert_eq!(payload::teams(m), serde_json::from_str::<serde_json::Value>(teams).unwrap(), "Teams");
}

#[test]
fn an_alert_opening_reads_whole_in_every_form() {
    let m = &every_kind()[0].1;
    check(
        m,
        "[WARNING] web-01 (Acme): disk / at 96.2 %",
        "Rule: Disk almost full\nClient: Acme\nDevice: web-01\nSubject: /\nStatus: disk / at 96.2 %\nValue: 96.2\nThreshold: 90\nLink: https://rmm.example.com/#/alerts/17\n",
        "[WARNING] web-01 (Acme): disk / at 96.2 %\n\nRule: Disk almost full\nClient: Acme\nDevice: web-01\nSubject: /\nStatus: disk / at 96.2 %\nValue: 96.2\nThreshold: 90\nLink: https://rmm.example.com/#/alerts/17\n\nSeverity:  warning\nEvent:     alert opened\nClient:    Acme\nDevice:    web-01\nSubject:   /\nRule:      Disk almost full\nValue:     96.2\nThreshold: 90\nTime:      2026-12-03T09:00:00Z\nAlert:     #17\n\nOpen in Steward: https://rmm.example.com/#/alerts/17\n\n-- \nSent by Steward (delivery 5).\n",
        r##"{"attachments": [{"blocks": [{"text": {"text": "*<https://rmm.example.com/#/alerts/17|[WARNING] web-01 (Acme): disk / at 96.2 %>*\nRule: Disk almost full\nClient: Acme\nDevice: web-01\nSubject: /\nStatus: disk / at 96.2 %\nValue: 96.2\nThreshold: 90\nLink: https://rmm.example.com/#/alerts/17\n", "type": "mrkdwn"}, "type": "section"}, {"fields": [{"text": "*Severity*\nwarning", "type": "mrkdwn"}, {"text": "*Event*\nalert opened", "type": "mrkdwn"}, {"text": "*Client*\nAcme", "type": "mrkdwn"}, {"text": "*Device*\nweb-01", "type": "mrkdwn"}, {"text": "*Subject*\n/", "type": "mrkdwn"}, {"text": "*Rule*\nDisk almost full", "type": "mrkdwn"}, {"text": "*Value*\n96.2", "type": "mrkdwn"}, {"text": "*Threshold*\n90", "type": "mrkdwn"}], "type": "section"}, {"elements": [{"text": "Steward · 2026-12-03T09:00:00Z", "type": "mrkdwn"}], "type": "context"}], "color": "#ef8f00", "fallback": "[WARNING] web-01 (Acme): disk / at 96.2 %"}], "text": "[WARNING] web-01 (Acme): disk / at 96.2 %"}"##,
        r##"{"attachments": [{"content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "actions": [{"title": "Open in Steward", "type": "Action.OpenUrl", "url": "https://rmm.example.com/#/alerts/17"}], "body": [{"color": "Warning", "size": "Medium", "text": "[WARNING] web-01 (Acme): disk / at 96.2 %", "type": "TextBlock", "weight": "Bolder", "wrap": true}, {"text": "Rule: Disk almost full\nClient: Acme\nDevice: web-01\nSubject: /\nStatus: disk / at 96.2 %\nValue: 96.2\nThreshold: 90\nLink: https://rmm.example.com/#/alerts/17\n", "type": "TextBlock", "wrap": true}, {"facts": [{"title": "Severity", "value": "warning"}, {"title": "Event", "value": "alert opened"}, {"title": "Client", "value": "Acme"}, {"title": "Device", "value": "web-01"}, {"title": "Subject", "value": "/"}, {"title": "Rule", "value": "Disk almost full"}, {"title": "Value", "value": "96.2"}, {"title": "Threshold", "value": "90"}, {"title": "Time", "value": "2026-12-03T09:00:00Z"}], "type": "FactSet"}], "msteams": {"width": "Full"}, "type": "AdaptiveCard", "version": "1.4"}, "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": null}], "summary": "[WARNING] web-01 (Acme): disk / at 96.2 %", "type": "message"}"##,
    );
}

#[test]
fn an_alert_changing_severity_reads_whole_in_every_form() {
    let m = &every_kind()[1].1;
    check(
        m,
        "[CRITICAL] web-01 (Acme): disk / at 96.2 %",
        "Rule: Disk almost full\nClient: Acme\nDevice: web-01\nSubject: /\nStatus: disk / at 96.2 %\nValue: 96.2\nThreshold: 90\nLink: https://rmm.example.com/#/alerts/17\n",
        "[CRITICAL] web-01 (Acme): disk / at 96.2 %\n\nRule: Disk almost full\nClient: Acme\nDevice: web-01\nSubject: /\nStatus: disk / at 96.2 %\nValue: 96.2\nThreshold: 90\nLink: https://rmm.example.com/#/alerts/17\n\nSeverity:  critical\nEvent:     severity changed\nClient:    Acme\nDevice:    web-01\nSubject:   /\nRule:      Disk almost full\nValue:     96.2\nThreshold: 90\nTime:      2026-12-03T09:00:00Z\nAlert:     #17\n\nOpen in Steward: https://rmm.example.com/#/alerts/17\n\n-- \nSent by Steward (delivery 5).\n",
        r##"{"attachments": [{"blocks": [{"text": {"text": "*<https://rmm.example.com/#/alerts/17|[CRITICAL] web-01 (Acme): disk / at 96.2 %>*\nRule: Disk almost full\nClient: Acme\nDevice: web-01\nSubject: /\nStatus: disk / at 96.2 %\nValue: 96.2\nThreshold: 90\nLink: https://rmm.example.com/#/alerts/17\n", "type": "mrkdwn"}, "type": "section"}, {"fields": [{"text": "*Severity*\ncritical", "type": "mrkdwn"}, {"text": "*Event*\nseverity changed", "type": "mrkdwn"}, {"text": "*Client*\nAcme", "type": "mrkdwn"}, {"text": "*Device*\nweb-01", "type": "mrkdwn"}, {"text": "*Subject*\n/", "type": "mrkdwn"}, {"text": "*Rule*\nDisk almost full", "type": "mrkdwn"}, {"text": "*Value*\n96.2", "type": "mrkdwn"}, {"text": "*Threshold*\n90", "type": "mrkdwn"}], "type": "section"}, {"elements": [{"text": "Steward · 2026-12-03T09:00:00Z", "type": "mrkdwn"}], "type": "context"}], "color": "#c62828", "fallback": "[CRITICAL] web-01 (Acme): disk / at 96.2 %"}], "text": "[CRITICAL] web-01 (Acme): disk / at 96.2 %"}"##,
        r##"{"attachments": [{"content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "actions": [{"title": "Open in Steward", "type": "Action.OpenUrl", "url": "https://rmm.example.com/#/alerts/17"}], "body": [{"color": "Attention", "size": "Medium", "text": "[CRITICAL] web-01 (Acme): disk / at 96.2 %", "type": "TextBlock", "weight": "Bolder", "wrap": true}, {"text": "Rule: Disk almost full\nClient: Acme\nDevice: web-01\nSubject: /\nStatus: disk / at 96.2 %\nValue: 96.2\nThreshold: 90\nLink: https://rmm.example.com/#/alerts/17\n", "type": "TextBlock", "wrap": true}, {"facts": [{"title": "Severity", "value": "critical"}, {"title": "Event", "value": "severity changed"}, {"title": "Client", "value": "Acme"}, {"title": "Device", "value": "web-01"}, {"title": "Subject", "value": "/"}, {"title": "Rule", "value": "Disk almost full"}, {"title": "Value", "value": "96.2"}, {"title": "Threshold", "value": "90"}, {"title": "Time", "value": "2026-12-03T09:00:00Z"}], "type": "FactSet"}], "msteams": {"width": "Full"}, "type": "AdaptiveCard", "version": "1.4"}, "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": null}], "summary": "[CRITICAL] web-01 (Acme): disk / at 96.2 %", "type": "message"}"##,
    );
}

#[test]
fn an_alert_resolving_reads_whole_in_every_form() {
    let m = &every_kind()[2].1;
    check(
        m,
        "[RESOLVED] web-01 (Acme): disk / back to 71 %",
        "Rule: Disk almost full\nClient: Acme\nDevice: web-01\nSubject: /\nStatus: disk / back to 71 %\nValue: 96.2\nThreshold: 90\nLink: https://rmm.example.com/#/alerts/17\n",
        "[RESOLVED] web-01 (Acme): disk / back to 71 %\n\nRule: Disk almost full\nClient: Acme\nDevice: web-01\nSubject: /\nStatus: disk / back to 71 %\nValue: 96.2\nThreshold: 90\nLink: https://rmm.example.com/#/alerts/17\n\nSeverity:  critical\nEvent:     resolved\nClient:    Acme\nDevice:    web-01\nSubject:   /\nRule:      Disk almost full\nValue:     71\nThreshold: 90\nTime:      2026-12-03T09:00:00Z\nAlert:     #17\n\nOpen in Steward: https://rmm.example.com/#/alerts/17\n\n-- \nSent by Steward (delivery 5).\n",
        r##"{"attachments": [{"blocks": [{"text": {"text": "*<https://rmm.example.com/#/alerts/17|[RESOLVED] web-01 (Acme): disk / back to 71 %>*\nRule: Disk almost full\nClient: Acme\nDevice: web-01\nSubject: /\nStatus: disk / back to 71 %\nValue: 96.2\nThreshold: 90\nLink: https://rmm.example.com/#/alerts/17\n", "type": "mrkdwn"}, "type": "section"}, {"fields": [{"text": "*Severity*\ncritical", "type": "mrkdwn"}, {"text": "*Event*\nresolved", "type": "mrkdwn"}, {"text": "*Client*\nAcme", "type": "mrkdwn"}, {"text": "*Device*\nweb-01", "type": "mrkdwn"}, {"text": "*Subject*\n/", "type": "mrkdwn"}, {"text": "*Rule*\nDisk almost full", "type": "mrkdwn"}, {"text": "*Value*\n71", "type": "mrkdwn"}, {"text": "*Threshold*\n90", "type": "mrkdwn"}], "type": "section"}, {"elements": [{"text": "Steward · 2026-12-03T09:00:00Z", "type": "mrkdwn"}], "type": "context"}], "color": "#2e7d32", "fallback": "[RESOLVED] web-01 (Acme): disk / back to 71 %"}], "text": "[RESOLVED] web-01 (Acme): disk / back to 71 %"}"##,
        r##"{"attachments": [{"content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "actions": [{"title": "Open in Steward", "type": "Action.OpenUrl", "url": "https://rmm.example.com/#/alerts/17"}], "body": [{"color": "Good", "size": "Medium", "text": "[RESOLVED] web-01 (Acme): disk / back to 71 %", "type": "TextBlock", "weight": "Bolder", "wrap": true}, {"text": "Rule: Disk almost full\nClient: Acme\nDevice: web-01\nSubject: /\nStatus: disk / back to 71 %\nValue: 96.2\nThreshold: 90\nLink: https://rmm.example.com/#/alerts/17\n", "type": "TextBlock", "wrap": true}, {"facts": [{"title": "Severity", "value": "critical"}, {"title": "Event", "value": "resolved"}, {"title": "Client", "value": "Acme"}, {"title": "Device", "value": "web-01"}, {"title": "Subject", "value": "/"}, {"title": "Rule", "value": "Disk almost full"}, {"title": "Value", "value": "71"}, {"title": "Threshold", "value": "90"}, {"title": "Time", "value": "2026-12-03T09:00:00Z"}], "type": "FactSet"}], "msteams": {"width": "Full"}, "type": "AdaptiveCard", "version": "1.4"}, "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": null}], "summary": "[RESOLVED] web-01 (Acme): disk / back to 71 %", "type": "message"}"##,
    );
}

#[test]
fn a_reminder_of_an_unresolved_alert_reads_whole_in_every_form() {
    let m = &every_kind()[3].1;
    check(
        m,
        "[STILL CRITICAL] web-01 (Acme): disk / at 96.2 % for 4 h",
        "Rule: Disk almost full\nClient: Acme\nDevice: web-01\nSubject: /\nStatus: disk / at 96.2 % for 4 h\nValue: 96.2\nThreshold: 90\nLink: https://rmm.example.com/#/alerts/17\n",
        "[STILL CRITICAL] web-01 (Acme): disk / at 96.2 % for 4 h\n\nRule: Disk almost full\nClient: Acme\nDevice: web-01\nSubject: /\nStatus: disk / at 96.2 % for 4 h\nValue: 96.2\nThreshold: 90\nLink: https://rmm.example.com/#/alerts/17\n\nSeverity:  critical\nEvent:     still not resolved\nClient:    Acme\nDevice:    web-01\nSubject:   /\nRule:      Disk almost full\nValue:     96.2\nThreshold: 90\nTime:      2026-12-03T09:00:00Z\nAlert:     #17\n\nOpen in Steward: https://rmm.example.com/#/alerts/17\n\n-- \nSent by Steward (delivery 5).\n",
        r##"{"attachments": [{"blocks": [{"text": {"text": "*<https://rmm.example.com/#/alerts/17|[STILL CRITICAL] web-01 (Acme): disk / at 96.2 % for 4 h>*\nRule: Disk almost full\nClient: Acme\nDevice: web-01\nSubject: /\nStatus: disk / at 96.2 % for 4 h\nValue: 96.2\nThreshold: 90\nLink: https://rmm.example.com/#/alerts/17\n", "type": "mrkdwn"}, "type": "section"}, {"fields": [{"text": "*Severity*\ncritical", "type": "mrkdwn"}, {"text": "*Event*\nstill not resolved", "type": "mrkdwn"}, {"text": "*Client*\nAcme", "type": "mrkdwn"}, {"text": "*Device*\nweb-01", "type": "mrkdwn"}, {"text": "*Subject*\n/", "type": "mrkdwn"}, {"text": "*Rule*\nDisk almost full", "type": "mrkdwn"}, {"text": "*Value*\n96.2", "type": "mrkdwn"}, {"text": "*Threshold*\n90", "type": "mrkdwn"}], "type": "section"}, {"elements": [{"text": "Steward · 2026-12-03T09:00:00Z", "type": "mrkdwn"}], "type": "context"}], "color": "#c62828", "fallback": "[STILL CRITICAL] web-01 (Acme): disk / at 96.2 % for 4 h"}], "text": "[STILL CRITICAL] web-01 (Acme): disk / at 96.2 % for 4 h"}"##,
        r##"{"attachments": [{"content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "actions": [{"title": "Open in Steward", "type": "Action.OpenUrl", "url": "https://rmm.example.com/#/alerts/17"}], "body": [{"color": "Attention", "size": "Medium", "text": "[STILL CRITICAL] web-01 (Acme): disk / at 96.2 % for 4 h", "type": "TextBlock", "weight": "Bolder", "wrap": true}, {"text": "Rule: Disk almost full\nClient: Acme\nDevice: web-01\nSubject: /\nStatus: disk / at 96.2 % for 4 h\nValue: 96.2\nThreshold: 90\nLink: https://rmm.example.com/#/alerts/17\n", "type": "TextBlock", "wrap": true}, {"facts": [{"title": "Severity", "value": "critical"}, {"title": "Event", "value": "still not resolved"}, {"title": "Client", "value": "Acme"}, {"title": "Device", "value": "web-01"}, {"title": "Subject", "value": "/"}, {"title": "Rule", "value": "Disk almost full"}, {"title": "Value", "value": "96.2"}, {"title": "Threshold", "value": "90"}, {"title": "Time", "value": "2026-12-03T09:00:00Z"}], "type": "FactSet"}], "msteams": {"width": "Full"}, "type": "AdaptiveCard", "version": "1.4"}, "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": null}], "summary": "[STILL CRITICAL] web-01 (Acme): disk / at 96.2 % for 4 h", "type": "message"}"##,
    );
}

#[test]
fn an_sla_warning_reads_whole_in_every_form() {
    let m = &every_kind()[4].1;
    check(
        m,
        "Ticket #42 is close to its SLA target for first response (Acme): Printer offline",
        "Ticket: #42 Printer offline\nClient: Acme\nPriority: P2\nClock: first response\nAssignee: Tina\nLink: https://rmm.example.com/#/tickets/42\n",
        "Ticket #42 is close to its SLA target for first response (Acme): Printer offline\n\nTicket: #42 Printer offline\nClient: Acme\nPriority: P2\nClock: first response\nAssignee: Tina\nLink: https://rmm.example.com/#/tickets/42\n\nSeverity:  warning\nEvent:     SLA warning\nClient:    Acme\nSubject:   ticket #42\nTime:      2026-12-03T09:00:00Z\n\nOpen in Steward: https://rmm.example.com/#/tickets/42\n\n-- \nSent by Steward (delivery 5).\n",
        r##"{"attachments": [{"blocks": [{"text": {"text": "*<https://rmm.example.com/#/tickets/42|Ticket #42 is close to its SLA target for first response (Acme): Printer offline>*\nTicket: #42 Printer offline\nClient: Acme\nPriority: P2\nClock: first response\nAssignee: Tina\nLink: https://rmm.example.com/#/tickets/42\n", "type": "mrkdwn"}, "type": "section"}, {"fields": [{"text": "*Severity*\nwarning", "type": "mrkdwn"}, {"text": "*Event*\nSLA warning", "type": "mrkdwn"}, {"text": "*Client*\nAcme", "type": "mrkdwn"}, {"text": "*Subject*\nticket #42", "type": "mrkdwn"}], "type": "section"}, {"elements": [{"text": "Steward · 2026-12-03T09:00:00Z", "type": "mrkdwn"}], "type": "context"}], "color": "#ef8f00", "fallback": "Ticket #42 is close to its SLA target for first response (Acme): Printer offline"}], "text": "Ticket #42 is close to its SLA target for first response (Acme): Printer offline"}"##,
        r##"{"attachments": [{"content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "actions": [{"title": "Open in Steward", "type": "Action.OpenUrl", "url": "https://rmm.example.com/#/tickets/42"}], "body": [{"color": "Warning", "size": "Medium", "text": "Ticket #42 is close to its SLA target for first response (Acme): Printer offline", "type": "TextBlock", "weight": "Bolder", "wrap": true}, {"text": "Ticket: #42 Printer offline\nClient: Acme\nPriority: P2\nClock: first response\nAssignee: Tina\nLink: https://rmm.example.com/#/tickets/42\n", "type": "TextBlock", "wrap": true}, {"facts": [{"title": "Severity", "value": "warning"}, {"title": "Event", "value": "SLA warning"}, {"title": "Client", "value": "Acme"}, {"title": "Subject", "value": "ticket #42"}, {"title": "Time", "value": "2026-12-03T09:00:00Z"}], "type": "FactSet"}], "msteams": {"width": "Full"}, "type": "AdaptiveCard", "version": "1.4"}, "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": null}], "summary": "Ticket #42 is close to its SLA target for first response (Acme): Printer offline", "type": "message"}"##,
    );
}

#[test]
fn an_sla_breach_reads_whole_in_every_form() {
    let m = &every_kind()[5].1;
    check(
        m,
        "Ticket #42 missed its SLA target for resolution (Acme): Printer offline",
        "Ticket: #42 Printer offline\nClient: Acme\nPriority: P2\nClock: resolution\nAssignee: Tina\nLink: https://rmm.example.com/#/tickets/42\n",
        "Ticket #42 missed its SLA target for resolution (Acme): Printer offline\n\nTicket: #42 Printer offline\nClient: Acme\nPriority: P2\nClock: resolution\nAssignee: Tina\nLink: https://rmm.example.com/#/tickets/42\n\nSeverity:  critical\nEvent:     SLA breached\nClient:    Acme\nSubject:   ticket #42\nTime:      2026-12-03T09:00:00Z\n\nOpen in Steward: https://rmm.example.com/#/tickets/42\n\n-- \nSent by Steward (delivery 5).\n",
        r##"{"attachments": [{"blocks": [{"text": {"text": "*<https://rmm.example.com/#/tickets/42|Ticket #42 missed its SLA target for resolution (Acme): Printer offline>*\nTicket: #42 Printer offline\nClient: Acme\nPriority: P2\nClock: resolution\nAssignee: Tina\nLink: https://rmm.example.com/#/tickets/42\n", "type": "mrkdwn"}, "type": "section"}, {"fields": [{"text": "*Severity*\ncritical", "type": "mrkdwn"}, {"text": "*Event*\nSLA breached", "type": "mrkdwn"}, {"text": "*Client*\nAcme", "type": "mrkdwn"}, {"text": "*Subject*\nticket #42", "type": "mrkdwn"}], "type": "section"}, {"elements": [{"text": "Steward · 2026-12-03T09:00:00Z", "type": "mrkdwn"}], "type": "context"}], "color": "#c62828", "fallback": "Ticket #42 missed its SLA target for resolution (Acme): Printer offline"}], "text": "Ticket #42 missed its SLA target for resolution (Acme): Printer offline"}"##,
        r##"{"attachments": [{"content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "actions": [{"title": "Open in Steward", "type": "Action.OpenUrl", "url": "https://rmm.example.com/#/tickets/42"}], "body": [{"color": "Attention", "size": "Medium", "text": "Ticket #42 missed its SLA target for resolution (Acme): Printer offline", "type": "TextBlock", "weight": "Bolder", "wrap": true}, {"text": "Ticket: #42 Printer offline\nClient: Acme\nPriority: P2\nClock: resolution\nAssignee: Tina\nLink: https://rmm.example.com/#/tickets/42\n", "type": "TextBlock", "wrap": true}, {"facts": [{"title": "Severity", "value": "critical"}, {"title": "Event", "value": "SLA breached"}, {"title": "Client", "value": "Acme"}, {"title": "Subject", "value": "ticket #42"}, {"title": "Time", "value": "2026-12-03T09:00:00Z"}], "type": "FactSet"}], "msteams": {"width": "Full"}, "type": "AdaptiveCard", "version": "1.4"}, "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": null}], "summary": "Ticket #42 missed its SLA target for resolution (Acme): Printer offline", "type": "message"}"##,
    );
}

#[test]
fn a_public_reply_reads_whole_in_every_form() {
    let m = &every_kind()[6].1;
    check(
        m,
        "[Ticket #42] Printer offline",
        "Tina wrote:\n\nThe toner was empty; replaced.",
        "Tina wrote:\n\nThe toner was empty; replaced.\n\n-- \nTicket #42: Printer offline\nSee the whole ticket or answer it: https://rmm.example.com/#/portal/tickets/42\n(Steward delivery 5)\n",
        r##"{"attachments": [{"blocks": [{"text": {"text": "*<https://rmm.example.com/#/portal/tickets/42|[Ticket #42] Printer offline>*\nTina wrote:\n\nThe toner was empty; replaced.", "type": "mrkdwn"}, "type": "section"}, {"fields": [{"text": "*Severity*\nwarning", "type": "mrkdwn"}, {"text": "*Event*\nticket reply", "type": "mrkdwn"}, {"text": "*Client*\nAcme", "type": "mrkdwn"}, {"text": "*Subject*\nTicket #42: Printer offline", "type": "mrkdwn"}], "type": "section"}, {"elements": [{"text": "Steward · 2026-12-03T09:00:00Z", "type": "mrkdwn"}], "type": "context"}], "color": "#ef8f00", "fallback": "[Ticket #42] Printer offline"}], "text": "[Ticket #42] Printer offline"}"##,
        r##"{"attachments": [{"content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "actions": [{"title": "Open in Steward", "type": "Action.OpenUrl", "url": "https://rmm.example.com/#/portal/tickets/42"}], "body": [{"color": "Warning", "size": "Medium", "text": "[Ticket #42] Printer offline", "type": "TextBlock", "weight": "Bolder", "wrap": true}, {"text": "Tina wrote:\n\nThe toner was empty; replaced.", "type": "TextBlock", "wrap": true}, {"facts": [{"title": "Severity", "value": "warning"}, {"title": "Event", "value": "ticket reply"}, {"title": "Client", "value": "Acme"}, {"title": "Subject", "value": "Ticket #42: Printer offline"}, {"title": "Time", "value": "2026-12-03T09:00:00Z"}], "type": "FactSet"}], "msteams": {"width": "Full"}, "type": "AdaptiveCard", "version": "1.4"}, "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": null}], "summary": "[Ticket #42] Printer offline", "type": "message"}"##,
    );
}
