//! The operator benchmark suite: how well and how fast does this federation match, on this
//! hardware?
//!
//! Why it exists: an operator of a national node must be able to prove recall and latency on
//! their own machines, repeatably, against the targets of DESIGN §6. This crate holds all the
//! logic behind `sismatch bench`; the binary only parses arguments and calls it.
//!
//! - [`generate`]: a corpus on disk from the seeded sample generator (`sismatch-sample`): the
//!   alerts of each country as import files, a manufacturer sales register for the partner
//!   node, and a query set with ground truth (every corruption of DESIGN §3, queries of several
//!   identifiers, and negatives). Streams: memory does not grow with the number of alerts.
//! - [`quality`]: runs the query set against a core or a node and computes recall@1,
//!   recall@10, MRR per corruption type, the false-hit rate on negatives and a threshold sweep,
//!   with the arithmetic in [`metrics`] (pure).
//! - [`load`]: closed-loop and fixed-rate load with HDR histograms, errors by status code and
//!   per-node timing, after a warm-up that is not counted.
//! - [`oracle`]: a brute-force recall oracle: every stored alert scored by the identifier core
//!   for a sample of queries, and every alert of its first ten the engine did not return.
//! - [`federation`]: an in-process federation (nodes and core on loopback) for `bench all`.
//! - [`report`]: JSON, Markdown and SVG plots of a run, with the machine and the commit.
//!
//! Layer: an operator tool, above the services and the wire format (it is a gRPC client of
//! them, and starts them in process for `bench all`), below the binary. It never changes what
//! it measures: no test hooks in the services, no timing inside them.

mod error;
pub mod federation;
pub mod generate;
mod lean;
pub mod load;
pub mod metrics;
pub mod oracle;
mod progress;
pub mod quality;
pub mod query;
pub mod report;
pub mod target;

pub use error::{BenchError, Result};
pub use progress::Progress;
