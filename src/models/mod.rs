pub mod _entities;
pub mod idempotency_keys;
pub mod task_etag;
pub mod task_filter;
pub mod task_input;
pub mod tasks;
