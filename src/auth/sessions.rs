//! Better Auth's opaque session tokens (the `bearer` plugin's
//! `set-auth-token`), checked by asking Better Auth, and cached.
//!
//! A bearer value that is not a JWT goes to
//! `GET {BETTER_AUTH_URL}/api/auth/get-session` with the same
//! `Authorization: Bearer` header. A session in the answer makes its
//! `user.id` the caller; `null` or a 401 refuses the token. Answers are
//! cached, keyed by a SHA-256 of the token (the token itself is never kept
//! or logged):
//! - a session for the cache time (default 30 s), never past its
//!   `expiresAt`;
//! - a refusal for a few seconds, so a bad token cannot make every request
//!   call Better Auth;
//! - at most `MAX_ENTRIES`; expired entries go first, then the oldest.
//!
//! Concurrent requests with the same new token make one call: the first
//! starts it, the others wait for its answer. Better Auth slow or down: a
//! 503 within the timeout; a session already cached keeps working.
//!
//! The trade-off, stated in the README: a session signed out or revoked at
//! Better Auth keeps working here until its cache entry expires.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use serde::Deserialize;
use tokio::sync::OnceCell;

use super::cache::{self, Key, TokenCache};

/// A refusal is remembered this long.
const NEGATIVE_TTL: Duration = Duration::from_secs(5);
/// Most sessions cached at once.
const MAX_ENTRIES: usize = 10_000;
/// Largest answer read from Better Auth; a session with its user is well
/// under 8 KiB.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// What Better Auth said of a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionCheck {
    /// A live session of this user, trusted until `expires_at` (seconds
    /// since the epoch: the end of the cache entry; a stream held with the
    /// token ends then).
    User { user_id: String, expires_at: i64 },
    /// No session: signed out, expired, or never a token.
    Refused(String),
    /// Better Auth could not be asked (down, slow, a 5xx).
    Unavailable(String),
}

/// One call to Better Auth that concurrent requests share: its answer and
/// how long the answer may be kept.
type Shared = Arc<OnceCell<(SessionCheck, Duration)>>;

pub struct SessionCache {
    url: String,
    client: reqwest::Client,
    ttl: Duration,
    entries: TokenCache<SessionCheck>,
    in_flight: Mutex<HashMap<Key, Shared>>,
}

#[derive(Deserialize)]
struct Answer {
    session: Option<SessionPart>,
    user: Option<UserPart>,
}

#[derive(Deserialize)]
struct SessionPart {
    #[serde(rename = "expiresAt")]
    expires_at: Option<String>,
}

#[derive(Deserialize)]
struct UserPart {
    id: Option<String>,
}

fn key_of(token: &str) -> Key {
    cache::key_of(b"session", token)
}

impl SessionCache {
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(base_url: &str, ttl: Duration, timeout: Duration) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Self {
            url: format!("{}/api/auth/get-session", base_url.trim_end_matches('/')),
            client,
            ttl,
            entries: TokenCache::new(MAX_ENTRIES),
            in_flight: Mutex::new(HashMap::new()),
        })
    }

    /// The user of a session token, from the cache or from Better Auth.
    pub async fn check(&self, token: &str) -> SessionCheck {
        let key = key_of(token);
        if let Some(answer) = self.entries.get(&key) {
            return answer;
        }
        // One call for every concurrent request with this token.
        let cell = Arc::clone(
            self.in_flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(key)
                .or_default(),
        );
        let (answer, keep) = cell
            .get_or_init(|| async { self.ask(token).await })
            .await
            .clone();
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&key);
        self.entries.store(key, answer.clone(), keep);
        answer
    }

    /// Asks Better Auth; returns the answer and how long it may be kept.
    async fn ask(&self, token: &str) -> (SessionCheck, Duration) {
        let response = match self
            .client
            .get(&self.url)
            .header(reqwest::header::AUTHORIZATION, format!("Bearer {token}"))
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
        {
            Ok(response) => response,
            Err(error) => {
                tracing::warn!(error = %error.without_url(), "sessions: Better Auth cannot be asked");
                return (
                    SessionCheck::Unavailable("the auth server cannot be reached".to_string()),
                    Duration::ZERO,
                );
            }
        };
        let status = response.status();
        let refused = |reason: &str| (SessionCheck::Refused(reason.to_string()), NEGATIVE_TTL);
        // A 401 is Better Auth's "no such session"; any other failure (a
        // 5xx, its rate limit's 429, a 404 from a wrong URL) says nothing
        // about the token: unavailable, not cached.
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return refused("the session is not valid");
        }
        if !status.is_success() {
            tracing::warn!(%status, "sessions: Better Auth failed");
            return (
                SessionCheck::Unavailable("the auth server failed".to_string()),
                Duration::ZERO,
            );
        }
        let Some(body) = read_limited(response).await else {
            return refused("the auth server's answer is too large or unreadable");
        };
        let Ok(answer) = serde_json::from_slice::<Option<Answer>>(&body) else {
            return refused("the auth server's answer is not a session");
        };
        let Some(Answer {
            session: Some(session),
            user: Some(UserPart { id: Some(user_id) }),
        }) = answer
        else {
            return refused("no session for this token");
        };
        if user_id.is_empty() {
            return refused("the session names no user");
        }
        let mut keep = self.ttl;
        if let Some(expires) = session
            .expires_at
            .as_deref()
            .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
        {
            let left = expires.timestamp_millis() - chrono::Utc::now().timestamp_millis();
            if left <= 0 {
                return refused("the session has expired");
            }
            keep = keep.min(Duration::from_millis(u64::try_from(left).unwrap_or(0)));
        }
        // What the caller may rely on ends with the cache entry: a stream
        // held with a session token ends then, and its reconnection checks
        // the session again (a signed-out device stops receiving).
        let expires_at = chrono::Utc::now().timestamp()
            + i64::try_from(keep.as_secs().max(1)).unwrap_or(i64::MAX / 2);
        (
            SessionCheck::User {
                user_id,
                expires_at,
            },
            keep,
        )
    }
}

/// The body, unless it is larger than the limit.
async fn read_limited(mut response: reqwest::Response) -> Option<Vec<u8>> {
    if response
        .content_length()
        .is_some_and(|len| len > MAX_ANSWER_BYTES as u64)
    {
        return None;
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.ok()? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_ANSWER_BYTES {
            return None;
        }
    }
    Some(body)
}

/// Whether a bearer value can be a session token at all: Better Auth's are
/// URL-safe characters; anything with spaces, control characters or other
/// punctuation is refused without asking.
#[must_use]
pub fn looks_like_session_token(token: &str) -> bool {
    !token.is_empty()
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~+/=%".contains(&b))
}
