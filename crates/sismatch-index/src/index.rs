//! [`AlertIndex`]: opening (and rebuilding) the index folder, applying store changes with their
//! sequence, and the free-text search. Identifiers are searched by `sismatch-keyindex`, not
//! here (see the crate documentation).

use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sismatch_alert::StoreChange;
use tantivy::directory::MmapDirectory;
use tantivy::{
    Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, TantivyError, Warmer,
};
use tracing::{info, warn};

use crate::error::{Error, Result};
use crate::ids::{IdCache, SegmentIds};
use crate::merges::{Merges, WatchedPolicy};
use crate::schema::{Fields, register_analyzers};
use crate::text;

/// Memory the writer may use before it flushes a segment, shared by its threads.
const WRITER_MEMORY: usize = 128 << 20;

/// The file whose presence tells an index folder from an empty one.
const META_FILE: &str = "meta.json";

/// How [`AlertIndex::open`] found the folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// There was no index: a new, empty one was created (sequence 0).
    Created,
    /// An existing index was opened; [`AlertIndex::sequence`] says how far it goes.
    Existing,
    /// The folder held an index that could not be read: it was wiped and recreated empty
    /// (sequence 0). The node replays the store into it.
    Rebuilt {
        /// Why the old index could not be opened.
        reason: String,
    },
}

/// Sizes of the index, for status and metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndexStats {
    /// Alerts indexed (one document each, with or without text).
    pub alerts: u64,
}

/// The free-text index of one node (identifiers are searched by `sismatch-keyindex`).
///
/// Searches take `&self` and run on the last committed state; writes take `&self` too and are
/// serialised by an internal lock, so one `Arc<AlertIndex>` serves every thread. Every method
/// blocks (file IO, commits, searches of up to a millisecond): async callers use
/// `spawn_blocking`.
pub struct AlertIndex {
    pub(crate) index: Index,
    fields: Fields,
    pub(crate) reader: IndexReader,
    /// Alert id tables of the reader's segments; the reader holds it weakly, as a warmer.
    ids: Arc<IdCache>,
    pub(crate) writer: Mutex<IndexWriter<TantivyDocument>>,
    /// The background merges the merge policy started, for compaction.
    pub(crate) merges: Arc<Merges>,
    sequence: AtomicU64,
}

impl std::fmt::Debug for AlertIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlertIndex")
            .field("sequence", &self.sequence())
            .finish_non_exhaustive()
    }
}

impl AlertIndex {
    /// Opens the index in `dir`, creating the folder and an empty index when there is none.
    ///
    /// An index that cannot be read (a corrupt `meta.json`, missing segment files, another
    /// schema such as the former one with identifier documents, a foreign payload) is wiped
    /// and recreated empty: the index is never the source of
    /// truth, the store is, and the node replays it. The folder must belong to the index alone.
    /// A folder locked by another writer is an error, never wiped.
    pub fn open(dir: &Path) -> Result<(AlertIndex, Opened)> {
        let folder = |source| Error::Folder {
            path: dir.to_path_buf(),
            source,
        };
        fs::create_dir_all(dir).map_err(folder)?;
        let existed = dir.join(META_FILE).exists();
        let failure = match Self::try_open(dir) {
            Ok(index) if existed => return Ok((index, Opened::Existing)),
            Ok(index) => return Ok((index, Opened::Created)),
            // Nothing to rebuild, or another writer holds the folder: never wipe then.
            Err(err) if !existed || is_lock_failure(&err) => return Err(err),
            Err(err) => err,
        };
        let reason = failure.to_string();
        warn!(path = %dir.display(), %reason, "index unreadable, rebuilding it empty");
        wipe(dir).map_err(folder)?;
        let index = Self::try_open(dir)?;
        Ok((index, Opened::Rebuilt { reason }))
    }

    fn try_open(dir: &Path) -> Result<AlertIndex> {
        let (schema, fields) = Fields::schema();
        let directory = MmapDirectory::open(dir).map_err(TantivyError::from)?;
        let index = Index::open_or_create(directory, schema)?;
        register_analyzers(&index);
        let sequence = match index.load_metas()?.payload {
            None => 0,
            Some(payload) => payload.parse().map_err(|_| Error::Payload(payload))?,
        };
        let ids = Arc::new(IdCache::default());
        let warmer: Arc<dyn Warmer> = ids.clone();
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .warmers(vec![Arc::downgrade(&warmer)])
            .try_into()?;
        let writer = index.writer(WRITER_MEMORY)?;
        let merges = Arc::new(Merges::default());
        writer.set_merge_policy(Box::new(WatchedPolicy::new(Arc::clone(&merges))));
        info!(path = %dir.display(), sequence, "index open");
        Ok(AlertIndex {
            index,
            fields,
            reader,
            ids,
            writer: Mutex::new(writer),
            merges,
            sequence: AtomicU64::new(sequence),
        })
    }

    /// The last store change sequence contained in the committed index (0 for a new index);
    /// kept in the commit payload, so the node knows where to resume replaying its store.
    pub fn sequence(&self) -> u64 {
        self.sequence.load(Ordering::Acquire)
    }

    /// Applies `changes` in order, commits them durably with `sequence` as the commit payload,
    /// and makes them visible to searches. Either all changes are committed or none is.
    pub fn apply(&self, changes: &[StoreChange<'_>], sequence: u64) -> Result<()> {
        let mut writer = self.writer.lock().map_err(|_| Error::Poisoned)?;
        if let Err(err) = self.write(&mut writer, changes, sequence) {
            if let Err(rollback) = writer.rollback() {
                warn!(error = %rollback, "index rollback failed");
            }
            return Err(err);
        }
        drop(writer);
        self.reader.reload()?;
        // Only now: a search that reads the sequence first sees every change up to it.
        self.sequence.store(sequence, Ordering::Release);
        Ok(())
    }

    fn write(
        &self,
        writer: &mut IndexWriter<TantivyDocument>,
        changes: &[StoreChange<'_>],
        sequence: u64,
    ) -> Result<()> {
        for change in changes {
            match change {
                StoreChange::Upsert(alert) => {
                    writer.delete_term(self.fields.alert_term(&alert.id));
                    writer.add_document(self.fields.document(alert))?;
                }
                StoreChange::Remove(id) => {
                    writer.delete_term(self.fields.alert_term(id));
                }
            }
        }
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&sequence.to_string());
        prepared.commit()?;
        Ok(())
    }

    /// Alerts whose brand, model, colour or description hold words of `text` (in any EU
    /// language: compared as written and by their stems in every stemmed language, lower-cased
    /// and folded to ASCII), with their BM25 score, best first, at most `limit`.
    pub fn text_candidates(&self, text: &str, limit: usize) -> Result<Vec<(String, f32)>> {
        let searcher = self.reader.searcher();
        let tables = self.ids.tables(&searcher);
        self.view(&searcher, &tables).candidates(text, limit)
    }

    /// The BM25 score of `text` (as in [`AlertIndex::text_candidates`]) for each of the alerts
    /// `ids` whose text holds words of it; the others are left out. To raise an identifier
    /// match whose description agrees, however far down the text ranking it is.
    pub fn text_scores(&self, text: &str, ids: &[&str]) -> Result<Vec<(String, f32)>> {
        let searcher = self.reader.searcher();
        let tables = self.ids.tables(&searcher);
        self.view(&searcher, &tables).scores(text, ids)
    }

    fn view<'a>(
        &'a self,
        searcher: &'a Searcher,
        tables: &'a [Option<Arc<SegmentIds>>],
    ) -> text::View<'a> {
        text::View {
            index: &self.index,
            searcher,
            fields: &self.fields,
            tables,
        }
    }

    /// Number of segments searches visit. Every look-up of a search is made in each segment, so
    /// fewer is faster (see [`AlertIndex::start_compaction`]); for metrics.
    pub fn segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// Number of indexed alerts: the live documents of the searched segments.
    pub fn stats(&self) -> Result<IndexStats> {
        Ok(IndexStats {
            alerts: self.reader.searcher().num_docs(),
        })
    }
}

fn is_lock_failure(err: &Error) -> bool {
    matches!(err, Error::Tantivy(TantivyError::LockFailure(..)))
}

/// Removes everything in `dir` and recreates it empty.
fn wipe(dir: &Path) -> std::io::Result<()> {
    fs::remove_dir_all(dir)?;
    fs::create_dir_all(dir)
}
