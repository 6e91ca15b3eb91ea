//! Alerts, their identifiers and restricted data, and the versions a node keeps of them.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sismatch_ident::IdentifierKind;

use crate::names::{Category, HitAction, Legibility, Status};

/// One stolen object, as reported by the police of one country (DESIGN §2).
///
/// Serialised with serde in the import format (NDJSON) and in the store; optional fields are
/// left out when empty so that stored records stay small and old records stay readable when
/// fields are added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// `CC-...`, assigned by the issuing node; empty in a new alert whose id the node assigns.
    #[serde(default)]
    pub id: String,
    /// ISO 3166-1 alpha-2 code of the issuing country.
    pub country: String,
    /// What kind of object it is.
    pub category: Category,
    /// The numbers that identify the object: at least one.
    pub identifiers: Vec<IdentifierEntry>,
    /// Ids of related alerts (a boat and the engine stolen with it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
    /// What to do on a hit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<HitAction>,
    /// Make.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    /// Model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Colour, free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colour: Option<String>,
    /// Year of construction or model year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<u16>,
    /// Free text in any language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// ISO 639-1 code of the language of the free text (`de`, `fr`); `None` for the issuing
    /// country's default ([`crate::default_language`]). Decides how the text is analysed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The issuing police case number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_reference: Option<String>,
    /// When the object was stolen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stolen_at: Option<Timestamp>,
    /// When the theft was reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_at: Option<Timestamp>,
    /// After this, the alert is not returned by searches unless asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    /// Where the alert stands.
    #[serde(default = "active")]
    pub status: Status,
    /// Owner and victim data: for police of the issuing country only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restricted: Option<Restricted>,
    /// Increases on every change, starting at 1; 0 in an alert not stored yet.
    #[serde(default)]
    pub version: u64,
    /// When this version was stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
}

fn active() -> Status {
    Status::Active
}

impl Alert {
    /// A new alert with only what every alert must have: active, not stored yet (version 0),
    /// everything optional left out. Tests, generators and importers set the rest with struct
    /// update syntax, so that a field added to [`Alert`] is written in one place and not in
    /// every hand-built alert.
    pub fn new(
        id: impl Into<String>,
        country: impl Into<String>,
        category: Category,
        identifiers: Vec<IdentifierEntry>,
    ) -> Alert {
        Alert {
            id: id.into(),
            country: country.into(),
            category,
            identifiers,
            links: Vec::new(),
            action: None,
            brand: None,
            model: None,
            colour: None,
            year: None,
            description: None,
            language: None,
            case_reference: None,
            stolen_at: None,
            reported_at: None,
            expires_at: None,
            status: Status::Active,
            restricted: None,
            version: 0,
            updated_at: None,
        }
    }

    /// The language of the alert's free text: the one it names, else its country's default.
    pub fn text_language(&self) -> Option<&str> {
        self.language
            .as_deref()
            .or_else(|| crate::default_language(&self.country))
    }

    /// Whether a search returns this alert by default at `now`: searchable status and not
    /// expired.
    pub fn is_searchable_at(&self, now: Timestamp) -> bool {
        self.status.is_searchable() && !self.is_expired_at(now)
    }

    /// Whether `expires_at` has passed at `now`.
    pub fn is_expired_at(&self, now: Timestamp) -> bool {
        self.expires_at.is_some_and(|expires| expires <= now)
    }

    /// The same alert without what changes on every store (version, time), to tell a real
    /// change from a re-import of identical data.
    pub fn same_content(&self, other: &Alert) -> bool {
        let strip = |alert: &Alert| Alert {
            version: 0,
            updated_at: None,
            ..alert.clone()
        };
        strip(self) == strip(other)
    }
}

/// One number on the object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentifierEntry {
    /// What kind of number it is.
    #[serde(with = "kind_by_name")]
    pub kind: IdentifierKind,
    /// The value as reported, at most 64 characters.
    pub value: String,
    /// Maker the number belongs to (firearm serials are unique only per maker).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    /// Where on the object it is (`transom`, `outboard`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// How well it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legibility: Option<Legibility>,
}

impl IdentifierEntry {
    /// A number of `kind` with no maker, place or legibility given.
    pub fn new(kind: IdentifierKind, value: impl Into<String>) -> IdentifierEntry {
        IdentifierEntry {
            kind,
            value: value.into(),
            manufacturer: None,
            location: None,
            legibility: None,
        }
    }
}

/// Serde for [`IdentifierKind`] by its stable name: the identifier core knows nothing of serde.
mod kind_by_name {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use sismatch_ident::IdentifierKind;

    pub fn serialize<S: Serializer>(kind: &IdentifierKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(kind.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<IdentifierKind, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(D::Error::custom)
    }
}

/// Owner and victim data, released only to police of the issuing country.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Restricted {
    /// The owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Contact>,
    /// The victim, when not the owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub victim: Option<Contact>,
    /// Investigators' notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// How to reach a person.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Telephone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Postal address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// What a stored version changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AlertChange {
    /// The first version.
    Created,
    /// Fields changed by a put or an import.
    Updated,
    /// The status changed (RECOVERED, ACTIVE again).
    StatusChanged,
    /// The alert was withdrawn.
    Withdrawn,
    /// A hit report confirmed the alert.
    HitConfirmed,
    /// An operator reviewed the alert before its expiry and extended it (DESIGN §2): only
    /// `expires_at` changed.
    ExpiryExtended,
}

/// One version of an alert, as kept in the node's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertVersion {
    /// The alert as it was after the change.
    pub alert: Alert,
    /// What changed.
    pub change: AlertChange,
    /// Why, when the caller said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Who made the change (the caller's identity), where the write path knows it; `None` in
    /// versions written before it was kept, and for writes that do not pass it on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_by: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_import_format_of_the_design() {
        let line = r#"{"id":"NL-000123","country":"NL","category":"BOAT","identifiers":[{"kind":"HIN","value":"NL-ABC12345D404"},{"kind":"ENGINE_SERIAL","value":"6CJ-1013456","location":"outboard"}],"brand":"Bayliner","model":"VR5","colour":"white","description":"white bowrider, blue canopy","case_reference":"PL1300-2026-0042","stolen_at":"2026-05-14T22:00:00Z"}"#;
        let alert: Alert = serde_json::from_str(line).unwrap();
        assert_eq!(alert.category, Category::Boat);
        assert_eq!(alert.identifiers[1].kind, IdentifierKind::EngineSerial);
        assert_eq!(alert.identifiers[1].location.as_deref(), Some("outboard"));
        assert_eq!(alert.status, Status::Active);
        assert_eq!(alert.stolen_at.map(|t| t.as_second()), Some(1_778_796_000));
        let again: Alert = serde_json::from_str(&serde_json::to_string(&alert).unwrap()).unwrap();
        assert_eq!(again, alert);
    }

    #[test]
    fn errors_name_the_field() {
        let missing = serde_json::from_str::<Alert>(r#"{"country":"NL","identifiers":[]}"#);
        assert!(missing.unwrap_err().to_string().contains("category"));
        let kind = serde_json::from_str::<Alert>(
            r#"{"country":"NL","category":"BOAT","identifiers":[{"kind":"HULL","value":"X"}]}"#,
        );
        assert!(
            kind.unwrap_err()
                .to_string()
                .contains("unknown identifier kind 'HULL'")
        );
    }

    #[test]
    fn expiry_and_status_decide_searchability() {
        let mut alert: Alert = serde_json::from_str(
            r#"{"country":"NL","category":"BOAT","identifiers":[{"kind":"HIN","value":"ABC12345D404"}],"expires_at":"2030-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        let before: Timestamp = "2029-12-31T00:00:00Z".parse().unwrap();
        let after: Timestamp = "2030-01-02T00:00:00Z".parse().unwrap();
        assert!(alert.is_searchable_at(before));
        assert!(!alert.is_searchable_at(after));
        alert.status = Status::Withdrawn;
        assert!(!alert.is_searchable_at(before));
    }
}
