//! One entry of a maker's sales register and the three kinds of identifier it holds.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sismatch_ident::{Identifier, IdentifierKind, parse};
use sismatch_proto::v1;
use sismatch_proto::wire::{WireEnum, enum_out};

/// Which identifier of a register entry: the three kinds a sales register holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Slot {
    /// The engine serial.
    Engine,
    /// The hull number: a HIN, or a CIN whose country prefix the key drops.
    Hull,
    /// The VIN of the vehicle the engine is fitted to.
    Vin,
}

impl Slot {
    /// Every slot, in the order identifiers are listed.
    pub(crate) const ALL: [Slot; 3] = [Slot::Engine, Slot::Hull, Slot::Vin];

    /// The field of the register line.
    pub(crate) fn field(self) -> &'static str {
        match self {
            Slot::Engine => "engine_serial",
            Slot::Hull => "hull",
            Slot::Vin => "vin",
        }
    }

    /// The byte that starts this slot's index entries, so that an engine serial and a hull
    /// number with the same characters are different keys.
    pub(crate) fn tag(self) -> u8 {
        match self {
            Slot::Engine => b'E',
            Slot::Hull => b'H',
            Slot::Vin => b'V',
        }
    }

    /// `value` parsed as this slot's kind: its index key and skeleton.
    pub(crate) fn parse(self, value: &str) -> Identifier {
        let kind = match self {
            Slot::Engine => IdentifierKind::EngineSerial,
            Slot::Hull => IdentifierKind::Hin,
            Slot::Vin => IdentifierKind::Vin,
        };
        parse(value, Some(kind))
    }

    /// The slots a query value of wire kind `kind` is looked up in: every slot when the kind
    /// is not given, none for a kind no sales register holds.
    pub(crate) fn for_query(kind: v1::IdentifierKind) -> &'static [Slot] {
        match kind {
            v1::IdentifierKind::Unspecified => &Slot::ALL,
            v1::IdentifierKind::EngineSerial => &[Slot::Engine],
            v1::IdentifierKind::Hin | v1::IdentifierKind::Cin => &[Slot::Hull],
            v1::IdentifierKind::Vin => &[Slot::Vin],
            _ => &[],
        }
    }

    /// The wire kind of `value` recorded in this slot: a hull with a country prefix is a CIN.
    fn wire_kind(self, parsed: &Identifier) -> v1::IdentifierKind {
        match self {
            Slot::Engine => v1::IdentifierKind::EngineSerial,
            Slot::Hull if parsed.prefix.is_some() => v1::IdentifierKind::Cin,
            Slot::Hull => v1::IdentifierKind::Hin,
            Slot::Vin => v1::IdentifierKind::Vin,
        }
    }
}

/// How the engine and the hull of a register entry are linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum HullRelation {
    /// Sold together (the default: a sales register records sales).
    SoldWith,
    /// The engine was fitted to the hull (a production or refit register).
    FittedTo,
}

/// One entry of a maker's sales register: the identifiers sold or fitted together, and the
/// facts of the sale.
///
/// Built only from a checked register line ([`RegisterRecord::from_ndjson`]): at least one
/// indexable identifier, each at most 64 characters, the maker the register's. Stored as
/// JSON so that fields can be added without rewriting old records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterRecord {
    pub(crate) maker: String,
    pub(crate) engine_serial: Option<String>,
    pub(crate) hull: Option<String>,
    pub(crate) vin: Option<String>,
    pub(crate) relation: HullRelation,
    pub(crate) dealer: Option<String>,
    pub(crate) dealer_country: Option<String>,
    pub(crate) sold_at: Option<Timestamp>,
    pub(crate) model: Option<String>,
}

impl RegisterRecord {
    /// The value recorded in `slot`, if any.
    pub(crate) fn value(&self, slot: Slot) -> Option<&str> {
        match slot {
            Slot::Engine => self.engine_serial.as_deref(),
            Slot::Hull => self.hull.as_deref(),
            Slot::Vin => self.vin.as_deref(),
        }
    }

    /// The identifiers of the entry with their slots, engine first.
    pub(crate) fn identifiers(&self) -> impl Iterator<Item = (Slot, &str)> {
        Slot::ALL
            .into_iter()
            .filter_map(|slot| self.value(slot).map(|value| (slot, value)))
    }

    /// The stable id of the entry: the index keys of its identifiers, so that importing the
    /// same entry again (in any spelling of its numbers) finds it instead of duplicating it.
    /// Keys are normalised (no `|`), so the id is unambiguous.
    pub(crate) fn id(&self) -> String {
        let key = |slot: Slot| self.value(slot).map(|v| slot.parse(v).key);
        Slot::ALL
            .map(|slot| key(slot).unwrap_or_default())
            .join("|")
    }

    /// How the identifiers in slots `a` and `b` of this entry are linked: engine and hull as
    /// the register says, an engine is fitted to a vehicle, and a hull and a vehicle in one
    /// sale were sold together.
    pub(crate) fn relation(&self, a: Slot, b: Slot) -> v1::LinkRelation {
        let pair = if a <= b { (a, b) } else { (b, a) };
        match pair {
            (Slot::Engine, Slot::Hull) => match self.relation {
                HullRelation::SoldWith => v1::LinkRelation::SoldWith,
                HullRelation::FittedTo => v1::LinkRelation::FittedTo,
            },
            (Slot::Engine, Slot::Vin) => v1::LinkRelation::FittedTo,
            (Slot::Hull, Slot::Vin) => v1::LinkRelation::SoldWith,
            // An entry holds one identifier per slot: two of one slot are one object's.
            _ => v1::LinkRelation::SameObject,
        }
    }

    /// The identifier in `slot` as recorded, in wire form, with the maker and what parsing it
    /// as its slot's kind yields (normalised form, check digit, parts), as a node shows its
    /// identifiers.
    pub(crate) fn wire_identifier(&self, slot: Slot) -> Option<v1::Identifier> {
        let value = self.value(slot)?;
        let parsed = slot.parse(value);
        let parts = parsed.format.parts().into_iter();
        Some(v1::Identifier {
            kind: slot.wire_kind(&parsed).into(),
            value: value.to_string(),
            manufacturer: self.maker.clone(),
            normalized: parsed.normalised,
            check_digit: enum_out::<v1::CheckDigit>(parsed.check.as_str()),
            parts: parts.map(|(name, part)| (name.to_string(), part)).collect(),
            ..v1::Identifier::default()
        })
    }
}

/// An identifier as the audit log lists a disclosed one: `KIND:value` (`HIN:ABC12345D404`).
pub(crate) fn disclosed(identifier: &v1::Identifier) -> String {
    format!("{}:{}", identifier.kind().short_name(), identifier.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(engine: Option<&str>, hull: Option<&str>, vin: Option<&str>) -> RegisterRecord {
        RegisterRecord {
            maker: "YAMAHA".to_string(),
            engine_serial: engine.map(str::to_string),
            hull: hull.map(str::to_string),
            vin: vin.map(str::to_string),
            relation: HullRelation::SoldWith,
            dealer: None,
            dealer_country: None,
            sold_at: None,
            model: None,
        }
    }

    #[test]
    fn ids_ignore_spelling_and_cin_prefixes() {
        let a = record(Some("6CJ-1013456"), Some("ABC12345D404"), None);
        let b = record(Some("6cj 1013456"), Some("NL-ABC12345D404"), None);
        assert_eq!(a.id(), "6CJ1013456|ABC12345D404|");
        assert_eq!(a.id(), b.id());
        assert_ne!(a.id(), record(Some("6CJ-1013456"), None, None).id());
    }

    #[test]
    fn relations_are_symmetric() {
        let mut entry = record(Some("6CJ-1013456"), Some("ABC12345D404"), None);
        assert_eq!(
            entry.relation(Slot::Hull, Slot::Engine),
            v1::LinkRelation::SoldWith
        );
        entry.relation = HullRelation::FittedTo;
        assert_eq!(
            entry.relation(Slot::Engine, Slot::Hull),
            v1::LinkRelation::FittedTo
        );
        assert_eq!(
            entry.relation(Slot::Vin, Slot::Engine),
            v1::LinkRelation::FittedTo
        );
        assert_eq!(
            entry.relation(Slot::Vin, Slot::Hull),
            v1::LinkRelation::SoldWith
        );
    }

    #[test]
    fn a_prefixed_hull_is_a_cin() {
        let entry = record(None, Some("NL-ABC12345D404"), None);
        let wire = entry.wire_identifier(Slot::Hull).unwrap();
        assert_eq!(wire.kind(), v1::IdentifierKind::Cin);
        assert_eq!(disclosed(&wire), "CIN:NL-ABC12345D404");
        assert_eq!(wire.manufacturer, "YAMAHA");
        assert_eq!(wire.parts.get("country").map(String::as_str), Some("NL"));
        assert_eq!(wire.check_digit(), v1::CheckDigit::NotApplicable);
    }

    #[test]
    fn a_vin_shows_its_check_digit_and_parts() {
        let wrong_check = record(None, None, Some("1HGCM82613A004352"));
        let wire = wrong_check.wire_identifier(Slot::Vin).unwrap();
        assert_eq!(wire.check_digit(), v1::CheckDigit::Invalid);
        assert_eq!(wire.parts.get("wmi").map(String::as_str), Some("1HG"));
    }
}
