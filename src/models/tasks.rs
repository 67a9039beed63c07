//! Tasks: the data rules and every query on them.
//!
//! Every finder and state change takes the owner's id and puts it in the
//! query itself, so there is no way to reach a task by id alone: another
//! user's task is simply not found.

use chrono::{DateTime, DurationRound, SecondsFormat, TimeDelta, Utc};
use loco_rs::prelude::*;
use sea_orm::{
    sea_query::{Expr, LikeExpr, NullOrdering},
    ActiveValue, Condition, Order,
};
use validator::ValidationError;

pub use super::_entities::tasks::{self, ActiveModel, Column, Entity, Model};
use super::{
    task_etag::{PreconditionFailed, TagList},
    task_filter::{Cursor, Direction, SortKey, Status, TaskFilter},
    task_input::{
        parse_description, parse_title, NewTask, Priority, TaskChanges, DESCRIPTION_MAX_CHARS,
    },
};

/// The clock every write uses: UTC, to the millisecond, so the value read
/// back (and sent to clients) is the value written, on both databases.
fn now() -> DateTimeWithTimeZone {
    let now = Utc::now();
    now.duration_trunc(TimeDelta::milliseconds(1))
        .unwrap_or(now)
        .fixed_offset()
}

fn to_stored(at: DateTime<Utc>) -> DateTimeWithTimeZone {
    at.fixed_offset()
}

fn valid_title(title: &str) -> Result<(), ValidationError> {
    match parse_title(title) {
        Ok(trimmed) if trimmed == title => Ok(()),
        Ok(_) => Err(ValidationError::new("title").with_message("must be trimmed".into())),
        Err(message) => Err(ValidationError::new("title").with_message(message.into())),
    }
}

fn valid_description(description: &str) -> Result<(), ValidationError> {
    parse_description(description)
        .map(|_| ())
        .map_err(|message| ValidationError::new("description").with_message(message.into()))
}

fn valid_priority(rank: i16) -> Result<(), ValidationError> {
    if (0..=2).contains(&rank) {
        Ok(())
    } else {
        Err(ValidationError::new("priority")
            .with_message("must be one of low, medium, high".into()))
    }
}

/// The backstop: whatever path writes a row, these rules hold. The request
/// parsers check the same rules first, with friendlier messages.
#[derive(Debug, Validate)]
pub struct TaskValidator {
    #[validate(length(min = 1, max = 255, message = "must be 1 to 255 bytes"))]
    pub user_id: String,
    #[validate(custom(function = "valid_title"))]
    pub title: String,
    #[validate(custom(function = "valid_description"))]
    pub description: Option<String>,
    #[validate(custom(function = "valid_priority"))]
    pub priority: i16,
}

impl Validatable for ActiveModel {
    fn validator(&self) -> Box<dyn Validate> {
        Box::new(TaskValidator {
            user_id: self.user_id.try_as_ref().cloned().unwrap_or_default(),
            title: self.title.try_as_ref().cloned().unwrap_or_default(),
            description: self.description.try_as_ref().cloned().flatten(),
            priority: self.priority.try_as_ref().copied().unwrap_or(1),
        })
    }
}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn before_save<C>(mut self, _db: &C, _insert: bool) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        self.validate()?;
        if self.title.is_set() || self.description.is_set() {
            if let (Some(title), Some(description)) =
                (self.title.try_as_ref(), self.description.try_as_ref())
            {
                self.search_text = ActiveValue::Set(search_text(title, description.as_deref()));
            }
        }
        Ok(self)
    }
}

/// `completed_at` follows `completed`: set when a task becomes complete,
/// kept when it already was, cleared when it is reopened.
fn completed_at_after(
    was_completed: bool,
    completed_at: Option<DateTimeWithTimeZone>,
    completed: bool,
    now: DateTimeWithTimeZone,
) -> Option<DateTimeWithTimeZone> {
    match (was_completed, completed) {
        (_, false) => None,
        (true, true) => completed_at.or(Some(now)),
        (false, true) => Some(now),
    }
}

/// The lowercased text `q` searches: title and description, joined by a
/// newline. Lowercasing here (Unicode-aware) rather than in SQL keeps the
/// search identical on SQLite and PostgreSQL.
#[must_use]
pub fn search_text(title: &str, description: Option<&str>) -> String {
    let mut text = title.to_lowercase();
    if let Some(description) = description {
        text.push('\n');
        text.push_str(&description.to_lowercase());
    }
    text
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

fn stored_timestamp(at: &DateTimeWithTimeZone) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The condition "comes after `cursor`" in the list's order: a greater (or,
/// descending, smaller) sort key, or the same key and a later id. Undated
/// tasks sort last in both directions, so they come after every dated one.
fn after_cursor(filter: &TaskFilter, cursor: &Cursor) -> Result<Condition, ModelError> {
    // `TaskFilter::from_query` only lets keys that fit the sort through.
    let invalid = || ModelError::Any("a cursor key that does not fit the sort".into());
    let asc = filter.direction() == Direction::Asc;
    let id_after = if asc {
        Column::Id.gt(cursor.id)
    } else {
        Column::Id.lt(cursor.id)
    };
    let keyset = |column: Column, key: sea_orm::Value| {
        let beyond = if asc {
            column.gt(key.clone())
        } else {
            column.lt(key.clone())
        };
        Condition::any()
            .add(beyond)
            .add(Condition::all().add(column.eq(key)).add(id_after.clone()))
    };
    let timestamp = |text: Option<&String>| -> Result<DateTimeWithTimeZone, ModelError> {
        text.and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .ok_or_else(invalid)
    };
    Ok(match filter.sort {
        SortKey::Created => keyset(Column::CreatedAt, timestamp(cursor.key.as_ref())?.into()),
        SortKey::Updated => keyset(Column::UpdatedAt, timestamp(cursor.key.as_ref())?.into()),
        SortKey::Title => keyset(
            Column::Title,
            cursor.key.clone().ok_or_else(invalid)?.into(),
        ),
        SortKey::Priority => {
            let rank: i16 = cursor
                .key
                .as_deref()
                .and_then(|k| k.parse().ok())
                .ok_or_else(invalid)?;
            keyset(Column::Priority, rank.into())
        }
        SortKey::DueDate => match &cursor.key {
            // Past the dated tasks: only undated ones with a later id.
            None => Condition::all()
                .add(Column::DueDate.is_null())
                .add(id_after),
            Some(_) => keyset(Column::DueDate, timestamp(cursor.key.as_ref())?.into())
                .add(Column::DueDate.is_null()),
        },
    })
}

impl Model {
    #[must_use]
    pub fn priority(&self) -> Priority {
        Priority::from_rank(self.priority)
    }

    /// The cursor that starts the page after this task.
    fn cursor_after(&self, filter: &TaskFilter) -> Cursor {
        let key = match filter.sort {
            SortKey::Created => Some(stored_timestamp(&self.created_at)),
            SortKey::Updated => Some(stored_timestamp(&self.updated_at)),
            SortKey::Title => Some(self.title.clone()),
            SortKey::Priority => Some(self.priority.to_string()),
            SortKey::DueDate => self.due_date.as_ref().map(stored_timestamp),
        };
        Cursor {
            key,
            id: self.id,
            fingerprint: filter.fingerprint(),
        }
    }

    /// The owner's task with this id.
    ///
    /// # Errors
    /// `EntityNotFound` when the task does not exist or is another user's.
    pub async fn find_for_user(
        db: &DatabaseConnection,
        owner_id: &str,
        id: i64,
    ) -> ModelResult<Self> {
        Entity::find()
            .filter(Column::UserId.eq(owner_id))
            .filter(Column::Id.eq(id))
            .one(db)
            .await?
            .ok_or(ModelError::EntityNotFound)
    }

    /// One page of the owner's tasks, filtered and ordered. The order is
    /// total: ties on the sort key break on `id`, in the same direction.
    /// Undated tasks come last when sorting by due date, in either
    /// direction.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn list_for_user(
        db: &DatabaseConnection,
        owner_id: &str,
        filter: &TaskFilter,
    ) -> ModelResult<TaskPage> {
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
        let mut page = matching.clone();
        if let Some(cursor) = &filter.after {
            page = page.add(after_cursor(filter, cursor)?);
        }
        let order = match filter.direction() {
            Direction::Asc => Order::Asc,
            Direction::Desc => Order::Desc,
        };
        let mut query = Entity::find().filter(page);
        query = match filter.sort {
            SortKey::Created => query.order_by(Column::CreatedAt, order.clone()),
            SortKey::Updated => query.order_by(Column::UpdatedAt, order.clone()),
            SortKey::Title => query.order_by(Column::Title, order.clone()),
            SortKey::Priority => query.order_by(Column::Priority, order.clone()),
            SortKey::DueDate => {
                query.order_by_with_nulls(Column::DueDate, order.clone(), NullOrdering::Last)
            }
        };
        // One more than asked: whether it exists says if a next page does.
        let mut tasks = query
            .order_by(Column::Id, order)
            .limit(filter.limit + 1)
            .all(db)
            .await?;
        let limit = usize::try_from(filter.limit).unwrap_or(usize::MAX);
        // A first page that holds every match is its own count: one round
        // trip instead of two for the common list (the profile's advice).
        let total = if filter.after.is_none() && tasks.len() <= limit {
            u64::try_from(tasks.len()).unwrap_or(u64::MAX)
        } else {
            Entity::find().filter(matching).count(db).await?
        };
        let next = if tasks.len() > limit {
            tasks.truncate(limit);
            tasks.last().map(|last| last.cursor_after(filter))
        } else {
            None
        };
        Ok(TaskPage { tasks, total, next })
    }

    /// Creates a task for the owner.
    ///
    /// # Errors
    /// A validation error from `before_save`, or a database failure.
    pub async fn create_for_user<C: ConnectionTrait>(
        db: &C,
        owner_id: &str,
        task: NewTask,
    ) -> ModelResult<Self> {
        let now = now();
        let row = ActiveModel {
            user_id: ActiveValue::Set(owner_id.to_string()),
            title: ActiveValue::Set(task.title),
            description: ActiveValue::Set(task.description),
            completed: ActiveValue::Set(task.completed),
            priority: ActiveValue::Set(task.priority.rank()),
            due_date: ActiveValue::Set(task.due_date.map(to_stored)),
            completed_at: ActiveValue::Set(task.completed.then_some(now)),
            created_at: ActiveValue::Set(now),
            updated_at: ActiveValue::Set(now),
            version: ActiveValue::Set(1),
            ..Default::default()
        };
        Ok(row.insert(db).await?)
    }

    /// Applies a partial update to the owner's task; `updated_at` moves and
    /// `version` grows.
    ///
    /// The write only lands on the version that was read (compare and
    /// set), so a concurrent write in between is never overwritten
    /// unknowingly: with `if_match`, it fails with [`PreconditionFailed`];
    /// without, the update is simply applied again to the newer version.
    ///
    /// # Errors
    /// `EntityNotFound` for a task the owner does not have;
    /// [`PreconditionFailed`] when `if_match` does not hold; a validation
    /// error from `before_save`; a database failure.
    pub async fn update_for_user(
        db: &DatabaseConnection,
        owner_id: &str,
        id: i64,
        changes: TaskChanges,
        if_match: Option<&TagList>,
    ) -> ModelResult<Self> {
        const ATTEMPTS: usize = 5;
        for _ in 0..ATTEMPTS {
            let task = Self::find_for_user(db, owner_id, id).await?;
            check_if_match(&task, if_match)?;
            let read_version = task.version;
            let row = task.with_changes(changes.clone(), now());
            let row = row.before_save(db, false).await?;
            let updated = Entity::update_many()
                .set(row)
                .filter(Column::UserId.eq(owner_id))
                .filter(Column::Id.eq(id))
                .filter(Column::Version.eq(read_version))
                .exec_with_returning(db)
                .await?;
            if let Some(task) = updated.into_iter().next() {
                return Ok(task);
            }
            // Someone else wrote first; with If-Match that is a failed
            // precondition (found on the next read), otherwise try again.
        }
        Err(ModelError::Message(
            "the task kept changing; try again".to_string(),
        ))
    }

    /// The task with `changes` applied, as an active model to save.
    fn with_changes(self, changes: TaskChanges, now: DateTimeWithTimeZone) -> ActiveModel {
        let was_completed = self.completed;
        let completed_at = self.completed_at;
        let version = self.version;
        let mut row = self.into_active_model();
        if let Some(title) = changes.title {
            row.title = ActiveValue::Set(title);
        }
        if let Some(description) = changes.description {
            row.description = ActiveValue::Set(description);
        }
        if let Some(priority) = changes.priority {
            row.priority = ActiveValue::Set(priority.rank());
        }
        if let Some(due_date) = changes.due_date {
            row.due_date = ActiveValue::Set(due_date.map(to_stored));
        }
        if let Some(completed) = changes.completed {
            row.completed = ActiveValue::Set(completed);
            row.completed_at = ActiveValue::Set(completed_at_after(
                was_completed,
                completed_at,
                completed,
                now,
            ));
        }
        row.updated_at = ActiveValue::Set(now);
        row.version = ActiveValue::Set(version.saturating_add(1));
        row
    }

    /// Sets the owner's task to `completed`, or toggles it when `None`.
    ///
    /// One `UPDATE ... RETURNING` computes the new state from the row as it
    /// is in the database, so concurrent toggles cannot leave `completed`
    /// and `completed_at` disagreeing. With `if_match`, the update only
    /// lands on the version the tag names.
    ///
    /// # Errors
    /// `EntityNotFound` for a task the owner does not have;
    /// [`PreconditionFailed`]; a database failure.
    pub async fn set_completion_for_user(
        db: &DatabaseConnection,
        owner_id: &str,
        id: i64,
        completed: Option<bool>,
        if_match: Option<&TagList>,
    ) -> ModelResult<Self> {
        // Scoped here: `ExprTrait` is implemented for every type.
        use sea_orm::ExprTrait;
        let mut expected_version = None;
        if let Some(if_match) = if_match {
            let task = Self::find_for_user(db, owner_id, id).await?;
            check_if_match(&task, Some(if_match))?;
            expected_version = Some(task.version);
        }
        let now = now();
        let new_completed = match completed {
            Some(value) => Expr::value(value),
            None => Expr::col(Column::Completed).not(),
        };
        // Evaluated against the old row: a task that becomes complete gets
        // `now`, one that stays complete keeps its time, a reopened one none.
        let new_completed_at = match completed {
            Some(false) => Expr::value(Option::<DateTimeWithTimeZone>::None),
            Some(true) => Expr::case(Expr::col(Column::Completed), Expr::col(Column::CompletedAt))
                .finally(Expr::value(now))
                .into(),
            None => Expr::case(
                Expr::col(Column::Completed),
                Expr::value(Option::<DateTimeWithTimeZone>::None),
            )
            .finally(Expr::value(now))
            .into(),
        };
        let mut update = Entity::update_many()
            .col_expr(Column::Completed, new_completed)
            .col_expr(Column::CompletedAt, new_completed_at)
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .col_expr(Column::Version, Expr::col(Column::Version).add(1))
            .filter(Column::UserId.eq(owner_id))
            .filter(Column::Id.eq(id));
        if let Some(version) = expected_version {
            update = update.filter(Column::Version.eq(version));
        }
        let rows = update.exec_with_returning(db).await?;
        match rows.into_iter().next() {
            Some(task) => Ok(task),
            // It existed a moment ago: it changed (or went) in between.
            None if expected_version.is_some() => Err(precondition_failed()),
            None => Err(ModelError::EntityNotFound),
        }
    }

    /// Deletes the owner's task (only the version `if_match` names, when
    /// given).
    ///
    /// # Errors
    /// `EntityNotFound` for a task the owner does not have;
    /// [`PreconditionFailed`]; a database failure.
    pub async fn delete_for_user(
        db: &DatabaseConnection,
        owner_id: &str,
        id: i64,
        if_match: Option<&TagList>,
    ) -> ModelResult<()> {
        let mut delete = Entity::delete_many()
            .filter(Column::UserId.eq(owner_id))
            .filter(Column::Id.eq(id));
        if let Some(if_match) = if_match {
            let task = Self::find_for_user(db, owner_id, id).await?;
            check_if_match(&task, Some(if_match))?;
            delete = delete.filter(Column::Version.eq(task.version));
        }
        let result = delete.exec(db).await?;
        if result.rows_affected == 0 {
            return Err(if if_match.is_some() {
                precondition_failed()
            } else {
                ModelError::EntityNotFound
            });
        }
        Ok(())
    }
}

/// One user's task counts, for operators.
#[derive(Debug, Clone, PartialEq, Eq, sea_orm::FromQueryResult)]
pub struct OwnerCounts {
    pub user_id: String,
    pub tasks: i64,
    pub completed: i64,
}

impl Model {
    /// Task counts per owner, most tasks first.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn counts_per_owner(db: &DatabaseConnection) -> ModelResult<Vec<OwnerCounts>> {
        // Scoped here: `ExprTrait` is implemented for every type.
        use sea_orm::ExprTrait;
        Ok(Entity::find()
            .select_only()
            .column(Column::UserId)
            .column_as(Expr::col(Column::Id).count(), "tasks")
            .column_as(
                Expr::cust("SUM(CASE WHEN completed THEN 1 ELSE 0 END)"),
                "completed",
            )
            .group_by(Column::UserId)
            .order_by_desc(Expr::col(Column::Id).count())
            .order_by_asc(Column::UserId)
            .into_model::<OwnerCounts>()
            .all(db)
            .await?)
    }
}

fn precondition_failed() -> ModelError {
    ModelError::Any(Box::new(PreconditionFailed))
}

fn check_if_match(task: &Model, if_match: Option<&TagList>) -> ModelResult<()> {
    match if_match {
        Some(tags) if !tags.matches_strong(&task.etag()) => Err(precondition_failed()),
        _ => Ok(()),
    }
}

/// Keeps the description limit visible where the backstop is defined.
const _: () = assert!(DESCRIPTION_MAX_CHARS == 1000);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completed_at_follows_completed() {
        let t0 = now();
        let t1 = t0 + TimeDelta::seconds(5);
        assert_eq!(completed_at_after(false, None, true, t1), Some(t1));
        assert_eq!(completed_at_after(true, Some(t0), true, t1), Some(t0));
        assert_eq!(completed_at_after(true, Some(t0), false, t1), None);
        assert_eq!(completed_at_after(false, None, false, t1), None);
    }

    #[test]
    fn backstop_rejects_what_the_parser_would() {
        let ok = TaskValidator {
            user_id: "u1".into(),
            title: "Buy milk".into(),
            description: None,
            priority: 1,
        };
        assert!(validator::Validate::validate(&ok).is_ok());
        for (case, bad) in [
            (
                "untrimmed title",
                TaskValidator {
                    title: " x ".into(),
                    ..clone(&ok)
                },
            ),
            (
                "empty title",
                TaskValidator {
                    title: String::new(),
                    ..clone(&ok)
                },
            ),
            (
                "long title",
                TaskValidator {
                    title: "x".repeat(201),
                    ..clone(&ok)
                },
            ),
            (
                "long description",
                TaskValidator {
                    description: Some("x".repeat(1001)),
                    ..clone(&ok)
                },
            ),
            (
                "bad priority",
                TaskValidator {
                    priority: 7,
                    ..clone(&ok)
                },
            ),
            (
                "no owner",
                TaskValidator {
                    user_id: String::new(),
                    ..clone(&ok)
                },
            ),
        ] {
            assert!(validator::Validate::validate(&bad).is_err(), "case: {case}");
        }
    }

    fn clone(v: &TaskValidator) -> TaskValidator {
        TaskValidator {
            user_id: v.user_id.clone(),
            title: v.title.clone(),
            description: v.description.clone(),
            priority: v.priority,
        }
    }
}
