//! The domain error: what a model function or a parse function can answer
//! besides success, in terms of the data, not of a transport.
//!
//! Models know nothing of HTTP or MCP. The HTTP layer's `errors` module
//! turns a [`DomainError`] into a problem+json response; an MCP tool turns
//! the same error into a tool result. The wording of [`FieldError`] messages is part
//! of the API: both transports show it as it is.

use std::collections::BTreeMap;

use sea_orm::DbErr;
use serde::Serialize;

/// One rejected field of an input, as a 422 body's `errors` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug)]
pub enum DomainError {
    /// No such task for this owner (also: another owner's task).
    NotFound,
    /// The caller's precondition on the task's version does not hold.
    PreconditionFailed,
    /// Well-formed input that breaks a rule; every broken field is listed.
    Invalid(Vec<FieldError>),
    /// The write could not be done now and is worth retrying shortly (it
    /// kept losing races to other writers).
    Conflict(String),
    /// The database failed or could not be reached.
    Database(DbErr),
}

pub type DomainResult<T> = Result<T, DomainError>;

impl DomainError {
    /// One invalid field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }
}

impl std::fmt::Display for DomainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound => f.write_str("task not found"),
            Self::PreconditionFailed => {
                f.write_str("the task has changed since the version the caller named")
            }
            Self::Invalid(errors) => {
                for (i, e) in errors.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{} {}", e.field, e.message)?;
                }
                Ok(())
            }
            Self::Conflict(message) => f.write_str(message),
            Self::Database(err) => write!(f, "database: {err}"),
        }
    }
}

impl std::error::Error for DomainError {}

impl From<DbErr> for DomainError {
    fn from(err: DbErr) -> Self {
        match &err {
            // A model's `before_save` validation travels through SeaORM as
            // `DbErr::Custom` holding Loco's JSON encoding of the field
            // errors: read it back, so it is a rule broken, not a failure.
            DbErr::Custom(message) => {
                validation_from_db_message(message).map_or(Self::Database(err), Self::Invalid)
            }
            // The row went away between reading and writing it.
            DbErr::RecordNotFound(_) | DbErr::RecordNotUpdated => Self::NotFound,
            _ => Self::Database(err),
        }
    }
}

fn validation_from_db_message(message: &str) -> Option<Vec<FieldError>> {
    #[derive(serde::Deserialize)]
    struct Message {
        code: String,
        message: Option<String>,
    }
    let fields: BTreeMap<String, Vec<Message>> = serde_json::from_str(message).ok()?;
    let errors: Vec<FieldError> = fields
        .into_iter()
        .flat_map(|(field, messages)| {
            messages
                .into_iter()
                .map(move |m| FieldError::new(field.clone(), m.message.unwrap_or(m.code)))
        })
        .collect();
    (!errors.is_empty()).then_some(errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn before_save_validation_reads_back_as_invalid() {
        let encoded = r#"{"title":[{"code":"title","message":"must be trimmed"}]}"#;
        match DomainError::from(DbErr::Custom(encoded.to_string())) {
            DomainError::Invalid(errors) => {
                assert_eq!(errors, vec![FieldError::new("title", "must be trimmed")]);
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
        assert!(matches!(
            DomainError::from(DbErr::Custom("not json".into())),
            DomainError::Database(_)
        ));
        assert!(matches!(
            DomainError::from(DbErr::RecordNotUpdated),
            DomainError::NotFound
        ));
    }
}
