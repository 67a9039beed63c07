//! `Db`: the database pool, taken from the app context without cloning
//! the whole context.
//!
//! `State<AppContext>` clones the entire context for every request,
//! configuration maps included; a profile of the list under load showed that
//! cloning (and freeing) among the top costs. The pool handle alone is a
//! cheap reference-counted clone.

use std::convert::Infallible;

use axum::{extract::FromRequestParts, http::request::Parts};
use loco_rs::app::AppContext;
use sea_orm::DatabaseConnection;

pub struct Db(pub DatabaseConnection);

impl FromRequestParts<AppContext> for Db {
    type Rejection = Infallible;

    async fn from_request_parts(_parts: &mut Parts, ctx: &AppContext) -> Result<Self, Infallible> {
        Ok(Self(ctx.db.clone()))
    }
}
