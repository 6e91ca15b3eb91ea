//! The standard identifier formats and their check digits.
//!
//! Each format is described by a *layout*: which characters each position allows. Matching a
//! value against a layout also corrects look-alikes by position (an `O` where the format needs a
//! digit is a `0`), and reports every correction it made, because a correction is evidence the
//! officer should see, not something to hide.

mod container;
mod hin;
mod imo;
mod mmsi;
mod parts;
mod vin;

pub(crate) use container::parse_container;
pub use container::{ContainerParts, container_check_remainder};
pub(crate) use hin::parse_hin;
pub use hin::{HinLayout, HinParts};
pub use imo::ImoParts;
pub(crate) use imo::parse_imo;
pub use mmsi::MmsiParts;
pub(crate) use mmsi::parse_mmsi;
pub(crate) use vin::parse_vin;
pub use vin::{VinParts, vin_check_character};

use crate::lookalike::correct;

/// The structure recognised in a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// A hull identification number, or the body of a CIN.
    Hin(HinParts),
    /// A vehicle identification number.
    Vin(VinParts),
    /// An ISO 6346 container code.
    Container(ContainerParts),
    /// An IMO ship identification number.
    Imo(ImoParts),
    /// A maritime mobile service identity.
    Mmsi(MmsiParts),
    /// No standard structure: a serial compared as a plain string.
    Generic,
}

/// The outcome of a check-digit verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckDigit {
    /// The format has no check digit (HIN, MMSI, generic serials).
    NotApplicable,
    /// The check digit holds.
    Valid,
    /// The check digit does not hold: a misread, a typo or a forged number.
    Invalid {
        /// The check character in the value.
        found: char,
        /// The check character the rest of the value calls for.
        expected: char,
    },
}

impl CheckDigit {
    /// The verdict's stable name (`NOT_APPLICABLE`, `VALID`, `INVALID`), the wire enum's.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckDigit::NotApplicable => "NOT_APPLICABLE",
            CheckDigit::Valid => "VALID",
            CheckDigit::Invalid { .. } => "INVALID",
        }
    }

    /// The verdict for a check character `found` where `expected` is called for.
    pub(crate) fn verdict(found: char, expected: char) -> CheckDigit {
        if found == expected {
            CheckDigit::Valid
        } else {
            CheckDigit::Invalid { found, expected }
        }
    }
}

/// A look-alike corrected by position while matching a format's layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Correction {
    /// 1-based position in the normalised value.
    pub position: usize,
    /// The character as read.
    pub from: char,
    /// The character the format requires there.
    pub to: char,
}

/// A value that fits a format: its parts, its corrected form, and what was corrected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fitted<T> {
    /// The parts of the format.
    pub parts: T,
    /// The value with the positional corrections applied.
    pub corrected: String,
    /// The corrections made, in position order.
    pub corrections: Vec<Correction>,
    /// The check-digit verdict, on the corrected value.
    pub check: CheckDigit,
}

/// Why a value does not fit a format, in words for the officer.
pub(crate) type Misfit = String;

/// What a position of a layout allows.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Slot {
    /// `0`-`9`.
    Digit,
    /// `A`-`Z`.
    Letter,
    /// `A`-`Z` and `0`-`9` except `I`, `O` and `Q` (VIN, HIN serial).
    NoIoq,
    /// Exactly the characters listed.
    OneOf(&'static str),
}

impl Slot {
    fn allows(self, c: char) -> bool {
        match self {
            Slot::Digit => c.is_ascii_digit(),
            Slot::Letter => c.is_ascii_uppercase(),
            Slot::NoIoq => (c.is_ascii_uppercase() || c.is_ascii_digit()) && !"IOQ".contains(c),
            Slot::OneOf(set) => set.contains(c),
        }
    }
}

/// Matches `value` against `layout`, correcting look-alikes by position.
///
/// Returns the corrected characters and the corrections, or `None` when the length differs or a
/// position holds a character that neither fits nor is a look-alike of one that fits.
pub(crate) fn fit(value: &[char], layout: &[Slot]) -> Option<(Vec<char>, Vec<Correction>)> {
    if value.len() != layout.len() {
        return None;
    }
    let mut fixed = Vec::with_capacity(value.len());
    let mut corrections = Vec::new();
    for (index, (&c, &slot)) in value.iter().zip(layout).enumerate() {
        if slot.allows(c) {
            fixed.push(c);
            continue;
        }
        let to = correct(c, |candidate| slot.allows(candidate))?;
        corrections.push(Correction {
            position: index + 1,
            from: c,
            to,
        });
        fixed.push(to);
    }
    Some((fixed, corrections))
}

/// The two-digit number at `chars[at..at + 2]`, which the layout guarantees are digits.
pub(crate) fn two_digits(chars: &[char], at: usize) -> u16 {
    let digit = |i: usize| chars.get(i).and_then(|c| c.to_digit(10)).unwrap_or(0) as u16;
    digit(at) * 10 + digit(at + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_corrects_by_position() {
        let value: Vec<char> = "A0O1".chars().collect();
        let layout = [Slot::Letter, Slot::Letter, Slot::Digit, Slot::Digit];
        let (fixed, corrections) = fit(&value, &layout).unwrap();
        assert_eq!(fixed.iter().collect::<String>(), "AO01");
        assert_eq!(
            corrections,
            vec![
                Correction {
                    position: 2,
                    from: '0',
                    to: 'O'
                },
                Correction {
                    position: 3,
                    from: 'O',
                    to: '0'
                },
            ]
        );
        assert!(fit(&value, &layout[..3]).is_none());
        let bad: Vec<char> = "AA7A".chars().collect();
        assert!(fit(&bad, &layout).is_none());
    }
}
