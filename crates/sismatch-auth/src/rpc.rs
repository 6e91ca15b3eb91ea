//! The names of the `sismatch.v1` RPCs (`Service/Method`), typed once: the policy
//! ([`crate::RPCS`]), the handlers and the audit log all spell an RPC with these constants, and a
//! test checks them against the methods of the proto files' descriptor set, so that an RPC
//! added, renamed or misspelt fails a test instead of being refused to everyone.

/// `NationalNode`: one country's alerts.
pub mod node {
    /// Stores an alert.
    pub const PUT_ALERT: &str = "NationalNode/PutAlert";
    /// Reads an alert.
    pub const GET_ALERT: &str = "NationalNode/GetAlert";
    /// Withdraws an alert.
    pub const WITHDRAW_ALERT: &str = "NationalNode/WithdrawAlert";
    /// Changes an alert's status.
    pub const SET_ALERT_STATUS: &str = "NationalNode/SetAlertStatus";
    /// Reads an alert's versions.
    pub const GET_ALERT_HISTORY: &str = "NationalNode/GetAlertHistory";
    /// Imports alerts in batches.
    pub const IMPORT_ALERTS: &str = "NationalNode/ImportAlerts";
    /// Searches the node's alerts.
    pub const SEARCH: &str = "NationalNode/Search";
    /// Records a hit on one of the node's alerts.
    pub const REPORT_HIT: &str = "NationalNode/ReportHit";
    /// Lists the hits reported.
    pub const LIST_HITS: &str = "NationalNode/ListHits";
    /// Accepts a pending hit report (Prüm's second step).
    pub const ACCEPT_HIT: &str = "NationalNode/AcceptHit";
    /// Declines a pending hit report.
    pub const DECLINE_HIT: &str = "NationalNode/DeclineHit";
    /// The alert of an accepted hit report, restricted part included, for its reporter.
    pub const GET_RELEASED_ALERT: &str = "NationalNode/GetReleasedAlert";
    /// The node's status.
    pub const GET_NODE_STATUS: &str = "NationalNode/GetNodeStatus";
    /// The alerts due for review before they expire.
    pub const LIST_EXPIRING_ALERTS: &str = "NationalNode/ListExpiringAlerts";
    /// Extends an alert's expiry after review.
    pub const EXTEND_ALERT: &str = "NationalNode/ExtendAlert";
}

/// `MatchingCore`: the federation.
pub mod core {
    /// Searches every node.
    pub const SEARCH: &str = "MatchingCore/Search";
    /// A dealer's hit / no-hit check.
    pub const CHECK: &str = "MatchingCore/Check";
    /// Routes a hit report to the issuing node.
    pub const REPORT_HIT: &str = "MatchingCore/ReportHit";
    /// Routes a released-alert request to the issuing node, for the reporting officer.
    pub const GET_RELEASED_ALERT: &str = "MatchingCore/GetReleasedAlert";
}

/// `ManufacturerPartner`: a maker's gated register.
pub mod partner {
    /// A gated look-up.
    pub const LOOKUP: &str = "ManufacturerPartner/Lookup";
}
