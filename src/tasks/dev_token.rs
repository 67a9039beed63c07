//! `cargo loco task dev_token user_id:<id> [ttl:<seconds>]`: prints an
//! HS256 token for local curl use, signed with the configured
//! `BETTER_AUTH_SECRET`. Refuses to run in production. The rules of the
//! user id and the lifetime are `auth::dev_tokens`'s, shared with the web
//! client's `POST /_dev/token`.

use loco_rs::{
    app::AppContext,
    environment::Environment,
    task::{Task, TaskInfo, Vars},
    Error, Result,
};

use crate::{auth::dev_tokens::DevTokenRequest, settings::Settings};

pub struct DevToken;

#[async_trait::async_trait]
impl Task for DevToken {
    fn task(&self) -> TaskInfo {
        TaskInfo {
            name: "dev_token".to_string(),
            detail: "Print an HS256 token for a user (development only): dev_token user_id:<id> [ttl:<seconds>]"
                .to_string(),
        }
    }

    async fn run(&self, ctx: &AppContext, vars: &Vars) -> Result<()> {
        if ctx.environment == Environment::Production {
            return Err(Error::Message(
                "dev_token is for development only and refuses to run in production".to_string(),
            ));
        }
        let user_id = vars
            .cli_arg("user_id")
            .map_err(|_| Error::Message("usage: dev_token user_id:<id> [ttl:<seconds>]".into()))?;
        let ttl = match vars.cli_arg("ttl") {
            Ok(ttl) => Some(
                ttl.parse::<i64>()
                    .map_err(|_| Error::Message("ttl must be a whole number of seconds".into()))?,
            ),
            Err(_) => None,
        };
        let request = DevTokenRequest::new(user_id, ttl).map_err(|errors| {
            Error::Message(
                errors
                    .iter()
                    .map(|e| format!("{} {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        let secret = Settings::of(ctx)?
            .auth
            .shared_secret()
            .ok_or_else(|| Error::Message("BETTER_AUTH_SECRET is not configured".into()))?;
        let token = request.sign(&secret).map_err(Error::Message)?.token;
        println!("{token}");
        Ok(())
    }
}
