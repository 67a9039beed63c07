//! Tags: on every task body and response, the `tag` filter of the list, and
//! the tag routes (index with counts, rename, delete), with their refusals.

use serde_json::{json, Value};

use crate::support::{
    assert_redacted_snapshot, create_task, snapshot_of, token, with_app, ALICE, BOB,
};

fn tasks_path(user: &str) -> String {
    format!("/api/{user}/tasks")
}

async fn get_json(server: &loco_rs::TestServer, user: &str, path: &str) -> Value {
    let response = server.get(path).authorization_bearer(token(user)).await;
    assert_eq!(response.status_code(), 200, "{path}: {}", response.text());
    response.json()
}

#[tokio::test]
async fn tags_are_normalised_on_every_write() {
    with_app(|server, _ctx| async move {
        let created = server
            .post(&tasks_path(ALICE))
            .authorization_bearer(token(ALICE))
            .json(&json!({"title": "report", "tags": [" Work ", "URGENT", "work", "Été"]}))
            .await;
        assert_eq!(created.status_code(), 201);
        assert_redacted_snapshot!("create_with_tags", snapshot_of(&created));
        let task: Value = created.json();
        let path = format!("{}/{}", tasks_path(ALICE), task["id"]);

        // Absent: kept. A new list: replaces the set. null or []: clears.
        let kept = server
            .patch(&path)
            .authorization_bearer(token(ALICE))
            .json(&json!({"title": "the report"}))
            .await;
        assert_eq!(
            kept.json::<Value>()["tags"],
            json!(["urgent", "work", "été"])
        );
        let replaced = server
            .put(&path)
            .authorization_bearer(token(ALICE))
            .json(&json!({"tags": ["home"]}))
            .await;
        assert_eq!(replaced.json::<Value>()["tags"], json!(["home"]));
        for clear in [json!(null), json!([])] {
            let cleared = server
                .patch(&path)
                .authorization_bearer(token(ALICE))
                .json(&json!({ "tags": clear }))
                .await;
            assert_eq!(cleared.json::<Value>()["tags"], json!([]));
            let shown = get_json(&server, ALICE, &path).await;
            assert_eq!(shown["tags"], json!([]));
        }
        let untagged = create_task(&server, ALICE, json!({"title": "plain"})).await;
        assert_eq!(untagged["tags"], json!([]));
        assert_eq!(
            get_json(&server, ALICE, &format!("/api/{ALICE}/tags")).await,
            json!([])
        );
    })
    .await;
}

#[tokio::test]
async fn the_list_filters_by_every_given_tag() {
    with_app(|server, _ctx| async move {
        for (title, tags) in [
            ("a", json!(["work", "home"])),
            ("b", json!(["work"])),
            ("c", json!(["home"])),
            ("d", json!(["work", "home", "errand"])),
            ("e", json!([])),
        ] {
            create_task(&server, ALICE, json!({"title": title, "tags": tags})).await;
        }
        // Bob's task with the same tag never shows.
        create_task(&server, BOB, json!({"title": "bob", "tags": ["work"]})).await;

        let titles = |body: &Value| -> Vec<String> {
            body.as_array()
                .expect("an array")
                .iter()
                .map(|t| t["title"].as_str().expect("title").to_string())
                .collect()
        };
        let sorted = format!("{}?sort=title", tasks_path(ALICE));
        let work = get_json(&server, ALICE, &format!("{sorted}&tag=work")).await;
        assert_eq!(titles(&work), ["a", "b", "d"]);
        let both = server
            .get(&format!("{sorted}&tag=WORK&tag=%20home&tag=work"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(titles(&both.json()), ["a", "d"]);
        assert_redacted_snapshot!("list_by_two_tags", snapshot_of(&both));
        let none = get_json(&server, ALICE, &format!("{sorted}&tag=nothing")).await;
        assert_eq!(none, json!([]));

        // Pages, the count and other filters combine with it.
        let first = server
            .get(&format!("{sorted}&tag=work&limit=2"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(titles(&first.json()), ["a", "b"]);
        assert_eq!(first.header("x-total-count").to_str().unwrap(), "3");
        let link = first.header("link").to_str().unwrap().to_string();
        let next = link
            .trim_start_matches('<')
            .split('>')
            .next()
            .expect("a link")
            .to_string();
        assert!(next.contains("tag=work"), "{next}");
        let second = get_json(&server, ALICE, &next).await;
        assert_eq!(titles(&second), ["d"]);
        let searched = get_json(&server, ALICE, &format!("{sorted}&tag=home&q=D")).await;
        assert_eq!(titles(&searched), ["d"]);

        // A cursor of the unfiltered list does not fit the filtered one.
        let plain = server
            .get(&format!("{sorted}&limit=1"))
            .authorization_bearer(token(ALICE))
            .await;
        let plain_next = plain.header("link").to_str().unwrap().to_string();
        let cursor = plain_next.split("cursor=").nth(1).expect("cursor");
        let cursor = cursor.split('>').next().expect("cursor");
        let mixed = server
            .get(&format!("{sorted}&limit=1&tag=work&cursor={cursor}"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(mixed.status_code(), 422);

        let invalid = server
            .get(&format!("{sorted}&tag=%20%20&tag={}", "x".repeat(41)))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(invalid.status_code(), 422);
        assert_redacted_snapshot!("list_invalid_tag", snapshot_of(&invalid));
    })
    .await;
}

#[tokio::test]
async fn the_tag_index_rename_and_delete() {
    with_app(|server, _ctx| async move {
        let a = create_task(
            &server,
            ALICE,
            json!({"title": "a", "tags": ["work", "office"]}),
        )
        .await;
        let b = create_task(&server, ALICE, json!({"title": "b", "tags": ["work"]})).await;
        let c = create_task(
            &server,
            ALICE,
            json!({"title": "c", "tags": ["home", "two words"], "completed": true}),
        )
        .await;
        create_task(&server, BOB, json!({"title": "bob", "tags": ["work"]})).await;
        let bobs_before = get_json(&server, BOB, &tasks_path(BOB)).await;

        let index = server
            .get(&format!("/api/{ALICE}/tags"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(index.status_code(), 200);
        assert_redacted_snapshot!("tag_index", snapshot_of(&index));

        let task_path = |task: &Value| format!("{}/{}", tasks_path(ALICE), task["id"]);
        let etag = |response: &axum_test::TestResponse| {
            response.header("etag").to_str().unwrap().to_string()
        };
        let before_a = server
            .get(&task_path(&a))
            .authorization_bearer(token(ALICE))
            .await;
        let before_c = server
            .get(&task_path(&c))
            .authorization_bearer(token(ALICE))
            .await;

        // Past the millisecond the tasks were written in, so that a moved
        // `updated_at` shows.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        // Rename, merging into a tag a task already has; the path's name is
        // normalised like any tag.
        let renamed = server
            .patch(&format!("/api/{ALICE}/tags/WORK"))
            .authorization_bearer(token(ALICE))
            .json(&json!({"name": " Office "}))
            .await;
        assert_eq!(renamed.status_code(), 200);
        assert_redacted_snapshot!("tag_renamed", snapshot_of(&renamed));
        let after_a = server
            .get(&task_path(&a))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(after_a.json::<Value>()["tags"], json!(["office"]));
        assert_ne!(etag(&after_a), etag(&before_a), "the ETag changes");
        assert_ne!(
            after_a.json::<Value>()["updated_at"],
            before_a.json::<Value>()["updated_at"]
        );
        assert_eq!(
            get_json(&server, ALICE, &task_path(&b)).await["tags"],
            json!(["office"])
        );
        let after_c = server
            .get(&task_path(&c))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(
            etag(&after_c),
            etag(&before_c),
            "an untouched task keeps its ETag"
        );

        // A percent-encoded name.
        let spaced = server
            .delete(&format!("/api/{ALICE}/tags/two%20words"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(spaced.status_code(), 204);
        assert_redacted_snapshot!("tag_deleted", snapshot_of(&spaced));
        assert_eq!(
            get_json(&server, ALICE, &task_path(&c)).await["tags"],
            json!(["home"])
        );
        let gone = server
            .delete(&format!("/api/{ALICE}/tags/two%20words"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(gone.status_code(), 404);
        assert_redacted_snapshot!("tag_not_found", snapshot_of(&gone));

        let index = get_json(&server, ALICE, &format!("/api/{ALICE}/tags")).await;
        assert_eq!(
            index,
            json!([
                {"name": "home", "tasks": 1, "pending": 0},
                {"name": "office", "tasks": 2, "pending": 2},
            ])
        );
        // Bob's "work" is his own: untouched.
        assert_eq!(get_json(&server, BOB, &tasks_path(BOB)).await, bobs_before);
    })
    .await;
}

#[tokio::test]
async fn tag_route_refusals() {
    with_app(|server, _ctx| async move {
        create_task(&server, ALICE, json!({"title": "a", "tags": ["work"]})).await;
        create_task(&server, BOB, json!({"title": "b", "tags": ["private"]})).await;
        let tags = format!("/api/{ALICE}/tags");

        let missing = server.get(&tags).await;
        assert_eq!(missing.status_code(), 401);
        assert_redacted_snapshot!("tags_missing_token", snapshot_of(&missing));
        let foreign = server.get(&tags).authorization_bearer(token(BOB)).await;
        assert_eq!(foreign.status_code(), 403);
        assert_redacted_snapshot!("tags_other_users_path", snapshot_of(&foreign));

        // Bob's tag, through Alice's own path: not found, as if it did not
        // exist; and it still does.
        let bobs = server
            .patch(&format!("{tags}/private"))
            .authorization_bearer(token(ALICE))
            .json(&json!({"name": "mine"}))
            .await;
        assert_eq!(bobs.status_code(), 404);
        assert_eq!(
            get_json(&server, BOB, &format!("/api/{BOB}/tags")).await,
            json!([{"name": "private", "tasks": 1, "pending": 1}])
        );

        // Invalid bodies: 422 naming `name`, nothing renamed.
        let cases = [
            ("no name", json!({})),
            ("null name", json!({"name": null})),
            ("not a string", json!({"name": 5})),
            ("blank", json!({"name": "   "})),
            ("41 characters", json!({"name": "x".repeat(41)})),
            ("control character", json!({"name": "a\u{1}b"})),
            ("not an object", json!(["work"])),
        ];
        for (case, body) in cases {
            let response = server
                .patch(&format!("{tags}/work"))
                .authorization_bearer(token(ALICE))
                .json(&body)
                .await;
            assert_eq!(response.status_code(), 422, "case {case}");
            if case == "41 characters" {
                assert_redacted_snapshot!("tag_rename_invalid", snapshot_of(&response));
            }
        }
        assert_eq!(
            get_json(&server, ALICE, &tags).await,
            json!([{"name": "work", "tasks": 1, "pending": 1}])
        );
        // The body is checked before the tag: an invalid body on a missing
        // tag is a 422, like the task routes.
        let order = server
            .patch(&format!("{tags}/missing"))
            .authorization_bearer(token(ALICE))
            .json(&json!({"name": 5}))
            .await;
        assert_eq!(order.status_code(), 422);
    })
    .await;
}
