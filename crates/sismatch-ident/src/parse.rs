//! Parsing: from a raw value and an optional declared kind to an [`Identifier`] with its
//! normalised match key, skeleton, format parts and check-digit verdict.
//!
//! Parsing never fails. The real world has malformed numbers, and a malformed number on a
//! stolen boat is still the number to search for: what does not fit its format is kept as a
//! generic serial and flagged with a [`Note`].

use crate::country::is_country_code;
use crate::format::{
    CheckDigit, Correction, Fitted, Format, parse_container, parse_hin, parse_imo, parse_mmsi,
    parse_vin,
};
use crate::kind::IdentifierKind;
use crate::lookalike::skeleton;
use crate::normalise::{is_sentinel, normalise};

/// A parsed identifier value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identifier {
    /// The value as given.
    pub raw: String,
    /// The declared kind, or the detected one when none was declared.
    pub kind: IdentifierKind,
    /// Whether [`Identifier::kind`] was detected from the value's structure.
    pub kind_detected: bool,
    /// The value in normal form (see [`crate::normalise`]), a label such as `VIN:` removed but
    /// a prefix kept: what scores are computed on. The scorer ignores a prefix present on one
    /// side only, so `NL-ABC12345D404` and `ABC12345D404` compare equal.
    pub normalised: String,
    /// The index key: [`Identifier::normalised`] without its prefix (CIN country, `IMO`), so
    /// that the HIN and the CIN of one boat share one key.
    pub key: String,
    /// The look-alike skeleton of [`Identifier::key`], for candidate search.
    pub skeleton: String,
    /// The prefix removed from the match key (a CIN's country code, `IMO`), kept as metadata.
    pub prefix: Option<String>,
    /// The key with look-alikes corrected by position where the format fixes a digit or a
    /// letter; equal to [`Identifier::key`] when nothing needed correcting.
    pub corrected: String,
    /// The corrections that lead from `key` to `corrected`.
    pub corrections: Vec<Correction>,
    /// The recognised structure.
    pub format: Format,
    /// The check-digit verdict, on the corrected value.
    pub check: CheckDigit,
    /// What is unusual about the value.
    pub notes: Vec<Note>,
}

/// Something an officer or an importer should know about a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// A placeholder such as `UNKNOWN` or `N/A`: kept on the alert, never indexed.
    Sentinel,
    /// The value does not fit its declared kind's format and is treated as a generic serial.
    Malformed {
        /// The declared kind.
        kind: IdentifierKind,
        /// Why it does not fit.
        reason: String,
    },
    /// A CIN given without its country prefix.
    MissingCountryPrefix,
    /// A label such as `VIN:` or `IMO` in front of the value, removed.
    LabelRemoved(String),
}

impl Identifier {
    /// Whether the value belongs in the index: sentinels and empty values do not.
    pub fn is_indexable(&self) -> bool {
        !self.key.is_empty() && !self.notes.contains(&Note::Sentinel)
    }
}

/// Labels that officers and forms put in front of a value, with the kind each one names.
const LABELS: [(&str, IdentifierKind); 5] = [
    ("VIN", IdentifierKind::Vin),
    ("HIN", IdentifierKind::Hin),
    ("CIN", IdentifierKind::Cin),
    ("IMO", IdentifierKind::Imo),
    ("MMSI", IdentifierKind::Mmsi),
];

/// Removes a label (`VIN:`, `IMO `) followed by a separator, when it names the declared kind or
/// none was declared. Returns the rest and the label.
fn strip_label(raw: &str, declared: Option<IdentifierKind>) -> Option<(&str, &'static str)> {
    let trimmed = raw.trim_start();
    LABELS.iter().find_map(|&(label, kind)| {
        if declared.is_some_and(|d| d != kind) {
            return None;
        }
        let head = trimmed.get(..label.len())?;
        let rest = trimmed.get(label.len()..)?;
        let separated = rest.starts_with(|c: char| !c.is_alphanumeric());
        (head.eq_ignore_ascii_case(label) && separated && !normalise(rest).is_empty())
            .then_some((rest, label))
    })
}

/// Parses `raw`, as `declared` when given, otherwise detecting the kind from its structure.
pub fn parse(raw: &str, declared: Option<IdentifierKind>) -> Identifier {
    let kind_detected = declared.is_none();
    let mut notes = Vec::new();
    let label = strip_label(raw, declared);
    let (text, declared) = match label {
        Some((rest, name)) => {
            notes.push(Note::LabelRemoved(name.to_string()));
            let kind = LABELS.iter().find(|(l, _)| *l == name).map(|(_, k)| *k);
            (rest, declared.or(kind))
        }
        None => (raw, declared),
    };
    let value = normalise(text);
    let generic = |kind, value: String, notes| Identifier {
        raw: raw.to_string(),
        kind,
        kind_detected,
        skeleton: skeleton(&value),
        corrected: value.clone(),
        key: value.clone(),
        normalised: value,
        prefix: None,
        corrections: Vec::new(),
        format: Format::Generic,
        check: CheckDigit::NotApplicable,
        notes,
    };
    if is_sentinel(text) {
        notes.push(Note::Sentinel);
        return generic(
            declared.unwrap_or(IdentifierKind::SerialNumber),
            value,
            notes,
        );
    }
    let attempt = match declared {
        Some(kind) => fit_kind(kind, &value).map_err(|reason| (kind, reason)),
        None => detect(&value).ok_or((IdentifierKind::SerialNumber, String::new())),
    };
    match attempt {
        Ok(found) => {
            if found.kind == IdentifierKind::Cin && found.prefix.is_none() {
                notes.push(Note::MissingCountryPrefix);
            }
            Identifier {
                raw: raw.to_string(),
                kind: declared.unwrap_or(found.kind),
                kind_detected,
                skeleton: skeleton(&found.key),
                key: found.key,
                normalised: value,
                prefix: found.prefix,
                corrected: found.fitted.corrected,
                corrections: found.fitted.corrections,
                format: found.fitted.parts,
                check: found.fitted.check,
                notes,
            }
        }
        Err((kind, reason)) => {
            if declared.is_some() && kind.has_format() {
                notes.push(Note::Malformed { kind, reason });
            }
            generic(kind, value, notes)
        }
    }
}

/// A value that fits a format.
struct Found {
    kind: IdentifierKind,
    key: String,
    prefix: Option<String>,
    fitted: Fitted<Format>,
}

fn found<T>(
    kind: IdentifierKind,
    key: &str,
    prefix: Option<String>,
    fitted: Fitted<T>,
    wrap: impl FnOnce(T) -> Format,
) -> Found {
    Found {
        kind,
        key: key.to_string(),
        prefix,
        fitted: Fitted {
            parts: wrap(fitted.parts),
            corrected: fitted.corrected,
            corrections: fitted.corrections,
            check: fitted.check,
        },
    }
}

/// Fits `value` to the format of a declared kind; generic kinds always fit.
fn fit_kind(kind: IdentifierKind, value: &str) -> Result<Found, String> {
    match kind {
        IdentifierKind::Hin | IdentifierKind::Cin => fit_hull(kind, value),
        IdentifierKind::Vin => parse_vin(value).map(|f| found(kind, value, None, f, Format::Vin)),
        IdentifierKind::Container => {
            parse_container(value).map(|f| found(kind, value, None, f, Format::Container))
        }
        IdentifierKind::Imo => {
            let (key, prefix) = match value.strip_prefix("IMO") {
                Some(rest) if rest.len() == 7 => (rest, Some("IMO".to_string())),
                _ => (value, None),
            };
            parse_imo(key).map(|f| found(kind, key, prefix, f, Format::Imo))
        }
        IdentifierKind::Mmsi => {
            parse_mmsi(value).map(|f| found(kind, value, None, f, Format::Mmsi))
        }
        _ => Err(String::new()),
    }
}

/// Fits a HIN or a CIN: 12 characters, or 14 with an ISO 3166 country prefix.
fn fit_hull(kind: IdentifierKind, value: &str) -> Result<Found, String> {
    let prefixed = value
        .get(..2)
        .filter(|prefix| value.len() == 14 && is_country_code(prefix));
    let (key, prefix) = match prefixed {
        Some(country) => (&value[2..], Some(country.to_string())),
        None => (value, None),
    };
    let mut fitted = parse_hin(key)?;
    fitted.parts.country = prefix.clone();
    Ok(found(kind, key, prefix, fitted, Format::Hin))
}

/// Detects the kind of an undeclared value from its structure.
///
/// Only strong structure counts: a fit that needed at most one positional correction, or whose
/// check digit holds. A seven-digit number is not taken for an IMO number without its prefix.
fn detect(value: &str) -> Option<Found> {
    let strong = |f: &Found| f.fitted.corrections.len() <= 1 || f.fitted.check == CheckDigit::Valid;
    let candidates: &[IdentifierKind] = match value.len() {
        17 => &[IdentifierKind::Vin],
        14 => &[IdentifierKind::Cin],
        12 => &[IdentifierKind::Hin],
        11 => &[IdentifierKind::Container],
        10 if value.starts_with("IMO") => &[IdentifierKind::Imo],
        _ => &[],
    };
    candidates
        .iter()
        .filter_map(|&kind| fit_kind(kind, value).ok())
        .find(|f| strong(f) && (f.kind != IdentifierKind::Cin || f.prefix.is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::HinLayout;

    #[test]
    fn cin_and_hin_share_a_key() {
        let cin = parse("NL-ABC12345D404", Some(IdentifierKind::Cin));
        let hin = parse("abc 12345 d4 04", Some(IdentifierKind::Hin));
        assert_eq!(cin.normalised, "NLABC12345D404");
        assert_eq!(cin.key, "ABC12345D404");
        assert_eq!(cin.prefix.as_deref(), Some("NL"));
        assert_eq!(hin.key, cin.key);
        match &cin.format {
            Format::Hin(parts) => {
                assert_eq!(parts.country.as_deref(), Some("NL"));
                assert_eq!(parts.layout, HinLayout::Current);
            }
            other => panic!("expected a HIN body, got {other:?}"),
        }
    }

    #[test]
    fn detects_kinds_from_structure() {
        let kind = |raw: &str| parse(raw, None).kind;
        assert_eq!(kind("NL-ABC12345D404"), IdentifierKind::Cin);
        assert_eq!(kind("ABC12345D404"), IdentifierKind::Hin);
        assert_eq!(kind("1HGCM82633A004352"), IdentifierKind::Vin);
        assert_eq!(kind("CSQU 305438 3"), IdentifierKind::Container);
        assert_eq!(kind("IMO 9074729"), IdentifierKind::Imo);
        assert_eq!(kind("IMO9074729"), IdentifierKind::Imo);
        assert_eq!(kind("9074729"), IdentifierKind::SerialNumber);
        assert_eq!(kind("6CJ-1013456"), IdentifierKind::SerialNumber);
        assert!(parse("ABC12345D404", None).kind_detected);
    }

    #[test]
    fn labels_are_removed() {
        let vin = parse("VIN: 1HGCM82633A004352", None);
        assert_eq!(vin.kind, IdentifierKind::Vin);
        assert_eq!(vin.normalised, "1HGCM82633A004352");
        assert_eq!(vin.notes, vec![Note::LabelRemoved("VIN".to_string())]);
        let imo = parse("IMO 9074729", Some(IdentifierKind::Imo));
        assert_eq!(imo.normalised, "9074729");
        // A serial that merely starts with the letters of a label keeps them.
        assert_eq!(parse("VINX123", None).normalised, "VINX123");
    }

    #[test]
    fn malformed_values_are_kept_and_flagged() {
        let id = parse("1HGCM8263", Some(IdentifierKind::Vin));
        assert_eq!(id.kind, IdentifierKind::Vin);
        assert_eq!(id.format, Format::Generic);
        assert_eq!(id.normalised, "1HGCM8263");
        assert!(matches!(
            &id.notes[..],
            [Note::Malformed {
                kind: IdentifierKind::Vin,
                ..
            }]
        ));
        assert!(id.is_indexable());
    }

    #[test]
    fn sentinels_are_not_indexable() {
        let id = parse("N/A", Some(IdentifierKind::EngineSerial));
        assert_eq!(id.notes, vec![Note::Sentinel]);
        assert!(!id.is_indexable());
    }

    #[test]
    fn leading_zeros_are_kept() {
        let id = parse("0G123456", Some(IdentifierKind::EngineSerial));
        assert_eq!(id.normalised, "0G123456");
        assert_eq!(id.skeleton, "06123456");
    }

    #[test]
    fn cin_without_prefix_is_noted() {
        let id = parse("ABC12345D404", Some(IdentifierKind::Cin));
        assert_eq!(id.notes, vec![Note::MissingCountryPrefix]);
    }

    #[test]
    fn positional_corrections_feed_the_check_digit() {
        let id = parse("1HGCM82633AOO4352", Some(IdentifierKind::Vin));
        assert_eq!(id.normalised, "1HGCM82633AOO4352");
        assert_eq!(id.corrected, "1HGCM82633A004352");
        assert_eq!(id.check, CheckDigit::Valid);
    }
}
