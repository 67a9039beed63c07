//! CORS: the configured origins only (never `*`), the contract's request
//! headers allowed by name, its response headers exposed.

use insta::assert_json_snapshot;
use serde_json::json;

use crate::support::{token, with_app, ALICE};

fn cors_headers(response: &axum_test::TestResponse) -> serde_json::Value {
    let header = |name: &str| {
        response
            .maybe_header(name)
            .and_then(|v| v.to_str().ok().map(str::to_string))
    };
    json!({
        "status": response.status_code().as_u16(),
        "access-control-allow-origin": header("access-control-allow-origin"),
        "access-control-allow-methods": header("access-control-allow-methods"),
        "access-control-allow-headers": header("access-control-allow-headers"),
        "access-control-expose-headers": header("access-control-expose-headers"),
    })
}

#[tokio::test]
async fn preflight_from_the_configured_origin() {
    with_app(|server, _ctx| async move {
        let response = server
            .method(axum::http::Method::OPTIONS, &format!("/api/{ALICE}/tasks"))
            .add_header("origin", "http://localhost:3000")
            .add_header("access-control-request-method", "POST")
            .add_header(
                "access-control-request-headers",
                "authorization, content-type, if-match, if-none-match, idempotency-key, x-timezone",
            )
            .await;
        assert_json_snapshot!("preflight_allowed", cors_headers(&response));
    })
    .await;
}

#[tokio::test]
async fn other_origins_get_no_cors_headers() {
    with_app(|server, _ctx| async move {
        let preflight = server
            .method(axum::http::Method::OPTIONS, &format!("/api/{ALICE}/tasks"))
            .add_header("origin", "https://evil.example")
            .add_header("access-control-request-method", "GET")
            .await;
        assert!(preflight
            .maybe_header("access-control-allow-origin")
            .is_none());
        let simple = server
            .get(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer(token(ALICE))
            .add_header("origin", "https://evil.example")
            .await;
        assert!(simple.maybe_header("access-control-allow-origin").is_none());
    })
    .await;
}

#[tokio::test]
async fn responses_expose_the_contract_headers() {
    with_app(|server, _ctx| async move {
        let response = server
            .get(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer(token(ALICE))
            .add_header("origin", "http://localhost:3000")
            .await;
        assert_eq!(response.status_code(), 200);
        assert_json_snapshot!("simple_request_allowed", cors_headers(&response));
    })
    .await;
}
