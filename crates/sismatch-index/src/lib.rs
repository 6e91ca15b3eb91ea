//! The free-text index of one national node (tantivy): which alerts have words of a query in
//! their brand, model, colour or description, in any EU language (folded to ASCII, and reduced
//! to their stem in the alert's language where tantivy has a stemmer), ranked by BM25.
//!
//! Layer: storage and index, above the alert model, below the node service, beside the
//! identifier index. Identifiers are not searched here: `sismatch-keyindex` finds them (exact,
//! look-alikes, edits, fragments, patterns) in memory, in microseconds, which the no-hit path of
//! DESIGN §6 needs and a dictionary walk over tantivy terms could not give. tantivy stays the
//! text engine: analysers for every EU language's words, BM25 ranking, and a durable index that
//! a restarted node need not rebuild.
//!
//! What it must never do: decide the final ranking (the node does), or be the source of truth
//! (the RocksDB store is; an unreadable index, or one written with another schema, is wiped and
//! rebuilt from it, and the commit payload records the store change sequence the index
//! contains).
//!
//! How: one tantivy document per alert, under its id, carrying its free text.
//!
//! The pieces: `schema` (fields, the document of an alert), `ids` (document to alert id
//! tables), `text` (free-text search), `index` ([`AlertIndex`]: open, apply, search),
//! `compaction` (merging the segments into one while searches go on), `merges` (the merge
//! policy, watched for compaction).

mod compaction;
mod error;
mod ids;
mod index;
mod merges;
mod schema;
mod text;

pub use compaction::{Compacted, Compaction, CompactionStart};
pub use error::{Error, Result};
pub use index::{AlertIndex, IndexStats, Opened};

#[cfg(test)]
mod tests;
