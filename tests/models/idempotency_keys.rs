//! The idempotent create, one model call: created once, replayed, refused
//! for another body, reported as running; and the purge of expired keys.

use chrono::{TimeDelta, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue, ConnectionTrait, EntityTrait, PaginatorTrait};
use serde_json::json;
use todo_api::models::{
    feed::Wakeups,
    idempotency_keys::{self, create_task_once, request_hash, IdempotentCreate, StoredResponse},
    task_input::NewTask,
    tasks,
};

use crate::support::{claim_key_as_running, with_app, ALICE, BOB};

fn answer(task: &tasks::Model) -> StoredResponse {
    StoredResponse {
        status: 201,
        body: format!("task {}", task.id),
        location: Some(format!("/tasks/{}", task.id)),
    }
}

#[tokio::test]
async fn created_once_then_replayed() {
    with_app(|_server, ctx| async move {
        let db = &ctx.db;
        let body = json!({"title": "pay rent"});
        let hash = request_hash(Some(&body));
        let task = || NewTask::from_json(Some(&body), None).expect("valid");

        let IdempotentCreate::Created(created) =
            create_task_once(db, &Wakeups::new(), ALICE, "k1", &hash, task(), answer)
                .await
                .expect("first")
        else {
            panic!("the first call creates");
        };
        match create_task_once(db, &Wakeups::new(), ALICE, "k1", &hash, task(), answer)
            .await
            .expect("retry")
        {
            IdempotentCreate::Replay(stored) => assert_eq!(stored, answer(&created)),
            other => panic!("expected a replay, got {other:?}"),
        }
        let other = request_hash(Some(&json!({"title": "other"})));
        assert!(matches!(
            create_task_once(db, &Wakeups::new(), ALICE, "k1", &other, task(), answer).await,
            Ok(IdempotentCreate::Mismatch)
        ));
        // Keys are per user.
        assert!(matches!(
            create_task_once(db, &Wakeups::new(), BOB, "k1", &hash, task(), answer).await,
            Ok(IdempotentCreate::Created(_))
        ));

        claim_key_as_running(db, ALICE, "k2", &body).await;
        assert!(matches!(
            create_task_once(db, &Wakeups::new(), ALICE, "k2", &hash, task(), answer).await,
            Ok(IdempotentCreate::InProgress)
        ));
        assert_eq!(tasks::Entity::find().count(db).await.expect("count"), 2);
    })
    .await;
}

#[tokio::test]
async fn a_failed_create_leaves_the_key_unused() {
    with_app(|_server, ctx| async move {
        let db = &ctx.db;
        let hash = request_hash(Some(&json!({"title": "x"})));
        // The create fails inside its transaction: its tags have no table
        // to go to.
        db.execute_unprepared("DROP TABLE task_tags")
            .await
            .expect("dropped");
        let broken =
            NewTask::from_json(Some(&json!({"title": "x", "tags": ["a"]})), None).expect("valid");
        assert!(
            create_task_once(db, &Wakeups::new(), ALICE, "k", &hash, broken, answer)
                .await
                .is_err()
        );
        let fine = NewTask::from_json(Some(&json!({"title": "x"})), None).expect("valid");
        assert!(matches!(
            create_task_once(db, &Wakeups::new(), ALICE, "k", &hash, fine, answer).await,
            Ok(IdempotentCreate::Created(_))
        ));
    })
    .await;
}

#[tokio::test]
async fn purge_deletes_only_expired_keys() {
    with_app(|_server, ctx| async move {
        let db = &ctx.db;
        let now = Utc::now().fixed_offset();
        for (key, age) in [("old", TimeDelta::hours(25)), ("new", TimeDelta::hours(1))] {
            idempotency_keys::ActiveModel {
                user_id: ActiveValue::Set(ALICE.to_string()),
                key: ActiveValue::Set(key.to_string()),
                request_hash: ActiveValue::Set("h".to_string()),
                state: ActiveValue::Set("completed".to_string()),
                created_at: ActiveValue::Set(now - age),
                updated_at: ActiveValue::Set(now - age),
                ..Default::default()
            }
            .insert(db)
            .await
            .expect("a key");
        }
        assert_eq!(
            idempotency_keys::Model::purge_expired(db)
                .await
                .expect("purge"),
            1
        );
        let left: Vec<String> = idempotency_keys::Entity::find()
            .all(db)
            .await
            .expect("keys")
            .into_iter()
            .map(|k| k.key)
            .collect();
        assert_eq!(left, ["new"]);
    })
    .await;
}
