//! The identifier index of one national node, in memory: which alerts may match the numbers an
//! officer read (look-alikes, up to two edits, prefixes added or dropped, fragments, wildcard
//! patterns), answered in tens of microseconds at millions of identifiers.
//!
//! Layer: storage and index, beside the tantivy index (`sismatch-index`, which keeps the free
//! text) and below the node service. It does no IO: the node fills it from its store at start
//! and then applies the store's change log to it, so it is never the source of truth and is
//! never written to disk.
//!
//! Why in memory and not in tantivy: 99.99 % of searches find nothing (DESIGN §6), and every
//! node of the federation serves every search, so the no-hit path must cost microseconds. A
//! dictionary walk with an edit automaton costs milliseconds at this scale; hash look-ups of
//! precomputed keys cost a cache miss or two each (`keys` says which keys prove that no match
//! within two edits is missed). Each candidate is then checked on its skeleton and handed to
//! the node with its identifiers pre-parsed, so that filtering and scoring read no store and
//! parse nothing; the node reads only the alerts it answers with.
//!
//! What it must never do: rank (the node scores every candidate with `sismatch_ident::score`,
//! the same on every node) or lose a candidate the identifier core would accept at the default
//! threshold (`tests.rs` tries every edit pattern).
//!
//! The pieces: `table` (the rows kept per alert and identifier), `keys` (stored keys and query
//! probes), `hash` (32-bit keys), `postings` (sorted segments of key → row pairs, merged as
//! they grow), `verify` (distance, fragment and pattern checks on skeletons), `search` (one
//! search), `visit` (the order candidates are handed over in, and the early stop), `index`
//! ([`KeyIndex`]: apply, merge, search).

mod hash;
mod index;
mod keys;
mod patterns;
mod postings;
mod search;
mod symbols;
mod table;
mod verify;
mod visit;

pub use index::{KeyIndex, KeyStats};
pub use table::recorded_pattern;
pub use visit::{Bound, Candidate, StoredIdentifier};

#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;
