//! `task_events.shown`: the task as the API showed it after the change,
//! as JSON text, which a feed page sends as it is. Events written before
//! keep the model's JSON in `task`, which the feed still reads.
use loco_rs::schema::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_column(m, "task_events", "shown", ColType::TextNull).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        remove_column(m, "task_events", "shown").await
    }
}
