pub mod dev_tokens;
pub mod docs;
pub mod events;
pub mod health;
pub mod tags;
pub mod task_docs;
pub mod tasks;
pub mod web_client;
