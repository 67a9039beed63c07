//! `cargo loco task purge_idempotency_keys`: deletes idempotency keys older
//! than their 24-hour lifetime. Expired keys are already ignored (and
//! replaced) when reused; this only reclaims their space. Run it from cron
//! or a scheduler once an hour or so.

use loco_rs::{
    app::AppContext,
    task::{Task, TaskInfo, Vars},
    Error, Result,
};

use crate::models::idempotency_keys;

pub struct PurgeIdempotencyKeys;

#[async_trait::async_trait]
impl Task for PurgeIdempotencyKeys {
    fn task(&self) -> TaskInfo {
        TaskInfo {
            name: "purge_idempotency_keys".to_string(),
            detail: "Delete idempotency keys older than 24 hours".to_string(),
        }
    }

    async fn run(&self, ctx: &AppContext, _vars: &Vars) -> Result<()> {
        let purged = idempotency_keys::Model::purge_expired(&ctx.db)
            .await
            .map_err(Error::wrap)?;
        println!("purged {purged} expired idempotency keys");
        Ok(())
    }
}
