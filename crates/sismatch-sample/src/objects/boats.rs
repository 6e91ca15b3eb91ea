//! Boats and boat engines: hull numbers (US HIN and EU CIN of one hull), hidden duplicates, and
//! engine serials in the styles of the big outboard and inboard makers.

use sismatch_alert::Category;
use sismatch_ident::IdentifierKind;

use super::{Object, Place, entry, year};
use crate::lang::{
    BLACK, BOWRIDER, CABIN_CRUISER, CANOPY_COLOURS, GREY, HULL_COLOURS, INBOARD, MOTORBOAT, Noun,
    OUTBOARD, RIB, SAILING_YACHT, WHITE,
};
use crate::rng::{DIGITS, LETTERS_NO_IOQ, Rng};

/// A boat builder: brand, manufacturer identification code (MIC), models.
struct Builder {
    brand: &'static str,
    mic: &'static str,
    models: &'static [(&'static str, Noun)],
}

const BUILDERS: [Builder; 12] = [
    Builder {
        brand: "Bayliner",
        mic: "BAY",
        models: &[
            ("VR5", BOWRIDER),
            ("VR6", BOWRIDER),
            ("Element E16", BOWRIDER),
            ("Trophy T20", MOTORBOAT),
            ("Ciera 8", CABIN_CRUISER),
        ],
    },
    Builder {
        brand: "Sea Ray",
        mic: "SER",
        models: &[
            ("SPX 190", BOWRIDER),
            ("SLX 250", BOWRIDER),
            ("Sundancer 320", CABIN_CRUISER),
        ],
    },
    Builder {
        brand: "Jeanneau",
        mic: "JEN",
        models: &[
            ("Cap Camarat 7.5 WA", MOTORBOAT),
            ("Merry Fisher 795", CABIN_CRUISER),
            ("Sun Odyssey 349", SAILING_YACHT),
        ],
    },
    Builder {
        brand: "Beneteau",
        mic: "BEN",
        models: &[
            ("Flyer 7 SUNdeck", MOTORBOAT),
            ("Antares 8", CABIN_CRUISER),
            ("Oceanis 38.1", SAILING_YACHT),
        ],
    },
    Builder {
        brand: "Quicksilver",
        mic: "QKS",
        models: &[
            ("Activ 555 Open", BOWRIDER),
            ("Activ 675 Sundeck", MOTORBOAT),
        ],
    },
    Builder {
        brand: "Yamaha",
        mic: "YAM",
        models: &[("AR190", BOWRIDER), ("242X", BOWRIDER)],
    },
    Builder {
        brand: "Zodiac",
        mic: "ZOD",
        models: &[("Medline 580", RIB), ("Pro 650", RIB)],
    },
    Builder {
        brand: "Boston Whaler",
        mic: "BWC",
        models: &[("Montauk 170", MOTORBOAT), ("Dauntless 210", MOTORBOAT)],
    },
    Builder {
        brand: "Four Winns",
        mic: "GFN",
        models: &[("H210", BOWRIDER), ("HD 220", BOWRIDER)],
    },
    Builder {
        brand: "Glastron",
        mic: "GEO",
        models: &[("GT 185", BOWRIDER), ("GTS 207", BOWRIDER)],
    },
    Builder {
        brand: "Linssen",
        mic: "LYS",
        models: &[("Grand Sturdy 35.0", CABIN_CRUISER)],
    },
    Builder {
        brand: "Brig",
        mic: "BRG",
        models: &[("Eagle 6.7", RIB), ("Navigator 570", RIB)],
    },
];

/// The model codes that start Yamaha's engine serials.
pub(crate) const YAMAHA_CODES: [&str; 8] = ["6CJ", "6AW", "6BL", "6ET", "6AH", "6BP", "6EK", "67C"];

/// Yamaha's engine models, as descriptions name them (`Yamaha F115`).
pub(crate) fn yamaha_models() -> &'static [&'static str] {
    EngineMaker::Yamaha.models()
}

/// A Yamaha engine serial (`6CJ-1013456`), for an engine the sales register knows but the
/// alert does not.
pub(crate) fn yamaha_serial(rng: &mut Rng) -> String {
    EngineMaker::Yamaha.serial(rng)
}

/// An engine maker and its serial style.
#[derive(Clone, Copy)]
enum EngineMaker {
    Yamaha,
    Mercury,
    Honda,
    Suzuki,
    VolvoPenta,
}

impl EngineMaker {
    const OUTBOARD: [EngineMaker; 4] = [
        EngineMaker::Yamaha,
        EngineMaker::Mercury,
        EngineMaker::Honda,
        EngineMaker::Suzuki,
    ];

    fn name(self) -> &'static str {
        match self {
            EngineMaker::Yamaha => "Yamaha",
            EngineMaker::Mercury => "Mercury",
            EngineMaker::Honda => "Honda",
            EngineMaker::Suzuki => "Suzuki",
            EngineMaker::VolvoPenta => "Volvo Penta",
        }
    }

    fn models(self) -> &'static [&'static str] {
        match self {
            EngineMaker::Yamaha => &["F40", "F60", "F115", "F150", "F200"],
            EngineMaker::Mercury => &["9.9 ProKicker", "60 EFI", "115 Pro XS", "150 FourStroke"],
            EngineMaker::Honda => &["BF20", "BF60", "BF100", "BF150"],
            EngineMaker::Suzuki => &["DF60A", "DF90A", "DF140A", "DF200A"],
            EngineMaker::VolvoPenta => &["D4-300", "D6-440", "V8-350", "D2-60"],
        }
    }

    /// A serial in the maker's style: Yamaha `6CJ-1013456`, Mercury `2B123456` (leading zeros
    /// significant: `0G123456`), Honda `BAKJ-1234567`, Suzuki `14005F-123456`, Volvo Penta
    /// `2001234567`.
    fn serial(self, rng: &mut Rng) -> String {
        match self {
            EngineMaker::Yamaha => {
                let code = rng.pick(&YAMAHA_CODES);
                format!("{code}-10{}", rng.digits(5))
            }
            EngineMaker::Mercury => {
                let code = rng.pick(&["0G", "0P", "1B", "1C", "2A", "2B", "3B"]);
                format!("{code}{}", rng.digits(6))
            }
            EngineMaker::Honda => {
                let code = rng.pick(&["BAKJ", "BAVJ", "BBEJ", "BAYJ", "BBLJ", "BAZJ"]);
                format!("{code}-{}{}", rng.between(1, 3), rng.digits(6))
            }
            EngineMaker::Suzuki => {
                let code = rng.pick(&["14005F", "09002F", "06002F", "02002F", "20002F", "14003F"]);
                format!("{code}-{}{}", rng.between(1, 9), rng.digits(5))
            }
            EngineMaker::VolvoPenta => format!("20{}", rng.digits(8)),
        }
    }

    /// Where the engine sits, as recorded with its serial.
    fn location(self) -> &'static str {
        match self {
            EngineMaker::VolvoPenta => "inboard",
            _ => "outboard",
        }
    }

    fn noun(self) -> Noun {
        match self {
            EngineMaker::VolvoPenta => INBOARD,
            _ => OUTBOARD,
        }
    }
}

/// A boat: one to three hull numbers and usually its engine.
pub(super) fn boat(rng: &mut Rng, home: &str, newest: u16) -> Object {
    let builder = rng.pick(&BUILDERS);
    let &(model, noun) = rng.pick(builder.models);
    let year = year(rng, 1995, newest);
    let hull = hin(rng, builder.mic, year, newest);
    let mut identifiers = Vec::new();
    // Boats built for the US market carry a HIN, boats built in the EU a CIN, imported and
    // re-certified boats both.
    let (with_hin, with_cin) = match rng.below(20) {
        0..=8 => (true, false),
        9..=12 => (false, true),
        _ => (true, true),
    };
    if with_hin {
        let value = if rng.chance(800) {
            hull.clone()
        } else {
            format!("{} {} {}", &hull[..3], &hull[3..8], &hull[8..])
        };
        identifiers.push(entry(
            IdentifierKind::Hin,
            value,
            Some(builder.brand),
            Some("transom"),
        ));
    }
    if with_cin {
        identifiers.push(entry(
            IdentifierKind::Cin,
            format!("{home}-{hull}"),
            Some(builder.brand),
            Some("transom"),
        ));
    }
    if with_hin && rng.chance(250) {
        identifiers.push(entry(
            IdentifierKind::Hin,
            hull.clone(),
            Some(builder.brand),
            Some("hidden"),
        ));
    }
    let sail = noun == SAILING_YACHT || noun == CABIN_CRUISER;
    let maker = if sail && rng.chance(600) {
        EngineMaker::VolvoPenta
    } else {
        *rng.pick(&EngineMaker::OUTBOARD)
    };
    let engine_model = *rng.pick(maker.models());
    if rng.chance(850) {
        identifiers.push(entry(
            IdentifierKind::EngineSerial,
            maker.serial(rng),
            Some(maker.name()),
            Some(maker.location()),
        ));
    }
    Object {
        category: Category::Boat,
        identifiers,
        brand: builder.brand,
        model,
        year,
        noun,
        colour: *rng.pick(&HULL_COLOURS),
        trim: Some(*rng.pick(&CANOPY_COLOURS)),
        engine: Some((maker.name(), engine_model)),
        place: Place::Marina,
    }
}

/// A boat engine stolen on its own (outboards mostly: they come off a transom in minutes).
pub(super) fn boat_engine(rng: &mut Rng, newest: u16) -> Object {
    let maker = if rng.chance(100) {
        EngineMaker::VolvoPenta
    } else {
        *rng.pick(&EngineMaker::OUTBOARD)
    };
    let model = *rng.pick(maker.models());
    let identifiers = vec![entry(
        IdentifierKind::EngineSerial,
        maker.serial(rng),
        Some(maker.name()),
        Some(maker.location()),
    )];
    Object {
        category: Category::BoatEngine,
        identifiers,
        brand: maker.name(),
        model,
        year: year(rng, 2005, newest),
        noun: maker.noun(),
        colour: *rng.pick(&[BLACK, WHITE, GREY]),
        trim: None,
        engine: None,
        place: Place::Marina,
    }
}

const MONTH_LETTERS: &str = "ABCDEFGHIJKL";

/// A HIN in the current layout (since August 1984): MIC, five-character serial without `I`,
/// `O`, `Q`, month letter of production, last digit of the production year, model year. A boat
/// of the theft's year (`newest`) was built the year before.
fn hin(rng: &mut Rng, mic: &str, model_year: u16, newest: u16) -> String {
    let serial = match rng.below(10) {
        0..=5 => rng.digits(5),
        6..=8 => format!("{}{}", rng.string(LETTERS_NO_IOQ, 1), rng.digits(4)),
        _ => format!("{}{}", rng.string(LETTERS_NO_IOQ, 2), rng.string(DIGITS, 3)),
    };
    // A boat of model year Y is built from August of Y-1 on.
    let (build_year, month) = if model_year >= newest || rng.chance(400) {
        (model_year - 1, rng.between(7, 11))
    } else {
        (model_year, rng.between(0, 11))
    };
    let month_letter = char::from(MONTH_LETTERS.as_bytes()[month as usize]);
    format!(
        "{mic}{serial}{month_letter}{}{:02}",
        build_year % 10,
        model_year % 100
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use sismatch_ident::{Format, HinLayout, parse};

    #[test]
    fn hins_decode_to_their_model_year() {
        let mut rng = Rng::new(11);
        for _ in 0..500 {
            let year = year(&mut rng, 1995, 2026);
            let value = hin(&mut rng, "BAY", year, 2025);
            let id = parse(&value, Some(IdentifierKind::Hin));
            let Format::Hin(parts) = &id.format else {
                panic!("{value} is not a HIN: {id:?}");
            };
            assert_eq!(parts.layout, HinLayout::Current, "{value}");
            assert_eq!(parts.model_year, Some(year), "{value}");
            assert!(
                parts.build_year + 1 >= year && parts.build_year <= year,
                "{value}"
            );
            assert!(id.corrections.is_empty(), "{value}");
        }
    }

    #[test]
    fn engine_serials_in_makers_styles() {
        let mut rng = Rng::new(2);
        let yamaha = EngineMaker::Yamaha.serial(&mut rng);
        assert_eq!(yamaha.len(), 11, "{yamaha}");
        assert_eq!(&yamaha[3..6], "-10");
        let honda = EngineMaker::Honda.serial(&mut rng);
        assert_eq!(honda.len(), 12, "{honda}");
        let suzuki = EngineMaker::Suzuki.serial(&mut rng);
        assert_eq!(suzuki.len(), 13, "{suzuki}");
        let volvo = EngineMaker::VolvoPenta.serial(&mut rng);
        assert!(volvo.starts_with("20") && volvo.len() == 10, "{volvo}");
        let mercury = EngineMaker::Mercury.serial(&mut rng);
        assert_eq!(mercury.len(), 8, "{mercury}");
    }
}
