//! The API's description: `GET /api/openapi.json` (OpenAPI 3.1, generated
//! from the handlers' annotations, the views' schemas and the input types of
//! [`super::task_docs`]) and the interactive docs at `/api/docs` (Swagger
//! UI, served from the binary: no internet needed). Both are public.

use axum::{routing::get, Json};
use loco_rs::prelude::*;
use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};
use utoipa_swagger_ui::SwaggerUi;

use crate::{
    errors::{FieldError, Problem},
    models::{
        events::EventKind,
        priority::Priority,
        task_list::{Direction, SortKey, Status},
    },
    views::{events::EventResponse, lists::ListResponse, tags::TagResponse, tasks::TaskResponse},
};

use super::{
    dev_tokens, events, lists, tags,
    task_docs::{
        CreateList, CreateTask, MoveTask, RenameTag, SetCompletion, TagName, UpdateList, UpdateTask,
    },
    tasks,
};

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
                        "A Better Auth JWT (EdDSA, ES256, ES512, RS256, PS256 from its JWKS), an HS256 token signed with BETTER_AUTH_SECRET, or (session mode) a Better Auth session token from its bearer plugin; the user (`sub`, or the session's user) must equal the path's user_id.",
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
        tasks::list,
        tasks::create,
        tasks::show,
        tasks::put,
        tasks::patch,
        tasks::remove,
        tasks::complete,
        tasks::move_task,
        lists::index,
        lists::create,
        lists::show,
        lists::update,
        lists::remove,
        tags::list,
        tags::rename,
        tags::remove,
        events::feed,
    ),
    components(schemas(
        TaskResponse, TagResponse, ListResponse, EventResponse, CreateTask, UpdateTask, SetCompletion,
        MoveTask, CreateList, UpdateList, RenameTag, TagName,
        Problem, FieldError, Priority, Status, SortKey, Direction, EventKind,
    )),
    modifiers(&Finish),
    tags(
        (name = "tasks", description = "A user's tasks"),
        (name = "lists", description = "A user's lists of tasks, in their order"),
        (name = "tags", description = "A user's tags, across their tasks"),
        (name = "events", description = "The change feed of a user's tasks and lists, and its live stream"),
    ),
)]
pub struct ApiDoc;

/// The document; the development token route is in it only where it
/// exists (never in production).
#[debug_handler]
async fn openapi_json(State(ctx): State<AppContext>) -> Json<utoipa::openapi::OpenApi> {
    let mut document = ApiDoc::openapi();
    if dev_tokens::secret(&ctx).is_some() {
        document.merge(dev_tokens::DevTokenDoc::openapi());
    }
    Json(document)
}

/// The interactive docs, reading `/api/openapi.json`.
#[must_use]
pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new("/api/docs").config(
        utoipa_swagger_ui::Config::from("/api/openapi.json")
            .persist_authorization(true)
            .try_it_out_enabled(true),
    )
}

pub fn routes() -> Routes {
    Routes::new().add("/api/openapi.json", get(openapi_json))
}
