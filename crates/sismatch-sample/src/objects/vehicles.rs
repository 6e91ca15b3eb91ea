//! Road vehicles, trailers and caravans: VINs with real world manufacturer identifiers and a
//! valid ISO 3779 check digit, and registration plates in each country's style.

use sismatch_alert::Category;
use sismatch_ident::IdentifierKind;

use super::{Object, Place, entry, year};
use crate::lang::{
    BEIGE, CAR, CARAVAN, GREY, MOTORCYCLE, Noun, SILVER, SUV, TRAILER, VAN, VEHICLE_COLOURS, WHITE,
};
use crate::rng::{DIGITS, LETTERS, LETTERS_NO_IOQ, Rng};

/// A model with the world manufacturer identifier (WMI) of the plant that builds it.
struct Model {
    brand: &'static str,
    wmi: &'static str,
    name: &'static str,
    noun: Noun,
}

/// Declares a table of [`Model`]s.
macro_rules! models {
    ($($brand:literal $wmi:literal $name:literal $noun:ident;)+) => {
        [$(Model { brand: $brand, wmi: $wmi, name: $name, noun: $noun },)+]
    };
}

const MOTOR_VEHICLES: [Model; 44] = models! {
    "Volkswagen" "WVW" "Golf" CAR;
    "Volkswagen" "WVW" "Polo" CAR;
    "Volkswagen" "WVW" "Passat Variant" CAR;
    "Volkswagen" "WVG" "Tiguan" SUV;
    "Volkswagen" "WVG" "T-Roc" SUV;
    "Volkswagen" "WV2" "Transporter T6.1" VAN;
    "BMW" "WBA" "320d" CAR;
    "BMW" "WBA" "118i" CAR;
    "BMW" "5UX" "X5 xDrive30d" SUV;
    "BMW Motorrad" "WB1" "R 1250 GS" MOTORCYCLE;
    "Renault" "VF1" "Clio" CAR;
    "Renault" "VF1" "Captur" SUV;
    "Renault" "VF1" "Trafic" VAN;
    "Peugeot" "VF3" "208" CAR;
    "Peugeot" "VF3" "3008" SUV;
    "Citroën" "VF7" "C3" CAR;
    "Citroën" "VF7" "Berlingo" VAN;
    "Fiat" "ZFA" "500" CAR;
    "Fiat" "ZFA" "Ducato" VAN;
    "Volvo" "YV1" "XC60" SUV;
    "Volvo" "YV1" "V60" CAR;
    "Land Rover" "SAL" "Range Rover Evoque" SUV;
    "Land Rover" "SAL" "Range Rover Sport" SUV;
    "Land Rover" "SAL" "Defender 110" SUV;
    "Mercedes-Benz" "WDD" "C 220 d" CAR;
    "Mercedes-Benz" "WDD" "A 180" CAR;
    "Mercedes-Benz" "WDB" "Sprinter" VAN;
    "Škoda" "TMB" "Octavia" CAR;
    "Škoda" "TMB" "Kodiaq" SUV;
    "Honda" "1HG" "Accord" CAR;
    "Honda" "JH2" "CB650R" MOTORCYCLE;
    "Audi" "WAU" "A4 Avant" CAR;
    "Audi" "WAU" "Q5" SUV;
    "Toyota" "JTD" "Yaris" CAR;
    "Toyota" "JTM" "RAV4" SUV;
    "Ford" "WF0" "Focus" CAR;
    "Ford" "WF0" "Transit Custom" VAN;
    "Opel" "W0L" "Corsa" CAR;
    "Kia" "U5Y" "Sportage" SUV;
    "Tesla" "LRW" "Model 3" CAR;
    "Porsche" "WP0" "911 Carrera" CAR;
    "Porsche" "WP1" "Cayenne" SUV;
    "Yamaha" "JYA" "MT-07" MOTORCYCLE;
    "Ducati" "ZDM" "Multistrada V4" MOTORCYCLE;
};

const TRAILERS: [Model; 4] = models! {
    "Humbaur" "WHD" "HA 132513" TRAILER;
    "Humbaur" "WHD" "Startrailer H 752010" TRAILER;
    "Böckmann" "WBY" "TL-AL 2513" TRAILER;
    "Saris" "XLH" "PK 2700" TRAILER;
};

const CARAVANS: [Model; 4] = models! {
    "Hobby" "WKH" "De Luxe 460 UFe" CARAVAN;
    "Hobby" "WKH" "Prestige 560 WLU" CARAVAN;
    "Knaus" "WKK" "Südwind 580 QS" CARAVAN;
    "Tabbert" "WTA" "Da Vinci 490 TD" CARAVAN;
};

/// Makers of the Volkswagen group fill positions 4-6 of European VINs with `ZZZ`.
fn fills_with_zzz(wmi: &str) -> bool {
    matches!(wmi, "WVW" | "WVG" | "WV2" | "WAU" | "WP0" | "WP1")
}

/// A car, van, SUV or motorcycle: VIN, and a registration plate on most.
pub(super) fn motor_vehicle(rng: &mut Rng, home: &str, newest: u16) -> Object {
    let model = rng.pick(&MOTOR_VEHICLES);
    let year = year(rng, 2008, newest);
    let mut identifiers = vec![entry(
        IdentifierKind::Vin,
        vin(rng, model.wmi, year),
        Some(model.brand),
        None,
    )];
    if rng.chance(600) {
        identifiers.push(entry(
            IdentifierKind::Registration,
            plate(rng, home),
            None,
            None,
        ));
    }
    Object {
        category: Category::MotorVehicle,
        identifiers,
        brand: model.brand,
        model: model.name,
        year,
        noun: model.noun,
        colour: *rng.pick(&VEHICLE_COLOURS),
        trim: None,
        engine: None,
        place: Place::Street,
    }
}

/// A trailer: a VIN, or a maker's serial on small ones; a plate where the country issues one.
pub(super) fn trailer(rng: &mut Rng, home: &str, newest: u16) -> Object {
    let model = rng.pick(&TRAILERS);
    let year = year(rng, 2005, newest);
    let number = if rng.chance(700) {
        entry(
            IdentifierKind::Vin,
            vin(rng, model.wmi, year),
            Some(model.brand),
            None,
        )
    } else {
        // Small trailers carry the maker's own serial, led by its manufacturer code.
        let serial = format!("{}{}", model.wmi, rng.digits(7));
        entry(
            IdentifierKind::SerialNumber,
            serial,
            Some(model.brand),
            Some("drawbar"),
        )
    };
    let mut identifiers = vec![number];
    if rng.chance(400) {
        identifiers.push(entry(
            IdentifierKind::Registration,
            plate(rng, home),
            None,
            None,
        ));
    }
    Object {
        category: Category::Trailer,
        identifiers,
        brand: model.brand,
        model: model.name,
        year,
        noun: model.noun,
        colour: *rng.pick(&[SILVER, GREY]),
        trim: None,
        engine: None,
        place: Place::Home,
    }
}

/// A caravan, identified by its VIN.
pub(super) fn caravan(rng: &mut Rng, newest: u16) -> Object {
    let model = rng.pick(&CARAVANS);
    let year = year(rng, 2005, newest);
    Object {
        category: Category::Caravan,
        identifiers: vec![entry(
            IdentifierKind::Vin,
            vin(rng, model.wmi, year),
            Some(model.brand),
            None,
        )],
        brand: model.brand,
        model: model.name,
        year,
        noun: model.noun,
        colour: *rng.pick(&[WHITE, BEIGE]),
        trim: None,
        engine: None,
        place: Place::Campsite,
    }
}

/// Model-year codes at position 10, starting with 1980 and repeating every 30 years.
const YEAR_CODES: &str = "ABCDEFGHJKLMNPRSTVWXY123456789";

/// A VIN: WMI, vehicle descriptor, check digit, model-year code, plant, six-digit serial.
fn vin(rng: &mut Rng, wmi: &str, year: u16) -> String {
    let descriptor = if fills_with_zzz(wmi) {
        format!("ZZZ{}{}", rng.char_of(LETTERS_NO_IOQ), rng.char_of(DIGITS))
    } else {
        format!(
            "{}{}{}",
            rng.string(LETTERS_NO_IOQ, 3),
            rng.char_of(DIGITS),
            rng.char_of(LETTERS_NO_IOQ)
        )
    };
    let year_code = YEAR_CODES.as_bytes()[usize::from(year.saturating_sub(1980) % 30)];
    let plant = rng.char_of(LETTERS_NO_IOQ);
    let serial = rng.digits(6);
    let mut chars: Vec<char> =
        format!("{wmi}{descriptor}0{}{plant}{serial}", char::from(year_code))
            .chars()
            .collect();
    chars[8] = sismatch_ident::vin_check_character(&chars);
    chars.into_iter().collect()
}

/// Letters of Dutch plates: no vowels, and no C, Q, W, M.
const NL_LETTERS: &str = "BDFGHJKLNPRSTVXZ";
/// Letters of French SIV plates: no I, O, U.
const FR_LETTERS: &str = "ABCDEFGHJKLMNPQRSTVWXYZ";
/// Letters of Spanish plates: consonants, no Ñ or Q.
const ES_LETTERS: &str = "BCDFGHJKLMNPRSTVWXYZ";

/// A registration plate in the style of `country`.
fn plate(rng: &mut Rng, country: &str) -> String {
    match country {
        "NL" => match rng.below(3) {
            0 => format!(
                "{}-{}-{}",
                rng.string(NL_LETTERS, 2),
                rng.digits(3),
                rng.string(NL_LETTERS, 1)
            ),
            1 => format!(
                "{}-{}-{}",
                rng.between(1, 9),
                rng.string(NL_LETTERS, 3),
                rng.digits(2)
            ),
            _ => format!(
                "{}-{}-{}",
                rng.string(NL_LETTERS, 3),
                rng.digits(2),
                rng.string(NL_LETTERS, 1)
            ),
        },
        "BE" => format!(
            "{}-{}-{}",
            rng.between(1, 2),
            rng.string(LETTERS, 3),
            rng.digits(3)
        ),
        "FR" => format!(
            "{}-{}-{}",
            rng.string(FR_LETTERS, 2),
            rng.digits(3),
            rng.string(FR_LETTERS, 2)
        ),
        "DE" => {
            let district = rng.pick(&["B", "M", "HH", "K", "F", "S", "D", "HB", "DO", "E"]);
            let letter_count = rng.between(1, 2) as usize;
            let letters = rng.string(LETTERS, letter_count);
            let digit_count = rng.index(4);
            format!(
                "{district}-{letters} {}{}",
                rng.between(1, 9),
                rng.digits(digit_count)
            )
        }
        "AT" => {
            let district = rng.pick(&["W", "G", "L", "S", "I", "K"]);
            format!("{district}-{}{}", rng.between(1, 9), rng.digits(3)) + &rng.string(LETTERS, 2)
        }
        "LU" => format!("{}{}", rng.string(LETTERS, 2), rng.digits(4)),
        "IT" => format!(
            "{} {} {}",
            rng.string(FR_LETTERS, 2),
            rng.digits(3),
            rng.string(FR_LETTERS, 2)
        ),
        "ES" => format!("{} {}", rng.digits(4), rng.string(ES_LETTERS, 3)),
        "GB" | "IE" => format!(
            "{}{} {}",
            rng.string(LETTERS, 2),
            rng.digits(2),
            rng.string(LETTERS, 3)
        ),
        _ => format!("{}-{}", rng.string(LETTERS, 3), rng.digits(4)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sismatch_ident::{CheckDigit, Format, parse};

    #[test]
    fn check_digit_of_known_vins() {
        for known in [
            "1M8GDM9AXKP042788",
            "1HGCM82633A004352",
            "JH4KA7561PC008269",
        ] {
            let chars: Vec<char> = known.chars().collect();
            assert_eq!(
                sismatch_ident::vin_check_character(&chars),
                chars[8],
                "{known}"
            );
        }
    }

    #[test]
    fn generated_vins_are_valid() {
        let mut rng = Rng::new(9);
        for _ in 0..1_000 {
            let model = rng.pick(&MOTOR_VEHICLES);
            let year = year(&mut rng, 2008, 2026);
            let value = vin(&mut rng, model.wmi, year);
            assert!(!value.contains(['I', 'O', 'Q']), "{value}");
            let id = parse(&value, Some(IdentifierKind::Vin));
            assert_eq!(id.check, CheckDigit::Valid, "{value}");
            let Format::Vin(parts) = &id.format else {
                panic!("{value} is not a VIN");
            };
            assert_eq!(parts.wmi, model.wmi);
            assert!(parts.model_years.contains(&year), "{value} {year}");
        }
    }

    #[test]
    fn plates_look_national() {
        let mut rng = Rng::new(4);
        for country in ["NL", "BE", "FR", "DE", "AT", "LU", "IT", "ES", "GB", "PL"] {
            let value = plate(&mut rng, country);
            assert!((5..=10).contains(&value.len()), "{country} {value}");
        }
        assert_eq!(plate(&mut rng, "FR").len(), 9);
    }
}
