//! Tests of the whole generator: determinism, counts, validity for the node, formats, shared
//! objects, proportions, and corruptions that stay findable.

use std::collections::{BTreeMap, BTreeSet};

use jiff::tz::TimeZone;
use proptest::prelude::*;
use sismatch_alert::{Category, is_alert_id, validate};
use sismatch_ident::{
    CheckDigit, DEFAULT_THRESHOLD, Format, HinLayout, IdentifierKind, MatchMode, Query, compare,
    is_sentinel, normalise, parse, score,
};

use crate::objects::CATEGORY_SHARES;
use crate::{Corruption, ExampleQuery, Generator, Sample, SampleConfig, corrupt, example_queries};

fn config(alerts: u64, seed: u64) -> SampleConfig {
    SampleConfig {
        alerts,
        seed,
        ..SampleConfig::default()
    }
}

fn samples(config: &SampleConfig) -> Vec<Sample> {
    Generator::new(config).unwrap().collect()
}

/// Eight countries, to exercise every language, plate and case-reference style.
fn europe(alerts: u64) -> SampleConfig {
    SampleConfig {
        countries: ["NL", "BE", "FR", "DE", "AT", "LU", "PL", "GB"]
            .map(str::to_string)
            .to_vec(),
        alerts,
        seed: 7,
        shared_per_mille: 50,
    }
}

#[test]
fn same_seed_same_samples_other_seed_other_samples() {
    let first = samples(&config(1_000, 42));
    assert_eq!(first, samples(&config(1_000, 42)));
    let other = samples(&config(1_000, 43));
    let same = first.iter().zip(&other).filter(|(a, b)| a == b).count();
    assert_eq!(same, 0);
    // A longer run starts with the shorter one: the count only cuts the stream.
    let longer = samples(&config(1_500, 42));
    assert_eq!(first[..999], longer[..999]);
}

#[test]
fn yields_exactly_the_count() {
    for alerts in [0, 1, 2, 3, 1_234] {
        assert_eq!(
            Generator::new(&config(alerts, 1)).unwrap().count() as u64,
            alerts
        );
    }
    // Every object shared: the last one is cut to a single alert when the count is odd.
    let all_shared = SampleConfig {
        alerts: 101,
        shared_per_mille: 1000,
        ..SampleConfig::default()
    };
    let generated = samples(&all_shared);
    assert_eq!(generated.len(), 101);
    assert_eq!(generated[100].object, 50);
    let mut generator = Generator::new(&all_shared).unwrap();
    assert_eq!(generator.size_hint(), (101, Some(101)));
    generator.nth(100);
    assert_eq!(generator.next(), None);
    assert_eq!(generator.next(), None);
}

#[test]
fn streams_two_hundred_thousand_alerts() {
    assert_eq!(
        Generator::new(&config(200_000, 3)).unwrap().count(),
        200_000
    );
}

#[test]
fn every_alert_is_valid_for_its_node() {
    let generated = samples(&europe(5_000));
    let mut ids = BTreeSet::new();
    for sample in &generated {
        let alert = &sample.alert;
        assert_eq!(validate(alert, &alert.country), Ok(()), "{alert:?}");
        assert!(is_alert_id(&alert.id), "{}", alert.id);
        assert!(alert.id.starts_with(&format!("{}-S", alert.country)));
        assert!(ids.insert(alert.id.clone()), "duplicate id {}", alert.id);
        assert!(alert.description.is_some() && alert.case_reference.is_some());
        assert!(alert.stolen_at <= alert.reported_at);
        assert!(alert.reported_at < Some(crate::BASE_TIME));
        let stolen = alert.stolen_at.unwrap().to_zoned(TimeZone::UTC);
        assert!(i16::try_from(alert.year.unwrap()).unwrap() <= stolen.year());
    }
    let with_restricted = generated
        .iter()
        .filter(|s| s.alert.restricted.is_some())
        .count();
    assert!(
        with_restricted > generated.len() * 3 / 4,
        "{with_restricted}"
    );
    let active = generated
        .iter()
        .filter(|s| s.alert.status == sismatch_alert::Status::Active)
        .count();
    assert!(active > generated.len() * 9 / 10, "{active}");
}

#[test]
fn formats_parse_and_check_digits_hold() {
    let mut seen = BTreeMap::new();
    for sample in samples(&europe(10_000)) {
        for entry in &sample.alert.identifiers {
            let id = parse(&entry.value, Some(entry.kind));
            let value = &entry.value;
            assert!(id.is_indexable(), "{value}");
            assert!(id.corrections.is_empty(), "{value}: {:?}", id.corrections);
            match entry.kind {
                IdentifierKind::Vin | IdentifierKind::Container => {
                    assert_eq!(id.check, CheckDigit::Valid, "{value}");
                }
                IdentifierKind::Hin | IdentifierKind::Cin => {
                    let Format::Hin(parts) = &id.format else {
                        panic!("{value} does not parse as a hull number: {id:?}");
                    };
                    assert_eq!(parts.layout, HinLayout::Current, "{value}");
                    assert_eq!(parts.model_year, sample.alert.year, "{value}");
                }
                _ => assert_eq!(id.format, Format::Generic, "{value}"),
            }
            if entry.kind == IdentifierKind::FirearmSerial {
                assert!(entry.manufacturer.is_some(), "{value}");
            }
            *seen.entry(entry.kind.as_str()).or_insert(0) += 1;
        }
    }
    for kind in [
        "HIN",
        "CIN",
        "VIN",
        "ENGINE_SERIAL",
        "FRAME_NUMBER",
        "SERIAL_NUMBER",
        "REGISTRATION",
        "CONTAINER",
        "FIREARM_SERIAL",
    ] {
        assert!(seen.contains_key(kind), "no {kind} in {seen:?}");
    }
}

#[test]
fn undeclared_values_are_detected_as_their_kind() {
    // What the parser makes of a value typed without its kind: the standard formats must be
    // recognised from their structure.
    for sample in samples(&europe(3_000)) {
        for entry in &sample.alert.identifiers {
            let detected = parse(&entry.value, None).kind;
            match entry.kind {
                IdentifierKind::Vin | IdentifierKind::Container | IdentifierKind::Hin => {
                    assert_eq!(detected, entry.kind, "{}", entry.value);
                }
                IdentifierKind::Cin if normalise(&entry.value).len() == 14 => {
                    assert_eq!(detected, IdentifierKind::Cin, "{}", entry.value);
                }
                _ => {}
            }
        }
    }
}

#[test]
fn shared_objects_are_reported_in_two_countries() {
    let generated = samples(&config(20_000, 42));
    let mut objects: BTreeMap<u64, Vec<&Sample>> = BTreeMap::new();
    for sample in &generated {
        objects.entry(sample.object).or_default().push(sample);
    }
    let mut shared = 0;
    for reports in objects.values() {
        match reports.as_slice() {
            [_] => {}
            [first, second] => {
                shared += 1;
                assert_ne!(first.alert.country, second.alert.country);
                assert_ne!(first.alert.id, second.alert.id);
                assert_eq!(first.alert.category, second.alert.category);
                assert_eq!(first.alert.stolen_at, second.alert.stolen_at);
                let keys = |sample: &Sample| -> Vec<String> {
                    sample
                        .alert
                        .identifiers
                        .iter()
                        .map(|entry| parse(&entry.value, Some(entry.kind)).key)
                        .collect()
                };
                assert_eq!(keys(first), keys(second));
            }
            more => panic!("object reported {} times", more.len()),
        }
    }
    // 2 % of about 19,600 objects.
    assert!((300..500).contains(&shared), "{shared}");
}

#[test]
fn categories_in_register_proportions() {
    let generated = samples(&config(10_000, 42));
    let mut counts: BTreeMap<Category, usize> = BTreeMap::new();
    for sample in &generated {
        *counts.entry(sample.alert.category).or_insert(0) += 1;
    }
    for (category, share) in CATEGORY_SHARES {
        let expected = f64::from(share) / 1000.0;
        let found = counts.get(&category).copied().unwrap_or(0) as f64 / generated.len() as f64;
        assert!(
            (found - expected).abs() <= expected * 0.2 + 0.005,
            "{category}: {found} instead of {expected}"
        );
    }
}

/// The stored identifiers of a few hundred generated alerts, with their kinds.
fn stored_values() -> Vec<(IdentifierKind, String)> {
    samples(&europe(400))
        .into_iter()
        .flat_map(|sample| sample.alert.identifiers)
        .map(|entry| (entry.kind, entry.value))
        .collect()
}

/// The score of `typed` as a query of `kind` against the stored `value`.
fn score_of(typed: &str, kind: IdentifierKind, value: &str) -> f64 {
    let query = Query::parse(typed, Some(kind)).unwrap();
    let stored = parse(value, Some(kind)).normalised;
    let comparison = compare(&query, &stored);
    assert_eq!(comparison.score, score(&query, &stored));
    if typed.contains(['*', '?']) {
        assert_eq!(comparison.mode, MatchMode::Pattern, "{typed}");
    }
    comparison.score
}

#[test]
fn corrupted_values_stay_findable() {
    let values = stored_values();
    assert!(values.len() > 300, "{}", values.len());
    for corruption in Corruption::ALL {
        let mut applied = 0;
        for (i, (kind, value)) in values.iter().enumerate() {
            let Some(typed) = corrupt(value, corruption, i as u64) else {
                continue;
            };
            applied += 1;
            assert!(!is_sentinel(&typed), "{corruption}: {value} → {typed}");
            let score = score_of(&typed, *kind, value);
            assert!(
                score >= DEFAULT_THRESHOLD,
                "{corruption}: {value} → {typed} scores {score}"
            );
            let changed = normalise(&typed) != normalise(value);
            let changes = !matches!(
                corruption,
                Corruption::Clean | Corruption::Separators | Corruption::WrongKind
            );
            assert_eq!(changed, changes, "{corruption}: {value} → {typed}");
        }
        assert!(applied > 0, "{corruption} never applied");
    }
}

#[test]
fn example_queries_find_their_alerts() {
    let generated = samples(&SampleConfig::default());
    let examples = example_queries(&generated);
    assert_eq!(examples.len(), 6, "{examples:#?}");
    let by_id: BTreeMap<&str, &Sample> = generated
        .iter()
        .map(|sample| (sample.alert.id.as_str(), sample))
        .collect();
    for ExampleQuery {
        title,
        values,
        expected_alert_ids,
    } in &examples
    {
        assert!(!expected_alert_ids.is_empty(), "{title}");
        for id in expected_alert_ids {
            let alert = &by_id[id.as_str()].alert;
            assert!(alert.status.is_searchable(), "{title}");
            for (kind, typed) in values {
                let query = Query::parse(typed, *kind).unwrap();
                let best = alert
                    .identifiers
                    .iter()
                    .map(|entry| score(&query, &parse(&entry.value, Some(entry.kind)).normalised))
                    .fold(0.0, f64::max);
                assert!(
                    best >= DEFAULT_THRESHOLD,
                    "{title}: {typed} scores {best} on {id}"
                );
            }
        }
    }
    assert!(examples.iter().any(|e| e.expected_alert_ids.len() == 2));
    assert!(examples.iter().any(|e| e.values.len() == 2));
}

proptest! {
    /// Whatever the value, a corruption that applies stays within the scorer's tolerance.
    #[test]
    fn corruptions_of_any_value_stay_findable(value in "[A-Z0-9]{1,20}", seed in any::<u64>()) {
        for corruption in Corruption::ALL {
            if let Some(typed) = corrupt(&value, corruption, seed) {
                prop_assert_eq!(corrupt(&value, corruption, seed), Some(typed.clone()));
                let score = score_of(&typed, IdentifierKind::SerialNumber, &value);
                prop_assert!(score >= DEFAULT_THRESHOLD, "{}: {} → {} scores {}", corruption, value, typed, score);
            }
        }
    }
}
