//! Search: candidates from the index, ranking by the identifier core.
//!
//! The index only proposes; every proposed alert is read from the store (the truth: current
//! status, expiry) and each of its identifiers is scored against each query value with
//! `sismatch_ident`, so a score never depends on the node or the index's state.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::sync::Arc;

use jiff::Timestamp;
use sismatch_alert::{Alert, Category, IdentifierEntry, Invalid, Limits};
use sismatch_ident::{
    DEFAULT_THRESHOLD, EditOp, IdentifierKind, MatchMode, Query, compare, parse, score,
};
use sismatch_index::AlertIndex;
use sismatch_store::Store;

use crate::error::{NodeError, Result};
use crate::node::Node;

/// Query values in one search at most.
pub const MAX_QUERIES: usize = 32;
/// Matches returned at most.
pub const MAX_TOP_K: usize = 100;
/// Matches returned when the caller does not say.
pub const DEFAULT_TOP_K: usize = 10;
/// Characters of the free-text query at most.
pub const MAX_TEXT: usize = 1024;
/// Candidates taken from the index per search.
const CANDIDATES: usize = 200;
/// Factor applied to a match through an identifier of another kind than the query declared:
/// an engine serial typed as a hull number is found, below the hull numbers.
const WRONG_KIND: f64 = 0.9;

/// One value an officer read, with its kind when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// As typed: misread, partial, with `*`/`?` wildcards.
    pub value: String,
    /// The kind, when the officer knows it.
    pub kind: Option<IdentifierKind>,
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
    /// Score in [0, 1], after the wrong-kind factor.
    pub score: f64,
    /// Whole value, fragment or pattern.
    pub mode: MatchMode,
    /// The edit operations from query to stored value.
    pub ops: Vec<EditOp>,
    /// Whether the identifier is of another kind than the query declared.
    pub kind_mismatch: bool,
}

/// One alert found, with why.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertMatch {
    /// The alert as stored.
    pub alert: Alert,
    /// Combined score in [0, 1]: the best identifier score, raised by every further query
    /// value that matched (`1 - Π(1 - s)`).
    pub score: f64,
    /// The best identifier per matching query value, best first; empty for a text-only match.
    pub hits: Vec<IdentifierHit>,
}

/// The answer of a node search.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchResult {
    /// Ranked: more query values matched first, then by score, then by alert id.
    pub matches: Vec<AlertMatch>,
    /// How many candidates the index proposed (for diagnostics and benchmarks).
    pub candidates: usize,
    /// Whether more alerts matched than `top_k`: the answer was cut.
    pub truncated: bool,
    /// The change sequence the index had reached when searched: the answer includes every
    /// change up to it.
    pub index_sequence: u64,
}

/// A checked request.
struct Plan {
    queries: Vec<(usize, String, Query, Option<IdentifierKind>)>,
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
        queries.push((i, query.value, parsed, query.kind));
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
    /// Searches this node's alerts.
    pub async fn search(&self, request: SearchRequest) -> Result<SearchResult> {
        let plan = plan(request)?;
        let store = Arc::clone(&self.store);
        let index = Arc::clone(&self.index);
        tokio::task::spawn_blocking(move || run(&store, &index, &plan))
            .await
            .map_err(|e| NodeError::Internal(format!("search task failed: {e}")))?
    }
}

fn run(store: &Store, index: &AlertIndex, plan: &Plan) -> Result<SearchResult> {
    // Read before the searcher is taken: the searcher has at least this sequence.
    let index_sequence = index.sequence();
    let queries: Vec<Query> = plan.queries.iter().map(|(_, _, q, _)| q.clone()).collect();
    let mut ids = if queries.is_empty() {
        Vec::new()
    } else {
        index.candidates(&queries, CANDIDATES)?
    };
    if let Some(text) = &plan.text {
        let seen: BTreeSet<String> = ids.iter().cloned().collect();
        let extra = index.text_candidates(text, CANDIDATES)?;
        ids.extend(extra.into_iter().filter(|id| !seen.contains(id)));
    }
    let candidates = ids.len();
    let alerts = store.get_many(&ids)?;
    let now = Timestamp::now();
    let mut matches = Vec::new();
    for alert in alerts.into_iter().flatten() {
        if !plan.include_inactive && !alert.status.is_searchable() {
            continue;
        }
        if !plan.include_expired && alert.is_expired_at(now) {
            continue;
        }
        if !plan.categories.is_empty() && !plan.categories.contains(&alert.category) {
            continue;
        }
        let hits = hits_of(&alert, plan);
        if hits.is_empty() {
            if plan.queries.is_empty() {
                matches.push(AlertMatch {
                    alert,
                    score: DEFAULT_THRESHOLD,
                    hits,
                });
            }
            continue;
        }
        let miss: f64 = hits.iter().map(|h| 1.0 - h.score).product();
        matches.push(AlertMatch {
            alert,
            score: 1.0 - miss,
            hits,
        });
    }
    matches.sort_by(rank);
    let truncated = matches.len() > plan.top_k;
    matches.truncate(plan.top_k);
    Ok(SearchResult {
        matches,
        candidates,
        truncated,
        index_sequence,
    })
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

/// The best identifier of `alert` for each query value that matches it.
fn hits_of(alert: &Alert, plan: &Plan) -> Vec<IdentifierHit> {
    let stored: Vec<(usize, String)> = alert
        .identifiers
        .iter()
        .enumerate()
        .filter_map(|(i, entry)| {
            let id = parse(&entry.value, Some(entry.kind));
            id.is_indexable().then_some((i, id.normalised))
        })
        .collect();
    let mut hits = Vec::new();
    for (query_index, value, query, declared) in &plan.queries {
        let mut best: Option<(f64, usize, bool)> = None;
        for (i, normalised) in &stored {
            let entry = &alert.identifiers[*i];
            let mismatch = declared.is_some_and(|k| !same_kind(k, entry.kind));
            let factor = if mismatch { WRONG_KIND } else { 1.0 };
            let s = score(query, normalised) * factor;
            if best.is_none_or(|(b, _, _)| s > b) {
                best = Some((s, *i, mismatch));
            }
        }
        let Some((s, i, mismatch)) = best.filter(|(s, _, _)| *s >= plan.min_score) else {
            continue;
        };
        let normalised = stored
            .iter()
            .find(|(j, _)| *j == i)
            .map(|(_, n)| n.as_str())
            .unwrap_or_default();
        let comparison = compare(query, normalised);
        hits.push(IdentifierHit {
            query_index: *query_index,
            query_value: value.clone(),
            normalised_query: query.normalised().to_string(),
            identifier: alert.identifiers[i].clone(),
            score: s,
            mode: comparison.mode,
            ops: comparison.ops,
            kind_mismatch: mismatch,
        });
    }
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.query_index.cmp(&b.query_index))
    });
    hits
}
