//! A list's row as others read it: the list as the API shows it and a
//! `list.*` event keeps it (the row and its counts), and the lookups a
//! task's write makes (`super::subtasks`). A leaf, so the feed and the
//! tasks can read lists without knowing the lists' writes.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use super::{
    _entities::task_lists::{Column, Entity, Model},
    errors::{DomainError, DomainResult},
};

/// A list as the API shows it: the row and its counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListWithCounts {
    #[serde(flatten)]
    pub list: Model,
    /// Tasks in the list (subtasks included).
    pub tasks: i64,
    /// Of those, the ones not completed.
    pub pending: i64,
}

impl ListWithCounts {
    /// The quoted strong entity tag: the list's version and creation time,
    /// and its counts, which the representation shows.
    #[must_use]
    pub fn etag(&self) -> String {
        format!(
            "\"{}-{}-{}-{}\"",
            self.list.version,
            self.list.created_at.timestamp_millis(),
            self.tasks,
            self.pending
        )
    }
}

pub const NAME_MAX_CHARS: usize = 100;

/// A list name: trimmed, then 1 to 100 characters, no control characters.
///
/// # Errors
/// The message for the `name` field.
pub fn parse_list_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.chars().any(char::is_control) {
        return Err("must not contain control characters".to_string());
    }
    let chars = name.chars().count();
    if chars == 0 || chars > NAME_MAX_CHARS {
        return Err(format!("must be between 1 and {NAME_MAX_CHARS} characters"));
    }
    Ok(name.to_string())
}

/// The key a name is unique by: the name lower-cased.
#[must_use]
pub fn name_key(name: &str) -> String {
    name.to_lowercase()
}

/// The owner's list with this id, without counts.
///
/// # Errors
/// `NotFound` (also another owner's list); a database failure.
pub async fn find_row<C: ConnectionTrait>(db: &C, owner_id: &str, id: i64) -> DomainResult<Model> {
    Entity::find()
        .filter(Column::UserId.eq(owner_id))
        .filter(Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)
}

/// The owner's list with this name (ignoring case).
///
/// # Errors
/// On a database failure.
pub async fn find_by_name<C: ConnectionTrait>(
    db: &C,
    owner_id: &str,
    name: &str,
) -> DomainResult<Option<Model>> {
    Ok(Entity::find()
        .filter(Column::UserId.eq(owner_id))
        .filter(Column::NameKey.eq(name_key(name.trim())))
        .one(db)
        .await?)
}
