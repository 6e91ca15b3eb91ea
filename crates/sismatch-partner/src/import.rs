//! The register import format: NDJSON, one sale per line.
//!
//! `{"maker":"YAMAHA","engine_serial":"6CJ-1013456","hull":"ABC12345D404","vin":null,
//! "dealer":"Watersport Jansen","dealer_country":"NL","sold_at":"2024-05-02","model":"F115"}`
//!
//! `maker` and at least one of `engine_serial`, `hull`, `vin` are required; the other fields
//! may be omitted or null. `relation` (`SOLD_WITH`, the default, or `FITTED_TO`) says how the
//! engine and the hull are linked. Unknown fields are refused, so that a misspelt field is
//! not silently lost from the register.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde_json::{Map, Value};
use sismatch_ident::is_country_code;

use crate::error::{PartnerError, Result};
use crate::record::{HullRelation, RegisterRecord, Slot};

/// The fields of a register line.
const FIELDS: [&str; 9] = [
    "maker",
    "engine_serial",
    "hull",
    "vin",
    "relation",
    "dealer",
    "dealer_country",
    "sold_at",
    "model",
];

/// Longest identifier value, as on the wire.
const MAX_VALUE: usize = 64;
/// Longest dealer name, as `SaleFacts.dealer`.
const MAX_DEALER: usize = 256;
/// Longest model, as `SaleFacts.model`.
const MAX_MODEL: usize = 128;

/// The text of string field `field`: absent, null and blank are `None`.
fn text(object: &Map<String, Value>, field: &str) -> Result<Option<String>> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => {
            let value = value.trim();
            Ok((!value.is_empty()).then(|| value.to_string()))
        }
        Some(_) => Err(PartnerError::invalid(field, "not a string")),
    }
}

/// The text of `field`, at most `max` characters.
fn bounded(object: &Map<String, Value>, field: &str, max: usize) -> Result<Option<String>> {
    let value = text(object, field)?;
    if value.as_ref().is_some_and(|v| v.chars().count() > max) {
        return Err(PartnerError::invalid(
            field,
            format!("longer than {max} characters"),
        ));
    }
    Ok(value)
}

/// The identifier in `slot`, checked to be one the register can index.
fn identifier(object: &Map<String, Value>, slot: Slot) -> Result<Option<String>> {
    let Some(value) = bounded(object, slot.field(), MAX_VALUE)? else {
        return Ok(None);
    };
    if !slot.parse(&value).is_indexable() {
        return Err(PartnerError::invalid(
            slot.field(),
            format!("'{value}' is a placeholder, not an identifier (omit the field instead)"),
        ));
    }
    Ok(Some(value))
}

/// A date (`2024-05-02`, midnight UTC) or an RFC 3339 timestamp.
fn sold_at(object: &Map<String, Value>) -> Result<Option<Timestamp>> {
    let Some(value) = text(object, "sold_at")? else {
        return Ok(None);
    };
    // A timestamp first: jiff reads the date of a full timestamp as a `Date` too.
    if let Ok(timestamp) = value.parse::<Timestamp>() {
        return Ok(Some(timestamp));
    }
    let date = value.parse::<Date>().map_err(|_| {
        PartnerError::invalid(
            "sold_at",
            format!("'{value}' is neither a date (YYYY-MM-DD) nor an RFC 3339 timestamp"),
        )
    })?;
    let zoned = date
        .to_zoned(TimeZone::UTC)
        .map_err(|e| PartnerError::invalid("sold_at", e.to_string()))?;
    Ok(Some(zoned.timestamp()))
}

fn relation(object: &Map<String, Value>) -> Result<HullRelation> {
    match text(object, "relation")?.as_deref() {
        None => Ok(HullRelation::SoldWith),
        Some(name) if name.eq_ignore_ascii_case("SOLD_WITH") => Ok(HullRelation::SoldWith),
        Some(name) if name.eq_ignore_ascii_case("FITTED_TO") => Ok(HullRelation::FittedTo),
        Some(name) => Err(PartnerError::invalid(
            "relation",
            format!("'{name}' is not SOLD_WITH or FITTED_TO"),
        )),
    }
}

impl RegisterRecord {
    /// Reads one register line for the register of `maker`; the error names the field. A
    /// line of another maker is refused: a partner holds its own maker's register only.
    pub fn from_ndjson(line: &str, maker: &str) -> Result<RegisterRecord> {
        let object = match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(object)) => object,
            Ok(_) => {
                return Err(PartnerError::invalid(
                    "record",
                    "the line is not a JSON object",
                ));
            }
            Err(e) => {
                return Err(PartnerError::invalid(
                    "record",
                    format!("not valid JSON: {e}"),
                ));
            }
        };
        if let Some(unknown) = object.keys().find(|key| !FIELDS.contains(&key.as_str())) {
            return Err(PartnerError::invalid(
                unknown.as_str(),
                format!("unknown field (the fields are {})", FIELDS.join(", ")),
            ));
        }
        let Some(line_maker) = text(&object, "maker")? else {
            return Err(PartnerError::invalid("maker", "missing"));
        };
        if !line_maker.eq_ignore_ascii_case(maker.trim()) {
            return Err(PartnerError::invalid(
                "maker",
                format!("'{line_maker}' is not this partner's maker ({maker})"),
            ));
        }
        let dealer_country = text(&object, "dealer_country")?
            .map(|country| country.to_ascii_uppercase())
            .map(|country| {
                if is_country_code(&country) {
                    Ok(country)
                } else {
                    Err(PartnerError::invalid(
                        "dealer_country",
                        format!("'{country}' is not an ISO 3166-1 alpha-2 code"),
                    ))
                }
            })
            .transpose()?;
        let record = RegisterRecord {
            maker: maker.trim().to_string(),
            engine_serial: identifier(&object, Slot::Engine)?,
            hull: identifier(&object, Slot::Hull)?,
            vin: identifier(&object, Slot::Vin)?,
            relation: relation(&object)?,
            dealer: bounded(&object, "dealer", MAX_DEALER)?,
            dealer_country,
            sold_at: sold_at(&object)?,
            model: bounded(&object, "model", MAX_MODEL)?,
        };
        if record.identifiers().next().is_none() {
            return Err(PartnerError::invalid(
                "record",
                "no identifier: give at least one of engine_serial, hull, vin",
            ));
        }
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"maker":"YAMAHA","engine_serial":"6CJ-1013456","hull":"ABC12345D404","vin":null,"dealer":"Watersport Jansen","dealer_country":"NL","sold_at":"2024-05-02","model":"F115"}"#;

    fn field_of(line: &str) -> String {
        match RegisterRecord::from_ndjson(line, "YAMAHA") {
            Err(PartnerError::Invalid { field, .. }) => field,
            other => panic!("expected an invalid line, got {other:?}"),
        }
    }

    #[test]
    fn reads_the_documented_line() {
        let record = RegisterRecord::from_ndjson(LINE, "yamaha ").unwrap();
        assert_eq!(record.maker, "yamaha");
        assert_eq!(record.engine_serial.as_deref(), Some("6CJ-1013456"));
        assert_eq!(record.hull.as_deref(), Some("ABC12345D404"));
        assert_eq!(record.vin, None);
        assert_eq!(record.relation, HullRelation::SoldWith);
        assert_eq!(record.dealer_country.as_deref(), Some("NL"));
        assert_eq!(
            record.sold_at.map(|t| t.to_string()).as_deref(),
            Some("2024-05-02T00:00:00Z")
        );
        let fitted = r#"{"maker":"YAMAHA","engine_serial":"6CJ-1","vin":"1HGCM82633A004352","relation":"FITTED_TO","sold_at":"2024-05-02T10:30:00+02:00"}"#;
        let record = RegisterRecord::from_ndjson(fitted, "YAMAHA").unwrap();
        assert_eq!(record.relation, HullRelation::FittedTo);
        assert_eq!(
            record.sold_at.map(|t| t.to_string()).as_deref(),
            Some("2024-05-02T08:30:00Z")
        );
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(field_of("{not json"), "record");
        assert_eq!(field_of("[1]"), "record");
        assert_eq!(field_of(r#"{"maker":"YAMAHA","dealer":"x"}"#), "record");
        assert_eq!(field_of(r#"{"engine_serial":"6CJ-1"}"#), "maker");
        assert_eq!(
            field_of(r#"{"maker":"MERCURY","engine_serial":"6CJ-1"}"#),
            "maker"
        );
        assert_eq!(
            field_of(r#"{"maker":"YAMAHA","engine_serial":"6CJ-1","colour":"red"}"#),
            "colour"
        );
        assert_eq!(
            field_of(r#"{"maker":"YAMAHA","engine_serial":"UNKNOWN"}"#),
            "engine_serial"
        );
        assert_eq!(
            field_of(&format!(
                r#"{{"maker":"YAMAHA","hull":"{}"}}"#,
                "A".repeat(65)
            )),
            "hull"
        );
        assert_eq!(field_of(r#"{"maker":"YAMAHA","vin":7}"#), "vin");
        assert_eq!(
            field_of(r#"{"maker":"YAMAHA","hull":"ABC12345D404","sold_at":"May 2024"}"#),
            "sold_at"
        );
        assert_eq!(
            field_of(r#"{"maker":"YAMAHA","hull":"ABC12345D404","dealer_country":"XX"}"#),
            "dealer_country"
        );
        assert_eq!(
            field_of(r#"{"maker":"YAMAHA","hull":"ABC12345D404","relation":"STOLEN"}"#),
            "relation"
        );
    }
}
