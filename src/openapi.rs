//! The OpenAPI 3.1 document of the API, generated from the code: the
//! handlers' `#[utoipa::path]` annotations, the views' schemas, and the
//! request shapes below.
//!
//! Request bodies are parsed by hand (`models::task_input`) so every broken
//! field can be reported; the types here only describe those bodies for the
//! document and are never deserialized.

use serde::Serialize;
use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    IntoParams, Modify, OpenApi, ToSchema,
};

use crate::{
    controllers, errors::FieldError, models::task_input::Priority, views::tasks::TaskResponse,
};

/// The body of a `POST`: `title` is required, the rest optional. Members
/// such as `id`, `user_id` and the timestamps are ignored.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CreateTask {
    /// Trimmed, then 1 to 200 characters; not blank, no U+0000.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00]*[^\s\x00][^\x00]*$",
        example = "Buy milk"
    )]
    title: String,
    /// At most 1000 characters, no U+0000.
    #[schema(max_length = 1000, pattern = r"^[^\x00]*$", example = "2 litres")]
    description: Option<String>,
    /// Default `false`; `completed_at` follows it. Not `null`.
    #[schema(nullable = false, required = false)]
    completed: Option<bool>,
    // Default `medium`; not `null`. (A doc comment here would wrap the
    // reference in an `allOf` that fuzzers misread.)
    #[schema(inline, nullable = false, required = false)]
    priority: Option<Priority>,
    /// An RFC 3339 date-time (a plain `YYYY-MM-DD` date is read as midnight
    /// UTC too).
    #[schema(format = DateTime, example = "2026-12-24T09:00:00Z")]
    due_date: Option<String>,
}

/// The body of a `PUT` or `PATCH`: any subset of the writable fields.
/// Absent fields stay as they are; `null` clears `description` and
/// `due_date` and is refused for the others.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UpdateTask {
    /// As in `CreateTask`; not `null`.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00]*[^\s\x00][^\x00]*$",
        nullable = false,
        required = false
    )]
    title: Option<String>,
    /// `null` clears it.
    #[schema(max_length = 1000, pattern = r"^[^\x00]*$")]
    description: Option<String>,
    /// Not `null`.
    #[schema(nullable = false, required = false)]
    completed: Option<bool>,
    // Not `null`.
    #[schema(inline, nullable = false, required = false)]
    priority: Option<Priority>,
    /// `null` clears it.
    #[schema(format = DateTime)]
    due_date: Option<String>,
}

/// The optional body of `/complete`: absent (or `{}`) toggles, `completed`
/// sets.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct SetCompletion {
    /// Not `null`.
    #[schema(nullable = false, required = false)]
    completed: Option<bool>,
}

/// An RFC 9457 problem: the body of every error.
#[derive(Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`.
    #[serde(rename = "type")]
    #[schema(example = "about:blank")]
    kind: String,
    #[schema(example = "Unprocessable Entity")]
    title: String,
    #[schema(example = 422)]
    status: u16,
    #[schema(example = "title must be between 1 and 200 characters")]
    detail: String,
    /// Every invalid field, on a 422.
    errors: Option<Vec<FieldError>>,
}

#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum StatusFilter {
    All,
    Pending,
    Completed,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum SortField {
    Created,
    Updated,
    Title,
    DueDate,
    Priority,
}

#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum SortOrder {
    Asc,
    Desc,
}

/// The list's query parameters. Unknown parameters are ignored; an unknown
/// value of a known one is a 422.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListQuery {
    /// Which tasks: `all` (default), `pending`, `completed`.
    status: Option<StatusFilter>,
    /// Sort key (default `created`); ties break on `id`.
    sort: Option<SortField>,
    /// Default: newest first, title A to Z, earliest due date first
    /// (undated last), high priority first.
    order: Option<SortOrder>,
    /// Case-insensitive substring of title or description; `%`, `_` and
    /// `\` are literal.
    #[param(max_length = 200, pattern = r"^[^\x00]*$")]
    q: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u64>,
    /// Opaque; from the previous page's `Link: rel="next"`.
    cursor: Option<String>,
}

/// Adds the bearer-token scheme (the docs page's "Authorize" field) and
/// drops the empty license utoipa derives from a crate without one.
struct Finish;

impl Modify for Finish {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi.info.license = None;
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A Better Auth JWT (EdDSA, ES256, ES512, RS256, PS256 from its JWKS) or an HS256 token signed with BETTER_AUTH_SECRET; `sub` must equal the path's user_id.",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Todo API",
        description = "Multi-user tasks for Better Auth frontends. Every error is application/problem+json (RFC 9457).",
    ),
    paths(
        controllers::tasks::list,
        controllers::tasks::create,
        controllers::tasks::show,
        controllers::tasks::update,
        controllers::tasks::remove,
        controllers::tasks::complete,
    ),
    components(schemas(
        TaskResponse, CreateTask, UpdateTask, SetCompletion, Problem, FieldError, Priority,
        StatusFilter, SortField, SortOrder,
    )),
    modifiers(&Finish),
    tags((name = "tasks", description = "A user's tasks")),
)]
pub struct ApiDoc;
