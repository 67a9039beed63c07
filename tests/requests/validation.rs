//! Validation at the boundaries, as a table: each row is a body, the status
//! it must get, and on success the title stored.

use serde_json::{json, Value};

use crate::support::{token, with_app, ALICE};

#[tokio::test]
async fn create_validation_table() {
    with_app(|server, _ctx| async move {
        let path = format!("/api/{ALICE}/tasks");
        // (case, body, expected status, the field a 422 names)
        #[rustfmt::skip]
        let cases: Vec<(&str, Value, u16, Option<&str>)> = vec![
            ("0 characters", json!({"title": ""}), 422, Some("title")),
            ("1 character", json!({"title": "a"}), 201, None),
            ("200 characters", json!({"title": "x".repeat(200)}), 201, None),
            ("201 characters", json!({"title": "x".repeat(201)}), 422, Some("title")),
            ("200 two-byte characters", json!({"title": "é".repeat(200)}), 201, None),
            ("201 two-byte characters", json!({"title": "é".repeat(201)}), 422, Some("title")),
            ("200 four-byte characters", json!({"title": "🦀".repeat(200)}), 201, None),
            ("201 four-byte characters", json!({"title": "🦀".repeat(201)}), 422, Some("title")),
            ("whitespace only", json!({"title": " \t\n "}), 422, Some("title")),
            ("200 after trimming", json!({"title": format!("  {}  ", "x".repeat(200))}), 201, None),
            ("missing title", json!({"description": "x"}), 422, Some("title")),
            ("null title", json!({"title": null}), 422, Some("title")),
            ("numeric title", json!({"title": 42}), 422, Some("title")),
            ("NUL in title", json!({"title": "a\u{0}b"}), 422, Some("title")),
            ("other control characters are kept", json!({"title": "tab\tand\u{1}"}), 201, None),
            ("1000-char description", json!({"title": "t", "description": "d".repeat(1000)}), 201, None),
            ("1001-char description", json!({"title": "t", "description": "d".repeat(1001)}), 422, Some("description")),
            ("1000 multi-byte description", json!({"title": "t", "description": "ü".repeat(1000)}), 201, None),
            ("null description", json!({"title": "t", "description": null}), 201, None),
            ("description not a string", json!({"title": "t", "description": ["x"]}), 422, Some("description")),
            ("NUL in description", json!({"title": "t", "description": "\u{0}"}), 422, Some("description")),
            ("priority low", json!({"title": "t", "priority": "low"}), 201, None),
            ("priority unknown", json!({"title": "t", "priority": "urgent"}), 422, Some("priority")),
            ("priority wrong case", json!({"title": "t", "priority": "HIGH"}), 422, Some("priority")),
            ("priority null", json!({"title": "t", "priority": null}), 422, Some("priority")),
            ("completed not a bool", json!({"title": "t", "completed": 1}), 422, Some("completed")),
            ("due date RFC 3339", json!({"title": "t", "due_date": "2026-12-01T09:00:00Z"}), 201, None),
            ("due date plain date", json!({"title": "t", "due_date": "2026-12-01"}), 201, None),
            ("due date far future", json!({"title": "t", "due_date": "9999-12-31T23:59:59Z"}), 201, None),
            ("due date no offset", json!({"title": "t", "due_date": "2026-12-01T09:00:00"}), 422, Some("due_date")),
            ("due date garbage", json!({"title": "t", "due_date": "soon"}), 422, Some("due_date")),
            ("due date number", json!({"title": "t", "due_date": 1_700_000_000}), 422, Some("due_date")),
            ("body is an array", json!([{"title": "t"}]), 422, Some("body")),
            ("body is a string", json!("title"), 422, Some("body")),
        ];
        let mut created = 0;
        for (case, body, status, field) in cases {
            let response = server
                .post(&path)
                .authorization_bearer(token(ALICE))
                .json(&body)
                .await;
            assert_eq!(
                response.status_code().as_u16(),
                status,
                "case: {case}: {}",
                response.text()
            );
            if status == 201 {
                created += 1;
                let task: Value = response.json();
                let sent = body["title"].as_str().unwrap_or_default();
                assert_eq!(task["title"], sent.trim(), "case: {case}");
            } else {
                assert_eq!(
                    response.header("content-type").to_str().unwrap(),
                    "application/problem+json",
                    "case: {case}"
                );
                let problem: Value = response.json();
                assert_eq!(problem["status"], status, "case: {case}");
                assert_eq!(
                    problem["errors"][0]["field"],
                    field.unwrap_or_default(),
                    "case: {case}"
                );
            }
        }
        // Only the accepted rows were stored.
        let list = server.get(&path).authorization_bearer(token(ALICE)).await;
        assert_eq!(list.json::<Value>().as_array().map(Vec::len), Some(created));
    })
    .await;
}

#[tokio::test]
async fn update_validation_table() {
    with_app(|server, _ctx| async move {
        let task = crate::support::create_task(&server, ALICE, json!({"title": "keep"})).await;
        let path = format!("/api/{ALICE}/tasks/{}", task["id"]);
        let cases: Vec<(&str, Value, u16)> = vec![
            (
                "empty object changes nothing but updated_at",
                json!({}),
                200,
            ),
            ("title 201", json!({"title": "x".repeat(201)}), 422),
            ("title whitespace", json!({"title": "   "}), 422),
            ("title null", json!({"title": null}), 422),
            ("completed null", json!({"completed": null}), 422),
            ("priority null", json!({"priority": null}), 422),
            ("priority bad", json!({"priority": "soon"}), 422),
            (
                "description 1001",
                json!({"description": "d".repeat(1001)}),
                422,
            ),
            ("due date bad", json!({"due_date": "31/12/2026"}), 422),
            (
                "one bad field spoils the rest",
                json!({"title": "new", "priority": "bad"}),
                422,
            ),
        ];
        for (case, body, status) in cases {
            let response = server
                .patch(&path)
                .authorization_bearer(token(ALICE))
                .json(&body)
                .await;
            assert_eq!(
                response.status_code().as_u16(),
                status,
                "case: {case}: {}",
                response.text()
            );
        }
        let after = server.get(&path).authorization_bearer(token(ALICE)).await;
        let after: Value = after.json();
        assert_eq!(after["title"], "keep", "no refused update wrote anything");
        assert_eq!(after["priority"], "medium");
    })
    .await;
}
