//! Hit reports: recording one on this node's alert, and listing them page by page.

use jiff::Timestamp;
use sismatch_alert::{Alert, HitReport, Invalid};
use sismatch_ident::is_country_code;
use sismatch_store::{HitFilter, HitPage};

use crate::error::Result;
use crate::node::Node;

/// Hit reports per page when the caller does not say.
pub const DEFAULT_HITS_PAGE: usize = 100;
/// Hit reports per page at most; a larger page size is lowered to it, as is usual for paged
/// lists (a client asking for "as many as possible" gets pages, not an error).
pub const MAX_HITS_PAGE: usize = 1000;

/// Which hit reports to list, and which page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HitQuery {
    /// Only the reports on this alert; `None` for all.
    pub alert_id: Option<String>,
    /// Only the reports received at or after this time; `None` for all.
    pub since: Option<Timestamp>,
    /// Reports per page: 0 for [`DEFAULT_HITS_PAGE`], at most [`MAX_HITS_PAGE`].
    pub page_size: usize,
    /// The previous page's `next_page_token`; `None` for the first page.
    pub page_token: Option<String>,
}

impl Node {
    /// Records a hit report on one of this node's alerts and marks it HIT_CONFIRMED; a
    /// withdrawn alert refuses it (FAILED_PRECONDITION), checked in the same locked write.
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
        let now = Timestamp::now();
        let result = self
            .blocking(move |store| Ok(store.add_hit(hit, now)?))
            .await?;
        self.kick_indexer();
        Ok(result)
    }

    /// One page of the hit reports received, newest first, filtered by alert and time before
    /// paging: every page is full but the last, whose `next_page_token` is `None`. A page
    /// token that this node did not give is [`NodeError::Invalid`] naming `page_token`.
    pub async fn list_hits(&self, query: HitQuery) -> Result<HitPage> {
        let limit = match query.page_size {
            0 => DEFAULT_HITS_PAGE,
            size => size.min(MAX_HITS_PAGE),
        };
        let filter = HitFilter {
            alert_id: query.alert_id,
            since: query.since,
        };
        let token = query.page_token;
        self.blocking(move |store| Ok(store.hits(&filter, token.as_deref(), limit)?))
            .await
    }
}
