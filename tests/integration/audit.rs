//! `sismatch audit verify|export` on a log written by the library, before and after someone
//! edits a record directly in RocksDB.

use std::path::Path;
use std::time::Duration;

use prost::Message;
use serde_json::Value;
use sismatch_audit::AuditLog;
use sismatch_proto::v1;

use crate::support::{NodeProcess, client, sismatch, sismatch_json};

/// A log of 50 partner look-ups in `dir`.
fn write_log(dir: &Path) {
    let log = AuditLog::open(dir, "partner YAMAHA").unwrap();
    for n in 1..=50 {
        log.append(v1::AuditRecord {
            caller: format!("CN=officer {n}, O=Politie"),
            role: v1::Role::Police.into(),
            caller_country: "NL".to_owned(),
            purpose: v1::LookupPurpose::TheftInvestigation.into(),
            case_reference: format!("PL1300-2026-{n:04}"),
            rpc: "/sismatch.v1.ManufacturerPartner/Lookup".to_owned(),
            identifiers: vec![format!("6CJ-{n:07}")],
            ..v1::AuditRecord::default()
        })
        .unwrap();
    }
    log.close().unwrap();
}

/// Changes the caller of record `sequence` directly in the log's database, keeping its hash.
fn tamper(dir: &Path, sequence: u64) {
    let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), dir, ["records", "meta"]).unwrap();
    let records = db.cf_handle("records").unwrap();
    let key = sequence.to_be_bytes();
    let bytes = db.get_cf(records, key).unwrap().unwrap();
    let mut record = v1::AuditRecord::decode(bytes.as_slice()).unwrap();
    record.caller = "CN=someone else".to_owned();
    db.put_cf(records, key, record.encode_to_vec()).unwrap();
}

#[test]
fn verify_and_export_a_log_then_find_the_edited_record() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("audit");
    write_log(&dir);
    let dir_arg = dir.to_str().unwrap();

    let output = sismatch(&["audit", "verify", "--data", dir_arg]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("50 records, chain intact"), "{stdout}");

    // The server's data folder is accepted too.
    let report = sismatch_json(&[
        "audit",
        "verify",
        "--data",
        data.path().to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(report["records"], 50);
    assert_eq!(report["intact"], true);
    assert_eq!(report["broken"], Value::Null);

    let output = sismatch(&["audit", "export", "--data", dir_arg]);
    assert!(output.status.success(), "{output:?}");
    let lines: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 50);
    assert_eq!(lines[0]["sequence"], 1);
    assert_eq!(lines[0]["server"], "partner YAMAHA");
    assert_eq!(lines[0]["role"], "POLICE");
    assert_eq!(lines[0]["purpose"], "THEFT_INVESTIGATION");
    assert_eq!(lines[49]["caller"], "CN=officer 50, O=Politie");
    assert_eq!(lines[49]["previous_hash"], lines[48]["hash"]);
    assert!(lines[49]["recorded_at"].as_str().unwrap().ends_with('Z'));

    let output = sismatch(&[
        "audit",
        "export",
        "--data",
        dir_arg,
        "--since",
        "2999-01-01T00:00:00Z",
    ]);
    assert!(output.status.success(), "{output:?}");
    assert!(output.stdout.is_empty());

    tamper(&dir, 23);
    let output = sismatch(&["audit", "verify", "--data", dir_arg]);
    assert!(!output.status.success(), "a broken chain fails");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("record 23 is broken: hash does not match the record's content"),
        "{stderr}"
    );
}

#[test]
fn verify_of_a_folder_without_a_log_fails() {
    let data = tempfile::tempdir().unwrap();
    let output = sismatch(&["audit", "verify", "--data", data.path().to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("no audit log in"), "{stderr}");
}

/// A node whose audit log has stopped answers no request, UNAVAILABLE, rather than answer it
/// unrecorded (DESIGN §4). In production a full disk stops the log; here the chain is put at
/// its last sequence number, so that the first record the node writes cannot be numbered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_whose_audit_log_stopped_answers_nothing_unrecorded() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("nl");
    let audit = dir.join(sismatch_audit::FOLDER);
    write_log(&audit);
    let db =
        rocksdb::DB::open_cf(&rocksdb::Options::default(), &audit, ["records", "meta"]).unwrap();
    let mut last = u64::MAX.to_be_bytes().to_vec();
    last.extend([0u8; 32]);
    db.put_cf(db.cf_handle("meta").unwrap(), b"last", last)
        .unwrap();
    drop(db);

    let node = NodeProcess::spawn("NL", &dir);
    let mut client = client(node.addr).await;
    let search = v1::NationalNodeSearchRequest {
        queries: vec![v1::IdentifierQuery {
            value: "6AH-1012345".to_owned(),
            ..v1::IdentifierQuery::default()
        }],
        ..v1::NationalNodeSearchRequest::default()
    };
    // The first records are queued before the writer finds it cannot number them; from then
    // on, nothing is answered.
    let mut refused = None;
    for _ in 0..100 {
        match client.search(search.clone()).await {
            Ok(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(status) => {
                refused = Some(status);
                break;
            }
        }
    }
    let status = refused.expect("a search refused once the audit log stopped");
    assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");
    assert!(
        status.message().contains("audit log has stopped"),
        "{status:?}"
    );
    for _ in 0..3 {
        let again = client.search(search.clone()).await.unwrap_err();
        assert_eq!(again.code(), tonic::Code::Unavailable, "{again:?}");
        let status = client
            .get_node_status(v1::GetNodeStatusRequest::default())
            .await
            .unwrap_err();
        assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");
    }
    let log = std::fs::read_to_string(dir.with_extension("log")).unwrap();
    assert!(log.contains("the audit log has stopped"), "{log}");
    assert!(!log.contains("panicked"), "{log}");
}

/// A node's record of a search names the values searched, the purpose and the case reference,
/// and the alerts it answered with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_records_what_a_search_asked_and_why() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("nl");
    let node = NodeProcess::spawn("NL", &dir);
    let mut client = client(node.addr).await;
    client
        .search(v1::NationalNodeSearchRequest {
            queries: vec![
                v1::IdentifierQuery {
                    value: "6AH-1012345".to_owned(),
                    ..v1::IdentifierQuery::default()
                },
                v1::IdentifierQuery {
                    value: "BAY59358I900".to_owned(),
                    ..v1::IdentifierQuery::default()
                },
            ],
            purpose: v1::LookupPurpose::TheftInvestigation.into(),
            case_reference: "PL-2026-0077".to_owned(),
            ..v1::NationalNodeSearchRequest::default()
        })
        .await
        .unwrap();
    // The record goes with the next group commit; then the node stops (its log is RocksDB).
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(client);
    node.kill();
    let output = sismatch(&["audit", "export", "--data", dir.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    let records: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let search = records
        .iter()
        .find(|r| r["rpc"].as_str().is_some_and(|rpc| rpc.ends_with("Search")))
        .unwrap_or_else(|| panic!("no search record in {records:?}"));
    assert_eq!(search["identifiers"][0], "6AH-1012345", "{search}");
    assert_eq!(search["identifiers"][1], "BAY59358I900", "{search}");
    assert_eq!(search["purpose"], "THEFT_INVESTIGATION", "{search}");
    assert_eq!(search["case_reference"], "PL-2026-0077", "{search}");
}
