//! Normalisation: one spelling for every way a value is written (DESIGN §3).
//!
//! `abc-12345 d4 04`, `ABC12345D404` and `ＡＢＣ１２３４５Ｄ４０４` all become `ABC12345D404`.
//! Letters of other scripts that look exactly like Latin capitals (Cyrillic `А`, Greek `Ο`) are
//! folded to them: identifier formats are Latin, and a keyboard set to another script is a common
//! source of mistakes. Leading zeros are kept (`0G123456` is not `G123456`).

/// Folds a character from a confusable script or a full-width form to its Latin capital or
/// ASCII digit; other characters are returned unchanged.
fn fold_confusable(c: char) -> char {
    match c {
        // Full-width digits and capitals (the full-width lower case is upper-cased before).
        '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' => {
            char::from_u32(c as u32 - 0xFF10 + 0x30).unwrap_or(c)
        }
        // Cyrillic capitals.
        'А' => 'A',
        'В' => 'B',
        'Е' | 'Ё' => 'E',
        'К' => 'K',
        'М' => 'M',
        'Н' => 'H',
        'О' => 'O',
        'Р' => 'P',
        'С' => 'C',
        'Т' => 'T',
        'Х' => 'X',
        'У' => 'Y',
        'І' => 'I',
        'Ј' => 'J',
        'Ѕ' => 'S',
        // Greek capitals.
        'Α' => 'A',
        'Β' => 'B',
        'Ε' => 'E',
        'Ζ' => 'Z',
        'Η' => 'H',
        'Ι' => 'I',
        'Κ' => 'K',
        'Μ' => 'M',
        'Ν' => 'N',
        'Ο' => 'O',
        'Ρ' => 'P',
        'Τ' => 'T',
        'Υ' => 'Y',
        'Χ' => 'X',
        c => c,
    }
}

/// Upper-cases and folds every character of `raw`, keeping those for which `keep` holds.
fn fold(raw: &str, keep: impl Fn(char) -> bool) -> String {
    raw.chars()
        .flat_map(char::to_uppercase)
        .map(fold_confusable)
        .filter(|c| keep(*c))
        .collect()
}

/// The normal form of an identifier value: upper case, confusable scripts folded to Latin, and
/// everything that is not a letter or a digit (spaces, `- . / _`, other punctuation) removed.
///
/// Idempotent. Kind-specific steps (prefix stripping, positional corrections) are done by
/// [`crate::parse`] on top of this.
pub fn normalise(raw: &str) -> String {
    fold(raw, char::is_alphanumeric)
}

/// Like [`normalise`], but keeps the wildcards `*` (any run) and `?` (one character), with runs
/// of `*` collapsed to one.
pub fn normalise_pattern(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in fold(raw, |c| c.is_alphanumeric() || c == '*' || c == '?').chars() {
        if !(c == '*' && out.ends_with('*')) {
            out.push(c);
        }
    }
    out
}

/// Normalised values that stand for "no identifier" and must never be indexed or matched.
const SENTINELS: [&str; 19] = [
    "UNKNOWN",
    "UNK",
    "UNKN",
    "NONE",
    "NA",
    "NIL",
    "NULL",
    "NOSERIAL",
    "NOSERIALNUMBER",
    "NONUMBER",
    "NOTKNOWN",
    "NOTAVAILABLE",
    "NOTAPPLICABLE",
    "UNREADABLE",
    "ILLEGIBLE",
    "MISSING",
    "TBA",
    "TBC",
    "NN",
];

/// Whether `raw` is a placeholder (`UNKNOWN`, `N/A`, `?`, `NO SERIAL`, `XXXXXX`, `000000`) rather
/// than an identifier: such values are kept on the alert but kept out of the index (DESIGN §2).
pub fn is_sentinel(raw: &str) -> bool {
    let value = normalise(raw);
    let Some(first) = value.chars().next() else {
        return true;
    };
    let repeated_filler = matches!(first, 'X' | '0') && value.chars().all(|c| c == first);
    repeated_filler || SENTINELS.contains(&value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_case_and_spaces() {
        assert_eq!(normalise("abc-12345 d4 04"), "ABC12345D404");
        assert_eq!(normalise(" NL-ABC.123/45_D404 "), "NLABC12345D404");
        assert_eq!(normalise("0g123456"), "0G123456");
    }

    #[test]
    fn confusable_scripts_and_full_width() {
        // Cyrillic А, В, С and Greek Ο typed on the wrong keyboard layout.
        assert_eq!(normalise("АВС12345Ο"), "ABC12345O");
        assert_eq!(normalise("ａｂｃ１２３"), "ABC123");
    }

    #[test]
    fn patterns_keep_wildcards() {
        assert_eq!(normalise_pattern("*2345-d4**"), "*2345D4*");
        assert_eq!(normalise_pattern("abc 123 ?? d404"), "ABC123??D404");
    }

    #[test]
    fn sentinels() {
        for raw in [
            "UNKNOWN",
            "n/a",
            "?",
            "No Serial",
            "xxxxxx",
            "000000",
            "",
            " - ",
        ] {
            assert!(is_sentinel(raw), "{raw:?}");
        }
        for raw in ["0G123456", "ABC12345D404", "X1", "NAB123"] {
            assert!(!is_sentinel(raw), "{raw:?}");
        }
    }
}
