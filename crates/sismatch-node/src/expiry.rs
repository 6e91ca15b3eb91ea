//! Alert review before expiry (DESIGN §2, issue 14): an alert on an object is kept for a fixed
//! period; before it ends, an operator of the issuing node lists the alerts due for review,
//! extends those still sought (a new version with the reason and the operator, written
//! through the store's one locked, durable write path) and lets the others lapse. A lapsed
//! alert stays stored and is returned by searches only when asked (`include_expired`).

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use sismatch_alert::{Alert, Invalid};
use sismatch_store::{ExpiringPage, Mutation};

use crate::error::Result;
use crate::node::Node;

/// Alerts per page when the caller does not say.
pub const DEFAULT_EXPIRING_PAGE: usize = 100;
/// Alerts per page at most; a larger page size is lowered to it, as for hit reports.
pub const MAX_EXPIRING_PAGE: usize = 1000;
/// How far ahead a review looks when the caller does not say: a month, the review period
/// the issue names.
pub const DEFAULT_REVIEW_WINDOW: Duration = Duration::from_secs(30 * 86_400);
/// How far ahead a review may look: ten years and a few days, the longest period an alert
/// on an object is kept.
pub const MAX_REVIEW_WINDOW: Duration = Duration::from_secs(3660 * 86_400);
/// Longest reason, in characters (`node.proto`).
const MAX_REASON: usize = 1024;

/// Which alerts due for review to list, and which page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExpiringQuery {
    /// How far ahead of now: `None` (or zero) for [`DEFAULT_REVIEW_WINDOW`], at most
    /// [`MAX_REVIEW_WINDOW`].
    pub within: Option<Duration>,
    /// Alerts per page: 0 for [`DEFAULT_EXPIRING_PAGE`], at most [`MAX_EXPIRING_PAGE`].
    pub page_size: usize,
    /// The previous page's `next_page_token`; `None` for the first page.
    pub page_token: Option<String>,
}

/// An operator's extension of one alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// The alert.
    pub id: String,
    /// Its new expiry time: in the future and later than the current one.
    pub until: Timestamp,
    /// Why it is kept: required, at most 1024 characters.
    pub reason: String,
    /// Optimistic concurrency: the version the operator reviewed; `None` for no check.
    pub expected_version: Option<u64>,
}

impl Node {
    /// One page of the alerts in force that expire after now and within `query.within`,
    /// soonest first. A window over [`MAX_REVIEW_WINDOW`] is [`NodeError::Invalid`] naming
    /// `within`; a page token this node did not give names `page_token`.
    pub async fn list_expiring(&self, query: ExpiringQuery) -> Result<ExpiringPage> {
        let within = match query.within {
            None | Some(Duration::ZERO) => DEFAULT_REVIEW_WINDOW,
            Some(within) if within > MAX_REVIEW_WINDOW => {
                let days = MAX_REVIEW_WINDOW.as_secs() / 86_400;
                return Err(Invalid::new("within", format!("at most {days} days")).into());
            }
            Some(within) => within,
        };
        let limit = match query.page_size {
            0 => DEFAULT_EXPIRING_PAGE,
            size => size.min(MAX_EXPIRING_PAGE),
        };
        let now = Timestamp::now();
        let span =
            SignedDuration::try_from(within).map_err(|e| Invalid::new("within", e.to_string()))?;
        let until = now
            .checked_add(span)
            .map_err(|e| Invalid::new("within", e.to_string()))?;
        let token = query.page_token;
        self.blocking(move |store| Ok(store.expiring(now, until, token.as_deref(), limit)?))
            .await
    }

    /// Extends an alert's expiry as operator `by`, durably: a new version recorded as
    /// `ExpiryExtended` with the reason and `by`. Answers once the alert is durable and
    /// (normally) searchable, so an expired alert extended is found by the next search.
    ///
    /// [`NodeError::Invalid`] names `id` or `reason` when missing, `expires_at` when not in
    /// the future or not later than the current expiry; [`NodeError::FailedPrecondition`]
    /// when the alert is not in force, never expires, or is not at `expected_version`.
    pub async fn extend_expiry(&self, extension: Extension, by: String) -> Result<Alert> {
        let Extension {
            id,
            until,
            reason,
            expected_version,
        } = extension;
        if id.is_empty() {
            return Err(Invalid::new("id", "missing").into());
        }
        if reason.trim().is_empty() {
            let message = "required when extending (the history says why the alert is kept)";
            return Err(Invalid::new("reason", message).into());
        }
        if reason.chars().count() > MAX_REASON {
            let message = format!("longer than {MAX_REASON} characters");
            return Err(Invalid::new("reason", message).into());
        }
        self.change(Mutation::ExtendExpiry {
            id,
            until,
            reason,
            changed_by: by,
            expected_version,
        })
        .await
    }
}
