//! Hull identification numbers (33 CFR 181 subpart C) and the HIN-like body of an ISO 10087 CIN.
//!
//! Twelve characters: a three-letter manufacturer identification code (MIC), a five-character
//! serial that never uses `I`, `O` or `Q`, and four date characters in one of three historical
//! layouts. The same month letter means different months by layout, so the layout is decided
//! first and the date decoded by it.

use super::{CheckDigit, Correction, Fitted, Misfit, Slot, fit, two_digits};

/// The three layouts of a HIN's last four characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HinLayout {
    /// Since August 1984: month letter (`A` = January .. `L` = December), the last digit of the
    /// year of production, the two-digit model year (`D404`).
    Current,
    /// 1972-1984, "straight year": month and year of certification as digits `MMYY` (`1278`).
    StraightYear,
    /// 1972-1984, "model year": `M`, the two-digit model year, and a month letter counted from
    /// August (`A` = August .. `L` = July) (`M82H` = March 1982).
    ModelYear,
}

/// The parts of a HIN (or of a CIN's body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HinParts {
    /// The CIN country prefix (ISO 3166-1 alpha-2), when one was given.
    pub country: Option<String>,
    /// The manufacturer identification code.
    pub manufacturer: String,
    /// The manufacturer's serial.
    pub serial: String,
    /// Which date layout the value uses.
    pub layout: HinLayout,
    /// Month of production or certification, 1-12.
    pub build_month: u8,
    /// Year of production or certification.
    pub build_year: u16,
    /// Model year, where the layout carries one.
    pub model_year: Option<u16>,
}

const MONTH_LETTERS: &str = "ABCDEFGHIJKL";

/// The first eight positions, common to every layout: MIC and serial.
const HEAD: [Slot; 8] = [
    Slot::Letter,
    Slot::Letter,
    Slot::Letter,
    Slot::NoIoq,
    Slot::NoIoq,
    Slot::NoIoq,
    Slot::NoIoq,
    Slot::NoIoq,
];

/// The date positions (9-12) of each layout.
const DATES: [(HinLayout, [Slot; 4]); 3] = [
    (
        HinLayout::Current,
        [
            Slot::OneOf(MONTH_LETTERS),
            Slot::Digit,
            Slot::Digit,
            Slot::Digit,
        ],
    ),
    (
        HinLayout::ModelYear,
        [
            Slot::OneOf("M"),
            Slot::Digit,
            Slot::Digit,
            Slot::OneOf(MONTH_LETTERS),
        ],
    ),
    (HinLayout::StraightYear, [Slot::Digit; 4]),
];

/// Parses a normalised 12-character HIN (without a country prefix).
///
/// Tries the three layouts and keeps the one needing the fewest positional corrections,
/// preferring the current layout on a tie.
pub(crate) fn parse_hin(value: &str) -> Result<Fitted<HinParts>, Misfit> {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() != 12 {
        return Err(format!(
            "a HIN has 12 characters after the country prefix, this has {}",
            chars.len()
        ));
    }
    let mut best: Option<(HinLayout, Vec<char>, Vec<Correction>)> = None;
    for (layout, date) in DATES {
        let slots: Vec<Slot> = HEAD.iter().chain(&date).copied().collect();
        let Some((fixed, corrections)) = fit(&chars, &slots) else {
            continue;
        };
        if layout == HinLayout::StraightYear && !(1..=12).contains(&two_digits(&fixed, 8)) {
            continue;
        }
        if best
            .as_ref()
            .is_none_or(|(_, _, seen)| corrections.len() < seen.len())
        {
            best = Some((layout, fixed, corrections));
        }
    }
    let Some((layout, fixed, corrections)) = best else {
        return Err(
            "not a HIN: expected 3 letters, 5 serial characters and a date such as D404, 1278 or M82H"
                .to_string(),
        );
    };
    let text = |range: std::ops::Range<usize>| fixed[range].iter().collect::<String>();
    let (build_month, build_year, model_year) = decode_date(layout, &fixed);
    Ok(Fitted {
        parts: HinParts {
            country: None,
            manufacturer: text(0..3),
            serial: text(3..8),
            layout,
            build_month,
            build_year,
            model_year,
        },
        corrected: fixed.iter().collect(),
        corrections,
        check: CheckDigit::NotApplicable,
    })
}

/// Month (1-12), year of production or certification, and model year of a fitted HIN.
fn decode_date(layout: HinLayout, fixed: &[char]) -> (u8, u16, Option<u16>) {
    let letter_index = |c: char| MONTH_LETTERS.find(c).unwrap_or(0) as u8;
    match layout {
        HinLayout::Current => {
            let model_year = century(two_digits(fixed, 10), 84);
            let digit = fixed[9].to_digit(10).unwrap_or(0) as u16;
            // The production year ends in `digit` and lies at most one year after the model
            // year (a boat is built before or in its model year).
            let build_year = model_year + 1 - (model_year + 1 + 10 - digit) % 10;
            (letter_index(fixed[8]) + 1, build_year, Some(model_year))
        }
        HinLayout::StraightYear => {
            let month = two_digits(fixed, 8) as u8;
            (month, 1900 + two_digits(fixed, 10), None)
        }
        HinLayout::ModelYear => {
            let model_year = 1900 + two_digits(fixed, 9);
            // Counted from August: A..E are August..December of the year before the model year.
            let index = letter_index(fixed[11]);
            let month = (index + 7) % 12 + 1;
            let build_year = if index < 5 {
                model_year - 1
            } else {
                model_year
            };
            (month, build_year, Some(model_year))
        }
    }
}

/// The four-digit year for a two-digit year of a format in use since `since` (two digits).
fn century(two: u16, since: u16) -> u16 {
    if two >= since { 1900 + two } else { 2000 + two }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(value: &str) -> HinParts {
        parse_hin(value).unwrap().parts
    }

    #[test]
    fn current_layout() {
        let hin = parts("ABC12345D404");
        assert_eq!(hin.manufacturer, "ABC");
        assert_eq!(hin.serial, "12345");
        assert_eq!(hin.layout, HinLayout::Current);
        assert_eq!((hin.build_month, hin.build_year), (4, 2004));
        assert_eq!(hin.model_year, Some(2004));
        // Built November 1984 for model year 1985.
        let hin = parts("XYZ12345K485");
        assert_eq!((hin.build_month, hin.build_year), (11, 1984));
        assert_eq!(hin.model_year, Some(1985));
        // September is the letter I in the current layout.
        assert_eq!(parts("BAY98765I920").build_month, 9);
    }

    #[test]
    fn straight_year_layout() {
        let hin = parts("ABC123451278");
        assert_eq!(hin.layout, HinLayout::StraightYear);
        assert_eq!((hin.build_month, hin.build_year), (12, 1978));
        assert_eq!(hin.model_year, None);
    }

    #[test]
    fn model_year_layout_counts_months_from_august() {
        let hin = parts("ABC12345M82H");
        assert_eq!(hin.layout, HinLayout::ModelYear);
        assert_eq!((hin.build_month, hin.build_year), (3, 1982));
        assert_eq!(hin.model_year, Some(1982));
        let hin = parts("ABC12345M78D");
        assert_eq!((hin.build_month, hin.build_year), (11, 1977));
    }

    #[test]
    fn corrects_lookalikes_by_position() {
        let fitted = parse_hin("A8C12345D4O4").unwrap();
        assert_eq!(fitted.corrected, "ABC12345D404");
        assert_eq!(fitted.corrections.len(), 2);
        // An O in the serial is a zero: HIN serials never use I, O or Q.
        assert_eq!(parse_hin("ABC1O345D404").unwrap().corrected, "ABC10345D404");
    }

    #[test]
    fn rejects_what_is_not_a_hin() {
        assert!(parse_hin("ABC12345D40").is_err());
        assert!(parse_hin("ABC12345Z404").is_err());
        assert!(parse_hin("ABC12345N404").is_err());
        assert!(parse_hin("A7C12345D404").is_err());
    }
}
