//! A list as the API shows it: its name, color and place, and how many of
//! the user's tasks it holds.

use serde::Serialize;
use utoipa::ToSchema;

use super::tasks::Timestamp;
use crate::models::lists::ListWithCounts;

/// One of the user's lists.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = List)]
pub struct ListResponse {
    #[schema(example = 3)]
    pub id: i64,
    #[schema(example = "Groceries")]
    pub name: String,
    /// `#rrggbb`, or `null`.
    #[schema(required = true, example = "#3b82f6")]
    pub color: Option<String>,
    /// Its place among the user's lists: an opaque key to sort by,
    /// byte-wise.
    #[schema(example = "a0")]
    pub position: String,
    /// How many tasks it holds (subtasks included).
    #[schema(example = 5)]
    pub tasks: i64,
    /// How many of those are not completed.
    #[schema(example = 2)]
    pub pending: i64,
    #[schema(value_type = String, format = DateTime, example = "2026-11-27T22:38:06.974Z")]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime, example = "2026-11-27T22:38:06.974Z")]
    pub updated_at: Timestamp,
}

impl From<ListWithCounts> for ListResponse {
    fn from(counted: ListWithCounts) -> Self {
        let list = counted.list;
        Self {
            id: list.id,
            created_at: Timestamp::from(&list.created_at),
            updated_at: Timestamp::from(&list.updated_at),
            name: list.name,
            color: list.color,
            position: list.position,
            tasks: counted.tasks,
            pending: counted.pending,
        }
    }
}

#[must_use]
pub fn list(lists: Vec<ListWithCounts>) -> Vec<ListResponse> {
    lists.into_iter().map(ListResponse::from).collect()
}
