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

use chrono::{TimeDelta, Utc};
use loco_rs::prelude::*;
use sea_orm::{ActiveValue, SqlErr};
use sha2::{Digest, Sha256};

pub use super::_entities::idempotency_keys::{self, ActiveModel, Column, Entity, Model};

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

/// What claiming a key found.
#[derive(Debug)]
pub enum Claim {
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

/// The fingerprint of a request body, compared as parsed JSON: object
/// members are sorted, so key order and white space do not matter.
#[must_use]
pub fn request_hash(body: Option<&serde_json::Value>) -> String {
    fn canonical(value: &serde_json::Value, out: &mut String) {
        match value {
            serde_json::Value::Object(map) => {
                let mut members: Vec<_> = map.iter().collect();
                members.sort_by(|a, b| a.0.cmp(b.0));
                out.push('{');
                for (i, (key, value)) in members.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::String(key.clone()).to_string());
                    out.push(':');
                    canonical(value, out);
                }
                out.push('}');
            }
            serde_json::Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    canonical(item, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut text = String::new();
    if let Some(body) = body {
        canonical(body, &mut text);
    }
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Model {
    fn is_stale(&self, now: DateTimeWithTimeZone) -> bool {
        self.created_at < now - KEY_LIFETIME
            || (self.state == PENDING && self.updated_at < now - PENDING_TIMEOUT)
    }

    /// Claims `key` for the owner, or reports what an earlier request with
    /// it left.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn claim(
        db: &DatabaseConnection,
        owner_id: &str,
        key: &str,
        request_hash: &str,
    ) -> ModelResult<Claim> {
        // Two rounds at most: an expired row is removed and claimed anew;
        // losing that race to another request shows its row next round.
        for _ in 0..3 {
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
    ///
    /// # Errors
    /// On a database failure.
    pub async fn complete<C: ConnectionTrait>(
        self,
        db: &C,
        response: &StoredResponse,
    ) -> ModelResult<()> {
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
    ///
    /// # Errors
    /// On a database failure.
    pub async fn release(self, db: &DatabaseConnection) -> ModelResult<()> {
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
    pub async fn purge_expired(db: &DatabaseConnection) -> ModelResult<u64> {
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
