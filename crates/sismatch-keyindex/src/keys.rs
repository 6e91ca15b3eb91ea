//! Which keys a stored skeleton is filed under, and which keys a query probes, so that every
//! stored skeleton within the tolerated edits of the query shares at least one key with it.
//!
//! Edits are counted as the identifier core counts them (optimal string alignment:
//! substitutions, insertions, deletions and adjacent transpositions, one each), on skeletons,
//! so look-alikes cost nothing here. At most two edits (`max_edits`).
//!
//! - **Short values** (up to [`SHORT`] characters), symmetric deletion: two strings within two
//!   edits share a string obtained from each by deleting at most two characters (a substitution
//!   or a transposition costs one deletion on each side, an insertion one on one side). A short
//!   value is filed under its whole deletion neighbourhood (46 keys for 9 characters).
//! - **Long values**, by three parts `A B C` (each cut of [`Cut`] says where): two edits spread
//!   over three parts leave one part intact and another with at most one edit, and for every
//!   such pair one of three keys holds: `A` exact with `B` within one edit, `B` exact with `C`
//!   within one, or `C` exact with `A` within one (a part within one edit is matched through its
//!   one-deletion neighbourhood on both sides). A value is filed under `n + 3` keys or fewer
//!   per cut. A transposition across a cut damages two parts at once: the query probes again
//!   with that transposition undone, at each place the cut can be, for two parts exact.
//!
//! Keys carry the stored length, so a query probes the lengths it can match (its own, two
//! either side) and no key of a length it cannot match is read.
//!
//! **Two cuts.** A key that pins two parts is as selective as the characters it pins are
//! rare, and identifiers are not uniform: an engine or frame number is a model code and a
//! serial counted up, so its first two thirds are shared by thousands of values (`6CJ10…`),
//! while a hull number ends in a build date shared by every boat of a month. No one cut suits
//! every format, so a long value is filed under two ([`Cut`]): in thirds, and with a short
//! last part (a quarter) that takes the serial's last digits out of the first-and-second key.
//! Each cut alone finds every value within two edits; a search counts the rows under both
//! cuts' probes (one look-up each, no row read) and reads the rows of the cut with fewer.

use std::ops::RangeInclusive;

use crate::hash::{Tag, key, key_of};

/// The longest skeletons filed by deletion neighbourhood; longer ones by thirds (every third
/// then has at least three characters).
pub(crate) const SHORT: usize = 9;

/// Length of the grams of the fragment index.
pub(crate) const GRAM: usize = 4;

/// Grams are filed under the length of their value, up to this one; longer values (rare) share
/// it. A fragment is looked for only in values longer than itself, and a pattern in values of
/// the lengths it allows, so that neither reads the many values of other lengths that share a
/// maker's prefix.
pub(crate) const GRAM_LENGTHS: usize = 24;

/// The most edits a stored value may be from a query of `len` characters and still match: the
/// tolerance grows with the longer of the two (`sismatch_ident::tolerated_edits`), so a
/// 4-character query may be two insertions from a 6-character value.
pub(crate) fn max_edits(len: usize) -> usize {
    match len {
        0..=2 => 0,
        3 => 1,
        _ => 2,
    }
}

/// Where a long value is cut into the three parts of its keys (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cut {
    /// At a third and at two thirds.
    Thirds,
    /// The last part a quarter (at least three characters), the rest halved.
    ShortTail,
}

impl Cut {
    /// Every cut a long value is filed under.
    pub(crate) const ALL: [Cut; 2] = [Cut::Thirds, Cut::ShortTail];

    /// Where the second and the third part of a skeleton of `len` characters start; every
    /// part has at least three characters from `SHORT + 1` on.
    fn at(self, len: usize) -> (usize, usize) {
        match self {
            Cut::Thirds => (len / 3, 2 * len / 3),
            Cut::ShortTail => {
                let last = (len / 4).max(3);
                ((len - last) / 2, len - last)
            }
        }
    }

    /// The tag of a key of this cut that pins `pair` (the first part exact, the second within
    /// one edit).
    fn tag(self, pair: Pair) -> Tag {
        match (self, pair) {
            (Cut::Thirds, Pair::FirstSecond) => Tag::FirstSecond,
            (Cut::Thirds, Pair::SecondThird) => Tag::SecondThird,
            (Cut::Thirds, Pair::ThirdFirst) => Tag::ThirdFirst,
            (Cut::ShortTail, Pair::FirstSecond) => Tag::TailFirstSecond,
            (Cut::ShortTail, Pair::SecondThird) => Tag::TailSecondThird,
            (Cut::ShortTail, Pair::ThirdFirst) => Tag::TailThirdFirst,
        }
    }
}

/// Which two parts a long value's key pins: the first exact, the second within one edit.
#[derive(Debug, Clone, Copy)]
enum Pair {
    FirstSecond,
    SecondThird,
    ThirdFirst,
}

/// The keys a stored whole-value skeleton is filed under, appended to `out`.
pub(crate) fn stored(skel: &[char], out: &mut Vec<u32>) {
    let n = skel.len();
    if n == 0 {
        return;
    }
    if n <= SHORT {
        deletion_keys(Tag::Deletion, 0, &[], skel, 0..=2, usize::MAX, out);
        return;
    }
    for cut in Cut::ALL {
        let (a, b) = cut.at(n);
        let (first, second, third) = (&skel[..a], &skel[a..b], &skel[b..]);
        let tag = |pair| cut.tag(pair);
        deletion_keys(
            tag(Pair::FirstSecond),
            n,
            first,
            second,
            0..=1,
            usize::MAX,
            out,
        );
        deletion_keys(
            tag(Pair::SecondThird),
            n,
            second,
            third,
            0..=1,
            usize::MAX,
            out,
        );
        deletion_keys(
            tag(Pair::ThirdFirst),
            n,
            third,
            first,
            0..=1,
            usize::MAX,
            out,
        );
    }
}

/// The keys to probe for a query skeleton among short stored values, appended to `out`
/// (duplicates possible), when `filed` says values of a length it can match were filed: those
/// deleting a number of the query's characters in `deleted`. A stored value within one edit
/// meets a probe deleting at most one (a substitution or a transposition deletes one character
/// on each side, an insertion or a deletion one on one side), so a search looks for those
/// first and for the two-deletion probes, most of them, only when its answer needs values
/// two edits away.
pub(crate) fn short_probes(
    query: &[char],
    deleted: RangeInclusive<usize>,
    filed: impl Fn(usize) -> bool,
    out: &mut Vec<u32>,
) {
    let m = query.len();
    let edits = max_edits(m);
    let short = m.saturating_sub(edits).max(1)..=(m + edits).min(SHORT);
    if short.clone().any(&filed) {
        let deleted = *deleted.start()..=(*deleted.end()).min(edits);
        deletion_keys(Tag::Deletion, 0, &[], query, deleted, SHORT, out);
    }
}

/// The keys to probe for a query skeleton among long stored values filed under `cut`,
/// appended to `out` (duplicates possible), for the stored lengths `filed` says values were
/// filed under. Together with [`short_probes`], they meet every stored value within two
/// edits, whichever the cut.
pub(crate) fn long_probes(
    query: &[char],
    cut: Cut,
    filed: impl Fn(usize) -> bool,
    out: &mut Vec<u32>,
) {
    let m = query.len();
    if max_edits(m) == 2 {
        for n in m.saturating_sub(2).max(SHORT + 1)..=m + 2 {
            if filed(n) {
                parts(query, cut, n, out);
            }
        }
    }
}

/// The probes of [`long_probes`] that meet every long stored value within one edit of `query`
/// (appended to `out`): one edit damages one part, or two across a cut when it is a
/// transposition, so two parts are exact ([`two_exact`], on the query and on the query with a
/// transposition across a cut undone). The others find only values two edits away: in a dense
/// serial space (`6EK1058352`: thousands of values share `6EK105`), their one-deletion keys
/// hold most of the rows, which a search whose answer is full of closer values never reads
/// (`search::Far`).
pub(crate) fn long_near_probes(
    query: &[char],
    cut: Cut,
    filed: impl Fn(usize) -> bool,
    out: &mut Vec<u32>,
) {
    let m = query.len();
    if max_edits(m) < 1 {
        return;
    }
    for n in m.saturating_sub(1).max(SHORT + 1)..=m + 1 {
        if !filed(n) {
            continue;
        }
        two_exact(query, cut, n, out);
        if n == m {
            let (a, b) = cut.at(n);
            for undone in [a, b].into_iter().filter_map(|at| swapped(query, at)) {
                two_exact(&undone, cut, n, out);
            }
        }
    }
}

/// Three keys a long query skeleton would be filed under itself with `cut` (each pair's
/// parts as they are, no deletion): how many values they hold tells which cut's probes hold
/// fewer, at the cost of three look-ups. `None` for a query too short to be cut.
pub(crate) fn sample(query: &[char], cut: Cut) -> Option<[u32; 3]> {
    let n = query.len();
    if n <= SHORT {
        return None;
    }
    let (a, b) = cut.at(n);
    let (first, second, third) = (&query[..a], &query[a..b], &query[b..]);
    Some([
        key(cut.tag(Pair::FirstSecond), n, first, second),
        key(cut.tag(Pair::SecondThird), n, second, third),
        key(cut.tag(Pair::ThirdFirst), n, third, first),
    ])
}

/// The probes for stored values of `n` characters (long) cut by `cut`, within two edits of
/// `q`.
fn parts(q: &[char], cut: Cut, n: usize, out: &mut Vec<u32>) {
    let m = q.len();
    let tag = |pair| cut.tag(pair);
    let (a, b) = cut.at(n);
    let (la, lb, lc) = (a, b - a, n - b);
    // A exact at the start, B within one edit right after it.
    if la <= m {
        for end in (la + lb).saturating_sub(1)..=la + lb + 1 {
            if end <= m {
                deletion_keys(
                    tag(Pair::FirstSecond),
                    n,
                    &q[..la],
                    &q[la..end],
                    0..=1,
                    usize::MAX,
                    out,
                );
            }
        }
    }
    // B exact, shifted by up to two edits in A; C within one edit after it, to the end.
    for start in la.saturating_sub(2)..=la + 2 {
        let end = start + lb;
        if end > m || (m - end).abs_diff(lc) > 1 {
            continue;
        }
        deletion_keys(
            tag(Pair::SecondThird),
            n,
            &q[start..end],
            &q[end..],
            0..=1,
            usize::MAX,
            out,
        );
    }
    // C exact at the end, A within one edit at the start.
    if lc <= m {
        let third = &q[m - lc..];
        for end in la.saturating_sub(1)..=la + 1 {
            if end <= m - lc {
                deletion_keys(
                    tag(Pair::ThirdFirst),
                    n,
                    third,
                    &q[..end],
                    0..=1,
                    usize::MAX,
                    out,
                );
            }
        }
    }
    // A transposition across a cut, and at most one edit elsewhere (which shifts the cut by
    // one when it comes before): undone, two parts are exact.
    for place in [a, b] {
        for at in place.saturating_sub(1)..=place + 1 {
            if let Some(undone) = swapped(q, at) {
                two_exact(&undone, cut, n, out);
            }
        }
    }
    // Transpositions across both cuts, nothing else.
    let both = swapped(q, a).and_then(|once| swapped(&once, b));
    if let Some(both) = both.filter(|both| both.len() == n) {
        out.push(key(tag(Pair::FirstSecond), n, &both[..a], &both[a..b]));
    }
}

/// Probes for a query with one edit left in one third of a stored value of `n` characters:
/// the other two thirds are exact.
fn two_exact(q: &[char], cut: Cut, n: usize, out: &mut Vec<u32>) {
    let m = q.len();
    let tag = |pair| cut.tag(pair);
    let (a, b) = cut.at(n);
    let (la, lb, lc) = (a, b - a, n - b);
    // The edit in C.
    if la + lb <= m {
        out.push(key(tag(Pair::FirstSecond), n, &q[..la], &q[la..la + lb]));
    }
    // The edit in B.
    if la + lc <= m {
        out.push(key(tag(Pair::ThirdFirst), n, &q[m - lc..], &q[..la]));
    }
    // The edit in A: B shifted by at most one.
    for start in la.saturating_sub(1)..=la + 1 {
        let end = start + lb;
        if end <= m && m - end == lc {
            out.push(key(tag(Pair::SecondThird), n, &q[start..end], &q[end..]));
        }
    }
}

/// The keys a wildcard pattern without `*` and with at most two `?` probes, when the stored
/// skeleton has the pattern's length: a `?` stands for one substitution, so the pattern with its
/// `?` deleted is a deletion variant of every skeleton it matches (short values), or, in one of
/// the three ways of [`stored`], an exact third beside a third that has at most one `?`.
pub(crate) fn pattern(p: &[char], out: &mut Vec<u32>) {
    let n = p.len();
    let holes = |part: &[char]| part.iter().filter(|c| **c == '?').count();
    if n <= SHORT {
        out.push(key_of(Tag::Deletion, 0, &[], filled(p)));
        return;
    }
    let (a, b) = Cut::Thirds.at(n);
    let (first, second, third) = (&p[..a], &p[a..b], &p[b..]);
    for (tag, exact, other) in [
        (Tag::FirstSecond, first, second),
        (Tag::SecondThird, second, third),
        (Tag::ThirdFirst, third, first),
    ] {
        if holes(exact) == 0 && holes(other) <= 1 {
            out.push(key_of(tag, n, exact, filled(other)));
        }
    }
}

/// The characters of a pattern part without its `?`.
fn filled(part: &[char]) -> impl Iterator<Item = char> + '_ {
    part.iter().copied().filter(|c| *c != '?')
}

/// `chars` with the characters at `at - 1` and `at` swapped, when both exist and differ.
pub(crate) fn swapped(chars: &[char], at: usize) -> Option<Vec<char>> {
    if at == 0 || at >= chars.len() || chars[at - 1] == chars[at] {
        return None;
    }
    let mut out = chars.to_vec();
    out.swap(at - 1, at);
    Some(out)
}

/// The keys of `(tag, len, exact, v)` for every `v` obtained from `region` by deleting a
/// number of characters in `deleted` (at most two; 0 is `region` itself), that has at most
/// `longest` characters.
/// Variants are hashed without being built; the same variant reached twice (from a run of one
/// character) gives the same key twice, which the caller's deduplication removes.
fn deletion_keys(
    tag: Tag,
    len: usize,
    exact: &[char],
    region: &[char],
    deleted: RangeInclusive<usize>,
    longest: usize,
    out: &mut Vec<u32>,
) {
    let r = region.len();
    let without = |skip: [usize; 2]| {
        region
            .iter()
            .enumerate()
            .filter(move |(i, _)| !skip.contains(i))
            .map(|(_, c)| *c)
    };
    if deleted.contains(&0) && r <= longest {
        out.push(key_of(tag, len, exact, without([usize::MAX; 2])));
    }
    if deleted.contains(&1) && r < longest.saturating_add(2) {
        for i in 0..r {
            out.push(key_of(tag, len, exact, without([i, usize::MAX])));
        }
    }
    if deleted.contains(&2) && r < longest.saturating_add(3) {
        for i in 0..r {
            for j in i + 1..r {
                out.push(key_of(tag, len, exact, without([i, j])));
            }
        }
    }
}

/// Every string obtained from `chars` by deleting at most `max` characters, `chars` included.
#[cfg(test)]
pub(crate) fn deletions(chars: &[char], max: usize) -> std::collections::BTreeSet<Vec<char>> {
    let mut out = std::collections::BTreeSet::new();
    out.insert(chars.to_vec());
    let mut frontier = vec![chars.to_vec()];
    for _ in 0..max {
        let mut next = Vec::new();
        for word in &frontier {
            for skip in 0..word.len() {
                let mut shorter = word.clone();
                shorter.remove(skip);
                if out.insert(shorter.clone()) {
                    next.push(shorter);
                }
            }
        }
        frontier = next;
    }
    out
}

/// The keys of the 4-grams of a value's skeleton, appended to `out`.
pub(crate) fn grams(skel: &[char], out: &mut Vec<u32>) {
    for window in skel.windows(GRAM) {
        out.push(gram(window, skel.len()));
    }
}

/// The key of one 4-gram of a value of `len` characters.
pub(crate) fn gram(window: &[char], len: usize) -> u32 {
    key(Tag::Gram, len.min(GRAM_LENGTHS), &[], window)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn deletion_neighbourhoods() {
        let all: Vec<String> = deletions(&chars("ABC"), 2)
            .into_iter()
            .map(|v| v.into_iter().collect())
            .collect();
        assert_eq!(all, ["A", "AB", "ABC", "AC", "B", "BC", "C"]);
        assert_eq!(deletions(&chars("AAB"), 1).len(), 3);
    }

    #[test]
    fn a_long_value_has_few_keys() {
        let mut keys = Vec::new();
        stored(&chars("WV2ZZZ7HZ8H012345"), &mut keys);
        assert!(keys.len() <= 2 * 20, "{}", keys.len());
    }
}
