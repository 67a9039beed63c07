//! The development sign-in route of the web client, `POST /_dev/token`:
//! what it answers where it exists, and that it exists only outside
//! production while the development secret is in use (and is documented
//! only there).

use loco_rs::environment::Environment;
use serde_json::{json, Value};
use todo_api::settings::DEVELOPMENT_ONLY_SECRET;

use crate::support::{assert_redacted_snapshot, snapshot_of, unknown_route, with_app_in, ALICE};

/// The development configuration's auth: HS256 with the development secret.
fn development_secret(settings: &mut Value) {
    settings["auth"]["secret"] = json!(DEVELOPMENT_ONLY_SECRET);
}

/// Whether the service's OpenAPI document lists the dev-token route.
async fn documented(server: &axum_test::TestServer) -> bool {
    let document: Value = server.get("/api/openapi.json").await.json();
    document["paths"].get("/_dev/token").is_some()
}

#[tokio::test]
async fn a_development_token_for_a_user_id() {
    with_app_in(
        Environment::Development,
        development_secret,
        |server, _ctx| async move {
            assert!(documented(&server).await);
            let response = server
                .post("/_dev/token")
                .json(&json!({"user_id": ALICE}))
                .await;
            assert_eq!(response.status_code(), 200, "{}", response.text());
            let body: Value = response.json();
            assert_redacted_snapshot!(
                "dev_token_created",
                snapshot_of(&response),
                {".body.token" => "[token]", ".body.expires_at" => "[timestamp]"}
            );
            // The body has the fields the document declares, and only those.
            let document: Value = server.get("/api/openapi.json").await.json();
            let declared = &document["components"]["schemas"]["DevTokenResponse"]["properties"];
            let mut declared: Vec<&String> =
                declared.as_object().expect("properties").keys().collect();
            let mut sent: Vec<&String> = body.as_object().expect("an object").keys().collect();
            declared.sort();
            sent.sort();
            assert_eq!(sent, declared);
            // An hour, as `cargo loco task dev_token`.
            let expires_at = chrono::DateTime::parse_from_rfc3339(
                body["expires_at"].as_str().expect("expires_at"),
            )
            .expect("RFC 3339")
            .timestamp();
            let hour = expires_at - chrono::Utc::now().timestamp();
            assert!((3590..=3600).contains(&hour), "{hour}");
            // The token works on the user's routes, and only there.
            let bearer = body["token"].as_str().expect("token").to_string();
            let tasks = server
                .get(&format!("/api/{ALICE}/tasks"))
                .authorization_bearer(&bearer)
                .await;
            assert_eq!(tasks.status_code(), 200);
            let other = server
                .get("/api/someone-else/tasks")
                .authorization_bearer(&bearer)
                .await;
            assert_eq!(other.status_code(), 403);

            let short = server
                .post("/_dev/token")
                .json(&json!({"user_id": "demo-user", "ttl_seconds": 60}))
                .await;
            assert_eq!(short.status_code(), 200);
            assert_eq!(short.json::<Value>()["user_id"], "demo-user");
        },
    )
    .await;
}

#[tokio::test]
async fn development_token_refusals() {
    with_app_in(
        Environment::Development,
        development_secret,
        |server, _ctx| async move {
            // (name, content type, body, status): what the route refuses, and how.
            let cases = [
                ("dev_token_without_user", "application/json", "{}", 422),
                (
                    "dev_token_invalid_fields",
                    "application/json",
                    r#"{"user_id":" x","ttl_seconds":0}"#,
                    422,
                ),
                (
                    "dev_token_ttl_not_a_number",
                    "application/json",
                    r#"{"user_id":"x","ttl_seconds":"1h"}"#,
                    422,
                ),
                (
                    "dev_token_not_an_object",
                    "application/json",
                    r#"["demo-user"]"#,
                    422,
                ),
                ("dev_token_no_body", "application/json", "", 422),
                (
                    "dev_token_malformed_json",
                    "application/json",
                    r#"{"user_id":"#,
                    400,
                ),
                ("dev_token_not_json", "text/plain", "user_id=demo-user", 415),
            ];
            for (name, content_type, body, status) in cases {
                let response = server
                    .post("/_dev/token")
                    .content_type(content_type)
                    .bytes(body.as_bytes().to_vec().into())
                    .await;
                assert_eq!(response.status_code(), status, "{name}");
                assert_redacted_snapshot!(name, snapshot_of(&response));
            }
            let get = server.get("/_dev/token").await;
            assert_eq!(get.status_code(), 405);
            assert_eq!(get.header("allow"), "POST");
        },
    )
    .await;
}

#[tokio::test]
async fn no_development_tokens_without_the_development_secret() {
    // (environment, what the settings say, why the route must not exist)
    let no_route = unknown_route();
    type Configure = fn(&mut Value);
    let cases: [(Environment, Configure, &str); 4] = [
        (
            Environment::Test,
            |_| {},
            "a real secret (the test one) signs for no one who asks",
        ),
        (
            Environment::Development,
            |s| s["auth"]["secret"] = json!("a-real-secret-shared-with-the-frontend-0123"),
            "a secret shared with a frontend, in development",
        ),
        (
            Environment::Development,
            |s| s["auth"]["secret"] = json!(""),
            "HS256 off: no secret at all",
        ),
        (Environment::Production, |_| {}, "production"),
    ];
    for (environment, configure, why) in cases {
        let no_route = no_route.clone();
        with_app_in(environment, configure, |server, _ctx| async move {
            let response = server
                .post("/_dev/token")
                .json(&json!({"user_id": ALICE}))
                .await;
            assert_eq!(snapshot_of(&response), no_route, "{why}");
            assert!(!documented(&server).await, "{why}");
        })
        .await;
    }
}
