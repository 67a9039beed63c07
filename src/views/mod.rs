pub mod events;
pub mod tags;
pub mod tasks;
