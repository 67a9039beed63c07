//! The long-lived parts of a serving process, started by `App::serve` and
//! ended by its shutdown:
//!
//! - on PostgreSQL, one `LISTEN task_events` connection that turns every
//!   instance's commits into wake-ups for this process's streams; when the
//!   connection drops it reconnects, and every stream reads the outbox again
//!   (a notification lost meanwhile loses nothing);
//! - on PostgreSQL, the announcer: the `NOTIFY` of this process's commits,
//!   sent after them in batches (`models::events`), starting with one that
//!   asks every instance to read the outbox again;
//! - the reminder scheduler: every `poll_ms`, fire what is due
//!   (`models::reminders`), on every instance at once (the claim makes each
//!   reminder fire once).

use std::{collections::HashSet, sync::Arc, time::Duration};

use loco_rs::app::AppContext;
use sea_orm::{sqlx::postgres::PgListener, DatabaseConnection, DbBackend};
use tokio::sync::{mpsc, watch};

use crate::{
    models::{events, reminders},
    settings::Settings,
};

/// Starts what the settings turn on.
pub fn start(ctx: &AppContext, settings: &Settings, shutdown: &watch::Receiver<bool>) {
    if ctx.db.get_database_backend() == DbBackend::Postgres {
        if let Some(owners) = events::announcements() {
            tokio::spawn(announce(ctx.db.clone(), owners));
        }
        if settings.events.listen {
            tokio::spawn(listen(ctx.db.clone(), shutdown.clone()));
        }
    }
    if settings.reminders.enabled {
        tokio::spawn(fire_reminders(
            ctx.db.clone(),
            Duration::from_millis(settings.reminders.poll_ms.max(10)),
            settings.reminders.batch.max(1),
            shutdown.clone(),
        ));
    }
}

/// Follows `NOTIFY task_events` until shutdown, reconnecting as needed.
async fn listen(db: DatabaseConnection, mut shutdown: watch::Receiver<bool>) {
    const RETRY: Duration = Duration::from_millis(500);
    let pool = db.get_postgres_connection_pool().clone();
    while !*shutdown.borrow() && !pool.is_closed() {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(error = %error, "events: cannot connect the listener; retrying");
                tokio::select! {
                    () = tokio::time::sleep(RETRY) => continue,
                    _ = shutdown.changed() => return,
                }
            }
        };
        if let Err(error) = listener.listen(events::CHANNEL).await {
            tracing::warn!(error = %error, "events: LISTEN failed; retrying");
            tokio::time::sleep(RETRY).await;
            continue;
        }
        tracing::info!("events: listening for commits of every instance");
        // Whatever was committed while not listening is in the outbox.
        events::catch_up_all();
        loop {
            tokio::select! {
                received = listener.try_recv() => match received {
                    Ok(Some(notification)) => events::heard(notification.payload()),
                    // The connection was lost; the next call reconnects.
                    Ok(None) => {
                        tracing::warn!("events: listener connection lost; reconnecting");
                        events::catch_up_all();
                    }
                    Err(error) => {
                        tracing::warn!(error = %error, "events: listener failed; reconnecting");
                        break;
                    }
                },
                _ = shutdown.changed() => return,
            }
        }
        tokio::select! {
            () = tokio::time::sleep(RETRY) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Most owners in one announcement.
const ANNOUNCE_BATCH: usize = 500;

/// Announces this process's commits to every instance, as long as the
/// process runs (commits go on during the shutdown's grace time): what is
/// queued when it sends goes in one statement, each owner once.
async fn announce(db: DatabaseConnection, mut owners: mpsc::UnboundedReceiver<Arc<str>>) {
    // An instance that starts may follow one that stopped (or crashed)
    // before announcing everything: every stream reads the outbox again.
    let mut batch: Vec<Arc<str>> = vec![Arc::from("")];
    let mut seen = HashSet::new();
    loop {
        if let Err(error) = events::announce(&db, &batch).await {
            tracing::warn!(error = %error, owners = batch.len(), "events: cannot announce commits");
        }
        batch.clear();
        seen.clear();
        let Some(first) = owners.recv().await else {
            return;
        };
        seen.insert(Arc::clone(&first));
        batch.push(first);
        while batch.len() < ANNOUNCE_BATCH {
            let Ok(owner) = owners.try_recv() else { break };
            if seen.insert(Arc::clone(&owner)) {
                batch.push(owner);
            }
        }
    }
}

/// Fires due reminders every `every` until shutdown.
async fn fire_reminders(
    db: DatabaseConnection,
    every: Duration,
    batch: u32,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => return,
        }
        // A full batch means more may be due: go on at once.
        loop {
            match reminders::fire_due(&db, chrono::Utc::now(), batch).await {
                Ok(fired) if fired >= usize::try_from(batch).unwrap_or(usize::MAX) => continue,
                Ok(fired) => {
                    if fired > 0 {
                        tracing::info!(fired, "reminders fired");
                    }
                    break;
                }
                Err(error) => {
                    tracing::warn!(error = %error, "reminders: could not fire; retrying");
                    break;
                }
            }
        }
    }
}
