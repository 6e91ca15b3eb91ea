//! [`AuditLog`]: the handle a server appends through.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, SyncSender};
use std::thread::JoinHandle;

use sismatch_proto::v1::AuditRecord;

use crate::db;
use crate::error::{AuditError, Result};
use crate::writer::{Message, QUEUE, Shared, Writer};

/// The audit log of one server, open for appending.
///
/// `Send + Sync`: share it behind an `Arc`; records appended from any thread are chained in
/// the order the writer thread receives them. `append` blocks only while the queue is full,
/// `append_durable` and `flush` until an fsync: call the waiting ones from a blocking
/// thread, not an async runtime worker. Dropping the log writes what is queued and waits for
/// it, like [`AuditLog::close`], but can only log a failure.
pub struct AuditLog {
    queue: SyncSender<Message>,
    writer: Option<JoinHandle<()>>,
    shared: Arc<Shared>,
    path: PathBuf,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl AuditLog {
    /// Opens the log in folder `dir` (creating it when missing) and continues its chain after
    /// the last record written; `server` names this server in every record (`node NL`,
    /// `core`, `partner YAMAHA`).
    ///
    /// Fails when another process has the log open, or when the end of the chain cannot be
    /// read ([`AuditError::Corrupt`]): a server must not answer without an audit log.
    pub fn open(dir: &Path, server: &str) -> Result<AuditLog> {
        let database = db::open_read_write(dir)?;
        let last = db::read_last(&database)?;
        let sequence = last.sequence;
        let shared = Arc::new(Shared::default());
        let writer = Writer::new(database, last, server, Arc::clone(&shared));
        let (queue, received) = mpsc::sync_channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name("audit-writer".to_owned())
            .spawn(move || writer.run(&received))
            .map_err(|e| AuditError::Io(format!("starting the writer thread: {e}")))?;
        tracing::info!(path = %dir.display(), server, sequence, "audit log opened");
        Ok(AuditLog {
            queue,
            writer: Some(thread),
            shared,
            path: dir.to_path_buf(),
        })
    }

    /// Queues `record` and returns without waiting for the disk: the request path pays for a
    /// channel send, not an fsync. Blocks while the queue is full rather than drop a record.
    ///
    /// The caller fills in who asked and what was answered; the log sets `sequence`,
    /// `server`, `previous_hash` and `hash` (whatever the caller put there), and
    /// `recorded_at` to now when it is unset. Fails once the log has stopped after a failed
    /// write ([`AuditError::Failed`]); a write failure after this returned shows in the next
    /// call, `flush` included.
    pub fn append(&self, record: AuditRecord) -> Result<()> {
        if let Some(failure) = self.shared.failure() {
            return Err(failure);
        }
        self.send(Message::Append {
            record: stamped(record),
            ack: None,
        })
    }

    /// Like [`AuditLog::append`], but returns only once the record is synced to disk, with
    /// its sequence number: for sensitive calls (partner look-ups), whose answer must not
    /// leave before their record is safe. It still shares the fsync with whatever else is
    /// queued.
    pub fn append_durable(&self, record: AuditRecord) -> Result<u64> {
        if let Some(failure) = self.shared.failure() {
            return Err(failure);
        }
        let (ack, answer) = mpsc::sync_channel(1);
        self.send(Message::Append {
            record: stamped(record),
            ack: Some(ack),
        })?;
        answer.recv().map_err(|_| AuditError::Closed)?
    }

    /// Why the log stopped, once a write failed (a full disk, a broken chain); `None` while it
    /// works. A stopped log stays stopped until the server restarts on a log that works: the
    /// records refused meanwhile are not in the chain, and the chain must not skip them.
    pub fn failure(&self) -> Option<AuditError> {
        self.shared.failure()
    }

    /// How many times the writer has synced the log to disk so far.
    #[cfg(test)]
    pub(crate) fn syncs(&self) -> usize {
        self.shared.syncs.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Waits until every record appended before is durable; reports a failed write.
    pub fn flush(&self) -> Result<()> {
        let (ack, answer) = mpsc::sync_channel(1);
        self.send(Message::Flush(ack))?;
        answer.recv().map_err(|_| AuditError::Closed)?
    }

    /// Writes what is queued, waits until it is durable and stops the writer thread; unlike
    /// dropping the log, it reports a failed write.
    pub fn close(mut self) -> Result<()> {
        self.shutdown()
    }

    /// Hands `message` to the writer thread, waiting while the queue is full.
    fn send(&self, message: Message) -> Result<()> {
        self.queue.send(message).map_err(|_| AuditError::Closed)
    }

    /// Stops the writer thread after it has written everything queued; does nothing the
    /// second time (`close` and then `drop`).
    fn shutdown(&mut self) -> Result<()> {
        let Some(thread) = self.writer.take() else {
            return Ok(());
        };
        // A thread that is already gone has nothing left to write; joining it tells how it
        // ended.
        let _ = self.queue.send(Message::Close);
        thread.join().map_err(|_| AuditError::Closed)?;
        self.shared.failure().map_or(Ok(()), Err)
    }
}

impl Drop for AuditLog {
    fn drop(&mut self) {
        if let Err(error) = self.shutdown() {
            tracing::error!(%error, path = %self.path.display(), "closing the audit log");
        }
    }
}

/// `record` with `recorded_at` set to now when the caller left it unset: the time the
/// answer was given, taken on the caller's thread rather than when the writer gets to it.
fn stamped(mut record: AuditRecord) -> AuditRecord {
    if record.recorded_at.is_none() {
        let now = jiff::Timestamp::now();
        record.recorded_at = Some(prost_types::Timestamp {
            seconds: now.as_second(),
            nanos: now.subsec_nanosecond(),
        });
    }
    record
}
