//! The languages alerts are written in, and the words that change with the language: object
//! nouns and colours.
//!
//! Descriptions in the issuing country's language make the demo's free-text search and the
//! "same object reported in two countries" grouping realistic: the two alerts of one boat share
//! their numbers, not their words.

use crate::rng::Rng;

/// A language of descriptions, colours and contact data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    /// Dutch (NL, BE).
    Nl,
    /// French (FR, BE, LU).
    Fr,
    /// German (DE, AT, LU, CH).
    De,
    /// English, for every other country.
    En,
}

impl Lang {
    /// The ISO 639-1 code of the language, as an alert's `language` names it.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::Fr => "fr",
            Lang::De => "de",
            Lang::En => "en",
        }
    }
}

/// The language a police officer of `country` writes an alert in; Belgium and Luxembourg
/// write in one of two.
pub(crate) fn language_of(country: &str, rng: &mut Rng) -> Lang {
    match country {
        "NL" => Lang::Nl,
        "FR" => Lang::Fr,
        "DE" | "AT" | "CH" => Lang::De,
        "BE" if rng.chance(600) => Lang::Nl,
        "BE" => Lang::Fr,
        "LU" if rng.chance(500) => Lang::Fr,
        "LU" => Lang::De,
        _ => Lang::En,
    }
}

/// What an object is, in each language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Noun {
    pub en: &'static str,
    pub nl: &'static str,
    /// Whether the Dutch noun is neuter (`het pistool`): an adjective before it takes no `-e`.
    pub nl_neuter: bool,
    pub fr: &'static str,
    /// Whether the French noun is feminine, for the agreement of colours and participles.
    pub fr_feminine: bool,
    pub de: &'static str,
}

impl Noun {
    /// The noun in `lang`.
    pub(crate) fn word(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Nl => self.nl,
            Lang::Fr => self.fr,
            Lang::De => self.de,
            Lang::En => self.en,
        }
    }
}

/// Declares [`Noun`] constants: English, Dutch and whether it is neuter, French and whether it
/// is feminine, German.
macro_rules! nouns {
    ($($name:ident: $en:literal, $nl:literal $neuter:literal, $fr:literal $fem:literal, $de:literal;)+) => {
        $(pub(crate) const $name: Noun = Noun {
            en: $en,
            nl: $nl,
            nl_neuter: $neuter,
            fr: $fr,
            fr_feminine: $fem,
            de: $de,
        };)+
    };
}

nouns! {
    MOTORBOAT: "motorboat", "motorboot" false, "bateau à moteur" false, "Motorboot";
    BOWRIDER: "bowrider", "sloep" false, "bateau open" false, "Sportboot";
    SAILING_YACHT: "sailing yacht", "zeilboot" false, "voilier" false, "Segelyacht";
    RIB: "RIB", "rubberboot" false, "semi-rigide" false, "Schlauchboot";
    CABIN_CRUISER: "cabin cruiser", "kajuitboot" false, "vedette" true, "Kajütboot";
    OUTBOARD: "outboard engine", "buitenboordmotor" false, "moteur hors-bord" false, "Außenbordmotor";
    INBOARD: "inboard engine", "binnenboordmotor" false, "moteur in-bord" false, "Einbaumotor";
    CAR: "car", "personenauto" false, "voiture" true, "Pkw";
    SUV: "SUV", "SUV" false, "SUV" false, "SUV";
    VAN: "van", "bestelbus" false, "fourgonnette" true, "Transporter";
    MOTORCYCLE: "motorcycle", "motorfiets" false, "moto" true, "Motorrad";
    CONTAINER: "container", "zeecontainer" false, "conteneur" false, "Container";
    PISTOL: "pistol", "pistool" true, "pistolet" false, "Pistole";
    RIFLE: "rifle", "geweer" true, "fusil" false, "Gewehr";
    BICYCLE: "bicycle", "fiets" false, "vélo" false, "Fahrrad";
    E_BIKE: "e-bike", "e-bike" false, "vélo électrique" false, "E-Bike";
    EXCAVATOR: "excavator", "graafmachine" false, "pelle mécanique" true, "Bagger";
    BACKHOE: "backhoe loader", "graaflaadcombinatie" false, "tractopelle" true, "Baggerlader";
    WHEEL_LOADER: "wheel loader", "wiellader" false, "chargeuse sur pneus" true, "Radlader";
    TRACTOR: "tractor", "tractor" false, "tracteur" false, "Traktor";
    SKID_STEER: "skid-steer loader", "schranklader" false, "chargeuse compacte" true, "Kompaktlader";
    LAPTOP: "laptop", "laptop" false, "ordinateur portable" false, "Laptop";
    TRAILER: "trailer", "aanhangwagen" false, "remorque" true, "Anhänger";
    CARAVAN: "caravan", "caravan" false, "caravane" true, "Wohnwagen";
}

/// A colour, in each language and in the forms the templates need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Colour {
    pub en: &'static str,
    /// Dutch, as a predicate (`wit`).
    pub nl: &'static str,
    /// Dutch, before a noun of common gender (`witte`).
    pub nl_attributive: &'static str,
    /// French, masculine (`blanc`).
    pub fr: &'static str,
    /// French, feminine (`blanche`).
    pub fr_feminine: &'static str,
    pub de: &'static str,
}

impl Colour {
    /// The colour as a predicate or a field value (`wit`, `blanc`, `weiß`, `white`).
    pub(crate) fn word(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Nl => self.nl,
            Lang::Fr => self.fr,
            Lang::De => self.de,
            Lang::En => self.en,
        }
    }

    /// The colour before or after `noun`, agreeing with it (Dutch `-e` before a noun of common
    /// gender, French gender).
    pub(crate) fn agreeing(&self, lang: Lang, noun: &Noun) -> &'static str {
        match lang {
            Lang::Nl if !noun.nl_neuter => self.nl_attributive,
            Lang::Fr if noun.fr_feminine => self.fr_feminine,
            _ => self.word(lang),
        }
    }
}

/// Declares the colour table.
macro_rules! colours {
    ($($name:ident: $en:literal, $nl:literal, $nla:literal, $fr:literal, $frf:literal, $de:literal;)+) => {
        $(pub(crate) const $name: Colour = Colour {
            en: $en,
            nl: $nl,
            nl_attributive: $nla,
            fr: $fr,
            fr_feminine: $frf,
            de: $de,
        };)+
    };
}

colours! {
    WHITE: "white", "wit", "witte", "blanc", "blanche", "weiß";
    BLACK: "black", "zwart", "zwarte", "noir", "noire", "schwarz";
    GREY: "grey", "grijs", "grijze", "gris", "grise", "grau";
    SILVER: "silver", "zilver", "zilverkleurige", "argenté", "argentée", "silber";
    BLUE: "blue", "blauw", "blauwe", "bleu", "bleue", "blau";
    NAVY: "navy blue", "donkerblauw", "donkerblauwe", "bleu marine", "bleu marine", "marineblau";
    RED: "red", "rood", "rode", "rouge", "rouge", "rot";
    GREEN: "green", "groen", "groene", "vert", "verte", "grün";
    YELLOW: "yellow", "geel", "gele", "jaune", "jaune", "gelb";
    ORANGE: "orange", "oranje", "oranje", "orange", "orange", "orange";
    BEIGE: "beige", "beige", "beige", "beige", "beige", "beige";
}

/// Colours of cars, bicycles and equipment.
pub(crate) const VEHICLE_COLOURS: [Colour; 8] =
    [BLACK, GREY, WHITE, SILVER, BLUE, RED, NAVY, GREEN];
/// Colours of hulls.
pub(crate) const HULL_COLOURS: [Colour; 5] = [WHITE, WHITE, NAVY, GREY, BLACK];
/// Colours of canopies, sprayhoods and covers.
pub(crate) const CANOPY_COLOURS: [Colour; 5] = [BLUE, NAVY, GREY, BEIGE, BLACK];

/// Capitalises the first letter of `text`.
pub(crate) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_by_country() {
        let mut rng = Rng::new(3);
        assert_eq!(language_of("NL", &mut rng), Lang::Nl);
        assert_eq!(language_of("FR", &mut rng), Lang::Fr);
        assert_eq!(language_of("AT", &mut rng), Lang::De);
        assert_eq!(language_of("PL", &mut rng), Lang::En);
        let belgian: Vec<Lang> = (0..100).map(|_| language_of("BE", &mut rng)).collect();
        assert!(belgian.contains(&Lang::Nl) && belgian.contains(&Lang::Fr));
    }

    #[test]
    fn colours_agree() {
        assert_eq!(WHITE.agreeing(Lang::Nl, &BOWRIDER), "witte");
        assert_eq!(BLACK.agreeing(Lang::Nl, &PISTOL), "zwart");
        assert_eq!(BLUE.agreeing(Lang::Fr, &CAR), "bleue");
        assert_eq!(BLUE.agreeing(Lang::Fr, &BICYCLE), "bleu");
        assert_eq!(WHITE.word(Lang::De), "weiß");
        assert_eq!(capitalise("élan"), "Élan");
    }
}
