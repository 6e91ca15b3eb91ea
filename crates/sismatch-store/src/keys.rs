//! Column family names, key encoding and record encoding: the on-disk layout in one place.
//!
//! Keys that are scanned in order use big-endian integers, so that byte order is numeric order.
//! Keys made of two strings join them with a 0x00 byte, which neither an alert id nor an
//! identifier key contains, so that the prefix `a 0x00` never matches a longer `ab 0x00`.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sismatch_alert::{Alert, Status};

use crate::error::{Error, Result};

/// `id` -> the alert's latest version, JSON.
pub(crate) const ALERTS: &str = "alerts";
/// `id 0x00 version(u64 BE)` -> `AlertVersion`, JSON.
pub(crate) const HISTORY: &str = "history";
/// `sequence(u64 BE)` -> the id of the alert changed, UTF-8.
pub(crate) const CHANGES: &str = "changes";
/// `identifier key 0x00 alert id` -> empty.
pub(crate) const KEYS: &str = "keys";
/// `identifier key 0x00 alert id` -> empty, for the alerts in force (ACTIVE, HIT_CONFIRMED)
/// only: who already holds a number, for the one-alert-per-object check (`duplicates.rs`).
pub(crate) const IN_FORCE: &str = "in_force";
/// `receive sequence(u64 BE)` -> `HitReport`, JSON.
pub(crate) const HITS: &str = "hits";
/// Named counters, JSON numbers (see the `META_*` constants and [`count_key`]).
pub(crate) const META: &str = "meta";
/// `alert id 0x00 receive sequence(u64 BE)` -> empty: the hit reports of one alert, so that
/// listing them does not scan every report.
pub(crate) const ALERT_HITS: &str = "alert_hits";
/// `expiry time(16 bytes, see [`time_key`]) alert id` -> empty: the alerts with an expiry
/// time, in time order, so that counting the expired ones reads only their keys.
pub(crate) const EXPIRY: &str = "expiry";

/// Every column family the store uses besides RocksDB's `default`.
pub(crate) const COLUMNS: [&str; 9] = [
    ALERTS, HISTORY, CHANGES, KEYS, HITS, META, ALERT_HITS, EXPIRY, IN_FORCE,
];

/// `meta`: the layout version of the store, written when a store is created.
pub(crate) const META_FORMAT: &[u8] = b"format";
/// `meta`: the last change sequence number assigned.
pub(crate) const META_SEQUENCE: &[u8] = b"sequence";
/// `meta`: the last hit receive sequence number assigned.
pub(crate) const META_HIT_SEQUENCE: &[u8] = b"hit_sequence";
/// `meta`: the number of hit reports waiting for the issuing node's decision (PENDING). Absent
/// in stores written before reports had a state, which is right: all of theirs were accepted.
pub(crate) const META_HITS_PENDING: &[u8] = b"hits_pending";

/// The layout version this build reads and writes. Layout 1 had no `alert_hits` and no
/// `expiry` column family, layout 2 no `in_force`; a store of an older layout is upgraded at
/// open (`upgrade.rs`).
pub(crate) const FORMAT: u64 = 3;

/// Separator between the two strings of a composite key.
const SEPARATOR: u8 = 0x00;

/// `meta` key of the number of alerts in `status`: `count/ACTIVE`.
pub(crate) fn count_key(status: Status) -> Vec<u8> {
    format!("count/{}", status.as_str()).into_bytes()
}

/// `history` key of version `version` of alert `id`.
pub(crate) fn history_key(id: &str, version: u64) -> Vec<u8> {
    let mut key = history_prefix(id);
    key.extend_from_slice(&version.to_be_bytes());
    key
}

/// The prefix shared by all `history` keys of alert `id`.
pub(crate) fn history_prefix(id: &str) -> Vec<u8> {
    joined_prefix(id)
}

/// `keys` key mapping identifier key `key` to alert `id`.
pub(crate) fn key_entry(key: &str, id: &str) -> Vec<u8> {
    let mut entry = joined_prefix(key);
    entry.extend_from_slice(id.as_bytes());
    entry
}

/// The prefix shared by all `keys` entries of identifier key `key`.
pub(crate) fn key_prefix(key: &str) -> Vec<u8> {
    joined_prefix(key)
}

/// The prefix of a `keys` or `in_force` entry: its identifier key and the separator, what a
/// look-up seeks. RocksDB's prefix extractor of `in_force` (`store.rs`), so that its bloom
/// filters answer "no alert in force holds this number", the usual answer, without reading
/// a block. An entry without a separator is its own prefix.
pub(crate) fn identifier_key_prefix(entry: &[u8]) -> &[u8] {
    match entry.iter().position(|byte| *byte == SEPARATOR) {
        Some(end) => &entry[..=end],
        None => entry,
    }
}

/// Whether `entry` has the prefix [`identifier_key_prefix`] takes: RocksDB files only such
/// entries under their prefix.
pub(crate) fn has_identifier_key_prefix(entry: &[u8]) -> bool {
    entry.contains(&SEPARATOR)
}

/// The alert id of a `keys` entry that starts with `prefix` (from [`key_prefix`]).
pub(crate) fn id_of_key_entry(entry: &[u8], prefix: &[u8]) -> Result<String> {
    let id = entry.get(prefix.len()..).unwrap_or_default();
    if id.is_empty() || id.contains(&SEPARATOR) {
        return Err(Error::corrupt(
            KEYS,
            entry,
            "not 'identifier key, 0x00, alert id'",
        ));
    }
    String::from_utf8(id.to_vec()).map_err(|e| Error::corrupt(KEYS, entry, e))
}

/// `alert_hits` key of the hit report with receive sequence `sequence` on alert `id`.
pub(crate) fn alert_hit_key(id: &str, sequence: u64) -> Vec<u8> {
    let mut key = joined_prefix(id);
    key.extend_from_slice(&sequence_key(sequence));
    key
}

/// The prefix shared by all `alert_hits` keys of alert `id`.
pub(crate) fn alert_hits_prefix(id: &str) -> Vec<u8> {
    joined_prefix(id)
}

/// The receive sequence of an `alert_hits` key that starts with `prefix`.
pub(crate) fn sequence_of_alert_hit(key: &[u8], prefix: &[u8]) -> Result<u64> {
    sequence_of(ALERT_HITS, key.get(prefix.len()..).unwrap_or_default())
}

/// A time as 16 bytes that sort as the times do: the nanoseconds since the epoch with the
/// sign bit flipped (so that times before 1970 sort first), big-endian.
pub(crate) fn time_key(time: Timestamp) -> [u8; 16] {
    ((time.as_nanosecond() as u128) ^ (1 << 127)).to_be_bytes()
}

/// `expiry` key of alert `id` expiring at `expires_at`.
pub(crate) fn expiry_key(expires_at: Timestamp, id: &str) -> Vec<u8> {
    let mut key = time_key(expires_at).to_vec();
    key.extend_from_slice(id.as_bytes());
    key
}

fn joined_prefix(head: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(head.len() + 1 + 16);
    key.extend_from_slice(head.as_bytes());
    key.push(SEPARATOR);
    key
}

/// A sequence number as a key: big-endian, so that keys sort as numbers.
pub(crate) fn sequence_key(sequence: u64) -> [u8; 8] {
    sequence.to_be_bytes()
}

/// The sequence number of a `changes` or `hits` key.
pub(crate) fn sequence_of(column: &'static str, key: &[u8]) -> Result<u64> {
    let bytes: [u8; 8] = key
        .try_into()
        .map_err(|_| Error::corrupt(column, key, "not an 8-byte sequence number"))?;
    Ok(u64::from_be_bytes(bytes))
}

/// Whether `id` can be used in a key: non-empty and without the separator byte.
pub(crate) fn is_storable_id(id: &str) -> bool {
    !id.is_empty() && !id.as_bytes().contains(&SEPARATOR)
}

/// The index keys of `alert`'s identifiers, as `sismatch_ident` computes them: only indexable
/// identifiers (no sentinels, no empty values), each key once.
pub(crate) fn index_keys(alert: &Alert) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for entry in &alert.identifiers {
        let parsed = sismatch_ident::parse(&entry.value, Some(entry.kind));
        if parsed.is_indexable() {
            keys.insert(parsed.key);
        }
    }
    keys
}

/// The index keys of `alert` when it is in force (ACTIVE or HIT_CONFIRMED), none otherwise:
/// its entries in the `in_force` column.
pub(crate) fn in_force_keys(alert: &Alert) -> BTreeSet<String> {
    if alert.status.is_searchable() {
        index_keys(alert)
    } else {
        BTreeSet::new()
    }
}

/// A record as stored: JSON, so that records stay readable with `ldb` and evolvable with
/// serde defaults.
pub(crate) fn encode<T: Serialize>(record: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(record).map_err(|e| Error::Encode(e.to_string()))
}

/// Decodes the record at `key` in `column`; a record that does not decode is
/// [`Error::Corrupt`].
pub(crate) fn decode<T: DeserializeOwned>(
    column: &'static str,
    key: &[u8],
    value: &[u8],
) -> Result<T> {
    serde_json::from_slice(value).map_err(|e| Error::corrupt(column, key, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_keys_sort_as_numbers() {
        let mut keys: Vec<[u8; 8]> = [256u64, 1, 255, 70_000, 2].map(sequence_key).to_vec();
        keys.sort();
        let back: Vec<u64> = keys
            .iter()
            .map(|k| sequence_of(CHANGES, k).unwrap())
            .collect();
        assert_eq!(back, [1, 2, 255, 256, 70_000]);
        assert!(matches!(
            sequence_of(CHANGES, b"short"),
            Err(Error::Corrupt {
                column: "changes",
                ..
            })
        ));
    }

    #[test]
    fn history_keys_of_one_alert_do_not_mix_with_a_longer_id() {
        let short = history_key("NL-1", 2);
        let long = history_key("NL-10", 1);
        assert!(short.starts_with(&history_prefix("NL-1")));
        assert!(!long.starts_with(&history_prefix("NL-1")));
        assert!(history_key("NL-1", 2) < history_key("NL-1", 256));
    }

    #[test]
    fn key_entries_round_trip() {
        let prefix = key_prefix("ABC12345D404");
        let entry = key_entry("ABC12345D404", "NL-000123");
        assert!(entry.starts_with(&prefix));
        assert_eq!(id_of_key_entry(&entry, &prefix).unwrap(), "NL-000123");
        assert!(id_of_key_entry(&prefix, &prefix).is_err());
        assert_eq!(identifier_key_prefix(&entry), prefix.as_slice());
        assert!(has_identifier_key_prefix(&entry) && has_identifier_key_prefix(&prefix));
        assert_eq!(identifier_key_prefix(b"NOSEP"), b"NOSEP");
        assert!(!has_identifier_key_prefix(b"NOSEP"));
    }

    #[test]
    fn sentinels_are_not_index_keys() {
        let alert: Alert = serde_json::from_str(
            r#"{"id":"NL-1","country":"NL","category":"BOAT","identifiers":[
                {"kind":"CIN","value":"NL-ABC12345D404"},
                {"kind":"HIN","value":"abc-12345 d4 04"},
                {"kind":"ENGINE_SERIAL","value":"UNKNOWN"}]}"#,
        )
        .unwrap();
        let keys: Vec<String> = index_keys(&alert).into_iter().collect();
        assert_eq!(keys, ["ABC12345D404"]);
    }

    #[test]
    fn time_keys_sort_as_times() {
        let times = [
            "1969-12-31T23:59:58.5Z",
            "1969-12-31T23:59:59.999999999Z",
            "1970-01-01T00:00:00Z",
            "1970-01-01T00:00:00.000000001Z",
            "2026-05-14T22:00:00Z",
            "2026-05-14T22:00:00.5Z",
            "2126-01-01T00:00:00Z",
        ];
        let keys: Vec<[u8; 16]> = times.iter().map(|t| time_key(t.parse().unwrap())).collect();
        assert!(keys.windows(2).all(|pair| pair[0] < pair[1]), "{keys:?}");
        let at = "2026-05-14T22:00:00Z".parse().unwrap();
        assert!(expiry_key(at, "NL-1").starts_with(&time_key(at)));
    }

    #[test]
    fn alert_hit_keys_of_one_alert_do_not_mix_with_a_longer_id() {
        let prefix = alert_hits_prefix("NL-1");
        let key = alert_hit_key("NL-1", 258);
        assert!(key.starts_with(&prefix));
        assert!(!alert_hit_key("NL-10", 1).starts_with(&prefix));
        assert_eq!(sequence_of_alert_hit(&key, &prefix).unwrap(), 258);
        assert!(sequence_of_alert_hit(&prefix, &prefix).is_err());
    }

    #[test]
    fn corrupt_keys_are_shown_escaped() {
        let error = Error::corrupt(HISTORY, &history_key("NL-1", 1), "bad");
        assert_eq!(
            error.to_string(),
            r"corrupt record in history at key 'NL-1\x00\x00\x00\x00\x00\x00\x00\x00\x01': bad"
        );
    }
}
