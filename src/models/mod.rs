pub mod _entities;
pub mod task_filter;
pub mod task_input;
pub mod tasks;
