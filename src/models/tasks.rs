//! Tasks: the data rules and every query on them.
//!
//! Every finder and state change takes the owner's id and puts it in the
//! query itself, so there is no way to reach a task by id alone: another
//! user's task is simply not found.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use loco_rs::prelude::*;
use sea_orm::{
    sea_query::{Expr, NullOrdering},
    ActiveValue, Order,
};
use validator::ValidationError;

pub use super::_entities::tasks::{self, ActiveModel, Column, Entity, Model};
use super::{
    task_filter::{Direction, SortKey, Status, TaskFilter},
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
    async fn before_save<C>(self, _db: &C, _insert: bool) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        self.validate()?;
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

impl Model {
    #[must_use]
    pub fn priority(&self) -> Priority {
        Priority::from_rank(self.priority)
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

    /// The owner's tasks, filtered and ordered. The order is total: ties on
    /// the sort key break on `id`, in the same direction. Undated tasks come
    /// last when sorting by due date, in either direction.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn list_for_user(
        db: &DatabaseConnection,
        owner_id: &str,
        filter: &TaskFilter,
    ) -> ModelResult<Vec<Self>> {
        let mut query = Entity::find().filter(Column::UserId.eq(owner_id));
        query = match filter.status {
            Status::All => query,
            Status::Pending => query.filter(Column::Completed.eq(false)),
            Status::Completed => query.filter(Column::Completed.eq(true)),
        };
        let order = match filter.direction() {
            Direction::Asc => Order::Asc,
            Direction::Desc => Order::Desc,
        };
        query = match filter.sort {
            SortKey::Created => query.order_by(Column::CreatedAt, order.clone()),
            SortKey::Updated => query.order_by(Column::UpdatedAt, order.clone()),
            SortKey::Title => query.order_by(Column::Title, order.clone()),
            SortKey::Priority => query.order_by(Column::Priority, order.clone()),
            SortKey::DueDate => {
                query.order_by_with_nulls(Column::DueDate, order.clone(), NullOrdering::Last)
            }
        };
        Ok(query.order_by(Column::Id, order).all(db).await?)
    }

    /// Creates a task for the owner.
    ///
    /// # Errors
    /// A validation error from `before_save`, or a database failure.
    pub async fn create_for_user(
        db: &DatabaseConnection,
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
            ..Default::default()
        };
        Ok(row.insert(db).await?)
    }

    /// Applies a partial update to the owner's task; `updated_at` moves.
    ///
    /// # Errors
    /// `EntityNotFound` for a task the owner does not have; a validation
    /// error from `before_save`; a database failure.
    pub async fn update_for_user(
        db: &DatabaseConnection,
        owner_id: &str,
        id: i64,
        changes: TaskChanges,
    ) -> ModelResult<Self> {
        let task = Self::find_for_user(db, owner_id, id).await?;
        let now = now();
        let was_completed = task.completed;
        let completed_at = task.completed_at;
        let mut row = task.into_active_model();
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
        Ok(row.update(db).await?)
    }

    /// Sets the owner's task to `completed`, or toggles it when `None`.
    ///
    /// One `UPDATE ... RETURNING` computes the new state from the row as it
    /// is in the database, so concurrent toggles cannot leave `completed`
    /// and `completed_at` disagreeing.
    ///
    /// # Errors
    /// `EntityNotFound` for a task the owner does not have; a database
    /// failure.
    pub async fn set_completion_for_user(
        db: &DatabaseConnection,
        owner_id: &str,
        id: i64,
        completed: Option<bool>,
    ) -> ModelResult<Self> {
        // Scoped here: `ExprTrait` is implemented for every type.
        use sea_orm::ExprTrait;
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
        let rows = Entity::update_many()
            .col_expr(Column::Completed, new_completed)
            .col_expr(Column::CompletedAt, new_completed_at)
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .filter(Column::UserId.eq(owner_id))
            .filter(Column::Id.eq(id))
            .exec_with_returning(db)
            .await?;
        rows.into_iter().next().ok_or(ModelError::EntityNotFound)
    }

    /// Deletes the owner's task.
    ///
    /// # Errors
    /// `EntityNotFound` for a task the owner does not have; a database
    /// failure.
    pub async fn delete_for_user(
        db: &DatabaseConnection,
        owner_id: &str,
        id: i64,
    ) -> ModelResult<()> {
        let result = Entity::delete_many()
            .filter(Column::UserId.eq(owner_id))
            .filter(Column::Id.eq(id))
            .exec(db)
            .await?;
        if result.rows_affected == 0 {
            return Err(ModelError::EntityNotFound);
        }
        Ok(())
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
