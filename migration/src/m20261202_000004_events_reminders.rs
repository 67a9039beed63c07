//! The change feed and reminders that fire.
//!
//! - `event_heads`: one row per user holding the last event id given out.
//!   A write takes the next id with `UPDATE ... SET last_id = last_id + 1`
//!   inside its own transaction, so one user's writers queue on that row
//!   (nobody else's) and ids are given out in commit order, without gaps.
//! - `task_events`: the outbox, `(user_id, id)` the key; what changed, the
//!   task as it was shown after the change (JSON), and when. Written in the
//!   transaction of the change. `at` is indexed for the retention purge.
//! - `tasks.reminded_for`: the `remind_at` value a reminder last fired for;
//!   a reminder is due while `remind_at` has passed, the task is not
//!   completed and `reminded_for` differs from `remind_at`. The partial
//!   index of migration 3 is replaced by one holding exactly those tasks
//!   (`idx_tasks_reminders_to_fire`).
use loco_rs::schema::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("event_heads"))
                .col(
                    ColumnDef::new(Alias::new("user_id"))
                        .string()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(Alias::new("last_id"))
                        .big_integer()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("task_events"))
                .col(ColumnDef::new(Alias::new("user_id")).string().not_null())
                .col(ColumnDef::new(Alias::new("id")).big_integer().not_null())
                .col(ColumnDef::new(Alias::new("kind")).string().not_null())
                .col(
                    ColumnDef::new(Alias::new("task_id"))
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(Alias::new("task")).text().null())
                .col(
                    ColumnDef::new(Alias::new("at"))
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(Alias::new("user_id"))
                        .col(Alias::new("id")),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_task_events_at")
                .table(Alias::new("task_events"))
                .col(Alias::new("at"))
                .to_owned(),
        )
        .await?;
        add_column(
            m,
            "tasks",
            "reminded_for",
            ColType::TimestampWithTimeZoneNull,
        )
        .await?;
        // A new name, created before the old one is dropped: on SQLite the
        // statements of a migration need not share one connection, and a
        // DROP then CREATE of one name failed with "already exists".
        let db = m.get_connection();
        db.execute_unprepared(
            "CREATE INDEX idx_tasks_reminders_to_fire ON tasks (remind_at) \
             WHERE remind_at IS NOT NULL AND completed = false \
             AND (reminded_for IS NULL OR reminded_for <> remind_at)",
        )
        .await?;
        db.execute_unprepared("DROP INDEX idx_tasks_due_reminders")
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared(
            "CREATE INDEX idx_tasks_due_reminders ON tasks (remind_at) \
             WHERE remind_at IS NOT NULL AND completed = false",
        )
        .await?;
        db.execute_unprepared("DROP INDEX idx_tasks_reminders_to_fire")
            .await?;
        remove_column(m, "tasks", "reminded_for").await?;
        m.drop_table(Table::drop().table(Alias::new("task_events")).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Alias::new("event_heads")).to_owned())
            .await?;
        Ok(())
    }
}
