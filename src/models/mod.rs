//! The domain: tasks and their rules, with no knowledge of HTTP or MCP.
//! Every function here can be called with nothing but a database
//! connection; failures are [`errors::DomainError`]s.

/// Reads a driver row by position: `$read` builds the value from `$row`
/// (either driver's row type) with `try_get_unchecked(index)?`; `Ok(None)`
/// for a row of neither driver (a mock). sea-orm's generic reader looks
/// every column up by name and formats an error message for every `NULL`
/// it reads, the largest cost of a list request in the service
/// (`docs/benchmark.md`); each caller says why its positions and types
/// hold.
macro_rules! by_position {
    ($res:expr, |$row:ident| $read:expr) => {{
        use sea_orm::sqlx::Row as _;
        let read = || -> Result<Option<_>, sea_orm::sqlx::Error> {
            if let Some($row) = $res.try_as_pg_row() {
                return Ok(Some($read));
            }
            if let Some($row) = $res.try_as_sqlite_row() {
                return Ok(Some($read));
            }
            Ok(None)
        };
        read()
    }};
}

pub mod _entities;
pub mod clock;
pub mod dates;
pub mod errors;
pub mod events;
pub mod feed;
pub mod idempotency_keys;
pub mod list_rows;
pub mod lists;
pub mod position;
pub mod precondition;
pub mod priority;
pub mod query;
pub mod recurrence;
pub mod reminders;
pub mod schema;
pub mod snapshot_time;
pub mod subtasks;
pub mod tags;
pub mod task_input;
pub mod task_list;
pub mod tasks;
