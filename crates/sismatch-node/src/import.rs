//! One import stream as the node sees it: its batches numbered from 1 in arrival order and
//! timed, so that every acknowledgement names the batch it is for and how long that batch took
//! to become durable.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::Result;
use crate::node::{BatchOutcome, ImportItem, Node};

/// The batches of one import, in arrival order.
pub struct Import {
    node: Arc<Node>,
    /// Who imports: every version the import writes records it.
    by: String,
    batches: u64,
}

/// The acknowledgement of one durable batch.
#[derive(Debug, Clone)]
pub struct BatchReport {
    /// The batch's number in its import, from 1.
    pub batch: u64,
    /// What it did.
    pub outcome: BatchOutcome,
    /// How long storing it took.
    pub elapsed: Duration,
}

impl Import {
    /// An import into `node` by `by` (the caller's identity), no batch received yet.
    pub fn new(node: Arc<Node>, by: String) -> Import {
        Import {
            node,
            by,
            batches: 0,
        }
    }

    /// Stores the next batch ([`Node::import_batch`]) and reports it under its number.
    pub async fn batch(&mut self, items: Vec<ImportItem>) -> Result<BatchReport> {
        self.batches += 1;
        let started = Instant::now();
        let outcome = self.node.import_batch(items, &self.by).await?;
        Ok(BatchReport {
            batch: self.batches,
            outcome,
            elapsed: started.elapsed(),
        })
    }
}
