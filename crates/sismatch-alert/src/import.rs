//! The import formats of DESIGN §2: NDJSON, one alert per line, and CSV with the same columns
//! (identifiers as `kind:value;kind:value`).

use serde_json::{Map, Value};

use crate::alert::Alert;
use crate::error::Invalid;

/// The fields of the import format; anything else is ignored with a warning.
const FIELDS: [&str; 20] = [
    "id",
    "country",
    "category",
    "identifiers",
    "links",
    "action",
    "brand",
    "model",
    "colour",
    "year",
    "description",
    "language",
    "case_reference",
    "stolen_at",
    "reported_at",
    "expires_at",
    "status",
    "restricted",
    "version",
    "updated_at",
];

/// An alert read from one line or record, with the names of the fields that were ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The alert, not yet validated against a node.
    pub alert: Alert,
    /// Unknown fields, ignored.
    pub ignored: Vec<String>,
}

fn from_object(object: Map<String, Value>) -> Result<Imported, Invalid> {
    let ignored = object
        .keys()
        .filter(|key| !FIELDS.contains(&key.as_str()))
        .cloned()
        .collect();
    let alert = serde_json::from_value(Value::Object(object)).map_err(|e| {
        let message = e.to_string();
        let field = message
            .split('`')
            .nth(1)
            .filter(|name| FIELDS.contains(name))
            .unwrap_or("alert")
            .to_string();
        Invalid::new(field, message)
    })?;
    Ok(Imported { alert, ignored })
}

/// Reads one NDJSON line.
pub fn from_ndjson(line: &str) -> Result<Imported, Invalid> {
    match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(object)) => from_object(object),
        Ok(_) => Err(Invalid::new("alert", "the line is not a JSON object")),
        Err(e) => Err(Invalid::new("alert", format!("not valid JSON: {e}"))),
    }
}

/// Reads one CSV record under `headers` (the same names as the NDJSON fields). Empty cells
/// are absent fields; `identifiers` is `kind:value;kind:value`, `links` is `id;id`.
pub fn from_csv(headers: &[&str], record: &[&str]) -> Result<Imported, Invalid> {
    let mut object = Map::new();
    for (header, cell) in headers.iter().zip(record) {
        let cell = cell.trim();
        if cell.is_empty() {
            continue;
        }
        let value = match *header {
            "identifiers" => Value::Array(
                cell.split(';')
                    .filter(|part| !part.trim().is_empty())
                    .enumerate()
                    .map(|(i, part)| {
                        let (kind, value) = part.split_once(':').ok_or_else(|| {
                            Invalid::new(
                                format!("identifiers[{i}]"),
                                format!("'{part}' is not kind:value"),
                            )
                        })?;
                        Ok(serde_json::json!({ "kind": kind.trim(), "value": value.trim() }))
                    })
                    .collect::<Result<_, Invalid>>()?,
            ),
            "links" => Value::Array(
                cell.split(';')
                    .map(|id| Value::String(id.trim().to_string()))
                    .collect(),
            ),
            "year" | "version" => cell
                .parse::<u64>()
                .map(Value::from)
                .map_err(|_| Invalid::new(*header, format!("'{cell}' is not a number")))?,
            _ => Value::String(cell.to_string()),
        };
        object.insert((*header).to_string(), value);
    }
    from_object(object)
}

#[cfg(test)]
mod tests {
    use sismatch_ident::IdentifierKind;

    use super::*;
    use crate::names::Category;

    #[test]
    fn ndjson_with_unknown_fields() {
        let read = from_ndjson(
            r#"{"id":"NL-1","country":"NL","category":"BOAT","identifiers":[{"kind":"HIN","value":"ABC12345D404"}],"colour_code":7}"#,
        )
        .unwrap();
        assert_eq!(read.alert.category, Category::Boat);
        assert_eq!(read.ignored, vec!["colour_code".to_string()]);
    }

    #[test]
    fn ndjson_errors_name_the_field() {
        let error = from_ndjson(r#"{"country":"NL","identifiers":[]}"#).unwrap_err();
        assert_eq!(error.field, "category");
        assert_eq!(from_ndjson("[1,2]").unwrap_err().field, "alert");
        assert!(
            from_ndjson("{not json")
                .unwrap_err()
                .message
                .contains("not valid JSON")
        );
    }

    #[test]
    fn csv_with_identifier_lists() {
        let headers = ["id", "country", "category", "identifiers", "year", "brand"];
        let record = [
            "NL-2",
            "NL",
            "BOAT",
            "HIN:ABC12345D404; ENGINE_SERIAL:6CJ-1013456",
            "2004",
            "",
        ];
        let read = from_csv(&headers, &record).unwrap();
        assert_eq!(read.alert.identifiers.len(), 2);
        assert_eq!(read.alert.identifiers[1].kind, IdentifierKind::EngineSerial);
        assert_eq!(read.alert.year, Some(2004));
        assert_eq!(read.alert.brand, None);
        let bad = from_csv(&headers, &["NL-3", "NL", "BOAT", "ABC123", "", ""]).unwrap_err();
        assert_eq!(bad.field, "identifiers[0]");
    }
}
