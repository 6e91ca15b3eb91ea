//! The audit log of one sismatch server: every request and its answer, recorded in an
//! append-only, hash-chained log that an operator can verify (DESIGN §4, "safe outputs").
//!
//! Layer: storage, beside `sismatch-store`, below the services that record their calls (core,
//! nodes, partners, the gate). Synchronous Rust over RocksDB plus one writer thread: no async,
//! no gRPC. It knows the record's wire form (`sismatch_proto::v1::AuditRecord`) because that
//! encoding is what the chain hashes; it knows nothing of what the fields mean.
//!
//! Why it is built this way:
//! - **Appending is cheap on the request path.** [`AuditLog::append`] hands the record to a
//!   dedicated writer thread through a bounded channel and returns; the thread numbers and
//!   hashes the records in arrival order and writes everything queued in one RocksDB write
//!   batch, so a search never waits for an fsync. Written, a record survives the server
//!   being killed; the write-ahead log is synced at most 5 ms later (one fsync for all the
//!   records of those milliseconds: one per search cost a one-client node a quarter of its
//!   CPU), so a power cut loses at most that much. A full queue makes `append` wait
//!   (backpressure): a record is never dropped. Sensitive calls (partner look-ups) use
//!   [`AuditLog::append_durable`], which returns once their record is synced.
//! - **The chain makes tampering visible.** Each record carries its `sequence` (1, 2, ... no
//!   gaps), the `hash` of the record before it (`previous_hash`) and its own `hash`. [`verify`]
//!   reads the log in order and names the first record that was altered, removed or does not
//!   decode; it streams, so a log of any size verifies in constant memory.
//! - **A failed write stops the log.** After RocksDB refuses a write, every later append and
//!   flush fails ([`AuditError::Failed`], naming the first error): a server that cannot audit
//!   its answers must notice and stop answering, not carry on with a hole in its log.
//!
//! What it must never do: rewrite or delete a record (the writer only ever puts the next
//! sequence number), drop a record because the queue is full, acknowledge an
//! [`AuditLog::append_durable`] before the record is synced, or panic on any record it is
//! given or reads from disk.
//!
//! # Canonical form and hash
//!
//! `hash` is SHA-256 of the record's protobuf encoding (prost) with `hash` itself cleared, so
//! it covers every other field, `sequence`, `server` and `previous_hash` included. prost
//! writes the set fields in field-number order and skips fields at their default value, so
//! one message has exactly one encoding; `AuditRecord` has no map fields, whose order would
//! otherwise matter. The verifier decodes the stored record and re-encodes it, so it must be
//! a build that knows every field the writer wrote: fields are only ever added to
//! `audit.proto`, and a verifier older than the writer would drop a new field and report its
//! records as altered.
//!
//! # Layout
//!
//! One RocksDB database (a server keeps it in the [`FOLDER`] of its data folder):
//!
//! | column family | key | value |
//! | --- | --- | --- |
//! | `records` | sequence, 8 bytes big-endian | the record's protobuf encoding, `hash` set |
//! | `meta` | `last` | sequence (8 bytes big-endian) and hash (32 bytes) of the last record |
//!
//! `last` is written in the same batch as the records; it lets the log continue the chain
//! after a restart without a scan, and lets [`verify`] notice records removed from the end.

mod chain;
mod db;
mod error;
mod export;
mod log;
#[cfg(test)]
mod tests;
mod verify;
mod writer;

pub use error::{AuditError, Result};
pub use export::export;
pub use log::AuditLog;
pub use verify::{Broken, Reason, Verification, verify};
pub use writer::describe_metrics;

/// Name of the folder, inside a server's data folder, that holds its audit log: servers open
/// their log there and the `sismatch audit` commands look there, so both agree on it.
pub const FOLDER: &str = "audit";
