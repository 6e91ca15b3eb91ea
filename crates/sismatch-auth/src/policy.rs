//! Which role may call which RPC: the DESIGN §4 table as a default, overridable per server.

use std::collections::{BTreeMap, BTreeSet};

use crate::caller::{Caller, Transport};
use crate::error::{AuthError, Result};
use crate::role::Role;
use crate::rpc::{core, node, partner};

/// Every RPC of the `sismatch.v1` services, by the name used in the policy and the audit log
/// (`Service/Method`, [`crate::rpc`]), with the roles that may call it by default.
///
/// Writes to a node are for operators (a police system imports through an operator identity),
/// and so are decisions on hit reports (the issuing country's SIRENE bureau) and the review
/// of alerts before they expire;
/// a partner look-up is open to every role here because the partner's gate, not the policy,
/// answers a non-police caller, with the reason (DESIGN §4).
pub const RPCS: &[(&str, &[Role])] = &[
    (node::PUT_ALERT, &[Role::Operator]),
    (node::GET_ALERT, &[Role::Police, Role::Operator]),
    (node::WITHDRAW_ALERT, &[Role::Operator]),
    (node::SET_ALERT_STATUS, &[Role::Operator]),
    (node::GET_ALERT_HISTORY, &[Role::Police, Role::Operator]),
    (node::IMPORT_ALERTS, &[Role::Operator]),
    (node::SEARCH, &[Role::Police, Role::Operator]),
    (node::REPORT_HIT, &[Role::Police]),
    (node::LIST_HITS, &[Role::Police, Role::Operator]),
    (node::ACCEPT_HIT, &[Role::Operator]),
    (node::DECLINE_HIT, &[Role::Operator]),
    (node::GET_RELEASED_ALERT, &[Role::Police]),
    (node::GET_NODE_STATUS, &[Role::Police, Role::Operator]),
    (node::LIST_EXPIRING_ALERTS, &[Role::Operator]),
    (node::EXTEND_ALERT, &[Role::Operator]),
    (core::SEARCH, &[Role::Police, Role::Operator]),
    (core::CHECK, &[Role::Dealer, Role::Operator]),
    (core::REPORT_HIT, &[Role::Police]),
    (core::GET_RELEASED_ALERT, &[Role::Police]),
    (
        partner::LOOKUP,
        &[
            Role::Police,
            Role::Dealer,
            Role::Manufacturer,
            Role::Operator,
        ],
    ),
];

/// The roles allowed per RPC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    allowed: BTreeMap<&'static str, BTreeSet<Role>>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            allowed: RPCS
                .iter()
                .map(|(rpc, roles)| (*rpc, roles.iter().copied().collect()))
                .collect(),
        }
    }
}

impl Policy {
    /// The default policy with the RPCs of `overrides` (`("MatchingCore/Check", [DEALER])`)
    /// replaced. Refuses an RPC name that does not exist, naming it.
    pub fn with_overrides(overrides: &[(String, Vec<Role>)]) -> Result<Policy> {
        let mut policy = Policy::default();
        for (rpc, roles) in overrides {
            let Some((name, _)) = RPCS.iter().find(|(name, _)| name == rpc) else {
                return Err(AuthError::invalid(
                    format!("auth.policy.\"{rpc}\""),
                    "no such RPC (use Service/Method, e.g. MatchingCore/Search)",
                ));
            };
            policy.allowed.insert(name, roles.iter().copied().collect());
        }
        Ok(policy)
    }

    /// Allows `caller` to call `rpc`, or says why not. An RPC missing from the policy is
    /// refused: nothing is allowed by omission. The open caller of a server in open mode may
    /// call everything (and is police of no country, so it never sees restricted data).
    pub fn check(&self, caller: &Caller, rpc: &str) -> Result<()> {
        if caller.transport == Transport::Open {
            return Ok(());
        }
        let allowed = self
            .allowed
            .get(rpc)
            .is_some_and(|roles| roles.contains(&caller.role));
        if allowed {
            Ok(())
        } else {
            Err(AuthError::PermissionDenied(format!(
                "{} ({}) may not call {rpc}",
                caller.name, caller.role
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    /// Every method of the `sismatch.v1` services, as `Service/Method`, from the descriptor set
    /// the servers publish for reflection.
    fn methods_of_the_proto_files() -> Vec<String> {
        let set = prost_types::FileDescriptorSet::decode(sismatch_proto::FILE_DESCRIPTOR_SET)
            .expect("the descriptor set decodes");
        let mut methods = Vec::new();
        for file in set.file.iter().filter(|f| f.package() == "sismatch.v1") {
            for service in &file.service {
                for method in &service.method {
                    methods.push(format!("{}/{}", service.name(), method.name()));
                }
            }
        }
        methods.sort_unstable();
        methods
    }

    #[test]
    fn the_policy_names_every_rpc_of_the_proto_files_and_no_other() {
        let mut named: Vec<String> = RPCS.iter().map(|(rpc, _)| rpc.to_string()).collect();
        named.sort_unstable();
        assert_eq!(named, methods_of_the_proto_files());
    }

    fn caller(role: Role) -> Caller {
        Caller {
            name: "someone".to_string(),
            role,
            country: Some("NL".to_string()),
            transport: Transport::MutualTls,
            via: None,
        }
    }

    #[test]
    fn the_design_table() {
        let policy = Policy::default();
        assert!(
            policy
                .check(&caller(Role::Police), "MatchingCore/Search")
                .is_ok()
        );
        assert!(
            policy
                .check(&caller(Role::Dealer), "MatchingCore/Search")
                .is_err()
        );
        assert!(
            policy
                .check(&caller(Role::Dealer), "MatchingCore/Check")
                .is_ok()
        );
        assert!(
            policy
                .check(&caller(Role::Manufacturer), "NationalNode/Search")
                .is_err()
        );
        assert!(
            policy
                .check(&caller(Role::Police), "NationalNode/ImportAlerts")
                .is_err()
        );
        assert!(
            policy
                .check(&caller(Role::Operator), "NationalNode/ImportAlerts")
                .is_ok()
        );
        assert!(
            policy
                .check(&caller(Role::Police), "MatchingCore/ReportHit")
                .is_ok()
        );
        assert!(policy.check(&caller(Role::Operator), "NoSuch/Rpc").is_err());
        assert!(
            policy
                .check(&Caller::open(), "MatchingCore/ReportHit")
                .is_ok()
        );
    }

    #[test]
    fn overrides_replace_one_rpc_and_unknown_rpcs_are_refused() {
        let policy =
            Policy::with_overrides(&[("MatchingCore/Check".to_string(), vec![Role::Dealer])])
                .unwrap();
        assert!(
            policy
                .check(&caller(Role::Operator), "MatchingCore/Check")
                .is_err()
        );
        assert!(
            policy
                .check(&caller(Role::Operator), "MatchingCore/Search")
                .is_ok()
        );
        let error = Policy::with_overrides(&[("Core/Search".to_string(), vec![])]).unwrap_err();
        assert!(error.to_string().contains("Core/Search"), "{error}");
    }
}
