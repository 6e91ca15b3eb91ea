//! The register on disk: RocksDB, one column family per kind of record.
//!
//! | column family | key | value |
//! | --- | --- | --- |
//! | `records` | record id (the identifiers' keys, `engine|hull|vin`) | `RegisterRecord`, JSON |
//! | `keys` | slot tag (`E`, `H`, `V`), identifier key, `0x00`, record id | empty |
//! | `skeletons` | slot tag, look-alike skeleton of the key, `0x00`, record id | empty |
//! | `meta` | `format`, `maker` | JSON |
//!
//! An identifier key is `sismatch_ident::parse(value, Some(kind)).key` (a hull's CIN country
//! prefix dropped). Normalised keys hold no `0x00`, so the prefix `key 0x00` of one key never
//! matches a longer key. A record id is derived from its identifiers' keys, so an entry read
//! again has the same id and the same index entries: an update rewrites only the record.
//!
//! Synchronous and blocking: the partner calls it from `spawn_blocking`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use rocksdb::{
    ColumnFamily, ColumnFamilyDescriptor, DB, DBCompressionType, Direction, IteratorMode, Options,
    WriteBatch, WriteOptions,
};

use crate::error::{PartnerError, Result};
use crate::record::{RegisterRecord, Slot};

const RECORDS: &str = "records";
const KEYS: &str = "keys";
const SKELETONS: &str = "skeletons";
const META: &str = "meta";
const COLUMNS: [&str; 4] = [RECORDS, KEYS, SKELETONS, META];

const META_FORMAT: &[u8] = b"format";
const META_MAKER: &[u8] = b"maker";
/// The layout version this build reads and writes.
const FORMAT: u64 = 1;

/// Which index a look-up reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Index {
    /// Identifier keys: exact matches.
    Keys,
    /// Look-alike skeletons of the keys.
    Skeletons,
}

/// What an import batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// Entries the register did not hold.
    pub created: u64,
    /// Entries it held with other sale facts or spellings, now replaced.
    pub updated: u64,
    /// Entries it held exactly so: nothing written.
    pub unchanged: u64,
}

/// The register of one partner.
pub(crate) struct Register {
    db: DB,
    /// Held for the read-compare-write of an import batch, so that two batches cannot both
    /// count one entry as new.
    writer: Mutex<()>,
}

impl Register {
    /// Opens the register in `path` for `maker`, creating it when missing. Refuses a register
    /// of another maker (naming the key `maker`) or of another layout.
    pub(crate) fn open(path: &Path, maker: &str) -> Result<Register> {
        std::fs::create_dir_all(path)
            .map_err(|e| PartnerError::Internal(format!("creating {}: {e}", path.display())))?;
        let mut options = Options::default();
        options.create_if_missing(true);
        options.create_missing_column_families(true);
        options.set_keep_log_file_num(4);
        let descriptors = COLUMNS.map(|name| {
            let mut column = Options::default();
            column.set_compression_type(DBCompressionType::Lz4);
            ColumnFamilyDescriptor::new(name, column)
        });
        let db = DB::open_cf_descriptors(&options, path, descriptors).map_err(|e| {
            PartnerError::Internal(format!(
                "cannot open the register in {}: {} (the register is single-process: is a \
                 partner node or an import using it?)",
                path.display(),
                e.into_string()
            ))
        })?;
        let register = Register {
            db,
            writer: Mutex::new(()),
        };
        register.check_meta(maker.trim().to_uppercase())?;
        Ok(register)
    }

    /// Records the layout and the maker in a new register; checks them in an old one.
    fn check_meta(&self, maker: String) -> Result<()> {
        let meta = self.cf(META)?;
        let format: Option<u64> = self.read_meta(META_FORMAT)?;
        let stored: Option<String> = self.read_meta(META_MAKER)?;
        match (format, stored) {
            (None, _) => {
                let mut batch = WriteBatch::default();
                batch.put_cf(meta, META_FORMAT, encode(&FORMAT)?);
                batch.put_cf(meta, META_MAKER, encode(&maker)?);
                self.write_durable(batch)
            }
            (Some(FORMAT), Some(stored)) if stored == maker => Ok(()),
            (Some(FORMAT), Some(stored)) => Err(PartnerError::invalid(
                "maker",
                format!("this register folder holds the register of {stored}, not {maker}"),
            )),
            (Some(other), _) => Err(PartnerError::Internal(format!(
                "register layout {other}, this build reads layout {FORMAT}"
            ))),
        }
    }

    fn read_meta<T: serde::de::DeserializeOwned>(&self, name: &[u8]) -> Result<Option<T>> {
        let Some(bytes) = self.db.get_pinned_cf(self.cf(META)?, name)? else {
            return Ok(None);
        };
        decode(META, &bytes).map(Some)
    }

    /// Stores `records` in one batch with a synced write-ahead log, returning only once it is
    /// durable. An entry read twice in one batch counts once as new.
    pub(crate) fn put(&self, records: &[RegisterRecord]) -> Result<ImportCounts> {
        let _writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let ids: Vec<String> = records.iter().map(RegisterRecord::id).collect();
        let stored = self.get_many(&ids)?;
        let (records_cf, keys_cf, skeletons_cf) =
            (self.cf(RECORDS)?, self.cf(KEYS)?, self.cf(SKELETONS)?);
        let mut written: HashMap<&str, &RegisterRecord> = HashMap::new();
        let mut counts = ImportCounts::default();
        let mut batch = WriteBatch::default();
        for ((record, id), before) in records.iter().zip(&ids).zip(&stored) {
            match written.get(id.as_str()).copied().or(before.as_ref()) {
                Some(previous) if previous == record => {
                    counts.unchanged += 1;
                    continue;
                }
                Some(_) => counts.updated += 1,
                None => counts.created += 1,
            }
            batch.put_cf(records_cf, id, encode(record)?);
            for (slot, value) in record.identifiers() {
                let parsed = slot.parse(value);
                batch.put_cf(keys_cf, entry(slot, &parsed.key, id), []);
                batch.put_cf(skeletons_cf, entry(slot, &parsed.skeleton, id), []);
            }
            written.insert(id, record);
        }
        if !batch.is_empty() {
            self.write_durable(batch)?;
        }
        Ok(counts)
    }

    /// Ids of the records whose identifier in `slot` has `key` in `index`, in id order.
    pub(crate) fn ids(&self, index: Index, slot: Slot, key: &str) -> Result<Vec<String>> {
        let column = match index {
            Index::Keys => KEYS,
            Index::Skeletons => SKELETONS,
        };
        let prefix = entry(slot, key, "");
        let mode = IteratorMode::From(&prefix, Direction::Forward);
        let mut ids = Vec::new();
        for item in self.db.iterator_cf(self.cf(column)?, mode) {
            let (found, _) = item?;
            let Some(id) = found.strip_prefix(prefix.as_slice()) else {
                break;
            };
            let id = String::from_utf8(id.to_vec())
                .map_err(|e| corrupt(column, &found, &e.to_string()))?;
            ids.push(id);
        }
        Ok(ids)
    }

    /// The records `ids`, in the same order, `None` for unknown ids; one batched read.
    pub(crate) fn get_many(&self, ids: &[String]) -> Result<Vec<Option<RegisterRecord>>> {
        let values = self.db.batched_multi_get_cf(self.cf(RECORDS)?, ids, false);
        let mut records = Vec::with_capacity(ids.len());
        for value in values {
            let record = match value? {
                Some(bytes) => Some(decode(RECORDS, &bytes)?),
                None => None,
            };
            records.push(record);
        }
        Ok(records)
    }

    fn cf(&self, name: &'static str) -> Result<&ColumnFamily> {
        self.db
            .cf_handle(name)
            .ok_or_else(|| PartnerError::Internal(format!("column family '{name}' is not open")))
    }

    /// Writes `batch` atomically and waits for the fsync of the write-ahead log: after this
    /// returns, the write survives a crash of the process or the machine.
    fn write_durable(&self, batch: WriteBatch) -> Result<()> {
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db.write_opt(batch, &options)?;
        Ok(())
    }
}

/// An index entry: slot tag, key, `0x00`, record id. With an empty id, the prefix of every
/// entry of that key.
fn entry(slot: Slot, key: &str, id: &str) -> Vec<u8> {
    let mut entry = Vec::with_capacity(key.len() + id.len() + 2);
    entry.push(slot.tag());
    entry.extend_from_slice(key.as_bytes());
    entry.push(0);
    entry.extend_from_slice(id.as_bytes());
    entry
}

fn encode<T: serde::Serialize>(value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| PartnerError::Internal(format!("encoding: {e}")))
}

fn decode<T: serde::de::DeserializeOwned>(column: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| corrupt(column, bytes, &e.to_string()))
}

fn corrupt(column: &str, bytes: &[u8], reason: &str) -> PartnerError {
    PartnerError::Internal(format!(
        "corrupt record in {column} ('{}'): {reason}",
        bytes.escape_ascii()
    ))
}
