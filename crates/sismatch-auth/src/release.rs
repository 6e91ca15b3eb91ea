//! Prüm's two steps as rules on a caller (DESIGN §4, issue 14): who may report a hit for which
//! country, and to whom an accepted hit report releases its alert's restricted part.
//!
//! A search gives candidates without owner or victim data; a hit report tells the issuing
//! country; the issuing node accepts (or declines) it; only then does the officer who reported
//! it receive the restricted part. "That officer" is the identity the issuing node's
//! authentication gave when the report arrived (`HitReport.reported_by`: the client
//! certificate's name, or the officer a trusted core forwarded for), never the free-text
//! `reporting_officer`, which anyone can type. Other officers of the same country get nothing:
//! the release answers one officer's report, not a country's.

use sismatch_proto::v1;

use crate::caller::Caller;
use crate::error::{AuthError, Result};
use crate::role::Role;

/// Refuses a hit report whose `reporting_country` is not the caller's own country. A caller
/// without a country (the open caller of a server without `[auth]`, an operator where a policy
/// lets one report) is not checked: nothing is released on its word anyway.
pub fn check_reporting_country(caller: &Caller, hit: &v1::HitReport) -> Result<()> {
    let Some(country) = caller.country.as_deref() else {
        return Ok(());
    };
    if country.eq_ignore_ascii_case(&hit.reporting_country) {
        return Ok(());
    }
    Err(AuthError::PermissionDenied(format!(
        "reporting_country: '{}' is not the country of {} ({country})",
        hit.reporting_country, caller.name
    )))
}

/// Allows `caller` to receive `alert` with its restricted part through the hit report `hit`
/// on it, or says why not: police of the alert's country always; otherwise only the police
/// identity that reported the hit, from the country it reported for, once the issuing node
/// has accepted the report.
pub fn check_release(caller: &Caller, hit: &v1::HitReport, alert: &v1::Alert) -> Result<()> {
    if caller.may_see_restricted_of(&alert.country) {
        return Ok(());
    }
    let reporter = caller.role == Role::Police
        && hit.alert_id == alert.id
        && !hit.reported_by.is_empty()
        && caller.name == hit.reported_by
        && caller
            .country
            .as_deref()
            .is_some_and(|country| country.eq_ignore_ascii_case(&hit.reporting_country));
    if !reporter {
        return Err(AuthError::PermissionDenied(format!(
            "{} ({}) did not report hit {}: an alert's restricted part is released only to the \
             officer who reported the hit, once the issuing node has accepted it",
            caller.name, caller.role, hit.id
        )));
    }
    match v1::HitState::try_from(hit.state) {
        Ok(v1::HitState::Accepted) => Ok(()),
        Ok(v1::HitState::Declined) => Err(AuthError::PermissionDenied(format!(
            "hit report {} was declined by the issuing node: nothing is released",
            hit.id
        ))),
        _ => Err(AuthError::PermissionDenied(format!(
            "hit report {} is pending: the issuing node has not accepted it yet",
            hit.id
        ))),
    }
}

/// Whether `caller` may receive the restricted part of `alert` through `hit`.
pub fn is_released_to(caller: &Caller, hit: &v1::HitReport, alert: &v1::Alert) -> bool {
    check_release(caller, hit, alert).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::caller::Transport;

    fn police(name: &str, country: &str) -> Caller {
        Caller {
            name: name.to_string(),
            role: Role::Police,
            country: Some(country.to_string()),
            transport: Transport::MutualTls,
            via: Some("core".to_string()),
        }
    }

    fn hit(state: v1::HitState) -> v1::HitReport {
        v1::HitReport {
            id: "HIT-NL-1-1".to_string(),
            alert_id: "NL-1".to_string(),
            reporting_country: "BE".to_string(),
            reported_by: "politie-be".to_string(),
            state: state.into(),
            ..v1::HitReport::default()
        }
    }

    fn alert() -> v1::Alert {
        v1::Alert {
            id: "NL-1".to_string(),
            country: "NL".to_string(),
            ..v1::Alert::default()
        }
    }

    #[test]
    fn only_the_reporting_officer_of_an_accepted_hit_and_the_issuing_police() {
        let accepted = hit(v1::HitState::Accepted);
        let released = |caller: &Caller, hit: &v1::HitReport| is_released_to(caller, hit, &alert());
        assert!(released(&police("politie-be", "BE"), &accepted));
        assert!(released(&police("politie-nl", "NL"), &accepted));
        assert!(released(
            &police("politie-nl", "NL"),
            &hit(v1::HitState::Pending)
        ));
        for (caller, why) in [
            (
                police("politie-be-2", "BE"),
                "another officer of the same country",
            ),
            (
                police("politie-be", "FR"),
                "the same name in another country",
            ),
            (police("politie-fr", "FR"), "a third country"),
            (Caller::open(), "the open caller"),
        ] {
            assert!(!released(&caller, &accepted), "{why}");
        }
        let officer = police("politie-be", "BE");
        for state in [
            v1::HitState::Pending,
            v1::HitState::Declined,
            v1::HitState::Unspecified,
        ] {
            let error = check_release(&officer, &hit(state), &alert()).unwrap_err();
            assert!(matches!(error, AuthError::PermissionDenied(_)), "{state:?}");
        }
        let other_alert = v1::HitReport {
            alert_id: "NL-2".to_string(),
            ..accepted
        };
        assert!(!released(&officer, &other_alert), "a hit on another alert");
    }

    #[test]
    fn a_hit_is_reported_for_the_callers_own_country() {
        let be = v1::HitReport {
            reporting_country: "BE".to_string(),
            ..v1::HitReport::default()
        };
        assert!(check_reporting_country(&police("politie-be", "BE"), &be).is_ok());
        let error = check_reporting_country(&police("politie-fr", "FR"), &be).unwrap_err();
        assert!(error.to_string().contains("reporting_country"), "{error}");
        assert!(check_reporting_country(&Caller::open(), &be).is_ok());
    }
}
