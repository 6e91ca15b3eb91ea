//! "Already reported by BE (BE-...)" (DESIGN §4, one alert per object): which alerts in force
//! of the answer hold one of the searched numbers exactly, so that an officer about to report
//! an object learns that a country (another, or their own) already has an alert on it.
//!
//! Pure, like `merge.rs`: it reads the merged matches. Only an exact, direct identifier match
//! counts (score 1: the normalised values are identical; not a look-alike, an edit or a
//! partner's link): a near miss is a candidate for the officer to judge, not a report of the
//! same object.

use sismatch_proto::v1;

/// The alerts in force among `matches` that hold a searched number exactly, one entry per
/// alert, in the matches' order.
pub fn already_reported(matches: &[v1::Match]) -> Vec<v1::AlreadyReported> {
    let in_force = [v1::AlertStatus::Active, v1::AlertStatus::HitConfirmed].map(i32::from);
    let mut reported = Vec::new();
    for found in matches {
        let Some(alert) = &found.alert else { continue };
        if !in_force.contains(&alert.status) {
            continue;
        }
        let exact = found.identifier_matches.iter().find(|m| {
            m.score >= 1.0 && m.source != i32::from(v1::MatchSource::Partner) && m.edits.is_empty()
        });
        let Some(exact) = exact else { continue };
        let identifier = exact
            .matched_identifier
            .as_ref()
            .map_or_else(|| exact.normalized_query.clone(), |i| i.value.clone());
        reported.push(v1::AlreadyReported {
            country: found.country.clone(),
            alert_id: alert.id.clone(),
            identifier,
        });
    }
    reported
}

/// `already reported by BE (BE-1), NL (NL-7)`: the line an officer reads; `None` when no
/// alert holds a searched number exactly.
pub fn already_reported_line(reported: &[v1::AlreadyReported]) -> Option<String> {
    if reported.is_empty() {
        return None;
    }
    let by: Vec<String> = reported
        .iter()
        .map(|r| format!("{} ({})", r.country, r.alert_id))
        .collect();
    Some(format!("already reported by {}", by.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(country: &str, id: &str, status: v1::AlertStatus, score: f64) -> v1::Match {
        let edits = if score < 1.0 {
            vec![v1::EditOperation::default()]
        } else {
            Vec::new()
        };
        v1::Match {
            country: country.to_string(),
            alert: Some(v1::Alert {
                id: id.to_string(),
                status: status.into(),
                ..v1::Alert::default()
            }),
            identifier_matches: vec![v1::IdentifierMatch {
                score,
                edits,
                source: v1::MatchSource::Direct.into(),
                matched_identifier: Some(v1::Identifier {
                    value: "ABC12345D404".to_string(),
                    ..v1::Identifier::default()
                }),
                ..v1::IdentifierMatch::default()
            }],
            ..v1::Match::default()
        }
    }

    #[test]
    fn only_exact_matches_of_alerts_in_force_are_reports_of_the_object() {
        use v1::AlertStatus::{Active, HitConfirmed, Withdrawn};
        let mut via_partner = found("FR", "FR-1", Active, 1.0);
        via_partner.identifier_matches[0].source = v1::MatchSource::Partner.into();
        let matches = [
            found("BE", "BE-1", Active, 1.0),
            found("NL", "NL-7", HitConfirmed, 1.0),
            found("DE", "DE-3", Active, 0.9),
            found("NL", "NL-8", Withdrawn, 1.0),
            via_partner,
        ];
        let reported = already_reported(&matches);
        let ids: Vec<&str> = reported.iter().map(|r| r.alert_id.as_str()).collect();
        assert_eq!(ids, ["BE-1", "NL-7"]);
        assert_eq!(reported[0].identifier, "ABC12345D404");
        assert_eq!(
            already_reported_line(&reported).as_deref(),
            Some("already reported by BE (BE-1), NL (NL-7)")
        );
        assert_eq!(already_reported_line(&[]), None);
    }
}
