//! Small, predictable alerts for tests: alert `n` of a country is a boat, a car, a container or
//! a firearm by `n % 4`, with its numbers at known places (a boat's CIN first, its engine
//! serial second), so that a test can take "the boat" and type its hull number wrong.
//!
//! Why beside the realistic [`Generator`](crate::Generator): the integration tests need a
//! handful of alerts whose shape they can rely on, not a national register's mix; both draw
//! from the one seeded [`Rng`] of this crate, so every seeded test corpus of the workspace
//! comes from here and reproduces from its seed.

use sismatch_alert::{Alert, Category, IdentifierEntry};
use sismatch_ident::IdentifierKind;

use crate::rng::Rng;

/// Letters of a maker code and a container owner code.
const CODE_LETTERS: &str = "ABCEFHJKMNPRTWXY";
/// Letters and digits of a VIN and a HIN serial (no `I`, `O`, `Q`).
const NO_IOQ: &str = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";

/// Alert number `n` of `country` (id `CC-00000n`), with the identifiers, brand and text typical
/// of its category: a boat (CIN and engine serial) when `n % 4 == 0`, then a car (VIN), a
/// container (ISO 6346 code) and a firearm (6 to 8 character serial).
pub fn alert(country: &str, n: usize, rng: &mut Rng) -> Alert {
    let (category, identifiers, brand) = match n % 4 {
        0 => {
            let hin = format!(
                "{}{}{}{}",
                rng.string(CODE_LETTERS, 3),
                rng.string(NO_IOQ, 5),
                rng.char_of("ABCDEFGHJKL"),
                rng.digits(3)
            );
            let engine = format!("{}-{}", rng.string(NO_IOQ, 3), rng.digits(7));
            let identifiers = vec![
                IdentifierEntry::new(IdentifierKind::Cin, format!("{country}-{hin}")),
                IdentifierEntry::new(IdentifierKind::EngineSerial, engine),
            ];
            (Category::Boat, identifiers, "Bayliner")
        }
        1 => {
            let vin = IdentifierEntry::new(IdentifierKind::Vin, rng.string(NO_IOQ, 17));
            (Category::MotorVehicle, vec![vin], "Volvo")
        }
        2 => {
            let code = format!("{}U{}", rng.string(CODE_LETTERS, 3), rng.digits(7));
            let container = IdentifierEntry::new(IdentifierKind::Container, code);
            (Category::Container, vec![container], "Maersk")
        }
        _ => {
            let len = rng.between(6, 8) as usize;
            let serial =
                IdentifierEntry::new(IdentifierKind::FirearmSerial, rng.string(NO_IOQ, len));
            (Category::Firearm, vec![serial], "Glock")
        }
    };
    Alert {
        brand: Some(brand.to_string()),
        colour: Some("white".to_string()),
        year: Some(2004),
        description: Some(format!("sample alert {n}")),
        case_reference: Some(format!("{country}-CASE-{n}")),
        ..Alert::new(format!("{country}-{n:06}"), country, category, identifiers)
    }
}

/// `count` alerts of `country`, numbered from 1, the same for a seed on every machine.
pub fn alerts(country: &str, count: usize, seed: u64) -> Vec<Alert> {
    let mut rng = Rng::new(seed);
    (1..=count).map(|n| alert(country, n, &mut rng)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fourth_alert_is_a_boat_with_its_hull_first() {
        let sample = alerts("BE", 8, 3);
        assert_eq!(sample, alerts("BE", 8, 3));
        assert_eq!(sample[3].id, "BE-000004");
        assert_eq!(sample[3].category, Category::Boat);
        assert!(sample[3].identifiers[0].value.starts_with("BE-"));
        assert_eq!(sample[3].identifiers[1].kind, IdentifierKind::EngineSerial);
        let categories: Vec<Category> = sample[..4].iter().map(|a| a.category).collect();
        let expected = [
            Category::MotorVehicle,
            Category::Container,
            Category::Firearm,
            Category::Boat,
        ];
        assert_eq!(categories, expected);
        for alert in &sample {
            for entry in &alert.identifiers {
                let id = sismatch_ident::parse(&entry.value, Some(entry.kind));
                assert!(!id.normalised.is_empty(), "{entry:?}");
            }
        }
    }
}
