//! The in-process federation of `sismatch bench all`: one national node per country and the
//! matching core, started by `sismatch-serve`'s `LocalFederation` (the servers a deployment
//! runs, audit logs included) on loopback ports chosen by the system, with real RocksDB stores
//! and tantivy indexes under one folder; and the import of a generated corpus.
//!
//! The import is in process (`Node::import_batch`, batches of 2,000 as `sismatch import`
//! sends them, each acknowledged once durable): it measures the node's write path without the
//! gRPC stream around it. After each node's import the suite waits until the index holds every
//! alert and, when the node compacts after a bulk load (at least `COMPACT_AFTER` changes),
//! until the compaction is done: searches are measured on the index an operator would have.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sismatch_alert::from_ndjson;
use sismatch_node::{COMPACT_AFTER, ImportItem, Node, NodeOptions};
use sismatch_serve::{LocalFederation, LocalNode};
use tokio::sync::mpsc;

use crate::error::{BenchError, Result};
use crate::generate::alert_file;
use crate::progress::Progress;

/// Alerts per import batch, as `sismatch import` sends them.
const BATCH: usize = 2_000;
/// Longest wait for an index to catch up or a compaction to finish.
const SETTLE: Duration = Duration::from_secs(3_600);

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

/// A running federation: [`LocalFederation`], the servers a deployment runs.
pub struct Federation {
    local: LocalFederation,
}

impl Federation {
    /// Opens a node per country under `root` (`root/nl`, ...) and the core over them.
    pub async fn start(countries: &[String], root: &Path) -> Result<Federation> {
        let local = LocalFederation::builder()
            .countries(countries)
            .data_dir(root)
            .node_options(NodeOptions::for_sample())
            .start()
            .await?;
        Ok(Federation { local })
    }

    /// The core's address.
    pub fn core_address(&self) -> String {
        self.local
            .core()
            .map(|core| core.addr.to_string())
            .unwrap_or_default()
    }

    /// The first node's address and country, for a single-node load run.
    pub fn first_node(&self) -> Option<(String, String)> {
        self.local
            .nodes()
            .first()
            .map(|m| (m.country.clone(), m.addr.to_string()))
    }

    /// Imports each node's file of the corpus in `corpus` (`alerts-NL.ndjson`), one node after
    /// the other, each until indexed and compacted.
    pub async fn import(&self, corpus: &Path, progress: bool) -> Result<Vec<ImportFigures>> {
        let mut figures = Vec::with_capacity(self.local.nodes().len());
        for member in self.local.nodes() {
            let path = corpus.join(alert_file(&member.country));
            figures.push(import_node(member, path, progress).await?);
        }
        Ok(figures)
    }

    /// Stops the servers and closes the nodes cleanly.
    pub async fn shutdown(self) -> Result<()> {
        Ok(self.local.stop().await?)
    }
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

async fn import_node(member: &LocalNode, path: PathBuf, progress: bool) -> Result<ImportFigures> {
    let lines = count_lines(&path)?;
    // The versions it writes name the file they came from, as `changed_by`.
    let by = format!(
        "import:{}",
        path.file_name().unwrap_or_default().to_string_lossy()
    );
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
            member.node.import_batch(items, &by).await.map_err(|e| {
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
