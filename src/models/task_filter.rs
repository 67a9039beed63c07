//! The list's query parameters: which tasks, in what order, which page.
//!
//! Unknown parameters are ignored; an unknown value of a known parameter is
//! a 422 that names the accepted values.
//!
//! Pages are keyset-based: the cursor carries the sort key and `id` of the
//! last task of the previous page, so the next page is "the tasks after
//! this one" in the list's total order, whatever was added or removed in
//! between, and costs the same at any depth. It also carries a fingerprint
//! of the filter, so a cursor used with another filter or sort is refused
//! rather than silently skipping tasks.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::{Deserialize, Serialize};

use crate::errors::{ApiError, FieldError};

pub const DEFAULT_LIMIT: u64 = 100;
pub const MAX_LIMIT: u64 = 1000;
/// Longest `q` accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    #[default]
    All,
    Pending,
    Completed,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Pending => "pending",
            Self::Completed => "completed",
        }
    }
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

    fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Title => "title",
            Self::DueDate => "due_date",
            Self::Priority => "priority",
        }
    }
}

/// The position after which the next page starts: the last task's sort key
/// (as stored; `None` for a task without a due date) and id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The sort key value, as text: an RFC 3339 timestamp, a title or a
    /// priority rank.
    #[serde(rename = "k")]
    pub key: Option<String>,
    #[serde(rename = "i")]
    pub id: i64,
    /// Fingerprint of the filter and sort the cursor belongs to.
    #[serde(rename = "f")]
    pub fingerprint: String,
}

impl Cursor {
    /// The opaque form sent to clients.
    #[must_use]
    pub fn encode(&self) -> String {
        // Serializing a struct of strings and numbers cannot fail.
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Whether the key has the form the sort's column needs.
    fn fits(&self, sort: SortKey) -> bool {
        let is_timestamp = |key: &str| chrono::DateTime::parse_from_rfc3339(key).is_ok();
        match (sort, self.key.as_deref()) {
            (SortKey::Created | SortKey::Updated, Some(key)) => is_timestamp(key),
            (SortKey::DueDate, Some(key)) => is_timestamp(key),
            (SortKey::DueDate, None) => true,
            (SortKey::Title, Some(_)) => true,
            (SortKey::Priority, Some(key)) => key.parse::<i16>().is_ok(),
            _ => false,
        }
    }

    fn decode(text: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

/// A parsed list request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFilter {
    pub status: Status,
    pub sort: SortKey,
    /// `None`: the sort key's default direction.
    pub order: Option<Direction>,
    /// The search text, lowercased, or `None` for no search.
    pub search: Option<String>,
    pub limit: u64,
    pub after: Option<Cursor>,
}

impl Default for TaskFilter {
    fn default() -> Self {
        Self {
            status: Status::All,
            sort: SortKey::Created,
            order: None,
            search: None,
            limit: DEFAULT_LIMIT,
            after: None,
        }
    }
}

/// FNV-1a: a short, stable fingerprint (not a security measure: a client
/// can only page through its own tasks anyway).
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl TaskFilter {
    #[must_use]
    pub fn direction(&self) -> Direction {
        self.order.unwrap_or_else(|| self.sort.default_direction())
    }

    /// Identifies what a cursor is valid for: status, search, sort, order.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        let direction = match self.direction() {
            Direction::Asc => "asc",
            Direction::Desc => "desc",
        };
        let text = format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{}",
            self.status.as_str(),
            self.sort.as_str(),
            direction,
            self.search.as_deref().unwrap_or("")
        );
        format!("{:016x}", fnv1a(&text))
    }

    /// Reads the query's `(name, value)` pairs; the first of a repeated
    /// parameter wins.
    ///
    /// # Errors
    /// 422 naming every parameter with an unknown or out-of-range value.
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
        if let Some(limit) = first("limit") {
            match limit.parse::<u64>() {
                Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => filter.limit = limit,
                _ => errors.push(FieldError::new(
                    "limit",
                    format!("must be a whole number from 1 to {MAX_LIMIT}"),
                )),
            }
        }
        if let Some(q) = first("q") {
            if q.chars().count() > MAX_QUERY_CHARS {
                errors.push(FieldError::new(
                    "q",
                    format!("must be at most {MAX_QUERY_CHARS} characters"),
                ));
            } else if q.contains('\0') {
                errors.push(FieldError::new(
                    "q",
                    "must not contain NUL (U+0000) characters",
                ));
            } else if !q.is_empty() {
                filter.search = Some(q.to_lowercase());
            }
        }
        // The cursor is checked last: it must belong to this very filter.
        if let Some(text) = first("cursor").filter(|text| !text.is_empty()) {
            match Cursor::decode(text) {
                Some(cursor)
                    if errors.is_empty()
                        && cursor.fingerprint == filter.fingerprint()
                        && cursor.fits(filter.sort) =>
                {
                    filter.after = Some(cursor);
                }
                Some(_) if !errors.is_empty() => {}
                _ => errors.push(FieldError::new(
                    "cursor",
                    "is not a cursor of this list (take it from the Link header of the previous page, with the same status, q, sort and order)",
                )),
            }
        }
        if errors.is_empty() {
            Ok(filter)
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}
