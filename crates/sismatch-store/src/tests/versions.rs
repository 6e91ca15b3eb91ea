//! Optimistic concurrency (`expected_version`) and what a put does to a stored status.

use std::sync::{Arc, Barrier};

use sismatch_alert::{AlertChange, Status};

use super::{apply, at, boat, expecting, open, put, set_status};
use crate::{Applied, Error, Store};

#[test]
fn expected_version_is_checked_against_the_state_each_mutation_applies_to() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let first = boat("NL-1", &[("HIN", "ABC12345D404")]);
    let mut second = first.clone();
    second.colour = Some("white".to_string());
    let mut third = first.clone();
    third.colour = Some("blue".to_string());

    let results = apply(
        &store,
        vec![
            // Not there yet: a conditional put cannot create it.
            expecting(put(first.clone()), 1),
            put(first.clone()),
            expecting(put(second.clone()), 1),
            // Version 2 now: a writer that read version 1 loses.
            expecting(put(third.clone()), 1),
            expecting(
                set_status("NL-1", Status::Recovered, AlertChange::StatusChanged),
                1,
            ),
            expecting(
                set_status("NL-1", Status::Recovered, AlertChange::StatusChanged),
                2,
            ),
            expecting(
                set_status("NL-404", Status::Recovered, AlertChange::StatusChanged),
                1,
            ),
        ],
        at(0),
    );
    let missing = results[0].clone().unwrap_err();
    assert_eq!(
        missing,
        Error::VersionMismatch {
            id: "NL-1".to_string(),
            expected: 1,
            current: None
        }
    );
    assert_eq!(
        missing.to_string(),
        "expected_version 1 but alert NL-1 does not exist"
    );
    assert!(missing.is_caller_fault());
    assert!(matches!(&results[1], Ok(Applied::Created(a)) if a.version == 1));
    assert!(matches!(&results[2], Ok(Applied::Updated(a)) if a.version == 2));
    assert_eq!(
        results[3].clone().unwrap_err().to_string(),
        "expected_version 1 but alert NL-1 is at version 2"
    );
    assert!(matches!(
        &results[4],
        Err(Error::VersionMismatch {
            current: Some(2),
            ..
        })
    ));
    assert!(matches!(&results[5], Ok(Applied::StatusChanged(a)) if a.version == 3));
    // An unknown alert is unknown, whatever version was expected.
    assert_eq!(results[6], Err(Error::NotFound("NL-404".to_string())));

    let stored = store.get("NL-1").unwrap().unwrap();
    assert_eq!(stored.version, 3);
    assert_eq!(stored.colour.as_deref(), Some("white"));
    assert_eq!(store.history("NL-1").unwrap().len(), 3);

    // A conditional put of identical content at the right version writes nothing.
    let same = apply(&store, vec![expecting(put(second), 3)], at(1));
    assert_eq!(same, vec![Ok(Applied::Unchanged(stored))]);
}

/// Two writers that read the same version race to update it: the check and the write are
/// one step under the store's writer lock, so exactly one of them wins every time.
#[test]
fn of_two_racing_conditional_writes_exactly_one_wins() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(open(dir.path()));
    let alert = boat("NL-1", &[("HIN", "ABC12345D404")]);
    apply(&store, vec![put(alert.clone())], at(0));
    for round in 1..=20u64 {
        let barrier = Arc::new(Barrier::new(2));
        let writers: Vec<_> = ["white", "blue"]
            .into_iter()
            .map(|colour| {
                let store: Arc<Store> = Arc::clone(&store);
                let barrier = Arc::clone(&barrier);
                let mut changed = alert.clone();
                changed.colour = Some(format!("{colour} {round}"));
                std::thread::spawn(move || {
                    barrier.wait();
                    let mut results = store
                        .apply(vec![expecting(put(changed), round)], at(1))
                        .unwrap();
                    results.pop().unwrap()
                })
            })
            .collect();
        let results: Vec<_> = writers.into_iter().map(|w| w.join().unwrap()).collect();
        let won = results.iter().filter(|r| r.is_ok()).count();
        let lost = results
            .iter()
            .filter(|r| matches!(r, Err(Error::VersionMismatch { .. })))
            .count();
        assert_eq!((won, lost), (1, 1), "round {round}: {results:?}");
        assert_eq!(store.get("NL-1").unwrap().unwrap().version, round + 1);
    }
}

#[test]
fn a_put_keeps_the_stored_status_of_an_existing_alert() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let mut recovered = boat("NL-2", &[("HIN", "XYZ12345D404")]);
    recovered.status = Status::Recovered;
    let first = boat("NL-1", &[("HIN", "ABC12345D404")]);
    let created = apply(&store, vec![put(first.clone()), put(recovered)], at(0));
    // A new alert is stored with the status it is given.
    assert!(matches!(&created[1], Ok(Applied::Created(a)) if a.status == Status::Recovered));
    apply(
        &store,
        vec![set_status(
            "NL-1",
            Status::Withdrawn,
            AlertChange::Withdrawn,
        )],
        at(1),
    );

    // Re-sent as it was (ACTIVE, as a re-imported file says): nothing changes.
    let resent = apply(&store, vec![put(first.clone())], at(2));
    assert!(
        matches!(&resent[0], Ok(Applied::Unchanged(a)) if a.status == Status::Withdrawn && a.version == 2),
        "{resent:?}"
    );
    // Corrected: a new version, still withdrawn.
    let mut corrected = first;
    corrected.model = Some("VR5".to_string());
    let updated = apply(&store, vec![put(corrected)], at(3));
    let Ok(Applied::Updated(stored)) = &updated[0] else {
        panic!("{updated:?}")
    };
    assert_eq!((stored.status, stored.version), (Status::Withdrawn, 3));
    assert_eq!(store.count_by_status().unwrap()[&Status::Withdrawn], 1);
    assert_eq!(store.count_by_status().unwrap()[&Status::Active], 0);
}

/// What the API promises for fields a put leaves out: `reported_at` is the time of the first
/// store and `action` the node's default, SEIZE; an update that leaves them out keeps what the
/// alert had, and re-sending the same alert without them changes nothing.
#[test]
fn reported_at_and_action_default_on_the_first_store_and_are_kept_by_updates() {
    use sismatch_alert::HitAction;

    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let alert = boat("NL-1", &[("HIN", "ABC12345D404")]);
    assert_eq!((alert.reported_at, alert.action), (None, None));
    store.apply(vec![put(alert.clone())], at(0)).unwrap();
    let stored = store.get("NL-1").unwrap().unwrap();
    assert_eq!(stored.reported_at, Some(at(0)));
    assert_eq!(stored.action, Some(HitAction::Seize));

    // The same alert again, later, without either: nothing changes.
    let results = store.apply(vec![put(alert.clone())], at(60)).unwrap();
    assert!(
        matches!(results[0], Ok(Applied::Unchanged(_))),
        "{results:?}"
    );

    // An update that sets the action and leaves the report time out keeps the report time;
    // the next one that leaves the action out keeps the action.
    let mut evidence = alert.clone();
    evidence.action = Some(HitAction::UseAsEvidence);
    store.apply(vec![put(evidence)], at(120)).unwrap();
    let mut recoloured = alert.clone();
    recoloured.colour = Some("white".to_string());
    store.apply(vec![put(recoloured)], at(180)).unwrap();
    let stored = store.get("NL-1").unwrap().unwrap();
    assert_eq!(stored.version, 3);
    assert_eq!(stored.reported_at, Some(at(0)));
    assert_eq!(stored.action, Some(HitAction::UseAsEvidence));

    // A report time given is kept as given.
    let mut given = boat("NL-2", &[("HIN", "XYZ12345D404")]);
    given.reported_at = Some(at(-86_400));
    store.apply(vec![put(given)], at(240)).unwrap();
    let stored = store.get("NL-2").unwrap().unwrap();
    assert_eq!(stored.reported_at, Some(at(-86_400)));
}
