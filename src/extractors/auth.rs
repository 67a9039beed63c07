//! `AuthUser`: the caller, verified.
//!
//! A handler that takes an `AuthUser` cannot forget to authenticate; one
//! that does not take it is visibly public. Extraction runs before the body
//! and the database are touched, in the contract's order: the token (401),
//! then the path's `{user_id}` (403).

use std::sync::Arc;

use axum::{
    extract::{FromRequestParts, Path},
    http::{header, request::Parts, Extensions, HeaderMap},
};
use loco_rs::app::AppContext;

use crate::{
    auth::Verifier,
    edge::RequestUser,
    errors::{ApiError, Unauthorized},
    rate_limit::RateLimiter,
};

/// The verified owner of every task the request may touch.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The token's `sub`, equal byte for byte to the path's `{user_id}`.
    pub owner_id: String,
    /// The token's `exp`, seconds since the epoch.
    pub expires_at: i64,
}

/// The token of an `Authorization: Bearer <token>` header. The scheme is
/// case-insensitive (RFC 9110 section 11.1); anything else counts as no
/// bearer credentials.
///
/// # Errors
/// `Unauthorized`: missing credentials, or a header that cannot hold a
/// token.
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, ApiError> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(ApiError::Unauthorized(Unauthorized::Missing));
    };
    if values.next().is_some() {
        return Err(ApiError::invalid_token(
            "more than one Authorization header",
        ));
    }
    let value = value
        .to_str()
        .map_err(|_| ApiError::invalid_token("the Authorization header is not ASCII"))?;
    let (scheme, token) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::Unauthorized(Unauthorized::Missing));
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(ApiError::Unauthorized(Unauthorized::Missing));
    }
    Ok(token)
}

/// What follows a verified token on every route (REST and MCP): the user
/// goes into the access log line, and through the user's rate limit.
///
/// # Errors
/// `TooManyRequests` when the user is over the limit.
pub fn admit(ctx: &AppContext, extensions: &Extensions, user_id: &str) -> Result<(), ApiError> {
    if let Some(slot) = extensions.get::<RequestUser>() {
        slot.set(user_id);
    }
    if let Some(limiter) = ctx.shared_store.get::<Arc<RateLimiter>>() {
        limiter
            .check(user_id)
            .map_err(|wait| ApiError::TooManyRequests(wait.as_secs_f64().ceil().max(1.0) as u64))?;
    }
    Ok(())
}

impl FromRequestParts<AppContext> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, ctx: &AppContext) -> Result<Self, ApiError> {
        let token = bearer_token(&parts.headers)?;
        let verifier = ctx
            .shared_store
            .get::<Arc<Verifier>>()
            .ok_or_else(|| ApiError::Internal("the token verifier is not set up".to_string()))?;
        let user = verifier.verify(token).await?;

        /// The one path parameter every `/api/{user_id}/...` route has.
        #[derive(serde::Deserialize)]
        struct UserPath {
            user_id: String,
        }
        // axum hands path parameters over percent-decoded (and refuses
        // ones that do not decode to UTF-8), so this compares the decoded
        // `{user_id}` with `sub`, byte for byte.
        let Path(path) = Path::<UserPath>::from_request_parts(parts, ctx)
            .await
            .map_err(|_| ApiError::Forbidden)?;
        if path.user_id != user.user_id {
            return Err(ApiError::Forbidden);
        }
        admit(ctx, &parts.extensions, &user.user_id)?;
        Ok(Self {
            owner_id: user.user_id,
            expires_at: user.expires_at,
        })
    }
}
