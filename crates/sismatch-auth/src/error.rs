//! Errors of authentication and authorisation, split so that each maps to its gRPC code.

use thiserror::Error;

/// Why a caller was refused, or a setting rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AuthError {
    /// The caller could not be identified (UNAUTHENTICATED).
    #[error("unauthenticated: {0}")]
    Unauthenticated(String),
    /// The caller is known but its role may not do this (PERMISSION_DENIED).
    #[error("permission denied: {0}")]
    PermissionDenied(String),
    /// A setting of the `[auth]` configuration is wrong; names the key.
    #[error("{field}: {message}")]
    Invalid {
        /// The configuration key at fault (`auth.identities[2].country`).
        field: String,
        /// What is wrong with it.
        message: String,
    },
}

impl AuthError {
    /// A configuration error naming `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AuthError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Result of auth operations.
pub type Result<T> = std::result::Result<T, AuthError>;
