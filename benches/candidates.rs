//! Micro-benchmarks of the two steps of a federated search that sit between the identifier
//! core (`ident.rs`) and the network (`federation.rs`): a node's identifier candidate lookup,
//! and the core's merge of the nodes' answers.
//!
//! What is measured:
//! - `candidates/<query>`: `KeyIndex::candidates` of `sismatch-keyindex` (the node's in-memory
//!   identifier index; every candidate, no limit) on one index holding about
//!   `SISMATCH_BENCH_IDENTIFIERS` identifiers (default 1,000,000: some 700,000 alerts of the
//!   seeded sample generator, seed 11, one country), applied in batches of 20,000 alerts and
//!   then compacted, as a node leaves it after filling it from its store. Queries are stored
//!   values misread as officers do (`clean`, `look_alike`, `two_edits`, `fragment`,
//!   `pattern`, from `sismatch-sample`'s `corrupt`), 200 per case, cycled; `negative` queries
//!   are numbers of objects never stored (another seed): the no-hit path, which DESIGN §6
//!   wants cheapest.
//! - `merge/5_nodes`: `sismatch_core::merge::merge` of five nodes' answers of ten matches each
//!   (real alerts in wire form, overlapping scores) into the top ten, then `groups` over the
//!   result: what the core adds to the slowest node's answer time.
//!
//! Building the index takes seconds before the first measurement; it lives in memory, no
//! folder is written. Run with `cargo bench -p sismatch-microbenches --bench candidates`, or for
//! a quick run `SISMATCH_BENCH_IDENTIFIERS=100000 cargo bench -p sismatch-microbenches --bench
//! candidates -- --warm-up-time 1 --measurement-time 3`.

// In a bench harness a failed setup step is a failed run, with its message.
#![allow(clippy::expect_used)]

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use sismatch_alert::StoreChange;
use sismatch_core::merge::{NodeAnswer, groups, merge};
use sismatch_grpc::convert::{alert_out, kind_out};
use sismatch_ident::{Query, parse};
use sismatch_keyindex::KeyIndex;
use sismatch_proto::v1;
use sismatch_sample::{Corruption, Generator, SampleConfig, corrupt};

const QUERIES_PER_CASE: usize = 200;
/// Alerts per `KeyIndex::apply`, as the node fills its index from the store.
const BATCH: usize = 20_000;
const CASES: [Corruption; 5] = [
    Corruption::Clean,
    Corruption::LookAlike,
    Corruption::TwoEdits,
    Corruption::Fragment,
    Corruption::Pattern,
];

fn identifiers_wanted() -> u64 {
    std::env::var("SISMATCH_BENCH_IDENTIFIERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// The index of about `wanted` identifiers and the query cases over it.
fn build(wanted: u64) -> (KeyIndex, Vec<(&'static str, Vec<Query>)>) {
    let index = KeyIndex::new();
    let config = SampleConfig {
        countries: vec!["NL".to_string()],
        alerts: wanted,
        seed: 11,
        shared_per_mille: 0,
    };
    let mut cases: Vec<(&'static str, Vec<Query>)> =
        CASES.iter().map(|c| (c.as_str(), Vec::new())).collect();
    let mut batch = Vec::with_capacity(BATCH);
    let mut identifiers = 0;
    let mut sequence = 0;
    for sample in Generator::new(&config).expect("generator") {
        identifiers += sample.alert.identifiers.len() as u64;
        // Every 97th alert gives the query cases their values, spread over the corpus.
        if sample.object % 97 == 0 {
            let entry = &sample.alert.identifiers[0];
            for (corruption, (_, queries)) in CASES.iter().zip(&mut cases) {
                if queries.len() < QUERIES_PER_CASE
                    && let Some(typed) = corrupt(&entry.value, *corruption, sample.object)
                    && let Ok(query) = Query::parse(&typed, Some(entry.kind))
                {
                    queries.push(query);
                }
            }
        }
        batch.push(sample.alert);
        if batch.len() == BATCH || identifiers >= wanted {
            sequence += 1;
            let changes: Vec<StoreChange<'_>> = batch.iter().map(StoreChange::Upsert).collect();
            index.apply(&changes, sequence);
            batch.clear();
        }
        if identifiers >= wanted {
            break;
        }
    }
    index.compact();
    let stats = index.stats();
    eprintln!(
        "index: {} identifiers of {} alerts, {} posting segment(s), {} MiB",
        stats.identifiers,
        stats.alerts,
        stats.segments,
        stats.bytes >> 20
    );
    let unstored = SampleConfig {
        seed: 12_345,
        alerts: QUERIES_PER_CASE as u64,
        ..config
    };
    let negatives = Generator::new(&unstored)
        .expect("generator")
        .filter_map(|s| {
            let entry = &s.alert.identifiers[0];
            Query::parse(&entry.value, Some(entry.kind)).ok()
        })
        .collect();
    cases.push(("negative", negatives));
    (index, cases)
}

fn bench_candidates(c: &mut Criterion) {
    let (index, cases) = build(identifiers_wanted());
    let mut group = c.benchmark_group("candidates");
    for (case, queries) in &cases {
        let mut i = 0;
        group.bench_function(BenchmarkId::from_parameter(case), |b| {
            b.iter(|| {
                i = (i + 1) % queries.len();
                let one = std::slice::from_ref(&queries[i]);
                index.candidates(black_box(one))
            })
        });
    }
    group.finish();
}

/// Five answers of ten matches each: node `n` answers with alerts of its own, scores spread
/// so that the merge interleaves them, and every node also returns one shared object.
fn answers() -> Vec<NodeAnswer> {
    let countries = ["NL", "BE", "FR", "DE", "IT"];
    let config = SampleConfig {
        countries: countries.iter().map(|c| c.to_string()).collect(),
        alerts: 400,
        seed: 3,
        shared_per_mille: 100,
    };
    let samples: Vec<_> = Generator::new(&config).expect("generator").collect();
    countries
        .iter()
        .enumerate()
        .map(|(n, country)| {
            let matches = samples
                .iter()
                .filter(|s| s.alert.country == *country)
                .take(10)
                .enumerate()
                .map(|(i, s)| {
                    let entry = &s.alert.identifiers[0];
                    let score = 1.0 - (i * 5 + n) as f64 / 100.0;
                    v1::Match {
                        country: country.to_string(),
                        alert: Some(alert_out(s.alert.clone())),
                        score,
                        identifier_matches: vec![v1::IdentifierMatch {
                            query_index: 0,
                            query_value: entry.value.clone(),
                            normalized_query: parse(&entry.value, Some(entry.kind)).normalised,
                            matched_identifier: Some(v1::Identifier {
                                kind: kind_out(entry.kind),
                                value: entry.value.clone(),
                                ..v1::Identifier::default()
                            }),
                            score,
                            ..v1::IdentifierMatch::default()
                        }],
                        ..v1::Match::default()
                    }
                })
                .collect();
            NodeAnswer {
                node: country.to_string(),
                matches,
            }
        })
        .collect()
}

fn bench_merge(c: &mut Criterion) {
    let answers = answers();
    c.bench_function("merge/5_nodes", |b| {
        b.iter_batched(
            || answers.clone(),
            |answers| {
                let merged = merge(black_box(answers), 10);
                groups(&merged)
            },
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, bench_merge, bench_candidates);
criterion_main!(benches);
