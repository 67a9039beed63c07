//! Lists: the user's lists of tasks, in the order the user puts them, each
//! with how many tasks it holds and how many of those are pending.
//!
//! Like tasks, every finder and write takes the owner and puts it in the
//! query. A name is unique per user ignoring case (`name_key`, the name
//! lower-cased here, Unicode-aware, so both databases agree). Deleting a
//! list moves its tasks to the inbox (`list_id` null) or deletes them, in
//! the same transaction, each task with its own event.

use sea_orm::{entity::prelude::*, sea_query::Expr, ActiveValue, QueryOrder, QuerySelect, SqlErr};
use serde_json::Value;

pub use super::_entities::task_lists::{self, ActiveModel, Column, Entity, Model};
pub use super::list_rows::{
    find_by_name, find_row, parse_list_name, ListWithCounts, NAME_MAX_CHARS,
};
use super::{
    _entities::tasks,
    clock::now,
    errors::{DomainError, DomainResult, FieldError},
    events::EventKind,
    feed::{Begin, UnitOfWork, Wakeups},
    list_rows::name_key,
    position::Positions,
    precondition::Precondition,
    subtasks,
    task_input::{Member, Reader},
};

pub const MAX_LISTS_PER_USER: u64 = 1000;

impl ActiveModelBehavior for ActiveModel {}

/// A color: `#rrggbb`, stored lower-cased.
///
/// # Errors
/// The message for the `color` field.
pub fn parse_color(raw: &str) -> Result<String, String> {
    let hex = raw.strip_prefix('#').unwrap_or("");
    if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(raw.to_ascii_lowercase())
    } else {
        Err("must be a color written #rrggbb, such as #3b82f6".to_string())
    }
}

/// A new list, every field checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewList {
    pub(crate) name: String,
    pub(crate) color: Option<String>,
}

/// A change to a list: `None` leaves a field; `after_id: Some(None)` puts
/// the list first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListChanges {
    pub(crate) name: Option<String>,
    pub(crate) color: Option<Option<String>>,
    pub(crate) after_id: Option<Option<i64>>,
}

fn read_name(reader: &mut Reader<'_>, value: &Value) -> Option<String> {
    reader.string("name", value, parse_list_name)
}

fn read_color(reader: &mut Reader<'_>, value: &Value) -> Option<String> {
    reader.string("color", value, parse_color)
}

fn read_after_id(reader: &mut Reader<'_>, value: &Value) -> Option<i64> {
    let id = value.as_i64().filter(|id| *id > 0);
    if id.is_none() {
        reader.fail(
            "after_id",
            "must be the id of another of your lists, or null",
        );
    }
    id
}

impl NewList {
    /// Reads a POST body: `name` required, `color` optional.
    ///
    /// # Errors
    /// `Invalid` listing every invalid field.
    pub fn from_json(body: Option<&Value>) -> Result<Self, DomainError> {
        let mut reader = Reader::new(body)?;
        let name = match reader.member("name") {
            Member::Absent => {
                reader.fail("name", "is required");
                None
            }
            Member::Null => {
                reader.fail("name", "must not be null");
                None
            }
            Member::Present(value) => read_name(&mut reader, value),
        };
        let color = reader.nullable("color", read_color).flatten();
        let list = Self {
            name: name.unwrap_or_default(),
            color,
        };
        reader.finish(list)
    }
}

impl ListChanges {
    /// Reads a PATCH body: any of `name`, `color`, `after_id`.
    ///
    /// # Errors
    /// `Invalid` listing every invalid field.
    pub fn from_json(body: Option<&Value>) -> Result<Self, DomainError> {
        let mut reader = Reader::new(body)?;
        let changes = Self {
            name: reader.required_or_absent("name", read_name),
            color: reader.nullable("color", read_color),
            after_id: reader.nullable("after_id", read_after_id),
        };
        reader.finish(changes)
    }
}

/// `(list_id, tasks, pending)` for the owner's lists (or one of them).
#[derive(Debug, sea_orm::FromQueryResult)]
struct Counts {
    list_id: i64,
    tasks: i64,
    pending: i64,
}

async fn counts<C: ConnectionTrait>(
    db: &C,
    owner_id: &str,
    only: Option<i64>,
) -> DomainResult<Vec<Counts>> {
    // Scoped here: `ExprTrait` is implemented for every type.
    use sea_orm::ExprTrait;
    let mut query = tasks::Entity::find()
        .select_only()
        .column(tasks::Column::ListId)
        .column_as(Expr::col(tasks::Column::Id).count(), "tasks")
        .column_as(
            Expr::cust("COALESCE(SUM(CASE WHEN completed THEN 0 ELSE 1 END), 0)"),
            "pending",
        )
        .filter(tasks::Column::UserId.eq(owner_id))
        .filter(tasks::Column::ListId.is_not_null())
        .group_by(tasks::Column::ListId);
    if let Some(id) = only {
        query = query.filter(tasks::Column::ListId.eq(id));
    }
    Ok(query.into_model::<Counts>().all(db).await?)
}

async fn with_counts<C: ConnectionTrait>(
    db: &C,
    owner_id: &str,
    list: Model,
) -> DomainResult<ListWithCounts> {
    let counted = counts(db, owner_id, Some(list.id)).await?;
    let (tasks, pending) = counted.first().map_or((0, 0), |c| (c.tasks, c.pending));
    Ok(ListWithCounts {
        list,
        tasks,
        pending,
    })
}

/// A taken name, in the field's words.
fn name_taken(name: &str) -> DomainError {
    DomainError::Duplicate(FieldError::new(
        "name",
        format!("is taken: you have a list named {name:?} (names ignore case)"),
    ))
}

/// A write refused by the unique name index (a racing create or rename).
fn unique_violation(error: DbErr, name: &str) -> DomainError {
    if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
        name_taken(name)
    } else {
        error.into()
    }
}

fn check(list: &ListWithCounts, precondition: Option<&dyn Precondition>) -> DomainResult<()> {
    match precondition {
        Some(p) if !p.holds_for(&list.etag()) => Err(DomainError::PreconditionFailed),
        _ => Ok(()),
    }
}

/// The owner's lists, in their order, with counts.
///
/// # Errors
/// On a database failure.
pub async fn index_for_user<C: ConnectionTrait>(
    db: &C,
    owner_id: &str,
) -> DomainResult<Vec<ListWithCounts>> {
    let lists = Entity::find()
        .filter(Column::UserId.eq(owner_id))
        .order_by_asc(Column::Position)
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    let counted = counts(db, owner_id, None).await?;
    Ok(lists
        .into_iter()
        .map(|list| {
            let (tasks, pending) = counted
                .iter()
                .find(|c| c.list_id == list.id)
                .map_or((0, 0), |c| (c.tasks, c.pending));
            ListWithCounts {
                list,
                tasks,
                pending,
            }
        })
        .collect())
}

/// The owner's list with this id, with counts.
///
/// # Errors
/// `NotFound`; a database failure.
pub async fn find_for_user<C: ConnectionTrait>(
    db: &C,
    owner_id: &str,
    id: i64,
) -> DomainResult<ListWithCounts> {
    let list = find_row(db, owner_id, id).await?;
    with_counts(db, owner_id, list).await
}

/// The position of the owner's last list, if any.
async fn last_position<C: ConnectionTrait>(db: &C, owner_id: &str) -> DomainResult<Option<String>> {
    Ok(Entity::find()
        .filter(Column::UserId.eq(owner_id))
        .order_by_desc(Column::Position)
        .order_by_desc(Column::Id)
        .one(db)
        .await?
        .map(|list| list.position))
}

/// Creates a list for the owner, last in their order. The checks read
/// before the write's transaction (see `tasks::Model::placed`); the unique
/// index on the name settles a race between two creates.
///
/// # Errors
/// `Duplicate` for a name the owner has (in any case); `Invalid` past
/// 1,000 lists; a database failure.
pub async fn create_for_user<C: Begin>(
    db: &C,
    wakeups: &Wakeups,
    owner_id: &str,
    new: NewList,
) -> DomainResult<ListWithCounts> {
    let existing = Entity::find()
        .filter(Column::UserId.eq(owner_id))
        .count(db)
        .await?;
    if existing >= MAX_LISTS_PER_USER {
        return Err(DomainError::invalid(
            "name",
            format!("cannot be added: you have {MAX_LISTS_PER_USER} lists, the most there can be"),
        ));
    }
    if find_by_name(db, owner_id, &new.name).await?.is_some() {
        return Err(name_taken(&new.name));
    }
    let position = Positions::after(last_position(db, owner_id).await?.as_deref());
    let now = now();
    let mut work = UnitOfWork::begin(db).await?;
    let list = ActiveModel {
        user_id: ActiveValue::Set(owner_id.to_string()),
        name_key: ActiveValue::Set(name_key(&new.name)),
        name: ActiveValue::Set(new.name.clone()),
        color: ActiveValue::Set(new.color),
        version: ActiveValue::Set(1),
        position: ActiveValue::Set(position),
        created_at: ActiveValue::Set(now),
        updated_at: ActiveValue::Set(now),
        ..Default::default()
    }
    .insert(work.db())
    .await
    .map_err(|e| unique_violation(e, &new.name))?;
    let shown = ListWithCounts {
        list,
        tasks: 0,
        pending: 0,
    };
    work.record_list(
        owner_id,
        EventKind::ListCreated,
        shown.list.id,
        Some(&shown),
    )
    .await?;
    work.commit(wakeups).await?;
    Ok(shown)
}

/// The position for a list placed right after `after_id` (`None`: first).
async fn position_after<C: ConnectionTrait>(
    db: &C,
    owner_id: &str,
    moved: i64,
    after_id: Option<i64>,
) -> DomainResult<String> {
    let others = Entity::find()
        .filter(Column::UserId.eq(owner_id))
        .filter(Column::Id.ne(moved))
        .order_by_asc(Column::Position)
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    let at = match after_id {
        None => 0,
        Some(id) => {
            others
                .iter()
                .position(|list| list.id == id)
                .ok_or_else(|| {
                    DomainError::invalid("after_id", "must be the id of another of your lists")
                })?
                + 1
        }
    };
    let low = at
        .checked_sub(1)
        .and_then(|i| others.get(i))
        .map(|l| l.position.as_str());
    let high = others.get(at).map(|l| l.position.as_str());
    Ok(Positions::between(low, high))
}

/// Renames, recolours or reorders the owner's list; `version` grows. Read
/// first, then written only if the list is still the version read
/// (compare and set), a bounded number of times.
///
/// # Errors
/// `NotFound`; `PreconditionFailed`; `Duplicate` for a taken name;
/// `Invalid` for an `after_id` that is not another of the owner's lists;
/// `Conflict` when other writers won every attempt; a database failure.
pub async fn update_for_user<C: Begin>(
    db: &C,
    wakeups: &Wakeups,
    owner_id: &str,
    id: i64,
    changes: ListChanges,
    precondition: Option<&dyn Precondition>,
) -> DomainResult<ListWithCounts> {
    const ATTEMPTS: usize = 5;
    for _ in 0..ATTEMPTS {
        let current = find_for_user(db, owner_id, id).await?;
        check(&current, precondition)?;
        let mut update = Entity::update_many()
            .col_expr(
                Column::Version,
                Expr::value(current.list.version.saturating_add(1)),
            )
            .col_expr(Column::UpdatedAt, Expr::value(now()))
            .filter(Column::UserId.eq(owner_id))
            .filter(Column::Id.eq(id))
            .filter(Column::Version.eq(current.list.version));
        if let Some(name) = &changes.name {
            if name_key(name) != current.list.name_key
                && find_by_name(db, owner_id, name).await?.is_some()
            {
                return Err(name_taken(name));
            }
            update = update
                .col_expr(Column::Name, Expr::value(name.clone()))
                .col_expr(Column::NameKey, Expr::value(name_key(name)));
        }
        if let Some(color) = &changes.color {
            update = update.col_expr(Column::Color, Expr::value(color.clone()));
        }
        if let Some(after_id) = changes.after_id {
            let position = position_after(db, owner_id, id, after_id).await?;
            update = update.col_expr(Column::Position, Expr::value(position));
        }
        let mut work = UnitOfWork::begin(db).await?;
        let updated = update
            .exec_with_returning(work.db())
            .await
            .map_err(|e| unique_violation(e, changes.name.as_deref().unwrap_or_default()))?;
        let Some(list) = updated.into_iter().next() else {
            continue;
        };
        let shown = ListWithCounts {
            list,
            tasks: current.tasks,
            pending: current.pending,
        };
        work.record_list(owner_id, EventKind::ListUpdated, id, Some(&shown))
            .await?;
        work.commit(wakeups).await?;
        return Ok(shown);
    }
    Err(DomainError::Conflict(
        "the list kept changing; try again".to_string(),
    ))
}

/// Deletes the owner's list; its tasks go to the inbox, or with
/// `delete_tasks`, are deleted; each with its event, one transaction.
///
/// # Errors
/// `NotFound`; `PreconditionFailed`; a database failure.
pub async fn delete_for_user<C: Begin>(
    db: &C,
    wakeups: &Wakeups,
    owner_id: &str,
    id: i64,
    delete_tasks: bool,
    precondition: Option<&dyn Precondition>,
) -> DomainResult<()> {
    let mut delete = Entity::delete_many()
        .filter(Column::UserId.eq(owner_id))
        .filter(Column::Id.eq(id));
    if precondition.is_some() {
        let current = find_for_user(db, owner_id, id).await?;
        check(&current, precondition)?;
        delete = delete.filter(Column::Version.eq(current.list.version));
    }
    // The delete first: the transaction writes before it reads.
    let mut work = UnitOfWork::begin(db).await?;
    if delete.exec(work.db()).await?.rows_affected == 0 {
        return Err(if precondition.is_some() {
            DomainError::PreconditionFailed
        } else {
            DomainError::NotFound
        });
    }
    subtasks::leave_list(&mut work, owner_id, id, delete_tasks).await?;
    work.record_list(owner_id, EventKind::ListDeleted, id, None)
        .await?;
    work.commit(wakeups).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_colors() {
        assert_eq!(parse_list_name("  Groceries ").as_deref(), Ok("Groceries"));
        assert!(parse_list_name("").is_err());
        assert!(parse_list_name(&"x".repeat(101)).is_err());
        assert!(parse_list_name(&"é".repeat(100)).is_ok());
        assert!(parse_list_name("a\nb").is_err());
        assert_eq!(parse_color("#3B82F6").as_deref(), Ok("#3b82f6"));
        for bad in ["3b82f6", "#3b82f", "#3b82f6a", "#zzzzzz", "", "#ééé"] {
            assert!(parse_color(bad).is_err(), "{bad:?}");
        }
    }
}
