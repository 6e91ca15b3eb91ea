//! Integration tests of sismatch: the real `sismatch` binary and, as later parts land, real
//! nodes and a real core on loopback ports. One test binary, to keep link time down.

mod ident_cli;
mod support;
