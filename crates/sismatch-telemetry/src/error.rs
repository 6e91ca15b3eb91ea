//! The telemetry crate's errors: all at start-up, all the operator's to fix.

/// What can go wrong while setting up metrics or logs.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// The Prometheus recorder could not be built or installed.
    #[error("metrics recorder: {0}")]
    Recorder(String),
    /// The log settings are invalid (an unknown format, a bad `RUST_LOG` filter).
    #[error("{field}: {message}")]
    Logging {
        /// The flag or variable at fault.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The metrics endpoint failed while serving.
    #[error("metrics endpoint: {0}")]
    Serve(String),
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, TelemetryError>;
