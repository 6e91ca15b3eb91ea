//! Hit reports: an officer found a reported object, and the issuing country must learn of it.
//!
//! Two steps, as in Prüm (DESIGN §4): the report tells the issuing country at once, but the
//! alert's restricted part (owner, victim) reaches a foreign officer only once the issuing node
//! has accepted the report. So a report carries who sent it, as the issuing node's
//! authentication identified the caller (`reported_by`, not the free-text
//! `reporting_officer`), and where it stands (`state`), with the decision once there is one.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::names::HitState;

/// A report that an object under an alert was found (DESIGN §4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HitReport {
    /// Assigned by the issuing node on receipt.
    #[serde(default)]
    pub id: String,
    /// The alert that was hit.
    pub alert_id: String,
    /// ISO 3166-1 alpha-2 code of the reporting officer's country.
    pub reporting_country: String,
    /// Who reported it (name or service number), as the officer gave it; required by the node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporting_officer: Option<String>,
    /// The reporting officer's case number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_reference: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Where the object was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The identifier value that led to the hit, as read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched_value: Option<String>,
    /// When the object was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_at: Option<Timestamp>,
    /// When the issuing node recorded the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<Timestamp>,
    /// The caller's identity as the issuing node's authentication established it (certificate
    /// name, or the officer a trusted core forwarded for): the one person the restricted part
    /// is released to once the report is accepted. Set by the node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_by: Option<String>,
    /// Where the report stands. Reports stored before the two steps existed were all accepted
    /// on receipt, hence the default.
    #[serde(default = "accepted_before_two_steps")]
    pub state: HitState,
    /// When the report was accepted or declined; for a report accepted on receipt, its
    /// receive time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<Timestamp>,
    /// The operator identity that accepted or declined it; `None` when accepted on receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    /// Why it was declined; `None` unless declined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline_reason: Option<String>,
}

/// The state of a report stored before reports had one: every report was accepted then.
fn accepted_before_two_steps() -> HitState {
    HitState::Accepted
}

/// What the issuing node decides about a pending hit report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HitDecision {
    /// Release the restricted part to the reporting officer.
    Accept,
    /// Release nothing, for this reason (required: the reporting country is told why).
    Decline {
        /// Why, in the operator's words.
        reason: String,
    },
}

impl HitDecision {
    /// The state a pending report takes.
    pub fn state(&self) -> HitState {
        match self {
            HitDecision::Accept => HitState::Accepted,
            HitDecision::Decline { .. } => HitState::Declined,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_stored_before_the_two_steps_reads_as_accepted() {
        let old = r#"{"id":"HIT-NL-1-1","alert_id":"NL-1","reporting_country":"BE"}"#;
        let hit: HitReport = serde_json::from_str(old).unwrap();
        assert_eq!(hit.state, HitState::Accepted);
        assert_eq!(hit.reported_by, None);
    }
}
