//! The index of one national node (tantivy): candidate generation for identifier queries (whole
//! values with look-alikes and up to two edits, prefixes added or dropped, fragments, wildcard
//! patterns) and for free text.
//!
//! Layer: storage and index, above the identifier core and the alert model, below the node
//! service. Recall is this crate's job: every alert that the identifier core would score as a
//! match must be among the candidates, however short its identifiers (a trigram prefilter loses
//! half the two-edit matches on serials of eight characters or fewer, DESIGN §3), and the common
//! no-hit search must stay cheap (DESIGN §6).
//!
//! What it must never do: decide the final ranking (the node scores every candidate with
//! `sismatch_ident::score`, the same on every node), or be the source of truth (the RocksDB
//! store is; an unreadable index is wiped and rebuilt from it, and the commit payload records
//! the store change sequence the index contains).
//!
//! How: one tantivy document per identifier (its skeleton under several keys, and 3-grams) and
//! one per alert (its free text), all under the alert id. A search is a few dozen exact term
//! look-ups and short dictionary range scans, each term verified by its edit distance to the
//! query before its documents are read; no automaton walks the whole dictionary.
//!
//! The pieces: `schema` (fields, the documents of an alert), `search` (the stages of an
//! identifier search), `fuzzy` (values within two edits), `pattern` (wildcards), `gather`
//! (hits with a proxy score, turned into alert ids), `ids` (document to alert id tables),
//! `text` (free text), `index` ([`AlertIndex`]: open, apply, search), `compaction` (merging the
//! segments into one while searches go on), `merges` (the merge policy, watched for
//! compaction).

mod compaction;
mod distance;
mod error;
mod fuzzy;
mod gather;
mod ids;
mod index;
mod merges;
mod pattern;
mod schema;
mod search;
mod text;

pub use compaction::{Compacted, Compaction, CompactionStart};
pub use error::{Error, Result};
pub use index::{AlertIndex, IndexChange, IndexStats, Opened};

#[cfg(test)]
mod recall;
#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;
