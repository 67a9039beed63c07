//! The change feed, `/api/{user_id}/events`: a page of JSON, or, with
//! `Accept: text/event-stream`, a live stream of Server-Sent Events.
//!
//! The stream starts after `Last-Event-ID` (or `after`), else from now,
//! reads the outbox, then waits for a wake-up (`models::feed`): a commit
//! of this process, or, on PostgreSQL, any instance's `NOTIFY`. Whatever
//! wakes it, it reads the new rows from the outbox, so it never skips an
//! event. It ends when the token expires (the client reconnects with a
//! fresh token and `Last-Event-ID`) and when the service shuts down. Its
//! state machine is `crate::streams::Follower`; this module opens it.

use std::{collections::VecDeque, convert::Infallible, sync::Arc, time::Duration};

use axum::{
    extract::{Query, State},
    http::{header, HeaderMap, HeaderName, HeaderValue, Uri},
    response::{
        sse::{KeepAlive, Sse},
        IntoResponse, Response,
    },
    routing,
};
use loco_rs::prelude::*;

use super::task_docs::{FeedQueryDocs, LastEventId, UserPath};
use crate::{
    errors::{ApiError, CommonErrors, FeedGone, InvalidQuery},
    extractors::{auth::AuthUser, db::Wake},
    models::events::{self, FeedPage},
    settings::Settings,
    streams::{Follower, Shutdown, StreamSlots, READ_BATCH},
    views::{
        events::{self as view, EventResponse},
        JsonList,
    },
};

type ApiResult = Result<Response, ApiError>;

const LAST_EVENT_ID: HeaderName = HeaderName::from_static("x-last-event-id");

fn wants_stream(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("text/event-stream"))
}

#[utoipa::path(
    get, path = "/api/{user_id}/events", tag = "events", operation_id = "list_events",
    summary = "The user's change feed: a page of JSON, or a live stream with Accept: text/event-stream",
    description = "A 429 here is also the limit of open streams per user (10 by default).",
    params(UserPath, FeedQueryDocs, LastEventId),
    responses(
        (status = 200, description = "The events after `after`, oldest first; with `Accept: text/event-stream`, a stream of them (`id`, `event`, `data` lines) that goes on live",
         content(([EventResponse] = "application/json"), (String = "text/event-stream")),
         headers(("X-Last-Event-Id" = i64, description = "The user's latest event id (0 when none): where a client that has just loaded its list starts following"),
                 ("Link" = String, description = "`<...>; rel=\"next\"` while more events follow"))),
        FeedGone, InvalidQuery, CommonErrors,
    ),
    security(("bearer" = [])),
)]
#[debug_handler]
pub async fn feed(
    auth: AuthUser,
    State(ctx): State<AppContext>,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult {
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(&uri)
        .map_err(|_| ApiError::BadRequest("the query string cannot be read".to_string()))?;
    let query = events::parse_feed_query(&pairs)?;
    let resume = last_event_id(&headers)?;
    if wants_stream(&headers) {
        return stream(auth, &ctx, resume.or(query.after)).await;
    }
    let after = query.after.unwrap_or(0);
    match events::after(&ctx.db, &auth.owner_id, after, query.limit).await? {
        FeedPage::Gone { head } => Err(ApiError::Gone { head }),
        FeedPage::Events { events, more, head } => {
            let last = events.last().map(|e| e.id);
            let mut response = JsonList(view::list(events)).into_response();
            response
                .headers_mut()
                .insert(LAST_EVENT_ID, HeaderValue::from(head));
            if let (true, Some(last)) = (more, last) {
                let link = format!(
                    "<{}?after={last}&limit={}>; rel=\"next\"",
                    uri.path(),
                    query.limit
                );
                if let Ok(value) = HeaderValue::from_str(&link) {
                    response.headers_mut().insert(header::LINK, value);
                }
            }
            Ok(response)
        }
    }
}

/// The `Last-Event-ID` header, checked on every request that carries one
/// (a page of JSON ignores a valid one: it has `after`).
fn last_event_id(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get("last-event-id") else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(events::parse_event_id)
        .map(Some)
        .ok_or_else(|| ApiError::validation("Last-Event-ID", "must be an event id (0 or more)"))
}

/// A stream starting after `after` (`Last-Event-ID`, else the query's
/// `after`), else from now on.
async fn stream(auth: AuthUser, ctx: &AppContext, after: Option<i64>) -> ApiResult {
    let settings = Settings::of(ctx).map_err(|e| ApiError::Internal(e.to_string()))?;
    let slots = ctx
        .shared_store
        .get::<Arc<StreamSlots>>()
        .ok_or_else(|| ApiError::Internal("stream slots not set up".to_string()))?;
    let shutdown = ctx
        .shared_store
        .get::<Shutdown>()
        .ok_or_else(|| ApiError::Internal("shutdown signal not set up".to_string()))?;
    let wakeups = Wake::of(ctx)?;
    // Subscribed before the first read: whatever commits after that read
    // wakes the stream, so it never waits past an event.
    let wake = wakeups.subscribe();
    let (start, head, first, more) = match after {
        // From now on: the head is all there is to read.
        None => {
            let head = events::head(&ctx.db, &auth.owner_id).await?;
            (head, head, Vec::new(), false)
        }
        Some(after) => match events::after(&ctx.db, &auth.owner_id, after, READ_BATCH).await? {
            FeedPage::Gone { head } => return Err(ApiError::Gone { head }),
            FeedPage::Events { events, more, head } => (after, head, events, more),
        },
    };
    let slot = slots
        .acquire(&auth.owner_id)
        .ok_or(ApiError::TooManyStreams(
            settings.events.max_streams_per_user,
        ))?;
    let seconds_left = auth.expires_at - chrono::Utc::now().timestamp();
    let lifetime = Duration::from_secs(u64::try_from(seconds_left).unwrap_or(0));
    let follower = Follower {
        db: ctx.db.clone(),
        owner_id: Arc::from(auth.owner_id.as_str()),
        last: start,
        pending: VecDeque::from(first),
        caught_up: !more,
        wake,
        shutdown: shutdown.subscribe(),
        ends_at: tokio::time::Instant::now() + lifetime,
        slot,
    };
    let stream = futures::stream::unfold(follower, |mut follower| async move {
        let event = follower.next().await?;
        Some((Ok::<_, Infallible>(event), follower))
    });
    let keep_alive = KeepAlive::new().interval(Duration::from_secs(
        settings.events.keep_alive_seconds.max(1),
    ));
    let mut response = Sse::new(stream).keep_alive(keep_alive).into_response();
    response
        .headers_mut()
        .insert(LAST_EVENT_ID, HeaderValue::from(head));
    Ok(response)
}

pub fn routes() -> Routes {
    Routes::new()
        .prefix("/api/{user_id}/events")
        .add("/", routing::get(feed))
}
