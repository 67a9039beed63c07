//! Errors from the layers below the handlers: routing, methods, body
//! parsing, content types, size limits. All of them are problem+json.

use axum::body::Bytes;
use serde_json::{json, Value};

use crate::support::{assert_redacted_snapshot, create_task, snapshot_of, token, with_app, ALICE};

#[tokio::test]
async fn unknown_route_is_a_problem_404() {
    with_app(|server, _ctx| async move {
        let response = server.get("/api/nope").await;
        assert_eq!(response.status_code(), 404);
        assert_redacted_snapshot!("unknown_route", snapshot_of(&response));
        // Before auth: no token needed to learn a route does not exist.
        let deeper = server.get(&format!("/api/{ALICE}/tasks/1/nope")).await;
        assert_eq!(deeper.status_code(), 404);
    })
    .await;
}

#[tokio::test]
async fn wrong_method_is_a_problem_405_with_allow() {
    with_app(|server, _ctx| async move {
        // Before auth: no token sent.
        let response = server.delete(&format!("/api/{ALICE}/tasks")).await;
        assert_eq!(response.status_code(), 405);
        assert_redacted_snapshot!("wrong_method_collection", snapshot_of(&response));

        let complete = server
            .get(&format!("/api/{ALICE}/tasks/1/complete"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(complete.status_code(), 405);
        let allow = complete.header("allow");
        assert!(allow.to_str().unwrap().contains("PATCH"));
    })
    .await;
}

#[tokio::test]
async fn malformed_json_is_400() {
    with_app(|server, _ctx| async move {
        let response = server
            .post(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer(token(ALICE))
            .content_type("application/json")
            .bytes(Bytes::from_static(b"{\"title\": \"x\""))
            .await;
        assert_eq!(response.status_code(), 400);
        assert_redacted_snapshot!("malformed_json", snapshot_of(&response));
    })
    .await;
}

#[tokio::test]
async fn non_json_body_is_415() {
    with_app(|server, _ctx| async move {
        let task = create_task(&server, ALICE, json!({"title": "x"})).await;
        for path in [
            format!("/api/{ALICE}/tasks"),
            format!("/api/{ALICE}/tasks/{}", task["id"]),
        ] {
            let response = server
                .post(&path)
                .authorization_bearer(token(ALICE))
                .content_type("text/plain")
                .bytes(Bytes::from_static(b"title=x"))
                .await;
            // POST on a single task is not a route: 405 before anything else.
            if path.ends_with("/tasks") {
                assert_eq!(response.status_code(), 415);
                assert_redacted_snapshot!("unsupported_media_type", snapshot_of(&response));
            } else {
                assert_eq!(response.status_code(), 405);
            }
        }
        let form = server
            .put(&format!("/api/{ALICE}/tasks/{}", task["id"]))
            .authorization_bearer(token(ALICE))
            .content_type("application/x-www-form-urlencoded")
            .bytes(Bytes::from_static(b"title=y"))
            .await;
        assert_eq!(form.status_code(), 415);
        // A JSON media type with parameters or a +json suffix is fine.
        let charset = server
            .post(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer(token(ALICE))
            .content_type("application/json; charset=utf-8")
            .bytes(Bytes::from_static(b"{\"title\": \"y\"}"))
            .await;
        assert_eq!(charset.status_code(), 201);
    })
    .await;
}

#[tokio::test]
async fn body_over_64_kib_is_413() {
    with_app(|server, _ctx| async move {
        let huge = json!({"title": "x", "description": "d".repeat(70 * 1024)});
        let response = server
            .post(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer(token(ALICE))
            .json(&huge)
            .await;
        assert_eq!(response.status_code(), 413);
        assert_redacted_snapshot!("payload_too_large", snapshot_of(&response));
        let list = server
            .get(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(list.json::<Value>(), json!([]));
    })
    .await;
}

#[tokio::test]
async fn checks_run_in_the_contracts_order() {
    with_app(|server, _ctx| async move {
        // No token and a broken body: the token is checked first.
        let response = server
            .post(&format!("/api/{ALICE}/tasks"))
            .content_type("application/json")
            .bytes(Bytes::from_static(b"{"))
            .await;
        assert_eq!(response.status_code(), 401);
        // A valid body on a missing task: 404 only after the body passed.
        let invalid_on_missing = server
            .put(&format!("/api/{ALICE}/tasks/424242"))
            .authorization_bearer(token(ALICE))
            .json(&json!({"title": ""}))
            .await;
        assert_eq!(invalid_on_missing.status_code(), 422);
        let valid_on_missing = server
            .put(&format!("/api/{ALICE}/tasks/424242"))
            .authorization_bearer(token(ALICE))
            .json(&json!({"title": "ok"}))
            .await;
        assert_eq!(valid_on_missing.status_code(), 404);
    })
    .await;
}

#[tokio::test]
async fn refused_tokens_never_reach_the_database_and_a_lost_database_is_503() {
    with_app(|server, ctx| async move {
        // With the pool closed, any query fails: a request that answers 401
        // or 403 here provably did not touch the database.
        ctx.db.close_by_ref().await.expect("close the pool");
        let path = format!("/api/{ALICE}/tasks");
        let no_token = server.get(&path).await;
        assert_eq!(no_token.status_code(), 401);
        let bad_token = server.get(&path).authorization_bearer("x.y.z").await;
        assert_eq!(bad_token.status_code(), 401);
        let foreign = server
            .get(&path)
            .authorization_bearer(crate::support::token(crate::support::BOB))
            .await;
        assert_eq!(foreign.status_code(), 403);
        let invalid = server
            .post(&path)
            .authorization_bearer(token(ALICE))
            .json(&json!({"title": ""}))
            .await;
        assert_eq!(invalid.status_code(), 422);

        // A request that needs the database gets a clear 503.
        let lost = server.get(&path).authorization_bearer(token(ALICE)).await;
        assert_eq!(lost.status_code(), 503);
        assert_eq!(lost.header("retry-after").to_str().unwrap(), "5");
        assert_redacted_snapshot!("database_unavailable", snapshot_of(&lost));
    })
    .await;
}

#[tokio::test]
async fn odd_paths_and_queries_never_answer_500() {
    with_app(|server, _ctx| async move {
        let cases = [
            format!("/api/{ALICE}/tasks/%FF"),
            format!("/api/{ALICE}/tasks/%00"),
            "/api/%FF/tasks".to_string(),
            "/api/%00/tasks".to_string(),
            format!("/api/{ALICE}/tasks?status=%FF%FE"),
            format!("/api/{ALICE}/tasks?status=pending&status=bogus"),
            format!("/api/{ALICE}/tasks?%%%"),
            format!("/api/{ALICE}/tasks/{}", "9".repeat(400)),
            format!("/api/{}/tasks", "a".repeat(4000)),
        ];
        for path in cases {
            let response = server.get(&path).authorization_bearer(token(ALICE)).await;
            let status = response.status_code();
            assert!(
                status.is_client_error() || status.is_success(),
                "{path}: {status}"
            );
            assert!(
                status.is_success()
                    || response.header("content-type").to_str().unwrap()
                        == "application/problem+json",
                "{path}"
            );
        }
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let response = server
            .post(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer(token(ALICE))
            .content_type("application/json")
            .bytes(Bytes::from(deep))
            .await;
        assert_eq!(response.status_code(), 400);
    })
    .await;
}
