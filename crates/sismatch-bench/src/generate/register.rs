//! The manufacturer sales register for the partner node: which engine was sold with which
//! hull, which VIN, by which dealer, when. `register.ndjson`, one sale per line:
//!
//! ```json
//! {"maker":"Yamaha","engine_serial":"6CJ-1013456","hull":"BAY12345D404","dealer":"Watersport Friesland B.V.","sold_at":"2021-04-17T00:00:00Z"}
//! ```
//!
//! Fields are exactly `maker`, `engine_serial`, `hull`, `vin`, `dealer`, `sold_at`; the
//! optional ones are left out. The register holds the sales of the stolen objects (so a
//! partner look-up can lead from an engine to the alert on its hull) and of as many objects
//! never stolen (a maker sells far more than is stolen). A boat engine stolen on its own is
//! linked to the hull of a boat that was never stolen.

use std::collections::VecDeque;
use std::io::Write;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sismatch_alert::{Alert, Category};
use sismatch_ident::{IdentifierKind, parse};
use sismatch_sample::BASE_TIME;

use super::mix;

/// One sale in a manufacturer's or dealers' register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sale {
    /// The maker whose register it is: the engine maker for an engine, the builder or car
    /// maker otherwise.
    pub maker: String,
    /// The engine serial as the maker writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_serial: Option<String>,
    /// The hull number (HIN, without a CIN country prefix) the engine was sold with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hull: Option<String>,
    /// The vehicle identification number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vin: Option<String>,
    /// The dealer that sold it.
    pub dealer: String,
    /// When it was sold.
    pub sold_at: Timestamp,
}

/// Hulls of boats never stolen kept for engines stolen on their own, at most.
const SPARE_HULLS: usize = 1_000;

/// The register being written.
pub(crate) struct Register<W: Write> {
    out: W,
    seed: u64,
    spare_hulls: VecDeque<String>,
    /// Sales written.
    pub records: u64,
}

impl<W: Write> Register<W> {
    pub(crate) fn new(out: W, seed: u64) -> Register<W> {
        Register {
            out,
            seed,
            spare_hulls: VecDeque::new(),
            records: 0,
        }
    }

    /// Records the sale of a stolen object, from the first alert on it.
    pub(crate) fn stolen(&mut self, object: u64, alert: &Alert) -> std::io::Result<()> {
        let spare = if alert.category == Category::BoatEngine {
            self.spare_hulls.pop_front()
        } else {
            None
        };
        match sale(alert, mix(&[self.seed, object, 1]), spare) {
            Some(sale) => self.write(&sale),
            None => Ok(()),
        }
    }

    /// Records the sale of an object never stolen; its hull may be lent to a lone engine.
    pub(crate) fn unstolen(&mut self, object: u64, alert: &Alert) -> std::io::Result<()> {
        let Some(sale) = sale(alert, mix(&[self.seed, object, 2]), None) else {
            return Ok(());
        };
        if alert.category == Category::Boat
            && let Some(hull) = &sale.hull
            && self.spare_hulls.len() < SPARE_HULLS
        {
            self.spare_hulls.push_back(hull.clone());
        }
        self.write(&sale)
    }

    fn write(&mut self, sale: &Sale) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.out, sale)?;
        self.out.write_all(b"\n")?;
        self.records += 1;
        Ok(())
    }

    /// The writer back, flushed.
    pub(crate) fn into_inner(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

fn first_of(alert: &Alert, kinds: &[IdentifierKind]) -> Option<(String, Option<String>)> {
    alert
        .identifiers
        .iter()
        .find(|entry| kinds.contains(&entry.kind))
        .map(|entry| (entry.value.clone(), entry.manufacturer.clone()))
}

/// The sale behind `alert`'s object, if it is one a maker registers; `hash` draws the dealer
/// and the date.
fn sale(alert: &Alert, hash: u64, spare_hull: Option<String>) -> Option<Sale> {
    let hull = first_of(alert, &[IdentifierKind::Hin, IdentifierKind::Cin])
        .map(|(value, _)| parse(&value, Some(IdentifierKind::Hin)).key)
        .or(spare_hull);
    let engine = first_of(alert, &[IdentifierKind::EngineSerial]);
    let vin = first_of(alert, &[IdentifierKind::Vin]).map(|(value, _)| value);
    let brand = alert.brand.clone().unwrap_or_default();
    let (maker, boat) = match alert.category {
        Category::Boat | Category::BoatEngine => {
            let engine_maker = engine.as_ref().and_then(|(_, maker)| maker.clone());
            (engine_maker.unwrap_or(brand), true)
        }
        Category::MotorVehicle | Category::Trailer | Category::Caravan if vin.is_some() => {
            (brand, false)
        }
        _ => return None,
    };
    if maker.is_empty() {
        return None;
    }
    let sold_before = alert.stolen_at.unwrap_or(BASE_TIME);
    let age_days = 30 + (hash >> 20) % (6 * 365);
    Some(Sale {
        maker,
        engine_serial: engine.map(|(value, _)| value),
        hull: if boat { hull } else { None },
        vin: if boat { None } else { vin },
        dealer: dealer(&alert.country, boat, hash),
        sold_at: sold_before - SignedDuration::from_hours(24 * age_days as i64),
    })
}

/// A dealer of the object's country.
fn dealer(country: &str, boat: bool, hash: u64) -> String {
    let names: &[&str] = match (country, boat) {
        ("NL", true) => &[
            "Watersport Friesland B.V.",
            "Jachthaven Loosdrecht Botenverkoop",
            "Botencentrum Roermond",
            "Marina Muiderzand Yachting",
        ],
        ("NL", false) => &[
            "Autobedrijf Van den Berg",
            "Autohuis Zwolle",
            "Garage De Vries",
        ],
        ("BE", true) => &[
            "Nautic Center Antwerpen",
            "Jachtwerf Nieuwpoort",
            "Bateaux Liège SPRL",
        ],
        ("BE", false) => &["Garage Dubois", "Autocenter Gent", "Car Center Namur"],
        ("FR", true) => &[
            "Nautisme Atlantique La Rochelle",
            "Bateaux du Léman",
            "Marine Services Marseille",
        ],
        ("FR", false) => &["Garage du Centre", "Automobiles Lefèvre", "Lyon Autos"],
        ("DE", true) => &[
            "Bootshaus Kiel GmbH",
            "Wassersport Berlin",
            "Yachtcenter Bodensee",
        ],
        ("DE", false) => &[
            "Autohaus Müller",
            "Autohaus Schmidt GmbH",
            "Autozentrum Köln",
        ],
        (_, true) => &["Marine Dealer", "Yacht Sales", "Boat Centre"],
        (_, false) => &["Car Dealer", "Motor Sales", "Auto Centre"],
    };
    let name = names[(hash % names.len() as u64) as usize];
    if matches!(country, "NL" | "BE" | "FR" | "DE") {
        name.to_string()
    } else {
        format!("{name} {country}")
    }
}
