//! The test harness: an app on a fresh database per test, tokens signed with
//! real keys, a JWKS server, and snapshot helpers.

use std::{
    future::Future,
    net::SocketAddr,
    panic::AssertUnwindSafe,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
};

pub mod service;

use axum::{extract::State, routing::get, Json, Router};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use futures::FutureExt;
use insta::internals::{Content, ContentPath};
use jsonwebtoken::{Algorithm, EncodingKey};
use loco_rs::{
    app::{AppContext, Hooks},
    boot::StartMode,
    environment::Environment,
    testing::prelude::*,
    TestServer,
};
use serde_json::{json, Value};
use todo_api::{app::App, auth::Verifier, settings::AuthSettings};

/// The HS256 secret of `config/test.yaml`.
pub const SECRET: &str = "test-only-secret-0123456789abcdefghijklmnop";
/// Better Auth ids: 32 alphanumeric characters.
pub const ALICE: &str = "80nmxlJfYWC6KDfWyDJI6NO6gQxgGAhd";
pub const BOB: &str = "Bq3RkJm0VqjZ1FxwTnY8aL5cH2sD9eUo";

/// The PostgreSQL server of the PostgreSQL pass, as `(scheme, authority)`
/// (`authority` is `user[:password]@host:port`), from `DATABASE_URL`, or the
/// local default. Tests that need a server-level connection build their own
/// URL from it.
pub fn postgres_server() -> (String, String) {
    let configured = std::env::var("DATABASE_URL")
        .ok()
        .filter(|url| url.starts_with("postgres"))
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
    let (scheme, rest) = configured.split_once("://").expect("a URL");
    let authority = rest.split(['/', '?']).next().expect("a host");
    (scheme.to_string(), authority.to_string())
}

/// Runs `test` against the app booted on a database of its own (a fresh
/// SQLite file, or a fresh PostgreSQL database when `DATABASE_URL` points
/// to one). The pool is closed even when the test fails, so Loco can drop
/// the PostgreSQL database afterwards instead of leaking it.
pub async fn with_app<F, Fut>(test: F)
where
    F: FnOnce(TestServer, AppContext) -> Fut,
    Fut: Future<Output = ()>,
{
    request_with_create_db::<App, _, _>(|server, ctx| async move {
        let db = ctx.db.clone();
        let outcome = AssertUnwindSafe(test(server, ctx)).catch_unwind().await;
        let _ = db.close_by_ref().await;
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    })
    .await;
}

/// Runs `test` like [`with_app`], but with the app booted as `environment`
/// and the `settings:` block of the test configuration changed by
/// `configure` first: for what depends on the environment or on settings
/// read at start-up (which routes exist, what the fallback serves).
pub async fn with_app_in<C, F, Fut>(environment: Environment, configure: C, test: F)
where
    C: FnOnce(&mut Value),
    F: FnOnce(TestServer, AppContext) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut config = App::load_config(&Environment::Test)
        .await
        .expect("the test configuration");
    let mut settings = config.settings.take().unwrap_or_else(|| json!({}));
    configure(&mut settings);
    config.settings = Some(settings);
    let test_db = init_test_db_creation(&config.database.uri).expect("a test database");
    test_db.init_db().await;
    config.database.uri = test_db.get_connection_str().to_string();
    let boot = match App::boot(StartMode::ServerOnly, &environment, config).await {
        Ok(boot) => boot,
        Err(error) => {
            test_db.cleanup_db();
            panic!("boot as {environment}: {error}");
        }
    };
    // Drops the test database when dropped.
    let boot = BootResultWrapper::new(boot, test_db);
    let router = boot.router.clone().expect("a server boot has a router");
    let server = TestServer::new(router.into_make_service_with_connect_info::<SocketAddr>())
        .expect("a test server");
    let ctx = boot.app_context.clone();
    let db = ctx.db.clone();
    let outcome = AssertUnwindSafe(test(server, ctx)).catch_unwind().await;
    let _ = db.close_by_ref().await;
    drop(boot);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Builds a compact JWS from a raw header and claims, signed by `signer`
/// over the exact encoded bytes, so a test can craft any header it likes.
pub fn jws(header: &Value, claims: &Value, signer: &Signer) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signature = signer.sign(input.as_bytes());
    format!("{input}.{signature}")
}

/// The keys a test can sign with.
pub enum Signer {
    /// HMAC-SHA256 with these bytes as the key.
    Hs256(Vec<u8>),
    /// A fixture key for a jsonwebtoken algorithm.
    Pem(Algorithm, &'static str),
    /// The fixture P-521 key (ES512).
    P521,
    /// No signature at all (for `alg: none`).
    Empty,
}

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// The fixture keys' public JWKs, by name (`ed25519`, `p256`, `rsa`, ...).
pub fn public_jwk(name: &str) -> Value {
    let all: Value = serde_json::from_str(&fixture("jwk.json")).expect("jwk.json");
    let mut jwk = all[name].clone();
    if let Some(map) = jwk.as_object_mut() {
        map.remove("d");
    }
    jwk
}

/// A JWK as Better Auth publishes it: the public key plus `alg` and `kid`.
pub fn published(name: &str, alg: &str, kid: &str) -> Value {
    let mut jwk = public_jwk(name);
    jwk["alg"] = json!(alg);
    jwk["kid"] = json!(kid);
    jwk
}

impl Signer {
    pub fn sign(&self, input: &[u8]) -> String {
        match self {
            Self::Hs256(key) => {
                jsonwebtoken::crypto::sign(input, &EncodingKey::from_secret(key), Algorithm::HS256)
                    .expect("hs256")
            }
            Self::Pem(alg, file) => {
                let pem = fixture(file);
                let key = match alg {
                    Algorithm::EdDSA => EncodingKey::from_ed_pem(pem.as_bytes()),
                    Algorithm::ES256 => EncodingKey::from_ec_pem(pem.as_bytes()),
                    _ => EncodingKey::from_rsa_pem(pem.as_bytes()),
                }
                .expect("fixture key");
                jsonwebtoken::crypto::sign(input, &key, *alg).expect("sign")
            }
            Self::P521 => {
                use p521::ecdsa::{signature::Signer as _, Signature, SigningKey};
                let all: Value = serde_json::from_str(&fixture("jwk.json")).expect("jwk.json");
                let d = URL_SAFE_NO_PAD
                    .decode(all["p521"]["d"].as_str().expect("d"))
                    .expect("d b64");
                let key = SigningKey::from_slice(&d).expect("p521 key");
                let signature: Signature = key.sign(input);
                b64(&signature.to_bytes())
            }
            Self::Empty => String::new(),
        }
    }

    /// The signer of a fixture key for a JWKS algorithm name.
    pub fn for_alg(alg: &str) -> Self {
        match alg {
            "EdDSA" => Self::Pem(Algorithm::EdDSA, "ed25519.pem"),
            "ES256" => Self::Pem(Algorithm::ES256, "p256.pem"),
            "RS256" => Self::Pem(Algorithm::RS256, "rsa.pem"),
            "PS256" => Self::Pem(Algorithm::PS256, "rsa.pem"),
            "ES512" => Self::P521,
            other => panic!("no fixture key for {other}"),
        }
    }
}

/// The fixture key name for a JWKS algorithm.
pub fn key_name(alg: &str) -> &'static str {
    match alg {
        "EdDSA" => "ed25519",
        "ES256" => "p256",
        "RS256" | "PS256" => "rsa",
        "ES512" => "p521",
        other => panic!("no fixture key for {other}"),
    }
}

/// Valid HS256 claims for `sub`, as a frontend signing its own tokens.
pub fn claims_for(sub: &str) -> Value {
    json!({"sub": sub, "iat": now(), "exp": now() + 900})
}

/// A valid HS256 token for `sub` with the test secret.
pub fn token(sub: &str) -> String {
    jws(
        &json!({"alg": "HS256", "typ": "JWT"}),
        &claims_for(sub),
        &Signer::Hs256(SECRET.as_bytes().to_vec()),
    )
}

/// Claims shaped like a real Better Auth token for `sub`, issued by `url`.
pub fn better_auth_claims(sub: &str, url: &str) -> Value {
    json!({
        "id": sub,
        "name": "Alice",
        "email": "alice@example.com",
        "emailVerified": false,
        "image": null,
        "createdAt": "2026-11-27T22:38:06.974Z",
        "updatedAt": "2026-11-27T22:38:06.974Z",
        "sub": sub,
        "iat": now(),
        "exp": now() + 900,
        "iss": url,
        "aud": url,
    })
}

/// A JWKS endpoint on 127.0.0.1 serving whatever `keys` holds, counting
/// fetches; it stands in for Better Auth's `/api/auth/jwks`.
#[derive(Clone)]
pub struct JwksServer {
    /// Better Auth's base URL (the JWKS is at `{url}/api/auth/jwks`).
    pub url: String,
    pub keys: Arc<Mutex<Value>>,
    pub hits: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct JwksState {
    keys: Arc<Mutex<Value>>,
    hits: Arc<AtomicUsize>,
}

async fn serve_jwks(State(state): State<JwksState>) -> Json<Value> {
    state.hits.fetch_add(1, Ordering::SeqCst);
    let keys = state.keys.lock().expect("keys").clone();
    Json(json!({ "keys": keys }))
}

impl JwksServer {
    pub async fn start(keys: Value) -> Self {
        let keys = Arc::new(Mutex::new(keys));
        let hits = Arc::new(AtomicUsize::new(0));
        let app = Router::new()
            .route("/api/auth/jwks", get(serve_jwks))
            .with_state(JwksState {
                keys: Arc::clone(&keys),
                hits: Arc::clone(&hits),
            });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url: format!("http://{addr}"),
            keys,
            hits,
        }
    }

    pub fn set_keys(&self, keys: Value) {
        *self.keys.lock().expect("keys") = keys;
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// Replaces the app's verifier with one in JWKS mode against `auth_url`
/// (HS256 stays on with the test secret when `with_secret`).
pub fn use_jwks(ctx: &AppContext, auth_url: &str, cooldown_seconds: u64, with_secret: bool) {
    let settings = AuthSettings {
        better_auth_url: auth_url.to_string(),
        secret: if with_secret {
            SECRET.to_string()
        } else {
            String::new()
        },
        jwks_refetch_cooldown_seconds: cooldown_seconds,
        jwks_timeout_ms: 2000,
        ..AuthSettings::default()
    };
    let verifier = Verifier::from_settings(&settings, false).expect("verifier");
    ctx.shared_store.insert(Arc::new(verifier));
}

/// What [`snapshot_of`] records of the 404 problem of a path no route
/// (and no file of the web client) answers.
pub fn unknown_route() -> Value {
    json!({
        "body": {
            "detail": "no route matches this path",
            "status": 404,
            "title": "Not Found",
            "type": "about:blank"
        },
        "content_type": "application/problem+json",
        "status": 404
    })
}

/// `insta::assert_json_snapshot!` with what varies between runs redacted
/// by insta's redactions: ids, the instants the service sets (a `null`
/// stays), positions (random digits keep racing moves apart), the creation
/// half of an ETag, the id in a Location and the
/// cursor in a Link. Everything else stays as the service sent it; a test
/// may add redactions of its own, as `{selector => redaction}`.
macro_rules! assert_redacted_snapshot {
    ($name:expr, $value:expr) => {
        $crate::support::assert_redacted_snapshot!($name, $value, {})
    };
    ($name:expr, $value:expr, {$($selector:expr => $redaction:expr),* $(,)?}) => {
        insta::assert_json_snapshot!($name, $value, {
            ".**.id" => insta::dynamic_redaction($crate::support::redact_id),
            ".**.created_at" => insta::dynamic_redaction($crate::support::redact_instant),
            ".**.updated_at" => insta::dynamic_redaction($crate::support::redact_instant),
            ".**.completed_at" => insta::dynamic_redaction($crate::support::redact_instant),
            ".**.at" => insta::dynamic_redaction($crate::support::redact_instant),
            ".**.position" => insta::dynamic_redaction($crate::support::redact_position),
            ".headers.etag" => insta::dynamic_redaction($crate::support::redact_etag),
            ".headers.location" => insta::dynamic_redaction($crate::support::redact_location),
            ".headers.link" => insta::dynamic_redaction($crate::support::redact_link)
            $(, $selector => $redaction)*
        })
    };
}
pub(crate) use assert_redacted_snapshot;

/// A numeric id.
pub fn redact_id(value: Content, _: ContentPath<'_>) -> Content {
    if value.as_u64().is_some() || value.as_i64().is_some() {
        Content::from("[id]")
    } else {
        value
    }
}

/// An instant the service set (a `null` stays).
pub fn redact_instant(value: Content, _: ContentPath<'_>) -> Content {
    if value.as_str().is_some() {
        Content::from("[timestamp]")
    } else {
        value
    }
}

/// A position: a fractional key with random digits.
pub fn redact_position(value: Content, _: ContentPath<'_>) -> Content {
    if value.as_str().is_some() {
        Content::from("[position]")
    } else {
        value
    }
}

/// An ETag keeps its version: `"2-[created]"`.
pub fn redact_etag(value: Content, _: ContentPath<'_>) -> Content {
    let redacted = value.as_str().and_then(|etag| {
        let (version, _) = etag.trim_matches('"').split_once('-')?;
        Some(format!("\"{version}-[created]\""))
    });
    redacted.map_or(value, Content::from)
}

/// A Location keeps its path, the id redacted.
pub fn redact_location(value: Content, _: ContentPath<'_>) -> Content {
    let redacted = value.as_str().and_then(|location| {
        let (path, id) = location.rsplit_once('/')?;
        id.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| format!("{path}/[id]"))
    });
    redacted.map_or(value, Content::from)
}

/// A Link keeps everything but its opaque cursor.
pub fn redact_link(value: Content, _: ContentPath<'_>) -> Content {
    let redacted = value.as_str().and_then(|link| {
        let (before, after) = link.split_once("cursor=")?;
        let rest = after.find('>').map_or("", |end| &after[end..]);
        Some(format!("{before}cursor=[cursor]{rest}"))
    });
    redacted.map_or(value, Content::from)
}

/// What a snapshot records of a response: status, content type, the auth
/// challenge and `Allow` when present, the headers its meaning rests on,
/// and the body (as JSON when it is JSON); see [`assert_redacted_snapshot`]
/// for what varies between runs.
pub fn snapshot_of(response: &axum_test::TestResponse) -> Value {
    let header = |name: &str| {
        response
            .maybe_header(name)
            .and_then(|v| v.to_str().ok().map(str::to_string))
    };
    let text = response.text();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str::<Value>(&text).unwrap_or_else(|_| json!(text))
    };
    let mut out = json!({
        "status": response.status_code().as_u16(),
        "content_type": header("content-type"),
        "body": body,
    });
    if let Some(challenge) = header("www-authenticate") {
        out["www_authenticate"] = json!(challenge);
    }
    if let Some(allow) = header("allow") {
        out["allow"] = json!(allow);
    }
    // The headers a response's meaning rests on, when it has them.
    let mut headers = serde_json::Map::new();
    for name in [
        "etag",
        "location",
        "link",
        "x-total-count",
        "retry-after",
        "x-last-event-id",
    ] {
        if let Some(value) = header(name) {
            headers.insert(name.to_string(), json!(value));
        }
    }
    if !headers.is_empty() {
        out["headers"] = Value::Object(headers);
    }
    out
}

/// Creates a task for `user` through the API and returns its JSON.
pub async fn create_task(server: &TestServer, user: &str, body: Value) -> Value {
    let response = server
        .post(&format!("/api/{user}/tasks"))
        .authorization_bearer(token(user))
        .json(&body)
        .await;
    assert_eq!(response.status_code(), 201, "create: {}", response.text());
    response.json::<Value>()
}

/// Leaves an idempotency key claimed by a request that is still running
/// (as a concurrent first request would), for `body`.
pub async fn claim_key_as_running(
    db: &sea_orm::DatabaseConnection,
    owner: &str,
    key: &str,
    body: &Value,
) {
    use sea_orm::{ActiveModelTrait, ActiveValue};
    use todo_api::models::idempotency_keys::{request_hash, ActiveModel};
    let now = chrono::Utc::now().fixed_offset();
    ActiveModel {
        user_id: ActiveValue::Set(owner.to_string()),
        key: ActiveValue::Set(key.to_string()),
        request_hash: ActiveValue::Set(request_hash(Some(body))),
        state: ActiveValue::Set("pending".to_string()),
        created_at: ActiveValue::Set(now),
        updated_at: ActiveValue::Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("a pending key");
}
