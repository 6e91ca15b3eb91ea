//! One change of a node's store, as its indexes apply it: both indexes (the identifier index in
//! memory and the free-text index) follow the same change log, so they take the same type.

use crate::Alert;

/// An alert as it now is, or gone.
#[derive(Debug, Clone, Copy)]
pub enum StoreChange<'a> {
    /// The alert as it now is, whatever its status: indexes keep every alert, and searches
    /// filter.
    Upsert(&'a Alert),
    /// The alert with this id is gone from the store.
    Remove(&'a str),
}

impl<'a> StoreChange<'a> {
    /// The id of the alert it changes.
    pub fn id(&self) -> &'a str {
        match self {
            StoreChange::Upsert(alert) => &alert.id,
            StoreChange::Remove(id) => id,
        }
    }
}
