//! Concurrency: many writers at once lose nothing and leave every task
//! consistent (on both databases; the PostgreSQL pass is the one that
//! counts for production).

use serde_json::{json, Value};

use crate::support::{create_task, token, with_app, ALICE};

/// Sends a request until it is not shed with a 503 (the pool's acquire
/// timeout, which a loaded machine can reach with hundreds of requests
/// queued on four connections), as a client honouring `Retry-After` would.
/// A 503 comes before any write, so retrying it never applies a write twice.
/// Bounded: a database that stays away fails the test instead of hanging it.
async fn until_served<F, Fut>(send: F) -> axum_test::TestResponse
where
    F: Fn() -> Fut,
    Fut: std::future::IntoFuture<Output = axum_test::TestResponse>,
{
    const ATTEMPTS: usize = 200;
    for _ in 0..ATTEMPTS {
        let response = send().await;
        if response.status_code() != 503 {
            return response;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("still 503 after {ATTEMPTS} attempts: the database never came back");
}

#[tokio::test]
async fn a_thousand_concurrent_creates_land_as_a_thousand_tasks() {
    with_app(|server, _ctx| async move {
        let requests = (0..1000).map(|i| {
            let server = &server;
            async move {
                until_served(|| {
                    server
                        .post(&format!("/api/{ALICE}/tasks"))
                        .authorization_bearer(token(ALICE))
                        .json(&json!({"title": format!("task {i}")}))
                })
                .await
                .status_code()
                .as_u16()
            }
        });
        let statuses = futures::future::join_all(requests).await;
        assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
        let list = server
            .get(&format!("/api/{ALICE}/tasks?limit=1000"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(list.header("x-total-count").to_str().unwrap(), "1000");
        let titles: std::collections::HashSet<String> = list
            .json::<Value>()
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(titles.len(), 1000, "every task exactly once");
    })
    .await;
}

#[tokio::test]
async fn two_hundred_concurrent_toggles_leave_the_task_consistent() {
    with_app(|server, _ctx| async move {
        let task = create_task(&server, ALICE, json!({"title": "flip"})).await;
        let path = format!("/api/{ALICE}/tasks/{}/complete", task["id"]);
        let requests = (0..200).map(|_| {
            let (server, path) = (&server, &path);
            async move {
                let response =
                    until_served(|| server.patch(path).authorization_bearer(token(ALICE))).await;
                assert_eq!(response.status_code(), 200);
                let body: Value = response.json();
                // Every answer is consistent in itself.
                assert_eq!(
                    body["completed"].as_bool().unwrap(),
                    body["completed_at"].is_string()
                );
            }
        });
        futures::future::join_all(requests).await;
        let after = server
            .get(&format!("/api/{ALICE}/tasks/{}", task["id"]))
            .authorization_bearer(token(ALICE))
            .await;
        let after: Value = after.json();
        // An even number of toggles: back to open, no completion time.
        assert_eq!(after["completed"], false);
        assert_eq!(after["completed_at"], Value::Null);
        // And every toggle counted: the ETag carries version 201.
        let etag = server
            .get(&format!("/api/{ALICE}/tasks/{}", task["id"]))
            .authorization_bearer(token(ALICE))
            .await
            .header("etag")
            .to_str()
            .unwrap()
            .to_string();
        assert!(etag.starts_with("\"201-"), "{etag}");
    })
    .await;
}

#[tokio::test]
async fn concurrent_partial_updates_keep_every_field() {
    with_app(|server, _ctx| async move {
        let task = create_task(&server, ALICE, json!({"title": "t"})).await;
        let path = format!("/api/{ALICE}/tasks/{}", task["id"]);
        // Each writer changes a different field; none may undo another.
        let bodies = [
            json!({"title": "new title"}),
            json!({"description": "new description"}),
            json!({"priority": "high"}),
            json!({"due_date": "2026-12-31"}),
        ];
        let requests = bodies.iter().map(|body| {
            let (server, path) = (&server, &path);
            async move {
                let response = server
                    .patch(path)
                    .authorization_bearer(token(ALICE))
                    .json(body)
                    .await;
                assert_eq!(response.status_code(), 200, "{}", response.text());
            }
        });
        futures::future::join_all(requests).await;
        let after: Value = server
            .get(&path)
            .authorization_bearer(token(ALICE))
            .await
            .json();
        assert_eq!(after["title"], "new title");
        assert_eq!(after["description"], "new description");
        assert_eq!(after["priority"], "high");
        assert_eq!(after["due_date"], "2026-12-31T00:00:00.000Z");
    })
    .await;
}
