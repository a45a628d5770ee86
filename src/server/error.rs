//! The one error type handlers return, and the JSON shape every error has:
//! `{"error": "<sentence>", "detail": ...}`. 5xx bodies say little; the log says everything.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::db::DbError;
use crate::refusal::Refusal;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub detail: Option<Value>,
    /// Extra headers such as `Retry-After` or `WWW-Authenticate`.
    pub headers: Vec<(header::HeaderName, HeaderValue)>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError { status, message: message.into(), detail: None, headers: Vec::new() }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// A 400 that names the offending field in `detail.field`.
    pub fn bad_field(field: &str, message: impl Into<String>) -> Self {
        let mut e = Self::bad_request(message);
        e.detail = Some(json!({ "field": field }));
        e
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::UNAUTHORIZED, message);
        e.headers.push((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"steward\"")));
        e
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }

    /// A 500 whose cause goes to the log, not to the caller.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal error; the server log has the details.")
    }
}

impl From<DbError> for ApiError {
    /// What a caller may know of a database outcome: a refusal or a missing object in words, a
    /// full disk as 507 (agents keep their reports and retry), anything else as a bare 500 with
    /// the cause in the log.
    fn from(e: DbError) -> Self {
        match e {
            DbError::Refused(r) => r.into(),
            DbError::NotFound(m) => ApiError::not_found(m),
            DbError::DiskFull(cause) => {
                tracing::error!(error = %cause, "the disk holding the database is full; writes are refused until space is freed");
                let mut e = ApiError::new(
                    StatusCode::INSUFFICIENT_STORAGE,
                    "The server's disk is full, so nothing was saved. Try again once an administrator has freed space.",
                );
                e.headers.push((header::RETRY_AFTER, HeaderValue::from_static("60")));
                e
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Invalid { field, message } => ApiError::bad_field(field, message),
            Refusal::Conflict { field, message } => {
                let mut e = ApiError::conflict(message);
                e.detail = Some(json!({ "field": field }));
                e
            }
            Refusal::NotAllowed(message) => ApiError::forbidden(message),
        }
    }
}

/// Every error's answer.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    /// What was wrong, as a sentence.
    pub error: String,
    /// For a bad field, `{"field": name}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub detail: Option<Value>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { error: self.message, detail: self.detail };
        let mut response = (self.status, axum::Json(body)).into_response();
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

/// JSON request body whose rejections (syntax, wrong fields, too large, wrong content type)
/// answer in the same error shape as everything else: 400, 413 or 415 with a sentence.
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    match &r {
        JsonRejection::JsonDataError(_) | JsonRejection::JsonSyntaxError(_) => {
            ApiError::bad_request(format!("The request body is not valid: {}", inner_reason(&r.body_text())))
        }
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the request body as JSON with Content-Type: application/json.",
        ),
        _ if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "The request body is larger than this server accepts.")
        }
        _ => ApiError::new(r.status(), r.body_text()),
    }
}

/// Drops axum's generic lead-in ("Failed to deserialize the JSON body into the target type: ")
/// and keeps serde's own sentence, which names the field.
fn inner_reason(text: &str) -> String {
    match text.split_once(": ") {
        Some((lead, rest)) if lead.starts_with("Failed to") => rest.to_owned(),
        _ => text.to_owned(),
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Query string, refused with a JSON 400 that names the bad parameter.
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(r) => Err(query_rejection(r)),
        }
    }
}

fn query_rejection(r: QueryRejection) -> ApiError {
    ApiError::bad_request(format!("The query string is not valid: {}", inner_reason(&r.body_text())))
}

/// Path parameters, refused with a JSON 400 (for example a non-numeric id).
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(r) => Err(path_rejection(r)),
        }
    }
}

fn path_rejection(r: PathRejection) -> ApiError {
    ApiError::bad_request(format!("The address is not valid: {}", inner_reason(&r.body_text())))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn answer(e: ApiError) -> (StatusCode, Value, Option<String>) {
        let response = e.into_response();
        let status = response.status();
        let retry = response.headers().get(header::RETRY_AFTER).map(|v| v.to_str().unwrap().to_owned());
        let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (status, serde_json::from_slice(&body).unwrap(), retry)
    }

    #[tokio::test]
    async fn a_full_disk_is_507_with_a_retry_and_no_sqlite_text() {
        let (status, body, retry) = answer(DbError::DiskFull("database or disk is full".into()).into()).await;
        assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE);
        assert_eq!(retry.as_deref(), Some("60"), "agents and people are told to come back");
        let text = body["error"].as_str().unwrap();
        assert!(text.contains("disk is full") && text.contains("nothing was saved"), "{text}");
        assert!(!text.contains("database or disk"), "SQLite's words stay in the log: {text}");
    }

    #[tokio::test]
    async fn database_failures_are_500s_that_say_nothing_of_the_database() {
        for e in [
            DbError::Commit("disk I/O error".into()),
            DbError::Sqlite(rusqlite::Error::InvalidQuery),
            DbError::Encode("key must be a string".into()),
            DbError::Unreadable("rule 3 has a condition this version does not read".into()),
            DbError::WriterGone,
        ] {
            let (status, body, _) = answer(e.into()).await;
            assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
            assert_eq!(body["error"], "Internal error; the server log has the details.");
            assert!(body.get("detail").is_none());
        }
    }

    #[tokio::test]
    async fn refusals_name_their_field_and_keep_their_meaning() {
        let (status, body, _) =
            answer(DbError::conflict("name", "There is already a client named \"Acme\".").into()).await;
        assert_eq!((status, body["detail"]["field"].as_str()), (StatusCode::CONFLICT, Some("name")));
        assert_eq!(body["error"], "There is already a client named \"Acme\".");
        let (status, body, _) =
            answer(Refusal::invalid("client_id", "A user with the client role needs a client.").into()).await;
        assert_eq!((status, body["detail"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("client_id")));
        let (status, _, _) = answer(Refusal::NotAllowed("Only the author may do that.".into()).into()).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, body, _) = answer(DbError::NotFound("There is no ticket 9.".into()).into()).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("There is no ticket 9.")));
    }
}
