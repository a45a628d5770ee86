//! The text formats the API's checks enforce (`server::routes`' `required_text`, `optional_line`,
//! `timezone`, the paging cursors, ...), written into the description as patterns and enums so
//! that what the document allows is what the server takes. A field names its format with
//! `#[schema(format = "name")]` (or `#[param(format = ...)]`); this file adds the rest.
//!
//! | format      | what the server takes                                                  |
//! |-------------|------------------------------------------------------------------------|
//! | `line`      | one line, no control or invisible formatting characters; may be empty |
//! | `name`      | a `line` with something besides spaces in it                           |
//! | `text`      | several lines; no control characters but tab and line breaks           |
//! | `body`      | a `text` with something besides spaces in it                           |
//! | `timezone`  | an IANA time zone name, e.g. Europe/Berlin                             |
//! | `instant`   | RFC 3339 (2026-11-28T07:00:00Z) or unix seconds                        |
//! | `cursor`    | a `next_cursor` of a list ordered by name or time                      |
//! | `id-cursor` | a `next_cursor` of a list ordered by id                                |

use serde_json::{Value, json};

/// Characters no one-line text may hold: C0/C1 controls, line and paragraph separators,
/// bidirectional overrides and isolates, zero-width characters (see `text::one_line_problem`).
const NOT_IN_A_LINE: &str =
    r"\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b-\u200d\u2060\ufeff";
/// Characters no multi-line text may hold: controls other than tab, line feed and return.
const NOT_IN_A_TEXT: &str = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f";

const BASE64URL: &str = "[A-Za-z0-9_-]";

fn any_of(forbidden: &str) -> String {
    format!("^[^{forbidden}]*$")
}

fn some_of(forbidden: &str) -> String {
    format!(r"^[^{forbidden}]*[^\s{forbidden}][^{forbidden}]*$")
}

/// The pattern of a format, or `None` for formats this file does not know (date-time, email...).
fn pattern(format: &str) -> Option<String> {
    Some(match format {
        "line" => any_of(NOT_IN_A_LINE),
        "name" => some_of(NOT_IN_A_LINE),
        "text" => any_of(NOT_IN_A_TEXT),
        "body" => some_of(NOT_IN_A_TEXT),
        // Unpadded base64url of any bytes (a length of 4n+1 is never one).
        "cursor" => format!("^(?:{BASE64URL}{{4}})*(?:{BASE64URL}{{2,3}})?$"),
        // At most 8 bytes: a big-endian id.
        "id-cursor" => format!("^(?:{BASE64URL}{{4}}){{0,2}}(?:{BASE64URL}{{2,3}})?$"),
        // Unix seconds, or an RFC 3339 time (days up to 28 so that every match is a real date).
        "instant" => concat!(
            r"^(?:[0-9]{1,11}|[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])",
            r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,9})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9]))$"
        )
        .to_owned(),
        _ => return None,
    })
}

/// Adds the patterns, and replaces `timezone` strings by the `TimeZone` enum of every name the
/// server knows.
pub fn apply(doc: &mut Value) {
    walk(doc);
    let mut zones: Vec<String> = jiff::tz::db().available().map(|name| name.as_str().to_owned()).collect();
    zones.sort();
    zones.dedup();
    doc["components"]["schemas"]["TimeZone"] =
        json!({ "type": "string", "description": "An IANA time zone name", "enum": zones });
}

fn walk(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(format)) = map.get("format").cloned() {
                if format == "timezone" {
                    let nullable =
                        map.get("type").and_then(Value::as_array).is_some_and(|t| t.contains(&json!("null")));
                    let description = map.get("description").cloned();
                    let zone = json!({ "$ref": "#/components/schemas/TimeZone" });
                    let mut schema = if nullable { json!({ "oneOf": [zone, { "type": "null" }] }) } else { zone };
                    if let Some(description) = description {
                        schema["description"] = description;
                    }
                    *value = schema;
                    return;
                }
                if let Some(pattern) = pattern(&format) {
                    map.insert("pattern".to_owned(), Value::String(pattern));
                }
            }
            map.values_mut().for_each(walk);
        }
        Value::Array(items) => items.iter_mut().for_each(walk),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The patterns are for people and fuzzers reading the document; these check a few values
    /// against what the server's own checks say of them, with a tiny matcher for the classes.
    fn line_ok(v: &str) -> bool {
        crate::text::one_line_problem(v).is_none()
    }

    /// `\u0000-\u001f\u2028` -> [(0, 0x1f), (0x2028, 0x2028)]
    fn class_ranges(class: &str) -> Vec<(u32, u32)> {
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        let mut rest = class;
        while let Some(after) = rest.strip_prefix(r"\u") {
            let lo = u32::from_str_radix(&after[..4], 16).unwrap();
            rest = &after[4..];
            let hi = match rest.strip_prefix(r"-\u") {
                Some(after) => {
                    rest = &after[4..];
                    u32::from_str_radix(&after[..4], 16).unwrap()
                }
                None => lo,
            };
            ranges.push((lo, hi));
        }
        assert!(rest.is_empty(), "a class of \\u escapes: {rest}");
        ranges
    }

    #[test]
    fn every_format_has_a_pattern_and_the_zone_list_is_the_servers() {
        for format in ["line", "name", "text", "body", "cursor", "id-cursor", "instant"] {
            assert!(pattern(format).is_some_and(|p| p.starts_with('^') && p.ends_with('$')), "{format}");
        }
        let mut doc = json!({ "components": { "schemas": { "A": { "properties": {
            "zone": { "type": ["string", "null"], "format": "timezone" },
            "name": { "type": "string", "format": "name" } } } } } });
        apply(&mut doc);
        let a = &doc["components"]["schemas"]["A"]["properties"];
        assert_eq!(a["zone"]["oneOf"][0]["$ref"], "#/components/schemas/TimeZone");
        assert!(a["name"]["pattern"].as_str().unwrap().contains(r"\s"));
        let zones = doc["components"]["schemas"]["TimeZone"]["enum"].as_array().unwrap();
        assert!(zones.len() > 300, "the bundled database's names");
        for zone in zones {
            assert!(jiff::tz::TimeZone::get(zone.as_str().unwrap()).is_ok(), "{zone}");
        }
        // The characters the line pattern forbids are those the server refuses.
        for c in ['\u{0}', '\t', '\u{85}', '\u{2028}', '\u{202E}', '\u{200B}', '\u{FEFF}'] {
            assert!(!line_ok(&format!("a{c}b")), "{c:?}");
            let escaped = format!("{:04x}", c as u32);
            let listed = class_ranges(NOT_IN_A_LINE).iter().any(|(lo, hi)| (*lo..=*hi).contains(&(c as u32)));
            assert!(listed, "U+{escaped} is refused by the server but allowed by the pattern");
        }
    }
}
