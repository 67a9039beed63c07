pub mod docs;
pub mod tasks;
