//! The expiry column and the upgrade of a layout-1 store.

use rocksdb::{DB, IteratorMode, Options};

use super::{apply, at, boat, hit, open, put};
use crate::{HitFilter, Store};

#[test]
fn expired_alerts_are_counted_from_their_keys() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let mut alerts = Vec::new();
    for (i, expires) in [Some(10), Some(20), Some(30), None].into_iter().enumerate() {
        let mut alert = boat(&format!("NL-{i}"), &[("HIN", &format!("ABC{i:05}D404"))]);
        alert.expires_at = expires.map(at);
        alerts.push(put(alert));
    }
    apply(&store, alerts, at(0));
    assert_eq!(store.count_expired(at(5)).unwrap(), 0);
    // Expired at the very instant of `expires_at`, as `Alert::is_expired_at` says.
    assert_eq!(store.count_expired(at(10)).unwrap(), 1);
    assert_eq!(store.count_expired(at(25)).unwrap(), 2);

    // Moving an expiry moves its key; removing it removes the key.
    let mut later = store.get("NL-0").unwrap().unwrap();
    later.expires_at = Some(at(100));
    let mut never = store.get("NL-1").unwrap().unwrap();
    never.expires_at = None;
    apply(&store, vec![put(later), put(never)], at(1));
    assert_eq!(store.count_expired(at(25)).unwrap(), 0);
    assert_eq!(store.count_expired(at(1000)).unwrap(), 2);
}

#[test]
fn a_layout_1_store_is_upgraded_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    {
        let store = Store::open(&path).unwrap();
        let mut expiring = boat("NL-2", &[("HIN", "XYZ12345D404")]);
        expiring.expires_at = Some(at(10));
        apply(
            &store,
            vec![put(boat("NL-1", &[("HIN", "ABC12345D404")])), put(expiring)],
            at(0),
        );
        store.add_hit(hit("NL-1", "a"), at(1)).unwrap();
        store.add_hit(hit("NL-2", "b"), at(2)).unwrap();
        store.add_hit(hit("NL-1", "c"), at(3)).unwrap();
    }
    {
        // What layout 1 looked like: no alert_hits or expiry entries.
        let columns = DB::list_cf(&Options::default(), &path).unwrap();
        let db = DB::open_cf(&Options::default(), &path, columns).unwrap();
        for name in ["alert_hits", "expiry"] {
            let cf = db.cf_handle(name).unwrap();
            let keys: Vec<_> = db
                .iterator_cf(cf, IteratorMode::Start)
                .map(|item| item.unwrap().0)
                .collect();
            for key in keys {
                db.delete_cf(cf, key).unwrap();
            }
        }
        db.put_cf(db.cf_handle("meta").unwrap(), "format", b"1")
            .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let nl1 = HitFilter {
        alert_id: Some("NL-1".to_string()),
        since: None,
        ..HitFilter::default()
    };
    let ids: Vec<_> = store
        .hits(&nl1, None, 10)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect();
    assert_eq!(ids, ["HIT-NL-1-3", "HIT-NL-1-1"]);
    assert_eq!(store.count_expired(at(60)).unwrap(), 1);
    assert_eq!(store.hits_received(), 3);
    drop(store);
    // Upgraded once: the layout is recorded.
    let columns = DB::list_cf(&Options::default(), &path).unwrap();
    let db = DB::open_cf(&Options::default(), &path, columns).unwrap();
    let format = db.get_cf(db.cf_handle("meta").unwrap(), "format").unwrap();
    assert_eq!(format.as_deref(), Some(&b"3"[..]));
}
