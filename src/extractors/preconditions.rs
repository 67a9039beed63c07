//! `Preconditions`: the request's `If-Match` and `If-None-Match` headers,
//! parsed as entity-tag lists (RFC 9110 section 13.1).
//!
//! The model only asks whether a precondition holds for a task's tag
//! ([`Precondition`]); the header grammar and the comparison rules are
//! HTTP's and live here.

use std::convert::Infallible;

use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts, HeaderName},
};

use crate::models::tasks::Precondition;

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

/// `If-Match` holds when the task's current tag is one it names.
impl Precondition for TagList {
    fn holds_for(&self, etag: &str) -> bool {
        self.matches_strong(etag)
    }
}

#[derive(Debug, Default)]
pub struct Preconditions {
    pub if_match: Option<TagList>,
    pub if_none_match: Option<TagList>,
}

impl Preconditions {
    /// `If-Match` as the model's precondition.
    #[must_use]
    pub fn write_condition(&self) -> Option<&dyn Precondition> {
        self.if_match.as_ref().map(|tags| tags as &dyn Precondition)
    }
}

/// All values of a header joined as one list; an unreadable or malformed
/// value becomes an empty list, which matches nothing.
fn tag_list(parts: &Parts, name: &HeaderName) -> Option<TagList> {
    let values: Vec<&str> = parts
        .headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap_or(""))
        .collect();
    if values.is_empty() {
        return None;
    }
    Some(TagList::parse(&values.join(",")).unwrap_or(TagList::Tags(Vec::new())))
}

impl<S: Send + Sync> FromRequestParts<S> for Preconditions {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(Self {
            if_match: tag_list(parts, &header::IF_MATCH),
            if_none_match: tag_list(parts, &header::IF_NONE_MATCH),
        })
    }
}

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
