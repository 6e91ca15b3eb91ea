//! [`NodeStatus`]: what an operator or a health check learns from a node, read cheaply.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use jiff::Timestamp;
use sismatch_alert::Status;

use crate::error::Result;
use crate::indexer::searchable_sequence;
use crate::node::Node;
use crate::recent::RecentSearches;

/// A node's state, for operators and health checks.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeStatus {
    /// The node's country.
    pub country: String,
    /// The node's name: the country, or a shard's name (`NL-2`).
    pub name: String,
    /// When the node was opened.
    pub started_at: Timestamp,
    /// Alerts per status (every status present).
    pub alerts: BTreeMap<Status, u64>,
    /// Alerts, of any status, past their expiry time.
    pub alerts_expired: u64,
    /// Identifiers in the index (indexable ones: no sentinels).
    pub identifiers_indexed: u64,
    /// Hit reports received, ever.
    pub hits_received: u64,
    /// Hit reports from foreign police waiting for this node's decision.
    pub hits_pending: u64,
    /// The store's last change sequence.
    pub store_sequence: u64,
    /// The last change sequence the index contains.
    pub index_sequence: u64,
    /// Whether the index is catching up from far behind (start-up catch-up or rebuild).
    pub rebuilding: bool,
    /// While rebuilding, the share of the catch-up done, in [0, 1]: changes indexed since the
    /// node started over the changes it had to index (for a rebuild from nothing, index
    /// sequence over store sequence); 0 when not rebuilding.
    pub rebuild_progress: f64,
    /// Segments of the index that searches visit: 1 after a compaction; many right after a
    /// bulk import, until the compaction that follows it has finished (search p99 grows with
    /// them). Benchmarks wait for it before measuring.
    pub index_segments: usize,
    /// The searches of the last minute: count, failures, p50 and p99.
    pub recent: RecentSearches,
}

impl Node {
    /// The node's state.
    ///
    /// Cost, on a blocking thread: the status counters (one multi-get), the identifier index's
    /// counters, and a scan of the expired alerts' keys (`sismatch_store::Store::count_expired`: about 10 ms per
    /// 100,000 expired alerts). Nothing else is scanned.
    pub async fn status(&self) -> Result<NodeStatus> {
        let country = self.country.clone();
        let name = self.name.clone();
        let started_at = self.started_at;
        let rebuilding = self.rebuilding.load(Ordering::Acquire);
        let rebuild_from = self.rebuild_from;
        let recent = self.recent.summary();
        let index = Arc::clone(&self.index);
        let keys = Arc::clone(&self.keys);
        self.blocking(move |store| {
            let index_sequence = searchable_sequence(&index, &keys);
            let store_sequence = store.sequence();
            let rebuild_progress = if rebuilding {
                progress(rebuild_from, index_sequence, store_sequence)
            } else {
                0.0
            };
            Ok(NodeStatus {
                country,
                name,
                started_at,
                alerts: store.count_by_status()?,
                alerts_expired: store.count_expired(Timestamp::now())?,
                identifiers_indexed: keys.stats().identifiers,
                hits_received: store.hits_received(),
                hits_pending: store.hits_pending(),
                store_sequence,
                index_sequence,
                rebuilding,
                rebuild_progress,
                index_segments: index.segments(),
                recent,
            })
        })
        .await
    }
}

/// How far the index got from `from` towards `target`, in [0, 1].
fn progress(from: u64, reached: u64, target: u64) -> f64 {
    let total = target.saturating_sub(from);
    if total == 0 {
        return 1.0;
    }
    let done = reached.saturating_sub(from).min(total);
    done as f64 / total as f64
}

#[cfg(test)]
mod tests {
    use super::progress;

    #[test]
    fn progress_counts_from_where_the_catch_up_started() {
        assert_eq!(progress(0, 250, 1000), 0.25);
        assert_eq!(progress(900, 950, 1000), 0.5);
        assert_eq!(progress(900, 900, 1000), 0.0);
        assert_eq!(progress(900, 1000, 1000), 1.0);
        // Writes during the rebuild move the target; progress never passes 1.
        assert_eq!(progress(0, 1200, 1000), 1.0);
        assert_eq!(progress(5, 5, 5), 1.0);
    }
}
