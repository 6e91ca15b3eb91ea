//! Hit reports: an officer found an object under one of this node's alerts (DESIGN §4).
//!
//! A report is kept under its receive sequence number, big-endian, so that the newest reports
//! come first in a reverse scan; its id, `HIT-<alert id>-<sequence>`, carries that number, so
//! that the id of the last report of a page is the cursor of the next one.

use std::time::Instant;

use jiff::Timestamp;
use rocksdb::{Direction, IteratorMode};
use sismatch_alert::{Alert, AlertChange, HitReport, Invalid, Status};

use crate::apply::Staging;
use crate::error::{Error, Result};
use crate::keys::{self, HITS};
use crate::store::Store;

impl Store {
    /// Records `hit` and marks its alert HIT_CONFIRMED, in one durable batch.
    ///
    /// Assigns the report's id (`HIT-<alert id>-<n>`, `n` the node's hit receive sequence)
    /// and `received_at = now`. The alert gets a new version recorded as `HitConfirmed`, with
    /// the report's id as the reason, even when an earlier hit already confirmed it: every
    /// report is an event in the alert's history. Fails with [`Error::NotFound`] when the
    /// alert does not exist, [`Error::Invalid`] when `alert_id` is empty; then nothing is
    /// written.
    pub fn add_hit(&self, mut hit: HitReport, now: Timestamp) -> Result<(HitReport, Alert)> {
        let started = Instant::now();
        let alert_id = hit.alert_id.clone();
        if !keys::is_storable_id(&alert_id) {
            return Err(Invalid::new("alert_id", "an alert id must be non-empty").into());
        }
        let mut writer = self.lock_writer();
        let mut staging = Staging::load(self, &writer, std::iter::once(alert_id.as_str()), now)?;
        let Some(current) = staging.current(&alert_id)? else {
            return Err(Error::NotFound(alert_id));
        };
        let mut alert = current.clone();
        let sequence = staging.hit_sequence + 1;
        hit.id = format!("HIT-{alert_id}-{sequence}");
        hit.received_at = Some(now);
        alert.status = Status::HitConfirmed;
        let reason = Some(format!("hit report {}", hit.id));
        let alert = staging.record(alert, AlertChange::HitConfirmed, reason)?;
        let record = keys::encode(&hit)?;
        let hits = self.cf(HITS)?;
        staging
            .batch()
            .put_cf(hits, keys::sequence_key(sequence), record);
        staging.hit_sequence = sequence;
        staging.commit(&mut writer)?;
        tracing::info!(
            hit = %hit.id,
            alert = %alert_id,
            reporting_country = %hit.reporting_country,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "hit report recorded"
        );
        Ok((hit, alert))
    }

    /// Hit reports received, newest first, at most `limit`.
    ///
    /// `before` is the page cursor: the id of the last report of the previous page; the page
    /// holds the reports received before it. A cursor that is not a hit id fails with
    /// [`Error::Invalid`].
    pub fn hits(&self, before: Option<&str>, limit: usize) -> Result<Vec<HitReport>> {
        let start = match before {
            None => None,
            Some(cursor) => match hit_sequence_of(cursor)?.checked_sub(1) {
                Some(start) => Some(keys::sequence_key(start)),
                None => return Ok(Vec::new()),
            },
        };
        let mode = match &start {
            // Seeks to the last key at or before `start`.
            Some(start) => IteratorMode::From(start, Direction::Reverse),
            None => IteratorMode::End,
        };
        let mut reports = Vec::new();
        for item in self.db.iterator_cf(self.cf(HITS)?, mode) {
            if reports.len() >= limit {
                break;
            }
            let (key, value) = item?;
            reports.push(keys::decode(HITS, &key, &value)?);
        }
        Ok(reports)
    }
}

/// The receive sequence number in hit id `id` (`HIT-<alert id>-<n>`).
fn hit_sequence_of(id: &str) -> Result<u64> {
    id.strip_prefix("HIT-")
        .and_then(|rest| rest.rsplit_once('-'))
        .and_then(|(_, number)| number.parse().ok())
        .ok_or_else(|| Invalid::new("before", format!("'{id}' is not a hit report id")).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_is_the_number_at_the_end_of_a_hit_id() {
        assert_eq!(hit_sequence_of("HIT-NL-000123-17").unwrap(), 17);
        assert_eq!(hit_sequence_of("HIT-NL-01J-AB_C-3").unwrap(), 3);
        for bad in ["", "HIT-", "NL-1-3", "HIT-NL-1-x"] {
            let error = hit_sequence_of(bad).unwrap_err();
            assert!(
                matches!(&error, Error::Invalid(invalid) if invalid.field == "before"),
                "{bad}: {error}"
            );
        }
    }
}
