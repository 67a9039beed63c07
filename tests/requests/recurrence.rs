//! Repeating tasks and reminder times: completing a repeating task creates
//! its next occurrence in the same write, once, whichever write completes
//! it; the rule and `remind_at` are checked like every field.

use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::support::{
    assert_redacted_snapshot, create_task, snapshot_of, token, with_app, ALICE, BOB,
};

fn path_of(task: &Value) -> String {
    format!("/api/{ALICE}/tasks/{}", task["id"])
}

/// A due date a week from now at 09:00 UTC, so that the next occurrence is
/// after it, not "today".
fn next_week() -> String {
    let day = Utc::now().date_naive() + Duration::days(7);
    format!("{}T09:00:00Z", day.format("%Y-%m-%d"))
}

async fn count(server: &loco_rs::TestServer) -> usize {
    server
        .get(&format!("/api/{ALICE}/tasks"))
        .authorization_bearer(token(ALICE))
        .await
        .json::<Value>()
        .as_array()
        .map_or(0, Vec::len)
}

#[tokio::test]
async fn completing_a_repeating_task_creates_the_next_once() {
    with_app(|server, _ctx| async move {
        let due = next_week();
        let task = create_task(
            &server,
            ALICE,
            json!({
                "title": "Take out the recycling", "description": "blue bin",
                "priority": "high", "tags": ["home"], "due_date": due,
                "recurrence": "freq=weekly", "remind_at": due.replace("T09:", "T08:"),
            }),
        )
        .await;
        assert_eq!(task["recurrence"], "FREQ=WEEKLY", "stored normalised");
        assert_eq!(task["next_id"], Value::Null);

        let done = server
            .patch(&format!("{}/complete", path_of(&task)))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(done.status_code(), 200);
        let done: Value = done.json();
        let next_id = done["next_id"].clone();
        assert!(next_id.is_i64(), "next_id is set: {done}");

        let next = server
            .get(&format!("/api/{ALICE}/tasks/{next_id}"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_redacted_snapshot!("next_occurrence", snapshot_of(&next), {
            ".body.due_date" => "[a week after the first]",
            ".body.remind_at" => "[an hour before its due date]",
        });
        let next: Value = next.json();
        let first_due = chrono::DateTime::parse_from_rfc3339(&due).unwrap();
        let next_due =
            chrono::DateTime::parse_from_rfc3339(next["due_date"].as_str().unwrap()).unwrap();
        assert_eq!(next_due - first_due, Duration::days(7));
        let next_remind =
            chrono::DateTime::parse_from_rfc3339(next["remind_at"].as_str().unwrap()).unwrap();
        assert_eq!(
            next_due - next_remind,
            Duration::hours(1),
            "remind_at keeps its distance"
        );

        // Reopened and completed again: no second successor, ever.
        for _ in 0..2 {
            let toggled = server
                .patch(&format!("{}/complete", path_of(&task)))
                .authorization_bearer(token(ALICE))
                .await;
            assert_eq!(toggled.json::<Value>()["next_id"], next_id);
        }
        assert_eq!(count(&server).await, 2);

        // Deleting the completed one leaves its successor (the series goes on
        // from there); deleting the successor ends it.
        let deleted = server
            .delete(&format!("/api/{ALICE}/tasks/{next_id}"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(deleted.status_code(), 204);
        assert_eq!(count(&server).await, 1);
    })
    .await;
}

#[tokio::test]
async fn every_completing_write_spawns_and_count_runs_down() {
    with_app(|server, _ctx| async move {
        let due = next_week();
        // POST completed: the next occurrence at once.
        let posted = create_task(
            &server,
            ALICE,
            json!({"title": "p", "due_date": due, "recurrence": "FREQ=DAILY;COUNT=3", "completed": true}),
        )
        .await;
        assert!(posted["next_id"].is_i64(), "{posted}");
        let second = server
            .get(&format!("/api/{ALICE}/tasks/{}", posted["next_id"]))
            .authorization_bearer(token(ALICE))
            .await
            .json::<Value>();
        assert_eq!(second["recurrence"], "FREQ=DAILY;COUNT=2");
        assert_eq!(second["completed"], false);

        // PUT completing the second: the third, with COUNT=1.
        let put = server
            .put(&path_of(&second))
            .authorization_bearer(token(ALICE))
            .json(&json!({"completed": true}))
            .await
            .json::<Value>();
        let third = server
            .get(&format!("/api/{ALICE}/tasks/{}", put["next_id"]))
            .authorization_bearer(token(ALICE))
            .await
            .json::<Value>();
        assert_eq!(third["recurrence"], "FREQ=DAILY;COUNT=1");

        // PATCH completing the last: the series is over.
        let last = server
            .patch(&path_of(&third))
            .authorization_bearer(token(ALICE))
            .json(&json!({"completed": true}))
            .await
            .json::<Value>();
        assert_eq!(last["next_id"], Value::Null);
        assert_eq!(count(&server).await, 3);

        // An overdue daily series resumes today, at its time of day.
        let overdue = create_task(
            &server,
            ALICE,
            json!({"title": "o", "due_date": "2026-01-05T06:30:00Z", "recurrence": "FREQ=DAILY"}),
        )
        .await;
        let done = server
            .patch(&format!("{}/complete", path_of(&overdue)))
            .authorization_bearer(token(ALICE))
            .json(&json!({"completed": true}))
            .await
            .json::<Value>();
        let resumed = server
            .get(&format!("/api/{ALICE}/tasks/{}", done["next_id"]))
            .authorization_bearer(token(ALICE))
            .await
            .json::<Value>();
        let resumed_due =
            chrono::DateTime::parse_from_rfc3339(resumed["due_date"].as_str().unwrap()).unwrap();
        let today = Utc::now().date_naive();
        assert!(resumed_due.date_naive() >= today, "{resumed_due}");
        assert!(resumed_due.date_naive() <= today + Duration::days(1));
        assert_eq!(resumed_due.format("%H:%M").to_string(), "06:30");
    })
    .await;
}

#[tokio::test]
async fn racing_completions_create_one_successor() {
    with_app(|server, _ctx| async move {
        let task = create_task(
            &server,
            ALICE,
            json!({"title": "race", "due_date": next_week(), "recurrence": "FREQ=DAILY"}),
        )
        .await;
        let requests = (0..20).map(|i| {
            let server = &server;
            let path = path_of(&task);
            async move {
                // Every completing write at once: /complete, PUT and PATCH.
                let request = match i % 3 {
                    0 => server
                        .patch(&format!("{path}/complete"))
                        .json(&json!({"completed": true})),
                    1 => server.put(&path).json(&json!({"completed": true})),
                    _ => server.patch(&path).json(&json!({"completed": true})),
                };
                let response = request.authorization_bearer(token(ALICE)).await;
                (response.status_code().as_u16(), response.json::<Value>())
            }
        });
        let results = futures::future::join_all(requests).await;
        let next_ids: std::collections::BTreeSet<String> = results
            .iter()
            .filter(|(status, _)| *status == 200)
            .map(|(_, body)| body["next_id"].to_string())
            .collect();
        assert!(
            results
                .iter()
                .all(|(status, _)| *status == 200 || *status == 409 || *status == 503),
            "{results:?}"
        );
        assert_eq!(next_ids.len(), 1, "one successor for all: {next_ids:?}");
        assert_eq!(count(&server).await, 2, "the task and one successor");
    })
    .await;
}

#[tokio::test]
async fn bad_rules_and_reminders_are_refused_and_store_nothing() {
    with_app(|server, _ctx| async move {
        let due = next_week();
        // (case, body, the field named)
        let cases = [
            (
                "rule not a string",
                json!({"title": "x", "due_date": due, "recurrence": 5}),
                "recurrence",
            ),
            (
                "hourly",
                json!({"title": "x", "due_date": due, "recurrence": "FREQ=HOURLY"}),
                "recurrence",
            ),
            (
                "BYHOUR",
                json!({"title": "x", "due_date": due, "recurrence": "FREQ=DAILY;BYHOUR=9"}),
                "recurrence",
            ),
            (
                "INTERVAL=0",
                json!({"title": "x", "due_date": due, "recurrence": "FREQ=DAILY;INTERVAL=0"}),
                "recurrence",
            ),
            (
                "UNTIL before the due date",
                json!({"title": "x", "due_date": due, "recurrence": "FREQ=DAILY;UNTIL=20260101"}),
                "recurrence",
            ),
            (
                "no due date",
                json!({"title": "x", "recurrence": "FREQ=WEEKLY"}),
                "recurrence",
            ),
            (
                "FREQ=",
                json!({"title": "x", "due_date": due, "recurrence": "FREQ="}),
                "recurrence",
            ),
            (
                ";;;",
                json!({"title": "x", "due_date": due, "recurrence": ";;;"}),
                "recurrence",
            ),
            (
                "10 KB rule",
                json!({"title": "x", "due_date": due, "recurrence": "FREQ=DAILY;".repeat(1000)}),
                "recurrence",
            ),
            (
                "remind_at a date only",
                json!({"title": "x", "remind_at": "2026-12-01"}),
                "remind_at",
            ),
            (
                "remind_at not a string",
                json!({"title": "x", "remind_at": 1_700_000_000}),
                "remind_at",
            ),
            (
                "tags not an array",
                json!({"title": "x", "tags": "work"}),
                "tags",
            ),
            (
                "tags of numbers",
                json!({"title": "x", "tags": [1]}),
                "tags",
            ),
            (
                "41-character tag",
                json!({"title": "x", "tags": ["x".repeat(41)]}),
                "tags",
            ),
            (
                "21 tags",
                json!({"title": "x", "tags": (0..21).map(|i| format!("t{i}")).collect::<Vec<_>>()}),
                "tags",
            ),
            (
                "control character",
                json!({"title": "x", "tags": ["a\u{7}"]}),
                "tags",
            ),
        ];
        for (case, body, field) in &cases {
            let response = server
                .post(&format!("/api/{ALICE}/tasks"))
                .authorization_bearer(token(ALICE))
                .json(body)
                .await;
            assert_eq!(
                response.status_code(),
                422,
                "case {case}: {}",
                response.text()
            );
            let problem: Value = response.json();
            assert_eq!(
                problem["errors"][0]["field"], *field,
                "case {case}: {problem}"
            );
            if *case == "hourly" {
                assert_redacted_snapshot!("recurrence_hourly", snapshot_of(&response));
            }
            if *case == "no due date" {
                assert_redacted_snapshot!("recurrence_without_due_date", snapshot_of(&response));
            }
        }
        assert_eq!(count(&server).await, 0, "nothing stored");

        // A write that clears the due date of a repeating task is refused,
        // naming due_date; clearing both is fine.
        let task = create_task(
            &server,
            ALICE,
            json!({"title": "r", "due_date": due, "recurrence": "FREQ=MONTHLY;BYDAY=-1FR"}),
        )
        .await;
        let cleared = server
            .patch(&path_of(&task))
            .authorization_bearer(token(ALICE))
            .json(&json!({"due_date": null}))
            .await;
        assert_eq!(cleared.status_code(), 422);
        assert_redacted_snapshot!("clear_due_date_of_repeating_task", snapshot_of(&cleared));
        let unchanged = server
            .get(&path_of(&task))
            .authorization_bearer(token(ALICE))
            .await
            .json::<Value>();
        assert_eq!(unchanged, task);
        let both = server
            .patch(&path_of(&task))
            .authorization_bearer(token(ALICE))
            .json(&json!({"due_date": null, "recurrence": null, "remind_at": null}))
            .await;
        assert_eq!(both.status_code(), 200);

        // Another user's repeating task cannot be completed by Alice.
        let bobs = create_task(
            &server,
            BOB,
            json!({"title": "b", "due_date": due, "recurrence": "FREQ=DAILY"}),
        )
        .await;
        let foreign = server
            .patch(&format!("/api/{ALICE}/tasks/{}/complete", bobs["id"]))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(foreign.status_code(), 404);
    })
    .await;
}
