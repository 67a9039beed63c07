//! Idempotency keys: the first successful answer to a `POST` that carried an
//! `Idempotency-Key`, kept per user for 24 hours so a retry gets the same
//! answer and creates nothing.
//!
//! A key is claimed with a `pending` row before the work starts; the unique
//! index on `(user_id, key)` makes the claim atomic across requests and
//! across instances of the service. The work and the `completed` answer are
//! then written in one transaction, so a key never points at a task that
//! was not created, nor a task exists whose key says otherwise. A failed
//! attempt releases its claim, leaving the key unused.
//!
//! The stored answer is opaque here: the caller renders it (status, body,
//! location) from the created task, so the model knows no transport.

use chrono::{TimeDelta, Utc};
use sea_orm::{entity::prelude::*, ActiveValue, IntoActiveModel, SqlErr};
use sha2::{Digest, Sha256};

pub use super::_entities::idempotency_keys::{self, ActiveModel, Column, Entity, Model};
use super::{
    errors::DomainResult,
    feed::{UnitOfWork, Wakeups},
    task_input::NewTask,
    tasks,
};

/// How long a key and its answer are kept.
pub const KEY_LIFETIME: TimeDelta = TimeDelta::hours(24);
/// A claim older than this whose request never finished (the process died
/// mid-request) is abandoned and may be claimed again.
const PENDING_TIMEOUT: TimeDelta = TimeDelta::seconds(60);
/// Longest key accepted.
pub const MAX_KEY_LEN: usize = 255;

const PENDING: &str = "pending";
const COMPLETED: &str = "completed";

impl ActiveModelBehavior for ActiveModel {}

/// The stored first answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
}

/// What an idempotent create did.
#[derive(Debug)]
pub enum IdempotentCreate {
    /// The key was new: the task was created and the answer stored.
    Created(Box<tasks::Model>),
    /// A first request with this key and body already succeeded: its answer.
    Replay(StoredResponse),
    /// A first request with this key is still running.
    InProgress,
    /// The key was used with another body.
    Mismatch,
}

/// What claiming a key found.
#[derive(Debug)]
enum Claim {
    /// The key is new: this request does the work, then completes or
    /// releases the claim.
    Fresh(Model),
    /// A first request with this key and body already succeeded.
    Replay(StoredResponse),
    /// A first request with this key is still running.
    InProgress,
    /// The key was used with another body.
    Mismatch,
}

/// Checks a key's form: 1 to 255 visible ASCII characters.
///
/// # Errors
/// The message for the `Idempotency-Key` header.
pub fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!(
            "must be 1 to {MAX_KEY_LEN} visible ASCII characters"
        ));
    }
    Ok(())
}

/// The fingerprint of a request body, compared as parsed JSON: key order
/// and white space do not matter (serde_json's map keeps its keys sorted,
/// so a value writes the same text however its object was sent).
#[must_use]
pub fn request_hash(body: Option<&serde_json::Value>) -> String {
    let text = body.map(serde_json::Value::to_string).unwrap_or_default();
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

/// Creates `task` for the owner once per `key`: the first call creates it
/// and stores `answer(&task)` in the same transaction; a later call with the
/// same key and `request_hash` within the key's lifetime gets that answer
/// back and creates nothing.
///
/// # Errors
/// A database failure; the key is left unused.
pub async fn create_task_once(
    db: &DatabaseConnection,
    wakeups: &Wakeups,
    owner_id: &str,
    key: &str,
    request_hash: &str,
    task: NewTask,
    answer: impl FnOnce(&tasks::Model) -> StoredResponse + Send,
) -> DomainResult<IdempotentCreate> {
    let claim = match Model::claim(db, owner_id, key, request_hash).await? {
        Claim::Fresh(claim) => claim,
        Claim::Replay(stored) => return Ok(IdempotentCreate::Replay(stored)),
        Claim::InProgress => return Ok(IdempotentCreate::InProgress),
        Claim::Mismatch => return Ok(IdempotentCreate::Mismatch),
    };
    // The task and the stored answer land together, or neither does; the
    // owner's streams wake after that one commit.
    let outcome: DomainResult<tasks::Model> = async {
        let placed = tasks::Model::placed(db, owner_id, &task).await?;
        let mut work = UnitOfWork::begin(db).await?;
        let created = tasks::Model::create(&mut work, owner_id, task, placed).await?;
        claim.clone().complete(work.db(), &answer(&created)).await?;
        work.commit(wakeups).await?;
        Ok(created)
    }
    .await;
    if outcome.is_err() {
        if let Err(release) = claim.release(db).await {
            tracing::warn!(error = %release, "could not release an idempotency key");
        }
    }
    outcome.map(|task| IdempotentCreate::Created(Box::new(task)))
}

impl Model {
    fn is_stale(&self, now: DateTimeWithTimeZone) -> bool {
        self.created_at < now - KEY_LIFETIME
            || (self.state == PENDING && self.updated_at < now - PENDING_TIMEOUT)
    }

    /// Claims `key` for the owner, or reports what an earlier request with
    /// it left.
    async fn claim(
        db: &DatabaseConnection,
        owner_id: &str,
        key: &str,
        request_hash: &str,
    ) -> DomainResult<Claim> {
        // A bounded number of rounds: an expired row is removed and claimed
        // anew; losing that race to another request shows its row in the
        // next round. Still losing after that, the caller is told to retry.
        const ROUNDS: usize = 3;
        for _ in 0..ROUNDS {
            let now = Utc::now().fixed_offset();
            let existing = Entity::find()
                .filter(Column::UserId.eq(owner_id))
                .filter(Column::Key.eq(key))
                .one(db)
                .await?;
            if let Some(row) = existing {
                if row.is_stale(now) {
                    Entity::delete_many()
                        .filter(Column::Id.eq(row.id))
                        .filter(Column::UpdatedAt.eq(row.updated_at))
                        .exec(db)
                        .await?;
                    continue;
                }
                if row.request_hash != request_hash {
                    return Ok(Claim::Mismatch);
                }
                return Ok(
                    match (row.state.as_str(), row.response_status, row.response_body) {
                        (COMPLETED, Some(status), Some(body)) => Claim::Replay(StoredResponse {
                            status: u16::try_from(status).unwrap_or(200),
                            body,
                            location: row.response_location,
                        }),
                        _ => Claim::InProgress,
                    },
                );
            }
            let pending = ActiveModel {
                user_id: ActiveValue::Set(owner_id.to_string()),
                key: ActiveValue::Set(key.to_string()),
                request_hash: ActiveValue::Set(request_hash.to_string()),
                state: ActiveValue::Set(PENDING.to_string()),
                created_at: ActiveValue::Set(now),
                updated_at: ActiveValue::Set(now),
                ..Default::default()
            };
            match pending.insert(db).await {
                Ok(row) => return Ok(Claim::Fresh(row)),
                Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                }
                Err(err) => return Err(err.into()),
            }
        }
        Ok(Claim::InProgress)
    }

    /// Records the answer of the claimed request (inside the transaction
    /// that did the work).
    async fn complete<C: ConnectionTrait>(
        self,
        db: &C,
        response: &StoredResponse,
    ) -> DomainResult<()> {
        let mut row = self.into_active_model();
        row.state = ActiveValue::Set(COMPLETED.to_string());
        row.response_status = ActiveValue::Set(Some(i16::try_from(response.status).unwrap_or(200)));
        row.response_body = ActiveValue::Set(Some(response.body.clone()));
        row.response_location = ActiveValue::Set(response.location.clone());
        row.updated_at = ActiveValue::Set(Utc::now().fixed_offset());
        row.update(db).await?;
        Ok(())
    }

    /// Gives the key back after a failed attempt.
    async fn release(self, db: &DatabaseConnection) -> DomainResult<()> {
        Entity::delete_many()
            .filter(Column::Id.eq(self.id))
            .filter(Column::State.eq(PENDING))
            .exec(db)
            .await?;
        Ok(())
    }

    /// Deletes keys older than their lifetime; returns how many.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn purge_expired<C: ConnectionTrait>(db: &C) -> DomainResult<u64> {
        let cutoff = Utc::now().fixed_offset() - KEY_LIFETIME;
        let result = Entity::delete_many()
            .filter(Column::CreatedAt.lt(cutoff))
            .exec(db)
            .await?;
        Ok(result.rows_affected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hash_compares_parsed_json() {
        let a = request_hash(Some(&json!({"title": "x", "priority": "high"})));
        let b: serde_json::Value =
            serde_json::from_str(r#"{ "priority":"high",  "title":"x" }"#).unwrap();
        assert_eq!(a, request_hash(Some(&b)));
        assert_ne!(
            a,
            request_hash(Some(&json!({"title": "y", "priority": "high"})))
        );
        assert_ne!(request_hash(None), request_hash(Some(&json!({}))));
    }

    #[test]
    fn key_form() {
        assert!(check_key("a1b2-c3").is_ok());
        assert!(check_key("").is_err());
        assert!(check_key("has space").is_err());
        assert!(check_key(&"k".repeat(256)).is_err());
    }
}
