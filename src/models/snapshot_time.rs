//! Reading the instants of the task an event keeps (the entity's serde
//! form). chrono's `Deserialize` takes its relaxed RFC 3339 parser, the
//! largest part of rendering a feed page (`docs/benchmark.md`); what
//! chrono's `Serialize` wrote is strict RFC 3339, so the strict parser
//! (much shorter) reads it, and the relaxed one still reads anything else.

use std::fmt;

use chrono::{DateTime, FixedOffset};
use serde::{
    de::{Error, Visitor},
    Deserializer,
};

struct Instant;

impl Visitor<'_> for Instant {
    type Value = DateTime<FixedOffset>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 date and time")
    }

    fn visit_str<E: Error>(self, text: &str) -> Result<Self::Value, E> {
        DateTime::parse_from_rfc3339(text)
            .or_else(|_| text.parse())
            .map_err(E::custom)
    }
}

struct OptionalInstant;

impl<'de> Visitor<'de> for OptionalInstant {
    type Value = Option<DateTime<FixedOffset>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 date and time or null")
    }

    fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        one(deserializer).map(Some)
    }
}

/// An instant.
///
/// # Errors
/// When the value is not an RFC 3339 date and time.
pub fn one<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<FixedOffset>, D::Error> {
    deserializer.deserialize_str(Instant)
}

/// An instant or `null`.
///
/// # Errors
/// When the value is neither `null` nor an RFC 3339 date and time.
pub fn optional<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
    deserializer.deserialize_option(OptionalInstant)
}

#[cfg(test)]
mod tests {
    use super::super::tasks::Model;

    #[test]
    fn a_snapshot_reads_back_as_it_was_written() {
        let json = r#"{"created_at":"2026-11-30T16:49:27.400+00:00","updated_at":"2026-11-30 16:49:28+01:00",
            "id":1,"user_id":"u","title":"t","description":null,"completed":true,"priority":1,
            "due_date":"2026-12-01T17:38:27.123456Z","completed_at":null,"version":1,"search_text":"t",
            "tags":"","recurrence":null,"next_id":null}"#;
        let task: Model = serde_json::from_str(json).expect("a snapshot");
        assert_eq!(
            task.created_at.to_rfc3339(),
            "2026-11-30T16:49:27.400+00:00"
        );
        assert_eq!(task.updated_at.to_rfc3339(), "2026-11-30T16:49:28+01:00");
        assert_eq!(
            task.due_date.map(|d| d.to_rfc3339()).as_deref(),
            Some("2026-12-01T17:38:27.123456+00:00")
        );
        assert_eq!(task.completed_at, None);
        // Written before reminders existed: absent, not an error.
        assert_eq!(task.remind_at, None);
        assert_eq!(task.reminded_for, None);
        // Its search text is not part of a snapshot: ignored when an old
        // one has it, never written.
        assert_eq!(task.search_text, "");
        let written = serde_json::to_value(&task).expect("a value");
        assert!(written.get("search_text").is_none(), "{written}");
        assert_eq!(written["title"], "t");
        let again: Model =
            serde_json::from_str(&serde_json::to_string(&task).expect("written")).expect("read");
        assert_eq!(again, task);
        let from_value: Model =
            serde_json::from_value(serde_json::to_value(&task).expect("a value")).expect("read");
        assert_eq!(from_value, task);
        assert!(serde_json::from_str::<Model>(
            &json.replace("2026-11-30T16:49:27.400+00:00", "yesterday")
        )
        .is_err());
    }
}
