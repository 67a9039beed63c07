//! Tags, repeating tasks and reminder times.
//!
//! - `task_tags`: one row per (task, tag), deleted with its task. It carries
//!   the owner, so "this user's tasks with tag X" and the tag index with
//!   counts are one index range each: `(user_id, name, task_id)`.
//! - `tasks.tags`: the task's tags as responses show them (normalised,
//!   sorted, joined by newlines; a tag holds no control character), written
//!   in the same transaction as the rows above, so reading a task or a page
//!   costs no second query.
//! - `tasks.recurrence`: an RFC 5545 RRULE value, or null.
//! - `tasks.next_id`: the occurrence created when the task was completed;
//!   set once, never cleared.
//! - `tasks.remind_at`: when to remind, or null; with an index on the due
//!   reminders of tasks not completed, for the reminder scheduler.
use loco_rs::schema::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_column(m, "tasks", "tags", ColType::TextWithDefault(String::new())).await?;
        add_column(m, "tasks", "recurrence", ColType::TextNull).await?;
        add_column(m, "tasks", "next_id", ColType::BigIntegerNull).await?;
        add_column(m, "tasks", "remind_at", ColType::TimestampWithTimeZoneNull).await?;

        m.create_table(
            Table::create()
                .table(Alias::new("task_tags"))
                .col(
                    ColumnDef::new(Alias::new("task_id"))
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(Alias::new("user_id")).string().not_null())
                .col(ColumnDef::new(Alias::new("name")).string().not_null())
                .primary_key(
                    Index::create()
                        .col(Alias::new("task_id"))
                        .col(Alias::new("name")),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_task_tags_task")
                        .from(Alias::new("task_tags"), Alias::new("task_id"))
                        .to(Alias::new("tasks"), Alias::new("id"))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_task_tags_user_name")
                .table(Alias::new("task_tags"))
                .col(Alias::new("user_id"))
                .col(Alias::new("name"))
                .col(Alias::new("task_id"))
                .to_owned(),
        )
        .await?;
        // Partial index: only the reminders still to fire are in it. Both
        // databases understand this form.
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_tasks_due_reminders ON tasks (remind_at) \
                 WHERE remind_at IS NOT NULL AND completed = false",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP INDEX idx_tasks_due_reminders")
            .await?;
        m.drop_table(Table::drop().table(Alias::new("task_tags")).to_owned())
            .await?;
        for column in ["remind_at", "next_id", "recurrence", "tags"] {
            remove_column(m, "tasks", column).await?;
        }
        Ok(())
    }
}
