//! Shipping containers: ISO 6346 codes with real-looking owner prefixes and a valid check digit.

use sismatch_alert::Category;
use sismatch_ident::IdentifierKind;

use super::{Object, Place, entry, year};
use crate::lang::{BLUE, CONTAINER, Colour, GREEN, GREY, ORANGE, RED, WHITE, YELLOW};
use crate::rng::Rng;

/// Owner codes (the first three letters), with the line or lessor and its livery.
const OWNERS: [(&str, &str, Colour); 12] = [
    ("MSK", "Maersk", BLUE),
    ("MAE", "Maersk", BLUE),
    ("MSC", "MSC", YELLOW),
    ("CMA", "CMA CGM", BLUE),
    ("HLX", "Hapag-Lloyd", ORANGE),
    ("CSQ", "COSCO", BLUE),
    ("OOL", "OOCL", GREY),
    ("EMC", "Evergreen", GREEN),
    ("TGH", "Textainer", WHITE),
    ("TCL", "Triton", ORANGE),
    ("SEG", "SeaCube", WHITE),
    ("CAI", "CAI International", RED),
];

const TYPES: [&str; 5] = [
    "20' dry",
    "40' dry",
    "40' high cube",
    "40' reefer",
    "45' high cube",
];

/// A container, with its code written compact or in the grouping painted on its doors.
pub(super) fn container(rng: &mut Rng, newest: u16) -> Object {
    let &(owner, line, colour) = rng.pick(&OWNERS);
    let category = match rng.below(100) {
        0..=2 => 'J',
        3..=5 => 'Z',
        _ => 'U',
    };
    let code = container_code(rng, owner, category);
    let model = *rng.pick(&TYPES);
    let value = match rng.below(10) {
        0..=4 => code,
        5..=7 => format!("{} {} {}", &code[..4], &code[4..10], &code[10..]),
        _ => format!("{} {}-{}", &code[..4], &code[4..10], &code[10..]),
    };
    Object {
        category: Category::Container,
        identifiers: vec![entry(IdentifierKind::Container, value, Some(line), None)],
        brand: line,
        model,
        year: year(rng, 2005, newest),
        noun: CONTAINER,
        colour,
        trim: None,
        engine: None,
        place: Place::Terminal,
    }
}

/// A compact code: owner, category, six-digit serial, check digit. Serials whose check sum
/// leaves 10 are skipped, as ISO 6346 recommends (their check digit would be ambiguous).
fn container_code(rng: &mut Rng, owner: &str, category: char) -> String {
    loop {
        let head = format!("{owner}{category}{}", rng.digits(6));
        let chars: Vec<char> = head.chars().collect();
        let remainder = sismatch_ident::container_check_remainder(&chars);
        if remainder < 10 {
            return format!("{head}{remainder}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sismatch_ident::{CheckDigit, Format, parse};

    #[test]
    fn generated_codes_are_valid() {
        let mut rng = Rng::new(8);
        for _ in 0..1_000 {
            let object = container(&mut rng, 2025);
            let value = &object.identifiers[0].value;
            let id = parse(value, Some(IdentifierKind::Container));
            assert_eq!(id.check, CheckDigit::Valid, "{value}");
            assert!(matches!(id.format, Format::Container(_)), "{value}");
        }
    }
}
