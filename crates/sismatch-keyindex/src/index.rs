//! [`KeyIndex`]: applying changes, merging, and searching under one read-write lock.

use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock, RwLockReadGuard};

use jiff::Timestamp;
use sismatch_alert::{Category, Status, StoreChange};
use sismatch_ident::{IdentifierKind, Query};

use crate::keys;
use crate::postings::{Postings, Segment};
use crate::search::{Searcher, Tier, Tiers};
use crate::table::{NewIdent, Table};

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

/// Alerts of equal bound are put in id order this many at a time.
const RUN_CHUNK: usize = 32;

/// The candidates of a round in id-ordered rows are checked this many at a time.
const STREAM_CHUNK: usize = 32;

/// What an alert can score at most for a search, from how it was found: the identifier core
/// gives it no more (look-alikes and a wrong kind only lower the score), and gives exactly this
/// when nothing else differs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    /// Query values that proposed it: at most this many match it.
    pub queries: usize,
    /// At most this combined score, `1 - Π(1 - s)` over those values in query order.
    pub score: f64,
}

/// An alert proposed by a search: what the node filters and scores it on.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    table: &'a Table,
    row: u32,
    bound: Bound,
}

/// One indexable identifier of a [`Candidate`], pre-parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredIdentifier<'a> {
    /// Its position in the alert's identifier list.
    pub ordinal: usize,
    /// The kind the alert declares for it.
    pub kind: IdentifierKind,
    /// `sismatch_ident::parse(value, Some(kind)).normalised`: what the identifier core scores.
    pub normalised: &'a str,
}

impl<'a> Candidate<'a> {
    fn alert(&self) -> &'a crate::table::AlertRow {
        &self.table.alerts[self.row as usize]
    }

    /// The most it can score (see [`Bound`]).
    pub fn bound(&self) -> Bound {
        self.bound
    }

    /// The alert id.
    pub fn id(&self) -> &'a str {
        &self.alert().id
    }

    /// Its status when indexed.
    pub fn status(&self) -> Status {
        self.alert().status
    }

    /// Its category.
    pub fn category(&self) -> Category {
        self.alert().category
    }

    /// When it expires, if ever.
    pub fn expires_at(&self) -> Option<Timestamp> {
        self.alert().expires_at
    }

    /// Its indexable identifiers, in the alert's order.
    pub fn identifiers(&self) -> impl Iterator<Item = StoredIdentifier<'a>> + Clone + 'a {
        let table = self.table;
        let range = self.alert().idents.clone();
        table.idents[range.start as usize..range.end as usize]
            .iter()
            .map(move |row| StoredIdentifier {
                ordinal: usize::from(row.ordinal),
                kind: row.kind,
                normalised: table.text(&row.normalised),
            })
    }
}

/// [`KeyIndex::search`] for one query: the candidates found at once, then round by round
/// (fragment or pattern tiers, best bound first). Before each round, every candidate whose
/// bound is above the round's (no later candidate can come before it) is visited, in order;
/// then those of the round's bound, as the round finds them ([`round`]); the others wait.
fn one(
    searcher: &Searcher<'_>,
    query: &Query,
    mut visit: impl FnMut(Candidate<'_>) -> ControlFlow<()>,
) {
    let table = searcher.table;
    let (found, tiers) = searcher.first(query);
    let rounds = tiers.as_ref().map_or(&[][..], |t| &t.tiers[..]);
    let mut waiting = alerts_of(table, found);
    let mut visited: HashSet<u32> = HashSet::new();
    for next in 0..=rounds.len() {
        let tier = rounds.get(next);
        let above = tier.map(|tier| tier.bound);
        let (mut ready, rest): (Vec<_>, Vec<_>) = waiting
            .into_iter()
            .partition(|(bound, _)| above.is_none_or(|above| bound.score > above));
        waiting = rest;
        ready.retain(|&(_, row)| !visited.contains(&row));
        let mut visit_once = |candidate: Candidate<'_>| {
            if visited.insert(candidate.row) {
                visit(candidate)
            } else {
                ControlFlow::Continue(())
            }
        };
        if in_order(table, &mut ready, &mut visit_once).is_break() {
            return;
        }
        let (Some(tiers), Some(tier)) = (&tiers, tier) else {
            continue;
        };
        if round(searcher, tiers, tier, &mut waiting, &mut visit_once).is_break() {
            return;
        }
    }
}

/// Visits, in id order, the candidates of the round's bound: those of `waiting` and those the
/// round finds. The round's candidates in the table's id-ordered rows
/// ([`Table::in_id_order`]) are checked a chunk at a time as the visitor goes, so a crowd of
/// thousands of values holding a maker's model code costs what its first few cost; the others
/// (rows appended out of order) are checked at once and merged in. Candidates found with a
/// lower bound (longer values of the last length class) join `waiting`.
fn round(
    searcher: &Searcher<'_>,
    tiers: &Tiers,
    tier: &Tier,
    waiting: &mut Vec<(Bound, u32)>,
    visit: &mut impl FnMut(Candidate<'_>) -> ControlFlow<()>,
) -> ControlFlow<()> {
    let table = searcher.table;
    let (mut tied, rest): (Vec<_>, Vec<_>) = std::mem::take(waiting)
        .into_iter()
        .partition(|(bound, _)| bound.score == tier.bound);
    *waiting = rest;
    let candidates = searcher.tier_candidates(tier);
    let ordered = candidates.partition_point(|&(ident, _)| ident < table.in_id_order());
    let (ordered, unordered) = candidates.split_at(ordered);
    let mut check = |chunk: &[(u32, u8)], into: &mut Vec<(Bound, u32)>| {
        let mut found = Vec::with_capacity(chunk.len());
        searcher.check_tier(tiers, tier, chunk, &mut found);
        for candidate in alerts_of(table, found) {
            if candidate.0.score == tier.bound {
                into.push(candidate);
            } else {
                waiting.push(candidate);
            }
        }
    };
    check(unordered, &mut tied);
    let mut others = ById::new(table, tied);
    let id = |row: u32| -> &str { &table.alerts[row as usize].id };
    let mut chunks = ordered.chunks(STREAM_CHUNK);
    let mut checked: Vec<(Bound, u32)> = Vec::new();
    let mut at = 0;
    loop {
        while at == checked.len() {
            let Some(chunk) = chunks.next() else {
                break;
            };
            checked.clear();
            at = 0;
            check(chunk, &mut checked);
        }
        let mine = checked.get(at).copied();
        let next = match (mine, others.peek()) {
            (None, None) => return ControlFlow::Continue(()),
            (Some(mine), Some(other)) if id(other.1) < id(mine.1) => others.take(),
            (Some(mine), _) => {
                at += 1;
                mine
            }
            (None, Some(_)) => others.take(),
        };
        visit(Candidate {
            table,
            row: next.1,
            bound: next.0,
        })?;
    }
}

/// Candidates of one bound, taken in id order: sorted a chunk at a time, as far as they are
/// taken.
struct ById<'a> {
    table: &'a Table,
    items: Vec<(Bound, u32)>,
    /// `items[..sorted]` are in order (and before every later item); `at` is the next.
    sorted: usize,
    at: usize,
}

impl<'a> ById<'a> {
    fn new(table: &'a Table, items: Vec<(Bound, u32)>) -> ById<'a> {
        ById {
            table,
            items,
            sorted: 0,
            at: 0,
        }
    }

    fn peek(&mut self) -> Option<(Bound, u32)> {
        if self.at == self.sorted && self.at < self.items.len() {
            let id = |row: u32| -> &str { &self.table.alerts[row as usize].id };
            let rest = &mut self.items[self.at..];
            let take = rest.len().min(RUN_CHUNK);
            if take < rest.len() {
                rest.select_nth_unstable_by(take - 1, |a, b| id(a.1).cmp(id(b.1)));
            }
            rest[..take].sort_unstable_by(|a, b| id(a.1).cmp(id(b.1)));
            self.sorted += take;
        }
        self.items.get(self.at).copied()
    }

    fn take(&mut self) -> (Bound, u32) {
        let item = self.items[self.at];
        self.at += 1;
        item
    }
}

/// The live alerts of identifier rows found for one query, each with its bound (an alert may
/// come more than once; the best bound comes first in [`in_order`]).
fn alerts_of(table: &Table, found: Vec<(u32, f64)>) -> Vec<(Bound, u32)> {
    found
        .into_iter()
        .filter_map(|(ident, score)| {
            let row = table.idents.get(ident as usize)?.alert;
            table.alerts.get(row as usize).filter(|a| a.live)?;
            Some((Bound { queries: 1, score }, row))
        })
        .collect()
}

/// Visits `ranked` best bound first, then by id: a long run of equal bounds is ordered a
/// chunk at a time, as far as the visitor goes.
fn in_order(
    table: &Table,
    ranked: &mut [(Bound, u32)],
    visit: &mut impl FnMut(Candidate<'_>) -> ControlFlow<()>,
) -> ControlFlow<()> {
    ranked.sort_unstable_by(|a, b| {
        (b.0.queries.cmp(&a.0.queries)).then(b.0.score.total_cmp(&a.0.score))
    });
    let id = |row: u32| -> &str { &table.alerts[row as usize].id };
    for run in ranked.chunk_by_mut(|a, b| a.0 == b.0) {
        let mut start = 0;
        while start < run.len() {
            let rest = &mut run[start..];
            let take = rest.len().min(RUN_CHUNK);
            if take < rest.len() {
                rest.select_nth_unstable_by(take - 1, |a, b| id(a.1).cmp(id(b.1)));
            }
            rest[..take].sort_unstable_by(|a, b| id(a.1).cmp(id(b.1)));
            for &(bound, row) in &rest[..take] {
                visit(Candidate { table, row, bound })?;
            }
            start += take;
        }
    }
    ControlFlow::Continue(())
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
                    keys_buf.clear();
                    keys::grams(&ident.skeleton, &mut keys_buf);
                    gram_pairs.extend(keys_buf.iter().map(|&k| (k, next_ident)));
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
    /// rest: a fragment held by thousands of values costs what its best few cost.
    pub fn search(
        &self,
        queries: &[Query],
        mut visit: impl FnMut(Candidate<'_>) -> ControlFlow<()>,
    ) {
        let inner = self.read();
        let table = &inner.table;
        let searcher = Searcher {
            table,
            whole: &inner.whole,
            grams: &inner.grams,
        };
        if let [query] = queries {
            one(&searcher, query, visit);
            return;
        }
        // (alert row, query, bound of that query's best identifier of the alert)
        let mut found: Vec<(u32, u32, f64)> = Vec::new();
        for (q, query) in queries.iter().enumerate() {
            let idents = searcher.identifiers(query);
            found.reserve(idents.len());
            for (ident, bound) in idents {
                if let Some(row) = table.idents.get(ident as usize) {
                    found.push((row.alert, q as u32, bound));
                }
            }
        }
        found.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then(b.2.total_cmp(&a.2)));
        found.dedup_by_key(|(row, q, _)| (*row, *q));
        let mut ranked: Vec<(Bound, u32)> = Vec::with_capacity(found.len());
        for group in found.chunk_by(|a, b| a.0 == b.0) {
            let row = group[0].0;
            if !table.alerts.get(row as usize).is_some_and(|a| a.live) {
                continue;
            }
            // The node's combination of per-query scores, with the same arithmetic.
            let miss: f64 = group.iter().map(|(_, _, bound)| 1.0 - bound).product();
            let bound = Bound {
                queries: group.len(),
                score: 1.0 - miss,
            };
            ranked.push((bound, row));
        }
        let _ = in_order(table, &mut ranked, &mut visit);
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
