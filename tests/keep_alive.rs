//! A refusal never costs the client its kept-alive connection.
//!
//! A request refused before its body is read (a bad token, another user's
//! path, the rate limit, an unknown route, a wrong method) must leave the
//! connection usable: the next request on it gets its answer. What the
//! server cannot read (a body over the limit, headers over the limit) is
//! refused with `Connection: close`, so the client knows. Runs the real
//! binary over real TCP; each request sends its body in a second write, a
//! moment after the head, as a client on a real network often does: that
//! is when a server that answers before reading the body closes the
//! connection mid-stream.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    time::Duration,
};

use serde_json::json;
use todo_api::settings::DEVELOPMENT_ONLY_SECRET;

use crate::support::{jws, now, service::Service, Signer};

/// One HTTP/1.1 exchange's answer.
struct Answer {
    status: u16,
    closes: bool,
}

/// A client on one connection.
struct Client {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Client {
    fn connect(port: u16) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        stream.set_nodelay(true).expect("nodelay");
        Self {
            reader: BufReader::new(stream.try_clone().expect("clone")),
            writer: stream,
        }
    }

    /// Sends `head` (without the blank line) and `body`, the body in a
    /// write of its own 2 ms later, and reads the whole answer. `None` when
    /// the connection broke instead.
    fn exchange(&mut self, head: &str, body: &str) -> Option<Answer> {
        let head = format!(
            "{head}\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        self.writer.write_all(head.as_bytes()).ok()?;
        std::thread::sleep(Duration::from_millis(2));
        self.writer.write_all(body.as_bytes()).ok()?;
        let mut status_line = String::new();
        if self.reader.read_line(&mut status_line).ok()? == 0 {
            return None;
        }
        let status = status_line.split(' ').nth(1)?.parse().ok()?;
        let (mut length, mut closes) = (0usize, false);
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line).ok()? == 0 {
                return None;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':')?;
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().ok()?,
                "connection" => closes = value.trim().eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        let mut content = vec![0; length];
        self.reader.read_exact(&mut content).ok()?;
        Some(Answer { status, closes })
    }
}

fn token(sub: &str) -> String {
    jws(
        &json!({"alg": "HS256"}),
        &json!({"sub": sub, "exp": now() + 600}),
        &Signer::Hs256(DEVELOPMENT_ONLY_SECRET.as_bytes().to_vec()),
    )
}

#[test]
fn early_refusals_keep_the_connection_usable() {
    let service = Service::start(&[
        ("BETTER_AUTH_SECRET", DEVELOPMENT_ONLY_SECRET),
        ("RATE_LIMIT_PER_SECOND", "0.001"),
        ("RATE_LIMIT_BURST", "1"),
        ("LOG_LEVEL", "warn"),
    ]);
    let body = r#"{"title":"a task that is never created"}"#;
    let alice = token("alice");
    let limited = token("limited");
    // The rate-limited user spends the one request of the burst.
    let mut first = Client::connect(service.port);
    let spent = first
        .exchange(
            &format!("POST /api/limited/tasks HTTP/1.1\r\nAuthorization: Bearer {limited}"),
            body,
        )
        .expect("an answer");
    assert_eq!(spent.status, 201);

    // (what, request head, status)
    let cases = [
        (
            "bad token",
            "POST /api/alice/tasks HTTP/1.1\r\nAuthorization: Bearer not.a.token".to_string(),
            401,
        ),
        (
            "no token",
            "POST /api/alice/tasks HTTP/1.1".to_string(),
            401,
        ),
        (
            "another user's path",
            format!("POST /api/bob/tasks HTTP/1.1\r\nAuthorization: Bearer {alice}"),
            403,
        ),
        (
            "rate limit",
            format!("POST /api/limited/tasks HTTP/1.1\r\nAuthorization: Bearer {limited}"),
            429,
        ),
        (
            "unknown route",
            "POST /api/nowhere HTTP/1.1".to_string(),
            404,
        ),
        (
            "wrong method",
            format!("POST /api/alice/tasks/1 HTTP/1.1\r\nAuthorization: Bearer {alice}"),
            405,
        ),
    ];
    for (i, (what, head, status)) in cases.iter().enumerate() {
        let mut client = Client::connect(service.port);
        for round in 0..100 {
            let answer = client
                .exchange(head, body)
                .unwrap_or_else(|| panic!("{what}: the connection broke in round {round}"));
            assert_eq!(answer.status, *status, "{what}, round {round}");
            assert!(!answer.closes, "{what}: closed a usable connection");
        }
        // And the connection still serves a request that succeeds (for a
        // user of its own: the rate limit allows each user one request).
        let user = format!("user{i}");
        let ok = client
            .exchange(
                &format!(
                    "GET /api/{user}/tasks HTTP/1.1\r\nAuthorization: Bearer {}",
                    token(&user)
                ),
                "",
            )
            .unwrap_or_else(|| panic!("{what}: the connection broke"));
        assert_eq!(ok.status, 200, "{what}");
    }
}

#[test]
fn what_cannot_be_read_is_refused_with_connection_close() {
    let service = Service::start(&[
        ("BETTER_AUTH_SECRET", DEVELOPMENT_ONLY_SECRET),
        ("LOG_LEVEL", "warn"),
    ]);
    let alice = token("alice");

    // A body declared over the 64 KiB limit is not read at all.
    let mut client = Client::connect(service.port);
    let head = format!(
        "POST /api/alice/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {alice}\r\n\
         Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n"
    );
    client.writer.write_all(head.as_bytes()).expect("write");
    let mut answer = String::new();
    let _ = client.reader.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );

    // Headers over the limit.
    let mut client = Client::connect(service.port);
    let padding = "p".repeat(20 * 1024);
    let answer = client
        .exchange(
            &format!("POST /api/alice/tasks HTTP/1.1\r\nX-Padding: {padding}"),
            "{}",
        )
        .expect("an answer");
    assert_eq!(answer.status, 431);
    assert!(answer.closes, "a 431 says Connection: close");
}
