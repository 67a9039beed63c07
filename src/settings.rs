//! The app's own settings: the `settings:` block of `config/<env>.yaml`,
//! read once at start-up into typed values.
//!
//! Each value comes from an environment variable through `get_env` in the
//! YAML; an empty string means "not set", so the YAML can always name the
//! variable and leave it blank.

use std::{path::PathBuf, sync::Arc, time::Duration};

use loco_rs::{app::AppContext, config::Config, Error, Result};
use serde::Deserialize;

/// The secret `config/development.yaml` and `config/test.yaml` fall back to
/// when `BETTER_AUTH_SECRET` is not set, so a first `cargo loco start` works.
/// Refused in production.
pub const DEVELOPMENT_ONLY_SECRET: &str = "development-only-secret-never-use-in-production";

/// Shortest HS256 secret accepted: RFC 7518 section 3.2 wants a key at least
/// as long as the hash output (32 bytes for SHA-256).
pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub auth: AuthSettings,
    pub rate_limit: crate::rate_limit::RateLimitSettings,
    pub limits: Limits,
    pub events: EventSettings,
    pub reminders: ReminderSettings,
    pub web_client: WebClientSettings,
    pub mcp: McpSettings,
}

/// The web client of `assets/static`: a page, served by the service itself
/// at `/`, that shows a user's tasks through this API and follows their
/// change stream. On in development; off unless configured in production,
/// so an API deployment serves no page by surprise.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct WebClientSettings {
    /// `WEB_CLIENT`: serve the page.
    pub enabled: bool,
    /// Where its files are, relative to the working directory.
    pub folder: PathBuf,
}

impl Default for WebClientSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            folder: PathBuf::from("assets/static"),
        }
    }
}

/// The MCP endpoint (`/mcp`) and the OAuth protected resource it is.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct McpSettings {
    /// `MCP_ENABLED`: serve `/mcp` and the resource metadata.
    pub enabled: bool,
    /// `PUBLIC_URL`: the service's public base URL (scheme, host and port,
    /// no path), as clients reach it. The MCP resource is `{public_url}/mcp`.
    /// Empty: `server.host` and `server.port` of the configuration.
    pub public_url: String,
    /// `MCP_ALLOWED_HOSTS`: more `Host` values admitted at `/mcp`,
    /// comma-separated. The public URL's host and loopback always are.
    pub allowed_hosts: String,
    /// `MCP_ACCEPT_API_TOKENS`: whether the REST API's tokens (JWT, HS256,
    /// session) open `/mcp` too, besides OAuth access tokens.
    pub accept_api_tokens: bool,
    /// `MCP_AUTHORIZATION_SERVER`: the OAuth authorization server (its
    /// issuer identifier) named in the resource metadata. Empty:
    /// `BETTER_AUTH_URL`.
    pub authorization_server: String,
    /// `MCP_TOKEN_ISSUER`: the `iss` of OAuth access tokens. Empty: the
    /// authorization server, `BETTER_AUTH_URL` or `BETTER_AUTH_URL/api/auth`
    /// (the OAuth provider's default).
    pub token_issuer: String,
}

impl Default for McpSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            public_url: String::new(),
            allowed_hosts: String::new(),
            accept_api_tokens: true,
            authorization_server: String::new(),
            token_issuer: String::new(),
        }
    }
}

impl McpSettings {
    /// The MCP endpoint's URL: the resource OAuth access tokens name in
    /// `aud`.
    #[must_use]
    pub fn resource(&self) -> String {
        format!("{}/mcp", self.public_url.trim().trim_end_matches('/'))
    }

    /// The resource metadata document's URL (RFC 9728 section 3).
    #[must_use]
    pub fn metadata_url(&self) -> String {
        format!(
            "{}/.well-known/oauth-protected-resource",
            self.public_url.trim().trim_end_matches('/')
        )
    }

    /// The authorization server, when there is one.
    #[must_use]
    pub fn authorization_server(&self, auth: &AuthSettings) -> Option<String> {
        non_empty(&self.authorization_server)
            .or_else(|| non_empty(&auth.better_auth_url))
            .map(|url| url.trim_end_matches('/').to_string())
    }

    /// The `iss` values accepted on access tokens: `MCP_TOKEN_ISSUER`, or
    /// else the authorization server and, for Better Auth at
    /// `BETTER_AUTH_URL`, its OAuth provider's default issuer
    /// (`BETTER_AUTH_URL/api/auth`, unless its `jwt.issuer` is set).
    #[must_use]
    pub fn token_issuers(&self, auth: &AuthSettings) -> Vec<String> {
        if let Some(issuer) = non_empty(&self.token_issuer) {
            return vec![issuer];
        }
        let mut issuers: Vec<String> = self.authorization_server(auth).into_iter().collect();
        if let Some(base) = non_empty(&auth.better_auth_url) {
            let base = base.trim_end_matches('/');
            issuers.push(base.to_string());
            issuers.push(format!("{base}/api/auth"));
        }
        issuers.dedup();
        issuers
    }

    /// The `Host` values admitted: the public URL's, loopback's, and the
    /// configured extra ones.
    #[must_use]
    pub fn allowed_hosts(&self) -> Vec<String> {
        let mut hosts = vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
            "::1".to_string(),
        ];
        if let Some(host) = reqwest::Url::parse(self.public_url.trim())
            .ok()
            .and_then(|url| {
                url.host_str()
                    .map(|host| host.trim_matches(['[', ']']).to_string())
            })
        {
            if !hosts.contains(&host) {
                hosts.push(host);
            }
        }
        for host in self.allowed_hosts.split(',').map(str::trim) {
            if !host.is_empty() && !hosts.iter().any(|known| known == host) {
                hosts.push(host.to_string());
            }
        }
        hosts
    }
}

/// The change feed and its streams.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default)]
pub struct EventSettings {
    /// How long events are kept (`purge_events` deletes older ones).
    pub retention_days: u32,
    /// Open streams one user may hold per instance; one more is a 429.
    pub max_streams_per_user: usize,
    /// A comment line at least this often keeps proxies from closing a
    /// quiet stream.
    pub keep_alive_seconds: u64,
    /// On PostgreSQL, `LISTEN` for the commits of other instances.
    pub listen: bool,
}

impl Default for EventSettings {
    fn default() -> Self {
        Self {
            retention_days: 7,
            max_streams_per_user: 10,
            keep_alive_seconds: 15,
            listen: true,
        }
    }
}

/// The reminder scheduler of the server process.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default)]
pub struct ReminderSettings {
    pub enabled: bool,
    /// How often due reminders are looked for.
    pub poll_ms: u64,
    /// Most reminders fired in one transaction.
    pub batch: u32,
}

impl Default for ReminderSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            poll_ms: 1000,
            batch: 500,
        }
    }
}

impl Settings {
    /// Reads the `settings:` block of a configuration. Start-up does this
    /// once (`App::after_context`) and shares the result; see
    /// [`Settings::of`].
    ///
    /// # Errors
    /// When the block does not match [`Settings`].
    pub fn from_config(config: &Config) -> Result<Self> {
        let parsed = match &config.settings {
            Some(value) => Self::deserialize(value),
            None => Ok(Self::default()),
        };
        let mut settings = parsed
            .map_err(|e| Error::Message(format!("invalid `settings` in configuration: {e}")))?;
        if settings.mcp.public_url.trim().is_empty() {
            settings.mcp.public_url = config.server.full_url();
        }
        settings.mcp.public_url = settings
            .mcp
            .public_url
            .trim()
            .trim_end_matches('/')
            .to_string();
        Ok(settings)
    }

    /// The settings parsed at start-up.
    ///
    /// # Errors
    /// When start-up has not stored them (a context not built by the app).
    pub fn of(ctx: &AppContext) -> Result<Arc<Self>> {
        ctx.shared_store
            .get::<Arc<Self>>()
            .ok_or_else(|| Error::Message("the settings were not loaded at start-up".into()))
    }
}

/// Request size limits beyond the body limit (`limit_payload`).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Largest total size of the request headers, in bytes (431 beyond).
    pub max_header_bytes: usize,
    /// How long a shutdown waits for requests in flight.
    pub shutdown_grace_seconds: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_header_bytes: 16 * 1024,
            shutdown_grace_seconds: 20,
        }
    }
}

#[derive(Clone, Deserialize)]
#[serde(default)]
pub struct AuthSettings {
    /// Better Auth's base URL (`BETTER_AUTH_URL`). Turns on JWKS mode; the
    /// keys come from `{url}/api/auth/jwks` unless `jwks_url` is set.
    pub better_auth_url: String,
    /// `BETTER_AUTH_JWKS_URL`: where to fetch the JWKS, when not at the
    /// default path under `better_auth_url`.
    pub jwks_url: String,
    /// `BETTER_AUTH_SECRET`: turns on HS256 mode with this shared secret.
    pub secret: String,
    /// Expected `iss` in JWKS mode; defaults to `better_auth_url`.
    pub issuer: String,
    /// Expected `aud` in JWKS mode; defaults to `better_auth_url`.
    pub audience: String,
    /// Expected `iss` of HS256 tokens; unchecked when empty.
    pub hs256_issuer: String,
    /// Expected `aud` of HS256 tokens; unchecked when empty.
    pub hs256_audience: String,
    /// Clock skew allowed on `exp`, `nbf` and `iat`.
    pub leeway_seconds: u64,
    /// Least time between two JWKS fetches caused by unknown key ids.
    pub jwks_refetch_cooldown_seconds: u64,
    /// How long one JWKS fetch (or session check) may take before the
    /// request fails.
    pub jwks_timeout_ms: u64,
    /// `BETTER_AUTH_SESSION_TOKENS`: accept Better Auth's opaque session
    /// tokens (the `bearer` plugin), checked with Better Auth.
    pub session_tokens: bool,
    /// How long a checked session is trusted before Better Auth is asked
    /// again.
    pub session_cache_seconds: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            better_auth_url: String::new(),
            jwks_url: String::new(),
            secret: String::new(),
            issuer: String::new(),
            audience: String::new(),
            hs256_issuer: String::new(),
            hs256_audience: String::new(),
            leeway_seconds: 60,
            jwks_refetch_cooldown_seconds: 10,
            jwks_timeout_ms: 5000,
            session_tokens: false,
            session_cache_seconds: 30,
        }
    }
}

/// Secrets stay secret: `{:?}` of the settings never prints the secret.
impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings")
            .field("better_auth_url", &self.better_auth_url)
            .field("jwks_url", &self.jwks_url)
            .field(
                "secret",
                &if self.secret.is_empty() {
                    ""
                } else {
                    "<redacted>"
                },
            )
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway_seconds", &self.leeway_seconds)
            .finish_non_exhaustive()
    }
}

fn non_empty(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

impl AuthSettings {
    /// The JWKS endpoint, when JWKS mode is on.
    #[must_use]
    pub fn jwks_endpoint(&self) -> Option<String> {
        non_empty(&self.jwks_url).or_else(|| {
            non_empty(&self.better_auth_url)
                .map(|base| format!("{}/api/auth/jwks", base.trim_end_matches('/')))
        })
    }

    /// The shared secret, when HS256 mode is on.
    #[must_use]
    pub fn shared_secret(&self) -> Option<String> {
        non_empty(&self.secret)
    }

    /// The secret the development token route (`POST /_dev/token`) signs
    /// with: only outside production, and only while the HS256 secret is
    /// [`DEVELOPMENT_ONLY_SECRET`]. That secret is written in this
    /// repository, so the route mints nothing a reader of the repository
    /// could not sign alone; a real secret (one shared with a frontend)
    /// never gets a route that signs for any user who asks.
    #[must_use]
    pub fn development_secret(&self, production: bool) -> Option<String> {
        self.shared_secret()
            .filter(|secret| !production && secret == DEVELOPMENT_ONLY_SECRET)
    }

    #[must_use]
    pub fn jwks_issuer(&self) -> Option<String> {
        non_empty(&self.issuer).or_else(|| non_empty(&self.better_auth_url))
    }

    #[must_use]
    pub fn jwks_audience(&self) -> Option<String> {
        non_empty(&self.audience).or_else(|| non_empty(&self.better_auth_url))
    }

    #[must_use]
    pub fn hs256_issuer(&self) -> Option<String> {
        non_empty(&self.hs256_issuer)
    }

    #[must_use]
    pub fn hs256_audience(&self) -> Option<String> {
        non_empty(&self.hs256_audience)
    }

    #[must_use]
    pub fn leeway(&self) -> u64 {
        self.leeway_seconds
    }

    /// Better Auth's base URL, when session mode is on.
    #[must_use]
    pub fn session_endpoint_base(&self) -> Option<String> {
        if self.session_tokens {
            non_empty(&self.better_auth_url)
        } else {
            None
        }
    }

    #[must_use]
    pub fn session_cache_time(&self) -> Duration {
        Duration::from_secs(self.session_cache_seconds)
    }

    #[must_use]
    pub fn refetch_cooldown(&self) -> Duration {
        Duration::from_secs(self.jwks_refetch_cooldown_seconds)
    }

    #[must_use]
    pub fn jwks_timeout(&self) -> Duration {
        Duration::from_millis(self.jwks_timeout_ms.max(1))
    }

    /// Checks what start-up must refuse.
    ///
    /// # Errors
    /// A message naming each problem (see [`Self::problems`]).
    pub fn check(&self, production: bool) -> Result<(), String> {
        let problems = self.problems(production);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    /// Every problem with these settings: no mode configured in production,
    /// the development secret in production, a secret shorter than 32
    /// bytes, a JWKS URL that is not an http(s) URL (in production, https
    /// unless the host is this machine).
    #[must_use]
    pub fn problems(&self, production: bool) -> Vec<String> {
        let mut problems = Vec::new();
        let secret = self.shared_secret();
        let jwks = self.jwks_endpoint();
        if production && secret.is_none() && jwks.is_none() {
            problems.push(
                "no token verification configured: set BETTER_AUTH_URL (JWKS mode) and/or \
                 BETTER_AUTH_SECRET (HS256 mode)"
                    .to_string(),
            );
        }
        if self.session_tokens && non_empty(&self.better_auth_url).is_none() {
            problems.push(
                "BETTER_AUTH_SESSION_TOKENS needs BETTER_AUTH_URL (where sessions are checked)"
                    .to_string(),
            );
        }
        if let Some(secret) = &secret {
            if production && secret == DEVELOPMENT_ONLY_SECRET {
                problems.push(
                    "BETTER_AUTH_SECRET is the development-only secret; set a real one".to_string(),
                );
            }
            if secret.len() < MIN_SECRET_BYTES {
                problems.push(format!(
                    "BETTER_AUTH_SECRET is too short: at least {MIN_SECRET_BYTES} bytes are required"
                ));
            }
        }
        if let Some(url) = &jwks {
            match reqwest::Url::parse(url) {
                Ok(parsed)
                    if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() =>
                {
                    if production && parsed.scheme() == "http" && !is_local_host(parsed.host_str())
                    {
                        problems.push(format!(
                            "BETTER_AUTH_URL / BETTER_AUTH_JWKS_URL must use https in production ({url})"
                        ));
                    }
                }
                _ => problems.push(format!(
                    "BETTER_AUTH_URL / BETTER_AUTH_JWKS_URL is not an http(s) URL: {url:?}"
                )),
            }
        }
        problems
    }
}

/// Whether a host name is this machine (plain connections to it stay on it).
#[must_use]
pub fn is_local_host(host: Option<&str>) -> bool {
    matches!(
        host,
        Some("localhost" | "127.0.0.1" | "::1" | "[::1]") | None
    ) || host.is_some_and(|h| h.starts_with("127.") || h.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use loco_rs::environment::Environment;

    use super::*;

    /// Both environments' configurations read into settings, and leave
    /// Loco's own blocks as Loco reads them.
    #[test]
    fn each_configuration_reads_into_settings() {
        for environment in [Environment::Test, Environment::Production] {
            let config = environment.load().expect("the configuration");
            Settings::from_config(&config).expect("the settings");
            assert!(config.server.middlewares.cors.is_some(), "{environment}");
        }
    }
}
