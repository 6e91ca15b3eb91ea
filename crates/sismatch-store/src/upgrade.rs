//! Upgrading a store written in an older layout, once, at open.
//!
//! Layout 1 had no `alert_hits` and no `expiry` column family. Both are derived from records
//! layout 1 already has (the hit reports, the alerts' `expires_at`), so the upgrade fills them
//! from those records and then records layout 2, in one synced batch: a crash during the
//! upgrade leaves a layout-1 store that the next open upgrades again.

use std::time::Instant;

use rocksdb::{IteratorMode, WriteBatch};
use sismatch_alert::{Alert, HitReport};

use crate::error::{Error, Result};
use crate::keys::{self, ALERT_HITS, ALERTS, EXPIRY, FORMAT, HITS, META, META_FORMAT};
use crate::store::Store;

impl Store {
    /// Fills `alert_hits` from the hit reports and `expiry` from the alerts, and records the
    /// current layout. Reads every alert once: seconds for a million alerts. A record that
    /// does not decode is logged and left out (reading it fails later as it did before),
    /// rather than keeping the whole node from starting.
    pub(crate) fn upgrade_from_layout_1(&self) -> Result<()> {
        let started = Instant::now();
        let mut batch = WriteBatch::default();
        let alert_hits = self.cf(ALERT_HITS)?;
        let mut hits = 0u64;
        for item in self.db.iterator_cf(self.cf(HITS)?, IteratorMode::Start) {
            let (key, value) = item?;
            let decoded = keys::sequence_of(HITS, &key).and_then(|sequence| {
                Ok((sequence, keys::decode::<HitReport>(HITS, &key, &value)?))
            });
            match decoded {
                Ok((sequence, hit)) => {
                    batch.put_cf(alert_hits, keys::alert_hit_key(&hit.alert_id, sequence), []);
                    hits += 1;
                }
                Err(error) => skipped(&error),
            }
        }
        let expiry = self.cf(EXPIRY)?;
        let mut expiring = 0u64;
        for item in self.db.iterator_cf(self.cf(ALERTS)?, IteratorMode::Start) {
            let (key, value) = item?;
            match keys::decode::<Alert>(ALERTS, &key, &value) {
                Ok(alert) => {
                    if let Some(at) = alert.expires_at {
                        batch.put_cf(expiry, keys::expiry_key(at, &alert.id), []);
                        expiring += 1;
                    }
                }
                Err(error) => skipped(&error),
            }
        }
        batch.put_cf(self.cf(META)?, META_FORMAT, keys::encode(&FORMAT)?);
        self.write_durable(batch)?;
        tracing::info!(
            from = 1,
            to = FORMAT,
            hits,
            expiring,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "store layout upgraded"
        );
        Ok(())
    }
}

fn skipped(error: &Error) {
    tracing::error!(%error, "record left out of the layout upgrade");
}
