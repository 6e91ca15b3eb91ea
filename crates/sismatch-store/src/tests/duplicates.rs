//! One alert per object (DESIGN §4): refusing and linking under the writer lock, the
//! `in_force` column following statuses, reopens and the upgrade of a layout-2 store.

use rocksdb::{DB, IteratorMode, Options};
use serde_json::json;
use sismatch_alert::{Alert, AlertChange, Limits, Status, validate};

use super::{apply, at, boat, linking, one_boat, open, put, set_status};
use crate::{Applied, Error, Mutation, Store};

fn refused(result: &Result<Applied, Error>) -> (String, String) {
    match result {
        Err(Error::Duplicate {
            field, existing, ..
        }) => (field.clone(), existing.clone()),
        other => panic!("not refused as a duplicate: {other:?}"),
    }
}

fn gun(id: &str, serial: &str, maker: &str) -> Alert {
    serde_json::from_value(json!({
        "id": id, "country": "NL", "category": "FIREARM",
        "identifiers": [{"kind": "FIREARM_SERIAL", "value": serial, "manufacturer": maker}],
    }))
    .unwrap()
}

#[test]
fn a_second_alert_of_one_object_is_refused_and_nothing_is_stored() {
    let (_dir, store) = one_boat();
    let sequence = store.sequence();
    // The CIN of the same hull, second among the new alert's identifiers.
    let again = boat(
        "NL-2",
        &[("ENGINE_SERIAL", "6CJ-1"), ("CIN", "NL-ABC12345D404")],
    );
    let results = apply(&store, vec![put(again)], at(1));
    assert_eq!(
        refused(&results[0]),
        ("identifiers[1].value".to_string(), "NL-1".to_string())
    );
    let message = results[0].as_ref().unwrap_err().to_string();
    assert!(message.contains("NL-1") && message.contains("identifiers[1].value"));
    assert!(store.get("NL-2").unwrap().is_none());
    assert_eq!(store.sequence(), sequence);
    // Updating the alert that holds the number is no conflict with itself.
    let mut update = boat("NL-1", &[("HIN", "ABC12345D404")]);
    update.colour = Some("white".to_string());
    let results = apply(&store, vec![put(update)], at(2));
    assert!(matches!(results[0], Ok(Applied::Updated(_))), "{results:?}");
}

#[test]
fn two_records_of_one_object_in_one_write_behave_as_two_puts() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let first = boat("NL-1", &[("HIN", "ABC12345D404")]);
    let second = boat("NL-2", &[("HIN", "ABC-12345-D404")]);
    let results = apply(&store, vec![put(first), put(second)], at(0));
    assert!(matches!(results[0], Ok(Applied::Created(_))));
    assert_eq!(refused(&results[1]).1, "NL-1");

    let third = boat("NL-3", &[("HIN", "XYZ12345D404")]);
    let fourth = boat("NL-4", &[("HIN", "XYZ12345D404")]);
    let results = apply(&store, vec![put(third), linking(put(fourth))], at(1));
    let fourth = results[1].as_ref().unwrap().alert();
    assert_eq!(fourth.links, ["NL-3"]);
    let third = store.get("NL-3").unwrap().unwrap();
    assert_eq!(
        (third.version, third.links.as_slice()),
        (2, &["NL-4".to_string()][..])
    );
}

#[test]
fn linking_writes_links_on_both_sides_as_new_versions() {
    let (_dir, store) = one_boat();
    let again = boat("NL-2", &[("HIN", "ABC12345D404")]);
    let mut by_another = linking(put(again.clone()));
    if let Mutation::Put { changed_by, .. } = &mut by_another {
        *changed_by = "politie-nl-teamleider".to_string();
    }
    let results = apply(&store, vec![by_another], at(1));
    let linked = results[0].as_ref().unwrap().alert();
    assert_eq!(
        (linked.version, linked.links.as_slice()),
        (1, &["NL-1".to_string()][..])
    );
    let first = store.get("NL-1").unwrap().unwrap();
    assert_eq!(
        (first.version, first.links.as_slice()),
        (2, &["NL-2".to_string()][..])
    );
    let history = store.history("NL-1").unwrap();
    assert_eq!(history[1].change, AlertChange::Updated);
    assert_eq!(
        history[1].reason.as_deref(),
        Some("linked to NL-2: same object")
    );
    // The linked alert's version names who made the put that linked it.
    let by = |i: usize| history[i].changed_by.as_deref();
    assert_eq!(
        (by(0), by(1)),
        (Some("beheer-nl"), Some("politie-nl-teamleider"))
    );

    // Sent again without links (a re-import), in either mode: nothing changes.
    let results = apply(
        &store,
        vec![put(again), put(boat("NL-1", &[("HIN", "ABC12345D404")]))],
        at(2),
    );
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Ok(Applied::Unchanged(_)))),
        "{results:?}"
    );

    // Alerts linked by their sender are not refused either; the links are written back.
    // Linked to one holder of the number only, it is refused for the other.
    let half = Alert {
        links: vec!["NL-1".to_string()],
        ..boat("NL-3", &[("HIN", "ABC12345D404")])
    };
    let results = apply(&store, vec![put(half.clone())], at(3));
    assert_eq!(refused(&results[0]).1, "NL-2");
    let sent = Alert {
        links: vec!["NL-1".to_string(), "NL-2".to_string()],
        ..half
    };
    let results = apply(&store, vec![put(sent)], at(3));
    assert!(matches!(results[0], Ok(Applied::Created(_))), "{results:?}");
    assert_eq!(store.get("NL-1").unwrap().unwrap().links, ["NL-2", "NL-3"]);
    assert_eq!(store.get("NL-2").unwrap().unwrap().links, ["NL-1", "NL-3"]);
}

/// Linking stops where an alert's links would pass `Limits::LINKS`: the put is refused on
/// `links`, nothing is written, and every stored alert still passes validation.
#[test]
fn linking_stops_at_the_links_an_alert_may_hold() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let copy = |n: usize| boat(&format!("NL-{n:03}"), &[("HIN", "ABC12345D404")]);
    let puts = (0..=Limits::LINKS).map(|n| linking(put(copy(n)))).collect();
    let results = apply(&store, puts, at(0));
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
    let sequence = store.sequence();
    let results = apply(&store, vec![linking(put(copy(Limits::LINKS + 1)))], at(1));
    match &results[0] {
        Err(Error::Invalid(invalid)) => assert_eq!(invalid.field, "links", "{invalid}"),
        other => panic!("not refused on links: {other:?}"),
    }
    assert_eq!(store.sequence(), sequence);
    assert!(store.get("NL-065").unwrap().is_none());
    for n in 0..=Limits::LINKS {
        let stored = store.get(&format!("NL-{n:03}")).unwrap().unwrap();
        assert_eq!(stored.links.len(), Limits::LINKS, "{}", stored.id);
        validate(&stored, "NL").unwrap();
    }
}

#[test]
fn an_alert_no_longer_in_force_frees_its_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let first = boat("NL-1", &[("HIN", "ABC12345D404")]);
    apply(&store, vec![put(first)], at(0));
    let withdraw = set_status("NL-1", Status::Withdrawn, AlertChange::Withdrawn);
    let again = boat("NL-2", &[("HIN", "ABC12345D404")]);
    let results = apply(&store, vec![withdraw, put(again)], at(1));
    assert!(matches!(results[1], Ok(Applied::Created(_))), "{results:?}");
    // A HIT_CONFIRMED alert is in force; a RECOVERED one is not.
    let confirm = set_status("NL-2", Status::HitConfirmed, AlertChange::HitConfirmed);
    let third = boat("NL-3", &[("HIN", "ABC12345D404")]);
    let results = apply(&store, vec![confirm, put(third.clone())], at(2));
    assert_eq!(refused(&results[1]).1, "NL-2");
    let recover = set_status("NL-2", Status::Recovered, AlertChange::StatusChanged);
    let results = apply(&store, vec![recover], at(3));
    assert!(results[0].is_ok());
    let results = apply(&store, vec![put(third)], at(4));
    assert!(matches!(results[0], Ok(Applied::Created(_))), "{results:?}");
    // A new alert stored withdrawn holds nothing.
    let mut withdrawn = boat("NL-4", &[("HIN", "ABC12345D404")]);
    withdrawn.status = Status::Withdrawn;
    let results = apply(&store, vec![put(withdrawn)], at(5));
    assert!(matches!(results[0], Ok(Applied::Created(_))), "{results:?}");
}

#[test]
fn an_update_taking_another_alerts_number_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let first = boat("NL-1", &[("HIN", "ABC12345D404")]);
    let second = boat("NL-2", &[("HIN", "XYZ12345D404")]);
    apply(&store, vec![put(first), put(second)], at(0));
    let taking = boat(
        "NL-2",
        &[("HIN", "XYZ12345D404"), ("CIN", "NL-ABC12345D404")],
    );
    let results = apply(&store, vec![put(taking)], at(1));
    assert_eq!(
        refused(&results[0]),
        ("identifiers[1].value".to_string(), "NL-1".to_string())
    );
    assert_eq!(store.get("NL-2").unwrap().unwrap().version, 1);
}

#[test]
fn firearm_serials_are_one_gun_only_under_one_maker() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    apply(&store, vec![put(gun("NL-1", "BXK4471", "Glock"))], at(0));
    let beretta = put(gun("NL-2", "BXK4471", "Beretta"));
    let glock = put(gun("NL-3", "bxk-4471", "GLOCK"));
    let results = apply(&store, vec![beretta, glock], at(1));
    assert!(matches!(results[0], Ok(Applied::Created(_))), "{results:?}");
    assert_eq!(refused(&results[1]).1, "NL-1");
}

#[test]
fn the_in_force_column_survives_a_reopen_and_is_built_for_a_layout_2_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    {
        let store = Store::open(&path).unwrap();
        let withdrawn = boat("NL-2", &[("HIN", "XYZ12345D404")]);
        let withdraw = set_status("NL-2", Status::Withdrawn, AlertChange::Withdrawn);
        let first = boat("NL-1", &[("HIN", "ABC12345D404")]);
        apply(&store, vec![put(first), put(withdrawn), withdraw], at(0));
    }
    {
        let store = Store::open(&path).unwrap();
        let again = boat("NL-3", &[("HIN", "ABC12345D404")]);
        assert_eq!(
            refused(&apply(&store, vec![put(again.clone())], at(1))[0]).1,
            "NL-1"
        );
        // From the files too (their prefix filters), not only the replayed log.
        store.flush().unwrap();
        assert_eq!(
            refused(&apply(&store, vec![put(again)], at(1))[0]).1,
            "NL-1"
        );
        let other = boat("NL-5", &[("HIN", "ABC12345D405")]);
        let results = apply(&store, vec![put(other)], at(1));
        assert!(matches!(results[0], Ok(Applied::Created(_))), "{results:?}");
    }
    {
        // What layout 2 looked like: no in_force entries.
        let columns = DB::list_cf(&Options::default(), &path).unwrap();
        let db = DB::open_cf(&Options::default(), &path, columns).unwrap();
        let cf = db.cf_handle("in_force").unwrap();
        let keys: Vec<_> = db
            .iterator_cf(cf, IteratorMode::Start)
            .map(|item| item.unwrap().0)
            .collect();
        assert_eq!(keys.len(), 2, "only the alerts in force");
        for key in keys {
            db.delete_cf(cf, key).unwrap();
        }
        db.put_cf(db.cf_handle("meta").unwrap(), "format", b"2")
            .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let again = boat("NL-3", &[("HIN", "ABC12345D404")]);
    let freed = boat("NL-4", &[("HIN", "XYZ12345D404")]);
    let results = apply(&store, vec![put(again), put(freed)], at(2));
    assert_eq!(refused(&results[0]).1, "NL-1");
    assert!(matches!(results[1], Ok(Applied::Created(_))), "{results:?}");
}

#[test]
fn two_writers_of_one_object_store_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let stored: usize = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..8)
            .map(|i| {
                let store = &store;
                scope.spawn(move || {
                    let alert = boat(&format!("NL-{i}"), &[("HIN", "ABC12345D404")]);
                    let results = apply(store, vec![put(alert)], at(i));
                    usize::from(results[0].is_ok())
                })
            })
            .collect();
        writers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    assert_eq!(stored, 1);
}

#[test]
fn an_alert_back_in_force_must_not_duplicate_one_reported_meanwhile() {
    let (_dir, store) = one_boat();
    let recover = set_status("NL-1", Status::Recovered, AlertChange::StatusChanged);
    let stolen_again = boat("NL-2", &[("HIN", "ABC12345D404")]);
    apply(&store, vec![recover, put(stolen_again)], at(1));
    let active = || set_status("NL-1", Status::Active, AlertChange::StatusChanged);
    let results = apply(&store, vec![active()], at(2));
    assert_eq!(refused(&results[0]).1, "NL-2");
    assert_eq!(
        store.get("NL-1").unwrap().unwrap().status,
        Status::Recovered
    );
    // Once the other one is withdrawn, it may come back.
    let withdraw = set_status("NL-2", Status::Withdrawn, AlertChange::Withdrawn);
    let results = apply(&store, vec![withdraw, active()], at(3));
    assert!(
        matches!(results[1], Ok(Applied::StatusChanged(_))),
        "{results:?}"
    );
}
