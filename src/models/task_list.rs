//! The list: which tasks (status, search, tags, due-date window), in what
//! order (sort, order), which page (limit, cursor).
//!
//! Unknown parameters are ignored; an unknown value of a known parameter is
//! an `Invalid` naming the accepted values.
//!
//! Pages are keyset-based: the cursor carries the sort key and `id` of the
//! last task of the previous page, so the next page is "the tasks after
//! this one" in the list's total order, whatever was added or removed in
//! between, and costs the same at any depth. It also carries a fingerprint
//! of the filter, so a cursor used with another filter or sort is refused
//! rather than silently skipping tasks.
//!
//! A sort key is declared once, in [`SortKey`]: its name, column, default
//! direction and how its value is written into and read from a cursor.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{
    entity::prelude::*,
    sea_query::{Expr, ExprTrait, LikeExpr, NullOrdering, Query},
    Condition, Order, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use super::{
    _entities::task_tags,
    clock::to_stored,
    dates::{parse_date_or_instant, Tz},
    errors::{DomainError, DomainResult, FieldError},
    query,
    tags::{parse_tag, MAX_TAGS_PER_TASK},
    tasks::{Column, Entity, Model},
};

pub const DEFAULT_LIMIT: u64 = 100;
pub const MAX_LIMIT: u64 = 1000;
/// Longest `q` accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// Which tasks: `all` (default), `pending`, `completed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, utoipa::ToSchema)]
#[schema(as = StatusFilter, rename_all = "lowercase")]
pub enum Status {
    #[default]
    All,
    Pending,
    Completed,
}

impl Status {
    pub const ALL: [Self; 3] = [Self::All, Self::Pending, Self::Completed];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Pending => "pending",
            Self::Completed => "completed",
        }
    }
}

/// The sort key (default `created`); ties break on `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, utoipa::ToSchema)]
#[schema(as = SortField, rename_all = "snake_case")]
pub enum SortKey {
    #[default]
    Created,
    Updated,
    Title,
    DueDate,
    Priority,
    /// The person's own order (`move`).
    Position,
}

/// `asc` or `desc`; the default depends on the sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = SortOrder, rename_all = "lowercase")]
pub enum Direction {
    Asc,
    Desc,
}

impl Direction {
    pub const ALL: [Self; 2] = [Self::Asc, Self::Desc];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Asc => "asc",
            Self::Desc => "desc",
        }
    }
}

/// A timestamp as a cursor holds it: exactly as stored.
fn cursor_timestamp(at: &DateTimeWithTimeZone) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn timestamp_value(key: &str) -> Option<sea_orm::Value> {
    DateTime::parse_from_rfc3339(key).ok().map(Into::into)
}

impl SortKey {
    pub const ALL: [Self; 6] = [
        Self::Created,
        Self::Updated,
        Self::Title,
        Self::DueDate,
        Self::Priority,
        Self::Position,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Title => "title",
            Self::DueDate => "due_date",
            Self::Priority => "priority",
            Self::Position => "position",
        }
    }

    /// Newest first for the timestamps, A to Z for titles, earliest due date
    /// first, high priority first, the person's order.
    #[must_use]
    pub fn default_direction(self) -> Direction {
        match self {
            Self::Created | Self::Updated | Self::Priority => Direction::Desc,
            Self::Title | Self::DueDate | Self::Position => Direction::Asc,
        }
    }

    fn column(self) -> Column {
        match self {
            Self::Created => Column::CreatedAt,
            Self::Updated => Column::UpdatedAt,
            Self::Title => Column::Title,
            Self::DueDate => Column::DueDate,
            Self::Priority => Column::Priority,
            Self::Position => Column::Position,
        }
    }

    /// Whether tasks may lack the key (they sort last, both directions).
    fn nullable(self) -> bool {
        self == Self::DueDate
    }

    /// The task's key, as a cursor carries it (`None`: the task has none).
    fn key_of(self, task: &Model) -> Option<String> {
        match self {
            Self::Created => Some(cursor_timestamp(&task.created_at)),
            Self::Updated => Some(cursor_timestamp(&task.updated_at)),
            Self::Title => Some(task.title.clone()),
            Self::DueDate => task.due_date.as_ref().map(cursor_timestamp),
            Self::Priority => Some(task.priority.to_string()),
            Self::Position => Some(task.position.clone()),
        }
    }

    /// A cursor's key as a value of the column, or `None` when it does not
    /// have the column's form.
    fn key_value(self, key: &str) -> Option<sea_orm::Value> {
        match self {
            Self::Created | Self::Updated | Self::DueDate => timestamp_value(key),
            Self::Title | Self::Position => Some(key.into()),
            Self::Priority => key.parse::<i16>().ok().map(Into::into),
        }
    }
}

/// The position after which the next page starts: the last task's sort key
/// (as stored; `None` for a task without one) and id.
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

    fn decode(text: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Whether the key has the form the sort's column needs.
    fn fits(&self, sort: SortKey) -> bool {
        match self.key.as_deref() {
            Some(key) => sort.key_value(key).is_some(),
            None => sort.nullable(),
        }
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
    /// Tags every listed task carries (normalised, sorted, no duplicates).
    pub tags: Vec<String>,
    /// The due-date window: from `due_after` (inclusive) to `due_before`
    /// (exclusive); undated tasks never match either.
    pub due_after: Option<DateTime<Utc>>,
    pub due_before: Option<DateTime<Utc>>,
    /// `Some(None)`: the inbox (`list_id=none`).
    pub list_id: Option<Option<i64>>,
    /// `Some(None)`: top-level tasks only (`parent_id=none`).
    pub parent_id: Option<Option<i64>>,
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
            tags: Vec::new(),
            due_after: None,
            due_before: None,
            list_id: None,
            parent_id: None,
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

/// The one of `choices` named `value`, or a field error listing them.
fn one_of<T: Copy>(
    field: &str,
    value: &str,
    choices: &[T],
    name: impl Fn(T) -> &'static str,
) -> Result<T, FieldError> {
    choices
        .iter()
        .copied()
        .find(|choice| name(*choice) == value)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|c| name(*c)).collect();
            FieldError::new(field, format!("must be one of {}", names.join(", ")))
        })
}

impl TaskFilter {
    #[must_use]
    pub fn direction(&self) -> Direction {
        self.order.unwrap_or_else(|| self.sort.default_direction())
    }

    /// Identifies what a cursor is valid for: status, search, tags, the
    /// due-date window, sort, order.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        let mut text = format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{}",
            self.status.as_str(),
            self.sort.as_str(),
            self.direction().as_str(),
            self.search.as_deref().unwrap_or("")
        );
        // Tags never hold a control character: the separator is unambiguous,
        // and a filter without tags keeps the fingerprint it always had.
        for tag in &self.tags {
            text.push('\u{1f}');
            text.push_str(tag);
        }
        // Likewise for the window, list and parent, marked apart from tags.
        for (mark, bound) in [('>', self.due_after), ('<', self.due_before)] {
            if let Some(bound) = bound {
                text.push('\u{1e}');
                text.push(mark);
                text.push_str(&bound.to_rfc3339());
            }
        }
        for (mark, id) in [('L', self.list_id), ('P', self.parent_id)] {
            if let Some(id) = id {
                text.push('\u{1e}');
                text.push(mark);
                text.push_str(&id.map_or_else(|| "none".to_string(), |id| id.to_string()));
            }
        }
        format!("{:016x}", fnv1a(&text))
    }

    /// Reads the query's `(name, value)` pairs; the first of a repeated
    /// parameter wins, except `tag`, which may repeat (every one applies).
    /// A date in `due_after` or `due_before` starts at midnight in `zone`.
    ///
    /// # Errors
    /// `Invalid` naming every parameter with an unknown or out-of-range
    /// value.
    pub fn from_query(pairs: &[(String, String)], zone: Tz) -> DomainResult<Self> {
        let first = |name: &str| query::first(pairs, name);
        let mut errors = Vec::new();
        let mut filter = Self::default();
        if let Some(value) = first("status") {
            match one_of("status", value, &Status::ALL, Status::as_str) {
                Ok(status) => filter.status = status,
                Err(e) => errors.push(e),
            }
        }
        if let Some(value) = first("sort") {
            match one_of("sort", value, &SortKey::ALL, SortKey::as_str) {
                Ok(sort) => filter.sort = sort,
                Err(e) => errors.push(e),
            }
        }
        if let Some(value) = first("order") {
            match one_of("order", value, &Direction::ALL, Direction::as_str) {
                Ok(order) => filter.order = Some(order),
                Err(e) => errors.push(e),
            }
        }
        if let Some(limit) = first("limit") {
            match query::limit(limit, MAX_LIMIT) {
                Ok(limit) => filter.limit = limit,
                Err(e) => errors.push(e),
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
        let tags: Vec<&str> = pairs
            .iter()
            .filter(|(key, _)| key == "tag")
            .map(|(_, value)| value.as_str())
            .collect();
        if tags.len() > MAX_TAGS_PER_TASK {
            errors.push(FieldError::new(
                "tag",
                format!("may be given at most {MAX_TAGS_PER_TASK} times"),
            ));
        } else {
            match tags
                .into_iter()
                .map(parse_tag)
                .collect::<Result<Vec<_>, _>>()
            {
                Ok(mut tags) => {
                    tags.sort();
                    tags.dedup();
                    filter.tags = tags;
                }
                Err(message) => errors.push(FieldError::new("tag", message)),
            }
        }
        for (name, bound) in [
            ("due_after", &mut filter.due_after),
            ("due_before", &mut filter.due_before),
        ] {
            if let Some(value) = first(name) {
                match parse_date_or_instant(
                    value,
                    "must be an RFC 3339 date-time (2026-12-01T09:00:00Z) or a date (2026-12-01)",
                ) {
                    Ok(input) => *bound = Some(input.instant_in(zone)),
                    Err(message) => errors.push(FieldError::new(name, message)),
                }
            }
        }
        for (name, filter_id) in [
            ("list_id", &mut filter.list_id),
            ("parent_id", &mut filter.parent_id),
        ] {
            if let Some(value) = first(name) {
                match value {
                    "none" => *filter_id = Some(None),
                    _ => match value.parse::<i64>() {
                        Ok(id) if id > 0 && !value.starts_with('+') => *filter_id = Some(Some(id)),
                        _ => errors.push(FieldError::new(
                            name,
                            "must be a positive integer id, or none",
                        )),
                    },
                }
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
                    "is not a cursor of this list (take it from the Link header of the previous page, with the same status, q, tag, due_after, due_before, list_id, parent_id, sort and order)",
                )),
            }
        }
        if errors.is_empty() {
            Ok(filter)
        } else {
            Err(DomainError::Invalid(errors))
        }
    }

    /// The condition "comes after the cursor" in the list's order: a
    /// greater (or, descending, smaller) sort key, or the same key and a
    /// later id. Tasks without the key sort last in both directions, so they
    /// come after every task with one.
    fn after(&self, cursor: &Cursor) -> Condition {
        let asc = self.direction() == Direction::Asc;
        let column = self.sort.column();
        let id_after = if asc {
            Column::Id.gt(cursor.id)
        } else {
            Column::Id.lt(cursor.id)
        };
        // `from_query` only lets cursors through whose key fits the sort.
        match cursor.key.as_deref().and_then(|k| self.sort.key_value(k)) {
            None => Condition::all().add(column.is_null()).add(id_after),
            Some(key) => {
                let beyond = if asc {
                    column.gt(key.clone())
                } else {
                    column.lt(key.clone())
                };
                let mut after = Condition::any()
                    .add(beyond)
                    .add(Condition::all().add(column.eq(key)).add(id_after));
                if self.sort.nullable() {
                    after = after.add(column.is_null());
                }
                after
            }
        }
    }

    /// The cursor that starts the page after `task`.
    fn cursor_after(&self, task: &Model) -> Cursor {
        Cursor {
            key: self.sort.key_of(task),
            id: task.id,
            fingerprint: self.fingerprint(),
        }
    }
}

/// A `LIKE` pattern matching `needle` anywhere, with `\`, `%` and `_` taken
/// literally (escaped with `\`).
fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// One page of a list.
#[derive(Debug)]
pub struct TaskPage {
    pub tasks: Vec<Model>,
    /// How many tasks match the filter, on all pages.
    pub total: u64,
    /// Where the next page starts, when there is one.
    pub next: Option<Cursor>,
}

impl Model {
    /// One page of the owner's tasks, filtered and ordered. The order is
    /// total: ties on the sort key break on `id`, in the same direction.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn list_for_user<C: ConnectionTrait>(
        db: &C,
        owner_id: &str,
        filter: &TaskFilter,
    ) -> DomainResult<TaskPage> {
        let mut matching = Condition::all().add(Column::UserId.eq(owner_id));
        matching = match filter.status {
            Status::All => matching,
            Status::Pending => matching.add(Column::Completed.eq(false)),
            Status::Completed => matching.add(Column::Completed.eq(true)),
        };
        if let Some(search) = &filter.search {
            matching = matching
                .add(Column::SearchText.like(LikeExpr::new(contains_pattern(search)).escape('\\')));
        }
        // A tag row of the task itself (by its key, task and name): the
        // owner is already fixed on the task. Naming the owner a second
        // time here made PostgreSQL's generic plan look dearer than a fresh
        // one, so it planned the statement anew on every execution, which
        // cost more than running it.
        for tag in &filter.tags {
            matching = matching.add(Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from(task_tags::Entity)
                    .and_where(
                        Expr::col((task_tags::Entity, task_tags::Column::TaskId))
                            .equals((Entity, Column::Id)),
                    )
                    .and_where(task_tags::Column::Name.eq(tag.as_str()))
                    .to_owned(),
            ));
        }
        matching = match filter.list_id {
            None => matching,
            Some(None) => matching.add(Column::ListId.is_null()),
            Some(Some(id)) => matching.add(Column::ListId.eq(id)),
        };
        matching = match filter.parent_id {
            None => matching,
            Some(None) => matching.add(Column::ParentId.is_null()),
            Some(Some(id)) => matching.add(Column::ParentId.eq(id)),
        };
        if let Some(after) = filter.due_after {
            matching = matching.add(Column::DueDate.gte(to_stored(after)));
        }
        if let Some(before) = filter.due_before {
            matching = matching.add(Column::DueDate.lt(to_stored(before)));
        }
        let mut page = matching.clone();
        if let Some(cursor) = &filter.after {
            page = page.add(filter.after(cursor));
        }
        let order = match filter.direction() {
            Direction::Asc => Order::Asc,
            Direction::Desc => Order::Desc,
        };
        let query = Entity::find().filter(page);
        let query = if filter.sort.nullable() {
            query.order_by_with_nulls(filter.sort.column(), order.clone(), NullOrdering::Last)
        } else {
            query.order_by(filter.sort.column(), order.clone())
        };
        // One more than asked: whether it exists says if a next page does.
        let mut tasks = query
            .order_by(Column::Id, order)
            .limit(filter.limit + 1)
            .into_model::<super::tasks::Row>()
            .all(db)
            .await?
            .into_iter()
            .map(|row| row.0)
            .collect::<Vec<_>>();
        let limit = usize::try_from(filter.limit).unwrap_or(usize::MAX);
        // A first page that holds every match is its own count: one round
        // trip instead of two for the common list.
        let total = if filter.after.is_none() && tasks.len() <= limit {
            u64::try_from(tasks.len()).unwrap_or(u64::MAX)
        } else {
            Entity::find().filter(matching).count(db).await?
        };
        let next = if tasks.len() > limit {
            tasks.truncate(limit);
            tasks.last().map(|last| filter.cursor_after(last))
        } else {
            None
        };
        Ok(TaskPage { tasks, total, next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &[(&str, &str)]) -> Vec<(String, String)> {
        query
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn every_sort_key_reads_its_own_cursor_keys() {
        for sort in SortKey::ALL {
            let filter = TaskFilter {
                sort,
                ..TaskFilter::default()
            };
            let parsed = TaskFilter::from_query(&pairs(&[("sort", sort.as_str())]), Tz::UTC)
                .expect("a known sort key");
            assert_eq!(parsed, filter, "{sort:?}");
        }
        assert!(SortKey::Priority.key_value("2").is_some());
        assert!(SortKey::Priority.key_value("high").is_none());
        assert!(SortKey::Created
            .key_value("2026-11-27T22:38:06.974Z")
            .is_some());
        assert!(SortKey::Created.key_value("yesterday").is_none());
    }

    #[test]
    fn unknown_values_name_the_choices() {
        let Err(DomainError::Invalid(errors)) = TaskFilter::from_query(
            &pairs(&[("status", "done"), ("sort", "x"), ("order", "up")]),
            Tz::UTC,
        ) else {
            panic!("expected Invalid");
        };
        let messages: Vec<String> = errors
            .iter()
            .map(|e| format!("{} {}", e.field, e.message))
            .collect();
        assert_eq!(
            messages,
            [
                "status must be one of all, pending, completed",
                "sort must be one of created, updated, title, due_date, priority, position",
                "order must be one of asc, desc",
            ]
        );
    }

    #[test]
    fn like_patterns_are_literal() {
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }
}
