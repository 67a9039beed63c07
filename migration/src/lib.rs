#![allow(elided_lifetimes_in_paths)]
#![allow(clippy::wildcard_imports)]
pub use sea_orm_migration::prelude::*;
mod m20261127_000001_tasks;
mod m20261128_000002_task_versions_search_idempotency;
mod m20261201_000003_tags_recurrence_reminders;
mod m20261202_000004_events_reminders;
mod m20261203_000005_events_shown;
mod m20261204_000006_events_one_format;
mod m20261204_000007_task_time_zones;
mod m20261204_000008_lists_subtasks_positions;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_tasks::Migration),
            Box::new(m20261128_000002_task_versions_search_idempotency::Migration),
            Box::new(m20261201_000003_tags_recurrence_reminders::Migration),
            Box::new(m20261202_000004_events_reminders::Migration),
            Box::new(m20261203_000005_events_shown::Migration),
            Box::new(m20261204_000006_events_one_format::Migration),
            Box::new(m20261204_000007_task_time_zones::Migration),
            Box::new(m20261204_000008_lists_subtasks_positions::Migration),
            // inject-above (do not remove this comment)
        ]
    }
}
