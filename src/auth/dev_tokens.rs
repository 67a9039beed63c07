//! Development tokens: HS256 tokens for any user id, to try the service
//! without a frontend.
//!
//! Two places hand them out, with one set of rules (this module):
//! - `cargo loco task dev_token user_id:<id> [ttl:<seconds>]`, outside
//!   production, signed with whatever secret is configured (whoever runs it
//!   holds the configuration anyway);
//! - `POST /_dev/token`, for the web client's sign-in button, only where
//!   [`AuthSettings::development_secret`](crate::settings::AuthSettings::development_secret)
//!   allows it (see there why).

use serde_json::Value;

use super::claims;
use crate::{errors::FieldError, settings::MIN_SECRET_BYTES};

/// How long a development token lives unless asked otherwise.
pub const DEFAULT_TTL_SECONDS: i64 = 3600;
/// The longest life a development token may be given: 30 days.
pub const MAX_TTL_SECONDS: i64 = 30 * 86_400;
/// The longest user id, in characters (Better Auth's are 32).
pub const MAX_USER_ID_CHARS: usize = 200;

/// A checked request for a development token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevTokenRequest {
    pub user_id: String,
    pub ttl_seconds: i64,
}

/// A signed development token and when it expires (seconds since the
/// epoch, its `exp` claim).
#[derive(Debug, Clone)]
pub struct DevToken {
    pub token: String,
    pub expires_at: i64,
}

fn user_id_error(user_id: &str) -> Option<FieldError> {
    let chars = user_id.chars().count();
    if chars == 0 || chars > MAX_USER_ID_CHARS {
        return Some(FieldError::new(
            "user_id",
            format!("must be between 1 and {MAX_USER_ID_CHARS} characters"),
        ));
    }
    if user_id.chars().any(char::is_control) || user_id.trim() != user_id {
        return Some(FieldError::new(
            "user_id",
            "must have no control characters and no spaces around it",
        ));
    }
    None
}

fn ttl_error(ttl_seconds: i64) -> Option<FieldError> {
    (!(1..=MAX_TTL_SECONDS).contains(&ttl_seconds)).then(ttl_refused)
}

fn ttl_refused() -> FieldError {
    FieldError::new(
        "ttl_seconds",
        format!("must be a whole number of seconds from 1 to {MAX_TTL_SECONDS}"),
    )
}

impl DevTokenRequest {
    /// Checks a user id and an optional lifetime (default
    /// [`DEFAULT_TTL_SECONDS`]).
    ///
    /// # Errors
    /// One [`FieldError`] per field that breaks a rule: `user_id` empty,
    /// over [`MAX_USER_ID_CHARS`], with control characters or surrounding
    /// spaces; `ttl_seconds` outside 1 to [`MAX_TTL_SECONDS`].
    pub fn new(user_id: &str, ttl_seconds: Option<i64>) -> Result<Self, Vec<FieldError>> {
        Self::checked(Ok(user_id), Ok(ttl_seconds))
    }

    /// Reads `{"user_id": "...", "ttl_seconds": 3600}` (`ttl_seconds`
    /// optional, `null` meaning the default); other fields are ignored.
    ///
    /// # Errors
    /// As [`Self::new`], plus a body that is not an object, a `user_id`
    /// that is missing or not a string, a `ttl_seconds` that is not an
    /// integer.
    pub fn from_json(body: Option<&Value>) -> Result<Self, Vec<FieldError>> {
        let Some(Value::Object(fields)) = body else {
            return Err(vec![FieldError::new(
                "body",
                "must be a JSON object with a user_id",
            )]);
        };
        let user_id = match fields.get("user_id") {
            Some(Value::String(user_id)) => Ok(user_id.as_str()),
            _ => Err(FieldError::new("user_id", "is required, as a string")),
        };
        let ttl_seconds = match fields.get("ttl_seconds") {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value.as_i64().map(Some).ok_or_else(ttl_refused),
        };
        Self::checked(user_id, ttl_seconds)
    }

    /// Every field's first problem, in field order, or the request.
    fn checked(
        user_id: Result<&str, FieldError>,
        ttl_seconds: Result<Option<i64>, FieldError>,
    ) -> Result<Self, Vec<FieldError>> {
        let ttl_seconds = ttl_seconds.map(|ttl| ttl.unwrap_or(DEFAULT_TTL_SECONDS));
        let errors: Vec<FieldError> = [
            user_id
                .as_ref()
                .map_or_else(|e| Some(e.clone()), |id| user_id_error(id)),
            ttl_seconds
                .as_ref()
                .map_or_else(|e| Some(e.clone()), |ttl| ttl_error(*ttl)),
        ]
        .into_iter()
        .flatten()
        .collect();
        match (user_id, ttl_seconds) {
            (Ok(user_id), Ok(ttl_seconds)) if errors.is_empty() => Ok(Self {
                user_id: user_id.to_string(),
                ttl_seconds,
            }),
            _ => Err(errors),
        }
    }

    /// Signs the token: `sub` the user id, `iat` now, `exp` now plus the
    /// lifetime. No `iss` or `aud`, as a frontend signing its own tokens.
    ///
    /// # Errors
    /// When the secret is shorter than [`MIN_SECRET_BYTES`] or signing fails.
    pub fn sign(&self, secret: &str) -> Result<DevToken, String> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "the secret must be at least {MIN_SECRET_BYTES} bytes"
            ));
        }
        let now = claims::now();
        let expires_at = now + self.ttl_seconds;
        let claims = serde_json::json!({
            "sub": self.user_id,
            "iat": now,
            "exp": expires_at,
        });
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
        )
        .map_err(|e| e.to_string())?;
        Ok(DevToken { token, expires_at })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn requests() {
        // (body, accepted, fields named when refused)
        let cases = [
            (json!({"user_id": "demo-user"}), true, vec![]),
            (
                json!({"user_id": "demo-user", "ttl_seconds": null}),
                true,
                vec![],
            ),
            (
                json!({"user_id": "d", "ttl_seconds": 1, "extra": 1}),
                true,
                vec![],
            ),
            (
                json!({"user_id": "x".repeat(200), "ttl_seconds": MAX_TTL_SECONDS}),
                true,
                vec![],
            ),
            (json!({"user_id": "élève"}), true, vec![]),
            (json!({}), false, vec!["user_id"]),
            (json!({"user_id": ""}), false, vec!["user_id"]),
            (json!({"user_id": "x".repeat(201)}), false, vec!["user_id"]),
            (json!({"user_id": " demo"}), false, vec!["user_id"]),
            (json!({"user_id": "de\nmo"}), false, vec!["user_id"]),
            (json!({"user_id": 7}), false, vec!["user_id"]),
            (
                json!({"user_id": "demo", "ttl_seconds": 0}),
                false,
                vec!["ttl_seconds"],
            ),
            (
                json!({"user_id": "demo", "ttl_seconds": MAX_TTL_SECONDS + 1}),
                false,
                vec!["ttl_seconds"],
            ),
            (
                json!({"user_id": "demo", "ttl_seconds": 1.5}),
                false,
                vec!["ttl_seconds"],
            ),
            (
                json!({"user_id": "demo", "ttl_seconds": "60"}),
                false,
                vec!["ttl_seconds"],
            ),
            (
                json!({"user_id": "", "ttl_seconds": "60"}),
                false,
                vec!["user_id", "ttl_seconds"],
            ),
            (
                json!({"ttl_seconds": -1}),
                false,
                vec!["user_id", "ttl_seconds"],
            ),
            (json!(["demo"]), false, vec!["body"]),
        ];
        for (body, accepted, fields) in cases {
            let result = DevTokenRequest::from_json(Some(&body));
            assert_eq!(result.is_ok(), accepted, "{body}");
            if let Err(errors) = result {
                let named: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(named, fields, "{body}");
            }
        }
        assert!(DevTokenRequest::from_json(None).is_err());
    }

    #[test]
    fn signs_with_sub_and_expiry() {
        let secret = "a-development-secret-of-32-bytes-at-least";
        let request = DevTokenRequest::new("demo-user", Some(60)).expect("valid");
        let signed = request.sign(secret).expect("signed");
        let payload = signed.token.split('.').nth(1).expect("three parts");
        let claims: Value = super::super::decode_segment(payload).expect("claims");
        assert_eq!(claims["sub"], "demo-user");
        assert_eq!(claims["exp"], signed.expires_at);
        assert!(request.sign("short").is_err());
    }
}
