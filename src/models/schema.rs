//! The database schema's state against the code's migrations.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DbErr};

/// The names of the migrations the database has not applied yet (all of
/// them on a fresh database). Reads only: never creates the migrations
/// table.
///
/// # Errors
/// On a database failure.
pub async fn pending_migrations<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, DbErr> {
    Ok(Migrator::get_pending_migrations_read_only(db)
        .await?
        .iter()
        .map(|m| m.name().to_string())
        .collect())
}
