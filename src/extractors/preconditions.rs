//! `Preconditions`: the request's `If-Match` and `If-None-Match` headers.

use std::convert::Infallible;

use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts, HeaderName},
};

use crate::models::task_etag::TagList;

#[derive(Debug, Default)]
pub struct Preconditions {
    pub if_match: Option<TagList>,
    pub if_none_match: Option<TagList>,
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
