//! The national node as a service: what a country's police IT runs to own its alerts.
//!
//! Layer: services, plain async Rust over the store (`sismatch-store`, the source of truth) and
//! the index (`sismatch-index`, a candidate generator). The gRPC adapter converts and delegates
//! to [`Node`]; tests call [`Node`] directly, without a network.
//!
//! - **Writes** are validated (`sismatch_alert::validate`, errors name the field), written in
//!   one synced RocksDB batch, and acknowledged only then: a `kill -9` after the reply loses
//!   nothing.
//! - **The index follows the store.** A background indexer applies the store's change log to
//!   the index and records the last sequence it contains; on start it catches up, and rebuilds
//!   from the store when the index folder is missing or corrupt. A single put waits (briefly)
//!   until its alert is searchable; an import does not. After a bulk of indexing the indexer
//!   compacts the index once idle ([`COMPACT_AFTER`]), while searches go on.
//! - **Writes can be conditional.** An `expected_version` is checked by the store inside the
//!   write that it guards, so two writers racing on one version cannot both win.
//! - **Search** takes candidates from the index and ranks them with the identifier core's score,
//!   so that the same query and stored value score the same on every node.
//!
//! Never: block the async runtime on RocksDB or tantivy (both run in `spawn_blocking` or on the
//! indexer thread), or let the index decide what exists.

mod compactor;
mod duplicates;
mod error;
mod hits;
mod indexer;
mod node;
mod node_metrics;
mod search;
mod status;
#[cfg(test)]
mod tests;

pub use compactor::COMPACT_AFTER;
pub use duplicates::Duplicate;
pub use error::{NodeError, Result};
pub use hits::{DEFAULT_HITS_PAGE, HitQuery, MAX_HITS_PAGE};
pub use node::{BatchOutcome, ImportItem, ItemError, Node, NodeConfig, NodeOptions, PutOutcome};
pub use node_metrics::describe_metrics;
pub use search::{AlertMatch, IdentifierHit, SearchQuery, SearchRequest, SearchResult};
pub use sismatch_store::{Applied, HitPage};
pub use status::NodeStatus;
