//! Checking a candidate on its skeleton, before the identifier core scores it: whole values
//! within `max` edits, fragments inside longer values, wildcard patterns. On skeletons as bytes
//! (`symbols`), so that look-alikes cost nothing; each check accepts at least what the
//! identifier core accepts.
//!
//! A search checks hundreds to tens of thousands of candidates against one query, so the query
//! is compiled once ([`Compiled`]: one bit mask per byte of where it occurs) and each candidate
//! costs a handful of word operations per character, with no table and no allocation: the
//! bit-parallel edit distance of Myers as extended by Hyyrö to transpositions (optimal string
//! alignment, as the identifier core counts edits), in its whole-value form (distance) and its
//! search form (the query anywhere inside the candidate). Queries longer than a machine word
//! (64 characters, past any identifier format) accept every candidate: the identifier core
//! decides.

/// Queries up to this many characters are checked; longer ones accept everything.
pub(crate) const MAX_LEN: usize = 64;

/// A query skeleton compiled for bit-parallel checks.
pub(crate) struct Compiled {
    /// Bit `i` of `masks[b]` is set when the query's character `i` is `b`.
    masks: [u64; 256],
    len: usize,
}

impl Compiled {
    pub(crate) fn new(query: &[u8]) -> Compiled {
        let mut masks = [0u64; 256];
        if query.len() <= MAX_LEN {
            for (i, &b) in query.iter().enumerate() {
                masks[usize::from(b)] |= 1 << i;
            }
        }
        Compiled {
            masks,
            len: query.len(),
        }
    }

    /// The optimal-string-alignment distance between the query and `stored` when it is at
    /// most `max` (`max` itself for a query too long to check).
    pub(crate) fn distance(&self, stored: &[u8], max: usize) -> Option<usize> {
        let m = self.len;
        if m.abs_diff(stored.len()) > max {
            return None;
        }
        if m > MAX_LEN {
            return Some(max);
        }
        if m == 0 {
            return Some(stored.len());
        }
        let distance = self.run(stored, true, |_| false);
        (distance <= max).then_some(distance)
    }

    /// Whether the query lies inside `stored` within `max` edits (any start, any end).
    pub(crate) fn inside(&self, stored: &[u8], max: usize) -> bool {
        if self.len > MAX_LEN || self.len <= max {
            return true;
        }
        self.run(stored, false, |distance| distance <= max) <= max
    }

    /// Runs over the columns of `stored` (Hyyrö's algorithm); `whole` charges the characters
    /// of `stored` before the query's start (distance), otherwise any start is free (search).
    /// Stops early when `done` holds for the distance at some end. Returns the last distance.
    fn run(&self, stored: &[u8], whole: bool, done: impl Fn(usize) -> bool) -> usize {
        let last = 1u64 << (self.len - 1);
        let (mut vp, mut vn, mut d0, mut previous) = (!0u64, 0u64, 0u64, 0u64);
        let mut distance = self.len;
        for &b in stored {
            let pm = self.masks[usize::from(b)];
            let transposed = ((!d0 & pm) << 1) & previous;
            d0 = (((pm & vp).wrapping_add(vp)) ^ vp) | pm | vn | transposed;
            let hp = vn | !(d0 | vp);
            let hn = d0 & vp;
            if hp & last != 0 {
                distance += 1;
            } else if hn & last != 0 {
                distance -= 1;
            }
            let hp = (hp << 1) | u64::from(whole);
            vp = (hn << 1) | !(d0 | hp);
            vn = hp & d0;
            previous = pm;
            if done(distance) {
                return distance;
            }
        }
        distance
    }
}

/// How many bytes of a skeleton fall in each of 16 classes (`byte & 15`: each digit in a class
/// of its own), a nibble each, saturating at 15: kept beside each whole-value row, so that most
/// rows a search gathers are refused without running the distance.
///
/// The gap between two censuses, `Σ |a − b|` over the classes, is at most twice the edit
/// distance of the skeletons: a substitution moves one byte between classes, an insertion or
/// a deletion adds or removes one, a transposition moves none; classes shared by several bytes
/// and saturation only lower it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Census(u64);

impl Census {
    pub(crate) fn of(bytes: &[u8]) -> Census {
        let mut counts = [0u8; 16];
        for &b in bytes {
            let count = &mut counts[usize::from(b & 15)];
            *count = (*count + 1).min(15);
        }
        Census(
            counts
                .iter()
                .enumerate()
                .fold(0, |census, (class, &count)| {
                    census | u64::from(count) << (4 * class)
                }),
        )
    }

    /// `Σ |a − b|` over the 16 classes, in a few word operations.
    pub(crate) fn gap(self, other: Census) -> usize {
        const LOW: u64 = 0x0F0F_0F0F_0F0F_0F0F;
        let even = byte_gaps(self.0 & LOW, other.0 & LOW);
        let odd = byte_gaps((self.0 >> 4) & LOW, (other.0 >> 4) & LOW);
        // Per byte at most 30; the eight bytes' sum (at most 240) lands in the top byte.
        ((even + odd).wrapping_mul(0x0101_0101_0101_0101) >> 56) as usize
    }
}

/// `|a − b|` per byte, for bytes of at most 15: each byte of `(x | 128) − y` keeps its top bit
/// exactly when `x ≥ y` (no borrow crosses bytes), and then holds `x − y` below it.
fn byte_gaps(a: u64, b: u64) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let down = |x: u64, y: u64| {
        let t = (x | HIGH) - y;
        t & !HIGH & (((t & HIGH) >> 7) * 0xFF)
    };
    down(a, b) + down(b, a)
}

/// Whether a skeleton pattern (`*` any run, `?` one character) matches all of `stored`.
pub(crate) fn glob(pattern: &[u8], stored: &[u8]) -> bool {
    // Classic two-pointer wildcard matching with backtracking to the last `*`.
    let (mut p, mut s) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while s < stored.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == stored[s]) {
            p += 1;
            s += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, s));
            p += 1;
        } else if let Some((star_p, star_s)) = star {
            p = star_p + 1;
            s = star_s + 1;
            star = Some((star_p, star_s + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The full dynamic programme of the optimal-string-alignment distance, for comparison;
    /// with `free_start`, row 0 costs nothing and the best cell of the last row is returned
    /// (the query anywhere inside `b`).
    pub(crate) fn osa(a: &[u8], b: &[u8], free_start: bool) -> usize {
        let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = if free_start { 0 } else { j };
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let mut best = (d[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]))
                    .min(d[i - 1][j] + 1)
                    .min(d[i][j - 1] + 1);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(d[i - 2][j - 2] + 1);
                }
                d[i][j] = best;
            }
        }
        if free_start {
            d[a.len()].iter().copied().min().unwrap_or(0)
        } else {
            d[a.len()][b.len()]
        }
    }

    fn distance(a: &str, b: &str, max: usize) -> Option<usize> {
        Compiled::new(a.as_bytes()).distance(b.as_bytes(), max)
    }

    fn inside(a: &str, b: &str, max: usize) -> bool {
        Compiled::new(a.as_bytes()).inside(b.as_bytes(), max)
    }

    #[test]
    fn census_gaps() {
        let gap = |a: &str, b: &str| Census::of(a.as_bytes()).gap(Census::of(b.as_bytes()));
        assert_eq!(gap("6AH1047386", "6AH1047386"), 0);
        assert_eq!(gap("6AH1047386", "6AH1074386"), 0);
        assert_eq!(gap("6AH1047386", "6AH1047389"), 2);
        assert_eq!(gap("6AH1047386", "6AH104738"), 1);
        assert_eq!(gap("", "0000000000000000000"), 15);
        assert_eq!(gap("0123456789", "9876543210"), 0);
        assert_eq!(gap("0123456789", "ABCDEFGHIJ"), 2);
    }

    #[test]
    fn distances() {
        assert_eq!(distance("A8C123450404", "A8C123450404", 2), Some(0));
        assert_eq!(distance("A8C123540404", "A8C123450404", 2), Some(1));
        assert_eq!(distance("A8C12450404", "A8C123450404", 2), Some(1));
        assert_eq!(distance("A8C12X4Y0404", "A8C123450404", 2), Some(2));
        assert_eq!(distance("A8CX2X4Y0404", "A8C123450404", 2), None);
        assert_eq!(distance("AB", "BA", 2), Some(1));
        assert_eq!(distance("", "AB", 2), Some(2));
        assert_eq!(distance("", "ABC", 2), None);
    }

    proptest::proptest! {
        /// The census gap is exactly the classes' L1 distance, and never above twice the
        /// edit distance: a row it refuses is never within the bound.
        #[test]
        fn census_gap_bounds_the_distance(a in "[AB01P\\x{80}]{0,20}", b in "[AB01Q0]{0,20}") {
            let classes = |s: &str| {
                let mut counts = [0i32; 16];
                for byte in s.bytes() {
                    counts[usize::from(byte & 15)] = (counts[usize::from(byte & 15)] + 1).min(15);
                }
                counts
            };
            let (ca, cb) = (classes(&a), classes(&b));
            let l1: i32 = ca.iter().zip(&cb).map(|(x, y)| (x - y).abs()).sum();
            let gap = Census::of(a.as_bytes()).gap(Census::of(b.as_bytes()));
            proptest::prop_assert_eq!(gap, l1 as usize);
            proptest::prop_assert!(gap <= 2 * osa(a.as_bytes(), b.as_bytes(), false));
        }

        #[test]
        fn distance_agrees_with_the_whole_table(
            a in "[AB01]{0,14}",
            b in "[AB01]{0,14}",
            max in 0usize..4,
        ) {
            let full = osa(a.as_bytes(), b.as_bytes(), false);
            let expected = (full <= max).then_some(full);
            proptest::prop_assert_eq!(distance(&a, &b, max), expected);
        }

        #[test]
        fn inside_agrees_with_the_whole_table(
            a in "[AB01]{1,10}",
            b in "[AB01]{0,16}",
            max in 0usize..3,
        ) {
            let expected = osa(a.as_bytes(), b.as_bytes(), true) <= max;
            proptest::prop_assert_eq!(inside(&a, &b, max), expected);
        }

        #[test]
        fn a_word_long_query_is_checked(
            a in "[AB]{60,64}",
            b in "[AB]{58,66}",
        ) {
            let full = osa(a.as_bytes(), b.as_bytes(), false);
            proptest::prop_assert_eq!(distance(&a, &b, 2), (full <= 2).then_some(full));
        }
    }

    #[test]
    fn fragments_inside() {
        assert!(inside("2345", "A8C123450404", 0));
        assert!(!inside("2346", "A8C123450404", 0));
        assert!(inside("12X45040", "A8C123450404", 1));
        assert!(inside("12435040", "A8C123450404", 1));
        assert!(!inside("1XX45040", "A8C123450404", 1));
    }

    #[test]
    fn patterns() {
        let glob = |p: &str, s: &str| glob(p.as_bytes(), s.as_bytes());
        assert!(glob("A8C123??0404", "A8C123450404"));
        assert!(glob("*2345*", "A8C123450404"));
        assert!(glob("*0404", "A8C123450404"));
        assert!(!glob("*0405", "A8C123450404"));
        assert!(!glob("A8C123?0404", "A8C123450404"));
        assert!(glob("A*4*4", "A8C123450404"));
    }
}
