//! The chain itself: sequence keys, the canonical hash of a record, sealing a record onto the
//! chain, and the `last` entry that says where the chain stands. Pure: no IO.

use prost::Message;
use sha2::{Digest, Sha256};
use sismatch_proto::v1::AuditRecord;

/// Length of a record's hash (SHA-256).
const HASH_LEN: usize = 32;

/// Length of the `last` entry: the sequence (8 bytes) and the hash.
const LAST_LEN: usize = 8 + HASH_LEN;

/// Where the chain stands: the last record written, which the next one links to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Last {
    /// The last record's sequence; 0 for an empty log.
    pub(crate) sequence: u64,
    /// The last record's hash; empty for an empty log, so that the first record's
    /// `previous_hash` is empty.
    pub(crate) hash: Vec<u8>,
}

impl Last {
    /// The `last` entry of `meta`: the sequence, big-endian, then the hash.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(LAST_LEN);
        bytes.extend_from_slice(&key(self.sequence));
        bytes.extend_from_slice(&self.hash);
        bytes
    }

    /// Reads a `last` entry; `None` when it does not have the length of one.
    pub(crate) fn decode(bytes: &[u8]) -> Option<Last> {
        if bytes.len() != LAST_LEN {
            return None;
        }
        let (sequence, hash) = bytes.split_at(8);
        Some(Last {
            sequence: sequence_of(sequence)?,
            hash: hash.to_vec(),
        })
    }

    /// Where the chain stands once `record` (read from the log) is the last record.
    pub(crate) fn of(record: &AuditRecord) -> Last {
        Last {
            sequence: record.sequence,
            hash: record.hash.clone(),
        }
    }
}

/// The key of record `sequence`: big-endian, so that byte order is sequence order.
pub(crate) fn key(sequence: u64) -> [u8; 8] {
    sequence.to_be_bytes()
}

/// The sequence of a record key; `None` for a key that is not 8 bytes long.
pub(crate) fn sequence_of(key: &[u8]) -> Option<u64> {
    let bytes: [u8; 8] = key.try_into().ok()?;
    Some(u64::from_be_bytes(bytes))
}

/// SHA-256 of the record's canonical form: its prost encoding with `hash` cleared (the crate
/// documentation says why that encoding is unique). `record.hash` is put back before this
/// returns; it is borrowed mutably only to avoid copying the record.
pub(crate) fn content_hash(record: &mut AuditRecord) -> [u8; HASH_LEN] {
    let own = std::mem::take(&mut record.hash);
    let digest = Sha256::digest(record.encode_to_vec());
    record.hash = own;
    digest.into()
}

/// Makes `record` the record after `last`: sets its `sequence`, `server` and `previous_hash`,
/// then its `hash`, and returns where the chain then stands. `None` when `last` is already at
/// the largest sequence number (never in practice; an error rather than an overflow).
pub(crate) fn seal(record: &mut AuditRecord, last: &Last, server: &str) -> Option<Last> {
    record.sequence = last.sequence.checked_add(1)?;
    server.clone_into(&mut record.server);
    record.previous_hash.clone_from(&last.hash);
    record.hash = content_hash(record).to_vec();
    Some(Last::of(record))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_in_sequence_order() {
        assert!(key(255) < key(256));
        assert_eq!(sequence_of(&key(123_456)), Some(123_456));
        assert_eq!(sequence_of(b"short"), None);
    }

    #[test]
    fn last_round_trips_and_rejects_other_lengths() {
        let last = Last {
            sequence: 42,
            hash: vec![7; HASH_LEN],
        };
        assert_eq!(Last::decode(&last.encode()), Some(last));
        assert_eq!(Last::decode(&[0; 8]), None);
    }

    #[test]
    fn the_hash_covers_every_field_but_itself() {
        let mut record = AuditRecord {
            caller: "CN=officer".to_owned(),
            ..AuditRecord::default()
        };
        let first = seal(&mut record, &Last::default(), "core").unwrap();
        assert_eq!(first.sequence, 1);
        assert!(record.previous_hash.is_empty());
        assert_eq!(record.hash.len(), HASH_LEN);
        // Recomputing over the sealed record, its own hash included, gives the same hash.
        assert_eq!(content_hash(&mut record).to_vec(), record.hash);

        let mut changed = record.clone();
        changed.caller.push('x');
        assert_ne!(content_hash(&mut changed).to_vec(), record.hash);
        let mut relinked = record.clone();
        relinked.previous_hash = vec![1];
        assert_ne!(content_hash(&mut relinked).to_vec(), record.hash);

        let mut next = AuditRecord::default();
        let second = seal(&mut next, &first, "core").unwrap();
        assert_eq!(second.sequence, 2);
        assert_eq!(next.previous_hash, record.hash);
    }

    #[test]
    fn sealing_after_the_largest_sequence_fails() {
        let last = Last {
            sequence: u64::MAX,
            hash: vec![0; HASH_LEN],
        };
        assert_eq!(seal(&mut AuditRecord::default(), &last, "core"), None);
    }
}
