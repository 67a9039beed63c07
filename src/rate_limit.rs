//! A per-user rate limit: a token bucket per verified user, refilled at
//! `per_second` up to `burst`. Over the limit, a request gets 429 with
//! `Retry-After` before it reaches the database.
//!
//! The buckets live in this process: with several instances behind a load
//! balancer, each enforces the limit on its own (documented in the README).

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use serde::Deserialize;

/// `settings.rate_limit` in the configuration.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default)]
pub struct RateLimitSettings {
    /// Sustained requests per second per user; 0 turns the limit off.
    pub per_second: f64,
    /// Requests a user may make at once after being idle.
    pub burst: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            per_second: 0.0,
            burst: 0,
        }
    }
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Buckets beyond this many trigger a sweep of the idle (full) ones.
const SWEEP_AT: usize = 100_000;

pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// `None` when the settings turn the limit off.
    #[must_use]
    pub fn from_settings(settings: RateLimitSettings) -> Option<Self> {
        (settings.per_second > 0.0 && settings.burst > 0).then(|| Self {
            per_second: settings.per_second,
            burst: f64::from(settings.burst),
            buckets: Mutex::new(HashMap::new()),
        })
    }

    /// Takes one request from the user's bucket.
    ///
    /// # Errors
    /// How long until the next request would be allowed.
    pub fn check(&self, user_id: &str) -> Result<(), Duration> {
        self.check_at(user_id, Instant::now())
    }

    fn check_at(&self, user_id: &str, now: Instant) -> Result<(), Duration> {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= SWEEP_AT {
            let (rate, burst) = (self.per_second, self.burst);
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.updated).as_secs_f64() * rate < burst
            });
        }
        let bucket = buckets.entry(user_id.to_string()).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        let refill = now.duration_since(bucket.updated).as_secs_f64() * self.per_second;
        bucket.tokens = (bucket.tokens + refill).min(self.burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / self.per_second,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_refills_at_the_rate() {
        let limiter = RateLimiter::from_settings(RateLimitSettings {
            per_second: 2.0,
            burst: 3,
        })
        .expect("on");
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at("a", t0).is_ok());
        }
        let wait = limiter.check_at("a", t0).expect_err("over the burst");
        assert!(wait <= Duration::from_millis(500) && wait > Duration::ZERO);
        assert!(limiter.check_at("b", t0).is_ok(), "users are separate");
        assert!(limiter
            .check_at("a", t0 + Duration::from_millis(500))
            .is_ok());
        assert!(RateLimiter::from_settings(RateLimitSettings::default()).is_none());
    }
}
