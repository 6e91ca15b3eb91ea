//! Duplicate detection on put: one object should have one alert per country (DESIGN §4), so a
//! node tells the caller which of the new alert's identifiers its other active alerts hold.
//!
//! Two identifiers are the same number when their index keys are equal, except for firearm
//! serials: those are unique only per maker (DESIGN §2, the key is (maker, serial)), so a
//! firearm serial held under another maker (`sismatch_ident::maker_key`) is another gun. Only duplicate detection makes
//! this distinction: a search finds a serial whatever its maker.

use sismatch_alert::{Alert, IdentifierEntry};
use sismatch_ident::{IdentifierKind, maker_key, parse};
use sismatch_store::Store;

use crate::error::Result;

/// An identifier of a stored alert that another active alert of this node also holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Duplicate {
    /// The other alert.
    pub alert_id: String,
    /// The identifier as the other alert holds it.
    pub identifier: IdentifierEntry,
}

/// The identifiers of `alert` that other active alerts of `store` hold, one entry per other
/// alert and identifier it holds.
pub(crate) fn duplicates_of(store: &Store, alert: &Alert) -> Result<Vec<Duplicate>> {
    let mut found: Vec<Duplicate> = Vec::new();
    for entry in &alert.identifiers {
        let identifier = parse(&entry.value, Some(entry.kind));
        if !identifier.is_indexable() {
            continue;
        }
        for id in store.alerts_by_key(&identifier.key)? {
            if id == alert.id {
                continue;
            }
            let Some(other) = store.get(&id)? else {
                continue;
            };
            if !other.status.is_searchable() {
                continue;
            }
            for held in &other.identifiers {
                let same = parse(&held.value, Some(held.kind)).key == identifier.key
                    && same_maker(entry, held);
                let known = found
                    .iter()
                    .any(|d| d.alert_id == id && d.identifier == *held);
                if same && !known {
                    found.push(Duplicate {
                        alert_id: id.clone(),
                        identifier: held.clone(),
                    });
                }
            }
        }
    }
    Ok(found)
}

/// Whether two identifiers with one key can be the same number: always, unless one is a
/// firearm serial and both name a maker and the makers differ. A maker left out may be any
/// maker, so the caller is still told.
fn same_maker(a: &IdentifierEntry, b: &IdentifierEntry) -> bool {
    let firearm = |e: &IdentifierEntry| e.kind == IdentifierKind::FirearmSerial;
    if !firearm(a) && !firearm(b) {
        return true;
    }
    let maker = |e: &IdentifierEntry| e.manufacturer.as_deref().and_then(maker_key);
    match (maker(a), maker(b)) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: IdentifierKind, maker: Option<&str>) -> IdentifierEntry {
        IdentifierEntry {
            kind,
            value: "BXK4471".to_string(),
            manufacturer: maker.map(String::from),
            location: None,
            legibility: None,
        }
    }

    #[test]
    fn firearm_serials_are_one_number_only_under_one_maker() {
        use IdentifierKind::{FirearmSerial, SerialNumber};
        let cases = [
            (
                entry(FirearmSerial, Some("Glock")),
                entry(FirearmSerial, Some("GLOCK")),
                true,
            ),
            (
                entry(FirearmSerial, Some("Smith & Wesson")),
                entry(FirearmSerial, Some("smith&wesson")),
                true,
            ),
            (
                entry(FirearmSerial, Some("Glock")),
                entry(FirearmSerial, Some("Beretta")),
                false,
            ),
            (
                entry(FirearmSerial, Some("Glock")),
                entry(SerialNumber, Some("Beretta")),
                false,
            ),
            (
                entry(FirearmSerial, Some("Glock")),
                entry(FirearmSerial, None),
                true,
            ),
            (
                entry(FirearmSerial, Some(" - ")),
                entry(FirearmSerial, Some("Glock")),
                true,
            ),
            (entry(FirearmSerial, None), entry(FirearmSerial, None), true),
            // Makers matter only for firearm serials.
            (
                entry(SerialNumber, Some("Bosch")),
                entry(SerialNumber, Some("Makita")),
                true,
            ),
        ];
        for (a, b, expected) in cases {
            assert_eq!(same_maker(&a, &b), expected, "{a:?} vs {b:?}");
            assert_eq!(same_maker(&b, &a), expected, "{b:?} vs {a:?}");
        }
    }
}
