//! Tags and repeating tasks at the model: rows and the joined column agree,
//! rename merges, delete and task deletion leave no stray rows, and a
//! completed repeating task gets exactly one successor.

use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;
use todo_api::models::{
    _entities::task_tags,
    dates::Tz,
    errors::DomainError,
    feed::Wakeups,
    tags::{self, TagCount},
    task_input::NewTask,
    task_list::TaskFilter,
    tasks::Model,
};

use crate::support::{with_app, ALICE, BOB};

fn task(body: serde_json::Value) -> NewTask {
    NewTask::from_json(Some(&body), None).expect("a valid task")
}

/// Creates a task for `owner` from an API body.
async fn create(db: &sea_orm::DatabaseConnection, owner: &str, body: serde_json::Value) -> Model {
    Model::create_for_user(db, &Wakeups::new(), owner, task(body))
        .await
        .expect("create")
}

#[tokio::test]
async fn rename_merges_and_delete_clears() {
    with_app(|_server, ctx| async move {
        let db = &ctx.db;
        let a = create(db, ALICE, json!({"title": "a", "tags": ["work", "office"]})).await;
        let b = create(db, ALICE, json!({"title": "b", "tags": ["Work"]})).await;
        create(db, BOB, json!({"title": "x", "tags": ["work"]})).await;
        assert_eq!(a.tags(), ["office", "work"]);

        let renamed = tags::rename_for_user(db, &Wakeups::new(), ALICE, "work", "OFFICE")
            .await
            .expect("rename");
        assert_eq!(
            renamed,
            TagCount {
                name: "office".into(),
                tasks: 2,
                pending: 2
            }
        );
        for id in [a.id, b.id] {
            let now = Model::find_for_user(db, ALICE, id).await.expect("found");
            assert_eq!(now.tags(), ["office"], "task {id}");
        }
        let a_after = Model::find_for_user(db, ALICE, a.id).await.expect("found");
        assert_eq!(a_after.version, a.version + 1, "the ETag changes");

        assert!(matches!(
            tags::rename_for_user(db, &Wakeups::new(), ALICE, "nothing", "x").await,
            Err(DomainError::NotFound)
        ));
        assert!(matches!(
            tags::rename_for_user(db, &Wakeups::new(), ALICE, "office", "   ").await,
            Err(DomainError::Invalid(_))
        ));
        tags::delete_for_user(db, &Wakeups::new(), ALICE, "office")
            .await
            .expect("delete");
        assert!(tags::index_for_user(db, ALICE)
            .await
            .expect("index")
            .is_empty());
        // Bob's rows are his own.
        assert_eq!(
            tags::index_for_user(db, BOB).await.expect("index"),
            [TagCount {
                name: "work".into(),
                tasks: 1,
                pending: 1
            }]
        );
        assert!(matches!(
            tags::delete_for_user(db, &Wakeups::new(), ALICE, "office").await,
            Err(DomainError::NotFound)
        ));
    })
    .await;
}

#[tokio::test]
async fn deleting_a_task_deletes_its_tag_rows() {
    with_app(|_server, ctx| async move {
        let db = &ctx.db;
        let doomed = create(db, ALICE, json!({"title": "d", "tags": ["a", "b"]})).await;
        assert_eq!(task_tags::Entity::find().count(db).await.expect("count"), 2);
        Model::delete_for_user(db, &Wakeups::new(), ALICE, doomed.id, None)
            .await
            .expect("delete");
        assert_eq!(task_tags::Entity::find().count(db).await.expect("count"), 0);
    })
    .await;
}

#[tokio::test]
async fn the_tag_filter_needs_every_tag() {
    with_app(|_server, ctx| async move {
        let db = &ctx.db;
        for (title, tags) in [
            ("a", json!(["x", "y"])),
            ("b", json!(["x"])),
            ("c", json!([])),
        ] {
            create(db, ALICE, json!({"title": title, "tags": tags})).await;
        }
        let filter = |query: &[(&str, &str)]| {
            let pairs: Vec<(String, String)> = query
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect();
            TaskFilter::from_query(&pairs, Tz::UTC).expect("a filter")
        };
        let both = Model::list_for_user(db, ALICE, &filter(&[("tag", "X"), ("tag", "y")]))
            .await
            .expect("list");
        assert_eq!(both.total, 1);
        assert_eq!(both.tasks[0].title, "a");
        let one = Model::list_for_user(db, ALICE, &filter(&[("tag", "x")]))
            .await
            .expect("list");
        assert_eq!(one.total, 2);
        let bob = Model::list_for_user(db, BOB, &filter(&[("tag", "x")]))
            .await
            .expect("list");
        assert_eq!(bob.total, 0);
    })
    .await;
}

#[tokio::test]
async fn a_completed_repeating_task_gets_one_successor() {
    with_app(|_server, ctx| async move {
        let db = &ctx.db;
        let first = create(
            db,
            ALICE,
            json!({
                "title": "standup", "due_date": "2099-01-05T09:00:00Z",
                "recurrence": "FREQ=WEEKLY;BYDAY=MO;COUNT=2",
                "remind_at": "2099-01-05T08:45:00Z", "tags": ["team"],
            }),
        )
        .await;
        let done =
            Model::set_completion_for_user(db, &Wakeups::new(), ALICE, first.id, Some(true), None)
                .await
                .expect("complete");
        let next_id = done.next_id.expect("a successor");
        let next = Model::find_for_user(db, ALICE, next_id)
            .await
            .expect("the successor");
        assert_eq!(
            next.due_date.map(|d| d.to_rfc3339()),
            Some("2099-01-12T09:00:00+00:00".into())
        );
        assert_eq!(
            next.remind_at.map(|d| d.to_rfc3339()),
            Some("2099-01-12T08:45:00+00:00".into())
        );
        assert_eq!(
            next.recurrence.as_deref(),
            Some("FREQ=WEEKLY;BYDAY=MO;COUNT=1")
        );
        assert_eq!(next.tags(), ["team"]);
        assert!(!next.completed && next.next_id.is_none());

        // Again: no second successor; the last of the count: none.
        Model::set_completion_for_user(db, &Wakeups::new(), ALICE, first.id, None, None)
            .await
            .expect("reopen");
        let again =
            Model::set_completion_for_user(db, &Wakeups::new(), ALICE, first.id, None, None)
                .await
                .expect("complete again");
        assert_eq!(again.next_id, Some(next_id));
        let last =
            Model::set_completion_for_user(db, &Wakeups::new(), ALICE, next_id, Some(true), None)
                .await
                .expect("complete the last");
        assert_eq!(last.next_id, None);
        let all = Model::list_for_user(db, ALICE, &TaskFilter::default())
            .await
            .expect("list");
        assert_eq!(all.total, 2);
    })
    .await;
}
