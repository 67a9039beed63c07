//! Dates that mean the same day everywhere (contract Part 3, "Dates, times
//! and time zones"): a task's `time_zone` and `all_day`, recurrence on the
//! task's wall clock across daylight-saving changes, the due-date window
//! of the list, through REST and MCP alike.

use axum_test::TestServer;
use serde_json::{json, Value};

use super::mcp::{call, call_ok};
use crate::support::{
    assert_redacted_snapshot, create_task, snapshot_of, token, with_app, ALICE, BOB,
};

const TASKS: &str = "/api/80nmxlJfYWC6KDfWyDJI6NO6gQxgGAhd/tasks";

/// How a test reaches the service: the REST routes or the MCP tools.
#[derive(Clone, Copy, Debug)]
enum Via {
    Rest,
    Mcp,
}

impl Via {
    async fn create(self, server: &TestServer, body: Value) -> Value {
        match self {
            Self::Rest => create_task(server, ALICE, body).await,
            Self::Mcp => call_ok(server, ALICE, "add_task", body).await,
        }
    }

    /// Completes the task; its successor as the REST route shows it.
    async fn complete(self, server: &TestServer, task: &Value) -> Value {
        let done = match self {
            Self::Rest => {
                let response = server
                    .patch(&format!("{TASKS}/{}/complete", task["id"]))
                    .authorization_bearer(token(ALICE))
                    .json(&json!({"completed": true}))
                    .await;
                assert_eq!(response.status_code(), 200, "{}", response.text());
                response.json::<Value>()
            }
            Self::Mcp => {
                call_ok(
                    server,
                    ALICE,
                    "complete_task",
                    json!({"task_id": task["id"]}),
                )
                .await
            }
        };
        assert!(done["next_id"].is_i64(), "a successor: {done}");
        get(server, &done["next_id"]).await
    }
}

async fn get(server: &TestServer, id: &Value) -> Value {
    let response = server
        .get(&format!("{TASKS}/{id}"))
        .authorization_bearer(token(ALICE))
        .await;
    assert_eq!(response.status_code(), 200, "{}", response.text());
    response.json()
}

fn instant(text: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(text.as_str().unwrap_or_default()).expect("an instant")
}

/// A daily task at 09:00 in Berlin and in New York, completed on the day
/// before each zone's spring and autumn change: the next is at 09:00 local
/// again, an hour apart in UTC, and its reminder still 30 minutes before.
#[tokio::test]
async fn daily_tasks_keep_their_local_time_across_daylight_saving() {
    with_app(|server, _ctx| async move {
        // (zone, due, remind_at, the next due date)
        let cases = [
            // Berlin: 2027-03-28 CET -> CEST, 2027-10-31 back.
            (
                "Europe/Berlin",
                "2027-03-27T08:00:00Z",
                "2027-03-27T07:30:00Z",
                "2027-03-28T07:00:00.000Z",
            ),
            (
                "Europe/Berlin",
                "2027-10-30T07:00:00Z",
                "2027-10-30T06:30:00Z",
                "2027-10-31T08:00:00.000Z",
            ),
            // New York: 2027-03-14 EST -> EDT, 2027-11-07 back.
            (
                "America/New_York",
                "2027-03-13T14:00:00Z",
                "2027-03-13T13:30:00Z",
                "2027-03-14T13:00:00.000Z",
            ),
            (
                "America/New_York",
                "2027-11-06T13:00:00Z",
                "2027-11-06T12:30:00Z",
                "2027-11-07T14:00:00.000Z",
            ),
        ];
        for via in [Via::Rest, Via::Mcp] {
            for (zone, due, remind_at, next_due) in cases {
                let task = via
                    .create(
                        &server,
                        json!({"title": "Stand-up", "due_date": due, "remind_at": remind_at,
                               "time_zone": zone, "recurrence": "FREQ=DAILY"}),
                    )
                    .await;
                assert_eq!(task["time_zone"], zone, "{via:?} {zone}");
                assert_eq!(task["all_day"], false, "{via:?} {zone}");
                let next = via.complete(&server, &task).await;
                let case = format!("{via:?} {zone} from {due}");
                assert_eq!(next["due_date"], next_due, "{case}");
                assert_eq!(next["time_zone"], zone, "{case}");
                assert_eq!(next["all_day"], false, "{case}");
                assert_eq!(
                    instant(&next["due_date"]) - instant(&next["remind_at"]),
                    chrono::Duration::minutes(30),
                    "{case}: remind_at keeps its duration"
                );
            }
        }
        // One successor whole, as the API shows it.
        let task = create_task(
            &server,
            ALICE,
            json!({"title": "Stand-up", "due_date": "2027-03-27T09:00:00+01:00",
                   "remind_at": "2027-03-27T07:30:00Z", "time_zone": "Europe/Berlin",
                   "recurrence": "FREQ=DAILY;COUNT=5"}),
        )
        .await;
        let next = Via::Rest.complete(&server, &task).await;
        let response = server
            .get(&format!("{TASKS}/{}", next["id"]))
            .authorization_bearer(token(ALICE))
            .await;
        assert_redacted_snapshot!("berlin_after_spring_change", snapshot_of(&response));
    })
    .await;
}

/// All-day series: on the rule's dates, from the start of each date in the
/// task's zone, whoever (REST or MCP) writes them.
#[tokio::test]
async fn all_day_tasks_repeat_on_their_dates() {
    with_app(|server, _ctx| async move {
        // (case, zone, due date, rule, the next due date)
        let cases = [
            // No 31 February: March's 31st, after Berlin's spring change.
            (
                "monthly on the 31st",
                "Europe/Berlin",
                "2027-01-31",
                "FREQ=MONTHLY",
                "2027-03-30T22:00:00.000Z",
            ),
            // UTC+14: Monday 11 January starts at 10:00 UTC on the 10th.
            (
                "weekly at UTC+14",
                "Pacific/Kiritimati",
                "2027-01-04",
                "FREQ=WEEKLY;BYDAY=MO",
                "2027-01-10T10:00:00.000Z",
            ),
            // UTC-11: Monday 11 January starts at 11:00 UTC that day.
            (
                "weekly at UTC-11",
                "Pacific/Pago_Pago",
                "2027-01-04",
                "FREQ=WEEKLY;BYDAY=MO",
                "2027-01-11T11:00:00.000Z",
            ),
        ];
        for via in [Via::Rest, Via::Mcp] {
            for (case, zone, date, rule, next_due) in cases {
                let task = via
                    .create(
                        &server,
                        json!({"title": case, "due_date": date, "time_zone": zone,
                               "recurrence": rule}),
                    )
                    .await;
                assert_eq!(task["all_day"], true, "{via:?} {case}");
                let next = via.complete(&server, &task).await;
                assert_eq!(next["due_date"], next_due, "{via:?} {case}");
                assert_eq!(next["all_day"], true, "{via:?} {case}");
                assert_eq!(next["time_zone"], zone, "{via:?} {case}");
            }
        }
    })
    .await;
}

/// A date is the start of that day in the task's zone: the body's, else
/// `X-Timezone`'s, else UTC; a new zone keeps an all-day task's date.
#[tokio::test]
async fn an_all_day_task_is_due_on_its_date_wherever_it_lives() {
    with_app(|server, _ctx| async move {
        let created = server
            .post(TASKS)
            .authorization_bearer(token(ALICE))
            .add_header("X-Timezone", "America/New_York")
            .json(&json!({"title": "Wrap presents", "due_date": "2026-12-24"}))
            .await;
        assert_redacted_snapshot!("all_day_from_the_header", snapshot_of(&created));
        let task: Value = created.json();
        let path = format!("{TASKS}/{}", task["id"]);
        let patch = |body: Value| {
            let server = &server;
            let path = path.clone();
            async move {
                let response = server
                    .patch(&path)
                    .authorization_bearer(token(ALICE))
                    .json(&body)
                    .await;
                assert_eq!(response.status_code(), 200, "{body}: {}", response.text());
                response.json::<Value>()
            }
        };
        // (case, write, due_date, all_day, time_zone after it)
        let steps = [
            (
                "a new zone keeps the date",
                json!({"time_zone": "Europe/Berlin"}),
                Some("2026-12-23T23:00:00.000Z"),
                true,
                json!("Europe/Berlin"),
            ),
            (
                "UTC keeps it too",
                json!({"time_zone": null}),
                Some("2026-12-24T00:00:00.000Z"),
                true,
                Value::Null,
            ),
            (
                "a date-time is timed",
                json!({"due_date": "2026-12-24T15:00:00-05:00", "time_zone": "America/New_York"}),
                Some("2026-12-24T20:00:00.000Z"),
                false,
                json!("America/New_York"),
            ),
            (
                "a timed task keeps its instant in a new zone",
                json!({"time_zone": "Asia/Tokyo"}),
                Some("2026-12-24T20:00:00.000Z"),
                false,
                json!("Asia/Tokyo"),
            ),
            // 05:00 on the 25th in Tokyo.
            (
                "all_day true takes the local date",
                json!({"all_day": true}),
                Some("2026-12-24T15:00:00.000Z"),
                true,
                json!("Asia/Tokyo"),
            ),
            (
                "all_day false keeps the instant",
                json!({"all_day": false}),
                Some("2026-12-24T15:00:00.000Z"),
                false,
                json!("Asia/Tokyo"),
            ),
            (
                "a date in the body's zone",
                json!({"due_date": "2026-12-24", "time_zone": "Pacific/Kiritimati"}),
                Some("2026-12-23T10:00:00.000Z"),
                true,
                json!("Pacific/Kiritimati"),
            ),
            (
                "clearing the date clears all_day",
                json!({"due_date": null}),
                None,
                false,
                json!("Pacific/Kiritimati"),
            ),
        ];
        for (case, write, due_date, all_day, time_zone) in steps {
            let task = patch(write).await;
            assert_eq!(task["due_date"], json!(due_date), "{case}");
            assert_eq!(task["all_day"], all_day, "{case}");
            assert_eq!(task["time_zone"], time_zone, "{case}");
        }
        // The body's zone wins over the header's, and `null` is UTC.
        let utc = server
            .post(TASKS)
            .authorization_bearer(token(ALICE))
            .add_header("X-Timezone", "America/New_York")
            .json(&json!({"title": "t", "due_date": "2026-12-24", "time_zone": null}))
            .await
            .json::<Value>();
        assert_eq!(utc["due_date"], "2026-12-24T00:00:00.000Z");
        assert_eq!(utc["time_zone"], Value::Null);
        // A header that names no zone is ignored.
        let ignored = server
            .post(TASKS)
            .authorization_bearer(token(ALICE))
            .add_header("X-Timezone", "Mars/Olympus")
            .json(&json!({"title": "t", "due_date": "2026-12-24"}))
            .await;
        assert_eq!(ignored.status_code(), 201);
        assert_eq!(ignored.json::<Value>()["time_zone"], Value::Null);
    })
    .await;
}

/// Bad zones and dates: a 422 naming each field, and nothing written.
#[tokio::test]
async fn bad_dates_and_zones_are_refused_and_change_nothing() {
    with_app(|server, _ctx| async move {
        let refused = server
            .post(TASKS)
            .authorization_bearer(token(ALICE))
            .json(
                &json!({"title": "t", "time_zone": "Mars/Olympus", "due_date": "2026-02-30",
                          "all_day": "yes"}),
            )
            .await;
        assert_redacted_snapshot!("bad_zone_date_and_flag", snapshot_of(&refused));
        let no_date = server
            .post(TASKS)
            .authorization_bearer(token(ALICE))
            .json(&json!({"title": "t", "all_day": true}))
            .await;
        assert_redacted_snapshot!("all_day_without_a_date", snapshot_of(&no_date));
        for body in [
            json!({"title": "t", "time_zone": 42}),
            json!({"title": "t", "time_zone": ""}),
            json!({"title": "t", "time_zone": "europe/berlin"}),
            json!({"title": "t", "all_day": null}),
            json!({"title": "t", "due_date": "2026-12-24T09:00:00"}),
            json!({"title": "t", "due_date": "24.12.2026"}),
        ] {
            let response = server
                .post(TASKS)
                .authorization_bearer(token(ALICE))
                .json(&body)
                .await;
            assert_eq!(response.status_code(), 422, "{body}");
        }
        let list = server
            .get(TASKS)
            .authorization_bearer(token(ALICE))
            .await
            .json::<Vec<Value>>();
        assert!(list.is_empty(), "nothing was written: {list:?}");

        // On a task: the write is refused whole.
        let task = create_task(
            &server,
            ALICE,
            json!({"title": "t", "due_date": "2026-12-24", "time_zone": "Europe/Berlin"}),
        )
        .await;
        let path = format!("{TASKS}/{}", task["id"]);
        let refused = server
            .patch(&path)
            .authorization_bearer(token(ALICE))
            .json(&json!({"title": "changed", "time_zone": "Nowhere"}))
            .await;
        assert_eq!(refused.status_code(), 422);
        let cleared = server
            .patch(&path)
            .authorization_bearer(token(ALICE))
            .json(&json!({"due_date": null, "all_day": true}))
            .await;
        assert_redacted_snapshot!("all_day_with_the_date_cleared", snapshot_of(&cleared));
        assert_eq!(get(&server, &task["id"]).await, task, "unchanged");

        // Another user's task is not found; no token, no write.
        let foreign = server
            .patch(&format!("/api/{BOB}/tasks/{}", task["id"]))
            .authorization_bearer(token(BOB))
            .json(&json!({"time_zone": "Asia/Tokyo"}))
            .await;
        assert_eq!(foreign.status_code(), 404);
        let anonymous = server
            .patch(&path)
            .json(&json!({"time_zone": "Asia/Tokyo"}))
            .await;
        assert_eq!(anonymous.status_code(), 401);
        assert_eq!(get(&server, &task["id"]).await, task, "unchanged");

        // MCP refuses the same, naming the field.
        let answer = call(
            &server,
            ALICE,
            "add_task",
            json!({"title": "t", "time_zone": "Mars/Olympus"}),
        )
        .await;
        assert_eq!(answer["result"]["isError"], true, "{answer}");
        let text = answer["result"]["content"][0]["text"]
            .as_str()
            .unwrap_or_default();
        assert!(text.contains("time_zone"), "{text}");
    })
    .await;
}

/// `due_after` (inclusive) and `due_before` (exclusive) at the edges of a
/// day, in `X-Timezone`'s zone or UTC; with pages and the count.
#[tokio::test]
async fn the_due_window_holds_at_the_edges_of_a_day() {
    with_app(|server, _ctx| async move {
        let new_york = |title: &str, due: Value| {
            json!({"title": title, "due_date": due, "time_zone": "America/New_York"})
        };
        for body in [
            new_york("all day on the 24th", json!("2026-12-24")),
            new_york("last moment of the 23rd", json!("2026-12-24T04:59:59.999Z")),
            new_york("last moment of the 24th", json!("2026-12-25T04:59:59.999Z")),
            new_york("first moment of the 25th", json!("2026-12-25T05:00:00Z")),
            new_york("undated", Value::Null),
        ] {
            create_task(&server, ALICE, body).await;
        }
        let titles = |response: &axum_test::TestResponse| {
            let mut titles: Vec<String> = response
                .json::<Vec<Value>>()
                .iter()
                .map(|task| task["title"].as_str().unwrap_or_default().to_string())
                .collect();
            titles.sort();
            titles
        };
        let window = |query: &'static str, zone: Option<&'static str>| {
            let server = &server;
            async move {
                let mut request = server
                    .get(&format!("{TASKS}?{query}"))
                    .authorization_bearer(token(ALICE));
                if let Some(zone) = zone {
                    request = request.add_header("X-Timezone", zone);
                }
                request.await
            }
        };
        // (query, X-Timezone, the tasks listed)
        let cases: [(&str, Option<&str>, &[&str]); 6] = [
            ("due_after=2026-12-24&due_before=2026-12-25", Some("America/New_York"),
             &["all day on the 24th", "last moment of the 24th"]),
            // In UTC the 24th ends at 05:00 in New York.
            ("due_after=2026-12-24&due_before=2026-12-25", None,
             &["all day on the 24th", "last moment of the 23rd"]),
            ("due_after=2026-12-25T05:00:00Z", None, &["first moment of the 25th"]),
            ("due_before=2026-12-24T05:00:00Z", None, &["last moment of the 23rd"]),
            // "Today" on the 24th: due before the 25th, overdue included.
            ("due_before=2026-12-25&status=pending", Some("America/New_York"),
             &["all day on the 24th", "last moment of the 23rd", "last moment of the 24th"]),
            ("due_after=2026-12-25&due_before=2026-12-24", Some("America/New_York"), &[]),
        ];
        for (query, zone, expected) in cases {
            let response = window(query, zone).await;
            assert_eq!(response.status_code(), 200, "{query}");
            assert_eq!(titles(&response), expected, "{query} in {zone:?}");
            assert_eq!(
                response.header("x-total-count").to_str().unwrap_or_default(),
                expected.len().to_string(),
                "{query}"
            );
        }
        let first = window(
            "due_after=2026-12-24&due_before=2026-12-25&sort=due_date&limit=1",
            Some("America/New_York"),
        )
        .await;
        assert_redacted_snapshot!("window_first_page", snapshot_of(&first));
        let link = first.header("link").to_str().unwrap_or_default().to_string();
        let next = link
            .trim_start_matches('<')
            .split('>')
            .next()
            .unwrap_or_default()
            .to_string();
        let second = server
            .get(&next)
            .authorization_bearer(token(ALICE))
            .add_header("X-Timezone", "America/New_York")
            .await;
        assert_eq!(titles(&second), ["last moment of the 24th"]);
        // The cursor belongs to this window only.
        let other = server
            .get(&next.replace("due_before=2026-12-25", "due_before=2026-12-26"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(other.status_code(), 422, "{}", other.text());
        let bad = window("due_before=soon&due_after=2026-02-30", None).await;
        assert_redacted_snapshot!("bad_window", snapshot_of(&bad));

        // The same window through MCP, dates read in its `time_zone`.
        let listed = call_ok(
            &server,
            ALICE,
            "list_tasks",
            json!({"due_after": "2026-12-24", "due_before": "2026-12-25",
                   "time_zone": "America/New_York", "sort": "due_date"}),
        )
        .await;
        let titles: Vec<&str> = listed["tasks"]
            .as_array()
            .map(|tasks| tasks.iter().filter_map(|t| t["title"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(titles, ["all day on the 24th", "last moment of the 24th"]);
        let refused = call(
            &server,
            ALICE,
            "list_tasks",
            json!({"due_after": "2026-12-24", "time_zone": "Nowhere"}),
        )
        .await;
        assert_eq!(refused["result"]["isError"], true, "{refused}");
    })
    .await;
}
