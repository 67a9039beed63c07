//! What the list's search, concurrency control and idempotent creates need:
//!
//! - `tasks.version`: a counter every write bumps; the task's `ETag` and the
//!   `If-Match` check are built on it, so two writes in the same millisecond
//!   still differ.
//! - `tasks.search_text`: title and description lowercased by the service
//!   (Unicode-aware, the same on both databases), so `q` is a plain `LIKE`
//!   that behaves identically on SQLite and PostgreSQL.
//! - `idempotency_keys`: the first answer to a POST with an
//!   `Idempotency-Key`, per user, in the database so that it holds across
//!   several instances of the service.
use loco_rs::schema::*;
use sea_orm_migration::{
    prelude::*,
    sea_orm::{FromQueryResult, Statement},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Must match `search_text` in `src/models/tasks.rs`.
fn search_text(title: &str, description: Option<&str>) -> String {
    let mut text = title.to_lowercase();
    if let Some(description) = description {
        text.push('\n');
        text.push_str(&description.to_lowercase());
    }
    text
}

#[derive(FromQueryResult)]
struct Row {
    id: i64,
    title: String,
    description: Option<String>,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_column(m, "tasks", "version", ColType::IntegerWithDefault(1)).await?;
        add_column(
            m,
            "tasks",
            "search_text",
            ColType::TextWithDefault(String::new()),
        )
        .await?;

        // Fill search_text for the rows that exist (small tables only: this
        // ships before any deployment holds real data).
        let db = m.get_connection();
        let backend = db.get_database_backend();
        let rows = Row::find_by_statement(Statement::from_string(
            backend,
            "SELECT id, title, description FROM tasks",
        ))
        .all(db)
        .await?;
        for row in rows {
            let update = Query::update()
                .table(Alias::new("tasks"))
                .value(
                    Alias::new("search_text"),
                    search_text(&row.title, row.description.as_deref()),
                )
                .and_where(Expr::col(Alias::new("id")).eq(row.id))
                .to_owned();
            m.exec_stmt(update).await?;
        }

        create_table(
            m,
            "idempotency_keys",
            &[
                ("id", ColType::PkAuto),
                ("user_id", ColType::String),
                ("key", ColType::String),
                ("request_hash", ColType::String),
                // `pending` while the first request runs, then `completed`.
                ("state", ColType::String),
                ("response_status", ColType::SmallIntegerNull),
                ("response_body", ColType::TextNull),
                ("response_location", ColType::TextNull),
            ],
            &[],
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_idempotency_keys_user_key")
                .table(Alias::new("idempotency_keys"))
                .col(Alias::new("user_id"))
                .col(Alias::new("key"))
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_idempotency_keys_created")
                .table(Alias::new("idempotency_keys"))
                .col(Alias::new("created_at"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_table(m, "idempotency_keys").await?;
        remove_column(m, "tasks", "search_text").await?;
        remove_column(m, "tasks", "version").await?;
        Ok(())
    }
}
