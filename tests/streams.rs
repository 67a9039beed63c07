//! The live stream over real TCP, on the real binary: it resumes after
//! `Last-Event-ID` and goes on live, sends keep-alive comments, ends when
//! the token expires and when the service shuts down, refuses one stream
//! too many, and carries reminders as they fire.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    process::Command,
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use todo_api::settings::DEVELOPMENT_ONLY_SECRET;

use crate::support::{assert_redacted_snapshot, jws, now, service::Service, Signer};

fn token_for(user: &str, seconds: i64) -> String {
    jws(
        &json!({"alg": "HS256"}),
        &json!({"sub": user, "exp": now() + seconds}),
        &Signer::Hs256(DEVELOPMENT_ONLY_SECRET.as_bytes().to_vec()),
    )
}

/// A JSON request; the status and body.
fn call(port: u16, method: &str, path: &str, token: &str, body: &Value) -> (u16, Value) {
    let body = body.to_string();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let json = answer
        .split_once("\r\n\r\n")
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    (status, json)
}

/// What one SSE frame held.
#[derive(Debug, PartialEq)]
enum Frame {
    Comment,
    Event {
        id: String,
        event: String,
        data: Value,
    },
}

/// A stream read as a browser would (HTTP/1.0, so the body is the raw
/// stream, ended by the server closing the connection).
struct Sse {
    status: u16,
    head: String,
    reader: BufReader<TcpStream>,
}

impl Sse {
    fn open(port: u16, user: &str, token: &str, last_event_id: Option<&str>) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let resume = last_event_id.map_or(String::new(), |id| format!("Last-Event-ID: {id}\r\n"));
        write!(
            &stream,
            "GET /api/{user}/events HTTP/1.0\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
             Accept: text/event-stream\r\n{resume}\r\n"
        )
        .expect("write");
        let mut reader = BufReader::new(stream);
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Self {
            status,
            head,
            reader,
        }
    }

    /// The next frame; `None` when the server closed the stream.
    fn next(&mut self) -> Option<Frame> {
        let (mut id, mut event, mut data, mut comment) = (None, None, None, false);
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line).ok()? == 0 {
                return None;
            }
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                if comment && data.is_none() {
                    return Some(Frame::Comment);
                }
                if let (Some(id), Some(event), Some(data)) = (id.take(), event.take(), data.take())
                {
                    return Some(Frame::Event { id, event, data });
                }
                continue;
            }
            if line.starts_with(':') {
                comment = true;
            } else if let Some(value) = line.strip_prefix("id:") {
                id = Some(value.trim().to_string());
            } else if let Some(value) = line.strip_prefix("event:") {
                event = Some(value.trim().to_string());
            } else if let Some(value) = line.strip_prefix("data:") {
                data = serde_json::from_str(value.trim()).ok();
            }
        }
    }

    /// The next event frame, skipping comments.
    fn next_event(&mut self) -> Option<(String, String, Value)> {
        loop {
            match self.next()? {
                Frame::Comment => {}
                Frame::Event { id, event, data } => return Some((id, event, data)),
            }
        }
    }
}

fn service(extra: &[(&str, &str)]) -> Service {
    let mut env = vec![
        ("BETTER_AUTH_SECRET", DEVELOPMENT_ONLY_SECRET),
        ("LOG_LEVEL", "warn"),
        ("REMINDERS_POLL_MS", "200"),
    ];
    env.extend_from_slice(extra);
    Service::start(&env)
}

#[test]
fn a_stream_resumes_after_last_event_id_and_goes_on_live() {
    let service = service(&[]);
    let port = service.port;
    let token = token_for("streamer", 600);
    for title in ["one", "two", "three"] {
        let (status, _) = call(
            port,
            "POST",
            "/api/streamer/tasks",
            &token,
            &json!({"title": title}),
        );
        assert_eq!(status, 201);
    }
    let mut stream = Sse::open(port, "streamer", &token, Some("1"));
    assert_eq!(stream.status, 200, "{}", stream.head);
    assert!(stream.head.contains("text/event-stream"), "{}", stream.head);
    let first = stream.next_event().expect("event 2");
    let second = stream.next_event().expect("event 3");
    let frames: Vec<Value> = [first, second]
        .into_iter()
        .map(|(id, event, data)| json!({"id": id, "event": event, "data": data}))
        .collect();
    assert_redacted_snapshot!("stream_first_frames", frames);

    // Live: a write through the API reaches the open stream at once.
    let written = Instant::now();
    let (status, _) = call(
        port,
        "POST",
        "/api/streamer/tasks",
        &token,
        &json!({"title": "four"}),
    );
    assert_eq!(status, 201);
    let (id, event, data) = stream.next_event().expect("event 4");
    let latency = written.elapsed();
    assert_eq!((id.as_str(), event.as_str()), ("4", "task.created"));
    assert_eq!(data["task"]["title"], "four");
    assert!(latency < Duration::from_secs(1), "delivered in {latency:?}");

    // Another user's writes never show.
    let other = token_for("someone-else", 600);
    call(
        port,
        "POST",
        "/api/someone-else/tasks",
        &other,
        &json!({"title": "theirs"}),
    );
    call(
        port,
        "POST",
        "/api/streamer/tasks",
        &token,
        &json!({"title": "five"}),
    );
    let (id, _, data) = stream.next_event().expect("event 5");
    assert_eq!(id, "5");
    assert_eq!(data["task"]["title"], "five");
}

/// More events behind `Last-Event-ID` than one read of the outbox takes
/// (100): the stream sends them all, in order, before any wake-up.
#[test]
fn a_stream_from_far_back_sends_every_event_without_a_wake_up() {
    let service = service(&[("RATE_LIMIT_PER_SECOND", "0")]);
    let port = service.port;
    let token = token_for("backlog", 600);
    for n in 1..=130 {
        let (status, _) = call(
            port,
            "POST",
            "/api/backlog/tasks",
            &token,
            &json!({"title": format!("task {n}")}),
        );
        assert_eq!(status, 201);
    }
    let mut stream = Sse::open(port, "backlog", &token, Some("0"));
    assert_eq!(stream.status, 200, "{}", stream.head);
    assert!(
        stream.head.contains("x-last-event-id: 130"),
        "{}",
        stream.head
    );
    for n in 1..=130 {
        let (id, event, data) = stream.next_event().expect("an event of the backlog");
        assert_eq!(
            (id, event, data["task"]["title"].clone()),
            (
                n.to_string(),
                "task.created".to_string(),
                json!(format!("task {n}"))
            )
        );
    }
    let (status, _) = call(
        port,
        "POST",
        "/api/backlog/tasks",
        &token,
        &json!({"title": "live"}),
    );
    assert_eq!(status, 201);
    let (id, _, data) = stream.next_event().expect("the live event");
    assert_eq!(
        (id.as_str(), &data["task"]["title"]),
        ("131", &json!("live"))
    );
}

#[test]
fn keep_alive_comments_and_the_end_at_token_expiry() {
    let service = service(&[("STREAM_KEEP_ALIVE_SECONDS", "1")]);
    let token = token_for("expiring", 3);
    let opened = Instant::now();
    let mut stream = Sse::open(service.port, "expiring", &token, None);
    assert_eq!(stream.status, 200, "{}", stream.head);
    assert_eq!(stream.next(), Some(Frame::Comment), "a keep-alive comment");
    assert!(opened.elapsed() < Duration::from_millis(2500));
    // The token lives 3 s (plus up to 1 s of rounding): then the stream ends.
    while stream.next().is_some() {}
    let lived = opened.elapsed();
    assert!(
        lived >= Duration::from_secs(2) && lived < Duration::from_secs(6),
        "the stream lived {lived:?}"
    );
}

#[test]
fn one_stream_too_many_is_a_429() {
    let service = service(&[("MAX_STREAMS_PER_USER", "2")]);
    let token = token_for("greedy", 600);
    let first = Sse::open(service.port, "greedy", &token, None);
    let second = Sse::open(service.port, "greedy", &token, None);
    assert_eq!((first.status, second.status), (200, 200));
    let third = Sse::open(service.port, "greedy", &token, None);
    assert_eq!(third.status, 429, "{}", third.head);
    assert!(
        third.head.contains("application/problem+json"),
        "{}",
        third.head
    );
    // Another user is not affected; a closed stream frees its slot.
    let other = Sse::open(service.port, "modest", &token_for("modest", 600), None);
    assert_eq!(other.status, 200);
    drop(first);
    let started = Instant::now();
    loop {
        let again = Sse::open(service.port, "greedy", &token, None);
        if again.status == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the slot never came back"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_reminder_fires_into_the_stream_on_time() {
    let service = service(&[]);
    let port = service.port;
    let token = token_for("reminded", 600);
    let mut stream = Sse::open(port, "reminded", &token, None);
    assert_eq!(stream.status, 200);
    let remind_at = chrono::Utc::now() + chrono::Duration::seconds(1);
    let (status, task) = call(
        port,
        "POST",
        "/api/reminded/tasks",
        &token,
        &json!({"title": "call back", "remind_at": remind_at.to_rfc3339()}),
    );
    assert_eq!(status, 201);
    let (_, created, _) = stream.next_event().expect("the create");
    assert_eq!(created, "task.created");
    let (_, reminder, data) = stream.next_event().expect("the reminder");
    let late = chrono::Utc::now() - remind_at;
    assert_eq!(reminder, "task.reminder");
    assert_eq!(data["task_id"], task["id"]);
    assert!(
        late < chrono::Duration::seconds(5),
        "fired {late:?} after remind_at"
    );
}

#[test]
fn sigterm_ends_open_streams_and_the_process_exits_0() {
    let mut service = service(&[("SHUTDOWN_GRACE_SECONDS", "10")]);
    let token = token_for("stopped", 600);
    let mut stream = Sse::open(service.port, "stopped", &token, None);
    assert_eq!(stream.status, 200);
    let status = Command::new("kill")
        .args(["-TERM", &service.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let signalled = Instant::now();
    while stream.next().is_some() {}
    assert!(
        signalled.elapsed() < Duration::from_secs(3),
        "the stream ended {:?} after SIGTERM",
        signalled.elapsed()
    );
    let exit = loop {
        if let Some(exit) = service.child.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(10),
            "did not exit"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "exit status {exit:?}");
}

/// A stand-in Better Auth that answers every `get-session` with a live
/// session of `user`.
fn better_auth_stub(user: &'static str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let body = json!({
                "session": {"expiresAt": (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339()},
                "user": {"id": user},
            })
            .to_string();
            let _ = write!(
                reader.get_mut(),
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[test]
fn a_stream_held_with_a_session_token_ends_with_its_cache_entry() {
    let url = better_auth_stub("sessioned");
    let service = service(&[
        ("BETTER_AUTH_URL", url.as_str()),
        ("BETTER_AUTH_SESSION_TOKENS", "true"),
        ("BETTER_AUTH_SESSION_CACHE_SECONDS", "2"),
        ("STREAM_KEEP_ALIVE_SECONDS", "1"),
    ]);
    let opened = Instant::now();
    let mut stream = Sse::open(
        service.port,
        "sessioned",
        "opaquesessiontoken0123456789abcd",
        None,
    );
    assert_eq!(stream.status, 200, "{}", stream.head);
    // The session lives 7 days at Better Auth; the stream only as long as
    // the service trusts it without asking again.
    while stream.next().is_some() {}
    let lived = opened.elapsed();
    assert!(
        lived >= Duration::from_secs(1) && lived < Duration::from_secs(5),
        "the stream lived {lived:?}"
    );
}
