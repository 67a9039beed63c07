//! The change feed: an outbox of task events, written in the transaction of
//! the change, with a per-user id sequence without gaps, in commit order.
//!
//! Every write that changes a task appends its event with [`append`] inside
//! its own transaction: no event without its change, no change without its
//! event. The id comes from the user's row in `event_heads`, taken with an
//! upsert that adds one: the row stays locked until the transaction ends,
//! so one user's writers queue there and get ids in commit order (a reader
//! that has seen N can never later find N-1), while other users never wait.
//!
//! Writes append through their unit of work (`super::feed`), which wakes
//! this process's streams after the commit. On PostgreSQL the serving
//! process also announces those commits to every instance with
//! [`announce`] (`NOTIFY task_events, '<user>'`, batched, after them), which
//! the listener of every instance turns into the same wake-up. Not inside
//! the write's transaction: PostgreSQL serialises the commits of notifying
//! transactions (WAL flush included), which cost the database much of its own
//! write ceiling (`docs/benchmark.md`). A lost or merged notification loses
//! nothing, since streams read the outbox, not the notification: a stream
//! that missed one reads the event on its user's next wake-up, and an
//! instance that starts tells every other to read the outbox again (an
//! empty payload), which covers what a crashed one had not yet announced.
//!
//! An event keeps the task after the change as the model's own JSON
//! (`task_events.task`); the views render it when the feed is read.

use std::sync::Arc;

use super::{
    _entities::{event_heads, task_events, tasks},
    clock,
    errors::DomainResult,
    list_rows::ListWithCounts,
};
use chrono::{DateTime, Utc};
use sea_orm::{
    entity::prelude::*,
    sea_query::{Expr, OnConflict, Query, QueryStatementBuilder},
    ActiveValue, DbBackend, ExprTrait, QueryOrder, QuerySelect, Statement,
};

/// The `NOTIFY` channel of the outbox, on PostgreSQL.
pub const CHANNEL: &str = "task_events";
/// Most events one read returns.
pub const MAX_PAGE: u64 = 1000;

/// What happened to a task or a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[schema(as = EventType)]
pub enum EventKind {
    #[serde(rename = "task.created")]
    Created,
    #[serde(rename = "task.updated")]
    Updated,
    #[serde(rename = "task.deleted")]
    Deleted,
    #[serde(rename = "task.reminder")]
    Reminder,
    #[serde(rename = "list.created")]
    ListCreated,
    #[serde(rename = "list.updated")]
    ListUpdated,
    #[serde(rename = "list.deleted")]
    ListDeleted,
}

impl EventKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "task.created",
            Self::Updated => "task.updated",
            Self::Deleted => "task.deleted",
            Self::Reminder => "task.reminder",
            Self::ListCreated => "list.created",
            Self::ListUpdated => "list.updated",
            Self::ListDeleted => "list.deleted",
        }
    }

    /// Whether an event of this kind is about a list (its id and JSON are
    /// a list's).
    #[must_use]
    pub fn is_list(kind: &str) -> bool {
        kind.starts_with("list.")
    }
}

/// One event of the feed.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: i64,
    /// `task.created`, `task.updated`, `task.deleted`, `task.reminder`, or
    /// `list.created`, `list.updated`, `list.deleted`.
    pub kind: String,
    /// The task's id, or the list's for a `list.*` event.
    pub task_id: i64,
    /// The task after the change; `None` for a deletion and a list event.
    pub task: Option<Box<tasks::Model>>,
    /// The list after the change (`list.created`, `list.updated`).
    pub list: Option<Box<ListWithCounts>>,
    pub at: DateTimeWithTimeZone,
}

/// Appends an event for the owner's task, in the caller's transaction;
/// returns its id. Writes call it through their unit of work
/// (`super::feed::UnitOfWork::record`), which wakes the owner's streams
/// after the commit.
///
/// # Errors
/// On a database failure.
pub(super) async fn append<C: ConnectionTrait, T: serde::Serialize>(
    db: &C,
    owner_id: &str,
    kind: EventKind,
    task_id: i64,
    task: Option<&T>,
) -> DomainResult<i64> {
    let stored = task
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| DbErr::Custom(format!("an event's task or list: {e}")))?;
    let at = clock::now();
    if db.get_database_backend() == DbBackend::Postgres {
        // The head and the event in one round trip.
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                APPEND_POSTGRES,
                [
                    owner_id.into(),
                    kind.as_str().into(),
                    task_id.into(),
                    stored.into(),
                    at.into(),
                ],
            ))
            .await?
            .ok_or_else(|| DbErr::RecordNotInserted)?;
        return Ok(row.try_get_by_index::<i64>(0)?);
    }
    let head = event_heads::Entity::insert(event_heads::ActiveModel {
        user_id: ActiveValue::Set(owner_id.to_string()),
        last_id: ActiveValue::Set(1),
    })
    .on_conflict(
        OnConflict::column(event_heads::Column::UserId)
            .value(
                event_heads::Column::LastId,
                Expr::col((event_heads::Entity, event_heads::Column::LastId)).add(1),
            )
            .to_owned(),
    )
    .exec_with_returning(db)
    .await?;
    task_events::ActiveModel {
        user_id: ActiveValue::Set(owner_id.to_string()),
        id: ActiveValue::Set(head.last_id),
        kind: ActiveValue::Set(kind.as_str().to_string()),
        task_id: ActiveValue::Set(task_id),
        task: ActiveValue::Set(stored),
        at: ActiveValue::Set(at),
    }
    .insert(db)
    .await?;
    Ok(head.last_id)
}

/// [`append`] on PostgreSQL, as one statement: the head upsert (which
/// holds the user's head row until the transaction ends), then the event
/// with the id it gave. The same steps as the SQLite path, which has no
/// data-modifying `WITH`.
const APPEND_POSTGRES: &str = r#"WITH head AS (
    INSERT INTO "event_heads" ("user_id", "last_id") VALUES ($1, 1)
    ON CONFLICT ("user_id") DO UPDATE SET "last_id" = "event_heads"."last_id" + 1
    RETURNING "last_id"
), event AS (
    INSERT INTO "task_events" ("user_id", "id", "kind", "task_id", "task", "at")
    SELECT $1, "last_id", $2, $3, $4, $5 FROM head
    RETURNING "id"
)
SELECT "id" FROM event"#;

/// The owner's latest event id; 0 when there is none.
///
/// # Errors
/// On a database failure.
pub async fn head<C: ConnectionTrait>(db: &C, owner_id: &str) -> DomainResult<i64> {
    Ok(event_heads::Entity::find_by_id(owner_id.to_string())
        .one(db)
        .await?
        .map_or(0, |head| head.last_id))
}

/// A page of the feed.
#[derive(Debug)]
pub enum FeedPage {
    /// The events after the position, in order, and whether more follow.
    Events {
        events: Vec<Event>,
        more: bool,
        /// The user's latest event id when read.
        head: i64,
    },
    /// The position is older than what is kept (or newer than anything
    /// given out): the client must reload its list.
    Gone { head: i64 },
}

/// A row of a feed page: the event, and the owner's head as of the same
/// statement; read by position (`by_position!`) in the order `after`
/// selects.
#[derive(Debug)]
struct EventRow {
    id: i64,
    kind: String,
    task_id: i64,
    task: Option<String>,
    at: DateTimeWithTimeZone,
    head: Option<i64>,
}

impl sea_orm::FromQueryResult for EventRow {
    fn from_query_result(res: &sea_orm::QueryResult, _pre: &str) -> Result<Self, DbErr> {
        let read = by_position!(res, |row| EventRow {
            id: row.try_get_unchecked(0)?,
            kind: row.try_get_unchecked(1)?,
            task_id: row.try_get_unchecked(2)?,
            task: row.try_get_unchecked(3)?,
            at: row.try_get_unchecked(4)?,
            head: row.try_get_unchecked(5)?,
        });
        match read {
            Ok(Some(row)) => Ok(row),
            Ok(None) => Err(DbErr::Type("a feed row of neither driver".to_string())),
            Err(error) => Err(DbErr::Type(format!("a feed row: {error}"))),
        }
    }
}

impl TryFrom<EventRow> for Event {
    type Error = DbErr;

    fn try_from(row: EventRow) -> Result<Self, DbErr> {
        let unreadable =
            |e: serde_json::Error| DbErr::Type(format!("event {} of a feed: {e}", row.id));
        let (mut task, mut list) = (None, None);
        if let Some(json) = &row.task {
            if EventKind::is_list(&row.kind) {
                list = Some(serde_json::from_str(json).map_err(unreadable)?);
            } else {
                task = Some(serde_json::from_str(json).map_err(unreadable)?);
            }
        }
        Ok(Self {
            id: row.id,
            kind: row.kind,
            task_id: row.task_id,
            task,
            list,
            at: row.at,
        })
    }
}

/// Up to `limit + 1` of the owner's events after `after`, each with the
/// owner's head as of the same statement (one snapshot, one round trip).
async fn page_with_head<C: ConnectionTrait>(
    db: &C,
    owner_id: &str,
    after: i64,
    limit: u64,
) -> DomainResult<Vec<EventRow>> {
    use task_events::Column;
    let head_of_owner = Query::select()
        .column(event_heads::Column::LastId)
        .from(event_heads::Entity)
        .and_where(event_heads::Column::UserId.eq(owner_id))
        .to_owned();
    Ok(task_events::Entity::find()
        .select_only()
        // The order `EventRow` reads them in.
        .columns([
            Column::Id,
            Column::Kind,
            Column::TaskId,
            Column::Task,
            Column::At,
        ])
        .expr_as(
            Expr::SubQuery(None, Box::new(head_of_owner.into_sub_query_statement())),
            "head",
        )
        .filter(Column::UserId.eq(owner_id))
        .filter(Column::Id.gt(after))
        .order_by_asc(Column::Id)
        .limit(limit + 1)
        .into_model::<EventRow>()
        .all(db)
        .await?)
}

/// The owner's events after `after`, at most `limit` (1 to 1000).
///
/// # Errors
/// On a database failure.
pub async fn after<C: ConnectionTrait>(
    db: &C,
    owner_id: &str,
    after: i64,
    limit: u64,
) -> DomainResult<FeedPage> {
    let limit = limit.clamp(1, MAX_PAGE);
    let mut rows = page_with_head(db, owner_id, after, limit).await?;
    let head = match rows.first().and_then(|row| row.head) {
        Some(head) => head,
        // An empty page: the head on its own, then the page again if events
        // came since. Read the other way round, a commit landing between
        // the two would look like a purged gap (410) to a caught-up client.
        None => {
            let head = head(db, owner_id).await?;
            if after < head {
                rows = page_with_head(db, owner_id, after, limit).await?;
            }
            rows.first().and_then(|row| row.head).unwrap_or(head)
        }
    };
    // Ids have no gaps: the first event after `after` is `after + 1`,
    // unless it was purged (or `after` is from another database).
    let purged = after < head && rows.first().map(|e| e.id) != Some(after + 1);
    if after < 0 || after > head || purged {
        return Ok(FeedPage::Gone { head });
    }
    let more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(FeedPage::Events {
        events: rows
            .into_iter()
            .map(Event::try_from)
            .collect::<Result<_, _>>()?,
        more,
        head,
    })
}

/// Deletes events older than `cutoff`; returns how many.
///
/// # Errors
/// On a database failure.
pub async fn purge_before<C: ConnectionTrait>(db: &C, cutoff: DateTime<Utc>) -> DomainResult<u64> {
    Ok(task_events::Entity::delete_many()
        .filter(task_events::Column::At.lt(cutoff.fixed_offset()))
        .exec(db)
        .await?
        .rows_affected)
}

/// How far back the oldest kept event of the owner goes (`None`: none
/// kept), for the tests and operators.
///
/// # Errors
/// On a database failure.
pub async fn oldest_kept<C: ConnectionTrait>(db: &C, owner_id: &str) -> DomainResult<Option<i64>> {
    Ok(task_events::Entity::find()
        .select_only()
        .column_as(task_events::Column::Id.min(), "oldest")
        .filter(task_events::Column::UserId.eq(owner_id))
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten())
}

/// Sends `NOTIFY task_events, '<owner>'` for each owner, in one statement
/// (autocommit, no write: no WAL flush to wait for). An empty owner asks
/// every listener to read everything again. Nothing on SQLite.
///
/// # Errors
/// On a database failure.
pub async fn announce<C: ConnectionTrait>(db: &C, owners: &[Arc<str>]) -> DomainResult<()> {
    if db.get_database_backend() != DbBackend::Postgres || owners.is_empty() {
        return Ok(());
    }
    let owners: Vec<&str> = owners.iter().map(AsRef::as_ref).collect();
    let owners = serde_json::to_string(&owners).unwrap_or_else(|_| "[]".to_string());
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_notify($1, owner) FROM json_array_elements_text($2::json) AS owner",
        [CHANNEL.into(), owners.into()],
    ))
    .await?;
    Ok(())
}

/// A parsed feed request: after which event, how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedQuery {
    /// `None`: not given (a stream then starts from now).
    pub after: Option<i64>,
    pub limit: u64,
}

/// Reads `after` (an event id, 0 or more) and `limit` (1 to 1000, default
/// 100); the first of a repeated parameter wins, unknown ones are ignored.
///
/// # Errors
/// `Invalid` naming each bad parameter.
pub fn parse_feed_query(pairs: &[(String, String)]) -> DomainResult<FeedQuery> {
    use super::errors::{DomainError, FieldError};
    let first = |name: &str| super::query::first(pairs, name);
    let mut errors = Vec::new();
    let after = match first("after") {
        None => None,
        Some(text) => match parse_event_id(text) {
            Some(id) => Some(id),
            None => {
                errors.push(FieldError::new("after", "must be an event id (0 or more)"));
                None
            }
        },
    };
    let limit = match first("limit").map(|text| super::query::limit(text, MAX_PAGE)) {
        None => 100,
        Some(Ok(limit)) => limit,
        Some(Err(e)) => {
            errors.push(e);
            100
        }
    };
    if errors.is_empty() {
        Ok(FeedQuery { after, limit })
    } else {
        Err(DomainError::Invalid(errors))
    }
}

/// An event id as clients send it back (`after`, `Last-Event-ID`): a whole
/// number, 0 or more.
#[must_use]
pub fn parse_event_id(text: &str) -> Option<i64> {
    let text = text.trim();
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse::<i64>().ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What an event keeps of a task reads back as it was written, and so
    /// does what migration 6 wrote from the API's shape (`Z` instants, no
    /// `reminded_for`); the search text is not kept.
    #[test]
    fn a_kept_task_reads_back() {
        let migrated = r#"{"created_at":"2026-11-30T16:49:27.400Z","updated_at":"2026-11-30T16:49:28.000Z",
            "id":1,"user_id":"u","title":"t","description":null,"completed":true,"priority":2,
            "due_date":"2026-12-01T17:38:27.123Z","completed_at":null,"version":0,"tags":"a\nb",
            "recurrence":null,"next_id":null,"remind_at":null}"#;
        let task: tasks::Model = serde_json::from_str(migrated).expect("a migrated task");
        assert_eq!(
            task.created_at.to_rfc3339(),
            "2026-11-30T16:49:27.400+00:00"
        );
        assert_eq!(task.reminded_for, None);
        let task = tasks::Model {
            search_text: "t".into(),
            ..task
        };
        let kept = serde_json::to_string(&task).expect("kept");
        assert!(!kept.contains("search_text"), "{kept}");
        let read: tasks::Model = serde_json::from_str(&kept).expect("read");
        assert_eq!(
            read,
            tasks::Model {
                search_text: String::new(),
                ..task
            }
        );
    }
}
