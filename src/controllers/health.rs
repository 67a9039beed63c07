//! Liveness and health, public and cheap.
//!
//! - `/_ping`: the process answers.
//! - `/_health` (and `/_readiness`): the database answers within a second,
//!   its schema is not behind the code (no pending migration), and, in JWKS
//!   mode, Better Auth's keys are loaded. Neither
//!   check waits on a slow dependency: the ping has a deadline, and a
//!   missing key set is fetched in the background (within the refetch
//!   cool-down) while this answer reports it missing.

use std::{sync::Arc, time::Duration};

use axum::{http::StatusCode, routing::get, Extension, Json};
use loco_rs::prelude::*;
use serde::Serialize;

use crate::{auth::Verifier, errors::KeepBody, models::schema};

const DATABASE_DEADLINE: Duration = Duration::from_secs(1);

#[derive(Serialize)]
struct Ping {
    ok: bool,
}

#[derive(Serialize)]
struct Health {
    ok: bool,
    /// `ok` or `unavailable`.
    database: &'static str,
    /// `ok`, `behind` (migrations not applied: the service cannot work), or
    /// `unknown` (the database did not answer).
    schema: &'static str,
    /// `loaded`, `not loaded` or `not configured`.
    jwks: &'static str,
}

#[debug_handler]
async fn ping(State(_ctx): State<AppContext>) -> Json<Ping> {
    Json(Ping { ok: true })
}

#[debug_handler]
async fn health(State(ctx): State<AppContext>) -> (StatusCode, Extension<KeepBody>, Json<Health>) {
    let (database, schema) =
        match tokio::time::timeout(DATABASE_DEADLINE, schema::pending_migrations(&ctx.db)).await {
            Ok(Ok(pending)) if pending.is_empty() => ("ok", "ok"),
            Ok(Ok(pending)) => {
                tracing::warn!(pending = pending.len(), "health: migrations not applied");
                ("ok", "behind")
            }
            Ok(Err(error)) => {
                tracing::warn!(error = %error, "health: database query failed");
                ("unavailable", "unknown")
            }
            Err(_) => {
                tracing::warn!("health: database query timed out");
                ("unavailable", "unknown")
            }
        };
    let verifier = ctx.shared_store.get::<Arc<Verifier>>();
    // In session mode a Better Auth without the `jwt` plugin publishes no
    // keys; that is no reason to refuse traffic.
    let sessions = verifier.as_ref().is_some_and(|v| v.sessions_enabled());
    let jwks = match verifier.as_ref().and_then(|v| v.jwks_loaded()) {
        None => "not configured",
        Some(true) => "loaded",
        Some(false) => {
            if let Some(verifier) = verifier {
                tokio::spawn(async move { verifier.warm_up().await });
            }
            "not loaded"
        }
    };
    let ok = database == "ok" && schema == "ok" && (jwks != "not loaded" || sessions);
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    // The report is the body, also on a 503 (not a problem+json).
    (
        status,
        Extension(KeepBody),
        Json(Health {
            ok,
            database,
            schema,
            jwks,
        }),
    )
}

pub fn routes() -> Routes {
    Routes::new()
        .add("/_ping", get(ping))
        .add("/_health", get(health))
        .add("/_readiness", get(health))
}
