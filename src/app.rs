//! The Loco application: routes, start-up wiring, tasks and seeds.

use std::{path::Path, sync::Arc, time::Duration};

use async_trait::async_trait;
use axum::Router as AxumRouter;
use loco_rs::{
    app::{AppContext, Hooks},
    bgworker::Queue,
    boot::{create_app, shutdown_signal, BootResult, ServeParams, StartMode},
    config::Config,
    controller::AppRoutes,
    db::truncate_table,
    environment::Environment,
    task::Tasks,
    Error, Result,
};
use migration::Migrator;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};

use crate::{
    auth::Verifier,
    background, controllers, edge,
    models::{
        _entities::{
            event_heads as event_heads_entity, idempotency_keys as idempotency_entity,
            task_events as task_events_entity, task_lists as task_list_entity,
            task_tags as task_tags_entity, tasks as task_entity,
        },
        errors::DomainError,
        feed::Wakeups,
        lists::{self, NewList},
        schema,
        task_input::NewTask,
        tasks as task_model,
    },
    rate_limit::RateLimiter,
    server,
    settings::Settings,
    startup_checks,
    streams::{Shutdown, StreamSlots},
    tasks,
};

pub struct App;

/// How long a pooled connection may sit idle before it is checked with a
/// round trip when it is next handed out.
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// The PostgreSQL pool as Loco builds it (same settings), except that a
/// connection is pinged before use only when it has been idle for
/// [`PING_AFTER_IDLE`], not every time: Loco's pool pings on every
/// acquire, a second round trip to the database for each request.
/// `run_on_start` runs on this pool as Loco runs it on its own (so once
/// more per context: it must be repeatable, as Loco already requires).
async fn pool_pinging_only_idle(config: &loco_rs::config::Database) -> Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(&config.uri);
    options
        .max_connections(config.max_connections)
        .min_connections(config.min_connections)
        .connect_timeout(Duration::from_millis(config.connect_timeout))
        .idle_timeout(Duration::from_millis(config.idle_timeout))
        .sqlx_logging(config.enable_logging)
        .test_before_acquire_if_idle_for(PING_AFTER_IDLE);
    if let Some(acquire_timeout) = config.acquire_timeout {
        options.acquire_timeout(Duration::from_millis(acquire_timeout));
    }
    let db = Database::connect(options).await?;
    if let Some(sql) = &config.run_on_start {
        db.execute_unprepared(sql).await?;
    }
    Ok(db)
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

    /// Parses the settings once and shares them; builds the token verifier
    /// from them, and refuses to start on an unusable configuration (in
    /// production: no verification mode at all, or the development secret).
    async fn after_context(mut ctx: AppContext) -> Result<AppContext> {
        let settings = Arc::new(Settings::from_config(&ctx.config)?);
        let production = ctx.environment == Environment::Production;
        let verifier = Verifier::from_settings(&settings.auth, production)
            .map_err(|problem| Error::Message(format!("auth configuration: {problem}")))?
            .with_mcp(crate::mcp::token_rules(&settings), settings.auth.leeway());
        tracing::info!(
            jwks = verifier.jwks_enabled(),
            hs256 = verifier.shared_secret_enabled(),
            "token verification configured"
        );
        ctx.shared_store.insert(Arc::new(verifier));
        if let Some(limiter) = RateLimiter::from_settings(settings.rate_limit) {
            ctx.shared_store.insert(Arc::new(limiter));
        }
        ctx.shared_store.insert(Arc::new(StreamSlots::new(
            settings.events.max_streams_per_user,
        )));
        ctx.shared_store.insert(Shutdown::new());
        ctx.shared_store.insert(Wakeups::new());
        ctx.shared_store.insert(settings);
        if ctx.db.get_database_backend() == DbBackend::Postgres {
            let pool = pool_pinging_only_idle(&ctx.config.database).await?;
            let loco_pool = std::mem::replace(&mut ctx.db, pool);
            loco_pool.close().await?;
        }
        Ok(ctx)
    }

    /// Before serving: refuse a database whose schema is behind the code
    /// (unless migrations run at start-up, which has happened by now), and
    /// load Better Auth's keys in the background, so the first request does
    /// not wait for them.
    async fn before_run(ctx: &AppContext) -> Result<()> {
        let pending = schema::pending_migrations(&ctx.db).await?;
        if !pending.is_empty() {
            return Err(Error::Message(format!(
                "the database schema is behind this version: {} migration(s) not applied ({}). \
                 Apply them with `todo_api-cli db migrate` (`cargo loco db migrate`), \
                 or set DB_AUTO_MIGRATE=true to migrate at start-up",
                pending.len(),
                pending.join(", ")
            )));
        }
        if let Some(verifier) = ctx.shared_store.get::<Arc<Verifier>>() {
            tokio::spawn(async move { verifier.warm_up().await });
        }
        Ok(())
    }

    /// The service's HTTP/1.1 server (`server`), with a bounded graceful
    /// shutdown: on SIGTERM or Ctrl+C it stops accepting connections, lets
    /// requests in flight finish, and exits once they have, or when
    /// `shutdown_grace_seconds` is over (a request cut off then has its
    /// transaction rolled back).
    async fn serve(app: AxumRouter, ctx: &AppContext, params: &ServeParams) -> Result<()> {
        let settings = Settings::of(ctx)?;
        let grace = Duration::from_secs(settings.limits.shutdown_grace_seconds);
        let listener =
            tokio::net::TcpListener::bind(format!("{}:{}", params.binding, params.port)).await?;
        // The shared signal: open streams and the background parts end on it.
        let shutdown = ctx
            .shared_store
            .get::<Shutdown>()
            .ok_or_else(|| Error::Message("the shutdown signal was not set up".into()))?;
        let wakeups = ctx
            .shared_store
            .get::<Wakeups>()
            .ok_or_else(|| Error::Message("the feed's wake-ups were not set up".into()))?;
        let mut stopping = shutdown.subscribe();
        background::start(&ctx.db, &wakeups, &settings, &stopping);
        let stopping_tx = shutdown.clone();
        let shutdown_ctx = ctx.clone();
        let server = server::serve(listener, app, async move {
            shutdown_signal().await;
            tracing::info!(
                grace_seconds = grace.as_secs(),
                "shutting down: finishing requests in flight"
            );
            stopping_tx.begin();
            Self::on_shutdown(&shutdown_ctx).await;
        });
        tokio::select! {
            () = server => {}
            () = async {
                let _ = stopping.wait_for(|stopping| *stopping).await;
                tokio::time::sleep(grace).await;
            } => {
                tracing::warn!("shutdown grace period over; exiting with requests still open");
            }
        }
        Ok(())
    }

    fn routes(ctx: &AppContext) -> AppRoutes {
        AppRoutes::empty()
            .add_route(controllers::health::routes())
            .add_route(controllers::tasks::routes())
            .add_route(controllers::lists::routes())
            .add_route(controllers::tags::routes())
            .add_route(controllers::events::routes())
            .add_route(controllers::docs::routes())
            // Only where the development secret is in use; see the module.
            .add_route(controllers::dev_tokens::routes(ctx))
            .add_route(crate::mcp::routes(ctx))
    }

    /// The interactive docs (Swagger UI, vendored: no internet needed);
    /// for paths no route matches, the web client's files (when it is on)
    /// and problem+json for the rest; the service's own layer around
    /// everything (see [`edge`]).
    async fn after_routes(router: AxumRouter, ctx: &AppContext) -> Result<AxumRouter> {
        let settings = Settings::of(ctx)?;
        let edge = edge::Edge::new(settings.as_ref(), &ctx.config.server.middlewares);
        let router = router.merge(controllers::docs::swagger_ui());
        Ok(
            controllers::web_client::fallback(router, &settings.web_client)?
                .layer(axum::middleware::from_fn_with_state(edge, edge::edge)),
        )
    }

    async fn connect_workers(_ctx: &AppContext, _queue: &Queue) -> Result<()> {
        Ok(())
    }

    fn register_tasks(tasks: &mut Tasks) {
        // tasks-inject (do not remove)
        tasks.register(tasks::dev_token::DevToken);
        tasks.register(tasks::purge_events::PurgeEvents);
        tasks.register(tasks::purge_idempotency_keys::PurgeIdempotencyKeys);
        tasks.register(tasks::task_counts::TaskCounts);
    }

    async fn truncate(ctx: &AppContext) -> Result<()> {
        truncate_table(&ctx.db, task_events_entity::Entity).await?;
        truncate_table(&ctx.db, event_heads_entity::Entity).await?;
        truncate_table(&ctx.db, task_tags_entity::Entity).await?;
        truncate_table(&ctx.db, task_entity::Entity).await?;
        truncate_table(&ctx.db, task_list_entity::Entity).await?;
        truncate_table(&ctx.db, idempotency_entity::Entity).await?;
        Ok(())
    }

    /// `cargo loco db seed`: the demo lists and tasks of
    /// `fixtures/tasks.json`, written as API bodies and created through the
    /// same parse functions and model calls as `POST` (so a seed can never
    /// hold what the API would refuse); a task's `subtasks` are created
    /// under it.
    async fn seed(ctx: &AppContext, base: &Path) -> Result<()> {
        #[derive(serde::Deserialize)]
        struct Seed {
            user_id: String,
            #[serde(default)]
            lists: Vec<serde_json::Value>,
            tasks: Vec<serde_json::Value>,
        }
        let path = base.join("tasks.json");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::Message(format!("{}: {e}", path.display())))?;
        let seed: Seed = serde_json::from_str(&text)
            .map_err(|e| Error::Message(format!("{}: {e}", path.display())))?;
        let invalid = |e: DomainError| Error::Message(format!("{}: {e}", path.display()));
        // Nothing follows the feed during a seed: nobody to wake.
        let wakeups = Wakeups::new();
        for body in &seed.lists {
            let list = NewList::from_json(Some(body)).map_err(invalid)?;
            lists::create_for_user(&ctx.db, &wakeups, &seed.user_id, list)
                .await
                .map_err(Error::wrap)?;
        }
        // Depth first: each task, then its subtasks under it.
        let mut pending: Vec<(serde_json::Value, Option<i64>)> = seed
            .tasks
            .into_iter()
            .rev()
            .map(|body| (body, None))
            .collect();
        while let Some((mut body, parent)) = pending.pop() {
            let subtasks = body
                .as_object_mut()
                .and_then(|task| task.remove("subtasks"))
                .and_then(|subtasks| subtasks.as_array().cloned())
                .unwrap_or_default();
            if let (Some(task), Some(parent)) = (body.as_object_mut(), parent) {
                task.insert("parent_id".to_string(), parent.into());
            }
            let task = NewTask::from_json(Some(&body), None).map_err(invalid)?;
            let created =
                task_model::Model::create_for_user(&ctx.db, &wakeups, &seed.user_id, task)
                    .await
                    .map_err(Error::wrap)?;
            pending.extend(
                subtasks
                    .into_iter()
                    .rev()
                    .map(|sub| (sub, Some(created.id))),
            );
        }
        Ok(())
    }
}
