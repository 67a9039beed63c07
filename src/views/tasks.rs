//! The task as the API shows it. Rows never leave as they are: the stored
//! priority rank becomes its name, timestamps become RFC 3339 in UTC with
//! millisecond precision and a `Z`.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDateTime, SecondsFormat, Timelike, Utc};
use sea_orm::prelude::DateTimeWithTimeZone;
use serde::{Serialize, Serializer};
use utoipa::ToSchema;

use super::{write_i64, write_opt_i64, write_opt_str, write_str, WriteJson};
use crate::models::{
    dates::{local_time, zone_of},
    tasks::Model,
};

/// A task.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Task)]
pub struct TaskResponse {
    #[schema(example = 42)]
    pub id: i64,
    /// The owner: the `sub` of their tokens.
    #[schema(example = "80nmxlJfYWC6KDfWyDJI6NO6gQxgGAhd")]
    pub user_id: String,
    #[schema(example = "Buy milk")]
    pub title: String,
    /// Always present; `null` when there is none.
    #[schema(required = true)]
    pub description: Option<String>,
    pub completed: bool,
    #[schema(value_type = crate::models::priority::Priority)]
    pub priority: &'static str,
    #[schema(value_type = Option<String>, format = DateTime, example = "2026-12-24T09:00:00.000Z", required = true)]
    pub due_date: Option<Timestamp>,
    /// When the task was last completed; `null` while it is not.
    #[schema(value_type = Option<String>, format = DateTime, required = true)]
    pub completed_at: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime, example = "2026-11-27T22:38:06.974Z")]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime, example = "2026-11-27T22:38:06.974Z")]
    pub updated_at: Timestamp,
    /// Normalised (trimmed, lower case), sorted by code point; `[]` when
    /// none.
    #[schema(example = json!(["home", "work"]))]
    pub tags: Vec<String>,
    /// An RFC 5545 RRULE value repeating from `due_date`, or `null`.
    #[schema(required = true, example = "FREQ=WEEKLY;BYDAY=MO,WE")]
    pub recurrence: Option<String>,
    /// The occurrence created when this task was completed, or `null`.
    #[schema(required = true)]
    pub next_id: Option<i64>,
    /// When to remind, or `null`.
    #[schema(value_type = Option<String>, format = DateTime, required = true, example = "2026-12-24T08:30:00.000Z")]
    pub remind_at: Option<Timestamp>,
    /// The IANA zone the task's dates and rule are read in, or `null`:
    /// UTC.
    #[schema(required = true, example = "Europe/Berlin")]
    pub time_zone: Option<String>,
    /// Due on a whole day: `due_date` is the start of that date in
    /// `time_zone`; show the date alone.
    pub all_day: bool,
    /// The task's list, or `null`: the inbox.
    #[schema(required = true, example = 3)]
    pub list_id: Option<i64>,
    /// The task this is a subtask of, or `null`.
    #[schema(required = true)]
    pub parent_id: Option<i64>,
    /// Its place among its siblings (same list, same parent): an opaque key
    /// to sort by, byte-wise (`sort=position` does).
    #[schema(example = "a0V")]
    pub position: String,
}

/// An instant as the API writes it: RFC 3339 in UTC with milliseconds and a
/// `Z`, `2026-11-27T22:38:06.974Z`. Written straight into the response, not
/// through a `String` per field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    /// The 24 bytes of the usual form; `None` for years outside 0-9999 and
    /// leap seconds, which chrono writes instead.
    fn fixed(&self) -> Option<[u8; 24]> {
        let (date, time) = (self.0.date_naive(), self.0.time());
        let millis = time.nanosecond() / 1_000_000;
        let year = u32::try_from(date.year())
            .ok()
            .filter(|year| *year <= 9999)?;
        if millis > 999 {
            return None;
        }
        let mut out = *b"0000-00-00T00:00:00.000Z";
        for (at, value) in [
            (0, year / 100),
            (2, year % 100),
            (5, date.month()),
            (8, date.day()),
            (11, time.hour()),
            (14, time.minute()),
            (17, time.second()),
            (20, millis / 10),
        ] {
            // Every value here is below 100: two digits.
            out[at] = b'0' + (value / 10) as u8;
            out[at + 1] = b'0' + (value % 10) as u8;
        }
        out[22] = b'0' + (millis % 10) as u8;
        Some(out)
    }
}

impl WriteJson for Timestamp {
    fn write_json(&self, out: &mut Vec<u8>) {
        match self.fixed() {
            Some(bytes) => {
                out.push(b'"');
                out.extend_from_slice(&bytes);
                out.push(b'"');
            }
            None => write_str(out, &self.0.to_rfc3339_opts(SecondsFormat::Millis, true)),
        }
    }
}

fn write_opt_timestamp(out: &mut Vec<u8>, at: Option<&Timestamp>) {
    match at {
        Some(at) => at.write_json(out),
        None => out.extend_from_slice(b"null"),
    }
}

/// The same bytes as the derived `Serialize` (the tests compare them), in
/// its field order.
impl WriteJson for TaskResponse {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"id\":");
        write_i64(out, self.id);
        out.extend_from_slice(b",\"user_id\":");
        write_str(out, &self.user_id);
        out.extend_from_slice(b",\"title\":");
        write_str(out, &self.title);
        out.extend_from_slice(b",\"description\":");
        write_opt_str(out, self.description.as_deref());
        out.extend_from_slice(if self.completed {
            b",\"completed\":true,\"priority\":"
        } else {
            b",\"completed\":false,\"priority\":"
        });
        write_str(out, self.priority);
        out.extend_from_slice(b",\"due_date\":");
        write_opt_timestamp(out, self.due_date.as_ref());
        out.extend_from_slice(b",\"completed_at\":");
        write_opt_timestamp(out, self.completed_at.as_ref());
        out.extend_from_slice(b",\"created_at\":");
        self.created_at.write_json(out);
        out.extend_from_slice(b",\"updated_at\":");
        self.updated_at.write_json(out);
        out.extend_from_slice(b",\"tags\":[");
        for (at, tag) in self.tags.iter().enumerate() {
            if at > 0 {
                out.push(b',');
            }
            write_str(out, tag);
        }
        out.extend_from_slice(b"],\"recurrence\":");
        write_opt_str(out, self.recurrence.as_deref());
        out.extend_from_slice(b",\"next_id\":");
        write_opt_i64(out, self.next_id);
        out.extend_from_slice(b",\"remind_at\":");
        write_opt_timestamp(out, self.remind_at.as_ref());
        out.extend_from_slice(b",\"time_zone\":");
        write_opt_str(out, self.time_zone.as_deref());
        out.extend_from_slice(if self.all_day {
            b",\"all_day\":true,\"list_id\":"
        } else {
            b",\"all_day\":false,\"list_id\":"
        });
        write_opt_i64(out, self.list_id);
        out.extend_from_slice(b",\"parent_id\":");
        write_opt_i64(out, self.parent_id);
        out.extend_from_slice(b",\"position\":");
        write_str(out, &self.position);
        out.push(b'}');
    }
}

impl From<&DateTimeWithTimeZone> for Timestamp {
    fn from(at: &DateTimeWithTimeZone) -> Self {
        Self(at.with_timezone(&Utc))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.fixed() {
            Some(bytes) => f.write_str(std::str::from_utf8(&bytes).map_err(|_| fmt::Error)?),
            None => f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Millis, true)),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.fixed() {
            Some(bytes) => serializer
                .serialize_str(std::str::from_utf8(&bytes).map_err(serde::ser::Error::custom)?),
            None => serializer.serialize_str(&self.0.to_rfc3339_opts(SecondsFormat::Millis, true)),
        }
    }
}

impl From<Model> for TaskResponse {
    fn from(task: Model) -> Self {
        let tags = task.tags();
        Self {
            tags,
            remind_at: task.remind_at.as_ref().map(Timestamp::from),
            next_id: task.next_id,
            id: task.id,
            priority: task.priority().as_str(),
            due_date: task.due_date.as_ref().map(Timestamp::from),
            completed_at: task.completed_at.as_ref().map(Timestamp::from),
            created_at: Timestamp::from(&task.created_at),
            updated_at: Timestamp::from(&task.updated_at),
            user_id: task.user_id,
            title: task.title,
            description: task.description,
            completed: task.completed,
            recurrence: task.recurrence,
            time_zone: task.time_zone,
            all_day: task.all_day,
            list_id: task.list_id,
            parent_id: task.parent_id,
            position: task.position,
        }
    }
}

impl TaskResponse {
    /// The due date on the wall clock of the task's zone (UTC without one).
    #[must_use]
    pub fn local_due(&self) -> Option<NaiveDateTime> {
        let zone = zone_of(self.time_zone.as_deref());
        self.due_date.map(|due| local_time(zone, due.0))
    }
}

#[must_use]
pub fn list(tasks: Vec<Model>) -> Vec<TaskResponse> {
    tasks.into_iter().map(TaskResponse::from).collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn task(variant: usize) -> Model {
        let at = Utc
            .with_ymd_and_hms(2026, 11, 27, 22, 38, 6)
            .single()
            .expect("an instant")
            .fixed_offset()
            + chrono::TimeDelta::microseconds(974_321);
        let far = Utc
            .with_ymd_and_hms(10000, 1, 1, 0, 0, 0)
            .single()
            .expect("an instant")
            .fixed_offset();
        let pick = |n: usize| variant.is_multiple_of(n);
        Model {
            created_at: at,
            updated_at: if pick(3) { far } else { at },
            id: i64::try_from(variant).unwrap_or(0) * 7_919 - 3,
            user_id: format!("user-{variant}\u{e9}"),
            title: [
                "Buy milk",
                "a \"quoted\" \\ back",
                "tab\there\u{1}\u{1f}\n",
                "\u{2028}\u{1f600} \u{7f}",
            ][variant % 4]
                .to_string(),
            description: match variant % 3 {
                0 => None,
                1 => Some(String::new()),
                _ => Some("line one\r\nline \"two\" </script>".to_string()),
            },
            completed: pick(2),
            priority: i16::try_from(variant % 3).unwrap_or(0),
            due_date: (!pick(2)).then_some(at),
            completed_at: pick(2).then_some(at - chrono::TimeDelta::days(400)),
            version: 1,
            search_text: String::new(),
            tags: ["", "home", "home\nwork", "caf\u{e9}\n\"q\"\nz"][variant % 4].to_string(),
            recurrence: pick(3).then(|| "FREQ=WEEKLY;BYDAY=MO,WE".to_string()),
            next_id: pick(5).then_some(i64::MAX),
            remind_at: (!pick(3)).then_some(far),
            reminded_for: None,
            time_zone: pick(4).then(|| "America/New_York".to_string()),
            all_day: pick(7),
            list_id: pick(3).then_some(7),
            parent_id: pick(4).then_some(i64::MAX),
            position: ["a0", "a0V", "Zz\"", ""][variant % 4].to_string(),
        }
    }

    /// `WriteJson` (lists, the feed) and the derived `Serialize` (single
    /// tasks, MCP) give the same bytes: every field, `null`s, escapes,
    /// instants beyond the usual form.
    #[test]
    fn written_json_is_the_serialized_json() {
        for variant in 0..60 {
            let response = TaskResponse::from(task(variant));
            let serialized = serde_json::to_string(&response).expect("serialized");
            let mut written = Vec::new();
            response.write_json(&mut written);
            assert_eq!(
                String::from_utf8(written).expect("UTF-8"),
                serialized,
                "variant {variant}"
            );
            assert_eq!(
                TaskResponse::from(task(variant)).to_json(),
                serialized,
                "variant {variant}"
            );
        }
    }

    #[test]
    fn timestamps_read_as_chrono_writes_them() {
        let cases = [
            Utc.with_ymd_and_hms(2026, 11, 27, 22, 38, 6).single(),
            Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).single(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).single(),
            Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).single(),
            Utc.with_ymd_and_hms(-5, 3, 4, 5, 6, 7).single(),
        ];
        for at in cases.into_iter().flatten() {
            for millis in [0, 7, 974, 999] {
                let at = at
                    + chrono::TimeDelta::milliseconds(millis)
                    + chrono::TimeDelta::microseconds(321);
                let expected = at.to_rfc3339_opts(SecondsFormat::Millis, true);
                assert_eq!(Timestamp(at).to_string(), expected);
                assert_eq!(
                    serde_json::to_string(&Timestamp(at)).unwrap_or_default(),
                    format!("\"{expected}\"")
                );
            }
        }
    }
}
