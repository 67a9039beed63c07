//! What a conditional write requires: a leaf, for tasks and lists alike.

/// What a conditional write requires of the current entity tag of a task
/// or a list (HTTP's `If-Match`, parsed by the transport). A write whose
/// condition does not hold fails with
/// [`super::errors::DomainError::PreconditionFailed`] and changes nothing.
pub trait Precondition: Sync {
    fn holds_for(&self, etag: &str) -> bool;
}
