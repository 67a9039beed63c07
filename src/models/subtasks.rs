//! Where a task sits: its list, its parent, its place among its siblings.
//!
//! A subtask is in its parent's list; nesting is at most [`MAX_DEPTH`]
//! levels and never a cycle. What a task takes with it (its subtasks, to a
//! new list; completion; deletion) is written in the caller's transaction,
//! each task with its own event. Positions are fractional keys
//! (`super::position`): a write puts only the tasks that moved.

use sea_orm::{entity::prelude::*, sea_query::Expr, QueryOrder};

use super::{
    _entities::tasks::{Column, Entity, Model},
    clock::now,
    errors::{DomainError, DomainResult},
    events::EventKind,
    feed::UnitOfWork,
    list_rows,
    position::Positions,
    task_input::Place,
};

/// The deepest a task may be nested: a top-level task is level 1.
pub const MAX_DEPTH: usize = 4;

/// A task's list and parent after a write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Placement {
    pub list_id: Option<i64>,
    pub parent_id: Option<i64>,
}

impl Placement {
    #[must_use]
    pub fn of(task: &Model) -> Self {
        Self {
            list_id: task.list_id,
            parent_id: task.parent_id,
        }
    }
}

async fn owned<C: ConnectionTrait>(db: &C, owner_id: &str, id: i64) -> DomainResult<Option<Model>> {
    Ok(Entity::find()
        .filter(Column::UserId.eq(owner_id))
        .filter(Column::Id.eq(id))
        .one(db)
        .await?)
}

/// The level of the owner's task `id`: 1 at the top.
async fn level<C: ConnectionTrait>(db: &C, owner_id: &str, id: i64) -> DomainResult<usize> {
    let mut level = 1;
    let mut at = owned(db, owner_id, id).await?;
    while let Some(parent) = at.and_then(|task| task.parent_id) {
        level += 1;
        if level > MAX_DEPTH + 1 {
            break;
        }
        at = owned(db, owner_id, parent).await?;
    }
    Ok(level)
}

/// The owner's tasks under `root`, level by level (the root left out).
///
/// # Errors
/// On a database failure.
pub async fn descendants<C: ConnectionTrait>(
    db: &C,
    owner_id: &str,
    root: i64,
) -> DomainResult<Vec<Vec<Model>>> {
    let mut levels: Vec<Vec<Model>> = Vec::new();
    let mut parents = vec![root];
    // One level more than can exist, so a stored cycle cannot loop.
    for _ in 0..MAX_DEPTH {
        let children = Entity::find()
            .filter(Column::UserId.eq(owner_id))
            .filter(Column::ParentId.is_in(parents.clone()))
            .order_by_asc(Column::Id)
            .all(db)
            .await?
            .into_iter()
            .filter(|task| task.id != root)
            .collect::<Vec<_>>();
        if children.is_empty() {
            break;
        }
        parents = children.iter().map(|task| task.id).collect();
        levels.push(children);
    }
    Ok(levels)
}

/// Where `place` puts `task` (`None`: a new task), checked: the list and
/// the parent must be the owner's, a subtask is in its parent's list, no
/// cycle, at most [`MAX_DEPTH`] levels.
///
/// # Errors
/// `Invalid` naming `list_id`, `list` or `parent_id`; a database failure.
pub async fn resolve<C: ConnectionTrait>(
    db: &C,
    owner_id: &str,
    task: Option<&Model>,
    place: &Place,
) -> DomainResult<Placement> {
    let current = task.map(Placement::of).unwrap_or_default();
    let mut list_id = place.list_id.unwrap_or(current.list_id);
    if let Some(name) = &place.list {
        let list = list_rows::find_by_name(db, owner_id, name)
            .await?
            .ok_or_else(|| {
                DomainError::invalid(
                    "list",
                    format!("must name one of your lists; you have none named {name:?}"),
                )
            })?;
        list_id = Some(list.id);
    }
    let list_given = place.list_id.is_some() || place.list.is_some();
    let parent_id = place.parent_id.unwrap_or(current.parent_id);
    if let Some(parent_id) = parent_id {
        let parent = owned(db, owner_id, parent_id).await?.ok_or_else(|| {
            DomainError::invalid("parent_id", "must be the id of one of your tasks, or null")
        })?;
        if place.parent_id.is_some() {
            if let Some(task) = task {
                let below = descendants(db, owner_id, task.id).await?;
                let is_below = below.iter().flatten().any(|t| t.id == parent_id);
                if parent_id == task.id || is_below {
                    return Err(DomainError::invalid(
                        "parent_id",
                        "cannot be the task itself or one of its subtasks",
                    ));
                }
                if level(db, owner_id, parent_id).await? + 1 + below.len() > MAX_DEPTH {
                    return Err(DomainError::invalid(
                        "parent_id",
                        format!("would nest the task deeper than {MAX_DEPTH} levels"),
                    ));
                }
            } else if level(db, owner_id, parent_id).await? + 1 > MAX_DEPTH {
                return Err(DomainError::invalid(
                    "parent_id",
                    format!("would nest the task deeper than {MAX_DEPTH} levels"),
                ));
            }
        }
        if list_given && list_id != parent.list_id {
            return Err(DomainError::invalid(
                if place.list.is_some() {
                    "list"
                } else {
                    "list_id"
                },
                "must be the list of the task's parent (a subtask is in its parent's list)",
            ));
        }
        return Ok(Placement {
            list_id: parent.list_id,
            parent_id: Some(parent_id),
        });
    }
    if let Some(id) = list_id.filter(|_| list_given) {
        list_rows::find_row(db, owner_id, id)
            .await
            .map_err(|error| match error {
                DomainError::NotFound => {
                    DomainError::invalid("list_id", "must be the id of one of your lists, or null")
                }
                other => other,
            })?;
    }
    Ok(Placement { list_id, parent_id })
}

/// The owner's tasks at `placement` (same list, same parent), but
/// `except`.
fn at_placement(
    owner_id: &str,
    placement: Placement,
    except: Option<i64>,
) -> sea_orm::Select<Entity> {
    let mut query = Entity::find().filter(Column::UserId.eq(owner_id));
    query = match placement.list_id {
        Some(id) => query.filter(Column::ListId.eq(id)),
        None => query.filter(Column::ListId.is_null()),
    };
    query = match placement.parent_id {
        Some(id) => query.filter(Column::ParentId.eq(id)),
        None => query.filter(Column::ParentId.is_null()),
    };
    if let Some(id) = except {
        query = query.filter(Column::Id.ne(id));
    }
    query
}

/// The owner's tasks at `placement` (siblings), in order, but `except`.
pub async fn siblings<C: ConnectionTrait>(
    db: &C,
    owner_id: &str,
    placement: Placement,
    except: Option<i64>,
) -> DomainResult<Vec<Model>> {
    Ok(at_placement(owner_id, placement, except)
        .order_by_asc(Column::Position)
        .order_by_asc(Column::Id)
        .all(db)
        .await?)
}

/// A position after the last of the owner's tasks at `placement`.
///
/// # Errors
/// On a database failure.
pub async fn last_position<C: ConnectionTrait>(
    db: &C,
    owner_id: &str,
    placement: Placement,
    except: Option<i64>,
) -> DomainResult<String> {
    let last = at_placement(owner_id, placement, except)
        .order_by_desc(Column::Position)
        .order_by_desc(Column::Id)
        .one(db)
        .await?
        .map(|task| task.position);
    Ok(Positions::after(last.as_deref()))
}

/// Moves the subtasks of `task` to its list (after its own list changed),
/// each with its event.
///
/// # Errors
/// On a database failure.
pub async fn carry_subtasks(work: &mut UnitOfWork, task: &Model) -> DomainResult<()> {
    let now = now();
    for level in descendants(work.db(), &task.user_id, task.id).await? {
        for child in level {
            if child.list_id == task.list_id {
                continue;
            }
            let moved = Entity::update_many()
                .col_expr(Column::ListId, Expr::value(task.list_id))
                .col_expr(Column::UpdatedAt, Expr::value(now))
                .col_expr(
                    Column::Version,
                    Expr::value(child.version.saturating_add(1)),
                )
                .filter(Column::UserId.eq(task.user_id.as_str()))
                .filter(Column::Id.eq(child.id))
                .exec_with_returning(work.db())
                .await?;
            for moved in moved {
                work.record(&moved.user_id, EventKind::Updated, moved.id, Some(&moved))
                    .await?;
            }
        }
    }
    Ok(())
}

/// Deletes the subtasks of the task `id` (every level), each with its
/// event.
///
/// # Errors
/// On a database failure.
pub async fn delete_subtasks(work: &mut UnitOfWork, owner_id: &str, id: i64) -> DomainResult<()> {
    let levels = descendants(work.db(), owner_id, id).await?;
    for child in levels.into_iter().flatten() {
        let deleted = Entity::delete_many()
            .filter(Column::UserId.eq(owner_id))
            .filter(Column::Id.eq(child.id))
            .exec(work.db())
            .await?;
        if deleted.rows_affected > 0 {
            work.record(owner_id, EventKind::Deleted, child.id, None)
                .await?;
        }
    }
    Ok(())
}

/// Empties the owner's list `list_id` in the caller's unit of work: its
/// tasks go to the inbox, or are deleted; each with its event.
///
/// # Errors
/// On a database failure.
pub async fn leave_list(
    work: &mut UnitOfWork,
    owner_id: &str,
    list_id: i64,
    delete: bool,
) -> DomainResult<()> {
    let members = Entity::find()
        .filter(Column::UserId.eq(owner_id))
        .filter(Column::ListId.eq(list_id))
        .order_by_asc(Column::Id)
        .all(work.db())
        .await?;
    let now = now();
    for member in members {
        if delete {
            Entity::delete_many()
                .filter(Column::UserId.eq(owner_id))
                .filter(Column::Id.eq(member.id))
                .exec(work.db())
                .await?;
            work.record(owner_id, EventKind::Deleted, member.id, None)
                .await?;
        } else {
            let moved = Entity::update_many()
                .col_expr(Column::ListId, Expr::value(Option::<i64>::None))
                .col_expr(Column::UpdatedAt, Expr::value(now))
                .col_expr(
                    Column::Version,
                    Expr::value(member.version.saturating_add(1)),
                )
                .filter(Column::UserId.eq(owner_id))
                .filter(Column::Id.eq(member.id))
                .exec_with_returning(work.db())
                .await?;
            for moved in moved {
                work.record(owner_id, EventKind::Updated, moved.id, Some(&moved))
                    .await?;
            }
        }
    }
    Ok(())
}
