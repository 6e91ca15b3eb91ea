//! The audit log's errors. None of them is the caller's fault except [`AuditError::NotFound`]
//! (a folder without a log given to `verify` or `export`); the others deserve an operator's
//! attention, and a server that gets one while appending must not answer as if audited.

/// What can go wrong with the audit log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    /// `verify` or `export` was pointed at a folder that holds no audit log.
    #[error("no audit log in {0}")]
    NotFound(String),
    /// RocksDB failed (IO error, full disk, a lock held by another process).
    #[error("rocksdb: {0}")]
    RocksDb(String),
    /// The log's folder could not be created, or its writer thread could not be started.
    #[error("audit log: {0}")]
    Io(String),
    /// What the log needs in order to continue its chain (the last record, or the `last`
    /// entry of `meta`) cannot be read, or says the chain cannot go on (it is at the last
    /// sequence number): the log is damaged. `verify` says more.
    #[error("corrupt audit log: {0}")]
    Corrupt(String),
    /// An earlier write failed; the log accepts nothing more, because records may be missing
    /// after the last durable one. Reopening the log continues after the last durable record.
    #[error("audit log stopped after a failed write: {0}")]
    Failed(String),
    /// The writer thread is gone: the log was closed, or its thread ended unexpectedly.
    #[error("audit log is closed")]
    Closed,
    /// Writing the export failed (a closed pipe, a full disk).
    #[error("writing the export: {0}")]
    Output(String),
}

impl From<rocksdb::Error> for AuditError {
    fn from(error: rocksdb::Error) -> Self {
        AuditError::RocksDb(error.into_string())
    }
}

/// The audit log's result type.
pub type Result<T> = std::result::Result<T, AuditError>;
