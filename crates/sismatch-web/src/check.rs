//! The dealer check: the numbers read on an object offered for sale, asked of every country
//! through the core's `Check`. The answer a dealer sees is built from the `CheckResponse`
//! alone (outcome, reference, time, countries that answered), which by contract carries
//! nothing about any alert: no page of this module can leak one.

use sismatch_proto::v1;

use crate::accounts::Account;
use crate::core_api::CoreApi;
use crate::error::Result;
use crate::i18n::Lang;
use crate::input::{self, Field, Form};

/// The numbers field of the check and search forms.
pub const VALUES: Field = Field {
    name: "values",
    label: "field.values",
};
/// The kind field of the check and search forms.
pub const KIND: Field = Field {
    name: "kind",
    label: "field.kind",
};

/// Most values in one check (the core's limit).
pub const MAX_CHECK_VALUES: usize = 16;

/// The three answers a dealer can get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Reported stolen: do not buy, call the police with the reference.
    Hit,
    /// Nothing found in the countries that answered (all of them).
    NoHit,
    /// Nothing found, but a country did not answer: check again later.
    Incomplete,
}

/// What a dealer sees of one check, and what its certificate prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckView {
    /// The answer.
    pub outcome: Outcome,
    /// The reference to quote to the police.
    pub reference: String,
    /// When the core made the check (RFC 3339, UTC).
    pub checked_at: String,
    /// The countries that answered.
    pub countries: Vec<String>,
    /// The numbers as the dealer typed them.
    pub values: Vec<String>,
    /// Who checked (sign-in name) and for which dealer.
    pub checked_by: String,
}

/// The fields of a check form, as typed (to give the form back with a message).
#[derive(Debug, Clone, Default)]
pub struct CheckForm {
    /// The numbers, one per line.
    pub values: String,
    /// The kind chosen, or empty.
    pub kind: String,
}

impl CheckForm {
    /// The form as submitted.
    pub fn from(form: &Form) -> CheckForm {
        CheckForm {
            values: form.get("values").to_string(),
            kind: form.get("kind").to_string(),
        }
    }
}

/// The `CheckRequest` of a submitted form, or the sentence to show with the form.
pub fn request(
    form: &Form,
    lang: Lang,
) -> std::result::Result<(v1::CheckRequest, Vec<String>), String> {
    let values = input::values(form, VALUES, lang, MAX_CHECK_VALUES)?;
    let kind = input::kind(form, KIND, lang)?;
    let request = v1::CheckRequest {
        identifiers: values
            .iter()
            .map(|value| v1::IdentifierQuery {
                value: value.clone(),
                kind,
                manufacturer: String::new(),
            })
            .collect(),
        category: 0,
    };
    Ok((request, values))
}

/// Asks the core on behalf of `person`.
pub async fn check(
    core: &CoreApi,
    person: &Account,
    request: v1::CheckRequest,
    values: Vec<String>,
) -> Result<CheckView> {
    let answer = core.check(person, request).await?;
    Ok(view(answer, values, person))
}

/// The dealer's view of an answer: only the fields the contract allows.
fn view(answer: v1::CheckResponse, values: Vec<String>, person: &Account) -> CheckView {
    let outcome = match v1::CheckOutcome::try_from(answer.outcome) {
        Ok(v1::CheckOutcome::Hit) => Outcome::Hit,
        Ok(v1::CheckOutcome::NoHit) => Outcome::NoHit,
        _ => Outcome::Incomplete,
    };
    let checked_at = answer
        .checked_at
        .and_then(|t| jiff::Timestamp::new(t.seconds, 0).ok())
        .map_or_else(String::new, |t| t.to_string());
    let checked_by = match &person.dealer_id {
        Some(dealer) => format!("{} ({dealer})", person.name),
        None => person.name.clone(),
    };
    CheckView {
        outcome,
        reference: answer.reference,
        checked_at,
        countries: answer.countries_checked,
        values,
        checked_by,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sismatch_auth::Role;

    #[test]
    fn the_view_keeps_outcome_reference_and_countries_only() {
        let dealer = Account {
            name: "garage".to_string(),
            role: Role::Dealer,
            country: None,
            dealer_id: Some("KVK-123".to_string()),
        };
        let answer = v1::CheckResponse {
            outcome: v1::CheckOutcome::NoHit.into(),
            reference: "C-1".to_string(),
            checked_at: Some(prost_types::Timestamp {
                seconds: 1_800_000_000,
                nanos: 5,
            }),
            countries_checked: vec!["BE".to_string(), "NL".to_string()],
        };
        let view = view(answer, vec!["ABC".to_string()], &dealer);
        assert_eq!(view.outcome, Outcome::NoHit);
        assert_eq!(view.checked_at, "2027-01-15T08:00:00Z");
        assert_eq!(view.checked_by, "garage (KVK-123)");
        let unknown = v1::CheckResponse {
            outcome: 0,
            ..v1::CheckResponse::default()
        };
        assert_eq!(
            super::view(unknown, vec![], &dealer).outcome,
            Outcome::Incomplete
        );
    }

    #[test]
    fn a_form_becomes_a_request_or_a_sentence() {
        let (request, values) =
            request(&Form::parse(b"values=ABC12345D404&kind=HIN"), Lang::En).unwrap();
        assert_eq!(values, vec!["ABC12345D404"]);
        assert_eq!(request.identifiers[0].kind, 1);
        let error = super::request(&Form::parse(b"values="), Lang::En).unwrap_err();
        assert!(error.starts_with("Numbers:"));
    }
}
