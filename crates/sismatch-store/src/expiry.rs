//! The alerts due for review (DESIGN §2): an alert on an object is kept for a fixed period,
//! and before it ends an operator of the issuing node reviews it and extends it
//! ([`crate::Mutation::ExtendExpiry`]) or lets it lapse.
//!
//! The `expiry` column lists every alert with an expiry time in time order, so a listing reads
//! only the keys inside its window and then the alerts they name. A page token is the last
//! listed alert's expiry time and id (`2027-01-01T00:00:00Z/NL-1`): the next page starts after
//! that key, so an alert extended between two pages moves, and is neither lost from the page
//! it was on nor listed twice in one place.

use jiff::Timestamp;
use rocksdb::{Direction, IteratorMode};
use sismatch_alert::{Alert, Invalid};

use crate::error::{Error, Result};
use crate::keys::{self, EXPIRY};
use crate::store::Store;

/// One page of alerts due for review.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExpiringPage {
    /// The alerts, soonest expiry first, ties by id.
    pub alerts: Vec<Alert>,
    /// The token of the next page; `None` on the last page.
    pub next_page_token: Option<String>,
}

impl Store {
    /// One page of the alerts in force (ACTIVE or HIT_CONFIRMED) whose `expires_at` is after
    /// `from` and at or before `until`, soonest first (ties by id), at most `limit`, after the
    /// previous page's [`ExpiringPage::next_page_token`]. A token this store did not give is
    /// [`Error::Invalid`] naming `page_token`. A next-page token is given only when a further
    /// alert is listed, so the last page says it is the last.
    ///
    /// Cost: the keys of the `expiry` column inside the window, and one read per alert they
    /// name (alerts out of force inside the window are read and skipped).
    pub fn expiring(
        &self,
        from: Timestamp,
        until: Timestamp,
        page_token: Option<&str>,
        limit: usize,
    ) -> Result<ExpiringPage> {
        let from_key = keys::time_key(from);
        let until_key = keys::time_key(until);
        let after = page_token.map(page_cursor).transpose()?;
        let start = after.clone().unwrap_or_else(|| from_key.to_vec());
        let mode = IteratorMode::From(&start, Direction::Forward);
        let mut page = ExpiringPage::default();
        for item in self.db.iterator_cf(self.cf(EXPIRY)?, mode) {
            let (key, _) = item?;
            let (time, id) = split_key(&key)?;
            if time > until_key.as_slice() {
                break;
            }
            // Expiring at `from` exactly is expired (`Alert::is_expired_at`), and the cursor's
            // own key was on the page before.
            if time <= from_key.as_slice() || after.as_deref() == Some(key.as_ref()) {
                continue;
            }
            let Some(alert) = self.get(id)? else {
                continue;
            };
            if !alert.status.is_searchable() {
                continue;
            }
            if page.alerts.len() >= limit {
                // One more alert is listed: there is a next page.
                page.next_page_token = page.alerts.last().and_then(page_token_of);
                break;
            }
            page.alerts.push(alert);
        }
        Ok(page)
    }
}

/// The token that continues after `alert`: its expiry time and id.
fn page_token_of(alert: &Alert) -> Option<String> {
    alert.expires_at.map(|at| format!("{at}/{}", alert.id))
}

/// The `expiry` key a page token names; [`Error::Invalid`] naming `page_token` when it is not
/// `TIME/ID`.
fn page_cursor(token: &str) -> Result<Vec<u8>> {
    let parsed = token
        .split_once('/')
        .and_then(|(time, id)| Some((time.parse::<Timestamp>().ok()?, id)))
        .filter(|(_, id)| keys::is_storable_id(id));
    let Some((time, id)) = parsed else {
        let message = format!("'{token}' is not a page token of this node");
        return Err(Invalid::new("page_token", message).into());
    };
    Ok(keys::expiry_key(time, id))
}

/// The expiry time (as its key bytes) and the alert id of an `expiry` key.
fn split_key(key: &[u8]) -> Result<(&[u8], &str)> {
    let (time, id) = key.split_at_checked(16).ok_or_else(|| {
        Error::corrupt(EXPIRY, key, "shorter than an expiry time and an alert id")
    })?;
    let id = std::str::from_utf8(id).map_err(|e| Error::corrupt(EXPIRY, key, e))?;
    Ok((time, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_token_names_an_expiry_key_and_nothing_else_is_one() {
        let at: Timestamp = "2027-12-31T00:00:00Z".parse().unwrap();
        let alert = Alert {
            expires_at: Some(at),
            ..serde_json::from_value(serde_json::json!({
                "id": "NL-1/2", "country": "NL", "category": "BOAT",
                "identifiers": [{"kind": "HIN", "value": "ABC12345D404"}],
            }))
            .unwrap()
        };
        let token = page_token_of(&alert).unwrap();
        assert_eq!(token, "2027-12-31T00:00:00Z/NL-1/2");
        assert_eq!(page_cursor(&token).unwrap(), keys::expiry_key(at, "NL-1/2"));
        for bad in ["", "NL-1", "yesterday/NL-1", "2027-12-31T00:00:00Z/"] {
            let error = page_cursor(bad).unwrap_err();
            assert!(
                matches!(&error, Error::Invalid(invalid) if invalid.field == "page_token"),
                "{bad}: {error}"
            );
        }
    }
}
