//! Reading a query string's `(name, value)` pairs the way every list of the
//! API does: the first of a repeated parameter wins, unknown parameters are
//! ignored, and `limit` means the same everywhere.

use super::errors::FieldError;

/// The first value of `name`, if the query has it.
#[must_use]
pub fn first<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// A `limit`: a whole number from 1 to `max`.
///
/// # Errors
/// The field error naming `limit`.
pub fn limit(value: &str, max: u64) -> Result<u64, FieldError> {
    match value.parse::<u64>() {
        Ok(limit) if (1..=max).contains(&limit) => Ok(limit),
        _ => Err(FieldError::new(
            "limit",
            format!("must be a whole number from 1 to {max}"),
        )),
    }
}
