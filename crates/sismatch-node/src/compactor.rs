//! When the indexer compacts the index: once it is idle after a bulk of indexing.
//!
//! Compaction (`sismatch_index::Compaction`) merges every segment into one on tantivy's merge
//! threads. The indexer only starts it and looks, between its other work, whether it has
//! ended: indexing goes on during the merge, searches are never blocked, and a shutdown does
//! not wait for it. When idle, the indexer also shows searches the segments that the merge
//! policy's background merges made.

use sismatch_index::{AlertIndex, Compaction, CompactionStart};
use tracing::{debug, info, warn};

/// Changes indexed after which the indexer compacts the index, as soon as it has caught up
/// with the store (the default of `NodeOptions::compact_after`).
///
/// Every indexer commit leaves a segment and every search visits every segment: tantivy's
/// merge policy merges segments by levels of eight, yet a 1 M-alert import still ends with
/// about 23, and search p99 goes from about 1 ms to 2-25 ms until they are merged. A full
/// merge costs about 50 s of one merge thread at 1.4 M identifiers, so it pays only after
/// bulk work: 50,000 changes are a few commits of an import or a rebuild (20,000 changes
/// each), and weeks of single writes at a national node.
pub const COMPACT_AFTER: u64 = 50_000;

/// More segments than one merge level holds: an index found like this at start was not
/// compacted after its last bulk work (the node stopped during the compaction), so the
/// compactor starts due.
const LEFTOVER_SEGMENTS: usize = 8;

/// Failed compactions in a row after which the compactor waits for the next bulk of
/// indexing rather than trying again.
const MAX_FAILURES: u32 = 3;

/// The indexer's compaction state.
pub(crate) struct Compactor {
    /// Changes indexed after which a compaction is due.
    threshold: u64,
    /// Changes indexed since the last compaction started.
    indexed: u64,
    running: Option<Compaction>,
    failures: u32,
}

impl Compactor {
    /// A compactor for `index`, due at once when the index has leftover segments.
    pub(crate) fn new(threshold: u64, index: &AlertIndex) -> Compactor {
        let leftover = index.segments() > LEFTOVER_SEGMENTS;
        Compactor {
            threshold,
            indexed: if leftover { threshold } else { 0 },
            running: None,
            failures: 0,
        }
    }

    /// Counts `changes` more changes indexed.
    pub(crate) fn indexed(&mut self, changes: u64) {
        self.indexed = self.indexed.saturating_add(changes);
    }

    /// Whether a merge is running, so that the indexer looks again soon.
    pub(crate) fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// Shows searches what background merges did, then starts a compaction when enough was
    /// indexed and none is running. Call it when the index has caught up with the store.
    pub(crate) fn start_if_due(&mut self, index: &AlertIndex) {
        if let Err(error) = index.refresh() {
            warn!(%error, "reloading the index after background merges failed");
        }
        if self.running.is_some() || self.indexed < self.threshold {
            return;
        }
        match index.start_compaction() {
            Ok(CompactionStart::Started(compaction)) => {
                info!(
                    changes = self.indexed,
                    segments = index.segments(),
                    "compacting the index"
                );
                self.running = Some(compaction);
                self.indexed = 0;
            }
            Ok(CompactionStart::Compact) => self.indexed = 0,
            // Still due: tried again at the next idle moment.
            Ok(CompactionStart::Busy) => debug!("background merge running; compacting later"),
            Err(error) => self.failed(&error),
        }
    }

    /// Finishes the running compaction if its merge has ended, and logs what it did.
    pub(crate) fn poll(&mut self, index: &AlertIndex) {
        let Some(compaction) = self.running.as_mut() else {
            return;
        };
        if !compaction.is_finished() {
            return;
        }
        let Some(compaction) = self.running.take() else {
            return;
        };
        match index.finish_compaction(compaction) {
            Ok(done) => {
                self.failures = 0;
                info!(
                    segments_before = done.segments_before,
                    segments_after = done.segments_after,
                    elapsed_ms = done.elapsed.as_millis() as u64,
                    "index compacted"
                );
            }
            Err(error) => self.failed(&error),
        }
    }

    /// At shutdown: a running merge is left to tantivy, which drops its result once the index
    /// writer is closed; the index stays as last committed, and the next start sees the
    /// leftover segments.
    pub(crate) fn stop(self) {
        if self.running.is_some() {
            info!("index compaction abandoned at shutdown");
        }
    }

    /// A compaction could not start or its merge failed: due again at the next idle moment,
    /// until [`MAX_FAILURES`] in a row.
    fn failed(&mut self, error: &sismatch_index::Error) {
        self.failures += 1;
        if self.failures < MAX_FAILURES {
            info!(%error, failures = self.failures, "index compaction failed; trying again");
            self.indexed = self.indexed.max(self.threshold);
            return;
        }
        warn!(%error, "index compaction failed again; waiting for more indexing");
        self.failures = 0;
        self.indexed = 0;
    }
}
