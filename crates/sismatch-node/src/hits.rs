//! Hit reports: recording one on this node's alert, the issuing node's decision on it (Prüm's
//! second step, DESIGN §4), and listing them page by page.
//!
//! A report from police of this node's own country is accepted on receipt: they already see
//! the alert's restricted part, so there is nothing to release. A report from foreign police
//! is PENDING until an operator of this node accepts or declines it; only an accepted report
//! releases the restricted part, to the identity that reported it (who may fetch it is
//! `sismatch_auth::release`'s rule, applied at the gRPC edge).

use jiff::Timestamp;
use sismatch_alert::{Alert, HitDecision, HitReport, HitState, Invalid};
use sismatch_ident::is_country_code;
use sismatch_store::{HitFilter, HitPage};

use crate::error::{NodeError, Result};
use crate::node::Node;

/// Hit reports per page when the caller does not say.
pub const DEFAULT_HITS_PAGE: usize = 100;
/// Hit reports per page at most; a larger page size is lowered to it, as is usual for paged
/// lists (a client asking for "as many as possible" gets pages, not an error).
pub const MAX_HITS_PAGE: usize = 1000;
/// Longest `reporting_officer`, in characters (`types.proto`).
const MAX_OFFICER: usize = 256;
/// Longest decline reason, in characters (`node.proto`).
const MAX_REASON: usize = 1024;

/// Which hit reports to list, and which page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HitQuery {
    /// Only the reports on this alert; `None` for all.
    pub alert_id: Option<String>,
    /// Only the reports received at or after this time; `None` for all.
    pub since: Option<Timestamp>,
    /// Only the reports in this state; `None` for all.
    pub state: Option<HitState>,
    /// Reports per page: 0 for [`DEFAULT_HITS_PAGE`], at most [`MAX_HITS_PAGE`].
    pub page_size: usize,
    /// The previous page's `next_page_token`; `None` for the first page.
    pub page_token: Option<String>,
}

impl Node {
    /// Records a hit report on one of this node's alerts, sent by the caller identity
    /// `reported_by`, and marks the alert HIT_CONFIRMED; a withdrawn alert refuses it
    /// (FAILED_PRECONDITION), checked in the same locked write.
    ///
    /// The report is ACCEPTED on receipt when `reporting_country` is this node's country, and
    /// PENDING otherwise. `alert_id` and `reporting_officer` are required. That
    /// `reporting_country` is the caller's own is the gRPC edge's check (it knows the caller).
    pub async fn report_hit(
        &self,
        mut hit: HitReport,
        reported_by: String,
    ) -> Result<(HitReport, Alert)> {
        if hit.alert_id.is_empty() {
            return Err(Invalid::new("alert_id", "missing").into());
        }
        match &hit.reporting_officer {
            None => return Err(Invalid::new("reporting_officer", "missing").into()),
            Some(officer) if officer.chars().count() > MAX_OFFICER => {
                let message = format!("longer than {MAX_OFFICER} characters");
                return Err(Invalid::new("reporting_officer", message).into());
            }
            Some(_) => {}
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
        hit.state = if hit.reporting_country == self.country() {
            HitState::Accepted
        } else {
            HitState::Pending
        };
        hit.reported_by = Some(reported_by);
        hit.decided_at = None;
        hit.decided_by = None;
        hit.decline_reason = None;
        let now = Timestamp::now();
        let result = self
            .blocking(move |store| Ok(store.add_hit(hit, now)?))
            .await?;
        self.kick_indexer();
        Ok(result)
    }

    /// Accepts or declines the pending hit report `hit_id` as operator `by`, durably, once: a
    /// decided report is FAILED_PRECONDITION, an unknown one NOT_FOUND, a decline without a
    /// reason INVALID_ARGUMENT naming `reason`.
    pub async fn decide_hit(
        &self,
        hit_id: String,
        decision: HitDecision,
        by: String,
    ) -> Result<HitReport> {
        if hit_id.is_empty() {
            return Err(Invalid::new("hit_id", "missing").into());
        }
        if let HitDecision::Decline { reason } = &decision {
            if reason.trim().is_empty() {
                let message = "required when declining (the reporting country is told why)";
                return Err(Invalid::new("reason", message).into());
            }
            if reason.chars().count() > MAX_REASON {
                let message = format!("longer than {MAX_REASON} characters");
                return Err(Invalid::new("reason", message).into());
            }
        }
        let now = Timestamp::now();
        self.blocking(move |store| Ok(store.decide_hit(&hit_id, decision, &by, now)?))
            .await
    }

    /// The hit report `hit_id` and the alert it is about, as it is now, restricted part
    /// included: the caller decides what of it may leave (`sismatch_auth::release`).
    pub async fn hit_with_alert(&self, hit_id: String) -> Result<(HitReport, Alert)> {
        if hit_id.is_empty() {
            return Err(Invalid::new("hit_id", "missing").into());
        }
        self.blocking(move |store| {
            let hit = store.hit(&hit_id)?;
            let alert = store
                .get(&hit.alert_id)?
                .ok_or_else(|| NodeError::NotFound(hit.alert_id.clone()))?;
            Ok((hit, alert))
        })
        .await
    }

    /// One page of the hit reports received, newest first, filtered by alert, time and state
    /// before paging: every page is full but the last, whose `next_page_token` is `None`. A
    /// page token that this node did not give is [`NodeError::Invalid`] naming `page_token`.
    pub async fn list_hits(&self, query: HitQuery) -> Result<HitPage> {
        let limit = match query.page_size {
            0 => DEFAULT_HITS_PAGE,
            size => size.min(MAX_HITS_PAGE),
        };
        let filter = HitFilter {
            alert_id: query.alert_id,
            since: query.since,
            state: query.state,
        };
        let token = query.page_token;
        self.blocking(move |store| Ok(store.hits(&filter, token.as_deref(), limit)?))
            .await
    }
}
