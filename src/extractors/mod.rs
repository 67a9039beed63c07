//! Request extractors: the verified user ([`auth::AuthUser`]), a JSON body
//! whose every rejection is a problem+json ([`json_body::JsonBody`]), and
//! the conditional-request headers ([`preconditions::Preconditions`]), and
//! the database pool ([`db::Db`]).

pub mod auth;
pub mod db;
pub mod json_body;
pub mod preconditions;
