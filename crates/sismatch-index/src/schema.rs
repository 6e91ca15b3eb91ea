//! The index schema and the documents an alert becomes.
//!
//! Two kinds of document share the `alert_id` field, so that one `delete_term` removes an alert
//! entirely:
//! - one **alert document** per alert (`entry` = `alert`), carrying the free text (brand, model,
//!   colour, description), analysed by [`TEXT_ANALYZER`];
//! - one **identifier document** per indexable identifier (`entry` = `identifier`), carrying its
//!   whole-value skeletons (`skel`), the same reversed (`rskel`), for short values their
//!   deletion neighbourhood (`dels`), for long values a rotation (`mid`), and the positioned
//!   3-grams of its skeleton (`grams`). [`crate::fuzzy`] says what each is for.

use std::collections::BTreeSet;

use sismatch_alert::Alert;
use sismatch_ident::{parse, skeleton, without_droppable_head};
use tantivy::schema::{FAST, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, PreTokenizedString, RemoveLongFilter, SimpleTokenizer,
    TextAnalyzer, Token,
};
use tantivy::{Index, TantivyDocument, Term};

/// Name of the analyser of the free-text field: words split on anything that is not a letter or
/// a digit, lower-cased and folded to ASCII, so that `BÂTEAU` finds `bateau`.
pub(crate) const TEXT_ANALYZER: &str = "sismatch_folded";

/// Length of the n-grams of the `grams` field.
pub(crate) const GRAM: usize = 3;

/// The longest whole-value skeletons whose deletion neighbourhood is indexed (`dels`): every
/// value within two edits of a query of up to 7 characters is this short. Longer would cost
/// index size and import time (a 9-character value already has 46 variants).
pub(crate) const SHORT_STORED: usize = 9;

/// The shortest whole-value skeletons found through their thirds (`mid`, and prefixes and
/// suffixes of `skel` and `rskel`): from here on every third has at least 3 characters.
pub(crate) const LONG_STORED: usize = SHORT_STORED + 1;

/// Name of the alert id field (also its fast column).
pub(crate) const ALERT_ID: &str = "alert_id";

/// Ends the deleted variant in a `dels` term, before the skeleton it comes from. Sorts before
/// every character of a skeleton, so that the terms of one variant form one range.
pub(crate) const VARIANT_END: char = '\u{1}';

/// Value of the `entry` field of an alert document.
pub(crate) const ALERT_ENTRY: &str = "alert";
/// Value of the `entry` field of an identifier document.
pub(crate) const IDENTIFIER_ENTRY: &str = "identifier";

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    /// The alert id: indexed raw (to delete an alert's documents) and a fast column (to read the
    /// id of a matching document without touching the document store).
    pub alert_id: Field,
    /// What a document stands for: [`ALERT_ENTRY`] or [`IDENTIFIER_ENTRY`].
    pub entry: Field,
    /// Skeletons of an identifier's whole value: of the key, of the normalised form and without
    /// a droppable head. Exact and fuzzy look-ups, anchored patterns.
    pub skel: Field,
    /// The `skel` terms reversed: look-ups by the end of a value.
    pub rskel: Field,
    /// For `skel` terms of at most [`SHORT_STORED`] characters, every string obtained by deleting
    /// up to two characters, followed by [`VARIANT_END`] and the term itself: two-edit look-ups
    /// of short queries, verified on the term without touching documents.
    pub dels: Field,
    /// For `skel` terms of at least [`LONG_STORED`] characters, the term rotated to start at its
    /// second third, then [`VARIANT_END`] and its first third: look-ups by the middle.
    pub mid: Field,
    /// Positioned 3-grams of the skeleton of the normalised form: fragments and patterns. Its
    /// field norm is the number of grams, which gives the stored length.
    pub grams: Field,
    /// Free text of the alert document.
    pub text: Field,
}

impl Fields {
    /// Builds the schema and its fields.
    pub(crate) fn schema() -> (Schema, Fields) {
        let mut builder = Schema::builder();
        let alert_id = builder.add_text_field(ALERT_ID, keyword() | FAST);
        let entry = builder.add_text_field("entry", keyword());
        let skel = builder.add_text_field("skel", keyword());
        let rskel = builder.add_text_field("rskel", keyword());
        let dels = builder.add_text_field("dels", keyword());
        let mid = builder.add_text_field("mid", keyword());
        let grams_indexing = TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let grams = builder.add_text_field(
            "grams",
            TextOptions::default().set_indexing_options(grams_indexing),
        );
        let text_indexing = TextFieldIndexing::default()
            .set_tokenizer(TEXT_ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqs);
        let text = builder.add_text_field(
            "text",
            TextOptions::default().set_indexing_options(text_indexing),
        );
        let fields = Fields {
            alert_id,
            entry,
            skel,
            rskel,
            dels,
            mid,
            grams,
            text,
        };
        (builder.build(), fields)
    }

    /// The term that names all documents of alert `id`.
    pub(crate) fn alert_term(&self, id: &str) -> Term {
        Term::from_field_text(self.alert_id, id)
    }

    /// The documents that stand for `alert`: its alert document, then one per indexable
    /// identifier. Every alert is indexed whatever its status: the node filters after fetching.
    pub(crate) fn documents(&self, alert: &Alert) -> Vec<TantivyDocument> {
        let mut docs = Vec::with_capacity(1 + alert.identifiers.len());
        let mut doc = TantivyDocument::default();
        doc.add_text(self.alert_id, &alert.id);
        doc.add_text(self.entry, ALERT_ENTRY);
        let texts = [
            &alert.brand,
            &alert.model,
            &alert.colour,
            &alert.description,
        ];
        for text in texts.into_iter().flatten() {
            if !text.trim().is_empty() {
                doc.add_text(self.text, text);
            }
        }
        docs.push(doc);
        for entry in &alert.identifiers {
            let id = parse(&entry.value, Some(entry.kind));
            if !id.is_indexable() {
                continue;
            }
            let mut doc = TantivyDocument::default();
            doc.add_text(self.alert_id, &alert.id);
            doc.add_text(self.entry, IDENTIFIER_ENTRY);
            let mut variants = BTreeSet::new();
            for term in whole_value_skeletons(&id.key, &id.normalised) {
                let chars: Vec<char> = term.chars().collect();
                if chars.len() <= SHORT_STORED {
                    for variant in deletions(&chars, 2) {
                        variants.insert(format!("{variant}{VARIANT_END}{term}"));
                    }
                }
                if chars.len() >= LONG_STORED {
                    doc.add_text(self.mid, rotation(&chars));
                }
                doc.add_text(self.rskel, chars.iter().rev().collect::<String>());
                doc.add_text(self.skel, term);
            }
            if !variants.is_empty() {
                doc.add_pre_tokenized_text(self.dels, keywords(variants));
            }
            let chars: Vec<char> = skeleton(&id.normalised).chars().collect();
            if chars.len() >= GRAM {
                doc.add_pre_tokenized_text(self.grams, pre_tokenized_grams(&chars));
            }
            docs.push(doc);
        }
        docs
    }
}

/// A field of whole terms, indexed as they are, without positions or field norms.
fn keyword() -> TextOptions {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer("raw")
        .set_fieldnorms(false)
        .set_index_option(IndexRecordOption::Basic);
    TextOptions::default().set_indexing_options(indexing)
}

/// Whole terms as one pre-tokenized value: many terms without a tokenizer run for each.
fn keywords(terms: BTreeSet<String>) -> PreTokenizedString {
    let tokens = terms
        .into_iter()
        .enumerate()
        .map(|(position, text)| Token {
            offset_from: 0,
            offset_to: 0,
            position,
            text,
            position_length: 1,
        })
        .collect();
    PreTokenizedString {
        text: String::new(),
        tokens,
    }
}

/// Registers the analysers the schema names; needed on every open, tantivy does not persist them.
pub(crate) fn register_analyzers(index: &Index) {
    let analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(64))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    index.tokenizers().register(TEXT_ANALYZER, analyzer);
}

/// The skeletons under which a whole value is looked up, deduplicated: of the key, of the
/// normalised form, and of the normalised form without a droppable head (a CIN country code,
/// `IMO`), so that a value stored with a prefix is found by a query without, and the reverse.
pub(crate) fn whole_value_skeletons(key: &str, normalised: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    out.insert(skeleton(key));
    out.insert(skeleton(normalised));
    if let Some(rest) = without_droppable_head(normalised) {
        out.insert(skeleton(rest));
    }
    out.retain(|s| !s.is_empty());
    out
}

/// Where the thirds of a skeleton of `len` characters start: the second and the third.
pub(crate) fn thirds(len: usize) -> (usize, usize) {
    (len / 3, 2 * len / 3)
}

/// The `mid` term of a long skeleton: from its second third to the end, [`VARIANT_END`], then
/// its first third.
pub(crate) fn rotation(chars: &[char]) -> String {
    let (second, _) = thirds(chars.len());
    rotation_at(chars, second)
}

/// `chars` from `cut` to the end, [`VARIANT_END`], then the characters before `cut`.
pub(crate) fn rotation_at(chars: &[char], cut: usize) -> String {
    let cut = cut.min(chars.len());
    let mut out: String = chars[cut..].iter().collect();
    out.push(VARIANT_END);
    out.extend(&chars[..cut]);
    out
}

/// Every string obtained from `chars` by deleting at most `max` characters, `chars` included.
pub(crate) fn deletions(chars: &[char], max: usize) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    out.insert(chars.iter().collect::<String>());
    let mut frontier = vec![chars.to_vec()];
    for _ in 0..max {
        let mut next = Vec::new();
        for word in &frontier {
            for skip in 0..word.len() {
                let shorter: Vec<char> = word
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != skip)
                    .map(|(_, c)| *c)
                    .collect();
                if out.insert(shorter.iter().collect()) {
                    next.push(shorter);
                }
            }
        }
        frontier = next;
    }
    out
}

/// The overlapping 3-grams of a skeleton, at positions 0, 1, 2, ...
fn pre_tokenized_grams(chars: &[char]) -> PreTokenizedString {
    let text: String = chars.iter().collect();
    let mut tokens = Vec::with_capacity(chars.len().saturating_sub(GRAM - 1));
    let mut offset = 0;
    for (position, window) in chars.windows(GRAM).enumerate() {
        let gram: String = window.iter().collect();
        let first = window.first().map_or(0, |c| c.len_utf8());
        tokens.push(Token {
            offset_from: offset,
            offset_to: offset + gram.len(),
            position,
            text: gram,
            position_length: 1,
        });
        offset += first;
    }
    PreTokenizedString { text, tokens }
}

/// The grams of `chars` needed to pin down the whole run: every third one, and the last, with
/// their offsets from the start of the run. Empty for runs shorter than a gram.
pub(crate) fn covering_grams(chars: &[char]) -> Vec<(usize, String)> {
    if chars.len() < GRAM {
        return Vec::new();
    }
    let last = chars.len() - GRAM;
    let mut starts: Vec<usize> = (0..=last).step_by(GRAM).collect();
    if starts.last() != Some(&last) {
        starts.push(last);
    }
    starts
        .into_iter()
        .map(|start| (start, chars[start..start + GRAM].iter().collect()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_that_officers_drop() {
        assert_eq!(
            without_droppable_head("NLABC12345D404"),
            Some("ABC12345D404")
        );
        assert_eq!(without_droppable_head("NLABC1245D404"), Some("ABC1245D404"));
        assert_eq!(without_droppable_head("IMO9074729"), Some("9074729"));
        assert_eq!(without_droppable_head("1M09074729"), Some("9074729"));
        assert_eq!(without_droppable_head("ABC12345D404"), None);
        assert_eq!(without_droppable_head("XXABC12345D404"), None);
    }

    #[test]
    fn whole_value_terms() {
        let terms = whole_value_skeletons("ABC12345D404", "NLABC12345D404");
        let expected: BTreeSet<String> = ["A8C123450404", "N1A8C123450404"]
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(terms, expected);
    }

    #[test]
    fn covering_grams_pin_every_character() {
        let chars: Vec<char> = "2345D4".chars().collect();
        assert_eq!(
            covering_grams(&chars),
            vec![(0, "234".to_string()), (3, "5D4".to_string())]
        );
        let chars: Vec<char> = "ABC12".chars().collect();
        assert_eq!(
            covering_grams(&chars),
            vec![(0, "ABC".to_string()), (2, "C12".to_string())]
        );
        assert!(covering_grams(&['A', 'B']).is_empty());
    }

    #[test]
    fn deletion_neighbourhoods() {
        let chars: Vec<char> = "ABC".chars().collect();
        let all: Vec<String> = deletions(&chars, 2).into_iter().collect();
        assert_eq!(all, ["A", "AB", "ABC", "AC", "B", "BC", "C"]);
        let chars: Vec<char> = "AAB".chars().collect();
        assert_eq!(deletions(&chars, 1).len(), 3);
    }

    #[test]
    fn grams_are_positioned() {
        let chars: Vec<char> = "ABCD".chars().collect();
        let grams = pre_tokenized_grams(&chars);
        let texts: Vec<(&str, usize)> = grams
            .tokens
            .iter()
            .map(|t| (t.text.as_str(), t.position))
            .collect();
        assert_eq!(texts, vec![("ABC", 0), ("BCD", 1)]);
    }
}
