//! What can go wrong in a benchmark run, and whose fault it is.

use std::path::PathBuf;

/// An error of the benchmark suite. Variants say whose fault it is: the operator's (a bad
/// argument or file, a target that cannot be reached) or the federation's.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// An argument the suite cannot work with, naming it.
    #[error("{0}")]
    Invalid(String),
    /// The sample generator refused its configuration.
    #[error("corpus: {0}")]
    Sample(#[from] sismatch_sample::SampleError),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A line of an input file (queries, alerts) is not what it should be.
    #[error("{}: line {line}: {message}", path.display())]
    Line {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong with it.
        message: String,
    },
    /// The core or node to measure cannot be reached.
    #[error("cannot connect to {address}: {message}")]
    Connect {
        /// The address given.
        address: String,
        /// Why.
        message: String,
    },
    /// The in-process federation of `bench all` failed (a node refused a generated alert, an
    /// index did not catch up): the federation's fault, not the operator's.
    #[error("federation: {0}")]
    Federation(String),
    /// The in-process federation could not start or stop (a store that cannot be opened, no
    /// loopback port); the cause is the error's source.
    #[error("federation")]
    Serve(#[from] sismatch_serve::ServeError),
    /// A report could not be serialised or drawn.
    #[error("report: {0}")]
    Report(String),
}

impl BenchError {
    /// An IO error on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> BenchError {
        let path = path.into();
        move |source| BenchError::Io { path, source }
    }
}

/// The result of the suite's fallible calls.
pub type Result<T> = std::result::Result<T, BenchError>;
