//! Appending: sequence numbers, the chain across restarts, durability, concurrency.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{record, write_log};
use crate::writer::SYNC_WITHIN;
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

/// A record nobody waits for is synced without a flush, once, soon after it was written
/// (within `SYNC_WITHIN`; the test waits longer, the machine may be busy).
#[test]
fn a_lone_record_is_synced_without_a_flush() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path(), "node NL").unwrap();
    log.append(record(1)).unwrap();
    let asked = Instant::now();
    while log.syncs() == 0 && asked.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(log.syncs(), 1);
    std::thread::sleep(SYNC_WITHIN * 4);
    assert_eq!(
        log.syncs(),
        1,
        "nothing was written since: nothing to sync again"
    );
    log.flush().unwrap();
    assert_eq!(
        log.syncs(),
        1,
        "a flush with nothing unsynced makes no fsync"
    );
    log.close().unwrap();
    assert_eq!(verify(dir.path()).unwrap().records, 1);
}

/// Records appended as fast as a busy node's searches share their fsyncs: at most one per
/// `SYNC_WITHIN`, and one for the flush that waits; none is lost.
#[test]
fn a_run_of_appends_shares_its_syncs() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path(), "node NL").unwrap();
    let started = Instant::now();
    for n in 1..=3000 {
        log.append(record(n)).unwrap();
    }
    log.flush().unwrap();
    let periods = started.elapsed().as_micros() / SYNC_WITHIN.as_micros();
    let syncs = log.syncs();
    assert!(
        (1..=periods as usize + 2).contains(&syncs),
        "{syncs} syncs in {:?}",
        started.elapsed()
    );
    log.close().unwrap();
    assert_eq!(verify(dir.path()).unwrap().records, 3000);
}

/// A durable append returns only after a sync that covers it, even right after records
/// nobody waited for.
#[test]
fn a_durable_append_syncs_what_came_before() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path(), "partner YAMAHA").unwrap();
    log.append(record(1)).unwrap();
    log.append(record(2)).unwrap();
    let before = log.syncs();
    assert_eq!(log.append_durable(record(3)).unwrap(), 3);
    assert!(
        log.syncs() > before,
        "the durable append made or waited for a sync"
    );
    drop(log);
    assert_eq!(verify(dir.path()).unwrap().records, 3);
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
