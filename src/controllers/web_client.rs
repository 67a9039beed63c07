//! The web client: the files of `assets/static` (one page, one stylesheet,
//! one ES module, no build step) served at `/`, where a developer opens a
//! browser to see the API at work. It is not the product's frontend; it is
//! the proof that a browser can consume this API.
//!
//! On in development, off unless configured in production (`WEB_CLIENT`,
//! see [`WebClientSettings`]). When off, `/` is the contract's 404 problem
//! like any unknown path.
//!
//! **Why not Loco's static middleware.** Mounted at `/`, it becomes the
//! router's fallback and answers every unknown path with its fallback file
//! (a 200) and every other method with a bare 405, so `GET /api/nope` would
//! no longer be the contract's 404 problem. The same file service (tower's
//! `ServeDir`) is mounted here as the fallback instead, falling through to
//! that 404 problem for any path that is not one of its files, whatever the
//! method. Routes always win over it, so no API path changes.

use axum::{
    handler::HandlerWithoutStateExt,
    http::{header, HeaderValue},
    response::Response,
    Router as AxumRouter,
};
use loco_rs::{Error, Result};
use tower_http::services::ServeDir;

use crate::{errors::route_not_found, settings::WebClientSettings};

/// The page talks to this origin only and loads nothing from elsewhere.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// Headers of the page's files (not of the 404 problem behind them):
/// a policy that keeps the page to this origin, and `no-cache` so an edited
/// file shows at the next load (revalidated through `Last-Modified`).
async fn file_headers(mut response: Response) -> Response {
    if response.status().is_success() || response.status().is_redirection() {
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    response
}

/// Sets what answers the paths no route matches: the web client's files
/// when it is on, and the contract's 404 problem for everything else.
///
/// # Errors
/// When the web client is on but its folder has no `index.html` (the
/// service was started from elsewhere than the repository's root, or the
/// files were not deployed).
pub fn fallback(router: AxumRouter, settings: &WebClientSettings) -> Result<AxumRouter> {
    if !settings.enabled {
        return Ok(router.fallback(route_not_found));
    }
    let index = settings.folder.join("index.html");
    if !index.is_file() {
        return Err(Error::Message(format!(
            "the web client is on (WEB_CLIENT) but {} is missing: start the service from the \
             directory that holds assets/, or set WEB_CLIENT=false",
            index.display()
        )));
    }
    let files = ServeDir::new(&settings.folder)
        .call_fallback_on_method_not_allowed(true)
        .fallback(route_not_found.into_service());
    let files = AxumRouter::new()
        .fallback_service(files)
        .layer(axum::middleware::map_response(file_headers));
    Ok(router.fallback_service(files))
}
