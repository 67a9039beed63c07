//! An event of the change feed as the API shows it, in the JSON feed and in
//! the stream alike.

use utoipa::ToSchema;

use super::{
    lists::ListResponse,
    tasks::{TaskResponse, Timestamp},
    write_i64, write_str, WriteJson,
};
use crate::models::events::{Event, EventKind};

/// One change to one of the user's tasks (`task.*`: `task_id` and `task`)
/// or lists (`list.*`: `list_id` and `list` in their place).
#[derive(Debug, ToSchema)]
#[schema(as = Event)]
pub struct EventResponse {
    /// The user's event sequence: 1, 2, 3, ... without gaps, in commit
    /// order.
    #[schema(example = 17)]
    pub id: i64,
    #[schema(rename = "type", value_type = crate::models::events::EventKind, example = "task.updated")]
    pub kind: String,
    /// On a `task.*` event.
    #[schema(example = 42, nullable = false)]
    pub task_id: Option<i64>,
    /// On a `task.*` event: the task as `GET` showed it after the change;
    /// `null` for `task.deleted`.
    pub task: Option<TaskResponse>,
    /// On a `list.*` event.
    #[schema(example = 3, nullable = false)]
    pub list_id: Option<i64>,
    /// On a `list.*` event: the list after the change; `null` for
    /// `list.deleted`.
    pub list: Option<ListResponse>,
    #[schema(value_type = String, format = DateTime, example = "2026-11-28T09:00:00.000Z")]
    pub at: Timestamp,
}

impl From<Event> for EventResponse {
    fn from(event: Event) -> Self {
        let is_list = EventKind::is_list(&event.kind);
        Self {
            id: event.id,
            task_id: (!is_list).then_some(event.task_id),
            list_id: is_list.then_some(event.task_id),
            kind: event.kind,
            task: event.task.map(|task| TaskResponse::from(*task)),
            list: event.list.map(|list| ListResponse::from(*list)),
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
        if let Some(list_id) = self.list_id {
            out.extend_from_slice(b",\"list_id\":");
            write_i64(out, list_id);
            out.extend_from_slice(b",\"list\":");
            match &self.list {
                // The list is a few fields: serde writes it.
                Some(list) => {
                    let _ = serde_json::to_writer(&mut *out, list);
                }
                None => out.extend_from_slice(b"null"),
            }
        } else {
            out.extend_from_slice(b",\"task_id\":");
            write_i64(out, self.task_id.unwrap_or_default());
            out.extend_from_slice(b",\"task\":");
            match &self.task {
                Some(task) => task.write_json(out),
                None => out.extend_from_slice(b"null"),
            }
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
