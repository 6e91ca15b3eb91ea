//! Gathering candidate documents from several look-ups, each hit with a *proxy score* that
//! estimates the identifier core's score from what the index knows (the edit distance between
//! skeletons, the share of the stored value a fragment covers), and turning the best of them into
//! deduplicated alert ids.
//!
//! The proxy only orders candidates before the limit cuts the list; the node scores every
//! candidate with `sismatch_ident::score` and decides the final ranking.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use tantivy::columnar::StrColumn;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::TermInfo;
use tantivy::query::{EnableScoring, Query};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocId, InvertedIndexReader, Searcher, SegmentReader, TERMINATED};

use crate::error::Result;
use crate::ids::SegmentIds;
use crate::schema::{ALERT_ID, Fields, GRAM};

/// Field norms above this are stored approximately by tantivy: lengths derived from them are
/// lower bounds only.
const EXACT_FIELD_NORM: usize = 40;

/// The length of a stored value, known or at least.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StoredLen {
    /// Exactly this many characters.
    Exact(usize),
    /// This many characters or more (long values, or values too short for grams).
    AtLeast(usize),
}

impl StoredLen {
    /// Whether the stored value may be exactly `len` characters long.
    pub(crate) fn may_be(self, len: usize) -> bool {
        match self {
            StoredLen::Exact(n) => n == len,
            StoredLen::AtLeast(n) => len >= n,
        }
    }

    /// Whether the stored value may be longer than `len` characters.
    pub(crate) fn may_exceed(self, len: usize) -> bool {
        match self {
            StoredLen::Exact(n) => n > len,
            StoredLen::AtLeast(_) => true,
        }
    }

    /// A length to compute coverage with.
    pub(crate) fn estimate(self) -> usize {
        match self {
            StoredLen::Exact(n) | StoredLen::AtLeast(n) => n,
        }
    }
}

/// Per-segment readers opened on first use.
struct SegmentCache {
    /// The id column, read when the segment has no id table.
    ids: Option<StrColumn>,
    grams: Option<FieldNormReader>,
}

/// Candidate documents of one `candidates` call, per query, with their best proxy score.
pub(crate) struct Gather<'a> {
    searcher: &'a Searcher,
    fields: Fields,
    /// `(query index, document)` → best proxy.
    hits: HashMap<(usize, DocAddress), f32>,
    cache: Vec<Option<SegmentCache>>,
    tables: Vec<Option<Arc<SegmentIds>>>,
}

impl<'a> Gather<'a> {
    /// An empty gathering over `searcher`, whose alert ids are in `tables` where warmed.
    pub(crate) fn new(
        searcher: &'a Searcher,
        fields: Fields,
        tables: Vec<Option<Arc<SegmentIds>>>,
    ) -> Self {
        let segments = searcher.segment_readers().len();
        Gather {
            searcher,
            fields,
            hits: HashMap::new(),
            cache: (0..segments).map(|_| None).collect(),
            tables,
        }
    }

    /// How many documents were gathered so far.
    pub(crate) fn len(&self) -> usize {
        self.hits.len()
    }

    fn add(&mut self, query: usize, doc: DocAddress, proxy: f32) {
        match self.hits.entry((query, doc)) {
            Entry::Occupied(mut best) => {
                if proxy > *best.get() {
                    best.insert(proxy);
                }
            }
            Entry::Vacant(slot) => {
                slot.insert(proxy);
            }
        }
    }

    /// The searcher gathered from.
    pub(crate) fn searcher(&self) -> &'a Searcher {
        self.searcher
    }

    /// The schema's fields.
    pub(crate) fn fields(&self) -> &Fields {
        &self.fields
    }

    /// Adds the live documents of one term of `inverted`, a field of `reader`.
    pub(crate) fn add_postings(
        &mut self,
        query: usize,
        segment: u32,
        reader: &SegmentReader,
        inverted: &InvertedIndexReader,
        info: &TermInfo,
        proxy: f32,
    ) -> Result<()> {
        let mut postings =
            inverted.read_block_postings_from_terminfo(info, IndexRecordOption::Basic)?;
        loop {
            let docs = postings.docs();
            if docs.is_empty() {
                return Ok(());
            }
            for &doc in docs {
                if !reader.is_deleted(doc) {
                    self.add(query, DocAddress::new(segment, doc), proxy);
                }
            }
            postings.advance();
        }
    }

    /// Identifiers whose whole skeleton is exactly `skel`.
    pub(crate) fn exact(&mut self, query: usize, skel: &str) -> Result<()> {
        let searcher = self.searcher;
        for (segment, reader) in searcher.segment_readers().iter().enumerate() {
            let inverted = reader.inverted_index(self.fields.skel)?;
            if let Some(info) = inverted.terms().get(skel.as_bytes())? {
                self.add_postings(query, segment as u32, reader, &inverted, &info, 1.0)?;
            }
        }
        Ok(())
    }

    /// Documents matching `q`, each scored by `proxy` from its stored length (`None` rejects).
    pub(crate) fn matching(
        &mut self,
        query: usize,
        q: &dyn Query,
        proxy: impl Fn(StoredLen) -> Option<f32>,
    ) -> Result<()> {
        self.matching_at_most(query, q, usize::MAX, proxy)
    }

    /// Like [`Gather::matching`], but adds nothing when more than `max` documents match.
    pub(crate) fn matching_at_most(
        &mut self,
        query: usize,
        q: &dyn Query,
        max: usize,
        proxy: impl Fn(StoredLen) -> Option<f32>,
    ) -> Result<()> {
        let searcher = self.searcher;
        let weight = q.weight(EnableScoring::disabled_from_searcher(searcher))?;
        let mut found = Vec::new();
        for (segment, reader) in searcher.segment_readers().iter().enumerate() {
            let mut scorer = weight.scorer(reader, 1.0)?;
            let mut doc = scorer.doc();
            while doc != TERMINATED {
                if !reader.is_deleted(doc) {
                    if found.len() >= max {
                        return Ok(());
                    }
                    let len = self.stored_len(segment, reader, doc)?;
                    if let Some(score) = proxy(len) {
                        found.push((DocAddress::new(segment as u32, doc), score));
                    }
                }
                doc = scorer.advance();
            }
        }
        for (doc, score) in found {
            self.add(query, doc, score);
        }
        Ok(())
    }

    fn segment_cache(&mut self, segment: usize, reader: &SegmentReader) -> Result<&SegmentCache> {
        let grams = self.fields.grams;
        let slot = &mut self.cache[segment];
        Ok(match slot {
            Some(cache) => cache,
            None => slot.insert(SegmentCache {
                ids: reader.fast_fields().str(ALERT_ID)?,
                grams: reader.fieldnorms_readers().get_field(grams)?,
            }),
        })
    }

    /// The length of the stored identifier of `doc`, from the field norm of its grams.
    fn stored_len(
        &mut self,
        segment: usize,
        reader: &SegmentReader,
        doc: DocId,
    ) -> Result<StoredLen> {
        let cache = self.segment_cache(segment, reader)?;
        let grams = cache.grams.as_ref().map_or(0, |norms| norms.fieldnorm(doc)) as usize;
        Ok(match grams {
            0 => StoredLen::AtLeast(0),
            n if n > EXACT_FIELD_NORM => StoredLen::AtLeast(n + GRAM - 1),
            n => StoredLen::Exact(n + GRAM - 1),
        })
    }

    /// The alert id of a document.
    fn alert_id(&mut self, doc: DocAddress, out: &mut String) -> Result<bool> {
        if let Some(Some(table)) = self.tables.get(doc.segment_ord as usize) {
            out.clear();
            out.push_str(table.get(doc.doc_id).unwrap_or_default());
            return Ok(!out.is_empty());
        }
        let searcher = self.searcher;
        let segment = doc.segment_ord as usize;
        let reader = searcher.segment_reader(doc.segment_ord);
        let cache = self.segment_cache(segment, reader)?;
        let Some(ids) = &cache.ids else {
            return Ok(false);
        };
        let Some(ord) = ids.term_ords(doc.doc_id).next() else {
            return Ok(false);
        };
        Ok(ids.ord_to_str(ord, out)?)
    }

    /// The alert ids of the best documents, at most `limit`: documents are taken by decreasing
    /// proxy until `limit` alerts are found, then alerts are ordered by the sum over queries of
    /// their best proxy, so that an alert found by several identifiers comes first.
    pub(crate) fn into_alert_ids(mut self, limit: usize) -> Result<Vec<String>> {
        let mut hits: Vec<((usize, DocAddress), f32)> = self.hits.drain().collect();
        hits.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then_with(|| a.0.1.segment_ord.cmp(&b.0.1.segment_ord))
                .then_with(|| a.0.1.doc_id.cmp(&b.0.1.doc_id))
                .then_with(|| a.0.0.cmp(&b.0.0))
        });
        // id → (first seen rank, best proxy per query).
        let mut alerts: HashMap<String, (usize, HashMap<usize, f32>)> = HashMap::new();
        let mut id = String::new();
        for ((query, doc), proxy) in hits {
            if !self.alert_id(doc, &mut id)? {
                continue;
            }
            let rank = alerts.len();
            if rank >= limit && !alerts.contains_key(&id) {
                break;
            }
            let (_, per_query) = alerts
                .entry(id.clone())
                .or_insert_with(|| (rank, HashMap::new()));
            let best = per_query.entry(query).or_insert(proxy);
            *best = best.max(proxy);
        }
        let mut ranked: Vec<(String, usize, f32)> = alerts
            .into_iter()
            .map(|(id, (rank, per_query))| (id, rank, per_query.values().sum()))
            .collect();
        ranked.sort_by(|a, b| b.2.total_cmp(&a.2).then_with(|| a.1.cmp(&b.1)));
        Ok(ranked.into_iter().map(|(id, _, _)| id).collect())
    }
}
