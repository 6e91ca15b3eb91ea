//! Micro-benchmark of the store's write path, the one a bulk import takes.
//!
//! What is measured, in a store in a temporary folder (its disk decides the fsync's cost):
//! - `store/import_2000`: one batch of 2,000 new alerts (two identifiers each, brand, model,
//!   colour, description, case reference) through `Store::apply`, one synced write per batch,
//!   the check that no other alert in force holds their numbers included; the store grows from
//!   batch to batch, as in an import;
//! - `store/reimport_unchanged_2000`: the same 2,000 alerts sent again: nothing is written,
//!   every alert is read and compared (what a retried import costs).
//!
//! Run with `cargo bench -p sismatch-microbenches --bench store`.

// In a bench harness a failed setup step is a failed run, with its message.
#![allow(clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jiff::Timestamp;
use sismatch_alert::Alert;
use sismatch_store::{Applied, Mutation, OnDuplicate, Store};

const BATCH: usize = 2_000;

/// Alert number `i` of the bench: a boat with a hull number and an engine serial of its own.
fn alert(i: usize) -> Alert {
    serde_json::from_value(serde_json::json!({
        "id": format!("NL-{i:08}"),
        "country": "NL",
        "category": "BOAT",
        "identifiers": [
            {"kind": "HIN", "value": format!("ABC{:05}D{:03}", i % 100_000, i / 100_000)},
            {"kind": "ENGINE_SERIAL", "value": format!("6CJ-{:07}", i * 7919 % 10_000_000), "location": "outboard"},
        ],
        "brand": "Bayliner",
        "model": "VR5",
        "colour": "white",
        "description": "white bowrider with a blue canopy, trailer included",
        "case_reference": format!("PL1300-2026-{i:05}"),
        "stolen_at": "2026-05-14T22:00:00Z",
    }))
    .expect("a valid alert")
}

fn put(alert: Alert) -> Mutation {
    Mutation::Put {
        alert,
        reason: None,
        changed_by: "bench".to_string(),
        expected_version: None,
        on_duplicate: OnDuplicate::Refuse,
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let store = Store::open(&dir.path().join("store")).expect("the store");
    let at = Timestamp::from_second(1_780_000_000).expect("a time");
    let next = AtomicUsize::new(0);
    let mut group = c.benchmark_group("store");
    group.sample_size(10);
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("import_2000", |b| {
        b.iter_batched(
            || {
                let first = next.fetch_add(BATCH, Ordering::Relaxed);
                (first..first + BATCH).map(|i| put(alert(i))).collect()
            },
            |batch: Vec<Mutation>| {
                let results = store.apply(batch, at).expect("applied");
                assert!(results.iter().all(|r| matches!(r, Ok(Applied::Created(_)))));
            },
            criterion::BatchSize::PerIteration,
        );
    });
    group.bench_function("reimport_unchanged_2000", |b| {
        b.iter_batched(
            || (0..BATCH).map(|i| put(alert(i))).collect(),
            |batch: Vec<Mutation>| {
                let results = store.apply(batch, at).expect("applied");
                assert!(
                    results
                        .iter()
                        .all(|r| matches!(r, Ok(Applied::Unchanged(_))))
                );
            },
            criterion::BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
