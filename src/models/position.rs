//! A hand-made order without renumbering: fractional indexing.
//!
//! A position is a string that sorts byte-wise among its siblings', and a
//! new one can always be made between two neighbours, so a move writes
//! only the task that moved. The scheme is David Greenspan's (the one
//! Figma's and Linear's orders follow): base-62 digits (`0-9A-Za-z`, in
//! ASCII order), a key made of an "integer" part, whose first character
//! says how many digits it has (`a` two, `b` three, ... `z` 27; `Z` to `A`
//! the same below zero), then a fraction without trailing zeros. Keys
//! appended at the end grow by one character every few thousand, and a key
//! between two others is their midpoint.
//!
//! Two clients moving different tasks into one gap at the same moment
//! would compute the same midpoint; [`Positions::between`] adds two random
//! digits that keep it inside the gap, so they land apart (the list's ties
//! break on `id` if they ever meet). The price: inserts into one gap grow
//! the keys by about a character per four (a thousand of them: keys of
//! about 270 characters, measured in the tests; appends and prepends stay
//! under ten).

const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE: usize = 62;
/// The key of the first position ever made.
const ZERO: &str = "a0";
/// The smallest integer part: `A` and 26 zeros.
fn smallest_integer() -> String {
    let mut key = String::from("A");
    key.push_str(&"0".repeat(26));
    key
}

fn digit(value: usize) -> char {
    char::from(DIGITS[value.min(BASE - 1)])
}

fn value_of(c: u8) -> Option<usize> {
    DIGITS.iter().position(|d| *d == c)
}

/// How many characters the integer part starting with `head` has.
fn integer_length(head: u8) -> Option<usize> {
    match head {
        b'a'..=b'z' => Some(usize::from(head - b'a') + 2),
        b'A'..=b'Z' => Some(usize::from(b'Z' - head) + 2),
        _ => None,
    }
}

/// The integer part of `key` and its fraction, when `key` is a valid
/// position: base-62 digits, an integer part as long as its head says, a
/// fraction without a trailing `0`, not the smallest integer alone.
fn split(key: &str) -> Option<(&str, &str)> {
    let bytes = key.as_bytes();
    let length = integer_length(*bytes.first()?)?;
    if bytes.len() < length || !bytes.iter().all(|b| value_of(*b).is_some()) {
        return None;
    }
    let (integer, fraction) = key.split_at(length);
    if fraction.ends_with('0') || (fraction.is_empty() && integer == smallest_integer()) {
        return None;
    }
    Some((integer, fraction))
}

/// Whether `key` is a position this module could have made.
#[must_use]
pub fn is_valid(key: &str) -> bool {
    split(key).is_some()
}

/// The next integer part, `None` past the largest (`z` and 26 `z`s).
fn increment(integer: &str) -> Option<String> {
    let bytes = integer.as_bytes();
    let (head, digits) = bytes.split_first()?;
    let mut digits: Vec<u8> = digits.to_vec();
    for at in (0..digits.len()).rev() {
        let next = value_of(digits[at])? + 1;
        if next < BASE {
            digits[at] = DIGITS[next];
            return Some(format!(
                "{}{}",
                char::from(*head),
                String::from_utf8(digits).ok()?
            ));
        }
        digits[at] = b'0';
    }
    // Every digit carried over: one more digit (or one fewer below zero).
    match head {
        b'Z' => Some(ZERO.to_string()),
        b'z' => None,
        _ => {
            let head = head + 1;
            if head > b'a' {
                digits.push(b'0');
            } else {
                digits.pop();
            }
            Some(format!(
                "{}{}",
                char::from(head),
                String::from_utf8(digits).ok()?
            ))
        }
    }
}

/// The previous integer part, `None` below the smallest.
fn decrement(integer: &str) -> Option<String> {
    let bytes = integer.as_bytes();
    let (head, digits) = bytes.split_first()?;
    let mut digits: Vec<u8> = digits.to_vec();
    for at in (0..digits.len()).rev() {
        let value = value_of(digits[at])?;
        if value > 0 {
            digits[at] = DIGITS[value - 1];
            return Some(format!(
                "{}{}",
                char::from(*head),
                String::from_utf8(digits).ok()?
            ));
        }
        digits[at] = b'z';
    }
    match head {
        b'a' => Some("Zz".to_string()),
        b'A' => None,
        _ => {
            let head = head - 1;
            if head < b'Z' {
                digits.push(b'z');
            } else {
                digits.pop();
            }
            Some(format!(
                "{}{}",
                char::from(head),
                String::from_utf8(digits).ok()?
            ))
        }
    }
}

/// A fraction strictly between fractions `low` (`""`: zero) and `high`
/// (`None`: one); both without trailing zeros, `low < high`.
fn midpoint(low: &str, high: Option<&str>) -> String {
    let (low, high) = (low.as_bytes(), high.map(str::as_bytes));
    let mut out = Vec::new();
    let mut at = 0;
    // The common prefix (reading `low` as padded with zeros).
    if let Some(high) = high {
        while at < high.len() && low.get(at).copied().unwrap_or(b'0') == high[at] {
            out.push(high[at]);
            at += 1;
        }
    }
    let low = low.get(at..).unwrap_or_default();
    let high = high.map(|high| high.get(at..).unwrap_or_default());
    let low_digit = low.first().and_then(|d| value_of(*d)).unwrap_or(0);
    let high_digit = high
        .and_then(|h| h.first())
        .and_then(|d| value_of(*d))
        .unwrap_or(BASE);
    if high_digit > low_digit + 1 {
        out.push(DIGITS[(low_digit + high_digit).div_ceil(2)]);
    } else if let Some(high) = high.filter(|h| h.len() > 1) {
        out.push(high[0]);
    } else {
        out.push(DIGITS[low_digit]);
        let rest = String::from_utf8_lossy(low.get(1..).unwrap_or_default()).into_owned();
        out.extend_from_slice(midpoint(&rest, None).as_bytes());
    }
    String::from_utf8(out).unwrap_or_default()
}

/// A key strictly between `low` and `high` (`None`: the start or the end),
/// without jitter; `None` when the keys are not valid or not in order.
#[must_use]
pub fn key_between(low: Option<&str>, high: Option<&str>) -> Option<String> {
    match (low, high) {
        (None, None) => Some(ZERO.to_string()),
        (None, Some(high)) => {
            let (integer, fraction) = split(high)?;
            if integer == smallest_integer() {
                return Some(format!("{integer}{}", midpoint("", Some(fraction))));
            }
            if integer.len() < high.len() {
                return Some(integer.to_string());
            }
            decrement(integer)
        }
        (Some(low), None) => {
            let (integer, fraction) = split(low)?;
            increment(integer).or_else(|| Some(format!("{integer}{}", midpoint(fraction, None))))
        }
        (Some(low), Some(high)) => {
            if low >= high {
                return None;
            }
            let (low_integer, low_fraction) = split(low)?;
            let (high_integer, high_fraction) = split(high)?;
            if low_integer == high_integer {
                return Some(format!(
                    "{low_integer}{}",
                    midpoint(low_fraction, Some(high_fraction))
                ));
            }
            let next = increment(low_integer)?;
            if next.as_str() < high {
                Some(next)
            } else {
                Some(format!("{low_integer}{}", midpoint(low_fraction, None)))
            }
        }
    }
}

/// `key` and two random digits, still below `high`: anything after `key`
/// is, unless `key` is a prefix of `high`; then the first digit is drawn
/// below `high`'s next one (after its zeros). The last digit is never `0`.
fn jitter(key: String, high: Option<&str>) -> String {
    let rest = high
        .and_then(|high| high.strip_prefix(key.as_str()))
        .map(str::as_bytes);
    let mut suffix = String::new();
    match rest {
        None => suffix.push(digit(fastrand::usize(..BASE))),
        Some(rest) => {
            let mut bound = None;
            for byte in rest {
                match value_of(*byte) {
                    Some(0) => suffix.push('0'),
                    Some(value) => {
                        bound = Some(value);
                        break;
                    }
                    None => break,
                }
            }
            let Some(bound) = bound else {
                return key;
            };
            suffix.push(digit(fastrand::usize(..bound)));
        }
    }
    suffix.push(digit(fastrand::usize(1..BASE)));
    format!("{key}{suffix}")
}

/// Makes positions.
pub struct Positions;

impl Positions {
    /// A position after `low` and before `high` (`None`: at that end), with
    /// two random digits added that keep it inside the gap. Keys that are
    /// not valid or not in order (`low` >= `high`: two tasks that met on
    /// one key) are read as the end they stand for, so an order can always
    /// be repaired by moving.
    #[must_use]
    pub fn between(low: Option<&str>, high: Option<&str>) -> String {
        let low = low.filter(|key| is_valid(key));
        let high = high.filter(|key| is_valid(key) && low.is_none_or(|low| low < *key));
        let key = key_between(low, high).unwrap_or_else(|| ZERO.to_string());
        match (low, high) {
            // First: a key that is a prefix of the first one stays bare, so
            // the next first can go below it on a shorter key (a race to
            // the top may then tie, which the list breaks on `id`).
            (None, Some(high)) if high.starts_with(key.as_str()) => key,
            _ => jitter(key, high),
        }
    }

    /// A position after `last` (the end of a sibling list).
    #[must_use]
    pub fn after(last: Option<&str>) -> String {
        Self::between(last, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_between_their_neighbours() {
        // (low, high, the key between)
        let cases = [
            (None, None, "a0"),
            (Some("a0"), None, "a1"),
            (Some("a1"), None, "a2"),
            (None, Some("a0"), "Zz"),
            (Some("az"), None, "b00"),
            (Some("Zz"), None, "a0"),
            (Some("a0"), Some("a1"), "a0V"),
            (Some("a1"), Some("a2"), "a1V"),
            (Some("a0V"), Some("a1"), "a0l"),
            (Some("Zz"), Some("a01"), "a0"),
            (Some("a0"), Some("a0V"), "a0G"),
            (Some("a0"), Some("a01"), "a00V"),
            (None, Some("a0V"), "a0"),
            (Some("b125"), Some("b129"), "b127"),
            (Some("a0"), Some("a0"), ""),
            (Some("a1"), Some("a0"), ""),
            (Some("b0"), None, ""),
        ];
        for (low, high, expected) in cases {
            let key = key_between(low, high).unwrap_or_default();
            assert_eq!(key, expected, "between {low:?} and {high:?}");
            if !key.is_empty() {
                assert!(is_valid(&key), "{key}");
                assert!(low.is_none_or(|low| low < key.as_str()));
                assert!(high.is_none_or(|high| key.as_str() < high));
            }
        }
    }

    #[test]
    fn invalid_keys() {
        for key in [
            "",
            "a",
            "a00",
            "b0",
            "!0",
            "a0 ",
            "A00000000000000000000000000",
            "é0",
        ] {
            assert!(!is_valid(key), "{key:?}");
        }
        for key in ["a0", "a0V", "Zz", "b00", "A000000000000000000000000001"] {
            assert!(is_valid(key), "{key:?}");
        }
    }

    /// A thousand inserts into one gap, at either end and in the middle:
    /// always in order, and how long the keys grow (`docs/api.md` quotes
    /// it).
    #[test]
    fn a_thousand_inserts_into_one_gap_stay_ordered() {
        let mut longest = [0usize; 4];
        for (case, longest) in longest.iter_mut().enumerate() {
            let mut keys: Vec<String> = vec![Positions::after(None)];
            keys.push(Positions::after(Some(&keys[0])));
            for _ in 0..1000 {
                let at = match case {
                    // Always right after the first: the same gap, smaller.
                    0 => 1,
                    // Always first.
                    1 => 0,
                    // Always last.
                    2 => keys.len(),
                    // Somewhere.
                    _ => fastrand::usize(0..=keys.len()),
                };
                let low = at.checked_sub(1).map(|i| keys[i].as_str());
                let high = keys.get(at).map(String::as_str);
                let key = Positions::between(low, high);
                assert!(low.is_none_or(|low| low < key.as_str()), "{low:?} < {key}");
                assert!(
                    high.is_none_or(|high| key.as_str() < high),
                    "{key} < {high:?}"
                );
                *longest = (*longest).max(key.len());
                keys.insert(at, key);
            }
            let mut sorted = keys.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted, keys, "case {case}: ordered and distinct");
        }
        eprintln!("longest keys (one gap, first, last, anywhere): {longest:?}");
        // One gap: about a character per three inserts (the midpoint and
        // the two random digits that keep racing moves apart).
        assert!(longest[0] <= 320, "{longest:?}");
        // Appends and prepends stay short.
        assert!(longest[1] <= 12 && longest[2] <= 12, "{longest:?}");
    }

    /// Two moves into the same gap at once land apart.
    #[test]
    fn racing_moves_land_apart() {
        let mut same = 0;
        for _ in 0..1000 {
            if Positions::between(Some("a0"), Some("a1"))
                == Positions::between(Some("a0"), Some("a1"))
            {
                same += 1;
            }
        }
        assert!(same <= 5, "{same} of 1000 collided");
    }
}
