//! Firearms: short serials in the makers' styles. A firearm serial is unique only per maker, so
//! the maker is always recorded with it.

use sismatch_alert::Category;
use sismatch_ident::IdentifierKind;

use super::{Object, Place, entry, year};
use crate::lang::{BLACK, GREY, Noun, PISTOL, RIFLE, SILVER};
use crate::rng::{LETTERS, LETTERS_NO_IOQ, Rng};

/// A firearm maker: name, models, serial style.
#[derive(Clone, Copy)]
enum Maker {
    Glock,
    Beretta,
    SigSauer,
    Cz,
    Walther,
    FnHerstal,
    HecklerKoch,
}

const MAKERS: [Maker; 7] = [
    Maker::Glock,
    Maker::Beretta,
    Maker::SigSauer,
    Maker::Cz,
    Maker::Walther,
    Maker::FnHerstal,
    Maker::HecklerKoch,
];

impl Maker {
    fn name(self) -> &'static str {
        match self {
            Maker::Glock => "Glock",
            Maker::Beretta => "Beretta",
            Maker::SigSauer => "SIG Sauer",
            Maker::Cz => "CZ",
            Maker::Walther => "Walther",
            Maker::FnHerstal => "FN Herstal",
            Maker::HecklerKoch => "Heckler & Koch",
        }
    }

    fn models(self) -> &'static [(&'static str, Noun)] {
        match self {
            Maker::Glock => &[("17", PISTOL), ("19", PISTOL), ("26", PISTOL)],
            Maker::Beretta => &[("92FS", PISTOL), ("APX", PISTOL), ("PX4 Storm", PISTOL)],
            Maker::SigSauer => &[("P226", PISTOL), ("P320", PISTOL), ("P365", PISTOL)],
            Maker::Cz => &[
                ("75 B", PISTOL),
                ("Shadow 2", PISTOL),
                ("457 Varmint", RIFLE),
            ],
            Maker::Walther => &[("PPQ M2", PISTOL), ("P99", PISTOL), ("PDP", PISTOL)],
            Maker::FnHerstal => &[
                ("FN 509", PISTOL),
                ("Five-seveN", PISTOL),
                ("SCAR 16S", RIFLE),
            ],
            Maker::HecklerKoch => &[("USP", PISTOL), ("SFP9", PISTOL), ("HK416", RIFLE)],
        }
    }

    /// A serial in the maker's style: Glock `BHZ745`, Beretta `BER123456`, SIG `58B123456`,
    /// CZ `F123456`, Walther `T1234-15`, FN `386123456`, H&K `24-123456`.
    fn serial(self, rng: &mut Rng) -> String {
        match self {
            Maker::Glock => format!("{}{}", rng.string(LETTERS, 3), rng.digits(3)),
            Maker::Beretta if rng.chance(300) => {
                format!("{}{}Z", rng.char_of(LETTERS_NO_IOQ), rng.digits(5))
            }
            Maker::Beretta => format!("BER{}", rng.digits(6)),
            Maker::SigSauer => {
                let prefix = rng.pick(&["58A", "58B", "58C", "66A", "66F"]);
                format!("{prefix}{}", rng.digits(6))
            }
            Maker::Cz => format!("{}{}", rng.char_of("ABCDEFGH"), rng.digits(6)),
            Maker::Walther => format!(
                "{}{}-{}",
                rng.char_of(LETTERS_NO_IOQ),
                rng.digits(4),
                rng.digits(2)
            ),
            Maker::FnHerstal => format!("386{}", rng.digits(6)),
            Maker::HecklerKoch => {
                let prefix = rng.pick(&["24", "25", "224", "111"]);
                format!("{prefix}-{}", rng.digits(6))
            }
        }
    }
}

/// A pistol or rifle, with its serial on the frame.
pub(super) fn firearm(rng: &mut Rng, newest: u16) -> Object {
    let maker = *rng.pick(&MAKERS);
    let &(model, noun) = rng.pick(maker.models());
    Object {
        category: Category::Firearm,
        identifiers: vec![entry(
            IdentifierKind::FirearmSerial,
            maker.serial(rng),
            Some(maker.name()),
            Some("frame"),
        )],
        brand: maker.name(),
        model,
        year: year(rng, 1995, newest),
        noun,
        colour: *rng.pick(&[BLACK, BLACK, GREY, SILVER]),
        trim: None,
        engine: None,
        place: Place::Home,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_short_and_plain() {
        let mut rng = Rng::new(6);
        for maker in MAKERS {
            for _ in 0..50 {
                let serial = maker.serial(&mut rng);
                assert!((6..=10).contains(&serial.len()), "{serial}");
                assert!(
                    serial
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-'),
                    "{serial}"
                );
            }
        }
    }
}
