//! `sismatch core`: run the matching core over a set of national nodes.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;
use serde::Deserialize;
use sismatch_core::{Core, CoreConfig, PartnerMemberConfig};
use sismatch_grpc::audit::Auditor;
use sismatch_serve::{members, with_scheme};
use tokio::net::TcpListener;
use tracing::{info, warn};

use crate::commands::ops::OpsArgs;
use crate::commands::security::{AuthFile, TlsFile, config_folder};
use crate::commands::serve::{audit_log, security, serve_core, shutdown_signal};

/// Arguments of `sismatch core`. Flags, and the `SISMATCH_*` variables named in `--help`,
/// override the config file; `--node` flags add to the file's nodes.
#[derive(Debug, Args)]
pub struct CoreArgs {
    /// A TOML file with `listen`, the timings, `metrics`, `shutdown_grace_ms`, `[tls]`,
    /// `[auth]`, the `[[nodes]]` and `[[partners]]` (see deploy/README.md).
    #[arg(long, env = "SISMATCH_CONFIG")]
    config: Option<PathBuf>,
    /// A national node as `CC=ADDRESS` (`NL=127.0.0.1:7401`); repeat for every node (in the
    /// variable, separate them with commas). A country given twice is served by shards, named
    /// `NL`, `NL-2`, ...
    #[arg(
        long = "node",
        value_name = "CC=ADDRESS",
        env = "SISMATCH_NODES",
        value_delimiter = ','
    )]
    nodes: Vec<String>,
    /// Address to listen on; port 0 picks a free port. The bound address is printed on the
    /// first line of standard output.
    #[arg(long, env = "SISMATCH_LISTEN")]
    listen: Option<SocketAddr>,
    /// Fan-out deadline of a search that names none, in milliseconds.
    #[arg(long, env = "SISMATCH_DEADLINE_MS")]
    deadline_ms: Option<u64>,
    /// Folder of the core's audit log (`DATA/audit`); without it, nothing is audited.
    #[arg(long, env = "SISMATCH_DATA")]
    data: Option<PathBuf>,
    #[command(flatten)]
    ops: OpsArgs,
}

/// The core's config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CoreFile {
    listen: Option<SocketAddr>,
    default_deadline_ms: Option<u64>,
    connect_timeout_ms: Option<u64>,
    max_backoff_ms: Option<u64>,
    dealer_checks_per_minute: Option<u32>,
    data: Option<PathBuf>,
    metrics: Option<SocketAddr>,
    shutdown_grace_ms: Option<u64>,
    #[serde(default)]
    nodes: Vec<NodeEntry>,
    tls: Option<TlsFile>,
    auth: Option<AuthFile>,
    #[serde(default)]
    partners: Vec<PartnerEntry>,
}

/// One `[[partners]]` entry of the config file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartnerEntry {
    name: String,
    address: String,
    #[serde(default)]
    prefixes: Vec<String>,
}

/// One `[[nodes]]` entry of the config file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeEntry {
    country: String,
    address: String,
    name: Option<String>,
}

fn read_config(path: &Path) -> Result<CoreFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
}

fn millis(key: &str, value: Option<u64>, default: Duration) -> Result<Duration> {
    match value {
        None => Ok(default),
        Some(0) => bail!("{key}: must be more than 0"),
        Some(ms) => Ok(Duration::from_millis(ms)),
    }
}

impl CoreArgs {
    /// The core's configuration from the file and the flags.
    fn core_config(&self, file: CoreFile, base: &Path) -> Result<CoreConfig> {
        let mut nodes: Vec<(String, String, Option<String>)> = file
            .nodes
            .into_iter()
            .map(|entry| (entry.country, entry.address, entry.name))
            .collect();
        for flag in &self.nodes {
            let Some((country, address)) = flag.split_once('=') else {
                bail!("--node: '{flag}' is not CC=ADDRESS");
            };
            nodes.push((country.to_string(), address.to_string(), None));
        }
        if nodes.is_empty() {
            bail!("nodes: none given (use --node CC=ADDRESS or [[nodes]] in the config file)");
        }
        let mut config = CoreConfig::new(members(nodes));
        config.default_deadline = millis(
            "default_deadline_ms",
            self.deadline_ms.or(file.default_deadline_ms),
            config.default_deadline,
        )?;
        config.connect_timeout = millis(
            "connect_timeout_ms",
            file.connect_timeout_ms,
            config.connect_timeout,
        )?;
        config.max_backoff = millis("max_backoff_ms", file.max_backoff_ms, config.max_backoff)?;
        if let Some(quota) = file.dealer_checks_per_minute {
            config.dealer_checks_per_minute = quota;
        }
        config.tls = file.tls.as_ref().map(|tls| tls.client(base)).transpose()?;
        config.partners = file
            .partners
            .into_iter()
            .map(|entry| PartnerMemberConfig {
                name: entry.name,
                address: with_scheme(entry.address.trim()),
                prefixes: entry
                    .prefixes
                    .iter()
                    .map(|p| sismatch_ident::normalise(p))
                    .collect(),
            })
            .collect();
        Ok(config)
    }

    /// Starts the core and serves it until Ctrl-C or SIGTERM.
    pub async fn run(self) -> Result<()> {
        let mut file = match &self.config {
            Some(path) => read_config(path)?,
            None => CoreFile::default(),
        };
        let ops = self.ops.resolve(file.metrics, file.shutdown_grace_ms)?;
        let listen = self
            .listen
            .or(file.listen.take())
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 7500)));
        let base = config_folder(self.config.as_deref());
        let auditor = match self.data.clone().or(file.data.take()) {
            Some(data) => audit_log(&data, "core")?,
            None => {
                warn!("no data folder (--data or `data`): requests to the core are not audited");
                Auditor::default()
            }
        };
        let security = security(file.tls.as_ref(), file.auth.take(), &base, "core", auditor)?;
        let config = self.core_config(file, &base)?;
        let core = Arc::new(Core::new(config).context("invalid core configuration")?);
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let bound = listener.local_addr()?;
        println!("{bound}");
        for member in core.members() {
            info!(
                node = member.name(),
                country = member.country(),
                address = member.address(),
                "federation member"
            );
        }
        let metrics = ops.serve_metrics(Vec::new()).await?;
        info!(%bound, "matching core serving");
        let served = serve_core(core, security, listener, shutdown_signal(), ops.grace).await;
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        Ok(served?)
    }
}
