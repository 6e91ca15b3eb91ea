//! Counting events per key in a sliding window: failed sign-ins per name and per address
//! (login throttling), and checks per address (the page's own limit beside the core's
//! per-dealer quota). In memory: a restart forgets the counts, which errs on the side of the
//! person at the counter.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys kept before the idle ones are dropped: bounds memory under a flood of new addresses.
const PRUNE_AT: usize = 10_000;

/// At most `limit` events per key within `window`.
#[derive(Debug)]
pub struct Limiter {
    limit: usize,
    window: Duration,
    events: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Limiter {
    /// A limiter of `limit` events per `window` (a limit of 0 refuses everything).
    pub fn new(limit: u32, window: Duration) -> Limiter {
        Limiter {
            limit: usize::try_from(limit).unwrap_or(usize::MAX),
            window,
            events: Mutex::new(HashMap::new()),
        }
    }

    /// How long `key` must wait before its next event is allowed, or None when it may go on.
    pub fn blocked(&self, key: &str, now: Instant) -> Option<Duration> {
        let mut events = self
            .events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let times = events.get_mut(key)?;
        forget_before(times, now, self.window);
        if times.len() < self.limit {
            return None;
        }
        let oldest = times.front().copied().unwrap_or(now);
        Some(self.window.saturating_sub(now.duration_since(oldest)))
    }

    /// Records one event of `key`.
    pub fn record(&self, key: &str, now: Instant) {
        let mut events = self
            .events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if events.len() >= PRUNE_AT {
            let window = self.window;
            events.retain(|_, times| {
                forget_before(times, now, window);
                !times.is_empty()
            });
        }
        let times = events.entry(key.to_string()).or_default();
        forget_before(times, now, self.window);
        times.push_back(now);
        while times.len() > self.limit.max(1) {
            times.pop_front();
        }
    }

    /// Allows and records an event of `key`, or says how long to wait.
    pub fn admit(&self, key: &str, now: Instant) -> Result<(), Duration> {
        if let Some(wait) = self.blocked(key, now) {
            return Err(wait);
        }
        self.record(key, now);
        Ok(())
    }

    /// Forgets `key` (a successful sign-in clears its failures).
    pub fn clear(&self, key: &str) {
        let mut events = self
            .events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        events.remove(key);
    }
}

fn forget_before(times: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while let Some(first) = times.front() {
        if now.duration_since(*first) < window {
            break;
        }
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_holds_within_the_window_and_lifts_after_it() {
        let limiter = Limiter::new(3, Duration::from_secs(60));
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.admit("10.0.0.1", start).is_ok());
        }
        let wait = limiter
            .admit("10.0.0.1", start + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(50));
        assert!(
            limiter.admit("10.0.0.2", start).is_ok(),
            "keys are separate"
        );
        assert!(
            limiter
                .admit("10.0.0.1", start + Duration::from_secs(61))
                .is_ok()
        );
        limiter.clear("10.0.0.1");
        assert!(limiter.blocked("10.0.0.1", start).is_none());
    }
}
