//! A task's entity tag, and the `If-Match` / `If-None-Match` lists it is
//! checked against (RFC 9110 section 13.1).
//!
//! The tag is built from the task's `version`, which every write bumps, and
//! its creation time (so a new task that reuses a deleted task's id never
//! shares its tags). It is strong: equal tags mean equal representations.

use super::tasks::Model;

impl Model {
    /// The quoted strong entity tag of this version of the task.
    #[must_use]
    pub fn etag(&self) -> String {
        format!(
            "\"{}-{}\"",
            self.version,
            self.created_at.timestamp_millis()
        )
    }
}

/// The value of an `If-Match` or `If-None-Match` header: `*` or a list of
/// entity tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagList {
    Any,
    Tags(Vec<String>),
}

impl TagList {
    /// Parses a header value; `None` for one that is not a tag list (which
    /// the caller treats as matching nothing).
    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        if value == "*" {
            return Some(Self::Any);
        }
        let mut tags = Vec::new();
        for part in value.split(',') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let opaque = part.strip_prefix("W/").unwrap_or(part);
            if opaque.len() < 2 || !opaque.starts_with('"') || !opaque.ends_with('"') {
                return None;
            }
            tags.push(part.to_string());
        }
        Some(Self::Tags(tags))
    }

    /// Strong comparison, for `If-Match`: a weak tag never matches.
    #[must_use]
    pub fn matches_strong(&self, etag: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Tags(tags) => tags.iter().any(|tag| tag == etag),
        }
    }

    /// Weak comparison, for `If-None-Match`: `W/` is ignored.
    #[must_use]
    pub fn matches_weak(&self, etag: &str) -> bool {
        let bare = |tag: &str| tag.strip_prefix("W/").unwrap_or(tag).to_string();
        match self {
            Self::Any => true,
            Self::Tags(tags) => tags.iter().any(|tag| bare(tag) == bare(etag)),
        }
    }
}

/// The error a write returns when `If-Match` does not hold.
#[derive(Debug)]
pub struct PreconditionFailed;

impl std::fmt::Display for PreconditionFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the task has changed since the If-Match version")
    }
}

impl std::error::Error for PreconditionFailed {}

#[cfg(test)]
mod tests {
    use super::TagList;

    #[test]
    fn tag_lists() {
        let list = TagList::parse(r#""1-5", W/"2-5""#).expect("a list");
        assert!(list.matches_strong(r#""1-5""#));
        assert!(
            !list.matches_strong(r#""2-5""#),
            "weak tags never match strongly"
        );
        assert!(list.matches_weak(r#""2-5""#));
        assert!(!list.matches_weak(r#""3-5""#));
        assert!(TagList::parse("*").expect("any").matches_strong(r#""9-9""#));
        assert_eq!(TagList::parse("not-quoted"), None);
    }
}
