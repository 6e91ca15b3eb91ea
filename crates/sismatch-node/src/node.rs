//! [`Node`]: opening, writes, imports, hit reports and status.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use jiff::Timestamp;
use sismatch_alert::{Alert, AlertChange, AlertVersion, HitReport, Invalid, Status, validate};
use sismatch_ident::{is_country_code, parse};
use sismatch_index::{AlertIndex, Opened};
use sismatch_store::{Applied, Mutation, Store};
use tokio::sync::watch;
use tracing::{info, warn};

use crate::error::{NodeError, Result};
use crate::indexer::{self, Shared};

/// How long a single put waits for its alert to become searchable before answering anyway.
const SEARCHABLE_WAIT: Duration = Duration::from_secs(2);

/// What a node needs to start.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// ISO 3166-1 alpha-2 code of the country whose alerts this node owns.
    pub country: String,
    /// Folder of the node's data: `store/` (RocksDB) and `index/` (tantivy) inside.
    pub data_dir: PathBuf,
}

/// One national node: its store, its index and the indexer between them.
pub struct Node {
    pub(crate) country: String,
    pub(crate) store: Arc<Store>,
    pub(crate) index: Arc<AlertIndex>,
    indexed: watch::Receiver<u64>,
    rebuilding: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    kick: Mutex<Sender<()>>,
    indexer: Mutex<Option<JoinHandle<()>>>,
}

/// The outcome of storing one alert.
#[derive(Debug, Clone)]
pub struct PutOutcome {
    /// Created, updated or unchanged, with the alert as stored.
    pub applied: Applied,
    /// Other active alerts of this node that share an identifier with it: one object should
    /// have one alert per country (DESIGN §4), so the caller is told.
    pub duplicates: Vec<String>,
}

/// One alert of an import batch, or why its line could not be read.
#[derive(Debug, Clone)]
pub struct ImportItem {
    /// Line number in the source file (or the item's position), reported back in errors.
    pub line: u64,
    /// The alert, or the reason the client could not even build one.
    pub alert: std::result::Result<Alert, Invalid>,
}

/// Why one import item was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemError {
    /// The item's line.
    pub line: u64,
    /// The item's alert id, when it had one.
    pub alert_id: String,
    /// The rule it broke, with the field.
    pub error: Invalid,
}

/// What one import batch did; the batch is durable when this is returned.
#[derive(Debug, Clone, Default)]
pub struct BatchOutcome {
    /// Items received.
    pub received: u64,
    /// New alerts.
    pub created: u64,
    /// Alerts whose content changed.
    pub updated: u64,
    /// Alerts identical to what was stored: nothing written.
    pub unchanged: u64,
    /// Items rejected, each with an entry in `errors`.
    pub rejected: u64,
    /// Why each rejected item was rejected, in batch order.
    pub errors: Vec<ItemError>,
    /// The store's change sequence after the batch.
    pub sequence: u64,
}

/// A node's state, for operators and health checks.
#[derive(Debug, Clone)]
pub struct NodeStatus {
    /// The node's country.
    pub country: String,
    /// Alerts per status.
    pub alerts: BTreeMap<Status, u64>,
    /// The store's last change sequence.
    pub store_sequence: u64,
    /// The last change sequence the index contains.
    pub index_sequence: u64,
    /// Whether the index is catching up from far behind (start-up or rebuild).
    pub rebuilding: bool,
}

impl Node {
    /// Opens (or creates) the node's store and index and starts the indexer. When the index is
    /// missing, corrupt or behind, it is brought up to date from the store in the background;
    /// the node answers meanwhile, and [`NodeStatus::rebuilding`] says so.
    pub fn open(config: NodeConfig) -> Result<Node> {
        if !is_country_code(&config.country) {
            return Err(Invalid::new(
                "country",
                format!("'{}' is not an ISO 3166-1 alpha-2 code", config.country),
            )
            .into());
        }
        let store = Arc::new(Store::open(&config.data_dir.join("store"))?);
        let (index, opened) = AlertIndex::open(&config.data_dir.join("index"))?;
        let index = Arc::new(index);
        let behind = store.sequence().saturating_sub(index.sequence());
        match &opened {
            Opened::Rebuilt { reason } => {
                warn!(%reason, changes = behind, "index unreadable: rebuilding it from the store");
            }
            Opened::Created if behind > 0 => {
                warn!(
                    changes = behind,
                    "index missing: rebuilding it from the store"
                );
            }
            _ if behind > 0 => info!(changes = behind, "index behind the store: catching up"),
            _ => {}
        }
        let rebuilding = Arc::new(AtomicBool::new(behind > 0));
        let stop = Arc::new(AtomicBool::new(false));
        let (indexed_tx, indexed) = watch::channel(index.sequence());
        let (kick, kicks) = mpsc::channel();
        let handle = indexer::spawn(
            Shared {
                store: Arc::clone(&store),
                index: Arc::clone(&index),
                indexed: indexed_tx,
                rebuilding: Arc::clone(&rebuilding),
                stop: Arc::clone(&stop),
            },
            kicks,
        )
        .map_err(|e| NodeError::Internal(format!("cannot start the indexer: {e}")))?;
        info!(country = %config.country, data = %config.data_dir.display(), "node open");
        Ok(Node {
            country: config.country,
            store,
            index,
            indexed,
            rebuilding,
            stop,
            kick: Mutex::new(kick),
            indexer: Mutex::new(Some(handle)),
        })
    }

    /// The country whose alerts this node owns.
    pub fn country(&self) -> &str {
        &self.country
    }

    fn kick_indexer(&self) {
        if let Ok(kick) = self.kick.lock() {
            let _ = kick.send(());
        }
    }

    /// Waits until the index contains `sequence`, at most [`SEARCHABLE_WAIT`].
    async fn wait_searchable(&self, sequence: u64) {
        let mut indexed = self.indexed.clone();
        let reached = tokio::time::timeout(SEARCHABLE_WAIT, indexed.wait_for(|s| *s >= sequence));
        if reached.await.is_err() {
            warn!(sequence, "write acknowledged before the index caught up");
        }
    }

    /// Runs blocking store or index work off the async runtime.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(Arc<Store>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || work(store))
            .await
            .map_err(|e| NodeError::Internal(format!("blocking task failed: {e}")))?
    }

    /// Validates and stores one alert, assigning an id when it has none; answers once the
    /// alert is durable and (normally) searchable.
    pub async fn put_alert(&self, mut alert: Alert, reason: Option<String>) -> Result<PutOutcome> {
        validate(&alert, &self.country)?;
        if alert.id.is_empty() {
            alert.id = format!("{}-{}", self.country, ulid::Ulid::new());
        }
        let now = Timestamp::now();
        let (applied, duplicates) = self
            .blocking(move |store| {
                let duplicates = duplicates_of(&store, &alert)?;
                let mut results = store.apply(vec![Mutation::Put { alert, reason }], now)?;
                let applied = results
                    .pop()
                    .ok_or_else(|| NodeError::Internal("store returned no outcome".into()))??;
                Ok((applied, duplicates))
            })
            .await?;
        self.kick_indexer();
        self.wait_searchable(self.store.sequence()).await;
        Ok(PutOutcome {
            applied,
            duplicates,
        })
    }

    /// Stores a batch of an import: invalid items are rejected with their line and field, the
    /// valid ones written in one synced batch. Answers once the batch is durable.
    pub async fn import_batch(&self, items: Vec<ImportItem>) -> Result<BatchOutcome> {
        let mut outcome = BatchOutcome {
            received: items.len() as u64,
            ..BatchOutcome::default()
        };
        let mut mutations = Vec::with_capacity(items.len());
        let mut lines = Vec::with_capacity(items.len());
        for item in items {
            let checked = item.alert.and_then(|mut alert| {
                validate(&alert, &self.country)?;
                if alert.id.is_empty() {
                    alert.id = format!("{}-{}", self.country, ulid::Ulid::new());
                }
                Ok(alert)
            });
            match checked {
                Ok(alert) => {
                    lines.push((item.line, alert.id.clone()));
                    mutations.push(Mutation::Put {
                        alert,
                        reason: None,
                    });
                }
                Err(error) => outcome.errors.push(ItemError {
                    line: item.line,
                    alert_id: String::new(),
                    error,
                }),
            }
        }
        let now = Timestamp::now();
        let results = self
            .blocking(move |store| Ok(store.apply(mutations, now)?))
            .await?;
        for ((line, alert_id), result) in lines.into_iter().zip(results) {
            match result {
                Ok(Applied::Created(_)) => outcome.created += 1,
                Ok(Applied::Updated(_) | Applied::StatusChanged(_)) => outcome.updated += 1,
                Ok(Applied::Unchanged(_)) => outcome.unchanged += 1,
                Err(error) => outcome.errors.push(ItemError {
                    line,
                    alert_id,
                    error: Invalid::new("alert", error.to_string()),
                }),
            }
        }
        outcome.errors.sort_by_key(|e| e.line);
        outcome.rejected = outcome.errors.len() as u64;
        outcome.sequence = self.store.sequence();
        self.kick_indexer();
        Ok(outcome)
    }

    /// The current version of an alert.
    pub async fn get_alert(&self, id: String) -> Result<Alert> {
        self.blocking(move |store| store.get(&id)?.ok_or(NodeError::NotFound(id)))
            .await
    }

    /// Every stored version of an alert, oldest first.
    pub async fn history(&self, id: String) -> Result<Vec<AlertVersion>> {
        self.blocking(move |store| {
            let versions = store.history(&id)?;
            if versions.is_empty() {
                return Err(NodeError::NotFound(id));
            }
            Ok(versions)
        })
        .await
    }

    /// Withdraws an alert: kept in history, no longer returned by default searches.
    pub async fn withdraw(&self, id: String, reason: Option<String>) -> Result<Alert> {
        self.set_status_as(id, Status::Withdrawn, AlertChange::Withdrawn, reason)
            .await
    }

    /// Changes an alert's status (RECOVERED, ACTIVE again, ...).
    pub async fn set_status(
        &self,
        id: String,
        status: Status,
        reason: Option<String>,
    ) -> Result<Alert> {
        let change = match status {
            Status::Withdrawn => AlertChange::Withdrawn,
            Status::HitConfirmed => AlertChange::HitConfirmed,
            Status::Active | Status::Recovered => AlertChange::StatusChanged,
        };
        self.set_status_as(id, status, change, reason).await
    }

    async fn set_status_as(
        &self,
        id: String,
        status: Status,
        change: AlertChange,
        reason: Option<String>,
    ) -> Result<Alert> {
        if id.is_empty() {
            return Err(Invalid::new("id", "missing").into());
        }
        let now = Timestamp::now();
        let applied = self
            .blocking(move |store| {
                let mutation = Mutation::SetStatus {
                    id,
                    status,
                    change,
                    reason,
                };
                let mut results = store.apply(vec![mutation], now)?;
                Ok(results
                    .pop()
                    .ok_or_else(|| NodeError::Internal("store returned no outcome".into()))??)
            })
            .await?;
        self.kick_indexer();
        self.wait_searchable(self.store.sequence()).await;
        Ok(stored(applied))
    }

    /// Records a hit report on one of this node's alerts and marks it HIT_CONFIRMED.
    pub async fn report_hit(&self, hit: HitReport) -> Result<(HitReport, Alert)> {
        if hit.alert_id.is_empty() {
            return Err(Invalid::new("alert_id", "missing").into());
        }
        if !is_country_code(&hit.reporting_country) {
            return Err(Invalid::new(
                "reporting_country",
                format!(
                    "'{}' is not an ISO 3166-1 alpha-2 code",
                    hit.reporting_country
                ),
            )
            .into());
        }
        let current = self.get_alert(hit.alert_id.clone()).await?;
        if current.status == Status::Withdrawn {
            return Err(NodeError::FailedPrecondition(format!(
                "alert {} is withdrawn",
                current.id
            )));
        }
        let now = Timestamp::now();
        let result = self
            .blocking(move |store| Ok(store.add_hit(hit, now)?))
            .await?;
        self.kick_indexer();
        Ok(result)
    }

    /// Hit reports received, newest first, a page at a time.
    pub async fn list_hits(&self, before: Option<String>, limit: usize) -> Result<Vec<HitReport>> {
        let limit = limit.clamp(1, 1000);
        self.blocking(move |store| Ok(store.hits(before.as_deref(), limit)?))
            .await
    }

    /// The node's state.
    pub async fn status(&self) -> Result<NodeStatus> {
        let country = self.country.clone();
        let index_sequence = self.index.sequence();
        let rebuilding = self.rebuilding.load(Ordering::Acquire);
        self.blocking(move |store| {
            Ok(NodeStatus {
                country,
                alerts: store.count_by_status()?,
                store_sequence: store.sequence(),
                index_sequence,
                rebuilding,
            })
        })
        .await
    }

    /// Waits until the index contains every change stored so far, at most `timeout`; returns
    /// whether it got there. For tests and tools that search right after an import.
    pub async fn wait_indexed(&self, timeout: Duration) -> bool {
        let target = self.store.sequence();
        self.kick_indexer();
        let mut indexed = self.indexed.clone();
        tokio::time::timeout(timeout, indexed.wait_for(|s| *s >= target))
            .await
            .is_ok()
    }

    /// Stops the indexer and flushes the store: a clean shutdown. Durability never depends on
    /// it; it only makes the next start faster.
    pub fn shutdown(&self) {
        self.stop.store(true, Ordering::Release);
        self.kick_indexer();
        let handle = self.indexer.lock().ok().and_then(|mut slot| slot.take());
        if let Some(handle) = handle
            && handle.join().is_err()
        {
            warn!("the indexer thread panicked");
        }
        if let Err(error) = self.store.flush() {
            warn!(%error, "flushing the store at shutdown failed");
        }
        info!(country = %self.country, "node closed");
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        self.kick_indexer();
    }
}

/// The alert as stored, whatever the outcome.
fn stored(applied: Applied) -> Alert {
    match applied {
        Applied::Created(alert)
        | Applied::Updated(alert)
        | Applied::Unchanged(alert)
        | Applied::StatusChanged(alert) => alert,
    }
}

/// Other active alerts of the store sharing an identifier key with `alert`.
fn duplicates_of(store: &Store, alert: &Alert) -> Result<Vec<String>> {
    let mut found = Vec::new();
    for entry in &alert.identifiers {
        let identifier = parse(&entry.value, Some(entry.kind));
        if !identifier.is_indexable() {
            continue;
        }
        for id in store.alerts_by_key(&identifier.key)? {
            if id != alert.id && !found.contains(&id) {
                let active = store
                    .get(&id)?
                    .is_some_and(|other| other.status.is_searchable());
                if active {
                    found.push(id);
                }
            }
        }
    }
    Ok(found)
}
