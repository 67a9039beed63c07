//! The long-lived parts of a serving process, started by `App::serve` and
//! ended by its shutdown:
//!
//! - on PostgreSQL, one `LISTEN task_events` connection that turns every
//!   instance's commits into wake-ups for this process's streams; when the
//!   connection drops it reconnects, and every stream reads the outbox again
//!   (a notification lost meanwhile loses nothing);
//! - on PostgreSQL, the announcer: the `NOTIFY` of this process's commits,
//!   sent after them in batches (`models::events::announce`), starting with
//!   one that asks every instance to read the outbox again;
//! - the reminder scheduler: every `poll_ms`, fire what is due
//!   (`models::reminders`), on every instance at once (the claim makes each
//!   reminder fire once).

use std::{collections::HashSet, sync::Arc, time::Duration};

use sea_orm::{sqlx::postgres::PgListener, DatabaseConnection, DbBackend};
use tokio::sync::{broadcast, watch};

use crate::{
    models::{
        events,
        feed::{Signal, Wakeups},
        reminders,
    },
    settings::Settings,
};

/// Starts what the settings turn on.
pub fn start(
    db: &DatabaseConnection,
    wakeups: &Wakeups,
    settings: &Settings,
    shutdown: &watch::Receiver<bool>,
) {
    if db.get_database_backend() == DbBackend::Postgres {
        tokio::spawn(announce(db.clone(), wakeups.subscribe()));
        if settings.events.listen {
            tokio::spawn(listen(db.clone(), wakeups.clone(), shutdown.clone()));
        }
    }
    if settings.reminders.enabled {
        tokio::spawn(fire_reminders(
            db.clone(),
            wakeups.clone(),
            Duration::from_millis(settings.reminders.poll_ms.max(10)),
            settings.reminders.batch.max(1),
            shutdown.clone(),
        ));
    }
}

/// Follows `NOTIFY task_events` until shutdown, reconnecting as needed.
async fn listen(db: DatabaseConnection, wakeups: Wakeups, mut shutdown: watch::Receiver<bool>) {
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
        wakeups.catch_up_all();
        loop {
            tokio::select! {
                received = listener.try_recv() => match received {
                    Ok(Some(notification)) => wakeups.heard(notification.payload()),
                    // The connection was lost; the next call reconnects.
                    Ok(None) => {
                        tracing::warn!("events: listener connection lost; reconnecting");
                        wakeups.catch_up_all();
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
/// process runs (commits go on during the shutdown's grace time): what has
/// come when it sends goes in one statement, each owner once. What other
/// instances committed (heard) is not announced again.
async fn announce(db: DatabaseConnection, mut wake: broadcast::Receiver<Signal>) {
    // An instance that starts may follow one that stopped (or crashed)
    // before announcing everything: every stream reads the outbox again.
    let everyone: Arc<str> = Arc::from("");
    let mut batch: Vec<Arc<str>> = vec![Arc::clone(&everyone)];
    let mut seen = HashSet::new();
    loop {
        if let Err(error) = events::announce(&db, &batch).await {
            tracing::warn!(error = %error, owners = batch.len(), "events: cannot announce commits");
        }
        batch.clear();
        seen.clear();
        // Wait for the first commit, then take what else has come.
        let mut next = wake.recv().await;
        loop {
            match next {
                Ok(Signal::Committed(owner)) => {
                    if seen.insert(Arc::clone(&owner)) {
                        batch.push(owner);
                    }
                }
                Ok(Signal::Heard(_) | Signal::All) => {}
                // Fell behind: some owners were missed, so every instance
                // reads everything again.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    if seen.insert(Arc::clone(&everyone)) {
                        batch.push(Arc::clone(&everyone));
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
            if batch.len() >= ANNOUNCE_BATCH {
                break;
            }
            next = match wake.try_recv() {
                Ok(signal) => Ok(signal),
                Err(broadcast::error::TryRecvError::Lagged(n)) => {
                    Err(broadcast::error::RecvError::Lagged(n))
                }
                Err(_) => break,
            };
        }
    }
}

/// Fires due reminders every `every` until shutdown.
async fn fire_reminders(
    db: DatabaseConnection,
    wakeups: Wakeups,
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
            match reminders::fire_due(&db, &wakeups, chrono::Utc::now(), batch).await {
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
