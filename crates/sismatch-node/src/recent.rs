//! What the node's searches did in the last minute: how many, how many failed, and how long
//! they took (p50, p99), for the node's own status. An operator's status page reads it from
//! `GetNodeStatus` without a metrics system; Prometheus keeps the long history (`/metrics`).
//!
//! A ring of one-second slots, each with a count, the failures and a latency histogram of
//! four buckets per power of two of microseconds (a quantile is read as its bucket's upper edge: at most a quarter above it). A search adds to the
//! current slot under a mutex held for a few additions; a slot older than a minute is
//! cleared when its second comes round again.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Seconds kept.
const WINDOW: usize = 60;

/// Sub-buckets per power of two.
const STEPS: usize = 4;

/// Powers of two of microseconds: up to about 68 s.
const POWERS: usize = 26;

const BUCKETS: usize = POWERS * STEPS;

/// The searches of the last minute, summed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RecentSearches {
    /// Searches answered or failed.
    pub searches: u64,
    /// Of those, failed by the node's fault (storage, index, shutting down; not a bad request).
    pub failures: u64,
    /// Median time of a search, in milliseconds; 0 without searches.
    pub p50_ms: f64,
    /// 99th percentile, in milliseconds; 0 without searches.
    pub p99_ms: f64,
}

#[derive(Clone)]
struct Slot {
    /// Which second since the tracker started this slot counts.
    second: u64,
    searches: u64,
    failures: u64,
    buckets: [u32; BUCKETS],
}

impl Slot {
    fn empty(second: u64) -> Slot {
        Slot {
            second,
            searches: 0,
            failures: 0,
            buckets: [0; BUCKETS],
        }
    }
}

/// The last minute's searches.
pub(crate) struct Recent {
    started: Instant,
    slots: Mutex<Vec<Slot>>,
}

impl Recent {
    pub(crate) fn new() -> Recent {
        Recent {
            started: Instant::now(),
            slots: Mutex::new((0..WINDOW as u64).map(Slot::empty).collect()),
        }
    }

    /// Counts one search that took `took`, failed or not.
    pub(crate) fn record(&self, took: Duration, failed: bool) {
        let second = self.started.elapsed().as_secs();
        let Ok(mut slots) = self.slots.lock() else {
            return;
        };
        let slot = &mut slots[(second % WINDOW as u64) as usize];
        if slot.second != second {
            *slot = Slot::empty(second);
        }
        slot.searches += 1;
        slot.failures += u64::from(failed);
        slot.buckets[bucket(took)] += 1;
    }

    /// The searches of the last `WINDOW` seconds.
    pub(crate) fn summary(&self) -> RecentSearches {
        let now = self.started.elapsed().as_secs();
        let Ok(slots) = self.slots.lock() else {
            return RecentSearches::default();
        };
        let mut total = RecentSearches::default();
        let mut buckets = [0u64; BUCKETS];
        for slot in slots
            .iter()
            .filter(|s| now - s.second.min(now) < WINDOW as u64)
        {
            total.searches += slot.searches;
            total.failures += slot.failures;
            for (sum, count) in buckets.iter_mut().zip(slot.buckets) {
                *sum += u64::from(count);
            }
        }
        total.p50_ms = quantile(&buckets, total.searches, 0.50);
        total.p99_ms = quantile(&buckets, total.searches, 0.99);
        total
    }
}

/// The bucket of a duration: `STEPS` per power of two of microseconds.
fn bucket(took: Duration) -> usize {
    let micros = took.as_micros().clamp(1, u128::from(u64::MAX)) as u64;
    let power = 63 - micros.leading_zeros() as usize;
    // The `STEPS` bits after the leading one say where in its power of two it lies.
    let step = if power >= 2 {
        ((micros >> (power - 2)) & 0b11) as usize
    } else {
        (micros << (2 - power) & 0b11) as usize
    };
    (power * STEPS + step).min(BUCKETS - 1)
}

/// The upper edge of `bucket`, in milliseconds.
fn upper_ms(bucket: usize) -> f64 {
    let (power, step) = (bucket / STEPS, bucket % STEPS);
    let micros = (1u64 << power) as f64 * (1.0 + (step + 1) as f64 / STEPS as f64);
    micros / 1000.0
}

/// The `q` quantile of `count` searches counted in `buckets`, as its bucket's upper edge.
fn quantile(buckets: &[u64; BUCKETS], count: u64, q: f64) -> f64 {
    if count == 0 {
        return 0.0;
    }
    let rank = ((count as f64 * q).ceil() as u64).max(1);
    let mut seen = 0;
    for (index, &n) in buckets.iter().enumerate() {
        seen += n;
        if seen >= rank {
            return upper_ms(index);
        }
    }
    upper_ms(BUCKETS - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_holds_its_duration_within_a_fifth() {
        for micros in [
            1u64, 2, 3, 5, 90, 130, 999, 1_000, 1_500, 250_000, 3_000_000,
        ] {
            let upper = upper_ms(bucket(Duration::from_micros(micros))) * 1000.0;
            assert!(upper >= micros as f64, "{micros} µs: {upper}");
            assert!(upper <= micros as f64 * 1.25 + 1.0, "{micros} µs: {upper}");
        }
    }

    #[test]
    fn the_last_minute_is_counted_and_its_quantiles_read() {
        let recent = Recent::new();
        assert_eq!(recent.summary(), RecentSearches::default());
        for _ in 0..98 {
            recent.record(Duration::from_micros(200), false);
        }
        recent.record(Duration::from_millis(40), true);
        recent.record(Duration::from_millis(40), false);
        let summary = recent.summary();
        assert_eq!((summary.searches, summary.failures), (100, 1));
        assert!((0.2..=0.25).contains(&summary.p50_ms), "{summary:?}");
        assert!((40.0..=50.0).contains(&summary.p99_ms), "{summary:?}");
    }
}
