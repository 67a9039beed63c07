//! The authorization matrix (OWASP API1/API2): every route (tasks and tags)
//! against every way a caller can be the wrong one, with the exact status
//! each gets; and
//! afterwards the other user's tasks are byte for byte what they were.

use serde_json::{json, Value};

use crate::support::{jws, token, with_app, Signer, ALICE, BOB, SECRET};

/// A wrong caller: name, the path's user, the task id, the token, the
/// status expected on routes with a task id and on collection routes (0:
/// not applicable).
type Situation<'a> = (&'a str, &'a str, &'a Value, Option<String>, u16, u16);

/// Alice's tasks as Bob would see them... if he could: the raw list.
async fn tasks_of(server: &loco_rs::TestServer, user: &str) -> String {
    server
        .get(&format!("/api/{user}/tasks?limit=1000"))
        .authorization_bearer(token(user))
        .await
        .text()
}

async fn tags_of(server: &loco_rs::TestServer, user: &str) -> String {
    server
        .get(&format!("/api/{user}/tags"))
        .authorization_bearer(token(user))
        .await
        .text()
}

#[tokio::test]
async fn every_route_against_every_wrong_caller() {
    with_app(|server, _ctx| async move {
        let alices = crate::support::create_task(
            &server,
            ALICE,
            json!({"title": "alice's", "tags": ["alices-tag"]}),
        )
        .await;
        let bobs = crate::support::create_task(
            &server,
            BOB,
            json!({"title": "bob's", "tags": ["bobs-tag"]}),
        )
        .await;
        let (a, b) = (alices["id"].clone(), bobs["id"].clone());
        let before = tasks_of(&server, BOB).await;
        let bobs_tags = tags_of(&server, BOB).await;
        let expired = jws(
            &json!({"alg": "HS256"}),
            &json!({"sub": ALICE, "exp": crate::support::now() - 3600}),
            &Signer::Hs256(SECRET.as_bytes().to_vec()),
        );

        // (method, path for Alice's own path with {task}, body)
        let routes: Vec<(&str, &str, Option<Value>)> = vec![
            ("GET", "/api/{user}/tasks", None),
            ("POST", "/api/{user}/tasks", Some(json!({"title": "new"}))),
            ("GET", "/api/{user}/tasks/{task}", None),
            (
                "PUT",
                "/api/{user}/tasks/{task}",
                Some(json!({"title": "changed"})),
            ),
            (
                "PATCH",
                "/api/{user}/tasks/{task}",
                Some(json!({"title": "changed"})),
            ),
            ("PATCH", "/api/{user}/tasks/{task}/complete", None),
            ("DELETE", "/api/{user}/tasks/{task}", None),
            ("GET", "/api/{user}/tags", None),
            (
                "PATCH",
                "/api/{user}/tags/{task}",
                Some(json!({"name": "renamed"})),
            ),
            ("DELETE", "/api/{user}/tags/{task}", None),
        ];
        let situations: Vec<Situation> = vec![
            (
                "own path, foreign task",
                ALICE,
                &b,
                Some(token(ALICE)),
                404,
                0,
            ),
            (
                "foreign path, own token",
                BOB,
                &b,
                Some(token(ALICE)),
                403,
                403,
            ),
            ("no token", ALICE, &a, None, 401, 401),
            ("expired token", ALICE, &a, Some(expired.clone()), 401, 401),
            (
                "foreign path, foreign task, own token",
                BOB,
                &a,
                Some(token(ALICE)),
                403,
                403,
            ),
        ];
        let mut checked = 0;
        for (method, template, body) in &routes {
            for (situation, user, task, bearer, with_task, collection) in &situations {
                let has_task = template.contains("{task}");
                let expected = if has_task { *with_task } else { *collection };
                if expected == 0 {
                    continue; // a collection route has no foreign task
                }
                // On a tag route, `{task}` is the tag of that task's owner.
                let target = if !template.contains("/tags/") {
                    task.to_string()
                } else if **task == a {
                    "alices-tag".to_string()
                } else {
                    "bobs-tag".to_string()
                };
                let path = template.replace("{user}", user).replace("{task}", &target);
                let method = axum::http::Method::from_bytes(method.as_bytes()).unwrap();
                let mut request = server.method(method.clone(), &path);
                if let Some(bearer) = bearer {
                    request = request.authorization_bearer(bearer);
                }
                if let Some(body) = body {
                    request = request.json(body);
                }
                let response = request.await;
                assert_eq!(
                    response.status_code().as_u16(),
                    expected,
                    "{method} {path} ({situation}): {}",
                    response.text()
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 47);
        // Bob's tasks and tags are byte for byte unchanged; Alice's task too.
        assert_eq!(tasks_of(&server, BOB).await, before);
        assert_eq!(tags_of(&server, BOB).await, bobs_tags);
        let mine = server
            .get(&format!("/api/{ALICE}/tasks/{a}"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(mine.json::<Value>(), alices);
    })
    .await;
}
