//! The generator's validity on a small corpus: alerts a node accepts with their check digits
//! holding, a ground truth that is consistent with the alerts, determinism for a seed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use sismatch_alert::{Alert, from_ndjson, validate};
use sismatch_ident::{CheckDigit, Format, IdentifierKind, normalise, parse};

use super::*;
use crate::query::{SEVERAL, read_queries};

fn config() -> GenerateConfig {
    GenerateConfig {
        countries: vec!["NL".to_string(), "BE".to_string(), "FR".to_string()],
        alerts: 3_000,
        seed: 7,
        shared_per_mille: 50,
        queries_per_type: 40,
        negatives: 100,
    }
}

fn alerts(dir: &Path, countries: &[String]) -> BTreeMap<String, Alert> {
    let mut all = BTreeMap::new();
    for country in countries {
        let text = std::fs::read_to_string(dir.join(alert_file(country))).unwrap();
        for line in text.lines() {
            let alert = from_ndjson(line).unwrap().alert;
            validate(&alert, country).unwrap();
            all.insert(alert.id.clone(), alert);
        }
    }
    all
}

fn key(value: &QueryValue) -> String {
    let kind = value
        .kind
        .as_deref()
        .map(|k| k.parse::<IdentifierKind>().unwrap());
    parse(&value.value, kind).key
}

#[test]
fn alerts_are_valid_with_check_digits() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = generate(&config(), dir.path(), false).unwrap();
    let alerts = alerts(dir.path(), &manifest.countries);
    assert_eq!(alerts.len() as u64, manifest.alerts);
    assert!(manifest.shared_objects > 0, "{manifest:?}");
    let mut checked = BTreeMap::new();
    for alert in alerts.values() {
        for entry in &alert.identifiers {
            let id = parse(&entry.value, Some(entry.kind));
            match entry.kind {
                IdentifierKind::Vin | IdentifierKind::Container | IdentifierKind::Imo => {
                    assert_eq!(id.check, CheckDigit::Valid, "{}", entry.value);
                }
                IdentifierKind::Hin | IdentifierKind::Cin => {
                    assert!(matches!(id.format, Format::Hin(_)), "{}", entry.value);
                }
                _ => {}
            }
            *checked.entry(entry.kind).or_insert(0) += 1;
        }
    }
    for kind in [
        IdentifierKind::Hin,
        IdentifierKind::Cin,
        IdentifierKind::Vin,
        IdentifierKind::Container,
        IdentifierKind::EngineSerial,
        IdentifierKind::FirearmSerial,
        IdentifierKind::FrameNumber,
    ] {
        assert!(checked.contains_key(&kind), "no {kind} in {checked:?}");
    }
}

#[test]
fn ground_truth_is_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = generate(&config(), dir.path(), false).unwrap();
    let alerts = alerts(dir.path(), &manifest.countries);
    let queries = read_queries(&dir.path().join(QUERIES_FILE)).unwrap();
    let ids: BTreeSet<&str> = queries.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(ids.len(), queries.len());
    let labels: BTreeSet<&str> = queries.iter().map(|q| q.corruption.as_str()).collect();
    assert_eq!(labels.len(), 13, "{labels:?}");
    let stored_keys: BTreeSet<String> = alerts
        .values()
        .flat_map(|a| {
            a.identifiers
                .iter()
                .map(|e| parse(&e.value, Some(e.kind)).key)
        })
        .collect();
    for query in &queries {
        if query.is_negative() {
            assert!(query.sources.is_empty());
            assert!(!stored_keys.contains(&key(&query.values[0])), "{query:?}");
            continue;
        }
        assert_eq!(query.values.len(), query.sources.len(), "{query:?}");
        for id in &query.expected {
            let alert = alerts
                .get(id)
                .unwrap_or_else(|| panic!("{id} of {query:?} not generated"));
            assert!(alert.status.is_searchable(), "{query:?}");
        }
        // The object's own alert carries every source number.
        let own = &alerts[&query.expected[0]];
        for source in &query.sources {
            let carried = own
                .identifiers
                .iter()
                .any(|e| parse(&e.value, Some(e.kind)).key == key(source));
            assert!(carried, "{query:?} not on {own:?}");
        }
        let typed = &query.values[0].value;
        let source = &query.sources[0];
        match query.corruption.as_str() {
            "clean" | "wrong_kind" => assert_eq!(typed, &source.value),
            "separators" => assert_eq!(normalise(typed), normalise(&source.value)),
            "prefix_dropped" | "prefix_added" => assert_eq!(key(&query.values[0]), key(source)),
            "fragment" => {
                assert!((5..=8).contains(&typed.len()), "{query:?}");
                assert!(
                    normalise(&source.value).contains(typed.as_str()),
                    "{query:?}"
                );
            }
            SEVERAL => assert_eq!(query.values.len(), 2),
            _ => assert_ne!(normalise(typed), normalise(&source.value), "{query:?}"),
        }
        if query.corruption == "wrong_kind" {
            assert_ne!(query.values[0].kind, source.kind, "{query:?}");
        }
    }
}

#[test]
fn deterministic_for_a_seed_and_register_fields() {
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let small = GenerateConfig {
        alerts: 800,
        ..config()
    };
    generate(&small, one.path(), false).unwrap();
    generate(&small, two.path(), false).unwrap();
    for file in [
        QUERIES_FILE,
        REGISTER_FILE,
        "alerts-NL.ndjson",
        "alerts-FR.ndjson",
    ] {
        let a = std::fs::read(one.path().join(file)).unwrap();
        assert_eq!(a, std::fs::read(two.path().join(file)).unwrap(), "{file}");
        assert!(!a.is_empty(), "{file}");
    }
    let allowed = ["maker", "engine_serial", "hull", "vin", "dealer", "sold_at"];
    let register = std::fs::read_to_string(one.path().join(REGISTER_FILE)).unwrap();
    let mut linked = 0;
    for line in register.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        let fields = value.as_object().unwrap();
        assert!(
            fields.keys().all(|k| allowed.contains(&k.as_str())),
            "{line}"
        );
        let sale: Sale = serde_json::from_value(value.clone()).unwrap();
        assert!(!sale.maker.is_empty() && !sale.dealer.is_empty());
        assert!(sale.hull.is_some() || sale.vin.is_some() || sale.engine_serial.is_some());
        if let Some(hull) = &sale.hull {
            assert!(
                matches!(
                    parse(hull, Some(IdentifierKind::Hin)).format,
                    Format::Hin(_)
                ),
                "{line}"
            );
            linked += u64::from(sale.engine_serial.is_some());
        }
    }
    assert!(linked > 10, "{linked} engine-hull links");
}
