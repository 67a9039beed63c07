//! Lists, subtasks and a hand-made order.
//!
//! - `task_lists`: a user's lists. `name_key` is the name lower-cased (by
//!   the service, Unicode-aware), unique per user, so "Groceries" and
//!   "groceries" cannot both exist. `position` orders the lists.
//! - `tasks.list_id`: the task's list, or null (the inbox); `parent_id`: the
//!   task it is a subtask of, or null; `position`: its place among its
//!   siblings (same list, same parent). No foreign keys: the service checks
//!   ownership itself and moves or deletes what a list or task takes with
//!   it in the same transaction, each change with its event.
//! - Positions are fractional-index keys (`models::position`), compared
//!   byte-wise: PostgreSQL compares them in the "C" collation. Existing
//!   tasks get keys in the order they were created, per user (`c` and
//!   three base-62 digits: 238,328 keys before they repeat, where the list
//!   falls back on `id`).
use loco_rs::schema::{create_table, drop_table, ColType};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, TransactionTrait};

#[derive(DeriveMigrationName)]
pub struct Migration;

const DIGITS: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn position_column(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => r#"text COLLATE "C" NOT NULL DEFAULT ''"#,
        _ => "text NOT NULL DEFAULT ''",
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let backend = m.get_connection().get_database_backend();
        create_table(
            m,
            "task_lists",
            &[
                ("id", ColType::PkAuto),
                ("user_id", ColType::String),
                ("name", ColType::String),
                ("name_key", ColType::String),
                ("color", ColType::StringNull),
                ("version", ColType::IntegerWithDefault(1)),
            ],
            &[],
        )
        .await?;
        let db = m.get_connection();
        // DDL and data in one transaction, on one connection (SQLite's
        // pooled connections may read an older schema otherwise).
        let txn = db.begin().await?;
        let position = position_column(backend);
        txn.execute_unprepared(&format!(
            r#"ALTER TABLE "task_lists" ADD COLUMN "position" {position}"#
        ))
        .await?;
        txn.execute_unprepared(r#"ALTER TABLE "tasks" ADD COLUMN "list_id" bigint"#)
            .await?;
        txn.execute_unprepared(r#"ALTER TABLE "tasks" ADD COLUMN "parent_id" bigint"#)
            .await?;
        txn.execute_unprepared(&format!(
            r#"ALTER TABLE "tasks" ADD COLUMN "position" {position}"#
        ))
        .await?;
        // `row_number()` is a bigint on PostgreSQL; `substr` takes integers.
        let digit = |n: &str| format!("substr('{DIGITS}', CAST(({n}) % 62 + 1 AS integer), 1)");
        // One pass (both databases know UPDATE ... FROM).
        txn.execute_unprepared(&format!(
            r#"UPDATE "tasks" SET "position" = 'c' || {} || {} || {}
               FROM (SELECT "id" AS i,
                            row_number() OVER (PARTITION BY "user_id" ORDER BY "id") - 1 AS n
                     FROM "tasks") AS numbered
               WHERE numbered.i = "tasks"."id""#,
            digit("numbered.n / 3844"),
            digit("numbered.n / 62"),
            digit("numbered.n")
        ))
        .await?;
        for sql in [
            r#"CREATE UNIQUE INDEX "idx_task_lists_user_name" ON "task_lists" ("user_id", "name_key")"#,
            r#"CREATE INDEX "idx_task_lists_user_position" ON "task_lists" ("user_id", "position", "id")"#,
            r#"CREATE INDEX "idx_tasks_user_position" ON "tasks" ("user_id", "position", "id")"#,
            r#"CREATE INDEX "idx_tasks_user_list" ON "tasks" ("user_id", "list_id")"#,
            r#"CREATE INDEX "idx_tasks_user_parent" ON "tasks" ("user_id", "parent_id")"#,
        ] {
            txn.execute_unprepared(sql).await?;
        }
        txn.commit().await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for sql in [
            r#"DROP INDEX "idx_tasks_user_parent""#,
            r#"DROP INDEX "idx_tasks_user_list""#,
            r#"DROP INDEX "idx_tasks_user_position""#,
            r#"ALTER TABLE "tasks" DROP COLUMN "position""#,
            r#"ALTER TABLE "tasks" DROP COLUMN "parent_id""#,
            r#"ALTER TABLE "tasks" DROP COLUMN "list_id""#,
        ] {
            db.execute_unprepared(sql).await?;
        }
        drop_table(m, "task_lists").await
    }
}
