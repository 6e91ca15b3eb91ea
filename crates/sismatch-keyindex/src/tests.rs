//! The index proposes every alert the identifier core accepts: checked on the keys for every
//! edit pattern of a few values, and against a brute-force oracle (score every stored
//! identifier) for every corruption of DESIGN §3.

use std::ops::ControlFlow;

use sismatch_alert::{Alert, Status};
use sismatch_ident::{DEFAULT_THRESHOLD, IdentifierKind, Query, parse, score, tolerated_edits};

use crate::KeyIndex;
use crate::keys::{self, Cut, deletions, max_edits, swapped};
use crate::testkit::{Corruption, Rng, alert, alerts};
use crate::verify::tests::osa;
use sismatch_alert::StoreChange;

fn chars(s: &str) -> Vec<char> {
    s.chars().collect()
}

/// Every value one or two single edits (substitution, insertion, deletion, transposition)
/// from `s`, over a small alphabet.
fn two_edits(s: &[char]) -> Vec<Vec<char>> {
    let alphabet = ['A', '9', 'Z', '0'];
    let once = |s: &[char]| {
        let mut out = Vec::new();
        for i in 0..=s.len() {
            for &c in &alphabet {
                let mut v = s.to_vec();
                v.insert(i, c);
                out.push(v);
                if i < s.len() {
                    let mut v = s.to_vec();
                    v[i] = c;
                    out.push(v);
                }
            }
            if i < s.len() {
                let mut v = s.to_vec();
                v.remove(i);
                out.push(v);
            }
            if let Some(v) = swapped(s, i) {
                out.push(v);
            }
        }
        out
    };
    once(s).iter().flat_map(|v| once(v)).collect()
}

#[test]
fn keys_meet_for_every_two_edit_pattern() {
    for stored in [
        "K83921",
        "WTU4711",
        "12345678",
        "A8C123450",
        "A8C1234504",
        "A8C12345040",
        "A8C123450404",
        "A8C123450404XY",
        "1HGC8263JA0043527",
        "N1A8C123450404XYZW",
    ] {
        let t = chars(stored);
        let mut filed = Vec::new();
        keys::stored(&t, &mut filed);
        filed.sort_unstable();
        let mut checked = 0;
        for query in two_edits(&t) {
            let text: String = query.iter().collect();
            let edits = osa(text.as_bytes(), stored.as_bytes(), false);
            if edits > max_edits(query.len()) || edits > tolerated_edits(query.len().max(t.len())) {
                continue;
            }
            // Within one edit of a short value, the probes deleting at most one character
            // meet it: the two-deletion ones can wait (`search::Far`).
            if edits <= 1 && t.len() <= keys::SHORT {
                let mut near = Vec::new();
                keys::short_probes(&query, 0..=1, |_| true, &mut near);
                let text: String = query.iter().collect();
                assert!(
                    near.iter().any(|p| filed.binary_search(p).is_ok()),
                    "{text} is one edit from {stored}, not met without two deletions"
                );
            }
            // Within one edit of a long value, the probes pinning two exact parts meet it:
            // those with a part within one edit can wait (`search::Far`).
            if edits <= 1 && t.len() > keys::SHORT {
                for cut in Cut::ALL {
                    let mut near = Vec::new();
                    keys::long_near_probes(&query, cut, |_| true, &mut near);
                    let text: String = query.iter().collect();
                    assert!(
                        near.iter().any(|p| filed.binary_search(p).is_ok()),
                        "{text} is one edit from {stored}, not met by two exact parts ({cut:?})"
                    );
                }
            }
            // Each cut alone: a search reads the rows of one.
            for cut in Cut::ALL {
                let mut probes = Vec::new();
                keys::short_probes(&query, 0..=2, |_| true, &mut probes);
                keys::long_probes(&query, cut, |_| true, &mut probes);
                let meets = probes.iter().any(|p| filed.binary_search(p).is_ok());
                let query: String = query.iter().collect();
                assert!(meets, "{query} would not find {stored} ({cut:?})");
            }
            checked += 1;
        }
        assert!(checked > 1_000, "{stored}: {checked}");
    }
}

#[test]
fn short_values_are_filed_by_their_whole_neighbourhood() {
    let mut filed = Vec::new();
    keys::stored(&chars("A8C120450"), &mut filed);
    filed.sort_unstable();
    filed.dedup();
    assert_eq!(filed.len(), deletions(&chars("A8C120450"), 2).len());
}

fn index_of(alerts: &[Alert]) -> KeyIndex {
    let index = KeyIndex::new();
    let changes: Vec<StoreChange<'_>> = alerts.iter().map(StoreChange::Upsert).collect();
    // In a few batches, so that merges run.
    for (i, chunk) in changes.chunks(97).enumerate() {
        index.apply(chunk, i as u64 + 1);
    }
    index
}

/// The alerts whose identifiers the identifier core scores at or above the threshold.
fn oracle(stored: &[Alert], query: &Query) -> Vec<String> {
    let mut ids: Vec<String> = stored
        .iter()
        .filter(|alert| {
            alert.identifiers.iter().any(|entry| {
                let id = parse(&entry.value, Some(entry.kind));
                id.is_indexable() && score(query, &id.normalised) >= DEFAULT_THRESHOLD
            })
        })
        .map(|alert| alert.id.clone())
        .collect();
    ids.sort();
    ids
}

#[test]
fn every_alert_the_scorer_accepts_is_proposed() {
    let mut rng = Rng::new(42);
    let stored = alerts(&mut rng, 1500);
    let index = index_of(&stored);
    for corruption in Corruption::ALL {
        let mut accepted = 0;
        for round in 0..60 {
            let alert = &stored[(round * 37 + 5) % stored.len()];
            let entry = &alert.identifiers[round % alert.identifiers.len()];
            let (raw, kind) = corruption.apply(&mut rng, entry.kind, &entry.value);
            let Ok(query) = Query::parse(&raw, kind) else {
                continue;
            };
            let expected = oracle(&stored, &query);
            accepted += usize::from(expected.contains(&alert.id));
            let found = index.candidates(std::slice::from_ref(&query));
            let missed: Vec<&String> = expected.iter().filter(|id| !found.contains(id)).collect();
            assert!(
                missed.is_empty(),
                "{corruption:?}: {raw:?} ({kind:?}) misses {missed:?} among {} candidates",
                found.len()
            );
        }
        assert!(
            accepted >= 20,
            "{corruption:?}: only {accepted} queries match their alert"
        );
    }
}

#[test]
fn shorter_queries_two_edits_away_are_found() {
    // Misses of the tantivy index (BENCHMARKS.md): two edits, the query shorter.
    let stored = vec![
        alert(
            "NL-1",
            vec![(IdentifierKind::EngineSerial, "14003F-538941".into())],
        ),
        alert(
            "NL-2",
            vec![(IdentifierKind::Container, "MSCU5298701".into())],
        ),
        alert(
            "NL-3",
            vec![(IdentifierKind::Vin, "WAUZZZB13FH077301".into())],
        ),
        alert(
            "NL-4",
            vec![(IdentifierKind::Container, "OOLU 011455 1".into())],
        ),
    ];
    let index = index_of(&stored);
    for (query, id) in [
        ("14003G53941", "NL-1"),
        ("MSCU526801", "NL-2"),
        ("WAUZZZ13FH07301", "NL-3"),
        ("OOLU014554", "NL-4"),
    ] {
        let query = Query::parse(query, None).unwrap();
        let found = index.candidates(std::slice::from_ref(&query));
        assert!(found.contains(&id.to_string()), "{query:?}: {found:?}");
    }
}

#[test]
fn changes_replace_refresh_and_remove() {
    let index = KeyIndex::new();
    let boat = alert("NL-1", vec![(IdentifierKind::Hin, "ABC12345D404".into())]);
    index.apply(&[StoreChange::Upsert(&boat)], 1);
    let query = |raw: &str| index.candidates(&[Query::parse(raw, None).unwrap()]);
    assert_eq!(query("ABC12345D4O4"), ["NL-1"]);

    let mut recovered = boat.clone();
    recovered.status = Status::Recovered;
    index.apply(&[StoreChange::Upsert(&recovered)], 2);
    let mut statuses = Vec::new();
    index.search(&[Query::parse("ABC12345D404", None).unwrap()], |c| {
        statuses.push(c.status());
        ControlFlow::Continue(())
    });
    assert_eq!(statuses, [Status::Recovered]);
    assert_eq!(index.stats().identifiers, 1);

    let renumbered = alert("NL-1", vec![(IdentifierKind::Hin, "XYZ98765E505".into())]);
    index.apply(&[StoreChange::Upsert(&renumbered)], 3);
    assert!(query("ABC12345D404").is_empty());
    assert_eq!(query("XYZ98765E5O5"), ["NL-1"]);
    assert_eq!(index.stats().identifiers, 1);

    index.apply(&[StoreChange::Remove("NL-1")], 4);
    assert!(query("XYZ98765E505").is_empty());
    assert_eq!(index.stats().alerts, 0);
    assert_eq!(index.sequence(), 4);
    index.compact();
    assert!(index.stats().pairs == 0, "{:?}", index.stats());
}

#[test]
fn the_last_change_of_a_batch_wins() {
    let index = KeyIndex::new();
    let first = alert("NL-1", vec![(IdentifierKind::Hin, "ABC12345D404".into())]);
    let second = alert("NL-1", vec![(IdentifierKind::Hin, "XYZ98765E505".into())]);
    index.apply(
        &[StoreChange::Upsert(&first), StoreChange::Upsert(&second)],
        2,
    );
    let found = index.candidates(&[Query::parse("XYZ98765E505", None).unwrap()]);
    assert_eq!(found, ["NL-1"]);
    assert!(
        index
            .candidates(&[Query::parse("ABC12345D404", None).unwrap()])
            .is_empty()
    );
    assert_eq!(index.stats().alerts, 1);
}

#[test]
fn candidates_carry_their_identifiers_pre_parsed() {
    let index = KeyIndex::new();
    let boat = alert(
        "NL-1",
        vec![
            (IdentifierKind::Cin, "NL-ABC12345D404".into()),
            (IdentifierKind::EngineSerial, "UNKNOWN".into()),
            (IdentifierKind::EngineSerial, "6CJ-1013456".into()),
        ],
    );
    index.apply(&[StoreChange::Upsert(&boat)], 1);
    let mut seen = Vec::new();
    index.search(&[Query::parse("6CJ1O13456", None).unwrap()], |c| {
        seen.push(
            c.identifiers()
                .map(|i| (i.ordinal, i.kind, i.normalised.to_string()))
                .collect::<Vec<_>>(),
        );
        ControlFlow::Continue(())
    });
    assert_eq!(
        seen,
        [vec![
            (0, IdentifierKind::Cin, "NLABC12345D404".to_string()),
            (2, IdentifierKind::EngineSerial, "6CJ1013456".to_string()),
        ]]
    );
}

/// A number recorded partly ground off (`?` per unreadable character) is found by the numbers
/// it may have been, with its makers and look-alikes, first and once, whatever else the search
/// finds; one READABLE, or without four readable characters in a row, is kept as before (its
/// wildcards dropped); a change of the alert takes it away.
#[test]
fn numbers_recorded_partly_ground_off_are_found_as_patterns() {
    use sismatch_alert::{IdentifierEntry, Legibility};
    let recorded = |id: &str, value: &str, legibility| {
        let mut hin = IdentifierEntry::new(IdentifierKind::Hin, value);
        hin.legibility = Some(legibility);
        Alert {
            identifiers: vec![hin],
            ..alert(id, Vec::new())
        }
    };
    let index = index_of(&[
        recorded("NL-1", "AB???345D404", Legibility::GroundOff),
        recorded("NL-2", "AB???345D404", Legibility::Readable),
        recorded("NL-3", "A?C?2?4?D?04", Legibility::Partial),
        alert("NL-4", vec![(IdentifierKind::Hin, "ABC12345D404".into())]),
    ]);
    let query = |raw: &str| index.candidates(&[Query::parse(raw, None).unwrap()]);
    assert_eq!(query("ABC12345D404"), ["NL-1", "NL-4"]);
    assert_eq!(query("ABX99345D4O4"), ["NL-1"]);
    assert_eq!(query("NL-ABX99345D404"), ["NL-1"]);
    assert!(query("ZZZ12345D404").is_empty());
    // Kept as `AB345D404`: found within its tolerated edits, as before.
    assert_eq!(query("AB345D404"), ["NL-2"]);
    assert_eq!(query("AC24D04"), ["NL-3"]);
    let mut order = Vec::new();
    index.search(
        &[
            Query::parse("ABC12345D404", None).unwrap(),
            Query::parse("AB9", None).unwrap(),
        ],
        |c| {
            order.push((c.id().to_string(), c.bound().queries));
            ControlFlow::Continue(())
        },
    );
    assert_eq!(order[0], ("NL-1".to_string(), 2), "{order:?}");
    assert_eq!(order.iter().filter(|(id, _)| id == "NL-1").count(), 1);
    let mut seen = Vec::new();
    index.search(&[Query::parse("ABC12345D404", None).unwrap()], |c| {
        if c.id() == "NL-1" {
            seen.extend(c.identifiers().map(|i| i.normalised.to_string()));
        }
        ControlFlow::Continue(())
    });
    assert_eq!(seen, ["AB???345D404"]);

    let readable = recorded("NL-1", "ABC12345D404", Legibility::Readable);
    index.apply(&[StoreChange::Upsert(&readable)], 100);
    assert!(query("ABX99345D404").is_empty());
}

/// Scoring candidates best bound first and stopping at the first bound below the tenth score
/// kept gives the brute-force top ten, and no candidate scores above its bound: for one number
/// and for several (more numbers matched first), with the rows in id order (an index filled
/// from the store), with a crowd appended partly out of id order, and with every row out of
/// order.
#[test]
fn best_bound_first_stops_early_and_loses_nothing() {
    let mut rng = Rng::new(9);
    let mut stored = alerts(&mut rng, 1500);
    // A crowd: many values holding one fragment.
    for n in 0..300 {
        stored.push(alert(
            &format!("NL-C{n:04}"),
            vec![(
                IdentifierKind::Cin,
                format!("NL-BEN{:05}F{}{:02}", n * 7, n % 10, n % 50),
            )],
        ));
    }
    // A dense run of short serials: many values within one edit of each other.
    for n in 0..300 {
        stored.push(alert(
            &format!("NL-D{n:04}"),
            vec![(IdentifierKind::EngineSerial, format!("BAZ1{n:04}"))],
        ));
    }
    let mut searches: Vec<Vec<String>> = [
        "BAZ10150",
        "BAZ19150",
        "BAZ1O1X5",
        "NLBEN",
        "BEN00",
        "BEN007",
        "*BEN0*",
        "BEN00X07F",
        "BEN0O14",
    ]
    .map(|raw| vec![raw.to_string()])
    .into();
    // Several numbers: a crowd with one of its members, with another crowd, with a pattern.
    searches.push(vec!["NLBEN".into(), "NLBEN01750F050".into()]);
    searches.push(vec!["NLBEN01757F151".into(), "BEN00".into()]);
    searches.push(vec!["NLBEN".into(), "*BEN0*".into(), "BEN0O14".into()]);
    // A number of the crowd and a serial of the dense run: closer values fill the answer.
    searches.push(vec!["NLBEN01750F000".into(), "BAZ10150".into()]);
    for round in 0..240 {
        let alert = &stored[(round * 53 + 1) % stored.len()];
        let corruption = Corruption::ALL[round % Corruption::ALL.len()];
        let mut misread = |entry: &sismatch_alert::IdentifierEntry| {
            corruption.apply(&mut rng, entry.kind, &entry.value).0
        };
        let search = if round % 4 == 3 {
            // Every number of the alert, misread, or one with the crowd's fragment.
            let mut all: Vec<String> = alert.identifiers.iter().map(&mut misread).collect();
            if all.len() == 1 {
                all.push("NLBEN".into());
            }
            all
        } else {
            vec![misread(&alert.identifiers[0])]
        };
        searches.push(search);
    }
    top_ten_by_bounds(&stored, &searches, true);
    // The crowd's second half appended before its first: the rows of the second half are in
    // id order, the first half's (the smaller ids) are not.
    let mut straddling = stored.clone();
    straddling[1500..1800].rotate_left(150);
    top_ten_by_bounds(&straddling, &searches, false);
    let mut reversed = stored;
    reversed.reverse();
    top_ten_by_bounds(&reversed, &searches, false);
}

/// [`best_bound_first_stops_early_and_loses_nothing`] for one order of appending `stored`;
/// `ordered`: whether the 300 values holding `NLBEN` were appended in id order, when a search
/// for it checks only the first few.
fn top_ten_by_bounds(stored: &[Alert], searches: &[Vec<String>], ordered: bool) {
    let index = index_of(stored);
    // (numbers matched, combined score, id), best first, as the node ranks.
    type Ranked = (usize, f64, String);
    let rank = |a: &Ranked, b: &Ranked| {
        (b.0.cmp(&a.0))
            .then(b.1.total_cmp(&a.1))
            .then(a.2.cmp(&b.2))
    };
    let scored = |queries: &[Query], alert: &Alert| -> (usize, f64) {
        let best: Vec<f64> = queries
            .iter()
            .map(|query| {
                alert
                    .identifiers
                    .iter()
                    .map(|entry| parse(&entry.value, Some(entry.kind)))
                    .filter(|id| id.is_indexable())
                    .map(|id| score(query, &id.normalised))
                    .fold(0.0, f64::max)
            })
            .filter(|s| *s >= DEFAULT_THRESHOLD)
            .collect();
        let miss: f64 = best.iter().map(|s| 1.0 - s).product();
        (best.len(), 1.0 - miss)
    };
    let by_id: std::collections::HashMap<&str, &Alert> =
        stored.iter().map(|a| (a.id.as_str(), a)).collect();
    for raws in searches {
        let queries: Vec<Query> = raws
            .iter()
            .filter_map(|raw| Query::parse(raw, None).ok())
            .collect();
        if queries.is_empty() {
            continue;
        }
        let mut expected: Vec<Ranked> = stored
            .iter()
            .map(|a| {
                let (hits, score) = scored(&queries, a);
                (hits, score, a.id.clone())
            })
            .filter(|(hits, _, _)| *hits > 0)
            .collect();
        expected.sort_by(rank);
        expected.truncate(10);
        let mut kept: Vec<Ranked> = Vec::new();
        let mut visited = 0;
        crate::search::CHECKED.with(|checked| checked.set(0));
        crate::search::FAR.with(|far| far.set(0));
        index.search(&queries, |candidate| {
            let bound = candidate.bound();
            if kept.len() == 10 {
                let last = &kept[9];
                let below = (bound.queries, bound.score) < (last.0, last.1)
                    || ((bound.queries, bound.score) == (last.0, last.1)
                        && candidate.id() > last.2.as_str());
                if below {
                    return ControlFlow::Break(());
                }
            }
            visited += 1;
            let (hits, actual) = scored(&queries, by_id[candidate.id()]);
            assert!(
                (hits, actual) <= (bound.queries, bound.score),
                "{raws:?}: {} scores {hits} {actual} > {bound:?}",
                candidate.id()
            );
            if hits > 0 {
                kept.push((hits, actual, candidate.id().to_string()));
                kept.sort_by(rank);
                kept.truncate(10);
            }
            ControlFlow::Continue(())
        });
        assert_eq!(kept, expected, "{raws:?}");
        // Ten values within one edit: those two edits away are not looked for.
        if raws == &["BAZ10150"] {
            assert_eq!(crate::search::FAR.with(|far| far.get()), 0, "{raws:?}");
        }
        // One value within one edit, dozens two edits away: the far look-ups' rows are
        // checked in id order only as far as the top ten goes.
        if raws == &["BAZ19150"] {
            let checked = crate::search::CHECKED.with(|checked| checked.get());
            assert_eq!(crate::search::FAR.with(|far| far.get()), 1, "{raws:?}");
            // 49 rows under the far probes; in id order, the first chunk holds the answer.
            let most = if ordered { 32 } else { 49 };
            assert!(checked <= most, "{raws:?}: {checked} checked");
        }
        // Beside another number, the dense serial's are not either: only the other number's
        // far look-ups run in full.
        if raws == &["NLBEN01750F000", "BAZ10150"] {
            assert_eq!(crate::search::FAR.with(|far| far.get()), 1, "{raws:?}");
        }
        // A crowd of ties in id order is checked only as far as the top ten goes, alone or
        // beside another number.
        let checked = crate::search::CHECKED.with(|checked| checked.get());
        let crowded = [&["NLBEN"][..], &["*BEN0*"], &["NLBEN", "NLBEN01750F050"]];
        if crowded.iter().any(|crowd| raws == crowd) {
            assert!(visited < 20, "{raws:?}: {visited} scored of a crowd of 300");
            if ordered {
                assert!(
                    checked <= 64,
                    "{raws:?}: {checked} checked of a crowd of 300"
                );
            } else {
                assert!(
                    checked >= 150,
                    "{raws:?}: {checked} checked, some out of order"
                );
            }
        }
    }
}

/// Values longer than the last gram length class are still found by fragments and patterns.
#[test]
fn long_values_are_found_by_fragments_and_patterns() {
    let long = "XK4Q7ZT9M2RW8V3NP5HJ6CY1FB0GDL"; // 30 characters
    let index = index_of(&[alert("NL-LONG", vec![(IdentifierKind::Other, long.into())])]);
    for query in [
        &long[2..28],
        &long[1..6],
        "*Q7ZT9M2RW8V3NP5HJ6CY1FB0*",
        "XK4Q7ZT9M2RW8V3NP5HJ6CY1F??GDL",
    ] {
        let found = index.candidates(&[Query::parse(query, None).unwrap()]);
        assert_eq!(found, ["NL-LONG"], "{query}");
    }
}

/// A fragment read with one edit is found whichever split its counts choose: crowds of values
/// sharing the target's head, or its tail, make either side of every split common.
#[test]
fn one_edit_fragments_are_found_whatever_the_split() {
    let target = "09002F26809K7";
    let mut stored = vec![alert(
        "NL-T",
        vec![(IdentifierKind::EngineSerial, target.into())],
    )];
    // The head of the target with other tails (enough to move splits away from it), and
    // other heads with its tail.
    for n in 0..400 {
        let head = format!("09002F{:05}Q{}", n * 37 % 100_000, n % 10);
        stored.push(alert(
            &format!("NL-H{n:03}"),
            vec![(IdentifierKind::EngineSerial, head)],
        ));
    }
    for n in 0..120 {
        let tail = format!("{:04}Q{}6809K7", n * 13 % 10_000, n % 7);
        stored.push(alert(
            &format!("NL-T{n:03}"),
            vec![(IdentifierKind::EngineSerial, tail)],
        ));
    }
    let index = index_of(&stored);
    let alphabet = ['0', '9', 'F', 'X'];
    let target = chars(target);
    for len in 8..=12 {
        for start in 0..=target.len() - len {
            let fragment = &target[start..start + len];
            let mut edited = Vec::new();
            for i in 0..len {
                for &c in &alphabet {
                    let mut v = fragment.to_vec();
                    v[i] = c;
                    edited.push(v);
                    let mut v = fragment.to_vec();
                    v.insert(i, c);
                    edited.push(v);
                }
                let mut v = fragment.to_vec();
                v.remove(i);
                edited.push(v);
                edited.extend(swapped(fragment, i));
            }
            for raw in edited {
                let raw: String = raw.into_iter().collect();
                let Ok(query) = Query::parse(&raw, None) else {
                    continue;
                };
                let expected = oracle(&stored, &query);
                let found = index.candidates(std::slice::from_ref(&query));
                let missed: Vec<&String> =
                    expected.iter().filter(|id| !found.contains(id)).collect();
                assert!(missed.is_empty(), "{raw:?} misses {missed:?}");
            }
        }
    }
}
