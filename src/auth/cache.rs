//! A small bounded cache of what was found out about a token, keyed by a
//! SHA-256 of the token (the token itself is never kept or logged).
//!
//! Each entry lives for the time its writer gives it; at most
//! `capacity` entries are kept: when full, expired entries go first, then
//! the oldest tenth. Used for Better Auth sessions (see [`super::sessions`])
//! and for verified JWTs (see [`super::Verifier`]).

use std::{
    collections::HashMap,
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

use sha2::{Digest, Sha256};

pub type Key = [u8; 32];

/// The key of a token presented at one endpoint: a hash of both, so the same
/// token presented elsewhere is looked at afresh.
#[must_use]
pub fn key_of(endpoint: &[u8], token: &str) -> Key {
    let mut hash = Sha256::new();
    hash.update(endpoint);
    hash.update([0]);
    hash.update(token.as_bytes());
    hash.finalize().into()
}

struct Entry<V> {
    value: V,
    until: Instant,
    stored: Instant,
}

pub struct TokenCache<V> {
    capacity: usize,
    entries: Mutex<HashMap<Key, Entry<V>>>,
}

impl<V: Clone> TokenCache<V> {
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(10),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The value stored under `key`, unless it has expired.
    pub fn get(&self, key: &Key) -> Option<V> {
        let now = Instant::now();
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .filter(|entry| entry.until > now)
            .map(|entry| entry.value.clone())
    }

    /// Keeps `value` under `key` for `keep` (nothing when `keep` is zero).
    pub fn store(&self, key: Key, value: V, keep: Duration) {
        if keep.is_zero() {
            return;
        }
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.retain(|_, entry| entry.until > now);
            if entries.len() >= self.capacity {
                // Still full of live entries: drop the oldest tenth.
                let mut ages: Vec<(Key, Instant)> =
                    entries.iter().map(|(k, e)| (*k, e.stored)).collect();
                ages.sort_by_key(|(_, stored)| *stored);
                for (old, _) in ages.into_iter().take(self.capacity / 10) {
                    entries.remove(&old);
                }
            }
        }
        entries.insert(
            key,
            Entry {
                value,
                until: now + keep,
                stored: now,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_the_oldest_go_when_full() {
        let cache = TokenCache::new(10);
        cache.store(key_of(b"a", "t0"), 0, Duration::from_secs(60));
        assert_eq!(cache.get(&key_of(b"a", "t0")), Some(0));
        assert_eq!(cache.get(&key_of(b"b", "t0")), None, "another endpoint");
        cache.store(key_of(b"a", "gone"), 1, Duration::from_nanos(1));
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(cache.get(&key_of(b"a", "gone")), None, "expired");
        cache.store(key_of(b"a", "never"), 2, Duration::ZERO);
        assert_eq!(cache.get(&key_of(b"a", "never")), None, "not kept");
        for i in 1..=10 {
            cache.store(key_of(b"a", &format!("t{i}")), i, Duration::from_secs(60));
        }
        assert_eq!(cache.get(&key_of(b"a", "t0")), None, "the oldest went");
        assert_eq!(cache.get(&key_of(b"a", "t10")), Some(10));
        assert!(cache.entries.lock().unwrap().len() <= 10);
    }
}
