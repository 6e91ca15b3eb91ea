//! Wildcard patterns (`ABC123??D404`, `*2345D4*`) as index queries.
//!
//! The identifier core matches a pattern's literal characters exactly or as look-alikes, so the
//! index works on skeletons throughout. Two ways, cheapest first:
//! - a pattern that starts with at least [`ANCHOR`] literal characters is a regular expression
//!   over the whole-value skeletons: the term dictionary is walked only under that prefix, and
//!   the answer is exact;
//! - otherwise its literal runs of 3 or more characters become gram phrases, with the offsets
//!   that `?` wildcards fix between runs; runs separated by `*` are required independently.
//!   This is a superset: shorter runs are not checked here, the scorer checks them.
//!
//! A pattern with neither (say `*AB?CD*`) falls back to a regular expression over the whole
//! dictionary, which is slow but rare.

use sismatch_ident::skeleton_char;
use tantivy::Term;
use tantivy::query::{BooleanQuery, PhraseQuery, Query, RegexQuery, TermQuery};
use tantivy::schema::IndexRecordOption;

use crate::gather::StoredLen;
use crate::schema::{Fields, covering_grams};

/// Literal characters at the start of a pattern from which a regular expression over the term
/// dictionary is cheap.
const ANCHOR: usize = 3;

/// Lengths of the heads a stored value may carry before what a pattern describes: none, a
/// country code, `IMO`.
const HEADS: [usize; 3] = [0, 2, 3];

/// A pattern turned into an index query, with what is known of the values it can match.
pub(crate) struct PatternSearch {
    /// The query.
    pub query: Box<dyn Query>,
    /// Whether `query` checks the whole pattern (a regular expression) or only a superset.
    pub exact: bool,
    /// Number of literal (non-wildcard) characters.
    pub literals: usize,
    /// Characters the pattern pins: literals and `?`.
    pub pinned: usize,
    /// Whether the pattern has a `*`, so that matching values may be longer than `pinned`.
    pub open: bool,
}

impl PatternSearch {
    /// The proxy score of a value of `len` characters found by this pattern, `None` when its
    /// length rules it out. Shaped like the identifier core's fragment score.
    pub(crate) fn proxy(&self, len: StoredLen) -> Option<f32> {
        if !self.exact {
            // The scorer also matches a pattern against the stored value without a droppable
            // head (a CIN country code, `IMO`).
            let fits = if self.open {
                len.may_exceed(self.pinned.saturating_sub(1))
            } else {
                HEADS.iter().any(|head| len.may_be(self.pinned + head))
            };
            if !fits {
                return None;
            }
        }
        let coverage = self.literals as f32 / len.estimate().max(self.literals).max(1) as f32;
        Some(0.5 + 0.4 * coverage)
    }
}

fn is_wildcard(c: char) -> bool {
    matches!(c, '*' | '?')
}

/// Plans the search of a normalised pattern (see `sismatch_ident::normalise_pattern`).
pub(crate) fn plan(fields: &Fields, pattern: &str) -> tantivy::Result<PatternSearch> {
    let chars: Vec<char> = pattern
        .chars()
        .map(|c| if is_wildcard(c) { c } else { skeleton_char(c) })
        .collect();
    let literals = chars.iter().filter(|c| !is_wildcard(**c)).count();
    let pinned = chars.iter().filter(|c| **c != '*').count();
    let open = chars.contains(&'*');
    let leading = chars.iter().take_while(|c| !is_wildcard(**c)).count();
    let search = |query, exact| PatternSearch {
        query,
        exact,
        literals,
        pinned,
        open,
    };
    if leading >= ANCHOR
        && let Ok(regex) = regex_query(fields, &chars)
    {
        return Ok(search(regex, true));
    }
    match gram_blocks(fields, &chars) {
        Some(query) => Ok(search(query, false)),
        None => Ok(search(regex_query(fields, &chars)?, true)),
    }
}

/// The pattern as a regular expression over whole-value skeletons. Normalised patterns hold
/// only letters, digits and wildcards, so no literal needs escaping.
fn regex_query(fields: &Fields, chars: &[char]) -> tantivy::Result<Box<dyn Query>> {
    let mut regex = String::with_capacity(2 * chars.len());
    for &c in chars {
        match c {
            '*' => regex.push_str(".*"),
            '?' => regex.push('.'),
            c => regex.push(c),
        }
    }
    Ok(Box::new(RegexQuery::from_pattern(&regex, fields.skel)?))
}

/// The gram phrases of the pattern's `*`-separated blocks, all required; `None` when no block
/// has a literal run long enough for a gram.
fn gram_blocks(fields: &Fields, chars: &[char]) -> Option<Box<dyn Query>> {
    let mut required: Vec<Box<dyn Query>> = Vec::new();
    for block in chars.split(|c| *c == '*') {
        let mut grams = Vec::new();
        let mut start = 0;
        for run in block.split(|c| *c == '?') {
            for (offset, gram) in covering_grams(run) {
                grams.push((start + offset, gram));
            }
            start += run.len() + 1;
        }
        if let Some(query) = gram_query(fields, grams) {
            required.push(query);
        }
    }
    match required.len() {
        0 => None,
        1 => required.pop(),
        _ => Some(Box::new(BooleanQuery::intersection(required))),
    }
}

/// The documents whose grams hold `grams` at the given relative offsets.
pub(crate) fn gram_query(fields: &Fields, grams: Vec<(usize, String)>) -> Option<Box<dyn Query>> {
    let mut terms: Vec<(usize, Term)> = grams
        .into_iter()
        .map(|(offset, gram)| (offset, Term::from_field_text(fields.grams, &gram)))
        .collect();
    match terms.len() {
        0 => None,
        1 => {
            let (_, term) = terms.pop()?;
            Some(Box::new(TermQuery::new(term, IndexRecordOption::Basic)))
        }
        _ => Some(Box::new(PhraseQuery::new_with_offset(terms))),
    }
}
