//! Exporting a log as NDJSON, for reading with `jq`, a spreadsheet or a SIEM.
//!
//! The JSON of a record is a stable interface, written out field by field here rather than
//! derived, so that renaming a field in `audit.proto` cannot silently change it: fields are
//! only ever added. Hashes are lowercase hex, timestamps RFC 3339 in UTC, enums their short
//! name (`POLICE`, `THEFT_INVESTIGATION`) or, for a number this build does not know, that
//! number as a string.

use std::io::{BufWriter, Write};
use std::path::Path;

use jiff::Timestamp;
use prost::Message;
use serde_json::{Value, json};
use sismatch_proto::v1::{AuditRecord, LookupPurpose, Role};
use sismatch_proto::wire::WireEnum;

use crate::chain;
use crate::db;
use crate::error::{AuditError, Result};

/// Writes the records of the log in folder `dir` to `out` as NDJSON, one record per line in
/// sequence order, only those recorded at or after `since` when given; returns how many.
///
/// Opens the log read-only, like [`crate::verify`], and streams it: the whole log is read,
/// since records are kept by sequence, not by time. Exporting does not
/// verify: run `verify` to know whether what was exported is what was written. A record that
/// does not decode stops the export with [`AuditError::Corrupt`].
pub fn export(dir: &Path, since: Option<Timestamp>, out: &mut impl Write) -> Result<u64> {
    let database = db::open_read_only(dir)?;
    let mut out = BufWriter::new(out);
    let mut count = 0;
    for item in db::scan(&database)? {
        let (key, value) = item?;
        let record = AuditRecord::decode(&*value).map_err(|e| {
            let at = chain::sequence_of(&key).map_or_else(
                || format!("key {}", key.escape_ascii()),
                |sequence| format!("record {sequence}"),
            );
            AuditError::Corrupt(format!("{at} cannot be decoded: {e}"))
        })?;
        if since.is_some_and(|since| recorded_at(&record).is_none_or(|at| at < since)) {
            continue;
        }
        serde_json::to_writer(&mut out, &to_json(&record)).map_err(output_error)?;
        out.write_all(b"\n").map_err(output_error)?;
        count += 1;
    }
    out.flush().map_err(output_error)?;
    Ok(count)
}

/// The JSON of one record, as [`export`] writes it.
pub(crate) fn to_json(record: &AuditRecord) -> Value {
    json!({
        "sequence": record.sequence,
        "recorded_at": recorded_at(record).map(|at| at.to_string()),
        "server": record.server,
        "caller": record.caller,
        "role": role_name(record.role),
        "caller_country": record.caller_country,
        "purpose": purpose_name(record.purpose),
        "case_reference": record.case_reference,
        "rpc": record.rpc,
        "identifiers": record.identifiers,
        "alert_ids": record.alert_ids,
        "disclosed_identifiers": record.disclosed_identifiers,
        "hit": record.hit,
        "status_code": record.status_code,
        "status_message": record.status_message,
        "reference": record.reference,
        "peer": record.peer,
        "elapsed_ms": record.elapsed.map(|d| d.seconds as f64 * 1e3 + f64::from(d.nanos) / 1e6),
        "previous_hash": hex(&record.previous_hash),
        "hash": hex(&record.hash),
    })
}

/// When the record was answered; `None` when unset or outside the years -9999 to 9999 that
/// RFC 3339 can write (only a caller-supplied `recorded_at` can be).
fn recorded_at(record: &AuditRecord) -> Option<Timestamp> {
    let at = record.recorded_at?;
    Timestamp::new(at.seconds, at.nanos).ok()
}

/// The role's short name (`ROLE_POLICE` → `POLICE`), or its number as a string when this
/// build does not know it.
fn role_name(number: i32) -> String {
    match Role::try_from(number) {
        Ok(role) => role.short_name().to_owned(),
        Err(_) => number.to_string(),
    }
}

/// The purpose's short name (`THEFT_INVESTIGATION`), or its number as a string when this
/// build does not know it.
fn purpose_name(number: i32) -> String {
    match LookupPurpose::try_from(number) {
        Ok(purpose) => purpose.short_name().to_owned(),
        Err(_) => number.to_string(),
    }
}

/// Lowercase hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

/// An export that could not be written.
fn output_error(error: impl std::fmt::Display) -> AuditError {
    AuditError::Output(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lowercase_and_two_digits_per_byte() {
        assert_eq!(hex(&[0x00, 0x0a, 0xff, 0x3c]), "000aff3c");
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn a_record_maps_to_stable_field_names() {
        let record = AuditRecord {
            sequence: 7,
            recorded_at: Some(prost_types::Timestamp {
                seconds: 1_778_796_000,
                nanos: 500_000_000,
            }),
            server: "partner YAMAHA".to_owned(),
            caller: "CN=officer 17".to_owned(),
            role: Role::Police.into(),
            caller_country: "NL".to_owned(),
            purpose: LookupPurpose::TheftInvestigation.into(),
            case_reference: "PL1300-2026-0042".to_owned(),
            rpc: "/sismatch.v1.ManufacturerPartner/Lookup".to_owned(),
            identifiers: vec!["6CJ-1013456".to_owned()],
            disclosed_identifiers: vec!["HIN:NL-ABC12345D404".to_owned()],
            hit: true,
            elapsed: Some(prost_types::Duration {
                seconds: 0,
                nanos: 1_250_000,
            }),
            previous_hash: vec![0xab; 32],
            hash: vec![0x01; 32],
            ..AuditRecord::default()
        };
        let value = to_json(&record);
        assert_eq!(value["sequence"], 7);
        assert_eq!(value["recorded_at"], "2026-05-14T22:00:00.5Z");
        assert_eq!(value["role"], "POLICE");
        assert_eq!(value["purpose"], "THEFT_INVESTIGATION");
        assert_eq!(value["identifiers"], json!(["6CJ-1013456"]));
        assert_eq!(value["alert_ids"], json!([]));
        assert_eq!(value["hit"], true);
        assert_eq!(value["status_code"], 0);
        assert_eq!(value["elapsed_ms"], 1.25);
        assert_eq!(value["previous_hash"], "ab".repeat(32));
        assert_eq!(value["hash"], "01".repeat(32));
        let names: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            names,
            [
                "sequence",
                "recorded_at",
                "server",
                "caller",
                "role",
                "caller_country",
                "purpose",
                "case_reference",
                "rpc",
                "identifiers",
                "alert_ids",
                "disclosed_identifiers",
                "hit",
                "status_code",
                "status_message",
                "reference",
                "peer",
                "elapsed_ms",
                "previous_hash",
                "hash",
            ]
        );
    }

    #[test]
    fn unknown_enums_and_unwritable_times_do_not_fail() {
        let record = AuditRecord {
            role: 99,
            purpose: -3,
            recorded_at: Some(prost_types::Timestamp {
                seconds: i64::MAX,
                nanos: -1,
            }),
            ..AuditRecord::default()
        };
        let value = to_json(&record);
        assert_eq!(value["role"], "99");
        assert_eq!(value["purpose"], "-3");
        assert_eq!(value["recorded_at"], Value::Null);
        assert_eq!(value["elapsed_ms"], Value::Null);
        assert_eq!(to_json(&AuditRecord::default())["role"], "UNSPECIFIED");
    }
}
