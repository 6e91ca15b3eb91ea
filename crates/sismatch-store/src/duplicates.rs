//! One alert per object (DESIGN §4): a put whose identifier already belongs to another alert
//! in force (ACTIVE or HIT_CONFIRMED) of this store is refused or linked, as its
//! [`OnDuplicate`] says.
//!
//! Why here and not in the node: the check and the write must be one step, or two writers
//! putting the same object at once both pass the check. [`crate::Store::apply`] holds the
//! writer lock across both, and reads the holders of a key from the `in_force` column (a
//! seek, not a scan of alerts) plus what the write itself staged before, so two records of one
//! object in one import batch behave as two puts.
//!
//! Two identifiers are the same number when their index keys are equal, except for firearm
//! serials: those are unique only per maker (DESIGN §2, the key is (maker, serial)), so a
//! firearm serial held under another maker (`sismatch_ident::maker_key`) is another gun. A
//! search still finds a serial whatever its maker.

use std::collections::BTreeSet;

use sismatch_alert::{Alert, AlertChange, IdentifierEntry, Invalid, Limits};
use sismatch_ident::{IdentifierKind, maker_key, parse};

use crate::apply::Staging;
use crate::error::{Error, Result};

/// What a put does when an identifier of its alert already belongs to another alert in force
/// of the same store. Either way, an alert already linked to the other one (either side's
/// `links`) is not a duplicate of it: the links are kept on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnDuplicate {
    /// Refuse the put ([`Error::Duplicate`], naming the identifier and the other alert).
    /// An existing alert that already held the identifier before (two alerts stored before
    /// the check existed) is not refused for keeping it.
    #[default]
    Refuse,
    /// Store the alert linked to the other one: its `links` name the other alert, and the
    /// other alert gets a new version whose `links` name it, in the same write.
    Link,
}

impl OnDuplicate {
    /// The name in configuration files: `refuse` or `link`.
    pub fn as_str(self) -> &'static str {
        match self {
            OnDuplicate::Refuse => "refuse",
            OnDuplicate::Link => "link",
        }
    }
}

impl std::str::FromStr for OnDuplicate {
    type Err = String;

    fn from_str(name: &str) -> std::result::Result<Self, String> {
        match name {
            "refuse" => Ok(OnDuplicate::Refuse),
            "link" => Ok(OnDuplicate::Link),
            other => Err(format!("'{other}' is not 'refuse' or 'link'")),
        }
    }
}

/// Whether two identifiers are one number: equal index keys (the caller has checked that, or
/// checks it with [`shared_identifiers`]), and for firearm serials the same maker. A maker
/// left out may be any maker, so the pair counts.
pub fn same_maker(a: &IdentifierEntry, b: &IdentifierEntry) -> bool {
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

/// The identifiers of `other` that are one number with an identifier of `alert`, as `other`
/// holds them: what a duplicate shares.
pub fn shared_identifiers(alert: &Alert, other: &Alert) -> Vec<IdentifierEntry> {
    let mut shared = Vec::new();
    for entry in &alert.identifiers {
        let Some(key) = key_of(entry) else { continue };
        for held in &other.identifiers {
            let same = key_of(held).is_some_and(|k| k == key) && same_maker(entry, held);
            if same && !shared.contains(held) {
                shared.push(held.clone());
            }
        }
    }
    shared
}

/// The index key of an indexable identifier; `None` for a sentinel.
fn key_of(entry: &IdentifierEntry) -> Option<String> {
    let parsed = parse(&entry.value, Some(entry.kind));
    parsed.is_indexable().then_some(parsed.key)
}

/// Another alert in force holding an identifier of the alert being put.
struct Holder {
    /// The other alert's id.
    id: String,
    /// Position of the identifier in the alert being put.
    position: usize,
    /// Whether the alert's stored version already held that identifier's key.
    held_before: bool,
}

impl Staging<'_> {
    /// Applies `on_duplicate` to `alert`, about to be stored in force: refuses it, or adds the
    /// links on both sides (staging a new version of each other alert that lacks its link).
    /// `held` are the index keys of the alert's stored version (none for a new alert);
    /// `changed_by`, who made the write, is recorded on the linked alerts' versions too.
    pub(crate) fn resolve_duplicates(
        &mut self,
        alert: &mut Alert,
        held: &BTreeSet<String>,
        on_duplicate: OnDuplicate,
        changed_by: Option<&str>,
    ) -> Result<()> {
        let holders = self.holders(alert, held)?;
        let mut to_link = Vec::new();
        for holder in holders {
            let other = self.loaded(&holder.id)?;
            let linked = alert.links.contains(&holder.id) || other.links.contains(&alert.id);
            if !linked && on_duplicate == OnDuplicate::Refuse {
                if holder.held_before {
                    continue;
                }
                return Err(Error::Duplicate {
                    id: alert.id.clone(),
                    field: format!("identifiers[{}].value", holder.position),
                    value: alert.identifiers[holder.position].value.clone(),
                    existing: holder.id,
                });
            }
            if !to_link.contains(&holder.id) {
                to_link.push(holder.id);
            }
        }
        let new_links = to_link
            .iter()
            .filter(|id| !alert.links.contains(id))
            .count();
        if alert.links.len() + new_links > Limits::LINKS {
            return Err(Error::Invalid(Invalid::new(
                "links",
                format!(
                    "its numbers are held by {} alerts in force; linking them all would give it more than {} links: update one of them instead",
                    to_link.len(),
                    Limits::LINKS
                ),
            )));
        }
        for other_id in &to_link {
            let other = self.loaded(other_id)?;
            if !other.links.contains(&alert.id) && other.links.len() >= Limits::LINKS {
                return Err(Error::Invalid(Invalid::new(
                    "links",
                    format!(
                        "alert {other_id}, in force with the same number, has {} links already: update it instead of linking another",
                        Limits::LINKS
                    ),
                )));
            }
        }
        for other_id in to_link {
            if !alert.links.contains(&other_id) {
                alert.links.push(other_id.clone());
            }
            let mut other = self.loaded(&other_id)?.clone();
            if !other.links.contains(&alert.id) {
                other.links.push(alert.id.clone());
                let reason = format!("linked to {}: same object", alert.id);
                let by = changed_by.map(str::to_string);
                self.record(other, AlertChange::Updated, Some(reason), by)?;
            }
        }
        Ok(())
    }

    /// The other alerts in force that hold an identifier of `alert` (same key, and for a
    /// firearm serial the same maker), one per identifier and alert, in identifier order.
    fn holders(&mut self, alert: &Alert, held: &BTreeSet<String>) -> Result<Vec<Holder>> {
        let mut holders: Vec<Holder> = Vec::new();
        for (position, entry) in alert.identifiers.iter().enumerate() {
            let Some(key) = key_of(entry) else { continue };
            for id in self.in_force_ids(&key)? {
                if id == alert.id || holders.iter().any(|h| h.id == id) {
                    continue;
                }
                let other = self.loaded(&id)?;
                let same = other
                    .identifiers
                    .iter()
                    .any(|h| key_of(h).as_deref() == Some(key.as_str()) && same_maker(entry, h));
                if same {
                    holders.push(Holder {
                        id,
                        position,
                        held_before: held.contains(&key),
                    });
                }
            }
        }
        Ok(holders)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: IdentifierKind, maker: Option<&str>) -> IdentifierEntry {
        IdentifierEntry {
            manufacturer: maker.map(String::from),
            ..IdentifierEntry::new(kind, "BXK4471")
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

    #[test]
    fn duplicate_modes_have_config_names() {
        for mode in [OnDuplicate::Refuse, OnDuplicate::Link] {
            assert_eq!(mode.as_str().parse::<OnDuplicate>(), Ok(mode));
        }
        assert!("allow".parse::<OnDuplicate>().is_err());
        assert_eq!(OnDuplicate::default(), OnDuplicate::Refuse);
    }
}
