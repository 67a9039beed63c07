//! Writes that survive the network: `ETag`, `If-None-Match` (304),
//! `If-Match` (412), and idempotent creates with `Idempotency-Key`.

use serde_json::{json, Value};

use crate::support::{
    assert_redacted_snapshot, create_task, snapshot_of, token, with_app, ALICE, BOB,
};

#[tokio::test]
async fn etags_and_if_none_match() {
    with_app(|server, _ctx| async move {
        let created = server
            .post(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer(token(ALICE))
            .json(&json!({"title": "tagged"}))
            .await;
        let etag = created.header("etag").to_str().unwrap().to_string();
        assert!(
            etag.starts_with('"') && etag.ends_with('"'),
            "a strong tag: {etag}"
        );
        let path = format!("/api/{ALICE}/tasks/{}", created.json::<Value>()["id"]);

        let get = server.get(&path).authorization_bearer(token(ALICE)).await;
        assert_eq!(get.header("etag").to_str().unwrap(), etag);

        for value in [
            etag.clone(),
            format!("W/{etag}"),
            "*".to_string(),
            format!("\"x\", {etag}"),
        ] {
            let cached = server
                .get(&path)
                .authorization_bearer(token(ALICE))
                .add_header("if-none-match", value.clone())
                .await;
            assert_eq!(cached.status_code(), 304, "If-None-Match: {value}");
            assert_eq!(cached.text(), "");
            assert_eq!(cached.header("etag").to_str().unwrap(), etag);
        }

        let patched = server
            .patch(&path)
            .authorization_bearer(token(ALICE))
            .json(&json!({"priority": "high"}))
            .await;
        let new_etag = patched.header("etag").to_str().unwrap().to_string();
        assert_ne!(new_etag, etag, "a write changes the tag");
        let stale = server
            .get(&path)
            .authorization_bearer(token(ALICE))
            .add_header("if-none-match", etag.clone())
            .await;
        assert_eq!(stale.status_code(), 200);
        assert_eq!(stale.header("etag").to_str().unwrap(), new_etag);

        // Toggling changes it too, as does setting an unchanged value.
        let toggled = server
            .patch(&format!("{path}/complete"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_ne!(toggled.header("etag").to_str().unwrap(), new_etag);

        // 304 is only for the owner: others still get 403/404 first.
        let foreign = server
            .get(&path)
            .authorization_bearer(token(BOB))
            .add_header("if-none-match", "*")
            .await;
        assert_eq!(foreign.status_code(), 403);
    })
    .await;
}

#[tokio::test]
async fn if_match_guards_every_write() {
    with_app(|server, _ctx| async move {
        let task = create_task(&server, ALICE, json!({"title": "shared"})).await;
        let path = format!("/api/{ALICE}/tasks/{}", task["id"]);
        let etag = server
            .get(&path)
            .authorization_bearer(token(ALICE))
            .await
            .header("etag")
            .to_str()
            .unwrap()
            .to_string();

        // Client A writes with the current tag: fine.
        let first = server
            .put(&path)
            .authorization_bearer(token(ALICE))
            .add_header("if-match", etag.clone())
            .json(&json!({"title": "A's edit"}))
            .await;
        assert_eq!(first.status_code(), 200);

        // Client B still holds the old tag: every write is refused.
        let b_put = server
            .put(&path)
            .authorization_bearer(token(ALICE))
            .add_header("if-match", etag.clone())
            .json(&json!({"title": "B's edit"}))
            .await;
        assert_eq!(b_put.status_code(), 412);
        assert_redacted_snapshot!("if_match_stale", snapshot_of(&b_put));
        let b_patch = server
            .patch(&path)
            .authorization_bearer(token(ALICE))
            .add_header("if-match", etag.clone())
            .json(&json!({"title": "B's edit"}))
            .await;
        assert_eq!(b_patch.status_code(), 412);
        let b_complete = server
            .patch(&format!("{path}/complete"))
            .authorization_bearer(token(ALICE))
            .add_header("if-match", etag.clone())
            .await;
        assert_eq!(b_complete.status_code(), 412);
        let b_delete = server
            .delete(&path)
            .authorization_bearer(token(ALICE))
            .add_header("if-match", etag.clone())
            .await;
        assert_eq!(b_delete.status_code(), 412);
        let weak = server
            .put(&path)
            .authorization_bearer(token(ALICE))
            .add_header(
                "if-match",
                format!("W/{}", first.header("etag").to_str().unwrap()),
            )
            .json(&json!({"title": "weak"}))
            .await;
        assert_eq!(weak.status_code(), 412, "If-Match compares strongly");

        // Nothing B sent landed.
        let now = server.get(&path).authorization_bearer(token(ALICE)).await;
        let body: Value = now.json();
        assert_eq!(body["title"], "A's edit");
        assert_eq!(body["completed"], false);

        // With the current tag, or `*`, the writes go through.
        let current = now.header("etag").to_str().unwrap().to_string();
        let complete = server
            .patch(&format!("{path}/complete"))
            .authorization_bearer(token(ALICE))
            .add_header("if-match", current)
            .await;
        assert_eq!(complete.status_code(), 200);
        let delete = server
            .delete(&path)
            .authorization_bearer(token(ALICE))
            .add_header("if-match", "*")
            .await;
        assert_eq!(delete.status_code(), 204);

        // A missing task is a 404 before any precondition.
        let missing = server
            .put(&path)
            .authorization_bearer(token(ALICE))
            .add_header("if-match", "*")
            .json(&json!({"title": "x"}))
            .await;
        assert_eq!(missing.status_code(), 404);
    })
    .await;
}

fn idempotent_post(
    server: &loco_rs::TestServer,
    user: &str,
    key: &str,
    body: &Value,
) -> axum_test::TestRequest {
    server
        .post(&format!("/api/{user}/tasks"))
        .authorization_bearer(token(user))
        .add_header("idempotency-key", key.to_string())
        .json(body)
}

async fn count(server: &loco_rs::TestServer, user: &str) -> usize {
    server
        .get(&format!("/api/{user}/tasks"))
        .authorization_bearer(token(user))
        .await
        .json::<Value>()
        .as_array()
        .map_or(0, Vec::len)
}

#[tokio::test]
async fn idempotent_creates() {
    with_app(|server, _ctx| async move {
        let body = json!({"title": "pay rent", "priority": "high"});
        let first = idempotent_post(&server, ALICE, "key-1", &body).await;
        assert_eq!(first.status_code(), 201);

        // The same body, members reordered: the first answer again.
        let reordered: Value =
            serde_json::from_str(r#"{ "priority": "high", "title": "pay rent" }"#).unwrap();
        let retry = idempotent_post(&server, ALICE, "key-1", &reordered).await;
        assert_eq!(retry.status_code(), 201);
        assert_eq!(retry.text(), first.text());
        assert_eq!(retry.header("location"), first.header("location"));
        assert_eq!(count(&server, ALICE).await, 1);

        // The same key with another body is refused.
        let other = idempotent_post(&server, ALICE, "key-1", &json!({"title": "other"})).await;
        assert_eq!(other.status_code(), 422);
        assert_redacted_snapshot!("idempotency_key_reused", snapshot_of(&other));

        // Keys belong to one user.
        let bobs = idempotent_post(&server, BOB, "key-1", &body).await;
        assert_eq!(bobs.status_code(), 201);
        assert_eq!(bobs.json::<Value>()["user_id"], BOB);

        // A failed first attempt leaves the key unused.
        let invalid = idempotent_post(&server, ALICE, "key-2", &json!({"title": ""})).await;
        assert_eq!(invalid.status_code(), 422);
        let valid = idempotent_post(&server, ALICE, "key-2", &json!({"title": "fixed"})).await;
        assert_eq!(valid.status_code(), 201);

        // `X-Timezone` is part of what a body means: the same body from
        // another zone is another request; naming the zone in the body
        // instead is the same one.
        let dated = json!({"title": "call home", "due_date": "2026-12-24"});
        let from_berlin = idempotent_post(&server, ALICE, "key-3", &dated)
            .add_header("x-timezone", "Europe/Berlin")
            .await;
        assert_eq!(from_berlin.status_code(), 201);
        let from_tokyo = idempotent_post(&server, ALICE, "key-3", &dated)
            .add_header("x-timezone", "Asia/Tokyo")
            .await;
        assert_eq!(from_tokyo.status_code(), 422, "{}", from_tokyo.text());
        let named =
            json!({"title": "call home", "due_date": "2026-12-24", "time_zone": "Europe/Berlin"});
        let same = idempotent_post(&server, ALICE, "key-3", &named).await;
        assert_eq!(same.text(), from_berlin.text());

        // Malformed keys.
        for key in ["", "has space", &"k".repeat(256)] {
            let response = idempotent_post(&server, ALICE, key, &body).await;
            assert_eq!(response.status_code(), 422, "key {key:?}");
        }
        assert_eq!(count(&server, ALICE).await, 3);
    })
    .await;
}

#[tokio::test]
async fn racing_idempotent_creates_make_one_task() {
    with_app(|server, _ctx| async move {
        let body = json!({"title": "only once"});
        let requests = (0..20).map(|_| async {
            let response = idempotent_post(&server, ALICE, "race", &body).await;
            (response.status_code().as_u16(), response.text())
        });
        let results = futures::future::join_all(requests).await;
        let created: Vec<&(u16, String)> = results.iter().filter(|(s, _)| *s == 201).collect();
        assert!(!created.is_empty());
        assert!(
            results.iter().all(|(s, _)| *s == 201 || *s == 409),
            "only replays or in-progress conflicts: {results:?}"
        );
        // Every 201 is the same answer.
        assert!(created.iter().all(|(_, text)| text == &created[0].1));
        assert_eq!(count(&server, ALICE).await, 1);
    })
    .await;
}

/// The answers whose headers are the point: 304 with the ETag, 204, the
/// replayed 201 with its Location, the 409 with Retry-After, the 412, and a
/// page with its Link and X-Total-Count.
#[tokio::test]
async fn answers_and_their_headers() {
    with_app(|server, ctx| async move {
        let body = json!({"title": "once", "priority": "low"});
        let first = idempotent_post(&server, ALICE, "snap-1", &body).await;
        assert_eq!(first.status_code(), 201);
        let replay = idempotent_post(&server, ALICE, "snap-1", &body).await;
        assert_eq!(replay.text(), first.text());
        assert_redacted_snapshot!("idempotent_replay", snapshot_of(&replay));

        crate::support::claim_key_as_running(&ctx.db, ALICE, "snap-2", &body).await;
        let running = idempotent_post(&server, ALICE, "snap-2", &body).await;
        assert_eq!(running.status_code(), 409);
        assert_redacted_snapshot!("idempotency_key_in_progress", snapshot_of(&running));
        assert_eq!(count(&server, ALICE).await, 1, "the 409 created nothing");

        let task: Value = first.json();
        let path = format!("/api/{ALICE}/tasks/{}", task["id"]);
        let etag = first.header("etag").to_str().unwrap().to_string();
        let not_modified = server
            .get(&path)
            .authorization_bearer(token(ALICE))
            .add_header("if-none-match", etag.clone())
            .await;
        assert_eq!(not_modified.status_code(), 304);
        assert_redacted_snapshot!("not_modified", snapshot_of(&not_modified));

        let stale = server
            .delete(&path)
            .authorization_bearer(token(ALICE))
            .add_header("if-match", "\"99-0\"")
            .await;
        assert_eq!(stale.status_code(), 412);
        assert_redacted_snapshot!("delete_precondition_failed", snapshot_of(&stale));

        create_task(&server, ALICE, json!({"title": "second"})).await;
        let page = server
            .get(&format!("/api/{ALICE}/tasks?limit=1&sort=title"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(page.status_code(), 200);
        assert_redacted_snapshot!("first_of_two_pages", snapshot_of(&page));

        let deleted = server
            .delete(&path)
            .authorization_bearer(token(ALICE))
            .add_header("if-match", etag)
            .await;
        assert_eq!(deleted.status_code(), 204);
        assert_redacted_snapshot!("deleted", snapshot_of(&deleted));
    })
    .await;
}
