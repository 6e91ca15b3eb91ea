//! The web crate's one error type. Whose fault an error is decides what the person at the
//! counter sees: their own input comes back as the form with the message; the core's refusals
//! and outages become a sentence on the page; nothing becomes a bare 500.

use tonic::Code;

/// What can go wrong in the web server.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// A setting of the web server's configuration is wrong; the key is named.
    #[error("{key}: {message}")]
    Config {
        /// The configuration key (`users[2].password_hash`).
        key: String,
        /// What is wrong with it.
        message: String,
    },
    /// The person's input is not acceptable; shown with the form (the caller's fault).
    #[error("{0}")]
    Input(String),
    /// The core refused or failed the call; `code` says whose fault it was.
    #[error("the core answered {code:?}: {message}")]
    Core {
        /// The gRPC status code.
        code: Code,
        /// The core's message.
        message: String,
    },
    /// A password could not be hashed (the operator's helper).
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

impl WebError {
    /// A configuration error naming `key`.
    pub fn config(key: impl Into<String>, message: impl Into<String>) -> WebError {
        WebError::Config {
            key: key.into(),
            message: message.into(),
        }
    }

    /// Whether the error is the person's to fix (bad input, a quota reached) rather than the
    /// service's: it decides the HTTP status of the page that shows it.
    pub fn is_callers(&self) -> bool {
        match self {
            WebError::Input(_) => true,
            WebError::Core { code, .. } => matches!(
                code,
                Code::InvalidArgument
                    | Code::ResourceExhausted
                    | Code::PermissionDenied
                    | Code::NotFound
                    | Code::FailedPrecondition
                    | Code::OutOfRange
            ),
            WebError::Config { .. } | WebError::Hash(_) => false,
        }
    }
}

impl From<tonic::Status> for WebError {
    fn from(status: tonic::Status) -> Self {
        WebError::Core {
            code: status.code(),
            message: status.message().to_string(),
        }
    }
}

/// Results of the web crate.
pub type Result<T> = std::result::Result<T, WebError>;
