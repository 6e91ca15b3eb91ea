//! One search: the probes of each query, the candidates they yield, the check of each candidate
//! on its characters, and an upper bound of the score the identifier core can give it.
//! Everything here runs under the index's read lock.
//!
//! Per value query: whole values within the tolerated edits (`keys`), then fragments (the
//! query inside a longer value: exact up to 7 characters, within one edit from 8, as the
//! identifier core tolerates), through the 4-grams of the skeletons, in tiers (one length
//! class, exact or one edit) that a search stopping early need not all run. Per pattern: its
//! longest literal runs through the 4-grams; a pattern without a run of four but with all its
//! positions pinned (`?` only, at most two) through the whole-value keys; any other pattern by
//! checking every identifier (slow, and rare: four literals at least, none four in a row).
//!
//! The bounds let the node score candidates best-first and stop once no candidate left can
//! enter its answer: on skeletons, look-alikes cost nothing, so the identifier core's score is
//! at most what the same match scores without them, computed here with the same arithmetic.

use sismatch_ident::{
    EDITED_FRAGMENT, MIN_FRAGMENT, Query, edit_scale, skeleton, skeleton_char, tolerated_edits,
};

use std::ops::RangeInclusive;

use crate::keys::{self, Cut, GRAM, GRAM_LENGTHS, max_edits};
use crate::postings::Postings;
use crate::symbols::{symbol, symbols};
use crate::table::{FormRow, Table, whole_value_skeletons};
use crate::verify::{Census, Compiled, glob};

/// A gram list longer than this is intersected with the next rarest before candidates are
/// checked: reading two lists is cheaper than checking that many values.
const INTERSECT_ABOVE: usize = 32;

/// A one-edit fragment split whose sides' rarest grams hold this many values or fewer
/// together is not moved (see [`split`]).
const RARE_ENOUGH: usize = 256;

/// Heads a stored value may carry before what an anchored pattern describes: a country code,
/// `IMO`.
const HEADS: [usize; 2] = [2, 3];

/// The identifier core's score of a whole-value match at `edits` unit edits (no look-alike)
/// when the longer value has `len` characters: `score.rs`'s `edit_score`, same arithmetic.
fn edit_bound(edits: usize, len: usize) -> f64 {
    (1.0 - f64::from(4 * edits as u32) / f64::from(edit_scale(len))).max(0.0)
}

/// The identifier core's score of a fragment or pattern pinning `pinned` of `len` stored
/// characters at no cost: `score.rs`'s `partial_score`, same arithmetic.
fn partial_bound(pinned: usize, len: usize) -> f64 {
    let coverage = pinned as f64 / len.max(1) as f64;
    0.5 + 0.4 * coverage.min(1.0) * 1.0
}

/// The identifier core's score of a fragment of `len` characters found inside a value of
/// `stored` characters at `edits` unit edits (no look-alike): `score.rs`'s fragment score,
/// `partial_score` capped by `edit_score`, same arithmetic.
fn fragment_bound(len: usize, stored: usize, edits: usize) -> f64 {
    let coverage = len as f64 / stored.max(1) as f64;
    let quality = 1.0 - f64::from(4 * edits as u32) / f64::from(4 * len.max(1) as u32);
    (0.5 + 0.4 * coverage.min(1.0) * quality.max(0.0)).min(edit_bound(edits, len))
}

/// One group of fragment candidates, found together: the values of one length class that
/// hold the fragment exactly, or within one edit and not exactly. None scores above `bound`.
#[derive(Debug, Clone)]
pub(crate) struct Tier {
    /// The most any of its identifiers can score.
    pub bound: f64,
    edits: usize,
    /// Per run looked for (the fragment; or the two sides of its [`split`], and the fragment
    /// with a transposition across the split undone), its grams in the tier's length class,
    /// each with how many identifiers it holds.
    runs: Vec<Vec<(usize, u32)>>,
}

/// What the tiers of one value query share: its fragment, as characters (for grams) and
/// compiled (for the check).
pub(crate) struct Fragment {
    chars: Vec<char>,
    bytes: Vec<u8>,
    compiled: Compiled,
    /// Best bound first.
    pub tiers: Vec<Tier>,
}

/// The 4-gram keys of `run` in values of `length` characters.
fn gram_keys(run: &[char], length: usize) -> impl Iterator<Item = u32> + '_ {
    run.windows(GRAM)
        .map(move |window| keys::gram(window, length))
}

/// `part` of the rows at `ids`, copied in one tight loop before any is checked: the loads do
/// not wait on each other, so the processor overlaps their cache misses (candidates are
/// scattered over hundreds of megabytes) instead of taking them one at a time.
fn gather<R, T>(rows: &[R], ids: &[u32], part: impl Fn(&R) -> T) -> Vec<(u32, T)> {
    let mut out = Vec::with_capacity(ids.len());
    out.extend(
        ids.iter()
            .filter_map(|&id| rows.get(id as usize).map(|row| (id, part(row)))),
    );
    out
}

/// Where the one-edit tier of a fragment of `len` characters splits it, from the counts of
/// its grams in one class (window `s` is characters `s..s + GRAM`): the middle, unless
/// another split's sides are rarer together by far.
///
/// One edit leaves one side of any split intact, so the tier looks for either side (and for
/// the fragment with a transposition across the split undone, which damages both). A side
/// that is a common maker's prefix brings every value holding it: the split moves away from
/// it. The middle's transposition is counted with the grams; another split's costs a second
/// round of look-ups, so the middle is kept while its sides are rare enough.
fn split(len: usize, grams: &[(usize, u32)]) -> usize {
    let rarest = |run: &[(usize, u32)]| run.iter().map(|(count, _)| *count).min().unwrap_or(0);
    let cost = |at: usize| rarest(&grams[..=at - GRAM]) + rarest(&grams[at..]);
    let middle = len / 2;
    let (best, cost_of_best) = (GRAM..=len - GRAM)
        .map(|at| (at, cost(at)))
        .min_by_key(|&(at, cost)| (cost, at.abs_diff(middle)))
        .unwrap_or((middle, 0));
    if cost(middle) <= RARE_ENOUGH || cost_of_best * 2 > cost(middle) {
        middle
    } else {
        best
    }
}

/// What a search reads.
pub(crate) struct Searcher<'a> {
    pub table: &'a Table,
    pub whole: &'a Postings,
    pub grams: &'a Postings,
}

impl Searcher<'_> {
    /// The identifier rows that may match `query`, checked on their skeletons, each with an
    /// upper bound of its score; ascending by row, one entry per row.
    pub(crate) fn identifiers(&self, query: &Query) -> Vec<(u32, f64)> {
        let (mut out, fragment) = self.first(query);
        if let Some(fragment) = fragment {
            for tier in &fragment.tiers {
                self.tier(&fragment, tier, &mut out);
            }
        }
        out.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        out.dedup_by_key(|(ident, _)| *ident);
        out
    }

    /// What [`Searcher::identifiers`] finds before the fragment tiers (whole values, patterns),
    /// and the fragment search left to run a tier at a time (in any order; unsorted, an
    /// identifier possibly more than once).
    pub(crate) fn first(&self, query: &Query) -> (Vec<(u32, f64)>, Option<Fragment>) {
        let mut out = Vec::new();
        match query {
            Query::Value(value) => {
                for form in whole_value_skeletons(&value.key, &value.normalised) {
                    let form: Vec<char> = form.chars().collect();
                    self.whole_values(&form, &mut out);
                }
                let fragment = self.fragment(skeleton(&value.normalised).chars().collect());
                (out, fragment)
            }
            Query::Pattern(pattern) => {
                self.pattern(pattern, &mut out);
                (out, None)
            }
        }
    }

    /// Identifiers with a whole-value skeleton within the tolerated edits of `q`: the rows
    /// under its probes among short values, and among long values under the probes of the cut
    /// likely to hold fewer rows ([`Searcher::cut_for`]; each cut alone finds them all).
    fn whole_values(&self, q: &[char], out: &mut Vec<(u32, f64)>) {
        let filed = |n| self.table.lengths.form(n);
        let mut probes = Vec::with_capacity(256);
        keys::short_probes(q, filed, &mut probes);
        keys::long_probes(q, self.cut_for(q), filed, &mut probes);
        let bound = max_edits(q.len());
        let bytes = symbols(q);
        let compiled = Compiled::new(&bytes);
        let census = Census::of(&bytes);
        let forms = self.forms(probes);
        let rows: Vec<(u32, FormRow)> = gather(&self.table.forms, &forms, |row| *row);
        for (_, row) in rows {
            if census.gap(row.census) > 2 * bound || !self.table.ident_live(row.ident) {
                continue;
            }
            let stored = row.text.get(&self.table.spill);
            let Some(edits) = compiled.distance(stored, bound) else {
                continue;
            };
            let longer = q.len().max(stored.len());
            if edits <= tolerated_edits(longer) {
                out.push((row.ident, edit_bound(edits, longer)));
            }
        }
    }

    /// The cut whose probes for `q` likely hold fewer rows, judged by the values under the keys
    /// `q` itself would be filed under with each (`keys::sample`).
    pub(crate) fn cut_for(&self, q: &[char]) -> Cut {
        let [thirds, short_tail] = Cut::ALL.map(|cut| {
            keys::sample(q, cut).map_or(0, |keys| self.whole.counts(&keys).iter().sum::<usize>())
        });
        if short_tail < thirds {
            Cut::ShortTail
        } else {
            Cut::Thirds
        }
    }

    /// The form rows under `probes`, a row once per key it shares with the query: checking a
    /// row twice costs less than sorting the hundreds a search gathers, and the identifiers
    /// found are de-duplicated once, at the end (`identifiers`, `index::one`).
    fn forms(&self, mut probes: Vec<u32>) -> Vec<u32> {
        probes.sort_unstable();
        probes.dedup();
        let mut forms = Vec::new();
        self.whole.extend_many(&probes, &mut forms);
        forms
    }

    fn live_form(&self, form: u32) -> Option<&crate::table::FormRow> {
        let row = self.table.forms.get(form as usize)?;
        self.table.ident_live(row.ident).then_some(row)
    }

    /// The fragment search of a value query, `None` when the value is too short for one. The
    /// grams of every tier are counted here, together (see `Postings::counts`): a search that
    /// finds nothing runs every tier, and counting tier by tier cost a round of cache misses
    /// each.
    fn fragment(&self, chars: Vec<char>) -> Option<Fragment> {
        let len = chars.len();
        if len < MIN_FRAGMENT {
            return None;
        }
        // Only in longer values; the last class holds every longer value.
        let classes: Vec<usize> = ((len + 1).min(GRAM_LENGTHS)..=GRAM_LENGTHS)
            .filter(|&class| self.table.lengths.class(class))
            .collect();
        // Per class, every gram of the fragment (window `s` is `chars[s..s + GRAM]`), then
        // those of the fragment with the transposition across the middle undone.
        let windows = len - GRAM + 1;
        let middle = len / 2;
        let undone = keys::swapped(&chars, middle).filter(|_| len >= EDITED_FRAGMENT);
        let per_class = windows + undone.as_ref().map_or(0, |_| windows);
        let keys: Vec<u32> = classes
            .iter()
            .flat_map(|&class| {
                gram_keys(&chars, class).chain(
                    undone
                        .iter()
                        .flat_map(move |undone| gram_keys(undone, class)),
                )
            })
            .collect();
        let counts = self.grams.counts(&keys);
        let counted: Vec<(usize, u32)> = counts.into_iter().zip(keys).collect();
        let mut tiers = Vec::with_capacity(2 * classes.len());
        let mut later = Vec::new();
        for (c, &class) in classes.iter().enumerate() {
            let all = &counted[c * per_class..(c + 1) * per_class];
            let (grams, undone_middle) = all.split_at(windows);
            tiers.push(Tier {
                bound: fragment_bound(len, class.max(len + 1), 0),
                edits: 0,
                runs: vec![grams.to_vec()],
            });
            if len < EDITED_FRAGMENT {
                continue;
            }
            let at = split(len, grams);
            let mut runs = vec![grams[..=at - GRAM].to_vec(), grams[at..].to_vec()];
            if at == middle {
                runs.extend((!undone_middle.is_empty()).then(|| undone_middle.to_vec()));
            } else if let Some(undone) = keys::swapped(&chars, at) {
                later.push((tiers.len(), gram_keys(&undone, class).collect::<Vec<u32>>()));
            }
            tiers.push(Tier {
                bound: fragment_bound(len, class.max(len + 1), 1),
                edits: 1,
                runs,
            });
        }
        // The transpositions across the other splits, counted together.
        if !later.is_empty() {
            let keys: Vec<u32> = later.iter().flat_map(|(_, run)| run.clone()).collect();
            let mut counts = self.grams.counts(&keys).into_iter().zip(keys);
            for (tier, run) in later {
                let run = counts.by_ref().take(run.len()).collect();
                tiers[tier].runs.push(run);
            }
        }
        tiers.sort_by(|a, b| b.bound.total_cmp(&a.bound));
        let bytes = symbols(&chars);
        Some(Fragment {
            compiled: Compiled::new(&bytes),
            bytes,
            chars,
            tiers,
        })
    }

    /// The identifiers of one fragment tier: longer values of its length class that hold the
    /// fragment exactly (edits 0), or within one edit and not exactly (edits 1).
    pub(crate) fn tier(&self, fragment: &Fragment, tier: &Tier, out: &mut Vec<(u32, f64)>) {
        let len = fragment.chars.len();
        let mut candidates = Vec::new();
        for run in &tier.runs {
            self.by_counted(run.clone(), &mut candidates);
        }
        if tier.runs.len() > 1 {
            candidates.sort_unstable();
            candidates.dedup();
        }
        candidates.retain(|&ident| self.table.ident_live(ident));
        let skeletons = gather(&self.table.idents, &candidates, |row| row.skeleton);
        for (ident, skeleton) in skeletons {
            let skel = skeleton.get(&self.table.spill);
            if skel.len() <= len {
                continue;
            }
            let exact = skel.windows(len).any(|w| w == fragment.bytes);
            let edits = match (exact, tier.edits) {
                (true, 0) => 0,
                (false, 1) if fragment.compiled.inside(skel, 1) => 1,
                _ => continue,
            };
            out.push((ident, fragment_bound(len, skel.len(), edits)));
        }
    }

    /// Identifiers matching a normalised pattern on their skeletons.
    fn pattern(&self, pattern: &str, out: &mut Vec<(u32, f64)>) {
        let pattern: Vec<char> = pattern
            .chars()
            .map(|c| {
                if matches!(c, '*' | '?') {
                    c
                } else {
                    skeleton_char(c)
                }
            })
            .collect();
        let bytes = symbols(&pattern);
        let literals = pattern.iter().filter(|c| !matches!(c, '*' | '?')).count();
        let holes = pattern.iter().filter(|c| **c == '?').count();
        let runs: Vec<&[char]> = pattern
            .split(|c| matches!(c, '*' | '?'))
            .filter(|run| run.len() >= GRAM)
            .collect();
        if runs.is_empty() && !pattern.contains(&'*') && holes <= 2 {
            let mut probes = Vec::new();
            keys::pattern(&pattern, &mut probes);
            for form in self.forms(probes) {
                let Some(row) = self.live_form(form) else {
                    continue;
                };
                let text = row.text.get(&self.table.spill);
                if glob(&bytes, text) {
                    out.push((row.ident, partial_bound(literals, text.len())));
                }
            }
            return;
        }
        let mut candidates = Vec::new();
        if runs.is_empty() {
            candidates.extend(0..self.table.idents.len() as u32);
        } else if pattern.contains(&'*') {
            let pinned = pattern.iter().filter(|c| **c != '*').count();
            self.by_grams(&runs, pinned..=GRAM_LENGTHS.max(pinned), &mut candidates);
        } else {
            // All positions pinned: the value is as long, or longer by a head.
            let pinned = pattern.len();
            for length in std::iter::once(pinned).chain(HEADS.map(|head| pinned + head)) {
                self.by_grams(&runs, length..=length, &mut candidates);
            }
            candidates.sort_unstable();
            candidates.dedup();
        }
        let anchored = bytes.first() != Some(&symbol('*'));
        for ident in candidates {
            let Some(skel) = self.skeleton_of(ident) else {
                continue;
            };
            let cuts = std::iter::once(0).chain(HEADS.into_iter().filter(|_| anchored));
            let best = cuts
                .filter(|&cut| skel.len() > cut && glob(&bytes, &skel[cut..]))
                .map(|cut| partial_bound(literals, skel.len() - cut))
                .reduce(f64::max);
            if let Some(bound) = best {
                out.push((ident, bound));
            }
        }
    }

    /// Identifiers of a length in `lengths` whose skeleton may hold every run of `runs` (each
    /// at least a gram long): per length, the rarest gram's list, intersected with the next
    /// rarest when long.
    fn by_grams(&self, runs: &[&[char]], lengths: RangeInclusive<usize>, out: &mut Vec<u32>) {
        // Values longer than the last class are filed under it.
        let (first, last) = (
            (*lengths.start()).min(GRAM_LENGTHS),
            (*lengths.end()).min(GRAM_LENGTHS),
        );
        for length in (first..=last).filter(|&class| self.table.lengths.class(class)) {
            self.by_grams_of(runs, length, out);
        }
    }

    /// [`Searcher::by_grams`] for values of `length` characters (or more, at the last class).
    fn by_grams_of(&self, runs: &[&[char]], length: usize, out: &mut Vec<u32>) {
        let keys: Vec<u32> = runs.iter().flat_map(|run| gram_keys(run, length)).collect();
        let counts = self.grams.counts(&keys);
        self.by_counted(counts.into_iter().zip(keys).collect(), out);
    }

    /// The identifiers that may hold every gram of `grams` (each with its count): the rarest
    /// gram's list, intersected with the next rarest when long.
    fn by_counted(&self, mut grams: Vec<(usize, u32)>, out: &mut Vec<u32>) {
        grams.sort_unstable();
        grams.dedup();
        let Some(&(count, rarest)) = grams.first() else {
            return;
        };
        if count == 0 {
            return;
        }
        let mut found = Vec::with_capacity(count);
        self.grams.for_each(rarest, |ident| found.push(ident));
        found.sort_unstable();
        for &(_, next) in grams.iter().skip(1).take(2) {
            if found.len() <= INTERSECT_ABOVE {
                break;
            }
            let mut other = Vec::new();
            self.grams.for_each(next, |ident| other.push(ident));
            other.sort_unstable();
            found.retain(|ident| other.binary_search(ident).is_ok());
        }
        out.extend(found);
    }

    /// The skeleton of a live identifier.
    fn skeleton_of(&self, ident: u32) -> Option<&[u8]> {
        if !self.table.ident_live(ident) {
            return None;
        }
        let row = self.table.idents.get(ident as usize)?;
        Some(row.skeleton.get(&self.table.spill))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sismatch_ident::{Query, score};

    /// The one-edit split stays in the middle while its sides are rare enough, and moves away
    /// from a common side (a maker's prefix) to the rarest pair of sides otherwise.
    #[test]
    fn a_split_moves_away_from_a_common_side() {
        // Twelve characters, nine grams; counts per window.
        let grams = |counts: [usize; 9]| -> Vec<(usize, u32)> {
            counts.iter().map(|&count| (count, 0)).collect()
        };
        assert_eq!(split(12, &grams([9, 9, 9, 9, 9, 9, 9, 9, 9])), 6);
        assert_eq!(split(12, &grams([900, 900, 900, 1, 1, 1, 1, 1, 1])), 7);
        assert_eq!(
            split(12, &grams([900, 900, 900, 900, 1, 900, 900, 900, 1])),
            8
        );
        // Better, but not by half: the middle, counted already, is kept.
        assert_eq!(split(12, &grams([300, 300, 300, 200, 200, 1, 1, 1, 1])), 6);
    }

    /// A crowd sharing the first two thirds of its values (a model code, then a serial counted
    /// up) is read through the short-tail cut; a crowd sharing their end (a build date) through
    /// thirds. Either way the value is found.
    #[test]
    fn the_cut_read_is_the_one_the_crowd_does_not_share() {
        use crate::testkit::alert;
        use sismatch_alert::StoreChange;
        use sismatch_ident::IdentifierKind;

        let spread = |i: u32| i.wrapping_mul(7919) % 100_000;
        let engines = (0..400).map(|i| format!("6CJ10{:05}", spread(i)));
        let hulls = (0..400).map(|i| format!("NLBAY{:05}H405", spread(i)));
        let alerts: Vec<_> = engines
            .chain(hulls)
            .enumerate()
            .map(|(i, value)| alert(&format!("NL-{i}"), vec![(IdentifierKind::Other, value)]))
            .collect();
        let index = crate::KeyIndex::new();
        let changes: Vec<StoreChange<'_>> = alerts.iter().map(StoreChange::Upsert).collect();
        index.apply(&changes, 1);
        let cut = |value: &str| {
            let chars: Vec<char> = value.chars().collect();
            index.with_searcher(|searcher| searcher.cut_for(&chars))
        };
        let engine = alerts[7].identifiers[0].value.clone();
        let hull = alerts[407].identifiers[0].value.clone();
        assert_eq!(cut(&engine), Cut::ShortTail, "{engine}");
        assert_eq!(cut(&hull), Cut::Thirds, "{hull}");
        for (value, id) in [(engine, "NL-7"), (hull, "NL-407")] {
            // Two edits: the last two characters swapped with the one before them changed.
            let mut misread: Vec<char> = value.chars().collect();
            let n = misread.len();
            misread.swap(n - 1, n - 2);
            misread[n - 3] = 'Z';
            let misread: String = misread.into_iter().collect();
            let query = Query::parse(&misread, None).unwrap();
            let found = index.candidates(&[query]);
            assert!(found.iter().any(|f| f == id), "{misread} did not find {id}");
        }
    }

    /// The bounds are the identifier core's own scores when nothing but the edit, fragment or
    /// pattern is there: equal, so that ties are broken the same way.
    #[test]
    fn bounds_are_the_scores_without_look_alikes() {
        let cases = [
            ("ABC12345D404", "ABC12345D404", edit_bound(0, 12)),
            ("ABC12354D404", "ABC12345D404", edit_bound(1, 12)),
            ("XBC12354D404", "ABC12345D404", edit_bound(2, 12)),
            ("ABCD", "ABCX", edit_bound(1, 4)),
            ("2345D4", "ABC12345D404", partial_bound(6, 12)),
            ("2345D4", "ABC12345D404", fragment_bound(6, 12, 0)),
            ("12345X40", "A8C123450404", fragment_bound(8, 12, 1)),
            ("*2345D4*", "ABC12345D404", partial_bound(6, 12)),
            ("ABC123??D404", "ABC12345D404", partial_bound(10, 12)),
        ];
        for (query, stored, bound) in cases {
            let query = Query::parse(query, None).unwrap();
            assert_eq!(score(&query, stored), bound, "{query:?} {stored}");
        }
    }
}
