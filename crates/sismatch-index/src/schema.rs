//! The index schema and the document an alert becomes.
//!
//! One document per alert, whatever its status (the node filters after fetching):
//! - `alert_id`: the alert id, indexed raw so that one `delete_term` removes the alert's
//!   document, and a fast column from which searches read the ids of their hits (`ids.rs`);
//! - `text_<code>` (`text_de`, `text_fr`, ...): the brand, model, colour and description of an
//!   alert written in a language tantivy has a stemmer for, each word reduced to its stem by
//!   that language's rules once folded to ASCII (`Boote`, `Boot` → `boot`);
//! - `text`: the same of an alert in any other language (Polish, Czech, the Baltic languages
//!   ...): whole words, lower-cased and folded ([`FOLDED`]).
//!
//! Why one field per language: tantivy analyses a field with one analyser, and a document's
//! language decides its stems; the query's language is not known (a Dutch officer searches a
//! German alert), so a search analyses its words once per field and asks each. An alert's text
//! is in one field only: a second, plain copy of every text would let exact word forms score
//! on top of stems, but it doubled the postings a search walks, and BM25's pruning gives up on
//! words most descriptions share (`gestolen`): a four-word text search at 1 M alerts took 20
//! ms with the copy, 11 without.
//!
//! Identifiers are not in this index: `sismatch-keyindex` searches them, in memory. An index
//! folder written with another schema (such as the former one without language fields) does
//! not open with this one and is rebuilt from the store (`AlertIndex::open`).

use sismatch_alert::Alert;
use tantivy::schema::{FAST, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer,
};
use tantivy::{Index, TantivyDocument, Term};

/// Name of the analyser of the plain text field: words split on anything that is not a letter
/// or a digit, lower-cased and folded to ASCII, so that `BÂTEAU` finds `bateau`.
const FOLDED: &str = "sismatch_folded";

/// Name of the alert id field (also its fast column).
pub(crate) const ALERT_ID: &str = "alert_id";

/// The languages (ISO 639-1) whose words are reduced to stems, with tantivy's stemmer for each:
/// every EU or Schengen language tantivy has one for.
const STEMMED: [(&str, Language); 14] = [
    ("da", Language::Danish),
    ("de", Language::German),
    ("el", Language::Greek),
    ("en", Language::English),
    ("es", Language::Spanish),
    ("fi", Language::Finnish),
    ("fr", Language::French),
    ("hu", Language::Hungarian),
    ("it", Language::Italian),
    ("nl", Language::Dutch),
    ("no", Language::Norwegian),
    ("pt", Language::Portuguese),
    ("ro", Language::Romanian),
    ("sv", Language::Swedish),
];

/// The fields of the schema.
#[derive(Debug, Clone)]
pub(crate) struct Fields {
    /// The alert id: indexed raw (to delete an alert's document) and a fast column (to read the
    /// ids of hits).
    pub alert_id: Field,
    /// The free text (brand, model, colour and description), folded, of the alerts in a
    /// language without a stemmer.
    pub text: Field,
    /// The free text reduced to stems, one field per stemmed language, in [`STEMMED`] order.
    pub stemmed: Vec<Field>,
}

impl Fields {
    /// Builds the schema and its fields.
    pub(crate) fn schema() -> (Schema, Fields) {
        let mut builder = Schema::builder();
        let alert_id = builder.add_text_field(ALERT_ID, keyword() | FAST);
        let text = builder.add_text_field("text", analysed(FOLDED));
        let stemmed = STEMMED
            .iter()
            .map(|(code, _)| {
                builder.add_text_field(&format!("text_{code}"), analysed(&analyser(code)))
            })
            .collect();
        (
            builder.build(),
            Fields {
                alert_id,
                text,
                stemmed,
            },
        )
    }

    /// The term that names the document of alert `id`.
    pub(crate) fn alert_term(&self, id: &str) -> Term {
        Term::from_field_text(self.alert_id, id)
    }

    /// Every field that holds free text: the plain one, then the stemmed ones.
    pub(crate) fn text_fields(&self) -> impl Iterator<Item = Field> + '_ {
        std::iter::once(self.text).chain(self.stemmed.iter().copied())
    }

    /// The document that stands for `alert`: its id and its non-blank free text, in the
    /// stemmed field of its language, or else in the plain one. An alert without text still
    /// has its document, so that it is counted and deleted like any other.
    pub(crate) fn document(&self, alert: &Alert) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(self.alert_id, &alert.id);
        let field = alert
            .text_language()
            .and_then(|language| STEMMED.iter().position(|(code, _)| *code == language))
            .map_or(self.text, |i| self.stemmed[i]);
        let texts = [
            &alert.brand,
            &alert.model,
            &alert.colour,
            &alert.description,
        ];
        for text in texts.into_iter().flatten() {
            if !text.trim().is_empty() {
                doc.add_text(field, text);
            }
        }
        doc
    }
}

/// A free-text field analysed by `analyser`, with term frequencies and field norms for BM25.
fn analysed(analyser: &str) -> TextOptions {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(analyser)
        .set_index_option(IndexRecordOption::WithFreqs);
    TextOptions::default().set_indexing_options(indexing)
}

/// Name of the stemming analyser of language `code`.
fn analyser(code: &str) -> String {
    format!("sismatch_stem_{code}")
}

/// A field of whole terms, indexed as they are, without positions or field norms.
fn keyword() -> TextOptions {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer("raw")
        .set_fieldnorms(false)
        .set_index_option(IndexRecordOption::Basic);
    TextOptions::default().set_indexing_options(indexing)
}

/// Registers the analysers the schema names; needed on every open, tantivy does not persist them.
///
/// Words are folded before they are stemmed: an officer types `weiss`, `vole`, `camion` for
/// `weiß`, `volé`, `camión`, and a stemmer that saw the accents on one side only could cut the
/// two apart (the Dutch one keeps `weiß` and cuts `weiss` to `weis`). Folded first, both sides
/// reach the same stem, at the price of the few rules a stemmer has for accented endings.
pub(crate) fn register_analyzers(index: &Index) {
    let folded = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(64))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    index.tokenizers().register(FOLDED, folded);
    for (code, language) in STEMMED {
        let stemming = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(64))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(language))
            .build();
        index.tokenizers().register(&analyser(code), stemming);
    }
}
