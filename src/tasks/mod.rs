pub mod dev_token;
pub mod purge_idempotency_keys;
