//! The shape of a look-up request, checked once before the gate: limits and enum numbers.
//! Whether the request may be answered is the gate's question (`gate.rs`), not this one's.

use sismatch_proto::v1;

use crate::error::{PartnerError, Result};

/// Most identifier values in one look-up.
pub const MAX_IDENTIFIERS: usize = 16;
/// Longest identifier value, in characters.
pub const MAX_VALUE: usize = 64;
/// Longest case reference, in characters.
pub const MAX_CASE_REFERENCE: usize = 64;
/// Longest officer, in characters.
pub const MAX_OFFICER: usize = 256;
/// Longest manufacturer hint of a query value, in characters.
const MAX_MANUFACTURER: usize = 128;

/// One value to look up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueryValue {
    /// The value as given.
    pub(crate) value: String,
    /// Its kind; UNSPECIFIED means every kind.
    pub(crate) kind: v1::IdentifierKind,
}

/// A look-up request of a valid shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Checked {
    pub(crate) queries: Vec<QueryValue>,
    pub(crate) purpose: v1::LookupPurpose,
    /// Trimmed; empty when not given (the gate refuses it).
    pub(crate) case_reference: String,
    pub(crate) officer: String,
}

fn too_long(field: String, max: usize) -> PartnerError {
    PartnerError::invalid(field, format!("longer than {max} characters"))
}

/// Checks the limits of `request`; the error names the field (`identifiers[3].value`).
pub(crate) fn check(request: v1::LookupRequest) -> Result<Checked> {
    let count = request.identifiers.len();
    if count == 0 || count > MAX_IDENTIFIERS {
        return Err(PartnerError::invalid(
            "identifiers",
            format!("{count} given, 1 to {MAX_IDENTIFIERS} allowed"),
        ));
    }
    let mut queries = Vec::with_capacity(count);
    for (i, query) in request.identifiers.into_iter().enumerate() {
        let field = |name: &str| format!("identifiers[{i}].{name}");
        if query.value.trim().is_empty() {
            return Err(PartnerError::invalid(field("value"), "empty"));
        }
        if query.value.chars().count() > MAX_VALUE {
            return Err(too_long(field("value"), MAX_VALUE));
        }
        if query.manufacturer.chars().count() > MAX_MANUFACTURER {
            return Err(too_long(field("manufacturer"), MAX_MANUFACTURER));
        }
        let kind = v1::IdentifierKind::try_from(query.kind).map_err(|_| {
            PartnerError::invalid(field("kind"), format!("unknown kind {}", query.kind))
        })?;
        queries.push(QueryValue {
            value: query.value,
            kind,
        });
    }
    let purpose = v1::LookupPurpose::try_from(request.purpose).map_err(|_| {
        PartnerError::invalid("purpose", format!("unknown purpose {}", request.purpose))
    })?;
    if request.case_reference.chars().count() > MAX_CASE_REFERENCE {
        return Err(too_long("case_reference".to_string(), MAX_CASE_REFERENCE));
    }
    if request.officer.chars().count() > MAX_OFFICER {
        return Err(too_long("officer".to_string(), MAX_OFFICER));
    }
    Ok(Checked {
        queries,
        purpose,
        case_reference: request.case_reference.trim().to_string(),
        officer: request.officer.trim().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(values: &[&str]) -> v1::LookupRequest {
        v1::LookupRequest {
            identifiers: values
                .iter()
                .map(|value| v1::IdentifierQuery {
                    value: (*value).to_string(),
                    ..v1::IdentifierQuery::default()
                })
                .collect(),
            purpose: v1::LookupPurpose::TheftInvestigation.into(),
            case_reference: " NL-2024-1 ".to_string(),
            officer: "agent 7".to_string(),
        }
    }

    fn field_of(request: v1::LookupRequest) -> String {
        match check(request) {
            Err(PartnerError::Invalid { field, .. }) => field,
            other => panic!("expected an invalid request, got {other:?}"),
        }
    }

    #[test]
    fn a_valid_request_is_trimmed() {
        let checked = check(request(&["6CJ-1013456"])).unwrap();
        assert_eq!(checked.case_reference, "NL-2024-1");
        assert_eq!(checked.queries[0].kind, v1::IdentifierKind::Unspecified);
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(field_of(request(&[])), "identifiers");
        assert_eq!(field_of(request(&["6CJ"; 17])), "identifiers");
        let long = "A".repeat(65);
        assert_eq!(
            field_of(request(&["6CJ", long.as_str()])),
            "identifiers[1].value"
        );
        assert_eq!(field_of(request(&[" "])), "identifiers[0].value");
        let mut bad = request(&["6CJ"]);
        bad.identifiers[0].kind = 99;
        assert_eq!(field_of(bad), "identifiers[0].kind");
        let mut bad = request(&["6CJ"]);
        bad.identifiers[0].manufacturer = "Y".repeat(129);
        assert_eq!(field_of(bad), "identifiers[0].manufacturer");
        let mut bad = request(&["6CJ"]);
        bad.purpose = 99;
        assert_eq!(field_of(bad), "purpose");
        let mut bad = request(&["6CJ"]);
        bad.case_reference = "C".repeat(65);
        assert_eq!(field_of(bad), "case_reference");
        let mut bad = request(&["6CJ"]);
        bad.officer = "O".repeat(257);
        assert_eq!(field_of(bad), "officer");
        // Limits count characters, not bytes.
        let mut fine = request(&["6CJ"]);
        fine.case_reference = "é".repeat(64);
        assert!(check(fine).is_ok());
    }
}
