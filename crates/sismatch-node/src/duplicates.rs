//! What a put tells its caller about the other alerts of the same object (DESIGN §4: one alert
//! per object per country).
//!
//! The decision is the store's: `sismatch_store::Mutation::Put` refuses or links, under its
//! writer lock, as the node's [`sismatch_store::OnDuplicate`] says, so that two writers cannot
//! both store the same object. What is left here is the account of a linked put: which alerts
//! the store linked it to, and which of their identifiers made them the same object.

use sismatch_alert::{Alert, IdentifierEntry};
use sismatch_store::{Store, shared_identifiers};

use crate::error::Result;

/// An identifier of a stored alert that another alert in force of this node also holds; the
/// two alerts are linked.
#[derive(Debug, Clone, PartialEq)]
pub struct Duplicate {
    /// The other alert.
    pub alert_id: String,
    /// The identifier as the other alert holds it.
    pub identifier: IdentifierEntry,
}

/// The alerts the store linked `stored` to because they hold one of its identifiers: the ids
/// in its `links` that the caller did not send (`sent`), each with the identifiers it shares.
pub(crate) fn linked_duplicates(
    store: &Store,
    sent: &[String],
    stored: &Alert,
) -> Result<Vec<Duplicate>> {
    let added: Vec<String> = stored
        .links
        .iter()
        .filter(|id| !sent.contains(id))
        .cloned()
        .collect();
    let mut found = Vec::new();
    for other in store.get_many(&added)?.into_iter().flatten() {
        for identifier in shared_identifiers(stored, &other) {
            found.push(Duplicate {
                alert_id: other.id.clone(),
                identifier,
            });
        }
    }
    Ok(found)
}
