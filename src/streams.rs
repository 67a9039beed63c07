//! The live streams of the change feed: each stream's state machine
//! ([`Follower`]: read the outbox, send, wait for a wake-up, read again),
//! and what the streams of this process share: the per-user limit on open
//! streams, and the shutdown signal that ends them.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex, PoisonError},
};

use axum::response::sse::Event as SseEvent;
use sea_orm::DatabaseConnection;
use tokio::sync::{broadcast, watch};

use crate::{
    models::{
        events::{self, Event, FeedPage},
        feed::Signal,
    },
    views::{events::EventResponse, WriteJson},
};

/// Events read from the outbox at a time by a stream.
pub const READ_BATCH: u64 = 100;

/// One stream's state: where it is in the user's feed, and what wakes it.
pub struct Follower {
    pub db: DatabaseConnection,
    pub owner_id: Arc<str>,
    pub last: i64,
    pub pending: VecDeque<Event>,
    /// The last read found everything up to then: nothing to read before
    /// the next wake-up.
    pub caught_up: bool,
    pub wake: broadcast::Receiver<Signal>,
    pub shutdown: watch::Receiver<bool>,
    pub ends_at: tokio::time::Instant,
    /// Held while the stream is open; given back when it ends.
    pub slot: StreamSlot,
}

impl Follower {
    /// The next event to send; `None` ends the stream.
    pub async fn next(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                self.last = event.id;
                return Some(render(event));
            }
            if *self.shutdown.borrow() {
                return None;
            }
            if self.caught_up && !self.wait().await {
                return None;
            }
            // Boxed: held inline, the read's state would size every open
            // stream's body, though a stream spends its life waiting.
            match Box::pin(events::after(
                &self.db,
                &self.owner_id,
                self.last,
                READ_BATCH,
            ))
            .await
            {
                Ok(FeedPage::Events { events, more, .. }) => {
                    self.caught_up = !more;
                    self.pending.extend(events);
                }
                // Purged under the stream, or the database is away: end, and
                // let the client reconnect (and be told).
                Ok(FeedPage::Gone { .. }) | Err(_) => return None,
            }
        }
    }

    /// Waits for a wake-up that concerns this user (or may: a lagging
    /// receiver, the listener's reconnection); `false` when the stream must
    /// end instead (the token expired, the service is shutting down).
    async fn wait(&mut self) -> bool {
        loop {
            tokio::select! {
                signal = self.wake.recv() => match signal {
                    Ok(signal) if !signal.concerns(&self.owner_id) => {}
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => return true,
                    Err(broadcast::error::RecvError::Closed) => return false,
                },
                () = tokio::time::sleep_until(self.ends_at) => return false,
                _ = self.shutdown.changed() => return false,
            }
        }
    }
}

fn render(event: Event) -> SseEvent {
    let id = event.id;
    let kind = event.kind.clone();
    let data = EventResponse::from(event).to_json();
    SseEvent::default()
        .id(id.to_string())
        .event(kind)
        .data(data)
}

/// Open streams per user, bounded.
pub struct StreamSlots {
    max_per_user: usize,
    open: Mutex<HashMap<String, usize>>,
}

/// One open stream; the slot is given back when it is dropped (the stream
/// ended or the client went away).
pub struct StreamSlot {
    slots: Arc<StreamSlots>,
    user_id: String,
}

impl StreamSlots {
    #[must_use]
    pub fn new(max_per_user: usize) -> Self {
        Self {
            max_per_user,
            open: Mutex::new(HashMap::new()),
        }
    }

    /// A slot for the user, or `None` when they hold the maximum already.
    #[must_use]
    pub fn acquire(self: &Arc<Self>, user_id: &str) -> Option<StreamSlot> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(user_id.to_string()).or_insert(0);
        if *count >= self.max_per_user {
            return None;
        }
        *count += 1;
        Some(StreamSlot {
            slots: Arc::clone(self),
            user_id: user_id.to_string(),
        })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self
            .slots
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.user_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.user_id);
            }
        }
    }
}

/// Set once, when the process starts shutting down.
#[derive(Clone)]
pub struct Shutdown(pub watch::Sender<bool>);

impl Shutdown {
    #[must_use]
    pub fn new() -> Self {
        Self(watch::channel(false).0)
    }

    pub fn begin(&self) {
        let _ = self.0.send(true);
    }

    #[must_use]
    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.0.subscribe()
    }
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_bounded_per_user_and_given_back() {
        let slots = Arc::new(StreamSlots::new(2));
        let a1 = slots.acquire("a").expect("first");
        let _a2 = slots.acquire("a").expect("second");
        assert!(slots.acquire("a").is_none(), "a third is refused");
        assert!(slots.acquire("b").is_some(), "users are separate");
        drop(a1);
        assert!(
            slots.acquire("a").is_some(),
            "a closed stream frees its slot"
        );
    }
}
