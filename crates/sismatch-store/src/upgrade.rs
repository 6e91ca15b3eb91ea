//! Upgrading a store written in an older layout, once, at open.
//!
//! Layout 1 had no `alert_hits` and no `expiry` column family; layout 2 no `in_force`. All
//! three are derived from records the older layouts already have (the hit reports, the
//! alerts' `expires_at`, status and identifiers), so the upgrade fills them from those
//! records and then records the current layout. Filling is idempotent, so the entries go out
//! in batches of [`CHUNK`] and only the last write, the one that records the layout, waits
//! for the fsync (which makes the earlier ones durable too): a crash during the upgrade
//! leaves a store of the old layout that the next open upgrades again.

use std::time::Instant;

use rocksdb::{IteratorMode, WriteBatch};
use sismatch_alert::{Alert, HitReport};

use crate::error::{Error, Result};
use crate::keys::{self, ALERT_HITS, ALERTS, EXPIRY, FORMAT, HITS, IN_FORCE, META, META_FORMAT};
use crate::store::Store;

/// Entries written per batch during an upgrade: bounds its memory at millions of alerts.
const CHUNK: usize = 100_000;

impl Store {
    /// Brings a store of layout `from` (1 or 2) to the current layout: fills `alert_hits` from
    /// the hit reports and `expiry` from the alerts (from layout 1), `in_force` from the alerts
    /// (from layouts 1 and 2). Reads every alert once: seconds for a million alerts. A record
    /// that does not decode is logged and left out (reading it fails later as it did before),
    /// rather than keeping the whole node from starting.
    pub(crate) fn upgrade_from(&self, from: u64) -> Result<()> {
        let started = Instant::now();
        let mut batch = WriteBatch::default();
        let mut hits = 0u64;
        if from < 2 {
            let alert_hits = self.cf(ALERT_HITS)?;
            for item in self.db.iterator_cf(self.cf(HITS)?, IteratorMode::Start) {
                let (key, value) = item?;
                let decoded = keys::sequence_of(HITS, &key).and_then(|sequence| {
                    Ok((sequence, keys::decode::<HitReport>(HITS, &key, &value)?))
                });
                match decoded {
                    Ok((sequence, hit)) => {
                        let entry = keys::alert_hit_key(&hit.alert_id, sequence);
                        batch.put_cf(alert_hits, entry, []);
                        hits += 1;
                    }
                    Err(error) => skipped(&error),
                }
            }
        }
        let expiry = self.cf(EXPIRY)?;
        let in_force = self.cf(IN_FORCE)?;
        let (mut expiring, mut held) = (0u64, 0u64);
        for item in self.db.iterator_cf(self.cf(ALERTS)?, IteratorMode::Start) {
            let (key, value) = item?;
            let alert = match keys::decode::<Alert>(ALERTS, &key, &value) {
                Ok(alert) => alert,
                Err(error) => {
                    skipped(&error);
                    continue;
                }
            };
            if from < 2
                && let Some(at) = alert.expires_at
            {
                batch.put_cf(expiry, keys::expiry_key(at, &alert.id), []);
                expiring += 1;
            }
            for key in keys::in_force_keys(&alert) {
                batch.put_cf(in_force, keys::key_entry(&key, &alert.id), []);
                held += 1;
            }
            if batch.len() >= CHUNK {
                self.db.write(std::mem::take(&mut batch))?;
            }
        }
        batch.put_cf(self.cf(META)?, META_FORMAT, keys::encode(&FORMAT)?);
        self.write_durable(batch)?;
        tracing::info!(
            from,
            to = FORMAT,
            hits,
            expiring,
            in_force = held,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "store layout upgraded"
        );
        Ok(())
    }
}

fn skipped(error: &Error) {
    tracing::error!(%error, "record left out of the layout upgrade");
}
