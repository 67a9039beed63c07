//! One error type, one error shape.
//!
//! Every failure a client can see, from every layer (routing, body parsing,
//! auth, validation, the database), leaves the service as an RFC 9457
//! `application/problem+json` body built here. Handlers and extractors return
//! [`ApiError`]; the edge layer (`crate::edge`) rewrites the bare responses
//! that axum and Loco's middlewares produce on their own (404 for an unknown
//! route, 405, 408, a caught panic) into the same shape.
//!
//! The cause chain of an internal failure is logged, never sent: a problem
//! body carries no SQL, no stack trace, no key and no other user's data.
//!
//! The models answer with [`DomainError`]; this module alone decides what
//! each one is over HTTP. The OpenAPI side of the same shape is here too:
//! the [`Problem`] schema and the groups of error responses the handlers
//! list (one declaration each, referenced by every route that can answer
//! them).

use axum::{
    body::Body,
    http::{header, HeaderValue, Response, StatusCode},
    response::IntoResponse,
};
use sea_orm::{DbErr, RuntimeErr};
use serde::Serialize;
use utoipa::{IntoResponses, ToSchema};

use crate::models::errors::DomainError;
pub use crate::models::errors::FieldError;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Why a bearer token was not accepted. The text goes to the client in the
/// problem's `detail` (and the `WWW-Authenticate` description), so it names
/// the rule that failed and nothing about keys or secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unauthorized {
    /// No `Authorization: Bearer` credentials at all.
    Missing,
    /// A token was presented and refused for the given reason.
    InvalidToken(String),
}

#[derive(Debug)]
pub enum ApiError {
    /// 400: the body is not JSON, or the query string cannot be read.
    BadRequest(String),
    /// 401, with `WWW-Authenticate: Bearer`.
    Unauthorized(Unauthorized),
    /// 403: a valid token for another user than the path names.
    Forbidden,
    /// 404: no such task for this user (also another user's task).
    NotFound,
    /// 404: none of the user's tasks carries this tag.
    TagNotFound,
    /// 404: no such list for this user (also another user's list).
    ListNotFound,
    /// 409: a request with the same idempotency key is still running, or a
    /// write kept losing races; worth retrying shortly.
    Conflict(String),
    /// 409: a value that must be unique is taken; the field named.
    Duplicate(Vec<FieldError>),
    /// 410: the feed position is older than the events kept; `head` is the
    /// user's latest event id.
    Gone { head: i64 },
    /// 412: `If-Match` names a version the task no longer has.
    PreconditionFailed,
    /// 413: the body is larger than the configured limit.
    PayloadTooLarge,
    /// 429: the user's rate limit; retry after this many seconds.
    TooManyRequests(u64),
    /// 429: the user holds the most open streams allowed (this many).
    TooManyStreams(usize),
    /// 431: the request headers are larger than the limit.
    HeadersTooLarge,
    /// 415: a body that is not `application/json`.
    UnsupportedMediaType,
    /// 422: well-formed input that breaks a rule.
    Validation(Vec<FieldError>),
    /// 503: a dependency (database, Better Auth's JWKS) cannot be reached.
    Unavailable(String),
    /// 500: a bug or an unexpected failure; the cause is logged only.
    Internal(String),
}

impl ApiError {
    pub fn invalid_token(reason: impl Into<String>) -> Self {
        Self::Unauthorized(Unauthorized::InvalidToken(reason.into()))
    }

    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound | Self::TagNotFound | Self::ListNotFound => StatusCode::NOT_FOUND,
            Self::Conflict(_) | Self::Duplicate(_) => StatusCode::CONFLICT,
            Self::Gone { .. } => StatusCode::GONE,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests(_) | Self::TooManyStreams(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem's `detail`: what went wrong, in one sentence.
    #[must_use]
    pub fn detail(&self) -> String {
        match self {
            Self::BadRequest(detail) | Self::Unavailable(detail) | Self::Conflict(detail) => {
                detail.clone()
            }
            Self::PreconditionFailed => {
                "the task has changed since the version If-Match names".to_string()
            }
            Self::Unauthorized(Unauthorized::Missing) => {
                "a bearer token is required (Authorization: Bearer <JWT>)".to_string()
            }
            Self::Unauthorized(Unauthorized::InvalidToken(reason)) => {
                format!("invalid token: {reason}")
            }
            Self::Forbidden => "the token's user does not match the user in the path".to_string(),
            Self::NotFound => "task not found".to_string(),
            Self::TagNotFound => "no task of this user carries this tag".to_string(),
            Self::ListNotFound => "list not found".to_string(),
            Self::PayloadTooLarge => "the request body is too large".to_string(),
            Self::UnsupportedMediaType => {
                "the request body must be JSON (Content-Type: application/json)".to_string()
            }
            Self::Validation(errors) | Self::Duplicate(errors) => errors
                .iter()
                .map(|e| format!("{} {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
            Self::Internal(_) => "an unexpected error occurred".to_string(),
            Self::TooManyRequests(seconds) => {
                format!("too many requests for this user; retry in {seconds} s")
            }
            Self::HeadersTooLarge => "the request headers are too large".to_string(),
            Self::Gone { .. } => {
                "these events are no longer kept: reload the list, then follow from X-Last-Event-Id"
                    .to_string()
            }
            Self::TooManyStreams(max) => {
                format!("this user already has {max} open streams; close one first")
            }
        }
    }
}

/// An RFC 9457 problem: the body of every error.
#[derive(Serialize, ToSchema)]
pub struct Problem<'a> {
    /// Always `about:blank`.
    #[serde(rename = "type")]
    #[schema(example = "about:blank")]
    pub kind: &'static str,
    #[schema(example = "Unprocessable Entity")]
    pub title: &'static str,
    #[schema(example = 422)]
    pub status: u16,
    #[schema(example = "title must be between 1 and 200 characters")]
    pub detail: &'a str,
    /// Every invalid field, on a 422.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<FieldError>>)]
    pub errors: Option<&'a [FieldError]>,
}

impl ApiError {
    /// Every invalid field, on a 422 (the taken one, on a 409).
    fn field_errors(&self) -> Option<&[FieldError]> {
        match self {
            Self::Validation(errors) | Self::Duplicate(errors) => Some(errors.as_slice()),
            _ => None,
        }
    }
}

impl<'a> Problem<'a> {
    fn new(status: StatusCode, detail: &'a str, errors: Option<&'a [FieldError]>) -> Self {
        Self {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail,
            errors,
        }
    }
}

/// Builds a problem+json response for `status`.
#[must_use]
pub fn problem_response(
    status: StatusCode,
    detail: &str,
    errors: Option<&[FieldError]>,
) -> Response<Body> {
    let problem = Problem::new(status, detail, errors);
    // Serializing a struct of strings and numbers cannot fail; the fallback
    // only keeps this function total.
    let body = serde_json::to_vec(&problem).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> axum::response::Response {
        let mut response = problem_response(self.status(), &self.detail(), self.field_errors());
        let retry_after = match &self {
            Self::Unavailable(_) => Some(5),
            Self::Conflict(_) => Some(1),
            Self::TooManyRequests(seconds) => Some(*seconds),
            Self::TooManyStreams(_) => Some(5),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Self::Gone { head } = &self {
            response.headers_mut().insert(
                axum::http::HeaderName::from_static("x-last-event-id"),
                HeaderValue::from(*head),
            );
        }
        if let Self::Unauthorized(kind) = &self {
            // RFC 6750 section 3: no error attribute when no credentials were
            // sent, `invalid_token` when the token was refused.
            let challenge = match kind {
                Unauthorized::Missing => HeaderValue::from_static("Bearer"),
                Unauthorized::InvalidToken(_) => {
                    HeaderValue::from_static(r#"Bearer error="invalid_token""#)
                }
            };
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, challenge);
        }
        if let Self::Internal(cause) = self {
            // Logged by the edge layer, on the request's access line.
            response.extensions_mut().insert(InternalCause(cause));
        }
        response
    }
}

/// The cause of an internal error, carried on its response to the edge
/// layer's access line (which logs it at error level with the request id);
/// never sent to the client.
#[derive(Clone, Debug)]
pub struct InternalCause(pub String);

/// Whether a driver error means the database cannot be reached (as opposed
/// to a query it refused): a lost connection, a closed or exhausted pool.
fn is_unreachable(err: &RuntimeErr) -> bool {
    use sea_orm::sqlx::Error;
    match err {
        RuntimeErr::SqlxError(e) => match e.as_ref() {
            Error::Io(_)
            | Error::Tls(_)
            | Error::PoolTimedOut
            | Error::PoolClosed
            | Error::WorkerCrashed
            | Error::Protocol(_) => true,
            // SQLSTATE class 08 (connection exception) and 57 (operator
            // intervention: the server is shutting down or starting up);
            // SQLite's busy and locked codes (another writer held the
            // database past the busy timeout): worth a retry, not a 500.
            Error::Database(db) => db.code().is_some_and(|code| {
                code.starts_with("08")
                    || code.starts_with("57")
                    || matches!(code.as_ref(), "5" | "6" | "261" | "517")
            }),
            _ => false,
        },
        RuntimeErr::Internal(_) => false,
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        const UNAVAILABLE: &str = "the database is unavailable, try again shortly";
        let unreachable = match &err {
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
            DbErr::Exec(runtime) | DbErr::Query(runtime) => is_unreachable(runtime),
            _ => false,
        };
        if unreachable {
            tracing::warn!(error = %err, "database unreachable");
            Self::Unavailable(UNAVAILABLE.to_string())
        } else {
            Self::Internal(err.to_string())
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::NotFound => Self::NotFound,
            DomainError::PreconditionFailed => Self::PreconditionFailed,
            DomainError::Invalid(errors) => Self::Validation(errors),
            DomainError::Conflict(message) => Self::Conflict(message),
            DomainError::Duplicate(error) => Self::Duplicate(vec![error]),
            DomainError::Database(db) => db.into(),
        }
    }
}

/// The detail sent for an error response that did not come from
/// [`ApiError`], by status.
pub fn default_detail(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "no route matches this path",
        StatusCode::METHOD_NOT_ALLOWED => {
            "this method is not allowed here; the Allow header lists the ones that are"
        }
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is too large",
        StatusCode::REQUEST_TIMEOUT => "the request took too long",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "the request headers are too large",
        StatusCode::INTERNAL_SERVER_ERROR => "an unexpected error occurred",
        s if s.is_server_error() => "the service cannot answer right now",
        _ => "the request cannot be served",
    }
}

/// Marks a response whose error body is deliberate and must be kept as it
/// is (the health check's report).
#[derive(Clone, Copy, Debug)]
pub struct KeepBody;

/// The fallback for paths no route matches.
pub async fn route_not_found() -> axum::response::Response {
    problem_response(
        StatusCode::NOT_FOUND,
        default_detail(StatusCode::NOT_FOUND),
        None,
    )
}

/// The error responses of every authenticated route, for the OpenAPI
/// document: the token, the path's user, the limits around every request,
/// and the dependencies.
#[derive(IntoResponses)]
pub enum CommonErrors<'a> {
    #[response(
        status = 401,
        description = "No token, or a refused one (`WWW-Authenticate: Bearer`)",
        content_type = "application/problem+json"
    )]
    Unauthorized(Problem<'a>),
    #[response(
        status = 403,
        description = "The token's user is not the path's user",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem<'a>),
    #[response(
        status = 408,
        description = "The request took longer than the timeout (a body sent too slowly)",
        content_type = "application/problem+json"
    )]
    RequestTimeout(Problem<'a>),
    #[response(
        status = 429,
        description = "The user's rate limit (`Retry-After`)",
        content_type = "application/problem+json"
    )]
    TooManyRequests(Problem<'a>),
    #[response(
        status = 431,
        description = "Request headers over the configured limit (`max_header_bytes`, 16 KiB by default)",
        content_type = "application/problem+json"
    )]
    HeadersTooLarge(Problem<'a>),
    #[response(
        status = 503,
        description = "Database or the auth server's keys unavailable (`Retry-After`)",
        content_type = "application/problem+json"
    )]
    Unavailable(Problem<'a>),
}

/// The error responses of a route that reads a JSON body.
#[derive(IntoResponses)]
pub enum BodyErrors<'a> {
    #[response(
        status = 400,
        description = "Malformed JSON",
        content_type = "application/problem+json"
    )]
    BadRequest(Problem<'a>),
    #[response(
        status = 413,
        description = "Body over the configured limit (`limit_payload`, 64 KiB by default)",
        content_type = "application/problem+json"
    )]
    PayloadTooLarge(Problem<'a>),
    #[response(
        status = 415,
        description = "Body not `application/json`",
        content_type = "application/problem+json"
    )]
    UnsupportedMediaType(Problem<'a>),
    #[response(
        status = 422,
        description = "Invalid parameters or body; `errors` lists every field",
        content_type = "application/problem+json"
    )]
    Invalid(Problem<'a>),
}

/// A 422 for a route whose only input is its query string.
#[derive(IntoResponses)]
#[response(
    status = 422,
    description = "Invalid parameters; `errors` lists every field",
    content_type = "application/problem+json"
)]
pub struct InvalidQuery<'a>(pub Problem<'a>);

/// A 404 for a route on one task.
#[derive(IntoResponses)]
#[response(
    status = 404,
    description = "No such task for this user",
    content_type = "application/problem+json"
)]
pub struct TaskNotFound<'a>(pub Problem<'a>);

/// A 404 for a route on one tag.
#[derive(IntoResponses)]
#[response(
    status = 404,
    description = "No task of this user carries the tag",
    content_type = "application/problem+json"
)]
pub struct TagNotFound<'a>(pub Problem<'a>);

/// A 404 for a route on one list.
#[derive(IntoResponses)]
#[response(
    status = 404,
    description = "No such list for this user",
    content_type = "application/problem+json"
)]
pub struct ListNotFound<'a>(pub Problem<'a>);

/// A 409 for a list name the user already has.
#[derive(IntoResponses)]
#[response(
    status = 409,
    description = "The user has a list of this name (ignoring case); `errors` names `name`",
    content_type = "application/problem+json"
)]
pub struct NameTaken<'a>(pub Problem<'a>);

/// A 409 for a compare-and-set write that kept losing to other writers.
#[derive(IntoResponses)]
#[response(
    status = 409,
    description = "Other writes kept changing the task; retry (`Retry-After`)",
    content_type = "application/problem+json"
)]
pub struct KeptChanging<'a>(pub Problem<'a>);

/// A 410 for a feed position older than the events kept.
#[derive(IntoResponses)]
#[response(
    status = 410,
    description = "`after` (or `Last-Event-ID`) is older than the events kept, or past the latest one: reload the list, then follow from `X-Last-Event-Id`",
    content_type = "application/problem+json",
    headers(("X-Last-Event-Id" = i64, description = "The user's latest event id"))
)]
pub struct FeedGone<'a>(pub Problem<'a>);

/// A 412 for a write that honours `If-Match`.
#[derive(IntoResponses)]
#[response(
    status = 412,
    description = "`If-Match` does not name the current version",
    content_type = "application/problem+json"
)]
pub struct TaskChanged<'a>(pub Problem<'a>);
