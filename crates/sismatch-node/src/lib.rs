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
//!   until its alert is searchable; an import does not.
//! - **Search** takes candidates from the index and ranks them with the identifier core's score,
//!   so that the same query and stored value score the same on every node.
//!
//! Never: block the async runtime on RocksDB or tantivy (both run in `spawn_blocking` or on the
//! indexer thread), or let the index decide what exists.

mod error;
mod indexer;
mod node;
mod search;

pub use error::{NodeError, Result};
pub use node::{BatchOutcome, ImportItem, ItemError, Node, NodeConfig, NodeStatus, PutOutcome};
pub use search::{AlertMatch, IdentifierHit, SearchQuery, SearchRequest, SearchResult};
pub use sismatch_store::Applied;
