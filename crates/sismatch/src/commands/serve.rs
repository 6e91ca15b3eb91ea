//! The binary's servers are `sismatch-serve`'s (TLS, auth, health, reflection, request
//! metrics, graceful stop); what is the command line's is here: a server's [`Security`] from
//! the `[tls]` and `[auth]` sections of its config file.

use std::path::Path;

use anyhow::Result;
use sismatch_grpc::audit::Auditor;
pub use sismatch_serve::{
    Security, audit_log, serve_core, serve_node, serve_partner, shutdown_signal,
};

use crate::commands::security::{AuthFile, TlsFile, directory};

/// A server's security from its config file's `[tls]` and `[auth]` sections; `base` is the
/// file's folder.
pub fn security(
    tls: Option<&TlsFile>,
    auth: Option<AuthFile>,
    base: &Path,
    server: &str,
    auditor: Auditor,
) -> Result<Security> {
    let tokens = auth.as_ref().is_some_and(AuthFile::accepts_tokens);
    let tls = tls.map(|t| t.server(base, tokens)).transpose()?;
    Ok(Security {
        server: server.to_owned(),
        directory: directory(auth, server)?,
        tls,
        auditor,
    })
}
