//! The national node as a service: what a country's police IT runs to own its alerts.
//!
//! Layer: services, plain async Rust over the store (`sismatch-store`, the source of truth) and
//! two candidate generators: the identifier index in memory (`sismatch-keyindex`) and the
//! free-text index (`sismatch-index`, tantivy). The gRPC adapter converts and delegates
//! to [`Node`]; tests call [`Node`] directly, without a network.
//!
//! - **Writes** are validated (`sismatch_alert::validate`, errors name the field), written in
//!   one synced RocksDB batch, and acknowledged only then: a `kill -9` after the reply loses
//!   nothing.
//! - **The indexes follow the store.** A background indexer fills the identifier index from
//!   the store at start, applies the store's change log to both indexes and records the last
//!   sequence each contains; the text index catches up on start, and is rebuilt from the store
//!   when its folder is missing or corrupt. A single put waits (2 s, or what the caller asks)
//!   until its alert is searchable and says whether it is; an import does not (the import
//!   command waits on the node's status). After a bulk of indexing the indexer
//!   compacts the index once idle ([`COMPACT_AFTER`]), while searches go on.
//! - **Writes can be conditional.** An `expected_version` is checked by the store inside the
//!   write that it guards, so two writers racing on one version cannot both win.
//! - **One alert per object** (DESIGN §4). A new alert whose identifier another alert in force
//!   of the node holds is refused or linked ([`NodeOptions::duplicates`]); the store decides
//!   inside the same locked write, so two puts of one object store one alert, and an import
//!   applies the rule item by item ([`BatchOutcome::duplicates`], [`BatchOutcome::linked`]).
//! - **Alerts are reviewed before they expire** (`expiry.rs`): the node lists the alerts in
//!   force due within a window, and an operator's extension is a new version like any change.
//! - **Search** takes candidates from the indexes and ranks them with the identifier core's
//!   score, so that the same query and stored value score the same on every node; a search
//!   reads from the store only the alerts it answers with.
//!
//! Never: block the async runtime on long RocksDB or tantivy work (it runs in `spawn_blocking`,
//! in `block_in_place` for free-text and wildcard searches, or on the indexer thread; a search
//! of identifier values, a fraction of a millisecond, runs on the worker), or let the index
//! decide what exists.

mod compactor;
mod duplicates;
mod error;
mod expiry;
mod hits;
mod import;
mod indexer;
mod node;
mod node_metrics;
mod recent;
mod search;
mod status;
#[cfg(test)]
mod tests;

pub use compactor::COMPACT_AFTER;
pub use duplicates::Duplicate;
pub use error::{NodeError, Result};
pub use expiry::{
    DEFAULT_EXPIRING_PAGE, DEFAULT_REVIEW_WINDOW, ExpiringQuery, Extension, MAX_EXPIRING_PAGE,
    MAX_REVIEW_WINDOW,
};
pub use hits::{DEFAULT_HITS_PAGE, HitQuery, MAX_HITS_PAGE};
pub use import::{BatchReport, Import};
pub use node::{
    BatchOutcome, ImportItem, ItemError, MAX_SEARCHABLE_WAIT, Node, NodeConfig, NodeOptions,
    PutOutcome, SEARCHABLE_WAIT,
};
pub use node_metrics::describe_metrics;
pub use recent::RecentSearches;
pub use search::{
    AlertMatch, IdentifierHit, OTHER_MAKER, SearchQuery, SearchRequest, SearchResult,
};
pub use sismatch_store::{Applied, ExpiringPage, HitPage, OnDuplicate};
pub use status::NodeStatus;
