//! The node's metrics: gauges set at scrape time from [`Node::status`] and the disk, and the
//! import counter recorded as batches are written (see `import_batch`).
//!
//! Through the `metrics` facade: nothing is recorded unless the binary installed a recorder.
//! Every series carries the node's name (`node="NL"`), so a process serving several nodes
//! (the demo) keeps them apart.

use std::path::Path;

use metrics::{counter, describe_counter, describe_gauge, gauge};
use tracing::warn;

use crate::node::Node;

/// Alerts written by imports (created or updated), by node: its rate is the import rate.
pub(crate) const IMPORTED: &str = "sismatch_alerts_imported_total";

/// Gives the node's series their `# HELP` text in a scrape. Call once, after the binary has
/// installed its recorder.
pub fn describe_metrics() {
    describe_gauge!("sismatch_alerts", "Alerts stored, by node and status");
    describe_gauge!(
        "sismatch_alerts_expired",
        "Alerts of any status past their expiry time"
    );
    describe_gauge!(
        "sismatch_index_identifiers",
        "Identifiers in the node's search index"
    );
    describe_gauge!(
        "sismatch_index_segments",
        "Index segments a search visits (1 after a compaction)"
    );
    describe_gauge!(
        "sismatch_index_lag_changes",
        "Stored changes not yet in the index"
    );
    describe_gauge!(
        "sismatch_index_rebuilding",
        "1 while the index catches up from far behind (health NOT_SERVING)"
    );
    describe_counter!("sismatch_hits_received_total", "Hit reports received");
    describe_gauge!(
        "sismatch_hits_pending",
        "Hit reports from foreign police waiting for the issuing node's decision"
    );
    describe_gauge!(
        "sismatch_disk_bytes",
        "Bytes on disk of the node's store and index"
    );
    describe_counter!(
        IMPORTED,
        "Alerts written by imports (created or updated); its rate is the import rate"
    );
}

impl Node {
    /// Sets the node's gauges from its status and its folders' size on disk. Called before a
    /// scrape is rendered: it costs what [`Node::status`] costs plus listing the data folder.
    pub async fn publish_metrics(&self) {
        let node = self.name.clone();
        let status = match self.status().await {
            Ok(status) => status,
            Err(error) => {
                warn!(%error, "metrics: cannot read the node's status");
                return;
            }
        };
        for (alert_status, count) in &status.alerts {
            let labels = [
                ("node", node.clone()),
                ("status", alert_status.as_str().to_owned()),
            ];
            gauge!("sismatch_alerts", &labels).set(*count as f64);
        }
        let labels = [("node", node.clone())];
        gauge!("sismatch_alerts_expired", &labels).set(status.alerts_expired as f64);
        gauge!("sismatch_index_identifiers", &labels).set(status.identifiers_indexed as f64);
        gauge!("sismatch_index_segments", &labels).set(status.index_segments as f64);
        let lag = status.store_sequence.saturating_sub(status.index_sequence);
        gauge!("sismatch_index_lag_changes", &labels).set(lag as f64);
        gauge!("sismatch_index_rebuilding", &labels).set(f64::from(u8::from(status.rebuilding)));
        counter!("sismatch_hits_received_total", &labels).absolute(status.hits_received);
        gauge!("sismatch_hits_pending", &labels).set(status.hits_pending as f64);
        let data_dir = self.data_dir.clone();
        let sizes = tokio::task::spawn_blocking(move || {
            ["store", "index"].map(|part| (part, folder_bytes(&data_dir.join(part))))
        })
        .await;
        match sizes {
            Ok(sizes) => {
                for (part, bytes) in sizes {
                    let labels = [("node", node.clone()), ("part", part.to_owned())];
                    gauge!("sismatch_disk_bytes", &labels).set(bytes as f64);
                }
            }
            Err(error) => warn!(%error, "metrics: cannot measure the data folder"),
        }
    }
}

/// The size of the files under `folder`, recursively; what cannot be read counts as empty
/// (files come and go while RocksDB compacts and tantivy merges).
fn folder_bytes(folder: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return 0;
    };
    let mut bytes = 0;
    for entry in entries.flatten() {
        match entry.metadata() {
            Ok(meta) if meta.is_dir() => bytes += folder_bytes(&entry.path()),
            Ok(meta) => bytes += meta.len(),
            Err(_) => {}
        }
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_bytes_adds_up_nested_files_and_ignores_a_missing_folder() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("a"), [0u8; 10])?;
        std::fs::create_dir(dir.path().join("sub"))?;
        std::fs::write(dir.path().join("sub").join("b"), [0u8; 32])?;
        assert_eq!(folder_bytes(dir.path()), 42);
        assert_eq!(folder_bytes(&dir.path().join("missing")), 0);
        Ok(())
    }
}
