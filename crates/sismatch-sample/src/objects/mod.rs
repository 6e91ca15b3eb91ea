//! Stolen objects: what each category of a stolen-object register looks like, with identifiers
//! in the real formats (valid check digits, real manufacturer codes, makers' serial styles).
//!
//! An object is the thing stolen; an alert is one country's report of it. Both alerts of an
//! object reported in two countries are rendered from one [`Object`].

mod bicycles;
mod boats;
mod containers;
mod equipment;
mod firearms;
mod vehicles;

use sismatch_alert::{Category, IdentifierEntry, Legibility};
use sismatch_ident::IdentifierKind;

use crate::lang::{Colour, Noun};
use crate::rng::Rng;

pub(crate) use boats::{YAMAHA_CODES, yamaha_models, yamaha_serial};

/// A stolen object, before any country reports it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Object {
    pub category: Category,
    pub identifiers: Vec<IdentifierEntry>,
    pub brand: &'static str,
    pub model: &'static str,
    /// Year of construction or model year.
    pub year: u16,
    /// What the object is, for descriptions.
    pub noun: Noun,
    pub colour: Colour,
    /// A second colour: the canopy of a boat.
    pub trim: Option<Colour>,
    /// The engine fitted to a boat, maker and model, for descriptions.
    pub engine: Option<(&'static str, &'static str)>,
    /// Where such objects are stolen, for descriptions.
    pub place: Place,
}

/// Where an object was stolen from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    Marina,
    Street,
    Terminal,
    BuildingSite,
    Home,
    Station,
    Office,
    Campsite,
}

/// The share of each category among stolen objects, in per mille, roughly as in a national
/// register of stolen objects with many boats (the use case sismatch was built for).
pub(crate) const CATEGORY_SHARES: [(Category, u32); 10] = [
    (Category::MotorVehicle, 350),
    (Category::Boat, 150),
    (Category::BoatEngine, 100),
    (Category::Container, 100),
    (Category::Firearm, 100),
    (Category::Bicycle, 80),
    (Category::IndustrialEquipment, 70),
    (Category::ItItem, 20),
    (Category::Trailer, 15),
    (Category::Caravan, 15),
];

/// Draws an object; `home` is the country of its first report, which issued its CIN or plate,
/// and `newest` the year of the theft, which no year of construction can follow.
pub(crate) fn object(rng: &mut Rng, home: &str, newest: u16) -> Object {
    let mut draw = rng.below(1000) as u32;
    let mut category = Category::MotorVehicle;
    for (candidate, share) in CATEGORY_SHARES {
        if draw < share {
            category = candidate;
            break;
        }
        draw -= share;
    }
    let mut object = match category {
        Category::Boat => boats::boat(rng, home, newest),
        Category::BoatEngine => boats::boat_engine(rng, newest),
        Category::Container => containers::container(rng, newest),
        Category::Firearm => firearms::firearm(rng, newest),
        Category::Bicycle => bicycles::bicycle(rng, newest),
        Category::IndustrialEquipment => equipment::industrial(rng, newest),
        Category::ItItem => equipment::it_item(rng, newest),
        Category::Trailer => vehicles::trailer(rng, home, newest),
        Category::Caravan => vehicles::caravan(rng, newest),
        _ => vehicles::motor_vehicle(rng, home, newest),
    };
    for entry in &mut object.identifiers {
        if entry.legibility.is_none() && rng.chance(50) {
            entry.legibility = Some(Legibility::Partial);
        }
    }
    object
}

/// A year of construction from `oldest` to `newest`.
pub(crate) fn year(rng: &mut Rng, oldest: u16, newest: u16) -> u16 {
    let drawn = rng.between(u64::from(oldest), u64::from(newest.max(oldest)));
    u16::try_from(drawn).unwrap_or(newest)
}

/// An identifier as the reporting officer records it.
pub(crate) fn entry(
    kind: IdentifierKind,
    value: String,
    manufacturer: Option<&str>,
    location: Option<&str>,
) -> IdentifierEntry {
    IdentifierEntry {
        kind,
        value,
        manufacturer: manufacturer.map(str::to_string),
        location: location.map(str::to_string),
        legibility: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up_to_one() {
        let total: u32 = CATEGORY_SHARES.iter().map(|(_, share)| share).sum();
        assert_eq!(total, 1000);
    }

    #[test]
    fn every_category_is_drawn_with_identifiers() {
        let mut rng = Rng::new(5);
        let mut seen = Vec::new();
        for _ in 0..2_000 {
            let object = object(&mut rng, "NL", 2025);
            assert!(object.year <= 2025, "{object:?}");
            assert!(!object.identifiers.is_empty(), "{object:?}");
            if !seen.contains(&object.category) {
                seen.push(object.category);
            }
        }
        assert_eq!(seen.len(), CATEGORY_SHARES.len(), "{seen:?}");
    }
}
