//! Every task route: success, no token, another user's path, another user's
//! task, invalid input.

use serde_json::{json, Value};

use crate::support::{
    assert_redacted_snapshot, create_task, snapshot_of, token, with_app, ALICE, BOB,
};

fn task_path(user: &str, id: &Value) -> String {
    format!("/api/{user}/tasks/{id}")
}

#[tokio::test]
async fn create_task_returns_201_with_location() {
    with_app(|server, _ctx| async move {
        let response = server
            .post(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer(token(ALICE))
            .json(&json!({
                "title": "  Buy milk  ",
                "description": "2 litres",
                "priority": "high",
                "due_date": "2026-12-01T10:00:00+01:00",
                // Ignored: ownership and ids come from the server.
                "id": 999,
                "user_id": BOB,
                "created_at": "2000-01-01T00:00:00Z",
            }))
            .await;
        assert_eq!(response.status_code(), 201);
        let body: Value = response.json();
        assert_eq!(body["user_id"], ALICE);
        assert_ne!(body["id"], 999);
        let location = response.header("location");
        assert_eq!(
            location.to_str().unwrap(),
            format!("/api/{ALICE}/tasks/{}", body["id"])
        );
        assert_eq!(body["created_at"], body["updated_at"]);
        assert_redacted_snapshot!("create_success", snapshot_of(&response));

        // Defaults: medium priority, not completed, nulls.
        let minimal = create_task(&server, ALICE, json!({"title": "x"})).await;
        assert_redacted_snapshot!("create_minimal", &minimal);

        // Created completed: completed_at is set.
        let done = create_task(&server, ALICE, json!({"title": "done", "completed": true})).await;
        assert!(done["completed_at"].is_string());
    })
    .await;
}

#[tokio::test]
async fn create_task_refusals() {
    with_app(|server, _ctx| async move {
        let path = format!("/api/{ALICE}/tasks");
        let missing = server.post(&path).json(&json!({"title": "x"})).await;
        assert_eq!(missing.status_code(), 401);
        assert_redacted_snapshot!("create_missing_token", snapshot_of(&missing));

        let foreign = server
            .post(&path)
            .authorization_bearer(token(BOB))
            .json(&json!({"title": "x"}))
            .await;
        assert_eq!(foreign.status_code(), 403);
        assert_redacted_snapshot!("create_other_users_path", snapshot_of(&foreign));

        let invalid = server
            .post(&path)
            .authorization_bearer(token(ALICE))
            .json(&json!({"title": "   ", "priority": "urgent", "completed": "yes"}))
            .await;
        assert_eq!(invalid.status_code(), 422);
        assert_redacted_snapshot!("create_invalid_body", snapshot_of(&invalid));

        // Nothing was written by any of them.
        let list = server.get(&path).authorization_bearer(token(ALICE)).await;
        assert_eq!(list.json::<Value>(), json!([]));
    })
    .await;
}

#[tokio::test]
async fn get_task() {
    with_app(|server, _ctx| async move {
        let task = create_task(&server, ALICE, json!({"title": "Mine"})).await;
        let theirs = create_task(&server, BOB, json!({"title": "Bob's"})).await;
        let path = task_path(ALICE, &task["id"]);

        let ok = server.get(&path).authorization_bearer(token(ALICE)).await;
        assert_eq!(ok.status_code(), 200);
        assert_eq!(ok.json::<Value>(), task);
        assert_redacted_snapshot!("get_success", snapshot_of(&ok));

        let missing = server.get(&path).await;
        assert_eq!(missing.status_code(), 401);
        assert_redacted_snapshot!("get_missing_token", snapshot_of(&missing));

        let foreign_path = server.get(&path).authorization_bearer(token(BOB)).await;
        assert_eq!(foreign_path.status_code(), 403);

        // Bob's task through Alice's path: not found, exactly like a task
        // that does not exist.
        let foreign_task = server
            .get(&task_path(ALICE, &theirs["id"]))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(foreign_task.status_code(), 404);
        assert_redacted_snapshot!("get_other_users_task", snapshot_of(&foreign_task));
        let nonexistent = server
            .get(&task_path(ALICE, &json!(987_654)))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(nonexistent.text(), foreign_task.text());

        // An id that is not a positive integer is just another missing task.
        for bad in ["abc", "0", "-1", "1.5", "99999999999999999999999", "1e3"] {
            let response = server
                .get(&format!("/api/{ALICE}/tasks/{bad}"))
                .authorization_bearer(token(ALICE))
                .await;
            assert_eq!(response.status_code(), 404, "id {bad}");
        }
    })
    .await;
}

#[tokio::test]
async fn update_task_with_put_and_patch() {
    with_app(|server, _ctx| async move {
        let task = create_task(
            &server,
            ALICE,
            json!({"title": "Draft", "description": "old", "due_date": "2026-12-01"}),
        )
        .await;
        let path = task_path(ALICE, &task["id"]);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;

        let put = server
            .put(&path)
            .authorization_bearer(token(ALICE))
            .json(&json!({"title": "Final", "priority": "low", "user_id": BOB}))
            .await;
        assert_eq!(put.status_code(), 200);
        let updated: Value = put.json();
        assert_eq!(updated["title"], "Final");
        assert_eq!(updated["description"], "old", "absent fields stay");
        assert_eq!(updated["user_id"], ALICE, "ownership never changes");
        assert_ne!(
            updated["updated_at"], task["updated_at"],
            "updated_at moves"
        );
        assert_eq!(updated["created_at"], task["created_at"]);
        assert_redacted_snapshot!("put_success", snapshot_of(&put));

        // PATCH is the same; null clears description and due_date.
        let patch = server
            .patch(&path)
            .authorization_bearer(token(ALICE))
            .json(&json!({"description": null, "due_date": null, "completed": true}))
            .await;
        assert_eq!(patch.status_code(), 200);
        let patched: Value = patch.json();
        assert_eq!(patched["description"], Value::Null);
        assert_eq!(patched["due_date"], Value::Null);
        assert_eq!(patched["completed"], true);
        assert!(patched["completed_at"].is_string(), "completed_at follows");
        assert_redacted_snapshot!("patch_success", snapshot_of(&patch));
    })
    .await;
}

#[tokio::test]
async fn update_task_refusals() {
    with_app(|server, _ctx| async move {
        let task = create_task(&server, ALICE, json!({"title": "Mine"})).await;
        let theirs = create_task(&server, BOB, json!({"title": "Bob's"})).await;
        let path = task_path(ALICE, &task["id"]);

        let missing = server.put(&path).json(&json!({"title": "x"})).await;
        assert_eq!(missing.status_code(), 401);

        let foreign_path = server
            .patch(&path)
            .authorization_bearer(token(BOB))
            .json(&json!({"title": "x"}))
            .await;
        assert_eq!(foreign_path.status_code(), 403);

        let foreign_task = server
            .put(&task_path(ALICE, &theirs["id"]))
            .authorization_bearer(token(ALICE))
            .json(&json!({"title": "hijacked"}))
            .await;
        assert_eq!(foreign_task.status_code(), 404);

        let nulls = server
            .patch(&path)
            .authorization_bearer(token(ALICE))
            .json(&json!({"title": null, "completed": null, "priority": null}))
            .await;
        assert_eq!(nulls.status_code(), 422);
        assert_redacted_snapshot!("update_null_required_fields", snapshot_of(&nulls));

        let not_object = server
            .put(&path)
            .authorization_bearer(token(ALICE))
            .json(&json!(["title"]))
            .await;
        assert_eq!(not_object.status_code(), 422);
        assert_redacted_snapshot!("update_body_not_an_object", snapshot_of(&not_object));

        // Nothing changed, for either user.
        let mine = server.get(&path).authorization_bearer(token(ALICE)).await;
        assert_eq!(mine.json::<Value>(), task);
        let bobs = server
            .get(&task_path(BOB, &theirs["id"]))
            .authorization_bearer(token(BOB))
            .await;
        assert_eq!(bobs.json::<Value>(), theirs);
    })
    .await;
}

#[tokio::test]
async fn delete_task() {
    with_app(|server, _ctx| async move {
        let task = create_task(&server, ALICE, json!({"title": "Mine"})).await;
        let theirs = create_task(&server, BOB, json!({"title": "Bob's"})).await;
        let path = task_path(ALICE, &task["id"]);

        let missing = server.delete(&path).await;
        assert_eq!(missing.status_code(), 401);
        let foreign_path = server.delete(&path).authorization_bearer(token(BOB)).await;
        assert_eq!(foreign_path.status_code(), 403);
        let foreign_task = server
            .delete(&task_path(ALICE, &theirs["id"]))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(foreign_task.status_code(), 404);
        assert_redacted_snapshot!("delete_other_users_task", snapshot_of(&foreign_task));

        let ok = server
            .delete(&path)
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(ok.status_code(), 204);
        assert_eq!(ok.text(), "");
        let again = server
            .delete(&path)
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(again.status_code(), 404);
        let gone = server.get(&path).authorization_bearer(token(ALICE)).await;
        assert_eq!(gone.status_code(), 404);

        // Bob's task survived Alice's attempt.
        let bobs = server
            .get(&task_path(BOB, &theirs["id"]))
            .authorization_bearer(token(BOB))
            .await;
        assert_eq!(bobs.status_code(), 200);
    })
    .await;
}

#[tokio::test]
async fn complete_toggles_and_sets() {
    with_app(|server, _ctx| async move {
        let task = create_task(&server, ALICE, json!({"title": "Mine"})).await;
        let path = format!("{}/complete", task_path(ALICE, &task["id"]));

        // No body: toggle on, then off.
        let on = server.patch(&path).authorization_bearer(token(ALICE)).await;
        assert_eq!(on.status_code(), 200);
        let on: Value = on.json();
        assert_eq!(on["completed"], true);
        assert!(on["completed_at"].is_string());

        // Setting true again is idempotent: completed_at does not move.
        let set = server
            .patch(&path)
            .authorization_bearer(token(ALICE))
            .json(&json!({"completed": true}))
            .await;
        assert_eq!(set.status_code(), 200);
        let set_body: Value = set.json();
        assert_eq!(set_body["completed"], true);
        assert_eq!(set_body["completed_at"], on["completed_at"]);
        assert_redacted_snapshot!("complete_set_true", snapshot_of(&set));

        let off = server.patch(&path).authorization_bearer(token(ALICE)).await;
        let off: Value = off.json();
        assert_eq!(off["completed"], false);
        assert_eq!(off["completed_at"], Value::Null);

        let set_false = server
            .patch(&path)
            .authorization_bearer(token(ALICE))
            .json(&json!({"completed": false}))
            .await;
        assert_eq!(set_false.json::<Value>()["completed"], false);

        // An empty object toggles like no body.
        let empty = server
            .patch(&path)
            .authorization_bearer(token(ALICE))
            .json(&json!({}))
            .await;
        assert_eq!(empty.json::<Value>()["completed"], true);
    })
    .await;
}

#[tokio::test]
async fn complete_refusals() {
    with_app(|server, _ctx| async move {
        let task = create_task(&server, ALICE, json!({"title": "Mine"})).await;
        let theirs = create_task(&server, BOB, json!({"title": "Bob's"})).await;
        let path = format!("{}/complete", task_path(ALICE, &task["id"]));

        assert_eq!(server.patch(&path).await.status_code(), 401);
        assert_eq!(
            server
                .patch(&path)
                .authorization_bearer(token(BOB))
                .await
                .status_code(),
            403
        );
        let foreign_task = server
            .patch(&format!("{}/complete", task_path(ALICE, &theirs["id"])))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(foreign_task.status_code(), 404);

        let invalid = server
            .patch(&path)
            .authorization_bearer(token(ALICE))
            .json(&json!({"completed": "yes"}))
            .await;
        assert_eq!(invalid.status_code(), 422);
        assert_redacted_snapshot!("complete_invalid_body", snapshot_of(&invalid));

        let null = server
            .patch(&path)
            .authorization_bearer(token(ALICE))
            .json(&json!({"completed": null}))
            .await;
        assert_eq!(null.status_code(), 422);

        // Neither task moved.
        let mine = server
            .get(&task_path(ALICE, &task["id"]))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(mine.json::<Value>(), task);
        let bobs = server
            .get(&task_path(BOB, &theirs["id"]))
            .authorization_bearer(token(BOB))
            .await;
        assert_eq!(bobs.json::<Value>(), theirs);
    })
    .await;
}
