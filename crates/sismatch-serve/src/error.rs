//! What can go wrong when starting or running a server, and whose fault it is.

use std::net::SocketAddr;
use std::path::PathBuf;

/// An error of the server stack. The caller's fault: TLS settings the transport refuses, an
/// address that cannot be bound, a federation asked for without what it needs. Internal: a
/// store, register or audit log that cannot be opened, a server that fails while serving.
///
/// Messages name what failed and keep the cause as the error's source, so that the binary's
/// `{:#}` prints the whole chain as it did before the stack moved here.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The TLS settings were refused (a certificate or key that is not what it should be).
    #[error("invalid TLS settings")]
    Tls(#[source] tonic::transport::Error),
    /// A reflection service could not be built from the descriptor sets (`v1` or `v1alpha`).
    #[error("cannot build the {0}reflection service")]
    Reflection(&'static str, #[source] tonic_reflection::server::Error),
    /// A server failed while serving (`node`, `core`, `partner`).
    #[error("the {0}'s gRPC server failed")]
    Serve(&'static str, #[source] tonic::transport::Error),
    /// An address could not be bound.
    #[error("cannot listen on {0}")]
    Listen(SocketAddr, #[source] std::io::Error),
    /// A bound listener's address could not be read.
    #[error("cannot read a listener's address")]
    Address(#[source] std::io::Error),
    /// A server's audit log could not be opened.
    #[error("cannot open the audit log in {}", .0.display())]
    Audit(PathBuf, #[source] sismatch_audit::AuditError),
    /// A node of a local federation could not be opened.
    #[error("cannot open the node of {0}")]
    Node(String, #[source] sismatch_node::NodeError),
    /// The core refused its configuration.
    #[error("cannot start the core")]
    Core(#[source] sismatch_core::CoreError),
    /// A partner's register could not be opened.
    #[error("cannot open the partner register")]
    Partner(#[source] sismatch_partner::PartnerError),
    /// A temporary folder for a local federation could not be made.
    #[error("cannot create a temporary folder")]
    TempDir(#[source] std::io::Error),
    /// A local federation was asked for without what it needs (naming what).
    #[error("{0}")]
    Invalid(String),
    /// A task of the stack (opening, serving, closing) panicked or was cancelled.
    #[error("a server task failed")]
    Task(#[from] tokio::task::JoinError),
}

/// The result of the server stack.
pub type Result<T> = std::result::Result<T, ServeError>;
