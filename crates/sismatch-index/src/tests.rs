//! Behaviour of the index on real tantivy folders: every corruption of DESIGN §3 is found,
//! writes replace and remove, the sequence survives a reopen, a corrupt folder is rebuilt.

use std::fs;

use sismatch_alert::{Alert, Status};
use sismatch_ident::{DEFAULT_THRESHOLD, IdentifierKind, Query, parse, score};
use tempfile::TempDir;

use crate::testkit::{Corruption, Rng, alert, alerts};
use crate::{AlertIndex, CompactionStart, IndexChange, IndexStats, Opened};

fn open(dir: &TempDir) -> (AlertIndex, Opened) {
    AlertIndex::open(dir.path()).unwrap()
}

fn index_with(alerts: &[Alert]) -> (TempDir, AlertIndex) {
    let dir = TempDir::new().unwrap();
    let (index, opened) = open(&dir);
    assert_eq!(opened, Opened::Created);
    let changes: Vec<IndexChange<'_>> = alerts.iter().map(IndexChange::Upsert).collect();
    index.apply(&changes, 1).unwrap();
    (dir, index)
}

fn search(index: &AlertIndex, raw: &str, kind: Option<IdentifierKind>) -> Vec<String> {
    let query = Query::parse(raw, kind).unwrap();
    index.candidates(&[query], 200).unwrap()
}

fn one(id: &str, kind: IdentifierKind, value: &str) -> Alert {
    alert(id, vec![(kind, value.to_string())])
}

/// The examples of DESIGN §3, and the short serials a trigram prefilter loses.
#[test]
fn finds_the_design_examples() {
    use IdentifierKind::*;
    let mut rng = Rng::new(11);
    let mut stored = alerts(&mut rng, 300);
    stored.push(one("NL-HIN", Hin, "ABC12345D404"));
    stored.push(one("NL-CIN", Cin, "NL-XYZ98765B303"));
    stored.push(one("NL-ENGINE", EngineSerial, "6CJ-1013456"));
    stored.push(one("NL-SHORT", SerialNumber, "K83921"));
    stored.push(one("NL-SHORT7", FrameNumber, "WTU4711"));
    stored.push(one("NL-IMO", Imo, "IMO 9074729"));
    let (_dir, index) = index_with(&stored);
    #[rustfmt::skip]
    let cases: &[(&str, Option<IdentifierKind>, &str)] = &[
        ("abc-12345 d4 04", None, "NL-HIN"),
        ("ABCI2345D4O4", None, "NL-HIN"),
        ("ABC12354D404", None, "NL-HIN"),
        ("A8C12354D4O4", None, "NL-HIN"),
        ("ABC1234XD4O4", None, "NL-HIN"),
        ("XBC12354D404", None, "NL-HIN"),
        ("2345D4", None, "NL-HIN"),
        ("*2345D4*", None, "NL-HIN"),
        ("ABC123??D404", None, "NL-HIN"),
        ("??Z98765B303", None, "NL-CIN"),
        ("XYZ987??B303", None, "NL-CIN"),
        ("*45D404", None, "NL-HIN"),
        ("A??12345D404", None, "NL-HIN"),
        ("*C1?345*", None, "NL-HIN"),
        ("K8?9?1", None, "NL-SHORT"),
        ("?83921", None, "NL-SHORT"),
        ("NL-ABC12345D404", None, "NL-HIN"),
        ("NL-ABC1245D404", None, "NL-HIN"),
        ("ABC12345D404", Some(EngineSerial), "NL-HIN"),
        ("XYZ98765B303", Some(Hin), "NL-CIN"),
        ("XYZ9876SB3O3", None, "NL-CIN"),
        ("6CJ1O13456", Some(Hin), "NL-ENGINE"),
        ("6CJ1013465", None, "NL-ENGINE"),
        ("K38921", None, "NL-SHORT"),
        ("K8392", None, "NL-SHORT"),
        ("X83912", None, "NL-SHORT"),
        ("K839211", None, "NL-SHORT"),
        ("WUT4171", None, "NL-SHORT7"),
        ("9074729", Some(Imo), "NL-IMO"),
        ("IMO 9074729", None, "NL-IMO"),
        ("IM0 9074729", None, "NL-IMO"),
        ("9O74729", Some(Imo), "NL-IMO"),
    ];
    for &(raw, kind, id) in cases {
        let found = search(&index, raw, kind);
        assert!(
            found.iter().any(|f| f == id),
            "{raw} should find {id}, got {found:?}"
        );
    }
}

/// For every corruption kind, every query the scorer accepts finds its alert: the index is a
/// candidate generator, and a candidate it misses is a match the officer never sees.
#[test]
fn every_corruption_the_scorer_accepts_is_found() {
    let mut rng = Rng::new(42);
    let stored = alerts(&mut rng, 400);
    let (_dir, index) = index_with(&stored);
    for corruption in Corruption::ALL {
        let (mut accepted, mut tried) = (0, 0);
        for round in 0..80 {
            let alert = &stored[(round * 37 + 5) % stored.len()];
            let entry = &alert.identifiers[round % alert.identifiers.len()];
            let (raw, kind) = corruption.apply(&mut rng, entry.kind, &entry.value);
            let Ok(query) = Query::parse(&raw, kind) else {
                continue;
            };
            tried += 1;
            let normalised = parse(&entry.value, Some(entry.kind)).normalised;
            if score(&query, &normalised) < DEFAULT_THRESHOLD {
                continue;
            }
            accepted += 1;
            let found = index.candidates(&[query], 200).unwrap();
            assert!(
                found.contains(&alert.id),
                "{corruption:?}: {raw:?} ({kind:?}) for {} {:?} not among {} candidates",
                alert.id,
                entry.value,
                found.len()
            );
        }
        assert!(
            accepted * 2 >= tried,
            "{corruption:?}: only {accepted} of {tried} corrupted queries match at all"
        );
    }
}

#[test]
fn upsert_replaces_and_remove_removes() {
    use IdentifierKind::*;
    let (_dir, index) = index_with(&[
        one("NL-1", Hin, "ABC12345D404"),
        one("NL-2", EngineSerial, "6CJ-1013456"),
    ]);
    let replaced = one("NL-1", Hin, "QRS67890E505");
    index.apply(&[IndexChange::Upsert(&replaced)], 2).unwrap();
    assert!(search(&index, "ABC12345D404", None).is_empty());
    assert_eq!(search(&index, "QRS67890E505", None), vec!["NL-1"]);
    assert_eq!(
        index.stats().unwrap(),
        IndexStats {
            alerts: 2,
            identifiers: 2
        }
    );

    index.apply(&[IndexChange::Remove("NL-2")], 3).unwrap();
    assert!(search(&index, "6CJ1013456", None).is_empty());
    assert!(search(&index, "*1013456", None).is_empty());
    assert_eq!(
        index.stats().unwrap(),
        IndexStats {
            alerts: 1,
            identifiers: 1
        }
    );
    assert_eq!(index.sequence(), 3);
}

#[test]
fn the_last_upsert_of_a_batch_wins() {
    let first = one("NL-1", IdentifierKind::Hin, "ABC12345D404");
    let second = one("NL-1", IdentifierKind::Hin, "QRS67890E505");
    let (_dir, index) = index_with(&[first, second]);
    assert!(search(&index, "ABC12345D404", None).is_empty());
    assert_eq!(search(&index, "QRS67890E505", None), vec!["NL-1"]);
}

#[test]
fn every_status_is_indexed_and_each_alert_returned_once() {
    let mut withdrawn = alert(
        "NL-1",
        vec![
            (IdentifierKind::Hin, "ABC12345D404".to_string()),
            (IdentifierKind::Hin, "abc 12345 d404".to_string()),
            (IdentifierKind::EngineSerial, "UNKNOWN".to_string()),
        ],
    );
    withdrawn.status = Status::Withdrawn;
    let (_dir, index) = index_with(&[withdrawn]);
    assert_eq!(search(&index, "ABC12345D404", None), vec!["NL-1"]);
    assert_eq!(search(&index, "ABC12345D4O4", None), vec!["NL-1"]);
    assert_eq!(
        index.stats().unwrap(),
        IndexStats {
            alerts: 1,
            identifiers: 2
        }
    );
}

#[test]
fn several_identifiers_agreeing_rank_first_and_limit_holds() {
    use IdentifierKind::*;
    let (_dir, index) = index_with(&[
        one("NL-1", Hin, "ABC12345D404"),
        alert(
            "NL-2",
            vec![
                (Hin, "ABC12345D405".to_string()),
                (EngineSerial, "6CJ1013456".to_string()),
            ],
        ),
    ]);
    let queries = [
        Query::parse("ABC12345D40X", None).unwrap(),
        Query::parse("6CJ1013456", None).unwrap(),
    ];
    assert_eq!(
        index.candidates(&queries, 10).unwrap(),
        vec!["NL-2", "NL-1"]
    );
    assert_eq!(index.candidates(&queries, 1).unwrap().len(), 1);
    assert!(index.candidates(&queries, 0).unwrap().is_empty());
}

#[test]
fn sequence_survives_reopen() {
    let dir = TempDir::new().unwrap();
    {
        let (index, opened) = open(&dir);
        assert_eq!(opened, Opened::Created);
        assert_eq!(index.sequence(), 0);
        let stored = one("NL-1", IdentifierKind::Hin, "ABC12345D404");
        index.apply(&[IndexChange::Upsert(&stored)], 17).unwrap();
        index.apply(&[], 18).unwrap();
    }
    let (index, opened) = open(&dir);
    assert_eq!(opened, Opened::Existing);
    assert_eq!(index.sequence(), 18);
    assert_eq!(search(&index, "ABC12345D404", None), vec!["NL-1"]);
}

#[test]
fn a_second_open_of_a_locked_folder_fails_without_wiping() {
    let dir = TempDir::new().unwrap();
    let (index, _) = open(&dir);
    let stored = one("NL-1", IdentifierKind::Hin, "ABC12345D404");
    index.apply(&[IndexChange::Upsert(&stored)], 5).unwrap();
    assert!(AlertIndex::open(dir.path()).is_err());
    assert_eq!(search(&index, "ABC12345D404", None), vec!["NL-1"]);
}

#[test]
fn a_corrupt_folder_is_rebuilt_empty() {
    let dir = TempDir::new().unwrap();
    {
        let (index, _) = open(&dir);
        let stored = one("NL-1", IdentifierKind::Hin, "ABC12345D404");
        index.apply(&[IndexChange::Upsert(&stored)], 9).unwrap();
    }
    fs::write(dir.path().join("meta.json"), b"\x00garbage{").unwrap();
    let (index, opened) = open(&dir);
    assert!(matches!(opened, Opened::Rebuilt { .. }), "{opened:?}");
    assert_eq!(index.sequence(), 0);
    assert_eq!(index.stats().unwrap(), IndexStats::default());
    assert!(search(&index, "ABC12345D404", None).is_empty());
    let stored = one("NL-1", IdentifierKind::Hin, "ABC12345D404");
    index.apply(&[IndexChange::Upsert(&stored)], 1).unwrap();
    assert_eq!(search(&index, "ABC12345D404", None), vec!["NL-1"]);
}

#[test]
fn a_foreign_payload_is_rebuilt() {
    let dir = TempDir::new().unwrap();
    drop(open(&dir));
    let meta = fs::read_to_string(dir.path().join("meta.json")).unwrap();
    let meta = meta.replacen(
        "\"opstamp\"",
        "\"payload\": \"not a number\", \"opstamp\"",
        1,
    );
    fs::write(dir.path().join("meta.json"), meta).unwrap();
    let (index, opened) = open(&dir);
    assert!(
        matches!(&opened, Opened::Rebuilt { reason } if reason.contains("payload")),
        "{opened:?}"
    );
    assert_eq!(index.sequence(), 0);
}

#[test]
fn free_text_is_lower_cased_and_folded() {
    let mut boat = one("NL-1", IdentifierKind::Hin, "ABC12345D404");
    boat.brand = Some("Bayliner".to_string());
    boat.description = Some("white Bowrider, blue canopy".to_string());
    let mut bateau = one("FR-1", IdentifierKind::Hin, "QRS67890E505");
    bateau.description = Some("BÂTEAU blanc à moteur, bâche bleue".to_string());
    let mut car = one("DE-1", IdentifierKind::Vin, "WVWZZZ1JZXW000001");
    car.colour = Some("weiß".to_string());
    car.description = Some("Golf, Dachträger".to_string());
    let (_dir, index) = index_with(&[boat, bateau, car]);
    assert_eq!(index.text_candidates("bowrider", 10).unwrap(), vec!["NL-1"]);
    assert_eq!(index.text_candidates("BAYLINER", 10).unwrap(), vec!["NL-1"]);
    assert_eq!(
        index.text_candidates("bateau blanc", 10).unwrap(),
        vec!["FR-1"]
    );
    assert_eq!(index.text_candidates("bâche", 10).unwrap(), vec!["FR-1"]);
    assert_eq!(
        index.text_candidates("dachtrager", 10).unwrap(),
        vec!["DE-1"]
    );
    assert!(index.text_candidates("catamaran", 10).unwrap().is_empty());
    assert_eq!(
        index.text_candidates("bowrider", usize::MAX).unwrap(),
        vec!["NL-1"]
    );
    assert!(index.text_candidates("bowrider", 0).unwrap().is_empty());
    assert!(index.text_candidates(" ,; ", 10).unwrap().is_empty());
    let both = index.text_candidates("blue blanc", 10).unwrap();
    assert_eq!(both.len(), 2, "{both:?}");
}

/// Real VINs share their first characters (maker, model) by the thousand: a range of the
/// dictionary that large is walked with an automaton instead of read, and still finds them.
#[test]
fn a_prefix_shared_by_many_values_is_walked() {
    let mut rng = Rng::new(3);
    let stored: Vec<Alert> = (0..600)
        .map(|n| {
            let serial: String = (0..6).map(|_| rng.pick("0123456789")).collect();
            one(
                &format!("DE-{n}"),
                IdentifierKind::Vin,
                &format!("WVWZZZ1JZXW{serial}"),
            )
        })
        .collect();
    let (_dir, index) = index_with(&stored);
    for alert in stored.iter().step_by(50) {
        let value = &alert.identifiers[0].value;
        let chars: Vec<char> = value.chars().collect();
        // Two substitutions in the serial: only the first two thirds are intact.
        let mut serial = chars.clone();
        serial[13] = 'X';
        serial[15] = 'Y';
        // One edit at each end: only the (shared) middle third is intact.
        let mut ends = chars.clone();
        ends[1] = 'X';
        ends.remove(15);
        for query in [serial, ends] {
            let raw: String = query.iter().collect();
            let found = search(&index, &raw, None);
            assert!(found.contains(&alert.id), "{raw} should find {value}");
        }
    }
}

/// Compaction merges the segments into one while searches and commits go on: searches during
/// the merge see what they saw before, and changes committed during the merge survive it.
#[test]
fn compaction_merges_segments_while_searches_and_writes_go_on() {
    let dir = TempDir::new().unwrap();
    let (index, _) = open(&dir);
    let mut rng = Rng::new(5);
    let stored = alerts(&mut rng, 3000);
    for (n, chunk) in stored.chunks(500).enumerate() {
        let changes: Vec<IndexChange<'_>> = chunk.iter().map(IndexChange::Upsert).collect();
        index.apply(&changes, n as u64 + 1).unwrap();
    }
    // A segment per commit and indexing thread; the merge policy merges only from eight of
    // a size, and the commits are too small for it.
    assert!(index.segments() >= 6, "{} segments", index.segments());
    let probes: Vec<&Alert> = stored.iter().skip(2).step_by(97).collect();
    let finds_every_probe = |index: &AlertIndex| {
        for alert in &probes {
            let value = &alert.identifiers[0].value;
            let found = search(index, value, None);
            assert!(
                found.contains(&alert.id),
                "{value} should find {}",
                alert.id
            );
        }
    };
    finds_every_probe(&index);

    // Six commits: a background merge of eight of their segments may be running.
    let mut compaction = loop {
        match index.start_compaction().unwrap() {
            CompactionStart::Started(compaction) => break compaction,
            CompactionStart::Busy => finds_every_probe(&index),
            CompactionStart::Compact => panic!("several segments to merge"),
        }
    };
    finds_every_probe(&index);
    // Committed during the merge: one alert removed, one replaced.
    let removed = &stored[0];
    let replaced = one(&stored[1].id, IdentifierKind::Hin, "QRS67890E505");
    index
        .apply(
            &[
                IndexChange::Remove(&removed.id),
                IndexChange::Upsert(&replaced),
            ],
            7,
        )
        .unwrap();
    while !compaction.is_finished() {
        finds_every_probe(&index);
    }
    let done = index.finish_compaction(compaction).unwrap();
    assert!(done.segments_before >= 2, "{done:?}");
    // The merged segment, and those committed during the merge.
    let during = done.segments_after - 1;
    assert!((1..=2).contains(&during), "{done:?}");
    index.compact().unwrap();
    assert_eq!(index.segments(), 1);
    assert!(matches!(
        index.start_compaction().unwrap(),
        CompactionStart::Compact
    ));

    finds_every_probe(&index);
    let gone = search(&index, &removed.identifiers[0].value, None);
    assert!(!gone.contains(&removed.id), "{gone:?}");
    let old = search(&index, &stored[1].identifiers[0].value, None);
    assert!(!old.contains(&stored[1].id), "{old:?}");
    assert_eq!(
        search(&index, "QRS67890E505", None),
        vec![stored[1].id.clone()]
    );
    assert_eq!(index.stats().unwrap().alerts, 2999);

    // The merge kept the commit payload.
    drop(index);
    let (index, opened) = open(&dir);
    assert_eq!(opened, Opened::Existing);
    assert_eq!(index.sequence(), 7);
    assert_eq!(index.segments(), 1);
}
