//! Compaction: merging every segment of the index into one, while searches and writes go on.
//!
//! Every look-up of a search is made in each segment, so an index left with tens of segments
//! by a bulk import or a rebuild searches several times slower until they are merged (when
//! this index also held the identifiers, at 1 M alerts and 23 segments, p99 went from about
//! 1 ms to 2-25 ms). The merge runs on tantivy's merge
//! threads: searches meanwhile use the segments they already see (a searcher keeps its
//! segments' files mapped, even once the merge has replaced and deleted them), and commits go
//! on, tantivy applying to the merged segment the deletions committed during the merge. The
//! merged segment becomes visible to searches when the compaction is finished. A compaction
//! does not start while a background merge of the merge policy runs (`merges.rs`): the one of
//! the two that ended last would fail.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use tantivy::index::SegmentId;
use tantivy::{FutureResult, SegmentMeta};
use tracing::debug;

use crate::error::{Error, Result};
use crate::index::AlertIndex;

/// How often [`AlertIndex::compact`] tries to start or finish a merge before giving up, and
/// how long it waits between tries.
const COMPACT_ATTEMPTS: u32 = 2_000;
const COMPACT_PAUSE: Duration = Duration::from_millis(50);

/// A merge of all segments started by [`AlertIndex::start_compaction`]: it runs on its own;
/// [`Compaction::is_finished`] tells when [`AlertIndex::finish_compaction`] will not wait.
///
/// Dropping it does not stop the merge: tantivy completes it in the background (and drops its
/// result if the index writer is closed by then).
pub struct Compaction {
    merge: FutureResult<Option<SegmentMeta>>,
    /// The merge's result, once [`Compaction::is_finished`] has seen it.
    outcome: Option<tantivy::Result<()>>,
    segments_before: usize,
    started: Instant,
}

impl std::fmt::Debug for Compaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compaction")
            .field("segments_before", &self.segments_before)
            .field("finished", &self.outcome.is_some())
            .finish_non_exhaustive()
    }
}

impl Compaction {
    /// Whether the merge has ended, well or not; never blocks.
    pub fn is_finished(&mut self) -> bool {
        if self.outcome.is_none() {
            let mut context = Context::from_waker(Waker::noop());
            if let Poll::Ready(result) = Pin::new(&mut self.merge).poll(&mut context) {
                self.outcome = Some(result.map(drop));
            }
        }
        self.outcome.is_some()
    }
}

/// What [`AlertIndex::start_compaction`] did.
#[derive(Debug)]
pub enum CompactionStart {
    /// At most one segment: nothing to merge.
    Compact,
    /// A background merge of the merge policy is running; starting now would waste the work
    /// of one of the two merges. Try again later.
    Busy,
    /// The merge runs.
    Started(Compaction),
}

/// What a finished compaction did, for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compacted {
    /// Segments before the merge.
    pub segments_before: usize,
    /// Segments searches visit now: 1, plus any committed during the merge.
    pub segments_after: usize,
    /// Time from the start of the merge to the end of [`AlertIndex::finish_compaction`].
    pub elapsed: Duration,
}

impl AlertIndex {
    /// Starts merging all committed segments into one and returns at once, unless there is
    /// at most one segment or a background merge runs. Call
    /// [`AlertIndex::finish_compaction`] when the merge is done.
    pub fn start_compaction(&self) -> Result<CompactionStart> {
        let mut writer = self.writer.lock().map_err(|_| Error::Poisoned)?;
        let segments = self.index.searchable_segment_ids()?;
        if segments.len() <= 1 {
            return Ok(CompactionStart::Compact);
        }
        if self.merges.running(&segments) {
            return Ok(CompactionStart::Busy);
        }
        let merge = writer.merge(&segments);
        Ok(CompactionStart::Started(Compaction {
            merge,
            outcome: None,
            segments_before: segments.len(),
            started: Instant::now(),
        }))
    }

    /// Waits for the merge to end (not at all once [`Compaction::is_finished`]), deletes the
    /// files of the merged segments and shows the merged segment to searches.
    ///
    /// Fails when the merge failed (its segments were changed under it, by a rollback for
    /// instance); the index is then as it was, still correct, and the compaction can be
    /// started again.
    pub fn finish_compaction(&self, mut compaction: Compaction) -> Result<Compacted> {
        let outcome = match compaction.outcome.take() {
            Some(outcome) => outcome,
            None => compaction.merge.wait().map(drop),
        };
        outcome?;
        let collect = {
            let writer = self.writer.lock().map_err(|_| Error::Poisoned)?;
            writer.garbage_collect_files()
        };
        collect.wait()?;
        self.reader.reload()?;
        Ok(Compacted {
            segments_before: compaction.segments_before,
            segments_after: self.segments(),
            elapsed: compaction.started.elapsed(),
        })
    }

    /// Shows searches the segments that background merges of the merge policy made since the
    /// last commit, by reloading the reader when the committed segments are not those that
    /// searches visit; returns whether it did. Without it, a merge that ends after the last
    /// write of an import only helps searches from the next write on. Costs a read of the
    /// index's `meta.json` when nothing changed.
    pub fn refresh(&self) -> Result<bool> {
        let committed: HashSet<SegmentId> =
            self.index.searchable_segment_ids()?.into_iter().collect();
        let searcher = self.reader.searcher();
        let visited: HashSet<SegmentId> = searcher
            .segment_readers()
            .iter()
            .map(|segment| segment.segment_id())
            .collect();
        if committed == visited {
            return Ok(false);
        }
        self.reader.reload()?;
        Ok(true)
    }

    /// Merges all segments into one and waits for it (tens of seconds on a large index),
    /// waiting first for background merges. For tools and tests; the node compacts without
    /// waiting (`start_compaction`). Searches go on meanwhile.
    pub fn compact(&self) -> Result<()> {
        for attempt in 1..=COMPACT_ATTEMPTS {
            let compaction = match self.start_compaction()? {
                CompactionStart::Compact => return Ok(()),
                CompactionStart::Busy => {
                    std::thread::sleep(COMPACT_PAUSE);
                    continue;
                }
                CompactionStart::Started(compaction) => compaction,
            };
            match self.finish_compaction(compaction) {
                Ok(_) => {}
                Err(err) if attempt < COMPACT_ATTEMPTS => {
                    debug!(error = %err, attempt, "compaction failed, compacting again");
                    std::thread::sleep(COMPACT_PAUSE);
                }
                Err(err) => return Err(err),
            }
        }
        Ok(())
    }
}
