//! The pieces each route module describes its part of the API with, apart from `openapi.rs`,
//! which gathers the parts: route modules import this file, and only `openapi.rs` imports them.

use serde_json::{Value, json};

/// (method, path, summary, request body schema, success status, response schema)
pub type Operation = (&'static str, &'static str, &'static str, Option<&'static str>, u16, Option<&'static str>);

/// Query parameters of one operation: ((method, path), [(name, JSON type)]).
pub type QueryParams = ((&'static str, &'static str), &'static [(&'static str, &'static str)]);

/// What a route module adds to the description: its operations, the query parameters of each
/// (name, JSON type), and its schemas. Paths listed in `paged` also take `?limit=&cursor=`.
pub struct ApiDoc {
    pub operations: &'static [Operation],
    pub query: &'static [QueryParams],
    pub paged: &'static [&'static str],
    pub schemas: fn() -> Value,
}

/// The shape of a list answer of `item`s.
pub fn page_of(item: &str) -> Value {
    json!({ "type": "object", "required": ["items", "next_cursor"], "properties": {
        "items": { "type": "array", "items": { "$ref": format!("#/components/schemas/{item}") } },
        "next_cursor": { "type": ["string", "null"], "description": "Pass as ?cursor= for the next page" } } })
}
