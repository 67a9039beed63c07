pub mod docs;
pub mod health;
pub mod task_docs;
pub mod tasks;
