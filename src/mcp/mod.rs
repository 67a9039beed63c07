//! `/mcp`: the Model Context Protocol endpoint, so an AI assistant can
//! manage the signed-in user's tasks.
//!
//! The official Rust SDK (`rmcp`) speaks the Streamable HTTP transport,
//! statelessly (no sessions: any instance answers any request, and a
//! `tools/call` needs no earlier `initialize` on the same instance), with
//! plain JSON responses. In front of it sits this module's auth layer, the
//! resource server half of the MCP authorization spec: the token is checked
//! by the same verifier as the REST routes ([`Verifier::verify_mcp`]), a
//! request without a valid one is a `401` whose `WWW-Authenticate` points
//! at this resource's RFC 9728 metadata, and the verified user rides on the
//! request to the tools ([`tools::Caller`]).

pub mod schemas;
pub mod tools;

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post_service},
    Json,
};
use loco_rs::{app::AppContext, controller::Routes};
use rmcp::transport::streamable_http_server::{
    session::never::NeverSessionManager, StreamableHttpServerConfig, StreamableHttpService,
};
use serde_json::json;

use crate::{
    auth::{McpTokenRules, Verifier},
    errors::{ApiError, KeepBody, Unauthorized},
    extractors::auth::{admit, bearer_token},
    settings::Settings,
};
use tools::{Caller, TodoTools};

/// What `/mcp` accepts besides the REST tokens: OAuth access tokens for
/// this resource, from the configured issuers.
#[must_use]
pub fn token_rules(settings: &Settings) -> McpTokenRules {
    McpTokenRules {
        resource: settings.mcp.resource(),
        issuers: settings.mcp.token_issuers(&settings.auth),
        accept_api_tokens: settings.mcp.accept_api_tokens,
    }
}

/// The routes: `/mcp` and its resource metadata, when the endpoint is on.
#[must_use]
pub fn routes(ctx: &AppContext) -> Routes {
    let settings = match Settings::of(ctx) {
        Ok(settings) => settings,
        Err(error) => {
            tracing::error!(%error, "no settings: /mcp is not served");
            return Routes::new();
        }
    };
    if !settings.mcp.enabled {
        return Routes::new();
    }
    let tools = Arc::new(tools::catalog());
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_allowed_hosts(settings.mcp.allowed_hosts());
    let app = ctx.clone();
    let service = StreamableHttpService::new(
        move || Ok(TodoTools::new(app.clone(), Arc::clone(&tools))),
        Arc::new(NeverSessionManager::default()),
        config,
    );
    let auth_layer = AuthLayer {
        ctx: ctx.clone(),
        metadata_url: settings.mcp.metadata_url().into(),
    };
    Routes::new()
        .add(
            "/mcp",
            // POST carries the messages. GET (a stream the server opens)
            // and DELETE (ending a session) are 405: stateless, there are
            // neither.
            post_service(service).layer(middleware::from_fn_with_state(auth_layer, authenticate)),
        )
        .add("/.well-known/oauth-protected-resource", get(metadata))
        .add("/.well-known/oauth-protected-resource/mcp", get(metadata))
}

/// What the auth layer needs, set up once.
#[derive(Clone)]
struct AuthLayer {
    ctx: AppContext,
    /// Where the resource's metadata is, for the `401` challenge.
    metadata_url: Arc<str>,
}

/// The auth layer of `/mcp` (see the module docs).
async fn authenticate(
    State(AuthLayer { ctx, metadata_url }): State<AuthLayer>,
    mut request: Request,
    next: Next,
) -> Response {
    let verified = match (
        bearer_token(request.headers()),
        ctx.shared_store.get::<Arc<Verifier>>(),
    ) {
        (Err(error), _) => Err(error),
        (Ok(_), None) => Err(ApiError::Internal(
            "the token verifier is not set up".to_string(),
        )),
        (Ok(token), Some(verifier)) => verifier.verify_mcp(token).await,
    };
    let user = match verified
        .and_then(|user| admit(&ctx, request.extensions(), &user.user_id).map(|()| user))
    {
        Ok(user) => user,
        Err(ApiError::Unauthorized(kind)) => return challenge(kind, &metadata_url),
        Err(error) => return error.into_response(),
    };
    request.extensions_mut().insert(Caller(user.user_id));
    let request = match readable_message(request).await {
        Ok(request) => request,
        Err(refusal) => return refusal,
    };
    as_json_rpc_error(next.run(request).await).await
}

/// A JSON-RPC error response with no id (RFC: JSON-RPC 2.0 section 5), as
/// the MCP transport answers a message it cannot take.
fn json_rpc_error(status: StatusCode, code: i64, message: &str) -> Response {
    let mut response = (
        status,
        Json(json!({"jsonrpc": "2.0", "id": null, "error": {"code": code, "message": message}})),
    )
        .into_response();
    response.extensions_mut().insert(KeepBody);
    response
}

/// Refuses a POST whose body is not one JSON-RPC message (not JSON, a
/// batch, not an object) with the protocol's own errors, before the SDK
/// (which would answer 415). The edge layer has read the body already.
async fn readable_message(request: Request) -> Result<Request, Response> {
    if request.method() != axum::http::Method::POST {
        return Ok(request);
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.map_err(|_| {
        json_rpc_error(
            StatusCode::BAD_REQUEST,
            PARSE_ERROR,
            "the request body could not be read",
        )
    })?;
    // A syntax check only (nothing is built): the SDK reads the message.
    if let Err(error) = serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
        return Err(json_rpc_error(
            StatusCode::BAD_REQUEST,
            PARSE_ERROR,
            &format!("parse error: {error}"),
        ));
    }
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Ok(Request::from_parts(parts, bytes.into())),
        Some(b'[') => Err(json_rpc_error(
            StatusCode::BAD_REQUEST,
            INVALID_REQUEST,
            "batches are not supported: send one JSON-RPC message per request",
        )),
        _ => Err(json_rpc_error(
            StatusCode::BAD_REQUEST,
            INVALID_REQUEST,
            "the body must be a JSON-RPC message (an object)",
        )),
    }
}

/// JSON-RPC 2.0's parse error and invalid request codes.
const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;

/// The SDK's own refusals (a host, a media type, a protocol version, a
/// method) come as plain text: they leave as JSON-RPC errors with the same
/// status and text, which is what an MCP client reads. Its JSON-RPC errors
/// are kept as they are.
async fn as_json_rpc_error(mut response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        response.extensions_mut().insert(KeepBody);
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_string())
        .unwrap_or_default();
    let text = if text.is_empty() {
        status.canonical_reason().unwrap_or("Error").to_string()
    } else {
        text
    };
    let mut rewritten = json_rpc_error(status, INVALID_REQUEST, &text);
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rewritten.headers_mut().insert(name, value.clone());
        }
    }
    rewritten
}

/// A `401` that names where the resource's metadata is (RFC 9728 section
/// 5.1), so a client can find the authorization server.
fn challenge(kind: Unauthorized, metadata_url: &str) -> Response {
    let value = match &kind {
        Unauthorized::Missing => format!("Bearer resource_metadata=\"{metadata_url}\""),
        Unauthorized::InvalidToken(_) => {
            format!("Bearer error=\"invalid_token\", resource_metadata=\"{metadata_url}\"")
        }
    };
    let mut response = ApiError::Unauthorized(kind).into_response();
    if let Ok(value) = HeaderValue::from_str(&value) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// `GET /.well-known/oauth-protected-resource[/mcp]`: the RFC 9728
/// metadata of the MCP resource. Public.
async fn metadata(State(ctx): State<AppContext>) -> Response {
    let Ok(settings) = Settings::of(&ctx) else {
        return ApiError::Internal("the settings were not loaded".to_string()).into_response();
    };
    let mut document = json!({
        "resource": settings.mcp.resource(),
        "bearer_methods_supported": ["header"],
        "resource_name": "Todo API",
        "resource_documentation": format!("{}/api/docs", settings.mcp.public_url),
    });
    if let Some(server) = settings.mcp.authorization_server(&settings.auth) {
        document["authorization_servers"] = json!([server]);
    }
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "public, max-age=3600")],
        Json(document),
    )
        .into_response()
}
