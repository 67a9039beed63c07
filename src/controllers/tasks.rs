//! The task routes under `/api/{user_id}/tasks`.
//!
//! Every handler takes [`AuthUser`] first, so the token (401) and the path's
//! user (403) are checked before parameters and body (400, 413, 415, 422),
//! and those before the task itself (404, 412). Handlers parse, call the
//! model and render a view; only the HTTP around it (headers, status) is
//! written here. The error responses each route documents are the shared
//! groups of `crate::errors`.

use axum::{
    extract::{Path, Query},
    http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode, Uri},
    response::{IntoResponse, Response},
    routing, Json,
};
use loco_rs::prelude::*;

use super::task_docs::{
    CreateTask, IdempotencyKey, IfMatch, IfNoneMatch, ListQuery, MoveTask, SetCompletion, TaskPath,
    TimeZoneHeader, UpdateTask, UserPath,
};
use crate::{
    errors::{
        ApiError, BodyErrors, CommonErrors, InvalidQuery, KeptChanging, TaskChanged, TaskNotFound,
    },
    extractors::{
        auth::AuthUser,
        db::{Db, Wake},
        json_body::JsonBody,
        preconditions::Preconditions,
    },
    models::{
        dates::{parse_time_zone, Tz},
        feed::Wakeups,
        idempotency_keys::{self, IdempotentCreate, StoredResponse},
        task_input::{completion_from_json, move_from_json, NewTask, TaskChanges},
        task_list::TaskFilter,
        tasks,
    },
    views::{
        tasks::{self as view, TaskResponse},
        JsonList,
    },
};

type ApiResult = Result<Response, ApiError>;

const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
const TOTAL_COUNT: HeaderName = HeaderName::from_static("x-total-count");
const TIME_ZONE: HeaderName = HeaderName::from_static("x-timezone");

/// The zone `X-Timezone` names, when it names one.
fn header_zone(headers: &HeaderMap) -> Option<Tz> {
    let name = headers.get(TIME_ZONE)?.to_str().ok()?;
    parse_time_zone(name.trim()).ok()
}

/// The `{id}` of the path (percent-decoded by axum): a positive integer,
/// or the task is not found.
fn task_id(path: &TaskPath) -> Result<i64, ApiError> {
    Some(path.id.as_str())
        .filter(|raw| !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|raw| raw.parse::<i64>().ok())
        .filter(|id| *id > 0)
        .ok_or(ApiError::NotFound)
}

fn set_header(response: &mut Response, name: HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

/// A task as JSON, with its `ETag`.
fn task_json(status: StatusCode, task: tasks::Model) -> Response {
    let etag = task.etag();
    let mut response = (status, Json(TaskResponse::from(task))).into_response();
    set_header(&mut response, header::ETAG, &etag);
    response
}

/// The URL of a task created by a POST to `collection`.
fn location(collection: &Uri, task: &tasks::Model) -> String {
    format!("{}/{}", collection.path().trim_end_matches('/'), task.id)
}

/// `201 Created` with the task, its `Location` and its `ETag`.
fn created(collection: &Uri, task: tasks::Model) -> Response {
    let location = location(collection, &task);
    let mut response = task_json(StatusCode::CREATED, task);
    set_header(&mut response, header::LOCATION, &location);
    response
}

/// The `Link` to the next page: this request's path and parameters with the
/// new cursor, form-encoded as `Query` reads them.
fn next_link(uri: &Uri, pairs: &[(String, String)], cursor: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(name, _)| name != "cursor"))
        .append_pair("cursor", cursor)
        .finish();
    format!("<{}?{query}>; rel=\"next\"", uri.path())
}

#[utoipa::path(
    get, path = "/api/{user_id}/tasks", tag = "tasks", operation_id = "list_tasks",
    summary = "List the user's tasks",
    params(UserPath, ListQuery, TimeZoneHeader),
    responses(
        (status = 200, description = "A page of tasks, as a plain JSON array", body = [TaskResponse],
         headers(("X-Total-Count" = u64, description = "Tasks matching the filter, on all pages"),
                 ("Link" = String, description = "`<...>; rel=\"next\"` while more pages remain"))),
        InvalidQuery, CommonErrors,
    ),
    security(("bearer" = [])),
)]
#[debug_handler(state = AppContext)]
pub async fn list(auth: AuthUser, Db(db): Db, uri: Uri, headers: HeaderMap) -> ApiResult {
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(&uri)
        .map_err(|_| ApiError::BadRequest("the query string cannot be read".to_string()))?;
    let filter = TaskFilter::from_query(&pairs, header_zone(&headers).unwrap_or(Tz::UTC))?;
    let page = tasks::Model::list_for_user(&db, &auth.owner_id, &filter).await?;
    let mut response = JsonList(view::list(page.tasks)).into_response();
    response
        .headers_mut()
        .insert(TOTAL_COUNT, HeaderValue::from(page.total));
    if let Some(next) = page.next {
        set_header(
            &mut response,
            header::LINK,
            &next_link(&uri, &pairs, &next.encode()),
        );
    }
    Ok(response)
}

/// The `Idempotency-Key` header, when sent.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or("").trim();
    idempotency_keys::check_key(key)
        .map_err(|message| ApiError::validation("Idempotency-Key", message))?;
    Ok(Some(key.to_string()))
}

/// A POST body as the request means it: `X-Timezone`'s zone folded in as
/// `time_zone` when the body names none, so that a retry from another zone
/// is another request, and one that names the zone either way the same.
fn as_meant(mut body: Option<serde_json::Value>, zone: Option<Tz>) -> Option<serde_json::Value> {
    if let (Some(serde_json::Value::Object(object)), Some(zone)) = (&mut body, zone) {
        object
            .entry("time_zone")
            .or_insert_with(|| zone.name().into());
    }
    body
}

/// The stored first answer, sent again.
fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::CREATED);
    let mut response = (status, stored.body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(location) = stored.location {
        set_header(&mut response, header::LOCATION, &location);
    }
    response
}

#[utoipa::path(
    post, path = "/api/{user_id}/tasks", tag = "tasks", operation_id = "create_task",
    summary = "Create a task",
    params(UserPath, IdempotencyKey, TimeZoneHeader),
    request_body(content = CreateTask, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = TaskResponse,
         headers(("Location" = String, description = "The new task's URL"), ("ETag" = String))),
        (status = 409, description = "A request with this Idempotency-Key is still running (`Retry-After`)",
         body = crate::errors::Problem, content_type = "application/problem+json"),
        BodyErrors, CommonErrors,
    ),
    security(("bearer" = [])),
)]
#[debug_handler(state = AppContext)]
pub async fn create(
    auth: AuthUser,
    Db(db): Db,
    Wake(wakeups): Wake,
    uri: Uri,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let key = idempotency_key(&headers)?;
    let zone = header_zone(&headers);
    let new_task = NewTask::from_json(body.as_ref(), zone)?;
    let Some(key) = key else {
        let task = tasks::Model::create_for_user(&db, &wakeups, &auth.owner_id, new_task).await?;
        return Ok(created(&uri, task));
    };
    let hash = idempotency_keys::request_hash(as_meant(body, zone).as_ref());
    let answer = |task: &tasks::Model| StoredResponse {
        status: StatusCode::CREATED.as_u16(),
        body: serde_json::to_string(&TaskResponse::from(task.clone())).unwrap_or_default(),
        location: Some(location(&uri, task)),
    };
    match idempotency_keys::create_task_once(
        &db,
        &wakeups,
        &auth.owner_id,
        &key,
        &hash,
        new_task,
        answer,
    )
    .await?
    {
        IdempotentCreate::Created(task) => Ok(created(&uri, *task)),
        IdempotentCreate::Replay(stored) => Ok(replay(stored)),
        IdempotentCreate::InProgress => Err(ApiError::Conflict(
            "a request with this Idempotency-Key is still being processed".to_string(),
        )),
        IdempotentCreate::Mismatch => Err(ApiError::validation(
            "Idempotency-Key",
            "was already used with a different request body",
        )),
    }
}

#[utoipa::path(
    get, path = "/api/{user_id}/tasks/{id}", tag = "tasks", operation_id = "get_task",
    summary = "Get a task",
    params(TaskPath, IfNoneMatch),
    responses(
        (status = 200, description = "The task", body = TaskResponse,
         headers(("ETag" = String, description = "Version of the task, for `If-Match` / `If-None-Match`"))),
        (status = 304, description = "Not modified",
         headers(("ETag" = String, description = "Version of the task, for `If-Match` / `If-None-Match`"))),
        TaskNotFound, CommonErrors,
    ),
    security(("bearer" = [])),
)]
#[debug_handler(state = AppContext)]
pub async fn show(
    auth: AuthUser,
    Db(db): Db,
    Path(path): Path<TaskPath>,
    preconditions: Preconditions,
) -> ApiResult {
    let id = task_id(&path)?;
    let task = tasks::Model::find_for_user(&db, &auth.owner_id, id).await?;
    let etag = task.etag();
    if let Some(if_none_match) = &preconditions.if_none_match {
        if if_none_match.matches_weak(&etag) {
            let mut response = StatusCode::NOT_MODIFIED.into_response();
            set_header(&mut response, header::ETAG, &etag);
            return Ok(response);
        }
    }
    Ok(task_json(StatusCode::OK, task))
}

/// PUT and PATCH alike: any subset of the writable fields.
async fn update(
    auth: AuthUser,
    db: DatabaseConnection,
    wakeups: Wakeups,
    path: TaskPath,
    preconditions: Preconditions,
    body: Option<serde_json::Value>,
) -> ApiResult {
    let changes = TaskChanges::from_json(body.as_ref())?;
    let id = task_id(&path)?;
    let task = tasks::Model::update_for_user(
        &db,
        &wakeups,
        &auth.owner_id,
        id,
        changes,
        preconditions.write_condition(),
    )
    .await?;
    Ok(task_json(StatusCode::OK, task))
}

#[utoipa::path(
    put, path = "/api/{user_id}/tasks/{id}", tag = "tasks", operation_id = "put_task",
    summary = "Update a task (as PATCH: any subset of fields)",
    params(TaskPath, IfMatch),
    request_body(content = UpdateTask, content_type = "application/json"),
    responses(
        (status = 200, description = "The updated task", body = TaskResponse,
         headers(("ETag" = String, description = "Version of the task, for `If-Match` / `If-None-Match`"))),
        TaskNotFound, TaskChanged, KeptChanging, BodyErrors, CommonErrors,
    ),
    security(("bearer" = [])),
)]
#[debug_handler(state = AppContext)]
pub async fn put(
    auth: AuthUser,
    Db(db): Db,
    Wake(wakeups): Wake,
    Path(path): Path<TaskPath>,
    preconditions: Preconditions,
    JsonBody(body): JsonBody,
) -> ApiResult {
    update(auth, db, wakeups, path, preconditions, body).await
}

#[utoipa::path(
    patch, path = "/api/{user_id}/tasks/{id}", tag = "tasks", operation_id = "patch_task",
    summary = "Update a task: any subset of fields",
    params(TaskPath, IfMatch),
    request_body(content = UpdateTask, content_type = "application/json"),
    responses(
        (status = 200, description = "The updated task", body = TaskResponse,
         headers(("ETag" = String, description = "Version of the task, for `If-Match` / `If-None-Match`"))),
        TaskNotFound, TaskChanged, KeptChanging, BodyErrors, CommonErrors,
    ),
    security(("bearer" = [])),
)]
#[debug_handler(state = AppContext)]
pub async fn patch(
    auth: AuthUser,
    Db(db): Db,
    Wake(wakeups): Wake,
    Path(path): Path<TaskPath>,
    preconditions: Preconditions,
    JsonBody(body): JsonBody,
) -> ApiResult {
    update(auth, db, wakeups, path, preconditions, body).await
}

#[utoipa::path(
    patch, path = "/api/{user_id}/tasks/{id}/complete", tag = "tasks", operation_id = "complete_task",
    summary = "Toggle completion (no body) or set it",
    params(TaskPath, IfMatch),
    request_body(content = Option<SetCompletion>, content_type = "application/json", description = "Optional"),
    responses(
        (status = 200, description = "The task; `completed_at` follows `completed`", body = TaskResponse,
         headers(("ETag" = String, description = "Version of the task, for `If-Match` / `If-None-Match`"))),
        TaskNotFound, TaskChanged, BodyErrors, CommonErrors,
    ),
    security(("bearer" = [])),
)]
#[debug_handler(state = AppContext)]
pub async fn complete(
    auth: AuthUser,
    Db(db): Db,
    Wake(wakeups): Wake,
    Path(path): Path<TaskPath>,
    preconditions: Preconditions,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let completed = completion_from_json(body.as_ref())?;
    let id = task_id(&path)?;
    let task = tasks::Model::set_completion_for_user(
        &db,
        &wakeups,
        &auth.owner_id,
        id,
        completed,
        preconditions.write_condition(),
    )
    .await?;
    Ok(task_json(StatusCode::OK, task))
}

#[utoipa::path(
    delete, path = "/api/{user_id}/tasks/{id}", tag = "tasks", operation_id = "delete_task",
    summary = "Delete a task",
    params(TaskPath, IfMatch),
    responses(
        (status = 204, description = "Deleted"),
        TaskNotFound, TaskChanged, CommonErrors,
    ),
    security(("bearer" = [])),
)]
#[debug_handler(state = AppContext)]
pub async fn remove(
    auth: AuthUser,
    Db(db): Db,
    Wake(wakeups): Wake,
    Path(path): Path<TaskPath>,
    preconditions: Preconditions,
) -> ApiResult {
    let id = task_id(&path)?;
    tasks::Model::delete_for_user(
        &db,
        &wakeups,
        &auth.owner_id,
        id,
        preconditions.write_condition(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(
    post, path = "/api/{user_id}/tasks/{id}/move", tag = "tasks", operation_id = "move_task",
    summary = "Move a task (and its subtasks) to a list and parent, right after a sibling",
    params(TaskPath, IfMatch),
    request_body(content = MoveTask, content_type = "application/json"),
    responses(
        (status = 200, description = "The moved task; only the moved tasks are written", body = TaskResponse,
         headers(("ETag" = String, description = "Version of the task, for `If-Match` / `If-None-Match`"))),
        TaskNotFound, TaskChanged, KeptChanging, BodyErrors, CommonErrors,
    ),
    security(("bearer" = [])),
)]
#[debug_handler(state = AppContext)]
pub async fn move_task(
    auth: AuthUser,
    Db(db): Db,
    Wake(wakeups): Wake,
    Path(path): Path<TaskPath>,
    preconditions: Preconditions,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let to = move_from_json(body.as_ref())?;
    let id = task_id(&path)?;
    let task = tasks::Model::move_for_user(
        &db,
        &wakeups,
        &auth.owner_id,
        id,
        to,
        preconditions.write_condition(),
    )
    .await?;
    Ok(task_json(StatusCode::OK, task))
}

pub fn routes() -> Routes {
    Routes::new()
        .prefix("/api/{user_id}/tasks")
        .add("/", routing::get(list).post(create))
        .add(
            "/{id}",
            routing::get(show).put(put).patch(patch).delete(remove),
        )
        .add("/{id}/complete", routing::patch(complete))
        .add("/{id}/move", routing::post(move_task))
}
