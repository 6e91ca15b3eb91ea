//! The store's errors, split by whose fault they are: the node maps caller faults to
//! NOT_FOUND / INVALID_ARGUMENT / FAILED_PRECONDITION / ALREADY_EXISTS and everything else to INTERNAL.

use sismatch_alert::{HitState, Invalid};

/// What can go wrong in the store.
///
/// [`Error::NotFound`], [`Error::Invalid`], [`Error::VersionMismatch`], [`Error::Withdrawn`],
/// [`Error::NotExtendable`], [`Error::Duplicate`], [`Error::HitNotFound`] and
/// [`Error::AlreadyDecided`] are the
/// caller's fault and say nothing about the health of the store; the other variants are internal and
/// deserve an operator's attention.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// No alert has this id (a status change or a hit report for an unknown alert).
    #[error("no alert with id '{0}'")]
    NotFound(String),
    /// A mutation or an argument breaks a rule (an empty alert id, a malformed page cursor),
    /// with the field it is about.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// A write said which version of the alert it was made against (optimistic concurrency)
    /// and the alert is at another version, or does not exist: someone else changed it in
    /// between. Nothing was written for that mutation.
    #[error(
        "expected_version {expected} but alert {id} {}",
        match current {
            Some(version) => format!("is at version {version}"),
            None => "does not exist".to_string(),
        }
    )]
    VersionMismatch {
        /// The alert.
        id: String,
        /// The version the caller expected.
        expected: u64,
        /// The alert's current version; `None` when there is no such alert.
        current: Option<u64>,
    },
    /// A hit report on an alert its issuing country has withdrawn: the object is no longer
    /// sought, so nothing is recorded.
    #[error("alert {0} is withdrawn")]
    Withdrawn(String),
    /// An expiry extension of an alert that is not in force (RECOVERED, WITHDRAWN) or never
    /// expires: a review concerns alerts that are still sought and would lapse.
    #[error("alert {id} cannot be extended: {why}")]
    NotExtendable {
        /// The alert.
        id: String,
        /// Why not, in lowercase words.
        why: String,
    },
    /// A put refused because an identifier of its alert already belongs to another alert in
    /// force of this store (DESIGN §4, one alert per object; [`crate::OnDuplicate::Refuse`]).
    /// Nothing was written for that mutation.
    #[error(
        "{field}: '{value}' already belongs to alert {existing}, in force on this node; update or link that alert instead of reporting the object again"
    )]
    Duplicate {
        /// The alert refused.
        id: String,
        /// The identifier's field in the alert refused: `identifiers[1].value`.
        field: String,
        /// The identifier's value as the refused alert gave it.
        value: String,
        /// The alert in force that holds it.
        existing: String,
    },
    /// No hit report has this id (a decision or a release asked for an unknown report).
    #[error("hit_id: no hit report '{0}' on this node")]
    HitNotFound(String),
    /// A decision on a hit report that was already decided: a report is accepted or declined
    /// once, so that what was released, and to whom, never changes afterwards.
    #[error("hit_id: hit report {id} is already {state}{}", by.as_ref().map(|by| format!(" (decided by {by})")).unwrap_or_default())]
    AlreadyDecided {
        /// The report.
        id: String,
        /// Its state, ACCEPTED or DECLINED.
        state: HitState,
        /// Who decided; `None` for a report accepted on receipt.
        by: Option<String>,
    },
    /// RocksDB failed (IO error, a lock held by another process).
    #[error("rocksdb: {0}")]
    RocksDb(String),
    /// The disk under the store is full (ENOSPC): nothing of the write was stored. RocksDB
    /// stops taking writes and takes them again by itself once there is space (its file
    /// manager looks every few seconds), so the node recovers without a restart.
    #[error("disk full: {0}")]
    NoSpace(String),
    /// The store folder could not be created.
    #[error("store folder: {0}")]
    Io(String),
    /// A record on disk could not be decoded: the store is damaged or was written by an
    /// incompatible version.
    #[error("corrupt record in {column} at key '{key}': {reason}")]
    Corrupt {
        /// The column family of the record.
        column: &'static str,
        /// The record's key, non-printable bytes escaped.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A record could not be encoded (never expected with the domain types; kept so that a
    /// failure is an error rather than a panic).
    #[error("encoding a record: {0}")]
    Encode(String),
}

impl Error {
    /// Whether the caller caused the error (bad argument, unknown id), as opposed to a fault
    /// of the store itself. Decides the gRPC status code in the node.
    pub fn is_caller_fault(&self) -> bool {
        matches!(
            self,
            Error::NotFound(_)
                | Error::Invalid(_)
                | Error::VersionMismatch { .. }
                | Error::Withdrawn(_)
                | Error::NotExtendable { .. }
                | Error::Duplicate { .. }
                | Error::HitNotFound(_)
                | Error::AlreadyDecided { .. }
        )
    }

    /// A [`Error::Corrupt`] about the record at `key` in `column`.
    pub(crate) fn corrupt(column: &'static str, key: &[u8], reason: impl ToString) -> Error {
        Error::Corrupt {
            column,
            key: key.escape_ascii().to_string(),
            reason: reason.to_string(),
        }
    }
}

impl From<rocksdb::Error> for Error {
    fn from(error: rocksdb::Error) -> Self {
        from_rocksdb_message(error.into_string())
    }
}

/// The error for a RocksDB failure's message. RocksDB reports a full disk only in its text
/// (`IO error: No space left on device: While appending to file: ...`): the C API gives no
/// sub-code.
fn from_rocksdb_message(message: String) -> Error {
    if message.contains("No space left on device") {
        Error::NoSpace(message)
    } else {
        Error::RocksDb(message)
    }
}

/// The store's result type.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_its_own_error_and_not_the_callers_fault() {
        let full = from_rocksdb_message(
            "IO error: No space left on device: While appending to file: /d/000004.log: No space left on device"
                .to_string(),
        );
        assert!(matches!(full, Error::NoSpace(_)), "{full}");
        assert!(!full.is_caller_fault());
        let other = from_rocksdb_message("IO error: lock hold by current process".to_string());
        assert!(matches!(other, Error::RocksDb(_)), "{other}");
    }
}
