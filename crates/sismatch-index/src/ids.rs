//! Alert ids of documents, without a dictionary look-up per candidate.
//!
//! The `alert_id` fast column is dictionary-encoded: reading one id decodes part of a
//! dictionary block, a few microseconds, which adds up to most of a search that returns a few
//! hundred candidates. [`IdCache`] is a tantivy [`Warmer`]: when a searcher over new segments is
//! published, it first builds for each new segment a table from document to id (about 20 bytes
//! per alert), and drops the tables of segments no searcher uses any more.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use tantivy::columnar::StrColumn;
use tantivy::index::SegmentId;
use tantivy::{DocId, Searcher, SearcherGeneration, SegmentReader, Warmer};
use tracing::warn;

use crate::schema::ALERT_ID;

/// No id for this document (cannot happen for documents this crate writes).
const NO_ORD: u32 = u32::MAX;

/// The alert ids of one segment.
pub(crate) struct SegmentIds {
    /// Per document, the ordinal of its id.
    doc_ords: Vec<u32>,
    /// Per ordinal, where its id ends in `text` (and the previous one's end is its start).
    ends: Vec<u32>,
    /// All ids of the segment, concatenated in ordinal order.
    text: String,
}

impl SegmentIds {
    fn build(column: &StrColumn, max_doc: DocId) -> std::io::Result<SegmentIds> {
        let mut text = String::new();
        let mut ends = Vec::with_capacity(column.num_terms());
        let mut stream = column.dictionary().stream()?;
        while stream.advance() {
            text.push_str(&String::from_utf8_lossy(stream.key()));
            ends.push(text.len() as u32);
        }
        let doc_ords = (0..max_doc)
            .map(|doc| {
                column
                    .term_ords(doc)
                    .next()
                    .map_or(NO_ORD, |ord| ord as u32)
            })
            .collect();
        Ok(SegmentIds {
            doc_ords,
            ends,
            text,
        })
    }

    /// The alert id of `doc`.
    pub(crate) fn get(&self, doc: DocId) -> Option<&str> {
        let ord = *self.doc_ords.get(doc as usize)? as usize;
        let end = *self.ends.get(ord)? as usize;
        let start = match ord {
            0 => 0,
            _ => *self.ends.get(ord - 1)? as usize,
        };
        self.text.get(start..end)
    }
}

/// The id tables of the segments of live searchers.
#[derive(Default)]
pub(crate) struct IdCache {
    segments: RwLock<HashMap<SegmentId, Arc<SegmentIds>>>,
}

impl IdCache {
    /// The tables for the segments of `searcher`, in segment order; `None` for a segment not
    /// warmed (the caller reads the column instead).
    pub(crate) fn tables(&self, searcher: &Searcher) -> Vec<Option<Arc<SegmentIds>>> {
        let Ok(segments) = self.segments.read() else {
            return vec![None; searcher.segment_readers().len()];
        };
        searcher
            .segment_readers()
            .iter()
            .map(|reader| segments.get(&reader.segment_id()).cloned())
            .collect()
    }

    fn build(reader: &SegmentReader) -> tantivy::Result<Option<SegmentIds>> {
        let Some(column) = reader.fast_fields().str(ALERT_ID)? else {
            return Ok(None);
        };
        Ok(Some(SegmentIds::build(&column, reader.max_doc())?))
    }
}

impl Warmer for IdCache {
    fn warm(&self, searcher: &Searcher) -> tantivy::Result<()> {
        for reader in searcher.segment_readers() {
            let id = reader.segment_id();
            let known = self
                .segments
                .read()
                .map(|segments| segments.contains_key(&id))
                .unwrap_or(true);
            if known {
                continue;
            }
            match Self::build(reader) {
                Ok(Some(table)) => {
                    if let Ok(mut segments) = self.segments.write() {
                        segments.insert(id, Arc::new(table));
                    }
                }
                Ok(None) => {}
                // Searches fall back to the column: slower, not wrong.
                Err(err) => {
                    warn!(segment = %id.short_uuid_string(), error = %err, "alert id table not built")
                }
            }
        }
        Ok(())
    }

    fn garbage_collect(&self, live_generations: &[&SearcherGeneration]) {
        let live: HashSet<&SegmentId> = live_generations
            .iter()
            .flat_map(|generation| generation.segments().keys())
            .collect();
        if let Ok(mut segments) = self.segments.write() {
            segments.retain(|id, _| live.contains(id));
        }
    }
}
