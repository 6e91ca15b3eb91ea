//! Writing alerts: [`Mutation`]s applied in one durable batch.
//!
//! A write reads every alert it touches with one multi-get, applies the mutations in order to
//! that in-memory state ([`Staging`]), and writes the result (new alert records, history
//! versions, change log entries, identifier map differences, counters and sequence numbers)
//! in one RocksDB write batch with a synced write-ahead log. Either all of it is durable or
//! none of it is. A put of an alert in force is checked against the other alerts in force
//! holding its identifiers first (`duplicates.rs`), inside the same locked write.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::time::Instant;

use jiff::Timestamp;
use rocksdb::{ColumnFamily, DB, DBRawIteratorWithThreadMode, WriteBatch};
use sismatch_alert::{Alert, AlertChange, AlertVersion, HitAction, Invalid, Status};

use crate::duplicates::OnDuplicate;
use crate::error::{Error, Result};
use crate::keys::{
    self, ALERTS, CHANGES, EXPIRY, HISTORY, IN_FORCE, KEYS, META, META_HIT_SEQUENCE,
    META_HITS_PENDING, META_SEQUENCE,
};
use crate::store::{Store, Writer};

/// One change to the alerts of a node.
#[derive(Debug, Clone, PartialEq)]
#[expect(
    clippy::large_enum_variant,
    reason = "mutations are moved, not copied; boxing would cost an allocation per imported alert"
)]
pub enum Mutation {
    /// Create or replace an alert's content. `alert.id` is non-empty and the alert is already
    /// validated (`sismatch_alert::validate`); `version` and `updated_at` are ignored and set
    /// by the store.
    ///
    /// A new alert is stored with the status it is given. An existing alert keeps its stored
    /// status, whatever the put says: the status is changed only by [`Mutation::SetStatus`]
    /// (and hit reports), as the API says (`Alert.status` in `types.proto`), so that re-sending
    /// a withdrawn alert, or re-importing a file, never brings it back to ACTIVE. If the
    /// stored alert then has the same content (`Alert::same_content`), nothing is written:
    /// [`Applied::Unchanged`], so that re-importing a file creates no versions.
    ///
    /// With `expected_version`, the put applies only to an existing alert at that version,
    /// otherwise it fails with [`Error::VersionMismatch`] (an unknown id included).
    ///
    /// An alert stored in force (ACTIVE, HIT_CONFIRMED) whose identifier another alert in force
    /// already holds is refused ([`Error::Duplicate`]) or linked to it, as `on_duplicate`
    /// says (`duplicates.rs`).
    ///
    /// A put that leaves `reported_at` out stores the time of the alert's first store, and one
    /// that leaves `action` out stores SEIZE (the API's defaults); an update that leaves either
    /// out keeps what the alert had.
    Put {
        /// The alert's new content.
        alert: Alert,
        /// Why, kept in the history.
        reason: Option<String>,
        /// Who put it, kept in the history, and in that of an alert the put links to.
        changed_by: String,
        /// Optimistic concurrency: the version the caller read; `None` for no check.
        expected_version: Option<u64>,
        /// What to do when another alert in force holds one of its identifiers.
        on_duplicate: OnDuplicate,
    },
    /// Change an existing alert's status, recording `change` in its history.
    ///
    /// `change` must be `StatusChanged`, `Withdrawn` (with status WITHDRAWN) or `HitConfirmed`
    /// (with status HIT_CONFIRMED), otherwise the mutation fails with [`Error::Invalid`]. An
    /// alert brought back in force (a RECOVERED alert made ACTIVE again) fails with
    /// [`Error::Duplicate`] when another alert in force not linked to it holds one of its
    /// identifiers: its object was reported again meanwhile, and one alert per object is kept
    /// whatever the put mode (the operator withdraws or links one of them first). An
    /// alert already in `status` is left alone ([`Applied::Unchanged`]), so a retried request
    /// adds no version. An unknown id fails with [`Error::NotFound`]; with `expected_version`,
    /// an alert at another version fails with [`Error::VersionMismatch`].
    SetStatus {
        /// The alert.
        id: String,
        /// Its new status.
        status: Status,
        /// How the history records the change.
        change: AlertChange,
        /// Why, kept in the history.
        reason: Option<String>,
        /// Who changed it, kept in the history.
        changed_by: String,
        /// Optimistic concurrency: the version the caller read; `None` for no check.
        expected_version: Option<u64>,
    },
    /// Extend an alert's expiry after a review (DESIGN §2): a new version with only
    /// `expires_at` changed, recorded as `ExpiryExtended` with `reason` and `changed_by`.
    ///
    /// Checked against the state it applies to, under the writer lock: `until` must be after
    /// the write's time and after the alert's current expiry ([`Error::Invalid`] naming
    /// `expires_at`); the alert must be in force (ACTIVE or HIT_CONFIRMED) and have an expiry
    /// ([`Error::NotExtendable`]). An unknown id fails with [`Error::NotFound`];
    /// `expected_version` as for the other mutations.
    ExtendExpiry {
        /// The alert.
        id: String,
        /// Its new expiry time.
        until: Timestamp,
        /// Why it is kept, kept in the history.
        reason: String,
        /// Who extended it, kept in the history.
        changed_by: String,
        /// Optimistic concurrency: the version the caller read; `None` for no check.
        expected_version: Option<u64>,
    },
}

impl Mutation {
    /// The id of the alert the mutation changes.
    pub fn id(&self) -> &str {
        match self {
            Mutation::Put { alert, .. } => &alert.id,
            Mutation::SetStatus { id, .. } | Mutation::ExtendExpiry { id, .. } => id,
        }
    }
}

/// What a mutation did, with the alert as stored afterwards (version and `updated_at` set).
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// A new alert, version 1.
    Created(Alert),
    /// The alert's content changed: a new version.
    Updated(Alert),
    /// Nothing changed and nothing was written; the alert as it was.
    Unchanged(Alert),
    /// The alert's status changed: a new version.
    StatusChanged(Alert),
}

impl Applied {
    /// The alert as stored after the mutation.
    pub fn alert(&self) -> &Alert {
        match self {
            Applied::Created(alert)
            | Applied::Updated(alert)
            | Applied::Unchanged(alert)
            | Applied::StatusChanged(alert) => alert,
        }
    }

    /// The alert as stored after the mutation, by value.
    pub fn into_alert(self) -> Alert {
        match self {
            Applied::Created(alert)
            | Applied::Updated(alert)
            | Applied::Unchanged(alert)
            | Applied::StatusChanged(alert) => alert,
        }
    }

    /// Whether the mutation wrote a new version (the index has something to catch up on).
    pub fn is_change(&self) -> bool {
        !matches!(self, Applied::Unchanged(_))
    }
}

impl Store {
    /// Applies `mutations` in order, in ONE RocksDB write batch written with a synced
    /// write-ahead log, and returns only after that: an acknowledged write survives `kill -9`
    /// and a power cut.
    ///
    /// Returns one result per mutation, in order. A mutation that fails (an unknown id, a
    /// corrupt stored record) fails alone: the others are written. Each change gives the
    /// alert version = previous + 1 (1 when new), `updated_at = now`, and the next change
    /// sequence number; the sequence is persisted in the same batch. Several mutations of one
    /// id apply in order, each to the state the previous ones left.
    ///
    /// An `expected_version` is checked here, against the state the mutation applies to, while
    /// the writer lock is held: no other write can come between the check and the change.
    ///
    /// The outer error means nothing was written (RocksDB failed to read or write).
    pub fn apply(
        &self,
        mutations: Vec<Mutation>,
        now: Timestamp,
    ) -> Result<Vec<std::result::Result<Applied, Error>>> {
        if mutations.is_empty() {
            return Ok(Vec::new());
        }
        let started = Instant::now();
        let count = mutations.len();
        let mut writer = self.lock_writer();
        let ids = mutations.iter().map(Mutation::id);
        let mut staging = Staging::load(self, &writer, ids, now)?;
        let results: Vec<_> = mutations
            .into_iter()
            .map(|mutation| staging.mutate(mutation))
            .collect();
        let changes = staging.commit(&mut writer)?;
        tracing::debug!(
            mutations = count,
            changes,
            sequence = writer.sequence,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "applied mutations"
        );
        Ok(results)
    }
}

/// Why a put or a status change was made and by whom, as its version records them.
struct Author {
    reason: Option<String>,
    changed_by: String,
}

/// The alerts one write touches, as stored before it and as its mutations leave them, and
/// the write batch that records the difference. Lives while the writer lock is held.
pub(crate) struct Staging<'s> {
    store: &'s Store,
    alerts: &'s ColumnFamily,
    history: &'s ColumnFamily,
    changes: &'s ColumnFamily,
    batch: WriteBatch,
    slots: HashMap<String, Slot>,
    /// The `in_force` entries of the alerts this write changed, as it leaves them: identifier
    /// key -> alert ids. For a changed alert these replace what the column says.
    in_force: HashMap<String, BTreeSet<String>>,
    /// One iterator over the `in_force` column for all look-ups of the write, made at the
    /// first one.
    in_force_iter: Option<DBRawIteratorWithThreadMode<'s, DB>>,
    /// Alerts whose stored record does not decode: every mutation of them fails with the
    /// error.
    broken: HashMap<String, Error>,
    /// The last change sequence number assigned, in this batch or before it.
    sequence: u64,
    /// The last hit sequence number assigned, in this batch or before it.
    pub(crate) hit_sequence: u64,
    /// Hit reports PENDING after this batch.
    pub(crate) hits_pending: u64,
    now: Timestamp,
}

/// One alert touched by a write: as stored before it and after the mutations applied so far.
#[derive(Default)]
struct Slot {
    stored: Option<Alert>,
    current: Option<Alert>,
    /// Whether a mutation wrote a new version.
    changed: bool,
    /// The index keys of `current`, once a mutation of this write computed them: each
    /// version's identifiers are parsed once for the `in_force` entries and the commit.
    keys: Option<BTreeSet<String>>,
}

impl<'s> Staging<'s> {
    /// Reads the alerts `ids` with one multi-get. An id that cannot be stored (empty) is
    /// skipped: its mutation fails on its own.
    pub(crate) fn load<'i>(
        store: &'s Store,
        writer: &Writer,
        ids: impl Iterator<Item = &'i str>,
        now: Timestamp,
    ) -> Result<Staging<'s>> {
        let mut seen = HashSet::new();
        let unique: Vec<&str> = ids
            .filter(|id| keys::is_storable_id(id) && seen.insert(*id))
            .collect();
        let alerts = store.cf(ALERTS)?;
        let values = store.db.batched_multi_get_cf(alerts, &unique, false);
        let mut slots = HashMap::with_capacity(unique.len());
        let mut broken = HashMap::new();
        for (id, value) in unique.iter().zip(values) {
            let Some(bytes) = value? else {
                slots.insert((*id).to_string(), Slot::default());
                continue;
            };
            match keys::decode::<Alert>(ALERTS, id.as_bytes(), &bytes) {
                Ok(alert) => {
                    let slot = Slot {
                        current: Some(alert.clone()),
                        stored: Some(alert),
                        changed: false,
                        keys: None,
                    };
                    slots.insert((*id).to_string(), slot);
                }
                Err(error) => {
                    tracing::error!(id, %error, "stored alert does not decode");
                    broken.insert((*id).to_string(), error);
                }
            }
        }
        Ok(Staging {
            store,
            alerts,
            history: store.cf(HISTORY)?,
            changes: store.cf(CHANGES)?,
            batch: WriteBatch::default(),
            slots,
            in_force: HashMap::new(),
            in_force_iter: None,
            broken,
            sequence: writer.sequence,
            hit_sequence: writer.hit_sequence,
            hits_pending: writer.hits_pending,
            now,
        })
    }

    /// The batch, to add records that are not alerts (hit reports).
    pub(crate) fn batch(&mut self) -> &mut WriteBatch {
        &mut self.batch
    }

    /// Applies one mutation to the staged state.
    fn mutate(&mut self, mutation: Mutation) -> Result<Applied> {
        match mutation {
            Mutation::Put {
                alert,
                reason,
                changed_by,
                expected_version,
                on_duplicate,
            } => {
                let by = Author { reason, changed_by };
                self.put(alert, by, expected_version, on_duplicate)
            }
            Mutation::SetStatus {
                id,
                status,
                change,
                reason,
                changed_by,
                expected_version,
            } => {
                let by = Author { reason, changed_by };
                self.set_status(&id, status, change, by, expected_version)
            }
            Mutation::ExtendExpiry {
                id,
                until,
                reason,
                changed_by,
                expected_version,
            } => self.extend_expiry(&id, until, reason, changed_by, expected_version),
        }
    }

    fn put(
        &mut self,
        mut alert: Alert,
        by: Author,
        expected_version: Option<u64>,
        on_duplicate: OnDuplicate,
    ) -> Result<Applied> {
        let current = self.current(&alert.id)?;
        check_version(&alert.id, current, expected_version)?;
        // What the API promises for fields left out: `reported_at` is the first store's time
        // and `action` the node's default (SEIZE); an update that leaves them out keeps them.
        alert.reported_at = alert
            .reported_at
            .or(current.and_then(|current| current.reported_at))
            .or(Some(self.now));
        alert.action = alert
            .action
            .or(current.and_then(|current| current.action))
            .or(Some(HitAction::Seize));
        let held = match current {
            Some(current) => {
                alert.status = current.status;
                keys::index_keys(current)
            }
            None => BTreeSet::new(),
        };
        if alert.status.is_searchable() {
            let changed_by = Some(by.changed_by.as_str());
            self.resolve_duplicates(&mut alert, &held, on_duplicate, changed_by)?;
        }
        let Some(current) = self.current(&alert.id)? else {
            return self
                .record(alert, AlertChange::Created, by.reason, Some(by.changed_by))
                .map(Applied::Created);
        };
        if current.same_content(&alert) {
            return Ok(Applied::Unchanged(current.clone()));
        }
        self.record(alert, AlertChange::Updated, by.reason, Some(by.changed_by))
            .map(Applied::Updated)
    }

    fn set_status(
        &mut self,
        id: &str,
        status: Status,
        change: AlertChange,
        by: Author,
        expected_version: Option<u64>,
    ) -> Result<Applied> {
        check_status_change(status, change)?;
        let Some(current) = self.current(id)? else {
            return Err(Error::NotFound(id.to_string()));
        };
        check_version(id, Some(current), expected_version)?;
        if current.status == status {
            return Ok(Applied::Unchanged(current.clone()));
        }
        let back_in_force = !current.status.is_searchable() && status.is_searchable();
        let mut alert = current.clone();
        alert.status = status;
        if back_in_force {
            // As a new alert: its numbers may have been reported again meanwhile.
            let refuse = OnDuplicate::Refuse;
            let changed_by = Some(by.changed_by.as_str());
            self.resolve_duplicates(&mut alert, &BTreeSet::new(), refuse, changed_by)?;
        }
        self.record(alert, change, by.reason, Some(by.changed_by))
            .map(Applied::StatusChanged)
    }

    fn extend_expiry(
        &mut self,
        id: &str,
        until: Timestamp,
        reason: String,
        changed_by: String,
        expected_version: Option<u64>,
    ) -> Result<Applied> {
        let Some(current) = self.current(id)? else {
            return Err(Error::NotFound(id.to_string()));
        };
        check_version(id, Some(current), expected_version)?;
        let not_extendable = |why: String| Error::NotExtendable {
            id: id.to_string(),
            why,
        };
        if !current.status.is_searchable() {
            let why = format!("it is {}, not in force", current.status);
            return Err(not_extendable(why));
        }
        let Some(expires_at) = current.expires_at else {
            return Err(not_extendable("it never expires".to_string()));
        };
        if until <= self.now {
            let message = format!("{until} is not in the future");
            return Err(Invalid::new("expires_at", message).into());
        }
        if until <= expires_at {
            let message = format!("{until} is not later than the current expiry, {expires_at}");
            return Err(Invalid::new("expires_at", message).into());
        }
        let mut alert = current.clone();
        alert.expires_at = Some(until);
        let change = AlertChange::ExpiryExtended;
        self.record(alert, change, Some(reason), Some(changed_by))
            .map(Applied::Updated)
    }

    /// The alert `id` as the mutations so far leave it; `None` when there is none.
    pub(crate) fn current(&self, id: &str) -> Result<Option<&Alert>> {
        if !keys::is_storable_id(id) {
            return Err(
                Invalid::new("id", "an alert id must be non-empty, without NUL bytes").into(),
            );
        }
        if let Some(error) = self.broken.get(id) {
            return Err(error.clone());
        }
        // Every storable id of the write was loaded; an id that was not is not stored.
        Ok(self.slots.get(id).and_then(|slot| slot.current.as_ref()))
    }

    /// The alert `id`, which the `in_force` column or this write says exists, as the mutations
    /// so far leave it; read from the store (and kept for the rest of the write) when the
    /// write did not load it.
    pub(crate) fn loaded(&mut self, id: &str) -> Result<&Alert> {
        if !self.slots.contains_key(id) && !self.broken.contains_key(id) {
            let Some(alert) = self.store.get(id)? else {
                return Err(Error::corrupt(IN_FORCE, id.as_bytes(), "no such alert"));
            };
            let slot = Slot {
                current: Some(alert.clone()),
                stored: Some(alert),
                changed: false,
                keys: None,
            };
            self.slots.insert(id.to_string(), slot);
        }
        self.current(id)?
            .ok_or_else(|| Error::corrupt(IN_FORCE, id.as_bytes(), "no such alert"))
    }

    /// Ids of the alerts in force holding identifier key `key`, as this write leaves them:
    /// the `in_force` column (one seek, in RocksDB's prefix mode: its prefix bloom filters
    /// answer for a number nobody holds) for the alerts the write did not change, the staged
    /// entries for those it did.
    pub(crate) fn in_force_ids(&mut self, key: &str) -> Result<Vec<String>> {
        let prefix = keys::key_prefix(key);
        let mut iter = match self.in_force_iter.take() {
            Some(iter) => iter,
            None => self.store.db.raw_iterator_cf(self.store.cf(IN_FORCE)?),
        };
        let mut ids = Vec::new();
        iter.seek(&prefix);
        while let Some(entry) = iter.key() {
            if !entry.starts_with(&prefix) {
                break;
            }
            let id = keys::id_of_key_entry(entry, &prefix)?;
            let changed = self.slots.get(&id).is_some_and(|slot| slot.changed);
            if !changed {
                ids.push(id);
            }
            iter.next();
        }
        iter.status()?;
        self.in_force_iter = Some(iter);
        if let Some(staged) = self.in_force.get(key) {
            ids.extend(staged.iter().cloned());
        }
        Ok(ids)
    }

    /// Stages `alert` as the next version of alert `alert.id`: sets its version and time,
    /// records the version in the history (with why and by whom, when known) and the change
    /// in the change log.
    pub(crate) fn record(
        &mut self,
        mut alert: Alert,
        change: AlertChange,
        reason: Option<String>,
        changed_by: Option<String>,
    ) -> Result<Alert> {
        let previous = self
            .current(&alert.id)?
            .map_or(0, |current| current.version);
        alert.version = previous + 1;
        alert.updated_at = Some(self.now);
        let sequence = self.sequence + 1;
        let version = AlertVersion {
            alert,
            change,
            reason,
            changed_by,
        };
        let record = keys::encode(&version)?;
        let alert = version.alert;
        let id = alert.id.as_str();
        if let Some(slot) = self.slots.get(id)
            && let Some(before) = &slot.current
            && before.status.is_searchable()
        {
            let computed;
            let held = match &slot.keys {
                Some(held) => held,
                None => {
                    computed = keys::index_keys(before);
                    &computed
                }
            };
            for key in held {
                if let Some(ids) = self.in_force.get_mut(key) {
                    ids.remove(id);
                }
            }
        }
        let new_keys = keys::index_keys(&alert);
        if alert.status.is_searchable() {
            for key in &new_keys {
                let ids = self.in_force.entry(key.clone()).or_default();
                ids.insert(id.to_string());
            }
        }
        self.batch
            .put_cf(self.history, keys::history_key(id, alert.version), record);
        self.batch
            .put_cf(self.changes, keys::sequence_key(sequence), id.as_bytes());
        self.sequence = sequence;
        let slot = self.slots.entry(id.to_string()).or_default();
        slot.current = Some(alert.clone());
        slot.changed = true;
        slot.keys = Some(new_keys);
        Ok(alert)
    }

    /// Adds the new alert records, the identifier map differences, the counters and the
    /// sequence numbers to the batch, and writes it durably. Writes nothing when nothing
    /// changed. Returns the number of alerts written.
    pub(crate) fn commit(mut self, writer: &mut Writer) -> Result<usize> {
        let store = self.store;
        let keys_cf = store.cf(KEYS)?;
        let in_force_cf = store.cf(IN_FORCE)?;
        let expiry_cf = store.cf(EXPIRY)?;
        let meta = store.cf(META)?;
        let mut counts = writer.counts.clone();
        let mut changed_alerts = 0;
        for (id, slot) in &self.slots {
            let Slot {
                stored,
                current: Some(current),
                changed: true,
                keys: cached,
            } = slot
            else {
                continue;
            };
            changed_alerts += 1;
            self.batch.put_cf(self.alerts, id, keys::encode(current)?);
            let old_keys = stored.as_ref().map(keys::index_keys).unwrap_or_default();
            let computed;
            let new_keys = match cached {
                Some(cached) => cached,
                None => {
                    computed = keys::index_keys(current);
                    &computed
                }
            };
            for key in old_keys.difference(new_keys) {
                self.batch.delete_cf(keys_cf, keys::key_entry(key, id));
            }
            for key in new_keys.difference(&old_keys) {
                self.batch.put_cf(keys_cf, keys::key_entry(key, id), []);
            }
            let in_force_only = |alert: &Alert, keys: &BTreeSet<String>| {
                if alert.status.is_searchable() {
                    keys.clone()
                } else {
                    BTreeSet::new()
                }
            };
            let was_in_force = stored
                .as_ref()
                .map(|stored| in_force_only(stored, &old_keys))
                .unwrap_or_default();
            let in_force = in_force_only(current, new_keys);
            for key in was_in_force.difference(&in_force) {
                self.batch.delete_cf(in_force_cf, keys::key_entry(key, id));
            }
            for key in in_force.difference(&was_in_force) {
                self.batch.put_cf(in_force_cf, keys::key_entry(key, id), []);
            }
            let old_expiry = stored.as_ref().and_then(|alert| alert.expires_at);
            if old_expiry != current.expires_at {
                if let Some(at) = old_expiry {
                    self.batch.delete_cf(expiry_cf, keys::expiry_key(at, id));
                }
                if let Some(at) = current.expires_at {
                    self.batch.put_cf(expiry_cf, keys::expiry_key(at, id), []);
                }
            }
            if let Some(stored) = stored {
                decrement(&mut counts, stored.status);
            }
            *counts.entry(current.status).or_default() += 1;
        }
        let hits_changed = self.hit_sequence != writer.hit_sequence;
        if changed_alerts == 0 && !hits_changed {
            return Ok(0);
        }
        if self.sequence != writer.sequence {
            self.batch
                .put_cf(meta, META_SEQUENCE, keys::encode(&self.sequence)?);
        }
        if hits_changed {
            self.batch
                .put_cf(meta, META_HIT_SEQUENCE, keys::encode(&self.hit_sequence)?);
        }
        if self.hits_pending != writer.hits_pending {
            self.batch
                .put_cf(meta, META_HITS_PENDING, keys::encode(&self.hits_pending)?);
        }
        for (status, count) in &counts {
            if writer.counts.get(status) != Some(count) {
                self.batch
                    .put_cf(meta, keys::count_key(*status), keys::encode(count)?);
            }
        }
        store.write_durable(self.batch)?;
        writer.sequence = self.sequence;
        writer.hit_sequence = self.hit_sequence;
        writer.hits_pending = self.hits_pending;
        writer.counts = counts;
        store.sequence.store(self.sequence, Ordering::Release);
        store
            .hit_sequence
            .store(self.hit_sequence, Ordering::Release);
        store
            .hits_pending
            .store(self.hits_pending, Ordering::Release);
        Ok(changed_alerts)
    }
}

/// Refuses a mutation made against another version of alert `id` than `current` (`None`: no
/// such alert).
fn check_version(id: &str, current: Option<&Alert>, expected: Option<u64>) -> Result<()> {
    let Some(expected) = expected else {
        return Ok(());
    };
    let current = current.map(|alert| alert.version);
    if current == Some(expected) {
        return Ok(());
    }
    Err(Error::VersionMismatch {
        id: id.to_string(),
        expected,
        current,
    })
}

/// Refuses a status change recorded as something else, or a withdrawal or hit confirmation
/// that sets another status.
fn check_status_change(status: Status, change: AlertChange) -> Result<()> {
    let consistent = match change {
        AlertChange::StatusChanged => true,
        AlertChange::Withdrawn => status == Status::Withdrawn,
        AlertChange::HitConfirmed => status == Status::HitConfirmed,
        AlertChange::Created | AlertChange::Updated | AlertChange::ExpiryExtended => false,
    };
    if consistent {
        return Ok(());
    }
    Err(Invalid::new(
        "change",
        format!("{change:?} cannot record a change of status to {status}"),
    )
    .into())
}

/// Lowers the counter of `status`; a counter that would go below zero means the counters
/// and the records disagree, which is logged and clamped rather than wrapped.
fn decrement(counts: &mut BTreeMap<Status, u64>, status: Status) {
    let count = counts.entry(status).or_default();
    match count.checked_sub(1) {
        Some(lower) => *count = lower,
        None => tracing::warn!(%status, "status counter below zero, kept at 0"),
    }
}
