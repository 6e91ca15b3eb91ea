//! Shipping container codes (ISO 6346): owner code, equipment category, serial, check digit.

use super::{CheckDigit, Fitted, Misfit, Slot, fit};

/// The parts of a container code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerParts {
    /// The three-letter owner code registered with the BIC.
    pub owner: String,
    /// The equipment category: `U` freight container, `J` detachable equipment, `Z` trailer.
    pub category: char,
    /// The six-digit serial.
    pub serial: String,
}

const LAYOUT: [Slot; 11] = [
    Slot::Letter,
    Slot::Letter,
    Slot::Letter,
    Slot::OneOf("UJZ"),
    Slot::Digit,
    Slot::Digit,
    Slot::Digit,
    Slot::Digit,
    Slot::Digit,
    Slot::Digit,
    Slot::Digit,
];

/// ISO 6346 letter values: A = 10 upwards, skipping the multiples of 11.
fn value(c: char) -> u32 {
    if let Some(digit) = c.to_digit(10) {
        return digit;
    }
    let raw = 10 + (c as u32).saturating_sub('A' as u32);
    // Skipping 11, 22 and 33 shifts every value by one per ten passed.
    raw + (raw - 1) / 10
}

/// The ISO 6346 check sum of the first ten characters modulo 11: the check digit, except
/// that 10 is written 0 (which is why owners avoid serials whose remainder is 10). Public so
/// that generators of test data compute it the one way parsing checks it.
pub fn container_check_remainder(chars: &[char]) -> u32 {
    let sum: u32 = chars
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, &c)| value(c) << i)
        .sum();
    sum % 11
}

/// The check digit the first ten characters call for.
fn expected_check(chars: &[char]) -> char {
    char::from_digit(container_check_remainder(chars) % 10, 10).unwrap_or('0')
}

/// Parses a normalised 11-character container code.
pub(crate) fn parse_container(value: &str) -> Result<Fitted<ContainerParts>, Misfit> {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() != 11 {
        return Err(format!(
            "an ISO 6346 container code has 11 characters, this has {}",
            chars.len()
        ));
    }
    let Some((fixed, corrections)) = fit(&chars, &LAYOUT) else {
        return Err(
            "not an ISO 6346 code: expected 3 letters, U, J or Z, and 7 digits".to_string(),
        );
    };
    let expected = expected_check(&fixed);
    let check = CheckDigit::verdict(fixed[10], expected);
    Ok(Fitted {
        parts: ContainerParts {
            owner: fixed[0..3].iter().collect(),
            category: fixed[3],
            serial: fixed[4..10].iter().collect(),
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
    fn letter_values_skip_multiples_of_eleven() {
        let values: Vec<u32> = ('A'..='Z').map(value).collect();
        assert_eq!(&values[..3], &[10, 12, 13]);
        assert_eq!(value('K'), 21);
        assert_eq!(value('L'), 23);
        assert_eq!(value('U'), 32);
        assert_eq!(value('V'), 34);
        assert_eq!(value('Z'), 38);
        assert!(values.iter().all(|v| v % 11 != 0));
    }

    #[test]
    fn real_container_codes() {
        for code in ["CSQU3054383", "MSKU9070323", "MAEU1234567"] {
            assert_eq!(
                parse_container(code).unwrap().check,
                CheckDigit::Valid,
                "{code}"
            );
        }
        assert_eq!(
            parse_container("TGHU9876545").unwrap().check,
            CheckDigit::Invalid {
                found: '5',
                expected: '2'
            }
        );
        let parts = parse_container("CSQU3054383").unwrap().parts;
        assert_eq!((parts.owner.as_str(), parts.category), ("CSQ", 'U'));
        assert_eq!(parts.serial, "305438");
    }

    #[test]
    fn misread_digits_are_corrected() {
        let fitted = parse_container("CSQU3O54383").unwrap();
        assert_eq!(fitted.corrected, "CSQU3054383");
        assert_eq!(fitted.check, CheckDigit::Valid);
        assert!(parse_container("CSQX3054383").is_err());
    }
}
