//! The indexer: a thread that applies the store's change log to both indexes, the identifier
//! index in memory (`sismatch-keyindex`) and the free-text index on disk (tantivy).
//!
//! The store is the source of truth and numbers every change; each index records the last
//! sequence it contains. The indexer closes the gaps: on start (the identifier index is filled
//! from a scan of the store, since it lives in memory only; the text index catches up after a
//! crash, or is rebuilt when it was lost) and after every write (woken by a kick). Changes are
//! gathered for a short while before a commit, so that a bulk import costs a few tantivy commits
//! a second, not one per batch. After a bulk of indexing it compacts both once idle
//! (`compactor.rs` for tantivy, without waiting for the merge).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sismatch_alert::{Alert, StoreChange};
use sismatch_index::AlertIndex;
use sismatch_keyindex::KeyIndex;
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
/// First pause after a failed index step; it doubles after every further failure.
const FIRST_RETRY: Duration = Duration::from_secs(1);
/// Longest pause between two attempts while indexing keeps failing. A failed step has read
/// and re-indexed up to [`BATCH`] changes before tantivy refused the commit (a full disk):
/// once a second, that took a quarter of a core at a backlog of 4,000 alerts, on a node that
/// could serve nothing better meanwhile; every 16 s it costs little, and the index still
/// catches up within 16 s of the disk having space again.
const LAST_RETRY: Duration = Duration::from_secs(16);

/// The pause after a failed index step that followed a pause of `previous` (none after a
/// success).
fn retry_pause(previous: Option<Duration>) -> Duration {
    previous.map_or(FIRST_RETRY, |pause| (pause * 2).min(LAST_RETRY))
}

/// What the indexer shares with the node.
pub(crate) struct Shared {
    pub store: Arc<Store>,
    pub index: Arc<AlertIndex>,
    pub keys: Arc<KeyIndex>,
    /// The sequence both indexes contain, published after every step.
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
    while let Err(problem) = fill(shared) {
        error!(error = %problem, "filling the identifier index failed; retrying in a second");
        std::thread::sleep(Duration::from_secs(1));
    }
    shared.indexed.send_replace(searchable(shared));
    let start_gap = shared
        .store
        .sequence()
        .saturating_sub(shared.index.sequence());
    let mut last_report = Instant::now();
    let mut compactor = Compactor::new(shared.compact_after, &shared.index);
    let mut keys_changed = 0;
    let mut failing: Option<Duration> = None;
    while !shared.stop.load(Ordering::Acquire) {
        compactor.poll(&shared.index);
        let target = shared.store.sequence();
        let current = searchable(shared);
        if current < target {
            match step(shared) {
                Ok(done) => {
                    if failing.take().is_some() {
                        info!(indexed = done, "indexing works again");
                    }
                    shared.indexed.send_replace(done);
                    compactor.indexed(done.saturating_sub(current));
                    keys_changed += done.saturating_sub(current);
                    if shared.rebuilding.load(Ordering::Acquire)
                        && last_report.elapsed() >= Duration::from_secs(1)
                    {
                        let behind = target.saturating_sub(done);
                        info!(indexed = done, behind, "index catching up with the store");
                        last_report = Instant::now();
                    }
                }
                Err(problem) => {
                    let pause = retry_pause(failing);
                    failing = Some(pause);
                    error!(
                        error = %problem,
                        retry_in_ms = pause.as_millis() as u64,
                        "indexing failed; retrying"
                    );
                    pause_unless_stopped(shared, kicks, pause);
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
        if keys_changed >= shared.compact_after {
            shared.keys.compact();
            keys_changed = 0;
        }
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

/// Sleeps `pause`, or less when the node stops meanwhile (the stop comes with a kick), so that
/// a long retry pause never holds up a shutdown. Other kicks (writes) do not end the pause:
/// the index step that failed would fail again.
fn pause_unless_stopped(shared: &Shared, kicks: &Receiver<()>, pause: Duration) {
    let until = Instant::now() + pause;
    while !shared.stop.load(Ordering::Acquire) {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        if let Err(RecvTimeoutError::Disconnected) = kicks.recv_timeout(left) {
            return;
        }
    }
}

/// The sequence up to which both indexes are searchable.
pub(crate) fn searchable_sequence(index: &AlertIndex, keys: &KeyIndex) -> u64 {
    index.sequence().min(keys.sequence())
}

fn searchable(shared: &Shared) -> u64 {
    searchable_sequence(&shared.index, &shared.keys)
}

/// Fills the empty identifier index from a scan of the store, then compacts it. Changes
/// written meanwhile have sequences above the one read first and are applied after, by
/// [`step`] (an alert seen twice is simply put again).
fn fill(shared: &Shared) -> Result<(), String> {
    let started = Instant::now();
    let sequence = shared.store.sequence();
    if sequence == 0 {
        return Ok(());
    }
    shared.rebuilding.store(true, Ordering::Release);
    let mut after: Option<String> = None;
    let mut filled = 0usize;
    let mut last_report = Instant::now();
    loop {
        if shared.stop.load(Ordering::Acquire) {
            return Ok(());
        }
        let alerts = shared
            .store
            .alerts_after(after.as_deref(), BATCH)
            .map_err(|e| e.to_string())?;
        let Some(last) = alerts.last() else {
            break;
        };
        after = Some(last.id.clone());
        let changes: Vec<StoreChange<'_>> = alerts.iter().map(StoreChange::Upsert).collect();
        shared.keys.apply(&changes, 0);
        filled += alerts.len();
        if last_report.elapsed() >= Duration::from_secs(1) {
            info!(
                alerts = filled,
                "filling the identifier index from the store"
            );
            last_report = Instant::now();
        }
    }
    shared.keys.compact();
    shared.keys.apply(&[], sequence);
    let stats = shared.keys.stats();
    info!(
        alerts = filled,
        identifiers = stats.identifiers,
        memory_mib = stats.bytes >> 20,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "identifier index filled from the store"
    );
    Ok(())
}

/// Applies the next changes, at most [`BATCH`], to each index that lacks them, and returns the
/// sequence both now contain.
fn step(shared: &Shared) -> Result<u64, String> {
    let (keys_at, text_at) = (shared.keys.sequence(), shared.index.sequence());
    let changes = shared
        .store
        .changes_since(keys_at.min(text_at), BATCH)
        .map_err(|e| e.to_string())?;
    let Some(&(last, _)) = changes.last() else {
        return Ok(searchable(shared));
    };
    let after = |at: u64| -> BTreeSet<&str> {
        changes
            .iter()
            .filter(|(sequence, _)| *sequence > at)
            .map(|(_, id)| id.as_str())
            .collect()
    };
    let (for_keys, for_text) = (after(keys_at), after(text_at));
    let ids: Vec<String> = for_keys.union(&for_text).map(|id| id.to_string()).collect();
    let alerts = shared.store.get_many(&ids).map_err(|e| e.to_string())?;
    let current: Vec<(&str, Option<&Alert>)> = ids
        .iter()
        .map(String::as_str)
        .zip(alerts.iter().map(Option::as_ref))
        .collect();
    let updates = |wanted: &BTreeSet<&str>| -> Vec<StoreChange<'_>> {
        current
            .iter()
            .filter(|(id, _)| wanted.contains(id))
            .map(|&(id, alert)| alert.map_or(StoreChange::Remove(id), StoreChange::Upsert))
            .collect()
    };
    if last > keys_at {
        shared.keys.apply(&updates(&for_keys), last);
    }
    if last > text_at {
        shared
            .index
            .apply(&updates(&for_text), last)
            .map_err(|e| e.to_string())?;
    }
    Ok(searchable(shared))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_index_steps_are_retried_less_and_less_often_up_to_a_bound() {
        let mut pause = None;
        let mut pauses = Vec::new();
        for _ in 0..7 {
            let next = retry_pause(pause);
            pauses.push(next.as_secs());
            pause = Some(next);
        }
        assert_eq!(pauses, [1, 2, 4, 8, 16, 16, 16]);
        assert_eq!(retry_pause(None), FIRST_RETRY, "a success starts over");
    }
}
