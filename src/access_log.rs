//! One log line per request, at info: method, route template (not the raw
//! path, so no ids or query strings), status, latency, request id and the
//! verified user id. Never bodies, headers or tokens.
//!
//! The user is only known once [`crate::extractors::auth::AuthUser`] has
//! run, deep inside the handler; it writes into the [`RequestUser`] slot
//! this layer puts on the request.

use std::{
    sync::{Arc, OnceLock},
    time::Instant,
};

use axum::{
    extract::{MatchedPath, Request},
    middleware::Next,
    response::Response,
};

/// Where the auth extractor leaves the verified user id for the log line.
#[derive(Clone, Default)]
pub struct RequestUser(Arc<OnceLock<String>>);

impl RequestUser {
    pub fn set(&self, user_id: &str) {
        let _ = self.0.set(user_id.to_string());
    }
}

pub async fn log_request(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().map_or_else(
        || "<no route>".to_string(),
        |path| path.as_str().to_string(),
    );
    let user = RequestUser::default();
    request.extensions_mut().insert(user.clone());

    let response = next.run(request).await;

    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    tracing::info!(
        target: "todo_api::access",
        method = %method,
        route = %route,
        status = response.status().as_u16(),
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        request_id = %request_id,
        user_id = user.0.get().map_or("", String::as_str),
        "request"
    );
    response
}
