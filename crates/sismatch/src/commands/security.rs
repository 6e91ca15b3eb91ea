//! The `[tls]` and `[auth]` sections shared by the servers' config files: who a server is,
//! whom it trusts, and what each caller may do.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use sismatch_auth::{AuthMode, AuthSettings, Directory, IdentityEntry, Role};
use sismatch_core::ClientTls;
use tonic::transport::{Certificate, Identity, ServerTlsConfig};
use tracing::warn;

/// `[tls]`: the server's certificate and key, and the authority its clients' certificates
/// must be signed by (mutual TLS). Paths are relative to the config file's folder.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFile {
    cert: PathBuf,
    key: PathBuf,
    client_ca: PathBuf,
}

fn read(base: &Path, key: &str, path: &Path) -> Result<Vec<u8>> {
    let full = base.join(path);
    std::fs::read(&full).with_context(|| format!("tls.{key}: cannot read {}", full.display()))
}

impl TlsFile {
    /// The server side: present `cert`, ask clients for a certificate signed by `client_ca`
    /// (optional when bearer tokens are accepted, so that token callers can connect).
    pub fn server(&self, base: &Path, tokens_accepted: bool) -> Result<ServerTlsConfig> {
        let identity = Identity::from_pem(
            read(base, "cert", &self.cert)?,
            read(base, "key", &self.key)?,
        );
        let authority = Certificate::from_pem(read(base, "client_ca", &self.client_ca)?);
        Ok(ServerTlsConfig::new()
            .identity(identity)
            .client_ca_root(authority)
            .client_auth_optional(tokens_accepted))
    }

    /// The client side (the core calling the nodes): the same certificate, and `client_ca`
    /// as the authority the nodes' certificates must be signed by.
    pub fn client(&self, base: &Path) -> Result<ClientTls> {
        Ok(ClientTls {
            ca_pem: read(base, "client_ca", &self.client_ca)?,
            cert_pem: read(base, "cert", &self.cert)?,
            key_pem: read(base, "key", &self.key)?,
        })
    }
}

/// `[auth]`: the known identities and the policy.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthFile {
    /// `required` (the default once the section exists) or `open`.
    mode: Option<String>,
    #[serde(default)]
    accept_tokens: bool,
    #[serde(default)]
    trusted_forwarders: Vec<String>,
    #[serde(default)]
    identities: Vec<IdentityFile>,
    #[serde(default)]
    policy: BTreeMap<String, Vec<String>>,
}

/// One `[[auth.identities]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentityFile {
    name: String,
    role: String,
    country: Option<String>,
    token: Option<String>,
}

impl AuthFile {
    fn settings(self) -> Result<AuthSettings> {
        let mode = match self.mode.as_deref().unwrap_or("required") {
            "required" => AuthMode::Required,
            "open" => AuthMode::Open,
            other => bail!("auth.mode: '{other}' is neither 'required' nor 'open'"),
        };
        let mut identities = Vec::with_capacity(self.identities.len());
        for (i, entry) in self.identities.into_iter().enumerate() {
            let role: Role = entry
                .role
                .parse()
                .map_err(|e| anyhow::anyhow!("auth.identities[{i}].role: {e}"))?;
            identities.push(IdentityEntry {
                name: entry.name,
                role,
                country: entry.country,
                token: entry.token,
            });
        }
        let mut policy = Vec::with_capacity(self.policy.len());
        for (rpc, names) in self.policy {
            let mut roles = Vec::with_capacity(names.len());
            for name in names {
                let role: Role = name
                    .parse()
                    .map_err(|e| anyhow::anyhow!("auth.policy.\"{rpc}\": {e}"))?;
                roles.push(role);
            }
            policy.push((rpc, roles));
        }
        Ok(AuthSettings {
            mode,
            accept_tokens: self.accept_tokens,
            identities,
            trusted_forwarders: self.trusted_forwarders,
            policy,
        })
    }

    /// Whether bearer tokens are accepted (then client certificates are optional).
    pub fn accepts_tokens(&self) -> bool {
        self.accept_tokens
    }
}

/// The directory of a server: from its `[auth]` section, or open mode (with a warning) when
/// it has none.
pub fn directory(auth: Option<AuthFile>, server: &str) -> Result<Arc<Directory>> {
    let Some(auth) = auth else {
        warn!(
            server,
            "no [auth] section: open mode, every caller may call every RPC and no caller receives restricted data"
        );
        return Ok(Arc::new(Directory::open()));
    };
    let directory = Directory::new(auth.settings()?).map_err(|e| anyhow::anyhow!("{e}"))?;
    if directory.is_open() {
        warn!(server, "auth.mode = open: callers are not identified");
    }
    Ok(Arc::new(directory))
}

/// The folder relative paths of a config file are resolved against: the file's own folder,
/// or the working folder without a file.
pub fn config_folder(config: Option<&Path>) -> PathBuf {
    config
        .and_then(Path::parent)
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}
