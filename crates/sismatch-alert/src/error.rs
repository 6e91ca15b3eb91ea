//! Errors of the domain model: all of them the caller's fault.

/// A value that breaks a rule of the data model, with the field it is about, so that a client
/// can point its user at it (`identifiers[2].value: longer than 64 characters`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    /// The offending field, as a path (`identifiers[0].value`, `description`).
    pub field: String,
    /// What is wrong, in lower-case words.
    pub message: String,
}

impl Invalid {
    /// An error about `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A name that is not one of an enumeration's stable names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} '{name}' (expected one of {expected})")]
pub struct UnknownName {
    /// Which enumeration (`category`, `status`).
    pub what: &'static str,
    /// The name given.
    pub name: String,
    /// The accepted names, comma-separated.
    pub expected: String,
}
