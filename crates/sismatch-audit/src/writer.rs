//! The writer thread: the one place that numbers, hashes and writes records.
//!
//! It takes everything queued (up to the channel's capacity), seals the records onto the
//! chain in arrival order and writes them, with the new `last` entry, in one RocksDB write
//! batch: from then on they are in the operating system's hands, and a killed server loses
//! none of them. The write-ahead log is synced when someone waits for it (`append_durable`,
//! `flush`, closing), and otherwise at most [`SYNC_WITHIN`] after a write, so that a power
//! cut loses at most that much of the searches' records. One fsync per search cost a
//! one-client node a quarter of its CPU (the audit writer's share of a profile under
//! searches that found nothing); now a busy node makes at most one per [`SYNC_WITHIN`]. Only
//! after the sync does it answer those who wait.

use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use prost::Message as _;
use rocksdb::{DB, WriteBatch, WriteOptions};
use sismatch_proto::v1::AuditRecord;

use crate::chain::{self, Last};
use crate::db::{self, META, META_LAST, RECORDS};
use crate::error::{AuditError, Result};

/// How many records may wait for the writer before `append` blocks, and so the most one
/// batch holds: bounds the memory of the queue and the size of one write.
pub(crate) const QUEUE: usize = 1024;

/// How long a record nobody waits for may stay written but not synced to disk.
pub(crate) const SYNC_WITHIN: Duration = Duration::from_millis(5);

/// How long the writer sleeps after writing records nobody waited for, gathering the next
/// ones: a futex wake per search and the context switches it caused were 7 % of a
/// one-client node's CPU. A killed server loses the records of this last millisecond.
const GATHER: Duration = Duration::from_millis(1);

/// Audit records written (durable), by server.
const WRITTEN: &str = "sismatch_audit_records_total";

/// Gives the audit log's series its `# HELP` text in a scrape. Call once, after the binary
/// has installed its recorder.
pub fn describe_metrics() {
    metrics::describe_counter!(WRITTEN, "Audit records written durably, by server");
}

/// Where an answer goes: a channel of capacity 1, so answering never blocks the writer.
pub(crate) type Ack<T> = SyncSender<Result<T>>;

/// What the log asks of its writer thread.
#[expect(
    clippy::large_enum_variant,
    reason = "records are moved through the queue; boxing would cost an allocation per append"
)]
pub(crate) enum Message {
    /// Append `record`; with `ack`, answer its sequence once it is durable.
    Append {
        /// The record as the caller filled it; the writer seals it onto the chain.
        record: AuditRecord,
        /// Who waits for the record to be durable, if anyone.
        ack: Option<Ack<u64>>,
    },
    /// Answer once every record queued before is durable.
    Flush(Ack<()>),
    /// Write every record queued before, then end the thread.
    Close,
}

/// What the log and its writer thread share: the error that stopped the log, if any. It is
/// set once and never cleared, so every append can read it without a lock.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    failure: OnceLock<AuditError>,
    /// Syncs of the write-ahead log so far, for the tests of when the writer syncs.
    #[cfg(test)]
    pub(crate) syncs: std::sync::atomic::AtomicUsize,
}

impl Shared {
    /// The error that stopped the log; `None` while it works.
    pub(crate) fn failure(&self) -> Option<AuditError> {
        self.failure.get().cloned()
    }

    /// Stops the log: every later append and flush fails, saying that `error` stopped it.
    fn fail(&self, error: &AuditError) {
        // Only the writer thread sets it, once: there is no earlier failure to keep.
        let _ = self.failure.set(AuditError::Failed(error.to_string()));
    }
}

/// The writer thread's state: the database, where the chain stands and who writes it.
pub(crate) struct Writer {
    db: DB,
    last: Last,
    server: String,
    shared: Arc<Shared>,
    /// Records written since the last sync, and when the first of them was.
    unsynced: Option<(u64, Instant)>,
}

impl Writer {
    /// A writer that continues the chain of `db` after `last`, naming `server` in every record.
    pub(crate) fn new(db: DB, last: Last, server: &str, shared: Arc<Shared>) -> Writer {
        Writer {
            db,
            last,
            server: server.to_owned(),
            shared,
            unsynced: None,
        }
    }

    /// The thread's body: batches until [`Message::Close`], or until the log is gone; syncs
    /// what it wrote when it is due ([`SYNC_WITHIN`]) while it waits for the next records.
    pub(crate) fn run(mut self, queue: &Receiver<Message>) {
        loop {
            let first = match self.unsynced {
                None => queue.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some((_, since)) => queue.recv_timeout(SYNC_WITHIN.saturating_sub(since.elapsed())),
            };
            let first = match first {
                Ok(first) => first,
                // A failed sync stops the log (`shared` keeps why; the next call reports it),
                // and a stopped log has nothing left to sync.
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.unless_stopped(Self::sync);
                    self.unsynced = None;
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let _ = self.unless_stopped(Self::sync);
                    break;
                }
            };
            let mut messages = vec![first];
            messages.extend(queue.try_iter().take(QUEUE));
            let closing = messages.iter().any(|m| matches!(m, Message::Close));
            let waited = messages
                .iter()
                .any(|m| !matches!(m, Message::Append { ack: None, .. }));
            self.commit(messages, waited);
            if closing {
                break;
            }
            if !waited {
                // While a server answers, records keep coming: asleep rather than waiting on
                // the queue, the writer lets the request threads queue theirs without waking
                // it, one wake-up per GATHER instead of one per search.
                std::thread::sleep(GATHER);
            }
        }
    }

    /// Writes the records among `messages` in one batch, syncs when someone waited for them
    /// (`waited`) or a sync is due, and answers the waiters.
    fn commit(&mut self, mut messages: Vec<Message>, waited: bool) {
        let outcome = self.unless_stopped(|writer| {
            writer.write(&mut messages)?;
            let due = writer
                .unsynced
                .is_some_and(|(_, since)| since.elapsed() >= SYNC_WITHIN);
            if waited || due { writer.sync() } else { Ok(()) }
        });
        for message in messages {
            // A waiter that has gone away no longer needs its answer.
            match message {
                Message::Append {
                    record,
                    ack: Some(ack),
                } => {
                    let _ = ack.send(outcome.clone().map(|()| record.sequence));
                }
                Message::Flush(ack) => {
                    let _ = ack.send(outcome.clone());
                }
                Message::Append { ack: None, .. } | Message::Close => {}
            }
        }
    }

    /// Runs `step` unless the log has stopped; stops the log when it fails.
    fn unless_stopped(&mut self, step: impl FnOnce(&mut Self) -> Result<()>) -> Result<()> {
        if let Some(failure) = self.shared.failure() {
            return Err(failure);
        }
        step(self).inspect_err(|error| {
            tracing::error!(
                %error,
                sequence = self.last.sequence,
                "audit log write failed, the log stops"
            );
            self.shared.fail(error);
        })
    }

    /// Syncs the write-ahead log, and with it every record written before, if any is not.
    fn sync(&mut self) -> Result<()> {
        let Some((written, _)) = self.unsynced else {
            return Ok(());
        };
        self.db.flush_wal(true)?;
        #[cfg(test)]
        self.shared
            .syncs
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        metrics::counter!(WRITTEN, "server" => self.server.clone()).increment(written);
        self.unsynced = None;
        Ok(())
    }

    /// Seals the records among `messages` onto the chain (which sets their sequences) and
    /// writes them with the new `last` entry, not yet synced; the chain advances only once
    /// the write is done.
    fn write(&mut self, messages: &mut [Message]) -> Result<()> {
        let records = db::cf(&self.db, RECORDS)?;
        let mut batch = WriteBatch::default();
        let mut last = self.last.clone();
        for message in messages.iter_mut() {
            let Message::Append { record, .. } = message else {
                continue;
            };
            last = chain::seal(record, &last, &self.server).ok_or_else(|| {
                AuditError::Corrupt("the chain is at the last sequence number".to_owned())
            })?;
            batch.put_cf(records, chain::key(last.sequence), record.encode_to_vec());
        }
        if batch.is_empty() {
            return Ok(());
        }
        batch.put_cf(db::cf(&self.db, META)?, META_LAST, last.encode());
        self.db.write_opt(batch, &WriteOptions::default())?;
        let written = last.sequence - self.last.sequence;
        let (before, since) = self.unsynced.unwrap_or((0, Instant::now()));
        self.unsynced = Some((before + written, since));
        self.last = last;
        Ok(())
    }
}
