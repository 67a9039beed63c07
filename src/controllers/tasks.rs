//! The task routes under `/api/{user_id}/tasks`.
//!
//! Every handler takes [`AuthUser`] first, so the token (401) and the path's
//! user (403) are checked before parameters and body (400, 413, 415, 422),
//! and those before the task itself (404). Handlers only parse, call one
//! model method and render a view.

use axum::{
    extract::{Query, RawPathParams, State},
    http::{header, StatusCode, Uri},
    response::{IntoResponse, Response},
    routing::{get, patch},
    Json,
};
use loco_rs::prelude::*;

use crate::{
    errors::ApiError,
    extractors::{auth::AuthUser, json_body::JsonBody},
    models::{
        task_filter::TaskFilter,
        task_input::{completion_from_json, NewTask, TaskChanges},
        tasks,
    },
    views::tasks::{self as view, TaskResponse},
};

type ApiResult = Result<Response, ApiError>;

/// The `{id}` of the path (percent-decoded by axum): a positive integer,
/// or the task is not found.
fn task_id(params: &RawPathParams) -> Result<i64, ApiError> {
    params
        .iter()
        .find(|(name, _)| *name == "id")
        .filter(|(_, raw)| !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|(_, raw)| raw.parse::<i64>().ok())
        .filter(|id| *id > 0)
        .ok_or(ApiError::NotFound)
}

fn task_json(status: StatusCode, task: tasks::Model) -> Response {
    (status, Json(TaskResponse::from(task))).into_response()
}

#[debug_handler]
async fn list(auth: AuthUser, State(ctx): State<AppContext>, uri: Uri) -> ApiResult {
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(&uri)
        .map_err(|_| ApiError::BadRequest("the query string cannot be read".to_string()))?;
    let filter = TaskFilter::from_query(&pairs)?;
    let tasks = tasks::Model::list_for_user(&ctx.db, &auth.owner_id, &filter).await?;
    Ok(Json(view::list(tasks)).into_response())
}

#[debug_handler]
async fn create(
    auth: AuthUser,
    State(ctx): State<AppContext>,
    uri: Uri,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let new_task = NewTask::from_json(body.as_ref())?;
    let task = tasks::Model::create_for_user(&ctx.db, &auth.owner_id, new_task).await?;
    let location = format!("{}/{}", uri.path().trim_end_matches('/'), task.id);
    let mut response = task_json(StatusCode::CREATED, task);
    if let Ok(value) = header::HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

#[debug_handler]
async fn show(auth: AuthUser, State(ctx): State<AppContext>, params: RawPathParams) -> ApiResult {
    let id = task_id(&params)?;
    let task = tasks::Model::find_for_user(&ctx.db, &auth.owner_id, id).await?;
    Ok(task_json(StatusCode::OK, task))
}

#[debug_handler]
async fn update(
    auth: AuthUser,
    State(ctx): State<AppContext>,
    params: RawPathParams,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let changes = TaskChanges::from_json(body.as_ref())?;
    let id = task_id(&params)?;
    let task = tasks::Model::update_for_user(&ctx.db, &auth.owner_id, id, changes).await?;
    Ok(task_json(StatusCode::OK, task))
}

#[debug_handler]
async fn complete(
    auth: AuthUser,
    State(ctx): State<AppContext>,
    params: RawPathParams,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let completed = completion_from_json(body.as_ref())?;
    let id = task_id(&params)?;
    let task =
        tasks::Model::set_completion_for_user(&ctx.db, &auth.owner_id, id, completed).await?;
    Ok(task_json(StatusCode::OK, task))
}

#[debug_handler]
async fn remove(auth: AuthUser, State(ctx): State<AppContext>, params: RawPathParams) -> ApiResult {
    let id = task_id(&params)?;
    tasks::Model::delete_for_user(&ctx.db, &auth.owner_id, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub fn routes() -> Routes {
    Routes::new()
        .prefix("/api/{user_id}/tasks")
        .add("/", get(list).post(create))
        .add("/{id}", get(show).put(update).patch(update).delete(remove))
        .add("/{id}/complete", patch(complete))
}
