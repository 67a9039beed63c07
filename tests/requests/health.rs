//! `/_ping` and `/_health`: public, quick, and honest about the database
//! and Better Auth's keys.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{
    assert_redacted_snapshot, published, snapshot_of, use_jwks, with_app, JwksServer,
};

#[tokio::test]
async fn ping_and_health_when_all_is_well() {
    with_app(|server, _ctx| async move {
        let ping = server.get("/_ping").await;
        assert_eq!(ping.status_code(), 200);
        assert_eq!(ping.json::<Value>(), json!({"ok": true}));
        let health = server.get("/_health").await;
        assert_eq!(health.status_code(), 200);
        assert_redacted_snapshot!("health_ok", snapshot_of(&health));
    })
    .await;
}

#[tokio::test]
async fn health_reports_jwks_loading() {
    let jwks = JwksServer::start(json!([published("ed25519", "EdDSA", "k1")])).await;
    with_app(|server, ctx| async move {
        use_jwks(&ctx, &jwks.url, 0, false);
        // Not loaded yet: 503, and a background load starts.
        let first = server.get("/_health").await;
        assert_eq!(first.status_code(), 503);
        assert_eq!(first.json::<Value>()["jwks"], "not loaded");
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let health = server.get("/_health").await;
            if health.status_code() == 200 {
                assert_eq!(health.json::<Value>()["jwks"], "loaded");
                break;
            }
            assert!(Instant::now() < deadline, "the JWKS never loaded");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(jwks.hits() >= 1);
    })
    .await;
}

#[tokio::test]
async fn health_reports_a_lost_database_quickly() {
    with_app(|server, ctx| async move {
        ctx.db.close_by_ref().await.expect("close");
        let started = Instant::now();
        let health = server.get("/_health").await;
        assert!(started.elapsed() < Duration::from_secs(3));
        assert_eq!(health.status_code(), 503);
        assert_redacted_snapshot!("health_database_down", snapshot_of(&health));
        assert_eq!(server.get("/_ping").await.status_code(), 200);
    })
    .await;
}
