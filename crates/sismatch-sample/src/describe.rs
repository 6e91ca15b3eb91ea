//! Free-text descriptions of stolen objects, a few templates per language, as officers write
//! them (`Witte sloep met blauwe kap, Bayliner VR5`, `Bateau open blanc, capote bleue`).

use crate::lang::{Lang, capitalise};
use crate::objects::{Object, Place};
use crate::rng::Rng;

/// Where the object was taken from, as a phrase after "stolen".
fn place(place: Place, lang: Lang) -> &'static str {
    match (place, lang) {
        (Place::Marina, Lang::Nl) => "uit de jachthaven",
        (Place::Marina, Lang::Fr) => "au port de plaisance",
        (Place::Marina, Lang::De) => "aus dem Yachthafen",
        (Place::Marina, Lang::En) => "from the marina",
        (Place::Street, Lang::Nl) => "van de openbare weg",
        (Place::Street, Lang::Fr) => "sur la voie publique",
        (Place::Street, Lang::De) => "auf offener Straße",
        (Place::Street, Lang::En) => "from the street",
        (Place::Terminal, Lang::Nl) => "van het containerterrein",
        (Place::Terminal, Lang::Fr) => "sur le terminal portuaire",
        (Place::Terminal, Lang::De) => "vom Containerterminal",
        (Place::Terminal, Lang::En) => "from the container terminal",
        (Place::BuildingSite, Lang::Nl) => "van de bouwplaats",
        (Place::BuildingSite, Lang::Fr) => "sur un chantier",
        (Place::BuildingSite, Lang::De) => "von einer Baustelle",
        (Place::BuildingSite, Lang::En) => "from a building site",
        (Place::Home, Lang::Nl) => "bij een woninginbraak",
        (Place::Home, Lang::Fr) => "lors d'un cambriolage",
        (Place::Home, Lang::De) => "bei einem Wohnungseinbruch",
        (Place::Home, Lang::En) => "in a burglary",
        (Place::Station, Lang::Nl) => "bij het station",
        (Place::Station, Lang::Fr) => "devant la gare",
        (Place::Station, Lang::De) => "am Bahnhof",
        (Place::Station, Lang::En) => "at the railway station",
        (Place::Office, Lang::Nl) => "uit een kantoorpand",
        (Place::Office, Lang::Fr) => "dans des bureaux",
        (Place::Office, Lang::De) => "aus Büroräumen",
        (Place::Office, Lang::En) => "from an office",
        (Place::Campsite, Lang::Nl) => "van de camping",
        (Place::Campsite, Lang::Fr) => "au camping",
        (Place::Campsite, Lang::De) => "vom Campingplatz",
        (Place::Campsite, Lang::En) => "from a campsite",
    }
}

/// A description of `object` in `lang`.
pub(crate) fn describe(object: &Object, lang: Lang, rng: &mut Rng) -> String {
    let text = match object.trim {
        Some(_) if rng.chance(500) => boat(object, lang),
        _ => generic(object, lang, rng.below(3)),
    };
    capitalise(&text)
}

/// A boat by its hull and canopy, and its engine.
fn boat(object: &Object, lang: Lang) -> String {
    let noun = object.noun.word(lang);
    let hull = object.colour.agreeing(lang, &object.noun);
    let trim = object.trim.unwrap_or(object.colour);
    let (brand, model) = (object.brand, object.model);
    let mut text = match lang {
        Lang::Nl => format!(
            "{hull} {noun} met {} kap, {brand} {model}",
            trim.nl_attributive
        ),
        Lang::Fr => format!(
            "{noun} {hull}, capote {}, {brand} {model}",
            trim.fr_feminine
        ),
        Lang::De => format!(
            "{noun} {brand} {model}, Rumpf {}, Persenning {}",
            object.colour.de, trim.de
        ),
        Lang::En => format!(
            "{} {noun}, {} canopy, {brand} {model}",
            object.colour.en, trim.en
        ),
    };
    if let Some((maker, engine)) = object.engine {
        let clause = match lang {
            Lang::Nl => format!(", motor {maker} {engine}"),
            Lang::Fr => format!(", moteur {maker} {engine}"),
            Lang::De => format!(", Motor {maker} {engine}"),
            Lang::En => format!(", {maker} {engine} engine"),
        };
        text.push_str(&clause);
    }
    text
}

/// One of three templates for any object.
fn generic(object: &Object, lang: Lang, template: u64) -> String {
    let noun = object.noun.word(lang);
    let (brand, model, year) = (object.brand, object.model, object.year);
    let colour = object.colour.word(lang);
    let agreeing = object.colour.agreeing(lang, &object.noun);
    let from = place(object.place, lang);
    let stolen_fr = if object.noun.fr_feminine {
        "volée"
    } else {
        "volé"
    };
    match (lang, template) {
        (Lang::Nl, 0) => format!("{agreeing} {noun} {brand} {model}, gestolen {from}"),
        (Lang::Nl, 1) => {
            format!("{brand} {model} ({noun}, {year}), kleur {colour}, gestolen {from}")
        }
        (Lang::Nl, _) => format!("gestolen {from}: {noun} {brand} {model}, kleur {colour}"),
        (Lang::Fr, 0) => format!("{noun} {brand} {model} {agreeing}, {stolen_fr} {from}"),
        (Lang::Fr, 1) => {
            format!("{brand} {model} ({noun}, {year}), couleur {colour}, {stolen_fr} {from}")
        }
        (Lang::Fr, _) => format!(
            "vol {from} : {noun} {brand} {model} de couleur {}",
            object.colour.fr_feminine
        ),
        (Lang::De, 0) => format!("{noun} {brand} {model}, Farbe {colour}, {from} gestohlen"),
        (Lang::De, 1) => {
            format!("{brand} {model} ({noun}, Baujahr {year}), {colour}, {from} gestohlen")
        }
        (Lang::De, _) => format!("Diebstahl {from}: {noun} {brand} {model}, Farbe {colour}"),
        (Lang::En, 0) => format!("{colour} {noun}, {brand} {model}, stolen {from}"),
        (Lang::En, 1) => {
            format!("{brand} {model} ({noun}, {year}), colour {colour}, stolen {from}")
        }
        (Lang::En, _) => format!("stolen {from}: {brand} {model} {noun}, colour {colour}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::{BLUE, BOWRIDER, WHITE};
    use sismatch_alert::Category;

    fn sloop() -> Object {
        Object {
            category: Category::Boat,
            identifiers: Vec::new(),
            brand: "Bayliner",
            model: "VR5",
            year: 2019,
            noun: BOWRIDER,
            colour: WHITE,
            trim: Some(BLUE),
            engine: None,
            place: Place::Marina,
        }
    }

    #[test]
    fn boats_by_hull_and_canopy() {
        let object = sloop();
        assert_eq!(
            boat(&object, Lang::Nl),
            "witte sloep met blauwe kap, Bayliner VR5"
        );
        assert_eq!(
            boat(&object, Lang::Fr),
            "bateau open blanc, capote bleue, Bayliner VR5"
        );
        assert_eq!(
            boat(&object, Lang::En),
            "white bowrider, blue canopy, Bayliner VR5"
        );
    }

    #[test]
    fn every_template_names_the_object() {
        let object = sloop();
        for lang in [Lang::Nl, Lang::Fr, Lang::De, Lang::En] {
            for template in 0..3 {
                let text = capitalise(&generic(&object, lang, template));
                assert!(text.contains("Bayliner VR5"), "{text}");
                assert!(text.starts_with(char::is_uppercase), "{text}");
            }
        }
    }
}
