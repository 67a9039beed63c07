//! An event of the change feed as the API shows it, in the JSON feed and in
//! the stream alike.

use utoipa::ToSchema;

use super::{
    tasks::{TaskResponse, Timestamp},
    write_i64, write_str, WriteJson,
};
use crate::models::events::Event;

/// One change to one of the user's tasks.
#[derive(Debug, ToSchema)]
#[schema(as = Event)]
pub struct EventResponse {
    /// The user's event sequence: 1, 2, 3, ... without gaps, in commit
    /// order.
    #[schema(example = 17)]
    pub id: i64,
    #[schema(rename = "type", value_type = crate::models::events::EventKind, example = "task.updated")]
    pub kind: String,
    #[schema(example = 42)]
    pub task_id: i64,
    /// The task as `GET` showed it after the change; `null` for
    /// `task.deleted`.
    #[schema(required = true)]
    pub task: Option<TaskResponse>,
    #[schema(value_type = String, format = DateTime, example = "2026-11-28T09:00:00.000Z")]
    pub at: Timestamp,
}

impl From<Event> for EventResponse {
    fn from(event: Event) -> Self {
        Self {
            id: event.id,
            kind: event.kind,
            task_id: event.task_id,
            task: event.task.map(|task| TaskResponse::from(*task)),
            at: Timestamp::from(&event.at),
        }
    }
}

impl WriteJson for EventResponse {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"id\":");
        write_i64(out, self.id);
        out.extend_from_slice(b",\"type\":");
        write_str(out, &self.kind);
        out.extend_from_slice(b",\"task_id\":");
        write_i64(out, self.task_id);
        out.extend_from_slice(b",\"task\":");
        match &self.task {
            Some(task) => task.write_json(out),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"at\":");
        self.at.write_json(out);
        out.push(b'}');
    }
}

#[must_use]
pub fn list(events: Vec<Event>) -> Vec<EventResponse> {
    events.into_iter().map(EventResponse::from).collect()
}
