//! The task as the API shows it. Rows never leave as they are: the stored
//! priority rank becomes its name, timestamps become RFC 3339 in UTC with
//! millisecond precision and a `Z`.

use chrono::{SecondsFormat, Utc};
use sea_orm::prelude::DateTimeWithTimeZone;
use serde::Serialize;
use utoipa::ToSchema;

use crate::models::tasks::Model;

/// A task.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Task)]
pub struct TaskResponse {
    #[schema(example = 42)]
    pub id: i64,
    /// The owner: the `sub` of their tokens.
    #[schema(example = "80nmxlJfYWC6KDfWyDJI6NO6gQxgGAhd")]
    pub user_id: String,
    #[schema(example = "Buy milk")]
    pub title: String,
    /// Always present; `null` when there is none.
    #[schema(required = true)]
    pub description: Option<String>,
    pub completed: bool,
    #[schema(value_type = crate::models::tasks::Priority)]
    pub priority: &'static str,
    #[schema(format = DateTime, example = "2026-12-24T09:00:00.000Z", required = true)]
    pub due_date: Option<String>,
    /// When the task was last completed; `null` while it is not.
    #[schema(format = DateTime, required = true)]
    pub completed_at: Option<String>,
    #[schema(format = DateTime, example = "2026-11-27T22:38:06.974Z")]
    pub created_at: String,
    #[schema(format = DateTime, example = "2026-11-27T22:38:06.974Z")]
    pub updated_at: String,
    /// Normalised (trimmed, lower case), sorted by code point; `[]` when
    /// none.
    #[schema(example = json!(["home", "work"]))]
    pub tags: Vec<String>,
    /// An RFC 5545 RRULE value repeating from `due_date`, or `null`.
    #[schema(required = true, example = "FREQ=WEEKLY;BYDAY=MO,WE")]
    pub recurrence: Option<String>,
    /// The occurrence created when this task was completed, or `null`.
    #[schema(required = true)]
    pub next_id: Option<i64>,
    /// When to remind, or `null`.
    #[schema(format = DateTime, required = true, example = "2026-12-24T08:30:00.000Z")]
    pub remind_at: Option<String>,
}

fn timestamp(at: &DateTimeWithTimeZone) -> String {
    at.with_timezone(&Utc)
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl From<Model> for TaskResponse {
    fn from(task: Model) -> Self {
        let tags = task.tags();
        Self {
            tags,
            remind_at: task.remind_at.as_ref().map(timestamp),
            next_id: task.next_id,
            id: task.id,
            priority: task.priority().as_str(),
            due_date: task.due_date.as_ref().map(timestamp),
            completed_at: task.completed_at.as_ref().map(timestamp),
            created_at: timestamp(&task.created_at),
            updated_at: timestamp(&task.updated_at),
            user_id: task.user_id,
            title: task.title,
            description: task.description,
            completed: task.completed,
            recurrence: task.recurrence,
        }
    }
}

#[must_use]
pub fn list(tasks: Vec<Model>) -> Vec<TaskResponse> {
    tasks.into_iter().map(TaskResponse::from).collect()
}
