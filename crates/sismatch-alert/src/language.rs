//! The language an alert's free text is written in (DESIGN §2: descriptions in any EU language).
//!
//! Why here: the language decides how a node analyses brand, model, colour and description (which
//! stemmer turns `Boote` into `boot`), so it is part of the alert, checked once with the other
//! fields. An alert usually leaves it out: its issuing country gives the default; an officer of a
//! country with several languages (BE, LU, CH) names the one used. Codes are ISO 639-1: the EU's
//! 24 official languages and those of the Schengen associated countries.

/// Accepted `language` codes (ISO 639-1), sorted.
const CODES: [&str; 26] = [
    "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "is", "it", "lt",
    "lv", "mt", "nl", "no", "pl", "pt", "ro", "sk", "sl", "sv",
];

/// Whether `code` is an accepted ISO 639-1 language code (lower case).
pub fn is_language_code(code: &str) -> bool {
    CODES.binary_search(&code).is_ok()
}

/// The language an officer of `country` writes in unless the alert says otherwise: the
/// country's first official language (Belgium: Dutch, Luxembourg: French, Switzerland: German,
/// Malta and Ireland: English); `None` for a country outside the EU and Schengen.
pub fn default_language(country: &str) -> Option<&'static str> {
    Some(match country {
        "AT" | "DE" | "LI" | "CH" => "de",
        "BE" | "NL" => "nl",
        "FR" | "LU" => "fr",
        "IE" | "MT" => "en",
        "BG" => "bg",
        "CY" | "GR" => "el",
        "CZ" => "cs",
        "DK" => "da",
        "EE" => "et",
        "ES" => "es",
        "FI" => "fi",
        "HR" => "hr",
        "HU" => "hu",
        "IS" => "is",
        "IT" => "it",
        "LT" => "lt",
        "LV" => "lv",
        "NO" => "no",
        "PL" => "pl",
        "PT" => "pt",
        "RO" => "ro",
        "SE" => "sv",
        "SI" => "sl",
        "SK" => "sk",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_sorted_and_unique() {
        assert!(CODES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn every_default_language_is_accepted() {
        for country in [
            "AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR",
            "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO",
            "SE", "SI", "SK",
        ] {
            let language = default_language(country).unwrap_or_else(|| panic!("{country}"));
            assert!(is_language_code(language), "{country}: {language}");
        }
        assert_eq!(default_language("US"), None);
        for code in ["DE", "deu", "german", "", "xx"] {
            assert!(!is_language_code(code), "{code}");
        }
    }
}
