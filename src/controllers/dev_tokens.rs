//! `POST /_dev/token`: a development token for a user id, so the web client
//! (`assets/static`) signs in with one click.
//!
//! The route exists only where
//! [`AuthSettings::development_secret`](crate::settings::AuthSettings::development_secret)
//! gives a secret: outside production, while the HS256 secret is the
//! development-only default. Elsewhere it is not mounted at all (a 404 like
//! any unknown path) and the OpenAPI document does not list it. It is
//! public, like the tokens it signs: with that secret anyone can sign them.

use axum::{response::IntoResponse, routing, Json};
use loco_rs::{environment::Environment, prelude::*};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::{
    auth::dev_tokens::DevTokenRequest,
    errors::{route_not_found, ApiError, BodyErrors},
    extractors::json_body::JsonBody,
    settings::Settings,
};

pub const PATH: &str = "/_dev/token";

/// The body of `POST /_dev/token`, as the document describes it
/// (`DevTokenRequest::from_json` reads it, with the same limits).
#[derive(ToSchema)]
pub struct CreateDevToken {
    /// The user the token is for (its `sub`): 1 to 200 characters, no
    /// control characters, no spaces around it.
    #[schema(example = "demo-user", min_length = 1, max_length = 200)]
    pub user_id: String,
    /// The token's lifetime in seconds (default 3600, at most 30 days).
    #[schema(example = 3600, minimum = 1, maximum = 2_592_000)]
    pub ttl_seconds: Option<i64>,
}

/// A development token.
#[derive(Serialize, ToSchema)]
pub struct DevTokenResponse {
    /// An HS256 JWT signed with the development secret.
    #[schema(
        example = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZW1vLXVzZXIifQ.c2lnbmF0dXJl"
    )]
    token: String,
    #[schema(example = "demo-user")]
    user_id: String,
    /// Its `exp`, RFC 3339.
    #[schema(example = "2026-11-28T10:00:00Z")]
    expires_at: String,
}

/// The secret this route signs with, when it exists in this app.
#[must_use]
pub fn secret(ctx: &AppContext) -> Option<String> {
    let production = ctx.environment == Environment::Production;
    Settings::of(ctx).ok()?.auth.development_secret(production)
}

#[utoipa::path(
    post, path = "/_dev/token", tag = "development", operation_id = "create_dev_token",
    summary = "A development token for a user id (development only; absent in production)",
    description = "Signs an HS256 token with the development-only secret, for the web client at `/`. The route exists only outside production while BETTER_AUTH_SECRET is the development default.",
    request_body(content = CreateDevToken, content_type = "application/json"),
    responses(
        (status = 200, description = "The token", body = DevTokenResponse),
        BodyErrors,
    ),
    security(()),
)]
#[debug_handler]
pub async fn create(
    State(ctx): State<AppContext>,
    JsonBody(body): JsonBody,
) -> Result<axum::response::Response, ApiError> {
    // Not mounted without the secret; should it be gone all the same, the
    // route answers as if it did not exist.
    let Some(secret) = secret(&ctx) else {
        return Ok(route_not_found().await);
    };
    let request = DevTokenRequest::from_json(body.as_ref()).map_err(ApiError::Validation)?;
    let signed = request.sign(&secret).map_err(ApiError::Internal)?;
    let expires_at = chrono::DateTime::from_timestamp(signed.expires_at, 0)
        .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default();
    Ok(Json(DevTokenResponse {
        token: signed.token,
        user_id: request.user_id,
        expires_at,
    })
    .into_response())
}

/// The route's part of the OpenAPI document, merged in where the route
/// exists (see `super::docs`).
#[derive(OpenApi)]
#[openapi(
    paths(create),
    components(schemas(CreateDevToken, DevTokenResponse)),
    tags((name = "development", description = "Development helpers, absent in production")),
)]
pub struct DevTokenDoc;

/// The route, where it exists (see the module docs).
pub fn routes(ctx: &AppContext) -> Routes {
    let routes = Routes::new();
    if secret(ctx).is_some() {
        routes.add(PATH, routing::post(create))
    } else {
        routes
    }
}
