//! The task routes under `/api/{user_id}/tasks`.
//!
//! Every handler takes [`AuthUser`] first, so the token (401) and the path's
//! user (403) are checked before parameters and body (400, 413, 415, 422),
//! and those before the task itself (404, 412). Handlers parse, call the
//! model and render a view; the HTTP around it (headers, idempotent
//! replays) is written here.

use axum::{
    extract::{Query, RawPathParams},
    http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode, Uri},
    response::{IntoResponse, Response},
    routing::{get, patch},
    Json,
};
use loco_rs::prelude::*;
use sea_orm::TransactionTrait;

use crate::{
    errors::ApiError,
    extractors::{auth::AuthUser, db::Db, json_body::JsonBody, preconditions::Preconditions},
    models::{
        idempotency_keys::{self, Claim, StoredResponse},
        task_filter::TaskFilter,
        task_input::{completion_from_json, NewTask, TaskChanges},
        tasks,
    },
    openapi::{CreateTask, Problem, SetCompletion, UpdateTask},
    views::tasks::{self as view, TaskResponse},
};

type ApiResult = Result<Response, ApiError>;

const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
const TOTAL_COUNT: HeaderName = HeaderName::from_static("x-total-count");

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

/// A task as JSON, with its `ETag`.
fn task_json(status: StatusCode, task: tasks::Model) -> Response {
    let etag = HeaderValue::from_str(&task.etag()).ok();
    let mut response = (status, Json(TaskResponse::from(task))).into_response();
    if let Some(etag) = etag {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}

/// Percent-encodes a query component (RFC 3986 unreserved characters stay).
fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The `Link` to the next page: this request's path and parameters with the
/// new cursor.
fn next_link(uri: &Uri, pairs: &[(String, String)], cursor: &str) -> String {
    let mut query: Vec<String> = pairs
        .iter()
        .filter(|(name, _)| name != "cursor")
        .map(|(name, value)| format!("{}={}", encode_component(name), encode_component(value)))
        .collect();
    query.push(format!("cursor={}", encode_component(cursor)));
    format!("<{}?{}>; rel=\"next\"", uri.path(), query.join("&"))
}

#[utoipa::path(
    get, path = "/api/{user_id}/tasks", tag = "tasks", operation_id = "list_tasks",
    summary = "List the user's tasks",
    params(("user_id" = String, Path, description = "The token's `sub`; another value is a 403"), crate::openapi::ListQuery),
    responses(
        (status = 200, description = "A page of tasks, as a plain JSON array", body = [TaskResponse],
         headers(("X-Total-Count" = u64, description = "Tasks matching the filter, on all pages"),
                 ("Link" = String, description = "`<...>; rel=\"next\"` while more pages remain"))),
        (status = 401, description = "No token, or a refused one (`WWW-Authenticate: Bearer`)", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token's user is not the path's user", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid parameters or body; `errors` lists every field", body = Problem, content_type = "application/problem+json"), (status = 408, description = "The request took longer than the timeout (a body sent too slowly)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The user's rate limit (`Retry-After`)", body = Problem, content_type = "application/problem+json"),
        (status = 431, description = "Request headers over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database or the auth server's keys unavailable (`Retry-After`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[debug_handler(state = AppContext)]
pub async fn list(auth: AuthUser, Db(db): Db, uri: Uri) -> ApiResult {
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(&uri)
        .map_err(|_| ApiError::BadRequest("the query string cannot be read".to_string()))?;
    let filter = TaskFilter::from_query(&pairs)?;
    let page = tasks::Model::list_for_user(&db, &auth.owner_id, &filter).await?;
    let mut response = Json(view::list(page.tasks)).into_response();
    let headers = response.headers_mut();
    headers.insert(TOTAL_COUNT, HeaderValue::from(page.total));
    if let Some(next) = page.next {
        if let Ok(link) = HeaderValue::from_str(&next_link(&uri, &pairs, &next.encode())) {
            headers.insert(header::LINK, link);
        }
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

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::CREATED);
    let mut response = (status, stored.body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(location) = stored.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        headers.insert(header::LOCATION, location);
    }
    response
}

#[utoipa::path(
    post, path = "/api/{user_id}/tasks", tag = "tasks", operation_id = "create_task",
    summary = "Create a task",
    params(("user_id" = String, Path, description = "The token's `sub`; another value is a 403"),
        ("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$",
         description = "1 to 255 visible ASCII characters. Retries with the same key and body within 24 h get the first answer and create nothing")),
    request_body(content = CreateTask, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = TaskResponse,
         headers(("Location" = String, description = "The new task's URL"), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"), (status = 401, description = "No token, or a refused one (`WWW-Authenticate: Bearer`)", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token's user is not the path's user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A request with this Idempotency-Key is still running (`Retry-After`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 64 KiB", body = Problem, content_type = "application/problem+json"), (status = 415, description = "Body not `application/json`", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid parameters or body; `errors` lists every field", body = Problem, content_type = "application/problem+json"), (status = 408, description = "The request took longer than the timeout (a body sent too slowly)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The user's rate limit (`Retry-After`)", body = Problem, content_type = "application/problem+json"),
        (status = 431, description = "Request headers over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database or the auth server's keys unavailable (`Retry-After`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[debug_handler(state = AppContext)]
pub async fn create(
    auth: AuthUser,
    Db(db): Db,
    uri: Uri,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let key = idempotency_key(&headers)?;
    let new_task = NewTask::from_json(body.as_ref())?;
    let location_of =
        |task: &tasks::Model| format!("{}/{}", uri.path().trim_end_matches('/'), task.id);

    let Some(key) = key else {
        let task = tasks::Model::create_for_user(&db, &auth.owner_id, new_task).await?;
        let location = location_of(&task);
        let mut response = task_json(StatusCode::CREATED, task);
        if let Ok(value) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, value);
        }
        return Ok(response);
    };

    let hash = idempotency_keys::request_hash(body.as_ref());
    let claim = match idempotency_keys::Model::claim(&db, &auth.owner_id, &key, &hash).await? {
        Claim::Fresh(claim) => claim,
        Claim::Replay(stored) => return Ok(replay(stored)),
        Claim::InProgress => {
            return Err(ApiError::Conflict(
                "a request with this Idempotency-Key is still being processed".to_string(),
            ))
        }
        Claim::Mismatch => {
            return Err(ApiError::validation(
                "Idempotency-Key",
                "was already used with a different request body",
            ))
        }
    };
    // The task and the stored answer land together, or neither does.
    let outcome: Result<tasks::Model, ApiError> = async {
        let txn = db.begin().await.map_err(ApiError::from)?;
        let task = tasks::Model::create_for_user(&txn, &auth.owner_id, new_task).await?;
        let stored = StoredResponse {
            status: StatusCode::CREATED.as_u16(),
            body: serde_json::to_string(&TaskResponse::from(task.clone()))
                .map_err(|e| ApiError::Internal(e.to_string()))?,
            location: Some(location_of(&task)),
        };
        claim.clone().complete(&txn, &stored).await?;
        txn.commit().await.map_err(ApiError::from)?;
        Ok(task)
    }
    .await;
    match outcome {
        Ok(task) => {
            let location = location_of(&task);
            let mut response = task_json(StatusCode::CREATED, task);
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            Ok(response)
        }
        Err(error) => {
            if let Err(release) = claim.release(&db).await {
                tracing::warn!(error = %release, "could not release an idempotency key");
            }
            Err(error)
        }
    }
}

#[utoipa::path(
    get, path = "/api/{user_id}/tasks/{id}", tag = "tasks", operation_id = "get_task",
    summary = "Get a task",
    params(("user_id" = String, Path, description = "The token's `sub`; another value is a 403"), ("id" = i64, Path, description = "The task id; not a positive integer, another user's or missing: 404"),
        ("If-None-Match" = Option<String>, Header, description = "304 when the task still has one of these ETags")),
    responses(
        (status = 200, description = "The task", body = TaskResponse, headers(("ETag" = String, description = "Version of the task, for `If-Match` / `If-None-Match`"))),
        (status = 304, description = "Not modified", headers(("ETag" = String, description = "Version of the task, for `If-Match` / `If-None-Match`"))),
        (status = 401, description = "No token, or a refused one (`WWW-Authenticate: Bearer`)", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token's user is not the path's user", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such task for this user", body = Problem, content_type = "application/problem+json"), (status = 408, description = "The request took longer than the timeout (a body sent too slowly)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The user's rate limit (`Retry-After`)", body = Problem, content_type = "application/problem+json"),
        (status = 431, description = "Request headers over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database or the auth server's keys unavailable (`Retry-After`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[debug_handler(state = AppContext)]
pub async fn show(
    auth: AuthUser,
    Db(db): Db,
    params: RawPathParams,
    preconditions: Preconditions,
) -> ApiResult {
    let id = task_id(&params)?;
    let task = tasks::Model::find_for_user(&db, &auth.owner_id, id).await?;
    if let Some(if_none_match) = &preconditions.if_none_match {
        let etag = task.etag();
        if if_none_match.matches_weak(&etag) {
            let mut response = StatusCode::NOT_MODIFIED.into_response();
            if let Ok(value) = HeaderValue::from_str(&etag) {
                response.headers_mut().insert(header::ETAG, value);
            }
            return Ok(response);
        }
    }
    Ok(task_json(StatusCode::OK, task))
}

#[utoipa::path(
    method(put, patch), path = "/api/{user_id}/tasks/{id}", tag = "tasks", operation_id = "update_task",
    summary = "Update a task (PUT and PATCH alike: any subset of fields)",
    params(("user_id" = String, Path, description = "The token's `sub`; another value is a 403"), ("id" = i64, Path, description = "The task id; not a positive integer, another user's or missing: 404"), ("If-Match" = Option<String>, Header, description = "Only if the task still has this ETag (or `*`); else 412")),
    request_body(content = UpdateTask, content_type = "application/json"),
    responses(
        (status = 200, description = "The updated task", body = TaskResponse, headers(("ETag" = String, description = "Version of the task, for `If-Match` / `If-None-Match`"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"), (status = 401, description = "No token, or a refused one (`WWW-Authenticate: Bearer`)", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token's user is not the path's user", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such task for this user", body = Problem, content_type = "application/problem+json"), (status = 412, description = "`If-Match` does not name the current version", body = Problem, content_type = "application/problem+json"), (status = 413, description = "Body over 64 KiB", body = Problem, content_type = "application/problem+json"), (status = 415, description = "Body not `application/json`", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid parameters or body; `errors` lists every field", body = Problem, content_type = "application/problem+json"), (status = 408, description = "The request took longer than the timeout (a body sent too slowly)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The user's rate limit (`Retry-After`)", body = Problem, content_type = "application/problem+json"),
        (status = 431, description = "Request headers over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database or the auth server's keys unavailable (`Retry-After`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[debug_handler(state = AppContext)]
pub async fn update(
    auth: AuthUser,
    Db(db): Db,
    params: RawPathParams,
    preconditions: Preconditions,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let changes = TaskChanges::from_json(body.as_ref())?;
    let id = task_id(&params)?;
    let task = tasks::Model::update_for_user(
        &db,
        &auth.owner_id,
        id,
        changes,
        preconditions.if_match.as_ref(),
    )
    .await?;
    Ok(task_json(StatusCode::OK, task))
}

#[utoipa::path(
    patch, path = "/api/{user_id}/tasks/{id}/complete", tag = "tasks", operation_id = "complete_task",
    summary = "Toggle completion (no body) or set it",
    params(("user_id" = String, Path, description = "The token's `sub`; another value is a 403"), ("id" = i64, Path, description = "The task id; not a positive integer, another user's or missing: 404"), ("If-Match" = Option<String>, Header, description = "Only if the task still has this ETag (or `*`); else 412")),
    request_body(content = Option<SetCompletion>, content_type = "application/json", description = "Optional"),
    responses(
        (status = 200, description = "The task; `completed_at` follows `completed`", body = TaskResponse, headers(("ETag" = String, description = "Version of the task, for `If-Match` / `If-None-Match`"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"), (status = 401, description = "No token, or a refused one (`WWW-Authenticate: Bearer`)", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token's user is not the path's user", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such task for this user", body = Problem, content_type = "application/problem+json"), (status = 412, description = "`If-Match` does not name the current version", body = Problem, content_type = "application/problem+json"), (status = 413, description = "Body over 64 KiB", body = Problem, content_type = "application/problem+json"), (status = 415, description = "Body not `application/json`", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid parameters or body; `errors` lists every field", body = Problem, content_type = "application/problem+json"), (status = 408, description = "The request took longer than the timeout (a body sent too slowly)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The user's rate limit (`Retry-After`)", body = Problem, content_type = "application/problem+json"),
        (status = 431, description = "Request headers over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database or the auth server's keys unavailable (`Retry-After`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[debug_handler(state = AppContext)]
pub async fn complete(
    auth: AuthUser,
    Db(db): Db,
    params: RawPathParams,
    preconditions: Preconditions,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let completed = completion_from_json(body.as_ref())?;
    let id = task_id(&params)?;
    let task = tasks::Model::set_completion_for_user(
        &db,
        &auth.owner_id,
        id,
        completed,
        preconditions.if_match.as_ref(),
    )
    .await?;
    Ok(task_json(StatusCode::OK, task))
}

#[utoipa::path(
    delete, path = "/api/{user_id}/tasks/{id}", tag = "tasks", operation_id = "delete_task",
    summary = "Delete a task",
    params(("user_id" = String, Path, description = "The token's `sub`; another value is a 403"), ("id" = i64, Path, description = "The task id; not a positive integer, another user's or missing: 404"), ("If-Match" = Option<String>, Header, description = "Only if the task still has this ETag (or `*`); else 412")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No token, or a refused one (`WWW-Authenticate: Bearer`)", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token's user is not the path's user", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such task for this user", body = Problem, content_type = "application/problem+json"), (status = 412, description = "`If-Match` does not name the current version", body = Problem, content_type = "application/problem+json"), (status = 408, description = "The request took longer than the timeout (a body sent too slowly)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The user's rate limit (`Retry-After`)", body = Problem, content_type = "application/problem+json"),
        (status = 431, description = "Request headers over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database or the auth server's keys unavailable (`Retry-After`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[debug_handler(state = AppContext)]
pub async fn remove(
    auth: AuthUser,
    Db(db): Db,
    params: RawPathParams,
    preconditions: Preconditions,
) -> ApiResult {
    let id = task_id(&params)?;
    tasks::Model::delete_for_user(&db, &auth.owner_id, id, preconditions.if_match.as_ref()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub fn routes() -> Routes {
    Routes::new()
        .prefix("/api/{user_id}/tasks")
        .add("/", get(list).post(create))
        .add("/{id}", get(show).put(update).patch(update).delete(remove))
        .add("/{id}/complete", patch(complete))
}
