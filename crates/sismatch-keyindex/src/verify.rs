//! Checking a candidate on its characters, before the identifier core scores it: whole values
//! within `max` edits, fragments inside longer values, wildcard patterns. On skeletons, so that
//! look-alikes cost nothing; each check accepts at least what the identifier core accepts.
//!
//! All work on a few rows of integers on the stack: no allocation per candidate.

/// Rows are at most this wide; longer values are compared by the identifier core only.
pub(crate) const MAX_LEN: usize = 64;

/// Beyond any bound: what a cell outside the band holds.
const FAR: u8 = u8::MAX / 2;

/// The optimal-string-alignment distance between `a` and `b` when it is at most `max`.
///
/// Only the band of cells within `max` of the diagonal is computed (a path leaving it costs
/// more than `max`): five cells a row for two edits, whatever the lengths.
pub(crate) fn bounded_osa(a: &[char], b: &[char], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    if a.len() >= MAX_LEN || b.len() >= MAX_LEN {
        return Some(max);
    }
    let m = b.len();
    let mut rows = [[FAR; MAX_LEN + 2]; 3];
    for (j, cell) in rows[0].iter_mut().take(m.min(max) + 1).enumerate() {
        *cell = j as u8;
    }
    for i in 1..=a.len() {
        let (cur, prev, prev2) = (i % 3, (i + 2) % 3, (i + 1) % 3);
        let (lo, hi) = (i.saturating_sub(max), (i + max).min(m));
        if lo == 0 {
            rows[cur][0] = i as u8;
        } else {
            rows[cur][lo - 1] = FAR;
        }
        let mut row_min = if lo == 0 { rows[cur][0] } else { FAR };
        for j in lo.max(1)..=hi {
            let substitution = u8::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[prev][j - 1] + substitution)
                .min(rows[prev][j] + 1)
                .min(rows[cur][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[prev2][j - 2] + 1);
            }
            rows[cur][j] = best.min(FAR);
            row_min = row_min.min(best);
        }
        rows[cur][hi + 1] = FAR;
        if usize::from(row_min) > max {
            return None;
        }
    }
    let distance = usize::from(rows[a.len() % 3][m]);
    (distance <= max).then_some(distance)
}

/// Whether `fragment` lies inside `stored` within `max` edits (any start, any end).
pub(crate) fn inside(fragment: &[char], stored: &[char], max: usize) -> bool {
    if max == 0 {
        return stored.windows(fragment.len().max(1)).any(|w| w == fragment);
    }
    if fragment.len() >= MAX_LEN || stored.len() >= MAX_LEN {
        return true;
    }
    // Rows over the fragment, columns over `stored`; row 0 is free (any start).
    let width = stored.len() + 1;
    let mut rows = [[0u8; MAX_LEN + 1]; 3];
    for i in 1..=fragment.len() {
        let (cur, prev, prev2) = (i % 3, (i + 2) % 3, (i + 1) % 3);
        rows[cur][0] = i as u8;
        for j in 1..width {
            let substitution = u8::from(fragment[i - 1] != stored[j - 1]);
            let mut best = (rows[prev][j - 1] + substitution)
                .min(rows[prev][j] + 1)
                .min(rows[cur][j - 1] + 1);
            if i > 1
                && j > 1
                && fragment[i - 1] == stored[j - 2]
                && fragment[i - 2] == stored[j - 1]
            {
                best = best.min(rows[prev2][j - 2] + 1);
            }
            rows[cur][j] = best;
        }
    }
    let last = fragment.len() % 3;
    rows[last][..width].iter().any(|&d| usize::from(d) <= max)
}

/// Whether a skeleton pattern (`*` any run, `?` one character) matches all of `stored`.
pub(crate) fn glob(pattern: &[char], stored: &[char]) -> bool {
    // Classic two-pointer wildcard matching with backtracking to the last `*`.
    let (mut p, mut s) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while s < stored.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == stored[s]) {
            p += 1;
            s += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
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
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn distances() {
        let osa = |a: &str, b: &str| bounded_osa(&c(a), &c(b), 2);
        assert_eq!(osa("A8C123450404", "A8C123450404"), Some(0));
        assert_eq!(osa("A8C123540404", "A8C123450404"), Some(1));
        assert_eq!(osa("A8C12450404", "A8C123450404"), Some(1));
        assert_eq!(osa("A8C12X4Y0404", "A8C123450404"), Some(2));
        assert_eq!(osa("A8CX2X4Y0404", "A8C123450404"), None);
        assert_eq!(osa("AB", "BA"), Some(1));
        assert_eq!(osa("", "AB"), Some(2));
        assert_eq!(osa("", "ABC"), None);
    }

    /// The full dynamic programme, for comparison.
    fn osa(a: &[char], b: &[char]) -> usize {
        let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = j;
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
        d[a.len()][b.len()]
    }

    proptest::proptest! {
        #[test]
        fn the_band_agrees_with_the_whole_table(
            a in "[AB01]{0,14}",
            b in "[AB01]{0,14}",
            max in 0usize..4,
        ) {
            let (a, b) = (c(&a), c(&b));
            let full = osa(&a, &b);
            let expected = (full <= max).then_some(full);
            proptest::prop_assert_eq!(bounded_osa(&a, &b, max), expected);
        }
    }

    #[test]
    fn fragments_inside() {
        assert!(inside(&c("2345"), &c("A8C123450404"), 0));
        assert!(!inside(&c("2346"), &c("A8C123450404"), 0));
        assert!(inside(&c("12X45040"), &c("A8C123450404"), 1));
        assert!(inside(&c("12435040"), &c("A8C123450404"), 1));
        assert!(!inside(&c("1XX45040"), &c("A8C123450404"), 1));
    }

    #[test]
    fn patterns() {
        assert!(glob(&c("A8C123??0404"), &c("A8C123450404")));
        assert!(glob(&c("*2345*"), &c("A8C123450404")));
        assert!(glob(&c("*0404"), &c("A8C123450404")));
        assert!(!glob(&c("*0405"), &c("A8C123450404")));
        assert!(!glob(&c("A8C123?0404"), &c("A8C123450404")));
        assert!(glob(&c("A*4*4"), &c("A8C123450404")));
    }
}
