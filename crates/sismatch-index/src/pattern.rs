//! Wildcard patterns (`ABC123??D404`, `*2345D4*`) as index queries.
//!
//! The identifier core matches a pattern's literal characters exactly or as look-alikes, so the
//! index works on skeletons throughout. Two ways:
//! - a **regular expression** over the whole-value skeletons (`skel`), or reversed over the
//!   reversed ones (`rskel`) when the end of the pattern is the pinned part (`*45D404`): exact,
//!   and cheap when literals come before the wildcards, since the dictionary is then walked
//!   only under them;
//! - **gram phrases** of the literal runs of 3 or more characters, with the offsets that `?`
//!   fixes between runs; runs separated by `*` are required independently. This is a
//!   superset, checked by the scorer, and selective when a run is long.
//!
//! [`plan`] picks by cost. A pattern fit for neither (say `*AB?CD*`) falls back to a regular
//! expression over the whole dictionary: slow, rare.

use sismatch_ident::skeleton_char;
use tantivy::Term;
use tantivy::query::{BooleanQuery, PhraseQuery, Query, RegexQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};

use crate::gather::StoredLen;
use crate::schema::{Fields, covering_grams};

/// Literals, beyond the `?` wildcards, that must come before a `*` for a regular expression
/// walk to stay in a small part of the dictionary (a 36th of it per literal).
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

/// How cheaply a pattern can be walked as a regular expression over a dictionary of whole
/// values: the most by which wildcards outnumber literals in any of its prefixes (each `?`
/// multiplies the branches walked by the alphabet, each literal divides them), or `None` when
/// the walk would cover a large part of the dictionary: a leading `*`, or a `*` after fewer
/// than [`ANCHOR`] literals more than `?`.
fn walk_cost(chars: &[char]) -> Option<isize> {
    let mut excess: isize = 0;
    let mut worst: isize = 0;
    for &c in chars {
        match c {
            '*' => return (-excess >= ANCHOR as isize).then_some(worst),
            '?' => excess += 1,
            _ => excess -= 1,
        }
        worst = worst.max(excess);
    }
    Some(worst)
}

/// Plans the search of a normalised pattern (see `sismatch_ident::normalise_pattern`).
///
/// A pattern whose start (or, walking the reversed dictionary, whose end) is pinned by
/// literals is a regular expression: exact, and cheap when the wildcards come after enough
/// literals. Otherwise its literal runs become gram phrases when one is long enough to be
/// selective; a weak run (3 or 4 characters) only when walking would cost more.
pub(crate) fn plan(fields: &Fields, pattern: &str) -> tantivy::Result<PatternSearch> {
    let chars: Vec<char> = pattern
        .chars()
        .map(|c| if is_wildcard(c) { c } else { skeleton_char(c) })
        .collect();
    let reversed: Vec<char> = chars.iter().rev().copied().collect();
    let literals = chars.iter().filter(|c| !is_wildcard(**c)).count();
    let pinned = chars.iter().filter(|c| **c != '*').count();
    let open = chars.contains(&'*');
    let longest_run = chars
        .split(|c| is_wildcard(*c))
        .map(<[char]>::len)
        .max()
        .unwrap_or(0);
    let search = |query, exact| PatternSearch {
        query,
        exact,
        literals,
        pinned,
        open,
    };
    let forward = walk_cost(&chars).map(|cost| (cost, fields.skel, &chars));
    let backward = walk_cost(&reversed).map(|cost| (cost, fields.rskel, &reversed));
    let walk = match (forward, backward) {
        (Some(f), Some(b)) => Some(if b.0 < f.0 { b } else { f }),
        (f, b) => f.or(b),
    };
    let cost = walk.map_or(isize::MAX, |(cost, _, _)| cost);
    let grams = if cost <= 0 || (longest_run < 5 && cost <= 1) {
        None
    } else {
        gram_blocks(fields, &chars)
    };
    if let Some(query) = grams {
        return Ok(search(query, false));
    }
    let (field, walked) = walk.map_or((fields.skel, &chars), |(_, field, walked)| (field, walked));
    Ok(search(regex_query(field, walked)?, true))
}

/// The pattern as a regular expression over whole-value skeletons (`skel`, or reversed in
/// `rskel` for a reversed pattern). Normalised patterns hold only letters, digits and
/// wildcards, so no literal needs escaping.
fn regex_query(field: Field, chars: &[char]) -> tantivy::Result<Box<dyn Query>> {
    let mut regex = String::with_capacity(2 * chars.len());
    for &c in chars {
        match c {
            '*' => regex.push_str(".*"),
            '?' => regex.push('.'),
            c => regex.push(c),
        }
    }
    Ok(Box::new(RegexQuery::from_pattern(&regex, field)?))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(pattern: &str) -> Option<isize> {
        walk_cost(&pattern.chars().collect::<Vec<char>>())
    }

    #[test]
    fn walks_are_cheap_when_literals_come_first() {
        assert_eq!(cost("ABC123??D404"), Some(0));
        assert_eq!(cost("26??108"), Some(0));
        assert_eq!(cost("A??12345D404"), Some(1));
        assert_eq!(cost("??C12345D404"), Some(2));
        assert_eq!(cost("4321*"), Some(0));
        assert_eq!(cost("AB*"), None);
        assert_eq!(cost("*2345D4*"), None);
    }

    #[test]
    fn a_pinned_end_walks_the_reversed_dictionary() {
        let (_, fields) = Fields::schema();
        let search = plan(&fields, "*45D404").unwrap();
        assert!(search.exact);
        let search = plan(&fields, "*2345D4*").unwrap();
        assert!(!search.exact);
        let search = plan(&fields, "??C12345D404").unwrap();
        assert!(
            search.exact,
            "the end is pinned: the reversed walk is cheap"
        );
        let search = plan(&fields, "?A?12345*").unwrap();
        assert!(!search.exact, "a long run beats a walk under wildcards");
    }
}
