//! Deterministic sample alerts for the tests: boats with a HIN (or CIN) and an engine serial,
//! vehicles with a VIN, containers, firearms with short serials.

use sismatch_alert::{Alert, Category, IdentifierEntry};
use sismatch_ident::IdentifierKind;

/// A small deterministic generator (xorshift64*), so that failures reproduce.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| alphabet[self.below(alphabet.len())] as char)
            .collect()
    }
}

const LETTERS: &[u8] = b"ABCEFHJKMNPRTWXY";
const NO_IOQ: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
const DIGITS: &[u8] = b"0123456789";

/// Alert number `n` of `country`, with identifiers typical of its category.
pub fn alert(country: &str, n: usize, rng: &mut Rng) -> Alert {
    let (category, identifiers, brand) = match n % 4 {
        0 => {
            let hin = format!(
                "{}{}{}{}{}",
                rng.pick(LETTERS, 3),
                rng.pick(NO_IOQ, 5),
                rng.pick(b"ABCDEFGHJKL", 1),
                rng.pick(DIGITS, 1),
                rng.pick(DIGITS, 2)
            );
            let engine = format!("{}-{}", rng.pick(NO_IOQ, 3), rng.pick(DIGITS, 7));
            (
                Category::Boat,
                vec![
                    IdentifierEntry::new(IdentifierKind::Cin, format!("{country}-{hin}")),
                    IdentifierEntry::new(IdentifierKind::EngineSerial, engine),
                ],
                "Bayliner",
            )
        }
        1 => (
            Category::MotorVehicle,
            vec![IdentifierEntry::new(
                IdentifierKind::Vin,
                rng.pick(NO_IOQ, 17),
            )],
            "Volvo",
        ),
        2 => (
            Category::Container,
            vec![IdentifierEntry::new(
                IdentifierKind::Container,
                format!("{}U{}", rng.pick(LETTERS, 3), rng.pick(DIGITS, 7)),
            )],
            "Maersk",
        ),
        _ => {
            let len = 6 + rng.below(3);
            (
                Category::Firearm,
                vec![IdentifierEntry::new(
                    IdentifierKind::FirearmSerial,
                    rng.pick(NO_IOQ, len),
                )],
                "Glock",
            )
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

/// `count` alerts of `country`, numbered from 1.
pub fn alerts(country: &str, count: usize, seed: u64) -> Vec<Alert> {
    let mut rng = Rng::new(seed);
    (1..=count).map(|n| alert(country, n, &mut rng)).collect()
}
