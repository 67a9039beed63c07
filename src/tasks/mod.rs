pub mod dev_token;
pub mod purge_events;
pub mod purge_idempotency_keys;
pub mod task_counts;
