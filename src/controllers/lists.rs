//! The list routes under `/api/{user_id}/lists`: the user's lists, with
//! counts, in their order; each with an `ETag` and `If-Match` like a task.

use axum::{
    extract::{Path, Query},
    http::{header, HeaderValue, StatusCode, Uri},
    response::{IntoResponse, Response},
    routing, Json,
};
use loco_rs::prelude::*;

use super::task_docs::{
    CreateList, DeleteListQuery, IfMatch, IfNoneMatch, ListPath, UpdateList, UserPath,
};
use crate::{
    errors::{
        ApiError, BodyErrors, CommonErrors, InvalidQuery, ListNotFound, NameTaken, TaskChanged,
    },
    extractors::{
        auth::AuthUser,
        db::{Db, Wake},
        json_body::JsonBody,
        preconditions::Preconditions,
    },
    models::{
        errors::DomainError,
        lists::{self, ListChanges, ListWithCounts, NewList},
    },
    views::lists::{self as view, ListResponse},
};

type ApiResult = Result<Response, ApiError>;

/// Another user's list, or none, in the list's own words.
fn list_error(error: DomainError) -> ApiError {
    match error {
        DomainError::NotFound => ApiError::ListNotFound,
        other => other.into(),
    }
}

/// The `{id}` of the path: a positive integer, or the list is not found.
fn list_id(path: &ListPath) -> Result<i64, ApiError> {
    Some(path.id.as_str())
        .filter(|raw| !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|raw| raw.parse::<i64>().ok())
        .filter(|id| *id > 0)
        .ok_or(ApiError::ListNotFound)
}

/// A list as JSON, with its `ETag`.
fn list_json(status: StatusCode, list: ListWithCounts) -> Response {
    let etag = list.etag();
    let mut response = (status, Json(ListResponse::from(list))).into_response();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

#[utoipa::path(
    get, path = "/api/{user_id}/lists", tag = "lists", operation_id = "list_lists",
    summary = "List the user's lists, in their order, with counts",
    params(UserPath),
    responses(
        (status = 200, description = "Every list (at most 1,000), by `position`", body = [ListResponse],
         headers(("X-Total-Count" = u64, description = "How many lists the user has"))),
        CommonErrors,
    ),
    security(("bearer" = [])),
)]
#[debug_handler(state = AppContext)]
pub async fn index(auth: AuthUser, Db(db): Db) -> ApiResult {
    let lists = lists::index_for_user(&db, &auth.owner_id).await?;
    let total = lists.len();
    let mut response = Json(view::list(lists)).into_response();
    response
        .headers_mut()
        .insert("x-total-count", HeaderValue::from(total));
    Ok(response)
}

#[utoipa::path(
    post, path = "/api/{user_id}/lists", tag = "lists", operation_id = "create_list",
    summary = "Create a list (last in the user's order)",
    params(UserPath),
    request_body(content = CreateList, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = ListResponse,
         headers(("Location" = String, description = "The new list's URL"), ("ETag" = String))),
        NameTaken, BodyErrors, CommonErrors,
    ),
    security(("bearer" = [])),
)]
#[debug_handler(state = AppContext)]
pub async fn create(
    auth: AuthUser,
    Db(db): Db,
    Wake(wakeups): Wake,
    uri: Uri,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let new = NewList::from_json(body.as_ref())?;
    let list = lists::create_for_user(&db, &wakeups, &auth.owner_id, new).await?;
    let location = format!("{}/{}", uri.path().trim_end_matches('/'), list.list.id);
    let mut response = list_json(StatusCode::CREATED, list);
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

#[utoipa::path(
    get, path = "/api/{user_id}/lists/{id}", tag = "lists", operation_id = "get_list",
    summary = "Get a list",
    params(ListPath, IfNoneMatch),
    responses(
        (status = 200, description = "The list", body = ListResponse, headers(("ETag" = String))),
        (status = 304, description = "Not modified", headers(("ETag" = String))),
        ListNotFound, CommonErrors,
    ),
    security(("bearer" = [])),
)]
#[debug_handler(state = AppContext)]
pub async fn show(
    auth: AuthUser,
    Db(db): Db,
    Path(path): Path<ListPath>,
    preconditions: Preconditions,
) -> ApiResult {
    let id = list_id(&path)?;
    let list = lists::find_for_user(&db, &auth.owner_id, id)
        .await
        .map_err(list_error)?;
    let etag = list.etag();
    if let Some(if_none_match) = &preconditions.if_none_match {
        if if_none_match.matches_weak(&etag) {
            let mut response = StatusCode::NOT_MODIFIED.into_response();
            if let Ok(value) = HeaderValue::from_str(&etag) {
                response.headers_mut().insert(header::ETAG, value);
            }
            return Ok(response);
        }
    }
    Ok(list_json(StatusCode::OK, list))
}

#[utoipa::path(
    patch, path = "/api/{user_id}/lists/{id}", tag = "lists", operation_id = "update_list",
    summary = "Rename, recolour or reorder a list",
    params(ListPath, IfMatch),
    request_body(content = UpdateList, content_type = "application/json"),
    responses(
        (status = 200, description = "The list", body = ListResponse, headers(("ETag" = String))),
        ListNotFound, NameTaken, TaskChanged, BodyErrors, CommonErrors,
    ),
    security(("bearer" = [])),
)]
#[debug_handler(state = AppContext)]
pub async fn update(
    auth: AuthUser,
    Db(db): Db,
    Wake(wakeups): Wake,
    Path(path): Path<ListPath>,
    preconditions: Preconditions,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let changes = ListChanges::from_json(body.as_ref())?;
    let id = list_id(&path)?;
    let list = lists::update_for_user(
        &db,
        &wakeups,
        &auth.owner_id,
        id,
        changes,
        preconditions.write_condition(),
    )
    .await
    .map_err(list_error)?;
    Ok(list_json(StatusCode::OK, list))
}

#[utoipa::path(
    delete, path = "/api/{user_id}/lists/{id}", tag = "lists", operation_id = "delete_list",
    summary = "Delete a list; its tasks go to the inbox, or with ?delete_tasks=true are deleted",
    params(ListPath, DeleteListQuery, IfMatch),
    responses(
        (status = 204, description = "Deleted"),
        ListNotFound, TaskChanged, InvalidQuery, CommonErrors,
    ),
    security(("bearer" = [])),
)]
#[debug_handler(state = AppContext)]
pub async fn remove(
    auth: AuthUser,
    Db(db): Db,
    Wake(wakeups): Wake,
    Path(path): Path<ListPath>,
    uri: Uri,
    preconditions: Preconditions,
) -> ApiResult {
    let Query(query) = Query::<DeleteListQuery>::try_from_uri(&uri)
        .map_err(|_| ApiError::validation("delete_tasks", "must be true or false"))?;
    let id = list_id(&path)?;
    lists::delete_for_user(
        &db,
        &wakeups,
        &auth.owner_id,
        id,
        query.delete_tasks.unwrap_or(false),
        preconditions.write_condition(),
    )
    .await
    .map_err(list_error)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub fn routes() -> Routes {
    Routes::new()
        .prefix("/api/{user_id}/lists")
        .add("/", routing::get(index).post(create))
        .add("/{id}", routing::get(show).patch(update).delete(remove))
}
