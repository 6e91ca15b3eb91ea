//! IMO ship identification numbers: seven digits, the last a check digit (SOLAS XI-1/3).

use super::{CheckDigit, Fitted, Misfit, Slot, fit};

/// The parts of an IMO number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImoParts {
    /// The six digits before the check digit.
    pub number: String,
}

/// Parses a normalised IMO number (the `IMO` prefix already removed).
pub(crate) fn parse_imo(value: &str) -> Result<Fitted<ImoParts>, Misfit> {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() != 7 {
        return Err(format!(
            "an IMO number has 7 digits, this has {} characters",
            chars.len()
        ));
    }
    let Some((fixed, corrections)) = fit(&chars, &[Slot::Digit; 7]) else {
        return Err("not an IMO number: only digits may occur".to_string());
    };
    // Weights 7 down to 2 over the first six digits; the last digit of the sum is the check.
    let sum: u32 = fixed
        .iter()
        .take(6)
        .zip((2..=7).rev())
        .map(|(c, weight)| c.to_digit(10).unwrap_or(0) * weight)
        .sum();
    let expected = char::from_digit(sum % 10, 10).unwrap_or('0');
    let check = CheckDigit::verdict(fixed[6], expected);
    Ok(Fitted {
        parts: ImoParts {
            number: fixed[..6].iter().collect(),
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
    fn real_imo_numbers() {
        for imo in ["9074729", "9176187", "9321483", "8814275"] {
            assert_eq!(parse_imo(imo).unwrap().check, CheckDigit::Valid, "{imo}");
        }
        assert_eq!(
            parse_imo("9074728").unwrap().check,
            CheckDigit::Invalid {
                found: '8',
                expected: '9'
            }
        );
        assert!(parse_imo("907472").is_err());
        assert!(parse_imo("90747A9").is_err());
    }
}
