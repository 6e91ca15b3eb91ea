//! Tests of the log on real RocksDB databases in temporary folders. The pure parts (the
//! chain, the JSON) are tested next to their code.

mod appending;
mod exporting;
mod never_panics;
mod tampering;

use std::path::Path;

use prost::Message;
use rocksdb::DB;
use sismatch_proto::v1::{AuditRecord, LookupPurpose, Role};

use crate::AuditLog;
use crate::chain;
use crate::db::RECORDS;

/// A record as a partner's gate would fill it, the `n`th of a test.
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

/// A log in `dir` with records 1..=`count`, closed again.
fn write_log(dir: &Path, count: u64) {
    let log = AuditLog::open(dir, "partner YAMAHA").unwrap();
    for n in 1..=count {
        log.append(record(n)).unwrap();
    }
    log.close().unwrap();
}

/// The log's database opened directly, as someone tampering with it would.
fn raw(dir: &Path) -> DB {
    DB::open_cf(&rocksdb::Options::default(), dir, ["records", "meta"]).unwrap()
}

/// Record `sequence`, read directly.
fn read(db: &DB, sequence: u64) -> AuditRecord {
    let records = db.cf_handle(RECORDS).unwrap();
    let bytes = db.get_cf(records, chain::key(sequence)).unwrap().unwrap();
    AuditRecord::decode(bytes.as_slice()).unwrap()
}

/// Overwrites record `sequence` directly with `record`.
fn overwrite(db: &DB, sequence: u64, record: &AuditRecord) {
    let records = db.cf_handle(RECORDS).unwrap();
    db.put_cf(records, chain::key(sequence), record.encode_to_vec())
        .unwrap();
}
