//! Session mode: Better Auth's opaque session tokens, checked with a stand-in
//! for Better Auth's `/api/auth/get-session` and cached by the rules of
//! `auth::sessions` (time, `expiresAt`, refusals, one call for concurrent
//! requests, Better Auth down).

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use serde_json::json;
use todo_api::{auth::Verifier, settings::AuthSettings};

use crate::support::{assert_redacted_snapshot, snapshot_of, token, with_app, ALICE, BOB, SECRET};

/// What the stand-in answers for a token.
#[derive(Clone)]
enum Reply {
    Session { user: String, expires_in: i64 },
    Null,
    Status(u16),
    Text(String),
}

#[derive(Clone, Default)]
struct Stub {
    replies: Arc<Mutex<HashMap<String, Reply>>>,
    calls: Arc<AtomicUsize>,
    delay: Arc<Mutex<Duration>>,
}

async fn get_session(State(stub): State<Stub>, headers: HeaderMap) -> Response {
    stub.calls.fetch_add(1, Ordering::SeqCst);
    let delay = *stub.delay.lock().expect("delay");
    tokio::time::sleep(delay).await;
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_string();
    let reply = stub.replies.lock().expect("replies").get(&token).cloned();
    match reply.unwrap_or(Reply::Null) {
        Reply::Session { user, expires_in } => {
            let expires = chrono::Utc::now() + chrono::Duration::milliseconds(expires_in);
            axum::Json(json!({
                "session": {"token": "not-shown", "userId": user, "expiresAt": expires.to_rfc3339()},
                "user": {"id": user, "name": "A user", "email": "a@example.com"},
            }))
            .into_response()
        }
        Reply::Null => axum::Json(json!(null)).into_response(),
        Reply::Status(code) => StatusCode::from_u16(code)
            .unwrap_or(StatusCode::OK)
            .into_response(),
        Reply::Text(text) => text.into_response(),
    }
}

impl Stub {
    async fn start() -> (Self, String) {
        let stub = Self::default();
        let app = Router::new()
            .route("/api/auth/get-session", get(get_session))
            .with_state(stub.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (stub, url)
    }

    fn set(&self, token: &str, reply: Reply) {
        self.replies
            .lock()
            .expect("replies")
            .insert(token.to_string(), reply);
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

fn session(user: &str) -> Reply {
    Reply::Session {
        user: user.to_string(),
        expires_in: 3_600_000,
    }
}

/// Session mode against `url`, HS256 still on.
fn use_sessions(ctx: &loco_rs::app::AppContext, url: &str, cache_seconds: u64) {
    let settings = AuthSettings {
        better_auth_url: url.to_string(),
        secret: SECRET.to_string(),
        session_tokens: true,
        session_cache_seconds: cache_seconds,
        jwks_timeout_ms: 1000,
        ..AuthSettings::default()
    };
    let verifier = Verifier::from_settings(&settings, false).expect("verifier");
    ctx.shared_store.insert(Arc::new(verifier));
}

#[tokio::test]
async fn a_session_token_acts_for_its_user_and_no_other() {
    let (stub, url) = Stub::start().await;
    stub.set("alicesessiontoken0123456789abcdef", session(ALICE));
    with_app(|server, ctx| async move {
        use_sessions(&ctx, &url, 30);
        let alice = "alicesessiontoken0123456789abcdef";
        let created = server
            .post(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer(alice)
            .json(&json!({"title": "from a session"}))
            .await;
        assert_eq!(created.status_code(), 201);
        let list = server
            .get(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer(alice)
            .await;
        assert_eq!(list.status_code(), 200);
        let foreign = server
            .get(&format!("/api/{BOB}/tasks"))
            .authorization_bearer(alice)
            .await;
        assert_eq!(foreign.status_code(), 403);
        assert_eq!(stub.calls(), 1, "one call, then the cache");
        // JWTs never go to Better Auth.
        let jwt = server
            .get(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(jwt.status_code(), 200);
        assert_eq!(stub.calls(), 1);
        // A token Better Auth does not know: 401, remembered for a while.
        let unknown = server
            .get(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer("nosuchsession000")
            .await;
        assert_eq!(unknown.status_code(), 401);
        assert_redacted_snapshot!("session_unknown", snapshot_of(&unknown));
        server
            .get(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer("nosuchsession000")
            .await;
        assert_eq!(stub.calls(), 2, "the refusal is cached too");
    })
    .await;
}

#[tokio::test]
async fn the_cache_time_and_expires_at_bound_a_session() {
    let (stub, url) = Stub::start().await;
    stub.set("shortcache", session(ALICE));
    stub.set(
        "expiringsoon",
        Reply::Session {
            user: ALICE.to_string(),
            expires_in: 1500,
        },
    );
    with_app(|server, ctx| async move {
        use_sessions(&ctx, &url, 1);
        let path = format!("/api/{ALICE}/tasks");
        for _ in 0..3 {
            let ok = server.get(&path).authorization_bearer("shortcache").await;
            assert_eq!(ok.status_code(), 200);
        }
        assert_eq!(stub.calls(), 1);
        tokio::time::sleep(Duration::from_millis(1100)).await;
        // Signed out meanwhile: once the entry is over, the token is refused.
        stub.set("shortcache", Reply::Null);
        let refused = server.get(&path).authorization_bearer("shortcache").await;
        assert_eq!(refused.status_code(), 401);
        assert_eq!(stub.calls(), 2);

        // A session that ends sooner than the cache time is not trusted
        // past its end.
        let before = server.get(&path).authorization_bearer("expiringsoon").await;
        assert_eq!(before.status_code(), 200);
        tokio::time::sleep(Duration::from_millis(1600)).await;
        stub.set("expiringsoon", Reply::Null);
        let after = server.get(&path).authorization_bearer("expiringsoon").await;
        assert_eq!(after.status_code(), 401);
    })
    .await;
}

#[tokio::test]
async fn concurrent_requests_with_a_new_token_make_one_call() {
    let (stub, url) = Stub::start().await;
    stub.set("brandnewsession", session(ALICE));
    *stub.delay.lock().expect("delay") = Duration::from_millis(300);
    with_app(|server, ctx| async move {
        use_sessions(&ctx, &url, 30);
        let requests = (0..100).map(|_| {
            server
                .get(&format!("/api/{ALICE}/tasks"))
                .authorization_bearer("brandnewsession")
        });
        let responses = futures::future::join_all(requests.map(|r| async { r.await })).await;
        assert!(responses.iter().all(|r| r.status_code() == 200));
        assert_eq!(stub.calls(), 1, "one call for 100 concurrent requests");
    })
    .await;
}

#[tokio::test]
async fn better_auth_down_is_a_quick_503_and_a_cached_session_goes_on() {
    let (stub, url) = Stub::start().await;
    stub.set("cachedsession", session(ALICE));
    stub.set("failingsession", Reply::Status(500));
    stub.set("ratelimitedsession", Reply::Status(429));
    stub.set("wrongurlsession", Reply::Status(404));
    with_app(|server, ctx| async move {
        use_sessions(&ctx, &url, 30);
        let path = format!("/api/{ALICE}/tasks");
        assert_eq!(
            server
                .get(&path)
                .authorization_bearer("cachedsession")
                .await
                .status_code(),
            200
        );
        let failing = server
            .get(&path)
            .authorization_bearer("failingsession")
            .await;
        assert_eq!(failing.status_code(), 503);
        assert_redacted_snapshot!("session_auth_server_failed", snapshot_of(&failing));
        // Better Auth's rate limit, or a wrong URL: unavailable, not a
        // verdict on the token, and not remembered.
        for token in ["ratelimitedsession", "wrongurlsession"] {
            let before = stub.calls();
            for _ in 0..2 {
                let response = server.get(&path).authorization_bearer(token).await;
                assert_eq!(response.status_code(), 503, "{token}");
            }
            assert_eq!(stub.calls() - before, 2, "{token}: not cached");
        }

        // Nobody listening at all: a 503 within the timeout, not a hang.
        use_sessions(&ctx, "http://127.0.0.1:9", 30);
        let started = Instant::now();
        let down = server.get(&path).authorization_bearer("othersession").await;
        assert_eq!(down.status_code(), 503);
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        // (A fresh verifier has an empty cache; the cached case is above:
        // a session cached before an outage keeps working.)
        use_sessions(&ctx, &url, 30);
        assert_eq!(
            server
                .get(&path)
                .authorization_bearer("cachedsession")
                .await
                .status_code(),
            200
        );
        stub.set("cachedsession", Reply::Status(500));
        assert_eq!(
            server
                .get(&path)
                .authorization_bearer("cachedsession")
                .await
                .status_code(),
            200
        );
    })
    .await;
}

#[tokio::test]
async fn odd_tokens_and_odd_answers_are_401s() {
    let (stub, url) = Stub::start().await;
    stub.set(
        "notjsonanswer",
        Reply::Text("<html>hello</html>".to_string()),
    );
    stub.set("hugeanswer", Reply::Text("x".repeat(200 * 1024)));
    stub.set(
        "nouseranswer",
        Reply::Text(r#"{"session":{"expiresAt":"2099-01-01T00:00:00Z"},"user":{}}"#.to_string()),
    );
    stub.set("unauthorizedanswer", Reply::Status(401));
    with_app(|server, ctx| async move {
        use_sessions(&ctx, &url, 30);
        let path = format!("/api/{ALICE}/tasks");
        // (case, token, asks Better Auth)
        let long = "a".repeat(8 * 1024 + 1);
        let cases: Vec<(&str, &str, bool)> = vec![
            ("8 KB token", &long, false),
            ("a space inside", "abc def", false),
            ("a tab inside", "abc\tdef", false),
            ("punctuation", "abc<script>", false),
            ("answer not JSON", "notjsonanswer", true),
            ("huge answer", "hugeanswer", true),
            ("answer names no user", "nouseranswer", true),
            ("Better Auth says 401", "unauthorizedanswer", true),
        ];
        for (case, bad, asks) in cases {
            let before = stub.calls();
            let value = axum::http::HeaderValue::from_str(&format!("Bearer {bad}"))
                .unwrap_or_else(|_| panic!("case {case}: not a header value"));
            let response = server
                .get(&path)
                .add_header(axum::http::header::AUTHORIZATION, value)
                .await;
            assert_eq!(
                response.status_code(),
                401,
                "case {case}: {}",
                response.text()
            );
            assert_eq!(stub.calls() - before, usize::from(asks), "case {case}");
        }
    })
    .await;
}
