//! Exporting: NDJSON in sequence order, filtered by time.

use jiff::{Timestamp, ToSpan};
use serde_json::Value;

use super::record;
use crate::{AuditLog, export};

/// The export of the log in `dir` since `since`, parsed line by line.
fn exported(dir: &std::path::Path, since: Option<Timestamp>) -> Vec<Value> {
    let mut out = Vec::new();
    let count = export(dir, since, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(u64::try_from(lines.len()).unwrap(), count);
    lines
}

#[test]
fn export_writes_one_line_per_record_in_order() {
    let dir = tempfile::tempdir().unwrap();
    super::write_log(dir.path(), 30);
    let lines = exported(dir.path(), None);
    assert_eq!(lines.len(), 30);
    for (line, sequence) in lines.iter().zip(1..) {
        assert_eq!(line["sequence"], sequence);
        assert_eq!(line["server"], "partner YAMAHA");
        assert_eq!(line["role"], "POLICE");
    }
    assert_eq!(lines[0]["previous_hash"], "");
    assert_eq!(lines[1]["previous_hash"], lines[0]["hash"]);
    assert_eq!(lines[29]["hash"].as_str().unwrap().len(), 64);
}

#[test]
fn export_since_keeps_records_at_or_after_the_time() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path(), "core").unwrap();
    let start = Timestamp::from_second(1_778_796_000).unwrap();
    for n in 0..10_i64 {
        let at = start + (n * 10).minutes();
        let mut entry = record(n.unsigned_abs());
        entry.recorded_at = Some(prost_types::Timestamp {
            seconds: at.as_second(),
            nanos: 0,
        });
        log.append(entry).unwrap();
    }
    log.close().unwrap();

    let since = start + 60.minutes();
    let lines = exported(dir.path(), Some(since));
    let sequences: Vec<u64> = lines
        .iter()
        .map(|line| line["sequence"].as_u64().unwrap())
        .collect();
    assert_eq!(sequences, [7, 8, 9, 10]);
    assert_eq!(lines[0]["recorded_at"], since.to_string());
    assert_eq!(exported(dir.path(), Some(start + 1.hours() * 2)).len(), 0);
    assert_eq!(exported(dir.path(), Some(start)).len(), 10);
}
