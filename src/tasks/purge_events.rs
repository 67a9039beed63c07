//! `cargo loco task purge_events`: deletes change-feed events older than
//! the retention (`settings.events.retention_days`, default 7). A client
//! that asks for events older than what is kept gets a 410 and reloads its
//! list. Run it from cron once a day or so.

use loco_rs::{
    app::AppContext,
    task::{Task, TaskInfo, Vars},
    Error, Result,
};

use crate::{models::events, settings::Settings};

pub struct PurgeEvents;

#[async_trait::async_trait]
impl Task for PurgeEvents {
    fn task(&self) -> TaskInfo {
        TaskInfo {
            name: "purge_events".to_string(),
            detail: "Delete change-feed events older than the retention (default 7 days)"
                .to_string(),
        }
    }

    async fn run(&self, ctx: &AppContext, _vars: &Vars) -> Result<()> {
        let days = Settings::of(ctx)?.events.retention_days;
        let cutoff = chrono::Utc::now() - chrono::TimeDelta::days(i64::from(days));
        let purged = events::purge_before(&ctx.db, cutoff)
            .await
            .map_err(Error::wrap)?;
        println!("purged {purged} events older than {days} days");
        Ok(())
    }
}
