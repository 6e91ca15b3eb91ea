//! End-to-end latency of a federated search: a client → the matching core → N national nodes
//! → back, all real gRPC on loopback, real RocksDB and tantivy in a temporary folder, the
//! servers a deployment runs (`sismatch-serve`'s `LocalFederation`, audit logs included).
//!
//! What is measured: the wall time of one `MatchingCore.Search` call as the client sees it,
//! one call at a time (closed loop, concurrency 1), for federations of 3 and 5 nodes. Each
//! node holds `SISMATCH_BENCH_ALERTS_PER_NODE` alerts (default 20,000) from the seeded sample
//! generator (`sismatch-sample`, seed 7). Queries are stored identifier values corrupted as
//! officers misread them (look-alikes, one and two edits, transpositions, fragments, patterns),
//! cycled; 200 warm-up calls are not counted, then `SISMATCH_BENCH_QUERIES` (default 2,000)
//! are. Reported: p50, p90, p99, max and searches/s.
//!
//! Run with `cargo bench -p sismatch-microbenches --bench federation`. This is a custom harness
//! (percentiles, not criterion's means), so criterion's flags do not apply.

// In a bench harness a failed setup step is a failed run, with its message.
#![allow(clippy::expect_used)]

use std::time::{Duration, Instant};

use sismatch_grpc::convert::kind_out;
use sismatch_node::{ImportItem, Node, NodeOptions};
use sismatch_proto::v1;
use sismatch_proto::v1::matching_core_client::MatchingCoreClient;
use sismatch_sample::{Corruption, Generator, SampleConfig, corrupt};
use sismatch_serve::LocalFederation;

const COUNTRIES: [&str; 5] = ["NL", "BE", "FR", "DE", "IT"];
const WARM_UP: usize = 200;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn load(node: &Node, alerts: Vec<sismatch_alert::Alert>) {
    let count = alerts.len();
    for (b, chunk) in alerts.chunks(5_000).enumerate() {
        let items = chunk
            .iter()
            .enumerate()
            .map(|(i, alert)| ImportItem {
                line: (b * 5_000 + i + 1) as u64,
                alert: Ok(alert.clone()),
            })
            .collect();
        let outcome = node.import_batch(items, "import:bench sample").await;
        let outcome = outcome.expect("import");
        assert_eq!(outcome.rejected, 0, "{:?}", outcome.errors.first());
    }
    assert!(node.wait_indexed(Duration::from_secs(600)).await);
    // A bulk load is followed by a compaction: measure after it, as an operator would.
    let compacts = count as u64 >= sismatch_node::COMPACT_AFTER;
    let deadline = Instant::now() + Duration::from_secs(600);
    while compacts
        && node.status().await.expect("status").index_segments > 1
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

async fn run(nodes: usize, per_node: usize, queries: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let countries: Vec<String> = COUNTRIES[..nodes].iter().map(|c| c.to_string()).collect();
    let config = SampleConfig {
        countries: countries.clone(),
        alerts: (per_node * nodes) as u64,
        seed: 7,
        ..SampleConfig::default()
    };
    let samples: Vec<_> = Generator::new(&config).expect("generator").collect();
    let started = Instant::now();
    let federation = LocalFederation::builder()
        .countries(&countries)
        .data_dir(dir.path())
        .node_options(NodeOptions::for_sample())
        .start()
        .await
        .expect("the federation starts");
    for local in federation.nodes() {
        let alerts = samples
            .iter()
            .filter(|s| s.alert.country == local.country)
            .map(|s| s.alert.clone())
            .collect();
        load(&local.node, alerts).await;
    }
    eprintln!(
        "{nodes} nodes × {per_node} alerts loaded in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let core_addr = federation.core().expect("a core").addr;
    let mut client = MatchingCoreClient::connect(format!("http://{core_addr}"))
        .await
        .expect("client");

    let corruptions = [
        Corruption::LookAlike,
        Corruption::OneEdit,
        Corruption::TwoEdits,
        Corruption::Transposition,
        Corruption::Fragment,
        Corruption::Pattern,
        Corruption::Separators,
    ];
    let mut requests = Vec::new();
    let mut seed = 1_u64;
    'fill: while requests.len() < queries + WARM_UP {
        for sample in samples.iter().step_by(7) {
            let identifier = &sample.alert.identifiers[0];
            seed += 1;
            let corruption = corruptions[seed as usize % corruptions.len()];
            if let Some(value) = corrupt(&identifier.value, corruption, seed) {
                requests.push(v1::MatchingCoreSearchRequest {
                    queries: vec![v1::IdentifierQuery {
                        value,
                        kind: kind_out(identifier.kind),
                        manufacturer: String::new(),
                    }],
                    ..v1::MatchingCoreSearchRequest::default()
                });
            }
            if requests.len() >= queries + WARM_UP {
                break 'fill;
            }
        }
    }
    let mut latencies = Vec::with_capacity(queries);
    let mut not_ok = 0;
    let measured = Instant::now();
    for (i, request) in requests.into_iter().enumerate() {
        if i == WARM_UP {
            latencies.clear();
        }
        let sent = Instant::now();
        let answer = client.search(request).await.expect("search").into_inner();
        latencies.push(sent.elapsed());
        if answer.partial {
            not_ok += 1;
        }
    }
    let total = measured.elapsed();
    latencies.sort();
    println!(
        "federation/{nodes}_nodes/{per_node}_per_node: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms, {:.0} searches/s, {not_ok} partial answers",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.90),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0),
        latencies.len() as f64 / total.as_secs_f64(),
    );
    federation.stop().await.expect("the federation stops");
}

fn main() {
    let per_node = env_number("SISMATCH_BENCH_ALERTS_PER_NODE", 20_000);
    let queries = env_number("SISMATCH_BENCH_QUERIES", 2_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for nodes in [3, 5] {
        runtime.block_on(run(nodes, per_node, queries));
    }
}
