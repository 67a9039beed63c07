//! `JsonBody`: the request body as JSON, or nothing.
//!
//! axum's own `Json` rejections are plain text; this extractor gives each of
//! them the contract's status and problem body: 415 for a body that is not
//! `application/json`, 413 past the body limit (Loco's `limit_payload`),
//! 400 for malformed JSON. An empty body is `None`, so `/complete` can tell
//! "no body" (toggle) from a body.

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::{header, StatusCode},
};
use serde_json::Value;

use crate::errors::ApiError;

pub struct JsonBody(pub Option<Value>);

fn is_json_content_type(request: &Request) -> bool {
    let Some(value) = request.headers().get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence.rsplit_once('+').is_some_and(|(kind, suffix)| {
            kind.to_ascii_lowercase().starts_with("application/")
                && suffix.eq_ignore_ascii_case("json")
        })
}

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let json_type = is_json_content_type(&request);
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge
                } else {
                    ApiError::BadRequest("the request body could not be read".to_string())
                }
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(None));
        }
        if !json_type {
            return Err(ApiError::UnsupportedMediaType);
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Null) => Ok(Self(None)),
            Ok(value) => Ok(Self(Some(value))),
            Err(error) => Err(ApiError::BadRequest(format!("malformed JSON: {error}"))),
        }
    }
}
