//! The restricted part of an alert: owners, victims and investigators' notes, made up in the
//! issuing country's style. Every e-mail address is under the reserved `.example` domain and
//! no name is taken from a real register, so the samples can be shown anywhere.

use sismatch_alert::{Category, Contact, Restricted};

use crate::lang::Lang;
use crate::rng::Rng;

const FIRST_NAMES: [[&str; 8]; 4] = [
    [
        "Jan", "Pieter", "Sanne", "Eva", "Daan", "Lotte", "Bram", "Fleur",
    ],
    [
        "Marie", "Jean", "Camille", "Lucas", "Chloé", "Nicolas", "Léa", "Thomas",
    ],
    [
        "Thomas", "Anna", "Lukas", "Julia", "Michael", "Laura", "Stefan", "Katrin",
    ],
    [
        "James", "Emma", "Oliver", "Sophie", "Jacob", "Olivia", "Adam", "Julia",
    ],
];

const LAST_NAMES: [[&str; 8]; 4] = [
    [
        "de Vries",
        "Jansen",
        "van den Berg",
        "Bakker",
        "Visser",
        "Smit",
        "de Jong",
        "Mulder",
    ],
    [
        "Dubois", "Martin", "Lefèvre", "Moreau", "Laurent", "Girard", "Bernard", "Petit",
    ],
    [
        "Müller",
        "Schmidt",
        "Schneider",
        "Fischer",
        "Weber",
        "Becker",
        "Wagner",
        "Hoffmann",
    ],
    [
        "Smith",
        "Kowalski",
        "Nowak",
        "Rossi",
        "Garcia",
        "Andersson",
        "Murphy",
        "Novak",
    ],
];

/// Firms that own containers, machines and laptops.
const BUSINESSES: [[&str; 3]; 4] = [
    [
        "Van Dijk Bouw B.V.",
        "Transportbedrijf De Haan B.V.",
        "Havenlogistiek Moerdijk B.V.",
    ],
    [
        "Transports Martin SARL",
        "BTP Lefèvre SA",
        "Logistique du Port SAS",
    ],
    [
        "Müller Bau GmbH",
        "Hafenlogistik Nord GmbH",
        "Schmidt Transporte GmbH",
    ],
    [
        "Harbour Logistics Ltd",
        "North Sea Plant Hire Ltd",
        "Atlas Freight Ltd",
    ],
];

/// Leasing firms that own the cars their customers drive.
const LESSORS: [[&str; 2]; 4] = [
    ["Autolease Holland B.V.", "Zakelijk Rijden Lease B.V."],
    ["Location Auto Plus SAS", "Crédit-Bail Auto SA"],
    ["Leasing Süd GmbH", "Flottenleasing Nord GmbH"],
    ["Atlas Leasing Ltd", "Fleetline Contract Hire Ltd"],
];
const NOTES: [[&str; 4]; 4] = [
    [
        "Eigenaar is in het bezit van de reservesleutel.",
        "Verzekeraar is op de hoogte gesteld.",
        "Getuige zag een witte bestelbus wegrijden.",
        "Camerabeelden zijn veiliggesteld.",
    ],
    [
        "Le propriétaire détient le double des clés.",
        "L'assureur a été informé.",
        "Un témoin a vu une camionnette blanche s'éloigner.",
        "Les images de vidéosurveillance ont été saisies.",
    ],
    [
        "Der Eigentümer besitzt den Zweitschlüssel.",
        "Die Versicherung ist informiert.",
        "Ein Zeuge sah einen weißen Transporter wegfahren.",
        "Videoaufnahmen wurden gesichert.",
    ],
    [
        "The owner holds the spare key.",
        "The insurer has been informed.",
        "A witness saw a white van drive away.",
        "CCTV footage has been secured.",
    ],
];

fn table(lang: Lang) -> usize {
    match lang {
        Lang::Nl => 0,
        Lang::Fr => 1,
        Lang::De => 2,
        Lang::En => 3,
    }
}

/// Owner and victim of the object and notes, for police of the issuing country only.
pub(crate) fn restricted(
    rng: &mut Rng,
    lang: Lang,
    country: &str,
    category: Category,
) -> Restricted {
    let company_owned = matches!(
        category,
        Category::Container | Category::IndustrialEquipment | Category::ItItem
    );
    let leased = category == Category::MotorVehicle && rng.chance(150);
    let (owner, victim) = if company_owned {
        let name = *rng.pick(&BUSINESSES[table(lang)]);
        (company(rng, name, lang, country), None)
    } else if leased {
        let name = *rng.pick(&LESSORS[table(lang)]);
        let driver = person(rng, lang, country);
        (company(rng, name, lang, country), Some(driver))
    } else {
        (person(rng, lang, country), None)
    };
    let notes = rng
        .chance(300)
        .then(|| rng.pick(&NOTES[table(lang)]).to_string());
    Restricted {
        owner: Some(owner),
        victim,
        notes,
    }
}

fn person(rng: &mut Rng, lang: Lang, country: &str) -> Contact {
    let first = *rng.pick(&FIRST_NAMES[table(lang)]);
    let last = *rng.pick(&LAST_NAMES[table(lang)]);
    Contact {
        name: Some(format!("{first} {last}")),
        phone: phone(rng, country),
        email: Some(format!("{}.{}@mail.example", mailbox(first), mailbox(last))),
        address: address(rng, lang, country),
    }
}

fn company(rng: &mut Rng, name: &str, lang: Lang, country: &str) -> Contact {
    Contact {
        name: Some(name.to_string()),
        phone: phone(rng, country),
        email: Some(format!("info@{}.example", mailbox(name))),
        address: address(rng, lang, country),
    }
}

/// A name as the local part of an e-mail address: lower case ASCII letters only.
fn mailbox(name: &str) -> String {
    name.chars()
        .filter_map(|c| match c {
            'é' | 'è' | 'ê' | 'ë' => Some('e'),
            'ü' => Some('u'),
            'ö' => Some('o'),
            'ä' => Some('a'),
            'ç' => Some('c'),
            c if c.is_ascii_alphabetic() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// A mobile number in the country's format, where the country is one the samples know.
fn phone(rng: &mut Rng, country: &str) -> Option<String> {
    let number = match country {
        "NL" => format!("+31 6 {}", rng.digits(8)),
        "BE" => format!(
            "+32 47{} {} {} {}",
            rng.digits(1),
            rng.digits(2),
            rng.digits(2),
            rng.digits(2)
        ),
        "FR" => format!(
            "+33 6 {} {} {} {}",
            rng.digits(2),
            rng.digits(2),
            rng.digits(2),
            rng.digits(2)
        ),
        "DE" => format!("+49 15{} {}", rng.digits(1), rng.digits(8)),
        "AT" => format!("+43 664 {}", rng.digits(7)),
        "LU" => format!("+352 621 {} {}", rng.digits(3), rng.digits(3)),
        "GB" => format!("+44 7700 900{}", rng.digits(3)),
        _ => return None,
    };
    Some(number)
}

/// A postal address in the country's format, where the country is one the samples know.
fn address(rng: &mut Rng, lang: Lang, country: &str) -> Option<String> {
    let number = rng.between(1, 180);
    let text = match (country, lang) {
        ("NL", _) => {
            let street = rng.pick(&[
                "Havenweg",
                "Kerkstraat",
                "Dorpsstraat",
                "Molenweg",
                "Julianalaan",
            ]);
            let city = rng.pick(&[
                "Amsterdam",
                "Rotterdam",
                "Den Helder",
                "Lelystad",
                "Harderwijk",
            ]);
            let letters = rng.string("ABCDEFGHJKLMNPRSTVWXZ", 2);
            format!(
                "{street} {number}, {} {letters} {city}",
                rng.between(1000, 9999)
            )
        }
        ("BE", Lang::Nl) => {
            let street = rng.pick(&["Kaai", "Kerkstraat", "Stationsstraat", "Zeedijk"]);
            let city = rng.pick(&["Antwerpen", "Gent", "Brugge", "Oostende"]);
            format!("{street} {number}, {} {city}", rng.between(1000, 9999))
        }
        ("BE", _) => {
            let street = rng.pick(&["rue de la Station", "quai de Meuse", "avenue Louise"]);
            let city = rng.pick(&["Liège", "Namur", "Bruxelles", "Charleroi"]);
            format!("{street} {number}, {} {city}", rng.between(1000, 9999))
        }
        ("FR", _) => {
            let street = rng.pick(&[
                "rue du Port",
                "avenue Jean Jaurès",
                "quai des Chartrons",
                "rue de la Paix",
            ]);
            let city = rng.pick(&["Marseille", "La Rochelle", "Bordeaux", "Nantes", "Lille"]);
            format!("{number} {street}, {} {city}", rng.between(10_000, 95_999))
        }
        ("DE", _) => {
            let street = rng.pick(&["Hafenstraße", "Hauptstraße", "Bahnhofstraße", "Lindenweg"]);
            let city = rng.pick(&["Hamburg", "Kiel", "Berlin", "München", "Köln"]);
            format!("{street} {number}, {} {city}", rng.between(10_000, 99_999))
        }
        ("AT", _) => {
            let street = rng.pick(&["Hauptplatz", "Seestraße", "Linzer Straße"]);
            let city = rng.pick(&["Wien", "Graz", "Linz", "Bregenz"]);
            format!("{street} {number}, {} {city}", rng.between(1000, 9999))
        }
        _ => return None,
    };
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_in_the_country_style() {
        let mut rng = Rng::new(12);
        let owner = restricted(&mut rng, Lang::Nl, "NL", Category::Boat)
            .owner
            .unwrap();
        assert!(owner.phone.unwrap().starts_with("+31 6 "));
        assert!(owner.email.unwrap().ends_with("@mail.example"));
        assert!(owner.address.is_some());
        let company = restricted(&mut rng, Lang::Fr, "FR", Category::Container);
        assert!(company.owner.unwrap().email.unwrap().starts_with("info@"));
    }

    #[test]
    fn mailboxes_are_ascii() {
        assert_eq!(mailbox("van den Berg"), "vandenberg");
        assert_eq!(mailbox("Lefèvre"), "lefevre");
        assert_eq!(mailbox("Müller Bau GmbH"), "mullerbaugmbh");
    }
}
