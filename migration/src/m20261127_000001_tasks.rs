//! The `tasks` table: one row per task, owned by one Better Auth user.
//!
//! `user_id` is text because Better Auth ids are strings (32 alphanumeric
//! characters by default), and no users table exists here: identity lives in
//! Better Auth, this service only trusts the `sub` claim of a verified token.
//!
//! Every list query filters on `user_id` and orders by one sort key with `id`
//! as the tie-breaker, so each sort the API offers gets an index that starts
//! with `(user_id, <key>, id)`. The status filter adds `completed` to the
//! default (`created_at`) order.
use loco_rs::schema::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `(index name, columns)`; every index leads with the owner.
const INDEXES: &[(&str, &[&str])] = &[
    ("idx_tasks_user_created", &["user_id", "created_at", "id"]),
    (
        "idx_tasks_user_completed_created",
        &["user_id", "completed", "created_at", "id"],
    ),
    ("idx_tasks_user_updated", &["user_id", "updated_at", "id"]),
    ("idx_tasks_user_title", &["user_id", "title", "id"]),
    ("idx_tasks_user_due_date", &["user_id", "due_date", "id"]),
    ("idx_tasks_user_priority", &["user_id", "priority", "id"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            m,
            "tasks",
            &[
                ("id", ColType::PkAuto),
                ("user_id", ColType::String),
                ("title", ColType::String),
                ("description", ColType::TextNull),
                ("completed", ColType::Boolean),
                // 0 = low, 1 = medium, 2 = high: a number so that "high
                // first" is a plain index order on both databases.
                ("priority", ColType::SmallInteger),
                ("due_date", ColType::TimestampWithTimeZoneNull),
                ("completed_at", ColType::TimestampWithTimeZoneNull),
            ],
            &[],
        )
        .await?;

        for (name, columns) in INDEXES {
            let mut index = Index::create();
            index.name(*name).table(Alias::new("tasks"));
            for column in *columns {
                index.col(Alias::new(*column));
            }
            m.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_table(m, "tasks").await?;
        Ok(())
    }
}
