//! The Loco application: routes, start-up wiring, tasks and seeds.

use std::{future::IntoFuture, net::SocketAddr, path::Path, sync::Arc, time::Duration};

use async_trait::async_trait;
use axum::Router as AxumRouter;
use loco_rs::{
    app::{AppContext, Hooks, Initializer},
    bgworker::Queue,
    boot::{create_app, shutdown_signal, BootResult, ServeParams, StartMode},
    config::Config,
    controller::AppRoutes,
    db::{self, truncate_table},
    environment::Environment,
    task::Tasks,
    Error, Result,
};
use migration::Migrator;
use utoipa_swagger_ui::SwaggerUi;

use crate::{
    access_log,
    auth::Verifier,
    controllers, errors,
    models::_entities::{idempotency_keys as idempotency_entity, tasks as task_entity},
    rate_limit::RateLimiter,
    settings::Settings,
    startup_checks, tasks,
};

pub struct App;

/// Reads the `settings:` block of the active configuration.
///
/// # Errors
/// When the block does not match [`Settings`].
pub fn settings(config: &Config) -> Result<Settings> {
    match &config.settings {
        Some(value) => serde_json::from_value(value.clone())
            .map_err(|e| Error::Message(format!("invalid `settings` in configuration: {e}"))),
        None => Ok(Settings::default()),
    }
}

#[async_trait]
impl Hooks for App {
    fn app_name() -> &'static str {
        env!("CARGO_CRATE_NAME")
    }

    fn app_version() -> String {
        format!(
            "{} ({})",
            env!("CARGO_PKG_VERSION"),
            option_env!("BUILD_SHA").unwrap_or("dev")
        )
    }

    /// Loads `config/<env>.yaml`; in production, refuses a configuration
    /// with any missing or invalid setting before anything connects.
    async fn load_config(environment: &Environment) -> Result<Config> {
        let config = environment.load()?;
        if *environment == Environment::Production {
            let problems = startup_checks::production_problems(&config);
            if !problems.is_empty() {
                return Err(Error::Message(format!(
                    "invalid production configuration:\n  - {}",
                    problems.join("\n  - ")
                )));
            }
        }
        Ok(config)
    }

    async fn boot(
        mode: StartMode,
        environment: &Environment,
        config: Config,
    ) -> Result<BootResult> {
        create_app::<Self, Migrator>(mode, environment, config).await
    }

    /// Builds the token verifier once, from the settings, and refuses to
    /// start on an unusable configuration (in production: no verification
    /// mode at all, or the development secret).
    async fn after_context(ctx: AppContext) -> Result<AppContext> {
        let settings = settings(&ctx.config)?;
        let production = ctx.environment == Environment::Production;
        let verifier = Verifier::from_settings(&settings.auth, production)
            .map_err(|problem| Error::Message(format!("auth configuration: {problem}")))?;
        tracing::info!(
            jwks = verifier.jwks_enabled(),
            hs256 = verifier.shared_secret_enabled(),
            "token verification configured"
        );
        ctx.shared_store.insert(Arc::new(verifier));
        if let Some(limiter) = RateLimiter::from_settings(settings.rate_limit) {
            ctx.shared_store.insert(Arc::new(limiter));
        }
        Ok(ctx)
    }

    /// Before serving: load Better Auth's keys in the background, so the
    /// first request does not wait for them.
    async fn before_run(ctx: &AppContext) -> Result<()> {
        if let Some(verifier) = ctx.shared_store.get::<Arc<Verifier>>() {
            tokio::spawn(async move { verifier.warm_up().await });
        }
        Ok(())
    }

    /// Loco's server with a bounded graceful shutdown: on SIGTERM or Ctrl+C
    /// it stops accepting connections, lets requests in flight finish, and
    /// exits once they have, or when `shutdown_grace_seconds` is over
    /// (a request cut off then has its transaction rolled back).
    async fn serve(app: AxumRouter, ctx: &AppContext, params: &ServeParams) -> Result<()> {
        let grace = Duration::from_secs(settings(&ctx.config)?.limits.shutdown_grace_seconds);
        let listener =
            tokio::net::TcpListener::bind(format!("{}:{}", params.binding, params.port)).await?;
        let (stopping_tx, mut stopping) = tokio::sync::watch::channel(false);
        let shutdown_ctx = ctx.clone();
        let server = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            tracing::info!(
                grace_seconds = grace.as_secs(),
                "shutting down: finishing requests in flight"
            );
            let _ = stopping_tx.send(true);
            Self::on_shutdown(&shutdown_ctx).await;
        });
        tokio::select! {
            result = server.into_future() => result?,
            () = async {
                let _ = stopping.wait_for(|stopping| *stopping).await;
                tokio::time::sleep(grace).await;
            } => {
                tracing::warn!("shutdown grace period over; exiting with requests still open");
            }
        }
        Ok(())
    }

    async fn initializers(_ctx: &AppContext) -> Result<Vec<Box<dyn Initializer>>> {
        Ok(vec![])
    }

    fn routes(_ctx: &AppContext) -> AppRoutes {
        AppRoutes::empty()
            .add_route(controllers::health::routes())
            .add_route(controllers::tasks::routes())
            .add_route(controllers::docs::routes())
    }

    /// The interactive docs (Swagger UI, vendored: no internet needed), then
    /// problem+json for unknown routes and every bare error response.
    async fn after_routes(router: AxumRouter, ctx: &AppContext) -> Result<AxumRouter> {
        let max_header_bytes = settings(&ctx.config)?.limits.max_header_bytes;
        let docs = SwaggerUi::new("/api/docs").config(
            utoipa_swagger_ui::Config::from("/api/openapi.json")
                .persist_authorization(true)
                .try_it_out_enabled(true),
        );
        Ok(router
            .merge(docs)
            .fallback(errors::route_not_found)
            .layer(axum::middleware::from_fn(access_log::log_request))
            .layer(axum::middleware::from_fn_with_state(
                max_header_bytes,
                errors::limit_header_size,
            ))
            .layer(axum::middleware::map_response(errors::problem_safety_net)))
    }

    async fn connect_workers(_ctx: &AppContext, _queue: &Queue) -> Result<()> {
        Ok(())
    }

    fn register_tasks(tasks: &mut Tasks) {
        // tasks-inject (do not remove)
        tasks.register(tasks::dev_token::DevToken);
        tasks.register(tasks::purge_idempotency_keys::PurgeIdempotencyKeys);
        tasks.register(tasks::task_counts::TaskCounts);
    }

    async fn truncate(ctx: &AppContext) -> Result<()> {
        truncate_table(&ctx.db, task_entity::Entity).await?;
        truncate_table(&ctx.db, idempotency_entity::Entity).await?;
        Ok(())
    }

    async fn seed(ctx: &AppContext, base: &Path) -> Result<()> {
        db::seed::<task_entity::ActiveModel>(
            &ctx.db,
            &base.join("tasks.yaml").display().to_string(),
        )
        .await?;
        Ok(())
    }
}
