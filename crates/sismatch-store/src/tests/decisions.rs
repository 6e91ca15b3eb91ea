//! Prüm's second step in the store: a hit report decided once, durably, and listed by state.

use sismatch_alert::{HitDecision, HitReport, HitState};

use super::{at, hit, one_boat, open};
use crate::{Error, HitFilter, Store};

fn pending(alert_id: &str, note: &str) -> HitReport {
    HitReport {
        state: HitState::Pending,
        reported_by: Some("politie-be".to_string()),
        ..hit(alert_id, note)
    }
}

fn ids_in(store: &Store, state: Option<HitState>) -> Vec<String> {
    let filter = HitFilter {
        state,
        ..HitFilter::default()
    };
    let page = store.hits(&filter, None, 10).unwrap();
    page.hits.into_iter().map(|h| h.id).collect()
}

#[test]
fn a_decision_is_made_once_and_survives_a_reopen() {
    let (dir, store) = one_boat();
    let (first, _) = store.add_hit(pending("NL-1", "first"), at(1)).unwrap();
    let (second, _) = store.add_hit(pending("NL-1", "second"), at(2)).unwrap();
    // A report accepted on receipt (the issuing country's own police) is decided at receipt.
    let own = HitReport {
        state: HitState::Accepted,
        ..hit("NL-1", "own")
    };
    let (own, _) = store.add_hit(own, at(3)).unwrap();
    assert_eq!((first.state, first.decided_at), (HitState::Pending, None));
    assert_eq!(store.hits_pending(), 2);
    assert_eq!(own.decided_at, Some(at(3)));

    let accepted = store
        .decide_hit(&first.id, HitDecision::Accept, "beheer-nl", at(4))
        .unwrap();
    assert_eq!(accepted.state, HitState::Accepted);
    assert_eq!(accepted.decided_by.as_deref(), Some("beheer-nl"));
    assert_eq!(accepted.decided_at, Some(at(4)));
    let decline = HitDecision::Decline {
        reason: "not our boat".to_string(),
    };
    let declined = store
        .decide_hit(&second.id, decline.clone(), "beheer-nl", at(5))
        .unwrap();
    assert_eq!(declined.decline_reason.as_deref(), Some("not our boat"));

    // Deciding again, or deciding what does not exist, is refused and writes nothing.
    let again = store
        .decide_hit(&first.id, decline, "someone-else", at(6))
        .unwrap_err();
    assert!(
        matches!(&again, Error::AlreadyDecided { state: HitState::Accepted, by: Some(by), .. } if by == "beheer-nl"),
        "{again}"
    );
    assert!(again.is_caller_fault());
    assert!(again.to_string().starts_with("hit_id: "), "{again}");
    for unknown in ["HIT-NL-1-99", "HIT-NL-2-1", "nonsense", ""] {
        let error = store
            .decide_hit(unknown, HitDecision::Accept, "beheer-nl", at(6))
            .unwrap_err();
        assert_eq!(error, Error::HitNotFound(unknown.to_string()));
    }
    assert!(matches!(
        store.decide_hit(&own.id, HitDecision::Accept, "beheer-nl", at(6)),
        Err(Error::AlreadyDecided { by: None, .. })
    ));

    // Durable: the decisions read back after a reopen, and the listing filters by state.
    drop(store);
    let store = open(dir.path());
    assert_eq!(store.hit(&first.id).unwrap(), accepted);
    assert_eq!(store.hits_pending(), 0, "the count is durable too");
    assert_eq!(store.hit(&second.id).unwrap(), declined);
    assert_eq!(
        ids_in(&store, Some(HitState::Accepted)),
        [own.id.clone(), first.id.clone()]
    );
    assert_eq!(
        ids_in(&store, Some(HitState::Declined)),
        [second.id.as_str()]
    );
    assert!(ids_in(&store, Some(HitState::Pending)).is_empty());
    assert_eq!(ids_in(&store, None).len(), 3);
}
