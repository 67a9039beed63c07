//! Lists, subtasks and a hand-made order (contract Part 3, "Lists,
//! subtasks and manual order"): every route and refusal, the feed's
//! `list.*` events, moves that write only what moved.

use axum_test::{TestResponse, TestServer};
use serde_json::{json, Value};

use super::mcp::{call, call_ok};
use crate::support::{
    assert_redacted_snapshot, create_task, snapshot_of, token, with_app, ALICE, BOB,
};

const LISTS: &str = "/api/80nmxlJfYWC6KDfWyDJI6NO6gQxgGAhd/lists";
const TASKS: &str = "/api/80nmxlJfYWC6KDfWyDJI6NO6gQxgGAhd/tasks";

async fn post(server: &TestServer, path: &str, body: Value) -> TestResponse {
    server
        .post(path)
        .authorization_bearer(token(ALICE))
        .json(&body)
        .await
}

async fn patch(server: &TestServer, path: &str, body: Value) -> TestResponse {
    server
        .patch(path)
        .authorization_bearer(token(ALICE))
        .json(&body)
        .await
}

async fn get(server: &TestServer, path: &str) -> TestResponse {
    server.get(path).authorization_bearer(token(ALICE)).await
}

async fn new_list(server: &TestServer, name: &str) -> Value {
    let response = post(server, LISTS, json!({"name": name})).await;
    assert_eq!(response.status_code(), 201, "{}", response.text());
    response.json()
}

async fn new_task(server: &TestServer, body: Value) -> Value {
    create_task(server, ALICE, body).await
}

/// The titles in the hand-made order.
async fn order(server: &TestServer) -> Vec<String> {
    titles(&get(server, &format!("{TASKS}?sort=position")).await)
}

async fn task(server: &TestServer, id: &Value) -> Value {
    get(server, &format!("{TASKS}/{id}")).await.json()
}

fn titles(response: &TestResponse) -> Vec<String> {
    response
        .json::<Vec<Value>>()
        .iter()
        .map(|t| t["title"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn event_types(server: &TestServer, after: i64) -> Vec<String> {
    get(server, &format!("/api/{ALICE}/events?after={after}"))
        .await
        .json::<Vec<Value>>()
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn head(server: &TestServer) -> i64 {
    get(server, &format!("/api/{ALICE}/events?limit=1"))
        .await
        .header("x-last-event-id")
        .to_str()
        .unwrap_or_default()
        .parse()
        .unwrap_or_default()
}

#[tokio::test]
async fn lists_are_created_read_renamed_ordered_and_deleted() {
    with_app(|server, _ctx| async move {
        let created = post(
            &server,
            LISTS,
            json!({"name": " Groceries ", "color": "#3B82F6"}),
        )
        .await;
        assert_redacted_snapshot!("list_created", snapshot_of(&created));
        let groceries: Value = created.json();
        let work = new_list(&server, "Work").await;
        let home = new_list(&server, "Home").await;
        let path = format!("{LISTS}/{}", groceries["id"]);

        // Counts follow the tasks.
        new_task(
            &server,
            json!({"title": "milk", "list_id": groceries["id"]}),
        )
        .await;
        new_task(
            &server,
            json!({"title": "eggs", "list_id": groceries["id"], "completed": true}),
        )
        .await;
        let shown = get(&server, &path).await;
        assert_redacted_snapshot!("list_with_counts", snapshot_of(&shown));
        let etag = shown
            .header("etag")
            .to_str()
            .unwrap_or_default()
            .to_string();
        let not_modified = server
            .get(&path)
            .authorization_bearer(token(ALICE))
            .add_header("if-none-match", etag.clone())
            .await;
        assert_eq!(not_modified.status_code(), 304);

        // Renamed (If-Match honoured), reordered first.
        let renamed = server
            .patch(&path)
            .authorization_bearer(token(ALICE))
            .add_header("if-match", etag.clone())
            .json(&json!({"name": "Food", "color": null, "after_id": null}))
            .await;
        assert_eq!(renamed.status_code(), 200, "{}", renamed.text());
        assert_eq!(renamed.json::<Value>()["name"], "Food");
        let stale = server
            .patch(&path)
            .authorization_bearer(token(ALICE))
            .add_header("if-match", etag)
            .json(&json!({"name": "Again"}))
            .await;
        assert_eq!(stale.status_code(), 412);
        let moved = patch(
            &server,
            &format!("{LISTS}/{}", home["id"]),
            json!({"after_id": groceries["id"]}),
        )
        .await;
        assert_eq!(moved.status_code(), 200, "{}", moved.text());
        let index = get(&server, LISTS).await;
        assert_eq!(index.header("x-total-count"), "3");
        let names: Vec<String> = index
            .json::<Vec<Value>>()
            .iter()
            .map(|l| l["name"].as_str().unwrap_or_default().to_string())
            .collect();
        assert_eq!(names, ["Food", "Home", "Work"]);
        assert_redacted_snapshot!("lists_index", snapshot_of(&index));

        // Deleting moves the tasks to the inbox, or deletes them.
        let before = head(&server).await;
        let deleted = server
            .delete(&path)
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(deleted.status_code(), 204);
        assert_eq!(
            event_types(&server, before).await,
            ["task.updated", "task.updated", "list.deleted"]
        );
        let inbox = get(&server, &format!("{TASKS}?list_id=none&sort=title")).await;
        assert_eq!(titles(&inbox), ["eggs", "milk"]);
        new_task(&server, json!({"title": "report", "list_id": work["id"]})).await;
        let gone = server
            .delete(&format!("{LISTS}/{}?delete_tasks=true", work["id"]))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(gone.status_code(), 204);
        assert_eq!(
            titles(&get(&server, &format!("{TASKS}?sort=title")).await),
            ["eggs", "milk"]
        );
        let missing = get(&server, &path).await;
        assert_redacted_snapshot!("list_not_found", snapshot_of(&missing));
    })
    .await;
}

#[tokio::test]
async fn list_refusals_name_the_field_and_change_nothing() {
    with_app(|server, _ctx| async move {
        let groceries = new_list(&server, "Groceries").await;
        let taken = post(&server, LISTS, json!({"name": "GROCERIES"})).await;
        assert_redacted_snapshot!("list_name_taken", snapshot_of(&taken));
        let invalid = post(&server, LISTS, json!({"name": "", "color": "blue"})).await;
        assert_redacted_snapshot!("list_invalid", snapshot_of(&invalid));
        let long = post(&server, LISTS, json!({"name": "x".repeat(101)})).await;
        assert_eq!(long.status_code(), 422);
        let rename_taken = patch(
            &server,
            &format!("{LISTS}/{}", new_list(&server, "Home").await["id"]),
            json!({"name": "groceries"}),
        )
        .await;
        assert_eq!(rename_taken.status_code(), 409);
        let bad_after = patch(
            &server,
            &format!("{LISTS}/{}", groceries["id"]),
            json!({"after_id": 999}),
        )
        .await;
        assert_eq!(bad_after.status_code(), 422);
        assert_eq!(bad_after.json::<Value>()["errors"][0]["field"], "after_id");

        // Another user's list is not found; no token, no list.
        let foreign = server
            .get(&format!("/api/{BOB}/lists/{}", groceries["id"]))
            .authorization_bearer(token(BOB))
            .await;
        assert_eq!(foreign.status_code(), 404);
        let anonymous = server.get(LISTS).await;
        assert_eq!(anonymous.status_code(), 401);
        let not_a_number = get(&server, &format!("{LISTS}/abc")).await;
        assert_eq!(not_a_number.status_code(), 404);
        let index = get(&server, LISTS).await.json::<Vec<Value>>();
        assert_eq!(index.len(), 2, "nothing else was written");
    })
    .await;
}

#[tokio::test]
async fn a_thousand_lists_at_most() {
    with_app(|server, ctx| async move {
        use sea_orm::{ActiveModelTrait, ActiveValue};
        use todo_api::models::{clock::now, lists::ActiveModel};
        for n in 0..1000 {
            ActiveModel {
                user_id: ActiveValue::Set(ALICE.to_string()),
                name: ActiveValue::Set(format!("list {n}")),
                name_key: ActiveValue::Set(format!("list {n}")),
                color: ActiveValue::Set(None),
                version: ActiveValue::Set(1),
                position: ActiveValue::Set(format!("b{n:02}")),
                created_at: ActiveValue::Set(now()),
                updated_at: ActiveValue::Set(now()),
                ..Default::default()
            }
            .insert(&ctx.db)
            .await
            .expect("a list");
        }
        let one_more = post(&server, LISTS, json!({"name": "one more"})).await;
        assert_redacted_snapshot!("list_one_too_many", snapshot_of(&one_more));
    })
    .await;
}

#[tokio::test]
async fn subtasks_follow_their_parent() {
    with_app(|server, _ctx| async move {
        let trip = new_list(&server, "Trip").await;
        let pack = new_task(&server, json!({"title": "pack", "list_id": trip["id"]})).await;
        // A subtask is in its parent's list without saying so.
        let socks = new_task(&server, json!({"title": "socks", "parent_id": pack["id"]})).await;
        assert_eq!(socks["list_id"], trip["id"]);
        assert_eq!(socks["parent_id"], pack["id"]);
        let wool = new_task(&server, json!({"title": "wool", "parent_id": socks["id"]})).await;
        let level4 = new_task(
            &server,
            json!({"title": "level 4", "parent_id": wool["id"]}),
        )
        .await;

        // Refusals: a fifth level, another list than the parent's, a cycle,
        // a foreign or missing parent or list.
        let bob_task = create_task(&server, BOB, json!({"title": "bob's"})).await;
        let cases = [
            (
                "fifth level",
                json!({"title": "x", "parent_id": level4["id"]}),
                "parent_id",
            ),
            (
                "other list",
                json!({"title": "x", "parent_id": pack["id"], "list_id": null}),
                "list_id",
            ),
            (
                "foreign parent",
                json!({"title": "x", "parent_id": bob_task["id"]}),
                "parent_id",
            ),
            (
                "missing parent",
                json!({"title": "x", "parent_id": 99999}),
                "parent_id",
            ),
            (
                "missing list",
                json!({"title": "x", "list_id": 99999}),
                "list_id",
            ),
            (
                "bad id",
                json!({"title": "x", "list_id": "three"}),
                "list_id",
            ),
        ];
        for (case, body, field) in cases {
            let refused = post(&server, TASKS, body).await;
            assert_eq!(refused.status_code(), 422, "{case}: {}", refused.text());
            assert_eq!(
                refused.json::<Value>()["errors"][0]["field"],
                field,
                "{case}"
            );
        }
        let refused = post(
            &server,
            TASKS,
            json!({"title": "x", "parent_id": level4["id"]}),
        )
        .await;
        assert_redacted_snapshot!("fifth_level", snapshot_of(&refused));
        let cycle = patch(
            &server,
            &format!("{TASKS}/{}", pack["id"]),
            json!({"parent_id": wool["id"]}),
        )
        .await;
        assert_redacted_snapshot!("cycle", snapshot_of(&cycle));
        let own_list = patch(
            &server,
            &format!("{TASKS}/{}", socks["id"]),
            json!({"list_id": null}),
        )
        .await;
        assert_eq!(own_list.status_code(), 422);
        let deeper = patch(
            &server,
            &format!(
                "{TASKS}/{}",
                new_task(&server, json!({"title": "top"})).await["id"]
            ),
            json!({"parent_id": socks["id"]}),
        )
        .await;
        assert_eq!(
            deeper.status_code(),
            200,
            "level 3 is fine: {}",
            deeper.text()
        );
        assert_eq!(
            patch(
                &server,
                &format!("{TASKS}/{}", socks["id"]),
                json!({"parent_id": level4["id"]})
            )
            .await
            .status_code(),
            422,
            "under its own subtask"
        );
        assert_eq!(
            get(&server, &format!("{TASKS}?parent_id={}", pack["id"]))
                .await
                .header("x-total-count"),
            "1"
        );

        // The parent moves to another list: its subtasks go with it.
        let home = new_list(&server, "Home").await;
        let before = head(&server).await;
        let moved = patch(
            &server,
            &format!("{TASKS}/{}", pack["id"]),
            json!({"list_id": home["id"]}),
        )
        .await;
        assert_eq!(moved.status_code(), 200, "{}", moved.text());
        // The parent and socks, wool, level 4, and "top" under socks.
        assert_eq!(event_types(&server, before).await, ["task.updated"; 5]);
        assert_eq!(task(&server, &level4["id"]).await["list_id"], home["id"]);

        // Completing completes the open subtasks, each with its event;
        // reopening does not touch them.
        let before = head(&server).await;
        let done = server
            .patch(&format!("{TASKS}/{}/complete", pack["id"]))
            .authorization_bearer(token(ALICE))
            .json(&json!({"completed": true}))
            .await;
        assert_eq!(done.status_code(), 200);
        assert_eq!(
            event_types(&server, before).await.len(),
            5,
            "the parent, the subtasks under it"
        );
        assert_eq!(task(&server, &level4["id"]).await["completed"], true);
        server
            .patch(&format!("{TASKS}/{}/complete", pack["id"]))
            .authorization_bearer(token(ALICE))
            .json(&json!({"completed": false}))
            .await;
        assert_eq!(task(&server, &socks["id"]).await["completed"], true);

        // Deleting deletes the subtasks.
        let before = head(&server).await;
        let deleted = server
            .delete(&format!("{TASKS}/{}", socks["id"]))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(deleted.status_code(), 204);
        assert_eq!(event_types(&server, before).await, ["task.deleted"; 4]);
        assert_eq!(
            get(&server, &format!("{TASKS}/{}", level4["id"]))
                .await
                .status_code(),
            404
        );
    })
    .await;
}

#[tokio::test]
async fn moves_write_only_what_moved_and_keep_the_order() {
    with_app(|server, _ctx| async move {
        let mut ids = Vec::new();
        for title in ["a", "b", "c", "d"] {
            ids.push(new_task(&server, json!({"title": title})).await["id"].clone());
        }
        assert_eq!(
            order(&server).await,
            ["a", "b", "c", "d"],
            "created last, in turn"
        );
        let untouched = task(&server, &ids[1]).await;
        let before = head(&server).await;
        // d after a; then c first.
        let moved = post(
            &server,
            &format!("{TASKS}/{}/move", ids[3]),
            json!({"after_id": ids[0]}),
        )
        .await;
        assert_redacted_snapshot!("moved", snapshot_of(&moved));
        post(&server, &format!("{TASKS}/{}/move", ids[2]), json!({})).await;
        assert_eq!(order(&server).await, ["c", "a", "d", "b"]);
        assert_eq!(
            event_types(&server, before).await,
            ["task.updated", "task.updated"]
        );
        assert_eq!(
            task(&server, &ids[1]).await,
            untouched,
            "no sibling renumbered"
        );

        // Pages of the hand-made order.
        let first = get(&server, &format!("{TASKS}?sort=position&limit=3")).await;
        assert_eq!(titles(&first), ["c", "a", "d"]);
        let link = first
            .header("link")
            .to_str()
            .unwrap_or_default()
            .to_string();
        let next = link
            .trim_start_matches('<')
            .split('>')
            .next()
            .unwrap_or_default()
            .to_string();
        assert_eq!(titles(&get(&server, &next).await), ["b"]);

        // Under another task, into a list.
        let list = new_list(&server, "Later").await;
        let under = post(
            &server,
            &format!("{TASKS}/{}/move", ids[1]),
            json!({"parent_id": ids[0]}),
        )
        .await;
        assert_eq!(under.status_code(), 200, "{}", under.text());
        let into_list = post(
            &server,
            &format!("{TASKS}/{}/move", ids[0]),
            json!({"list_id": list["id"]}),
        )
        .await;
        assert_eq!(into_list.status_code(), 200, "{}", into_list.text());
        assert_eq!(
            task(&server, &ids[1]).await["list_id"],
            list["id"],
            "the subtask came along"
        );

        // Refusals: an after_id that is not a sibling, a move under its own
        // subtask, a body that is not an object.
        let not_sibling = post(
            &server,
            &format!("{TASKS}/{}/move", ids[2]),
            json!({"after_id": ids[1]}),
        )
        .await;
        assert_redacted_snapshot!("after_id_not_a_sibling", snapshot_of(&not_sibling));
        let own_subtask = post(
            &server,
            &format!("{TASKS}/{}/move", ids[0]),
            json!({"parent_id": ids[1]}),
        )
        .await;
        assert_eq!(own_subtask.status_code(), 422);
        let not_object = post(&server, &format!("{TASKS}/{}/move", ids[0]), json!([1])).await;
        assert_eq!(not_object.status_code(), 422);
        let foreign = server
            .post(&format!("/api/{BOB}/tasks/{}/move", ids[0]))
            .authorization_bearer(token(BOB))
            .json(&json!({}))
            .await;
        assert_eq!(foreign.status_code(), 404);
        let anonymous = server
            .post(&format!("{TASKS}/{}/move", ids[0]))
            .json(&json!({}))
            .await;
        assert_eq!(anonymous.status_code(), 401);
    })
    .await;
}

/// Two clients move different tasks into the same gap at once: both land,
/// in some order, on keys that do not collide.
#[tokio::test]
async fn racing_moves_into_one_gap_both_land() {
    with_app(|server, _ctx| async move {
        let mut ids = Vec::new();
        for title in ["a", "b", "x", "y"] {
            ids.push(new_task(&server, json!({"title": title})).await["id"].clone());
        }
        let (move_x, move_y) = (
            format!("{TASKS}/{}/move", ids[2]),
            format!("{TASKS}/{}/move", ids[3]),
        );
        for _ in 0..5 {
            let (x, y) = futures::join!(
                post(&server, &move_x, json!({"after_id": ids[0]})),
                post(&server, &move_y, json!({"after_id": ids[0]})),
            );
            assert_eq!(
                (x.status_code().as_u16(), y.status_code().as_u16()),
                (200, 200)
            );
            let listed = get(&server, &format!("{TASKS}?sort=position"))
                .await
                .json::<Vec<Value>>();
            let order: Vec<&str> = listed.iter().filter_map(|t| t["title"].as_str()).collect();
            assert_eq!(order[0], "a");
            assert_eq!(order[3], "b");
            let mut positions: Vec<&str> = listed
                .iter()
                .filter_map(|t| t["position"].as_str())
                .collect();
            positions.dedup();
            assert_eq!(
                positions.len(),
                4,
                "no two tasks share a position: {listed:?}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn the_list_filters_combine_with_everything() {
    with_app(|server, _ctx| async move {
        let work = new_list(&server, "Work").await;
        let report = new_task(
            &server,
            json!({"title": "report", "list_id": work["id"], "tags": ["q4"]}),
        )
        .await;
        new_task(
            &server,
            json!({"title": "slides", "parent_id": report["id"], "tags": ["q4"]}),
        )
        .await;
        new_task(&server, json!({"title": "inbox thing", "tags": ["q4"]})).await;
        let cases = [
            (format!("list_id={}", work["id"]), vec!["report", "slides"]),
            (
                format!("list_id={}&parent_id=none", work["id"]),
                vec!["report"],
            ),
            ("list_id=none".to_string(), vec!["inbox thing"]),
            (format!("parent_id={}&tag=q4", report["id"]), vec!["slides"]),
            (
                "parent_id=none&tag=q4&q=thing".to_string(),
                vec!["inbox thing"],
            ),
        ];
        for (query, expected) in cases {
            let response = get(&server, &format!("{TASKS}?{query}&sort=title")).await;
            assert_eq!(titles(&response), expected, "{query}");
            assert_eq!(
                response
                    .header("x-total-count")
                    .to_str()
                    .unwrap_or_default(),
                expected.len().to_string(),
                "{query}"
            );
        }
        let bad = get(&server, &format!("{TASKS}?list_id=inbox&parent_id=-1")).await;
        assert_redacted_snapshot!("bad_list_and_parent_filters", snapshot_of(&bad));
    })
    .await;
}

#[tokio::test]
async fn the_feed_carries_list_events_and_the_tools_know_lists() {
    with_app(|server, _ctx| async move {
        let list = new_list(&server, "Groceries").await;
        patch(
            &server,
            &format!("{LISTS}/{}", list["id"]),
            json!({"color": "#00ff00"}),
        )
        .await;
        let feed = get(&server, &format!("/api/{ALICE}/events")).await;
        assert_redacted_snapshot!("list_events", snapshot_of(&feed));

        // MCP: a list by name, list_lists, the filters.
        let added = call_ok(
            &server,
            ALICE,
            "add_task",
            json!({"title": "milk", "list": "groceries"}),
        )
        .await;
        assert_eq!(added["list_id"], list["id"]);
        let lists = call(&server, ALICE, "list_lists", json!({})).await;
        assert_redacted_snapshot!("mcp_list_lists", lists);
        let sub = call_ok(
            &server,
            ALICE,
            "add_task",
            json!({"title": "oat", "parent_id": added["id"]}),
        )
        .await;
        let listed = call_ok(
            &server,
            ALICE,
            "list_tasks",
            json!({"parent_id": added["id"]}),
        )
        .await;
        assert_eq!(listed["tasks"][0]["id"], sub["id"]);
        let moved = call_ok(
            &server,
            ALICE,
            "update_task",
            json!({"task_id": added["id"], "list_id": null}),
        )
        .await;
        assert_eq!(moved["list_id"], Value::Null);
        let unknown = call(
            &server,
            ALICE,
            "add_task",
            json!({"title": "x", "list": "Nowhere"}),
        )
        .await;
        assert_eq!(unknown["result"]["isError"], true, "{unknown}");
    })
    .await;
}
