//! Behaviour of the store on a real RocksDB database in a temporary folder.

mod decisions;
mod duplicates;
mod expiry;
mod hits;
mod layout;
mod versions;

use std::collections::BTreeMap;
use std::path::Path;

use jiff::Timestamp;
use serde_json::json;
use sismatch_alert::{Alert, AlertChange, HitReport, Status};

use crate::{Applied, Error, HitFilter, HitPage, Mutation, OnDuplicate, Store};

fn boat(id: &str, identifiers: &[(&str, &str)]) -> Alert {
    let identifiers: Vec<_> = identifiers
        .iter()
        .map(|(kind, value)| json!({"kind": kind, "value": value}))
        .collect();
    serde_json::from_value(json!({
        "id": id,
        "country": "NL",
        "category": "BOAT",
        "identifiers": identifiers,
        "brand": "Bayliner",
    }))
    .unwrap()
}

fn at(second: i64) -> Timestamp {
    Timestamp::from_second(1_780_000_000 + second).unwrap()
}

fn put(alert: Alert) -> Mutation {
    Mutation::Put {
        alert,
        reason: None,
        changed_by: "beheer-nl".to_string(),
        expected_version: None,
        on_duplicate: OnDuplicate::Refuse,
    }
}

fn set_status(id: &str, status: Status, change: AlertChange) -> Mutation {
    Mutation::SetStatus {
        id: id.to_string(),
        status,
        change,
        reason: Some("test".to_string()),
        changed_by: "beheer-nl".to_string(),
        expected_version: None,
    }
}

/// A put that links its alert to the alerts in force holding one of its identifiers.
fn linking(mut mutation: Mutation) -> Mutation {
    if let Mutation::Put { on_duplicate, .. } = &mut mutation {
        *on_duplicate = OnDuplicate::Link;
    }
    mutation
}

/// `mutation` made against version `version` of its alert.
fn expecting(mut mutation: Mutation, version: u64) -> Mutation {
    match &mut mutation {
        Mutation::Put {
            expected_version, ..
        }
        | Mutation::SetStatus {
            expected_version, ..
        }
        | Mutation::ExtendExpiry {
            expected_version, ..
        } => *expected_version = Some(version),
    }
    mutation
}

/// Applies `mutations` and returns their results, failing the test on a store-level error.
fn apply(store: &Store, mutations: Vec<Mutation>, now: Timestamp) -> Vec<Result<Applied, Error>> {
    store.apply(mutations, now).unwrap()
}

fn hit(alert_id: &str, note: &str) -> HitReport {
    serde_json::from_value(json!({
        "alert_id": alert_id,
        "reporting_country": "BE",
        "note": note,
    }))
    .unwrap()
}

fn open(dir: &Path) -> Store {
    Store::open(&dir.join("store")).unwrap()
}

/// A store in a temporary folder (kept while the returned handle lives) holding `NL-1`, a boat
/// with the HIN `ABC12345D404`, stored at `at(0)`: where most duplicate and hit tests start.
fn one_boat() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    apply(
        &store,
        vec![put(boat("NL-1", &[("HIN", "ABC12345D404")]))],
        at(0),
    );
    (dir, store)
}

#[test]
fn the_store_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Store>();
}

#[test]
fn create_update_unchanged_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let first = boat("NL-1", &[("HIN", "ABC12345D404")]);

    let created = apply(&store, vec![put(first.clone())], at(0));
    let Ok(Applied::Created(stored)) = &created[0] else {
        panic!("{created:?}")
    };
    assert_eq!(stored.version, 1);
    assert_eq!(stored.updated_at, Some(at(0)));
    assert_eq!(store.get("NL-1").unwrap().as_ref(), Some(stored));

    // A re-import of the same content writes nothing, whatever version and time it carries.
    let mut again = first.clone();
    again.version = 7;
    again.updated_at = Some(at(99));
    let unchanged = apply(&store, vec![put(again)], at(1));
    assert_eq!(unchanged, vec![Ok(Applied::Unchanged(stored.clone()))]);
    assert_eq!(store.sequence(), 1);

    let mut changed = first;
    changed.colour = Some("white".to_string());
    let updated = apply(&store, vec![put(changed)], at(2));
    let Ok(Applied::Updated(stored)) = &updated[0] else {
        panic!("{updated:?}")
    };
    assert_eq!(stored.version, 2);
    assert_eq!(stored.updated_at, Some(at(2)));
    assert_eq!(stored.colour.as_deref(), Some("white"));

    let history = store.history("NL-1").unwrap();
    let versions: Vec<_> = history
        .iter()
        .map(|v| (v.alert.version, v.change, v.alert.colour.clone()))
        .collect();
    assert_eq!(
        versions,
        [
            (1, AlertChange::Created, None),
            (2, AlertChange::Updated, Some("white".to_string())),
        ]
    );
    assert!(store.history("NL-2").unwrap().is_empty());
    assert!(store.history("NL-").unwrap().is_empty());
    assert_eq!(store.get("NL-2").unwrap(), None);
    assert_eq!(store.sequence(), 2);
}

#[test]
fn history_of_one_alert_excludes_alerts_whose_id_extends_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let mutations = vec![
        put(boat("NL-1", &[("HIN", "ABC12345D404")])),
        put(boat("NL-10", &[("HIN", "XYZ12345D404")])),
    ];
    apply(&store, mutations, at(0));
    let ids: Vec<_> = store
        .history("NL-1")
        .unwrap()
        .into_iter()
        .map(|v| v.alert.id)
        .collect();
    assert_eq!(ids, ["NL-1"]);
}

#[test]
fn set_status_records_the_change_and_refuses_unknown_ids() {
    let (_dir, store) = one_boat();

    let results = apply(
        &store,
        vec![
            set_status("NL-404", Status::Recovered, AlertChange::StatusChanged),
            set_status("NL-1", Status::Withdrawn, AlertChange::Withdrawn),
            set_status("NL-1", Status::Recovered, AlertChange::Withdrawn),
            set_status("NL-1", Status::Active, AlertChange::Updated),
        ],
        at(1),
    );
    assert_eq!(results[0], Err(Error::NotFound("NL-404".to_string())));
    let Ok(Applied::StatusChanged(withdrawn)) = &results[1] else {
        panic!("{results:?}")
    };
    assert_eq!(
        (withdrawn.status, withdrawn.version),
        (Status::Withdrawn, 2)
    );
    for refused in &results[2..] {
        let Err(Error::Invalid(invalid)) = refused else {
            panic!("{refused:?}")
        };
        assert_eq!(invalid.field, "change");
        assert!(refused.as_ref().unwrap_err().is_caller_fault());
    }

    // A retried withdrawal adds no version.
    let retried = apply(
        &store,
        vec![set_status(
            "NL-1",
            Status::Withdrawn,
            AlertChange::Withdrawn,
        )],
        at(2),
    );
    assert_eq!(retried, vec![Ok(Applied::Unchanged(withdrawn.clone()))]);

    let history = store.history("NL-1").unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].change, AlertChange::Withdrawn);
    assert_eq!(history[1].reason.as_deref(), Some("test"));
    assert_eq!(
        store.get("NL-1").unwrap().unwrap().status,
        Status::Withdrawn
    );
}

#[test]
fn several_mutations_of_one_id_apply_in_order_in_one_batch() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let first = boat("NL-1", &[("HIN", "ABC12345D404")]);
    let mut second = first.clone();
    second.model = Some("VR5".to_string());
    let results = apply(
        &store,
        vec![
            put(first),
            put(second.clone()),
            put(second),
            set_status("NL-1", Status::Recovered, AlertChange::StatusChanged),
            put(boat("NL-2", &[("HIN", "XYZ12345D404")])),
        ],
        at(5),
    );
    let kinds: Vec<_> = results
        .iter()
        .map(|r| match r {
            Ok(Applied::Created(a)) => ("created", a.version),
            Ok(Applied::Updated(a)) => ("updated", a.version),
            Ok(Applied::Unchanged(a)) => ("unchanged", a.version),
            Ok(Applied::StatusChanged(a)) => ("status", a.version),
            Err(e) => panic!("{e}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("created", 1),
            ("updated", 2),
            ("unchanged", 2),
            ("status", 3),
            ("created", 1)
        ]
    );
    let stored = store.get("NL-1").unwrap().unwrap();
    assert_eq!(stored.version, 3);
    assert_eq!(stored.status, Status::Recovered);
    assert_eq!(stored.model.as_deref(), Some("VR5"));
    let changes: Vec<_> = store
        .history("NL-1")
        .unwrap()
        .iter()
        .map(|v| v.change)
        .collect();
    assert_eq!(
        changes,
        [
            AlertChange::Created,
            AlertChange::Updated,
            AlertChange::StatusChanged
        ]
    );
    assert_eq!(
        store.changes_since(0, 10).unwrap(),
        [
            (1, "NL-1".to_string()),
            (2, "NL-1".to_string()),
            (3, "NL-1".to_string()),
            (4, "NL-2".to_string())
        ]
    );
    let counts = store.count_by_status().unwrap();
    assert_eq!(counts[&Status::Recovered], 1);
    assert_eq!(counts[&Status::Active], 1);
}

#[test]
fn a_failing_mutation_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let results = apply(
        &store,
        vec![
            put(boat("", &[("HIN", "ABC12345D404")])),
            put(boat("NL-1", &[("HIN", "ABC12345D404")])),
            set_status("NL-2", Status::Recovered, AlertChange::StatusChanged),
        ],
        at(0),
    );
    assert!(matches!(&results[0], Err(Error::Invalid(invalid)) if invalid.field == "id"));
    assert!(matches!(&results[1], Ok(Applied::Created(_))));
    assert_eq!(results[2], Err(Error::NotFound("NL-2".to_string())));
    assert!(store.get("NL-1").unwrap().is_some());
    assert_eq!(store.sequence(), 1);
    assert!(store.apply(Vec::new(), at(0)).unwrap().is_empty());
}

#[test]
fn the_key_map_follows_identifier_changes() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let first = boat(
        "NL-1",
        &[
            ("CIN", "NL-ABC12345D404"),
            ("ENGINE_SERIAL", "6CJ-1013456"),
            ("SERIAL_NUMBER", "UNKNOWN"),
        ],
    );
    let other = boat("NL-2", &[("HIN", "abc 12345 d4 04")]);
    apply(&store, vec![put(first), linking(put(other))], at(0));
    // The CIN of one boat and the HIN of the other share one key.
    assert_eq!(
        store.alerts_by_key("ABC12345D404").unwrap(),
        ["NL-1", "NL-2"]
    );
    assert_eq!(store.alerts_by_key("6CJ1013456").unwrap(), ["NL-1"]);
    assert!(store.alerts_by_key("UNKNOWN").unwrap().is_empty());
    assert!(store.alerts_by_key("").unwrap().is_empty());

    let replaced = boat(
        "NL-1",
        &[("CIN", "NL-ABC12345D404"), ("ENGINE_SERIAL", "6CJ-2000001")],
    );
    apply(&store, vec![put(replaced)], at(1));
    assert!(store.alerts_by_key("6CJ1013456").unwrap().is_empty());
    assert_eq!(store.alerts_by_key("6CJ2000001").unwrap(), ["NL-1"]);
    assert_eq!(
        store.alerts_by_key("ABC12345D404").unwrap(),
        ["NL-1", "NL-2"]
    );
    // A prefix of a key is not the key.
    assert!(store.alerts_by_key("ABC12345D40").unwrap().is_empty());
}

#[test]
fn sequence_and_changes_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path());
        assert_eq!(store.sequence(), 0);
        let batch: Vec<_> = (0..5)
            .map(|i| {
                put(boat(
                    &format!("NL-{i}"),
                    &[("HIN", &format!("ABC{i:05}D404"))],
                ))
            })
            .collect();
        apply(&store, batch, at(0));
        apply(
            &store,
            vec![set_status(
                "NL-3",
                Status::Recovered,
                AlertChange::StatusChanged,
            )],
            at(1),
        );
        assert_eq!(store.sequence(), 6);
        // No flush: what is acknowledged is in the synced write-ahead log.
    }
    let store = open(dir.path());
    assert_eq!(store.sequence(), 6);
    assert_eq!(
        store.changes_since(3, 2).unwrap(),
        [(4, "NL-3".to_string()), (5, "NL-4".to_string())]
    );
    assert_eq!(
        store.changes_since(5, 100).unwrap(),
        [(6, "NL-3".to_string())]
    );
    assert!(store.changes_since(6, 100).unwrap().is_empty());
    assert!(store.changes_since(u64::MAX, 100).unwrap().is_empty());
    assert!(store.changes_since(0, 0).unwrap().is_empty());

    let next = apply(&store, vec![put(boat("NL-9", &[("HIN", "X1")]))], at(2));
    assert!(matches!(&next[0], Ok(Applied::Created(_))));
    assert_eq!(store.sequence(), 7);
    assert_eq!(
        store.changes_since(6, 10).unwrap(),
        [(7, "NL-9".to_string())]
    );
    let counts = store.count_by_status().unwrap();
    assert_eq!(
        (counts[&Status::Active], counts[&Status::Recovered]),
        (5, 1)
    );
}

#[test]
fn a_hit_confirms_the_alert_and_hits_page_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    apply(
        &store,
        vec![
            put(boat("NL-1", &[("HIN", "ABC12345D404")])),
            put(boat("NL-2", &[("HIN", "XYZ12345D404")])),
        ],
        at(0),
    );

    let (report, alert) = store.add_hit(hit("NL-1", "first"), at(10)).unwrap();
    assert_eq!(report.id, "HIT-NL-1-1");
    assert_eq!(report.received_at, Some(at(10)));
    assert_eq!((alert.status, alert.version), (Status::HitConfirmed, 2));
    assert_eq!(store.get("NL-1").unwrap(), Some(alert));
    let last = store.history("NL-1").unwrap().pop().unwrap();
    assert_eq!(last.change, AlertChange::HitConfirmed);
    assert_eq!(last.reason.as_deref(), Some("hit report HIT-NL-1-1"));

    assert_eq!(
        store.add_hit(hit("NL-404", "lost"), at(11)),
        Err(Error::NotFound("NL-404".to_string()))
    );
    assert!(matches!(
        store.add_hit(hit("", "nothing"), at(11)),
        Err(Error::Invalid(invalid)) if invalid.field == "alert_id"
    ));
    store.add_hit(hit("NL-2", "second"), at(12)).unwrap();
    let (third, again) = store.add_hit(hit("NL-1", "third"), at(13)).unwrap();
    assert_eq!(third.id, "HIT-NL-1-3");
    assert_eq!(again.version, 3);

    let notes = |page: &[HitReport]| -> Vec<String> {
        page.iter().filter_map(|h| h.note.clone()).collect()
    };
    let all = HitFilter::default();
    let page = store.hits(&all, None, 2).unwrap();
    assert_eq!(notes(&page.hits), ["third", "second"]);
    assert_eq!(page.next_page_token.as_deref(), Some("HIT-NL-2-2"));
    let page = store
        .hits(&all, page.next_page_token.as_deref(), 2)
        .unwrap();
    assert_eq!(notes(&page.hits), ["first"]);
    assert_eq!(page.next_page_token, None, "the last page says so");
    let after_last = store.hits(&all, Some(&page.hits[0].id), 2).unwrap();
    assert_eq!(after_last, HitPage::default());
    assert!(matches!(
        store.hits(&all, Some("not a cursor"), 2),
        Err(Error::Invalid(invalid)) if invalid.field == "page_token"
    ));
    assert_eq!(store.hits_received(), 3);

    let counts = store.count_by_status().unwrap();
    assert_eq!(counts[&Status::HitConfirmed], 2);
    assert_eq!(counts[&Status::Active], 0);

    // The hit sequence continues after a reopen.
    drop(store);
    let store = open(dir.path());
    let (fourth, _) = store.add_hit(hit("NL-2", "fourth"), at(14)).unwrap();
    assert_eq!(fourth.id, "HIT-NL-2-4");
    assert_eq!(notes(&store.hits(&all, None, 1).unwrap().hits), ["fourth"]);
    assert_eq!(store.hits_received(), 4);
}

#[test]
fn status_counters_match_the_alerts_after_a_mix_of_operations() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let batch: Vec<_> = (0..20)
        .map(|i| {
            put(boat(
                &format!("NL-{i}"),
                &[("HIN", &format!("ABC{i:05}D404"))],
            ))
        })
        .collect();
    apply(&store, batch, at(0));
    let mut mixed = vec![
        set_status("NL-0", Status::Withdrawn, AlertChange::Withdrawn),
        set_status("NL-1", Status::Recovered, AlertChange::StatusChanged),
        set_status("NL-1", Status::Active, AlertChange::StatusChanged),
        set_status("NL-2", Status::Recovered, AlertChange::StatusChanged),
        set_status("NL-404", Status::Recovered, AlertChange::StatusChanged),
    ];
    // Re-putting an alert keeps its stored status: NL-0 stays withdrawn.
    let mut back = boat("NL-0", &[("HIN", "ABC00000D404")]);
    back.status = Status::Active;
    mixed.push(set_status(
        "NL-3",
        Status::Withdrawn,
        AlertChange::Withdrawn,
    ));
    mixed.push(put(back));
    apply(&store, mixed, at(1));
    store.add_hit(hit("NL-4", "found"), at(2)).unwrap();
    store.add_hit(hit("NL-4", "found again"), at(3)).unwrap();

    let ids: Vec<String> = (0..20).map(|i| format!("NL-{i}")).collect();
    let mut scanned = BTreeMap::new();
    for alert in store.get_many(&ids).unwrap().into_iter().flatten() {
        *scanned.entry(alert.status).or_insert(0u64) += 1;
    }
    let counts = store.count_by_status().unwrap();
    let nonzero: BTreeMap<_, _> = counts.into_iter().filter(|(_, n)| *n > 0).collect();
    assert_eq!(nonzero, scanned);
    assert_eq!(
        nonzero,
        BTreeMap::from([
            (Status::Active, 16),
            (Status::HitConfirmed, 1),
            (Status::Recovered, 1),
            (Status::Withdrawn, 2),
        ])
    );
    drop(store);
    let store = open(dir.path());
    assert_eq!(store.count_by_status().unwrap()[&Status::Active], 16);
}

#[test]
fn get_many_keeps_the_order_of_the_ids() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    apply(
        &store,
        vec![
            put(boat("NL-1", &[("HIN", "ABC12345D404")])),
            put(boat("NL-2", &[("HIN", "XYZ12345D404")])),
        ],
        at(0),
    );
    let ids = ["NL-2", "NL-404", "NL-1", "NL-2"].map(String::from);
    let found: Vec<_> = store
        .get_many(&ids)
        .unwrap()
        .into_iter()
        .map(|a| a.map(|a| a.id))
        .collect();
    let expected = [Some("NL-2"), None, Some("NL-1"), Some("NL-2")].map(|id| id.map(String::from));
    assert_eq!(found, expected);
    assert!(store.get_many(&[]).unwrap().is_empty());
    store.flush().unwrap();
    assert_eq!(store.get("NL-1").unwrap().map(|a| a.version), Some(1));
}

#[test]
fn corrupt_records_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    {
        let store = Store::open(&path).unwrap();
        apply(
            &store,
            vec![
                put(boat("NL-1", &[("HIN", "ABC12345D404")])),
                put(boat("NL-2", &[("HIN", "XYZ12345D404")])),
            ],
            at(0),
        );
        store.add_hit(hit("NL-2", "found"), at(1)).unwrap();
    }
    {
        let columns = rocksdb::DB::list_cf(&rocksdb::Options::default(), &path).unwrap();
        let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), &path, columns).unwrap();
        let cf = |name| db.cf_handle(name).unwrap();
        db.put_cf(cf("alerts"), "NL-1", b"{not json").unwrap();
        db.put_cf(
            cf("history"),
            crate::keys::history_key("NL-1", 1),
            [0xff, 0x00],
        )
        .unwrap();
        db.put_cf(cf("hits"), 1u64.to_be_bytes(), b"[]").unwrap();
        db.put_cf(cf("changes"), b"short", b"NL-1").unwrap();
    }
    let store = Store::open(&path).unwrap();
    let corrupt_in = |result: Result<_, Error>, column: &str| match result {
        Err(error @ Error::Corrupt { .. }) => {
            assert!(!error.is_caller_fault());
            assert!(error.to_string().contains(column), "{error}");
        }
        other => panic!("expected a corrupt {column} record, got {other:?}"),
    };
    corrupt_in(store.get("NL-1").map(|_| ()), "alerts");
    corrupt_in(store.get_many(&["NL-1".to_string()]).map(|_| ()), "alerts");
    corrupt_in(store.history("NL-1").map(|_| ()), "history");
    corrupt_in(
        store.hits(&HitFilter::default(), None, 10).map(|_| ()),
        "hits",
    );
    corrupt_in(store.changes_since(0, 10).map(|_| ()), "changes");
    corrupt_in(store.add_hit(hit("NL-1", "x"), at(2)).map(|_| ()), "alerts");

    // A corrupt alert fails only the mutations of that alert.
    let results = apply(
        &store,
        vec![
            put(boat("NL-1", &[("HIN", "ABC12345D404")])),
            set_status("NL-1", Status::Recovered, AlertChange::StatusChanged),
            put(boat("NL-3", &[("HIN", "QQQ12345D404")])),
        ],
        at(3),
    );
    corrupt_in(results[0].clone().map(|_| ()), "alerts");
    corrupt_in(results[1].clone().map(|_| ()), "alerts");
    assert!(matches!(&results[2], Ok(Applied::Created(_))));
    assert_eq!(
        store.get("NL-2").unwrap().map(|a| a.status),
        Some(Status::HitConfirmed)
    );
}

#[test]
fn a_store_of_another_layout_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    drop(Store::open(&path).unwrap());
    {
        let columns = rocksdb::DB::list_cf(&rocksdb::Options::default(), &path).unwrap();
        let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), &path, columns).unwrap();
        db.put_cf(db.cf_handle("meta").unwrap(), "format", b"4")
            .unwrap();
    }
    let error = Store::open(&path).unwrap_err();
    assert!(error.to_string().contains("layout 4"), "{error}");
}

#[test]
fn a_second_open_of_the_same_folder_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let _store = open(dir.path());
    let error = Store::open(&dir.path().join("store")).unwrap_err();
    assert!(matches!(error, Error::RocksDb(_)), "{error}");
}
