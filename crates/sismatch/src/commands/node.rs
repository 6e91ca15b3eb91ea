//! `sismatch node`: run a national node.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::Args;
use serde::Deserialize;
use sismatch_node::{Node, NodeConfig, NodeOptions, OnDuplicate};
use sismatch_telemetry::Refresh;
use tokio::net::TcpListener;
use tracing::info;

use crate::commands::ops::OpsArgs;
use crate::commands::security::{AuthFile, TlsFile, config_folder};
use crate::commands::serve::{audit_log, security, serve_node, shutdown_signal};

/// Arguments of `sismatch node`. Flags, and the `SISMATCH_*` variables named in `--help`,
/// override the config file.
#[derive(Debug, Args)]
pub struct NodeArgs {
    /// ISO 3166-1 alpha-2 code of the country whose alerts this node owns.
    #[arg(long, env = "SISMATCH_COUNTRY")]
    country: Option<String>,
    /// Folder of the node's data (created if missing).
    #[arg(long, env = "SISMATCH_DATA")]
    data: Option<PathBuf>,
    /// Address to listen on; port 0 picks a free port. The bound address is printed on the
    /// first line of standard output.
    #[arg(long, env = "SISMATCH_LISTEN")]
    listen: Option<SocketAddr>,
    /// The node's name in status answers: a shard's name (`NL-2`) when a large country runs
    /// several nodes; the country code by default.
    #[arg(long, env = "SISMATCH_NAME")]
    name: Option<String>,
    /// What a put or an import does with a new alert whose identifier already belongs to an
    /// alert in force of this node (one alert per object): `refuse` it (ALREADY_EXISTS; the
    /// default) or store it `link`ed to that alert.
    #[arg(long, env = "SISMATCH_DUPLICATES")]
    duplicates: Option<OnDuplicate>,
    /// A TOML file with `country`, `data`, `listen`, `name`, `duplicates`, `compact_after`, `metrics`,
    /// `shutdown_grace_ms`, `[tls]` and `[auth]` (see deploy/README.md).
    #[arg(long, env = "SISMATCH_CONFIG")]
    config: Option<PathBuf>,
    #[command(flatten)]
    ops: OpsArgs,
}

/// The node's config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeFile {
    country: Option<String>,
    data: Option<PathBuf>,
    listen: Option<SocketAddr>,
    name: Option<String>,
    duplicates: Option<String>,
    compact_after: Option<u64>,
    metrics: Option<SocketAddr>,
    shutdown_grace_ms: Option<u64>,
    tls: Option<TlsFile>,
    auth: Option<AuthFile>,
}

fn read_config(path: &Path) -> Result<NodeFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
}

impl NodeArgs {
    /// Opens the node and serves it until Ctrl-C or SIGTERM.
    pub async fn run(self) -> Result<()> {
        let mut file = match &self.config {
            Some(path) => read_config(path)?,
            None => NodeFile::default(),
        };
        let ops = self.ops.resolve(file.metrics, file.shutdown_grace_ms)?;
        let Some(country) = self.country.or(file.country) else {
            bail!("country: missing (give --country or `country` in the config file)");
        };
        let Some(data_dir) = self.data.or(file.data) else {
            bail!("data: missing (give --data or `data` in the config file)");
        };
        let base = config_folder(self.config.as_deref());
        let server = format!("node {}", country.to_ascii_uppercase());
        let auditor = audit_log(&data_dir, &server)?;
        let security = security(file.tls.as_ref(), file.auth.take(), &base, &server, auditor)?;
        let listen = self
            .listen
            .or(file.listen)
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 7400)));
        let mut options = NodeOptions {
            name: self.name.or(file.name),
            ..NodeOptions::default()
        };
        if let Some(duplicates) = self.duplicates {
            options.duplicates = duplicates;
        } else if let Some(name) = &file.duplicates {
            options.duplicates = name
                .parse()
                .map_err(|why| anyhow::anyhow!("duplicates: {why}"))?;
        }
        if let Some(compact_after) = file.compact_after {
            options.compact_after = compact_after;
        }
        let config = NodeConfig {
            country: country.to_ascii_uppercase(),
            data_dir,
        };
        let node = tokio::task::spawn_blocking(move || Node::open_with(config, options))
            .await?
            .context("cannot open the node")?;
        let node = Arc::new(node);
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let bound = listener.local_addr()?;
        println!("{bound}");
        let metrics = ops.serve_metrics(vec![node_gauges(&node)]).await?;
        info!(country = node.country(), %bound, "national node serving");
        let served = serve_node(
            Arc::clone(&node),
            security,
            listener,
            shutdown_signal(),
            ops.grace,
        )
        .await;
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        let closing = Arc::clone(&node);
        tokio::task::spawn_blocking(move || closing.shutdown()).await?;
        Ok(served?)
    }
}

/// The node's scrape-time gauges (alerts by status, index and disk size), for `/metrics`.
pub fn node_gauges(node: &Arc<Node>) -> Refresh {
    let node = Arc::clone(node);
    Arc::new(move || {
        let node = Arc::clone(&node);
        Box::pin(async move { node.publish_metrics().await })
    })
}
