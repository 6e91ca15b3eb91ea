//! Whole values within the tolerated edits of a query (substitutions, insertions, deletions,
//! adjacent transpositions), on skeletons, so that look-alikes cost nothing here.
//!
//! A Levenshtein automaton walking the term dictionary is exact but slow at this scale: with
//! one edit allowed, and worse with two, most branches of the dictionary's first three or four
//! levels stay alive (measured: a distance-2 walk took 1.5 ms at 200,000 identifiers, a
//! distance-1 walk 0.6 ms at 1.4 M). So
//! everything here is a handful of exact dictionary look-ups and short range scans, with every
//! term found verified by its exact distance to the query before its documents are read:
//! - **short stored values** (up to [`SHORT_STORED`] characters), symmetric deletion: two
//!   strings within two edits share a string obtained from each by deleting at most two
//!   characters (a substitution or a transposition costs one deletion on each side, an
//!   insertion one on one side). Such values index their deletion neighbourhood with the value
//!   itself (`dels`); the query reads one range per string of its own neighbourhood that is
//!   short enough (at most 55 of them, 29 for a 7-character query). Short serials, where a
//!   trigram prefilter loses half the two-edit matches, lose none.
//! - **long stored values**, by thirds: cut a stored value in three; two edits leave one third
//!   intact unless a transposition straddles a cut. An intact first third is a prefix of the
//!   query (a range of `skel`), an intact last third a suffix (a range of `rskel`), an intact
//!   middle third is at most one place off its position in the query, with one edit on each
//!   side (a range of `mid`, which holds the value rotated to start at its middle third). A
//!   transposition across a cut is undone in the query before the same look-ups.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use tantivy::postings::TermInfo;
use tantivy::query::{DfaWrapper, FuzzyTermQuery};
use tantivy::schema::Field;
use tantivy::{InvertedIndexReader, SegmentReader, Term};

use crate::distance::bounded_osa;
use crate::error::Result;
use crate::gather::Gather;
use crate::schema::{LONG_STORED, SHORT_STORED, VARIANT_END, deletions, thirds};

/// Terms a range scan reads before it hands the range to a Levenshtein automaton instead: a
/// prefix shared by very many values (the maker and model part of VINs) is cheaper to walk
/// than to read.
const SCAN_CAP: usize = 256;

/// Edits the identifier core tolerates for values of `len` characters (`score.rs`).
pub(crate) fn tolerated_edits(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=5 => 1,
        _ => 2,
    }
}

/// The most edits a stored value may be from a query of `len` characters and still match: the
/// tolerance grows with the longer of the two, so a 4-character query may be two insertions
/// from a 6-character value.
pub(crate) fn max_edits(len: usize) -> usize {
    match len {
        0..=2 => 0,
        3 => 1,
        _ => 2,
    }
}

/// The proxy of a whole-value match at `edits` unit edits between skeletons of which the longer
/// has `len` characters, shaped like the identifier core's edit score.
fn edit_proxy(edits: usize, len: usize) -> f32 {
    let scale = 8 * tolerated_edits(len) + 5;
    1.0 - (4 * edits) as f32 / scale as f32
}

/// The proxy of `stored` for `query`, when the scorer may accept it with edits.
fn verify(query: &[char], stored: &[char]) -> Option<f32> {
    let edits = bounded_osa(query, stored, max_edits(query.len()))?;
    let longer = query.len().max(stored.len());
    (edits > 0 && edits <= tolerated_edits(longer)).then(|| edit_proxy(edits, longer))
}

/// Adds the identifiers whose whole skeleton is within the tolerated edits of `skel`.
pub(crate) fn fuzzy(gather: &mut Gather<'_>, query: usize, skel: &[char]) -> Result<()> {
    let edits = max_edits(skel.len());
    if edits == 0 {
        return Ok(());
    }
    if skel.len() <= SHORT_STORED + edits {
        by_deletions(gather, query, skel, edits)?;
    }
    if skel.len() + edits >= LONG_STORED {
        by_thirds(gather, query, skel)?;
    }
    Ok(())
}

/// Short stored values, through the deletion neighbourhoods (`dels`).
fn by_deletions(gather: &mut Gather<'_>, query: usize, skel: &[char], edits: usize) -> Result<()> {
    let field = gather.fields().dels;
    let variants: Vec<String> = deletions(skel, edits)
        .into_iter()
        .filter(|variant| variant.chars().count() <= SHORT_STORED)
        .collect();
    let searcher = gather.searcher();
    let mut stored = Vec::new();
    for (segment, reader) in searcher.segment_readers().iter().enumerate() {
        let inverted = reader.inverted_index(field)?;
        let mut seen = HashSet::new();
        for variant in &variants {
            let low = format!("{variant}{VARIANT_END}");
            let Some(high) = next_prefix(low.as_bytes()) else {
                continue;
            };
            let mut stream = inverted
                .terms()
                .range()
                .ge(low.as_bytes())
                .lt(&high)
                .into_stream()?;
            while stream.advance() {
                let Some(original) = stream.key().get(low.len()..) else {
                    continue;
                };
                if !seen.insert(original.to_vec()) {
                    continue;
                }
                let Ok(original) = std::str::from_utf8(original) else {
                    continue;
                };
                stored.clear();
                stored.extend(original.chars());
                if let Some(proxy) = verify(skel, &stored) {
                    let info = stream.value().clone();
                    gather.add_postings(query, segment as u32, reader, &inverted, &info, proxy)?;
                }
            }
        }
    }
    Ok(())
}

/// The smallest byte string above every string that starts with `prefix`; `None` when there
/// is none (all bytes 0xFF) or the prefix is empty.
fn next_prefix(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut high = prefix.to_vec();
    while let Some(last) = high.pop() {
        if last < u8::MAX {
            high.push(last + 1);
            return Some(high);
        }
    }
    None
}

/// `chars` with the characters at `at - 1` and `at` swapped, when both exist and differ.
fn swapped(chars: &[char], at: usize) -> Option<Vec<char>> {
    if at == 0 || at >= chars.len() || chars[at - 1] == chars[at] {
        return None;
    }
    let mut out = chars.to_vec();
    out.swap(at - 1, at);
    Some(out)
}

/// Where to look for long stored values within two edits of a query.
#[derive(Default)]
struct Thirds {
    /// Prefixes of matching values (ranges of `skel`).
    prefixes: BTreeSet<Vec<char>>,
    /// Reversed suffixes of matching values (ranges of `rskel`).
    suffixes: BTreeSet<Vec<char>>,
    /// Middle thirds of matching values (ranges of `mid`).
    middles: BTreeSet<Vec<char>>,
    /// Where in the query those middle thirds start.
    starts: BTreeSet<usize>,
}

impl Thirds {
    /// The look-ups for a query, over every stored length it may match.
    fn plan(q: &[char]) -> Thirds {
        let m = q.len();
        let mut plan = Thirds::default();
        let reversed = |chars: &[char]| chars.iter().rev().copied().collect::<Vec<char>>();
        for n in m.saturating_sub(2).max(LONG_STORED)..=m + 2 {
            let (k1, k2) = thirds(n);
            let last = n - k2;
            // First third intact: no edit before its end.
            if k1 <= m {
                plan.prefixes.insert(q[..k1].to_vec());
            }
            // Last third intact: no edit after its start.
            if last <= m {
                plan.suffixes.insert(reversed(&q[m - last..]));
            }
            // Middle third intact, one edit on each side: shifted by at most one.
            for start in (k1.saturating_sub(1)..=k1 + 1).filter(|s| s + (k2 - k1) <= m) {
                plan.middles.insert(q[start..start + k2 - k1].to_vec());
                plan.starts.insert(start);
            }
            // A transposition across the first cut and an edit in the last third: the first two
            // thirds are the query's with the transposition undone.
            if let Some(undone) = swapped(q, k1).filter(|_| k2 <= m) {
                plan.prefixes.insert(undone[..k2].to_vec());
                // Transpositions across both cuts, nothing else.
                if let Some(both) = swapped(&undone, k2).filter(|_| n == m) {
                    plan.prefixes.insert(both);
                }
            }
            // A transposition across the second cut and an edit in the first third: the last two
            // thirds are the query's, shifted by at most one, with the transposition undone.
            for shift in [-1isize, 0, 1] {
                let Some(cut) = k2.checked_add_signed(shift) else {
                    continue;
                };
                let Some(start) = k1.checked_add_signed(shift) else {
                    continue;
                };
                if start >= m {
                    continue;
                }
                if let Some(undone) = swapped(q, cut) {
                    plan.suffixes.insert(reversed(&undone[start..]));
                }
            }
        }
        plan.prefixes = without_extensions(plan.prefixes);
        plan.suffixes = without_extensions(plan.suffixes);
        plan.middles = without_extensions(plan.middles);
        plan
    }
}

/// `prefixes` without those that extend another one: its range already holds theirs.
fn without_extensions(prefixes: BTreeSet<Vec<char>>) -> BTreeSet<Vec<char>> {
    let mut kept: BTreeSet<Vec<char>> = BTreeSet::new();
    for prefix in prefixes {
        let covered = (1..prefix.len()).any(|len| kept.contains(&prefix[..len]));
        if !covered {
            kept.insert(prefix);
        }
    }
    kept
}

/// How the terms of a range are turned back into stored skeletons.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `skel`: the skeleton itself.
    Forward,
    /// `rskel`: the skeleton reversed.
    Reversed,
    /// `mid`: rotated at its second third, [`VARIANT_END`] before the first third.
    Rotated,
}

impl Layout {
    fn decode(self, key: &str, out: &mut Vec<char>) {
        out.clear();
        match self {
            Layout::Forward => out.extend(key.chars()),
            Layout::Reversed => out.extend(key.chars().rev()),
            Layout::Rotated => {
                let (tail, head) = key.split_once(VARIANT_END).unwrap_or((key, ""));
                out.extend(head.chars());
                out.extend(tail.chars());
            }
        }
    }
}

/// Long stored values, through their thirds.
fn by_thirds(gather: &mut Gather<'_>, query: usize, skel: &[char]) -> Result<()> {
    let plan = Thirds::plan(skel);
    let fields = *gather.fields();
    let mut scan = Scan {
        skel,
        query,
        starts: &plan.starts,
        automata: Vec::new(),
        stored: Vec::new(),
    };
    let searcher = gather.searcher();
    for (segment, reader) in searcher.segment_readers().iter().enumerate() {
        let ranges = [
            (fields.skel, Layout::Forward, &plan.prefixes),
            (fields.rskel, Layout::Reversed, &plan.suffixes),
            (fields.mid, Layout::Rotated, &plan.middles),
        ];
        for (field, layout, prefixes) in ranges {
            let place = Place {
                segment: segment as u32,
                reader,
                inverted: reader.inverted_index(field)?,
                field,
                layout,
            };
            for prefix in prefixes {
                let prefix: String = prefix.iter().collect();
                scan.range(gather, &place, &prefix)?;
            }
        }
    }
    Ok(())
}

/// One field of one segment, and how its terms read back as skeletons.
struct Place<'r> {
    segment: u32,
    reader: &'r SegmentReader,
    inverted: Arc<InvertedIndexReader>,
    field: Field,
    layout: Layout,
}

/// The range scans of one query.
struct Scan<'q> {
    skel: &'q [char],
    query: usize,
    /// Where middle thirds start in the query.
    starts: &'q BTreeSet<usize>,
    /// Automata for ranges too large to read, built on first need: for `skel`, `rskel`, and
    /// `mid` at each start.
    automata: Vec<(Layout, usize, DfaWrapper)>,
    stored: Vec<char>,
}

impl Scan<'_> {
    /// Adds the verified terms of `place` that start with `prefix`.
    fn range(&mut self, gather: &mut Gather<'_>, place: &Place<'_>, prefix: &str) -> Result<()> {
        let Some(high) = next_prefix(prefix.as_bytes()) else {
            return Ok(());
        };
        let terms = place.inverted.terms();
        let mut stream = terms
            .range()
            .ge(prefix.as_bytes())
            .lt(&high)
            .into_stream()?;
        let mut read = 0;
        while stream.advance() {
            read += 1;
            if read > SCAN_CAP {
                return self.walk(gather, place, prefix, &high);
            }
            self.add(gather, place, stream.key(), stream.value())?;
        }
        Ok(())
    }

    /// Like [`Scan::range`], walking the range with Levenshtein automata of the query as the
    /// field holds it: forward, reversed, or rotated at each place a middle third may start
    /// (two edits between the values are at most two between their rotations, cut at the
    /// intact middle).
    fn walk(
        &mut self,
        gather: &mut Gather<'_>,
        place: &Place<'_>,
        prefix: &str,
        high: &[u8],
    ) -> Result<()> {
        let cuts: Vec<usize> = match place.layout {
            Layout::Rotated => self.starts.iter().copied().collect(),
            _ => vec![0],
        };
        let mut found = Vec::new();
        for cut in cuts {
            let automaton = self.automaton(place, cut)?;
            let terms = place.inverted.terms();
            let mut stream = terms
                .search(automaton)
                .ge(prefix.as_bytes())
                .lt(high)
                .into_stream()?;
            while stream.advance() {
                found.push((stream.key().to_vec(), stream.value().clone()));
            }
        }
        for (key, info) in found {
            self.add(gather, place, &key, &info)?;
        }
        Ok(())
    }

    /// The automaton of the query as `place` holds values (rotated at `cut` for `mid`).
    fn automaton(&mut self, place: &Place<'_>, cut: usize) -> Result<&DfaWrapper> {
        let known = self
            .automata
            .iter()
            .position(|(layout, at, _)| *layout == place.layout && *at == cut);
        let index = match known {
            Some(index) => index,
            None => {
                let text: String = match place.layout {
                    Layout::Forward => self.skel.iter().collect(),
                    Layout::Reversed => self.skel.iter().rev().collect(),
                    Layout::Rotated => crate::schema::rotation_at(self.skel, cut),
                };
                let term = Term::from_field_text(place.field, &text);
                let distance = max_edits(self.skel.len()) as u8;
                let automaton = FuzzyTermQuery::new(term, distance, true).automaton()?;
                self.automata.push((place.layout, cut, automaton));
                self.automata.len() - 1
            }
        };
        Ok(&self.automata[index].2)
    }

    /// Verifies one term and adds its documents.
    fn add(
        &mut self,
        gather: &mut Gather<'_>,
        place: &Place<'_>,
        key: &[u8],
        info: &TermInfo,
    ) -> Result<()> {
        let Ok(key) = std::str::from_utf8(key) else {
            return Ok(());
        };
        place.layout.decode(key, &mut self.stored);
        if let Some(proxy) = verify(self.skel, &self.stored) {
            let (segment, reader, inverted) = (place.segment, place.reader, &place.inverted);
            gather.add_postings(self.query, segment, reader, inverted, info, proxy)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    /// Whether the plan for `query` would read a range holding `stored`.
    fn planned(query: &str, stored: &str) -> bool {
        let plan = Thirds::plan(&chars(query));
        let t = chars(stored);
        let starts =
            |set: &BTreeSet<Vec<char>>, text: &[char]| set.iter().any(|p| text.starts_with(p));
        let reversed: Vec<char> = t.iter().rev().copied().collect();
        let rotated: Vec<char> = chars(&crate::schema::rotation(&t));
        starts(&plan.prefixes, &t)
            || starts(&plan.suffixes, &reversed)
            || starts(&plan.middles, &rotated)
    }

    /// Every value one or two single edits (substitution, insertion, deletion, transposition)
    /// from `s`, over a small alphabet.
    fn two_edits(s: &[char]) -> Vec<Vec<char>> {
        let alphabet = ['A', '9', 'Z', '0'];
        let once = |s: &[char]| {
            let mut out = Vec::new();
            for i in 0..=s.len() {
                for &c in &alphabet {
                    let mut v = s.to_vec();
                    v.insert(i, c);
                    out.push(v);
                    if i < s.len() {
                        let mut v = s.to_vec();
                        v[i] = c;
                        out.push(v);
                    }
                }
                if i < s.len() {
                    let mut v = s.to_vec();
                    v.remove(i);
                    out.push(v);
                }
                if let Some(v) = swapped(s, i) {
                    out.push(v);
                }
            }
            out
        };
        once(s).iter().flat_map(|v| once(v)).collect()
    }

    #[test]
    fn thirds_cover_every_two_edit_pattern() {
        for stored in [
            "A8C1234504",
            "A8C12345040",
            "A8C123450404XY",
            "1HGC8263JA0043527",
        ] {
            let t = chars(stored);
            let mut checked = 0;
            for query in two_edits(&t) {
                if bounded_osa(&query, &t, 2).is_none() || query.len() + 2 < LONG_STORED {
                    continue;
                }
                let query: String = query.iter().collect();
                assert!(planned(&query, stored), "{query} would not find {stored}");
                checked += 1;
            }
            assert!(checked > 5_000, "{stored}: {checked}");
        }
    }

    #[test]
    fn deletion_neighbourhoods_meet_within_two_edits() {
        for stored in ["K83921", "WTU4711", "12345678", "A8C123450"] {
            let t = chars(stored);
            let stored_side = deletions(&t, 2);
            for query in two_edits(&t) {
                let edits = max_edits(query.len());
                if query.len() > SHORT_STORED + edits || bounded_osa(&query, &t, edits).is_none() {
                    continue;
                }
                let meets = deletions(&query, edits)
                    .iter()
                    .filter(|v| v.chars().count() <= SHORT_STORED)
                    .any(|v| stored_side.contains(v));
                let query: String = query.iter().collect();
                assert!(meets, "{query} would not find {stored}");
            }
        }
    }

    #[test]
    fn ranges_that_extend_others_are_dropped() {
        let set: BTreeSet<Vec<char>> = ["AB", "ABC", "AC", "B"].iter().map(|s| chars(s)).collect();
        let kept: Vec<String> = without_extensions(set)
            .iter()
            .map(|p| p.iter().collect())
            .collect();
        assert_eq!(kept, ["AB", "AC", "B"]);
    }

    #[test]
    fn next_prefixes() {
        assert_eq!(next_prefix(b"AB"), Some(b"AC".to_vec()));
        assert_eq!(next_prefix(&[b'A', 0xFF]), Some(b"B".to_vec()));
        assert_eq!(next_prefix(&[0xFF]), None);
    }
}
