//! Resource limits a client cannot get around: the per-user rate limit
//! (429 with Retry-After) and the header size limit (431).

use std::sync::Arc;

use todo_api::rate_limit::{RateLimitSettings, RateLimiter};

use crate::support::{assert_redacted_snapshot, snapshot_of, token, with_app, ALICE, BOB};

#[tokio::test]
async fn rate_limit_is_per_user_with_retry_after() {
    with_app(|server, ctx| async move {
        let limiter = RateLimiter::from_settings(RateLimitSettings {
            per_second: 0.5,
            burst: 3,
        })
        .expect("limiter");
        ctx.shared_store.insert(Arc::new(limiter));
        let path = format!("/api/{ALICE}/tasks");
        for _ in 0..3 {
            let ok = server.get(&path).authorization_bearer(token(ALICE)).await;
            assert_eq!(ok.status_code(), 200);
        }
        let limited = server.get(&path).authorization_bearer(token(ALICE)).await;
        assert_eq!(limited.status_code(), 429);
        let retry: u64 = limited
            .header("retry-after")
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=2).contains(&retry), "Retry-After: {retry}");
        assert_redacted_snapshot!("rate_limited", snapshot_of(&limited));
        // Another user has their own budget; refusals before auth cost none.
        let bob = server
            .get(&format!("/api/{BOB}/tasks"))
            .authorization_bearer(token(BOB))
            .await;
        assert_eq!(bob.status_code(), 200);
    })
    .await;
}

#[tokio::test]
async fn oversized_headers_are_431() {
    with_app(|server, _ctx| async move {
        let response = server
            .get(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer(token(ALICE))
            .add_header("x-padding", "p".repeat(20 * 1024))
            .await;
        assert_eq!(response.status_code(), 431);
        assert_redacted_snapshot!("headers_too_large", snapshot_of(&response));
        // An oversized token alone is refused the same way, before auth.
        let huge_token = server
            .get(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer("a".repeat(17 * 1024))
            .await;
        assert_eq!(huge_token.status_code(), 431);
    })
    .await;
}
