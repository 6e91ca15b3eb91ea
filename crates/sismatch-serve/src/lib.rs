//! The server stack of sismatch as a library: how a national node, the matching core and a
//! manufacturer partner are served over gRPC ([`serve_node`], [`serve_core`],
//! [`serve_partner`]: TLS and the caller directory, health and reflection, request spans and
//! metrics, message limits, a bounded graceful stop), and [`LocalFederation`], nodes, a core
//! and a partner started together in one process on loopback ports.
//!
//! Why a library: the `sismatch` binary, the demo, the operator's benchmark suite, the
//! integration tests and the criterion benches all start servers. With the stack here, each of
//! them starts the same servers a deployment runs, and the binary keeps only what is the
//! command line's: flags, config files, printing. In the spirit of quickwit's `quickwit-serve`.
//!
//! Layer: servers, above the services (`sismatch-node`, `sismatch-core`, `sismatch-partner`)
//! and their tonic adapters (`sismatch-grpc`), below the binary and the tools that start
//! federations. It holds no matching logic and reads no config file: callers hand it plain
//! structs ([`Security`], [`Auth`], the services' own configs).

mod error;
mod federation;
mod members;
mod server;

pub use error::{Result, ServeError};
pub use federation::{
    Auth, LocalCore, LocalFederation, LocalFederationBuilder, LocalNode, LocalPartner,
    SHUTDOWN_GRACE,
};
pub use members::{members, with_scheme};
pub use server::{
    MAX_MESSAGE, Security, audit_log, serve_core, serve_node, serve_partner, shutdown_signal,
    trace_span,
};
