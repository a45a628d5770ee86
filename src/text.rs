//! Rules for what people type, shared by the API, the command line and the demo: pure checks
//! that answer in words a person can act on.

/// What keeps `value` from being one line, as the end of a sentence that starts with the field's
/// name, or `None`. Line breaks in a name or subject split e-mail headers, CSV rows and log lines;
/// bidirectional overrides and zero-width characters make a name show as something it is not
/// ("Trojan Source"), or two names look the same.
pub fn one_line_problem(value: &str) -> Option<&'static str> {
    if value.chars().any(|c| matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')) {
        return Some("must be one line, without line breaks");
    }
    if value.chars().any(char::is_control) {
        return Some("must not contain control characters (such as tabs)");
    }
    if value.chars().any(|c| {
        matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
    }) {
        return Some("must not contain invisible formatting characters (bidirectional overrides or zero-width characters)");
    }
    None
}

/// A plausible e-mail address (trimmed): one `@`, a dotted domain, no spaces or control
/// characters, at most 254 bytes. Deliverability is the mail server's business.
pub fn is_email(v: &str) -> bool {
    v.len() <= 254
        && !v.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(v.split_once('@'), Some((local, domain))
            if !local.is_empty() && !domain.contains('@') && domain.contains('.')
               && !domain.starts_with('.') && !domain.ends_with('.'))
}
