//! [`KeyIndex`]: applying changes, merging, and searching under one read-write lock.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock, RwLockReadGuard};

use sismatch_alert::StoreChange;
use sismatch_ident::Query;

use crate::keys;
use crate::postings::{Postings, Segment};
use crate::search::Searcher;
use crate::table::{NewIdent, Table};
use crate::visit::{self, Bound, Candidate};

/// Sizes of the index, for status and metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyStats {
    /// Alerts held.
    pub alerts: u64,
    /// Indexable identifiers held.
    pub identifiers: u64,
    /// Posting segments of the whole-value keys and of the grams together.
    pub segments: u64,
    /// Key → id pairs, including those of changed alerts not yet merged away.
    pub pairs: u64,
    /// Memory held by the tables and postings, in bytes (a close estimate).
    pub bytes: u64,
}

/// Which rows are live, for merges.
struct Live<'a>(&'a Table);

impl Live<'_> {
    /// Whether no row was ever killed: then every pair is kept without looking (a bulk import
    /// of new alerts merges without a table look-up per pair).
    fn all(&self) -> bool {
        self.0.live_idents == self.0.idents.len()
    }

    fn ident(&self, ident: u32) -> bool {
        self.all() || self.0.ident_live(ident)
    }

    fn form(&self, form: u32) -> bool {
        self.all() || (self.0.forms.get(form as usize)).is_some_and(|row| self.ident(row.ident))
    }
}

#[derive(Default)]
struct Inner {
    table: Table,
    /// Whole-value keys → form rows.
    whole: Postings,
    /// 4-grams of skeletons → identifier rows.
    grams: Postings,
}

/// The identifier index of one node, in memory (see the crate documentation).
///
/// `Send + Sync`: searches take `&self` and run concurrently under a read lock; one writer at a
/// time applies changes (the node's indexer), holding the write lock only to append rows and
/// swap segments in.
#[derive(Default)]
pub struct KeyIndex {
    inner: RwLock<Inner>,
    sequence: AtomicU64,
}

impl std::fmt::Debug for KeyIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyIndex")
            .field("sequence", &self.sequence())
            .finish_non_exhaustive()
    }
}

/// What to do with one change, decided under the read lock.
enum Step {
    /// The identifiers stay: update the filtered fields of the row.
    Refresh(u32, usize),
    /// Kill the old row (if any) and add the alert anew.
    Add(Option<u32>, usize, Vec<NewIdent>),
    /// Kill the row.
    Remove(u32),
}

impl KeyIndex {
    /// An empty index at sequence 0.
    pub fn new() -> KeyIndex {
        KeyIndex::default()
    }

    /// The last store change sequence applied; searches see every change up to it.
    pub fn sequence(&self) -> u64 {
        self.sequence.load(Ordering::Acquire)
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies `changes` in order and records `sequence` as applied. Changes of one alert id
    /// later in the list win. Call from one thread at a time (the node's indexer).
    pub fn apply(&self, changes: &[StoreChange<'_>], sequence: u64) {
        let mut last: HashMap<&str, usize> = HashMap::with_capacity(changes.len());
        for (i, change) in changes.iter().enumerate() {
            last.insert(change.id(), i);
        }
        let parsed: Vec<Option<Vec<NewIdent>>> = changes
            .iter()
            .enumerate()
            .map(|(i, change)| match change {
                StoreChange::Upsert(alert) if last.get(alert.id.as_str()) == Some(&i) => {
                    Some(NewIdent::of(alert))
                }
                _ => None,
            })
            .collect();
        let (steps, whole, grams) = {
            let inner = self.read();
            let table = &inner.table;
            let mut next_ident = table.idents.len() as u32;
            let mut next_form = table.forms.len() as u32;
            let mut whole_pairs = Vec::new();
            let mut gram_pairs = Vec::new();
            let mut keys_buf = Vec::with_capacity(64);
            let mut steps = Vec::with_capacity(changes.len());
            for (i, (change, new)) in changes.iter().zip(parsed).enumerate() {
                let id = change.id();
                if last.get(id) != Some(&i) {
                    continue;
                }
                let old = table.by_id.get(id).copied();
                let Some(new) = new else {
                    if let Some(row) = old {
                        steps.push(Step::Remove(row));
                    }
                    continue;
                };
                if let Some(row) = old.filter(|&row| table.same_identifiers(row, &new)) {
                    steps.push(Step::Refresh(row, i));
                    continue;
                }
                for ident in &new {
                    for form in &ident.forms {
                        keys_buf.clear();
                        keys::stored(form, &mut keys_buf);
                        whole_pairs.extend(keys_buf.iter().map(|&k| (k, next_form)));
                        next_form += 1;
                    }
                    // A recorded pattern is found through `patterns`, never by its grams.
                    if !ident.pattern {
                        keys_buf.clear();
                        keys::grams(&ident.skeleton, &mut keys_buf);
                        gram_pairs.extend(keys_buf.iter().map(|&k| (k, next_ident)));
                    }
                    next_ident += 1;
                }
                steps.push(Step::Add(old, i, new));
            }
            (
                steps,
                Segment::build(whole_pairs),
                Segment::build(gram_pairs),
            )
        };
        {
            let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
            for step in steps {
                match step {
                    Step::Refresh(row, i) => {
                        if let StoreChange::Upsert(alert) = changes[i] {
                            inner.table.refresh(row, alert);
                        }
                    }
                    Step::Add(old, i, new) => {
                        if let Some(row) = old {
                            inner.table.kill(row);
                        }
                        if let StoreChange::Upsert(alert) = changes[i] {
                            inner.table.add(alert, &new);
                        }
                    }
                    Step::Remove(row) => inner.table.kill(row),
                }
            }
            inner.whole.push(whole);
            inner.grams.push(grams);
        }
        self.sequence.store(sequence, Ordering::Release);
        self.merge();
    }

    /// Merges every segment into one, dropping the pairs of changed and removed alerts (after
    /// a bulk import or the start-up build): searches then read one list per key.
    pub fn compact(&self) {
        let merged = {
            let inner = self.read();
            let live = Live(&inner.table);
            (
                inner.whole.merged_tail(0, &|form| live.form(form)),
                inner.grams.merged_tail(0, &|ident| live.ident(ident)),
            )
        };
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        inner.whole.replace_tail(merged.0);
        inner.grams.replace_tail(merged.1);
    }

    /// Runs the merges the policy asks for. The merge itself runs under the read lock, so
    /// searches go on; only the swap takes the write lock.
    fn merge(&self) {
        loop {
            let merged = {
                let inner = self.read();
                let live = Live(&inner.table);
                let whole = (inner.whole.due_merge())
                    .map(|from| inner.whole.merged_tail(from, &|form| live.form(form)));
                let grams = (inner.grams.due_merge())
                    .map(|from| inner.grams.merged_tail(from, &|ident| live.ident(ident)));
                if whole.is_none() && grams.is_none() {
                    return;
                }
                (whole, grams)
            };
            let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
            if let Some(whole) = merged.0 {
                inner.whole.replace_tail(whole);
            }
            if let Some(grams) = merged.1 {
                inner.grams.replace_tail(grams);
            }
        }
    }

    /// Calls `visit` with every live alert that has an identifier which may match one of
    /// `queries`, until it answers [`ControlFlow::Break`]. Exhaustive: every alert the
    /// identifier core accepts for a query at the default threshold or above is among them.
    ///
    /// Alerts come best bound first ([`Candidate::bound`]: more queries, then a higher score,
    /// then the smaller id), so that a caller ranking like the node can stop at the first
    /// alert whose bound is below the last alert it keeps. With one query (most searches),
    /// fragment and pattern candidates are found a round at a time, best bound first, and
    /// checked in id order within a round; a search that stops early never looks for the
    /// rest: a fragment held by thousands of values costs what its best few cost. With
    /// several, the same holds of the one whose rounds are the most crowded (`visit::several`).
    ///
    /// Before them come the alerts with an identifier recorded as a pattern (`patterns`: few)
    /// that a value read matches, with the highest bound (every query, score 1): the order
    /// after them holds, and a caller stopping early never stops on them.
    pub fn search(
        &self,
        queries: &[Query],
        mut visit: impl FnMut(Candidate<'_>) -> ControlFlow<()>,
    ) {
        let inner = self.read();
        let table = &inner.table;
        let recorded = table.patterns.matching(table, queries);
        let unbounded = Bound {
            queries: queries.len(),
            score: 1.0,
        };
        for &row in &recorded {
            if visit(Candidate::new(table, row, unbounded)).is_break() {
                return;
            }
        }
        let rest = |candidate: Candidate<'_>| {
            if recorded.contains(&candidate.row()) {
                return ControlFlow::Continue(());
            }
            visit(candidate)
        };
        let searcher = Searcher {
            table,
            whole: &inner.whole,
            grams: &inner.grams,
        };
        if let [query] = queries {
            visit::one(&searcher, query, rest);
        } else {
            visit::several(&searcher, queries, rest);
        }
    }

    /// Runs `f` with a searcher over the index as it stands (for the search's own tests).
    #[cfg(test)]
    pub(crate) fn with_searcher<R>(&self, f: impl FnOnce(&Searcher<'_>) -> R) -> R {
        let inner = self.read();
        f(&Searcher {
            table: &inner.table,
            whole: &inner.whole,
            grams: &inner.grams,
        })
    }

    /// The ids of the alerts [`KeyIndex::search`] proposes, in id order.
    pub fn candidates(&self, queries: &[Query]) -> Vec<String> {
        let mut ids = Vec::new();
        self.search(queries, |alert| {
            ids.push(alert.id().to_string());
            ControlFlow::Continue(())
        });
        ids.sort();
        ids
    }

    /// Sizes, for status and metrics.
    pub fn stats(&self) -> KeyStats {
        let inner = self.read();
        KeyStats {
            alerts: inner.table.live_alerts as u64,
            identifiers: inner.table.live_idents as u64,
            segments: (inner.whole.segments() + inner.grams.segments()) as u64,
            pairs: (inner.whole.pairs() + inner.grams.pairs()) as u64,
            bytes: (inner.table.bytes() + inner.whole.bytes() + inner.grams.bytes()) as u64,
        }
    }
}
