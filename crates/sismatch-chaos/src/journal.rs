//! What the load saw, kept for the checks after the run: the ledger of acknowledged writes and
//! the outcome and timing of every write and search.
//!
//! The ledger is the runner's memory of what the nodes promised: an alert id enters it, with
//! its version, only once a node acknowledged the write (DESIGN §5: acknowledged means
//! durable). A write whose answer never came is not in it: it may or may not have been stored,
//! and either is correct.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tonic::Code;

/// One alert the nodes acknowledged.
#[derive(Debug, Clone)]
pub struct Acknowledged {
    /// Index of the node that holds it.
    pub node: usize,
    /// The highest version a node acknowledged for it.
    pub version: u64,
    /// Its serial number, which the searches look for.
    pub serial: String,
}

/// A write or a search as it ended: answered, or refused with a gRPC status.
pub type Outcome = Result<(), (Code, String)>;

/// One write the load sent.
#[derive(Debug, Clone)]
pub struct Write {
    /// The node it went to (or, for a hit report through a core, the issuing node).
    pub node: usize,
    /// `put`, `import`, `status`, `hit`, `probe`.
    pub kind: &'static str,
    /// When it was sent, from the start of the run.
    pub sent: Duration,
    /// When its answer (or error) came.
    pub done: Duration,
    /// What came back.
    pub outcome: Outcome,
}

impl Write {
    /// Whether the node answered with an error (not the client giving up, nor a cancel).
    pub fn refused(&self) -> bool {
        matches!(&self.outcome, Err((code, _)) if !matches!(code, Code::DeadlineExceeded | Code::Cancelled))
    }
}

/// A node's status line in a core's answer.
#[derive(Debug, Clone)]
pub struct NodeSeen {
    /// The node's name (`NL`).
    pub name: String,
    /// The `NodeOutcome` (1 OK, 2 TIMEOUT, 3 UNAVAILABLE, 4 ERROR).
    pub outcome: i32,
    /// The core's message for it.
    pub message: String,
}

/// One search through a core.
#[derive(Debug, Clone)]
pub struct Search {
    /// Which core replica answered.
    pub core: usize,
    /// When it was sent, from the start of the run.
    pub sent: Duration,
    /// How long the answer took, as the client saw it.
    pub elapsed: Duration,
    /// How long the core says it spent on the search (its `elapsed`): apart from the client's
    /// figure, it tells a late core from a late client or a busy machine.
    pub core_elapsed: Option<Duration>,
    /// The per-node statuses and the `partial` flag, or the error.
    pub answer: Result<(Vec<NodeSeen>, bool), (Code, String)>,
}

/// Everything the load recorded; shared by the load tasks, the scheduler and the checks.
pub struct Journal {
    started: Instant,
    ledger: Mutex<HashMap<String, Acknowledged>>,
    ids: Mutex<Vec<String>>,
    writes: Mutex<Vec<Write>>,
    searches: Mutex<Vec<Search>>,
}

impl Journal {
    /// An empty journal whose clock starts now.
    pub fn new() -> Journal {
        Journal {
            started: Instant::now(),
            ledger: Mutex::new(HashMap::new()),
            ids: Mutex::new(Vec::new()),
            writes: Mutex::new(Vec::new()),
            searches: Mutex::new(Vec::new()),
        }
    }

    /// Time since the start of the run.
    pub fn now(&self) -> Duration {
        self.started.elapsed()
    }

    /// Records that a node acknowledged version `version` of alert `id`.
    pub fn acknowledge(&self, id: &str, node: usize, version: u64, serial: &str) {
        let Ok(mut ledger) = self.ledger.lock() else {
            return;
        };
        match ledger.get_mut(id) {
            Some(entry) => entry.version = entry.version.max(version),
            None => {
                ledger.insert(
                    id.to_string(),
                    Acknowledged {
                        node,
                        version,
                        serial: serial.to_string(),
                    },
                );
                if let Ok(mut ids) = self.ids.lock() {
                    ids.push(id.to_string());
                }
            }
        }
    }

    /// The id and entry of the acknowledged alert at position `pick` modulo their count.
    pub fn acknowledged_at(&self, pick: u64) -> Option<(String, Acknowledged)> {
        let ids = self.ids.lock().ok()?;
        if ids.is_empty() {
            return None;
        }
        let id = ids[usize::try_from(pick % ids.len() as u64).ok()?].clone();
        drop(ids);
        let entry = self.ledger.lock().ok()?.get(&id)?.clone();
        Some((id, entry))
    }

    /// A copy of the ledger.
    pub fn ledger(&self) -> Vec<(String, Acknowledged)> {
        self.ledger
            .lock()
            .map(|ledger| ledger.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }

    /// Records a write.
    pub fn write(&self, write: Write) {
        if let Ok(mut writes) = self.writes.lock() {
            writes.push(write);
        }
    }

    /// Records a search.
    pub fn search(&self, search: Search) {
        if let Ok(mut searches) = self.searches.lock() {
            searches.push(search);
        }
    }

    /// A copy of the writes recorded so far.
    pub fn writes(&self) -> Vec<Write> {
        self.writes.lock().map(|w| w.clone()).unwrap_or_default()
    }

    /// A copy of the searches recorded so far.
    pub fn searches(&self) -> Vec<Search> {
        self.searches.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Writes to `node` sent since `since` that the node refused (an answer with an error, not
    /// a client's time-out).
    pub fn refusals_since(&self, node: usize, since: Duration) -> usize {
        self.writes
            .lock()
            .map(|writes| {
                writes
                    .iter()
                    .filter(|w| w.node == node && w.sent >= since && w.refused())
                    .count()
            })
            .unwrap_or(0)
    }
}
