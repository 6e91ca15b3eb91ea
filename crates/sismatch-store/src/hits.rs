//! Hit reports: an officer found an object under one of this node's alerts (DESIGN §4).
//!
//! A report is kept under its receive sequence number, big-endian, so that the newest reports
//! come first in a reverse scan; its id, `HIT-<alert id>-<sequence>`, carries that number, so
//! that the id of the last report of a page is the cursor of the next one. `alert_hits` lists
//! the sequence numbers of each alert's reports, so that one alert's reports are read without
//! scanning the others. Receive times never go backwards in receive order (a report received
//! while the clock is behind the previous report's time gets that time), so that a listing
//! of the reports received since a time stops at the first older one.
//!
//! A report's decision (Prüm's second step: accepted or declined by the issuing node) rewrites
//! its record in place, under the writer lock and with a synced write, once: a decided report
//! is never decided again, so what was released to whom never changes afterwards.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::time::Instant;

use jiff::Timestamp;
use rocksdb::{Direction, IteratorMode};
use sismatch_alert::{Alert, AlertChange, HitDecision, HitReport, HitState, Invalid, Status};

use crate::OnDuplicate;
use crate::apply::Staging;
use crate::error::{Error, Result};
use crate::keys::{self, ALERT_HITS, HITS, META, META_HITS_PENDING};
use crate::store::Store;

impl Store {
    /// Records `hit` and marks its alert HIT_CONFIRMED, in one durable batch.
    ///
    /// Assigns the report's id (`HIT-<alert id>-<n>`, `n` the node's hit receive sequence)
    /// and `received_at = now` (or the previous report's time, if the clock went back). The
    /// alert gets a new version recorded as `HitConfirmed`, with the report's id as the
    /// reason, even when an earlier hit already confirmed it: every report is an event in the
    /// alert's history. A report that arrives ACCEPTED (from the issuing country's own police)
    /// gets `decided_at = received_at`; the caller sets `state` and `reported_by`. Fails with [`Error::NotFound`] when the alert does not exist,
    /// [`Error::Withdrawn`] when it is withdrawn, [`Error::Invalid`] when `alert_id` is empty,
    /// [`Error::Duplicate`] when it was RECOVERED and a number of it now belongs to another
    /// alert in force (the hit is that alert's); then nothing is written.
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
        // Checked under the writer lock: a withdrawal cannot slip in between.
        if current.status == Status::Withdrawn {
            return Err(Error::Withdrawn(alert_id));
        }
        let mut alert = current.clone();
        let sequence = staging.hit_sequence + 1;
        hit.id = format!("HIT-{alert_id}-{sequence}");
        let received_at = self.last_hit_time()?.map_or(now, |last| last.max(now));
        hit.received_at = Some(received_at);
        if hit.state == HitState::Accepted {
            hit.decided_at = Some(received_at);
        }
        alert.status = Status::HitConfirmed;
        if !current.status.is_searchable() {
            // Back in force (a RECOVERED alert found again), as by a status change: its numbers
            // may belong to an alert reported since, on which the hit is to be reported.
            let by = hit.reported_by.as_deref();
            staging.resolve_duplicates(&mut alert, &BTreeSet::new(), OnDuplicate::Refuse, by)?;
        }
        let reason = Some(format!("hit report {}", hit.id));
        let by = hit.reported_by.clone();
        let alert = staging.record(alert, AlertChange::HitConfirmed, reason, by)?;
        let record = keys::encode(&hit)?;
        let hits = self.cf(HITS)?;
        let alert_hits = self.cf(ALERT_HITS)?;
        let batch = staging.batch();
        batch.put_cf(hits, keys::sequence_key(sequence), record);
        batch.put_cf(alert_hits, keys::alert_hit_key(&alert_id, sequence), []);
        staging.hit_sequence = sequence;
        if hit.state == HitState::Pending {
            staging.hits_pending += 1;
        }
        staging.commit(&mut writer)?;
        tracing::info!(
            hit = %hit.id,
            alert = %alert_id,
            reporting_country = %hit.reporting_country,
            state = %hit.state,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "hit report recorded"
        );
        Ok((hit, alert))
    }

    /// The hit report `id`; [`Error::HitNotFound`] when this store has none (an id that is not
    /// a hit id included).
    pub fn hit(&self, id: &str) -> Result<HitReport> {
        let Some(sequence) = hit_sequence_of(id) else {
            return Err(Error::HitNotFound(id.to_string()));
        };
        let key = keys::sequence_key(sequence);
        let Some(value) = self.db.get_pinned_cf(self.cf(HITS)?, key)? else {
            return Err(Error::HitNotFound(id.to_string()));
        };
        let hit: HitReport = keys::decode(HITS, &key, &value)?;
        // `HIT-NL-2-7` names report 7 only if report 7 is on alert NL-2.
        if hit.id != id {
            return Err(Error::HitNotFound(id.to_string()));
        }
        Ok(hit)
    }

    /// Records the issuing node's decision on the pending hit report `id`, made by operator
    /// `by` at `now`, in one durable write, and returns the report as decided.
    ///
    /// Checked under the writer lock, so two operators deciding at once cannot both succeed:
    /// [`Error::AlreadyDecided`] when the report is not PENDING (an accepted report stays
    /// accepted, a declined one declined), [`Error::HitNotFound`] when there is no such report;
    /// then nothing is written. The alert is not changed: its status already says a hit was
    /// reported, and a false hit is undone with a status change, as any other. The count of
    /// pending reports ([`Store::hits_pending`]) goes down in the same write.
    pub fn decide_hit(
        &self,
        id: &str,
        decision: HitDecision,
        by: &str,
        now: Timestamp,
    ) -> Result<HitReport> {
        let mut writer = self.lock_writer();
        let mut hit = self.hit(id)?;
        let sequence = hit_sequence_of(id).ok_or_else(|| Error::HitNotFound(id.to_string()))?;
        if hit.state != HitState::Pending {
            return Err(Error::AlreadyDecided {
                id: hit.id,
                state: hit.state,
                by: hit.decided_by,
            });
        }
        hit.state = decision.state();
        hit.decided_at = Some(now);
        hit.decided_by = Some(by.to_string());
        hit.decline_reason = match decision {
            HitDecision::Accept => None,
            HitDecision::Decline { reason } => Some(reason),
        };
        let pending = writer.hits_pending.saturating_sub(1);
        let mut batch = rocksdb::WriteBatch::default();
        let record = keys::encode(&hit)?;
        batch.put_cf(self.cf(HITS)?, keys::sequence_key(sequence), record);
        batch.put_cf(self.cf(META)?, META_HITS_PENDING, keys::encode(&pending)?);
        self.write_durable(batch)?;
        writer.hits_pending = pending;
        self.hits_pending.store(pending, Ordering::Release);
        tracing::info!(hit = %hit.id, state = %hit.state, by, "hit report decided");
        Ok(hit)
    }

    /// One page of the hit reports that pass `filter`, newest first, at most `limit`.
    ///
    /// `page_token` is the previous page's [`HitPage::next_page_token`] (the id of its last
    /// report); the page holds the matching reports received before it. A token that is not a
    /// hit id fails with [`Error::Invalid`] naming `page_token`. With an alert id, only that
    /// alert's reports are read; with `since`, the listing stops at the first older report.
    /// A next-page token is given only when a further report matches, so the last page says
    /// it is the last.
    pub fn hits(
        &self,
        filter: &HitFilter,
        page_token: Option<&str>,
        limit: usize,
    ) -> Result<HitPage> {
        // Reports are listed from sequence `last` down.
        let last = match page_token {
            None => u64::MAX,
            Some(token) => match page_cursor(token)?.checked_sub(1) {
                Some(last) => last,
                None => return Ok(HitPage::default()),
            },
        };
        let reports = match &filter.alert_id {
            Some(id) => self.hits_of_alert(id, last)?,
            None => self.all_hits(last)?,
        };
        let mut page = HitPage::default();
        for report in reports {
            let report = report?;
            let recent = match (filter.since, report.received_at) {
                (None, _) => true,
                (Some(since), Some(at)) => at >= since,
                (Some(_), None) => false,
            };
            if !recent {
                break;
            }
            if filter.state.is_some_and(|state| state != report.state) {
                continue;
            }
            if page.hits.len() >= limit {
                // One more report matches: there is a next page.
                page.next_page_token = page.hits.last().map(|hit| hit.id.clone());
                break;
            }
            page.hits.push(report);
        }
        Ok(page)
    }

    /// Every hit report with a sequence up to `last`, newest first.
    fn all_hits(&self, last: u64) -> Result<Reports<'_>> {
        let start = keys::sequence_key(last);
        // Seeks to the last key at or before `start`.
        let mode = IteratorMode::From(&start, Direction::Reverse);
        let reports = self.db.iterator_cf(self.cf(HITS)?, mode).map(|item| {
            let (key, value) = item?;
            keys::decode(HITS, &key, &value)
        });
        Ok(Box::new(reports))
    }

    /// The hit reports on alert `id` with a sequence up to `last`, newest first.
    fn hits_of_alert(&self, id: &str, last: u64) -> Result<Reports<'_>> {
        let prefix = keys::alert_hits_prefix(id);
        let start = keys::alert_hit_key(id, last);
        let mode = IteratorMode::From(&start, Direction::Reverse);
        let hits = self.cf(HITS)?;
        let reports = self
            .db
            .iterator_cf(self.cf(ALERT_HITS)?, mode)
            .map(move |item| {
                let (entry, _) = item?;
                if !entry.starts_with(&prefix) {
                    return Ok(None);
                }
                let key = keys::sequence_key(keys::sequence_of_alert_hit(&entry, &prefix)?);
                match self.db.get_pinned_cf(hits, key)? {
                    Some(value) => keys::decode(HITS, &key, &value).map(Some),
                    None => Err(Error::corrupt(ALERT_HITS, &entry, "no such hit report")),
                }
            })
            // The first entry of another alert ends the listing.
            .map_while(Result::transpose);
        Ok(Box::new(reports))
    }

    /// The receive time of the last hit report, for keeping receive times in order; `None`
    /// when there is none, or when it does not decode (logged: a damaged record must not
    /// stop new reports).
    fn last_hit_time(&self) -> Result<Option<Timestamp>> {
        let Some(item) = self
            .db
            .iterator_cf(self.cf(HITS)?, IteratorMode::End)
            .next()
        else {
            return Ok(None);
        };
        let (key, value) = item?;
        match keys::decode::<HitReport>(HITS, &key, &value) {
            Ok(last) => Ok(last.received_at),
            Err(error) => {
                tracing::error!(%error, "last hit report does not decode");
                Ok(None)
            }
        }
    }
}

/// Hit reports read one by one, newest first.
type Reports<'s> = Box<dyn Iterator<Item = Result<HitReport>> + 's>;

/// Which hit reports [`Store::hits`] lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HitFilter {
    /// Only the reports on this alert; `None` for all.
    pub alert_id: Option<String>,
    /// Only the reports received at or after this time; `None` for all.
    pub since: Option<Timestamp>,
    /// Only the reports in this state (the pending ones an operator has to decide); `None`
    /// for all.
    pub state: Option<HitState>,
}

/// One page of a hit report listing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HitPage {
    /// The reports, newest first.
    pub hits: Vec<HitReport>,
    /// What to pass to get the next page; `None` when no further report matches.
    pub next_page_token: Option<String>,
}

/// The receive sequence number in hit id `id` (`HIT-<alert id>-<n>`); `None` when `id` is not
/// a hit id.
fn hit_sequence_of(id: &str) -> Option<u64> {
    let (_, number) = id.strip_prefix("HIT-")?.rsplit_once('-')?;
    number.parse().ok()
}

/// The sequence of the report a page token (the id of the last report of the page before)
/// names; [`Error::Invalid`] naming `page_token` when it is not a hit id.
fn page_cursor(token: &str) -> Result<u64> {
    hit_sequence_of(token).ok_or_else(|| {
        let message = format!("'{token}' is not a page token of this node");
        Invalid::new("page_token", message).into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_is_the_number_at_the_end_of_a_hit_id() {
        assert_eq!(page_cursor("HIT-NL-000123-17").unwrap(), 17);
        assert_eq!(page_cursor("HIT-NL-01J-AB_C-3").unwrap(), 3);
        for bad in ["", "HIT-", "NL-1-3", "HIT-NL-1-x"] {
            let error = page_cursor(bad).unwrap_err();
            assert!(
                matches!(&error, Error::Invalid(invalid) if invalid.field == "page_token"),
                "{bad}: {error}"
            );
        }
    }
}
