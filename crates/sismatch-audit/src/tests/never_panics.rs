//! Whatever a caller puts in a record, appending, verifying and exporting neither panic nor
//! break the chain. Proptest stands in for a fuzzer (no nightly toolchain here).

use proptest::array::uniform8;
use proptest::collection::vec;
use proptest::prelude::*;
use sismatch_proto::v1::AuditRecord;

use crate::{AuditLog, export, verify};

/// Any record a caller could build: arbitrary strings (any Unicode, empty, long), enum
/// numbers this build does not know, timestamps and durations out of any range.
fn any_record() -> impl Strategy<Value = AuditRecord> {
    let texts = || vec(any::<String>(), 0..4);
    (
        uniform8(any::<String>()),
        (texts(), texts(), texts()),
        (any::<i32>(), any::<i32>(), any::<i32>(), any::<bool>()),
        proptest::option::of((any::<i64>(), any::<i32>())),
        proptest::option::of((any::<i64>(), any::<i32>())),
        (
            vec(any::<u8>(), 0..40),
            vec(any::<u8>(), 0..40),
            any::<u64>(),
        ),
    )
        .prop_map(
            |(
                [server, caller, country, case, rpc, message, reference, peer],
                (identifiers, alert_ids, disclosed),
                (role, purpose, status_code, hit),
                recorded_at,
                elapsed,
                (previous_hash, hash, sequence),
            )| AuditRecord {
                sequence,
                recorded_at: recorded_at
                    .map(|(seconds, nanos)| prost_types::Timestamp { seconds, nanos }),
                server,
                caller,
                role,
                caller_country: country,
                purpose,
                case_reference: case,
                rpc,
                identifiers,
                alert_ids,
                disclosed_identifiers: disclosed,
                hit,
                status_code,
                status_message: message,
                reference,
                peer,
                elapsed: elapsed.map(|(seconds, nanos)| prost_types::Duration { seconds, nanos }),
                previous_hash,
                hash,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn arbitrary_records_chain_verify_and_export(
        records in vec(any_record(), 1..40),
        server in any::<String>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::open(dir.path(), &server).unwrap();
        for record in &records {
            log.append(record.clone()).unwrap();
        }
        log.close().unwrap();

        let verification = verify(dir.path()).unwrap();
        prop_assert_eq!(verification.records, records.len() as u64);
        prop_assert_eq!(verification.first_broken, None);
        let mut out = Vec::new();
        let count = export(dir.path(), None, &mut out).unwrap();
        prop_assert_eq!(count, records.len() as u64);
        let since = jiff::Timestamp::from_second(0).unwrap();
        export(dir.path(), Some(since), &mut Vec::new()).unwrap();
    }
}
