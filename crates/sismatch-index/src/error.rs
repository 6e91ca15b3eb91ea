//! The crate's one error type. The index is internal machinery: nothing a caller sends can make
//! it fail, so every variant is an internal error (an unreadable folder, a failed commit).

use std::path::PathBuf;

/// Errors of the index; all of them internal (never the caller's fault).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// tantivy failed to open, write, commit or search the index.
    #[error("index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// The index folder could not be created, read or wiped.
    #[error("index folder {path}: {source}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// The commit payload is not a change sequence: the index was not written by this crate.
    #[error("index commit payload {0:?} is not a change sequence")]
    Payload(String),
    /// A writer panicked while holding the writer lock; the index must be reopened.
    #[error("index writer lock poisoned by an earlier panic")]
    Poisoned,
}

impl Error {
    /// Whether the caller is at fault: never, for the index. Kept so that the service's one
    /// error-mapping function treats every crate alike.
    pub fn is_caller_fault(&self) -> bool {
        false
    }
}

impl From<std::io::Error> for Error {
    /// Reading index files (term dictionaries, postings, columns) failed.
    fn from(err: std::io::Error) -> Self {
        Error::Tantivy(tantivy::TantivyError::from(err))
    }
}

/// Result alias of the index.
pub type Result<T> = std::result::Result<T, Error>;
