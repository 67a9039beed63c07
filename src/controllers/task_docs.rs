//! How the task routes' inputs appear in the OpenAPI document: path,
//! headers, query and bodies.
//!
//! Bodies and the query are read by the model's parse functions
//! (`models::task_input`, `models::task_list`), which report every broken
//! field at once; the types here describe those inputs for the document and
//! are never deserialized. Enums are the model's own. The limits repeat the
//! model's constants as literals (utoipa takes no constants there);
//! `tests/requests/openapi.rs` checks that they agree.

use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::models::{
    priority::Priority,
    task_list::{Direction, SortKey, Status},
};

/// `/api/{user_id}/...`
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserPath {
    /// The token's `sub`; another value is a 403
    pub user_id: String,
}

/// `/api/{user_id}/tasks/{id}...`; read as text (axum's `Path`), so that
/// an id that is not a positive integer is a 404 after the body's checks.
#[derive(IntoParams, Deserialize)]
#[into_params(parameter_in = Path)]
pub struct TaskPath {
    /// The token's `sub`; another value is a 403
    pub user_id: String,
    /// The task id; not a positive integer, another user's or missing: 404
    #[param(value_type = i64)]
    pub id: String,
}

/// `/api/{user_id}/tags/{name}`
#[derive(IntoParams, Deserialize)]
#[into_params(parameter_in = Path)]
pub struct TagPath {
    /// The token's `sub`; another value is a 403
    pub user_id: String,
    /// The tag, percent-encoded; compared after trimming and lower-casing
    pub name: String,
}

/// `/api/{user_id}/lists/{id}`; read as text, like a task's id.
#[derive(IntoParams, Deserialize)]
#[into_params(parameter_in = Path)]
pub struct ListPath {
    /// The token's `sub`; another value is a 403
    pub user_id: String,
    /// The list id; not a positive integer, another user's or missing: 404
    #[param(value_type = i64)]
    pub id: String,
}

/// The query of a list's `DELETE`.
#[derive(IntoParams, Deserialize)]
#[into_params(parameter_in = Query)]
pub struct DeleteListQuery {
    /// `true`: delete the list's tasks too; otherwise (default) they move
    /// to the inbox (`list_id: null`).
    pub delete_tasks: Option<bool>,
}

/// The body of a list's `POST`.
#[derive(ToSchema)]
pub struct CreateList {
    /// Trimmed, then 1 to 100 characters, no control characters; unique
    /// per user ignoring case (409 otherwise).
    #[schema(min_length = 1, max_length = 100, example = "Groceries")]
    pub name: String,
    /// `#rrggbb` or `null`.
    #[schema(pattern = r"^#[0-9a-fA-F]{6}$", example = "#3b82f6")]
    pub color: Option<String>,
}

/// The body of a list's `PATCH`: any of these.
#[derive(ToSchema)]
pub struct UpdateList {
    /// As in `CreateList`; not `null`.
    #[schema(min_length = 1, max_length = 100, nullable = false, required = false)]
    pub name: Option<String>,
    /// `#rrggbb`; `null` clears it.
    #[schema(pattern = r"^#[0-9a-fA-F]{6}$")]
    pub color: Option<String>,
    /// Put the list right after this other list of the user's; `null`:
    /// first.
    #[schema(minimum = 1)]
    pub after_id: Option<i64>,
}

/// The body of a task's `move`: any of these.
#[derive(ToSchema)]
pub struct MoveTask {
    /// The list to move to (`null`: the inbox); absent: the task's own. A
    /// subtask's list is its parent's.
    #[schema(minimum = 1)]
    pub list_id: Option<i64>,
    /// The task to move under (`null`: the top level); absent: the task's
    /// own parent.
    #[schema(minimum = 1)]
    pub parent_id: Option<i64>,
    /// The sibling (same list, same parent) to go right after; `null` or
    /// absent: first.
    #[schema(minimum = 1)]
    pub after_id: Option<i64>,
}

/// A tag: trimmed and lower-cased, then 1 to 40 characters, no control
/// characters.
#[derive(ToSchema)]
#[schema(
    min_length = 1,
    max_length = 40,
    pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
    example = "home"
)]
pub struct TagName(pub String);

/// The body of a tag rename.
#[derive(ToSchema)]
pub struct RenameTag {
    pub name: TagName,
}

/// The feed's query parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQueryDocs {
    /// The last event id the client has (default 0: from the first event;
    /// a 410 once that is no longer kept). A stream without it (and
    /// without `Last-Event-ID`) starts from now.
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// Events per page, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
}

/// `Last-Event-ID` when a stream resumes.
#[derive(IntoParams)]
#[into_params(names("Last-Event-ID"), parameter_in = Header)]
pub struct LastEventId(
    /// The stream resumes after this event (browsers send it when they
    /// reconnect); it wins over `after`
    #[param(nullable = false, pattern = r"^[0-9]{1,18}$")]
    pub Option<String>,
);

/// `If-Match` on a write.
#[derive(IntoParams)]
#[into_params(names("If-Match"), parameter_in = Header)]
pub struct IfMatch(
    /// Only if the task still has this ETag (or `*`); else 412
    #[param(nullable = false)]
    pub Option<String>,
);

/// `If-None-Match` on a read.
#[derive(IntoParams)]
#[into_params(names("If-None-Match"), parameter_in = Header)]
pub struct IfNoneMatch(
    /// 304 when the task still has one of these ETags
    #[param(nullable = false)]
    pub Option<String>,
);

/// `Idempotency-Key` on a create.
#[derive(IntoParams)]
#[into_params(names("Idempotency-Key"), parameter_in = Header)]
pub struct IdempotencyKey(
    /// 1 to 255 visible ASCII characters. Retries with the same key and body within 24 h get the first answer and create nothing
    #[param(pattern = r"^[!-~]{1,255}$", nullable = false)]
    pub Option<String>,
);

/// The list's query parameters. Unknown parameters are ignored; an unknown
/// value of a known one is a 422.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Which tasks: `all` (default), `pending`, `completed`.
    pub status: Option<Status>,
    /// Sort key (default `created`); ties break on `id`.
    pub sort: Option<SortKey>,
    /// Default: newest first, title A to Z, earliest due date first
    /// (undated last), high priority first.
    pub order: Option<Direction>,
    /// Case-insensitive substring of title or description; `%`, `_` and
    /// `\` are literal.
    #[param(max_length = 200, pattern = r"^[^\x00]*$")]
    pub q: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
    /// Only tasks that carry every one of these tags (repeat the
    /// parameter: `tag=work&tag=home`), compared after trimming and
    /// lower-casing; at most 20.
    #[param(value_type = Option<Vec<TagName>>, style = Form, explode, max_items = 20)]
    pub tag: Option<Vec<String>>,
    /// Only tasks due at or after this: an RFC 3339 date-time, or a date
    /// (`2026-12-24`), its start in `X-Timezone`'s zone (else UTC).
    /// Undated tasks never match.
    #[param(example = "2026-12-24")]
    pub due_after: Option<String>,
    /// Only tasks due before this (exclusive); read as `due_after`.
    #[param(example = "2026-12-25")]
    pub due_before: Option<String>,
    /// Only the tasks of this list (`none`: the inbox, tasks in no list).
    #[param(value_type = Option<String>, pattern = r"^([1-9][0-9]{0,18}|none)$", example = "3")]
    pub list_id: Option<String>,
    /// Only the direct subtasks of this task (`none`: top-level tasks
    /// only).
    #[param(value_type = Option<String>, pattern = r"^([1-9][0-9]{0,18}|none)$", example = "none")]
    pub parent_id: Option<String>,
    /// Opaque; from the previous page's `Link: rel="next"`.
    pub cursor: Option<String>,
}

/// `X-Timezone`: the client's IANA time zone.
#[derive(IntoParams)]
#[into_params(names("X-Timezone"), parameter_in = Header)]
pub struct TimeZoneHeader(
    /// The client's IANA zone (`Europe/Berlin`): a new task's `time_zone`
    /// when the body has none, and the zone the list's date-only
    /// `due_after` and `due_before` are read in. Ignored when it names no
    /// zone
    #[param(nullable = false, example = "Europe/Berlin")]
    pub Option<String>,
);

/// The body of a `POST`: `title` is required, the rest optional. Members
/// such as `id`, `user_id` and the timestamps are ignored.
#[derive(ToSchema)]
pub struct CreateTask {
    /// Trimmed, then 1 to 200 characters; not blank, no U+0000.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00]*[^\s\x00][^\x00]*$",
        example = "Buy milk"
    )]
    pub title: String,
    /// At most 1000 characters, no U+0000.
    #[schema(max_length = 1000, pattern = r"^[^\x00]*$", example = "2 litres")]
    pub description: Option<String>,
    /// Default `false`; `completed_at` follows it. Not `null`.
    #[schema(nullable = false, required = false)]
    pub completed: Option<bool>,
    // Default `medium`; not `null`. (A doc comment here would wrap the
    // reference in an `allOf` that fuzzers misread.)
    #[schema(inline, nullable = false, required = false)]
    pub priority: Option<Priority>,
    /// An RFC 3339 date-time, or a date alone (`2026-12-24`): due on that
    /// day (`all_day`), from its start in `time_zone`.
    #[schema(example = "2026-12-24T09:00:00Z")]
    pub due_date: Option<String>,
    /// An IANA zone name (`Europe/Berlin`): the zone the task's dates and
    /// rule are read in. Absent: `X-Timezone`'s zone, else `null` (UTC).
    #[schema(example = "Europe/Berlin")]
    pub time_zone: Option<String>,
    /// Follows `due_date` (a date: `true`, a date-time: `false`); `true`
    /// makes the due date the start of its date in `time_zone`, `false`
    /// keeps its instant. Not `null`.
    #[schema(nullable = false, required = false)]
    pub all_day: Option<bool>,
    /// The task's tags; duplicates collapse. `null` or `[]`: none.
    #[schema(max_items = 20)]
    pub tags: Option<Vec<TagName>>,
    /// An RFC 5545 RRULE value (`FREQ` of DAILY, WEEKLY, MONTHLY or
    /// YEARLY; `INTERVAL`, `BYDAY`, `BYMONTHDAY`, `BYMONTH`, `COUNT`,
    /// `UNTIL`), repeating from `due_date`, which it needs.
    #[schema(max_length = 500, example = "FREQ=WEEKLY;BYDAY=MO,WE")]
    pub recurrence: Option<String>,
    /// When to remind: an RFC 3339 date-time.
    #[schema(format = DateTime, example = "2026-12-24T08:30:00Z")]
    pub remind_at: Option<String>,
    /// The task's list (`null`: the inbox); a subtask's is its parent's.
    #[schema(minimum = 1, example = 3)]
    pub list_id: Option<i64>,
    /// The task this is a subtask of (`null`: none); at most 4 levels.
    #[schema(minimum = 1)]
    pub parent_id: Option<i64>,
}

/// The body of a `PUT` or `PATCH`: any subset of the writable fields.
/// Absent fields stay as they are; `null` clears `description`,
/// `due_date`, `time_zone`, `tags`, `recurrence` and `remind_at`, and is
/// refused for `title`, `completed`, `priority` and `all_day`.
#[derive(ToSchema)]
pub struct UpdateTask {
    /// As in `CreateTask`; not `null`.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00]*[^\s\x00][^\x00]*$",
        nullable = false,
        required = false
    )]
    pub title: Option<String>,
    /// `null` clears it.
    #[schema(max_length = 1000, pattern = r"^[^\x00]*$")]
    pub description: Option<String>,
    /// Not `null`.
    #[schema(nullable = false, required = false)]
    pub completed: Option<bool>,
    // Not `null`.
    #[schema(inline, nullable = false, required = false)]
    pub priority: Option<Priority>,
    /// As in `CreateTask`, in the task's (new) zone; `null` clears it
    /// (refused while the task repeats).
    pub due_date: Option<String>,
    /// As in `CreateTask`; `null`: UTC. An all-day task keeps its date (its
    /// instant moves), a timed one its instant.
    pub time_zone: Option<String>,
    /// As in `CreateTask`. Not `null`.
    #[schema(nullable = false, required = false)]
    pub all_day: Option<bool>,
    /// Replaces the whole set; `null` or `[]` clears it.
    #[schema(max_items = 20)]
    pub tags: Option<Vec<TagName>>,
    /// As in `CreateTask`; `null` stops the repetition.
    #[schema(max_length = 500)]
    pub recurrence: Option<String>,
    /// `null` clears it; a new value re-arms the reminder.
    #[schema(format = DateTime)]
    pub remind_at: Option<String>,
    /// The task's list (`null`: the inbox); a subtask's is its parent's.
    #[schema(minimum = 1, example = 3)]
    pub list_id: Option<i64>,
    /// The task this is a subtask of (`null`: none); at most 4 levels.
    #[schema(minimum = 1)]
    pub parent_id: Option<i64>,
}

/// The optional body of `/complete`: absent (or `{}`) toggles, `completed`
/// sets.
#[derive(ToSchema)]
pub struct SetCompletion {
    /// Not `null`.
    #[schema(nullable = false, required = false)]
    pub completed: Option<bool>,
}
