//! The domain error: what a model function or a parse function can answer
//! besides success, in terms of the data, not of a transport.
//!
//! Models know nothing of HTTP or MCP. The HTTP layer's `errors` module
//! turns a [`DomainError`] into a problem+json response; an MCP tool turns
//! the same error into a tool result. The wording of [`FieldError`] messages is part
//! of the API: both transports show it as it is.

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
    /// The value of this field is taken (a list name in another case).
    Duplicate(FieldError),
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
            Self::Duplicate(error) => write!(f, "{} {}", error.field, error.message),
            Self::Database(err) => write!(f, "database: {err}"),
        }
    }
}

impl std::error::Error for DomainError {}

impl From<DbErr> for DomainError {
    fn from(err: DbErr) -> Self {
        match err {
            // The row went away between reading and writing it.
            DbErr::RecordNotFound(_) | DbErr::RecordNotUpdated => Self::NotFound,
            err => Self::Database(err),
        }
    }
}
