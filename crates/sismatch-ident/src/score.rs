//! Scoring: how well a query matches a stored value, in `[0, 1]`, with its explanation.
//!
//! Three ways to match; the best score wins:
//! 1. **Edits**: the weighted distance between the whole query and the whole stored value, in
//!    quarter edits (a look-alike costs 1, any other edit 4). The number of edits tolerated
//!    grows with the length: none up to 3 characters, one up to 5, two from 6 on. The score is
//!    `1 - cost / (8 * tolerated + 5)`, which is 1 for an exact match and crosses
//!    [`DEFAULT_THRESHOLD`] half a look-alike above "tolerated edits plus two look-alikes": two
//!    typos and two misread characters on a hull number still match, three typos do not.
//!    A prefix that officers add or drop (a CIN country code, `IMO`) on one side only is also
//!    tried without, at no cost where the rest has the format the prefix belongs to.
//! 2. **Fragment**: a bare query of at least [`MIN_FRAGMENT`] characters found inside a longer
//!    stored value, with look-alikes (and one edit from 8 characters on).
//! 3. **Pattern**: a query with `*`/`?` wildcards, see [`crate::Query`].
//!
//! Fragments and patterns score in `(0.5, 0.9]`, growing with the share of the stored value the
//! query pins down: a fragment is weaker evidence than a whole number with a typo.
//!
//! All arithmetic is on small integers until one final division, so a pair scores the same on
//! every node.

use crate::country::is_country_code;
use crate::distance::{EDIT, LOOKALIKE, Span, align, within};
use crate::explain::{EditOp, describe};
use crate::format::parse_hin;
use crate::fragment::match_pattern;
use crate::lookalike::skeleton;
use crate::query::Query;

/// Scores at or above this are matches, unless a caller asks for another threshold.
pub const DEFAULT_THRESHOLD: f64 = 0.5;

/// The shortest bare fragment searched for inside longer values (DESIGN §3).
pub const MIN_FRAGMENT: usize = 5;

/// From this length a fragment is found inside a longer value with one edit, not only with
/// look-alikes.
pub const EDITED_FRAGMENT: usize = 8;

/// How a query matched a stored value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchMode {
    /// The whole query against the whole stored value.
    Edits,
    /// The query found inside the stored value.
    Fragment,
    /// A wildcard pattern.
    Pattern,
}

impl MatchMode {
    /// A stable name, for JSON and the wire format.
    pub fn name(self) -> &'static str {
        match self {
            MatchMode::Edits => "edits",
            MatchMode::Fragment => "fragment",
            MatchMode::Pattern => "pattern",
        }
    }
}

/// The outcome of comparing a query with a stored value.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// In `[0, 1]`; 1 is an exact match. Comparable across nodes and queries.
    pub score: f64,
    /// Which way of matching produced the score.
    pub mode: MatchMode,
    /// Weighted distance in quarter edits (look-alike 1, other edits 4).
    pub cost: u32,
    /// The operations from query to stored value; empty for an exact match or when the
    /// explanation was not asked for.
    pub ops: Vec<EditOp>,
}

impl Comparison {
    /// The explanation in one line (`look-alike O→0 at 4, transposed 7–8`).
    pub fn explanation(&self) -> String {
        describe(&self.ops)
    }

    /// Whether the score reaches `threshold`.
    pub fn is_match(&self, threshold: f64) -> bool {
        self.score >= threshold
    }
}

/// Edits tolerated for a whole-value match when the longer value has `len` characters. The
/// identifier index proposes every candidate within this many edits and bounds scores with
/// [`edit_scale`], so both come from here.
pub fn tolerated_edits(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=5 => 1,
        _ => 2,
    }
}

/// The cost, in quarter edits, at which a whole-value match of a longer value of `len`
/// characters scores 0: `8 * tolerated + 5`, so that the tolerated edits plus two look-alikes
/// still reach [`DEFAULT_THRESHOLD`].
pub fn edit_scale(len: usize) -> u32 {
    8 * tolerated_edits(len) as u32 + 5
}

/// The score for a whole-value distance.
fn edit_score(cost: u32, len: usize) -> f64 {
    (1.0 - f64::from(cost) / f64::from(edit_scale(len))).max(0.0)
}

/// The score of a fragment or pattern covering `pinned` of `len` stored characters at `cost`.
fn partial_score(pinned: usize, len: usize, cost: u32) -> f64 {
    let coverage = pinned as f64 / len.max(1) as f64;
    let quality = 1.0 - f64::from(cost) / f64::from(EDIT * pinned.max(1) as u32);
    0.5 + 0.4 * coverage.min(1.0) * quality.max(0.0)
}

/// [`score`] when it reaches `floor`, `None` below it. A search scores every identifier of a
/// candidate against every value read, and most such pairs are nowhere near: a value query is
/// first tried with alignments bounded by what `floor` still allows (`distance::within`), and
/// only a pair that may reach it is scored in full. Same result as `score` above `floor`.
pub fn score_at_least(query: &Query, stored: &str, floor: f64) -> Option<f64> {
    if let Query::Value(value) = query
        && !may_reach(&value.normalised, stored, floor)
    {
        return None;
    }
    let score = score(query, stored);
    (score >= floor).then_some(score)
}

/// Whether a value query may score `floor` or more against `stored`: `false` only when neither
/// its whole-value alignment nor its fragment alignment can (a value with a droppable head is
/// always tried in full).
fn may_reach(query: &str, stored: &str, floor: f64) -> bool {
    let (mut query_buf, mut stored_buf) = (['\0'; 64], ['\0'; 64]);
    let (Some(query), Some(stored)) = (
        chars_in(query, &mut query_buf),
        chars_in(stored, &mut stored_buf),
    ) else {
        return true;
    };
    if floor <= 0.0 || droppable_head(query).is_some() || droppable_head(stored).is_some() {
        return true;
    }
    // `edit_score(cost, len) >= floor` holds for `cost <= (1 - floor) * scale`; rounded up.
    let scale = edit_scale(query.len().max(stored.len()));
    let cap = ((1.0 - floor) * f64::from(scale)).ceil() as u32;
    if within(query, stored, Span::Whole, cap) {
        return true;
    }
    query.len() >= MIN_FRAGMENT
        && query.len() < stored.len()
        && within(
            query,
            stored,
            Span::Substring,
            fragment_tolerance(query.len()),
        )
}

/// The characters of `s` in `buf`, or `None` when it holds more than `buf` does.
fn chars_in<'a>(s: &str, buf: &'a mut [char; 64]) -> Option<&'a [char]> {
    let mut len = 0;
    for c in s.chars() {
        *buf.get_mut(len)? = c;
        len += 1;
    }
    Some(&buf[..len])
}

/// The cost a fragment of `len` characters may have inside a longer value: look-alikes, and
/// one edit from [`EDITED_FRAGMENT`] characters on.
fn fragment_tolerance(len: usize) -> u32 {
    if len >= EDITED_FRAGMENT {
        EDIT + 2 * LOOKALIKE
    } else {
        2 * LOOKALIKE
    }
}

/// Compares `query` with a stored normalised value and explains the result.
pub fn compare(query: &Query, stored: &str) -> Comparison {
    run(query, stored, true)
}

/// The score of [`compare`], without building the explanation: the fast path for ranking.
pub fn score(query: &Query, stored: &str) -> f64 {
    run(query, stored, false).score
}

fn run(query: &Query, stored: &str, explain: bool) -> Comparison {
    let stored: Vec<char> = stored.chars().collect();
    match query {
        Query::Pattern(pattern) => compare_pattern(pattern, &stored, explain),
        Query::Value(value) => {
            let query: Vec<char> = value.normalised.chars().collect();
            compare_value(&query, &stored, explain)
        }
    }
}

fn no_match(mode: MatchMode) -> Comparison {
    Comparison {
        score: 0.0,
        mode,
        cost: u32::MAX,
        ops: Vec::new(),
    }
}

fn compare_pattern(pattern: &str, stored: &[char], explain: bool) -> Comparison {
    let pattern: Vec<char> = pattern.chars().collect();
    let literals = pattern.iter().filter(|c| !matches!(c, '*' | '?')).count();
    let mut best = no_match(MatchMode::Pattern);
    // A pattern anchored at the start is written for the number as read, usually without the
    // prefix a stored CIN carries: try the stored value without it too, positions kept in the
    // whole value.
    let anchored = pattern.first() != Some(&'*');
    let head = droppable_head(stored).filter(|_| anchored);
    let tries = [Some((0, 0)), head];
    for (cut, head_cost) in tries.into_iter().flatten() {
        let Some(mut found) = match_pattern(&pattern, &stored[cut..], explain) else {
            continue;
        };
        let cost = found.cost + head_cost;
        let score = partial_score(literals, stored.len() - cut, cost);
        if score > best.score {
            for op in &mut found.ops {
                if let EditOp::Pattern { start, end } = op {
                    *start += cut;
                    *end += cut;
                }
            }
            if explain && cut > 0 {
                let prefix = stored[..cut].iter().collect();
                found.ops.insert(
                    0,
                    EditOp::PrefixIgnored {
                        prefix,
                        in_query: false,
                    },
                );
            }
            best = Comparison {
                score,
                mode: MatchMode::Pattern,
                cost,
                ops: found.ops,
            };
        }
    }
    best
}

/// `normalised` without a prefix that officers add or drop (a CIN country code, `IMO` or a
/// look-alike of it), when it has one: the index stores and looks up this form too, so that it
/// proposes exactly the candidates this scorer will accept with the prefix ignored.
pub fn without_droppable_head(normalised: &str) -> Option<&str> {
    let chars: Vec<char> = normalised.chars().collect();
    let (cut, _) = droppable_head(&chars)?;
    let at = normalised
        .char_indices()
        .nth(cut)
        .map_or(normalised.len(), |(i, _)| i);
    normalised.get(at..)
}

/// A prefix that officers add or drop at the head of a normalised value: its length, and what
/// ignoring it costs. A country code before a HIN body (a CIN) or `IMO` before seven digits is
/// ignored for free; a country code before something that only looks roughly like a HIN body
/// (13 to 15 characters, say a CIN with a typo), or a look-alike of `IMO` such as `IM0`, costs a
/// look-alike.
fn droppable_head(value: &[char]) -> Option<(usize, u32)> {
    if (13..=15).contains(&value.len()) && is_country_code(&value[..2].iter().collect::<String>()) {
        let body: String = value[2..].iter().collect();
        let cost = if parse_hin(&body).is_ok() {
            0
        } else {
            LOOKALIKE
        };
        return Some((2, cost));
    }
    if value.len() == 10 && value[3..].iter().all(char::is_ascii_digit) {
        let head: String = value[..3].iter().collect();
        if head == "IMO" {
            return Some((3, 0));
        }
        if skeleton(&head) == "1M0" {
            return Some((3, LOOKALIKE));
        }
    }
    None
}

fn compare_value(query: &[char], stored: &[char], explain: bool) -> Comparison {
    if query == stored {
        return Comparison {
            score: 1.0,
            mode: MatchMode::Edits,
            cost: 0,
            ops: Vec::new(),
        };
    }
    // A prefix that officers add or drop may be on one side only: also try each side without
    // it, shifting the explanation's positions back to the values as given.
    let mut best = compare_whole(query, stored, explain);
    for in_query in [true, false] {
        let side = if in_query { query } else { stored };
        let Some((cut, head_cost)) = droppable_head(side) else {
            continue;
        };
        let (q, s) = if in_query {
            (&query[cut..], stored)
        } else {
            (query, &stored[cut..])
        };
        let mut candidate = compare_whole(q, s, explain);
        candidate.cost += head_cost;
        candidate.score = edit_score(candidate.cost, q.len().max(s.len()));
        if candidate.score <= best.score {
            continue;
        }
        if explain {
            let (q_cut, s_cut) = if in_query { (cut, 0) } else { (0, cut) };
            shift(&mut candidate.ops, q_cut, s_cut);
            let prefix = side[..cut].iter().collect();
            candidate
                .ops
                .insert(0, EditOp::PrefixIgnored { prefix, in_query });
        }
        best = candidate;
    }
    if query.len() >= MIN_FRAGMENT && query.len() < stored.len() {
        let tolerated = fragment_tolerance(query.len());
        let part = align(query, stored, Span::Substring, explain);
        // Never above what the same edits would score on a whole value: a fragment is weaker
        // evidence than a whole number.
        let score = partial_score(query.len(), stored.len(), part.cost)
            .min(edit_score(part.cost, query.len()));
        // A span covering the whole stored value is a whole-value match, explained by edits.
        let inside = part.start > 0 || part.end < stored.len();
        if inside && part.cost <= tolerated && score > best.score {
            let mut ops = Vec::with_capacity(part.ops.len() + 1);
            if explain {
                ops.push(EditOp::Fragment {
                    start: part.start + 1,
                    end: part.end,
                });
                ops.extend(part.ops);
            }
            best = Comparison {
                score,
                mode: MatchMode::Fragment,
                cost: part.cost,
                ops,
            };
        }
    }
    best
}

/// The whole query against the whole stored value.
fn compare_whole(query: &[char], stored: &[char], explain: bool) -> Comparison {
    let whole = align(query, stored, Span::Whole, explain);
    Comparison {
        score: edit_score(whole.cost, query.len().max(stored.len())),
        mode: MatchMode::Edits,
        cost: whole.cost,
        ops: whole.ops,
    }
}

/// Moves the positions of `ops` back to the whole values, after `q_cut` characters were cut
/// from the head of the query and `s_cut` from the head of the stored value.
fn shift(ops: &mut [EditOp], q_cut: usize, s_cut: usize) {
    for op in ops {
        match op {
            EditOp::LookAlike { at, .. }
            | EditOp::Substituted { at, .. }
            | EditOp::Deleted { at, .. }
            | EditOp::Transposed { at } => *at += q_cut,
            EditOp::Inserted { at, .. } => *at += s_cut,
            EditOp::Fragment { .. } | EditOp::Pattern { .. } | EditOp::PrefixIgnored { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fragments at the most their length tolerates (one edit and two look-alikes from 8
    /// characters, two look-alikes below) reach their score through `score_at_least`.
    #[test]
    fn score_at_least_keeps_fragments_at_their_tolerance() {
        for (query, stored) in [("1Z34S6X8", "ZZ12345678ZZ"), ("1Z34S", "XX12345YY")] {
            let query = Query::parse(query, Some(crate::IdentifierKind::SerialNumber)).unwrap();
            let full = score(&query, stored);
            assert!(full >= DEFAULT_THRESHOLD, "{query:?} {stored} {full}");
            assert_eq!(compare(&query, stored).mode, MatchMode::Fragment);
            assert_eq!(score_at_least(&query, stored, full), Some(full));
            assert_eq!(score_at_least(&query, stored, full + 1e-9), None);
        }
    }

    fn check(query: &str, stored: &str) -> (f64, String) {
        let query = Query::parse(query, None).unwrap();
        let comparison = compare(&query, stored);
        assert_eq!(score(&query, stored), comparison.score, "fast path differs");
        (comparison.score, comparison.explanation())
    }

    /// `(query, stored, lowest acceptable score, highest, explanation)`.
    #[rustfmt::skip]
    const CASES: &[(&str, &str, f64, f64, &str)] = &[
        ("ABC12345D404", "ABC12345D404", 1.0, 1.0, "exact"),
        ("abc-12345 d4 04", "ABC12345D404", 1.0, 1.0, "exact"),
        ("NL-ABC12345D404", "ABC12345D404", 1.0, 1.0, "prefix 'NL' of the query ignored"),
        ("NL-ABC12345D404", "NLABC12345D404", 1.0, 1.0, "exact"),
        ("ABCI2345D4O4", "ABC12345D404", 0.85, 0.95, "look-alike I→1 at 4, look-alike O→0 at 11"),
        ("ABC12354D404", "ABC12345D404", 0.75, 0.85, "transposed 7–8"),
        ("ABC1245D404", "ABC12345D404", 0.75, 0.85, "inserted '3' at 6"),
        ("ABC1234XD4O4", "ABC12345D404", 0.7, 0.8, "substituted X→5 at 8, look-alike O→0 at 11"),
        ("A8C12354D4O4", "ABC12345D404", 0.6, 0.75, "look-alike 8→B at 2, transposed 7–8, look-alike O→0 at 11"),
        ("XBC12354D404", "ABC12345D404", 0.55, 0.65, "substituted X→A at 1, transposed 7–8"),
        ("XYC12354D404", "ABC12345D404", 0.0, 0.49, ""),
        ("2345D4", "ABC12345D404", 0.65, 0.75, "fragment matched at 5..10"),
        ("*2345D4*", "ABC12345D404", 0.65, 0.75, "pattern matched at 5..10"),
        ("ABC123??D404", "ABC12345D404", 0.8, 0.9, "pattern matched at 1..12"),
        ("6CJ1O13456", "6CJ1013456", 0.9, 0.99, "look-alike O→0 at 5"),
        ("NL-ABC1245D404", "ABC12345D404", 0.7, 0.8, "prefix 'NL' of the query ignored, inserted '3' at 6"),
        ("ABC1245D404", "NLABC12345D404", 0.75, 0.85, "prefix 'NL' of the stored value ignored, inserted '3' at 8"),
        ("IMO9074729", "9074729", 1.0, 1.0, "prefix 'IMO' of the query ignored"),
        ("ABC123??D404", "NLABC12345D404", 0.8, 0.9, "prefix 'NL' of the stored value ignored, pattern matched at 3..14"),
        ("IM0 9074729", "9074729", 0.95, 0.99, "prefix 'IM0' of the query ignored"),
    ];

    #[test]
    fn table() {
        for &(query, stored, low, high, explanation) in CASES {
            let (score, explained) = check(query, stored);
            assert!(
                (low..=high).contains(&score),
                "{query} vs {stored}: score {score} outside {low}..={high}"
            );
            if !explanation.is_empty() {
                assert_eq!(explained, explanation, "{query} vs {stored}");
            }
        }
    }

    #[test]
    fn threshold_separates_two_edits_from_three() {
        let two = check("ABC12XY5D404", "ABC12345D404").0;
        let three = check("ABC1XYZ5D404", "ABC12345D404").0;
        assert!(two >= DEFAULT_THRESHOLD, "{two}");
        assert!(three < DEFAULT_THRESHOLD, "{three}");
    }

    #[test]
    fn short_values_tolerate_less() {
        assert!(check("ABCD", "ABCX").0 >= DEFAULT_THRESHOLD);
        assert!(check("ABC", "ABX").0 < DEFAULT_THRESHOLD);
        assert!(check("ABCDE", "AXCDY").0 < DEFAULT_THRESHOLD);
    }
}
