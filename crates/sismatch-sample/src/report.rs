//! One country's report of an object: the alert around the object's identifiers, with its id,
//! language, case reference, times, status and restricted part.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use sismatch_alert::{Alert, HitAction, IdentifierEntry, Status, default_language};
use sismatch_ident::{IdentifierKind, normalise, parse};

use crate::describe::describe;
use crate::lang::language_of;
use crate::objects::Object;
use crate::people::restricted;
use crate::rng::Rng;

/// The "now" of every sample corpus: thefts fall in the two years before it. A fixed instant
/// rather than the clock, so that a corpus generated today equals one generated next year.
pub const BASE_TIME: Timestamp = Timestamp::constant(1_780_272_000, 0);

/// How long an object alert stays in force before review, as in SIS.
const REVIEW_AFTER: SignedDuration = SignedDuration::from_hours(24 * 3_652);

/// Who reports an object, as which alert, when.
pub(crate) struct Report<'a> {
    pub country: &'a str,
    pub id: String,
    pub stolen_at: Timestamp,
    pub reported_at: Timestamp,
    /// Whether this is the second country's report of the object, which records the numbers
    /// in its own way.
    pub second: bool,
}

/// The alert of `report` on `object`.
pub(crate) fn alert(object: &Object, report: Report<'_>, rng: &mut Rng) -> Alert {
    let lang = language_of(report.country, rng);
    let mut identifiers = object.identifiers.clone();
    if report.second {
        restyle(&mut identifiers, rng);
    }
    let status = match rng.below(1000) {
        0..=19 => Status::Recovered,
        20..=29 => Status::HitConfirmed,
        _ => Status::Active,
    };
    let action = rng.chance(350).then(|| match rng.below(10) {
        0..=6 => HitAction::Seize,
        7..=8 => HitAction::UseAsEvidence,
        _ => HitAction::DiscreetCheck,
    });
    let restricted = rng
        .chance(850)
        .then(|| restricted(rng, lang, report.country, object.category));
    Alert {
        id: report.id,
        country: report.country.to_string(),
        category: object.category,
        identifiers,
        links: Vec::new(),
        action,
        brand: Some(object.brand.to_string()),
        model: Some(object.model.to_string()),
        colour: Some(object.colour.word(lang).to_string()),
        year: Some(object.year),
        description: Some(describe(object, lang, rng)),
        // Named only where it is not the country's own (BE in French, LU in German, English
        // elsewhere), as an officer's system would.
        language: (default_language(report.country) != Some(lang.code()))
            .then(|| lang.code().to_string()),
        case_reference: Some(case_reference(rng, report.country, report.reported_at)),
        stolen_at: Some(report.stolen_at),
        reported_at: Some(report.reported_at),
        expires_at: Some(report.reported_at + REVIEW_AFTER),
        status,
        restricted,
        version: 0,
        updated_at: None,
    }
}

/// The second country writes one of the numbers its own way: a CIN without its country
/// prefix, or other grouping and separators. The numbers stay the same after normalisation.
fn restyle(identifiers: &mut [IdentifierEntry], rng: &mut Rng) {
    let at = rng.index(identifiers.len());
    let Some(entry) = identifiers.get_mut(at) else {
        return;
    };
    let parsed = parse(&entry.value, Some(entry.kind));
    if entry.kind == IdentifierKind::Cin && parsed.prefix.is_some() && rng.chance(600) {
        entry.value = parsed.key;
        return;
    }
    let compact = normalise(&entry.value);
    let group = rng.between(3, 4) as usize;
    let separator = *rng.pick(&[" ", "-", "."]);
    let groups: Vec<String> = compact
        .chars()
        .collect::<Vec<_>>()
        .chunks(group)
        .map(|chunk| chunk.iter().collect())
        .collect();
    entry.value = groups.join(separator);
}

/// A police case number in the style of the issuing country (`PL1300-2026-0042` in the
/// Netherlands).
fn case_reference(rng: &mut Rng, country: &str, reported_at: Timestamp) -> String {
    let year = reported_at.to_zoned(TimeZone::UTC).year();
    match country {
        "NL" => {
            let unit = rng.pick(&["0100", "0600", "1300", "1500", "2000", "2400"]);
            format!("PL{unit}-{year}-{:04}", rng.between(1, 9_999))
        }
        "BE" => {
            let court = rng.pick(&["AN", "GE", "BR", "LI", "NA", "HA"]);
            format!(
                "{court}.{:02}.L{}.{:06}/{:02}",
                rng.between(10, 99),
                rng.between(1, 9),
                rng.between(1, 999_999),
                year % 100
            )
        }
        "FR" => format!("PV {year}/{:06}", rng.between(1, 999_999)),
        "DE" | "AT" => format!("ST/{:07}/{year}", rng.between(1, 9_999_999)),
        _ => format!("{country}/{year}/{:06}", rng.between(1, 999_999)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_time_is_the_first_of_june_2026() {
        let expected: Timestamp = "2026-06-01T00:00:00Z".parse().unwrap();
        assert_eq!(BASE_TIME, expected);
    }

    #[test]
    fn case_references_per_country() {
        let mut rng = Rng::new(1);
        let nl = case_reference(&mut rng, "NL", BASE_TIME);
        assert!(nl.starts_with("PL") && nl.contains("-2026-"), "{nl}");
        let be = case_reference(&mut rng, "BE", BASE_TIME);
        assert!(be.ends_with("/26"), "{be}");
        assert!(case_reference(&mut rng, "PL", BASE_TIME).starts_with("PL/2026/"));
    }

    #[test]
    fn restyled_numbers_normalise_the_same() {
        let mut rng = Rng::new(2);
        for _ in 0..100 {
            let mut identifiers = vec![IdentifierEntry {
                kind: IdentifierKind::Cin,
                value: "NL-BAY12345D404".to_string(),
                manufacturer: None,
                location: None,
                legibility: None,
            }];
            restyle(&mut identifiers, &mut rng);
            let id = parse(&identifiers[0].value, Some(IdentifierKind::Cin));
            assert_eq!(id.key, "BAY12345D404", "{}", identifiers[0].value);
        }
    }
}
