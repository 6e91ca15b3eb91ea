//! Alert review before expiry (DESIGN §2, issue 14): the alerts due within a window, and an
//! extension as a new, durable version with its reason and author.

use jiff::{SignedDuration, Timestamp};
use sismatch_alert::{Alert, AlertChange, Status};

use super::{apply, at, boat, open, put, set_status};
use crate::{Applied, Error, Mutation};

const DAY: SignedDuration = SignedDuration::from_hours(24);

/// A boat alert of `id` expiring `days` days after `at(0)`.
fn expiring(id: &str, value: &str, days: i32) -> Alert {
    let mut alert = boat(id, &[("HIN", value)]);
    alert.expires_at = Some(at(0) + DAY * days);
    alert
}

fn extend(id: &str, until: Timestamp, reason: &str) -> Mutation {
    Mutation::ExtendExpiry {
        id: id.to_string(),
        until,
        reason: reason.to_string(),
        changed_by: "beheer-nl".to_string(),
        expected_version: None,
    }
}

fn ids(alerts: &[Alert]) -> Vec<&str> {
    alerts.iter().map(|a| a.id.as_str()).collect()
}

#[test]
fn the_alerts_due_are_those_in_force_expiring_within_the_window_soonest_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let alerts = vec![
        put(expiring("NL-PAST", "ABC12345D401", -1)),
        put(expiring("NL-20B", "ABC12345D402", 20)),
        put(expiring("NL-20A", "ABC12345D403", 20)),
        put(expiring("NL-10", "ABC12345D404", 10)),
        put(expiring("NL-RECOVERED", "ABC12345D405", 5)),
        put(expiring("NL-LATER", "ABC12345D406", 40)),
        put(boat("NL-NEVER", &[("HIN", "ABC12345D407")])),
        set_status(
            "NL-RECOVERED",
            Status::Recovered,
            AlertChange::StatusChanged,
        ),
    ];
    for result in apply(&store, alerts, at(0)) {
        result.unwrap();
    }
    let window = (at(0), at(0) + DAY * 30);

    let all = store.expiring(window.0, window.1, None, 10).unwrap();
    assert_eq!(ids(&all.alerts), ["NL-10", "NL-20A", "NL-20B"]);
    assert_eq!(all.next_page_token, None);

    let first = store.expiring(window.0, window.1, None, 2).unwrap();
    assert_eq!(ids(&first.alerts), ["NL-10", "NL-20A"]);
    let token = first.next_page_token.unwrap();
    let second = store.expiring(window.0, window.1, Some(&token), 2).unwrap();
    assert_eq!(ids(&second.alerts), ["NL-20B"]);
    assert_eq!(second.next_page_token, None);

    let error = store
        .expiring(window.0, window.1, Some("NL-10"), 2)
        .unwrap_err();
    assert!(
        matches!(&error, Error::Invalid(invalid) if invalid.field == "page_token"),
        "{error}"
    );
}

#[test]
fn an_extension_is_a_new_version_with_its_reason_and_author_that_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    apply(
        &store,
        vec![put(expiring("NL-1", "ABC12345D404", 10))],
        at(0),
    )[0]
    .clone()
    .unwrap();
    let until = at(0) + DAY * 365;
    let extended = apply(&store, vec![extend("NL-1", until, "still sought")], at(5));
    let Ok(Applied::Updated(alert)) = &extended[0] else {
        panic!("{extended:?}")
    };
    assert_eq!((alert.version, alert.expires_at), (2, Some(until)));
    let window = (at(5), at(5) + DAY * 30);
    assert!(
        store
            .expiring(window.0, window.1, None, 10)
            .unwrap()
            .alerts
            .is_empty()
    );

    drop(store);
    let store = open(dir.path());
    assert_eq!(store.get("NL-1").unwrap().unwrap().expires_at, Some(until));
    let history = store.history("NL-1").unwrap();
    assert_eq!(history.len(), 2);
    let last = &history[1];
    assert_eq!(last.change, AlertChange::ExpiryExtended);
    assert_eq!(last.reason.as_deref(), Some("still sought"));
    assert_eq!(last.changed_by.as_deref(), Some("beheer-nl"));
    assert_eq!(last.alert.expires_at, Some(until));
    // Only the expiry changed.
    let mut before = history[0].alert.clone();
    before.expires_at = Some(until);
    assert!(before.same_content(&last.alert));
    let year = (at(0) + DAY * 300, at(0) + DAY * 400);
    let listed = store.expiring(year.0, year.1, None, 10).unwrap();
    assert_eq!(ids(&listed.alerts), ["NL-1"]);
}

#[test]
fn an_extension_must_be_later_in_the_future_and_of_an_alert_in_force_that_expires() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let setup = vec![
        put(expiring("NL-1", "ABC12345D404", 10)),
        put(expiring("NL-EXPIRED", "ABC12345D405", -10)),
        put(expiring("NL-RECOVERED", "ABC12345D406", 10)),
        put(boat("NL-NEVER", &[("HIN", "ABC12345D407")])),
        set_status(
            "NL-RECOVERED",
            Status::Recovered,
            AlertChange::StatusChanged,
        ),
    ];
    for result in apply(&store, setup, at(0)) {
        result.unwrap();
    }
    let field = |result: &Result<Applied, Error>| match result {
        Err(Error::Invalid(invalid)) => invalid.field.clone(),
        other => panic!("{other:?}"),
    };
    let results = apply(
        &store,
        vec![
            extend("NL-1", at(0) + DAY * 5, "earlier"),
            extend("NL-EXPIRED", at(0) - DAY, "in the past"),
            extend("NL-RECOVERED", at(0) + DAY * 90, "found"),
            extend("NL-NEVER", at(0) + DAY * 90, "never expires"),
            extend("NL-404", at(0) + DAY * 90, "unknown"),
            // An expired alert extended is in force again.
            extend("NL-EXPIRED", at(0) + DAY * 90, "still sought"),
        ],
        at(0),
    );
    assert_eq!(field(&results[0]), "expires_at");
    assert_eq!(field(&results[1]), "expires_at");
    assert!(
        matches!(&results[2], Err(Error::NotExtendable { id, .. }) if id == "NL-RECOVERED"),
        "{:?}",
        results[2]
    );
    assert!(results[2].clone().unwrap_err().is_caller_fault());
    assert!(
        matches!(&results[3], Err(Error::NotExtendable { why, .. }) if why == "it never expires"),
        "{:?}",
        results[3]
    );
    assert_eq!(results[4], Err(Error::NotFound("NL-404".to_string())));
    assert!(matches!(&results[5], Ok(Applied::Updated(a)) if a.version == 2));
    // The refused ones wrote nothing.
    assert_eq!(store.history("NL-1").unwrap().len(), 1);
}
