//! Search: candidates from the indexes, ranking by the identifier core.
//!
//! The indexes only propose. Identifier candidates come from the in-memory identifier index
//! with their identifiers pre-parsed: they are filtered and every identifier is scored against
//! every query value with `sismatch_ident` there, without reading the store, so a no-hit search
//! reads nothing from disk. Only the answers (at most `top_k`) are read from the store (the
//! truth: current status, expiry) and scored again there, with their explanations, so a score
//! never depends on the node or on an index's state.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;
use std::sync::Arc;

use jiff::Timestamp;
use sismatch_alert::{Alert, Category, IdentifierEntry, Invalid, Limits, Status};
use sismatch_ident::{
    DEFAULT_THRESHOLD, EditOp, Identifier, IdentifierKind, MatchMode, Query, compare, maker_key,
    parse, score_at_least,
};
use sismatch_index::AlertIndex;
use sismatch_keyindex::{KeyIndex, StoredIdentifier, recorded_pattern};
use sismatch_store::Store;
use tokio::runtime::{Handle, RuntimeFlavor};

use crate::error::{NodeError, Result};
use crate::indexer::searchable_sequence;
use crate::node::Node;

/// Query values in one search at most.
pub const MAX_QUERIES: usize = 32;
/// Matches returned at most.
pub const MAX_TOP_K: usize = 100;
/// Matches returned when the caller does not say.
pub const DEFAULT_TOP_K: usize = 10;
/// Characters of the free-text query at most.
pub const MAX_TEXT: usize = 1024;
/// Text-only candidates read from the store per search at most. A search reads twice the
/// answers it wants, and more (four times as many each round) only when the request's filters
/// rule most of them out.
const CANDIDATES: usize = 1_000;
/// Factor applied to a match through an identifier of another kind than the query declared:
/// an engine serial typed as a hull number is found, below the hull numbers.
const WRONG_KIND: f64 = 0.9;
/// Factor applied to a match through an identifier recorded with another maker than the query
/// names: a Beretta with a Glock's serial is found, below the Glock, never as an exact match.
/// An identifier or a query without a maker is not lowered. Below 1, as every factor: the key
/// index's bounds stay bounds.
pub const OTHER_MAKER: f64 = 0.8;
/// The BM25 score at which a text's relevance is one half (see [`relevance`]).
const TEXT_HALF: f64 = 10.0;
/// How far agreeing text raises an identifier match towards 1, at full relevance.
const TEXT_RAISE: f64 = 0.3;
/// The score of a text-only match at full relevance: text-only matches score below every
/// identifier match at the default threshold (and rank below every identifier match anyway).
const TEXT_ONLY: f64 = DEFAULT_THRESHOLD;

/// One value an officer read, with its kind when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// As typed: misread, partial, with `*`/`?` wildcards.
    pub value: String,
    /// The kind, when the officer knows it.
    pub kind: Option<IdentifierKind>,
    /// The maker, when known (a firearm serial is unique only per maker): an identifier
    /// recorded with another maker ranks lower ([`OTHER_MAKER`]).
    pub manufacturer: Option<String>,
}

impl SearchQuery {
    /// A value of `kind` (or any), without a maker.
    pub fn new(value: impl Into<String>, kind: Option<IdentifierKind>) -> SearchQuery {
        SearchQuery {
            value: value.into(),
            kind,
            manufacturer: None,
        }
    }
}

/// A search of one node.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchRequest {
    /// The values read on the object: all numbers found on it, at most [`MAX_QUERIES`].
    pub queries: Vec<SearchQuery>,
    /// Free text over brand, model, colour and description.
    pub text: Option<String>,
    /// Only these categories; empty for all.
    pub categories: Vec<Category>,
    /// Also alerts past their expiry.
    pub include_expired: bool,
    /// Also RECOVERED and WITHDRAWN alerts.
    pub include_inactive: bool,
    /// Matches wanted; 0 for [`DEFAULT_TOP_K`], at most [`MAX_TOP_K`].
    pub top_k: usize,
    /// Lowest score returned; 0 for the default threshold.
    pub min_score: f64,
}

/// How one query value matched one identifier of an alert.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentifierHit {
    /// Which query value (index into the request's queries).
    pub query_index: usize,
    /// The query value as typed.
    pub query_value: String,
    /// The query value normalised.
    pub normalised_query: String,
    /// The stored identifier that matched.
    pub identifier: IdentifierEntry,
    /// Its position among the alert's identifiers (and so in [`AlertMatch::readings`]).
    pub ordinal: usize,
    /// Score in [0, 1], after the wrong-kind factor.
    pub score: f64,
    /// Whole value, fragment or pattern.
    pub mode: MatchMode,
    /// The edit operations from query to stored value.
    pub ops: Vec<EditOp>,
    /// Whether the identifier is of another kind than the query declared.
    pub kind_mismatch: bool,
    /// Whether the identifier was recorded with another maker than the query names.
    pub maker_mismatch: bool,
}

/// One alert found, with why.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertMatch {
    /// The alert as stored.
    pub alert: Alert,
    /// The alert's identifiers as the identifier core reads them (`sismatch_ident::parse` with
    /// their recorded kind), in the alert's order: an answer's identifiers are parsed once, for
    /// scoring it and for what an adapter shows of them (normal form, check digit, parts).
    pub readings: Vec<Identifier>,
    /// Combined score in [0, 1]: the best identifier score, raised by every further query
    /// value that matched (`1 - Π(1 - s)`).
    pub score: f64,
    /// The best identifier per matching query value, best first; empty for a text-only match.
    pub hits: Vec<IdentifierHit>,
    /// How well the alert's text agrees with the request's `text`, in [0, 1): 0 without text
    /// or when no word agrees (see [`relevance`]).
    pub text_relevance: f64,
}

/// The answer of a node search.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchResult {
    /// Ranked: more query values matched first, then by score, then by alert id.
    pub matches: Vec<AlertMatch>,
    /// How many candidates were scored: proposed by the indexes and not ruled out by their
    /// bound (for diagnostics and benchmarks).
    pub candidates: usize,
    /// Whether more alerts matched than `top_k`: the answer was cut.
    pub truncated: bool,
    /// The change sequence the index had reached when searched: the answer includes every
    /// change up to it.
    pub index_sequence: u64,
}

/// A checked query value.
struct Planned {
    /// Its position in the request.
    index: usize,
    /// As typed.
    value: String,
    query: Query,
    kind: Option<IdentifierKind>,
    /// `maker_key` of the query's manufacturer.
    maker: Option<String>,
}

/// A checked request.
struct Plan {
    queries: Vec<Planned>,
    text: Option<String>,
    categories: Vec<Category>,
    include_expired: bool,
    include_inactive: bool,
    top_k: usize,
    min_score: f64,
}

fn plan(request: SearchRequest) -> std::result::Result<Plan, Invalid> {
    let text = request.text.filter(|t| !t.trim().is_empty());
    if request.queries.is_empty() && text.is_none() {
        return Err(Invalid::new(
            "queries",
            "at least one query value (or a text) is required",
        ));
    }
    if request.queries.len() > MAX_QUERIES {
        return Err(Invalid::new(
            "queries",
            format!("more than {MAX_QUERIES} query values"),
        ));
    }
    if text.as_ref().is_some_and(|t| t.chars().count() > MAX_TEXT) {
        return Err(Invalid::new(
            "text",
            format!("longer than {MAX_TEXT} characters"),
        ));
    }
    if request.top_k > MAX_TOP_K {
        return Err(Invalid::new("top_k", format!("at most {MAX_TOP_K}")));
    }
    if !(0.0..=1.0).contains(&request.min_score) {
        return Err(Invalid::new("min_score", "must be within [0, 1]"));
    }
    let mut queries = Vec::with_capacity(request.queries.len());
    for (i, query) in request.queries.into_iter().enumerate() {
        let field = format!("queries[{i}].value");
        if query.value.chars().count() > Limits::IDENTIFIER {
            return Err(Invalid::new(
                field,
                format!("longer than {} characters", Limits::IDENTIFIER),
            ));
        }
        let parsed = Query::parse(&query.value, query.kind)
            .map_err(|e| Invalid::new(field, e.to_string()))?;
        let manufacturer = query.manufacturer.unwrap_or_default();
        if manufacturer.chars().count() > Limits::SHORT_TEXT {
            return Err(Invalid::new(
                format!("queries[{i}].manufacturer"),
                format!("longer than {} characters", Limits::SHORT_TEXT),
            ));
        }
        queries.push(Planned {
            index: i,
            value: query.value,
            query: parsed,
            kind: query.kind,
            maker: maker_key(&manufacturer),
        });
    }
    Ok(Plan {
        queries,
        text,
        categories: request.categories,
        include_expired: request.include_expired,
        include_inactive: request.include_inactive,
        top_k: if request.top_k == 0 {
            DEFAULT_TOP_K
        } else {
            request.top_k
        },
        min_score: if request.min_score == 0.0 {
            DEFAULT_THRESHOLD
        } else {
            request.min_score
        },
    })
}

impl Node {
    /// Searches this node's alerts, and counts the search in the last minute's figures of the
    /// node's status (`recent`).
    pub async fn search(&self, request: SearchRequest) -> Result<SearchResult> {
        let started = std::time::Instant::now();
        let result = self.search_planned(request).await;
        // A bad request is the caller's doing, not a failure of the node.
        let failed = matches!(&result, Err(e) if !matches!(e, NodeError::Invalid(_)));
        self.recent.record(started.elapsed(), failed);
        result
    }

    /// [`Node::search`] itself. On a multi-threaded runtime (the servers) a search of identifier values runs right on
    /// the worker, as any short step of a task does: it costs a fraction of a millisecond, and
    /// clearing the worker of its other tasks first (`block_in_place`) cost a thread hand-over,
    /// as much as a no-hit search itself; tasks queued meanwhile are taken by the other
    /// workers. A search that may run long (free text, a wildcard pattern, which can check
    /// every identifier) still clears the worker first. Elsewhere (a current-thread runtime:
    /// tests, tools) a search runs on the blocking pool.
    async fn search_planned(&self, request: SearchRequest) -> Result<SearchResult> {
        let plan = plan(request)?;
        if Handle::current().runtime_flavor() == RuntimeFlavor::MultiThread {
            let short = plan.text.is_none()
                && plan
                    .queries
                    .iter()
                    .all(|planned| matches!(planned.query, Query::Value(_)));
            if short {
                return run(&self.store, &self.index, &self.keys, &plan);
            }
            return tokio::task::block_in_place(|| {
                run(&self.store, &self.index, &self.keys, &plan)
            });
        }
        let store = Arc::clone(&self.store);
        let index = Arc::clone(&self.index);
        let keys = Arc::clone(&self.keys);
        tokio::task::spawn_blocking(move || run(&store, &index, &keys, &plan))
            .await
            .map_err(|e| NodeError::Internal(format!("search task failed: {e}")))?
    }
}

/// An alert ranked before its stored version is read: enough to pick the answers.
struct Ranked {
    id: String,
    /// Query values it matched.
    hits: usize,
    score: f64,
    /// See [`AlertMatch::text_relevance`].
    text: f64,
}

/// A text's BM25 score as a relevance in [0, 1): one half at [`TEXT_HALF`], rising with every
/// further agreeing word, never reaching 1. Monotonic, so BM25 order is kept.
fn relevance(bm25: f32) -> f64 {
    let bm25 = f64::from(bm25.max(0.0));
    bm25 / (bm25 + TEXT_HALF)
}

/// The score of an alert from its identifiers' combined score (`None` for none) and its text
/// relevance: agreeing text raises an identifier match by up to [`TEXT_RAISE`] of what it
/// lacks to 1 (an exact match stays 1); a text-only match scores [`TEXT_ONLY`] × relevance.
fn with_text(identifiers: Option<f64>, text: f64) -> f64 {
    match identifiers {
        Some(score) => score + (1.0 - score) * TEXT_RAISE * text,
        None => TEXT_ONLY * text,
    }
}

fn run(store: &Store, index: &AlertIndex, keys: &KeyIndex, plan: &Plan) -> Result<SearchResult> {
    // Read before searching: both indexes have at least this sequence.
    let index_sequence = searchable_sequence(index, keys);
    let now = Timestamp::now();
    let queries: Vec<Query> = plan.queries.iter().map(|p| p.query.clone()).collect();
    let mut candidates = 0;
    // Identifier queries: candidates from the in-memory index, filtered and scored there on
    // their pre-parsed identifiers; nothing is read from the store yet.
    // Best bound first: once `kept` is full and a candidate's bound ranks below its last
    // alert, no later candidate can enter. Bounds hold at the default threshold and above, and
    // for identifiers alone: with text, every identifier match is kept, to be raised by its
    // text below.
    let prune = plan.min_score >= DEFAULT_THRESHOLD && plan.text.is_none();
    let keep = plan.top_k + 1;
    let mut ranked: Vec<Ranked> = Vec::with_capacity(keep + 1);
    if !queries.is_empty() {
        keys.search(&queries, |candidate| {
            let bound = candidate.bound();
            if prune && ranked.len() >= keep {
                let last = &ranked[keep - 1];
                let below = (bound.queries, bound.score) < (last.hits, last.score)
                    || ((bound.queries, bound.score) == (last.hits, last.score)
                        && candidate.id() > last.id.as_str());
                if below {
                    return ControlFlow::Break(());
                }
            }
            candidates += 1;
            if !admits(
                plan,
                candidate.status(),
                candidate.category(),
                candidate.expires_at(),
                now,
            ) {
                return ControlFlow::Continue(());
            }
            let best = best_hits(candidate.identifiers(), plan);
            if !best.is_empty() {
                ranked.push(Ranked {
                    id: candidate.id().to_string(),
                    hits: best.len(),
                    score: combined(&best),
                    text: 0.0,
                });
                if prune {
                    ranked.sort_by(by_rank);
                    ranked.truncate(keep);
                }
            }
            ControlFlow::Continue(())
        });
    }
    if let Some(text) = &plan.text {
        candidates += with_text_matches(store, index, plan, text, now, &mut ranked)?;
    }
    ranked.sort_by(by_rank);
    let truncated = ranked.len() > plan.top_k;
    ranked.truncate(plan.top_k);
    // Only the answers are read, and explained from the stored version (the truth: a change
    // not yet indexed is seen here).
    let ids: Vec<String> = ranked.iter().map(|r| r.id.clone()).collect();
    let mut matches = Vec::with_capacity(ids.len());
    for (alert, ranked) in store.get_many(&ids)?.into_iter().zip(&ranked) {
        let Some(alert) = alert else { continue };
        if !admits(plan, alert.status, alert.category, alert.expires_at, now) {
            continue;
        }
        let readings = readings(&alert);
        let hits = hits_of(&alert, &readings, plan);
        if hits.is_empty() && ranked.text == 0.0 {
            continue;
        }
        let identifiers =
            (!hits.is_empty()).then(|| 1.0 - hits.iter().map(|h| 1.0 - h.score).product::<f64>());
        matches.push(AlertMatch {
            alert,
            readings,
            score: with_text(identifiers, ranked.text),
            hits,
            text_relevance: ranked.text,
        });
    }
    matches.sort_by(rank);
    Ok(SearchResult {
        matches,
        candidates,
        truncated,
        index_sequence,
    })
}

/// Raises the identifier matches `ranked` by their text, and adds the best text-only matches
/// that pass the request's filters: as many as the answer can hold, and one more, so that a
/// cut answer says so. Returns how many text candidates were read from the store.
fn with_text_matches(
    store: &Store,
    index: &AlertIndex,
    plan: &Plan,
    text: &str,
    now: Timestamp,
    ranked: &mut Vec<Ranked>,
) -> Result<usize> {
    let found: Vec<&str> = ranked.iter().map(|r| r.id.as_str()).collect();
    let agreeing: HashMap<String, f32> = index.text_scores(text, &found)?.into_iter().collect();
    for r in ranked.iter_mut() {
        if let Some(&bm25) = agreeing.get(&r.id) {
            r.text = relevance(bm25);
            r.score = with_text(Some(r.score), r.text);
        }
    }
    let seen: HashSet<String> = ranked.iter().map(|r| r.id.clone()).collect();
    let wanted = plan.top_k + 1;
    let mut limit = 2 * wanted;
    let mut read = 0;
    loop {
        let candidates = index.text_candidates(text, limit)?;
        let exhausted = candidates.len() < limit || limit >= CANDIDATES;
        let (ids, scores): (Vec<String>, Vec<f32>) = candidates
            .into_iter()
            .filter(|(id, _)| !seen.contains(id))
            .unzip();
        read += ids.len();
        let mut text_only = Vec::with_capacity(ids.len());
        for (alert, bm25) in store.get_many(&ids)?.into_iter().zip(scores) {
            let Some(alert) = alert else { continue };
            if !admits(plan, alert.status, alert.category, alert.expires_at, now) {
                continue;
            }
            // Its identifiers, in case the identifier index is behind the text index.
            let readings = readings(&alert);
            let parsed = parsed_identifiers(&alert, &readings);
            let best = best_hits(stored(&parsed), plan);
            let text = relevance(bm25);
            text_only.push(Ranked {
                score: with_text((!best.is_empty()).then(|| combined(&best)), text),
                hits: best.len(),
                id: alert.id,
                text,
            });
        }
        if text_only.len() >= wanted || exhausted {
            ranked.extend(text_only);
            return Ok(read);
        }
        limit = (limit * 4).min(CANDIDATES);
    }
}

/// More query values matched first, then the higher score, then the smaller id.
fn by_rank(a: &Ranked, b: &Ranked) -> Ordering {
    b.hits
        .cmp(&a.hits)
        .then(b.score.total_cmp(&a.score))
        .then_with(|| a.id.cmp(&b.id))
}

/// Whether the request's filters let an alert through.
fn admits(
    plan: &Plan,
    status: Status,
    category: Category,
    expires_at: Option<Timestamp>,
    now: Timestamp,
) -> bool {
    (plan.include_inactive || status.is_searchable())
        && (plan.include_expired || expires_at.is_none_or(|at| at > now))
        && (plan.categories.is_empty() || plan.categories.contains(&category))
}

/// More query values matched first, then the higher score, then the smaller id.
fn rank(a: &AlertMatch, b: &AlertMatch) -> Ordering {
    b.hits
        .len()
        .cmp(&a.hits.len())
        .then(b.score.total_cmp(&a.score))
        .then_with(|| a.alert.id.cmp(&b.alert.id))
}

/// Kinds that are one number written two ways: a HIN is the body of a CIN.
fn same_kind(declared: IdentifierKind, stored: IdentifierKind) -> bool {
    use IdentifierKind::{Cin, Hin};
    declared == stored || matches!((declared, stored), (Hin, Cin) | (Cin, Hin))
}

/// A stored alert's identifiers as the identifier core reads them: see [`AlertMatch::readings`].
fn readings(alert: &Alert) -> Vec<Identifier> {
    let read = |entry: &IdentifierEntry| parse(&entry.value, Some(entry.kind));
    alert.identifiers.iter().map(read).collect()
}

/// The indexable identifiers of a stored alert, as the key index keeps them: position,
/// declared kind, normalised value and maker key; `readings` are the alert's [`readings`].
fn parsed_identifiers<'a>(
    alert: &Alert,
    readings: &'a [Identifier],
) -> Vec<(usize, IdentifierKind, Cow<'a, str>, Option<String>)> {
    alert
        .identifiers
        .iter()
        .zip(readings)
        .enumerate()
        .filter_map(|(i, (entry, reading))| {
            let maker = entry.manufacturer.as_deref().and_then(maker_key);
            if let Some(pattern) = recorded_pattern(entry) {
                return Some((i, entry.kind, Cow::Owned(pattern), maker));
            }
            reading.is_indexable().then_some((
                i,
                entry.kind,
                Cow::Borrowed(reading.normalised.as_str()),
                maker,
            ))
        })
        .collect()
}

/// What the identifier core compares for a query value and a stored identifier of `kind` and
/// `normalised` value: the two as they are, or, for an identifier recorded as a pattern (a
/// number partly ground off, `AB???345`: only a pattern holds `?` or `*`), the value read as
/// the text and the record as the pattern. `None` when a pattern or fragment meets a recorded
/// pattern: two partial readings prove nothing.
fn sides<'a>(
    planned: &'a Planned,
    kind: IdentifierKind,
    normalised: &'a str,
) -> Option<(Cow<'a, Query>, &'a str)> {
    // On every identifier of every candidate: a plain byte scan.
    if !normalised.bytes().any(|b| b == b'?' || b == b'*') {
        return Some((Cow::Borrowed(&planned.query), normalised));
    }
    let Query::Value(read) = &planned.query else {
        return None;
    };
    let pattern = Query::parse(normalised, Some(kind)).ok()?;
    Some((Cow::Owned(pattern), read.normalised.as_str()))
}

/// [`parsed_identifiers`] as the key index hands them out.
fn stored<'a>(
    parsed: &'a [(usize, IdentifierKind, Cow<'_, str>, Option<String>)],
) -> impl Iterator<Item = StoredIdentifier<'a>> + Clone {
    parsed
        .iter()
        .map(|(ordinal, kind, normalised, maker)| StoredIdentifier {
            ordinal: *ordinal,
            kind: *kind,
            normalised: normalised.as_ref(),
            maker: maker.as_deref(),
        })
}

/// The best match of one query value among an alert's identifiers.
struct Best {
    /// Index into the plan's queries.
    query: usize,
    score: f64,
    /// The identifier's position in the alert.
    ordinal: usize,
    kind_mismatch: bool,
    maker_mismatch: bool,
}

/// The combined score of an alert's best matches: `1 - Π(1 - s)`.
fn combined(best: &[Best]) -> f64 {
    1.0 - best.iter().map(|b| 1.0 - b.score).product::<f64>()
}

/// For each query value, the best of the `stored` identifiers, when it reaches the request's
/// threshold. The one scoring rule, whether the identifiers come from the index or from the
/// stored alert.
fn best_hits<'a>(
    stored: impl Iterator<Item = StoredIdentifier<'a>> + Clone,
    plan: &Plan,
) -> Vec<Best> {
    let mut out = Vec::new();
    for (query, planned) in plan.queries.iter().enumerate() {
        let mut best: Option<Best> = None;
        for identifier in stored.clone() {
            let mismatch = planned.kind.is_some_and(|k| !same_kind(k, identifier.kind));
            let other_maker = matches!(
                (&planned.maker, identifier.maker),
                (Some(asked), Some(recorded)) if asked != recorded
            );
            let factor = if mismatch { WRONG_KIND } else { 1.0 }
                * if other_maker { OTHER_MAKER } else { 1.0 };
            // Pairs that cannot reach the threshold are refused cheaply (most of an alert's
            // identifiers against a value read for one of them); the floor is lowered by a hair
            // so that the division never rounds a match away, and the threshold decides below.
            let floor = plan.min_score / factor * (1.0 - 1e-9);
            let Some(s) = sides(planned, identifier.kind, identifier.normalised)
                .and_then(|(query, stored)| score_at_least(&query, stored, floor))
                .map(|s| s * factor)
            else {
                continue;
            };
            if best.as_ref().is_none_or(|b| s > b.score) {
                best = Some(Best {
                    query,
                    score: s,
                    ordinal: identifier.ordinal,
                    kind_mismatch: mismatch,
                    maker_mismatch: other_maker,
                });
            }
        }
        out.extend(best.filter(|b| b.score >= plan.min_score));
    }
    out
}

/// The best identifier of `alert` for each query value that matches it, explained;
/// `readings` are the alert's [`readings`].
fn hits_of(alert: &Alert, readings: &[Identifier], plan: &Plan) -> Vec<IdentifierHit> {
    let parsed = parsed_identifiers(alert, readings);
    let best = best_hits(stored(&parsed), plan);
    let mut hits: Vec<IdentifierHit> = best
        .into_iter()
        .map(|b| {
            let planned = &plan.queries[b.query];
            let (kind, normalised) = parsed
                .iter()
                .find(|(i, ..)| *i == b.ordinal)
                .map(|(_, kind, n, _)| (*kind, n.as_ref()))
                .unwrap_or((alert.identifiers[b.ordinal].kind, ""));
            let comparison = match sides(planned, kind, normalised) {
                Some((query, stored)) => compare(&query, stored),
                None => compare(&planned.query, normalised),
            };
            IdentifierHit {
                query_index: planned.index,
                query_value: planned.value.clone(),
                normalised_query: planned.query.normalised().to_string(),
                identifier: alert.identifiers[b.ordinal].clone(),
                ordinal: b.ordinal,
                score: b.score,
                mode: comparison.mode,
                ops: comparison.ops,
                kind_mismatch: b.kind_mismatch,
                maker_mismatch: b.maker_mismatch,
            }
        })
        .collect();
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.query_index.cmp(&b.query_index))
    });
    hits
}
