//! Tokens with real keys: a JWKS served over HTTP from inside the test (so
//! the real fetch path runs), every algorithm Better Auth offers, and the
//! forgeries a verifier must refuse.

use serde_json::{json, Value};

use crate::support::{
    assert_redacted_snapshot, better_auth_claims, claims_for, jws, key_name, published,
    snapshot_of, token, use_jwks, with_app, JwksServer, Signer, ALICE, SECRET,
};

const ALGORITHMS: [&str; 5] = ["EdDSA", "ES256", "ES512", "RS256", "PS256"];

fn kid(alg: &str) -> String {
    // Better Auth's kids are 32 characters.
    format!("{alg:0<32}").replace(|c: char| !c.is_ascii_alphanumeric(), "x")
}

fn jwks_for_all() -> Value {
    Value::Array(
        ALGORITHMS
            .iter()
            .map(|alg| published(key_name(alg), alg, &kid(alg)))
            .collect(),
    )
}

/// A token as Better Auth's `jwt` plugin issues it: `alg` and `kid`, no
/// `typ`, the user object in the payload.
fn better_auth_token(alg: &str, auth_url: &str) -> String {
    jws(
        &json!({"alg": alg, "kid": kid(alg)}),
        &better_auth_claims(ALICE, auth_url),
        &Signer::for_alg(alg),
    )
}

#[tokio::test]
async fn jwks_tokens_of_every_algorithm_are_accepted() {
    let jwks = JwksServer::start(jwks_for_all()).await;
    with_app(|server, ctx| async move {
        use_jwks(&ctx, &jwks.url, 10, false);
        for alg in ALGORITHMS {
            let response = server
                .get(&format!("/api/{ALICE}/tasks"))
                .authorization_bearer(better_auth_token(alg, &jwks.url))
                .await;
            assert_eq!(response.status_code(), 200, "{alg}: {}", response.text());
        }
        // Keys are cached: one fetch served every request.
        assert_eq!(jwks.hits(), 1);

        // No `kid`: accepted because exactly one published key fits EdDSA.
        let no_kid = jws(
            &json!({"alg": "EdDSA"}),
            &better_auth_claims(ALICE, &jwks.url),
            &Signer::for_alg("EdDSA"),
        );
        let response = server
            .get(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer(no_kid)
            .await;
        assert_eq!(response.status_code(), 200);

        // Nothing assumes HS256: with JWKS mode alone, an HS256 token fails.
        let response = server
            .get(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(response.status_code(), 401);
    })
    .await;
}

#[tokio::test]
async fn no_kid_is_refused_when_several_keys_fit() {
    let jwks = JwksServer::start(json!([
        published("ed25519", "EdDSA", "k1"),
        published("ed25519-other", "EdDSA", "k2"),
    ]))
    .await;
    with_app(|server, ctx| async move {
        use_jwks(&ctx, &jwks.url, 10, false);
        let no_kid = jws(
            &json!({"alg": "EdDSA"}),
            &better_auth_claims(ALICE, &jwks.url),
            &Signer::for_alg("EdDSA"),
        );
        let response = server
            .get(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer(no_kid)
            .await;
        assert_eq!(response.status_code(), 401);
    })
    .await;
}

#[tokio::test]
async fn forged_and_invalid_tokens_are_refused() {
    let jwks = JwksServer::start(jwks_for_all()).await;
    with_app(|server, ctx| async move {
        // Both modes on, so every refusal below is the rule's, not a mode's.
        use_jwks(&ctx, &jwks.url, 3600, true);
        let url = jwks.url.clone();
        let now = crate::support::now();
        let ed = Signer::for_alg("EdDSA");
        let ed_header = json!({"alg": "EdDSA", "kid": kid("EdDSA")});
        let good = better_auth_claims(ALICE, &url);
        let with = |changes: Value| {
            let mut claims = good.clone();
            for (k, v) in changes.as_object().expect("object") {
                if v.is_null() {
                    claims.as_object_mut().expect("object").remove(k);
                } else {
                    claims[k] = v.clone();
                }
            }
            claims
        };
        let public_key_bytes = crate::support::public_jwk("ed25519")["x"]
            .as_str()
            .expect("x")
            .as_bytes()
            .to_vec();
        let public_pem = crate::support::fixture("jwk.json").into_bytes();

        // (case, token)
        let cases: Vec<(&str, String)> = vec![
            (
                "expired",
                jws(&ed_header, &with(json!({"exp": now - 120})), &ed),
            ),
            ("no exp", jws(&ed_header, &with(json!({"exp": null})), &ed)),
            (
                "exp not a number",
                jws(&ed_header, &with(json!({"exp": "never"})), &ed),
            ),
            (
                "nbf in the future",
                jws(&ed_header, &with(json!({"nbf": now + 600})), &ed),
            ),
            (
                "iat in the future",
                jws(&ed_header, &with(json!({"iat": now + 600})), &ed),
            ),
            (
                "wrong iss",
                jws(
                    &ed_header,
                    &with(json!({"iss": "http://evil.example"})),
                    &ed,
                ),
            ),
            ("no iss", jws(&ed_header, &with(json!({"iss": null})), &ed)),
            (
                "wrong aud",
                jws(
                    &ed_header,
                    &with(json!({"aud": "http://evil.example"})),
                    &ed,
                ),
            ),
            ("no sub", jws(&ed_header, &with(json!({"sub": null})), &ed)),
            (
                "wrong key for the kid",
                jws(
                    &ed_header,
                    &good,
                    &Signer::Pem(jsonwebtoken::Algorithm::EdDSA, "ed25519-other.pem"),
                ),
            ),
            (
                "alg none",
                jws(&json!({"alg": "none"}), &good, &Signer::Empty),
            ),
            (
                "alg None",
                jws(
                    &json!({"alg": "None", "kid": kid("EdDSA")}),
                    &good,
                    &Signer::Empty,
                ),
            ),
            (
                "alg NONE",
                jws(&json!({"alg": "NONE"}), &good, &Signer::Empty),
            ),
            (
                "alg none with a signature",
                jws(&json!({"alg": "none"}), &good, &ed),
            ),
            (
                "HS256 keyed with the public key",
                jws(
                    &json!({"alg": "HS256", "kid": kid("EdDSA")}),
                    &good,
                    &Signer::Hs256(public_key_bytes),
                ),
            ),
            (
                "HS256 keyed with the JWKS text",
                jws(&json!({"alg": "HS256"}), &good, &Signer::Hs256(public_pem)),
            ),
            (
                "HS256 with the wrong secret",
                jws(
                    &json!({"alg": "HS256"}),
                    &claims_for(ALICE),
                    &Signer::Hs256(b"another-secret-0123456789abcdefghijkl".to_vec()),
                ),
            ),
            (
                "alg not matching the key",
                jws(&json!({"alg": "ES256", "kid": kid("EdDSA")}), &good, &ed),
            ),
            (
                "RS256 signature presented as PS256",
                jws(
                    &json!({"alg": "PS256", "kid": kid("PS256")}),
                    &good,
                    &Signer::for_alg("RS256"),
                ),
            ),
            (
                "unsupported alg HS512",
                jws(
                    &json!({"alg": "HS512"}),
                    &claims_for(ALICE),
                    &Signer::Hs256(SECRET.as_bytes().to_vec()),
                ),
            ),
            (
                "unsupported alg RS384",
                jws(
                    &json!({"alg": "RS384", "kid": kid("RS256")}),
                    &good,
                    &Signer::for_alg("RS256"),
                ),
            ),
            (
                "unknown kid",
                jws(&json!({"alg": "EdDSA", "kid": "nope"}), &good, &ed),
            ),
            (
                "kid with a path",
                jws(
                    &json!({"alg": "EdDSA", "kid": "../../etc/passwd"}),
                    &good,
                    &ed,
                ),
            ),
            (
                "kid with SQL",
                jws(&json!({"alg": "EdDSA", "kid": "x' OR '1'='1"}), &good, &ed),
            ),
            (
                "crit header",
                jws(
                    &json!({"alg": "EdDSA", "kid": kid("EdDSA"), "crit": ["exp"]}),
                    &good,
                    &ed,
                ),
            ),
            ("not a JWT", "definitely-not-a-jwt".to_string()),
            (
                "two segments",
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0".to_string(),
            ),
            ("four segments", format!("{}.extra", token(ALICE))),
            ("broken base64", "eyJhbGciOiJIUzI1NiJ9!.e30.sig".to_string()),
            ("oversized", format!("{}{}", token(ALICE), "A".repeat(9000))),
            ("empty signature", {
                let t = token(ALICE);
                format!("{}.", &t[..t.rfind('.').expect("dot")])
            }),
            ("tampered payload", {
                let t = token(ALICE);
                let parts: Vec<&str> = t.split('.').collect();
                let forged = base64::Engine::encode(
                    &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                    claims_for("someone-else").to_string(),
                );
                format!("{}.{forged}.{}", parts[0], parts[2])
            }),
        ];
        assert!(cases.len() >= 30, "the corpus has {} tokens", cases.len());
        // With the pool closed, a request that touched the database would
        // answer 503: every 401 below provably did not.
        ctx.db.close_by_ref().await.expect("close the pool");
        for (case, bad) in &cases {
            let response = server
                .get(&format!("/api/{ALICE}/tasks"))
                .authorization_bearer(bad)
                .await;
            assert_eq!(
                response.status_code(),
                401,
                "case: {case}: {}",
                response.text()
            );
            assert_eq!(
                response.header("www-authenticate").to_str().unwrap(),
                r#"Bearer error="invalid_token""#,
                "case: {case}"
            );
        }
        let expired = server
            .get(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer(&cases[0].1)
            .await;
        assert_redacted_snapshot!("expired_token", snapshot_of(&expired));

        // Random kids did not make the service hammer the auth server: one
        // fetch to load the set, then the cool-down holds.
        assert_eq!(jwks.hits(), 1);
    })
    .await;
}

#[tokio::test]
async fn rotated_key_is_picked_up_without_restart() {
    let jwks = JwksServer::start(json!([published("ed25519", "EdDSA", "old")])).await;
    with_app(|server, ctx| async move {
        // No cool-down, so every unknown kid may refetch.
        use_jwks(&ctx, &jwks.url, 0, false);
        let claims = better_auth_claims(ALICE, &jwks.url);
        let old = jws(
            &json!({"alg": "EdDSA", "kid": "old"}),
            &claims,
            &Signer::for_alg("EdDSA"),
        );
        let new = jws(
            &json!({"alg": "EdDSA", "kid": "new"}),
            &claims,
            &Signer::Pem(jsonwebtoken::Algorithm::EdDSA, "ed25519-other.pem"),
        );
        let path = format!("/api/{ALICE}/tasks");
        assert_eq!(
            server
                .get(&path)
                .authorization_bearer(&old)
                .await
                .status_code(),
            200
        );
        assert_eq!(
            server
                .get(&path)
                .authorization_bearer(&new)
                .await
                .status_code(),
            401
        );

        // Better Auth rotates: the new key is published, the old one stays
        // for its grace period.
        jwks.set_keys(json!([
            published("ed25519", "EdDSA", "old"),
            published("ed25519-other", "EdDSA", "new"),
        ]));
        assert_eq!(
            server
                .get(&path)
                .authorization_bearer(&new)
                .await
                .status_code(),
            200
        );
        assert_eq!(
            server
                .get(&path)
                .authorization_bearer(&old)
                .await
                .status_code(),
            200
        );
    })
    .await;
}

#[tokio::test]
async fn unknown_kids_refetch_at_most_once_per_cooldown() {
    let jwks = JwksServer::start(json!([published("ed25519", "EdDSA", "k1")])).await;
    with_app(|server, ctx| async move {
        use_jwks(&ctx, &jwks.url, 3600, false);
        let claims = better_auth_claims(ALICE, &jwks.url);
        for i in 0..20 {
            let random = jws(
                &json!({"alg": "EdDSA", "kid": format!("random-{i}")}),
                &claims,
                &Signer::for_alg("EdDSA"),
            );
            let response = server
                .get(&format!("/api/{ALICE}/tasks"))
                .authorization_bearer(random)
                .await;
            assert_eq!(response.status_code(), 401);
        }
        assert_eq!(jwks.hits(), 1, "one fetch, then the cool-down");
    })
    .await;
}

#[tokio::test]
async fn unreachable_auth_server_is_a_quick_503() {
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    with_app(|server, ctx| async move {
        use_jwks(&ctx, &url, 10, true);
        let started = std::time::Instant::now();
        let response = server
            .get(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer(better_auth_token("EdDSA", &url))
            .await;
        assert_eq!(response.status_code(), 503);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert_redacted_snapshot!("auth_server_unreachable", snapshot_of(&response));

        // The shared-secret mode does not depend on the auth server.
        let hs = server
            .get(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(hs.status_code(), 200);
    })
    .await;
}

#[tokio::test]
async fn bearer_scheme_and_header_handling() {
    with_app(|server, _ctx| async move {
        let path = format!("/api/{ALICE}/tasks");
        for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
            let response = server
                .get(&path)
                .add_header("authorization", format!("{scheme} {}", token(ALICE)))
                .await;
            assert_eq!(response.status_code(), 200, "scheme {scheme}");
        }
        // Other schemes are no bearer credentials: a bare challenge.
        let basic = server
            .get(&path)
            .add_header("authorization", "Basic YWxpY2U6c2VjcmV0")
            .await;
        assert_eq!(basic.status_code(), 401);
        assert_eq!(basic.header("www-authenticate").to_str().unwrap(), "Bearer");
        let empty = server
            .get(&path)
            .add_header("authorization", "Bearer ")
            .await;
        assert_eq!(empty.status_code(), 401);
    })
    .await;
}

#[tokio::test]
async fn path_user_is_percent_decoded_and_compared_exactly() {
    with_app(|server, _ctx| async move {
        let user = "user@example.com";
        let response = server
            .get("/api/user%40example.com/tasks")
            .authorization_bearer(token(user))
            .await;
        assert_eq!(response.status_code(), 200);
        // Case and encoding tricks do not pass as the same user.
        for path in [
            "/api/USER%40example.com/tasks",
            "/api/user%2540example.com/tasks",
        ] {
            let response = server.get(path).authorization_bearer(token(user)).await;
            assert_eq!(response.status_code(), 403, "{path}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_key_published_after_start_up_is_accepted_at_once() {
    // Better Auth creates its first key lazily: at this service's start-up
    // the JWKS can still be empty.
    let jwks = JwksServer::start(json!([])).await;
    with_app(|server, ctx| async move {
        use_jwks(&ctx, &jwks.url, 3600, false);
        let verifier = ctx
            .shared_store
            .get::<std::sync::Arc<todo_api::auth::Verifier>>()
            .expect("verifier");
        verifier.warm_up().await;
        assert_eq!(jwks.hits(), 1);
        jwks.set_keys(json!([published("ed25519", "EdDSA", "first")]));
        let token = jws(
            &json!({"alg": "EdDSA", "kid": "first"}),
            &better_auth_claims(ALICE, &jwks.url),
            &Signer::for_alg("EdDSA"),
        );
        let response = server
            .get(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer(token)
            .await;
        assert_eq!(response.status_code(), 200, "{}", response.text());
    })
    .await;
}

#[tokio::test]
async fn hs256_issuer_and_audience_are_checked_only_when_configured() {
    with_app(|server, ctx| async move {
        let path = format!("/api/{ALICE}/tasks");
        let secret = Signer::Hs256(SECRET.as_bytes().to_vec());
        let plain = jws(&json!({"alg": "HS256"}), &claims_for(ALICE), &secret);
        let mut claims = claims_for(ALICE);
        claims["iss"] = json!("https://app.example.com");
        claims["aud"] = json!("todo-api");
        let scoped = jws(&json!({"alg": "HS256"}), &claims, &secret);

        // Not configured (the test config): neither claim is needed.
        assert_eq!(
            server
                .get(&path)
                .authorization_bearer(&plain)
                .await
                .status_code(),
            200
        );

        let settings = todo_api::settings::AuthSettings {
            secret: SECRET.to_string(),
            hs256_issuer: "https://app.example.com".to_string(),
            hs256_audience: "todo-api".to_string(),
            ..Default::default()
        };
        let verifier = todo_api::auth::Verifier::from_settings(&settings, false).expect("verifier");
        ctx.shared_store.insert(std::sync::Arc::new(verifier));
        assert_eq!(
            server
                .get(&path)
                .authorization_bearer(&plain)
                .await
                .status_code(),
            401
        );
        assert_eq!(
            server
                .get(&path)
                .authorization_bearer(&scoped)
                .await
                .status_code(),
            200
        );
    })
    .await;
}

/// A verified token is remembered, but never past its `exp`: the same
/// token is refused as soon as it expires (no leeway here).
#[tokio::test]
async fn a_remembered_token_still_expires() {
    with_app(|server, ctx| async move {
        let settings = todo_api::settings::AuthSettings {
            secret: SECRET.to_string(),
            leeway_seconds: 0,
            ..Default::default()
        };
        let verifier = todo_api::auth::Verifier::from_settings(&settings, false).expect("verifier");
        ctx.shared_store.insert(std::sync::Arc::new(verifier));
        let path = format!("/api/{ALICE}/tasks");
        let mut claims = claims_for(ALICE);
        claims["exp"] = json!(todo_api::auth::claims::now() + 2);
        let short = jws(
            &json!({"alg": "HS256"}),
            &claims,
            &Signer::Hs256(SECRET.as_bytes().to_vec()),
        );
        for _ in 0..3 {
            let response = server.get(&path).authorization_bearer(&short).await;
            assert_eq!(response.status_code(), 200);
        }
        tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
        let response = server.get(&path).authorization_bearer(&short).await;
        assert_eq!(response.status_code(), 401);
        assert_eq!(
            response.json::<Value>()["detail"],
            "invalid token: token has expired"
        );
    })
    .await;
}
