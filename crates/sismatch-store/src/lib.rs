//! The durable store of one national node: its alerts, every version of them, the map from
//! identifier keys to alerts, the change log the search index catches up from, and the hit
//! reports received (DESIGN §2, §4, §5).
//!
//! Layer: storage, above the domain model (`sismatch-alert`) and the identifier core
//! (`sismatch-ident`), below the node service. Synchronous Rust over RocksDB: no async, no
//! gRPC, no search. The node calls it from blocking threads and maps [`Error`] to status
//! codes ([`Error::is_caller_fault`]).
//!
//! Why it is built this way:
//! - **An acknowledged write is durable.** [`Store::apply`], [`Store::add_hit`] and
//!   [`Store::decide_hit`] write one RocksDB write batch with a synced write-ahead log and
//!   return only then, so `kill -9`
//!   after the answer loses nothing. A batch is atomic: the alert, its history version, its
//!   change log entry, its identifier map entries, the status counters and the sequence
//!   numbers are written together or not at all.
//! - **Bulk import is one fsync per batch.** A batch of a few thousand mutations costs one
//!   multi-get of the alerts it touches and one synced write.
//! - **The index can always catch up.** Every change gets the next change sequence number,
//!   persisted in its batch; the index remembers the last sequence it indexed and reads
//!   [`Store::changes_since`] on start.
//!
//! What it must never do: panic on what it reads from disk or is given (a record that does
//! not decode is [`Error::Corrupt`]), acknowledge a write before it is synced, or check
//! alerts against the data model's rules (the caller validates with
//! `sismatch_alert::validate` before storing).
//!
//! # Layout
//!
//! One RocksDB database, one column family per kind of record; values are JSON (serde), so
//! that records stay readable with `ldb` and old records stay readable when fields are added.
//! Integers in keys are 8-byte big-endian, so that byte order is numeric order; `0x00` joins
//! two strings in a key (neither alert ids nor identifier keys contain it).
//!
//! | column family | key | value |
//! | --- | --- | --- |
//! | `alerts` | alert id | latest `Alert` |
//! | `history` | alert id, `0x00`, version | `AlertVersion` (oldest first in a scan) |
//! | `changes` | change sequence | id of the alert changed (UTF-8) |
//! | `keys` | identifier key, `0x00`, alert id | empty |
//! | `hits` | hit receive sequence | `HitReport` (newest first in a reverse scan) |
//! | `meta` | `format`, `sequence`, `hit_sequence`, `hits_pending`, `count/<STATUS>` | JSON number |
//! | `alert_hits` | alert id, `0x00`, hit receive sequence | empty |
//! | `expiry` | `expires_at` (16 bytes, in time order), alert id | empty |
//! | `in_force` | identifier key, `0x00`, alert id, for alerts ACTIVE or HIT_CONFIRMED | empty |
//!
//! The `expiry` column serves two readers: the count of expired alerts in the node's status,
//! and the alerts due for review (`expiry.rs`, [`Store::expiring`]), which an operator extends
//! with [`Mutation::ExtendExpiry`], a new version like any other change.
//!
//! An identifier key is `sismatch_ident::parse(value, Some(kind)).key`, for indexable
//! identifiers only (no sentinels such as `UNKNOWN`). `format` is the layout version (3): a
//! store of layout 1 (without `alert_hits`, `expiry` and `in_force`) or 2 (without
//! `in_force`) is upgraded at open (`upgrade.rs`, one pass over the alerts, logged as "store
//! layout upgraded"), a store of another layout is refused.
//!
//! `in_force` is `keys` restricted to the alerts in force, kept in step by every write that
//! changes an alert's identifiers or status: the one-alert-per-object check of a put
//! ([`OnDuplicate`], `duplicates.rs`) seeks it under the writer lock instead of reading the
//! alerts that ever held a number (recovered and withdrawn ones included).

mod apply;
mod duplicates;
mod error;
mod expiry;
mod hits;
mod keys;
mod store;
#[cfg(test)]
mod tests;
mod upgrade;

pub use apply::{Applied, Mutation};
pub use duplicates::{OnDuplicate, same_maker, shared_identifiers};
pub use error::{Error, Result};
pub use expiry::ExpiringPage;
pub use hits::{HitFilter, HitPage};
pub use store::Store;
