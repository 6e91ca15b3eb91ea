//! [`Node`]: opening, writes and imports. Hit reports are in `hits.rs`, status in
//! `status.rs`, duplicate detection in `duplicates.rs`, review before expiry in `expiry.rs`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use jiff::Timestamp;
use sismatch_alert::{Alert, AlertChange, AlertVersion, Invalid, Status, validate};
use sismatch_ident::is_country_code;
use sismatch_index::{AlertIndex, Opened};
use sismatch_keyindex::KeyIndex;
use sismatch_store::{Applied, Mutation, OnDuplicate, Store};
use tokio::sync::watch;
use tracing::{info, warn};

use crate::compactor::COMPACT_AFTER;
use crate::duplicates::{Duplicate, linked_duplicates};
use crate::error::{NodeError, Result};
use crate::indexer::{self, Shared, searchable_sequence};
use crate::node_metrics::IMPORTED;

/// How long a single put waits for its alert to become searchable before answering anyway,
/// unless the caller says otherwise.
pub const SEARCHABLE_WAIT: Duration = Duration::from_secs(2);

/// The longest a caller may ask a put to wait for its alert to become searchable.
pub const MAX_SEARCHABLE_WAIT: Duration = Duration::from_secs(60);

/// What a node needs to start.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// ISO 3166-1 alpha-2 code of the country whose alerts this node owns.
    pub country: String,
    /// Folder of the node's data: `store/` (RocksDB) and `index/` (tantivy) inside.
    pub data_dir: PathBuf,
}

/// Settings of a node that have defaults ([`NodeOptions::default`]). Kept apart from
/// [`NodeConfig`], which callers build field by field, so that a new setting breaks no caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeOptions {
    /// The node's name in status answers: `None` for the country code, or a shard's name
    /// (`NL-2`) when a large country runs several nodes. ASCII letters, digits, `-` and `_`,
    /// at most 64.
    pub name: Option<String>,
    /// Changes indexed after which the indexer compacts the index once it has caught up
    /// ([`COMPACT_AFTER`] by default); at least 1. Tests lower it to see a compaction without
    /// indexing tens of thousands of alerts.
    pub compact_after: u64,
    /// What a put or an import does with a new alert whose identifier already belongs to
    /// another alert in force of this node (DESIGN §4, one alert per object): refuse it
    /// (the default: the officer updates the alert that exists) or store it linked to it.
    pub duplicates: OnDuplicate,
}

impl Default for NodeOptions {
    fn default() -> Self {
        NodeOptions {
            name: None,
            compact_after: COMPACT_AFTER,
            duplicates: OnDuplicate::Refuse,
        }
    }
}

impl NodeOptions {
    /// The options of a node holding the generated sample (`sismatch-sample`: the demo, the
    /// benchmark suite, the federation bench): alerts of one object are linked instead of the
    /// second being refused (DESIGN §4), since the generator draws serials at random, so a few
    /// alerts in 10,000 of one country share an engine serial, and refusing them would leave
    /// out alerts that its queries look for.
    pub fn for_sample() -> NodeOptions {
        NodeOptions {
            duplicates: OnDuplicate::Link,
            ..NodeOptions::default()
        }
    }

    /// Refuses a setting the node cannot work with, naming it.
    fn check(&self) -> std::result::Result<(), Invalid> {
        if let Some(name) = &self.name {
            let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
            if name.is_empty() || name.len() > 64 || !name.chars().all(allowed) {
                return Err(Invalid::new(
                    "name",
                    format!("'{name}' is not 1 to 64 ASCII letters, digits, '-' or '_'"),
                ));
            }
        }
        if self.compact_after == 0 {
            return Err(Invalid::new("compact_after", "must be at least 1"));
        }
        Ok(())
    }
}

/// One national node: its store, its index and the indexer between them.
pub struct Node {
    pub(crate) country: String,
    /// The name in status answers: the country, or a shard's name.
    pub(crate) name: String,
    /// When the node was opened.
    pub(crate) started_at: Timestamp,
    pub(crate) store: Arc<Store>,
    pub(crate) index: Arc<AlertIndex>,
    /// The identifier index, in memory: filled from the store at start.
    pub(crate) keys: Arc<KeyIndex>,
    indexed: watch::Receiver<u64>,
    /// True while the index catches up from far behind (start-up catch-up or rebuild).
    pub(crate) rebuilding: Arc<AtomicBool>,
    /// The index sequence when the node was opened, where a catch-up or rebuild started.
    pub(crate) rebuild_from: u64,
    /// The node's data folder, for the disk-use gauges.
    pub(crate) data_dir: PathBuf,
    /// The last minute's searches, for the status.
    pub(crate) recent: crate::recent::Recent,
    /// What a put of an object that already has an alert in force does.
    duplicates: OnDuplicate,
    stop: Arc<AtomicBool>,
    kick: Mutex<Sender<()>>,
    indexer: Mutex<Option<JoinHandle<()>>>,
}

/// The outcome of storing one alert.
#[derive(Debug, Clone)]
pub struct PutOutcome {
    /// Created, updated or unchanged, with the alert as stored.
    pub applied: Applied,
    /// Identifiers of it that other alerts in force of this node hold, and which the store
    /// linked it to (DESIGN §4, one alert per object; [`NodeOptions::duplicates`] is `Link`,
    /// or the alerts were already linked). Under `Refuse`, a put of a duplicate fails with
    /// [`NodeError::AlreadyExists`] instead.
    pub duplicates: Vec<Duplicate>,
    /// Whether the indexes contained the write when the node answered.
    pub searchable: bool,
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
    /// Of the created and updated alerts, those the store linked to another alert in force of
    /// the same object ([`NodeOptions::duplicates`] is `Link`).
    pub linked: u64,
    /// Of the rejected items, those refused because another alert in force holds one of
    /// their identifiers ([`NodeOptions::duplicates`] is `Refuse`); each names it in `errors`.
    pub duplicates: u64,
    /// Items rejected, each with an entry in `errors`.
    pub rejected: u64,
    /// Why each rejected item was rejected, in batch order.
    pub errors: Vec<ItemError>,
    /// The store's change sequence after the batch.
    pub sequence: u64,
}

impl Node {
    /// Opens (or creates) the node's store and index and starts the indexer. When the index is
    /// missing, corrupt or behind, it is brought up to date from the store in the background;
    /// the node answers meanwhile, and [`crate::NodeStatus::rebuilding`] says so.
    pub fn open(config: NodeConfig) -> Result<Node> {
        Node::open_with(config, NodeOptions::default())
    }

    /// [`Node::open`] with settings other than the defaults.
    pub fn open_with(config: NodeConfig, options: NodeOptions) -> Result<Node> {
        options.check()?;
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
        let keys = Arc::new(KeyIndex::new());
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
        // The identifier index starts empty: searches are complete once it is filled.
        let rebuild_from = searchable_sequence(&index, &keys);
        let rebuilding = Arc::new(AtomicBool::new(store.sequence() > rebuild_from));
        let stop = Arc::new(AtomicBool::new(false));
        let (indexed_tx, indexed) = watch::channel(rebuild_from);
        let (kick, kicks) = mpsc::channel();
        let handle = indexer::spawn(
            Shared {
                store: Arc::clone(&store),
                index: Arc::clone(&index),
                keys: Arc::clone(&keys),
                indexed: indexed_tx,
                rebuilding: Arc::clone(&rebuilding),
                stop: Arc::clone(&stop),
                compact_after: options.compact_after,
            },
            kicks,
        )
        .map_err(|e| NodeError::Internal(format!("cannot start the indexer: {e}")))?;
        info!(country = %config.country, data = %config.data_dir.display(), "node open");
        Ok(Node {
            name: options.name.unwrap_or_else(|| config.country.clone()),
            country: config.country.clone(),
            started_at: Timestamp::now(),
            store,
            index,
            keys,
            indexed,
            rebuilding,
            rebuild_from,
            data_dir: config.data_dir,
            recent: crate::recent::Recent::new(),
            duplicates: options.duplicates,
            stop,
            kick: Mutex::new(kick),
            indexer: Mutex::new(Some(handle)),
        })
    }

    /// The country whose alerts this node owns.
    pub fn country(&self) -> &str {
        &self.country
    }

    pub(crate) fn kick_indexer(&self) {
        if let Ok(kick) = self.kick.lock() {
            let _ = kick.send(());
        }
    }

    /// Waits until the indexes contain `sequence`, at most `wait`; returns whether they do.
    pub(crate) async fn wait_searchable(&self, sequence: u64, wait: Duration) -> bool {
        let mut indexed = self.indexed.clone();
        let reached = tokio::time::timeout(wait, indexed.wait_for(|s| *s >= sequence));
        if reached.await.is_err() {
            warn!(sequence, "write acknowledged before the index caught up");
            return false;
        }
        true
    }

    /// Runs blocking store or index work off the async runtime.
    pub(crate) async fn blocking<T: Send + 'static>(
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
    ///
    /// An existing alert keeps its stored status (see `sismatch_store::Mutation::Put`): a
    /// withdrawn alert put again stays withdrawn, and only [`Node::set_status`],
    /// [`Node::withdraw`] and hit reports change a status. With `expected_version`, the put
    /// applies only to an existing alert at that version, otherwise it fails with
    /// [`NodeError::FailedPrecondition`]; the check and the write are one step of the store.
    /// So is the one-alert-per-object check: a new identifier that another alert in force of
    /// this node holds fails with [`NodeError::AlreadyExists`] or links the two alerts, as
    /// [`NodeOptions::duplicates`] says. The version written records `by`, the caller's
    /// identity, as `changed_by` (so do the versions of alerts it links to).
    pub async fn put_alert(
        &self,
        alert: Alert,
        reason: Option<String>,
        expected_version: Option<u64>,
        by: String,
    ) -> Result<PutOutcome> {
        self.put_alert_waiting(alert, reason, expected_version, by, SEARCHABLE_WAIT)
            .await
    }

    /// [`Node::put_alert`], waiting at most `wait` (up to [`MAX_SEARCHABLE_WAIT`]) for the
    /// alert to become searchable; [`PutOutcome::searchable`] says whether it did.
    pub async fn put_alert_waiting(
        &self,
        mut alert: Alert,
        reason: Option<String>,
        expected_version: Option<u64>,
        by: String,
        wait: Duration,
    ) -> Result<PutOutcome> {
        if wait > MAX_SEARCHABLE_WAIT {
            return Err(Invalid::new(
                "searchable_wait_ms",
                format!("at most {} ms", MAX_SEARCHABLE_WAIT.as_millis()),
            )
            .into());
        }
        validate(&alert, &self.country)?;
        if alert.id.is_empty() {
            alert.id = format!("{}-{}", self.country, ulid::Ulid::new());
        }
        let now = Timestamp::now();
        let on_duplicate = self.duplicates;
        let (applied, duplicates) = self
            .blocking(move |store| {
                let sent = alert.links.clone();
                let put = Mutation::Put {
                    alert,
                    reason,
                    changed_by: by,
                    expected_version,
                    on_duplicate,
                };
                let applied = apply_one(&store, put, now)?;
                let duplicates = linked_duplicates(&store, &sent, applied.alert())?;
                Ok((applied, duplicates))
            })
            .await?;
        self.kick_indexer();
        let searchable = self.wait_searchable(self.store.sequence(), wait).await;
        Ok(PutOutcome {
            applied,
            duplicates,
            searchable,
        })
    }

    /// Stores a batch of an import: invalid items are rejected with their line and field, the
    /// valid ones written in one synced batch, each version recording `by`, who imports, as
    /// `changed_by`. Answers once the batch is durable.
    pub async fn import_batch(&self, items: Vec<ImportItem>, by: &str) -> Result<BatchOutcome> {
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
                    lines.push((item.line, alert.id.clone(), alert.links.len()));
                    mutations.push(Mutation::Put {
                        alert,
                        reason: None,
                        changed_by: by.to_string(),
                        expected_version: None,
                        on_duplicate: self.duplicates,
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
        for ((line, alert_id, sent_links), result) in lines.into_iter().zip(results) {
            // The store only ever adds links to a put: more than were sent means it linked.
            let linked = |alert: &Alert| alert.links.len() > sent_links;
            match result {
                Ok(Applied::Created(alert)) => {
                    outcome.created += 1;
                    outcome.linked += u64::from(linked(&alert));
                }
                Ok(Applied::Updated(alert) | Applied::StatusChanged(alert)) => {
                    outcome.updated += 1;
                    outcome.linked += u64::from(linked(&alert));
                }
                Ok(Applied::Unchanged(_)) => outcome.unchanged += 1,
                Err(sismatch_store::Error::Duplicate {
                    field,
                    value,
                    existing,
                    ..
                }) => {
                    outcome.duplicates += 1;
                    let message = format!(
                        "'{value}' already belongs to alert {existing}, in force on this node"
                    );
                    outcome.errors.push(ItemError {
                        line,
                        alert_id,
                        error: Invalid::new(field, message),
                    });
                }
                Err(error) => outcome.errors.push(ItemError {
                    line,
                    alert_id,
                    error: Invalid::new("alert", error.to_string()),
                }),
            }
        }
        outcome.errors.sort_by_key(|e| e.line);
        outcome.rejected = outcome.errors.len() as u64;
        metrics::counter!(IMPORTED, "node" => self.name.clone())
            .increment(outcome.created + outcome.updated);
        outcome.sequence = self.store.sequence();
        self.kick_indexer();
        Ok(outcome)
    }

    /// The current version of an alert.
    pub async fn get_alert(&self, id: String) -> Result<Alert> {
        self.blocking(move |store| store.get(&id)?.ok_or(NodeError::NotFound(id)))
            .await
    }

    /// An alert as it is (`version` `None`) or as it was at `version`: every version is kept
    /// in the history.
    pub async fn get_alert_at(&self, id: String, version: Option<u64>) -> Result<Alert> {
        let Some(version) = version else {
            return self.get_alert(id).await;
        };
        let versions = self.history(id.clone()).await?;
        versions
            .into_iter()
            .map(|v| v.alert)
            .find(|alert| alert.version == version)
            .ok_or(NodeError::NoSuchVersion { id, version })
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

    /// Withdraws an alert: kept in history, no longer returned by default searches. With
    /// `expected_version`, only when the alert is at that version
    /// ([`NodeError::FailedPrecondition`] otherwise; an unknown alert is
    /// [`NodeError::NotFound`] either way). The version records `by`, the caller's identity.
    pub async fn withdraw(
        &self,
        id: String,
        reason: Option<String>,
        expected_version: Option<u64>,
        by: String,
    ) -> Result<Alert> {
        let change = AlertChange::Withdrawn;
        let status = Status::Withdrawn;
        self.set_status_as(id, status, change, reason, expected_version, by)
            .await
    }

    /// Changes an alert's status (RECOVERED, ACTIVE again, ...); WITHDRAWN only through
    /// [`Node::withdraw`], as the API says. `expected_version` and `by` as for
    /// [`Node::withdraw`].
    pub async fn set_status(
        &self,
        id: String,
        status: Status,
        reason: Option<String>,
        expected_version: Option<u64>,
        by: String,
    ) -> Result<Alert> {
        let change = match status {
            Status::Withdrawn => {
                return Err(Invalid::new("status", "WITHDRAWN only through WithdrawAlert").into());
            }
            Status::HitConfirmed => AlertChange::HitConfirmed,
            Status::Active | Status::Recovered => AlertChange::StatusChanged,
        };
        self.set_status_as(id, status, change, reason, expected_version, by)
            .await
    }

    async fn set_status_as(
        &self,
        id: String,
        status: Status,
        change: AlertChange,
        reason: Option<String>,
        expected_version: Option<u64>,
        by: String,
    ) -> Result<Alert> {
        if id.is_empty() {
            return Err(Invalid::new("id", "missing").into());
        }
        self.change(Mutation::SetStatus {
            id,
            status,
            change,
            reason,
            changed_by: by,
            expected_version,
        })
        .await
    }

    /// Applies one change of an existing alert (a status, an expiry), and waits, within
    /// [`SEARCHABLE_WAIT`], until searches see it; the alert as stored.
    pub(crate) async fn change(&self, mutation: Mutation) -> Result<Alert> {
        let now = Timestamp::now();
        let applied = self
            .blocking(move |store| apply_one(&store, mutation, now))
            .await?;
        self.kick_indexer();
        self.wait_searchable(self.store.sequence(), SEARCHABLE_WAIT)
            .await;
        Ok(applied.into_alert())
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

/// Applies one mutation in its own write: the store's outcome for it.
fn apply_one(store: &Store, mutation: Mutation, now: Timestamp) -> Result<Applied> {
    let mut results = store.apply(vec![mutation], now)?;
    Ok(results
        .pop()
        .ok_or_else(|| NodeError::Internal("store returned no outcome".into()))??)
}
