//! The request's log: with Loco's request span off, the edge layer's access
//! line is the only line a request gives, and an internal error's cause
//! must still be tied to its request there (request id, route, status).

use sea_orm::{ConnectionTrait, Database};
use serde_json::json;

use crate::support::{
    jws,
    service::{request, Service},
    Signer,
};

const SECRET: &str = "access-log-secret-0123456789abcdefghijklmn";

#[test]
fn an_internal_error_is_logged_once_with_its_request_id_and_cause() {
    let service = Service::start(&[
        ("BETTER_AUTH_SECRET", SECRET),
        ("RATE_LIMIT_PER_SECOND", "0"),
    ]);
    let token = jws(
        &json!({"alg": "HS256"}),
        &json!({"sub": "log-reader", "exp": crate::support::now() + 600}),
        &Signer::Hs256(SECRET.as_bytes().to_vec()),
    );
    let list = format!(
        "GET /api/log-reader/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         X-Request-Id: list-before-the-break\r\nConnection: close\r\n\r\n"
    );
    assert!(request(service.port, &list).starts_with("HTTP/1.1 200 OK"));

    // The table goes away under the running service: its next list fails
    // inside, with a cause the client must not see.
    let url = format!("sqlite://{}/db.sqlite", service.dir.display());
    tokio::runtime::Runtime::new()
        .expect("a runtime")
        .block_on(async {
            let db = Database::connect(&url)
                .await
                .expect("the service's database");
            db.execute_unprepared("DROP TABLE task_tags")
                .await
                .expect("drop a table");
            db.execute_unprepared("DROP TABLE tasks")
                .await
                .expect("drop a table");
            db.close().await.expect("close");
        });
    let broken = list.replace("list-before-the-break", "list-after-the-break");
    let answer = request(service.port, &broken);
    assert!(
        answer.starts_with("HTTP/1.1 500 Internal Server Error"),
        "{answer}"
    );
    assert!(answer.contains("an unexpected error occurred"), "{answer}");
    assert!(
        !answer.contains("no such table"),
        "the cause leaked: {answer}"
    );

    let log = service.log();
    let failed: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("list-after-the-break"))
        .collect();
    assert_eq!(failed.len(), 1, "one line for the failed request: {log}");
    let line = failed[0];
    for part in [
        "ERROR",
        "request failed with an internal error",
        "no such table",
        "/api/{user_id}/tasks",
        "500",
        "log-reader",
    ] {
        assert!(line.contains(part), "{part} is not on the line: {line}");
    }
    let fine: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("list-before-the-break"))
        .collect();
    assert_eq!(fine.len(), 1, "one line for the request that worked: {log}");
    assert!(
        fine[0].contains("INFO") && fine[0].contains("200"),
        "{}",
        fine[0]
    );
}
