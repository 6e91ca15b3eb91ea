//! Opening the log's RocksDB database, for writing (the server) or read-only (`verify`,
//! `export`, also while the server runs), and reading where its chain stands.

use std::path::Path;

use prost::Message;
use rocksdb::{
    ColumnFamily, ColumnFamilyDescriptor, DB, DBCompressionType, DBIteratorWithThreadMode,
    IteratorMode, Options, ReadOptions,
};
use sismatch_proto::v1::AuditRecord;

use crate::chain::{self, Last};
use crate::error::{AuditError, Result};

/// Column family of the records, by sequence.
pub(crate) const RECORDS: &str = "records";
/// Column family of the `last` entry.
pub(crate) const META: &str = "meta";
/// Key of the `last` entry in `meta`.
pub(crate) const META_LAST: &[u8] = b"last";

/// Memtable size: an audit record is a few hundred bytes, so this holds tens of thousands of
/// them before a flush, without holding much memory in a server that also runs a store.
const WRITE_BUFFER: usize = 16 << 20;

/// Read-ahead of a full scan (`verify`, `export`): large sequential reads.
const SCAN_READAHEAD: usize = 2 << 20;

/// Opens (creating when missing) the log in `dir` for writing. Fails when another process
/// has it open for writing (RocksDB's lock).
pub(crate) fn open_read_write(dir: &Path) -> Result<DB> {
    std::fs::create_dir_all(dir)
        .map_err(|e| AuditError::Io(format!("creating {}: {e}", dir.display())))?;
    let mut options = Options::default();
    options.create_if_missing(true);
    options.create_missing_column_families(true);
    options.set_keep_log_file_num(4);
    let descriptors = [RECORDS, META].map(|name| ColumnFamilyDescriptor::new(name, column()));
    Ok(DB::open_cf_descriptors(&options, dir, descriptors)?)
}

/// Opens the log in `dir` read-only: it sees the records durable at the time of opening,
/// takes no lock, and so works while the server that writes the log runs.
pub(crate) fn open_read_only(dir: &Path) -> Result<DB> {
    let missing = || AuditError::NotFound(dir.display().to_string());
    // RocksDB's read-only open of a folder that is not a database says only "IO error".
    if !dir.join("CURRENT").is_file() {
        return Err(missing());
    }
    let options = Options::default();
    let columns = DB::list_cf(&options, dir)?;
    if !columns.iter().any(|name| name == RECORDS) {
        // A RocksDB database, but not an audit log (a node's alert store, say).
        return Err(missing());
    }
    Ok(DB::open_cf_for_read_only(&options, dir, columns, false)?)
}

/// The handle of column family `name`.
pub(crate) fn cf<'a>(db: &'a DB, name: &'static str) -> Result<&'a ColumnFamily> {
    db.cf_handle(name)
        .ok_or_else(|| AuditError::RocksDb(format!("column family '{name}' is not open")))
}

/// An iterator over every record in sequence order, reading ahead and bypassing the block
/// cache: a full scan reads each block once.
pub(crate) fn scan(db: &DB) -> Result<DBIteratorWithThreadMode<'_, DB>> {
    let mut options = ReadOptions::default();
    options.fill_cache(false);
    options.set_readahead_size(SCAN_READAHEAD);
    Ok(db.iterator_cf_opt(cf(db, RECORDS)?, options, IteratorMode::Start))
}

/// The `last` entry of `meta`: where the writer says the chain stood after its last write;
/// `None` in a log never written to.
pub(crate) fn recorded_last(db: &DB) -> Result<Option<Last>> {
    let Some(bytes) = db.get_pinned_cf(cf(db, META)?, META_LAST)? else {
        return Ok(None);
    };
    Last::decode(&bytes)
        .map(Some)
        .ok_or_else(|| AuditError::Corrupt(format!("meta 'last' has {} bytes", bytes.len())))
}

/// Where the chain stands, for the writer to continue it: the `last` entry, unless a record
/// with a higher sequence exists (which only someone else can have put there), so that the
/// writer never overwrites a record.
pub(crate) fn read_last(db: &DB) -> Result<Last> {
    let recorded = recorded_last(db)?.unwrap_or_default();
    let mut end = db.iterator_cf(cf(db, RECORDS)?, IteratorMode::End);
    let Some(item) = end.next() else {
        return Ok(recorded);
    };
    let (key, value) = item?;
    let sequence = chain::sequence_of(&key)
        .ok_or_else(|| AuditError::Corrupt(format!("record key {}", key.escape_ascii())))?;
    if sequence <= recorded.sequence {
        return Ok(recorded);
    }
    let record = AuditRecord::decode(&*value)
        .map_err(|e| AuditError::Corrupt(format!("record {sequence} cannot be decoded: {e}")))?;
    Ok(Last {
        sequence,
        hash: record.hash,
    })
}

/// Options of both column families: lz4, as the store uses.
fn column() -> Options {
    let mut options = Options::default();
    options.set_compression_type(DBCompressionType::Lz4);
    options.set_write_buffer_size(WRITE_BUFFER);
    options
}
