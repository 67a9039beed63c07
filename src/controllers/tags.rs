//! The tag routes under `/api/{user_id}/tags`: the user's tags with their
//! counts, and renaming or removing a tag on every task at once.
//!
//! `{name}` is taken percent-decoded and normalised like any tag, so
//! `/tags/Work` and `/tags/work` name the same tag.

use axum::{
    extract::Path,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing, Json,
};
use loco_rs::prelude::*;

use super::task_docs::{RenameTag, TagPath, UserPath};
use crate::{
    errors::{ApiError, BodyErrors, CommonErrors, TagNotFound},
    extractors::{
        auth::AuthUser,
        db::{Db, Wake},
        json_body::JsonBody,
    },
    models::{errors::DomainError, tags, task_input::tag_rename_from_json},
    views::tags::{self as view, TagResponse},
};

type ApiResult = Result<Response, ApiError>;

/// A tag no task carries is "not found" in the tag's own words.
fn tag_error(error: DomainError) -> ApiError {
    match error {
        DomainError::NotFound => ApiError::TagNotFound,
        other => other.into(),
    }
}

#[utoipa::path(
    get, path = "/api/{user_id}/tags", tag = "tags", operation_id = "list_tags",
    summary = "List the user's tags, with how many tasks carry each",
    params(UserPath),
    responses(
        (status = 200, description = "The tags, sorted by name", body = [TagResponse]),
        CommonErrors,
    ),
    security(("bearer" = [])),
)]
#[debug_handler(state = AppContext)]
pub async fn list(auth: AuthUser, Db(db): Db) -> ApiResult {
    let tags = tags::index_for_user(&db, &auth.owner_id).await?;
    Ok(Json(view::list(tags)).into_response())
}

#[utoipa::path(
    patch, path = "/api/{user_id}/tags/{name}", tag = "tags", operation_id = "rename_tag",
    summary = "Rename a tag on every task (merging where a task has both)",
    params(TagPath),
    request_body(content = RenameTag, content_type = "application/json"),
    responses(
        (status = 200, description = "The tag under its new name", body = TagResponse),
        TagNotFound, BodyErrors, CommonErrors,
    ),
    security(("bearer" = [])),
)]
#[debug_handler(state = AppContext)]
pub async fn rename(
    auth: AuthUser,
    Db(db): Db,
    Wake(wakeups): Wake,
    Path(path): Path<TagPath>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let new_name = tag_rename_from_json(body.as_ref())?;
    let renamed = tags::rename_for_user(&db, &wakeups, &auth.owner_id, &path.name, &new_name)
        .await
        .map_err(tag_error)?;
    Ok(Json(TagResponse::from(renamed)).into_response())
}

#[utoipa::path(
    delete, path = "/api/{user_id}/tags/{name}", tag = "tags", operation_id = "delete_tag",
    summary = "Remove a tag from every task",
    params(TagPath),
    responses(
        (status = 204, description = "Removed"),
        TagNotFound, CommonErrors,
    ),
    security(("bearer" = [])),
)]
#[debug_handler(state = AppContext)]
pub async fn remove(
    auth: AuthUser,
    Db(db): Db,
    Wake(wakeups): Wake,
    Path(path): Path<TagPath>,
) -> ApiResult {
    tags::delete_for_user(&db, &wakeups, &auth.owner_id, &path.name)
        .await
        .map_err(tag_error)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub fn routes() -> Routes {
    Routes::new()
        .prefix("/api/{user_id}/tags")
        .add("/", routing::get(list))
        .add("/{name}", routing::patch(rename).delete(remove))
}
