//! Listing hit reports: filters applied before paging, tokens, receive times in order.

use jiff::ToSpan;

use super::{apply, at, boat, hit, one_boat, open, put};
use crate::{HitFilter, HitPage, Store};

/// Every page of the listing, following the tokens.
fn pages(store: &Store, filter: &HitFilter, limit: usize) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let HitPage {
            hits,
            next_page_token,
        } = store.hits(filter, token.as_deref(), limit).unwrap();
        pages.push(hits.into_iter().map(|h| h.id).collect());
        match next_page_token {
            Some(next) => token = Some(next),
            None => return pages,
        }
    }
}

#[test]
fn filters_apply_before_paging() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let alerts = (1..=3)
        .map(|i| {
            put(boat(
                &format!("NL-{i}"),
                &[("HIN", &format!("ABC1234{i}D404"))],
            ))
        })
        .collect();
    apply(&store, alerts, at(0));
    // Hits 1..=12, on NL-1, NL-2, NL-3, NL-1, ... received a minute apart.
    for n in 1..=12i64 {
        let alert = format!("NL-{}", (n - 1) % 3 + 1);
        store.add_hit(hit(&alert, "found"), at(60 * n)).unwrap();
    }
    // Another alert whose id extends NL-1 must not mix in.
    apply(
        &store,
        vec![put(boat("NL-10", &[("HIN", "QQQ12345D404")]))],
        at(0),
    );
    store.add_hit(hit("NL-10", "found"), at(60 * 13)).unwrap();

    let nl1 = HitFilter {
        alert_id: Some("NL-1".to_string()),
        since: None,
        ..HitFilter::default()
    };
    assert_eq!(
        pages(&store, &nl1, 3),
        [
            vec!["HIT-NL-1-10", "HIT-NL-1-7", "HIT-NL-1-4"],
            vec!["HIT-NL-1-1"],
        ]
    );
    // A page size that divides the matches exactly: no empty last page.
    assert_eq!(pages(&store, &nl1, 2).len(), 2);
    assert_eq!(pages(&store, &nl1, 4).len(), 1);

    let recent = HitFilter {
        alert_id: None,
        since: Some(at(60 * 11)),
        ..HitFilter::default()
    };
    assert_eq!(
        pages(&store, &recent, 2),
        [vec!["HIT-NL-10-13", "HIT-NL-3-12"], vec!["HIT-NL-2-11"]]
    );
    let recent_nl2 = HitFilter {
        alert_id: Some("NL-2".to_string()),
        since: Some(at(60 * 5)),
        ..HitFilter::default()
    };
    assert_eq!(
        pages(&store, &recent_nl2, 10),
        [vec!["HIT-NL-2-11", "HIT-NL-2-8", "HIT-NL-2-5"]]
    );
    // A token from an unfiltered listing continues a filtered one where it stood.
    let page = store.hits(&nl1, Some("HIT-NL-3-6"), 10).unwrap();
    let ids: Vec<_> = page.hits.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["HIT-NL-1-4", "HIT-NL-1-1"]);

    let nobody = HitFilter {
        alert_id: Some("NL-404".to_string()),
        since: None,
        ..HitFilter::default()
    };
    assert_eq!(pages(&store, &nobody, 5), [Vec::<String>::new()]);
}

#[test]
fn receive_times_never_go_back() {
    let (_dir, store) = one_boat();
    let (first, _) = store.add_hit(hit("NL-1", "first"), at(100)).unwrap();
    // The clock was stepped back by a minute.
    let (second, _) = store.add_hit(hit("NL-1", "second"), at(40)).unwrap();
    assert_eq!(first.received_at, Some(at(100)));
    assert_eq!(second.received_at, Some(at(100)));
    let (third, _) = store
        .add_hit(hit("NL-1", "third"), at(100) + 1.second())
        .unwrap();
    assert_eq!(third.received_at, Some(at(101)));
    let since = HitFilter {
        alert_id: None,
        since: Some(at(100)),
        ..HitFilter::default()
    };
    assert_eq!(store.hits(&since, None, 10).unwrap().hits.len(), 3);
}

#[test]
fn a_withdrawn_alert_refuses_a_hit_and_nothing_is_written() {
    let (_dir, store) = one_boat();
    let withdraw = crate::Mutation::SetStatus {
        id: "NL-1".to_string(),
        status: sismatch_alert::Status::Withdrawn,
        change: sismatch_alert::AlertChange::Withdrawn,
        reason: Some("recovered by the owner".to_string()),
        changed_by: "beheer-nl".to_string(),
        expected_version: None,
    };
    apply(&store, vec![withdraw], at(60));
    let sequence = store.sequence();

    let refused = store.add_hit(hit("NL-1", "found"), at(120));
    assert_eq!(refused, Err(crate::Error::Withdrawn("NL-1".to_string())));
    assert_eq!(store.sequence(), sequence, "nothing written");
    assert_eq!(store.hits_received(), 0);
    let alert = store.get("NL-1").unwrap().unwrap();
    assert_eq!(alert.status, sismatch_alert::Status::Withdrawn);
}

/// A hit on a RECOVERED alert brings it back in force, as a status change does: refused when
/// its number was reported again meanwhile (the hit is the new alert's), nothing written;
/// recorded otherwise.
#[test]
fn a_hit_on_a_recovered_alert_whose_number_was_reported_again_is_refused() {
    use sismatch_alert::{AlertChange, Status};
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let recovered = |id: &str| super::set_status(id, Status::Recovered, AlertChange::StatusChanged);
    apply(
        &store,
        vec![
            put(boat("NL-1", &[("HIN", "ABC12345D404")])),
            put(boat("NL-3", &[("HIN", "XYZ54321E505")])),
        ],
        at(0),
    );
    apply(&store, vec![recovered("NL-1"), recovered("NL-3")], at(60));
    // Stolen again, reported as a new alert.
    apply(
        &store,
        vec![put(boat("NL-2", &[("HIN", "ABC12345D404")]))],
        at(90),
    );
    let sequence = store.sequence();

    match store.add_hit(hit("NL-1", "found"), at(120)) {
        Err(crate::Error::Duplicate { existing, .. }) => assert_eq!(existing, "NL-2"),
        other => panic!("not refused as a duplicate: {other:?}"),
    }
    assert_eq!(store.sequence(), sequence, "nothing written");
    assert_eq!(store.hits_received(), 0);
    assert_eq!(
        store.get("NL-1").unwrap().unwrap().status,
        Status::Recovered
    );

    let (report, alert) = store.add_hit(hit("NL-3", "found"), at(150)).unwrap();
    assert_eq!(alert.status, Status::HitConfirmed);
    assert_eq!(report.alert_id, "NL-3");
}
