//! The police search and the hit report: a form becomes a `MatchingCoreSearchRequest` or a
//! `HitReport`, sent on behalf of the signed-in officer. What the officer sees of each alert
//! is what the core returned for that officer: the core applies the role and country (the
//! restricted part only for police of the issuing country, DESIGN §4).

use sismatch_auth::Role;
use sismatch_proto::v1;

use crate::accounts::Account;
use crate::check::{KIND, VALUES};
use crate::error::WebError;
use crate::i18n::{Lang, t};
use crate::input::{self, Field, Form};

/// Most values in one search (the core's limit).
pub const MAX_SEARCH_VALUES: usize = 32;

/// Matches shown per search.
const TOP: u32 = 20;

/// The purposes a partner look-up may state (DESIGN §4), as the form's values.
pub const PURPOSES: [(&str, &str); 3] = [
    ("THEFT_INVESTIGATION", "purpose.theft"),
    ("RECOVERY_IDENTIFICATION", "purpose.recovery"),
    ("CROSS_BORDER_ENQUIRY", "purpose.crossborder"),
];

/// The case reference of the search and hit-report forms.
const CASE: Field = Field {
    name: "case_reference",
    label: "field.case",
};

/// A form field named `name`, labelled by the label `label`.
fn field(name: &'static str, label: &'static str) -> Field {
    Field { name, label }
}

/// The search request of a submitted form, or the sentence to show with the form.
pub fn request(form: &Form, lang: Lang) -> Result<v1::MatchingCoreSearchRequest, String> {
    let text = input::text(form, field("text", "field.text"), lang, 1024, false)?;
    let values = if text.is_empty() || !form.get("values").trim().is_empty() {
        input::values(form, VALUES, lang, MAX_SEARCH_VALUES)?
    } else {
        Vec::new()
    };
    let kind = input::kind(form, KIND, lang)?;
    let manufacturer = input::text(form, field("manufacturer", "field.maker"), lang, 128, false)?;
    let countries = input::countries(form, field("countries", "field.countries"), lang)?;
    let expand = form.get("expand") == "on";
    let case_reference = input::text(form, CASE, lang, 64, expand)?;
    let purpose = if expand {
        let chosen = form.get("purpose");
        PURPOSES
            .iter()
            .find(|(name, _)| *name == chosen)
            .and_then(|(name, _)| {
                v1::LookupPurpose::from_str_name(&format!("LOOKUP_PURPOSE_{name}"))
            })
            .map(i32::from)
            .ok_or_else(|| {
                format!(
                    "{}: {}",
                    t(lang, "field.purpose"),
                    t(lang, "msg.choose_purpose")
                )
            })?
    } else {
        0
    };
    Ok(v1::MatchingCoreSearchRequest {
        queries: values
            .into_iter()
            .map(|value| v1::IdentifierQuery {
                value,
                kind,
                manufacturer: manufacturer.clone(),
            })
            .collect(),
        text,
        filter: Some(v1::SearchFilter {
            countries,
            ..v1::SearchFilter::default()
        }),
        top_k: TOP,
        expand_via_partners: expand,
        purpose,
        case_reference: if expand {
            case_reference
        } else {
            String::new()
        },
        ..v1::MatchingCoreSearchRequest::default()
    })
}

/// The hit report of a submitted report form by `officer` (police only: the report names
/// the officer's country).
pub fn hit_report(form: &Form, officer: &Account, lang: Lang) -> Result<v1::HitReport, WebError> {
    let country = match (&officer.role, &officer.country) {
        (Role::Police, Some(country)) => country.clone(),
        _ => return Err(WebError::Input(t(lang, "msg.police_only").to_string())),
    };
    let read = |name, label, max, required| {
        input::text(form, field(name, label), lang, max, required).map_err(WebError::Input)
    };
    let alert_id = read("alert_id", "field.alert", 64, true)?;
    let location = read("location", "field.location", 1024, true)?;
    let note = read("note", "field.note", 8000, false)?;
    let case_reference = read("case_reference", "field.case", 64, false)?;
    let matched_value = read("matched_value", "field.matched", 64, false)?;
    Ok(v1::HitReport {
        alert_id,
        reporting_country: country,
        reporting_officer: officer.name.clone(),
        case_reference,
        note,
        location,
        matched_value,
        ..v1::HitReport::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn officer(role: Role) -> Account {
        Account {
            name: "agent-nl".to_string(),
            role,
            country: Some("NL".to_string()),
            dealer_id: None,
        }
    }

    #[test]
    fn a_search_form_becomes_a_request() {
        let form = Form::parse(b"values=BAY953S8I900&kind=HIN&countries=nl+be&text=");
        let request = request(&form, Lang::En).unwrap();
        assert_eq!(request.queries.len(), 1);
        assert_eq!(request.filter.unwrap().countries, vec!["NL", "BE"]);
        assert!(!request.expand_via_partners);
        let text_only =
            super::request(&Form::parse(b"values=&text=blue+canopy"), Lang::En).unwrap();
        assert!(text_only.queries.is_empty());
        assert!(super::request(&Form::parse(b"values=&text="), Lang::En).is_err());
        // The maker goes with every value; a maker too long is refused, naming the field.
        let with_maker = Form::parse(b"values=BXK4471%0ABXK4472&manufacturer=Glock");
        let request = super::request(&with_maker, Lang::En).unwrap();
        assert!(request.queries.iter().all(|q| q.manufacturer == "Glock"));
        let long = format!("values=BXK4471&manufacturer={}", "G".repeat(129));
        let refused = super::request(&Form::parse(long.as_bytes()), Lang::En).unwrap_err();
        assert!(refused.starts_with("Maker"), "{refused}");
    }

    #[test]
    fn partner_expansion_needs_a_purpose_and_a_case() {
        let no_case = Form::parse(b"values=6CJ-1013456&expand=on&purpose=THEFT_INVESTIGATION");
        assert!(
            request(&no_case, Lang::En)
                .unwrap_err()
                .starts_with("Case reference")
        );
        let no_purpose = Form::parse(b"values=6CJ-1013456&expand=on&case_reference=PL-1");
        assert!(request(&no_purpose, Lang::En).is_err());
        let both = Form::parse(
            b"values=6CJ-1013456&expand=on&case_reference=PL-1&purpose=THEFT_INVESTIGATION",
        );
        let request = request(&both, Lang::En).unwrap();
        assert_eq!(request.purpose, 1);
        assert_eq!(request.case_reference, "PL-1");
    }

    #[test]
    fn only_police_report_hits() {
        let form = Form::parse(b"alert_id=BE-1&location=Antwerp&note=");
        let report = hit_report(&form, &officer(Role::Police), Lang::En).unwrap();
        assert_eq!(report.reporting_country, "NL");
        assert_eq!(report.reporting_officer, "agent-nl");
        assert!(hit_report(&form, &officer(Role::Operator), Lang::En).is_err());
        let no_place = Form::parse(b"alert_id=BE-1&location=");
        assert!(hit_report(&no_place, &officer(Role::Police), Lang::En).is_err());
    }
}
