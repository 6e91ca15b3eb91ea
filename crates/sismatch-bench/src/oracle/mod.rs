//! `sismatch bench oracle`: a brute-force recall oracle for the engine.
//!
//! Why: a quality run counts a miss as *crowded* when ten other alerts score at least as well
//! as the expected one, which blames the data; but it cannot tell whether those ten are the
//! right ten. The oracle settles it. For a sample of queries it scores *every* stored alert
//! with the identifier core (no index, no candidate generation), ranks them with the node's
//! rule ([`rank`]), and compares its first ten with the engine's answer ([`judge`]). An alert
//! in the oracle's first ten that the engine did not return is an **engine-only miss**: ours,
//! not the data's. Zero is the bar. A ground-truth alert the oracle itself leaves out of its
//! first ten (crowded out, or below the threshold) is the data's miss, reported for context.
//!
//! The stored alerts come from the corpus files (`alerts-CC.ndjson`), the very files imported
//! into the federation, held compactly in a [`table::Table`]: with `--node` only that node's
//! country, with `--core` every country. The queries are the first `per_type` of each
//! corruption type of `queries.ndjson` and the first `negatives` negatives, so two runs on one
//! corpus check the same queries. The engine is searched as a client would (top 10, default
//! threshold, default filters); the oracle scans on several threads per query.
//!
//! What the oracle assumes: the federation holds exactly the corpus files (an alert changed or
//! added since shows as an engine answer the oracle does not rank, `unmatched`), and alert ids
//! are unique in them.

mod judge;
mod rank;
mod render;
mod table;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sismatch_ident::DEFAULT_THRESHOLD;

pub use judge::{Verdict, judge, placement};
pub use rank::{Plan, Scored, order, scan, score_alert};
pub use render::{headline, markdown, table as text_table, write};
pub use table::Table;

use crate::error::{BenchError, Result};
use crate::generate::{MANIFEST_FILE, Manifest, QUERIES_FILE, alert_file};
use crate::progress::Progress;
use crate::query::{NEGATIVE, QueryRecord, QueryValue, label_order, read_queries};
use crate::report::Machine;
use crate::target::{Search, Target, TypedValue};

/// Matches asked of the engine, and the oracle's first this many.
pub const TOP_K: usize = 10;

/// What to check, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OracleConfig {
    /// The corpus folder (`sismatch bench generate --out`).
    pub corpus: PathBuf,
    /// Countries whose alert files the searched server holds.
    pub countries: Vec<String>,
    /// Queries per corruption type (and of several identifiers), the first ones of the file.
    pub per_type: usize,
    /// Negative queries, the first ones of the file.
    pub negatives: usize,
    /// Threads the oracle scores on.
    pub threads: usize,
}

/// The figures of one corruption type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CorruptionOracle {
    /// The corruption type (`negative` for the negatives).
    pub corruption: String,
    /// Queries checked (searches that failed included).
    pub queries: u64,
    /// Alerts in the oracle's first ten, summed over the queries.
    pub oracle_top: u64,
    /// Alerts of the oracle's first ten the engine did not return: the bar is zero.
    pub engine_misses: u64,
    /// Queries with at least one engine-only miss.
    pub queries_with_misses: u64,
    /// Engine answers the oracle does not rank (not a match, or not searchable, by its rule).
    pub engine_unmatched: u64,
    /// Queries whose engine answer is in another order than the oracle's.
    pub disordered: u64,
    /// Queries the engine or the oracle refused, or whose search failed.
    pub errors: u64,
    /// Ground-truth alerts of the queries held by the searched server.
    pub expected: u64,
    /// Ground-truth alerts the oracle ranks matching, but below its tenth: crowded out.
    pub expected_crowded: u64,
    /// Ground-truth alerts the oracle does not rank: below the threshold, or not searchable.
    pub expected_unmatched: u64,
}

/// An engine-only miss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OracleMiss {
    /// The query's id.
    pub query: String,
    /// Its corruption type.
    pub corruption: String,
    /// What was typed.
    pub values: Vec<QueryValue>,
    /// The alert the engine missed.
    pub alert: String,
    /// Its place in the oracle's ranking, from 1.
    pub oracle_rank: usize,
    /// Query values it matches.
    pub queries_matched: usize,
    /// Its combined score.
    pub oracle_score: f64,
    /// Matches the engine returned.
    pub engine_returned: usize,
}

/// An engine answer the oracle does not rank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unmatched {
    /// The query's id.
    pub query: String,
    /// Its corruption type.
    pub corruption: String,
    /// The alert returned.
    pub alert: String,
    /// The score the engine gave it.
    pub engine_score: f64,
}

/// A query that could not be checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryError {
    /// The query's id.
    pub query: String,
    /// Its corruption type.
    pub corruption: String,
    /// What went wrong.
    pub message: String,
}

/// What the oracle found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OracleReport {
    /// When the run ended.
    pub date: Timestamp,
    /// Version of sismatch.
    pub sismatch_version: String,
    /// `git rev-parse HEAD` of the working folder, or `unknown`.
    pub git_commit: String,
    /// `release` or `debug`.
    pub build: String,
    /// Where it ran.
    pub machine: Machine,
    /// The corpus, when its manifest was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corpus: Option<Manifest>,
    /// `core` or `node`.
    pub target: String,
    /// Countries whose alerts the oracle holds.
    pub countries: Vec<String>,
    /// Alerts the oracle holds.
    pub alerts: u64,
    /// Indexable identifiers the oracle holds.
    pub identifiers: u64,
    /// Approximate memory of the oracle's table.
    pub table_bytes: u64,
    /// Threads the oracle scored on.
    pub threads: usize,
    /// Matches asked of the engine and compared.
    pub top_k: usize,
    /// The threshold of both (the default).
    pub threshold: f64,
    /// Queries checked.
    pub queries: u64,
    /// Alerts of the oracle's first ten the engine missed, over all queries: the bar is zero.
    pub engine_only_misses: u64,
    /// Per corruption type, in the order of `query::label_order`.
    pub by_corruption: Vec<CorruptionOracle>,
    /// Every engine-only miss.
    pub misses: Vec<OracleMiss>,
    /// Every engine answer the oracle does not rank.
    pub unmatched: Vec<Unmatched>,
    /// Every query that could not be checked.
    pub errors: Vec<QueryError>,
    /// Seconds spent reading the alerts.
    pub load_s: f64,
    /// Seconds the engine's searches took, in all.
    pub engine_s: f64,
    /// Seconds the oracle's scans took, in all.
    pub oracle_s: f64,
    /// Wall time of the run.
    pub seconds: f64,
}

/// The countries of the corpus in `dir`: its manifest's, or else those of its alert files.
pub fn corpus_countries(dir: &Path) -> Result<Vec<String>> {
    if let Some(manifest) = manifest(dir) {
        return Ok(manifest.countries);
    }
    let entries = std::fs::read_dir(dir).map_err(BenchError::io(dir))?;
    let mut countries = Vec::new();
    for entry in entries {
        let name = entry.map_err(BenchError::io(dir))?.file_name();
        let name = name.to_string_lossy();
        if let Some(country) = name
            .strip_prefix("alerts-")
            .and_then(|rest| rest.strip_suffix(".ndjson"))
        {
            countries.push(country.to_string());
        }
    }
    countries.sort();
    if countries.is_empty() {
        return Err(BenchError::Invalid(format!(
            "{}: no alerts-CC.ndjson files: not a corpus of `sismatch bench generate`",
            dir.display()
        )));
    }
    Ok(countries)
}

fn manifest(dir: &Path) -> Option<Manifest> {
    serde_json::from_str(&std::fs::read_to_string(dir.join(MANIFEST_FILE)).ok()?).ok()
}

/// The first `per_type` queries of each corruption type and the first `negatives` negatives,
/// in file order.
pub fn sample(queries: &[QueryRecord], per_type: usize, negatives: usize) -> Vec<QueryRecord> {
    let mut taken: BTreeMap<&str, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for query in queries {
        let wanted = if query.corruption == NEGATIVE {
            negatives
        } else {
            per_type
        };
        let count = taken.entry(query.corruption.as_str()).or_default();
        if *count < wanted {
            *count += 1;
            out.push(query.clone());
        }
    }
    out
}

/// What the oracle made of one query, owned (the ranking borrows the table).
struct Judged {
    /// The oracle's first ten: id, values matched, score.
    top: Vec<(String, usize, f64)>,
    verdict: Verdict,
    /// Where each expected alert held by the server stands in the oracle's ranking.
    expected: Vec<Option<usize>>,
}

/// The oracle's side of one query, on `threads` threads.
fn oracle(
    table: &Table,
    plan: &Plan,
    engine: &[String],
    expected: &[String],
    threads: usize,
) -> Judged {
    let ranking = scan(table, plan, Timestamp::now(), threads);
    let engine: Vec<&str> = engine.iter().map(String::as_str).collect();
    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    Judged {
        top: ranking
            .iter()
            .take(TOP_K)
            .map(|s| (s.id.to_string(), s.hits, s.score))
            .collect(),
        verdict: judge(&ranking, &engine, TOP_K),
        expected: placement(&ranking, &expected),
    }
}

/// Reads the alerts of `config.countries` from the corpus.
async fn load(config: &OracleConfig, show: bool) -> Result<Table> {
    let mut paths = Vec::with_capacity(config.countries.len());
    let mut bytes = 0;
    for country in &config.countries {
        let path = config.corpus.join(alert_file(country));
        let metadata = std::fs::metadata(&path).map_err(BenchError::io(&path))?;
        bytes += metadata.len();
        paths.push(path);
    }
    let progress = if show {
        Progress::new("load", bytes)
    } else {
        Progress::hidden()
    };
    tokio::task::spawn_blocking(move || {
        let mut table = Table::new();
        for path in paths {
            table.load(&path, &progress)?;
        }
        progress.finish();
        Ok(table)
    })
    .await
    .map_err(|e| BenchError::Report(format!("the loading task failed: {e}")))?
}

/// Checks the engine behind `target` against the oracle on the corpus of `config`, showing
/// progress on standard error when `show`.
pub async fn run(target: &Target, config: &OracleConfig, show: bool) -> Result<OracleReport> {
    let started = Instant::now();
    let all = read_queries(&config.corpus.join(QUERIES_FILE))?;
    let queries = sample(&all, config.per_type, config.negatives);
    let table = Arc::new(load(config, show).await?);
    let load_s = started.elapsed().as_secs_f64();
    let wanted: HashSet<&str> = queries
        .iter()
        .flat_map(|q| q.expected.iter().map(String::as_str))
        .collect();
    let held: HashSet<String> = (0..table.len())
        .map(|row| table.id(row))
        .filter(|id| wanted.contains(id))
        .map(str::to_string)
        .collect();
    let progress = if show {
        Progress::new("oracle", queries.len() as u64)
    } else {
        Progress::hidden()
    };
    let mut report = Tally::new(target.name(), config, &table);
    let mut engine = target.clone();
    for query in &queries {
        report
            .check(query, &mut engine, &table, &held, config.threads)
            .await?;
        progress.inc(1);
    }
    progress.finish();
    let mut report = report.finish();
    report.corpus = manifest(&config.corpus);
    report.load_s = load_s;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The report as it fills, query by query.
struct Tally {
    report: OracleReport,
    by_corruption: BTreeMap<String, CorruptionOracle>,
}

impl Tally {
    fn new(target: &str, config: &OracleConfig, table: &Table) -> Tally {
        Tally {
            report: OracleReport {
                date: Timestamp::now(),
                sismatch_version: env!("CARGO_PKG_VERSION").to_string(),
                git_commit: crate::report::git_commit(),
                build: if cfg!(debug_assertions) {
                    "debug"
                } else {
                    "release"
                }
                .to_string(),
                machine: crate::report::machine(),
                corpus: None,
                target: target.to_string(),
                countries: config.countries.clone(),
                alerts: table.len() as u64,
                identifiers: table.identifier_count() as u64,
                table_bytes: table.memory_bytes() as u64,
                threads: config.threads.max(1),
                top_k: TOP_K,
                threshold: DEFAULT_THRESHOLD,
                queries: 0,
                engine_only_misses: 0,
                by_corruption: Vec::new(),
                misses: Vec::new(),
                unmatched: Vec::new(),
                errors: Vec::new(),
                load_s: 0.0,
                engine_s: 0.0,
                oracle_s: 0.0,
                seconds: 0.0,
            },
            by_corruption: BTreeMap::new(),
        }
    }

    fn error(&mut self, query: &QueryRecord, message: String) {
        self.figures(query).errors += 1;
        self.report.errors.push(QueryError {
            query: query.id.clone(),
            corruption: query.corruption.clone(),
            message,
        });
    }

    fn figures(&mut self, query: &QueryRecord) -> &mut CorruptionOracle {
        self.by_corruption
            .entry(query.corruption.clone())
            .or_insert_with(|| CorruptionOracle {
                corruption: query.corruption.clone(),
                ..CorruptionOracle::default()
            })
    }

    /// Searches `query` with the engine and the oracle and counts the difference.
    async fn check(
        &mut self,
        query: &QueryRecord,
        engine: &mut Target,
        table: &Arc<Table>,
        held: &HashSet<String>,
        threads: usize,
    ) -> Result<()> {
        let typed: Vec<TypedValue> = query.typed_values().map_err(BenchError::Invalid)?;
        // The oracle scores identifiers: a text-only query gives it nothing to check.
        if typed.is_empty() {
            return Ok(());
        }
        self.report.queries += 1;
        self.figures(query).queries += 1;
        let plan = match Plan::new(&typed) {
            Ok(plan) => plan,
            Err(message) => {
                self.error(query, format!("the identifier core refuses it: {message}"));
                return Ok(());
            }
        };
        let searched = Instant::now();
        let search = Search {
            values: typed.clone(),
            text: String::new(),
        };
        let answer = engine.search(&search, TOP_K as u32, 0.0, false).await;
        self.report.engine_s += searched.elapsed().as_secs_f64();
        let answer = match answer {
            Ok(answer) => answer,
            Err(status) => {
                let message = format!("search failed: {:?}: {}", status.code(), status.message());
                self.error(query, message);
                return Ok(());
            }
        };
        let returned: Vec<String> = answer.ranked.iter().map(|r| r.id.clone()).collect();
        let expected: Vec<String> = query
            .expected
            .iter()
            .filter(|id| held.contains(*id))
            .cloned()
            .collect();
        let scanned = Instant::now();
        let judged = {
            let (table, returned, expected) =
                (Arc::clone(table), returned.clone(), expected.clone());
            tokio::task::spawn_blocking(move || {
                oracle(&table, &plan, &returned, &expected, threads)
            })
            .await
            .map_err(|e| BenchError::Report(format!("an oracle scan failed: {e}")))?
        };
        self.report.oracle_s += scanned.elapsed().as_secs_f64();
        let verdict = &judged.verdict;
        let figures = self.figures(query);
        figures.oracle_top += judged.top.len() as u64;
        figures.engine_misses += verdict.misses.len() as u64;
        figures.queries_with_misses += u64::from(!verdict.misses.is_empty());
        figures.engine_unmatched += verdict.unmatched.len() as u64;
        figures.disordered += u64::from(verdict.disordered);
        figures.expected += expected.len() as u64;
        for placed in &judged.expected {
            match placed {
                Some(position) if *position >= TOP_K => figures.expected_crowded += 1,
                Some(_) => {}
                None => figures.expected_unmatched += 1,
            }
        }
        self.report.engine_only_misses += verdict.misses.len() as u64;
        for &position in &verdict.misses {
            let (alert, hits, score) = &judged.top[position];
            self.report.misses.push(OracleMiss {
                query: query.id.clone(),
                corruption: query.corruption.clone(),
                values: query.values.clone(),
                alert: alert.clone(),
                oracle_rank: position + 1,
                queries_matched: *hits,
                oracle_score: *score,
                engine_returned: returned.len(),
            });
        }
        for &at in &verdict.unmatched {
            self.report.unmatched.push(Unmatched {
                query: query.id.clone(),
                corruption: query.corruption.clone(),
                alert: returned[at].clone(),
                engine_score: answer.ranked[at].score,
            });
        }
        Ok(())
    }

    fn finish(mut self) -> OracleReport {
        let mut by_corruption: Vec<CorruptionOracle> = self.by_corruption.into_values().collect();
        by_corruption.sort_by_key(|figures| label_order(&figures.corruption));
        self.report.by_corruption = by_corruption;
        self.report.date = Timestamp::now();
        self.report
    }
}
