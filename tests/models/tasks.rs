//! Tasks: create, find, update, complete, delete, list, and the operator
//! counts, each with its refusals.

use chrono::{TimeZone, Utc};
use serde_json::json;
use todo_api::models::{
    dates::Tz,
    errors::DomainError,
    feed::Wakeups,
    priority::Priority,
    schema,
    task_input::{NewTask, TaskChanges},
    task_list::TaskFilter,
    tasks::{Model, OwnerCounts, Precondition},
};

use crate::support::{with_app, ALICE, BOB};

fn new_task(title: &str) -> NewTask {
    NewTask::from_json(Some(&json!({ "title": title })), None).expect("a valid task")
}

/// A precondition that names one entity tag, as `If-Match` would.
struct Is(String);

impl Precondition for Is {
    fn holds_for(&self, etag: &str) -> bool {
        self.0 == etag
    }
}

fn pairs(query: &[(&str, &str)]) -> Vec<(String, String)> {
    query
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

#[tokio::test]
async fn create_find_and_ownership() {
    with_app(|_server, ctx| async move {
        let db = &ctx.db;
        assert!(schema::pending_migrations(db)
            .await
            .expect("status")
            .is_empty());
        let task = Model::create_for_user(db, &Wakeups::new(), ALICE, new_task("  Buy milk "))
            .await
            .expect("create");
        assert_eq!(task.title, "Buy milk");
        assert_eq!(task.user_id, ALICE);
        assert_eq!(task.version, 1);
        assert_eq!(task.priority(), Priority::Medium);
        assert_eq!(task.search_text, "buy milk");
        assert_eq!(task.created_at, task.updated_at);

        let found = Model::find_for_user(db, ALICE, task.id)
            .await
            .expect("found");
        assert_eq!(found, task);
        // Another owner, or no such id: not found, alike.
        for (owner, id) in [(BOB, task.id), (ALICE, task.id + 1000)] {
            assert!(matches!(
                Model::find_for_user(db, owner, id).await,
                Err(DomainError::NotFound)
            ));
        }
    })
    .await;
}

#[tokio::test]
async fn updates_compare_and_set() {
    with_app(|_server, ctx| async move {
        let db = &ctx.db;
        let task = Model::create_for_user(db, &Wakeups::new(), ALICE, new_task("draft"))
            .await
            .expect("create");
        let changes = TaskChanges::from_json(Some(&json!({
            "title": "final", "description": "Words", "priority": "high",
            "due_date": "2026-12-24", "completed": true,
        })))
        .expect("valid changes");
        let updated =
            Model::update_for_user(db, &Wakeups::new(), ALICE, task.id, changes.clone(), None)
                .await
                .expect("update");
        assert_eq!(updated.title, "final");
        assert_eq!(updated.description.as_deref(), Some("Words"));
        assert_eq!(updated.priority(), Priority::High);
        assert_eq!(
            updated.due_date,
            Some(
                Utc.with_ymd_and_hms(2026, 12, 24, 0, 0, 0)
                    .unwrap()
                    .fixed_offset()
            )
        );
        assert!(updated.completed && updated.completed_at.is_some());
        assert_eq!(updated.version, 2);
        assert_eq!(updated.search_text, "final\nwords");
        assert!(updated.updated_at >= task.updated_at);

        // A stale precondition: refused, nothing changes.
        let stale = Is(task.etag());
        let clear = TaskChanges::from_json(Some(&json!({"description": null}))).expect("valid");
        assert!(matches!(
            Model::update_for_user(
                db,
                &Wakeups::new(),
                ALICE,
                task.id,
                clear.clone(),
                Some(&stale)
            )
            .await,
            Err(DomainError::PreconditionFailed)
        ));
        let current = Is(updated.etag());
        let cleared = Model::update_for_user(
            db,
            &Wakeups::new(),
            ALICE,
            task.id,
            clear.clone(),
            Some(&current),
        )
        .await
        .expect("the current version");
        assert_eq!(cleared.description, None);
        assert_eq!(cleared.version, 3);

        // Another owner's task is not found, and stays as it was.
        assert!(matches!(
            Model::update_for_user(db, &Wakeups::new(), BOB, task.id, changes, None).await,
            Err(DomainError::NotFound)
        ));
        assert_eq!(
            Model::find_for_user(db, ALICE, task.id)
                .await
                .expect("found"),
            cleared
        );
    })
    .await;
}

#[tokio::test]
async fn completion_toggles_and_sets() {
    with_app(|_server, ctx| async move {
        let db = &ctx.db;
        let task = Model::create_for_user(db, &Wakeups::new(), ALICE, new_task("laundry"))
            .await
            .expect("create");
        let done = Model::set_completion_for_user(db, &Wakeups::new(), ALICE, task.id, None, None)
            .await
            .expect("toggle");
        assert!(done.completed);
        let at = done.completed_at.expect("completed_at follows completed");
        // Setting what already holds keeps the time; reopening clears it.
        let again =
            Model::set_completion_for_user(db, &Wakeups::new(), ALICE, task.id, Some(true), None)
                .await
                .expect("set");
        assert_eq!(again.completed_at, Some(at));
        let reopened =
            Model::set_completion_for_user(db, &Wakeups::new(), ALICE, task.id, None, None)
                .await
                .expect("toggle back");
        assert!(!reopened.completed && reopened.completed_at.is_none());
        assert_eq!(reopened.version, 4);

        assert!(matches!(
            Model::set_completion_for_user(
                db,
                &Wakeups::new(),
                ALICE,
                task.id,
                None,
                Some(&Is(task.etag()))
            )
            .await,
            Err(DomainError::PreconditionFailed)
        ));
        assert!(matches!(
            Model::set_completion_for_user(db, &Wakeups::new(), BOB, task.id, Some(true), None)
                .await,
            Err(DomainError::NotFound)
        ));
    })
    .await;
}

#[tokio::test]
async fn deletes() {
    with_app(|_server, ctx| async move {
        let db = &ctx.db;
        let task = Model::create_for_user(db, &Wakeups::new(), ALICE, new_task("old"))
            .await
            .expect("create");
        assert!(matches!(
            Model::delete_for_user(db, &Wakeups::new(), BOB, task.id, None).await,
            Err(DomainError::NotFound)
        ));
        assert!(matches!(
            Model::delete_for_user(
                db,
                &Wakeups::new(),
                ALICE,
                task.id,
                Some(&Is("\"9-9\"".into()))
            )
            .await,
            Err(DomainError::PreconditionFailed)
        ));
        Model::delete_for_user(db, &Wakeups::new(), ALICE, task.id, Some(&Is(task.etag())))
            .await
            .expect("delete");
        assert!(matches!(
            Model::delete_for_user(db, &Wakeups::new(), ALICE, task.id, None).await,
            Err(DomainError::NotFound)
        ));
    })
    .await;
}

#[tokio::test]
async fn lists_filter_search_and_page() {
    with_app(|_server, ctx| async move {
        let db = &ctx.db;
        for title in ["alpha", "beta 50%", "gamma", "delta"] {
            Model::create_for_user(db, &Wakeups::new(), ALICE, new_task(title))
                .await
                .expect("create");
        }
        Model::create_for_user(db, &Wakeups::new(), BOB, new_task("bob's alpha"))
            .await
            .expect("create");
        let gamma = Model::list_for_user(
            db,
            ALICE,
            &TaskFilter::from_query(&pairs(&[("q", "GAM")]), Tz::UTC).expect("filter"),
        )
        .await
        .expect("list");
        assert_eq!(gamma.total, 1);
        assert_eq!(gamma.tasks[0].title, "gamma");
        let literal = Model::list_for_user(
            db,
            ALICE,
            &TaskFilter::from_query(&pairs(&[("q", "50%")]), Tz::UTC).expect("filter"),
        )
        .await
        .expect("list");
        assert_eq!(literal.tasks.len(), 1, "% is literal");

        // Pages by title: two, then two, then none; the count is all four.
        let mut filter =
            TaskFilter::from_query(&pairs(&[("sort", "title"), ("limit", "2")]), Tz::UTC)
                .expect("filter");
        let mut titles = Vec::new();
        for expected_total in [4, 4] {
            let page = Model::list_for_user(db, ALICE, &filter)
                .await
                .expect("list");
            assert_eq!(page.total, expected_total);
            titles.extend(page.tasks.iter().map(|t| t.title.clone()));
            match page.next {
                Some(next) => filter.after = Some(next),
                None => break,
            }
        }
        assert_eq!(titles, ["alpha", "beta 50%", "delta", "gamma"]);

        let done =
            TaskFilter::from_query(&pairs(&[("status", "completed")]), Tz::UTC).expect("filter");
        assert_eq!(
            Model::list_for_user(db, ALICE, &done)
                .await
                .expect("list")
                .total,
            0
        );
    })
    .await;
}

#[tokio::test]
async fn operator_counts_per_owner() {
    with_app(|_server, ctx| async move {
        let db = &ctx.db;
        for _ in 0..3 {
            Model::create_for_user(db, &Wakeups::new(), ALICE, new_task("a"))
                .await
                .expect("create");
        }
        let bobs = Model::create_for_user(db, &Wakeups::new(), BOB, new_task("b"))
            .await
            .expect("create");
        Model::set_completion_for_user(db, &Wakeups::new(), BOB, bobs.id, Some(true), None)
            .await
            .expect("complete");
        let counts = Model::counts_per_owner(db).await.expect("counts");
        assert_eq!(
            counts,
            [
                OwnerCounts {
                    user_id: ALICE.into(),
                    tasks: 3,
                    completed: 0
                },
                OwnerCounts {
                    user_id: BOB.into(),
                    tasks: 1,
                    completed: 1
                },
            ]
        );
    })
    .await;
}
