//! The one filter of restricted data: every answer that carries alerts passes through
//! [`Redact::redact`] for its caller before it leaves a server (node or core).
//!
//! The rule (DESIGN §4): the `restricted` part of an alert (owner and victim data) reaches only
//! police of the country that issued the alert. Everyone else gets the alert without it, except
//! in the answer of `GetReleasedAlert`, which also keeps it for the officer whose hit report on
//! that alert the issuing node accepted ([`crate::release`]).

use sismatch_proto::v1;

use crate::caller::Caller;
use crate::release::is_released_to;

/// Removes `alert.restricted` unless `caller` is police of the alert's country.
pub fn redact_alert(alert: &mut v1::Alert, caller: &Caller) {
    if !caller.may_see_restricted_of(&alert.country) {
        alert.restricted = None;
    }
}

/// An answer that may carry alerts, filtered for its caller.
pub trait Redact {
    /// Removes what `caller` may not see.
    fn redact(&mut self, caller: &Caller);
}

impl Redact for v1::Alert {
    fn redact(&mut self, caller: &Caller) {
        redact_alert(self, caller);
    }
}

impl<T: Redact> Redact for Option<T> {
    fn redact(&mut self, caller: &Caller) {
        if let Some(inner) = self {
            inner.redact(caller);
        }
    }
}

impl<T: Redact> Redact for Vec<T> {
    fn redact(&mut self, caller: &Caller) {
        for inner in self {
            inner.redact(caller);
        }
    }
}

/// Implements [`Redact`] for messages by listing their alert-carrying fields.
macro_rules! redact_fields {
    ($($message:ty => [$($field:ident),+]),+ $(,)?) => {
        $(
            impl Redact for $message {
                fn redact(&mut self, caller: &Caller) {
                    $(self.$field.redact(caller);)+
                }
            }
        )+
    };
}

redact_fields! {
    v1::Match => [alert],
    v1::AlertVersion => [alert],
    v1::PutAlertResponse => [alert],
    v1::GetAlertResponse => [alert],
    v1::WithdrawAlertResponse => [alert],
    v1::SetAlertStatusResponse => [alert],
    v1::GetAlertHistoryResponse => [versions],
    v1::NationalNodeSearchResponse => [matches],
    v1::NationalNodeReportHitResponse => [alert],
    v1::ListExpiringAlertsResponse => [alerts],
    v1::ExtendAlertResponse => [alert],
    v1::MatchingCoreSearchResponse => [matches],
    v1::MatchingCoreReportHitResponse => [alert],
}

/// Implements [`Redact`] for the answers of `GetReleasedAlert`: the alert keeps its restricted
/// part when the answer's own hit report releases it to the caller.
macro_rules! redact_released {
    ($($message:ty),+ $(,)?) => {
        $(
            impl Redact for $message {
                fn redact(&mut self, caller: &Caller) {
                    let released = match (&self.hit, &self.alert) {
                        (Some(hit), Some(alert)) => is_released_to(caller, hit, alert),
                        _ => false,
                    };
                    if !released {
                        self.alert.redact(caller);
                    }
                }
            }
        )+
    };
}

redact_released! {
    v1::NationalNodeGetReleasedAlertResponse,
    v1::MatchingCoreGetReleasedAlertResponse,
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::caller::Transport;
    use crate::role::Role;

    const COUNTRIES: [&str; 4] = ["NL", "BE", "FR", "DE"];

    fn alert(id: usize, country: &str) -> v1::Alert {
        v1::Alert {
            id: format!("{country}-{id}"),
            country: country.to_string(),
            restricted: Some(v1::RestrictedData {
                notes: "owner lives at the harbour".to_string(),
                ..v1::RestrictedData::default()
            }),
            ..v1::Alert::default()
        }
    }

    fn callers() -> impl Strategy<Value = Caller> {
        (
            prop::sample::select(Role::ALL.to_vec()),
            prop::option::of(prop::sample::select(COUNTRIES.to_vec())),
            prop::option::of(Just("core".to_string())),
        )
            .prop_map(|(role, country, via)| Caller {
                name: "caller".to_string(),
                role,
                country: country.map(str::to_string),
                transport: Transport::MutualTls,
                via,
            })
    }

    fn alerts() -> impl Strategy<Value = Vec<v1::Alert>> {
        prop::collection::vec(prop::sample::select(COUNTRIES.to_vec()), 0..8).prop_map(
            |countries| {
                countries
                    .iter()
                    .enumerate()
                    .map(|(i, c)| alert(i, c))
                    .collect()
            },
        )
    }

    /// Every alert of every kind of answer, after redaction.
    fn answers(alerts: &[v1::Alert], caller: &Caller) -> Vec<v1::Alert> {
        let matches: Vec<v1::Match> = alerts
            .iter()
            .map(|a| v1::Match {
                alert: Some(a.clone()),
                ..v1::Match::default()
            })
            .collect();
        let mut core = v1::MatchingCoreSearchResponse {
            matches: matches.clone(),
            ..v1::MatchingCoreSearchResponse::default()
        };
        let mut node = v1::NationalNodeSearchResponse {
            matches,
            ..v1::NationalNodeSearchResponse::default()
        };
        let mut history = v1::GetAlertHistoryResponse {
            versions: alerts
                .iter()
                .map(|a| v1::AlertVersion {
                    alert: Some(a.clone()),
                    ..v1::AlertVersion::default()
                })
                .collect(),
        };
        let mut singles: Vec<v1::GetAlertResponse> = alerts
            .iter()
            .map(|a| v1::GetAlertResponse {
                alert: Some(a.clone()),
            })
            .collect();
        let mut hits: Vec<v1::MatchingCoreReportHitResponse> = alerts
            .iter()
            .map(|a| v1::MatchingCoreReportHitResponse {
                alert: Some(a.clone()),
                ..v1::MatchingCoreReportHitResponse::default()
            })
            .collect();
        let mut expiring = v1::ListExpiringAlertsResponse {
            alerts: alerts.to_vec(),
            ..v1::ListExpiringAlertsResponse::default()
        };
        core.redact(caller);
        node.redact(caller);
        expiring.redact(caller);
        history.redact(caller);
        singles.redact(caller);
        hits.redact(caller);
        let mut all = Vec::new();
        all.extend(core.matches.into_iter().filter_map(|m| m.alert));
        all.extend(node.matches.into_iter().filter_map(|m| m.alert));
        all.extend(history.versions.into_iter().filter_map(|v| v.alert));
        all.extend(singles.into_iter().filter_map(|s| s.alert));
        all.extend(hits.into_iter().filter_map(|h| h.alert));
        all.extend(expiring.alerts);
        all
    }

    #[test]
    fn a_released_alert_keeps_its_restricted_part_only_for_the_officer_it_was_released_to() {
        let hit = v1::HitReport {
            id: "HIT-NL-0-1".to_string(),
            alert_id: "NL-0".to_string(),
            reporting_country: "BE".to_string(),
            reported_by: "politie-be".to_string(),
            state: v1::HitState::Accepted.into(),
            ..v1::HitReport::default()
        };
        let answer = v1::MatchingCoreGetReleasedAlertResponse {
            hit: Some(hit.clone()),
            alert: Some(alert(0, "NL")),
            node: "NL".to_string(),
        };
        let police = |name: &str, country: &str| Caller {
            name: name.to_string(),
            role: Role::Police,
            country: Some(country.to_string()),
            transport: Transport::MutualTls,
            via: None,
        };
        let kept = |caller: &Caller, answer: &v1::MatchingCoreGetReleasedAlertResponse| {
            let mut answer = answer.clone();
            answer.redact(caller);
            answer.alert.is_some_and(|a| a.restricted.is_some())
        };
        assert!(kept(&police("politie-be", "BE"), &answer));
        assert!(kept(&police("politie-nl", "NL"), &answer));
        assert!(!kept(&police("politie-be-2", "BE"), &answer));
        assert!(!kept(&police("politie-be", "FR"), &answer));
        let pending = v1::MatchingCoreGetReleasedAlertResponse {
            hit: Some(v1::HitReport {
                state: v1::HitState::Pending.into(),
                ..hit
            }),
            ..answer
        };
        assert!(!kept(&police("politie-be", "BE"), &pending));
    }

    proptest! {
        #[test]
        fn restricted_data_reaches_only_police_of_the_issuing_country(
            alerts in alerts(),
            caller in callers(),
        ) {
            let returned = answers(&alerts, &caller);
            prop_assert_eq!(returned.len(), alerts.len() * 6);
            for alert in returned {
                let allowed = caller.role == Role::Police
                    && caller.country.as_deref() == Some(alert.country.as_str());
                prop_assert_eq!(alert.restricted.is_some(), allowed);
            }
        }
    }
}
