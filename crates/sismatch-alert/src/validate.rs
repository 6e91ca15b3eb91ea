//! The rules an alert must follow before a node stores it. Each failure names the field.

use sismatch_ident::is_country_code;

use crate::alert::{Alert, Contact};
use crate::error::Invalid;
use crate::language::is_language_code;

/// The size limits of the data model. They bound what one alert can cost a node in memory,
/// index size and search time; the same numbers are documented in the `.proto` files.
#[derive(Debug, Clone, Copy)]
pub struct Limits;

impl Limits {
    /// Characters in one identifier value.
    pub const IDENTIFIER: usize = 64;
    /// Identifiers on one alert.
    pub const IDENTIFIERS: usize = 64;
    /// Bytes of the description and of the restricted notes.
    pub const DESCRIPTION: usize = 8 * 1024;
    /// Characters of brand, model, colour, manufacturer, location and contact fields.
    pub const SHORT_TEXT: usize = 128;
    /// Characters of the case reference.
    pub const CASE_REFERENCE: usize = 64;
    /// Characters of an alert id after the country prefix.
    pub const ID: usize = 64;
    /// Links on one alert.
    pub const LINKS: usize = 64;
}

/// Whether `id` has the shape of an alert id: `CC-` and 1 to 64 letters, digits, `-` or `_`.
pub fn is_alert_id(id: &str) -> bool {
    let Some((country, rest)) = id.split_once('-') else {
        return false;
    };
    is_country_code(country)
        && !rest.is_empty()
        && rest.len() <= Limits::ID
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Checks `alert` before the node of `node_country` stores it.
///
/// Returns the first problem found, in field order. An empty id is accepted: the node assigns
/// one.
pub fn validate(alert: &Alert, node_country: &str) -> Result<(), Invalid> {
    if alert.country.is_empty() {
        return Err(Invalid::new("country", "missing"));
    }
    if !is_country_code(&alert.country) {
        return Err(Invalid::new(
            "country",
            format!("'{}' is not an ISO 3166-1 alpha-2 code", alert.country),
        ));
    }
    if alert.country != node_country {
        return Err(Invalid::new(
            "country",
            format!(
                "an alert of {} cannot be stored by the node of {node_country}",
                alert.country
            ),
        ));
    }
    if !alert.id.is_empty() {
        if !is_alert_id(&alert.id) {
            return Err(Invalid::new(
                "id",
                format!(
                    "'{}' is not an alert id (CC- and up to {} letters, digits, - or _)",
                    alert.id,
                    Limits::ID
                ),
            ));
        }
        if !alert.id.starts_with(&format!("{node_country}-")) {
            return Err(Invalid::new(
                "id",
                format!(
                    "'{}' is an id of another country than {node_country}",
                    alert.id
                ),
            ));
        }
    }
    validate_identifiers(alert)?;
    for (i, link) in alert.links.iter().enumerate() {
        if !is_alert_id(link) {
            return Err(Invalid::new(
                format!("links[{i}]"),
                format!("'{link}' is not an alert id"),
            ));
        }
    }
    if alert.links.len() > Limits::LINKS {
        return Err(Invalid::new(
            "links",
            format!("more than {} links", Limits::LINKS),
        ));
    }
    for (field, value) in [
        ("brand", &alert.brand),
        ("model", &alert.model),
        ("colour", &alert.colour),
    ] {
        chars_at_most(field, value.as_deref(), Limits::SHORT_TEXT)?;
    }
    bytes_at_most(
        "description",
        alert.description.as_deref(),
        Limits::DESCRIPTION,
    )?;
    if let Some(language) = alert.language.as_deref().filter(|l| !is_language_code(l)) {
        return Err(Invalid::new(
            "language",
            format!(
                "'{language}' is not an ISO 639-1 code of an EU or Schengen language (de, fr, nl, ...)"
            ),
        ));
    }
    chars_at_most(
        "case_reference",
        alert.case_reference.as_deref(),
        Limits::CASE_REFERENCE,
    )?;
    if let Some(year) = alert.year.filter(|year| !(1800..=2200).contains(year)) {
        return Err(Invalid::new(
            "year",
            format!("{year} is not a plausible year"),
        ));
    }
    if let Some(restricted) = &alert.restricted {
        contact_fits("restricted.owner", restricted.owner.as_ref())?;
        contact_fits("restricted.victim", restricted.victim.as_ref())?;
        bytes_at_most(
            "restricted.notes",
            restricted.notes.as_deref(),
            Limits::DESCRIPTION,
        )?;
    }
    Ok(())
}

fn validate_identifiers(alert: &Alert) -> Result<(), Invalid> {
    if alert.identifiers.is_empty() {
        return Err(Invalid::new(
            "identifiers",
            "at least one identifier is required",
        ));
    }
    if alert.identifiers.len() > Limits::IDENTIFIERS {
        return Err(Invalid::new(
            "identifiers",
            format!("more than {} identifiers", Limits::IDENTIFIERS),
        ));
    }
    for (i, entry) in alert.identifiers.iter().enumerate() {
        let field = |name: &str| format!("identifiers[{i}].{name}");
        if entry.value.trim().is_empty() {
            return Err(Invalid::new(field("value"), "empty"));
        }
        chars_at_most(&field("value"), Some(&entry.value), Limits::IDENTIFIER)?;
        chars_at_most(
            &field("manufacturer"),
            entry.manufacturer.as_deref(),
            Limits::SHORT_TEXT,
        )?;
        chars_at_most(
            &field("location"),
            entry.location.as_deref(),
            Limits::SHORT_TEXT,
        )?;
    }
    Ok(())
}

fn contact_fits(field: &str, contact: Option<&Contact>) -> Result<(), Invalid> {
    let Some(contact) = contact else {
        return Ok(());
    };
    for (name, value) in [
        ("name", &contact.name),
        ("phone", &contact.phone),
        ("email", &contact.email),
        ("address", &contact.address),
    ] {
        chars_at_most(
            &format!("{field}.{name}"),
            value.as_deref(),
            Limits::SHORT_TEXT * 2,
        )?;
    }
    Ok(())
}

fn chars_at_most(field: &str, value: Option<&str>, max: usize) -> Result<(), Invalid> {
    match value {
        Some(text) if text.chars().count() > max => {
            Err(Invalid::new(field, format!("longer than {max} characters")))
        }
        _ => Ok(()),
    }
}

fn bytes_at_most(field: &str, value: Option<&str>, max: usize) -> Result<(), Invalid> {
    match value {
        Some(text) if text.len() > max => Err(Invalid::new(
            field,
            format!("longer than {} KiB", max / 1024),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boat() -> Alert {
        serde_json::from_str(
            r#"{"id":"NL-000123","country":"NL","category":"BOAT","identifiers":[{"kind":"HIN","value":"NL-ABC12345D404"}]}"#,
        )
        .unwrap()
    }

    fn field_of(alert: &Alert) -> String {
        validate(alert, "NL").unwrap_err().field
    }

    #[test]
    fn a_plain_alert_is_valid() {
        assert_eq!(validate(&boat(), "NL"), Ok(()));
        let mut no_id = boat();
        no_id.id.clear();
        assert_eq!(validate(&no_id, "NL"), Ok(()));
    }

    #[test]
    fn each_rule_names_its_field() {
        let mut alert = boat();
        alert.identifiers.clear();
        assert_eq!(field_of(&alert), "identifiers");

        let mut alert = boat();
        alert.identifiers[0].value = "X".repeat(65);
        assert_eq!(field_of(&alert), "identifiers[0].value");

        let mut alert = boat();
        alert.description = Some("x".repeat(8 * 1024 + 1));
        assert_eq!(field_of(&alert), "description");

        let mut alert = boat();
        alert.country = "XX".to_string();
        assert_eq!(field_of(&alert), "country");

        let mut alert = boat();
        alert.id = "BE-000123".to_string();
        let error = validate(&alert, "NL").unwrap_err();
        assert_eq!(error.field, "id");
        assert!(error.message.contains("another country"), "{error}");

        let mut alert = boat();
        alert.country = "BE".to_string();
        assert_eq!(field_of(&alert), "country");

        let mut alert = boat();
        alert.links = vec!["nonsense".to_string()];
        assert_eq!(field_of(&alert), "links[0]");

        let mut alert = boat();
        alert.language = Some("german".to_string());
        assert_eq!(field_of(&alert), "language");
        alert.language = Some("de".to_string());
        assert_eq!(validate(&alert, "NL"), Ok(()));
    }

    #[test]
    fn alert_ids() {
        assert!(is_alert_id("NL-000123"));
        assert!(is_alert_id("BE-01J_ABC-9"));
        assert!(!is_alert_id("NL000123"));
        assert!(!is_alert_id("XX-1"));
        assert!(!is_alert_id("NL-"));
        assert!(!is_alert_id("NL-a b"));
    }
}
