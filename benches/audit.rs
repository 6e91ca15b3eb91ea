//! Micro-benchmark of the audit log's writer: what a server's request path pays to record a
//! call, and what the group commit sustains.
//!
//! What is measured, on a fresh log in a temporary folder (its disk decides the fsync's cost):
//! - `audit/append`: a search's record handed to the writer thread (`AuditLog::append`: a
//!   channel send, no fsync), 1,000 records then a flush, so that the writer's batches and
//!   fsyncs are counted in;
//! - `audit/append_durable`: a partner look-up's record, each returned once on disk (an fsync
//!   per record when alone);
//! - `audit/append_durable_8_threads`: eight callers waiting at once, 100 records each: the
//!   group commit shares one fsync among whoever waits.
//!
//! Run with `cargo bench -p sismatch-microbenches --bench audit`.

// In a bench harness a failed setup step is a failed run, with its message.
#![allow(clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sismatch_audit::AuditLog;
use sismatch_proto::v1::{AuditRecord, LookupPurpose, Role};

/// A record like a partner look-up's.
fn record(n: u64) -> AuditRecord {
    AuditRecord {
        caller: format!("CN=officer {n}, O=Politie"),
        role: Role::Police.into(),
        caller_country: "NL".to_owned(),
        purpose: LookupPurpose::TheftInvestigation.into(),
        case_reference: format!("PL1300-2026-{n:04}"),
        rpc: "/sismatch.v1.ManufacturerPartner/Lookup".to_owned(),
        identifiers: vec![format!("6CJ-{n:07}")],
        hit: n.is_multiple_of(3),
        peer: "127.0.0.1:50312".to_owned(),
        ..AuditRecord::default()
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let log = Arc::new(AuditLog::open(dir.path(), "node NL").expect("the log"));
    let mut group = c.benchmark_group("audit");
    group.sample_size(10);

    const QUEUED: u64 = 1_000;
    group.throughput(Throughput::Elements(QUEUED));
    group.bench_function("append", |b| {
        b.iter(|| {
            for n in 0..QUEUED {
                log.append(record(n)).expect("appended");
            }
            log.flush().expect("flushed");
        });
    });

    group.throughput(Throughput::Elements(1));
    group.bench_function("append_durable", |b| {
        b.iter(|| log.append_durable(record(1)).expect("durable"));
    });

    const THREADS: u64 = 8;
    const EACH: u64 = 100;
    group.throughput(Throughput::Elements(THREADS * EACH));
    group.bench_function("append_durable_8_threads", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let started = Instant::now();
                let threads: Vec<_> = (0..THREADS)
                    .map(|_| {
                        let log = Arc::clone(&log);
                        std::thread::spawn(move || {
                            for n in 0..EACH {
                                log.append_durable(record(n)).expect("durable");
                            }
                        })
                    })
                    .collect();
                for thread in threads {
                    thread.join().expect("a writer thread");
                }
                total += started.elapsed();
            }
            total
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
