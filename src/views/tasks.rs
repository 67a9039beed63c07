//! The task as the API shows it. Rows never leave as they are: the stored
//! priority rank becomes its name, timestamps become RFC 3339 in UTC with
//! millisecond precision and a `Z`.

use chrono::{SecondsFormat, Utc};
use sea_orm::prelude::DateTimeWithTimeZone;
use serde::Serialize;

use crate::models::tasks::Model;

#[derive(Debug, Serialize)]
pub struct TaskResponse {
    pub id: i64,
    pub user_id: String,
    pub title: String,
    pub description: Option<String>,
    pub completed: bool,
    pub priority: &'static str,
    pub due_date: Option<String>,
    pub completed_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

fn timestamp(at: &DateTimeWithTimeZone) -> String {
    at.with_timezone(&Utc)
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl From<Model> for TaskResponse {
    fn from(task: Model) -> Self {
        Self {
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
        }
    }
}

#[must_use]
pub fn list(tasks: Vec<Model>) -> Vec<TaskResponse> {
    tasks.into_iter().map(TaskResponse::from).collect()
}
