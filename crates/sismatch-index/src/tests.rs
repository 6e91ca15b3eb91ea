//! Behaviour of the free-text index on real tantivy folders: words are found lower-cased and
//! folded, writes replace and remove, the sequence survives a reopen, an unreadable folder
//! (corrupt, foreign payload, another schema) is rebuilt, a locked one is left alone, and
//! compaction merges the segments while searches and writes go on.

use std::fs;

use sismatch_alert::{Alert, Category, IdentifierEntry, Status};
use sismatch_ident::IdentifierKind;
use tantivy::schema::{STRING, Schema, TEXT};
use tantivy::{Index, TantivyDocument};
use tempfile::TempDir;

use crate::{AlertIndex, CompactionStart, IndexStats, Opened};
use sismatch_alert::StoreChange;

/// An alert of id `id` with one HIN (`ABC12345D404`, never part of its text) and the given
/// description (none when empty).
fn alert(id: &str, description: &str) -> Alert {
    let hin = IdentifierEntry::new(IdentifierKind::Hin, "ABC12345D404");
    Alert {
        description: (!description.is_empty()).then(|| description.to_string()),
        version: 1,
        ..Alert::new(id, "NL", Category::Boat, vec![hin])
    }
}

/// The word that only generated alert `n` has in its description.
fn unique_word(n: usize) -> String {
    format!("tag{n:05}")
}

/// `count` alerts `NL-<n>` whose descriptions share common words and each hold
/// [`unique_word`]`(n)`.
fn generated(count: usize) -> Vec<Alert> {
    const COLOURS: [&str; 4] = ["white", "blue", "red", "grey"];
    const KINDS: [&str; 3] = ["sailing yacht", "motor boat", "rib"];
    (0..count)
        .map(|n| {
            let description = format!(
                "{} {}, {}",
                COLOURS[n % COLOURS.len()],
                KINDS[n % KINDS.len()],
                unique_word(n)
            );
            alert(&format!("NL-{n:07}"), &description)
        })
        .collect()
}

fn open(dir: &TempDir) -> (AlertIndex, Opened) {
    AlertIndex::open(dir.path()).unwrap()
}

fn index_with(alerts: &[Alert]) -> (TempDir, AlertIndex) {
    let dir = TempDir::new().unwrap();
    let (index, opened) = open(&dir);
    assert_eq!(opened, Opened::Created);
    let changes: Vec<StoreChange<'_>> = alerts.iter().map(StoreChange::Upsert).collect();
    index.apply(&changes, 1).unwrap();
    (dir, index)
}

fn search(index: &AlertIndex, text: &str) -> Vec<String> {
    ids(index.text_candidates(text, 10).unwrap())
}

fn ids(found: Vec<(String, f32)>) -> Vec<String> {
    found.into_iter().map(|(id, _)| id).collect()
}

/// An alert of `country` (in its language unless `language` says otherwise) with `description`.
fn written(id: &str, country: &str, language: Option<&str>, description: &str) -> Alert {
    Alert {
        country: country.to_string(),
        language: language.map(str::to_string),
        ..alert(id, description)
    }
}

fn alerts(count: u64) -> IndexStats {
    IndexStats { alerts: count }
}

#[test]
fn free_text_is_lower_cased_and_folded() {
    let mut boat = alert("NL-1", "white Bowrider, blue canopy");
    boat.brand = Some("Bayliner".to_string());
    let bateau = alert("FR-1", "BÂTEAU blanc à moteur, bâche bleue");
    let mut car = alert("DE-1", "Golf, Dachträger");
    car.colour = Some("weiß".to_string());
    car.model = Some("Golf VII".to_string());
    let (_dir, index) = index_with(&[boat, bateau, car]);
    assert_eq!(search(&index, "bowrider"), vec!["NL-1"]);
    assert_eq!(search(&index, "BAYLINER"), vec!["NL-1"]);
    assert_eq!(search(&index, "bateau blanc"), vec!["FR-1"]);
    assert_eq!(search(&index, "bâche"), vec!["FR-1"]);
    assert_eq!(search(&index, "dachtrager"), vec!["DE-1"]);
    assert_eq!(search(&index, "WEISS"), vec!["DE-1"]);
    assert!(search(&index, "catamaran").is_empty());
    assert_eq!(
        ids(index.text_candidates("bowrider", usize::MAX).unwrap()),
        vec!["NL-1"]
    );
    assert!(index.text_candidates("bowrider", 0).unwrap().is_empty());
    assert!(search(&index, " ,; ").is_empty());
    let mut both = search(&index, "blue blanc");
    both.sort();
    assert_eq!(both, vec!["FR-1", "NL-1"]);
}

/// Identifiers are searched by `sismatch-keyindex`: they are not text here.
#[test]
fn identifiers_are_not_text() {
    let (_dir, index) = index_with(&[alert("NL-1", "white rib")]);
    assert_eq!(search(&index, "rib"), vec!["NL-1"]);
    assert!(search(&index, "ABC12345D404").is_empty());
    assert!(search(&index, "abc12345d404").is_empty());
}

#[test]
fn more_words_in_common_rank_first_and_limit_holds() {
    let (_dir, index) = index_with(&[
        alert("NL-1", "white rib"),
        alert("NL-2", "white rib with a yamaha outboard"),
        alert("NL-3", "red kayak"),
    ]);
    let found = search(&index, "yamaha rib");
    assert_eq!(found.first().map(String::as_str), Some("NL-2"), "{found:?}");
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(index.text_candidates("white rib", 1).unwrap().len(), 1);
}

/// Words are compared by their stem in the language of the alert: its country's, or the one it
/// names. The searcher's language is not known: every language's stems are asked.
#[test]
fn words_are_found_by_their_stem_in_the_alerts_language() {
    let (_dir, index) = index_with(&[
        written("DE-1", "DE", None, "weißes Boot aus dem Hafen gestohlen"),
        written("FR-1", "FR", None, "moteur hors-bord volé sur le port"),
        written("BE-1", "BE", Some("fr"), "moteur hors-bord"),
        written("BE-2", "BE", None, "twee boten gestolen"),
        written("PL-1", "PL", None, "biała łódź motorowa"),
    ]);
    assert_eq!(search(&index, "weisse boote hafen"), vec!["DE-1"]);
    assert_eq!(search(&index, "WEISSE"), vec!["DE-1"]);
    let mut french = search(&index, "moteurs hors-bord");
    french.sort();
    assert_eq!(french, vec!["BE-1", "FR-1"]);
    assert_eq!(search(&index, "vole"), vec!["FR-1"]);
    // Belgium's default is Dutch: the singular finds the plural in the alert written in Dutch.
    let mut boats = search(&index, "boot");
    boats.sort();
    assert_eq!(boats, vec!["BE-2", "DE-1"]);
    // No stemmer for Polish: whole words, folded.
    assert_eq!(search(&index, "BIALA lodz"), vec!["PL-1"]);
    assert!(search(&index, "łodzie").is_empty());
}

/// BM25 order: more agreeing words first, among equals the shorter text; a plural finds the
/// singular; `text_scores` gives the same score as the ranking for exactly the alerts asked
/// about.
#[test]
fn text_is_ranked_by_bm25_and_scored_for_given_alerts() {
    let (_dir, index) = index_with(&[
        written("DE-1", "DE", None, "Boot mit Anhänger"),
        written("DE-2", "DE", None, "zwei Boote mit Anhänger"),
        written("DE-3", "DE", None, "Anhänger"),
        written("DE-4", "DE", None, "Wohnwagen"),
    ]);
    let ranked = index.text_candidates("boote anhanger", 10).unwrap();
    assert_eq!(
        ids(ranked.clone()),
        vec!["DE-1", "DE-2", "DE-3"],
        "{ranked:?}"
    );
    assert!(ranked.windows(2).all(|w| w[0].1 > w[1].1), "{ranked:?}");
    let mut asked = index
        .text_scores("boote anhanger", &["DE-3", "DE-1", "DE-4", "XX-9"])
        .unwrap();
    asked.sort_by(|a, b| a.0.cmp(&b.0));
    let expected: Vec<(String, f32)> = ranked
        .iter()
        .filter(|(id, _)| id == "DE-1" || id == "DE-3")
        .cloned()
        .collect();
    assert_eq!(asked.len(), 2, "{asked:?}");
    for ((id, score), (want_id, want)) in asked.iter().zip(&expected) {
        assert_eq!(id, want_id);
        assert!((score - want).abs() < 1e-4, "{id}: {score} vs {want}");
    }
    assert!(index.text_scores("boote", &[]).unwrap().is_empty());
    assert!(index.text_scores(" ", &["DE-1"]).unwrap().is_empty());
}

#[test]
fn upsert_replaces_and_remove_removes() {
    let (_dir, index) = index_with(&[alert("NL-1", "rowing boat"), alert("NL-2", "jetski")]);
    assert_eq!(search(&index, "rowing"), vec!["NL-1"]);
    let replaced = alert("NL-1", "sailing yacht");
    index.apply(&[StoreChange::Upsert(&replaced)], 2).unwrap();
    assert!(search(&index, "rowing").is_empty());
    assert_eq!(search(&index, "sailing"), vec!["NL-1"]);
    assert_eq!(index.stats().unwrap(), alerts(2));

    index.apply(&[StoreChange::Remove("NL-2")], 3).unwrap();
    assert!(search(&index, "jetski").is_empty());
    assert_eq!(search(&index, "yacht"), vec!["NL-1"]);
    assert_eq!(index.stats().unwrap(), alerts(1));
    assert_eq!(index.sequence(), 3);
}

/// An alert without text still has its document: it is counted, and removed like any other.
#[test]
fn alerts_without_text_are_counted_and_removed() {
    let mut withdrawn = alert("NL-2", "");
    withdrawn.status = Status::Withdrawn;
    let (_dir, index) = index_with(&[alert("NL-1", ""), withdrawn, alert("NL-3", "canoe")]);
    assert_eq!(index.stats().unwrap(), alerts(3));
    index
        .apply(
            &[StoreChange::Remove("NL-1"), StoreChange::Remove("NL-2")],
            2,
        )
        .unwrap();
    assert_eq!(index.stats().unwrap(), alerts(1));
    assert_eq!(search(&index, "canoe"), vec!["NL-3"]);
}

#[test]
fn every_status_is_indexed() {
    let mut withdrawn = alert("NL-1", "stolen trailer");
    withdrawn.status = Status::Withdrawn;
    let mut recovered = alert("NL-2", "stolen outboard");
    recovered.status = Status::Recovered;
    let (_dir, index) = index_with(&[withdrawn, recovered]);
    assert_eq!(search(&index, "trailer"), vec!["NL-1"]);
    assert_eq!(search(&index, "outboard"), vec!["NL-2"]);
}

#[test]
fn the_last_upsert_of_a_batch_wins() {
    let first = alert("NL-1", "rowing boat");
    let second = alert("NL-1", "sailing yacht");
    let (_dir, index) = index_with(&[first, second]);
    assert!(search(&index, "rowing").is_empty());
    assert_eq!(search(&index, "sailing"), vec!["NL-1"]);
    assert_eq!(index.stats().unwrap(), alerts(1));
}

#[test]
fn sequence_survives_reopen() {
    let dir = TempDir::new().unwrap();
    {
        let (index, opened) = open(&dir);
        assert_eq!(opened, Opened::Created);
        assert_eq!(index.sequence(), 0);
        let stored = alert("NL-1", "rowing boat");
        index.apply(&[StoreChange::Upsert(&stored)], 17).unwrap();
        index.apply(&[], 18).unwrap();
    }
    let (index, opened) = open(&dir);
    assert_eq!(opened, Opened::Existing);
    assert_eq!(index.sequence(), 18);
    assert_eq!(search(&index, "rowing"), vec!["NL-1"]);
    assert_eq!(index.stats().unwrap(), alerts(1));
}

#[test]
fn a_second_open_of_a_locked_folder_fails_without_wiping() {
    let dir = TempDir::new().unwrap();
    let (index, _) = open(&dir);
    let stored = alert("NL-1", "rowing boat");
    index.apply(&[StoreChange::Upsert(&stored)], 5).unwrap();
    assert!(AlertIndex::open(dir.path()).is_err());
    assert_eq!(search(&index, "rowing"), vec!["NL-1"]);
    drop(index);
    let (index, opened) = open(&dir);
    assert_eq!(opened, Opened::Existing);
    assert_eq!(index.sequence(), 5);
    assert_eq!(search(&index, "rowing"), vec!["NL-1"]);
}

#[test]
fn a_corrupt_folder_is_rebuilt_empty() {
    let dir = TempDir::new().unwrap();
    {
        let (index, _) = open(&dir);
        let stored = alert("NL-1", "rowing boat");
        index.apply(&[StoreChange::Upsert(&stored)], 9).unwrap();
    }
    fs::write(dir.path().join("meta.json"), b"\x00garbage{").unwrap();
    let (index, opened) = open(&dir);
    assert!(matches!(opened, Opened::Rebuilt { .. }), "{opened:?}");
    assert_eq!(index.sequence(), 0);
    assert_eq!(index.stats().unwrap(), IndexStats::default());
    assert!(search(&index, "rowing").is_empty());
    let stored = alert("NL-1", "rowing boat");
    index.apply(&[StoreChange::Upsert(&stored)], 1).unwrap();
    assert_eq!(search(&index, "rowing"), vec!["NL-1"]);
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

/// A folder holding an index of another schema (here like the former one, which also held
/// identifier documents) is not read with this schema: it is wiped and rebuilt empty, and the
/// node replays its store into it.
#[test]
fn an_index_of_another_schema_is_rebuilt() {
    let dir = TempDir::new().unwrap();
    {
        let mut builder = Schema::builder();
        let alert_id = builder.add_text_field("alert_id", STRING);
        let skel = builder.add_text_field("skel", STRING);
        let text = builder.add_text_field("text", TEXT);
        let index = Index::create_in_dir(dir.path(), builder.build()).unwrap();
        let mut writer = index.writer::<TantivyDocument>(15_000_000).unwrap();
        let mut doc = TantivyDocument::default();
        doc.add_text(alert_id, "NL-OLD");
        doc.add_text(skel, "A8C123450404");
        doc.add_text(text, "rowing boat");
        writer.add_document(doc).unwrap();
        let mut prepared = writer.prepare_commit().unwrap();
        prepared.set_payload("42");
        prepared.commit().unwrap();
    }
    let (index, opened) = open(&dir);
    assert!(
        matches!(&opened, Opened::Rebuilt { reason } if reason.contains("schema")),
        "{opened:?}"
    );
    assert_eq!(index.sequence(), 0);
    assert_eq!(index.stats().unwrap(), IndexStats::default());
    assert!(search(&index, "rowing").is_empty());

    let stored = alert("NL-1", "sailing yacht");
    index.apply(&[StoreChange::Upsert(&stored)], 3).unwrap();
    drop(index);
    let (index, opened) = open(&dir);
    assert_eq!(opened, Opened::Existing);
    assert_eq!(index.sequence(), 3);
    assert_eq!(search(&index, "sailing"), vec!["NL-1"]);
}

/// Compaction merges the segments into one while searches and commits go on: searches during
/// the merge see what they saw before, and changes committed during the merge survive it.
#[test]
fn compaction_merges_segments_while_searches_and_writes_go_on() {
    let dir = TempDir::new().unwrap();
    let (index, _) = open(&dir);
    let stored = generated(3000);
    for (n, chunk) in stored.chunks(500).enumerate() {
        let changes: Vec<StoreChange<'_>> = chunk.iter().map(StoreChange::Upsert).collect();
        index.apply(&changes, n as u64 + 1).unwrap();
    }
    // A segment per commit and indexing thread, of which the merge policy may already have
    // merged some (eight of a size) in the background: several remain.
    assert!(index.segments() >= 2, "{} segments", index.segments());
    let probes: Vec<usize> = (2..stored.len()).step_by(97).collect();
    let finds_every_probe = |index: &AlertIndex| {
        for &n in &probes {
            let found = search(index, &unique_word(n));
            assert_eq!(found, vec![stored[n].id.clone()], "{}", unique_word(n));
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
    let replaced = alert(&stored[1].id, "renamed catamaran");
    index
        .apply(
            &[
                StoreChange::Remove(&removed.id),
                StoreChange::Upsert(&replaced),
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
    assert!(search(&index, &unique_word(0)).is_empty());
    assert!(search(&index, &unique_word(1)).is_empty());
    assert_eq!(search(&index, "catamaran"), vec![stored[1].id.clone()]);
    assert_eq!(index.stats().unwrap(), alerts(2999));

    // The merge kept the commit payload.
    drop(index);
    let (index, opened) = open(&dir);
    assert_eq!(opened, Opened::Existing);
    assert_eq!(index.sequence(), 7);
    assert_eq!(index.segments(), 1);
    finds_every_probe(&index);
}
