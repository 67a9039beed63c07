//! The list's query parameters: which tasks and in what order.
//!
//! Unknown parameters are ignored; an unknown value of a known parameter is
//! a 422 that names the accepted values.

use crate::errors::{ApiError, FieldError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    #[default]
    All,
    Pending,
    Completed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Created,
    Updated,
    Title,
    DueDate,
    Priority,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

impl SortKey {
    /// Newest first for the timestamps, A to Z for titles, earliest due date
    /// first, high priority first.
    #[must_use]
    pub fn default_direction(self) -> Direction {
        match self {
            Self::Created | Self::Updated | Self::Priority => Direction::Desc,
            Self::Title | Self::DueDate => Direction::Asc,
        }
    }
}

/// A parsed list request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TaskFilter {
    pub status: Status,
    pub sort: SortKey,
    /// `None`: the sort key's default direction.
    pub order: Option<Direction>,
}

impl TaskFilter {
    #[must_use]
    pub fn direction(&self) -> Direction {
        self.order.unwrap_or_else(|| self.sort.default_direction())
    }

    /// Reads the query's `(name, value)` pairs; the first of a repeated
    /// parameter wins.
    ///
    /// # Errors
    /// 422 naming every parameter with an unknown value.
    pub fn from_query(pairs: &[(String, String)]) -> Result<Self, ApiError> {
        let first = |name: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        let mut errors = Vec::new();
        let mut filter = Self::default();
        match first("status") {
            None | Some("all") => {}
            Some("pending") => filter.status = Status::Pending,
            Some("completed") => filter.status = Status::Completed,
            Some(_) => errors.push(FieldError::new(
                "status",
                "must be one of all, pending, completed",
            )),
        }
        match first("sort") {
            None | Some("created") => {}
            Some("updated") => filter.sort = SortKey::Updated,
            Some("title") => filter.sort = SortKey::Title,
            Some("due_date") => filter.sort = SortKey::DueDate,
            Some("priority") => filter.sort = SortKey::Priority,
            Some(_) => errors.push(FieldError::new(
                "sort",
                "must be one of created, updated, title, due_date, priority",
            )),
        }
        match first("order") {
            None => {}
            Some("asc") => filter.order = Some(Direction::Asc),
            Some("desc") => filter.order = Some(Direction::Desc),
            Some(_) => errors.push(FieldError::new("order", "must be one of asc, desc")),
        }
        if errors.is_empty() {
            Ok(filter)
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}
