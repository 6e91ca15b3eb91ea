//! Per-dealer quotas on checks: a dealer that checks more than its quota per minute is told
//! to slow down (RESOURCE_EXHAUSTED) instead of sweeping the register.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Dealers tracked at most; beyond, the oldest windows are forgotten (an attacker cycling
/// identities cannot grow the core's memory without bound).
const MAX_TRACKED: usize = 100_000;
/// The quota's window.
const WINDOW: Duration = Duration::from_secs(60);

/// Fixed one-minute windows of checks per caller name.
pub struct Quotas {
    per_minute: u32,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Quotas {
    /// At most `per_minute` checks per caller and minute; 0 = unlimited.
    pub fn new(per_minute: u32) -> Quotas {
        Quotas {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one check of `caller` at `now`; false when over the quota.
    pub fn admit(&self, caller: &str, now: Instant) -> bool {
        if self.per_minute == 0 {
            return true;
        }
        let Ok(mut windows) = self.windows.lock() else {
            return false;
        };
        if windows.len() >= MAX_TRACKED {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let window = windows.entry(caller.to_string()).or_insert((now, 0));
        if now.duration_since(window.0) >= WINDOW {
            *window = (now, 0);
        }
        if window.1 >= self.per_minute {
            return false;
        }
        window.1 += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quota_per_caller_and_minute() {
        let quotas = Quotas::new(2);
        let start = Instant::now();
        assert!(quotas.admit("garage", start));
        assert!(quotas.admit("garage", start));
        assert!(!quotas.admit("garage", start + Duration::from_secs(59)));
        assert!(quotas.admit("other", start));
        assert!(quotas.admit("garage", start + Duration::from_secs(61)));
        assert!(Quotas::new(0).admit("anyone", start));
    }
}
