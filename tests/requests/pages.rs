//! Pages and search: keyset cursors that visit every task exactly once, in
//! order, for every sort, while tasks are being added; `q` the same on both
//! databases.

use std::collections::HashSet;

use chrono::{TimeDelta, TimeZone, Utc};
use sea_orm::{ActiveValue, EntityTrait};
use serde_json::{json, Value};
use todo_api::models::tasks::{self, search_text};

use crate::support::{
    assert_redacted_snapshot, create_task, snapshot_of, token, with_app, ALICE, BOB,
};

/// The `rel="next"` target of a `Link` header.
fn next_link(response: &axum_test::TestResponse) -> Option<String> {
    let link = response.maybe_header("link")?;
    let link = link.to_str().ok()?;
    let start = link.find('<')? + 1;
    let end = link.find('>')?;
    assert!(link.ends_with("rel=\"next\""), "{link}");
    Some(link[start..end].to_string())
}

/// A task row as the walk expects to meet it.
#[derive(Clone)]
struct Seeded {
    id: i64,
    created_ms: i64,
    title: String,
    priority: i16,
    due_ms: Option<i64>,
}

/// Inserts `count` tasks straight through the model layer, with many ties
/// on every sort key so the id tie-break is exercised.
async fn seed(db: &sea_orm::DatabaseConnection, owner: &str, count: usize) -> Vec<Seeded> {
    let base = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut rows = Vec::with_capacity(count);
    for i in 0..count {
        let i64i = i64::try_from(i).unwrap();
        // Ten tasks share each creation time; titles repeat every 997.
        let created = (base + TimeDelta::seconds(i64i / 10)).fixed_offset();
        let title = format!("task {:04}", (i * 7) % 997);
        let due = (i % 3 != 0).then(|| (base + TimeDelta::days(i64i % 50)).fixed_offset());
        rows.push(tasks::ActiveModel {
            user_id: ActiveValue::Set(owner.to_string()),
            search_text: ActiveValue::Set(search_text(&title, None)),
            title: ActiveValue::Set(title),
            description: ActiveValue::Set(None),
            completed: ActiveValue::Set(i % 4 == 0),
            priority: ActiveValue::Set(i16::try_from(i % 3).unwrap()),
            due_date: ActiveValue::Set(due),
            completed_at: ActiveValue::Set(None),
            created_at: ActiveValue::Set(created),
            updated_at: ActiveValue::Set(created),
            version: ActiveValue::Set(1),
            ..Default::default()
        });
    }
    for chunk in rows.chunks(500) {
        tasks::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .expect("seed insert");
    }
    let stored = tasks::Entity::find().all(db).await.expect("read back");
    stored
        .into_iter()
        .filter(|t| t.user_id == owner)
        .map(|t| Seeded {
            id: t.id,
            created_ms: t.created_at.timestamp_millis(),
            title: t.title,
            priority: t.priority,
            due_ms: t.due_date.map(|d| d.timestamp_millis()),
        })
        .collect()
}

/// The order the API promises, computed independently of the database:
/// by the sort key then id, both in the requested direction; undated tasks
/// last in both directions.
fn expected_order(rows: &[Seeded], sort: &str, order: &str) -> Vec<i64> {
    let desc = order == "desc";
    let directed = |ordering: std::cmp::Ordering| if desc { ordering.reverse() } else { ordering };
    let (mut keyed, mut undated): (Vec<Seeded>, Vec<Seeded>) = rows
        .iter()
        .cloned()
        .partition(|r| sort != "due_date" || r.due_ms.is_some());
    keyed.sort_by(|a, b| {
        let by_key = match sort {
            "created" | "updated" => a.created_ms.cmp(&b.created_ms),
            "title" => a.title.cmp(&b.title),
            "priority" => a.priority.cmp(&b.priority),
            "due_date" => a.due_ms.cmp(&b.due_ms),
            other => panic!("sort {other}"),
        };
        directed(by_key.then(a.id.cmp(&b.id)))
    });
    undated.sort_by(|a, b| directed(a.id.cmp(&b.id)));
    keyed.into_iter().chain(undated).map(|r| r.id).collect()
}

#[tokio::test]
async fn walking_10000_tasks_visits_each_once_in_order_for_every_sort() {
    with_app(|server, ctx| async move {
        let rows = seed(&ctx.db, ALICE, 10_000).await;
        assert_eq!(rows.len(), 10_000);
        let seeded: HashSet<i64> = rows.iter().map(|r| r.id).collect();
        let mut added = 0;
        for sort in ["created", "updated", "title", "due_date", "priority"] {
            for order in ["asc", "desc"] {
                let expected = expected_order(&rows, sort, order);
                let mut seen = Vec::with_capacity(10_000);
                let mut next = Some(format!(
                    "/api/{ALICE}/tasks?sort={sort}&order={order}&limit=100"
                ));
                let mut pages = 0;
                while let Some(path) = next {
                    let response = server.get(&path).authorization_bearer(token(ALICE)).await;
                    assert_eq!(response.status_code(), 200, "{path}: {}", response.text());
                    let body: Value = response.json();
                    let page = body.as_array().expect("array");
                    assert!(page.len() <= 100);
                    seen.extend(page.iter().map(|t| t["id"].as_i64().expect("id")));
                    next = next_link(&response);
                    pages += 1;
                    assert!(pages < 200, "the walk does not end");
                    // Tasks keep arriving while the client pages.
                    if pages % 10 == 0 {
                        create_task(
                            &server,
                            ALICE,
                            json!({"title": format!("new {added}"), "due_date": "2026-01-20"}),
                        )
                        .await;
                        added += 1;
                    }
                }
                let originals: Vec<i64> = seen
                    .iter()
                    .copied()
                    .filter(|id| seeded.contains(id))
                    .collect();
                assert_eq!(originals.len(), 10_000, "{sort} {order}: every task once");
                assert_eq!(originals, expected, "{sort} {order}: in order");
                let unique: HashSet<i64> = seen.iter().copied().collect();
                assert_eq!(unique.len(), seen.len(), "{sort} {order}: no task twice");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn pages_headers_and_limits() {
    with_app(|server, _ctx| async move {
        for i in 0..5 {
            create_task(&server, ALICE, json!({"title": format!("t{i}")})).await;
        }
        create_task(&server, BOB, json!({"title": "bob"})).await;
        let first = server
            .get(&format!("/api/{ALICE}/tasks?limit=2&status=pending"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(first.status_code(), 200);
        assert_eq!(first.header("x-total-count").to_str().unwrap(), "5");
        let link = first.header("link").to_str().unwrap().to_string();
        assert!(
            link.starts_with(&format!(
                "</api/{ALICE}/tasks?limit=2&status=pending&cursor="
            )),
            "{link}"
        );
        let second = server
            .get(&next_link(&first).unwrap())
            .authorization_bearer(token(ALICE))
            .await;
        let third = server
            .get(&next_link(&second).unwrap())
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(third.json::<Value>().as_array().unwrap().len(), 1);
        assert!(
            third.maybe_header("link").is_none(),
            "no next after the last page"
        );

        // Limits and cursors that are not valid are 422s.
        let cases = [
            "limit=0",
            "limit=1001",
            "limit=-1",
            "limit=ten",
            "cursor=garbage",
            "cursor=eyJrIjoieCIsImkiOjEsImYiOiJ4In0",
        ];
        for query in cases {
            let response = server
                .get(&format!("/api/{ALICE}/tasks?{query}"))
                .authorization_bearer(token(ALICE))
                .await;
            assert_eq!(response.status_code(), 422, "{query}");
        }
        // A cursor of one sort used with another is refused, not misread.
        let cursor_link = next_link(&first).unwrap();
        let response = server
            .get(&format!("{cursor_link}&sort=title").replace("status=pending&", ""))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(response.status_code(), 422);
        assert_redacted_snapshot!("foreign_cursor", snapshot_of(&response));
        let full = server
            .get(&format!("/api/{ALICE}/tasks?limit=1000"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(full.json::<Value>().as_array().unwrap().len(), 5);
    })
    .await;
}

#[tokio::test]
async fn search_is_case_insensitive_and_literal() {
    with_app(|server, _ctx| async move {
        for (title, description) in [
            ("Buy MILK", None),
            ("Café crème", Some("Été à Paris")),
            ("100% done", None),
            ("100 done", None),
            ("snake_case", None),
            ("snakeXcase", None),
            ("back\\slash", None),
            ("Straße", Some("über alles")),
            ("plain", Some("mentions milk in the description")),
        ] {
            create_task(
                &server,
                ALICE,
                json!({"title": title, "description": description}),
            )
            .await;
        }
        create_task(&server, BOB, json!({"title": "Bob's milk"})).await;
        // (q, titles found, newest first)
        let cases: Vec<(&str, Vec<&str>)> = vec![
            ("milk", vec!["plain", "Buy MILK"]),
            ("MiLk", vec!["plain", "Buy MILK"]),
            ("CAFÉ", vec!["Café crème"]),
            ("été", vec!["Café crème"]),
            ("ÉTÉ À", vec!["Café crème"]),
            ("STRASSE", vec![]),
            ("straße", vec!["Straße"]),
            ("ÜBER", vec!["Straße"]),
            ("%", vec!["100% done"]),
            ("100%", vec!["100% done"]),
            ("_", vec!["snake_case"]),
            ("e_c", vec!["snake_case"]),
            ("\\", vec!["back\\slash"]),
            ("nothing like this", vec![]),
            (
                "",
                vec![
                    "plain",
                    "Straße",
                    "back\\slash",
                    "snakeXcase",
                    "snake_case",
                    "100 done",
                    "100% done",
                    "Café crème",
                    "Buy MILK",
                ],
            ),
        ];
        for (q, expected) in cases {
            let response = server
                .get(&format!("/api/{ALICE}/tasks"))
                .add_query_param("q", q)
                .authorization_bearer(token(ALICE))
                .await;
            assert_eq!(response.status_code(), 200, "q={q}");
            let titles: Vec<String> = response
                .json::<Value>()
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["title"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(titles, expected, "q={q}");
            assert_eq!(
                response.header("x-total-count").to_str().unwrap(),
                expected.len().to_string(),
                "q={q}"
            );
        }
        // Search combines with the status filter and pages.
        let response = server
            .get(&format!("/api/{ALICE}/tasks?q=done&limit=1&status=pending"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(response.header("x-total-count").to_str().unwrap(), "2");
        let next = next_link(&response).unwrap();
        let second = server.get(&next).authorization_bearer(token(ALICE)).await;
        assert_eq!(second.json::<Value>()[0]["title"], "100% done");
        // The next page keeps a search that must be encoded (a space, `%`,
        // `&`, `+`, `=`, `#`, non-ASCII), and the cursor.
        for q in [
            "zq é à",
            "zq 100%",
            "zq a&b",
            "zq c+d",
            "zq x=y",
            "zq #1 été",
        ] {
            for title in [format!("{q} one"), format!("{q} two")] {
                create_task(&server, ALICE, json!({ "title": title })).await;
            }
            let first = server
                .get(&format!("/api/{ALICE}/tasks?limit=1"))
                .add_query_param("q", q)
                .authorization_bearer(token(ALICE))
                .await;
            assert_eq!(first.json::<Value>()[0]["title"], format!("{q} two"));
            let next = next_link(&first).unwrap();
            let second = server.get(&next).authorization_bearer(token(ALICE)).await;
            assert_eq!(second.status_code(), 200, "{next}");
            assert_eq!(
                second.json::<Value>()[0]["title"],
                format!("{q} one"),
                "{next}"
            );
            assert!(next_link(&second).is_none(), "{next}");
        }
        // An updated title is searchable at once.
        let id = response.json::<Value>()[0]["id"].clone();
        server
            .patch(&format!("/api/{ALICE}/tasks/{id}"))
            .authorization_bearer(token(ALICE))
            .json(&json!({"title": "renamed"}))
            .await;
        let renamed = server
            .get(&format!("/api/{ALICE}/tasks?q=RENAMED"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(renamed.json::<Value>().as_array().unwrap().len(), 1);

        let too_long = server
            .get(&format!("/api/{ALICE}/tasks?q={}", "x".repeat(201)))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(too_long.status_code(), 422);
    })
    .await;
}
