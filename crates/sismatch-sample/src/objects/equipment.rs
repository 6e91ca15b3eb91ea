//! Industrial equipment (product identification numbers of construction and farm machines) and
//! IT items (laptop serials and service tags).

use sismatch_alert::Category;
use sismatch_ident::IdentifierKind;

use super::{Object, Place, entry, year};
use crate::lang::{
    BACKHOE, BLACK, Colour, EXCAVATOR, GREEN, GREY, LAPTOP, Noun, ORANGE, SILVER, SKID_STEER,
    TRACTOR, WHEEL_LOADER, WHITE, YELLOW,
};
use crate::rng::{DIGITS, LETTERS_NO_IOQ, Rng};

/// A machine maker: name, models with a model code for the PIN, livery, PIN style.
#[derive(Clone, Copy)]
enum Machine {
    Caterpillar,
    Jcb,
    JohnDeere,
    Bobcat,
    Kubota,
}

const MACHINES: [Machine; 5] = [
    Machine::Caterpillar,
    Machine::Jcb,
    Machine::JohnDeere,
    Machine::Bobcat,
    Machine::Kubota,
];

impl Machine {
    fn name(self) -> &'static str {
        match self {
            Machine::Caterpillar => "Caterpillar",
            Machine::Jcb => "JCB",
            Machine::JohnDeere => "John Deere",
            Machine::Bobcat => "Bobcat",
            Machine::Kubota => "Kubota",
        }
    }

    /// Model name, model code in the PIN, noun.
    fn models(self) -> &'static [(&'static str, &'static str, Noun)] {
        match self {
            Machine::Caterpillar => &[
                ("320", "0320", EXCAVATOR),
                ("308 CR", "0308", EXCAVATOR),
                ("950M", "0950", WHEEL_LOADER),
                ("259D3", "0259", SKID_STEER),
            ],
            Machine::Jcb => &[
                ("3CX", "3CX", BACKHOE),
                ("JS220", "JS2", EXCAVATOR),
                ("8026 CTS", "826", EXCAVATOR),
            ],
            Machine::JohnDeere => &[
                ("6155M", "6155M", TRACTOR),
                ("6R 150", "6R150", TRACTOR),
                ("5075E", "5075E", TRACTOR),
            ],
            Machine::Bobcat => &[("E35", "B3", EXCAVATOR), ("S70", "B4", SKID_STEER)],
            Machine::Kubota => &[("KX019-4", "", EXCAVATOR), ("M5-111", "", TRACTOR)],
        }
    }

    /// A product identification number: 17 characters for Caterpillar, JCB and John Deere,
    /// `B3BL12345` for Bobcat, a bare five or six-digit serial for Kubota.
    fn pin(self, rng: &mut Rng, code: &str) -> String {
        match self {
            Machine::Caterpillar => format!(
                "CAT{code}{}{}{}",
                rng.string(LETTERS_NO_IOQ, 2),
                rng.string(LETTERS_NO_IOQ, 3),
                rng.digits(5)
            ),
            Machine::Jcb => format!(
                "JCB{code}{}{}{}",
                rng.pick(&["4T", "4W", "SS"]),
                rng.char_of("HJKLMN"),
                rng.digits(8)
            ),
            Machine::JohnDeere => format!(
                "1L0{code}{}{}",
                rng.string(LETTERS_NO_IOQ, 3),
                rng.digits(6)
            ),
            Machine::Bobcat => format!("{code}{}{}", rng.string(LETTERS_NO_IOQ, 2), rng.digits(5)),
            Machine::Kubota => {
                let len = rng.between(5, 6) as usize;
                rng.string(DIGITS, len)
            }
        }
    }

    fn colour(self) -> Colour {
        match self {
            Machine::Caterpillar | Machine::Jcb => YELLOW,
            Machine::JohnDeere => GREEN,
            Machine::Bobcat | Machine::Kubota => ORANGE,
        }
    }
}

/// A construction or farm machine, identified by its PIN on the maker's plate.
pub(super) fn industrial(rng: &mut Rng, newest: u16) -> Object {
    let machine = *rng.pick(&MACHINES);
    let &(model, code, noun) = rng.pick(machine.models());
    let mut pin = machine.pin(rng, code);
    // An all-zero serial is a placeholder (`000000`), never a number.
    while sismatch_ident::is_sentinel(&pin) {
        pin = machine.pin(rng, code);
    }
    Object {
        category: Category::IndustrialEquipment,
        identifiers: vec![entry(
            IdentifierKind::SerialNumber,
            pin,
            Some(machine.name()),
            Some("type plate"),
        )],
        brand: machine.name(),
        model,
        year: year(rng, 2008, newest),
        noun,
        colour: machine.colour(),
        trim: None,
        engine: None,
        place: Place::BuildingSite,
    }
}

/// Laptop makers: name, models, serial style.
const LAPTOPS: [(&str, [&str; 2]); 4] = [
    ("Apple", ["MacBook Pro 14", "MacBook Air 13"]),
    ("Dell", ["Latitude 5440", "XPS 13"]),
    ("Lenovo", ["ThinkPad T14", "ThinkPad X1 Carbon"]),
    ("HP", ["EliteBook 840 G9", "ZBook Firefly"]),
];

/// A laptop, with the maker's serial or service tag.
pub(super) fn it_item(rng: &mut Rng, newest: u16) -> Object {
    let (maker, models) = *rng.pick(&LAPTOPS);
    let alnum = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
    let serial = match maker {
        "Apple" => format!("C02{}", rng.string(alnum, 9)),
        "Dell" => rng.string(alnum, 7),
        "Lenovo" => format!("PF{}", rng.string(alnum, 6)),
        _ => format!("5CG{}{}", rng.digits(4), rng.string(alnum, 3)),
    };
    let model = *rng.pick(&models);
    Object {
        category: Category::ItItem,
        identifiers: vec![entry(
            IdentifierKind::SerialNumber,
            serial,
            Some(maker),
            None,
        )],
        brand: maker,
        model,
        year: year(rng, 2018, newest),
        noun: LAPTOP,
        colour: *rng.pick(&[SILVER, GREY, BLACK, WHITE]),
        trim: None,
        engine: None,
        place: Place::Office,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_pins_have_seventeen_characters() {
        let mut rng = Rng::new(3);
        for machine in [Machine::Caterpillar, Machine::Jcb, Machine::JohnDeere] {
            for &(_, code, _) in machine.models() {
                let pin = machine.pin(&mut rng, code);
                assert_eq!(pin.len(), 17, "{pin}");
            }
        }
    }
}
