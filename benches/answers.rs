//! Micro-benchmark of a node's whole search in process, through its gRPC adapter but without
//! the network: what every search that finds something costs the node beyond its look-ups.
//!
//! What is measured: `answers/<query>`, `NodeService::search` (the tonic handler: request
//! checks, the key index's candidates and their scores, the top ten read from the store,
//! scored again and explained, converted for the wire) and the answer's protobuf encoding, on
//! a node in a temporary folder holding `SISMATCH_BENCH_ALERTS` alerts (default 50,000 of the
//! seeded sample generator, seed 11, one country), imported in batches of 2,000 and indexed.
//! Queries are stored values misread as officers do (`clean`, `look_alike`, `two_edits`, from
//! `sismatch-sample`'s `corrupt`), 200 per case, cycled; most find several alerts, so the
//! answer path (store reads, JSON decoding, explanations, conversion) is a large share.
//!
//! Run with `cargo bench -p sismatch-microbenches --bench answers`, or for a quick run
//! `SISMATCH_BENCH_ALERTS=20000 cargo bench -p sismatch-microbenches --bench answers --
//! --warm-up-time 1 --measurement-time 3`.

// In a bench harness a failed setup step is a failed run, with its message.
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use sismatch_grpc::NodeService;
use sismatch_grpc::convert::kind_out;
use sismatch_node::{ImportItem, Node, NodeConfig};
use sismatch_proto::v1;
use sismatch_proto::v1::national_node_server::NationalNode;
use sismatch_sample::{Corruption, Generator, SampleConfig, corrupt};
use tonic::Request;

const QUERIES_PER_CASE: usize = 200;
const BATCH: usize = 2_000;
const CASES: [Corruption; 3] = [
    Corruption::Clean,
    Corruption::LookAlike,
    Corruption::TwoEdits,
];

fn alerts_wanted() -> u64 {
    std::env::var("SISMATCH_BENCH_ALERTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000)
}

/// A node of `wanted` generated alerts in `dir`, indexed, and the query cases over it.
async fn build(
    dir: &std::path::Path,
    wanted: u64,
) -> (Arc<Node>, Vec<(&'static str, Vec<v1::IdentifierQuery>)>) {
    let node = Node::open(NodeConfig {
        country: "NL".into(),
        data_dir: dir.to_path_buf(),
    })
    .expect("node");
    let node = Arc::new(node);
    let config = SampleConfig {
        countries: vec!["NL".to_string()],
        alerts: wanted,
        seed: 11,
        shared_per_mille: 0,
    };
    let mut cases: Vec<(&'static str, Vec<v1::IdentifierQuery>)> =
        CASES.iter().map(|c| (c.as_str(), Vec::new())).collect();
    let mut batch = Vec::with_capacity(BATCH);
    for sample in Generator::new(&config).expect("generator") {
        // Every 37th alert gives the query cases their values, spread over the corpus.
        if sample.object % 37 == 0 {
            let entry = &sample.alert.identifiers[0];
            for (corruption, (_, queries)) in CASES.iter().zip(&mut cases) {
                if queries.len() < QUERIES_PER_CASE
                    && let Some(typed) = corrupt(&entry.value, *corruption, sample.object)
                {
                    queries.push(v1::IdentifierQuery {
                        value: typed,
                        kind: kind_out(entry.kind),
                        manufacturer: String::new(),
                    });
                }
            }
        }
        batch.push(ImportItem {
            line: 0,
            alert: Ok(sample.alert),
        });
        if batch.len() == BATCH {
            let items = std::mem::take(&mut batch);
            node.import_batch(items, "bench").await.expect("import");
        }
    }
    if !batch.is_empty() {
        node.import_batch(batch, "bench").await.expect("import");
    }
    loop {
        let status = node.status().await.expect("status");
        if !status.rebuilding && status.index_sequence >= status.store_sequence {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (node, cases)
}

fn bench_answers(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let (node, cases) = runtime.block_on(build(dir.path(), alerts_wanted()));
    let service = NodeService::new(node);
    let mut group = c.benchmark_group("answers");
    for (case, queries) in &cases {
        let found: usize = queries
            .iter()
            .map(|query| {
                let request = search(query);
                let answer = runtime.block_on(service.search(request)).expect("search");
                answer.into_inner().matches.len()
            })
            .sum();
        eprintln!(
            "answers/{case}: {:.1} matches per search",
            found as f64 / queries.len() as f64
        );
        let mut i = 0;
        group.bench_function(BenchmarkId::from_parameter(case), |b| {
            b.iter(|| {
                i = (i + 1) % queries.len();
                let request = search(&queries[i]);
                let answer = runtime.block_on(service.search(black_box(request)));
                prost::Message::encode_to_vec(&answer.expect("search").into_inner())
            })
        });
    }
    group.finish();
}

/// A search of one value, top ten, as a police system sends it.
fn search(query: &v1::IdentifierQuery) -> Request<v1::NationalNodeSearchRequest> {
    Request::new(v1::NationalNodeSearchRequest {
        queries: vec![query.clone()],
        top_k: 10,
        ..v1::NationalNodeSearchRequest::default()
    })
}

criterion_group!(benches, bench_answers);
criterion_main!(benches);
