//! The domain: tasks and their rules, with no knowledge of HTTP or MCP.
//! Every function here can be called with nothing but a database
//! connection; failures are [`errors::DomainError`]s.

pub mod _entities;
pub mod errors;
pub mod events;
pub mod idempotency_keys;
pub mod query;
pub mod recurrence;
pub mod reminders;
pub mod schema;
pub mod tags;
pub mod task_input;
pub mod task_list;
pub mod tasks;
