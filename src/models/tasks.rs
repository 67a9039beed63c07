//! Tasks: the data rules and every write on them.
//!
//! Every finder and state change takes the owner's id and puts it in the
//! query itself, so there is no way to reach a task by id alone: another
//! user's task is simply not found. The list (filter, sort, pages) is in
//! [`super::task_list`]; what a client may write, in [`super::task_input`].

use sea_orm::{
    entity::prelude::*, sea_query::Expr, ActiveValue, IntoActiveModel, QueryOrder, QuerySelect,
};

pub use super::_entities::tasks::{self, ActiveModel, Column, Entity, Model};
use super::{
    clock::{now, to_stored},
    dates::{parse_time_zone, TaskDates},
    errors::{DomainError, DomainResult},
    events::EventKind,
    feed::{Begin, UnitOfWork, Wakeups},
    position::Positions,
    priority::Priority,
    recurrence::Recurrence,
    subtasks::{self, Placement},
    tags,
    task_input::{MoveTo, NewTask, TaskChanges},
};

pub use super::precondition::Precondition;

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    /// Keeps the search text in step with title and description. The
    /// values themselves were checked when the write was parsed
    /// (`super::task_input`): a `NewTask` or `TaskChanges` is the only way
    /// to build a write.
    async fn before_save<C>(mut self, _db: &C, _insert: bool) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
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

/// The task's dates after `changes` ([`TaskDates::written`]), checked
/// against its rule: a repeating task needs a due date and `UNTIL` not
/// before it, whether the rule or the dates are what changed. A new task's
/// body is checked whole when it is parsed (`NewTask::from_json`).
fn dates_after(task: &Model, changes: &TaskChanges) -> DomainResult<TaskDates> {
    let dates = task
        .dates()
        .written(changes.due_date, changes.time_zone, changes.all_day)
        .map_err(|error| DomainError::Invalid(vec![error]))?;
    let recurrence = match &changes.recurrence {
        Some(recurrence) => recurrence.clone(),
        // The stored rule passed the same parse when it was written.
        None => task
            .recurrence
            .as_deref()
            .and_then(|rule| Recurrence::parse(rule).ok()),
    };
    let Some(recurrence) = recurrence else {
        return Ok(dates);
    };
    match recurrence.check_start(dates.due().as_ref()) {
        Ok(()) => Ok(dates),
        Err(_) if changes.due_date == Some(None) => Err(DomainError::invalid(
            "due_date",
            "cannot be cleared while the task repeats (clear recurrence too)",
        )),
        Err(message) => Err(DomainError::invalid("recurrence", message)),
    }
}

/// Creates the next occurrence of `task` if it is a completed repeating
/// task without one, in the caller's transaction; returns it.
///
/// The new task copies title, description, priority, tags and the rule
/// (`COUNT` lowered by one), is due at the rule's next occurrence, and
/// keeps `remind_at`'s distance before its due date. The completed task's
/// `next_id` is claimed with a conditional update (`next_id IS NULL`): of
/// two racing completions, the second finds it taken and takes its own
/// occurrence back, so a task has at most one successor, ever.
async fn spawn_successor(
    db: &impl ConnectionTrait,
    task: &Model,
    now: DateTimeWithTimeZone,
) -> DomainResult<Option<Model>> {
    if !task.completed || task.next_id.is_some() {
        return Ok(None);
    }
    let (Some(rule), Some(due)) = (task.recurrence.as_deref(), task.dates().due()) else {
        return Ok(None);
    };
    let Ok(recurrence) = Recurrence::parse(rule) else {
        return Ok(None);
    };
    let Some((next_due, next_rule)) = recurrence.next_after(&due, now.to_utc()) else {
        return Ok(None);
    };
    let due = due.at;
    let placement = Placement::of(task);
    let position = subtasks::last_position(db, &task.user_id, placement, None).await?;
    let successor = ActiveModel {
        list_id: ActiveValue::Set(placement.list_id),
        parent_id: ActiveValue::Set(placement.parent_id),
        position: ActiveValue::Set(position),
        user_id: ActiveValue::Set(task.user_id.clone()),
        title: ActiveValue::Set(task.title.clone()),
        description: ActiveValue::Set(task.description.clone()),
        completed: ActiveValue::Set(false),
        priority: ActiveValue::Set(task.priority),
        due_date: ActiveValue::Set(Some(to_stored(next_due))),
        completed_at: ActiveValue::Set(None),
        created_at: ActiveValue::Set(now),
        updated_at: ActiveValue::Set(now),
        version: ActiveValue::Set(1),
        tags: ActiveValue::Set(task.tags.clone()),
        recurrence: ActiveValue::Set(Some(next_rule.as_rule())),
        next_id: ActiveValue::Set(None),
        remind_at: ActiveValue::Set(
            task.remind_at
                .map(|remind| to_stored(next_due - (due - remind.to_utc()))),
        ),
        time_zone: ActiveValue::Set(task.time_zone.clone()),
        all_day: ActiveValue::Set(task.all_day),
        ..Default::default()
    }
    .insert(db)
    .await?;
    tags::insert_rows(db, &task.user_id, successor.id, &task.tags()).await?;
    let claimed = Entity::update_many()
        .col_expr(Column::NextId, Expr::value(successor.id))
        .filter(Column::UserId.eq(task.user_id.as_str()))
        .filter(Column::Id.eq(task.id))
        .filter(Column::NextId.is_null())
        .exec(db)
        .await?;
    if claimed.rows_affected == 0 {
        Entity::delete_by_id(successor.id).exec(db).await?;
        return Ok(None);
    }
    Ok(Some(successor))
}

/// Where a new task goes ([`Model::placed`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    placement: Placement,
    position: String,
}

/// Completes the open subtasks of `task` (every level), each with its
/// event (and its next occurrence when it repeats).
///
/// # Errors
/// On a database failure.
async fn complete_subtasks(work: &mut UnitOfWork, task: &Model) -> DomainResult<()> {
    let now = now();
    for level in subtasks::descendants(work.db(), &task.user_id, task.id).await? {
        for child in level.into_iter().filter(|child| !child.completed) {
            let done = Entity::update_many()
                .col_expr(Column::Completed, Expr::value(true))
                .col_expr(Column::CompletedAt, Expr::value(Some(now)))
                .col_expr(Column::UpdatedAt, Expr::value(now))
                .col_expr(
                    Column::Version,
                    Expr::value(child.version.saturating_add(1)),
                )
                .filter(Column::UserId.eq(task.user_id.as_str()))
                .filter(Column::Id.eq(child.id))
                .filter(Column::Completed.eq(false))
                .exec_with_returning(work.db())
                .await?;
            for mut done in done {
                let successor = spawn_successor(work.db(), &done, now).await?;
                if let Some(next) = &successor {
                    done.next_id = Some(next.id);
                }
                work.record(&done.user_id, EventKind::Updated, done.id, Some(&done))
                    .await?;
                if let Some(next) = successor {
                    work.record(&next.user_id, EventKind::Created, next.id, Some(&next))
                        .await?;
                }
            }
        }
    }
    Ok(())
}

/// Records a write in the feed, in its unit of work: the task's event, and
/// the creation of its next occurrence when it got one.
async fn record(
    work: &mut UnitOfWork,
    kind: EventKind,
    task: &Model,
    successor: Option<&Model>,
) -> DomainResult<()> {
    work.record(&task.user_id, kind, task.id, Some(task))
        .await?;
    if let Some(next) = successor {
        work.record(&next.user_id, EventKind::Created, next.id, Some(next))
            .await?;
    }
    Ok(())
}

/// Fails with `PreconditionFailed` unless `precondition` (when given)
/// holds for the task as it is.
fn check(task: &Model, precondition: Option<&dyn Precondition>) -> DomainResult<()> {
    match precondition {
        Some(p) if !p.holds_for(&task.etag()) => Err(DomainError::PreconditionFailed),
        _ => Ok(()),
    }
}

impl Model {
    #[must_use]
    pub fn priority(&self) -> Priority {
        Priority::from_rank(self.priority)
    }

    /// Its due date, whether it is all day, and its zone.
    #[must_use]
    pub fn dates(&self) -> TaskDates {
        TaskDates {
            due_date: self.due_date.map(|at| at.to_utc()),
            all_day: self.all_day,
            time_zone: self
                .time_zone
                .as_deref()
                .and_then(|name| parse_time_zone(name).ok()),
        }
    }

    /// The quoted strong entity tag of this version of the task: its
    /// `version`, which every write bumps, and its creation time (so a new
    /// task that reuses a deleted task's id never shares its tags).
    #[must_use]
    pub fn etag(&self) -> String {
        format!(
            "\"{}-{}\"",
            self.version,
            self.created_at.timestamp_millis()
        )
    }

    /// The owner's task with this id.
    ///
    /// # Errors
    /// `NotFound` when the task does not exist or is another user's; a
    /// database failure.
    pub async fn find_for_user<C: ConnectionTrait>(
        db: &C,
        owner_id: &str,
        id: i64,
    ) -> DomainResult<Self> {
        Entity::find()
            .filter(Column::UserId.eq(owner_id))
            .filter(Column::Id.eq(id))
            .into_model::<Row>()
            .one(db)
            .await?
            .map(|row| row.0)
            .ok_or(DomainError::NotFound)
    }

    /// Creates a task for the owner, with its tags, and its next
    /// occurrence when it is created completed and repeating, in one
    /// transaction; wakes the owner's streams after the commit.
    ///
    /// # Errors
    /// A database failure.
    pub async fn create_for_user<C: Begin>(
        db: &C,
        wakeups: &Wakeups,
        owner_id: &str,
        task: NewTask,
    ) -> DomainResult<Self> {
        let placed = Self::placed(db, owner_id, &task).await?;
        let mut work = UnitOfWork::begin(db).await?;
        let created = Self::create(&mut work, owner_id, task, placed).await?;
        work.commit(wakeups).await?;
        Ok(created)
    }

    /// Where a new task goes: its list and parent, checked, and a position
    /// after its last sibling. Read before the write's transaction begins:
    /// on SQLite, a transaction whose first statement reads cannot take the
    /// write lock once another writer got in between.
    ///
    /// # Errors
    /// `Invalid` naming `list_id`, `list` or `parent_id`; a database
    /// failure.
    pub async fn placed<C: ConnectionTrait>(
        db: &C,
        owner_id: &str,
        task: &NewTask,
    ) -> DomainResult<Placed> {
        let placement = subtasks::resolve(db, owner_id, None, &task.place).await?;
        let position = subtasks::last_position(db, owner_id, placement, None).await?;
        Ok(Placed {
            placement,
            position,
        })
    }

    /// [`Self::create_for_user`] inside a unit of work of the caller's
    /// (which commits, and wakes).
    ///
    /// # Errors
    /// A database failure.
    pub async fn create(
        work: &mut UnitOfWork,
        owner_id: &str,
        task: NewTask,
        placed: Placed,
    ) -> DomainResult<Self> {
        let now = now();
        let Placed {
            placement,
            position,
        } = placed;
        let row = ActiveModel {
            list_id: ActiveValue::Set(placement.list_id),
            parent_id: ActiveValue::Set(placement.parent_id),
            position: ActiveValue::Set(position),
            user_id: ActiveValue::Set(owner_id.to_string()),
            title: ActiveValue::Set(task.title),
            description: ActiveValue::Set(task.description),
            completed: ActiveValue::Set(task.completed),
            priority: ActiveValue::Set(task.priority.rank()),
            due_date: ActiveValue::Set(task.dates.due_date.map(to_stored)),
            all_day: ActiveValue::Set(task.dates.all_day),
            time_zone: ActiveValue::Set(task.dates.time_zone.map(|zone| zone.name().to_string())),
            completed_at: ActiveValue::Set(task.completed.then_some(now)),
            created_at: ActiveValue::Set(now),
            updated_at: ActiveValue::Set(now),
            version: ActiveValue::Set(1),
            tags: ActiveValue::Set(tags::joined(&task.tags)),
            recurrence: ActiveValue::Set(task.recurrence.map(|r| r.as_rule())),
            next_id: ActiveValue::Set(None),
            remind_at: ActiveValue::Set(task.remind_at.map(to_stored)),
            ..Default::default()
        };
        let mut created = row.insert(work.db()).await?;
        tags::insert_rows(work.db(), owner_id, created.id, &task.tags).await?;
        let successor = spawn_successor(work.db(), &created, now).await?;
        if let Some(next) = &successor {
            created.next_id = Some(next.id);
        }
        record(work, EventKind::Created, &created, successor.as_ref()).await?;
        Ok(created)
    }

    /// Applies a partial update to the owner's task; `updated_at` moves and
    /// `version` grows. Tags are replaced as a whole; a repeating task that
    /// becomes complete gets its next occurrence; one transaction.
    ///
    /// The write only lands on the version that was read (compare and
    /// set), so a concurrent write in between is never overwritten
    /// unknowingly: with a `precondition`, it fails as not holding; without,
    /// the update is applied again to the newer version, a bounded number of
    /// times.
    ///
    /// # Errors
    /// `NotFound`; `PreconditionFailed`; `Invalid` when the changes leave a
    /// repeating task without a fitting due date; `Conflict` when other
    /// writers won every attempt; a database failure.
    pub async fn update_for_user<C: Begin>(
        db: &C,
        wakeups: &Wakeups,
        owner_id: &str,
        id: i64,
        changes: TaskChanges,
        precondition: Option<&dyn Precondition>,
    ) -> DomainResult<Self> {
        const ATTEMPTS: usize = 5;
        for _ in 0..ATTEMPTS {
            // Read outside the transaction, so that its first statement is
            // the write (on SQLite, a transaction that reads first can only
            // fail when another writer got in between).
            let task = Self::find_for_user(db, owner_id, id).await?;
            check(&task, precondition)?;
            let dates = dates_after(&task, &changes)?;
            let placement = if changes.place.is_empty() {
                Placement::of(&task)
            } else {
                subtasks::resolve(db, owner_id, Some(&task), &changes.place).await?
            };
            let position = if placement == Placement::of(&task) {
                None
            } else {
                Some(subtasks::last_position(db, owner_id, placement, Some(id)).await?)
            };
            let read_version = task.version;
            let was_completed = task.completed;
            let list_changed = placement.list_id != task.list_id;
            let now = now();
            let new_tags = changes.tags.clone();
            let had_successor = task.next_id.is_some();
            let mut row = task.with_changes(changes.clone(), dates, now);
            if let Some(position) = position {
                row.list_id = ActiveValue::Set(placement.list_id);
                row.parent_id = ActiveValue::Set(placement.parent_id);
                row.position = ActiveValue::Set(position);
            }
            let row = row.before_save(db, false).await?;
            let update = Entity::update_many()
                .set(row)
                .filter(Column::UserId.eq(owner_id))
                .filter(Column::Id.eq(id))
                .filter(Column::Version.eq(read_version));
            let mut work = UnitOfWork::begin(db).await?;
            let updated = update.exec_with_returning(work.db()).await?;
            let Some(mut task) = updated.into_iter().next() else {
                // Someone else wrote first; with a precondition that shows
                // as a failed one on the next read, otherwise this tries
                // again.
                continue;
            };
            if let Some(tags) = new_tags {
                tags::replace_rows(work.db(), owner_id, id, &tags).await?;
            }
            let successor = if had_successor {
                None
            } else {
                spawn_successor(work.db(), &task, now).await?
            };
            if let Some(next) = &successor {
                task.next_id = Some(next.id);
            }
            record(&mut work, EventKind::Updated, &task, successor.as_ref()).await?;
            if list_changed {
                subtasks::carry_subtasks(&mut work, &task).await?;
            }
            if task.completed && !was_completed {
                complete_subtasks(&mut work, &task).await?;
            }
            work.commit(wakeups).await?;
            return Ok(task);
        }
        Err(DomainError::Conflict(
            "the task kept changing; try again".to_string(),
        ))
    }

    /// The task with `changes` applied (its dates already resolved), as an
    /// active model to save.
    fn with_changes(
        self,
        changes: TaskChanges,
        dates: TaskDates,
        now: DateTimeWithTimeZone,
    ) -> ActiveModel {
        let was_completed = self.completed;
        let completed_at = self.completed_at;
        let version = self.version;
        let row_dates = self.dates();
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
        if dates != row_dates {
            row.due_date = ActiveValue::Set(dates.due_date.map(to_stored));
            row.all_day = ActiveValue::Set(dates.all_day);
            row.time_zone = ActiveValue::Set(dates.time_zone.map(|zone| zone.name().to_string()));
        }
        if let Some(tags) = changes.tags {
            row.tags = ActiveValue::Set(tags::joined(&tags));
        }
        if let Some(recurrence) = changes.recurrence {
            row.recurrence = ActiveValue::Set(recurrence.map(|r| r.as_rule()));
        }
        if let Some(remind_at) = changes.remind_at {
            row.remind_at = ActiveValue::Set(remind_at.map(to_stored));
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
    /// and `completed_at` disagreeing. With a `precondition`, the update
    /// only lands on the version it was checked against. A repeating task
    /// that becomes complete gets its next occurrence in the same
    /// transaction.
    ///
    /// # Errors
    /// `NotFound`; `PreconditionFailed`; a database failure.
    pub async fn set_completion_for_user<C: Begin>(
        db: &C,
        wakeups: &Wakeups,
        owner_id: &str,
        id: i64,
        completed: Option<bool>,
        precondition: Option<&dyn Precondition>,
    ) -> DomainResult<Self> {
        // Scoped here: `ExprTrait` is implemented for every type.
        use sea_orm::ExprTrait;
        let mut expected_version = None;
        if precondition.is_some() {
            let task = Self::find_for_user(db, owner_id, id).await?;
            check(&task, precondition)?;
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
        let mut work = UnitOfWork::begin(db).await?;
        let rows = update.exec_with_returning(work.db()).await?;
        let mut task = match rows.into_iter().next() {
            Some(task) => task,
            // It existed a moment ago: it changed (or went) in between.
            None if expected_version.is_some() => return Err(DomainError::PreconditionFailed),
            None => return Err(DomainError::NotFound),
        };
        let successor = spawn_successor(work.db(), &task, now).await?;
        if let Some(next) = &successor {
            task.next_id = Some(next.id);
        }
        record(&mut work, EventKind::Updated, &task, successor.as_ref()).await?;
        // Newly completed (its time is this write's): its open subtasks too.
        if task.completed && task.completed_at == Some(now) {
            complete_subtasks(&mut work, &task).await?;
        }
        work.commit(wakeups).await?;
        Ok(task)
    }

    /// Deletes the owner's task (only the version the `precondition` was
    /// checked against, when given).
    ///
    /// # Errors
    /// `NotFound`; `PreconditionFailed`; a database failure.
    pub async fn delete_for_user<C: Begin>(
        db: &C,
        wakeups: &Wakeups,
        owner_id: &str,
        id: i64,
        precondition: Option<&dyn Precondition>,
    ) -> DomainResult<()> {
        let mut delete = Entity::delete_many()
            .filter(Column::UserId.eq(owner_id))
            .filter(Column::Id.eq(id));
        if precondition.is_some() {
            let task = Self::find_for_user(db, owner_id, id).await?;
            check(&task, precondition)?;
            delete = delete.filter(Column::Version.eq(task.version));
        }
        let mut work = UnitOfWork::begin(db).await?;
        let result = delete.exec(work.db()).await?;
        if result.rows_affected == 0 {
            return Err(if precondition.is_some() {
                DomainError::PreconditionFailed
            } else {
                DomainError::NotFound
            });
        }
        work.record(owner_id, EventKind::Deleted, id, None).await?;
        subtasks::delete_subtasks(&mut work, owner_id, id).await?;
        work.commit(wakeups).await?;
        Ok(())
    }
}

impl Model {
    /// Moves the owner's task (and its subtasks) to a list and parent,
    /// right after the sibling `after_id` there (first without one). Only
    /// the moved tasks are written; no sibling is renumbered.
    ///
    /// # Errors
    /// `NotFound`; `PreconditionFailed`; `Invalid` naming `list_id`,
    /// `parent_id` or `after_id`; `Conflict` when other writers won every
    /// attempt; a database failure.
    pub async fn move_for_user<C: Begin>(
        db: &C,
        wakeups: &Wakeups,
        owner_id: &str,
        id: i64,
        to: MoveTo,
        precondition: Option<&dyn Precondition>,
    ) -> DomainResult<Self> {
        const ATTEMPTS: usize = 5;
        for _ in 0..ATTEMPTS {
            let task = Self::find_for_user(db, owner_id, id).await?;
            if let Some(p) = precondition {
                if !p.holds_for(&task.etag()) {
                    return Err(DomainError::PreconditionFailed);
                }
            }
            let placement = subtasks::resolve(db, owner_id, Some(&task), &to.place).await?;
            let others = subtasks::siblings(db, owner_id, placement, Some(id)).await?;
            let at = match to.after_id {
                None => 0,
                Some(after) => {
                    others
                        .iter()
                        .position(|sibling| sibling.id == after)
                        .ok_or_else(|| {
                            DomainError::invalid(
                                "after_id",
                                "must be the id of a task in the same list and under the same parent, or null",
                            )
                        })?
                        + 1
                }
            };
            let low = at
                .checked_sub(1)
                .and_then(|i| others.get(i))
                .map(|t| t.position.as_str());
            let high = others.get(at).map(|t| t.position.as_str());
            let position = Positions::between(low, high);
            let list_changed = placement.list_id != task.list_id;
            let now = now();
            let update = Entity::update_many()
                .col_expr(Column::ListId, Expr::value(placement.list_id))
                .col_expr(Column::ParentId, Expr::value(placement.parent_id))
                .col_expr(Column::Position, Expr::value(position))
                .col_expr(Column::UpdatedAt, Expr::value(now))
                .col_expr(Column::Version, Expr::value(task.version.saturating_add(1)))
                .filter(Column::UserId.eq(owner_id))
                .filter(Column::Id.eq(id))
                .filter(Column::Version.eq(task.version));
            let mut work = UnitOfWork::begin(db).await?;
            let Some(moved) = update
                .exec_with_returning(work.db())
                .await?
                .into_iter()
                .next()
            else {
                continue;
            };
            work.record(owner_id, EventKind::Updated, id, Some(&moved))
                .await?;
            if list_changed {
                subtasks::carry_subtasks(&mut work, &moved).await?;
            }
            work.commit(wakeups).await?;
            return Ok(moved);
        }
        Err(DomainError::Conflict(
            "the task kept changing; try again".to_string(),
        ))
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
    pub async fn counts_per_owner<C: ConnectionTrait>(db: &C) -> DomainResult<Vec<OwnerCounts>> {
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

/// A task read from its row by position, straight from the driver (see
/// `by_position!`). `Entity::find()` selects the columns in the entity's
/// declaration order, which is what `Column::X as usize` counts; their
/// types are the migrations' (the service refuses a schema behind the
/// code), so the driver's per-value type check, another tenth of a list
/// request, is skipped.
pub struct Row(pub Model);

impl sea_orm::FromQueryResult for Row {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, DbErr> {
        if !pre.is_empty() {
            return Model::from_query_result(res, pre).map(Self);
        }
        let read = by_position!(res, |row| Model {
            created_at: row.try_get_unchecked(Column::CreatedAt as usize)?,
            updated_at: row.try_get_unchecked(Column::UpdatedAt as usize)?,
            id: row.try_get_unchecked(Column::Id as usize)?,
            user_id: row.try_get_unchecked(Column::UserId as usize)?,
            title: row.try_get_unchecked(Column::Title as usize)?,
            description: row.try_get_unchecked(Column::Description as usize)?,
            completed: row.try_get_unchecked(Column::Completed as usize)?,
            priority: row.try_get_unchecked(Column::Priority as usize)?,
            due_date: row.try_get_unchecked(Column::DueDate as usize)?,
            completed_at: row.try_get_unchecked(Column::CompletedAt as usize)?,
            version: row.try_get_unchecked(Column::Version as usize)?,
            search_text: row.try_get_unchecked(Column::SearchText as usize)?,
            tags: row.try_get_unchecked(Column::Tags as usize)?,
            recurrence: row.try_get_unchecked(Column::Recurrence as usize)?,
            next_id: row.try_get_unchecked(Column::NextId as usize)?,
            remind_at: row.try_get_unchecked(Column::RemindAt as usize)?,
            reminded_for: row.try_get_unchecked(Column::RemindedFor as usize)?,
            time_zone: row.try_get_unchecked(Column::TimeZone as usize)?,
            all_day: row.try_get_unchecked(Column::AllDay as usize)?,
            list_id: row.try_get_unchecked(Column::ListId as usize)?,
            parent_id: row.try_get_unchecked(Column::ParentId as usize)?,
            position: row.try_get_unchecked(Column::Position as usize)?,
        });
        match read {
            Ok(Some(task)) => Ok(Self(task)),
            // A mocked row: the generic reader.
            Ok(None) => Model::from_query_result(res, pre).map(Self),
            Err(error) => Err(DbErr::Type(format!("a task row: {error}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    #[test]
    fn a_select_lists_the_columns_in_the_order_rows_are_read() {
        use sea_orm::{DbBackend, Iterable, QueryTrait};
        let sql = Entity::find().build(DbBackend::Postgres).to_string();
        let listed = sql
            .trim_start_matches("SELECT ")
            .split(" FROM ")
            .next()
            .unwrap_or_default()
            .split(", ")
            .map(|column| {
                column
                    .rsplit('.')
                    .next()
                    .unwrap_or_default()
                    .trim_matches('"')
            })
            .collect::<Vec<_>>();
        let declared = Column::iter()
            .map(|column| (column as usize, column.as_str()))
            .collect::<Vec<_>>();
        let expected = listed.into_iter().enumerate().collect::<Vec<_>>();
        assert_eq!(declared, expected);
    }

    #[test]
    fn completed_at_follows_completed() {
        let t0 = now();
        let t1 = t0 + TimeDelta::seconds(5);
        assert_eq!(completed_at_after(false, None, true, t1), Some(t1));
        assert_eq!(completed_at_after(true, Some(t0), true, t1), Some(t0));
        assert_eq!(completed_at_after(true, Some(t0), false, t1), None);
        assert_eq!(completed_at_after(false, None, false, t1), None);
    }
}
