//! The indexer: a thread that applies the store's change log to the index.
//!
//! The store is the source of truth and numbers every change; the index records the last
//! sequence it contains. The indexer closes the gap: on start (catch-up after a crash, or a full
//! rebuild when the index was lost) and after every write (woken by a kick). Changes are
//! gathered for a short while before a commit, so that a bulk import costs a few tantivy commits
//! a second, not one per batch. After a bulk of indexing it compacts the index once idle
//! (`compactor.rs`), without waiting for the merge.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sismatch_index::{AlertIndex, IndexChange};
use sismatch_store::Store;
use tokio::sync::watch;
use tracing::{error, info};

use crate::compactor::Compactor;

/// Changes applied per index commit at most.
const BATCH: usize = 20_000;
/// How long the indexer lets writes accumulate after a kick before committing.
const GATHER: Duration = Duration::from_millis(50);
/// How often the indexer looks at the store without being kicked.
const IDLE_POLL: Duration = Duration::from_millis(500);
/// How often the indexer looks whether a running compaction has ended.
const COMPACTION_POLL: Duration = Duration::from_millis(100);

/// What the indexer shares with the node.
pub(crate) struct Shared {
    pub store: Arc<Store>,
    pub index: Arc<AlertIndex>,
    /// The index's sequence, published after every commit.
    pub indexed: watch::Sender<u64>,
    /// True while the index is far behind the store (start-up catch-up or rebuild).
    pub rebuilding: Arc<AtomicBool>,
    /// Set to stop the thread.
    pub stop: Arc<AtomicBool>,
    /// Changes indexed after which the index is compacted once idle.
    pub compact_after: u64,
}

/// Starts the indexer thread; it runs until `shared.stop` is set and it is kicked.
pub(crate) fn spawn(shared: Shared, kicks: Receiver<()>) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("sismatch-indexer".to_string())
        .spawn(move || run(&shared, &kicks))
}

fn run(shared: &Shared, kicks: &Receiver<()>) {
    let started = Instant::now();
    let start_gap = shared
        .store
        .sequence()
        .saturating_sub(shared.index.sequence());
    let mut last_report = Instant::now();
    let mut compactor = Compactor::new(shared.compact_after, &shared.index);
    while !shared.stop.load(Ordering::Acquire) {
        compactor.poll(&shared.index);
        let target = shared.store.sequence();
        let current = shared.index.sequence();
        if current < target {
            match step(shared, current) {
                Ok(done) => {
                    shared.indexed.send_replace(done);
                    compactor.indexed(done.saturating_sub(current));
                    if shared.rebuilding.load(Ordering::Acquire)
                        && last_report.elapsed() >= Duration::from_secs(1)
                    {
                        let behind = target.saturating_sub(done);
                        info!(indexed = done, behind, "index catching up with the store");
                        last_report = Instant::now();
                    }
                }
                Err(problem) => {
                    error!(error = %problem, "indexing failed; retrying in a second");
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
            continue;
        }
        if shared.rebuilding.swap(false, Ordering::AcqRel) {
            info!(
                changes = start_gap,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "index caught up with the store"
            );
        }
        compactor.start_if_due(&shared.index);
        let poll = if compactor.is_running() {
            COMPACTION_POLL
        } else {
            IDLE_POLL
        };
        match kicks.recv_timeout(poll) {
            Ok(()) => std::thread::sleep(GATHER),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        while kicks.try_recv().is_ok() {}
    }
    compactor.stop();
}

/// Applies the changes after `current`, at most [`BATCH`], and returns the new sequence.
fn step(shared: &Shared, current: u64) -> Result<u64, String> {
    let changes = shared
        .store
        .changes_since(current, BATCH)
        .map_err(|e| e.to_string())?;
    let Some(&(last, _)) = changes.last() else {
        return Ok(current);
    };
    let ids: Vec<String> = changes
        .into_iter()
        .map(|(_, id)| id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let alerts = shared.store.get_many(&ids).map_err(|e| e.to_string())?;
    let updates: Vec<IndexChange<'_>> = ids
        .iter()
        .zip(&alerts)
        .map(|(id, alert)| match alert {
            Some(alert) => IndexChange::Upsert(alert),
            None => IndexChange::Remove(id),
        })
        .collect();
    shared
        .index
        .apply(&updates, last)
        .map_err(|e| e.to_string())?;
    Ok(last)
}
