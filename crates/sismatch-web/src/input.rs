//! Reading what people type into the forms. Every limit is checked here, and each failure is
//! a sentence for the form ("Numbers: at most 64 characters per number"), never an error page:
//! empty fields, 10,000 characters, control characters and bytes that are not UTF-8 all come
//! back as the form with the message.

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

/// Why a text is not acceptable, or None.
fn problem(text: &str, max_chars: usize, multiline: bool) -> Option<String> {
    if text.contains('\u{fffd}') {
        return Some("contains bytes that are not text (not UTF-8)".to_string());
    }
    let count = text.chars().count();
    if count > max_chars {
        return Some(format!("at most {max_chars} characters (this has {count})"));
    }
    let control = text
        .chars()
        .find(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')));
    if let Some(c) = control {
        return Some(format!(
            "contains a control character (U+{:04X})",
            u32::from(c)
        ));
    }
    None
}

/// A free-text field, trimmed; `required` refuses an empty one. The error starts with `label`.
pub fn text(
    form: &Form,
    name: &str,
    label: &str,
    max_chars: usize,
    required: bool,
) -> Result<String, String> {
    let value = form.get(name).trim();
    if let Some(problem) = problem(value, max_chars, true) {
        return Err(format!("{label}: {problem}"));
    }
    if required && value.is_empty() {
        return Err(format!("{label}: required"));
    }
    Ok(value.to_string())
}

/// The identifier values of a field: one per line (commas and semicolons also separate),
/// 1 to `max_values` of them, each at most [`MAX_VALUE`] characters.
pub fn values(
    form: &Form,
    name: &str,
    label: &str,
    max_values: usize,
) -> Result<Vec<String>, String> {
    let raw = form.get(name);
    if let Some(problem) = problem(raw, max_values * (MAX_VALUE + 2), true) {
        return Err(format!("{label}: {problem}"));
    }
    let values: Vec<String> = raw
        .split(['\n', '\r', ',', ';'])
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect();
    if values.is_empty() {
        return Err(format!(
            "{label}: give at least one number as read on the object"
        ));
    }
    if values.len() > max_values {
        return Err(format!("{label}: at most {max_values} numbers at once"));
    }
    for value in &values {
        if let Some(problem) = problem(value, MAX_VALUE, false) {
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
pub fn kind(form: &Form, name: &str, label: &str) -> Result<i32, String> {
    let value = form.get(name).trim();
    if value.is_empty() {
        return Ok(0);
    }
    sismatch_proto::v1::IdentifierKind::from_str_name(&format!("IDENTIFIER_KIND_{value}"))
        .filter(|kind| *kind != sismatch_proto::v1::IdentifierKind::Unspecified)
        .map(i32::from)
        .ok_or_else(|| format!("{label}: unknown kind"))
}

/// Country codes typed as `NL, BE` (empty = every country).
pub fn countries(form: &Form, name: &str, label: &str) -> Result<Vec<String>, String> {
    let raw = text(form, name, label, 200, false)?;
    let mut out = Vec::new();
    for code in raw.split([',', ' ', ';']).filter(|c| !c.is_empty()) {
        let code = code.to_ascii_uppercase();
        if !sismatch_ident::is_country_code(&code) {
            return Err(format!(
                "{label}: '{code}' is not a country code such as NL or BE"
            ));
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

    #[test]
    fn values_are_split_trimmed_and_limited() {
        let form = Form::parse(b"v=abc-12345+d4+04%0D%0A6CJ-1013456%2C+X1&k=HIN");
        assert_eq!(
            values(&form, "v", "Numbers", 16).unwrap(),
            vec!["abc-12345 d4 04", "6CJ-1013456", "X1"]
        );
        assert_eq!(kind(&form, "k", "Kind").unwrap(), 1);
        assert!(kind(&Form::parse(b"k=KING"), "k", "Kind").is_err());
    }

    #[test]
    fn bad_input_is_a_sentence_naming_the_field() {
        let long = format!("v={}", "A".repeat(10_000));
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"v=".to_vec(), "at least one"),
            (b"v=+%0A+".to_vec(), "at least one"),
            (long.into_bytes(), "at most"),
            (b"v=ABC%00123".to_vec(), "control character"),
            (b"v=ABC%FF%FE123".to_vec(), "not UTF-8"),
            (format!("v={}", "A".repeat(65)).into_bytes(), "at most 64"),
            (b"v=1,2,3".to_vec(), "at most 2 numbers"),
        ];
        for (body, expected) in cases {
            let error = values(&Form::parse(&body), "v", "Numbers", 2).unwrap_err();
            assert!(error.starts_with("Numbers: "), "{error}");
            assert!(error.contains(expected), "{error} should say {expected}");
        }
    }

    #[test]
    fn countries_and_text() {
        let form = Form::parse(b"c=nl%2C+be+NL&t=+found+in+Harlingen+&x=%1B");
        assert_eq!(
            countries(&form, "c", "Countries").unwrap(),
            vec!["NL", "BE"]
        );
        assert!(countries(&Form::parse(b"c=XX"), "c", "Countries").is_err());
        assert_eq!(
            text(&form, "t", "Note", 100, true).unwrap(),
            "found in Harlingen"
        );
        assert!(text(&form, "missing", "Note", 100, true).is_err());
        assert!(text(&form, "x", "Note", 100, false).is_err());
    }
}
