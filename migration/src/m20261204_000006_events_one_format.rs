//! One format for an event's task: the model's own JSON in
//! `task_events.task`, which the views render when the feed is read.
//! Events written in the API's shape (`task_events.shown`, migration 5)
//! are rewritten into the model's shape, then the column goes. The API's
//! shape never carried the task's `version`, so those events keep 0 there
//! (no view shows it).
use loco_rs::schema::{add_column, ColType};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, TransactionTrait};

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES: &str = r#"
UPDATE task_events SET task = json_build_object(
    'created_at', s->'created_at', 'updated_at', s->'updated_at',
    'id', s->'id', 'user_id', s->'user_id', 'title', s->'title',
    'description', s->'description', 'completed', s->'completed',
    'priority', CASE s->>'priority' WHEN 'low' THEN 0 WHEN 'high' THEN 2 ELSE 1 END,
    'due_date', s->'due_date', 'completed_at', s->'completed_at', 'version', 0,
    'tags', COALESCE((SELECT string_agg(tag, E'\n' ORDER BY n)
                      FROM json_array_elements_text(s->'tags') WITH ORDINALITY AS t(tag, n)), ''),
    'recurrence', s->'recurrence', 'next_id', s->'next_id', 'remind_at', s->'remind_at'
)::text
FROM (SELECT user_id AS u, id AS i, shown::json AS s FROM task_events
      WHERE task IS NULL AND shown IS NOT NULL) AS old
WHERE task_events.user_id = old.u AND task_events.id = old.i"#;

const SQLITE: &str = r"
UPDATE task_events SET task = json_object(
    'created_at', json_extract(shown, '$.created_at'),
    'updated_at', json_extract(shown, '$.updated_at'),
    'id', json_extract(shown, '$.id'), 'user_id', json_extract(shown, '$.user_id'),
    'title', json_extract(shown, '$.title'),
    'description', json_extract(shown, '$.description'),
    'completed', json(CASE WHEN json_extract(shown, '$.completed') THEN 'true' ELSE 'false' END),
    'priority', CASE json_extract(shown, '$.priority') WHEN 'low' THEN 0 WHEN 'high' THEN 2 ELSE 1 END,
    'due_date', json_extract(shown, '$.due_date'),
    'completed_at', json_extract(shown, '$.completed_at'), 'version', 0,
    'tags', COALESCE((SELECT group_concat(value, char(10)) FROM json_each(shown, '$.tags')), ''),
    'recurrence', json_extract(shown, '$.recurrence'),
    'next_id', json_extract(shown, '$.next_id'),
    'remind_at', json_extract(shown, '$.remind_at')
)
WHERE task IS NULL AND shown IS NOT NULL";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let rewrite = match db.get_database_backend() {
            DbBackend::Postgres => POSTGRES,
            _ => SQLITE,
        };
        // One transaction, so one connection: on SQLite another pooled
        // connection may still read the schema as it was before migration
        // 5 added the column, and fail to find it.
        let txn = db.begin().await?;
        txn.execute_unprepared(rewrite).await?;
        txn.execute_unprepared(r#"ALTER TABLE "task_events" DROP COLUMN "shown""#)
            .await?;
        txn.commit().await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_column(m, "task_events", "shown", ColType::TextNull).await
    }
}
