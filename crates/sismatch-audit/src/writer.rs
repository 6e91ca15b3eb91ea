//! The writer thread: the one place that numbers, hashes and writes records.
//!
//! It takes everything queued (up to the channel's capacity), seals the records onto the
//! chain in arrival order and writes them, with the new `last` entry, in one RocksDB write
//! batch with a synced write-ahead log: one fsync for however many requests were audited
//! meanwhile. Only then does it answer those who wait (`append_durable`, `flush`).

use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, OnceLock};

use prost::Message as _;
use rocksdb::{DB, WriteBatch, WriteOptions};
use sismatch_proto::v1::AuditRecord;

use crate::chain::{self, Last};
use crate::db::{self, META, META_LAST, RECORDS};
use crate::error::{AuditError, Result};

/// How many records may wait for the writer before `append` blocks, and so the most one
/// batch holds: bounds the memory of the queue and the size of one write.
pub(crate) const QUEUE: usize = 1024;

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
}

impl Writer {
    /// A writer that continues the chain of `db` after `last`, naming `server` in every record.
    pub(crate) fn new(db: DB, last: Last, server: &str, shared: Arc<Shared>) -> Writer {
        Writer {
            db,
            last,
            server: server.to_owned(),
            shared,
        }
    }

    /// The thread's body: batches until [`Message::Close`], or until the log is gone.
    pub(crate) fn run(mut self, queue: &Receiver<Message>) {
        while let Ok(first) = queue.recv() {
            let mut messages = vec![first];
            messages.extend(queue.try_iter().take(QUEUE));
            let closing = messages.iter().any(|m| matches!(m, Message::Close));
            self.commit(messages);
            if closing {
                break;
            }
        }
    }

    /// Writes the records among `messages` in one durable batch and answers the waiters.
    fn commit(&mut self, mut messages: Vec<Message>) {
        let outcome = match self.shared.failure() {
            Some(failure) => Err(failure),
            None => self.write(&mut messages).inspect_err(|error| {
                tracing::error!(
                    %error,
                    sequence = self.last.sequence,
                    "audit log write failed, the log stops"
                );
                self.shared.fail(error);
            }),
        };
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

    /// Seals the records among `messages` onto the chain (which sets their sequences) and
    /// writes them with the new `last` entry; the chain advances only once that is synced.
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
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db.write_opt(batch, &options)?;
        let written = last.sequence - self.last.sequence;
        metrics::counter!(WRITTEN, "server" => self.server.clone()).increment(written);
        self.last = last;
        Ok(())
    }
}
