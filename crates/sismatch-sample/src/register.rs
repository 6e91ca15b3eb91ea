//! One engine maker's sales register over a generated sample, for the demo's manufacturer
//! partner, and the case the partner exists for (DESIGN §4): a stolen boat whose alert names
//! only its hull, and the engine the maker sold with it, whose serial no alert holds. An
//! officer who reads that engine serial on a boat finds nothing on the nodes; the maker's
//! register leads from it to the hull, and the hull to the stolen boat.
//!
//! The register holds a sale for every boat of the sample with a Yamaha engine: the serial
//! its alert records or, when the alert records none (the owner did not know it), one drawn
//! for the object from a stream of its own, so that the corpus itself does not change.

use jiff::{SignedDuration, Timestamp};
use sismatch_alert::{Alert, Category, IdentifierEntry};
use sismatch_ident::{IdentifierKind, parse};

use crate::generator::Sample;
use crate::objects::{YAMAHA_CODES, yamaha_models, yamaha_serial};
use crate::report::BASE_TIME;
use crate::rng::Rng;

/// The maker whose register this is, as the partner node is named.
pub const REGISTER_MAKER: &str = "YAMAHA";

/// The prefixes of the maker's engine serials (their index keys start with one): what the
/// core is told the partner covers.
pub const REGISTER_PREFIXES: [&str; 8] = YAMAHA_CODES;

/// Stream tag of the engine serials the register knows and the alerts do not.
const UNRECORDED_ENGINE_STREAM: u64 = 7;

/// One sale in the register: an engine sold with a hull.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterSale {
    /// The engine serial as the maker writes it (`6CJ-1013456`).
    pub engine_serial: String,
    /// The hull number it was sold with (a HIN, without a CIN's country prefix).
    pub hull: String,
    /// The engine model (`F115`).
    pub model: &'static str,
    /// When it was sold: before the boat was stolen.
    pub sold_at: Timestamp,
}

/// The search the register makes possible: an engine serial no alert holds, and the alerts
/// of the stolen boat it leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerCase {
    /// What the search shows, in one line, naming the serial and the hull.
    pub title: String,
    /// The engine serial, as read on the engine.
    pub engine_serial: String,
    /// The alerts the search must find through the partner (all alerts of the boat).
    pub expected_alert_ids: Vec<String>,
}

/// The register of [`REGISTER_MAKER`] over `samples`, and the first boat it leads to that no
/// alert's engine serial names (`None` when the sample has no such boat, a small one).
pub fn sales_register(samples: &[Sample]) -> (Vec<RegisterSale>, Option<PartnerCase>) {
    let mut sales = Vec::new();
    let mut case = None;
    let mut index = 0;
    while let Some(first) = samples.get(index) {
        let alerts: Vec<&Alert> = samples[index..]
            .iter()
            .take_while(|s| s.object == first.object)
            .map(|s| &s.alert)
            .collect();
        index += alerts.len();
        let Some((sale, recorded)) = sale_of(first.object, alerts[0]) else {
            continue;
        };
        let in_force = alerts.iter().all(|a| a.status.is_searchable());
        if case.is_none() && !recorded && in_force && !held_by_any(samples, &sale.engine_serial) {
            case = Some(PartnerCase {
                title: format!(
                    "engine serial {} on no alert: {REGISTER_MAKER}'s sales register says it was \
                     sold with hull {}, the stolen boat",
                    sale.engine_serial, sale.hull
                ),
                engine_serial: sale.engine_serial.clone(),
                expected_alert_ids: alerts.iter().map(|a| a.id.clone()).collect(),
            });
        }
        sales.push(sale);
    }
    (sales, case)
}

/// The sale of the boat `alert` reports, when it has a hull number and a Yamaha engine, and
/// whether its alert records the engine's serial.
fn sale_of(object: u64, alert: &Alert) -> Option<(RegisterSale, bool)> {
    if alert.category != Category::Boat {
        return None;
    }
    let hull = first_of(alert, &[IdentifierKind::Hin, IdentifierKind::Cin])?;
    let hull = parse(&hull.value, Some(IdentifierKind::Hin)).key;
    let description = alert.description.as_deref().unwrap_or_default();
    let model = yamaha_models()
        .iter()
        .find(|model| description.contains(&format!("Yamaha {model}")))?;
    let recorded = first_of(alert, &[IdentifierKind::EngineSerial]);
    let (engine_serial, recorded) = match recorded {
        Some(entry) if entry.manufacturer.as_deref() == Some("Yamaha") => {
            (entry.value.clone(), true)
        }
        Some(_) => return None,
        None => {
            let mut rng = Rng::keyed(&[object, UNRECORDED_ENGINE_STREAM]);
            (yamaha_serial(&mut rng), false)
        }
    };
    let stolen_at = alert.stolen_at.unwrap_or(BASE_TIME);
    let days = 30 + i64::try_from(object % 2000).unwrap_or(0);
    let sale = RegisterSale {
        engine_serial,
        hull,
        model,
        sold_at: stolen_at - SignedDuration::from_hours(24 * days),
    };
    Some((sale, recorded))
}

fn first_of<'a>(alert: &'a Alert, kinds: &[IdentifierKind]) -> Option<&'a IdentifierEntry> {
    alert.identifiers.iter().find(|e| kinds.contains(&e.kind))
}

/// Whether an alert of `samples` holds `serial` (by index key): then it is not the case.
fn held_by_any(samples: &[Sample], serial: &str) -> bool {
    let key = parse(serial, Some(IdentifierKind::EngineSerial)).key;
    samples.iter().any(|sample| {
        sample
            .alert
            .identifiers
            .iter()
            .any(|e| parse(&e.value, Some(e.kind)).key == key)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Generator, SampleConfig};

    #[test]
    fn the_register_leads_from_an_engine_no_alert_holds_to_a_stolen_boat() {
        let config = SampleConfig {
            alerts: 600,
            ..SampleConfig::default()
        };
        let samples: Vec<Sample> = Generator::new(&config).unwrap().collect();
        let (sales, case) = sales_register(&samples);
        let case = case.expect("600 alerts hold a boat whose alert lacks its Yamaha engine");
        assert!(!held_by_any(&samples, &case.engine_serial));
        let sale = sales
            .iter()
            .find(|s| s.engine_serial == case.engine_serial)
            .unwrap();
        let boat = samples
            .iter()
            .find(|s| s.alert.id == case.expected_alert_ids[0])
            .unwrap();
        let hulls: Vec<String> = boat
            .alert
            .identifiers
            .iter()
            .map(|e| parse(&e.value, Some(IdentifierKind::Hin)).key)
            .collect();
        assert!(hulls.contains(&sale.hull), "{sale:?} {hulls:?}");
        assert!(
            REGISTER_PREFIXES
                .iter()
                .any(|p| case.engine_serial.starts_with(p))
        );
        // Every sale is of a boat with a hull, sold before it was stolen; recorded serials
        // are the alerts' own.
        assert!(sales.len() > 1);
        assert!(sales.iter().all(|s| s.sold_at < BASE_TIME));
        // The same sample gives the same register.
        assert_eq!(sales_register(&samples).0, sales);
    }
}
