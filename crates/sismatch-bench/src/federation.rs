//! The in-process federation of `sismatch bench all`: one national node per country and the
//! matching core, each a real gRPC server on a loopback port chosen by the system, with real
//! RocksDB stores and tantivy indexes under one folder; and the import of a generated corpus.
//!
//! The import is in process (`Node::import_batch`, batches of 2,000 as `sismatch import`
//! sends them, each acknowledged once durable): it measures the node's write path without the
//! gRPC stream around it. After each node's import the suite waits until the index holds every
//! alert and, when the node compacts after a bulk load (at least `COMPACT_AFTER` changes),
//! until the compaction is done: searches are measured on the index an operator would have.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sismatch_alert::from_ndjson;
use sismatch_core::{Core, CoreConfig, MemberConfig};
use sismatch_grpc::{CoreService, NodeService};
use sismatch_node::{COMPACT_AFTER, ImportItem, Node, NodeConfig, NodeOptions, OnDuplicate};
use sismatch_proto::v1::matching_core_server::MatchingCoreServer;
use sismatch_proto::v1::national_node_server::NationalNodeServer;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tonic::transport::server::TcpIncoming;

use crate::error::{BenchError, Result};
use crate::generate::alert_file;
use crate::progress::Progress;

/// Alerts per import batch, as `sismatch import` sends them.
const BATCH: usize = 2_000;
/// Longest wait for an index to catch up or a compaction to finish.
const SETTLE: Duration = Duration::from_secs(3_600);
/// Largest gRPC message a server accepts, as the binary's servers.
const MAX_MESSAGE: usize = 16 * 1024 * 1024;

/// How one node's import went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportFigures {
    /// The node.
    pub node: String,
    /// Alerts stored.
    pub alerts: u64,
    /// Seconds from the first batch to the last acknowledgement (durable).
    pub import_s: f64,
    /// Alerts stored per second, durable.
    pub alerts_per_s: f64,
    /// Seconds after the import until the index held every alert.
    pub index_wait_s: f64,
    /// Seconds after that until the post-import compaction finished (0 when none is due).
    pub compaction_wait_s: f64,
    /// Index segments searched when measuring (1 after a compaction).
    pub segments: usize,
}

type Server = JoinHandle<std::result::Result<(), tonic::transport::Error>>;

struct Member {
    country: String,
    address: SocketAddr,
    node: Arc<Node>,
    server: Server,
}

/// A running federation.
pub struct Federation {
    members: Vec<Member>,
    core_address: SocketAddr,
    core_server: Server,
    stop: watch::Sender<bool>,
}

async fn listener() -> Result<(TcpListener, SocketAddr)> {
    let failed =
        |e: std::io::Error| BenchError::Federation(format!("cannot listen on loopback: {e}"));
    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(failed)?;
    let address = listener.local_addr().map_err(failed)?;
    Ok((listener, address))
}

impl Federation {
    /// Opens a node per country under `root` (`root/nl`, ...) and the core over them.
    pub async fn start(countries: &[String], root: &Path) -> Result<Federation> {
        let (stop, stopped) = watch::channel(false);
        let until_stopped = move || {
            let mut stopped = stopped.clone();
            async move {
                let _ = stopped.wait_for(|s| *s).await;
            }
        };
        let mut members = Vec::with_capacity(countries.len());
        for country in countries {
            let config = NodeConfig {
                country: country.clone(),
                data_dir: root.join(country.to_ascii_lowercase()),
            };
            let node =
                tokio::task::spawn_blocking(move || Node::open_with(config, sample_options()))
                    .await
                    .map_err(|e| BenchError::Federation(e.to_string()))?
                    .map_err(|e| BenchError::Federation(format!("node {country}: {e}")))?;
            let node = Arc::new(node);
            let (listener, address) = listener().await?;
            let service = NationalNodeServer::new(NodeService::new(Arc::clone(&node)))
                .max_decoding_message_size(MAX_MESSAGE);
            let server = tokio::spawn(
                tonic::transport::Server::builder()
                    .add_service(service)
                    .serve_with_incoming_shutdown(incoming(listener), until_stopped()),
            );
            members.push(Member {
                country: country.clone(),
                address,
                node,
                server,
            });
        }
        let config = CoreConfig::new(
            members
                .iter()
                .map(|m| MemberConfig {
                    name: m.country.clone(),
                    country: m.country.clone(),
                    address: format!("http://{}", m.address),
                })
                .collect(),
        );
        let core = Core::new(config).map_err(|e| BenchError::Federation(format!("core: {e}")))?;
        let (listener, core_address) = listener().await?;
        let service = MatchingCoreServer::new(CoreService::new(Arc::new(core)))
            .max_decoding_message_size(MAX_MESSAGE);
        let core_server = tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(service)
                .serve_with_incoming_shutdown(incoming(listener), until_stopped()),
        );
        Ok(Federation {
            members,
            core_address,
            core_server,
            stop,
        })
    }

    /// The core's address.
    pub fn core_address(&self) -> String {
        self.core_address.to_string()
    }

    /// The first node's address and country, for a single-node load run.
    pub fn first_node(&self) -> Option<(String, String)> {
        self.members
            .first()
            .map(|m| (m.country.clone(), m.address.to_string()))
    }

    /// Imports each node's file of the corpus in `corpus` (`alerts-NL.ndjson`), one node after
    /// the other, each until indexed and compacted.
    pub async fn import(&self, corpus: &Path, progress: bool) -> Result<Vec<ImportFigures>> {
        let mut figures = Vec::with_capacity(self.members.len());
        for member in &self.members {
            let path = corpus.join(alert_file(&member.country));
            figures.push(import_node(member, path, progress).await?);
        }
        Ok(figures)
    }

    /// Stops the servers and closes the nodes cleanly.
    pub async fn shutdown(self) -> Result<()> {
        let _ = self.stop.send(true);
        let failed = |e: String| BenchError::Federation(format!("shutting down: {e}"));
        self.core_server
            .await
            .map_err(|e| failed(e.to_string()))?
            .map_err(|e| failed(e.to_string()))?;
        for member in self.members {
            member
                .server
                .await
                .map_err(|e| failed(e.to_string()))?
                .map_err(|e| failed(e.to_string()))?;
            let node = member.node;
            tokio::task::spawn_blocking(move || node.shutdown())
                .await
                .map_err(|e| failed(e.to_string()))?;
        }
        Ok(())
    }
}

/// Connections with Nagle's algorithm off, as the binary's servers accept them.
fn incoming(listener: TcpListener) -> TcpIncoming {
    TcpIncoming::from(listener).with_nodelay(Some(true))
}

/// Reads `path` into batches of import items on a blocking thread.
fn read_batches(path: PathBuf, batches: mpsc::Sender<Vec<ImportItem>>) -> Result<u64> {
    let file = std::fs::File::open(&path).map_err(BenchError::io(&path))?;
    let mut items = Vec::with_capacity(BATCH);
    let mut lines = 0;
    for (number, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(BenchError::io(&path))?;
        lines += 1;
        items.push(ImportItem {
            line: number as u64 + 1,
            alert: from_ndjson(&line).map(|imported| imported.alert),
        });
        if items.len() >= BATCH {
            let full = std::mem::replace(&mut items, Vec::with_capacity(BATCH));
            if batches.blocking_send(full).is_err() {
                return Ok(lines);
            }
        }
    }
    if !items.is_empty() {
        let _ = batches.blocking_send(items);
    }
    Ok(lines)
}

async fn import_node(member: &Member, path: PathBuf, progress: bool) -> Result<ImportFigures> {
    let lines = count_lines(&path)?;
    let shown = Progress::new(&format!("import {}", member.country), lines);
    let bar = if progress {
        &shown
    } else {
        &Progress::hidden()
    };
    let (sender, mut batches) = mpsc::channel(4);
    let reader = tokio::task::spawn_blocking(move || read_batches(path, sender));
    let started = Instant::now();
    let mut stored = 0;
    while let Some(items) = batches.recv().await {
        let count = items.len() as u64;
        let outcome =
            member.node.import_batch(items).await.map_err(|e| {
                BenchError::Federation(format!("import into {}: {e}", member.country))
            })?;
        if let Some(problem) = outcome.errors.first() {
            return Err(BenchError::Federation(format!(
                "{} refused line {} ({}): {}",
                member.country, problem.line, problem.alert_id, problem.error
            )));
        }
        stored += outcome.created + outcome.updated + outcome.unchanged;
        bar.inc(count);
    }
    bar.finish();
    reader
        .await
        .map_err(|e| BenchError::Federation(e.to_string()))??;
    let import_s = started.elapsed().as_secs_f64();
    let indexing = Instant::now();
    if !member.node.wait_indexed(SETTLE).await {
        return Err(BenchError::Federation(format!(
            "the index of {} did not catch up",
            member.country
        )));
    }
    let index_wait_s = indexing.elapsed().as_secs_f64();
    let compacting = Instant::now();
    let mut segments = segments_of(&member.node).await?;
    if stored >= COMPACT_AFTER {
        while segments > 1 && compacting.elapsed() < SETTLE {
            tokio::time::sleep(Duration::from_millis(200)).await;
            segments = segments_of(&member.node).await?;
        }
    }
    let compaction_wait_s = if stored >= COMPACT_AFTER {
        compacting.elapsed().as_secs_f64()
    } else {
        0.0
    };
    Ok(ImportFigures {
        node: member.country.clone(),
        alerts: stored,
        import_s,
        alerts_per_s: stored as f64 / import_s.max(1e-9),
        index_wait_s,
        compaction_wait_s,
        segments,
    })
}

async fn segments_of(node: &Node) -> Result<usize> {
    let status = node.status().await;
    Ok(status
        .map_err(|e| BenchError::Federation(e.to_string()))?
        .index_segments)
}

fn count_lines(path: &Path) -> Result<u64> {
    let file = std::fs::File::open(path).map_err(BenchError::io(path))?;
    let mut count = 0;
    for line in BufReader::new(file).split(b'\n') {
        line.map_err(BenchError::io(path))?;
        count += 1;
    }
    Ok(count)
}

/// The sample's nodes link alerts of one object instead of refusing the second (DESIGN §4):
/// the generator draws serials at random, so a few alerts in 10,000 of one country share an
/// engine serial, and refusing them would leave out alerts that its queries look for.
fn sample_options() -> NodeOptions {
    NodeOptions {
        duplicates: OnDuplicate::Link,
        ..NodeOptions::default()
    }
}
