//! The crate's one error type: parsing never fails, so only caller mistakes remain.

/// Errors of the identifier core; every variant is the caller's fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A kind name that is not one of [`crate::IdentifierKind`]'s names.
    #[error("unknown identifier kind '{0}' (expected one of {known})", known = crate::IdentifierKind::NAMES.join(", "))]
    UnknownKind(String),
    /// A wildcard pattern with too few literal characters to mean anything.
    #[error("pattern '{pattern}' has {literals} literal characters, at least {min} are needed")]
    PatternTooVague {
        /// The pattern as given.
        pattern: String,
        /// How many non-wildcard characters it has.
        literals: usize,
        /// The minimum accepted.
        min: usize,
    },
    /// A query that is empty once separators and spaces are removed.
    #[error("query value is empty once spaces and separators are removed")]
    EmptyQuery,
}

/// Result alias of the identifier core.
pub type Result<T> = std::result::Result<T, Error>;
