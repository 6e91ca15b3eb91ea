//! The node's errors, split by whose fault they are: that decides the gRPC status code.

use sismatch_alert::Invalid;

/// What can go wrong in a node call.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The request breaks a rule of the data model; the field is named. Nothing was written.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// No alert with this id.
    #[error("no alert with id '{0}'")]
    NotFound(String),
    /// No hit report with this id; the message names the field (`hit_id: ...`).
    #[error("{0}")]
    HitNotFound(String),
    /// The alert exists but never had this version.
    #[error("alert '{id}' has no version {version}")]
    NoSuchVersion {
        /// The alert.
        id: String,
        /// The version asked for.
        version: u64,
    },
    /// The request is valid but the alert's state forbids it (a withdrawn alert cannot be hit,
    /// the alert is not at the version the caller expected, a hit report is already decided,
    /// a recovered alert or one that never expires cannot be extended).
    #[error("{0}")]
    FailedPrecondition(String),
    /// The object already has an alert in force on this node (DESIGN §4, one alert per
    /// object): the message names the identifier's field and that alert. Nothing was written.
    #[error("{0}")]
    AlreadyExists(String),
    /// The node cannot answer now (shutting down); the caller may retry.
    #[error("{0}")]
    Unavailable(String),
    /// The node's disk is full: nothing was written. Not the caller's fault, and not a
    /// fault of the node's code either: the operator frees space and the node takes writes
    /// again, without a restart; the caller retries later.
    #[error("the node's disk is full; nothing was written, retry once space is freed")]
    DiskFull,
    /// A fault of the node itself (storage, index); logged with details.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<sismatch_store::Error> for NodeError {
    fn from(error: sismatch_store::Error) -> Self {
        match error {
            sismatch_store::Error::NotFound(id) => NodeError::NotFound(id),
            sismatch_store::Error::Invalid(invalid) => NodeError::Invalid(invalid),
            duplicate @ sismatch_store::Error::Duplicate { .. } => {
                NodeError::AlreadyExists(duplicate.to_string())
            }
            missing @ sismatch_store::Error::HitNotFound(_) => {
                NodeError::HitNotFound(missing.to_string())
            }
            refused @ (sismatch_store::Error::VersionMismatch { .. }
            | sismatch_store::Error::Withdrawn(_)
            | sismatch_store::Error::NotExtendable { .. }
            | sismatch_store::Error::AlreadyDecided { .. }) => {
                NodeError::FailedPrecondition(refused.to_string())
            }
            sismatch_store::Error::NoSpace(detail) => {
                tracing::error!(%detail, "disk full: write refused");
                NodeError::DiskFull
            }
            other => NodeError::Internal(other.to_string()),
        }
    }
}

impl From<sismatch_index::Error> for NodeError {
    fn from(error: sismatch_index::Error) -> Self {
        NodeError::Internal(format!("index: {error}"))
    }
}

/// Result alias of the node service.
pub type Result<T> = std::result::Result<T, NodeError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_not_an_internal_error() {
        let error = NodeError::from(sismatch_store::Error::NoSpace(
            "IO error: No space left on device".to_string(),
        ));
        assert!(matches!(error, NodeError::DiskFull), "{error}");
        assert!(error.to_string().contains("disk is full"), "{error}");
    }
}
