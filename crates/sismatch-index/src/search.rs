//! Candidate generation for identifier queries (DESIGN §3): which alerts might match, for the
//! node to fetch and score.
//!
//! Per value query, in order of cost:
//! 1. **exact** skeleton look-ups of the whole value, of its key and of the value without a
//!    droppable head: separators, case, look-alikes and prefixes collapse here. When these
//!    alone fill the limit, nothing else runs.
//! 2. **fuzzy** ([`crate::fuzzy`]): every whole value within the edits the scorer tolerates
//!    for the longer of query and stored value, two from 4 characters on, found exactly: no
//!    two-edit match of a short serial is lost to a prefilter.
//! 3. **fragments** (5 characters or more): gram phrases of the skeleton, for values stored
//!    inside longer ones; from [`MIN_EDITED_FRAGMENT`] characters also each half alone, since
//!    the scorer tolerates one edit in such fragments and one half is then intact.
//!
//! Patterns are planned by [`crate::pattern`].

use std::sync::Arc;

use sismatch_ident::{Identifier, Query, skeleton};
use tantivy::Searcher;

use crate::error::Result;
use crate::fuzzy::fuzzy;
use crate::gather::{Gather, StoredLen};
use crate::ids::SegmentIds;
use crate::pattern::{self, gram_query};
use crate::schema::{Fields, covering_grams, whole_value_skeletons};

/// The shortest fragment searched inside longer values (DESIGN §3, `MIN_FRAGMENT` of the scorer).
const MIN_FRAGMENT: usize = 5;

/// The shortest fragment searched with an edit. The scorer tolerates one from 8 characters,
/// but halves of fewer than 5 characters occur in too many values to be worth reading.
const MIN_EDITED_FRAGMENT: usize = 10;

/// A half of an edited fragment found in more identifiers than this is not used: it says
/// little, and reading that many alert ids would cost more than the rest of the search.
const MAX_HALF_HITS: usize = 1000;

/// A value query, prepared.
struct ValueProbe {
    /// Skeletons of the whole value: of the key, the normalised form and without a head.
    whole: Vec<Vec<char>>,
    /// Skeleton of the normalised form, searched as a fragment.
    fragment: Vec<char>,
}

impl ValueProbe {
    fn new(value: &Identifier) -> Self {
        let chars = |s: &str| s.chars().collect::<Vec<char>>();
        ValueProbe {
            whole: whole_value_skeletons(&value.key, &value.normalised)
                .iter()
                .map(|s| chars(s))
                .collect(),
            fragment: chars(&skeleton(&value.normalised)),
        }
    }
}

/// Candidate alert ids for `queries`, at most `limit`, best first.
pub(crate) fn candidates(
    searcher: &Searcher,
    fields: &Fields,
    tables: Vec<Option<Arc<SegmentIds>>>,
    queries: &[Query],
    limit: usize,
) -> Result<Vec<String>> {
    if limit == 0 || queries.is_empty() {
        return Ok(Vec::new());
    }
    let probes: Vec<Option<ValueProbe>> = queries
        .iter()
        .map(|query| match query {
            Query::Value(value) => Some(ValueProbe::new(value)),
            Query::Pattern(_) => None,
        })
        .collect();
    let mut gather = Gather::new(searcher, *fields, tables);
    for (index, probe) in probes.iter().enumerate() {
        for whole in probe.iter().flat_map(|p| &p.whole) {
            let text: String = whole.iter().collect();
            gather.exact(index, &text)?;
        }
    }
    if gather.len() >= limit {
        return gather.into_alert_ids(limit);
    }
    for (index, (query, probe)) in queries.iter().zip(&probes).enumerate() {
        match (query, probe) {
            (_, Some(probe)) => {
                for whole in &probe.whole {
                    fuzzy(&mut gather, index, whole)?;
                }
                fragments(&mut gather, fields, index, &probe.fragment)?;
            }
            (Query::Pattern(pattern), None) => {
                let search = pattern::plan(fields, pattern)?;
                gather.matching(index, search.query.as_ref(), |len| search.proxy(len))?;
            }
            (Query::Value(_), None) => {}
        }
    }
    gather.into_alert_ids(limit)
}

/// Values that hold the fragment `skel`, exactly or, from [`MIN_EDITED_FRAGMENT`] characters,
/// with one half intact.
pub(crate) fn fragments(
    gather: &mut Gather<'_>,
    fields: &Fields,
    index: usize,
    skel: &[char],
) -> Result<()> {
    let len = skel.len();
    if len < MIN_FRAGMENT {
        return Ok(());
    }
    // A fragment is found only inside a longer value: equal lengths are whole-value matches.
    let proxy = |weight: f32| {
        move |stored: StoredLen| {
            stored.may_exceed(len).then(|| {
                let coverage = len as f32 / stored.estimate().max(len + 1) as f32;
                0.5 + weight * coverage
            })
        }
    };
    if let Some(query) = gram_query(fields, covering_grams(skel)) {
        gather.matching(index, query.as_ref(), proxy(0.4))?;
    }
    if len >= MIN_EDITED_FRAGMENT {
        let (left, right) = skel.split_at(len / 2);
        for half in [left, right] {
            if let Some(query) = gram_query(fields, covering_grams(half)) {
                gather.matching_at_most(index, query.as_ref(), MAX_HALF_HITS, proxy(0.3))?;
            }
        }
    }
    Ok(())
}
