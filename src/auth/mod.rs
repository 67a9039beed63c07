//! Verifying Better Auth's tokens.
//!
//! Four ways to trust a token, each on when configured (see
//! `settings::AuthSettings`):
//! - **JWKS**: tokens from Better Auth's `jwt` plugin (EdDSA by default, or
//!   ES256, ES512, RS256, PS256), checked against the public keys Better
//!   Auth publishes. See [`jwks`].
//! - **HS256**: tokens a frontend signs itself with `BETTER_AUTH_SECRET`.
//! - **Session tokens**: Better Auth's opaque session tokens (its `bearer`
//!   plugin), checked by asking Better Auth, briefly cached. See
//!   [`sessions`].
//! - **OAuth access tokens** (`typ: at+jwt`, RFC 9068) that Better Auth's
//!   OAuth provider issues for the MCP endpoint, checked against the JWKS
//!   with that resource as `aud`; they open `/mcp` only.
//!
//! The key decides the algorithm, never the token: the header's `alg` only
//! selects which configured key to try, and a key is used only for the one
//! algorithm it is published for. `none` and every algorithm not listed
//! above are refused before any key is touched (RFC 8725 section 3.1).
//!
//! Verification is pure CPU work plus, for JWKS mode, a cached key set; it
//! never touches the database. A JWT that passed every check is remembered
//! (by a hash of it and of where it was presented) until its `exp`, and
//! for at most [`VERIFIED_TTL`]: a client sends the same token with every
//! request, and a lookup is cheaper than a signature check. Refusals are
//! never remembered, so every rejection path runs as before; a key
//! withdrawn from the JWKS is refused again within that minute.

pub mod cache;
pub mod claims;
pub mod dev_tokens;
pub mod jwks;
pub mod sessions;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;

use crate::{errors::ApiError, settings::AuthSettings};
use cache::TokenCache;
use claims::ClaimRules;
use jwks::{JwksCache, KeyLookup};
use sessions::{SessionCache, SessionCheck};

/// Longest token considered at all; real Better Auth tokens are well under
/// 2 KiB even with a large user object.
const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// The refusal of a REST token where only access tokens are accepted.
const ONLY_ACCESS_TOKENS: &str =
    "only OAuth access tokens for this resource (`typ: at+jwt`) are accepted here";
/// Longest a verified JWT is remembered.
pub const VERIFIED_TTL: std::time::Duration = std::time::Duration::from_secs(60);
/// Most verified JWTs remembered at once.
const VERIFIED_MAX: usize = 20_000;

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
    typ: Option<String>,
}

impl Header {
    /// An OAuth 2.0 access token in the JWT profile (RFC 9068 section
    /// 2.1): `typ` is `at+jwt` (or its media type), in any case.
    fn is_access_token(&self) -> bool {
        self.typ.as_deref().is_some_and(|typ| {
            typ.eq_ignore_ascii_case("at+jwt") || typ.eq_ignore_ascii_case("application/at+jwt")
        })
    }
}

/// What the MCP endpoint accepts besides (or instead of) the REST tokens:
/// OAuth access tokens that Better Auth's OAuth provider issues for this
/// resource.
#[derive(Debug, Clone)]
pub struct McpTokenRules {
    /// The MCP resource URL: an access token's `aud` must name it.
    pub resource: String,
    /// The `iss` values accepted on an access token (any, when empty).
    pub issuers: Vec<String>,
    /// Whether the REST API's tokens open `/mcp` too.
    pub accept_api_tokens: bool,
}

/// Where a token is presented: the REST routes or the MCP endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Api,
    Mcp,
}

impl Endpoint {
    fn tag(self) -> &'static [u8] {
        match self {
            Self::Api => b"api",
            Self::Mcp => b"mcp",
        }
    }
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
    mcp: Option<McpCheck>,
    verified: TokenCache<VerifiedUser>,
}

/// The MCP endpoint's rules, prepared.
struct McpCheck {
    rules: McpTokenRules,
    /// The registered claims (`aud` and `iss` are checked apart).
    claims: ClaimRules,
    /// The `aud` values naming this resource: its URL and, for a loopback
    /// host, the same URL under the other loopback names.
    audiences: Vec<String>,
}

/// `resource`, and when its host is a loopback name, the same URL under
/// the other loopback names (`localhost`, `127.0.0.1`, `[::1]` are one
/// machine, and a local client may know it by any of them).
fn resource_names(resource: &str) -> Vec<String> {
    let mut names = vec![resource.to_string()];
    let Ok(url) = reqwest::Url::parse(resource) else {
        return names;
    };
    let loopback = ["localhost", "127.0.0.1", "[::1]"];
    if url.host_str().is_some_and(|host| loopback.contains(&host)) {
        for alias in loopback {
            let mut other = url.clone();
            if other.set_host(Some(alias)).is_ok() {
                let other = other.to_string();
                // `Url` writes an empty path as `/`; keep the original form.
                let other = if resource.ends_with('/') {
                    other
                } else {
                    other.trim_end_matches('/').to_string()
                };
                if !names.contains(&other) {
                    names.push(other);
                }
            }
        }
    }
    names
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
            mcp: None,
            verified: TokenCache::new(VERIFIED_MAX),
        })
    }

    /// Adds what the MCP endpoint accepts (see [`Self::verify_mcp`]).
    #[must_use]
    pub fn with_mcp(mut self, rules: McpTokenRules, leeway: u64) -> Self {
        // `iss` and `aud` are checked against their lists apart.
        let claims = ClaimRules {
            issuer: None,
            audience: None,
            leeway,
        };
        self.mcp = Some(McpCheck {
            audiences: resource_names(&rules.resource),
            rules,
            claims,
        });
        self
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

    /// Checks a token presented to the REST routes and returns its user:
    /// a compact JWS, or (session mode) a Better Auth session token. OAuth
    /// access tokens (`typ: at+jwt`) are for the MCP endpoint and refused
    /// here.
    ///
    /// # Errors
    /// `ApiError::Unauthorized` for any token that is not accepted, and
    /// `ApiError::Unavailable` when JWKS mode has never been able to load a
    /// key set (Better Auth unreachable).
    pub async fn verify(&self, token: &str) -> Result<VerifiedUser, ApiError> {
        self.verify_at(token, Endpoint::Api).await
    }

    /// Checks a token presented to the MCP endpoint: an OAuth access token
    /// for this resource (`typ: at+jwt`, `aud` the MCP URL, `azp` present,
    /// from the JWKS), or any REST token unless that is switched off.
    ///
    /// # Errors
    /// As [`Self::verify`].
    pub async fn verify_mcp(&self, token: &str) -> Result<VerifiedUser, ApiError> {
        self.verify_at(token, Endpoint::Mcp).await
    }

    fn api_tokens_open(&self, endpoint: Endpoint) -> bool {
        match (endpoint, &self.mcp) {
            (Endpoint::Api, _) | (Endpoint::Mcp, None) => true,
            (Endpoint::Mcp, Some(check)) => check.rules.accept_api_tokens,
        }
    }

    async fn verify_at(&self, token: &str, endpoint: Endpoint) -> Result<VerifiedUser, ApiError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(ApiError::invalid_token("token is too large"));
        }
        // A JWT has three parts; anything else may be a Better Auth session
        // token (session mode), and never goes near the JWT checks.
        if token.bytes().filter(|b| *b == b'.').count() != 2 {
            if !self.api_tokens_open(endpoint) {
                return Err(ApiError::invalid_token(ONLY_ACCESS_TOKENS));
            }
            return self.verify_session(token).await;
        }
        let key = cache::key_of(endpoint.tag(), token);
        if let Some(user) = self.verified.get(&key) {
            return Ok(user);
        }
        let user = self.verify_jwt(token, endpoint).await?;
        // Until `exp`, never longer than the cache time.
        let left = u64::try_from(user.expires_at - claims::now()).unwrap_or(0);
        self.verified.store(
            key,
            user.clone(),
            VERIFIED_TTL.min(std::time::Duration::from_secs(left)),
        );
        Ok(user)
    }

    /// Every check of a compact JWS, in order.
    async fn verify_jwt(&self, token: &str, endpoint: Endpoint) -> Result<VerifiedUser, ApiError> {
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
        let access_token = header.is_access_token();
        match endpoint {
            Endpoint::Api if access_token => {
                return Err(ApiError::invalid_token(
                    "wrong audience (`aud`): an OAuth access token opens only the MCP endpoint",
                ))
            }
            Endpoint::Mcp if !access_token && !self.api_tokens_open(endpoint) => {
                return Err(ApiError::invalid_token(ONLY_ACCESS_TOKENS))
            }
            _ => {}
        }

        let rules = if access_token {
            // Access tokens come from the authorization server's keys only.
            let Some(alg) = AsymmetricAlg::from_name(&header.alg) else {
                return Err(ApiError::invalid_token(
                    "an access token must be signed with a published key",
                ));
            };
            let check = self
                .mcp
                .as_ref()
                .ok_or_else(|| ApiError::invalid_token(ONLY_ACCESS_TOKENS))?;
            self.check_published(alg, &header, signature_b64, signing_input)
                .await?;
            &check.claims
        } else if header.alg == "HS256" {
            let secret = self
                .shared_secret
                .as_ref()
                .ok_or_else(|| ApiError::invalid_token("HS256 tokens are not accepted here"))?;
            if !verify_with(&secret.key, Algorithm::HS256, signature_b64, signing_input) {
                return Err(ApiError::invalid_token("bad signature"));
            }
            &secret.rules
        } else if let Some(alg) = AsymmetricAlg::from_name(&header.alg) {
            self.check_published(alg, &header, signature_b64, signing_input)
                .await?
        } else {
            return Err(ApiError::invalid_token("unsupported algorithm"));
        };

        let claims: serde_json::Value = decode_segment(payload_b64)
            .ok_or_else(|| ApiError::invalid_token("malformed payload"))?;
        let user_id = rules
            .check(&claims, claims::now())
            .map_err(ApiError::invalid_token)?;
        if access_token {
            if let Some(check) = &self.mcp {
                check_access_claims(&claims, check)?;
            }
        }
        // `check` has made sure `exp` is there and a number.
        let expires_at = claims::expiry(&claims).unwrap_or(0);
        Ok(VerifiedUser {
            user_id,
            expires_at,
        })
    }

    /// Checks the signature with the published key for `alg` and the
    /// header's `kid`; returns the JWKS mode's claim rules.
    async fn check_published(
        &self,
        alg: AsymmetricAlg,
        header: &Header,
        signature_b64: &str,
        signing_input: &str,
    ) -> Result<&ClaimRules, ApiError> {
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
                    "the signing keys of the auth server cannot be loaded right now".to_string(),
                ))
            }
        };
        if !key.verify(signature_b64, signing_input.as_bytes()) {
            return Err(ApiError::invalid_token("bad signature"));
        }
        Ok(jwks.rules())
    }
}

/// What an access token needs beyond the registered claims: this resource
/// in `aud` (a string, or one member of an array), an accepted `iss`, and
/// an `azp` (the client it was issued to).
fn check_access_claims(claims: &serde_json::Value, check: &McpCheck) -> Result<(), ApiError> {
    use serde_json::Value;
    let text = |name: &str| {
        claims
            .get(name)
            .and_then(Value::as_str)
            .filter(|value| !value.is_empty())
    };
    let names_us = |aud: &str| check.audiences.iter().any(|name| name == aud);
    let audience = match claims.get("aud") {
        Some(Value::String(aud)) => names_us(aud),
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).any(names_us),
        _ => false,
    };
    if !audience {
        return Err(ApiError::invalid_token("wrong audience (`aud`)"));
    }
    let issuers = &check.rules.issuers;
    if !issuers.is_empty() && !text("iss").is_some_and(|iss| issuers.iter().any(|i| i == iss)) {
        return Err(ApiError::invalid_token("wrong issuer (`iss`)"));
    }
    if text("azp").is_none() {
        return Err(ApiError::invalid_token(
            "`azp` (the client the token was issued to) is required",
        ));
    }
    Ok(())
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
