//! Opening the store and reading from it. Writes are in `apply.rs` and `hits.rs`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use jiff::Timestamp;
use rocksdb::{
    BlockBasedOptions, Cache, ColumnFamily, ColumnFamilyDescriptor, DB, DBCompressionType,
    Direction, FlushOptions, IteratorMode, Options, SliceTransform, WriteBatch, WriteOptions,
};
use sismatch_alert::{Alert, AlertVersion, Status};

use crate::error::{Error, Result};
use crate::keys::{
    self, ALERTS, CHANGES, COLUMNS, EXPIRY, FORMAT, HISTORY, KEYS, META, META_FORMAT,
    META_HIT_SEQUENCE, META_HITS_PENDING, META_SEQUENCE,
};

/// Memtable size of the column families that take most writes (alerts, history, changes,
/// keys, in_force): large enough that a bulk import of a few thousand alerts per batch does not flush
/// at every other batch.
const WRITE_BUFFER: usize = 64 << 20;
/// Upper bound on all memtables together.
const DB_WRITE_BUFFER: usize = 256 << 20;
/// Memtable size of the small column families (hits, meta, alert_hits, expiry).
const SMALL_WRITE_BUFFER: usize = 4 << 20;
/// Block cache shared by all column families. The index, not the store, answers searches;
/// the store serves point reads of a few alerts per answer.
const BLOCK_CACHE: usize = 64 << 20;

/// The durable store of one national node: alerts, their history, the identifier map, the
/// change log and the hit reports, in one RocksDB database.
///
/// `Send + Sync`: share it behind an `Arc`. Reads run concurrently; writes are serialised by
/// one internal mutex, because every write reads the alerts it changes and assigns sequence
/// numbers. All methods block on disk IO: call them from a blocking thread, not an async
/// runtime worker.
pub struct Store {
    pub(crate) db: DB,
    /// Held for the whole read-modify-write of a write; guards the numbers it assigns.
    pub(crate) writer: Mutex<Writer>,
    /// Copy of `Writer::sequence` for lock-free reads, updated after each durable write.
    pub(crate) sequence: AtomicU64,
    /// Copy of `Writer::hit_sequence`, likewise.
    pub(crate) hit_sequence: AtomicU64,
    /// Copy of `Writer::hits_pending`, likewise.
    pub(crate) hits_pending: AtomicU64,
    path: PathBuf,
}

/// What a write needs to know besides the records it reads: the numbers it continues.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    /// The last change sequence number written.
    pub(crate) sequence: u64,
    /// The last hit receive sequence number written.
    pub(crate) hit_sequence: u64,
    /// Hit reports PENDING, as written.
    pub(crate) hits_pending: u64,
    /// Alerts per status, as written.
    pub(crate) counts: BTreeMap<Status, u64>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("sequence", &self.sequence())
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the store in folder `path`, creating the folder, the database and its column
    /// families when missing.
    ///
    /// Fails when another process has the store open (RocksDB's lock), or when the store was
    /// written in a layout this build does not read.
    pub fn open(path: &Path) -> Result<Store> {
        std::fs::create_dir_all(path)
            .map_err(|e| Error::Io(format!("creating {}: {e}", path.display())))?;
        let cache = Cache::new_lru_cache(BLOCK_CACHE);
        let descriptors =
            COLUMNS.map(|name| ColumnFamilyDescriptor::new(name, column_options(name, &cache)));
        let db = DB::open_cf_descriptors(&db_options(), path, descriptors)?;
        let writer = read_writer(&db)?;
        let store = Store {
            db,
            sequence: AtomicU64::new(writer.sequence),
            hit_sequence: AtomicU64::new(writer.hit_sequence),
            hits_pending: AtomicU64::new(writer.hits_pending),
            writer: Mutex::new(writer),
            path: path.to_path_buf(),
        };
        store.check_format()?;
        tracing::info!(
            path = %path.display(),
            sequence = store.sequence(),
            "alert store opened"
        );
        Ok(store)
    }

    /// The folder the store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The latest version of alert `id`, or `None` when there is no such alert.
    pub fn get(&self, id: &str) -> Result<Option<Alert>> {
        let Some(value) = self.db.get_pinned_cf(self.cf(ALERTS)?, id)? else {
            return Ok(None);
        };
        keys::decode(ALERTS, id.as_bytes(), &value).map(Some)
    }

    /// The latest versions of the alerts `ids`, in the same order, `None` for unknown ids; one
    /// batched RocksDB read.
    pub fn get_many(&self, ids: &[String]) -> Result<Vec<Option<Alert>>> {
        if ids.is_empty() {
            // A search that found nothing (most of them) asks for none.
            return Ok(Vec::new());
        }
        let values = self.db.batched_multi_get_cf(self.cf(ALERTS)?, ids, false);
        let mut alerts = Vec::with_capacity(ids.len());
        for (id, value) in ids.iter().zip(values) {
            let alert = match value? {
                Some(bytes) => Some(keys::decode(ALERTS, id.as_bytes(), &bytes)?),
                None => None,
            };
            alerts.push(alert);
        }
        Ok(alerts)
    }

    /// Every stored version of alert `id`, oldest first; empty when there is no such alert.
    pub fn history(&self, id: &str) -> Result<Vec<AlertVersion>> {
        let prefix = keys::history_prefix(id);
        let mode = IteratorMode::From(&prefix, Direction::Forward);
        let mut versions = Vec::new();
        for item in self.db.iterator_cf(self.cf(HISTORY)?, mode) {
            let (key, value) = item?;
            if !key.starts_with(&prefix) {
                break;
            }
            versions.push(keys::decode(HISTORY, &key, &value)?);
        }
        Ok(versions)
    }

    /// The current alerts in id order, after `after` (from the first when `None`), at most
    /// `limit`: a scan of the alerts column, for rebuilding an in-memory index at start.
    pub fn alerts_after(&self, after: Option<&str>, limit: usize) -> Result<Vec<Alert>> {
        let mode = match after {
            Some(id) => IteratorMode::From(id.as_bytes(), Direction::Forward),
            None => IteratorMode::Start,
        };
        let mut alerts = Vec::with_capacity(limit.min(4096));
        for item in self.db.iterator_cf(self.cf(ALERTS)?, mode) {
            if alerts.len() >= limit {
                break;
            }
            let (key, value) = item?;
            if after.is_some_and(|id| key.as_ref() == id.as_bytes()) {
                continue;
            }
            alerts.push(keys::decode(ALERTS, &key, &value)?);
        }
        Ok(alerts)
    }

    /// The last change sequence number assigned and durable; 0 when nothing was ever stored.
    /// The index records the sequence it has caught up to and asks [`Store::changes_since`]
    /// for the rest.
    pub fn sequence(&self) -> u64 {
        self.sequence.load(Ordering::Acquire)
    }

    /// The change log, for index catch-up: `(sequence, alert id)` for every change with a
    /// sequence number above `after`, ascending, at most `limit` of them.
    ///
    /// An alert changed several times appears once per change; the reader fetches its latest
    /// version with [`Store::get_many`].
    pub fn changes_since(&self, after: u64, limit: usize) -> Result<Vec<(u64, String)>> {
        let Some(first) = after.checked_add(1) else {
            return Ok(Vec::new());
        };
        let start = keys::sequence_key(first);
        let mode = IteratorMode::From(&start, Direction::Forward);
        let mut changes = Vec::new();
        for item in self.db.iterator_cf(self.cf(CHANGES)?, mode) {
            if changes.len() >= limit {
                break;
            }
            let (key, value) = item?;
            let sequence = keys::sequence_of(CHANGES, &key)?;
            let id =
                String::from_utf8(value.to_vec()).map_err(|e| Error::corrupt(CHANGES, &key, e))?;
            changes.push((sequence, id));
        }
        Ok(changes)
    }

    /// Ids of the alerts with an identifier whose index key
    /// (`sismatch_ident::parse(value, Some(kind)).key`) is `key`, in id order. Only indexable
    /// identifiers are mapped: a sentinel such as `UNKNOWN` maps to nothing.
    pub fn alerts_by_key(&self, key: &str) -> Result<Vec<String>> {
        if key.is_empty() {
            return Ok(Vec::new());
        }
        let prefix = keys::key_prefix(key);
        let mode = IteratorMode::From(&prefix, Direction::Forward);
        let mut ids = Vec::new();
        for item in self.db.iterator_cf(self.cf(KEYS)?, mode) {
            let (entry, _) = item?;
            if !entry.starts_with(&prefix) {
                break;
            }
            ids.push(keys::id_of_key_entry(&entry, &prefix)?);
        }
        Ok(ids)
    }

    /// Number of hit reports received, ever: the last hit receive sequence number, since
    /// every report takes the next one and reports are never deleted. No read.
    pub fn hits_received(&self) -> u64 {
        self.hit_sequence.load(Ordering::Acquire)
    }

    /// Number of hit reports waiting for the issuing node's decision (PENDING): what an
    /// operator of the issuing country has to look at. No read.
    pub fn hits_pending(&self) -> u64 {
        self.hits_pending.load(Ordering::Acquire)
    }

    /// Number of alerts, of any status, whose `expires_at` is at or before `now`.
    ///
    /// Cost: a scan of the keys (no values) of the `expiry` column up to `now`, so
    /// proportional to the number of expired alerts, about 10 ms per 100,000 of them; the
    /// alerts that expire later, or never, cost nothing. Blocks on disk IO like every read.
    pub fn count_expired(&self, now: Timestamp) -> Result<u64> {
        let end = keys::time_key(now);
        let mut count = 0;
        for item in self.db.iterator_cf(self.cf(EXPIRY)?, IteratorMode::Start) {
            let (key, _) = item?;
            // Keys start with the expiry time; an alert expiring exactly at `now` is expired.
            if key
                .get(..end.len())
                .is_none_or(|time| time > end.as_slice())
            {
                break;
            }
            count += 1;
        }
        Ok(count)
    }

    /// Number of alerts in each status, every status present (0 when none). Read from
    /// counters that every write updates in its own batch: no scan.
    pub fn count_by_status(&self) -> Result<BTreeMap<Status, u64>> {
        let meta = self.cf(META)?;
        let names: Vec<Vec<u8>> = Status::ALL.iter().map(|s| keys::count_key(*s)).collect();
        // One multi-get reads all counters from one consistent view of the database.
        let values = self.db.batched_multi_get_cf(meta, &names, false);
        let mut counts = BTreeMap::new();
        for ((status, name), value) in Status::ALL.iter().zip(&names).zip(values) {
            let count = match value? {
                Some(bytes) => keys::decode(META, name, &bytes)?,
                None => 0,
            };
            counts.insert(*status, count);
        }
        Ok(counts)
    }

    /// Writes all memtables to disk, for a clean shutdown and a quick next start. Durability
    /// does not depend on it: every acknowledged write is already in the synced write-ahead
    /// log.
    pub fn flush(&self) -> Result<()> {
        let mut columns = Vec::with_capacity(COLUMNS.len());
        for name in COLUMNS {
            columns.push(self.cf(name)?);
        }
        let mut options = FlushOptions::default();
        options.set_wait(true);
        self.db.flush_cfs_opt(&columns, &options)?;
        Ok(())
    }

    /// The handle of column family `name`; all of them are opened by [`Store::open`].
    pub(crate) fn cf(&self, name: &'static str) -> Result<&ColumnFamily> {
        self.db
            .cf_handle(name)
            .ok_or_else(|| Error::RocksDb(format!("column family '{name}' is not open")))
    }

    /// The writer state, locked. A panic in another writer leaves the state as it was after
    /// the last durable write (it is only updated after one), so a poisoned lock is safe to
    /// take over.
    pub(crate) fn lock_writer(&self) -> MutexGuard<'_, Writer> {
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes `batch` atomically and waits until the write-ahead log is fsynced: after this
    /// returns, the write survives a crash of the process or the machine.
    pub(crate) fn write_durable(&self, batch: WriteBatch) -> Result<()> {
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db.write_opt(batch, &options)?;
        Ok(())
    }

    /// Records the layout version in a new store, upgrades a store of layout 1 or 2, refuses
    /// a store of another layout.
    fn check_format(&self) -> Result<()> {
        let meta = self.cf(META)?;
        let Some(bytes) = self.db.get_pinned_cf(meta, META_FORMAT)? else {
            let mut batch = WriteBatch::default();
            batch.put_cf(meta, META_FORMAT, keys::encode(&FORMAT)?);
            return self.write_durable(batch);
        };
        let format: u64 = keys::decode(META, META_FORMAT, &bytes)?;
        match format {
            FORMAT => Ok(()),
            1 | 2 => self.upgrade_from(format),
            other => Err(Error::corrupt(
                META,
                META_FORMAT,
                format!("store layout {other}, this build reads layout {FORMAT}"),
            )),
        }
    }
}

/// Reads the sequence numbers and status counters left by the last write.
fn read_writer(db: &DB) -> Result<Writer> {
    let meta = db
        .cf_handle(META)
        .ok_or_else(|| Error::RocksDb(format!("column family '{META}' is not open")))?;
    let read = |name: &[u8]| -> Result<u64> {
        match db.get_pinned_cf(meta, name)? {
            Some(bytes) => keys::decode(META, name, &bytes),
            None => Ok(0),
        }
    };
    let mut counts = BTreeMap::new();
    for status in Status::ALL {
        counts.insert(*status, read(&keys::count_key(*status))?);
    }
    Ok(Writer {
        sequence: read(META_SEQUENCE)?,
        hit_sequence: read(META_HIT_SEQUENCE)?,
        hits_pending: read(META_HITS_PENDING)?,
        counts,
    })
}

/// Database-wide options: create what is missing, use both cores for flushes and
/// compactions, bound the memtables, keep few info logs.
fn db_options() -> Options {
    let mut options = Options::default();
    options.create_if_missing(true);
    options.create_missing_column_families(true);
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    options.increase_parallelism(i32::try_from(cores).unwrap_or(2).max(2));
    options.set_db_write_buffer_size(DB_WRITE_BUFFER);
    options.set_keep_log_file_num(4);
    // Spread the fsync of flushed and compacted files instead of one large fsync at the end.
    options.set_bytes_per_sync(1 << 20);
    options
}

/// Options of one column family: level compaction (RocksDB's default) with lz4, a bloom
/// filter so that an import's multi-get of new ids rarely touches disk. `in_force` filters by
/// identifier key (the entry's prefix) as well, in its files and its memtable, so that the
/// one-alert-per-object seek of a new number, done for every identifier an import stores, is
/// answered by the filters.
fn column_options(name: &str, cache: &Cache) -> Options {
    let mut table = BlockBasedOptions::default();
    table.set_block_cache(cache);
    table.set_bloom_filter(10.0, false);
    let mut options = Options::default();
    options.set_block_based_table_factory(&table);
    options.set_compression_type(DBCompressionType::Lz4);
    options.set_bottommost_compression_type(DBCompressionType::Lz4);
    options.set_level_compaction_dynamic_level_bytes(true);
    if name == keys::IN_FORCE {
        options.set_prefix_extractor(SliceTransform::create(
            "sismatch.identifier_key",
            keys::identifier_key_prefix,
            Some(keys::has_identifier_key_prefix),
        ));
        options.set_memtable_prefix_bloom_ratio(0.05);
    }
    let small = matches!(name, keys::HITS | META | keys::ALERT_HITS | EXPIRY);
    options.set_write_buffer_size(if small {
        SMALL_WRITE_BUFFER
    } else {
        WRITE_BUFFER
    });
    options
}
