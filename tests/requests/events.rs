//! The change feed as JSON: every write appends its event in commit order,
//! ids 1, 2, 3 ... per user without gaps, pages with `Link`, the latest id
//! in `X-Last-Event-Id`, 410 past what is kept; reminders fire once.

use chrono::{Duration, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{json, Value};
use todo_api::models::{events, feed::Wakeups, reminders};

use crate::support::{
    assert_redacted_snapshot, create_task, snapshot_of, token, with_app, ALICE, BOB,
};

fn feed(user: &str) -> String {
    format!("/api/{user}/events")
}

async fn events_of(server: &loco_rs::TestServer, user: &str, query: &str) -> Value {
    let response = server
        .get(&format!("{}{query}", feed(user)))
        .authorization_bearer(token(user))
        .await;
    assert_eq!(response.status_code(), 200, "{}", response.text());
    response.json()
}

fn ids(events: &Value) -> Vec<i64> {
    events
        .as_array()
        .expect("an array")
        .iter()
        .map(|e| e["id"].as_i64().expect("an id"))
        .collect()
}

fn kinds(events: &Value) -> Vec<String> {
    events
        .as_array()
        .expect("an array")
        .iter()
        .map(|e| e["type"].as_str().expect("a type").to_string())
        .collect()
}

#[tokio::test]
async fn every_write_appends_its_event() {
    with_app(|server, _ctx| async move {
        let empty = server
            .get(&feed(ALICE))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(empty.status_code(), 200);
        assert_eq!(empty.header("x-last-event-id").to_str().unwrap(), "0");
        assert_eq!(empty.json::<Value>(), json!([]));

        let task = create_task(&server, ALICE, json!({"title": "a", "tags": ["x"]})).await;
        let path = format!("/api/{ALICE}/tasks/{}", task["id"]);
        server
            .patch(&path)
            .authorization_bearer(token(ALICE))
            .json(&json!({"title": "b"}))
            .await;
        server
            .patch(&format!("{path}/complete"))
            .authorization_bearer(token(ALICE))
            .await;
        server
            .patch(&format!("/api/{ALICE}/tags/x"))
            .authorization_bearer(token(ALICE))
            .json(&json!({"name": "y"}))
            .await;
        server
            .delete(&path)
            .authorization_bearer(token(ALICE))
            .await;
        // Bob's write is his own feed's.
        create_task(&server, BOB, json!({"title": "bob"})).await;

        let response = server
            .get(&feed(ALICE))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(response.header("x-last-event-id").to_str().unwrap(), "5");
        let events: Value = response.json();
        assert_eq!(ids(&events), [1, 2, 3, 4, 5]);
        assert_eq!(
            kinds(&events),
            [
                "task.created",
                "task.updated",
                "task.updated",
                "task.updated",
                "task.deleted"
            ]
        );
        assert_eq!(events[1]["task"]["title"], "b", "the task after the change");
        assert_eq!(events[3]["task"]["tags"], json!(["y"]));
        assert_eq!(events[4]["task"], Value::Null);
        assert_redacted_snapshot!("feed", snapshot_of(&response));
        assert_eq!(ids(&events_of(&server, BOB, "").await), [1]);
    })
    .await;
}

/// An event's task reads as `GET` showed it after the change; events kept
/// in the API's shape (`shown`, migration 5) read the same once migration 6
/// has rewritten them into the model's (but for the position, which that
/// shape never had).
#[tokio::test]
async fn the_kept_task_is_what_get_showed_and_older_events_read_the_same() {
    use migration::{Migrator, MigratorTrait};

    with_app(|server, ctx| async move {
        let task = create_task(
            &server,
            ALICE,
            json!({"title": "a \"quoted\" caf\u{e9}", "description": "two\nlines",
                   "tags": ["b", "a"], "priority": "high",
                   "due_date": "2026-12-24T09:00:00.123456Z", "recurrence": "FREQ=WEEKLY"}),
        )
        .await;
        let shown = server
            .get(&format!("/api/{ALICE}/tasks/{}", task["id"]))
            .authorization_bearer(token(ALICE))
            .await
            .text();
        let feed_now = server
            .get(&feed(ALICE))
            .authorization_bearer(token(ALICE))
            .await
            .text();
        assert!(feed_now.contains(&shown), "{feed_now}");

        // The same event as migration 5 kept it: the API's JSON in `shown`.
        let db = &ctx.db;
        // Migrations 8 (lists), 7 (time zones) and 6 (one format) undone.
        Migrator::down(db, Some(3))
            .await
            .expect("back to migration 5");
        db.execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            match db.get_database_backend() {
                DbBackend::Postgres => "UPDATE task_events SET shown = $1, task = NULL",
                _ => "UPDATE task_events SET shown = ?, task = NULL",
            },
            [shown.clone().into()],
        ))
        .await
        .expect("kept the old way");
        Migrator::up(db, None).await.expect("migrations 6 to 8");
        let feed_after = server
            .get(&feed(ALICE))
            .authorization_bearer(token(ALICE))
            .await
            .text();
        // Events kept before tasks had positions (migration 8) read with
        // an empty one; the rest as before.
        let mut expected: Value = serde_json::from_str(&feed_now).expect("JSON");
        expected[0]["task"]["position"] = json!("");
        let after: Value = serde_json::from_str(&feed_after).expect("JSON");
        assert_eq!(after, expected);
        // Migration 8 gave the task already there its place: first.
        let kept = server
            .get(&format!("/api/{ALICE}/tasks/{}", task["id"]))
            .authorization_bearer(token(ALICE))
            .await
            .json::<Value>();
        assert_eq!(kept["position"], "c000");
    })
    .await;
}

#[tokio::test]
async fn pages_after_and_what_is_gone() {
    with_app(|server, ctx| async move {
        for i in 0..5 {
            create_task(&server, ALICE, json!({"title": format!("t{i}")})).await;
        }
        let first = server
            .get(&format!("{}?limit=2", feed(ALICE)))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(ids(&first.json()), [1, 2]);
        assert_eq!(
            first.header("link").to_str().unwrap(),
            format!("</api/{ALICE}/events?after=2&limit=2>; rel=\"next\"")
        );
        assert_eq!(
            ids(&events_of(&server, ALICE, "?after=2&limit=2").await),
            [3, 4]
        );
        let last = server
            .get(&format!("{}?after=4&limit=2", feed(ALICE)))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(ids(&last.json()), [5]);
        assert!(last.maybe_header("link").is_none(), "no more pages");
        assert_eq!(last.header("x-last-event-id").to_str().unwrap(), "5");
        // Caught up: an empty page, with the head read on its own.
        let caught_up = server
            .get(&format!("{}?after=5", feed(ALICE)))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(caught_up.json::<Value>(), json!([]));
        assert_eq!(caught_up.header("x-last-event-id").to_str().unwrap(), "5");

        // Newer than anything given out: 410, reload.
        let future = server
            .get(&format!("{}?after=99", feed(ALICE)))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(future.status_code(), 410);
        // Purged: older than what is kept.
        let purged = events::purge_before(&ctx.db, Utc::now() + Duration::seconds(1))
            .await
            .expect("purge");
        assert_eq!(purged, 5);
        create_task(&server, ALICE, json!({"title": "after the purge"})).await;
        let gone = server
            .get(&format!("{}?after=2", feed(ALICE)))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(gone.status_code(), 410);
        assert_eq!(gone.header("x-last-event-id").to_str().unwrap(), "6");
        assert_redacted_snapshot!("feed_gone", snapshot_of(&gone));
        // From the latest id on, following goes on.
        assert_eq!(ids(&events_of(&server, ALICE, "?after=5").await), [6]);

        let invalid = server
            .get(&format!("{}?after=-1&limit=0", feed(ALICE)))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(invalid.status_code(), 422);
        assert_redacted_snapshot!("feed_invalid_query", snapshot_of(&invalid));
        for bad in ["", "abc", "-1"] {
            let response = server
                .get(&feed(ALICE))
                .authorization_bearer(token(ALICE))
                .add_header("last-event-id", bad)
                .await;
            assert_eq!(response.status_code(), 422, "Last-Event-ID {bad:?}");
        }
        let missing = server.get(&feed(ALICE)).await;
        assert_eq!(missing.status_code(), 401);
        let foreign = server
            .get(&feed(ALICE))
            .authorization_bearer(token(BOB))
            .await;
        assert_eq!(foreign.status_code(), 403);
    })
    .await;
}

#[tokio::test]
async fn racing_writes_leave_ids_without_gaps() {
    with_app(|server, _ctx| async move {
        let writes = (0..40).map(|i| {
            let server = &server;
            async move {
                for _ in 0..200 {
                    let response = server
                        .post(&format!("/api/{ALICE}/tasks"))
                        .authorization_bearer(token(ALICE))
                        .json(&json!({"title": format!("race {i}")}))
                        .await;
                    if response.status_code() != 503 {
                        return response.status_code().as_u16();
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
                panic!("still 503 after 200 attempts");
            }
        });
        let statuses = futures::future::join_all(writes).await;
        assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
        let events = events_of(&server, ALICE, "?limit=1000").await;
        assert_eq!(ids(&events), (1..=40).collect::<Vec<i64>>());
    })
    .await;
}

#[tokio::test]
async fn reminders_fire_once_per_value() {
    with_app(|server, ctx| async move {
        let past = (Utc::now() - Duration::minutes(1)).to_rfc3339();
        let future = (Utc::now() + Duration::hours(1)).to_rfc3339();
        let due = create_task(&server, ALICE, json!({"title": "call", "remind_at": past})).await;
        create_task(
            &server,
            ALICE,
            json!({"title": "later", "remind_at": future}),
        )
        .await;
        create_task(
            &server,
            ALICE,
            json!({"title": "done", "remind_at": past, "completed": true}),
        )
        .await;
        let fired = reminders::fire_due(&ctx.db, &Wakeups::new(), Utc::now(), 100)
            .await
            .expect("fire");
        assert_eq!(fired, 1, "only the due one of a task not completed");
        assert_eq!(
            reminders::fire_due(&ctx.db, &Wakeups::new(), Utc::now(), 100)
                .await
                .expect("again"),
            0,
            "exactly once"
        );
        let events = events_of(&server, ALICE, "?after=3").await;
        assert_eq!(kinds(&events), ["task.reminder"]);
        assert_eq!(events[0]["task_id"], due["id"]);
        assert_eq!(events[0]["task"]["title"], "call");

        // A new remind_at re-arms it.
        let path = format!("/api/{ALICE}/tasks/{}", due["id"]);
        let rearmed = (Utc::now() - Duration::seconds(5)).to_rfc3339();
        server
            .patch(&path)
            .authorization_bearer(token(ALICE))
            .json(&json!({ "remind_at": rearmed }))
            .await;
        assert_eq!(
            reminders::fire_due(&ctx.db, &Wakeups::new(), Utc::now(), 100)
                .await
                .expect("fire"),
            1
        );
        // Completed: cancelled.
        server
            .patch(&path)
            .authorization_bearer(token(ALICE))
            .json(&json!({ "remind_at": past, "completed": true }))
            .await;
        assert_eq!(
            reminders::fire_due(&ctx.db, &Wakeups::new(), Utc::now(), 100)
                .await
                .expect("fire"),
            0
        );
    })
    .await;
}
