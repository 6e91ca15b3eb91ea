//! Bicycles and e-bikes: frame numbers in the makers' styles, the short serials for which a
//! generic text prefilter loses two-edit matches (DESIGN §3).

use sismatch_alert::Category;
use sismatch_ident::IdentifierKind;

use super::{Object, Place, entry, year};
use crate::lang::{BICYCLE, E_BIKE, Noun, VEHICLE_COLOURS};
use crate::rng::{LETTERS_NO_IOQ, Rng};

/// A bicycle maker: name, models, frame-number style.
#[derive(Clone, Copy)]
enum Maker {
    Gazelle,
    Batavus,
    Sparta,
    Trek,
    Giant,
    Specialized,
    Cube,
}

const MAKERS: [Maker; 7] = [
    Maker::Gazelle,
    Maker::Batavus,
    Maker::Sparta,
    Maker::Trek,
    Maker::Giant,
    Maker::Specialized,
    Maker::Cube,
];

impl Maker {
    fn name(self) -> &'static str {
        match self {
            Maker::Gazelle => "Gazelle",
            Maker::Batavus => "Batavus",
            Maker::Sparta => "Sparta",
            Maker::Trek => "Trek",
            Maker::Giant => "Giant",
            Maker::Specialized => "Specialized",
            Maker::Cube => "Cube",
        }
    }

    fn models(self) -> &'static [(&'static str, Noun)] {
        match self {
            Maker::Gazelle => &[
                ("Ultimate C380", E_BIKE),
                ("Orange C7", BICYCLE),
                ("Chamonix", BICYCLE),
            ],
            Maker::Batavus => &[("Finez", E_BIKE), ("Dinsdag", BICYCLE)],
            Maker::Sparta => &[("c-Grid", E_BIKE), ("M8b", E_BIKE)],
            Maker::Trek => &[
                ("FX 3", BICYCLE),
                ("Domane SL 5", BICYCLE),
                ("Allant+ 7", E_BIKE),
            ],
            Maker::Giant => &[
                ("Escape 3", BICYCLE),
                ("TCR Advanced 2", BICYCLE),
                ("Explore E+ 1", E_BIKE),
            ],
            Maker::Specialized => &[("Rockhopper", BICYCLE), ("Turbo Vado 4.0", E_BIKE)],
            Maker::Cube => &[("Kathmandu Hybrid", E_BIKE), ("Nature Pro", BICYCLE)],
        }
    }

    /// A frame number: Gazelle `GZ1234567`, Trek `WTU123C4567F`, Specialized `WSBC602123456K`.
    fn frame_number(self, rng: &mut Rng) -> String {
        match self {
            Maker::Gazelle => format!("GZ{}", rng.digits(7)),
            Maker::Batavus => format!("BA{}{}", rng.char_of("ABCDEFGH"), rng.digits(6)),
            Maker::Sparta => format!("SP{}", rng.digits(7)),
            Maker::Trek => format!(
                "WTU{}{}{}{}",
                rng.digits(3),
                rng.char_of(LETTERS_NO_IOQ),
                rng.digits(4),
                rng.char_of(LETTERS_NO_IOQ)
            ),
            Maker::Giant => format!("G{}{}", rng.char_of("ABCEFHJKLM"), rng.digits(7)),
            Maker::Specialized => format!(
                "WSBC{}{}{}",
                rng.between(600, 699),
                rng.digits(6),
                rng.char_of(LETTERS_NO_IOQ)
            ),
            Maker::Cube => format!("WC{}", rng.digits(8)),
        }
    }
}

/// A bicycle, with its frame number under the bottom bracket.
pub(super) fn bicycle(rng: &mut Rng, newest: u16) -> Object {
    let maker = *rng.pick(&MAKERS);
    let &(model, noun) = rng.pick(maker.models());
    Object {
        category: Category::Bicycle,
        identifiers: vec![entry(
            IdentifierKind::FrameNumber,
            maker.frame_number(rng),
            Some(maker.name()),
            Some("bottom bracket"),
        )],
        brand: maker.name(),
        model,
        year: year(rng, 2012, newest),
        noun,
        colour: *rng.pick(&VEHICLE_COLOURS),
        trim: None,
        engine: None,
        place: Place::Station,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_numbers_in_makers_styles() {
        let mut rng = Rng::new(1);
        let trek = Maker::Trek.frame_number(&mut rng);
        assert_eq!(trek.len(), 12, "{trek}");
        assert!(trek.starts_with("WTU"));
        let gazelle = Maker::Gazelle.frame_number(&mut rng);
        assert_eq!(gazelle.len(), 9, "{gazelle}");
        let specialized = Maker::Specialized.frame_number(&mut rng);
        assert_eq!(specialized.len(), 14, "{specialized}");
    }
}
