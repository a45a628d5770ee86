//! The HTTP routes, one file per resource, and what they share: paging and field checks.

pub mod agent;
pub mod alerts;
pub mod api_doc;
pub mod api_keys;
pub mod audit;
pub mod channels;
pub mod clients;
pub mod devices;
pub mod downloads;
pub mod enroll_tokens;
pub mod health;
pub mod kb;
pub mod live;
pub mod maintenance;
pub mod mfa;
pub mod openapi;
pub mod prometheus;
pub mod reports;
pub mod rules;
pub mod service_desk;
pub mod session;
pub mod tickets;
pub mod users;

use base64::Engine;
use serde::{Deserialize, Serialize};

use super::error::ApiError;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;

/// `?limit=&cursor=` of every list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// How many items at most (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// Where the previous page ended: its `next_cursor`.
    #[param(format = "cursor")]
    pub cursor: Option<String>,
}

/// `?limit=&cursor=` of a list ordered by id.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IdPageParams {
    /// How many items at most (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// Where the previous page ended: its `next_cursor`.
    #[param(format = "id-cursor")]
    pub cursor: Option<String>,
}

impl IdPageParams {
    pub fn paging(self) -> PageParams {
        PageParams { limit: self.limit, cursor: self.cursor }
    }
}

/// A page of a list: `{"items": [...], "next_cursor": ...}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `?cursor=` for the next page; null on the last.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// Cursors are unpadded base64url; any such text decodes (the unused low bits of the last
/// character are ignored), so every cursor the description allows is a position.
const CURSOR: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    base64::engine::GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

impl PageParams {
    pub fn limit(&self) -> Result<usize, ApiError> {
        match self.limit.unwrap_or(DEFAULT_LIMIT) {
            n @ 1..=MAX_LIMIT => Ok(n as usize),
            n => Err(ApiError::bad_field("limit", format!("limit must be between 1 and {MAX_LIMIT}, not {n}."))),
        }
    }

    fn cursor_bytes(&self) -> Result<Option<Vec<u8>>, ApiError> {
        let Some(cursor) = self.cursor.as_deref().filter(|c| !c.is_empty()) else { return Ok(None) };
        CURSOR
            .decode(cursor)
            .map(Some)
            .map_err(|_| ApiError::bad_field("cursor", "cursor is not one this server gave out."))
    }

    /// The sort key the previous page ended at (a key no row has is still a position).
    pub fn after(&self) -> Result<Option<String>, ApiError> {
        Ok(self.cursor_bytes()?.map(|b| String::from_utf8_lossy(&b).into_owned()))
    }

    /// The id the previous page ended at, for lists ordered by id: up to 8 bytes, big-endian.
    pub fn after_id(&self) -> Result<Option<i64>, ApiError> {
        let Some(bytes) = self.cursor_bytes()? else { return Ok(None) };
        if bytes.len() > 8 {
            return Err(ApiError::bad_field("cursor", "cursor is not one this server gave out."));
        }
        let mut be = [0u8; 8];
        be[8 - bytes.len()..].copy_from_slice(&bytes);
        Ok(Some(i64::try_from(u64::from_be_bytes(be)).unwrap_or(i64::MAX)))
    }
}

/// A page of up to `limit + 1` rows of a list ordered by id.
pub fn id_page<T>(mut rows: Vec<T>, limit: usize, id: impl Fn(&T) -> i64) -> Page<T> {
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor = if more { rows.last().map(|r| CURSOR.encode(id(r).to_be_bytes())) } else { None };
    Page { items: rows, next_cursor }
}

/// Builds a page from up to `limit + 1` rows: the extra row only says that more exist.
pub fn page<T>(mut rows: Vec<T>, limit: usize, key: impl Fn(&T) -> &str) -> Page<T> {
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor = if more { rows.last().map(|r| CURSOR.encode(key(r))) } else { None };
    Page { items: rows, next_cursor }
}

/// Deserializes a present field, `null` included, as `Some`: with `#[serde(default)]`, an absent
/// field stays `None`, so `Option<Option<T>>` tells "leave it" from "clear it".
pub fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// `#[serde(default = "yes")]`: a flag that is on unless said otherwise.
pub fn yes() -> bool {
    true
}

/// A one-line text a person typed (a name, a subject, a title): trimmed, not empty, at most `max`
/// characters, with no line breaks, control characters or invisible formatting characters.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ApiError::bad_field(field, format!("{field} must not be empty.")));
    }
    optional_line(field, v, max)
}

/// A point in time given as RFC 3339 (`2026-11-28T07:00:00Z`) or unix seconds, within the years
/// 1970 to 9999 so that arithmetic on it cannot overflow (`from=-9223372036854775808` once
/// panicked in a range's `to - from`).
pub fn timestamp(field: &str, value: &str) -> Result<i64, ApiError> {
    let v = value.trim();
    let secs = match v.parse::<i64>() {
        Ok(secs) => secs,
        Err(_) => time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
            .map(|t| t.unix_timestamp())
            .map_err(|_| {
                ApiError::bad_field(
                    field,
                    format!("{field} must be RFC 3339 (2026-11-28T07:00:00Z) or unix seconds, not {v:?}."),
                )
            })?,
    };
    if !(0..=LAST_SECOND).contains(&secs) {
        return Err(ApiError::bad_field(field, format!("{field} must lie between 1970 and 9999, not {v:?}.")));
    }
    Ok(secs)
}

/// 9999-12-31T23:59:59Z in unix seconds.
const LAST_SECOND: i64 = 253_402_300_799;

/// Like `required_text`, but may be empty (a person's display name, a category, a phone number).
pub fn optional_line(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let v = optional_text(field, value, max)?;
    match one_line_problem(&v) {
        Some(problem) => Err(ApiError::bad_field(field, format!("{field} {problem}."))),
        None => Ok(v),
    }
}

/// A multi-line text that must not be empty (a comment's body).
pub fn required_multiline(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    if value.trim().is_empty() {
        return Err(ApiError::bad_field(field, format!("{field} must not be empty.")));
    }
    optional_text(field, value, max)
}

/// Multi-line text that may be empty; newlines and tabs are allowed (notes, descriptions,
/// addresses, bodies).
pub fn optional_text(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(ApiError::bad_field(field, format!("{field} must be at most {max} characters long.")));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(ApiError::bad_field(field, format!("{field} must not contain control characters.")));
    }
    Ok(v.to_owned())
}

pub use crate::text::one_line_problem;

/// A plausible e-mail address: one `@`, something before it, a dotted domain after, no spaces.
pub fn email(field: &str, value: &str) -> Result<String, ApiError> {
    let v = value.trim();
    if crate::text::is_email(v) {
        Ok(v.to_owned())
    } else {
        Err(ApiError::bad_field(field, format!("{v:?} is not an e-mail address.")))
    }
}

/// An IANA time zone name such as "Europe/Berlin".
pub fn timezone(field: &str, value: &str) -> Result<String, ApiError> {
    let v = value.trim();
    match jiff::tz::TimeZone::get(v) {
        Ok(_) => Ok(v.to_owned()),
        Err(_) => Err(ApiError::bad_field(field, format!("{v:?} is not a time zone name such as \"Europe/Berlin\"."))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_carry_a_cursor_only_when_more_exist() {
        let p = page(vec!["a".to_string(), "b".into(), "c".into()], 2, |s| s);
        assert_eq!(p.items, vec!["a", "b"]);
        let params = PageParams { limit: Some(2), cursor: p.next_cursor };
        assert_eq!(params.after().unwrap().as_deref(), Some("b"));
        assert!(page(vec!["a".to_string()], 2, |s| s).next_cursor.is_none());
        assert!(PageParams { limit: Some(0), cursor: None }.limit().is_err());
        assert!(PageParams { limit: Some(501), cursor: None }.limit().is_err());
        assert!(PageParams { limit: None, cursor: Some("%%%".into()) }.after().is_err());
    }

    #[test]
    fn fields_are_checked() {
        assert_eq!(required_text("name", "  Acme  ", 10).unwrap(), "Acme");
        assert!(required_text("name", "   ", 10).is_err());
        assert!(required_text("name", "a\u{7}b", 10).is_err());
        assert!(required_text("name", "abcdefghijk", 10).is_err());
        assert!(email("email", "ann@example.com").is_ok());
        for bad in ["ann", "ann@", "@x.com", "a b@x.com", "ann@example", "a@b@c.com"] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
        assert!(timezone("timezone", "Europe/Berlin").is_ok());
        assert!(timezone("timezone", "Mars/Olympus").is_err());
    }

    fn refusal(e: ApiError) -> (u16, String, String) {
        let field = e.detail.as_ref().and_then(|d| d["field"].as_str()).unwrap_or_default().to_owned();
        (e.status.as_u16(), field, e.message)
    }

    #[test]
    fn one_line_fields_refuse_line_breaks_and_invisible_characters() {
        for bad in [
            "Printer\r\nBcc: everyone@example.com",
            "two\nlines",
            "carriage\rreturn",
            "tab\there",
            "next\u{85}line",
            "line\u{2028}separator",
            "invoice\u{202E}fdp.exe",
            "isolate\u{2066}x\u{2069}",
            "zero\u{200B}width",
            "joiner\u{200D}",
            "word\u{2060}joiner",
            "bom\u{FEFF}",
        ] {
            let (status, field, message) = refusal(required_text("subject", bad, 300).unwrap_err());
            assert_eq!((status, field.as_str()), (400, "subject"), "{bad:?}");
            assert!(message.starts_with("subject must"), "{bad:?}: {message}");
            assert!(optional_line("category", bad, 100).is_err(), "{bad:?}");
        }
        assert!(refusal(required_text("name", "a\nb", 10).unwrap_err()).2.contains("one line"));
        assert!(refusal(required_text("name", "a\u{202E}b", 10).unwrap_err()).2.contains("invisible"));
        // What people really type stays allowed (accents, right-to-left scripts, emoji), and
        // whitespace around it, a trailing newline from a form included, is trimmed.
        for good in ["Zürich Büro", "שלום עולם", "Ärzte & Co. (Nord)", "Printer 🖨 offline"] {
            assert_eq!(required_text("name", &format!("  {good}\n"), 100).unwrap(), good);
        }
        assert_eq!(optional_line("category", "", 100).unwrap(), "");
    }

    #[test]
    fn multi_line_fields_keep_their_lines() {
        let body = "Hello,\r\n\r\nthe printer\tworks again.";
        assert_eq!(optional_text("notes", body, 100).unwrap(), body);
        assert_eq!(required_multiline("body", body, 100).unwrap(), body);
        assert!(required_multiline("body", " \n ", 100).is_err());
        assert!(optional_text("notes", "bell\u{7}", 100).is_err());
    }
}
