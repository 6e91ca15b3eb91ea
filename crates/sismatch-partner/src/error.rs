//! The partner's errors, split by whose fault they are: that decides the gRPC status code.
//!
//! A refusal by the gate is not an error: it is an answer (outcome REFUSED with the reason),
//! so that a caller learns why and the refusal is audited like any other look-up.

/// What can go wrong in the partner service.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartnerError {
    /// The caller's fault: a malformed request, a bad register line or a bad setting, with
    /// the field named (`identifiers[2].value`, `sold_at`, `purposes`). Nothing was looked up
    /// or written. INVALID_ARGUMENT on the wire.
    #[error("{field}: {message}")]
    Invalid {
        /// The field at fault.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// A fault of the partner itself (RocksDB, a damaged record, a failed blocking task):
    /// logged with its detail, INTERNAL on the wire.
    #[error("internal error: {0}")]
    Internal(String),
}

impl PartnerError {
    /// An [`PartnerError::Invalid`] naming `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> PartnerError {
        PartnerError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<rocksdb::Error> for PartnerError {
    fn from(error: rocksdb::Error) -> Self {
        PartnerError::Internal(format!("rocksdb: {}", error.into_string()))
    }
}

/// Result of the partner service.
pub type Result<T> = std::result::Result<T, PartnerError>;
