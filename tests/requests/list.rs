//! The list: status filter, every sort and order, isolation between users.

use serde_json::{json, Value};

use crate::support::{
    assert_redacted_snapshot, create_task, snapshot_of, token, with_app, ALICE, BOB,
};

fn titles(body: &Value) -> Vec<String> {
    body.as_array()
        .expect("a JSON array")
        .iter()
        .map(|t| t["title"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn list_filters_and_sorts() {
    with_app(|server, _ctx| async move {
        // Created in this order, a few milliseconds apart.
        let specs = [
            json!({"title": "banana", "priority": "low", "due_date": "2026-12-03"}),
            json!({"title": "Apple", "priority": "high", "completed": true}),
            json!({"title": "cherry", "priority": "medium", "due_date": "2026-12-01"}),
            json!({"title": "date", "priority": "high", "due_date": "2026-12-02", "completed": true}),
        ];
        for spec in specs {
            create_task(&server, ALICE, spec).await;
            tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        }
        create_task(&server, BOB, json!({"title": "bob's only"})).await;

        let list = |query: &'static str| {
            let server = &server;
            async move {
                let response = server
                    .get(&format!("/api/{ALICE}/tasks{query}"))
                    .authorization_bearer(token(ALICE))
                    .await;
                assert_eq!(response.status_code(), 200, "{query}: {}", response.text());
                titles(&response.json::<Value>())
            }
        };

        // (query, expected titles in order)
        let cases: Vec<(&str, Vec<&str>)> = vec![
            ("", vec!["date", "cherry", "Apple", "banana"]),
            ("?status=all", vec!["date", "cherry", "Apple", "banana"]),
            ("?status=pending", vec!["cherry", "banana"]),
            ("?status=completed", vec!["date", "Apple"]),
            ("?sort=created&order=asc", vec!["banana", "Apple", "cherry", "date"]),
            ("?sort=updated", vec!["date", "cherry", "Apple", "banana"]),
            // Byte order of the stored title: uppercase before lowercase.
            ("?sort=title", vec!["Apple", "banana", "cherry", "date"]),
            ("?sort=title&order=desc", vec!["date", "cherry", "banana", "Apple"]),
            // Earliest first, undated last in both directions.
            ("?sort=due_date", vec!["cherry", "date", "banana", "Apple"]),
            ("?sort=due_date&order=desc", vec!["banana", "date", "cherry", "Apple"]),
            // High first; ties on id, in the same direction.
            ("?sort=priority", vec!["date", "Apple", "cherry", "banana"]),
            ("?sort=priority&order=asc", vec!["banana", "cherry", "Apple", "date"]),
            ("?status=pending&sort=title", vec!["banana", "cherry"]),
            ("?unknown=param&status=completed", vec!["date", "Apple"]),
        ];
        for (query, expected) in cases {
            assert_eq!(list(query).await, expected, "query: {query}");
        }

        let full = server
            .get(&format!("/api/{ALICE}/tasks?sort=created&order=asc"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_redacted_snapshot!("list_success", snapshot_of(&full));
    })
    .await;
}

#[tokio::test]
async fn list_never_shows_other_users_tasks() {
    with_app(|server, _ctx| async move {
        create_task(&server, ALICE, json!({"title": "alice 1"})).await;
        create_task(&server, ALICE, json!({"title": "alice 2"})).await;
        let bobs = server
            .get(&format!("/api/{BOB}/tasks"))
            .authorization_bearer(token(BOB))
            .await;
        assert_eq!(bobs.status_code(), 200);
        assert_eq!(bobs.json::<Value>(), json!([]));
    })
    .await;
}

#[tokio::test]
async fn list_refusals() {
    with_app(|server, _ctx| async move {
        let path = format!("/api/{ALICE}/tasks");
        let missing = server.get(&path).await;
        assert_eq!(missing.status_code(), 401);
        assert_redacted_snapshot!("list_missing_token", snapshot_of(&missing));

        let foreign = server.get(&path).authorization_bearer(token(BOB)).await;
        assert_eq!(foreign.status_code(), 403);
        assert_redacted_snapshot!("list_other_users_path", snapshot_of(&foreign));

        let invalid = server
            .get(&format!("{path}?status=done&sort=size&order=up"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(invalid.status_code(), 422);
        assert_redacted_snapshot!("list_invalid_parameters", snapshot_of(&invalid));
    })
    .await;
}
