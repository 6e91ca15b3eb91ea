//! Merging the nodes' ranked lists into one, and finding the same object in several countries.
//!
//! Pure functions over the wire messages: no IO, no clock, deterministic for the same input,
//! whatever order the nodes answered in.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use sismatch_ident::{IdentifierKind, maker_key, parse};
use sismatch_proto::v1;
use sismatch_proto::wire::enum_in;

/// One node's answer, as the merge sees it.
#[derive(Debug, Clone)]
pub struct NodeAnswer {
    /// Name of the node that answered (`NL`, `NL-2`).
    pub node: String,
    /// Its matches, in its own order.
    pub matches: Vec<v1::Match>,
}

/// Number of distinct query values an alert matched through: an alert that agrees with the
/// hull number *and* the engine serial read on an object outranks one that agrees with one.
pub fn queries_matched(found: &v1::Match) -> usize {
    found
        .identifier_matches
        .iter()
        .map(|m| m.query_index)
        .collect::<BTreeSet<_>>()
        .len()
}

fn alert_id(found: &v1::Match) -> &str {
    found.alert.as_ref().map_or("", |alert| alert.id.as_str())
}

/// How far the check digit of the best matching stored identifier vouches for it: valid
/// first, then a format without one, then invalid. Only a tie-break among equal scores (the
/// scores themselves never move, so the nodes' bounds and the groups on score 1 hold).
fn check_digit_order(found: &v1::Match) -> u8 {
    let best = found.identifier_matches.first();
    let check = best.and_then(|m| m.matched_identifier.as_ref());
    match check.map(v1::Identifier::check_digit) {
        Some(v1::CheckDigit::Valid) => 0,
        Some(v1::CheckDigit::Invalid) => 2,
        _ => 1,
    }
}

/// The federation's order: more query values matched, then higher score, then a valid check
/// digit before none before an invalid one, then country, then alert id, so that equal answers
/// come back in the same order on every run.
pub fn rank(a: &v1::Match, b: &v1::Match) -> Ordering {
    queries_matched(b)
        .cmp(&queries_matched(a))
        .then_with(|| b.score.total_cmp(&a.score))
        .then_with(|| check_digit_order(a).cmp(&check_digit_order(b)))
        .then_with(|| a.country.cmp(&b.country))
        .then_with(|| alert_id(a).cmp(alert_id(b)))
}

/// Merges the answers into one list of at most `top_k`, best first. Each match is labelled
/// with the node that answered; an alert that two answers carry (a shard answering twice) is
/// kept once, at its best.
pub fn merge(answers: Vec<NodeAnswer>, top_k: usize) -> Vec<v1::Match> {
    let mut all: Vec<v1::Match> = Vec::new();
    for answer in answers {
        for mut found in answer.matches {
            found.node.clone_from(&answer.node);
            all.push(found);
        }
    }
    all.sort_by(rank);
    let mut seen = BTreeSet::new();
    all.retain(|found| seen.insert(alert_id(found).to_string()));
    all.truncate(top_k);
    all
}

fn kind_of(number: i32) -> Option<IdentifierKind> {
    enum_in::<v1::IdentifierKind, IdentifierKind>(number)
        .ok()
        .flatten()
}

/// The key under which two alerts' identifiers are the same number: the identifier core's
/// key (separators, case and droppable prefixes removed, so a HIN and the CIN of the same boat
/// agree), and for firearm serials also the maker (`maker_key`), because those serials are unique only per
/// maker.
fn object_key(identifier: &v1::Identifier) -> Option<(String, i32)> {
    let kind = kind_of(identifier.kind);
    let parsed = parse(&identifier.value, kind);
    if !parsed.is_indexable() {
        return None;
    }
    if kind == Some(IdentifierKind::FirearmSerial) {
        let maker = maker_key(&identifier.manufacturer).unwrap_or_default();
        return Some((format!("{maker}/{}", parsed.key), identifier.kind));
    }
    Some((parsed.key, identifier.kind))
}

fn country_list(countries: &[String]) -> String {
    match countries {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Groups of matches that are the same object reported by several countries: alerts of at
/// least two countries sharing an identifier key. Groups come in the order of their best
/// match; an alert set found through several shared identifiers (hull and engine) is one
/// group, named by the first of them.
pub fn groups(matches: &[v1::Match]) -> Vec<v1::MatchGroup> {
    let mut by_key: BTreeMap<String, (usize, i32, BTreeSet<usize>)> = BTreeMap::new();
    let mut order = 0;
    for (position, found) in matches.iter().enumerate() {
        let Some(alert) = &found.alert else {
            continue;
        };
        for identifier in &alert.identifiers {
            let Some((key, kind)) = object_key(identifier) else {
                continue;
            };
            let entry = by_key.entry(key).or_insert_with(|| {
                order += 1;
                (order, kind, BTreeSet::new())
            });
            entry.2.insert(position);
        }
    }
    let mut candidates: Vec<(usize, String, i32, BTreeSet<usize>)> = by_key
        .into_iter()
        .map(|(key, (first, kind, positions))| (first, key, kind, positions))
        .collect();
    candidates.sort_by_key(|(first, ..)| *first);
    let mut seen: BTreeSet<Vec<usize>> = BTreeSet::new();
    let mut found_groups: Vec<(usize, v1::MatchGroup)> = Vec::new();
    for (_, key, kind, positions) in candidates {
        let positions: Vec<usize> = positions.into_iter().collect();
        let mut countries: Vec<String> = Vec::new();
        for &p in &positions {
            if !countries.contains(&matches[p].country) {
                countries.push(matches[p].country.clone());
            }
        }
        if countries.len() < 2 || !seen.insert(positions.clone()) {
            continue;
        }
        let best = positions[0];
        found_groups.push((
            best,
            v1::MatchGroup {
                normalized_identifier: key,
                kind,
                alert_ids: positions
                    .iter()
                    .map(|&p| alert_id(&matches[p]).to_string())
                    .collect(),
                explanation: format!("same object reported by {}", country_list(&countries)),
                countries,
                score: matches[best].score,
            },
        ));
    }
    found_groups.sort_by_key(|(best, _)| *best);
    found_groups.into_iter().map(|(_, group)| group).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identifier(kind: v1::IdentifierKind, value: &str) -> v1::Identifier {
        v1::Identifier {
            kind: kind.into(),
            value: value.to_string(),
            ..v1::Identifier::default()
        }
    }

    fn found(
        country: &str,
        id: &str,
        score: f64,
        queries: &[u32],
        identifiers: Vec<v1::Identifier>,
    ) -> v1::Match {
        v1::Match {
            country: country.to_string(),
            score,
            alert: Some(v1::Alert {
                id: id.to_string(),
                country: country.to_string(),
                identifiers,
                ..v1::Alert::default()
            }),
            identifier_matches: queries
                .iter()
                .map(|&q| v1::IdentifierMatch {
                    query_index: q,
                    ..v1::IdentifierMatch::default()
                })
                .collect(),
            ..v1::Match::default()
        }
    }

    fn ids(matches: &[v1::Match]) -> Vec<&str> {
        matches.iter().map(alert_id).collect()
    }

    #[test]
    fn more_queries_matched_outrank_a_higher_single_score() {
        let answers = vec![
            NodeAnswer {
                node: "NL".to_string(),
                matches: vec![found("NL", "NL-1", 1.0, &[0], vec![])],
            },
            NodeAnswer {
                node: "BE".to_string(),
                matches: vec![found("BE", "BE-1", 0.7, &[0, 1], vec![])],
            },
        ];
        let merged = merge(answers, 10);
        assert_eq!(ids(&merged), vec!["BE-1", "NL-1"]);
        assert_eq!(merged[0].node, "BE");
    }

    #[test]
    fn ties_break_by_country_then_id_whatever_the_answer_order() {
        let a = found("NL", "NL-2", 0.9, &[0], vec![]);
        let b = found("BE", "BE-9", 0.9, &[0], vec![]);
        let c = found("NL", "NL-1", 0.9, &[0], vec![]);
        let one = merge(
            vec![NodeAnswer {
                node: "X".to_string(),
                matches: vec![a.clone(), b.clone(), c.clone()],
            }],
            10,
        );
        let other = merge(
            vec![NodeAnswer {
                node: "X".to_string(),
                matches: vec![c, a, b],
            }],
            10,
        );
        assert_eq!(ids(&one), vec!["BE-9", "NL-1", "NL-2"]);
        assert_eq!(ids(&one), ids(&other));
    }

    #[test]
    fn a_valid_check_digit_breaks_a_tie_and_never_a_score() {
        let checked = |id: &str, score: f64, check: v1::CheckDigit| {
            let mut m = found("NL", id, score, &[0], vec![]);
            let stored = v1::Identifier {
                check_digit: check.into(),
                ..v1::Identifier::default()
            };
            m.identifier_matches[0].matched_identifier = Some(stored);
            m
        };
        let answers = vec![NodeAnswer {
            node: "NL".to_string(),
            matches: vec![
                checked("NL-1", 0.9, v1::CheckDigit::Invalid),
                checked("NL-2", 0.9, v1::CheckDigit::NotApplicable),
                checked("NL-3", 0.9, v1::CheckDigit::Valid),
                checked("NL-4", 0.95, v1::CheckDigit::Invalid),
            ],
        }];
        let merged = merge(answers, 10);
        assert_eq!(ids(&merged), vec!["NL-4", "NL-3", "NL-2", "NL-1"]);
    }

    #[test]
    fn top_k_and_duplicates() {
        let merged = merge(
            vec![
                NodeAnswer {
                    node: "NL".to_string(),
                    matches: vec![
                        found("NL", "NL-1", 0.9, &[0], vec![]),
                        found("NL", "NL-2", 0.8, &[0], vec![]),
                    ],
                },
                NodeAnswer {
                    node: "NL-2".to_string(),
                    matches: vec![found("NL", "NL-1", 0.9, &[0], vec![])],
                },
            ],
            1,
        );
        assert_eq!(ids(&merged), vec!["NL-1"]);
    }

    #[test]
    fn hin_and_cin_of_one_boat_in_two_countries_make_one_group() {
        let hin = v1::IdentifierKind::Hin;
        let cin = v1::IdentifierKind::Cin;
        let engine = v1::IdentifierKind::EngineSerial;
        let matches = vec![
            found(
                "NL",
                "NL-1",
                1.0,
                &[0],
                vec![
                    identifier(cin, "NL-ABC12345D404"),
                    identifier(engine, "6CJ-1013456"),
                ],
            ),
            found(
                "BE",
                "BE-7",
                0.9,
                &[0],
                vec![
                    identifier(hin, "abc 12345 d4 04"),
                    identifier(engine, "6CJ1013456"),
                ],
            ),
            found(
                "FR",
                "FR-3",
                0.6,
                &[0],
                vec![identifier(hin, "XYZ99999A101")],
            ),
        ];
        let found_groups = groups(&matches);
        assert_eq!(found_groups.len(), 1, "{found_groups:?}");
        let group = &found_groups[0];
        assert_eq!(group.alert_ids, vec!["NL-1", "BE-7"]);
        assert_eq!(group.countries, vec!["NL", "BE"]);
        assert_eq!(group.normalized_identifier, "ABC12345D404");
        assert_eq!(group.explanation, "same object reported by NL and BE");
        assert!((group.score - 1.0).abs() < f64::EPSILON);
    }

    #[test]
    fn one_country_is_no_group_and_firearms_need_the_same_maker() {
        let serial = v1::IdentifierKind::FirearmSerial;
        let gun = |maker: &str| v1::Identifier {
            manufacturer: maker.to_string(),
            ..identifier(serial, "ABC123")
        };
        let same_country = vec![
            found("NL", "NL-1", 1.0, &[0], vec![gun("Glock")]),
            found("NL", "NL-2", 1.0, &[0], vec![gun("Glock")]),
        ];
        assert!(groups(&same_country).is_empty());
        let other_makers = vec![
            found("NL", "NL-1", 1.0, &[0], vec![gun("Glock")]),
            found("BE", "BE-2", 1.0, &[0], vec![gun("Beretta")]),
        ];
        assert!(groups(&other_makers).is_empty());
        let same_maker = vec![
            found("NL", "NL-1", 1.0, &[0], vec![gun("Glock")]),
            found("BE", "BE-2", 1.0, &[0], vec![gun("GLOCK ")]),
        ];
        assert_eq!(groups(&same_maker).len(), 1);
        // One maker however spelt, as the store's duplicate check has it.
        let one_maker_two_spellings = vec![
            found("NL", "NL-1", 1.0, &[0], vec![gun("Smith & Wesson")]),
            found("BE", "BE-2", 1.0, &[0], vec![gun("Smith&Wesson")]),
        ];
        assert_eq!(groups(&one_maker_two_spellings).len(), 1);
    }

    #[test]
    fn three_countries_are_named_in_order() {
        let hin = v1::IdentifierKind::Hin;
        let matches: Vec<v1::Match> = ["NL", "BE", "FR"]
            .iter()
            .enumerate()
            .map(|(i, c)| {
                found(
                    c,
                    &format!("{c}-{i}"),
                    1.0 - i as f64 / 10.0,
                    &[0],
                    vec![identifier(hin, "ABC12345D404")],
                )
            })
            .collect();
        let found_groups = groups(&matches);
        assert_eq!(
            found_groups[0].explanation,
            "same object reported by NL, BE and FR"
        );
    }
}
