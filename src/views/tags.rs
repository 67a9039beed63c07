//! A tag as the API shows it: its name and how many of the user's tasks
//! carry it.

use serde::Serialize;
use utoipa::ToSchema;

use crate::models::tags::TagCount;

/// One of the user's tags.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Tag)]
pub struct TagResponse {
    #[schema(example = "home")]
    pub name: String,
    /// How many tasks carry it.
    #[schema(example = 3)]
    pub tasks: i64,
    /// How many of those are not completed.
    #[schema(example = 1)]
    pub pending: i64,
}

impl From<TagCount> for TagResponse {
    fn from(tag: TagCount) -> Self {
        Self {
            name: tag.name,
            tasks: tag.tasks,
            pending: tag.pending,
        }
    }
}

#[must_use]
pub fn list(tags: Vec<TagCount>) -> Vec<TagResponse> {
    tags.into_iter().map(TagResponse::from).collect()
}
