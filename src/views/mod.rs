pub mod tags;
pub mod tasks;
