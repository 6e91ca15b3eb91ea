//! Reading what people type into the forms. Every limit is checked here, and each failure is
//! a sentence for the form ("Numbers: at most 64 characters per number"), never an error page:
//! empty fields, 10,000 characters, control characters and bytes that are not UTF-8 all come
//! back as the form with the message.

use crate::i18n::{Lang, t, tf};

/// A submitted `application/x-www-form-urlencoded` body.
#[derive(Debug, Default)]
pub struct Form {
    fields: Vec<(String, String)>,
}

/// Longest identifier value the core accepts.
pub const MAX_VALUE: usize = 64;

impl Form {
    /// Decodes a form body (or a query string). Bytes that are not UTF-8 become U+FFFD here and
    /// are refused by the field readers.
    pub fn parse(body: &[u8]) -> Form {
        Form {
            fields: form_urlencoded::parse(body)
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect(),
        }
    }

    /// The first value of `name`, or "" when absent.
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map_or("", |(_, value)| value.as_str())
    }
}

/// Why a text is not acceptable, in `lang`, or None.
fn problem(lang: Lang, text: &str, max_chars: usize, multiline: bool) -> Option<String> {
    if text.contains('\u{fffd}') {
        return Some(t(lang, "input.not_utf8").to_string());
    }
    let count = text.chars().count();
    if count > max_chars {
        let (max, count) = (max_chars.to_string(), count.to_string());
        return Some(tf(
            lang,
            "input.too_long",
            &[("max", &max), ("count", &count)],
        ));
    }
    let control = text
        .chars()
        .find(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')));
    if let Some(c) = control {
        let code = format!("U+{:04X}", u32::from(c));
        return Some(tf(lang, "input.control", &[("code", &code)]));
    }
    None
}

/// A form field: its name in the form and the key of its label.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The `name` of the input.
    pub name: &'static str,
    /// The key of its label (`field.values`): errors start with the label.
    pub label: &'static str,
}

/// A free-text field, trimmed; `required` refuses an empty one. The error, in `lang`, starts
/// with the field's label.
pub fn text(
    form: &Form,
    field: Field,
    lang: Lang,
    max_chars: usize,
    required: bool,
) -> Result<String, String> {
    let label = t(lang, field.label);
    let value = form.get(field.name).trim();
    if let Some(problem) = problem(lang, value, max_chars, true) {
        return Err(format!("{label}: {problem}"));
    }
    if required && value.is_empty() {
        return Err(format!("{label}: {}", t(lang, "input.required")));
    }
    Ok(value.to_string())
}

/// The identifier values of a field: one per line (commas and semicolons also separate),
/// 1 to `max_values` of them, each at most [`MAX_VALUE`] characters.
pub fn values(
    form: &Form,
    field: Field,
    lang: Lang,
    max_values: usize,
) -> Result<Vec<String>, String> {
    let label = t(lang, field.label);
    let raw = form.get(field.name);
    if let Some(problem) = problem(lang, raw, max_values * (MAX_VALUE + 2), true) {
        return Err(format!("{label}: {problem}"));
    }
    let values: Vec<String> = raw
        .split(['\n', '\r', ',', ';'])
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect();
    if values.is_empty() {
        return Err(format!("{label}: {}", t(lang, "input.no_values")));
    }
    if values.len() > max_values {
        let max = max_values.to_string();
        return Err(format!(
            "{label}: {}",
            tf(lang, "input.too_many", &[("max", &max)])
        ));
    }
    for value in &values {
        if let Some(problem) = problem(lang, value, MAX_VALUE, false) {
            return Err(format!("{label}: '{}…': {problem}", short(value)));
        }
    }
    Ok(values)
}

/// The start of a long value, for a message.
fn short(value: &str) -> String {
    value.chars().take(20).collect()
}

/// The kind chosen in a select (`HIN`, `ENGINE_SERIAL`; empty = any) as its protobuf number.
pub fn kind(form: &Form, field: Field, lang: Lang) -> Result<i32, String> {
    let value = form.get(field.name).trim();
    if value.is_empty() {
        return Ok(0);
    }
    sismatch_proto::v1::IdentifierKind::from_str_name(&format!("IDENTIFIER_KIND_{value}"))
        .filter(|kind| *kind != sismatch_proto::v1::IdentifierKind::Unspecified)
        .map(i32::from)
        .ok_or_else(|| {
            format!(
                "{}: {}",
                t(lang, field.label),
                t(lang, "input.unknown_kind")
            )
        })
}

/// Country codes typed as `NL, BE` (empty = every country).
pub fn countries(form: &Form, field: Field, lang: Lang) -> Result<Vec<String>, String> {
    let raw = text(form, field, lang, 200, false)?;
    let mut out = Vec::new();
    for code in raw.split([',', ' ', ';']).filter(|c| !c.is_empty()) {
        let code = code.to_ascii_uppercase();
        if !sismatch_ident::is_country_code(&code) {
            let problem = tf(lang, "input.country", &[("code", &code)]);
            return Err(format!("{}: {problem}", t(lang, field.label)));
        }
        if !out.contains(&code) {
            out.push(code);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: Field = Field {
        name: "v",
        label: "field.values",
    };

    #[test]
    fn values_are_split_trimmed_and_limited() {
        let form = Form::parse(b"v=abc-12345+d4+04%0D%0A6CJ-1013456%2C+X1&k=HIN");
        assert_eq!(
            values(&form, V, Lang::En, 16).unwrap(),
            vec!["abc-12345 d4 04", "6CJ-1013456", "X1"]
        );
        let k = Field {
            name: "k",
            label: "field.kind",
        };
        assert_eq!(kind(&form, k, Lang::En).unwrap(), 1);
        let error = kind(&Form::parse(b"k=KING"), k, Lang::Nl).unwrap_err();
        assert_eq!(error, "Soort nummer: onbekende soort");
    }

    #[test]
    fn bad_input_is_a_sentence_naming_the_field() {
        let long = format!("v={}", "A".repeat(10_000));
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"v=".to_vec(), "at least one"),
            (b"v=+%0A+".to_vec(), "at least one"),
            (long.into_bytes(), "at most"),
            (b"v=ABC%00123".to_vec(), "control character (U+0000)"),
            (b"v=ABC%FF%FE123".to_vec(), "not UTF-8"),
            (format!("v={}", "A".repeat(65)).into_bytes(), "at most 64"),
            (b"v=1,2,3".to_vec(), "at most 2 numbers"),
        ];
        for (body, expected) in cases {
            let error = values(&Form::parse(&body), V, Lang::En, 2).unwrap_err();
            assert!(error.starts_with("Numbers: "), "{error}");
            assert!(error.contains(expected), "{error} should say {expected}");
        }
        for lang in Lang::ALL {
            let error = values(&Form::parse(b"v=1,2,3"), V, lang, 2).unwrap_err();
            assert!(error.contains('2') && !error.contains("{max}"), "{error}");
        }
    }

    #[test]
    fn countries_and_text() {
        let form = Form::parse(b"c=nl%2C+be+NL&t=+found+in+Harlingen+&x=%1B");
        let c = Field {
            name: "c",
            label: "field.countries",
        };
        assert_eq!(countries(&form, c, Lang::En).unwrap(), vec!["NL", "BE"]);
        let error = countries(&Form::parse(b"c=XX"), c, Lang::De).unwrap_err();
        assert!(error.contains("'XX'"), "{error}");
        let note = |name| Field {
            name,
            label: "field.note",
        };
        assert_eq!(
            text(&form, note("t"), Lang::En, 100, true).unwrap(),
            "found in Harlingen"
        );
        let error = text(&form, note("missing"), Lang::Fr, 100, true).unwrap_err();
        assert_eq!(error, "Note: obligatoire");
        assert!(text(&form, note("x"), Lang::En, 100, false).is_err());
    }
}
