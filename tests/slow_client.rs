//! A client that sends its body one byte at a time cannot hold the server:
//! the request times out with a 408 problem, and the server keeps serving.
//! Runs the real binary over real TCP.

use std::{
    io::{Read, Write},
    net::TcpStream,
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
fn a_body_trickling_in_gets_408_and_the_server_stays_up() {
    let service = Service::start(&[("REQUEST_TIMEOUT_MS", "1000")]);
    let port = service.port;

    let token = jws(
        &json!({"alg": "HS256"}),
        &json!({"sub": "slow", "exp": crate::support::now() + 600}),
        &Signer::Hs256(DEVELOPMENT_ONLY_SECRET.as_bytes().to_vec()),
    );
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "POST /api/slow/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{"
    )
    .unwrap();
    let sent = Instant::now();
    // One byte every 300 ms: a 100-byte body would take 30 s.
    let writer = {
        let mut stream = stream.try_clone().unwrap();
        std::thread::spawn(move || {
            for _ in 0..20 {
                std::thread::sleep(Duration::from_millis(300));
                if stream.write_all(b" ").is_err() {
                    break;
                }
            }
        })
    };
    let mut answer = vec![0; 4096];
    let read = stream
        .read(&mut answer)
        .expect("an answer before the client finishes");
    let answer = String::from_utf8_lossy(&answer[..read]).to_string();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    let body: serde_json::Value = answer
        .split_once("\r\n\r\n")
        .and_then(|(_, body)| serde_json::from_str(body).ok())
        .unwrap_or_else(|| panic!("a problem body: {answer}"));
    insta::assert_json_snapshot!("request_timeout", body);
    assert!(
        sent.elapsed() < Duration::from_secs(4),
        "took {:?}",
        sent.elapsed()
    );
    drop(stream);
    let _ = writer.join();

    assert!(
        get(port, "/_ping").contains("200 OK"),
        "the server stays up"
    );
}
