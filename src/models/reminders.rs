//! Reminders that fire: a task whose `remind_at` has passed, that is not
//! completed, and whose reminder has not fired for this `remind_at` value
//! yet, gets one `task.reminder` event.
//!
//! [`fire_due`] claims a batch of due reminders, marks them fired
//! (`reminded_for = remind_at`) and writes their events, in one
//! transaction. On PostgreSQL the claim is `FOR UPDATE SKIP LOCKED`, so
//! several instances polling at once each take different tasks and none
//! waits; a reminder fires once per task and value, across restarts and
//! instances, because the mark and the event commit together. Changing
//! `remind_at` re-arms it (the mark no longer equals it); completing or
//! deleting the task cancels it.

use chrono::{DateTime, Utc};
use sea_orm::{DbBackend, FromQueryResult, Statement};

use super::{
    _entities::tasks,
    errors::DomainResult,
    events::EventKind,
    feed::{Begin, UnitOfWork, Wakeups},
};

/// Fires the reminders due at `now`, at most `batch` of them; returns how
/// many fired.
///
/// # Errors
/// On a database failure (nothing fired then).
pub async fn fire_due<C: Begin>(
    db: &C,
    wakeups: &Wakeups,
    now: DateTime<Utc>,
    batch: u32,
) -> DomainResult<usize> {
    let backend = db.get_database_backend();
    // The same claim on both databases; PostgreSQL skips rows another
    // instance holds, SQLite has one writer at a time anyway.
    let sql = match backend {
        DbBackend::Postgres => {
            "UPDATE tasks SET reminded_for = remind_at WHERE id IN (\
               SELECT id FROM tasks WHERE remind_at IS NOT NULL AND completed = false \
               AND (reminded_for IS NULL OR reminded_for <> remind_at) AND remind_at <= $1 \
               ORDER BY remind_at LIMIT $2 FOR UPDATE SKIP LOCKED) \
             RETURNING *"
        }
        _ => {
            "UPDATE tasks SET reminded_for = remind_at WHERE id IN (\
               SELECT id FROM tasks WHERE remind_at IS NOT NULL AND completed = false \
               AND (reminded_for IS NULL OR reminded_for <> remind_at) AND remind_at <= ? \
               ORDER BY remind_at LIMIT ?) \
             RETURNING *"
        }
    };
    let mut work = UnitOfWork::begin(db).await?;
    let fired = tasks::Model::find_by_statement(Statement::from_sql_and_values(
        backend,
        sql,
        [now.fixed_offset().into(), i64::from(batch).into()],
    ))
    .all(work.db())
    .await?;
    for task in &fired {
        work.record(&task.user_id, EventKind::Reminder, task.id, Some(task))
            .await?;
    }
    work.commit(wakeups).await?;
    Ok(fired.len())
}
