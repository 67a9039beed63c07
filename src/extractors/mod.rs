//! Request extractors: the verified user ([`auth::AuthUser`]) and a JSON body
//! whose every rejection is a problem+json ([`json_body::JsonBody`]).

pub mod auth;
pub mod json_body;
