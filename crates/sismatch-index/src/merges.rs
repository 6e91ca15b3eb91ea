//! The index's merge policy, watched: tantivy's log merge policy, whose proposed merges are
//! remembered so that a compaction starts only when none of them is running.
//!
//! Why: a compaction merges every segment. A background merge of some of the same segments
//! that ends first makes the compaction fail at its very end (tantivy no longer finds the
//! segments it merged), after all the work, tens of seconds on a large index; and an import
//! typically ends with such small merges still running.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tantivy::SegmentMeta;
use tantivy::index::SegmentId;
use tantivy::merge_policy::{LogMergePolicy, MergeCandidate, MergePolicy};

/// A proposed merge older than this is taken as ended even while its segments all remain
/// (it failed, or could not start): a full merge of a million alerts takes about a minute.
const MAX_MERGE_AGE: Duration = Duration::from_secs(600);

/// The merges the policy proposed and that may still run.
#[derive(Debug, Default)]
pub(crate) struct Merges {
    proposed: Mutex<Vec<(Instant, Vec<SegmentId>)>>,
}

impl Merges {
    /// Whether a proposed merge may still be running, given the committed segments: one whose
    /// segments are all still committed (a merge that ended replaced them) and that is younger
    /// than [`MAX_MERGE_AGE`].
    pub(crate) fn running(&self, committed: &[SegmentId]) -> bool {
        let committed: HashSet<&SegmentId> = committed.iter().collect();
        let mut proposed = self.proposed.lock().unwrap_or_else(PoisonError::into_inner);
        proposed.retain(|(at, segments)| {
            at.elapsed() < MAX_MERGE_AGE && segments.iter().all(|id| committed.contains(id))
        });
        !proposed.is_empty()
    }

    fn record(&self, candidates: &[MergeCandidate]) {
        let mut proposed = self.proposed.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        proposed.extend(candidates.iter().map(|c| (now, c.0.clone())));
    }
}

/// tantivy's default merge policy (up to 8 segments of similar size per level), which keeps a
/// bulk import fast, except that a segment with many deleted documents (replaced or removed
/// alerts) is merged away: deleted documents still cost in every look-up. Bulk work is
/// followed by a compaction ([`crate::AlertIndex::start_compaction`]).
#[derive(Debug)]
pub(crate) struct WatchedPolicy {
    log: LogMergePolicy,
    merges: Arc<Merges>,
}

impl WatchedPolicy {
    /// The policy, recording what it proposes in `merges`.
    pub(crate) fn new(merges: Arc<Merges>) -> WatchedPolicy {
        let mut log = LogMergePolicy::default();
        log.set_del_docs_ratio_before_merge(0.3);
        WatchedPolicy { log, merges }
    }
}

impl MergePolicy for WatchedPolicy {
    fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
        let candidates = self.log.compute_merge_candidates(segments);
        if !candidates.is_empty() {
            self.merges.record(&candidates);
        }
        candidates
    }
}
