//! Dates that mean the same day everywhere: a task's time zone and whether
//! it is due on a whole day.
//!
//! - `tasks.time_zone`: an IANA zone name (`Europe/Berlin`), or null for
//!   UTC, which every existing task keeps, so none of them changes.
//! - `tasks.all_day`: the task is due on a date, not at a time; its
//!   `due_date` is the start of that date in its zone.
use loco_rs::schema::{add_column, remove_column, ColType};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_column(m, "tasks", "time_zone", ColType::StringNull).await?;
        add_column(m, "tasks", "all_day", ColType::BooleanWithDefault(false)).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        remove_column(m, "tasks", "all_day").await?;
        remove_column(m, "tasks", "time_zone").await?;
        Ok(())
    }
}
