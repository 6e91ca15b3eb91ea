//! The gate of DESIGN §4 (Five Safes) in front of the register: safe people, safe projects,
//! safe settings, checked in this order; the first condition that fails is the refusal.
//!
//! The gate sees only the caller and the request, never the register: a refusal is the same
//! whether or not the register holds the identifiers asked about.

use std::collections::BTreeSet;

use sismatch_auth::{Caller, Role, Transport};
use sismatch_proto::v1::{LookupPurpose, RefusalReason};

use crate::config::purpose_name;
use crate::request::Checked;

/// Why a look-up is refused, and what to tell the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) reason: RefusalReason,
    pub(crate) message: String,
}

/// What the partner agreed to, as the gate needs it.
#[derive(Debug, Clone)]
pub(crate) struct Gate {
    pub(crate) purposes: BTreeSet<LookupPurpose>,
    pub(crate) require_mtls: bool,
}

impl Gate {
    /// The refusal of `request` from `caller`, or `None` when it may be answered.
    pub(crate) fn refusal(&self, caller: &Caller, request: &Checked) -> Option<Refusal> {
        let refuse = |reason, message: String| Some(Refusal { reason, message });
        if caller.role != Role::Police {
            return refuse(
                RefusalReason::NotPolice,
                format!(
                    "partner look-ups are answered for authenticated police only; the caller is {}",
                    caller.role
                ),
            );
        }
        let agreed = self.agreed();
        if request.purpose == LookupPurpose::Unspecified {
            return refuse(
                RefusalReason::MissingPurpose,
                format!("state the purpose of the look-up (one of {agreed})"),
            );
        }
        if !self.purposes.contains(&request.purpose) {
            return refuse(
                RefusalReason::PurposeNotAgreed,
                format!(
                    "this partner has not agreed to answer look-ups for {} (agreed: {agreed})",
                    purpose_name(request.purpose)
                ),
            );
        }
        if request.case_reference.is_empty() {
            return refuse(
                RefusalReason::MissingCaseReference,
                "give the police case reference of the look-up".to_string(),
            );
        }
        if self.require_mtls && caller.transport != Transport::MutualTls {
            return refuse(
                RefusalReason::InsecureConnection,
                "this partner answers over mutually authenticated TLS only (a client certificate)"
                    .to_string(),
            );
        }
        None
    }

    fn agreed(&self) -> String {
        let names: Vec<&str> = self.purposes.iter().map(|p| purpose_name(*p)).collect();
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ALL_PURPOSES;

    fn caller(role: Role, transport: Transport) -> Caller {
        Caller {
            name: "someone".to_string(),
            role,
            country: Some("NL".to_string()),
            transport,
            via: None,
        }
    }

    fn request(purpose: LookupPurpose, case_reference: &str) -> Checked {
        Checked {
            queries: Vec::new(),
            purpose,
            case_reference: case_reference.to_string(),
            officer: String::new(),
        }
    }

    #[test]
    fn conditions_in_order_first_failure_wins() {
        let gate = Gate {
            purposes: [LookupPurpose::TheftInvestigation].into_iter().collect(),
            require_mtls: true,
        };
        let police = caller(Role::Police, Transport::MutualTls);
        let token_police = caller(Role::Police, Transport::Token);
        let reason = |caller: &Caller, request: Checked| {
            gate.refusal(caller, &request).map(|refusal| refusal.reason)
        };
        let cases = [
            (
                caller(Role::Dealer, Transport::MutualTls),
                request(LookupPurpose::Unspecified, ""),
                Some(RefusalReason::NotPolice),
            ),
            (
                Caller::open(),
                request(LookupPurpose::TheftInvestigation, "C-1"),
                Some(RefusalReason::NotPolice),
            ),
            (
                token_police.clone(),
                request(LookupPurpose::Unspecified, ""),
                Some(RefusalReason::MissingPurpose),
            ),
            (
                token_police.clone(),
                request(LookupPurpose::CrossBorderEnquiry, ""),
                Some(RefusalReason::PurposeNotAgreed),
            ),
            (
                token_police.clone(),
                request(LookupPurpose::TheftInvestigation, ""),
                Some(RefusalReason::MissingCaseReference),
            ),
            (
                token_police,
                request(LookupPurpose::TheftInvestigation, "C-1"),
                Some(RefusalReason::InsecureConnection),
            ),
            (
                police,
                request(LookupPurpose::TheftInvestigation, "C-1"),
                None,
            ),
        ];
        for (caller, request, expected) in cases {
            assert_eq!(reason(&caller, request), expected, "{caller:?}");
        }
    }

    #[test]
    fn tokens_pass_when_mtls_is_not_required() {
        let gate = Gate {
            purposes: ALL_PURPOSES.into_iter().collect(),
            require_mtls: false,
        };
        let police = caller(Role::Police, Transport::Token);
        let request = request(LookupPurpose::CrossBorderEnquiry, "C-1");
        assert_eq!(gate.refusal(&police, &request), None);
    }
}
