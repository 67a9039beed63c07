//! `cargo loco task task_counts`: how many tasks each user has, and how
//! many of them are completed. Prints user ids and numbers only, no task
//! content.

use loco_rs::{
    app::AppContext,
    task::{Task, TaskInfo, Vars},
    Error, Result,
};

use crate::models::tasks;

pub struct TaskCounts;

#[async_trait::async_trait]
impl Task for TaskCounts {
    fn task(&self) -> TaskInfo {
        TaskInfo {
            name: "task_counts".to_string(),
            detail: "Report the number of tasks (and completed tasks) per user".to_string(),
        }
    }

    async fn run(&self, ctx: &AppContext, _vars: &Vars) -> Result<()> {
        let counts = tasks::Model::counts_per_owner(&ctx.db)
            .await
            .map_err(Error::wrap)?;
        println!("{:<40} {:>10} {:>10}", "user_id", "tasks", "completed");
        for row in &counts {
            println!(
                "{:<40} {:>10} {:>10}",
                row.user_id, row.tasks, row.completed
            );
        }
        let total: i64 = counts.iter().map(|row| row.tasks).sum();
        println!("{} users, {total} tasks", counts.len());
        Ok(())
    }
}
