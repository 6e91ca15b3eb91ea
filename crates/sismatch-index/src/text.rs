//! Free-text search: words of the brand, model, colour and description of alert documents,
//! ranked by BM25.
//!
//! The query's language is not known, so its words are analysed once per text field (plain,
//! then each language's stems: `weisse Boote` asks `text` for `weisse`, `boote`, `text_de` for
//! `weiss`, `boot`, `text_fr` for its own stems ...); a document's text is in one field, so it
//! scores by the words of its own language's analysis.

use std::collections::BTreeSet;
use std::sync::Arc;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery, TermSetQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Index, Searcher, Term};

use crate::error::Result;
use crate::ids::SegmentIds;
use crate::schema::{ALERT_ID, Fields};

/// One search's view of the index: what `candidates` and `scores` need.
pub(crate) struct View<'a> {
    pub index: &'a Index,
    pub searcher: &'a Searcher,
    pub fields: &'a Fields,
    pub tables: &'a [Option<Arc<SegmentIds>>],
}

impl View<'_> {
    /// Alert ids whose text holds words of `text`, with their BM25 score, best first, at most
    /// `limit`.
    pub(crate) fn candidates(&self, text: &str, limit: usize) -> Result<Vec<(String, f32)>> {
        let Some(words) = self.words(text)? else {
            return Ok(Vec::new());
        };
        self.top(words, limit)
    }

    /// The BM25 score of `text` for each of the alerts `ids` whose text holds words of it (the
    /// others are left out), in no particular order.
    pub(crate) fn scores(&self, text: &str, ids: &[&str]) -> Result<Vec<(String, f32)>> {
        let Some(words) = self.words(text)? else {
            return Ok(Vec::new());
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let only = TermSetQuery::new(ids.iter().map(|id| self.fields.alert_term(id)));
        // The filter adds nothing to the score: it only keeps the documents of `ids`.
        let only: Box<dyn Query> = Box::new(ConstScoreQuery::new(Box::new(only), 0.0));
        let query = BooleanQuery::new(vec![(Occur::Must, words), (Occur::Must, only)]);
        self.top(Box::new(query), ids.len())
    }

    /// The query of `text`'s words in every text field, each analysed as the field is; `None`
    /// when the text has no word.
    fn words(&self, text: &str) -> Result<Option<Box<dyn Query>>> {
        let mut terms = BTreeSet::new();
        for field in self.fields.text_fields() {
            let mut analyzer = self.index.tokenizer_for_field(field)?;
            let mut stream = analyzer.token_stream(text);
            while stream.advance() {
                terms.insert(Term::from_field_text(field, &stream.token().text));
            }
        }
        if terms.is_empty() {
            return Ok(None);
        }
        let clauses: Vec<(Occur, Box<dyn Query>)> = terms
            .into_iter()
            .map(|term| {
                let query: Box<dyn Query> =
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
                (Occur::Should, query)
            })
            .collect();
        Ok(Some(Box::new(BooleanQuery::new(clauses))))
    }

    /// The best `limit` documents of `query`, as alert ids with their score.
    fn top(&self, query: Box<dyn Query>, limit: usize) -> Result<Vec<(String, f32)>> {
        // The collector reserves room for `limit` hits: never more than there are documents.
        let limit = limit.min(self.searcher.num_docs() as usize);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let top = self
            .searcher
            .search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        let mut found = Vec::with_capacity(top.len());
        for (score, address) in top {
            if let Some(id) = self.alert_id(address)? {
                found.push((id, score));
            }
        }
        Ok(found)
    }

    /// The alert id of a document: from its segment's table, or else from the column.
    fn alert_id(&self, address: DocAddress) -> Result<Option<String>> {
        if let Some(Some(table)) = self.tables.get(address.segment_ord as usize) {
            return Ok(table.get(address.doc_id).map(str::to_string));
        }
        let reader = self.searcher.segment_reader(address.segment_ord);
        let Some(column) = reader.fast_fields().str(ALERT_ID)? else {
            return Ok(None);
        };
        let Some(ord) = column.term_ords(address.doc_id).next() else {
            return Ok(None);
        };
        let mut id = String::new();
        Ok(column.ord_to_str(ord, &mut id)?.then_some(id))
    }
}
