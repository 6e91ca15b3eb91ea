//! Tampering with a written log directly in RocksDB, and what `verify` then names.

use super::{overwrite, raw, read, write_log};
use crate::chain;
use crate::db::{META, META_LAST, RECORDS};
use crate::{AuditError, Broken, Reason, verify};

/// A closed log of 1000 records in a temporary folder.
fn thousand() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_log(dir.path(), 1000);
    dir
}

/// What `verify` says is the first broken record of the log in `dir`.
fn first_broken(dir: &tempfile::TempDir) -> Broken {
    let verification = verify(dir.path()).unwrap();
    assert_eq!(verification.records, 1000, "counted records");
    verification.first_broken.expect("the chain is broken")
}

#[test]
fn an_edited_field_breaks_the_record_s_own_hash() {
    let dir = thousand();
    let db = raw(dir.path());
    let mut record = read(&db, 500);
    record.caller = "CN=someone else".to_owned();
    overwrite(&db, 500, &record);
    drop(db);
    let broken = first_broken(&dir);
    assert_eq!(broken.sequence, 500);
    assert_eq!(broken.reason, Reason::Hash);
    assert_eq!(
        broken.to_string(),
        "record 500 is broken: hash does not match the record's content"
    );
}

#[test]
fn a_recomputed_hash_breaks_the_next_record_s_link() {
    let dir = thousand();
    let db = raw(dir.path());
    let mut record = read(&db, 500);
    record.hit = !record.hit;
    record.hash = chain::content_hash(&mut record).to_vec();
    overwrite(&db, 500, &record);
    drop(db);
    let broken = first_broken(&dir);
    assert_eq!(broken.sequence, 501);
    assert_eq!(broken.reason, Reason::PreviousHash(500));
    assert_eq!(
        broken.reason.to_string(),
        "previous_hash does not match record 500"
    );
}

#[test]
fn a_deleted_record_is_named_missing() {
    let dir = thousand();
    let db = raw(dir.path());
    db.delete_cf(db.cf_handle(RECORDS).unwrap(), chain::key(300))
        .unwrap();
    drop(db);
    let verification = verify(dir.path()).unwrap();
    assert_eq!(verification.records, 999);
    let broken = verification.first_broken.unwrap();
    assert_eq!(broken.sequence, 300);
    assert_eq!(broken.reason.to_string(), "record 300 is missing");
}

#[test]
fn records_removed_from_the_end_are_named_missing() {
    let dir = thousand();
    let db = raw(dir.path());
    let records = db.cf_handle(RECORDS).unwrap();
    for sequence in 998..=1000 {
        db.delete_cf(records, chain::key(sequence)).unwrap();
    }
    drop(db);
    let verification = verify(dir.path()).unwrap();
    assert_eq!(verification.records, 997);
    assert_eq!(
        verification.first_broken,
        Some(Broken {
            sequence: 998,
            reason: Reason::Missing(998),
        })
    );
}

#[test]
fn a_replaced_last_record_is_found_through_the_recorded_end() {
    let dir = thousand();
    let db = raw(dir.path());
    let mut record = read(&db, 1000);
    record.alert_ids.push("NL-000001".to_owned());
    record.hash = chain::content_hash(&mut record).to_vec();
    overwrite(&db, 1000, &record);
    drop(db);
    let broken = first_broken(&dir);
    assert_eq!((broken.sequence, broken.reason), (1000, Reason::LastHash));
}

#[test]
fn a_removed_first_record_is_found_by_its_successor() {
    let dir = thousand();
    let db = raw(dir.path());
    db.delete_cf(db.cf_handle(RECORDS).unwrap(), chain::key(1))
        .unwrap();
    drop(db);
    let broken = verify(dir.path()).unwrap().first_broken.unwrap();
    assert_eq!((broken.sequence, broken.reason), (1, Reason::Missing(1)));
}

#[test]
fn an_undecodable_record_and_a_stray_key_are_named() {
    let dir = thousand();
    let db = raw(dir.path());
    let records = db.cf_handle(RECORDS).unwrap();
    db.put_cf(records, chain::key(700), [0xff, 0xff, 0xff])
        .unwrap();
    drop(db);
    let broken = first_broken(&dir);
    assert_eq!((broken.sequence, broken.reason), (700, Reason::Undecodable));

    let dir = thousand();
    let db = raw(dir.path());
    // Sorts before every 8-byte key.
    db.put_cf(db.cf_handle(RECORDS).unwrap(), [0], b"").unwrap();
    drop(db);
    let verification = verify(dir.path()).unwrap();
    assert_eq!(verification.records, 1001);
    let broken = verification.first_broken.unwrap();
    assert_eq!((broken.sequence, broken.reason), (1, Reason::StrayKey));
}

#[test]
fn a_moved_record_is_named() {
    let dir = thousand();
    let db = raw(dir.path());
    let mut record = read(&db, 400);
    record.sequence = 401;
    record.hash = chain::content_hash(&mut record).to_vec();
    overwrite(&db, 400, &record);
    drop(db);
    let broken = first_broken(&dir);
    assert_eq!(
        (broken.sequence, broken.reason),
        (400, Reason::WrongSequence(401))
    );
}

#[test]
fn the_writer_never_overwrites_a_record_it_did_not_write() {
    let dir = thousand();
    let db = raw(dir.path());
    let mut extra = read(&db, 1000);
    extra.sequence = 1001;
    overwrite(&db, 1001, &extra);
    drop(db);
    let log = crate::AuditLog::open(dir.path(), "partner YAMAHA").unwrap();
    assert_eq!(log.append_durable(super::record(1)).unwrap(), 1002);
    log.close().unwrap();
    let broken = verify(dir.path()).unwrap().first_broken.unwrap();
    assert_eq!(broken.sequence, 1001);
}

#[test]
fn a_damaged_end_of_chain_stops_the_log_from_opening() {
    let dir = thousand();
    let db = raw(dir.path());
    db.put_cf(db.cf_handle(META).unwrap(), META_LAST, b"short")
        .unwrap();
    drop(db);
    let error = crate::AuditLog::open(dir.path(), "core").unwrap_err();
    assert!(matches!(error, AuditError::Corrupt(_)), "{error}");
    assert!(matches!(verify(dir.path()), Err(AuditError::Corrupt(_))));
}

#[test]
fn a_folder_without_a_log_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(verify(dir.path()), Err(AuditError::NotFound(_))));
    let mut out = Vec::new();
    assert!(matches!(
        crate::export(&dir.path().join("missing"), None, &mut out),
        Err(AuditError::NotFound(_))
    ));
}

#[test]
fn a_failed_write_stops_the_log() {
    let dir = tempfile::tempdir().unwrap();
    write_log(dir.path(), 1);
    let db = raw(dir.path());
    // A chain at the last sequence number: the next record cannot be numbered.
    let end = chain::Last {
        sequence: u64::MAX,
        hash: vec![0; 32],
    };
    db.put_cf(db.cf_handle(META).unwrap(), META_LAST, end.encode())
        .unwrap();
    drop(db);
    let log = crate::AuditLog::open(dir.path(), "core").unwrap();
    let error = log.append_durable(super::record(1)).unwrap_err();
    assert!(matches!(error, AuditError::Corrupt(_)), "{error}");
    let stopped = AuditError::Failed(error.to_string());
    assert_eq!(log.append(super::record(2)), Err(stopped.clone()));
    assert_eq!(log.flush(), Err(stopped.clone()));
    assert_eq!(log.close(), Err(stopped));
}
