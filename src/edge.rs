//! The service's own layer around every route, outside Loco's middleware
//! stack: one layer instead of several, doing in order
//!
//! 1. the header limit: headers over `max_header_bytes` are a 431;
//! 2. the body, read in full before anything can refuse the request;
//! 3. the access log line;
//! 4. the problem+json safety net for bare error responses.
//!
//! **Why the body is read here.** A request refused before its body is read
//! (401 for a bad token, 403, 429, 404 for an unknown route) used to leave
//! the body unread on the connection; hyper then closed that kept-alive
//! connection after the answer without saying so, and a client that reuses
//! pooled connections saw a transport error instead of the status (a
//! browser's "Failed to fetch" at the very moment it needed the 401). Read
//! here, within the body limit and the request timeout, the body is gone
//! from the wire before any refusal, so every answer leaves the connection
//! usable. What cannot be read (a body over the limit, one trickled in past
//! the timeout, headers over the limit) is refused with `Connection: close`,
//! so the client knows not to reuse the connection.
//!
//! Access log: one line per request at info (`todo_api::access`): method,
//! route template (never the raw path or query), status, latency, request
//! id and the verified user id; at error, with the cause, for an internal
//! error ([`InternalCause`]). Never bodies, headers or tokens. It is the
//! request's only log: Loco's request span is switched off (config), since
//! sqlx enters the current span at every poll of a row stream. The user
//! is known only once the auth extractor has run, deep inside; it writes
//! into the [`RequestUser`] slot this layer puts on the request.

use std::{
    sync::{Arc, OnceLock},
    time::{Duration, Instant},
};

use axum::{
    body::Body,
    extract::{MatchedPath, Request, State},
    http::{header, HeaderValue, Response, StatusCode},
    middleware::Next,
    response::IntoResponse,
};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use loco_rs::controller::middleware::Config as Middlewares;

use crate::{
    errors::{default_detail, problem_response, ApiError, InternalCause, KeepBody, PROBLEM_JSON},
    settings::Settings,
};

/// What the layer needs, read once at start-up.
#[derive(Clone, Copy, Debug)]
pub struct Edge {
    max_header_bytes: usize,
    body_limit: usize,
    read_timeout: Duration,
}

/// How long a body may take when the request timeout is switched off.
const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);

impl Edge {
    #[must_use]
    pub fn new(settings: &Settings, middlewares: &Middlewares) -> Self {
        use loco_rs::controller::middleware::limit_payload::DefaultBodyLimitKind;
        let body_limit = match middlewares.limit_payload.as_ref().map(|l| &l.body_limit) {
            Some(DefaultBodyLimitKind::Limit(bytes)) => *bytes,
            Some(DefaultBodyLimitKind::Disable) => usize::MAX,
            None => 2_000_000,
        };
        let read_timeout = middlewares
            .timeout_request
            .as_ref()
            .filter(|t| t.enable)
            .map_or(DEFAULT_READ_TIMEOUT, |t| Duration::from_millis(t.timeout));
        Self {
            max_header_bytes: settings.limits.max_header_bytes,
            body_limit,
            read_timeout,
        }
    }
}

/// Where the auth extractor leaves the verified user id for the log line.
#[derive(Clone, Default)]
pub struct RequestUser(Arc<OnceLock<String>>);

impl RequestUser {
    pub fn set(&self, user_id: &str) {
        let _ = self.0.set(user_id.to_string());
    }
}

/// A refusal after which the connection is not reused.
fn closing(response: impl IntoResponse) -> axum::response::Response {
    let mut response = response.into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

fn closing_problem(status: StatusCode) -> axum::response::Response {
    closing(problem_response(status, default_detail(status), None))
}

/// Whether the request carries a body to read.
fn has_body(request: &Request) -> bool {
    let headers = request.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0")
}

/// The request with its body read into memory, or the refusal.
async fn read_body(edge: Edge, request: Request) -> Result<Request, axum::response::Response> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > edge.body_limit) {
        return Err(closing(ApiError::PayloadTooLarge));
    }
    let (parts, body) = request.into_parts();
    let read = tokio::time::timeout(
        edge.read_timeout,
        Limited::new(body, edge.body_limit).collect(),
    )
    .await;
    match read {
        Ok(Ok(collected)) => Ok(Request::from_parts(parts, Body::from(collected.to_bytes()))),
        Ok(Err(error)) if error.is::<LengthLimitError>() => Err(closing(ApiError::PayloadTooLarge)),
        // The client broke off or sent a malformed chunked body.
        Ok(Err(_)) => Err(closing(ApiError::BadRequest(
            "the request body could not be read".to_string(),
        ))),
        Err(_) => Err(closing_problem(StatusCode::REQUEST_TIMEOUT)),
    }
}

/// Rewrites an error response that is not already problem+json (axum's
/// empty 404 and 405, Loco's JSON for a caught panic or a timeout) into the
/// contract's shape, keeping its status and headers such as `Allow`.
fn problem_safety_net(response: axum::response::Response) -> axum::response::Response {
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
    let (_, body) = problem_response(status, default_detail(status), None).into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    Response::from_parts(parts, body)
}

fn log_line(
    method: &axum::http::Method,
    route: &str,
    response: &axum::response::Response,
    started: Instant,
    user: &RequestUser,
) {
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let user_id = user.0.get().map_or("", String::as_str);
    // One field list for both levels (a tracing level is fixed per call site).
    macro_rules! access_line {
        ($level:ident, $($more:tt)*) => {
            tracing::$level!(
                target: "todo_api::access",
                method = %method,
                route = %route,
                status,
                latency_ms,
                request_id = %request_id,
                user_id,
                $($more)*
            )
        };
    }
    match response.extensions().get::<InternalCause>() {
        None => access_line!(info, "request"),
        Some(InternalCause(cause)) => access_line!(
            error,
            cause = %cause,
            "request failed with an internal error"
        ),
    }
}

/// The layer (see the module docs).
pub async fn edge(
    State(edge): State<Edge>,
    request: Request,
    next: Next,
) -> axum::response::Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("<no route>", |path| path.as_str())
        .to_string();
    let user = RequestUser::default();

    let header_bytes: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    let response = if header_bytes > edge.max_header_bytes {
        closing(ApiError::HeadersTooLarge)
    } else {
        match if has_body(&request) {
            read_body(edge, request).await
        } else {
            Ok(request)
        } {
            Err(refusal) => refusal,
            Ok(mut request) => {
                request.extensions_mut().insert(user.clone());
                problem_safety_net(next.run(request).await)
            }
        }
    };
    log_line(&method, &route, &response, started, &user);
    response
}
