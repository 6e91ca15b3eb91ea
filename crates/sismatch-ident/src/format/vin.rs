//! Vehicle identification numbers (ISO 3779, with the North American check digit of 49 CFR 565).
//!
//! Seventeen characters, never `I`, `O` or `Q` (so an `O` read in a VIN is a `0`). Position 9
//! is a check digit that is mandatory only for North American VINs: elsewhere a failed check is
//! a confidence signal, never a reason to reject.

use super::{CheckDigit, Fitted, Misfit, Slot, fit};

/// The parts of a VIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VinParts {
    /// World manufacturer identifier (positions 1-3).
    pub wmi: String,
    /// Vehicle descriptor section (positions 4-9, including the check digit).
    pub vds: String,
    /// Vehicle identifier section (positions 10-17).
    pub vis: String,
    /// The model-year code at position 10; meaningful for North American VINs.
    pub model_year_code: char,
    /// The years the model-year code stands for (it repeats every 30 years), oldest first.
    pub model_years: Vec<u16>,
    /// Whether the check digit is mandatory: the VIN is North American (first character 1-5).
    pub check_required: bool,
}

/// Transliteration of VIN characters to numbers for the check digit.
fn value(c: char) -> u32 {
    match c {
        '0'..='9' => c.to_digit(10).unwrap_or(0),
        'A' | 'J' => 1,
        'B' | 'K' | 'S' => 2,
        'C' | 'L' | 'T' => 3,
        'D' | 'M' | 'U' => 4,
        'E' | 'N' | 'V' => 5,
        'F' | 'W' => 6,
        'G' | 'P' | 'X' => 7,
        'H' | 'Y' => 8,
        'R' | 'Z' => 9,
        _ => 0,
    }
}

const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/// The check character a 17-character VIN calls for at position 9 (the character there is
/// ignored): public so that generators of test data compute it the one way parsing checks it.
pub fn vin_check_character(chars: &[char]) -> char {
    let sum: u32 = chars.iter().zip(WEIGHTS).map(|(&c, w)| value(c) * w).sum();
    match sum % 11 {
        10 => 'X',
        digit => char::from_digit(digit, 10).unwrap_or('0'),
    }
}

/// Model-year codes in the order of the years they stand for, starting with 1980.
const YEAR_CODES: &str = "ABCDEFGHJKLMNPRSTVWXY123456789";

/// The years (1980-2039) that a model-year code stands for.
fn model_years(code: char) -> Vec<u16> {
    match YEAR_CODES.find(code) {
        Some(index) => vec![1980 + index as u16, 2010 + index as u16],
        None => Vec::new(),
    }
}

/// Parses a normalised 17-character VIN.
pub(crate) fn parse_vin(value: &str) -> Result<Fitted<VinParts>, Misfit> {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() != 17 {
        return Err(format!("a VIN has 17 characters, this has {}", chars.len()));
    }
    let Some((fixed, corrections)) = fit(&chars, &[Slot::NoIoq; 17]) else {
        return Err("not a VIN: only letters and digits may occur".to_string());
    };
    let expected = vin_check_character(&fixed);
    let check = CheckDigit::verdict(fixed[8], expected);
    let text = |range: std::ops::Range<usize>| fixed[range].iter().collect::<String>();
    Ok(Fitted {
        parts: VinParts {
            wmi: text(0..3),
            vds: text(3..9),
            vis: text(9..17),
            model_year_code: fixed[9],
            model_years: model_years(fixed[9]),
            check_required: ('1'..='5').contains(&fixed[0]),
        },
        corrected: fixed.iter().collect(),
        corrections,
        check,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_check_digits_of_real_vins() {
        for vin in [
            "1M8GDM9AXKP042788",
            "1HGCM82633A004352",
            "JH4KA7561PC008269",
            "11111111111111111",
        ] {
            assert_eq!(parse_vin(vin).unwrap().check, CheckDigit::Valid, "{vin}");
        }
    }

    #[test]
    fn invalid_check_digit_is_reported_not_rejected() {
        let fitted = parse_vin("5YJ3E1EA7KF317000").unwrap();
        assert_eq!(
            fitted.check,
            CheckDigit::Invalid {
                found: '7',
                expected: '2'
            }
        );
        assert!(fitted.parts.check_required);
        // European VINs often carry no check digit at all.
        let european = parse_vin("WVWZZZ1JZXW000001").unwrap();
        assert!(!european.parts.check_required);
    }

    #[test]
    fn parts_and_model_year() {
        let vin = parse_vin("1HGCM82633A004352").unwrap().parts;
        assert_eq!(vin.wmi, "1HG");
        assert_eq!(vin.vds, "CM8263");
        assert_eq!(vin.vis, "3A004352");
        assert_eq!(vin.model_years, vec![1973 + 30, 2033]);
    }

    #[test]
    fn o_and_i_are_read_as_digits() {
        let fitted = parse_vin("1HGCM82633AOO4352").unwrap();
        assert_eq!(fitted.corrected, "1HGCM82633A004352");
        assert_eq!(fitted.corrections.len(), 2);
        assert_eq!(fitted.check, CheckDigit::Valid);
    }
}
