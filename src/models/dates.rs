//! What a due date means where its task lives: time zones (IANA names,
//! from `chrono-tz`, the zone database `rrule` computes with), dates read
//! as the start of a day there, and local times turned into instants.
//!
//! A local time the clocks skip or repeat is read as RFC 5545 (section
//! 3.3.5) says calendar apps read it: a time in a gap (02:30 the night
//! clocks go forward) with the offset in force before the gap, so it lands
//! as far after the gap's start as it was meant to be after its local
//! hour (02:30 in Berlin becomes 03:30 summer time); a time that exists
//! twice (02:30 the night clocks go back) as its first occurrence.

use std::str::FromStr;

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc};
pub use chrono_tz::Tz;

use super::errors::FieldError;

/// A task's time zone from its IANA name (`Europe/Berlin`, `UTC`), as
/// written; names are case-sensitive, as in the zone database.
///
/// # Errors
/// The message for the `time_zone` field.
pub fn parse_time_zone(raw: &str) -> Result<Tz, String> {
    Tz::from_str(raw)
        .map_err(|_| "must be an IANA time zone name such as Europe/Berlin or UTC".to_string())
}

/// The zone a stored task's dates are read in: its own, or UTC when it has
/// none (or a name this build's zone database no longer knows).
#[must_use]
pub fn zone_of(time_zone: Option<&str>) -> Tz {
    time_zone
        .and_then(|name| Tz::from_str(name).ok())
        .unwrap_or(Tz::UTC)
}

/// The instant of a local time in `zone` (gaps and overlaps as the module
/// says).
#[must_use]
pub fn local_instant(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at.with_timezone(&Utc),
        LocalResult::None => {
            // The offset before the gap: the first local time before it
            // that exists (gaps last hours at most; a day is skipped only
            // where a zone moved across the date line).
            let before = (1..=48)
                .filter_map(|hours| {
                    local
                        .checked_sub_signed(TimeDelta::hours(hours))
                        .and_then(|earlier| zone.from_local_datetime(&earlier).latest())
                })
                .next();
            let offset = before.map_or(0, |at| at.offset().fix().local_minus_utc());
            (local - TimeDelta::seconds(i64::from(offset))).and_utc()
        }
    }
}

/// The first instant of `date` in `zone`: its midnight, or where the day
/// begins when the clocks skip midnight.
#[must_use]
pub fn start_of_day(zone: Tz, date: NaiveDate) -> DateTime<Utc> {
    local_instant(zone, date.and_time(chrono::NaiveTime::MIN))
}

/// The local time of an instant in `zone`.
#[must_use]
pub fn local_time(zone: Tz, at: DateTime<Utc>) -> NaiveDateTime {
    at.with_timezone(&zone).naive_local()
}

/// A due date as a client wrote it: a date alone (the task is due that
/// day, all day) or an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueInput {
    Date(NaiveDate),
    At(DateTime<Utc>),
}

/// Reads an RFC 3339 date-time (any offset, kept in UTC to the
/// millisecond) or a date (`2026-12-24`).
///
/// # Errors
/// `message` when it is neither.
pub fn parse_date_or_instant(raw: &str, message: &str) -> Result<DueInput, String> {
    let raw = raw.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Ok(DueInput::At(to_millis(at.with_timezone(&Utc))));
    }
    // A date alone, exactly `YYYY-MM-DD` (chrono alone would also take
    // `2026-1-2`); a day a month does not have (`2026-02-30`) is refused.
    if raw.len() == 10 {
        if let Ok(date) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            return Ok(DueInput::Date(date));
        }
    }
    Err(message.to_string())
}

/// An instant to the millisecond, like every timestamp the API shows, so
/// the value read back is the value stored.
#[must_use]
pub fn to_millis(at: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::DurationRound;
    at.duration_trunc(TimeDelta::milliseconds(1)).unwrap_or(at)
}

impl DueInput {
    /// The instant this stands for in `zone`: a date is its first instant.
    #[must_use]
    pub fn instant_in(self, zone: Tz) -> DateTime<Utc> {
        match self {
            Self::Date(date) => start_of_day(zone, date),
            Self::At(at) => at,
        }
    }
}

/// When a task is due and how to read it: the instant, whether it is due
/// on the whole day, and its zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub at: DateTime<Utc>,
    pub all_day: bool,
    pub zone: Tz,
}

impl Due {
    /// The local time a repeating rule starts from: the due date's local
    /// time in its zone (to the second), or, all day, the start of its date.
    #[must_use]
    pub fn local_start(&self) -> NaiveDateTime {
        let local = local_time(self.zone, self.at);
        if self.all_day {
            local.date().and_time(chrono::NaiveTime::MIN)
        } else {
            use chrono::Timelike;
            local.with_nanosecond(0).unwrap_or(local)
        }
    }

    /// The instant of a local occurrence of this task's rule: all day, the
    /// start of its date.
    #[must_use]
    pub fn instant_of(&self, local: NaiveDateTime) -> DateTime<Utc> {
        if self.all_day {
            start_of_day(self.zone, local.date())
        } else {
            local_instant(self.zone, local)
        }
    }
}

/// A task's dates as they are stored: its due date, whether that is a
/// whole day, its zone (`None`: UTC).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TaskDates {
    pub due_date: Option<DateTime<Utc>>,
    pub all_day: bool,
    pub time_zone: Option<Tz>,
}

impl TaskDates {
    /// The zone the dates are read in.
    #[must_use]
    pub fn zone(&self) -> Tz {
        self.time_zone.unwrap_or(Tz::UTC)
    }

    /// The due date with how to read it, when there is one.
    #[must_use]
    pub fn due(&self) -> Option<Due> {
        self.due_date.map(|at| Due {
            at,
            all_day: self.all_day,
            zone: self.zone(),
        })
    }

    /// These dates after a write of `due_date`, `time_zone` and `all_day`
    /// (`None`: not written; `Some(None)`: cleared):
    /// - a date makes the task all day, due at the start of that date in
    ///   its (new) zone; a date-time makes it timed; clearing it clears
    ///   `all_day` too;
    /// - a new zone keeps an all-day task's date (the instant moves) and a
    ///   timed task's instant;
    /// - `all_day: true` makes the due date the start of its date in the
    ///   zone, `false` keeps its instant, timed.
    ///
    /// # Errors
    /// `all_day` set to `true` on a task left without a due date.
    pub fn written(
        self,
        due_date: Option<Option<DueInput>>,
        time_zone: Option<Option<Tz>>,
        all_day: Option<bool>,
    ) -> Result<Self, FieldError> {
        let time_zone = time_zone.unwrap_or(self.time_zone);
        let zone = time_zone.unwrap_or(Tz::UTC);
        let (mut at, mut whole_day) = match due_date {
            Some(None) => (None, false),
            Some(Some(input)) => (
                Some(input.instant_in(zone)),
                matches!(input, DueInput::Date(_)),
            ),
            None if self.all_day && time_zone != self.time_zone => (
                self.due_date
                    .map(|at| start_of_day(zone, local_time(self.zone(), at).date())),
                true,
            ),
            None => (self.due_date, self.all_day),
        };
        match all_day {
            Some(true) => {
                let Some(due) = at else {
                    return Err(FieldError::new(
                        "all_day",
                        "needs a due_date: the task is due on its date",
                    ));
                };
                at = Some(start_of_day(zone, local_time(zone, due).date()));
                whole_day = true;
            }
            Some(false) => whole_day = false,
            None => {}
        }
        Ok(Self {
            due_date: at,
            all_day: whole_day,
            time_zone,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").expect("a test time")
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("a test instant")
            .with_timezone(&Utc)
    }

    /// (case, zone, local time, the instant it is read as)
    #[test]
    fn local_times_in_gaps_and_overlaps() {
        let cases = [
            (
                "winter",
                "Europe/Berlin",
                "2027-01-10T09:00",
                "2027-01-10T08:00:00Z",
            ),
            (
                "summer",
                "Europe/Berlin",
                "2027-07-10T09:00",
                "2027-07-10T07:00:00Z",
            ),
            // 2027-03-28: 02:00 CET becomes 03:00 CEST. 02:30 does not
            // exist: read at +01:00, it is 03:30 CEST.
            (
                "gap",
                "Europe/Berlin",
                "2027-03-28T02:30",
                "2027-03-28T01:30:00Z",
            ),
            // 2027-10-31: 03:00 CEST becomes 02:00 CET. 02:30 happens
            // twice: the first is at +02:00.
            (
                "overlap",
                "Europe/Berlin",
                "2027-10-31T02:30",
                "2027-10-31T00:30:00Z",
            ),
            // 2027-03-14: 02:00 EST becomes 03:00 EDT.
            (
                "gap",
                "America/New_York",
                "2027-03-14T02:30",
                "2027-03-14T07:30:00Z",
            ),
            // 2027-11-07: 02:00 EDT becomes 01:00 EST; 01:30 twice.
            (
                "overlap",
                "America/New_York",
                "2027-11-07T01:30",
                "2027-11-07T05:30:00Z",
            ),
            // Santiago skips midnight in September: the day starts at 01:00.
            (
                "midnight gap",
                "America/Santiago",
                "2026-09-06T00:00",
                "2026-09-06T04:00:00Z",
            ),
            ("UTC", "UTC", "2026-12-24T00:00", "2026-12-24T00:00:00Z"),
        ];
        for (case, zone, at, expected) in cases {
            let zone = parse_time_zone(zone).expect("a zone");
            assert_eq!(
                local_instant(zone, local(at)),
                utc(expected),
                "{case} in {zone}"
            );
        }
    }

    #[test]
    fn zones_by_name() {
        assert!(parse_time_zone("Europe/Berlin").is_ok());
        assert!(parse_time_zone("Pacific/Kiritimati").is_ok());
        for bad in [
            "",
            "Mars/Olympus",
            "europe/berlin",
            "Europe/Berlin ",
            "+01:00",
            "\0",
        ] {
            assert!(parse_time_zone(bad).is_err(), "{bad:?}");
        }
        assert_eq!(zone_of(None), Tz::UTC);
        assert_eq!(zone_of(Some("Nowhere/Else")), Tz::UTC);
    }

    #[test]
    fn dates_and_instants() {
        let message = "bad";
        let cases = [
            (
                "2026-12-24",
                Some(DueInput::Date(
                    NaiveDate::from_ymd_opt(2026, 12, 24).expect("a date"),
                )),
            ),
            (
                " 2026-12-24 ",
                Some(DueInput::Date(
                    NaiveDate::from_ymd_opt(2026, 12, 24).expect("a date"),
                )),
            ),
            (
                "2026-12-24T10:00:00+01:00",
                Some(DueInput::At(utc("2026-12-24T09:00:00Z"))),
            ),
            ("2026-02-30", None),
            ("2026-2-3", None),
            ("2026-12-24T09:00:00", None),
            ("tomorrow", None),
        ];
        for (raw, expected) in cases {
            assert_eq!(
                parse_date_or_instant(raw, message).ok(),
                expected,
                "{raw:?}"
            );
        }
        let new_york = parse_time_zone("America/New_York").expect("a zone");
        let christmas_eve = DueInput::Date(NaiveDate::from_ymd_opt(2026, 12, 24).expect("a date"));
        assert_eq!(
            christmas_eve.instant_in(new_york),
            utc("2026-12-24T05:00:00Z")
        );
        assert_eq!(
            christmas_eve.instant_in(Tz::UTC),
            utc("2026-12-24T00:00:00Z")
        );
    }

    /// (case, stored dates, written due_date, time_zone, all_day, result)
    #[test]
    fn writes_of_dates() {
        let berlin = parse_time_zone("Europe/Berlin").ok();
        let new_york = parse_time_zone("America/New_York").ok();
        let date = |text: &str| {
            DueInput::Date(NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a date"))
        };
        let dates = |at: Option<&str>, all_day, time_zone| TaskDates {
            due_date: at.map(utc),
            all_day,
            time_zone,
        };
        let none = TaskDates::default();
        type Case<'a> = (
            &'a str,
            TaskDates,
            Option<Option<DueInput>>,
            Option<Option<Tz>>,
            Option<bool>,
            Option<TaskDates>,
        );
        let cases: Vec<Case> = vec![
            (
                "a date, UTC",
                none,
                Some(Some(date("2026-12-24"))),
                None,
                None,
                Some(dates(Some("2026-12-24T00:00:00Z"), true, None)),
            ),
            (
                "a date in New York",
                none,
                Some(Some(date("2026-12-24"))),
                Some(new_york),
                None,
                Some(dates(Some("2026-12-24T05:00:00Z"), true, new_york)),
            ),
            (
                "a date-time is timed",
                dates(Some("2026-12-24T05:00:00Z"), true, new_york),
                Some(Some(DueInput::At(utc("2026-12-24T14:00:00Z")))),
                None,
                None,
                Some(dates(Some("2026-12-24T14:00:00Z"), false, new_york)),
            ),
            (
                "a new zone keeps the date",
                dates(Some("2026-12-24T05:00:00Z"), true, new_york),
                None,
                Some(berlin),
                None,
                Some(dates(Some("2026-12-23T23:00:00Z"), true, berlin)),
            ),
            (
                "back to UTC keeps the date",
                dates(Some("2026-12-23T23:00:00Z"), true, berlin),
                None,
                Some(None),
                None,
                Some(dates(Some("2026-12-24T00:00:00Z"), true, None)),
            ),
            (
                "a new zone keeps a timed instant",
                dates(Some("2026-12-24T14:00:00Z"), false, None),
                None,
                Some(berlin),
                None,
                Some(dates(Some("2026-12-24T14:00:00Z"), false, berlin)),
            ),
            (
                "all_day true takes the local date",
                dates(Some("2026-12-24T03:00:00Z"), false, new_york),
                None,
                None,
                Some(true),
                Some(dates(Some("2026-12-23T05:00:00Z"), true, new_york)),
            ),
            (
                "all_day false keeps the instant",
                dates(Some("2026-12-24T05:00:00Z"), true, new_york),
                None,
                None,
                Some(false),
                Some(dates(Some("2026-12-24T05:00:00Z"), false, new_york)),
            ),
            (
                "clearing the date clears all_day",
                dates(Some("2026-12-24T05:00:00Z"), true, new_york),
                Some(None),
                None,
                None,
                Some(dates(None, false, new_york)),
            ),
            ("all_day without a date", none, None, None, Some(true), None),
            (
                "all_day with the date cleared",
                dates(Some("2026-12-24T05:00:00Z"), true, None),
                Some(None),
                None,
                Some(true),
                None,
            ),
        ];
        for (case, stored, due_date, time_zone, all_day, expected) in cases {
            let written = stored.written(due_date, time_zone, all_day);
            match expected {
                Some(expected) => assert_eq!(written.ok(), Some(expected), "{case}"),
                None => assert_eq!(
                    written.map_err(|e| e.field.clone()).err().as_deref(),
                    Some("all_day"),
                    "{case}"
                ),
            }
        }
    }
}
