//! Verifying Better Auth's JWTs.
//!
//! Two ways to trust a token, either or both configured (see
//! `settings::AuthSettings`):
//! - **JWKS**: tokens from Better Auth's `jwt` plugin (EdDSA by default, or
//!   ES256, ES512, RS256, PS256), checked against the public keys Better
//!   Auth publishes. See [`jwks`].
//! - **HS256**: tokens a frontend signs itself with `BETTER_AUTH_SECRET`.
//!
//! The key decides the algorithm, never the token: the header's `alg` only
//! selects which configured key to try, and a key is used only for the one
//! algorithm it is published for. `none` and every algorithm not listed
//! above are refused before any key is touched (RFC 8725 section 3.1).
//!
//! Verification is pure CPU work plus, for JWKS mode, a cached key set; it
//! never touches the database.

pub mod claims;
pub mod dev_tokens;
pub mod jwks;
pub mod sessions;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;

use crate::{errors::ApiError, settings::AuthSettings};
use claims::ClaimRules;
use jwks::{JwksCache, KeyLookup};
use sessions::{SessionCache, SessionCheck};

/// Longest token considered at all; real Better Auth tokens are well under
/// 2 KiB even with a large user object.
const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// The algorithms a JWKS key may be published for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsymmetricAlg {
    EdDsa,
    Es256,
    Es512,
    Rs256,
    Ps256,
}

impl AsymmetricAlg {
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "EdDSA" => Some(Self::EdDsa),
            "ES256" => Some(Self::Es256),
            "ES512" => Some(Self::Es512),
            "RS256" => Some(Self::Rs256),
            "PS256" => Some(Self::Ps256),
            _ => None,
        }
    }

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::EdDsa => "EdDSA",
            Self::Es256 => "ES256",
            Self::Es512 => "ES512",
            Self::Rs256 => "RS256",
            Self::Ps256 => "PS256",
        }
    }
}

/// A verified caller: the `sub` claim of a token that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedUser {
    pub user_id: String,
    /// The token's `exp` (seconds since the epoch): a stream held with it
    /// ends then.
    pub expires_at: i64,
}

/// The protected header fields this service reads.
#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
    crit: Option<serde_json::Value>,
}

struct SharedSecret {
    key: DecodingKey,
    rules: ClaimRules,
}

/// Verifies bearer tokens in the configured modes. Built once at start-up
/// and shared by every request.
pub struct Verifier {
    shared_secret: Option<SharedSecret>,
    jwks: Option<JwksCache>,
    sessions: Option<SessionCache>,
}

impl Verifier {
    /// Builds the verifier from settings.
    ///
    /// # Errors
    /// When the settings are unusable (see [`AuthSettings::check`]) or the
    /// HTTP client for the JWKS cannot be built.
    pub fn from_settings(settings: &AuthSettings, production: bool) -> Result<Self, String> {
        settings.check(production)?;
        let shared_secret = settings.shared_secret().map(|secret| SharedSecret {
            key: DecodingKey::from_secret(secret.as_bytes()),
            rules: ClaimRules {
                issuer: settings.hs256_issuer(),
                audience: settings.hs256_audience(),
                leeway: settings.leeway(),
            },
        });
        let jwks = match settings.jwks_endpoint() {
            Some(url) => Some(JwksCache::new(
                url,
                settings.refetch_cooldown(),
                settings.jwks_timeout(),
                ClaimRules {
                    issuer: settings.jwks_issuer(),
                    audience: settings.jwks_audience(),
                    leeway: settings.leeway(),
                },
            )?),
            None => None,
        };
        let sessions = match settings.session_endpoint_base() {
            Some(base) => Some(SessionCache::new(
                &base,
                settings.session_cache_time(),
                settings.jwks_timeout(),
            )?),
            None => None,
        };
        Ok(Self {
            shared_secret,
            jwks,
            sessions,
        })
    }

    #[must_use]
    pub fn jwks_enabled(&self) -> bool {
        self.jwks.is_some()
    }

    /// JWKS mode's state: `None` when it is off, else whether keys are
    /// loaded.
    #[must_use]
    pub fn jwks_loaded(&self) -> Option<bool> {
        self.jwks.as_ref().map(JwksCache::is_loaded)
    }

    /// Loads the JWKS if JWKS mode is on and no key set was loaded yet
    /// (within the refetch cool-down).
    pub async fn warm_up(&self) {
        if let Some(jwks) = &self.jwks {
            jwks.load_if_missing().await;
        }
    }

    #[must_use]
    pub fn shared_secret_enabled(&self) -> bool {
        self.shared_secret.is_some()
    }

    #[must_use]
    pub fn sessions_enabled(&self) -> bool {
        self.sessions.is_some()
    }

    /// An opaque Better Auth session token, checked with Better Auth.
    async fn verify_session(&self, token: &str) -> Result<VerifiedUser, ApiError> {
        let Some(sessions) = &self.sessions else {
            return Err(ApiError::invalid_token("not a compact JWS (three parts)"));
        };
        if !sessions::looks_like_session_token(token) {
            return Err(ApiError::invalid_token("not a session token"));
        }
        match sessions.check(token).await {
            SessionCheck::User {
                user_id,
                expires_at,
            } => Ok(VerifiedUser {
                user_id,
                expires_at,
            }),
            SessionCheck::Refused(reason) => Err(ApiError::invalid_token(reason)),
            SessionCheck::Unavailable(reason) => Err(ApiError::Unavailable(format!(
                "{reason}: the session cannot be checked right now"
            ))),
        }
    }

    /// Checks a compact JWS and returns its user.
    ///
    /// # Errors
    /// `ApiError::Unauthorized` for any token that is not accepted, and
    /// `ApiError::Unavailable` when JWKS mode has never been able to load a
    /// key set (Better Auth unreachable).
    pub async fn verify(&self, token: &str) -> Result<VerifiedUser, ApiError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(ApiError::invalid_token("token is too large"));
        }
        // A JWT has three parts; anything else may be a Better Auth session
        // token (session mode), and never goes near the JWT checks.
        if token.bytes().filter(|b| *b == b'.').count() != 2 {
            return self.verify_session(token).await;
        }
        let mut parts = token.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(ApiError::invalid_token("not a compact JWS (three parts)"));
        };
        let header: Header = decode_segment(header_b64)
            .ok_or_else(|| ApiError::invalid_token("malformed header"))?;
        if header.crit.is_some() {
            return Err(ApiError::invalid_token(
                "critical header extensions are not supported",
            ));
        }
        let signing_input = &token[..header_b64.len() + 1 + payload_b64.len()];

        let rules = if header.alg == "HS256" {
            let secret = self
                .shared_secret
                .as_ref()
                .ok_or_else(|| ApiError::invalid_token("HS256 tokens are not accepted here"))?;
            if !verify_with(&secret.key, Algorithm::HS256, signature_b64, signing_input) {
                return Err(ApiError::invalid_token("bad signature"));
            }
            &secret.rules
        } else if let Some(alg) = AsymmetricAlg::from_name(&header.alg) {
            let jwks = self.jwks.as_ref().ok_or_else(|| {
                ApiError::invalid_token("tokens signed with a public key are not accepted here")
            })?;
            let key = match jwks.key_for(alg, header.kid.as_deref()).await {
                KeyLookup::Found(key) => key,
                KeyLookup::Unknown => {
                    return Err(ApiError::invalid_token(
                        "no published key matches this token",
                    ))
                }
                KeyLookup::Unavailable => {
                    return Err(ApiError::Unavailable(
                        "the signing keys of the auth server cannot be loaded right now"
                            .to_string(),
                    ))
                }
            };
            if !key.verify(signature_b64, signing_input.as_bytes()) {
                return Err(ApiError::invalid_token("bad signature"));
            }
            jwks.rules()
        } else {
            return Err(ApiError::invalid_token("unsupported algorithm"));
        };

        let claims: serde_json::Value = decode_segment(payload_b64)
            .ok_or_else(|| ApiError::invalid_token("malformed payload"))?;
        let user_id = rules
            .check(&claims, claims::now())
            .map_err(ApiError::invalid_token)?;
        // `check` has made sure `exp` is there and a number.
        let expires_at = claims::expiry(&claims).unwrap_or(0);
        Ok(VerifiedUser {
            user_id,
            expires_at,
        })
    }
}

/// Decodes one base64url segment (no padding, as JWS requires) as JSON.
fn decode_segment<T: serde::de::DeserializeOwned>(segment: &str) -> Option<T> {
    let bytes = URL_SAFE_NO_PAD.decode(segment).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Signature check through jsonwebtoken; any error is a failed check.
pub(crate) fn verify_with(
    key: &DecodingKey,
    alg: Algorithm,
    signature_b64: &str,
    signing_input: &str,
) -> bool {
    jsonwebtoken::crypto::verify(signature_b64, signing_input.as_bytes(), key, alg).unwrap_or(false)
}
