//! Secrets stay secret: run the real service at trace level, with database
//! logging on, send it valid and invalid tokens, and grep everything it
//! wrote (and every response body) for the token, the shared secret and the
//! database password.

use serde_json::json;

use crate::support::{
    jws,
    service::{request, Service},
    Signer,
};

const SECRET: &str = "secret-under-test-0123456789abcdefghijklm";
const DB_PASSWORD: &str = "db-password-under-test-42";

#[test]
#[ignore = "needs PostgreSQL (a URL with a password): run by scripts/test in the PostgreSQL pass"]
fn no_token_secret_or_password_in_logs_or_bodies() {
    // The local server trusts connections, so any password is accepted:
    // it only has to travel in the URL like a real one.
    let (scheme, server) = crate::support::postgres_server();
    let host = server.rsplit_once('@').map_or(server.as_str(), |(_, h)| h);
    let url = format!("{scheme}://postgres:{DB_PASSWORD}@{host}/postgres");

    let service = Service::start(&[
        ("DATABASE_URL", &url),
        ("BETTER_AUTH_SECRET", SECRET),
        ("LOG_LEVEL", "trace"),
        ("DB_LOGGING", "true"),
        ("RATE_LIMIT_PER_SECOND", "0"),
    ]);
    let valid = jws(
        &json!({"alg": "HS256"}),
        &json!({"sub": "secret-keeper", "exp": crate::support::now() + 600}),
        &Signer::Hs256(SECRET.as_bytes().to_vec()),
    );
    let forged = jws(
        &json!({"alg": "HS256"}),
        &json!({"sub": "secret-keeper", "exp": crate::support::now() + 600}),
        &Signer::Hs256(b"not-the-secret-0123456789abcdefghijklmno".to_vec()),
    );
    let mut bodies = String::new();
    for token in [&valid, &forged, &"garbage.token.value".to_string()] {
        for (method, path, body) in [
            ("GET", "/api/secret-keeper/tasks", ""),
            ("POST", "/api/secret-keeper/tasks", r#"{"title":"x"}"#),
            ("GET", "/api/someone-else/tasks", ""),
            ("PUT", "/api/secret-keeper/tasks/1", r#"{"title":null}"#),
        ] {
            bodies.push_str(&request(
                service.port,
                &format!(
                    "{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
                     Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                ),
            ));
        }
    }
    let log = service.log();
    assert!(log.len() > 1000, "the service logged little: {log}");
    assert!(
        bodies.contains("201 Created"),
        "the valid token worked: {bodies}"
    );
    for (what, secret) in [
        ("a valid token", valid.as_str()),
        ("a forged token", forged.as_str()),
        (
            "the forged token's signature",
            forged.rsplit('.').next().unwrap(),
        ),
        ("the shared secret", SECRET),
        ("the database password", DB_PASSWORD),
    ] {
        assert!(!log.contains(secret), "{what} is in the logs");
        assert!(!bodies.contains(secret), "{what} is in a response");
    }
}
