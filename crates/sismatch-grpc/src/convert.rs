//! Conversions between the wire format (`sismatch_proto::v1`) and the domain types.
//!
//! Incoming messages are checked here for what protobuf cannot express (a required enum left
//! at `_UNSPECIFIED`, an enum number this version does not know, an out-of-range timestamp),
//! with the field named; the rules of the data model are checked by the service.

use std::collections::BTreeMap;

use jiff::Timestamp;
use sismatch_alert::{
    Alert, AlertChange, AlertVersion, Category, Contact, HitAction, HitReport, HitState,
    IdentifierEntry, Invalid, Legibility, Restricted, Status,
};
use sismatch_ident::{EditOp, Format, Identifier, IdentifierKind, parse};
use sismatch_proto::v1;
use sismatch_proto::wire::{self, EnumError, WireEnum, enum_out};

/// A domain enum from a wire enum number through the stable names (`wire::enum_in`), with
/// `field` named in the error; `None` for `_UNSPECIFIED`.
fn enum_in<P: WireEnum, D: std::str::FromStr>(
    field: &str,
    number: i32,
) -> Result<Option<D>, Invalid> {
    wire::enum_in::<P, D>(number).map_err(|e| match e {
        EnumError::Unknown(number) => Invalid::new(field, format!("unknown value {number}")),
        EnumError::Unsupported(name) => {
            Invalid::new(field, format!("value {name} is not supported"))
        }
    })
}

/// A protobuf timestamp as a domain time; `field` names it in the error.
pub fn time_in(
    field: &str,
    t: Option<&prost_types::Timestamp>,
) -> Result<Option<Timestamp>, Invalid> {
    t.map(|t| {
        Timestamp::new(t.seconds, t.nanos)
            .map_err(|e| Invalid::new(field, format!("not a valid time: {e}")))
    })
    .transpose()
}

/// A domain time as a protobuf timestamp.
pub fn time_out(t: Option<Timestamp>) -> Option<prost_types::Timestamp> {
    t.map(|t| prost_types::Timestamp {
        seconds: t.as_second(),
        nanos: t.subsec_nanosecond(),
    })
}

fn text_in(value: String) -> Option<String> {
    (!value.trim().is_empty()).then_some(value)
}

/// An identifier kind from its wire number; `_UNSPECIFIED` is `None`.
pub fn kind_in(field: &str, number: i32) -> Result<Option<IdentifierKind>, Invalid> {
    enum_in::<v1::IdentifierKind, IdentifierKind>(field, number)
}

/// An identifier kind as its wire number.
pub fn kind_out(kind: IdentifierKind) -> i32 {
    enum_out::<v1::IdentifierKind>(kind.as_str())
}

/// A category from its wire number; `_UNSPECIFIED` is `None`.
pub fn category_in(field: &str, number: i32) -> Result<Option<Category>, Invalid> {
    enum_in::<v1::ObjectCategory, Category>(field, number)
}

/// A status from its wire number; `_UNSPECIFIED` is `None`.
pub fn status_in(field: &str, number: i32) -> Result<Option<Status>, Invalid> {
    enum_in::<v1::AlertStatus, Status>(field, number)
}

/// A hit report's state from its wire number; `_UNSPECIFIED` is `None`.
pub fn hit_state_in(field: &str, number: i32) -> Result<Option<HitState>, Invalid> {
    enum_in::<v1::HitState, HitState>(field, number)
}

/// An alert from the wire, checked for what protobuf cannot express.
pub fn alert_in(alert: v1::Alert) -> Result<Alert, Invalid> {
    let category = category_in("alert.category", alert.category)?
        .ok_or_else(|| Invalid::new("alert.category", "missing"))?;
    let mut identifiers = Vec::with_capacity(alert.identifiers.len());
    for (i, entry) in alert.identifiers.into_iter().enumerate() {
        let field = |name: &str| format!("alert.identifiers[{i}].{name}");
        let kind = kind_in(&field("kind"), entry.kind)?
            .ok_or_else(|| Invalid::new(field("kind"), "missing"))?;
        identifiers.push(IdentifierEntry {
            kind,
            value: entry.value,
            manufacturer: text_in(entry.manufacturer),
            location: text_in(entry.location),
            legibility: enum_in::<v1::Legibility, Legibility>(
                &field("legibility"),
                entry.legibility,
            )?,
        });
    }
    Ok(Alert {
        id: alert.id,
        country: alert.country,
        category,
        identifiers,
        links: alert.links,
        action: enum_in::<v1::HitAction, HitAction>("alert.action", alert.action)?,
        brand: text_in(alert.brand),
        model: text_in(alert.model),
        colour: text_in(alert.colour),
        year: match alert.year {
            0 => None,
            year => Some(
                u16::try_from(year)
                    .map_err(|_| Invalid::new("alert.year", format!("{year} is not a year")))?,
            ),
        },
        description: text_in(alert.description),
        language: text_in(alert.language),
        case_reference: text_in(alert.case_reference),
        stolen_at: time_in("alert.stolen_at", alert.stolen_at.as_ref())?,
        reported_at: time_in("alert.reported_at", alert.reported_at.as_ref())?,
        expires_at: time_in("alert.expires_at", alert.expires_at.as_ref())?,
        status: status_in("alert.status", alert.status)?.unwrap_or(Status::Active),
        restricted: alert.restricted.map(restricted_in),
        version: 0,
        updated_at: None,
    })
}

fn contact_in(contact: v1::Contact) -> Contact {
    Contact {
        name: text_in(contact.name),
        phone: text_in(contact.phone),
        email: text_in(contact.email),
        address: text_in(contact.address),
    }
}

fn restricted_in(restricted: v1::RestrictedData) -> Restricted {
    Restricted {
        owner: restricted.owner.map(contact_in),
        victim: restricted.victim.map(contact_in),
        notes: text_in(restricted.notes),
    }
}

fn contact_out(contact: Contact) -> v1::Contact {
    v1::Contact {
        name: contact.name.unwrap_or_default(),
        phone: contact.phone.unwrap_or_default(),
        email: contact.email.unwrap_or_default(),
        address: contact.address.unwrap_or_default(),
    }
}

/// An identifier for the wire, with what parsing it as its kind yields: its normalised form,
/// check-digit verdict and format parts.
pub fn identifier_out(entry: IdentifierEntry) -> v1::Identifier {
    let parsed = parse(&entry.value, Some(entry.kind));
    read_identifier_out(entry, &parsed)
}

/// [`identifier_out`] of an identifier the identifier core has already read (`parsed`: `parse`
/// of its value with its kind): a search answer's identifiers are parsed once, by the node.
pub fn read_identifier_out(entry: IdentifierEntry, parsed: &Identifier) -> v1::Identifier {
    v1::Identifier {
        kind: kind_out(entry.kind),
        value: entry.value,
        manufacturer: entry.manufacturer.unwrap_or_default(),
        location: entry.location.unwrap_or_default(),
        legibility: entry
            .legibility
            .map_or(0, |l| enum_out::<v1::Legibility>(l.as_str())),
        normalized: parsed.normalised.clone(),
        check_digit: enum_out::<v1::CheckDigit>(parsed.check.as_str()),
        parts: parts_out(&parsed.format),
    }
}

/// A format's parts for the wire (`Identifier.parts`), named as `Format::parts` names them.
pub fn parts_out(format: &Format) -> BTreeMap<String, String> {
    let parts = format.parts().into_iter();
    parts
        .map(|(name, value)| (name.to_string(), value))
        .collect()
}

/// An alert for the wire. `restricted` is included as stored: what a caller may see is
/// decided by the service before conversion.
pub fn alert_out(mut alert: Alert) -> v1::Alert {
    let identifiers = std::mem::take(&mut alert.identifiers);
    alert_with_identifiers_out(alert, identifiers.into_iter().map(identifier_out).collect())
}

/// [`alert_out`] with the alert's identifiers already converted (`identifiers`, in the alert's
/// order); `alert.identifiers` is not read.
pub fn alert_with_identifiers_out(alert: Alert, identifiers: Vec<v1::Identifier>) -> v1::Alert {
    v1::Alert {
        id: alert.id,
        country: alert.country,
        category: enum_out::<v1::ObjectCategory>(alert.category.as_str()),
        identifiers,
        links: alert.links,
        action: alert
            .action
            .map_or(0, |a| enum_out::<v1::HitAction>(a.as_str())),
        brand: alert.brand.unwrap_or_default(),
        model: alert.model.unwrap_or_default(),
        colour: alert.colour.unwrap_or_default(),
        year: alert.year.map_or(0, u32::from),
        description: alert.description.unwrap_or_default(),
        language: alert.language.unwrap_or_default(),
        case_reference: alert.case_reference.unwrap_or_default(),
        stolen_at: time_out(alert.stolen_at),
        reported_at: time_out(alert.reported_at),
        expires_at: time_out(alert.expires_at),
        status: enum_out::<v1::AlertStatus>(alert.status.as_str()),
        restricted: alert.restricted.map(|r| v1::RestrictedData {
            owner: r.owner.map(contact_out),
            victim: r.victim.map(contact_out),
            notes: r.notes.unwrap_or_default(),
        }),
        version: alert.version,
        updated_at: time_out(alert.updated_at),
    }
}

/// A stored version for the wire.
pub fn version_out(version: AlertVersion) -> v1::AlertVersion {
    let change = match version.change {
        AlertChange::Created => v1::AlertChange::Created,
        AlertChange::Updated => v1::AlertChange::Updated,
        AlertChange::StatusChanged => v1::AlertChange::StatusChanged,
        AlertChange::Withdrawn => v1::AlertChange::Withdrawn,
        AlertChange::HitConfirmed => v1::AlertChange::HitConfirmed,
        AlertChange::ExpiryExtended => v1::AlertChange::ExpiryExtended,
    };
    let changed_at = time_out(version.alert.updated_at);
    v1::AlertVersion {
        alert: Some(alert_out(version.alert)),
        change: change.into(),
        changed_at,
        changed_by: version.changed_by.unwrap_or_default(),
        reason: version.reason.unwrap_or_default(),
    }
}

/// A hit report from the wire.
pub fn hit_in(hit: v1::HitReport) -> Result<HitReport, Invalid> {
    Ok(HitReport {
        id: String::new(),
        alert_id: hit.alert_id,
        reporting_country: hit.reporting_country,
        reporting_officer: text_in(hit.reporting_officer),
        case_reference: text_in(hit.case_reference),
        note: text_in(hit.note),
        location: text_in(hit.location),
        matched_value: text_in(hit.matched_value),
        found_at: time_in("hit.found_at", hit.found_at.as_ref())?,
        received_at: None,
        // Output only: the node sets these.
        reported_by: None,
        state: HitState::Pending,
        decided_at: None,
        decided_by: None,
        decline_reason: None,
    })
}

/// A hit report for the wire.
pub fn hit_out(hit: HitReport) -> v1::HitReport {
    v1::HitReport {
        id: hit.id,
        alert_id: hit.alert_id,
        reporting_country: hit.reporting_country,
        reporting_officer: hit.reporting_officer.unwrap_or_default(),
        case_reference: hit.case_reference.unwrap_or_default(),
        note: hit.note.unwrap_or_default(),
        location: hit.location.unwrap_or_default(),
        matched_value: hit.matched_value.unwrap_or_default(),
        found_at: time_out(hit.found_at),
        received_at: time_out(hit.received_at),
        state: enum_out::<v1::HitState>(hit.state.as_str()),
        reported_by: hit.reported_by.unwrap_or_default(),
        decided_at: time_out(hit.decided_at),
        decided_by: hit.decided_by.unwrap_or_default(),
        decline_reason: hit.decline_reason.unwrap_or_default(),
    }
}

/// An edit operation for the wire: 0-based positions, cost in edits.
pub fn edit_out(op: &EditOp) -> v1::EditOperation {
    let position = |at: usize| u32::try_from(at.saturating_sub(1)).unwrap_or(u32::MAX);
    let one = |c: char| c.to_string();
    let (kind, query_position, stored_position, length, query_chars, stored_chars, cost) = match op
    {
        EditOp::LookAlike { at, query, stored } => (
            v1::EditKind::LookAlike,
            position(*at),
            0,
            1,
            one(*query),
            one(*stored),
            0.25,
        ),
        EditOp::Substituted { at, query, stored } => (
            v1::EditKind::Substitution,
            position(*at),
            0,
            1,
            one(*query),
            one(*stored),
            1.0,
        ),
        EditOp::Inserted { at, stored } => (
            v1::EditKind::Insertion,
            0,
            position(*at),
            1,
            String::new(),
            one(*stored),
            1.0,
        ),
        EditOp::Deleted { at, query } => (
            v1::EditKind::Deletion,
            position(*at),
            0,
            1,
            one(*query),
            String::new(),
            1.0,
        ),
        EditOp::Transposed { at } => (
            v1::EditKind::Transposition,
            position(*at),
            0,
            2,
            String::new(),
            String::new(),
            1.0,
        ),
        EditOp::Fragment { start, end } | EditOp::Pattern { start, end } => {
            let kind = if matches!(op, EditOp::Fragment { .. }) {
                v1::EditKind::Fragment
            } else {
                v1::EditKind::Pattern
            };
            let length = u32::try_from((end + 1).saturating_sub(*start)).unwrap_or(0);
            (
                kind,
                0,
                position(*start),
                length,
                String::new(),
                String::new(),
                0.0,
            )
        }
        EditOp::PrefixIgnored { prefix, in_query } => {
            let length = u32::try_from(prefix.chars().count()).unwrap_or(0);
            let (q, s) = if *in_query {
                (prefix.clone(), String::new())
            } else {
                (String::new(), prefix.clone())
            };
            (v1::EditKind::PrefixIgnored, 0, 0, length, q, s, 0.0)
        }
    };
    v1::EditOperation {
        kind: kind.into(),
        query_position,
        stored_position,
        length,
        query_chars,
        stored_chars,
        cost,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every domain value goes out as a wire value other than UNSPECIFIED and comes back as
    /// itself, and every wire value but UNSPECIFIED has a domain value: a variant renamed on
    /// one side fails here instead of travelling as UNSPECIFIED.
    fn round_trips<P, D>(all: &[D], name: fn(D) -> &'static str)
    where
        P: WireEnum,
        D: Copy + PartialEq + std::fmt::Debug + std::str::FromStr,
    {
        for &value in all {
            let number = enum_out::<P>(name(value));
            assert_ne!(number, 0, "{value:?} has no wire value");
            let back = enum_in::<P, D>("field", number);
            assert_eq!(back, Ok(Some(value)), "{value:?} does not come back");
        }
        let wire_values = (1..256).filter(|n| P::try_from(*n).is_ok());
        for number in wire_values {
            let domain = enum_in::<P, D>("field", number);
            assert!(matches!(domain, Ok(Some(_))), "wire {number}: {domain:?}");
        }
        assert_eq!(enum_in::<P, D>("field", 0), Ok(None));
    }

    #[test]
    fn every_domain_enum_round_trips_through_the_wire() {
        round_trips::<v1::IdentifierKind, _>(&IdentifierKind::ALL, IdentifierKind::as_str);
        round_trips::<v1::ObjectCategory, _>(Category::ALL, Category::as_str);
        round_trips::<v1::AlertStatus, _>(Status::ALL, Status::as_str);
        round_trips::<v1::Legibility, _>(Legibility::ALL, Legibility::as_str);
        round_trips::<v1::HitAction, _>(HitAction::ALL, HitAction::as_str);
        round_trips::<v1::HitState, _>(HitState::ALL, HitState::as_str);
    }

    #[test]
    fn identifiers_go_out_with_their_check_digit_and_parts() {
        let out = |kind, value: &str| identifier_out(IdentifierEntry::new(kind, value));
        let valid = out(IdentifierKind::Vin, "1HGCM82633A004352");
        assert_eq!(valid.check_digit(), v1::CheckDigit::Valid);
        assert_eq!(valid.parts.get("wmi").map(String::as_str), Some("1HG"));
        let invalid = out(IdentifierKind::Vin, "1HGCM82643A004352");
        assert_eq!(invalid.check_digit(), v1::CheckDigit::Invalid);
        let hin = out(IdentifierKind::Hin, "ABC12345D404");
        assert_eq!(hin.check_digit(), v1::CheckDigit::NotApplicable);
        let code = hin.parts.get("manufacturer_code").map(String::as_str);
        assert_eq!(code, Some("ABC"));
        let serial = out(IdentifierKind::EngineSerial, "6CJ-1013456");
        assert_eq!(serial.check_digit(), v1::CheckDigit::NotApplicable);
        assert!(serial.parts.is_empty());
    }

    #[test]
    fn enum_errors_name_the_field() {
        let unknown = category_in("alert.category", 999).unwrap_err();
        assert_eq!(unknown.field, "alert.category");
        assert_eq!(unknown.message, "unknown value 999");
        assert_eq!(status_in("status", 0), Ok(None));
    }
}
