//! One search: the probes of each query, the candidates they yield, the check of each candidate
//! on its characters, and an upper bound of the score the identifier core can give it.
//! Everything here runs under the index's read lock.
//!
//! Per value query: whole values within the tolerated edits (`keys`), then fragments (the
//! query inside a longer value: exact up to 7 characters, within one edit from 8, as the
//! identifier core tolerates), through the 4-grams of the skeletons. Per pattern: its literal
//! runs of four or more through the 4-grams; a pattern without such a run but with all its
//! positions pinned (`?` only, at most two) through the whole-value keys; any other pattern by
//! checking every identifier (slow, and rare: four literals at least, none four in a row).
//!
//! What may wait runs later, best bound first, as far as the caller's answer needs it (see
//! `visit`): the look-ups that find only values two edits away ([`Far`]), and fragments and patterns
//! in rounds ([`Tier`]), one length class (and for a fragment, exact or one edit) each,
//! whose candidates are checked in id order as far as the caller goes.
//!
//! The bounds let the node score candidates best-first and stop once no candidate left can
//! enter its answer: on skeletons, look-alikes cost nothing, so the identifier core's score is
//! at most what the same match scores without them, computed here with the same arithmetic.

use std::cell::OnceCell;

use sismatch_ident::{
    EDITED_FRAGMENT, MIN_FRAGMENT, Query, edit_scale, skeleton, skeleton_char, tolerated_edits,
};

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

/// The score bound of a pattern of `literals` literal characters matching `skel`, from the
/// start or (`anchored`) after a head, `None` when it does not match.
fn pattern_bound(bytes: &[u8], literals: usize, anchored: bool, skel: &[u8]) -> Option<f64> {
    let cuts = std::iter::once(0).chain(HEADS.into_iter().filter(|_| anchored));
    cuts.filter(|&cut| skel.len() > cut && glob(bytes, &skel[cut..]))
        .map(|cut| partial_bound(literals, skel.len() - cut))
        .reduce(f64::max)
}

/// One round of a search that runs in rounds: the candidates of its parts, found together,
/// none scoring above `bound`, and most (all, below the last length class) scoring it.
#[derive(Debug, Clone)]
pub(crate) struct Tier {
    /// The most any of its identifiers can score.
    pub bound: f64,
    /// One part, or several whose bounds are equal (a round visits one bound's candidates in
    /// id order, so equal bounds are found together).
    parts: Vec<Part>,
}

/// The values of one length class that may hold a fragment exactly (edits 0) or within one
/// edit and not exactly (edits 1), or that may match a pattern.
#[derive(Debug, Clone)]
struct Part {
    bound: f64,
    /// Its length class (`keys::gram`).
    class: usize,
    edits: usize,
    /// Per run looked for (the fragment; or the two sides of its [`split`], and the fragment
    /// with a transposition across the split undone; or every literal run of a pattern,
    /// together), its grams in the part's length class, each with how many identifiers it
    /// holds. A candidate holds every gram of one run.
    runs: Vec<Vec<(usize, u32)>>,
}

/// A whole value this long or longer is matched within two edits at one score
/// (`edit_scale` is the same from 6 characters on), so the look-ups that find only values two
/// edits away can wait for a round of their own ([`Far`]).
const FAR_FROM: usize = 6;

/// The look-ups of a value query that find only values two edits away (a short value's
/// two-deletion probes, most of its probes; a long value's probes with a part within one
/// edit, most of the rows in a dense serial space), left for a round of their own: a search
/// whose answer is full of closer values never makes them. Every value they add scores
/// `bound` at most.
pub(crate) struct Far {
    pub bound: f64,
    /// The query's forms it looks up, each with the cut its first look-ups read.
    forms: Vec<(Vec<char>, Cut)>,
    /// Its probes, ascending, once each: made when first needed ([`Searcher::far_probes`]),
    /// by the estimate of a several-number search or by the look-ups themselves.
    probes: OnceCell<Vec<u32>>,
}

impl Far {
    /// Its forms compiled for [`Searcher::best_far`].
    pub(crate) fn checks(&self) -> Vec<WholeCheck> {
        self.forms
            .iter()
            .map(|(form, _)| WholeCheck::new(form))
            .collect()
    }
}

/// A query's whole-value form compiled for checking stored forms on their characters.
pub(crate) struct WholeCheck {
    len: usize,
    /// The most edits a stored form may be from it (`keys::max_edits`).
    max: usize,
    compiled: Compiled,
    census: Census,
}

impl WholeCheck {
    fn new(q: &[char]) -> WholeCheck {
        let bytes = symbols(q);
        WholeCheck {
            len: q.len(),
            max: max_edits(q.len()),
            compiled: Compiled::new(&bytes),
            census: Census::of(&bytes),
        }
    }

    /// The bound of stored form `row` when it is within the tolerated edits.
    fn bound(&self, row: &FormRow, spill: &[u8]) -> Option<f64> {
        if self.census.gap(row.census) > 2 * self.max {
            return None;
        }
        let stored = row.text.get(spill);
        let edits = self.compiled.distance(stored, self.max)?;
        let longer = self.len.max(stored.len());
        (edits <= tolerated_edits(longer)).then(|| edit_bound(edits, longer))
    }
}

/// What a search runs after its first look-ups, best bound first, as far as its answer needs.
#[derive(Default)]
pub(crate) struct Later {
    pub far: Option<Far>,
    pub tiers: Option<Tiers>,
}

/// How the candidates of a query's rounds are checked.
enum Check {
    /// A fragment, as skeleton bytes, and compiled for the one-edit check.
    Fragment {
        bytes: Vec<u8>,
        compiled: Box<Compiled>,
    },
    /// A pattern, as skeleton bytes, with its count of literal characters, and whether it is
    /// anchored at the start (then a head may come before it).
    Pattern {
        bytes: Vec<u8>,
        literals: usize,
        anchored: bool,
    },
}

/// The rounds of one query after its first look-ups: a fragment's, or a pattern's, best bound
/// first.
pub(crate) struct Tiers {
    check: Check,
    pub tiers: Vec<Tier>,
}

impl Tiers {
    /// The bound of a skeleton `part` found, `None` when it does not hold the fragment (or
    /// match the pattern) as the part asks.
    fn check(&self, part: &Part, skel: &[u8]) -> Option<f64> {
        match &self.check {
            Check::Fragment { bytes, compiled } => {
                let len = bytes.len();
                if skel.len() <= len {
                    return None;
                }
                let exact = skel.windows(len).any(|w| w == &bytes[..]);
                let edits = match (exact, part.edits) {
                    (true, 0) => 0,
                    (false, 1) if compiled.inside(skel, 1) => 1,
                    _ => return None,
                };
                Some(fragment_bound(len, skel.len(), edits))
            }
            Check::Pattern {
                bytes,
                literals,
                anchored,
            } => pattern_bound(bytes, *literals, *anchored, skel),
        }
    }

    /// About how many candidates its rounds read: per run, its rarest gram's count.
    pub(crate) fn estimate(&self) -> usize {
        let parts = self.tiers.iter().flat_map(|tier| &tier.parts);
        let runs = parts.flat_map(|part| &part.runs);
        runs.map(|run| run.iter().map(|(count, _)| *count).min().unwrap_or(0))
            .sum()
    }
}

/// `parts` grouped into rounds, best bound first: parts of equal bound in one round.
fn rounds(mut parts: Vec<Part>) -> Vec<Tier> {
    parts.sort_by(|a, b| b.bound.total_cmp(&a.bound));
    let mut tiers: Vec<Tier> = Vec::new();
    for part in parts {
        match tiers.last_mut() {
            Some(tier) if tier.bound == part.bound => tier.parts.push(part),
            _ => tiers.push(Tier {
                bound: part.bound,
                parts: vec![part],
            }),
        }
    }
    tiers
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

/// The ids of two ascending lists, ascending, once each.
fn union(a: &[u32], b: &[u32]) -> Vec<u32> {
    if a.is_empty() {
        return b.to_vec();
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let next = a[i].min(b[j]);
        out.push(next);
        i += usize::from(a[i] == next);
        j += usize::from(b[j] == next);
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
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

#[cfg(test)]
thread_local! {
    /// Candidates of rounds checked on their characters by this thread, for the tests of a
    /// search's early stop.
    pub(crate) static CHECKED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    /// Far look-ups ([`Far`]) run by this thread.
    pub(crate) static FAR: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// What a search reads.
pub(crate) struct Searcher<'a> {
    pub table: &'a Table,
    pub whole: &'a Postings,
    pub grams: &'a Postings,
}

impl Searcher<'_> {
    /// What a search for `query` finds at once (whole values, patterns without a run of
    /// four), and what is left for later (unsorted, an identifier possibly more than once).
    pub(crate) fn first(&self, query: &Query) -> (Vec<(u32, f64)>, Later) {
        let mut out = Vec::new();
        match query {
            Query::Value(value) => {
                let forms: Vec<Vec<char>> = whole_value_skeletons(&value.key, &value.normalised)
                    .into_iter()
                    .map(|form| form.chars().collect())
                    .collect();
                let mut far_forms = Vec::new();
                for form in forms {
                    let cut = self.cut_for(&form);
                    self.whole_values(&form, cut, &mut out);
                    if form.len() >= FAR_FROM {
                        far_forms.push((form, cut));
                    }
                }
                let far = far_forms
                    .iter()
                    .map(|(form, _)| edit_bound(2, form.len()))
                    .reduce(f64::max)
                    .map(|bound| Far {
                        bound,
                        forms: far_forms,
                        probes: OnceCell::new(),
                    });
                let tiers = self.fragment(skeleton(&value.normalised).chars().collect());
                (out, Later { far, tiers })
            }
            Query::Pattern(pattern) => {
                let tiers = self.pattern(pattern, &mut out);
                (out, Later { far: None, tiers })
            }
        }
    }

    /// The identifiers [`Far`] stands for, all at once.
    pub(crate) fn far(&self, far: &Far, out: &mut Vec<(u32, f64)>) {
        let rows = self.far_rows(far);
        self.check_whole(&far.checks(), &rows, out);
    }

    /// Identifiers with a whole-value skeleton within the tolerated edits of `q`, read under
    /// the probes of `cut` among long values (the cut likely to hold fewer rows,
    /// [`Searcher::cut_for`]; each cut alone finds them all) that meet every value within one
    /// edit (for a value of [`FAR_FROM`] characters or more; a shorter one makes all its
    /// probes at once): among short values those deleting at most one character, among long
    /// ones those pinning two exact parts ([`keys::long_near_probes`]). [`Far`] has the
    /// others, which find only values two edits away.
    fn whole_values(&self, q: &[char], cut: Cut, out: &mut Vec<(u32, f64)>) {
        let filed = |n| self.table.lengths.form(n);
        let mut probes = Vec::with_capacity(256);
        if q.len() >= FAR_FROM {
            keys::short_probes(q, 0..=1, filed, &mut probes);
            keys::long_near_probes(q, cut, filed, &mut probes);
        } else {
            keys::short_probes(q, 0..=2, filed, &mut probes);
            keys::long_probes(q, cut, filed, &mut probes);
        }
        probes.sort_unstable();
        probes.dedup();
        let mut rows = Vec::new();
        self.whole.extend_many(&probes, &mut rows);
        self.check_whole(&[WholeCheck::new(q)], &rows, out);
    }

    /// The probes of [`Far`]'s look-ups, ascending, once each: the two-deletion probes among
    /// short values, and the long probes [`Searcher::whole_values`] did not make.
    fn far_probes<'f>(&self, far: &'f Far) -> &'f [u32] {
        far.probes.get_or_init(|| {
            let filed = |n| self.table.lengths.form(n);
            let mut probes = Vec::new();
            for (form, cut) in &far.forms {
                keys::short_probes(form, 2..=2, filed, &mut probes);
                let mut made = Vec::new();
                keys::long_near_probes(form, *cut, filed, &mut made);
                made.sort_unstable();
                let mut all = Vec::new();
                keys::long_probes(form, *cut, filed, &mut all);
                probes.extend(all.into_iter().filter(|p| made.binary_search(p).is_err()));
            }
            probes.sort_unstable();
            probes.dedup();
            probes
        })
    }

    /// The whole-value rows under the probes of [`Far`], ascending, each once: a round's
    /// candidates, checked by [`Searcher::check_far`] as far as the caller goes.
    pub(crate) fn far_rows(&self, far: &Far) -> Vec<u32> {
        #[cfg(test)]
        FAR.with(|runs| runs.set(runs.get() + 1));
        let mut rows = Vec::new();
        self.whole.extend_many(self.far_probes(far), &mut rows);
        // Ascending runs, one per probe and segment: the stable sort merges them.
        rows.sort();
        rows.dedup();
        rows
    }

    /// Those of whole-value rows `rows` (from [`Searcher::far_rows`]) within the tolerated
    /// edits of a form of the far look-ups (`checks`: [`Far::checks`]), in the order given,
    /// each as its identifier row and bound.
    pub(crate) fn check_far(&self, checks: &[WholeCheck], rows: &[u32], out: &mut Vec<(u32, f64)>) {
        #[cfg(test)]
        CHECKED.with(|checked| checked.set(checked.get() + rows.len()));
        self.check_whole(checks, rows, out);
    }

    /// Those of whole-value rows `rows` of live identifiers within the tolerated edits of a
    /// form of `checks`, in the order given, each with its best bound.
    fn check_whole(&self, checks: &[WholeCheck], rows: &[u32], out: &mut Vec<(u32, f64)>) {
        for (_, row) in gather(&self.table.forms, rows, |row| *row) {
            if !self.table.ident_live(row.ident) {
                continue;
            }
            let best = checks
                .iter()
                .filter_map(|check| check.bound(&row, &self.table.spill));
            if let Some(bound) = best.reduce(f64::max) {
                out.push((row.ident, bound));
            }
        }
    }

    /// About how many rows [`Searcher::far`] reads: those under its probes (a look-up per
    /// probe, no row read).
    pub(crate) fn far_estimate(&self, far: &Far) -> usize {
        self.whole.counts(self.far_probes(far)).iter().sum()
    }

    /// The best bound identifier row `ident` gets from [`Searcher::far`], checked directly
    /// on its whole-value forms (`checks`: [`Far::checks`]): what the far look-ups would find
    /// for it (and any closer match of those forms).
    pub(crate) fn best_far(&self, checks: &[WholeCheck], ident: u32) -> Option<f64> {
        let rows = self.table.forms_of(ident);
        checks
            .iter()
            .flat_map(|check| {
                rows.iter()
                    .filter_map(|row| check.bound(row, &self.table.spill))
            })
            .reduce(f64::max)
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
    fn fragment(&self, chars: Vec<char>) -> Option<Tiers> {
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
        let mut parts = Vec::with_capacity(2 * classes.len());
        let mut later = Vec::new();
        for (c, &class) in classes.iter().enumerate() {
            let all = &counted[c * per_class..(c + 1) * per_class];
            let (grams, undone_middle) = all.split_at(windows);
            parts.push(Part {
                bound: fragment_bound(len, class.max(len + 1), 0),
                class,
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
                later.push((parts.len(), gram_keys(&undone, class).collect::<Vec<u32>>()));
            }
            parts.push(Part {
                bound: fragment_bound(len, class.max(len + 1), 1),
                class,
                edits: 1,
                runs,
            });
        }
        // The transpositions across the other splits, counted together.
        if !later.is_empty() {
            let keys: Vec<u32> = later.iter().flat_map(|(_, run)| run.clone()).collect();
            let mut counts = self.grams.counts(&keys).into_iter().zip(keys);
            for (part, run) in later {
                let run = counts.by_ref().take(run.len()).collect();
                parts[part].runs.push(run);
            }
        }
        let bytes = symbols(&chars);
        Some(Tiers {
            check: Check::Fragment {
                compiled: Box::new(Compiled::new(&bytes)),
                bytes,
            },
            tiers: rounds(parts),
        })
    }

    /// The live identifiers that may belong to a round, each with its part, ascending by row,
    /// not yet checked on their characters ([`Searcher::check_tier`]).
    pub(crate) fn tier_candidates(&self, tier: &Tier) -> Vec<(u32, u8)> {
        let mut candidates = Vec::new();
        let mut idents = Vec::new();
        for (p, part) in tier.parts.iter().enumerate() {
            idents.clear();
            for run in &part.runs {
                let mut found = Vec::new();
                self.by_counted(run.clone(), &mut found);
                idents = union(&idents, &found);
            }
            let p = p as u8;
            candidates.extend(
                idents
                    .iter()
                    .filter(|&&ident| self.table.ident_live(ident))
                    .map(|&ident| (ident, p)),
            );
        }
        if tier.parts.len() > 1 {
            candidates.sort_unstable();
        }
        candidates
    }

    /// Those of `candidates` (from [`Searcher::tier_candidates`]) that hold the fragment or
    /// match the pattern as their part asks, in the order given, each with its bound.
    pub(crate) fn check_tier(
        &self,
        tiers: &Tiers,
        tier: &Tier,
        candidates: &[(u32, u8)],
        out: &mut Vec<(u32, f64)>,
    ) {
        #[cfg(test)]
        CHECKED.with(|checked| checked.set(checked.get() + candidates.len()));
        // Copied in one loop before any is checked, as in [`gather`].
        let mut skeletons = Vec::with_capacity(candidates.len());
        skeletons.extend(candidates.iter().filter_map(|&(ident, part)| {
            let row = self.table.idents.get(ident as usize)?;
            Some((ident, part, row.skeleton))
        }));
        for (ident, part, skeleton) in skeletons {
            let skel = skeleton.get(&self.table.spill);
            if let Some(bound) = tiers.check(&tier.parts[part as usize], skel) {
                out.push((ident, bound));
            }
        }
    }

    /// The best bound identifier row `ident` gets in any of the rounds of `tiers`, checked
    /// directly: what running every round would find for it.
    pub(crate) fn best_in_rounds(&self, tiers: &Tiers, ident: u32) -> Option<f64> {
        let skel = self.skeleton_of(ident)?;
        let class = skel.len().min(GRAM_LENGTHS);
        let parts = tiers.tiers.iter().flat_map(|tier| &tier.parts);
        parts
            .filter(|part| part.class == class)
            .filter_map(|part| tiers.check(part, skel))
            .reduce(f64::max)
    }

    /// Identifiers matching a normalised pattern on their skeletons: those found at once (a
    /// pattern without a run of four) into `out`, the others as rounds, one per length class
    /// (a shorter value scores higher), checked on the skeletons of the values holding the
    /// grams of its literal runs.
    fn pattern(&self, pattern: &str, out: &mut Vec<(u32, f64)>) -> Option<Tiers> {
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
        let anchored = bytes.first() != Some(&symbol('*'));
        if runs.is_empty() {
            self.pattern_without_runs(&pattern, &bytes, literals, holes, anchored, out);
            return None;
        }
        // The value is as long as the pattern's pinned positions, or longer by a head; with a
        // `*`, any longer.
        let pinned = pattern.iter().filter(|c| **c != '*').count();
        let lengths: Vec<usize> = if pattern.contains(&'*') {
            (pinned..=GRAM_LENGTHS.max(pinned)).collect()
        } else {
            std::iter::once(pinned)
                .chain(HEADS.map(|head| pinned + head))
                .collect()
        };
        let mut classes: Vec<usize> = lengths
            .into_iter()
            .map(|length| length.min(GRAM_LENGTHS))
            .filter(|&class| self.table.lengths.class(class))
            .collect();
        classes.dedup();
        let keys: Vec<u32> = classes
            .iter()
            .flat_map(|&class| runs.iter().flat_map(move |run| gram_keys(run, class)))
            .collect();
        let mut counts = self.grams.counts(&keys).into_iter().zip(keys);
        let per_class = runs.iter().map(|run| run.len() + 1 - GRAM).sum::<usize>();
        let heads = if anchored { &HEADS[..] } else { &[] };
        let parts = classes
            .iter()
            .map(|&class| Part {
                class,
                // The most a value of this class can score: the whole pattern's length when
                // it pins every position, else the class's with the longest head cut off.
                bound: if pattern.contains(&'*') {
                    std::iter::once(0)
                        .chain(heads.iter().copied())
                        .filter(|&cut| class > cut)
                        .map(|cut| partial_bound(literals, class - cut))
                        .fold(0.0, f64::max)
                } else {
                    partial_bound(literals, pinned)
                },
                edits: 0,
                runs: vec![counts.by_ref().take(per_class).collect()],
            })
            .collect();
        Some(Tiers {
            check: Check::Pattern {
                bytes,
                literals,
                anchored,
            },
            tiers: rounds(parts),
        })
    }

    /// The identifiers matching a pattern without a run of four literals: all positions pinned
    /// (`?` only, at most two) through the whole-value keys, any other by checking every
    /// identifier.
    fn pattern_without_runs(
        &self,
        pattern: &[char],
        bytes: &[u8],
        literals: usize,
        holes: usize,
        anchored: bool,
        out: &mut Vec<(u32, f64)>,
    ) {
        if !pattern.contains(&'*') && holes <= 2 {
            let mut probes = Vec::new();
            keys::pattern(pattern, &mut probes);
            for form in self.forms(probes) {
                let Some(row) = self.live_form(form) else {
                    continue;
                };
                let text = row.text.get(&self.table.spill);
                if glob(bytes, text) {
                    out.push((row.ident, partial_bound(literals, text.len())));
                }
            }
            return;
        }
        for ident in 0..self.table.idents.len() as u32 {
            let Some(skel) = self.skeleton_of(ident) else {
                continue;
            };
            if let Some(bound) = pattern_bound(bytes, literals, anchored, skel) {
                out.push((ident, bound));
            }
        }
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
            // Both sorted: one pass over each, no search per id.
            let mut rest = other.iter().peekable();
            found.retain(|ident| {
                while rest.next_if(|other| *other < ident).is_some() {}
                rest.peek() == Some(&ident)
            });
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
