//! The order in which a search hands candidates to the node: best bound first, then by id, so
//! that the node stops at the first candidate that cannot enter its answer. Candidates found at
//! once wait in memory; the far look-ups (values two edits away) and fragment and pattern
//! rounds run only when their bound can still enter (best first), and a round's candidates are
//! checked in id order as far as the node goes, since the table's rows are in id order
//! ([`Table::in_id_order`]): a crowd of a hundred thousand values holding a maker's model
//! code, or of serials two edits away, costs what its first few cost.

use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;

use jiff::Timestamp;
use sismatch_alert::{Category, Status};
use sismatch_ident::{IdentifierKind, Query};

use crate::search::{Far, Later, Searcher, Tier, Tiers};
use crate::table::Table;

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
    /// `sismatch_ident::maker_key` of its manufacturer, when given.
    pub maker: Option<&'a str>,
}

impl<'a> Candidate<'a> {
    pub(crate) fn new(table: &'a Table, row: u32, bound: Bound) -> Candidate<'a> {
        Candidate { table, row, bound }
    }

    /// Its alert row.
    pub(crate) fn row(&self) -> u32 {
        self.row
    }

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
                maker: table.maker(row.maker),
            })
    }
}

/// [`KeyIndex::search`] for one query: the candidates found at once, then round by round.
pub(crate) fn one(
    searcher: &Searcher<'_>,
    query: &Query,
    visit: impl FnMut(Candidate<'_>) -> ControlFlow<()>,
) {
    let (found, later) = searcher.first(query);
    let waiting = alerts_of(searcher.table, found).collect();
    in_rounds(searcher, waiting, &later, &HashSet::new(), visit);
}

/// [`KeyIndex::search`] for several queries (the numbers of one object). An alert matched by
/// more of them ranks first, so what one query finds late may lift any alert above those found
/// so far: the later look-ups (far values, rounds) of all queries but one run in full. The one
/// whose later look-ups would read the most rows (a crowded serial space, a maker's model
/// code) is checked directly on the alerts the others found, where they could raise them;
/// any other alert it finds matches it alone, so its later look-ups run as a one-query
/// search's do, stopping as early.
pub(crate) fn several(
    searcher: &Searcher<'_>,
    queries: &[Query],
    visit: impl FnMut(Candidate<'_>) -> ControlFlow<()>,
) {
    let table = searcher.table;
    let mut firsts: Vec<_> = queries.iter().map(|query| searcher.first(query)).collect();
    let lazy = firsts
        .iter()
        .enumerate()
        .map(|(q, (_, later))| {
            let far = later
                .far
                .as_ref()
                .map_or(0, |far| searcher.far_estimate(far));
            let rounds = later.tiers.as_ref().map_or(0, Tiers::estimate);
            (far + rounds, q)
        })
        .max()
        .map(|(_, q)| q);
    // (alert row, query, bound of that query's best identifier of the alert)
    let mut found: Vec<(u32, u32, f64)> = Vec::new();
    for (q, (idents, later)) in firsts.iter_mut().enumerate() {
        if Some(q) != lazy {
            if let Some(far) = later.far.take() {
                searcher.far(&far, idents);
            }
            if let Some(tiers) = later.tiers.take() {
                for tier in &tiers.tiers {
                    let candidates = searcher.tier_candidates(tier);
                    searcher.check_tier(&tiers, tier, &candidates, idents);
                }
            }
        }
        found.extend(idents.iter().filter_map(|&(ident, bound)| {
            Some((table.idents.get(ident as usize)?.alert, q as u32, bound))
        }));
    }
    let known: HashSet<u32> = found.iter().map(|(row, _, _)| *row).collect();
    let later = match lazy {
        Some(q) => {
            let later = std::mem::take(&mut firsts[q].1);
            // What the lazy query found at once: its far look-ups and rounds can raise only
            // alerts it found below their bound (it found every value within one edit).
            let mut own: HashMap<u32, f64> = HashMap::new();
            for &(row, _, bound) in found.iter().filter(|(_, of, _)| *of == q as u32) {
                let best = own.entry(row).or_insert(bound);
                *best = best.max(bound);
            }
            let far_bound = later.far.as_ref().map(|far| far.bound);
            let rounds_bound = (later.tiers.as_ref())
                .and_then(|tiers| tiers.tiers.first())
                .map(|tier| tier.bound);
            let checks = later.far.as_ref().map(Far::checks).unwrap_or_default();
            for &row in &known {
                let had = own.get(&row).copied().unwrap_or(0.0);
                let far = far_bound.is_some_and(|bound| had < bound);
                let rounds = rounds_bound.is_some_and(|bound| had < bound);
                let Some(alert) = table.alerts.get(row as usize).filter(|_| far || rounds) else {
                    continue;
                };
                for ident in alert.idents.clone() {
                    let far = far.then(|| searcher.best_far(&checks, ident)).flatten();
                    let rounds = (later.tiers.as_ref().filter(|_| rounds))
                        .and_then(|tiers| searcher.best_in_rounds(tiers, ident));
                    if let Some(bound) = far.into_iter().chain(rounds).reduce(f64::max) {
                        found.push((row, q as u32, bound));
                    }
                }
            }
            later
        }
        None => Later::default(),
    };
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
    in_rounds(searcher, ranked, &later, &known, visit);
}

/// One step of [`in_rounds`]: the look-ups of values two edits away, or a round.
enum Step<'a> {
    Far(&'a Far),
    Round(&'a Tier),
}

impl Step<'_> {
    fn bound(&self) -> f64 {
        match self {
            Step::Far(far) => far.bound,
            Step::Round(tier) => tier.bound,
        }
    }

    /// Whether it is a round whose bound is `far`'s.
    fn shares_bound(&self, far: &Far) -> bool {
        matches!(self, Step::Round(tier) if tier.bound == far.bound)
    }
}

/// Visits `waiting`, and the alerts `later` finds (matching one query; those in `known` are
/// in `waiting` already), best bound first. Before each step, every candidate whose bound is
/// above the step's (no later candidate can come before it) is visited, in order; then a
/// round's candidates of its bound, as the round finds them ([`round`]); the others wait. The
/// far look-ups are a round of their own, but when a round has their bound: then they come
/// first and add all they find to those waiting, so that the ties are visited in id order.
fn in_rounds(
    searcher: &Searcher<'_>,
    mut waiting: Vec<(Bound, u32)>,
    later: &Later,
    known: &HashSet<u32>,
    mut visit: impl FnMut(Candidate<'_>) -> ControlFlow<()>,
) {
    let table = searcher.table;
    let mut steps: Vec<Step<'_>> = later.far.iter().map(Step::Far).collect();
    if let Some(tiers) = &later.tiers {
        steps.extend(tiers.tiers.iter().map(Step::Round));
    }
    // Stable: the far look-ups stay before a round of equal bound.
    steps.sort_by(|a, b| b.bound().total_cmp(&a.bound()));
    let mut visited: HashSet<u32> = HashSet::new();
    for next in 0..=steps.len() {
        let step = steps.get(next);
        let above = step.map(Step::bound);
        let (mut ready, rest): (Vec<_>, Vec<_>) = waiting.into_iter().partition(|(bound, _)| {
            above.is_none_or(|above| bound.queries > 1 || bound.score > above)
        });
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
        let flow = match (step, &later.tiers) {
            (Some(Step::Far(far)), _) if steps.iter().any(|s| s.shares_bound(far)) => {
                // Its values tie with a round's: found whole, they join that round's.
                let mut found = Vec::new();
                searcher.far(far, &mut found);
                let found = alerts_of(table, found);
                waiting.extend(found.filter(|(_, row)| !known.contains(row)));
                ControlFlow::Continue(())
            }
            (Some(Step::Far(far)), _) => {
                let rows = searcher.far_rows(far);
                let ordered = rows.partition_point(|&form| {
                    (table.forms.get(form as usize)).is_some_and(|f| f.ident < table.in_id_order())
                });
                let checks = far.checks();
                let check = |chunk: &[u32], out: &mut Vec<(u32, f64)>| {
                    searcher.check_far(&checks, chunk, out);
                };
                let found = Found {
                    bound: far.bound,
                    candidates: &rows,
                    ordered,
                };
                round(table, found, check, known, &mut waiting, &mut visit_once)
            }
            (Some(Step::Round(tier)), Some(tiers)) => {
                let candidates = searcher.tier_candidates(tier);
                let ordered = candidates.partition_point(|&(ident, _)| ident < table.in_id_order());
                let check = |chunk: &[(u32, u8)], out: &mut Vec<(u32, f64)>| {
                    searcher.check_tier(tiers, tier, chunk, out);
                };
                let found = Found {
                    bound: tier.bound,
                    candidates: &candidates,
                    ordered,
                };
                round(table, found, check, known, &mut waiting, &mut visit_once)
            }
            _ => ControlFlow::Continue(()),
        };
        if flow.is_break() {
            return;
        }
    }
}

/// What a round (a step of [`in_rounds`]) found, before it is checked: identifier rows of a
/// fragment's or pattern's round ([`Searcher::tier_candidates`]), or whole-value rows under the
/// far look-ups' probes ([`Searcher::far_rows`]); ascending, and `candidates[..ordered]` in
/// the id order of their alerts ([`Table::in_id_order`]).
struct Found<'c, C> {
    /// The most any of them scores, and what most score.
    bound: f64,
    candidates: &'c [C],
    ordered: usize,
}

/// Visits, in id order, the candidates of the round's bound: those of `waiting` and those the
/// round found, checked by `check` (which gives each match's identifier row and bound). The
/// candidates in id order are checked a chunk at a time as the visitor goes, so a crowd of
/// thousands of values holding a maker's model code, or of serials two edits away, costs what
/// its first few cost; the others (rows appended out of order) are checked at once and merged
/// in. Candidates found with another bound (longer values of the last length class; values
/// the far look-ups find closer, found before) join `waiting`.
fn round<C>(
    table: &Table,
    found: Found<'_, C>,
    mut check: impl FnMut(&[C], &mut Vec<(u32, f64)>),
    known: &HashSet<u32>,
    waiting: &mut Vec<(Bound, u32)>,
    visit: &mut impl FnMut(Candidate<'_>) -> ControlFlow<()>,
) -> ControlFlow<()> {
    let bound = found.bound;
    let (mut tied, rest): (Vec<_>, Vec<_>) = std::mem::take(waiting)
        .into_iter()
        .partition(|(b, _)| b.queries == 1 && b.score == bound);
    *waiting = rest;
    let (ordered, unordered) = found.candidates.split_at(found.ordered);
    let mut matched = Vec::new();
    let mut check = |chunk: &[C], into: &mut Vec<(Bound, u32)>| {
        matched.clear();
        check(chunk, &mut matched);
        for candidate in alerts_of(table, matched.drain(..)) {
            if known.contains(&candidate.1) {
                continue;
            }
            if candidate.0.score == bound {
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
fn alerts_of(
    table: &Table,
    found: impl IntoIterator<Item = (u32, f64)>,
) -> impl Iterator<Item = (Bound, u32)> {
    found.into_iter().filter_map(|(ident, score)| {
        let row = table.idents.get(ident as usize)?.alert;
        table.alerts.get(row as usize).filter(|a| a.live)?;
        Some((Bound { queries: 1, score }, row))
    })
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
