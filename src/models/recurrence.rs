//! Repeating tasks: an RFC 5545 recurrence rule (`RRULE` value) read with
//! the task's due date as its start, in the task's time zone (`DTSTART`
//! with its `TZID`; a date for an all-day task), and the next occurrence
//! computed when a task is completed.
//!
//! Only the parts a task app needs are accepted (`FREQ` of `DAILY`,
//! `WEEKLY`, `MONTHLY` or `YEARLY`, `INTERVAL`, `BYDAY`, `BYMONTHDAY`,
//! `BYMONTH`, `COUNT`, `UNTIL`); any other part is refused by name. The
//! rule is checked here, part by part, then handed to the `rrule` crate,
//! which computes the occurrences (with its own bound on iterations, so no
//! rule can make it loop).

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use rrule::{RRule, RRuleSet, Tz, Unvalidated};

use super::dates::{local_time, Due, Tz as Zone};

/// Longest rule accepted, in characters.
pub const MAX_RULE_CHARS: usize = 500;
pub const MAX_INTERVAL: u32 = 1000;
pub const MAX_COUNT: u32 = 10_000;
/// The parts a rule may have.
pub const SUPPORTED_PARTS: [&str; 7] = [
    "FREQ",
    "INTERVAL",
    "BYDAY",
    "BYMONTHDAY",
    "BYMONTH",
    "COUNT",
    "UNTIL",
];
const FREQUENCIES: [&str; 4] = ["DAILY", "WEEKLY", "MONTHLY", "YEARLY"];
const WEEKDAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/// A checked recurrence rule: its parts, upper-cased, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recurrence {
    parts: Vec<(String, String)>,
}

fn whole_in(value: &str, low: i64, high: i64) -> bool {
    !value.is_empty()
        && value
            .trim_start_matches(['+', '-'])
            .bytes()
            .all(|b| b.is_ascii_digit())
        && value
            .parse::<i64>()
            .is_ok_and(|n| (low..=high).contains(&n))
}

/// `MO`, or with an ordinal (`2TU`, `-1FR`) when `ordinals` allows it.
fn valid_weekday(item: &str, ordinals: bool) -> bool {
    let Some(day) = item.get(item.len().saturating_sub(2)..) else {
        return false;
    };
    if !WEEKDAYS.contains(&day) {
        return false;
    }
    let ordinal = &item[..item.len() - 2];
    ordinal.is_empty()
        || (ordinals && whole_in(ordinal, -53, 53) && ordinal.trim_start_matches(['+', '-']) != "0")
}

/// `UNTIL` as a UTC instant: a date (the whole day counts) or a UTC
/// date-time.
fn parse_until(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(date) = NaiveDate::parse_from_str(value, "%Y%m%d") {
        return date.and_hms_opt(23, 59, 59).map(|at| at.and_utc());
    }
    let stamp = value.strip_suffix('Z')?;
    NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%S")
        .ok()
        .map(|at| at.and_utc())
}

/// A rule's instant in iCalendar's UTC form.
fn ical(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

impl Recurrence {
    /// Reads a rule (the `RRULE` value, without the `RRULE:` prefix).
    ///
    /// # Errors
    /// The message for the `recurrence` field, naming the part at fault.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let rule = raw.trim();
        if rule.is_empty() {
            return Err(
                "must be a recurrence rule (RFC 5545 RRULE value) such as FREQ=WEEKLY;BYDAY=MO"
                    .to_string(),
            );
        }
        if rule.chars().count() > MAX_RULE_CHARS {
            return Err(format!("must be at most {MAX_RULE_CHARS} characters"));
        }
        let rule = match rule.get(..6) {
            Some(prefix) if prefix.eq_ignore_ascii_case("RRULE:") => &rule[6..],
            _ => rule,
        };
        let mut parts: Vec<(String, String)> = Vec::new();
        for part in rule.split(';') {
            let Some((name, value)) = part.split_once('=') else {
                return Err(format!(
                    "has a malformed part {part:?} (expected NAME=VALUE)"
                ));
            };
            let (name, value) = (name.trim().to_uppercase(), value.trim().to_uppercase());
            if !SUPPORTED_PARTS.contains(&name.as_str()) {
                return Err(format!(
                    "{name} is not supported (supported: {})",
                    SUPPORTED_PARTS.join(", ")
                ));
            }
            if parts.iter().any(|(seen, _)| *seen == name) {
                return Err(format!("has {name} more than once"));
            }
            parts.push((name, value));
        }
        let recurrence = Self { parts };
        recurrence.check_parts()?;
        Ok(recurrence)
    }

    fn part(&self, name: &str) -> Option<&str> {
        self.parts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn check_parts(&self) -> Result<(), String> {
        let freq = self
            .part("FREQ")
            .ok_or("needs FREQ (DAILY, WEEKLY, MONTHLY or YEARLY)")?;
        if !FREQUENCIES.contains(&freq) {
            return Err(format!(
                "FREQ={freq} is not supported (DAILY, WEEKLY, MONTHLY or YEARLY)"
            ));
        }
        if let Some(interval) = self.part("INTERVAL") {
            if !whole_in(interval, 1, i64::from(MAX_INTERVAL)) || interval.starts_with(['+', '-']) {
                return Err(format!(
                    "INTERVAL must be a whole number from 1 to {MAX_INTERVAL}"
                ));
            }
        }
        if let Some(count) = self.part("COUNT") {
            if !whole_in(count, 1, i64::from(MAX_COUNT)) || count.starts_with(['+', '-']) {
                return Err(format!(
                    "COUNT must be a whole number from 1 to {MAX_COUNT}"
                ));
            }
        }
        if let Some(until) = self.part("UNTIL") {
            if parse_until(until).is_none() {
                return Err(
                    "UNTIL must be a date (20261231) or a UTC date-time (20261231T090000Z)"
                        .to_string(),
                );
            }
        }
        if self.part("COUNT").is_some() && self.part("UNTIL").is_some() {
            return Err("cannot have both COUNT and UNTIL".to_string());
        }
        if let Some(days) = self.part("BYDAY") {
            let ordinals = matches!(freq, "MONTHLY" | "YEARLY");
            if !days.split(',').all(|day| valid_weekday(day, ordinals)) {
                return Err(if ordinals {
                    "BYDAY must list days (MO, TU, WE, TH, FR, SA, SU), each with an optional ordinal such as 2TU or -1FR".to_string()
                } else {
                    "BYDAY must list days (MO, TU, WE, TH, FR, SA, SU); ordinals such as -1FR need FREQ=MONTHLY or YEARLY".to_string()
                });
            }
        }
        if let Some(days) = self.part("BYMONTHDAY") {
            if !days
                .split(',')
                .all(|d| whole_in(d, -31, 31) && d.trim_start_matches(['+', '-']) != "0")
            {
                return Err(
                    "BYMONTHDAY must list days of the month, 1 to 31 or -31 to -1".to_string(),
                );
            }
        }
        if let Some(months) = self.part("BYMONTH") {
            if !months
                .split(',')
                .all(|m| whole_in(m, 1, 12) && !m.starts_with(['+', '-']))
            {
                return Err("BYMONTH must list months, 1 to 12".to_string());
            }
        }
        Ok(())
    }

    /// The rule as stored and shown: its parts, upper-cased, in order.
    #[must_use]
    pub fn as_rule(&self) -> String {
        self.parts
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join(";")
    }

    fn count(&self) -> Option<u32> {
        self.part("COUNT").and_then(|c| c.parse().ok())
    }

    /// `UNTIL` as a local time in `zone`: a date is its whole day there, a
    /// UTC date-time the local time it is in the zone.
    fn until_local(&self, zone: Zone) -> Option<NaiveDateTime> {
        let until = self.part("UNTIL")?;
        if let Ok(date) = NaiveDate::parse_from_str(until, "%Y%m%d") {
            return date.and_hms_opt(23, 59, 59);
        }
        parse_until(until).map(|at| local_time(zone, at))
    }

    /// The occurrences from the local time `start`, as the `rrule` crate
    /// computes them, without `COUNT` (a task counts its series down
    /// itself). The rule runs on the zone's wall clock ("floating" times,
    /// handed to the crate as if in UTC), so a daily 09:00 stays at 09:00
    /// local whatever the clocks do; [`Due::instant_of`] turns each
    /// occurrence back into an instant.
    fn occurrences(&self, start: NaiveDateTime, zone: Zone) -> Result<RRuleSet, String> {
        let rule: String = self
            .parts
            .iter()
            .filter(|(name, _)| name != "COUNT")
            .map(|(name, value)| match name.as_str() {
                // On the same floating clock as the start.
                "UNTIL" => format!(
                    "UNTIL={}",
                    self.until_local(zone)
                        .map(|at| ical(at.and_utc()))
                        .unwrap_or_default()
                ),
                _ => format!("{name}={value}"),
            })
            .collect::<Vec<_>>()
            .join(";");
        let parsed: RRule<Unvalidated> = rule.parse().map_err(|e| format!("is not valid: {e}"))?;
        parsed
            .build(Tz::UTC.from_utc_datetime(&start))
            .map_err(|e| format!("is not valid: {e}"))
    }

    /// Checks the rule against the task it repeats: it needs a due date (the
    /// rule's start), `UNTIL` not before it, and a rule the occurrences can
    /// be computed from.
    ///
    /// # Errors
    /// The message for the `recurrence` field.
    pub fn check_start(&self, due: Option<&Due>) -> Result<(), String> {
        let Some(due) = due else {
            return Err("needs a due_date: the rule repeats from it".to_string());
        };
        let start = due.local_start();
        if self
            .until_local(due.zone)
            .is_some_and(|until| until < start)
        {
            return Err("UNTIL is before the task's due_date".to_string());
        }
        self.occurrences(start, due.zone).map(|_| ())
    }

    /// The next occurrence of a task `due` and completed at `now`: the
    /// rule's first occurrence after `due` that is not before today in the
    /// task's zone, at the same local time (all day: on the rule's next
    /// date), and the rule the next task carries (`COUNT` lowered by one).
    /// `None` when the series is over: `COUNT` was 1, `UNTIL` has passed,
    /// or the rule has no more dates.
    #[must_use]
    pub fn next_after(&self, due: &Due, now: DateTime<Utc>) -> Option<(DateTime<Utc>, Self)> {
        let count = self.count();
        if count == Some(1) {
            return None;
        }
        let start = due.local_start();
        let start_of_today = local_time(due.zone, now)
            .date()
            .and_time(chrono::NaiveTime::MIN);
        let from = (start + TimeDelta::seconds(1)).max(start_of_today);
        let set = self.occurrences(start, due.zone).ok()?;
        let next = set
            .after(Tz::UTC.from_utc_datetime(&from))
            .all(1)
            .dates
            .into_iter()
            .next()?
            .naive_utc();
        let mut rule = self.clone();
        if let Some(count) = count {
            for (name, value) in &mut rule.parts {
                if name == "COUNT" {
                    *value = (count - 1).to_string();
                }
            }
        }
        Some((due.instant_of(next), rule))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("a test date")
            .with_timezone(&Utc)
    }

    /// Noon UTC on a day: "completed on" that day.
    fn day(text: &str) -> DateTime<Utc> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .expect("a test day")
            .and_hms_opt(12, 0, 0)
            .expect("noon")
            .and_utc()
    }

    /// A timed due date in UTC (a task without a time zone).
    fn utc(text: &str) -> Due {
        Due {
            at: at(text),
            all_day: false,
            zone: Zone::UTC,
        }
    }

    /// A row: case, rule, due, completed on, and the expected next due date
    /// and rule (`None`: the series is over).
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        Option<(&'a str, &'a str)>,
    );

    #[test]
    fn next_occurrences() {
        let cases: &[Case] = &[
            (
                "daily",
                "FREQ=DAILY",
                "2026-12-01T09:00:00Z",
                "2026-12-01",
                Some(("2026-12-02T09:00:00Z", "FREQ=DAILY")),
            ),
            (
                "every 3 days",
                "FREQ=DAILY;INTERVAL=3",
                "2026-12-01T09:00:00Z",
                "2026-12-01",
                Some(("2026-12-04T09:00:00Z", "FREQ=DAILY;INTERVAL=3")),
            ),
            // 2026-12-02 is a Wednesday: next is Monday the 7th.
            (
                "weekly by day",
                "FREQ=WEEKLY;BYDAY=MO,WE",
                "2026-12-02T18:30:00Z",
                "2026-12-02",
                Some(("2026-12-07T18:30:00Z", "FREQ=WEEKLY;BYDAY=MO,WE")),
            ),
            (
                "the 31st monthly skips short months",
                "FREQ=MONTHLY",
                "2027-01-31T08:00:00Z",
                "2027-01-31",
                Some(("2027-03-31T08:00:00Z", "FREQ=MONTHLY")),
            ),
            (
                "last Friday",
                "FREQ=MONTHLY;BYDAY=-1FR",
                "2026-11-27T17:00:00Z",
                "2026-11-27",
                Some(("2026-12-25T17:00:00Z", "FREQ=MONTHLY;BYDAY=-1FR")),
            ),
            (
                "BYMONTHDAY",
                "FREQ=MONTHLY;BYMONTHDAY=1,15",
                "2026-12-01T07:00:00Z",
                "2026-12-01",
                Some(("2026-12-15T07:00:00Z", "FREQ=MONTHLY;BYMONTHDAY=1,15")),
            ),
            (
                "BYMONTH",
                "FREQ=YEARLY;BYMONTH=3,9",
                "2026-03-10T12:00:00Z",
                "2026-03-10",
                Some(("2026-09-10T12:00:00Z", "FREQ=YEARLY;BYMONTH=3,9")),
            ),
            (
                "29 February yearly",
                "FREQ=YEARLY",
                "2028-02-29T10:00:00Z",
                "2028-02-29",
                Some(("2032-02-29T10:00:00Z", "FREQ=YEARLY")),
            ),
            (
                "COUNT runs down",
                "FREQ=DAILY;COUNT=3",
                "2026-12-01T09:00:00Z",
                "2026-12-01",
                Some(("2026-12-02T09:00:00Z", "FREQ=DAILY;COUNT=2")),
            ),
            (
                "COUNT=1 ends the series",
                "FREQ=DAILY;COUNT=1",
                "2026-12-01T09:00:00Z",
                "2026-12-01",
                None,
            ),
            (
                "UNTIL not reached",
                "FREQ=WEEKLY;UNTIL=20261215",
                "2026-12-01T09:00:00Z",
                "2026-12-01",
                Some(("2026-12-08T09:00:00Z", "FREQ=WEEKLY;UNTIL=20261215")),
            ),
            (
                "UNTIL passed",
                "FREQ=WEEKLY;UNTIL=20261205T000000Z",
                "2026-12-01T09:00:00Z",
                "2026-12-01",
                None,
            ),
            // Done on the 10th, due on the 1st: the next is today's, at 09:00.
            (
                "an overdue series resumes today",
                "FREQ=DAILY",
                "2026-12-01T09:00:00Z",
                "2026-12-10",
                Some(("2026-12-10T09:00:00Z", "FREQ=DAILY")),
            ),
            (
                "overdue weekly resumes on the next matching day",
                "FREQ=WEEKLY;BYDAY=MO",
                "2026-11-02T06:15:00Z",
                "2026-12-02",
                Some(("2026-12-07T06:15:00Z", "FREQ=WEEKLY;BYDAY=MO")),
            ),
        ];
        for (case, rule, due, today, expected) in cases {
            let recurrence = Recurrence::parse(rule).unwrap_or_else(|e| panic!("{case}: {e}"));
            recurrence
                .check_start(Some(&utc(due)))
                .unwrap_or_else(|e| panic!("{case}: {e}"));
            let next = recurrence
                .next_after(&utc(due), day(today))
                .map(|(due, rule)| (due, rule.as_rule()));
            let expected = expected.map(|(due, rule)| (at(due), rule.to_string()));
            assert_eq!(next, expected, "case: {case}");
        }
    }

    /// A row: case, zone, all day, rule, due (an instant), completed at,
    /// the expected next due date.
    type ZonedCase<'a> = (&'a str, &'a str, bool, &'a str, &'a str, &'a str, &'a str);

    /// The rule is read on the task's wall clock: the same local time across
    /// daylight-saving changes, all-day series on the rule's dates, "today"
    /// in the task's zone.
    #[test]
    fn next_occurrences_in_time_zones() {
        let cases: &[ZonedCase] = &[
            // Berlin: 2027-03-28 02:00 CET -> 03:00 CEST; 2027-10-31 back.
            (
                "09:00 Berlin, spring",
                "Europe/Berlin",
                false,
                "FREQ=DAILY",
                "2027-03-27T08:00:00Z",
                "2027-03-27T09:00:00Z",
                "2027-03-28T07:00:00Z",
            ),
            (
                "09:00 Berlin, autumn",
                "Europe/Berlin",
                false,
                "FREQ=DAILY",
                "2027-10-30T07:00:00Z",
                "2027-10-30T09:00:00Z",
                "2027-10-31T08:00:00Z",
            ),
            // New York: 2027-03-14 02:00 EST -> 03:00 EDT; 2027-11-07 back.
            (
                "09:00 New York, spring",
                "America/New_York",
                false,
                "FREQ=DAILY",
                "2027-03-13T14:00:00Z",
                "2027-03-13T15:00:00Z",
                "2027-03-14T13:00:00Z",
            ),
            (
                "09:00 New York, autumn",
                "America/New_York",
                false,
                "FREQ=DAILY",
                "2027-11-06T13:00:00Z",
                "2027-11-06T15:00:00Z",
                "2027-11-07T14:00:00Z",
            ),
            (
                "weekly 18:30 New York over the change",
                "America/New_York",
                false,
                "FREQ=WEEKLY",
                "2027-03-10T23:30:00Z",
                "2027-03-10T23:45:00Z",
                "2027-03-17T22:30:00Z",
            ),
            // 02:30 on 2027-03-28 does not exist in Berlin: 03:30 CEST.
            (
                "in the gap",
                "Europe/Berlin",
                false,
                "FREQ=DAILY",
                "2027-03-27T01:30:00Z",
                "2027-03-27T02:00:00Z",
                "2027-03-28T01:30:00Z",
            ),
            // 02:30 on 2027-10-31 happens twice in Berlin: the first, CEST.
            (
                "in the overlap",
                "Europe/Berlin",
                false,
                "FREQ=DAILY",
                "2027-10-30T00:30:00Z",
                "2027-10-30T01:00:00Z",
                "2027-10-31T00:30:00Z",
            ),
            // Overdue, completed at 00:30 on the 10th in Berlin (still the
            // 9th in UTC): the next is the 10th's, in Berlin.
            (
                "today is Berlin's",
                "Europe/Berlin",
                false,
                "FREQ=DAILY",
                "2026-12-01T08:00:00Z",
                "2026-12-09T23:30:00Z",
                "2026-12-10T08:00:00Z",
            ),
            // All day: the start of the date in the zone.
            (
                "all-day monthly on the 31st",
                "Europe/Berlin",
                true,
                "FREQ=MONTHLY",
                "2027-01-30T23:00:00Z",
                "2027-01-31T10:00:00Z",
                "2027-03-30T22:00:00Z",
            ),
            (
                "all-day monthly on the 31st, UTC",
                "UTC",
                true,
                "FREQ=MONTHLY;BYMONTHDAY=31",
                "2027-05-31T00:00:00Z",
                "2027-05-31T10:00:00Z",
                "2027-07-31T00:00:00Z",
            ),
            // UTC+14: Monday 7 December starts at 10:00 UTC on the 6th.
            (
                "all-day weekly at UTC+14",
                "Pacific/Kiritimati",
                true,
                "FREQ=WEEKLY;BYDAY=MO",
                "2026-12-06T10:00:00Z",
                "2026-12-06T11:00:00Z",
                "2026-12-13T10:00:00Z",
            ),
            (
                "all-day weekly at UTC+14 until a local date",
                "Pacific/Kiritimati",
                true,
                "FREQ=WEEKLY;BYDAY=MO;UNTIL=20261214",
                "2026-12-06T10:00:00Z",
                "2026-12-06T11:00:00Z",
                "2026-12-13T10:00:00Z",
            ),
            // UTC-11: Monday 7 December starts at 11:00 UTC on the 7th;
            // completed at 05:00 UTC on the 8th, still Monday there.
            (
                "all-day weekly at UTC-11",
                "Pacific/Pago_Pago",
                true,
                "FREQ=WEEKLY;BYDAY=MO",
                "2026-12-07T11:00:00Z",
                "2026-12-08T05:00:00Z",
                "2026-12-14T11:00:00Z",
            ),
            // Overdue, completed on Monday the 21st there (Tuesday in UTC):
            // today's date is the 21st, a Monday, so that is the next.
            (
                "all-day overdue at UTC-11",
                "Pacific/Pago_Pago",
                true,
                "FREQ=WEEKLY;BYDAY=MO",
                "2026-12-07T11:00:00Z",
                "2026-12-22T05:00:00Z",
                "2026-12-21T11:00:00Z",
            ),
        ];
        for (case, zone, all_day, rule, due, now, expected) in cases {
            let due = Due {
                at: at(due),
                all_day: *all_day,
                zone: zone.parse().expect("a zone"),
            };
            let recurrence = Recurrence::parse(rule).unwrap_or_else(|e| panic!("{case}: {e}"));
            recurrence
                .check_start(Some(&due))
                .unwrap_or_else(|e| panic!("{case}: {e}"));
            let next = recurrence.next_after(&due, at(now)).map(|(next, _)| next);
            assert_eq!(next, Some(at(expected)), "case: {case}");
        }
        // UNTIL is a date in the task's zone: the 14th ends there first.
        let until = Recurrence::parse("FREQ=WEEKLY;BYDAY=MO;UNTIL=20261207").expect("valid");
        let monday = Due {
            at: at("2026-12-06T10:00:00Z"),
            all_day: true,
            zone: "Pacific/Kiritimati".parse().expect("a zone"),
        };
        assert!(until.check_start(Some(&monday)).is_ok());
        assert_eq!(until.next_after(&monday, at("2026-12-06T11:00:00Z")), None);
    }

    #[test]
    fn rules_are_normalised() {
        let rule = Recurrence::parse(" rrule:freq=weekly;byday=mo,we ").expect("valid");
        assert_eq!(rule.as_rule(), "FREQ=WEEKLY;BYDAY=MO,WE");
    }

    /// (case, rule, the message names)
    #[test]
    fn refusals_name_the_part() {
        let cases = [
            ("empty", "", "recurrence rule"),
            ("no FREQ", "INTERVAL=2", "needs FREQ"),
            ("hourly", "FREQ=HOURLY", "FREQ=HOURLY is not supported"),
            ("BYHOUR", "FREQ=DAILY;BYHOUR=9", "BYHOUR is not supported"),
            (
                "BYSETPOS",
                "FREQ=MONTHLY;BYSETPOS=-1",
                "BYSETPOS is not supported",
            ),
            ("interval 0", "FREQ=DAILY;INTERVAL=0", "INTERVAL must be"),
            (
                "interval 1001",
                "FREQ=DAILY;INTERVAL=1001",
                "INTERVAL must be",
            ),
            ("count 0", "FREQ=DAILY;COUNT=0", "COUNT must be"),
            (
                "count and until",
                "FREQ=DAILY;COUNT=2;UNTIL=20270101",
                "both COUNT and UNTIL",
            ),
            ("bad until", "FREQ=DAILY;UNTIL=tomorrow", "UNTIL must be"),
            (
                "weekly ordinal",
                "FREQ=WEEKLY;BYDAY=-1FR",
                "ordinals such as -1FR need",
            ),
            ("bad day", "FREQ=WEEKLY;BYDAY=XX", "BYDAY must list days"),
            (
                "month day 0",
                "FREQ=MONTHLY;BYMONTHDAY=0",
                "BYMONTHDAY must",
            ),
            ("month 13", "FREQ=YEARLY;BYMONTH=13", "BYMONTH must"),
            ("twice", "FREQ=DAILY;FREQ=WEEKLY", "FREQ more than once"),
            ("no equals", "FREQ=DAILY;;", "malformed part"),
            ("semicolons", ";;;", "malformed part"),
            ("FREQ=", "FREQ=", "FREQ= is not supported"),
            ("10 KB", &"FREQ=DAILY;".repeat(1000), "at most 500"),
        ];
        for (case, rule, names) in cases {
            let message = Recurrence::parse(rule).expect_err(case);
            assert!(message.contains(names), "case {case}: {message}");
        }
    }

    #[test]
    fn the_start_is_checked() {
        let weekly = Recurrence::parse("FREQ=WEEKLY;UNTIL=20261201").expect("valid");
        assert!(weekly
            .check_start(None)
            .expect_err("no due date")
            .contains("needs a due_date"));
        assert!(weekly
            .check_start(Some(&utc("2026-12-05T00:00:00Z")))
            .expect_err("until before due")
            .contains("UNTIL is before"));
        assert!(weekly
            .check_start(Some(&utc("2026-11-01T00:00:00Z")))
            .is_ok());
    }

    /// Odd strings never panic, whatever they are.
    #[test]
    fn odd_strings_do_not_panic() {
        let due = utc("2026-12-01T09:00:00Z");
        for rule in [
            "=",
            "==",
            "FREQ",
            "FREQ==DAILY",
            "FREQ=DAILY;BYDAY=",
            "FREQ=DAILY;BYDAY=,",
            "FREQ=MONTHLY;BYDAY=+FR",
            "FREQ=MONTHLY;BYDAY=99FR",
            "FREQ=MONTHLY;BYDAY=-0FR",
            "FREQ=DAILY;INTERVAL=+5",
            "FREQ=DAILY;COUNT=99999999999999999999",
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
            "FREQ=DAILY;UNTIL=20261301",
            "FREQ=DAILY\u{0}",
            "FREQ=DAILY;BYDAY=ÉÉ",
            "FREQ=WEEKLY;BYDAY=MO,MO,MO",
        ] {
            if let Ok(recurrence) = Recurrence::parse(rule) {
                if recurrence.check_start(Some(&due)).is_ok() {
                    let _ = recurrence.next_after(&due, day("2026-12-01"));
                }
            }
        }
    }
}
