//! `sismatch bench quality`: the query set against a core or a node; recall, MRR, false hits
//! and a threshold sweep, with the misses explained.
//!
//! Every query is searched twice: once at the default threshold (what a user gets: recall,
//! MRR, false hits) and once at the lowest threshold of the sweep, from which the
//! precision/recall curve is cut (for a query of several values that is an approximation:
//! at a lower threshold an alert can match through more values and rank differently).
//!
//! A miss (an expected alert not in the first ten at the default threshold) of a one-value
//! query is classed by scoring the typed value against the stored number it came from, as the
//! node would: `below_threshold` (the scorer itself does not accept this misreading),
//! `crowded` (ten other alerts score at least as well: the data, not the engine), or
//! `not_found` (it would have made the first ten, but the node did not propose it: candidate
//! generation lost it).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use sismatch_ident::{DEFAULT_THRESHOLD, IdentifierKind, Query, parse, score};
use tokio::task::JoinSet;

use crate::error::{BenchError, Result};
use crate::metrics::{
    Negatives, Ranked, Recall, RecallTally, SweepPoint, first_hit, negatives, sweep,
};
use crate::progress::Progress;
use crate::query::{QueryRecord, QueryValue, label_order};
use crate::target::{Answer, Search, Target};

/// Factor the node applies to a match through an identifier of another kind than declared.
const WRONG_KIND: f64 = 0.9;
/// Examples of misses kept per corruption type and class.
const EXAMPLES: usize = 5;

/// How to run the quality measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct QualityConfig {
    /// Searches in flight at once.
    pub concurrency: usize,
    /// Thresholds of the sweep, ascending; the first is the threshold of the second search.
    pub thresholds: Vec<f64>,
}

impl Default for QualityConfig {
    /// Four searches in flight; thresholds from 0.30 to 0.95 by 0.05.
    fn default() -> Self {
        QualityConfig {
            concurrency: 4,
            thresholds: (6..=19).map(|i| f64::from(i) * 0.05).collect(),
        }
    }
}

/// Recall of one corruption type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorruptionRecall {
    /// The corruption type.
    pub corruption: String,
    /// Its figures.
    #[serde(flatten)]
    pub recall: Recall,
}

/// A miss, for the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Miss {
    /// The query's id.
    pub query: String,
    /// Its corruption type.
    pub corruption: String,
    /// `below_threshold`, `crowded`, `not_found`, or `unclassified` (several values).
    pub class: String,
    /// What was typed.
    pub values: Vec<QueryValue>,
    /// The stored numbers they came from.
    pub sources: Vec<QueryValue>,
    /// The score the expected alert would have had, for a one-value query.
    pub expected_score: Option<f64>,
    /// The first three matches returned: id and score.
    pub returned: Vec<(String, f64)>,
}

/// The quality figures of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    /// `core` or `node`.
    pub target: String,
    /// Queries run (positives and negatives).
    pub queries: u64,
    /// The default threshold the main figures are at.
    pub threshold: f64,
    /// Every positive query.
    pub overall: Recall,
    /// Per corruption type, in the order of `query::label_order`.
    pub by_corruption: Vec<CorruptionRecall>,
    /// Negatives at the default threshold.
    pub negatives: Negatives,
    /// The threshold sweep.
    pub sweep: Vec<SweepPoint>,
    /// Misses at ten per class: `below_threshold`, `crowded`, `not_found`, `unclassified`.
    pub miss_classes: BTreeMap<String, u64>,
    /// A few misses of each corruption type and class.
    pub misses: Vec<Miss>,
    /// Failed searches by gRPC status code (counted as not found).
    pub errors: BTreeMap<String, u64>,
    /// Wall time of the run.
    pub seconds: f64,
}

type Outcome = (
    std::result::Result<Answer, tonic::Status>,
    std::result::Result<Answer, tonic::Status>,
);

/// Runs `queries` against `target`.
pub async fn run(
    target: &Target,
    queries: &[QueryRecord],
    config: &QualityConfig,
    progress: Arc<Progress>,
) -> Result<QualityReport> {
    let started = Instant::now();
    let floor = config
        .thresholds
        .first()
        .copied()
        .unwrap_or(DEFAULT_THRESHOLD);
    let typed: Vec<Search> = queries
        .iter()
        .map(|q| q.search().map_err(BenchError::Invalid))
        .collect::<Result<_>>()?;
    let typed = Arc::new(typed);
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = JoinSet::new();
    for _ in 0..config.concurrency.max(1) {
        let (typed, next, progress) =
            (Arc::clone(&typed), Arc::clone(&next), Arc::clone(&progress));
        let mut target = target.clone();
        workers.spawn(async move {
            let mut done: Vec<(usize, Outcome)> = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(values) = typed.get(i) else {
                    break;
                };
                let default = target.search(values, 10, 0.0, true).await;
                let low = target.search(values, 10, floor, true).await;
                done.push((i, (default, low)));
                progress.inc(1);
            }
            done
        });
    }
    let mut outcomes: Vec<Option<Outcome>> = (0..queries.len()).map(|_| None).collect();
    while let Some(finished) = workers.join_next().await {
        let finished =
            finished.map_err(|e| BenchError::Report(format!("a search task failed: {e}")))?;
        for (i, outcome) in finished {
            outcomes[i] = Some(outcome);
        }
    }
    progress.finish();
    let mut report = figures(queries, &outcomes, &config.thresholds);
    report.target = target.name().to_string();
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

fn ranked(answer: Option<&std::result::Result<Answer, tonic::Status>>) -> &[Ranked] {
    match answer {
        Some(Ok(answer)) => &answer.ranked,
        _ => &[],
    }
}

/// The figures from the answers (`outcomes[i]` answers `queries[i]`).
fn figures(
    queries: &[QueryRecord],
    outcomes: &[Option<Outcome>],
    thresholds: &[f64],
) -> QualityReport {
    let mut overall = RecallTally::default();
    let mut by_corruption: Vec<(String, RecallTally)> = Vec::new();
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    let mut miss_classes: BTreeMap<String, u64> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut negative_default: Vec<&[Ranked]> = Vec::new();
    let mut negative_low: Vec<&[Ranked]> = Vec::new();
    let mut positive_low: Vec<(&[String], &[Ranked])> = Vec::new();
    for (query, outcome) in queries.iter().zip(outcomes) {
        let default = outcome.as_ref().map(|(d, _)| d);
        let low = outcome.as_ref().map(|(_, l)| l);
        for answer in [default, low].into_iter().flatten() {
            if let Err(status) = answer {
                *errors.entry(format!("{:?}", status.code())).or_default() += 1;
            }
        }
        if query.is_negative() {
            negative_default.push(ranked(default));
            negative_low.push(ranked(low));
            continue;
        }
        positive_low.push((&query.expected, ranked(low)));
        let answer = ranked(default);
        let rank = first_hit(&query.expected, answer);
        overall.add(rank);
        let at = match by_corruption
            .iter()
            .position(|(c, _)| *c == query.corruption)
        {
            Some(at) => at,
            None => {
                by_corruption.push((query.corruption.clone(), RecallTally::default()));
                by_corruption.len() - 1
            }
        };
        by_corruption[at].1.add(rank);
        if rank.is_some_and(|r| r <= 10) {
            continue;
        }
        let (class, expected_score) = classify(query, answer);
        *miss_classes.entry(class.to_string()).or_default() += 1;
        let shown = misses
            .iter()
            .filter(|m: &&Miss| m.corruption == query.corruption && m.class == class)
            .count();
        if shown < EXAMPLES {
            misses.push(Miss {
                query: query.id.clone(),
                corruption: query.corruption.clone(),
                class: class.to_string(),
                values: query.values.clone(),
                sources: query.sources.clone(),
                expected_score,
                returned: answer
                    .iter()
                    .take(3)
                    .map(|m| (m.id.clone(), m.score))
                    .collect(),
            });
        }
    }
    by_corruption.sort_by_key(|(label, _)| label_order(label));
    QualityReport {
        target: String::new(),
        queries: queries.len() as u64,
        threshold: DEFAULT_THRESHOLD,
        overall: overall.recall(),
        by_corruption: by_corruption
            .into_iter()
            .map(|(corruption, tally)| CorruptionRecall {
                corruption,
                recall: tally.recall(),
            })
            .collect(),
        negatives: negatives(&negative_default, DEFAULT_THRESHOLD),
        sweep: sweep(&positive_low, &negative_low, thresholds),
        miss_classes,
        misses,
        errors,
        seconds: 0.0,
    }
}

/// Whether the node treats the declared kind and the stored one as one kind (a HIN is the
/// body of a CIN).
fn same_kind(declared: IdentifierKind, stored: IdentifierKind) -> bool {
    use IdentifierKind::{Cin, Hin};
    declared == stored || matches!((declared, stored), (Hin, Cin) | (Cin, Hin))
}

/// Why a one-value query missed, and the score its expected alert would have had.
fn classify(query: &QueryRecord, answer: &[Ranked]) -> (&'static str, Option<f64>) {
    let ([value], [source]) = (query.values.as_slice(), query.sources.as_slice()) else {
        return ("unclassified", None);
    };
    let (Ok(declared), Ok(Some(stored_kind))) = (value.identifier_kind(), source.identifier_kind())
    else {
        return ("unclassified", None);
    };
    let Ok(parsed) = Query::parse(&value.value, declared) else {
        return ("below_threshold", Some(0.0));
    };
    let stored = parse(&source.value, Some(stored_kind)).normalised;
    let factor = match declared {
        Some(kind) if !same_kind(kind, stored_kind) => WRONG_KIND,
        _ => 1.0,
    };
    let expected = score(&parsed, &stored) * factor;
    let class = if expected < DEFAULT_THRESHOLD {
        "below_threshold"
    } else if answer.get(9).is_some_and(|tenth| tenth.score >= expected) {
        "crowded"
    } else {
        "not_found"
    };
    (class, Some(expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(corruption: &str, typed: &str, kind: IdentifierKind, source: &str) -> QueryRecord {
        QueryRecord {
            id: "q1".to_string(),
            corruption: corruption.to_string(),
            values: vec![QueryValue::new(kind, typed)],
            text: None,
            expected: vec!["NL-1".to_string()],
            sources: vec![QueryValue::new(IdentifierKind::Hin, source)],
        }
    }

    fn answer(n: usize, score: f64) -> Vec<Ranked> {
        (0..n)
            .map(|i| Ranked {
                id: format!("X{i}"),
                score,
                near: true,
            })
            .collect()
    }

    #[test]
    fn misses_are_classed() {
        let typed = record(
            "one_edit",
            "BAY12346D404",
            IdentifierKind::Hin,
            "BAY12345D404",
        );
        let (class, score) = classify(&typed, &[]);
        assert_eq!(class, "not_found");
        assert!(score.is_some_and(|s| s > 0.75), "{score:?}");
        assert_eq!(classify(&typed, &answer(10, 0.99)).0, "crowded");
        assert_eq!(classify(&typed, &answer(9, 0.99)).0, "not_found");
        let far = record(
            "two_edits",
            "QXW98765K111",
            IdentifierKind::Hin,
            "BAY12345D404",
        );
        assert_eq!(classify(&far, &[]).0, "below_threshold");
        let wrong = record(
            "wrong_kind",
            "BAY12345D404",
            IdentifierKind::EngineSerial,
            "BAY12345D404",
        );
        assert_eq!(classify(&wrong, &[]).1, Some(0.9));
    }

    #[test]
    fn figures_count_errors_as_misses() {
        let queries = vec![
            record("clean", "BAY12345D404", IdentifierKind::Hin, "BAY12345D404"),
            QueryRecord {
                expected: Vec::new(),
                sources: Vec::new(),
                corruption: "negative".to_string(),
                ..record("negative", "ZZZ99999A111", IdentifierKind::Hin, "")
            },
        ];
        let found = Answer {
            ranked: vec![Ranked {
                id: "NL-1".to_string(),
                score: 1.0,
                near: true,
            }],
            server_elapsed: None,
            nodes: Vec::new(),
            partial: false,
        };
        let failed = || Err(tonic::Status::unavailable("down"));
        let outcomes = vec![
            Some((Ok(found.clone()), Ok(found))),
            Some((failed(), failed())),
        ];
        let report = figures(&queries, &outcomes, &[0.3, 0.5]);
        assert_eq!(report.overall.recall_at_1, 1.0);
        assert_eq!(report.by_corruption[0].corruption, "clean");
        assert_eq!(report.negatives.queries, 1);
        assert_eq!(report.negatives.false_hits, 0);
        assert_eq!(report.errors.get("Unavailable"), Some(&2));
        assert_eq!(report.sweep.len(), 2);
    }
}
