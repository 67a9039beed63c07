//! Request extractors: the verified user ([`auth::AuthUser`]), a JSON body
//! whose every rejection is a problem+json ([`json_body::JsonBody`]), and
//! the conditional-request headers ([`preconditions::Preconditions`]).

pub mod auth;
pub mod json_body;
pub mod preconditions;
