//! The index schema and the document an alert becomes.
//!
//! One document per alert, whatever its status (the node filters after fetching):
//! - `alert_id`: the alert id, indexed raw so that one `delete_term` removes the alert's
//!   document, and a fast column from which searches read the ids of their hits (`ids.rs`);
//! - `text`: the brand, model, colour and description, analysed by [`TEXT_ANALYZER`].
//!
//! Identifiers are not in this index: `sismatch-keyindex` searches them, in memory. An index
//! folder written with another schema (such as the former one, with identifier documents) does
//! not open with this one and is rebuilt from the store (`AlertIndex::open`).

use sismatch_alert::Alert;
use tantivy::schema::{FAST, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};
use tantivy::{Index, TantivyDocument, Term};

/// Name of the analyser of the free-text field: words split on anything that is not a letter or
/// a digit, lower-cased and folded to ASCII, so that `BÂTEAU` finds `bateau`.
pub(crate) const TEXT_ANALYZER: &str = "sismatch_folded";

/// Name of the alert id field (also its fast column).
pub(crate) const ALERT_ID: &str = "alert_id";

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    /// The alert id: indexed raw (to delete an alert's document) and a fast column (to read the
    /// ids of hits).
    pub alert_id: Field,
    /// The free text: brand, model, colour and description.
    pub text: Field,
}

impl Fields {
    /// Builds the schema and its fields.
    pub(crate) fn schema() -> (Schema, Fields) {
        let mut builder = Schema::builder();
        let alert_id = builder.add_text_field(ALERT_ID, keyword() | FAST);
        let text_indexing = TextFieldIndexing::default()
            .set_tokenizer(TEXT_ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqs);
        let text = builder.add_text_field(
            "text",
            TextOptions::default().set_indexing_options(text_indexing),
        );
        (builder.build(), Fields { alert_id, text })
    }

    /// The term that names the document of alert `id`.
    pub(crate) fn alert_term(&self, id: &str) -> Term {
        Term::from_field_text(self.alert_id, id)
    }

    /// The document that stands for `alert`: its id and its non-blank free text. An alert
    /// without text still has its document, so that it is counted and deleted like any other.
    pub(crate) fn document(&self, alert: &Alert) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(self.alert_id, &alert.id);
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
        doc
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

/// Registers the analysers the schema names; needed on every open, tantivy does not persist them.
pub(crate) fn register_analyzers(index: &Index) {
    let analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(64))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    index.tokenizers().register(TEXT_ANALYZER, analyzer);
}
