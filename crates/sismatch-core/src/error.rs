//! Errors of the core, split by whose fault they are: that decides the gRPC code.

use thiserror::Error;

/// What can go wrong in a core operation.
#[derive(Debug, Error)]
pub enum CoreError {
    /// The caller sent something the API does not allow; names the field.
    #[error("{field}: {message}")]
    Invalid {
        /// The request field at fault (`queries[2].value`).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The request is valid but cannot be served by this federation as configured (a feature
    /// that needs manufacturer partners when none are configured).
    #[error("{0}")]
    FailedPrecondition(String),
    /// The caller used up its quota (RESOURCE_EXHAUSTED).
    #[error("{0}")]
    QuotaExceeded(String),
    /// No node that could serve the request answered (the issuing node of a hit report is down).
    #[error("{0}")]
    Unavailable(String),
    /// A node refused a routed request; its status is passed on unchanged, so the caller sees
    /// the node's own reason (NOT_FOUND, INVALID_ARGUMENT naming the field, ...).
    #[error("node {node}: {status}")]
    Node {
        /// Name of the node that answered.
        node: String,
        /// The node's answer.
        status: tonic::Status,
    },
}

impl CoreError {
    /// An invalid-argument error naming `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        CoreError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Result of core operations.
pub type Result<T> = std::result::Result<T, CoreError>;
