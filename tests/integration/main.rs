//! Integration tests of sismatch: the real `sismatch` binary and, as later parts land, real
//! nodes and a real core on loopback ports. One test binary, to keep link time down.

// In test helpers a failed expectation is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod bench;
mod core;
mod demo;
mod duplicates;
mod expiry;
mod fuzz;
mod hostile;
mod hostile_files;
mod http;
mod ident_cli;
mod lifecycle;
mod metrics;
mod node;
mod ops;
mod partner;
mod prum;
mod roles;
mod structure;
mod support;
mod table;
mod text;
mod traces;
mod web;
