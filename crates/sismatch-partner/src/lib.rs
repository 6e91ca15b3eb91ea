//! The manufacturer partner node (DESIGN §4): a maker's or dealers' association's sales
//! register — which engine serial was sold with or fitted to which hull number or VIN, by
//! which dealer, when, which model — answering gated look-ups only.
//!
//! Layer: service, as plain async Rust over its own RocksDB register; no tonic (the adapter
//! is `sismatch_grpc::PartnerService`). Three parts, in the order a look-up meets them:
//! - the **gate** (`gate.rs`): caller role POLICE, a purpose from the fixed list that the
//!   partner agreed to, a case reference, and mutually authenticated TLS where the
//!   configuration demands it; the first failure is the refusal, answered as outcome REFUSED
//!   with its [`RefusalReason`](sismatch_proto::v1::RefusalReason), never as an error;
//! - the **look-up** (`lookup.rs`): exact identifier keys, then look-alike skeletons, never
//!   an edit distance (why: see that file);
//! - the **register** (`store.rs`): entries by a stable id, indexes from identifier keys and
//!   skeletons to entries, imports written in synced batches ([`Partner::import_batch`],
//!   lines read with [`RegisterRecord::from_ndjson`]).
//!
//! Types: the look-up takes and returns the `sismatch.v1` messages (`LookupRequest`,
//! `LookupResponse`), as the matching core does. The partner's answer *is* the wire answer
//! (the core forwards it and searches the linked identifiers again), and domain twins of these
//! messages would only add a conversion to get wrong; the register itself has its own types.
//! Every answer carries a [`LookupAudit`] for the server's audit log, which this crate does
//! not write.
//!
//! What it must never do: disclose anything about the register to a request that failed the
//! gate (the gate is checked before the register is read, and a refusal is the same whether
//! or not an identifier is known); return a sale fact the partner did not agree to share
//! ([`PartnerConfig::share`]); link values that are not equal up to look-alikes; acknowledge
//! an import before it is durable.

mod answer;
mod config;
mod error;
mod gate;
mod import;
mod lookup;
mod partner;
mod record;
mod request;
mod store;
#[cfg(test)]
mod tests;

pub use answer::{LookupAnswer, LookupAudit};
pub use config::{ALL_PURPOSES, PartnerConfig, SaleField, purpose_from_name, purpose_name};
pub use error::{PartnerError, Result};
pub use partner::Partner;
pub use record::RegisterRecord;
pub use request::{MAX_CASE_REFERENCE, MAX_IDENTIFIERS, MAX_OFFICER, MAX_VALUE};
pub use store::ImportCounts;
