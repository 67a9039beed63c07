//! What the live streams of this process share: the per-user limit on open
//! streams, and the shutdown signal that ends them.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use tokio::sync::watch;

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
