//! What a client may write into a task: one parse function per field, and
//! the readers of a whole JSON object that REST bodies, MCP tool arguments
//! and seeds share.
//!
//! A JSON object becomes a [`NewTask`] or a [`TaskChanges`] only if every
//! field is valid, so the model never receives a title of 201 characters or
//! a priority of "urgent". Every broken field is reported, not just the
//! first. `id`, `user_id`, `created_at` and any other unknown member of the
//! body are ignored: ownership never changes through a body.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::{
    dates::{parse_date_or_instant, parse_time_zone, to_millis, DueInput, TaskDates, Tz},
    errors::{DomainError, FieldError},
    list_rows::parse_list_name,
    priority::Priority,
    recurrence::Recurrence,
    tags::parse_tags,
};

pub const TITLE_MAX_CHARS: usize = 200;
pub const DESCRIPTION_MAX_CHARS: usize = 1000;
/// PostgreSQL text cannot hold U+0000, so neither database gets one.
const NUL_MESSAGE: &str = "must not contain NUL (U+0000) characters";

/// A title: trimmed, then 1 to 200 Unicode characters.
///
/// # Errors
/// The message for the `title` field.
pub fn parse_title(raw: &str) -> Result<String, String> {
    if raw.contains('\0') {
        return Err(NUL_MESSAGE.to_string());
    }
    let title = raw.trim();
    let chars = title.chars().count();
    if chars == 0 || chars > TITLE_MAX_CHARS {
        return Err(format!(
            "must be between 1 and {TITLE_MAX_CHARS} characters"
        ));
    }
    Ok(title.to_string())
}

/// A description: at most 1000 Unicode characters (kept as sent).
///
/// # Errors
/// The message for the `description` field.
pub fn parse_description(raw: &str) -> Result<String, String> {
    if raw.contains('\0') {
        return Err(NUL_MESSAGE.to_string());
    }
    if raw.chars().count() > DESCRIPTION_MAX_CHARS {
        return Err(format!(
            "must be at most {DESCRIPTION_MAX_CHARS} characters"
        ));
    }
    Ok(raw.to_string())
}

/// A due date: an RFC 3339 date-time (any offset, stored in UTC), or a
/// date alone, `YYYY-MM-DD` (what an `<input type="date">` sends), which
/// makes the task due on that day in its time zone ([`TaskDates::written`]).
///
/// # Errors
/// The message for the `due_date` field.
pub fn parse_due_date(raw: &str) -> Result<DueInput, String> {
    parse_date_or_instant(
        raw,
        "must be an RFC 3339 date-time (2026-12-01T09:00:00Z) or a date (2026-12-01)",
    )
}

/// A reminder time: an RFC 3339 date-time (any offset, stored in UTC, to
/// the millisecond).
///
/// # Errors
/// The message for the `remind_at` field.
pub fn parse_remind_at(raw: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|at| to_millis(at.with_timezone(&Utc)))
        .map_err(|_| "must be an RFC 3339 date-time (2026-12-01T08:30:00Z)".to_string())
}

/// A new task, every field checked: built only by [`NewTask::from_json`],
/// so the model never receives one that breaks a rule (its fields are the
/// crate's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    pub(crate) title: String,
    pub(crate) description: Option<String>,
    pub(crate) completed: bool,
    pub(crate) priority: Priority,
    /// `due_date`, `all_day` and `time_zone`, resolved.
    pub(crate) dates: TaskDates,
    /// Normalised, sorted, without duplicates.
    pub(crate) tags: Vec<String>,
    pub(crate) recurrence: Option<Recurrence>,
    pub(crate) remind_at: Option<DateTime<Utc>>,
    /// Where the task goes; checked against the owner's lists and tasks
    /// when it is written.
    pub(crate) place: Place,
}

/// Where a write puts a task: `None` leaves a field as it is (the inbox
/// and the top level for a new task), `Some(None)` clears it. `list`
/// names a list instead of `list_id` (the tools take a name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    pub(crate) list_id: Option<Option<i64>>,
    pub(crate) list: Option<String>,
    pub(crate) parent_id: Option<Option<i64>>,
}

impl Place {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.list_id.is_none() && self.list.is_none() && self.parent_id.is_none()
    }
}

/// A move: the place, and the sibling the task goes right after
/// (`Some(None)` or `None`: first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MoveTo {
    pub(crate) place: Place,
    pub(crate) after_id: Option<i64>,
}

/// A partial update, every field checked: built only by
/// [`TaskChanges::from_json`]. `None` leaves a field as it is; for the
/// nullable fields, `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskChanges {
    pub(crate) title: Option<String>,
    pub(crate) description: Option<Option<String>>,
    pub(crate) completed: Option<bool>,
    pub(crate) priority: Option<Priority>,
    /// Resolved against the task's own dates ([`TaskDates::written`]).
    pub(crate) due_date: Option<Option<DueInput>>,
    pub(crate) time_zone: Option<Option<Tz>>,
    pub(crate) all_day: Option<bool>,
    /// The whole new set; `null` and `[]` clear it.
    pub(crate) tags: Option<Vec<String>>,
    pub(crate) recurrence: Option<Option<Recurrence>>,
    pub(crate) remind_at: Option<Option<DateTime<Utc>>>,
    pub(crate) place: Place,
}

/// Collects field errors while reading one JSON object.
pub(super) struct Reader<'a> {
    object: &'a Map<String, Value>,
    pub(super) errors: Vec<FieldError>,
}

/// How a member stood in the body.
pub(super) enum Member<'a> {
    Absent,
    Null,
    Present(&'a Value),
}

impl<'a> Reader<'a> {
    pub(super) fn new(body: Option<&'a Value>) -> Result<Self, DomainError> {
        match body {
            Some(Value::Object(object)) => Ok(Self {
                object,
                errors: Vec::new(),
            }),
            Some(_) => Err(DomainError::invalid("body", "must be a JSON object")),
            None => Err(DomainError::invalid("body", "a JSON object is required")),
        }
    }

    pub(super) fn member(&self, name: &str) -> Member<'a> {
        match self.object.get(name) {
            None => Member::Absent,
            Some(Value::Null) => Member::Null,
            Some(value) => Member::Present(value),
        }
    }

    pub(super) fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// A string member run through `parse`.
    pub(super) fn string<T>(
        &mut self,
        field: &str,
        value: &Value,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let Some(text) = value.as_str() else {
            self.fail(field, "must be a string");
            return None;
        };
        parse(text)
            .map_err(|message| self.fail(field, message))
            .ok()
    }

    fn title(&mut self, value: &Value) -> Option<String> {
        self.string("title", value, parse_title)
    }

    fn description(&mut self, value: &Value) -> Option<String> {
        self.string("description", value, parse_description)
    }

    fn due_date(&mut self, value: &Value) -> Option<DueInput> {
        self.string("due_date", value, parse_due_date)
    }

    fn time_zone(&mut self, value: &Value) -> Option<Tz> {
        self.string("time_zone", value, parse_time_zone)
    }

    fn all_day(&mut self, value: &Value) -> Option<bool> {
        self.flag("all_day", value)
    }

    fn priority(&mut self, value: &Value) -> Option<Priority> {
        self.string("priority", value, |text| {
            Priority::parse(text).ok_or_else(|| "must be one of low, medium, high".to_string())
        })
    }

    fn remind_at(&mut self, value: &Value) -> Option<DateTime<Utc>> {
        self.string("remind_at", value, parse_remind_at)
    }

    fn recurrence(&mut self, value: &Value) -> Option<Recurrence> {
        self.string("recurrence", value, Recurrence::parse)
    }

    /// An id: a positive integer (whether it is one of the owner's is
    /// checked when the write is made).
    fn id(&mut self, field: &str, value: &Value) -> Option<i64> {
        let id = value.as_i64().filter(|id| *id > 0);
        if id.is_none() {
            self.fail(field, "must be a positive integer id, or null");
        }
        id
    }

    fn place(&mut self) -> Place {
        let list_id = self.nullable("list_id", |r, v| r.id("list_id", v));
        let parent_id = self.nullable("parent_id", |r, v| r.id("parent_id", v));
        let list = match (&list_id, self.member("list")) {
            (None, Member::Present(value)) => self.string("list", value, parse_list_name),
            _ => None,
        };
        Place {
            list_id,
            list,
            parent_id,
        }
    }

    fn tags(&mut self, value: &Value) -> Option<Vec<String>> {
        let items: Option<Vec<&str>> = value
            .as_array()
            .and_then(|items| items.iter().map(Value::as_str).collect());
        let Some(items) = items else {
            self.fail("tags", "must be an array of strings");
            return None;
        };
        parse_tags(items)
            .map_err(|message| self.fail("tags", message))
            .ok()
    }

    fn completed(&mut self, value: &Value) -> Option<bool> {
        self.flag("completed", value)
    }

    pub(super) fn flag(&mut self, field: &str, value: &Value) -> Option<bool> {
        let flag = value.as_bool();
        if flag.is_none() {
            self.fail(field, "must be true or false");
        }
        flag
    }

    pub(super) fn failed(&self, fields: &[&str]) -> bool {
        self.errors
            .iter()
            .any(|e| fields.contains(&e.field.as_str()))
    }

    /// A member that must not be `null` when present.
    pub(super) fn required_or_absent<T>(
        &mut self,
        name: &str,
        read: impl FnOnce(&mut Self, &Value) -> Option<T>,
    ) -> Option<T> {
        match self.member(name) {
            Member::Absent => None,
            Member::Null => {
                self.fail(name, "must not be null");
                None
            }
            Member::Present(value) => read(self, value),
        }
    }

    /// A nullable member: absent is `None`, `null` is `Some(None)`.
    pub(super) fn nullable<T>(
        &mut self,
        name: &str,
        read: impl FnOnce(&mut Self, &Value) -> Option<T>,
    ) -> Option<Option<T>> {
        match self.member(name) {
            Member::Absent => None,
            Member::Null => Some(None),
            Member::Present(value) => read(self, value).map(Some),
        }
    }

    pub(super) fn finish<T>(self, value: T) -> Result<T, DomainError> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(DomainError::Invalid(self.errors))
        }
    }
}

impl NewTask {
    /// Reads the fields of a new task (a POST body, `add_task`'s
    /// arguments); `default_zone` is the task's time zone when the body
    /// names none (HTTP's `X-Timezone`).
    ///
    /// # Errors
    /// `Invalid` listing every invalid field; `title` is required.
    pub fn from_json(body: Option<&Value>, default_zone: Option<Tz>) -> Result<Self, DomainError> {
        let mut reader = Reader::new(body)?;
        let title = match reader.member("title") {
            Member::Absent => {
                reader.fail("title", "is required");
                None
            }
            Member::Null => {
                reader.fail("title", "must not be null");
                None
            }
            Member::Present(value) => reader.title(value),
        };
        let description = reader.nullable("description", Reader::description);
        let completed = reader.required_or_absent("completed", Reader::completed);
        let priority = reader.required_or_absent("priority", Reader::priority);
        let due_date = reader.nullable("due_date", Reader::due_date);
        let time_zone = reader
            .nullable("time_zone", Reader::time_zone)
            .or(default_zone.map(Some));
        let all_day = reader.required_or_absent("all_day", Reader::all_day);
        let tags = reader.nullable("tags", Reader::tags).flatten();
        let recurrence = reader.nullable("recurrence", Reader::recurrence).flatten();
        let remind_at = reader.nullable("remind_at", Reader::remind_at).flatten();
        let place = reader.place();
        // The dates, then a repeating task's start, unless a field they
        // come from is already reported.
        let mut dates = TaskDates::default();
        if !reader.failed(&["due_date", "time_zone", "all_day"]) {
            match TaskDates::default().written(due_date, time_zone, all_day) {
                Ok(written) => dates = written,
                Err(error) => reader.errors.push(error),
            }
            if let (Some(recurrence), false) = (&recurrence, reader.failed(&["all_day"])) {
                if let Err(message) = recurrence.check_start(dates.due().as_ref()) {
                    reader.fail("recurrence", message);
                }
            }
        }
        let task = Self {
            title: title.unwrap_or_default(),
            description: description.flatten(),
            completed: completed.unwrap_or(false),
            priority: priority.unwrap_or_default(),
            dates,
            tags: tags.unwrap_or_default(),
            recurrence,
            remind_at,
            place,
        };
        reader.finish(task)
    }
}

impl TaskChanges {
    /// Reads a partial update (a PUT or PATCH body, `update_task`'s
    /// arguments): any subset of the writable fields.
    ///
    /// # Errors
    /// `Invalid` listing every invalid field.
    pub fn from_json(body: Option<&Value>) -> Result<Self, DomainError> {
        let mut reader = Reader::new(body)?;
        let changes = Self {
            title: reader.required_or_absent("title", Reader::title),
            description: reader.nullable("description", Reader::description),
            completed: reader.required_or_absent("completed", Reader::completed),
            priority: reader.required_or_absent("priority", Reader::priority),
            due_date: reader.nullable("due_date", Reader::due_date),
            time_zone: reader.nullable("time_zone", Reader::time_zone),
            all_day: reader.required_or_absent("all_day", Reader::all_day),
            tags: reader
                .nullable("tags", Reader::tags)
                .map(Option::unwrap_or_default),
            recurrence: reader.nullable("recurrence", Reader::recurrence),
            remind_at: reader.nullable("remind_at", Reader::remind_at),
            place: reader.place(),
        };
        reader.finish(changes)
    }
}

/// Reads the optional body of `/complete`: none (or `{}`) toggles,
/// `{"completed": bool}` sets.
///
/// # Errors
/// `Invalid` when the body is not an object or `completed` is not a boolean.
pub fn completion_from_json(body: Option<&Value>) -> Result<Option<bool>, DomainError> {
    if body.is_none() {
        return Ok(None);
    }
    let mut reader = Reader::new(body)?;
    let completed = reader.required_or_absent("completed", Reader::completed);
    reader.finish(completed)
}

/// Reads the body of a move: `list_id`, `parent_id`, `after_id`, each
/// optional.
///
/// # Errors
/// `Invalid` naming every invalid field.
pub fn move_from_json(body: Option<&Value>) -> Result<MoveTo, DomainError> {
    let mut reader = Reader::new(body)?;
    let place = reader.place();
    let after_id = reader
        .nullable("after_id", |r, v| r.id("after_id", v))
        .flatten();
    reader.finish(MoveTo { place, after_id })
}

/// Reads the body of a tag rename, `{"name": "new name"}`; the name is
/// checked as a tag by the rename itself.
///
/// # Errors
/// `Invalid` when the body is not an object with a string `name`.
pub fn tag_rename_from_json(body: Option<&Value>) -> Result<String, DomainError> {
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
        Member::Present(value) => reader.string("name", value, |text| Ok(text.to_string())),
    };
    reader.finish(name.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles() {
        // (case, input, accepted as)
        let cases: Vec<(&str, String, Option<String>)> = vec![
            ("empty", String::new(), None),
            ("whitespace only", " \t\n ".into(), None),
            ("one char", "a".into(), Some("a".into())),
            ("trimmed", "  milk  ".into(), Some("milk".into())),
            ("200 chars", "x".repeat(200), Some("x".repeat(200))),
            ("201 chars", "x".repeat(201), None),
            (
                "200 multi-byte chars",
                "é".repeat(200),
                Some("é".repeat(200)),
            ),
            ("201 multi-byte chars", "é".repeat(201), None),
            ("200 emoji", "🦀".repeat(200), Some("🦀".repeat(200))),
            ("NUL inside", "a\0b".into(), None),
        ];
        for (case, input, expected) in cases {
            assert_eq!(parse_title(&input).ok(), expected, "case: {case}");
        }
    }

    #[test]
    fn due_dates() {
        let cases: Vec<(&str, Option<&str>)> = vec![
            ("2026-12-01T09:00:00Z", Some("At(2026-12-01T09:00:00Z)")),
            (
                "2026-12-01T10:00:00+01:00",
                Some("At(2026-12-01T09:00:00Z)"),
            ),
            ("2026-12-01", Some("Date(2026-12-01)")),
            ("2026-12-01T09:00:00", None),
            ("2026-02-30", None),
            ("tomorrow", None),
            ("2026-13-01", None),
        ];
        for (input, expected) in cases {
            assert_eq!(
                parse_due_date(input).ok().map(|d| format!("{d:?}")),
                expected.map(str::to_string),
                "input: {input}"
            );
        }
    }

    /// A POST's zone: the body's, else the header's; a date is the start of
    /// the day there.
    #[test]
    fn new_tasks_take_their_zone() {
        let berlin = parse_time_zone("Europe/Berlin").ok();
        let read = |body: Value, header: Option<Tz>| NewTask::from_json(Some(&body), header);
        let from_header = read(
            serde_json::json!({"title": "t", "due_date": "2026-12-24"}),
            berlin,
        )
        .expect("valid");
        assert_eq!(from_header.dates.time_zone, berlin);
        assert!(from_header.dates.all_day);
        assert_eq!(
            from_header
                .dates
                .due_date
                .map(|d| d.to_rfc3339())
                .as_deref(),
            Some("2026-12-23T23:00:00+00:00")
        );
        let explicit_utc = read(
            serde_json::json!({"title": "t", "time_zone": null, "due_date": "2026-12-24"}),
            berlin,
        )
        .expect("valid");
        assert_eq!(explicit_utc.dates.time_zone, None);
        let fields = |result: Result<NewTask, DomainError>| match result {
            Err(DomainError::Invalid(errors)) => errors.into_iter().map(|e| e.field).collect(),
            _ => Vec::new(),
        };
        assert_eq!(
            fields(read(
                serde_json::json!({"title": "t", "time_zone": "Mars/Base"}),
                None
            )),
            ["time_zone"]
        );
        assert_eq!(
            fields(read(
                serde_json::json!({"title": "t", "all_day": true}),
                None
            )),
            ["all_day"]
        );
        // A broken due date is reported once, not as a missing start too.
        assert_eq!(
            fields(read(
                serde_json::json!({"title": "t", "due_date": "2026-02-30", "recurrence": "FREQ=DAILY"}),
                None
            )),
            ["due_date"]
        );
    }
}
