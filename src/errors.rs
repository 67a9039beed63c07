//! One error type, one error shape.
//!
//! Every failure a client can see, from every layer (routing, body parsing,
//! auth, validation, the database), leaves the service as an RFC 9457
//! `application/problem+json` body built here. Handlers and extractors return
//! [`ApiError`]; the [`problem_safety_net`] layer rewrites the bare responses
//! that axum and Loco's middlewares produce on their own (404 for an unknown
//! route, 405, 408, a caught panic) into the same shape.
//!
//! The cause chain of an internal failure is logged, never sent: a problem
//! body carries no SQL, no stack trace, no key and no other user's data.

use axum::{
    body::Body,
    http::{header, HeaderValue, Response, StatusCode},
    response::IntoResponse,
};
use loco_rs::model::ModelError;
use sea_orm::{DbErr, RuntimeErr};
use serde::Serialize;
use std::collections::BTreeMap;

use crate::models::task_etag::PreconditionFailed;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One rejected field of a request, as listed in a 422 body's `errors`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

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
    /// 409: a request with the same idempotency key is still running, or a
    /// write kept losing races; worth retrying shortly.
    Conflict(String),
    /// 412: `If-Match` names a version the task no longer has.
    PreconditionFailed,
    /// 413: the body is larger than the configured limit.
    PayloadTooLarge,
    /// 429: the user's rate limit; retry after this many seconds.
    TooManyRequests(u64),
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
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn detail(&self) -> String {
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
            Self::PayloadTooLarge => "the request body is too large".to_string(),
            Self::UnsupportedMediaType => {
                "the request body must be JSON (Content-Type: application/json)".to_string()
            }
            Self::Validation(errors) => errors
                .iter()
                .map(|e| format!("{} {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
            Self::Internal(_) => "an unexpected error occurred".to_string(),
            Self::TooManyRequests(seconds) => {
                format!("too many requests for this user; retry in {seconds} s")
            }
            Self::HeadersTooLarge => "the request headers are too large".to_string(),
        }
    }
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    detail: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a [FieldError]>,
}

/// Builds a problem+json response for `status`.
#[must_use]
pub fn problem_response(
    status: StatusCode,
    detail: &str,
    errors: Option<&[FieldError]>,
) -> Response<Body> {
    let problem = Problem {
        kind: "about:blank",
        title: status.canonical_reason().unwrap_or("Error"),
        status: status.as_u16(),
        detail,
        errors,
    };
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
        if let Self::Internal(cause) = &self {
            tracing::error!(cause = %cause, "request failed with an internal error");
        }
        let errors = match &self {
            Self::Validation(errors) => Some(errors.as_slice()),
            _ => None,
        };
        let mut response = problem_response(self.status(), &self.detail(), errors);
        let retry_after = match &self {
            Self::Unavailable(_) => Some(5),
            Self::Conflict(_) => Some(1),
            Self::TooManyRequests(seconds) => Some(*seconds),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
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
        response
    }
}

/// Validation failures raised by a model's `before_save` travel through
/// SeaORM as `DbErr::Custom` holding Loco's JSON encoding of the field
/// errors; this reads them back so they answer 422, not 500.
fn validation_from_db_message(message: &str) -> Option<Vec<FieldError>> {
    #[derive(serde::Deserialize)]
    struct Message {
        code: String,
        message: Option<String>,
    }
    let fields: BTreeMap<String, Vec<Message>> = serde_json::from_str(message).ok()?;
    let errors: Vec<FieldError> = fields
        .into_iter()
        .flat_map(|(field, messages)| {
            messages
                .into_iter()
                .map(move |m| FieldError::new(field.clone(), m.message.unwrap_or(m.code)))
        })
        .collect();
    (!errors.is_empty()).then_some(errors)
}

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
            // intervention: the server is shutting down or starting up).
            Error::Database(db) => db
                .code()
                .is_some_and(|code| code.starts_with("08") || code.starts_with("57")),
            _ => false,
        },
        RuntimeErr::Internal(_) => false,
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        const UNAVAILABLE: &str = "the database is unavailable, try again shortly";
        match &err {
            DbErr::Custom(message) => validation_from_db_message(message)
                .map_or_else(|| Self::Internal(err.to_string()), Self::Validation),
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => {
                tracing::warn!(error = %err, "database unreachable");
                Self::Unavailable(UNAVAILABLE.to_string())
            }
            DbErr::Exec(runtime) | DbErr::Query(runtime) if is_unreachable(runtime) => {
                tracing::warn!(error = %err, "database unreachable");
                Self::Unavailable(UNAVAILABLE.to_string())
            }
            // The row went away between reading and writing it.
            DbErr::RecordNotFound(_) | DbErr::RecordNotUpdated => Self::NotFound,
            _ => Self::Internal(err.to_string()),
        }
    }
}

impl From<ModelError> for ApiError {
    fn from(err: ModelError) -> Self {
        match err {
            ModelError::EntityNotFound => Self::NotFound,
            ModelError::Validation(errors) => Self::Validation(
                errors
                    .errors
                    .into_iter()
                    .flat_map(|(field, list)| {
                        list.into_iter().map(move |e| {
                            FieldError::new(field.clone(), e.message.unwrap_or(e.code))
                        })
                    })
                    .collect(),
            ),
            ModelError::DbErr(db) => db.into(),
            ModelError::Any(err) if err.is::<PreconditionFailed>() => Self::PreconditionFailed,
            ModelError::Message(message) => Self::Conflict(message),
            other => Self::Internal(other.to_string()),
        }
    }
}

/// The detail sent for an error response that did not come from
/// [`ApiError`], by status.
fn default_detail(status: StatusCode) -> &'static str {
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

/// Rewrites every error response that is not already problem+json (axum's
/// empty 404 and 405, Loco's JSON for a caught panic or a timeout) into the
/// contract's shape, keeping its status and headers such as `Allow`.
pub async fn problem_safety_net(response: axum::response::Response) -> axum::response::Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.extensions().get::<KeepBody>().is_some()
    {
        return response;
    }
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let fresh = problem_response(status, default_detail(status), None);
    let (_, body) = fresh.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    Response::from_parts(parts, body)
}

/// Refuses requests whose headers add up to more than `max_bytes` with a
/// 431 problem, before routing, auth or the database.
pub async fn limit_header_size(
    axum::extract::State(max_bytes): axum::extract::State<usize>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let size: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if size > max_bytes {
        return ApiError::HeadersTooLarge.into_response();
    }
    next.run(request).await
}

/// The fallback for paths no route matches.
pub async fn route_not_found() -> axum::response::Response {
    problem_response(
        StatusCode::NOT_FOUND,
        default_detail(StatusCode::NOT_FOUND),
        None,
    )
}
