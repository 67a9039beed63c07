//! The API's description: `GET /api/openapi.json`, public. The interactive
//! docs at `/api/docs` (Swagger UI, served from the binary, no internet
//! needed) are mounted in `App::after_routes` and read this document.

use axum::{routing::get, Json};
use loco_rs::prelude::*;
use utoipa::OpenApi;

use crate::openapi::ApiDoc;

#[debug_handler]
async fn openapi_json(State(_ctx): State<AppContext>) -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

pub fn routes() -> Routes {
    Routes::new().add("/api/openapi.json", get(openapi_json))
}
