//! What every server of the binary offers operators besides its service: Prometheus metrics
//! on their own port and a bounded graceful shutdown. The flags are shared by `node`, `core`,
//! `partner`, `web` and `demo`; each server's config file has the same keys (`metrics`,
//! `shutdown_grace_ms`), which the flags and their `SISMATCH_*` variables override.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;
use sismatch_serve::SHUTDOWN_GRACE;
use sismatch_telemetry::{Refresh, install_recorder, serve_metrics};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tracing::{info, warn};

/// The operations flags of a server.
#[derive(Debug, Clone, Args)]
pub struct OpsArgs {
    /// Serve Prometheus metrics at http://ADDR/metrics (`127.0.0.1:9464`; port 0 picks a free
    /// port). The bound address is printed on standard output as `metrics: ADDR`, after the
    /// gRPC address. Off unless given here or as `metrics` in the config file.
    #[arg(long, env = "SISMATCH_METRICS", value_name = "ADDR")]
    metrics: Option<SocketAddr>,
    /// After SIGTERM or Ctrl-C, how long in-flight requests may still run before the server
    /// closes anyway, in milliseconds (default 10000).
    #[arg(long, env = "SISMATCH_SHUTDOWN_GRACE_MS", value_name = "MS")]
    shutdown_grace_ms: Option<u64>,
}

/// The operations settings of a running server, flags over file.
#[derive(Debug, Clone)]
pub struct Ops {
    /// Where to serve metrics, if anywhere.
    metrics: Option<SocketAddr>,
    /// How long in-flight requests may run once shutdown has begun.
    pub grace: Duration,
}

impl OpsArgs {
    /// The settings from the flags, else the config file's `metrics` and `shutdown_grace_ms`.
    /// Installs the metrics recorder when metrics are on, so that everything recorded from
    /// now on (the node's opening included) is exported.
    pub fn resolve(
        &self,
        file_metrics: Option<SocketAddr>,
        file_grace_ms: Option<u64>,
    ) -> Result<Ops> {
        let grace = match self.shutdown_grace_ms.or(file_grace_ms) {
            None => SHUTDOWN_GRACE,
            Some(0) => bail!("shutdown_grace_ms: must be more than 0"),
            Some(ms) => Duration::from_millis(ms),
        };
        let metrics = self.metrics.or(file_metrics);
        if metrics.is_some() {
            install_recorder().context("metrics")?;
            sismatch_node::describe_metrics();
            sismatch_core::describe_metrics();
            sismatch_audit::describe_metrics();
            sismatch_web::describe_metrics();
        }
        Ok(Ops { metrics, grace })
    }
}

impl Ops {
    /// Binds the metrics endpoint, prints its address and serves it in the background with
    /// `refresh` run before each scrape; nothing when metrics are off. The task ends when
    /// aborted (the server's shutdown) or when serving fails.
    pub async fn serve_metrics(&self, refresh: Vec<Refresh>) -> Result<Option<JoinHandle<()>>> {
        let Some(address) = self.metrics else {
            return Ok(None);
        };
        let handle = install_recorder().context("metrics")?;
        let listener = TcpListener::bind(address)
            .await
            .with_context(|| format!("metrics: cannot listen on {address}"))?;
        let bound = listener.local_addr()?;
        println!("metrics: {bound}");
        info!(%bound, "metrics served at /metrics");
        Ok(Some(tokio::spawn(async move {
            if let Err(error) = serve_metrics(listener, handle, refresh).await {
                warn!(%error, "the metrics endpoint stopped");
            }
        })))
    }
}
