//! `sismatch partner`: run a manufacturer partner node. `sismatch partner import`: load its
//! register from an NDJSON file, offline, while the node is stopped (the register is a
//! single-process RocksDB, and `partner.proto` has no import RPC).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use serde::Deserialize;
use sismatch_partner::{
    ImportCounts, Partner, PartnerConfig, RegisterRecord, SaleField, purpose_from_name,
};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tracing::{info, warn};

use crate::commands::ops::OpsArgs;
use crate::commands::security::{AuthFile, TlsFile, config_folder};
use crate::commands::serve::{audit_log, security, serve_partner, shutdown_signal};

/// Arguments of `sismatch partner`: without a subcommand, run the node. Flags override the
/// config file.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct PartnerArgs {
    #[command(subcommand)]
    command: Option<PartnerCommand>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum PartnerCommand {
    /// Import the register from an NDJSON file (one sale per line) while the node is stopped.
    Import(ImportArgs),
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// The maker whose register this is (`YAMAHA`).
    #[arg(long, env = "SISMATCH_MAKER")]
    maker: Option<String>,
    /// Folder of the register (created if missing).
    #[arg(long, env = "SISMATCH_DATA")]
    data: Option<PathBuf>,
    /// Address to listen on; port 0 picks a free port. The bound address is printed on the
    /// first line of standard output.
    #[arg(long, env = "SISMATCH_LISTEN")]
    listen: Option<SocketAddr>,
    /// A TOML file with `maker`, `data`, `listen`, `share`, `purposes`, `require_mtls`,
    /// `metrics`, `shutdown_grace_ms`, `[tls]` and `[auth]` (see deploy/README.md).
    #[arg(long, env = "SISMATCH_CONFIG")]
    config: Option<PathBuf>,
    #[command(flatten)]
    ops: OpsArgs,
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// The maker whose register this is; lines of another maker are rejected.
    #[arg(long)]
    maker: Option<String>,
    /// Folder of the register (created if missing); the partner node must not be running.
    #[arg(long)]
    data: Option<PathBuf>,
    /// The node's TOML file, for `maker` and `data`.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The NDJSON file to import.
    file: PathBuf,
    /// Entries per batch; each batch is written durably before the next is read.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    batch: u64,
}

/// The partner's config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartnerFile {
    maker: Option<String>,
    data: Option<PathBuf>,
    listen: Option<SocketAddr>,
    share: Option<Vec<String>>,
    purposes: Option<Vec<String>>,
    require_mtls: Option<bool>,
    metrics: Option<SocketAddr>,
    shutdown_grace_ms: Option<u64>,
    tls: Option<TlsFile>,
    auth: Option<AuthFile>,
}

fn read_config(path: Option<&Path>) -> Result<PartnerFile> {
    let Some(path) = path else {
        return Ok(PartnerFile::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
}

/// The partner's settings from the flags and the file; errors name the key.
fn partner_config(
    maker: Option<String>,
    data: Option<PathBuf>,
    file: &PartnerFile,
) -> Result<PartnerConfig> {
    let Some(maker) = maker.or_else(|| file.maker.clone()) else {
        bail!("maker: missing (give --maker or `maker` in the config file)");
    };
    let Some(data) = data.or_else(|| file.data.clone()) else {
        bail!("data: missing (give --data or `data` in the config file)");
    };
    let mut config = PartnerConfig::new(maker, data);
    if let Some(share) = &file.share {
        config.share = share
            .iter()
            .enumerate()
            .map(|(i, name)| {
                name.parse::<SaleField>()
                    .map_err(|e| anyhow!("share[{i}]: {e}"))
            })
            .collect::<Result<_>>()?;
    }
    if let Some(purposes) = &file.purposes {
        config.purposes = purposes
            .iter()
            .enumerate()
            .map(|(i, name)| purpose_from_name(name).map_err(|e| anyhow!("purposes[{i}]: {e}")))
            .collect::<Result<_>>()?;
    }
    if let Some(require_mtls) = file.require_mtls {
        config.require_mtls = require_mtls;
    }
    config.validate()?;
    Ok(config)
}

/// Opens the partner on a blocking thread.
async fn open(config: PartnerConfig) -> Result<Arc<Partner>> {
    let partner = tokio::task::spawn_blocking(move || Partner::open(config))
        .await?
        .context("cannot open the partner register")?;
    Ok(Arc::new(partner))
}

impl PartnerArgs {
    /// The log level: the node logs its work, the import only its problems.
    pub fn log_level(&self) -> &'static str {
        match self.command {
            Some(PartnerCommand::Import(_)) => "warn",
            None => "info",
        }
    }

    /// Runs the node until Ctrl-C or SIGTERM, or the import.
    pub async fn run(self) -> Result<()> {
        match self.command {
            Some(PartnerCommand::Import(args)) => args.run().await,
            None => self.serve.run().await,
        }
    }
}

impl ServeArgs {
    async fn run(self) -> Result<()> {
        let mut file = read_config(self.config.as_deref())?;
        let ops = self.ops.resolve(file.metrics, file.shutdown_grace_ms)?;
        let config = partner_config(self.maker, self.data, &file)?;
        let server = format!("partner {}", config.maker);
        let auditor = audit_log(&config.data_dir, &server)?;
        let base = config_folder(self.config.as_deref());
        let open_mode = file.auth.is_none();
        let security = security(file.tls.as_ref(), file.auth.take(), &base, &server, auditor)?;
        let listen = self
            .listen
            .or(file.listen)
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 7600)));
        let partner = open(config).await?;
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let bound = listener.local_addr()?;
        println!("{bound}");
        if open_mode {
            warn!(
                "open mode: callers are not identified, so every look-up is refused as NOT_POLICE"
            );
        }
        let metrics = ops.serve_metrics(Vec::new()).await?;
        info!(maker = partner.maker(), %bound, "partner node serving");
        let served = serve_partner(partner, security, listener, shutdown_signal(), ops.grace).await;
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        Ok(served?)
    }
}

/// What the file reader saw.
#[derive(Debug, Default)]
struct Reading {
    lines: u64,
    rejected: u64,
}

impl ImportArgs {
    async fn run(self) -> Result<()> {
        let file = read_config(self.config.as_deref())?;
        let config = partner_config(self.maker, self.data, &file)?;
        let input = File::open(&self.file)
            .with_context(|| format!("cannot open {}", self.file.display()))?;
        let partner = open(config).await?;
        let started = Instant::now();
        let (batches, mut incoming) = mpsc::channel(4);
        let reader = {
            let maker = partner.maker().to_string();
            let batch = usize::try_from(self.batch).unwrap_or(2000);
            tokio::task::spawn_blocking(move || read_register(input, &maker, batch, &batches))
        };
        let mut totals = ImportCounts::default();
        while let Some(records) = incoming.recv().await {
            let counts = partner
                .import_batch(records)
                .await
                .context("cannot store a batch")?;
            totals.created += counts.created;
            totals.updated += counts.updated;
            totals.unchanged += counts.unchanged;
        }
        let reading = reader.await.context("the file reader failed")??;
        println!(
            "stored {} new, {} updated, {} unchanged; rejected {} ({} lines in {:.1} s)",
            totals.created,
            totals.updated,
            totals.unchanged,
            reading.rejected,
            reading.lines,
            started.elapsed().as_secs_f64(),
        );
        Ok(())
    }
}

/// Reads the register file a line at a time and sends batches of entries; reports bad lines
/// on standard error with their number and skips them.
fn read_register(
    file: File,
    maker: &str,
    batch: usize,
    batches: &mpsc::Sender<Vec<RegisterRecord>>,
) -> Result<Reading> {
    let mut reading = Reading::default();
    let mut records = Vec::with_capacity(batch);
    for (number, bytes) in (1_u64..).zip(BufReader::new(file).split(b'\n')) {
        let bytes = bytes.context("cannot read the file")?;
        reading.lines = number;
        let read = match String::from_utf8(bytes) {
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => RegisterRecord::from_ndjson(&line, maker),
            Err(_) => Err(sismatch_partner::PartnerError::invalid(
                "record",
                "not valid UTF-8",
            )),
        };
        match read {
            Ok(record) => records.push(record),
            Err(error) => {
                reading.rejected += 1;
                eprintln!("line {number}: {error}");
            }
        }
        if records.len() >= batch {
            let full = std::mem::replace(&mut records, Vec::with_capacity(batch));
            batches.blocking_send(full).context("the import stopped")?;
        }
    }
    if !records.is_empty() {
        batches
            .blocking_send(records)
            .context("the import stopped")?;
    }
    Ok(reading)
}
