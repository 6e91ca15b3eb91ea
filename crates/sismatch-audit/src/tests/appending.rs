//! Appending: sequence numbers, the chain across restarts, durability, concurrency.

use std::sync::Arc;

use super::{record, write_log};
use crate::{AuditLog, verify};

#[test]
fn a_chain_of_a_thousand_appends_verifies() {
    let dir = tempfile::tempdir().unwrap();
    write_log(dir.path(), 1000);
    let verification = verify(dir.path()).unwrap();
    assert_eq!(verification.records, 1000);
    assert_eq!(verification.first_broken, None);
    assert!(verification.is_intact());
}

#[test]
fn an_empty_log_verifies() {
    let dir = tempfile::tempdir().unwrap();
    AuditLog::open(dir.path(), "core").unwrap().close().unwrap();
    let verification = verify(dir.path()).unwrap();
    assert_eq!(verification.records, 0);
    assert!(verification.is_intact());
}

#[test]
fn reopening_continues_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    write_log(dir.path(), 10);
    let log = AuditLog::open(dir.path(), "partner YAMAHA").unwrap();
    assert_eq!(log.append_durable(record(11)).unwrap(), 11);
    drop(log);

    let db = super::raw(dir.path());
    let tenth = super::read(&db, 10);
    let eleventh = super::read(&db, 11);
    assert_eq!(eleventh.previous_hash, tenth.hash);
    assert_eq!(eleventh.server, "partner YAMAHA");
    assert!(eleventh.recorded_at.is_some());
    drop(db);
    assert_eq!(verify(dir.path()).unwrap().records, 11);
}

#[test]
fn durable_appends_return_increasing_sequences() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path(), "core").unwrap();
    log.append(record(1)).unwrap();
    let mut previous = 1;
    for n in 2..20 {
        let sequence = log.append_durable(record(n)).unwrap();
        assert_eq!(sequence, previous + 1);
        previous = sequence;
    }
    log.close().unwrap();
}

#[test]
fn what_the_log_sets_replaces_what_the_caller_put() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path(), "node NL").unwrap();
    let mut forged = record(1);
    forged.sequence = 99;
    forged.server = "core".to_owned();
    forged.previous_hash = vec![1; 32];
    forged.hash = vec![2; 32];
    assert_eq!(log.append_durable(forged).unwrap(), 1);
    log.close().unwrap();
    let stored = super::read(&super::raw(dir.path()), 1);
    assert_eq!(stored.server, "node NL");
    assert!(stored.previous_hash.is_empty());
    assert_eq!(verify(dir.path()).unwrap().first_broken, None);
}

#[test]
fn verify_reads_a_log_that_is_open_for_writing() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path(), "core").unwrap();
    for n in 1..=25 {
        log.append(record(n)).unwrap();
    }
    log.flush().unwrap();
    let verification = verify(dir.path()).unwrap();
    assert_eq!(verification.records, 25);
    assert!(verification.is_intact());
    // The writer is unaffected by the reader.
    assert_eq!(log.append_durable(record(26)).unwrap(), 26);
    log.close().unwrap();
}

#[test]
fn a_second_writer_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _log = AuditLog::open(dir.path(), "core").unwrap();
    assert!(AuditLog::open(dir.path(), "core").is_err());
}

#[test]
fn concurrent_appends_make_one_gap_free_chain() {
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(AuditLog::open(dir.path(), "core").unwrap());
    let threads: Vec<_> = (0..8)
        .map(|thread| {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                let mut durable = Vec::new();
                for n in 0..250 {
                    let entry = record(thread * 1000 + n);
                    if n % 50 == 0 {
                        durable.push(log.append_durable(entry).unwrap());
                    } else {
                        log.append(entry).unwrap();
                    }
                }
                durable
            })
        })
        .collect();
    let mut durable: Vec<u64> = threads
        .into_iter()
        .flat_map(|thread| thread.join().unwrap())
        .collect();
    Arc::into_inner(log).unwrap().close().unwrap();

    durable.sort_unstable();
    durable.dedup();
    assert_eq!(
        durable.len(),
        8 * 5,
        "every durable append got its own sequence"
    );
    let verification = verify(dir.path()).unwrap();
    assert_eq!(verification.records, 2000);
    assert_eq!(verification.first_broken, None);
}
