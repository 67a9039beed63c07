//! The clock every write uses (tasks, tags, events).

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use sea_orm::prelude::DateTimeWithTimeZone;

/// Now, in UTC, to the millisecond, so the value read back (and sent to
/// clients) is the value written, on both databases.
#[must_use]
pub fn now() -> DateTimeWithTimeZone {
    let now = Utc::now();
    now.duration_trunc(TimeDelta::milliseconds(1))
        .unwrap_or(now)
        .fixed_offset()
}

/// An instant as a column stores it.
#[must_use]
pub fn to_stored(at: DateTime<Utc>) -> DateTimeWithTimeZone {
    at.fixed_offset()
}
