//! `Db`: the database pool, taken from the app context without cloning
//! the whole context; `Wake`: the feed's wake-ups, for the writes.
//!
//! `State<AppContext>` clones the entire context for every request,
//! configuration maps included; a profile of the list under load showed that
//! cloning (and freeing) among the top costs. The pool handle alone is a
//! cheap reference-counted clone.

use std::convert::Infallible;

use axum::{extract::FromRequestParts, http::request::Parts};
use loco_rs::app::AppContext;
use sea_orm::DatabaseConnection;

use crate::{errors::ApiError, models::feed::Wakeups};

pub struct Db(pub DatabaseConnection);

impl FromRequestParts<AppContext> for Db {
    type Rejection = Infallible;

    async fn from_request_parts(_parts: &mut Parts, ctx: &AppContext) -> Result<Self, Infallible> {
        Ok(Self(ctx.db.clone()))
    }
}

/// The feed's wake-ups (`models::feed`), which every write takes: made at
/// start-up and kept in Loco's shared store.
pub struct Wake(pub Wakeups);

impl Wake {
    /// The wake-ups start-up put in the context's shared store.
    ///
    /// # Errors
    /// An internal error when start-up has not stored them (a context not
    /// built by the app).
    pub fn of(ctx: &AppContext) -> Result<Wakeups, ApiError> {
        ctx.shared_store
            .get::<Wakeups>()
            .ok_or_else(|| ApiError::Internal("the feed's wake-ups were not set up".into()))
    }
}

impl FromRequestParts<AppContext> for Wake {
    type Rejection = ApiError;

    async fn from_request_parts(_parts: &mut Parts, ctx: &AppContext) -> Result<Self, ApiError> {
        Self::of(ctx).map(Self)
    }
}
