//! What a client may write into a task: one parse function per field, and
//! the readers of a whole JSON object that REST bodies, MCP tool arguments
//! and seeds share.
//!
//! A JSON object becomes a [`NewTask`] or a [`TaskChanges`] only if every
//! field is valid, so the model never receives a title of 201 characters or
//! a priority of "urgent". Every broken field is reported, not just the
//! first. `id`, `user_id`, `created_at` and any other unknown member of the
//! body are ignored: ownership never changes through a body.

use chrono::{DateTime, DurationRound, NaiveDate, TimeDelta, Utc};
use serde_json::{Map, Value};

use super::{
    errors::{DomainError, FieldError},
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

/// A due date: an RFC 3339 date-time (any offset, stored in UTC), or a plain
/// `YYYY-MM-DD` date, read as midnight UTC (what an `<input type="date">`
/// sends).
///
/// # Errors
/// The message for the `due_date` field.
pub fn parse_due_date(raw: &str) -> Result<DateTime<Utc>, String> {
    const MESSAGE: &str =
        "must be an RFC 3339 date-time (2026-12-01T09:00:00Z) or a date (2026-12-01)";
    if let Ok(at) = DateTime::parse_from_rfc3339(raw.trim()) {
        // Kept to the millisecond, like every timestamp the API shows, so
        // the value read back is the value stored.
        let at = at.with_timezone(&Utc);
        return Ok(at.duration_trunc(TimeDelta::milliseconds(1)).unwrap_or(at));
    }
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|at| at.and_utc())
        .ok_or_else(|| MESSAGE.to_string())
}

/// A reminder time: an RFC 3339 date-time (any offset, stored in UTC, to
/// the millisecond).
///
/// # Errors
/// The message for the `remind_at` field.
pub fn parse_remind_at(raw: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|at| {
            let at = at.with_timezone(&Utc);
            at.duration_trunc(TimeDelta::milliseconds(1)).unwrap_or(at)
        })
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
    pub(crate) due_date: Option<DateTime<Utc>>,
    /// Normalised, sorted, without duplicates.
    pub(crate) tags: Vec<String>,
    pub(crate) recurrence: Option<Recurrence>,
    pub(crate) remind_at: Option<DateTime<Utc>>,
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
    pub(crate) due_date: Option<Option<DateTime<Utc>>>,
    /// The whole new set; `null` and `[]` clear it.
    pub(crate) tags: Option<Vec<String>>,
    pub(crate) recurrence: Option<Option<Recurrence>>,
    pub(crate) remind_at: Option<Option<DateTime<Utc>>>,
}

/// Collects field errors while reading one JSON object.
struct Reader<'a> {
    object: &'a Map<String, Value>,
    errors: Vec<FieldError>,
}

/// How a member stood in the body.
enum Member<'a> {
    Absent,
    Null,
    Present(&'a Value),
}

impl<'a> Reader<'a> {
    fn new(body: Option<&'a Value>) -> Result<Self, DomainError> {
        match body {
            Some(Value::Object(object)) => Ok(Self {
                object,
                errors: Vec::new(),
            }),
            Some(_) => Err(DomainError::invalid("body", "must be a JSON object")),
            None => Err(DomainError::invalid("body", "a JSON object is required")),
        }
    }

    fn member(&self, name: &str) -> Member<'a> {
        match self.object.get(name) {
            None => Member::Absent,
            Some(Value::Null) => Member::Null,
            Some(value) => Member::Present(value),
        }
    }

    fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// A string member run through `parse`.
    fn string<T>(
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

    fn due_date(&mut self, value: &Value) -> Option<DateTime<Utc>> {
        self.string("due_date", value, parse_due_date)
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
        let flag = value.as_bool();
        if flag.is_none() {
            self.fail("completed", "must be true or false");
        }
        flag
    }

    /// A member that must not be `null` when present.
    fn required_or_absent<T>(
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
    fn nullable<T>(
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

    fn finish<T>(self, value: T) -> Result<T, DomainError> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(DomainError::Invalid(self.errors))
        }
    }
}

impl NewTask {
    /// Reads the fields of a new task (a POST body, `add_task`'s arguments).
    ///
    /// # Errors
    /// `Invalid` listing every invalid field; `title` is required.
    pub fn from_json(body: Option<&Value>) -> Result<Self, DomainError> {
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
        let due_date = reader.nullable("due_date", Reader::due_date).flatten();
        let tags = reader.nullable("tags", Reader::tags).flatten();
        let recurrence = reader.nullable("recurrence", Reader::recurrence).flatten();
        let remind_at = reader.nullable("remind_at", Reader::remind_at).flatten();
        // A repeating task needs its start; an invalid due_date is already
        // reported as such.
        let due_date_failed = reader.errors.iter().any(|e| e.field == "due_date");
        if let (Some(recurrence), false) = (&recurrence, due_date_failed) {
            if let Err(message) = recurrence.check_start(due_date) {
                reader.fail("recurrence", message);
            }
        }
        let task = Self {
            title: title.unwrap_or_default(),
            description: description.flatten(),
            completed: completed.unwrap_or(false),
            priority: priority.unwrap_or_default(),
            due_date,
            tags: tags.unwrap_or_default(),
            recurrence,
            remind_at,
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
            tags: reader
                .nullable("tags", Reader::tags)
                .map(Option::unwrap_or_default),
            recurrence: reader.nullable("recurrence", Reader::recurrence),
            remind_at: reader.nullable("remind_at", Reader::remind_at),
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
            ("2026-12-01T09:00:00Z", Some("2026-12-01T09:00:00+00:00")),
            (
                "2026-12-01T10:00:00+01:00",
                Some("2026-12-01T09:00:00+00:00"),
            ),
            ("2026-12-01", Some("2026-12-01T00:00:00+00:00")),
            ("2026-12-01T09:00:00", None),
            ("tomorrow", None),
            ("2026-13-01", None),
        ];
        for (input, expected) in cases {
            assert_eq!(
                parse_due_date(input).ok().map(|d| d.to_rfc3339()),
                expected.map(str::to_string),
                "input: {input}"
            );
        }
    }
}
