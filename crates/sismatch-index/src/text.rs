//! Free-text candidates: words of the brand, model, colour and description of alert documents,
//! lower-cased and folded to ASCII (`BÂTEAU` finds `bateau`), ranked by BM25.

use std::collections::BTreeSet;
use std::sync::Arc;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Index, Searcher, Term};

use crate::error::Result;
use crate::ids::SegmentIds;
use crate::schema::{ALERT_ID, Fields};

/// Alert ids whose text holds words of `text`, best first, at most `limit`.
pub(crate) fn candidates(
    index: &Index,
    searcher: &Searcher,
    fields: &Fields,
    tables: &[Option<Arc<SegmentIds>>],
    text: &str,
    limit: usize,
) -> Result<Vec<String>> {
    // The collector reserves room for `limit` hits: never more than there are documents.
    let limit = limit.min(searcher.num_docs() as usize);
    if limit == 0 {
        return Ok(Vec::new());
    }
    let mut analyzer = index.tokenizer_for_field(fields.text)?;
    let mut stream = analyzer.token_stream(text);
    let mut words = BTreeSet::new();
    while stream.advance() {
        words.insert(stream.token().text.clone());
    }
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let clauses: Vec<(Occur, Box<dyn Query>)> = words
        .iter()
        .map(|word| {
            let term = Term::from_field_text(fields.text, word);
            let query: Box<dyn Query> =
                Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
            (Occur::Should, query)
        })
        .collect();
    let query = BooleanQuery::new(clauses);
    let top = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
    let mut ids = Vec::with_capacity(top.len());
    for (_, address) in top {
        if let Some(id) = alert_id(searcher, tables, address)? {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// The alert id of a document: from its segment's table, or else from the column.
fn alert_id(
    searcher: &Searcher,
    tables: &[Option<Arc<SegmentIds>>],
    address: DocAddress,
) -> Result<Option<String>> {
    if let Some(Some(table)) = tables.get(address.segment_ord as usize) {
        return Ok(table.get(address.doc_id).map(str::to_string));
    }
    let reader = searcher.segment_reader(address.segment_ord);
    let Some(column) = reader.fast_fields().str(ALERT_ID)? else {
        return Ok(None);
    };
    let Some(ord) = column.term_ords(address.doc_id).next() else {
        return Ok(None);
    };
    let mut id = String::new();
    Ok(column.ord_to_str(ord, &mut id)?.then_some(id))
}
