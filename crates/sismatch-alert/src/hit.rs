//! Hit reports: an officer found a reported object, and the issuing country must learn of it.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

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
    /// Who reported it (name or service number), when given.
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
}
