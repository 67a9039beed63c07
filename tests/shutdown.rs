//! SIGTERM during a request: the request in flight finishes, new
//! connections are refused, the process exits 0, and the write landed.

use std::{
    io::{Read, Write},
    net::TcpStream,
    process::Command,
    time::{Duration, Instant},
};

use serde_json::json;
use todo_api::settings::DEVELOPMENT_ONLY_SECRET;

use crate::support::{
    jws,
    service::{get, Service},
    Signer,
};

#[test]
fn sigterm_lets_the_request_in_flight_finish_then_exits_0() {
    let mut service = Service::start(&[("SHUTDOWN_GRACE_SECONDS", "10")]);
    let port = service.port;
    let token = jws(
        &json!({"alg": "HS256"}),
        &json!({"sub": "stopper", "exp": crate::support::now() + 600}),
        &Signer::Hs256(DEVELOPMENT_ONLY_SECRET.as_bytes().to_vec()),
    );
    let body = r#"{"title":"written during shutdown"}"#;
    let (first, rest) = body.split_at(10);

    // A request is in flight: headers and part of the body sent.
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "POST /api/stopper/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{first}",
        body.len()
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));

    let status = Command::new("kill")
        .args(["-TERM", &service.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    std::thread::sleep(Duration::from_millis(500));

    // New connections are refused while the old one finishes.
    assert_eq!(
        get(port, "/_ping"),
        "",
        "a new connection was served after SIGTERM"
    );

    stream.write_all(rest.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("the answer");
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");

    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = service.child.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "did not exit in the grace period"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "exit status {exit:?}");

    // The acknowledged write is in the database.
    let db = format!("sqlite://{}/db.sqlite?mode=rwc", service.dir.display());
    let again = Service::start(&[("DATABASE_URL", &db)]);
    let list = crate::support::service::request(
        again.port,
        &format!(
            "GET /api/stopper/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        ),
    );
    assert!(list.contains("written during shutdown"), "{list}");
}
