//! Weighted optimal-string-alignment distance (Damerau-Levenshtein restricted to adjacent
//! transpositions), with a backtrace that yields the edit operations.
//!
//! Costs are integers in quarter edits ([`EDIT`] = 4, [`LOOKALIKE`] = 1) so that the distance,
//! and the score derived from it, are bit-for-bit the same on every node and platform.

use crate::explain::EditOp;
use crate::lookalike::is_lookalike;

/// Cost of an insertion, a deletion, an unrelated substitution or an adjacent transposition.
pub(crate) const EDIT: u32 = 4;
/// Cost of substituting a character by its look-alike.
pub(crate) const LOOKALIKE: u32 = 1;

/// Cost of aligning query character `a` with stored character `b`.
fn substitution(a: char, b: char) -> u32 {
    if a == b {
        0
    } else if is_lookalike(a, b) {
        LOOKALIKE
    } else {
        EDIT
    }
}

/// How the query is laid against the stored value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Span {
    /// The whole query against the whole stored value.
    Whole,
    /// The whole query against the best-matching substring of the stored value.
    Substring,
}

/// The result of an alignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Alignment {
    /// Total cost in quarter edits.
    pub cost: u32,
    /// 0-based start of the aligned span in the stored value.
    pub start: usize,
    /// 0-based exclusive end of the aligned span in the stored value.
    pub end: usize,
    /// The operations, in query order; empty unless asked for.
    pub ops: Vec<EditOp>,
}

/// Aligns `query` against `stored` and, when `explain` is set, recovers the operations.
pub(crate) fn align(query: &[char], stored: &[char], span: Span, explain: bool) -> Alignment {
    let (m, n) = (query.len(), stored.len());
    let width = n + 1;
    let mut d = vec![0u32; (m + 1) * width];
    if span == Span::Whole {
        for (j, cell) in d.iter_mut().take(width).enumerate() {
            *cell = j as u32 * EDIT;
        }
    }
    for i in 1..=m {
        d[i * width] = i as u32 * EDIT;
        for j in 1..=n {
            let (a, b) = (query[i - 1], stored[j - 1]);
            let mut best = (d[(i - 1) * width + j - 1] + substitution(a, b))
                .min(d[(i - 1) * width + j] + EDIT)
                .min(d[i * width + j - 1] + EDIT);
            if i > 1 && j > 1 && a == stored[j - 2] && query[i - 2] == b && a != b {
                best = best.min(d[(i - 2) * width + j - 2] + EDIT);
            }
            d[i * width + j] = best;
        }
    }
    let end = match span {
        Span::Whole => n,
        // The leftmost cheapest end, so that the result does not depend on iteration details.
        Span::Substring => (0..=n).min_by_key(|&j| (d[m * width + j], j)).unwrap_or(n),
    };
    let cost = d[m * width + end];
    let (start, ops) = backtrace(query, stored, &d, width, end, span, explain);
    Alignment {
        cost,
        start,
        end,
        ops,
    }
}

/// The longest values [`within`] compares on the stack; longer ones are never refused by it.
const WITHIN_MAX: usize = 64;

/// Whether aligning `query` against `stored` (`span`) can cost at most `cap`: the matrix of
/// [`align`] row by row in three rolling rows, given up at the first row whose every cell
/// costs more than `cap`. Every alignment crosses every row (a transposition from row `i - 2`
/// to `i` costs at least what the diagonal step to row `i - 1` does), so none can come back
/// under it. A search scores every identifier of a candidate against
/// every value read, and most such pairs are nowhere near: this refuses them after a few rows,
/// without the whole matrix or its allocation. Exact: `true` whenever `align` costs at most
/// `cap` (and, for longer values than [`WITHIN_MAX`], always).
pub(crate) fn within(query: &[char], stored: &[char], span: Span, cap: u32) -> bool {
    let (m, n) = (query.len(), stored.len());
    if n > WITHIN_MAX {
        return true;
    }
    let mut rows = [[0u32; WITHIN_MAX + 1]; 3];
    if span == Span::Whole {
        for (j, cell) in rows[0].iter_mut().take(n + 1).enumerate() {
            *cell = j as u32 * EDIT;
        }
    }
    for i in 1..=m {
        let [two, one, row] = rows_at(&mut rows, i);
        row[0] = i as u32 * EDIT;
        let mut least = row[0];
        for j in 1..=n {
            let (a, b) = (query[i - 1], stored[j - 1]);
            let mut best = (one[j - 1] + substitution(a, b))
                .min(one[j] + EDIT)
                .min(row[j - 1] + EDIT);
            if i > 1 && j > 1 && a == stored[j - 2] && query[i - 2] == b && a != b {
                best = best.min(two[j - 2] + EDIT);
            }
            row[j] = best;
            least = least.min(best);
        }
        if least > cap {
            return false;
        }
    }
    let row = &rows[m % 3][..=n];
    match span {
        Span::Whole => row[n] <= cap,
        Span::Substring => row.iter().any(|&cost| cost <= cap),
    }
}

/// The rows `i - 2`, `i - 1` and `i` of [`within`]'s three rolling rows.
fn rows_at(rows: &mut [[u32; WITHIN_MAX + 1]; 3], i: usize) -> [&mut [u32; WITHIN_MAX + 1]; 3] {
    let [r0, r1, r2] = rows;
    match i % 3 {
        0 => [r1, r2, r0],
        1 => [r2, r0, r1],
        _ => [r0, r1, r2],
    }
}

/// Walks the matrix back from `(query.len(), end)`, preferring diagonal moves, then
/// transpositions, deletions and insertions, so that equal-cost explanations are stable.
fn backtrace(
    query: &[char],
    stored: &[char],
    d: &[u32],
    width: usize,
    end: usize,
    span: Span,
    explain: bool,
) -> (usize, Vec<EditOp>) {
    let (mut i, mut j) = (query.len(), end);
    let mut ops = Vec::new();
    if !explain && span == Span::Whole {
        return (0, ops);
    }
    let at = |i: usize, j: usize| d[i * width + j];
    while i > 0 {
        if j == 0 {
            if explain {
                ops.push(EditOp::Deleted {
                    at: i,
                    query: query[i - 1],
                });
            }
            i -= 1;
            continue;
        }
        let (a, b) = (query[i - 1], stored[j - 1]);
        let here = at(i, j);
        if here == at(i - 1, j - 1) + substitution(a, b) {
            if explain {
                match substitution(a, b) {
                    0 => {}
                    LOOKALIKE => ops.push(EditOp::LookAlike {
                        at: i,
                        query: a,
                        stored: b,
                    }),
                    _ => ops.push(EditOp::Substituted {
                        at: i,
                        query: a,
                        stored: b,
                    }),
                }
            }
            i -= 1;
            j -= 1;
        } else if i > 1
            && j > 1
            && a == stored[j - 2]
            && query[i - 2] == b
            && a != b
            && here == at(i - 2, j - 2) + EDIT
        {
            if explain {
                ops.push(EditOp::Transposed { at: i - 1 });
            }
            i -= 2;
            j -= 2;
        } else if here == at(i - 1, j) + EDIT {
            if explain {
                ops.push(EditOp::Deleted { at: i, query: a });
            }
            i -= 1;
        } else {
            if explain {
                ops.push(EditOp::Inserted { at: j, stored: b });
            }
            j -= 1;
        }
    }
    if explain && span == Span::Whole {
        for j in (1..=j).rev() {
            ops.push(EditOp::Inserted {
                at: j,
                stored: stored[j - 1],
            });
        }
    }
    ops.reverse();
    (j, ops)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    fn whole(q: &str, s: &str) -> Alignment {
        align(&chars(q), &chars(s), Span::Whole, true)
    }

    #[test]
    fn costs_in_quarter_edits() {
        assert_eq!(whole("ABC12345D404", "ABC12345D404").cost, 0);
        assert_eq!(whole("ABC1234SD404", "ABC12345D404").cost, LOOKALIKE);
        assert_eq!(whole("ABC12354D404", "ABC12345D404").cost, EDIT);
        assert_eq!(whole("ABC1245D404", "ABC12345D404").cost, EDIT);
        assert_eq!(whole("", "ABC").cost, 3 * EDIT);
    }

    #[test]
    fn explains_each_kind_of_edit() {
        let ops = |q: &str, s: &str| {
            whole(q, s)
                .ops
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(ops("ABCO2345", "ABC02345"), ["look-alike O→0 at 4"]);
        assert_eq!(ops("ABC12354", "ABC12345"), ["transposed 7–8"]);
        assert_eq!(ops("AB12345", "AB512345"), ["inserted '5' at 3"]);
        assert_eq!(ops("ABX12345", "AB12345"), ["deleted 'X' at 3"]);
        assert_eq!(ops("ABC1X345", "ABC12345"), ["substituted X→2 at 5"]);
        assert_eq!(ops("", "AB"), ["inserted 'A' at 1", "inserted 'B' at 2"]);
        assert_eq!(ops("AB", ""), ["deleted 'A' at 1", "deleted 'B' at 2"]);
    }

    #[test]
    fn substring_alignment_finds_the_span() {
        let found = align(
            &chars("2345D4"),
            &chars("ABC12345D404"),
            Span::Substring,
            true,
        );
        assert_eq!((found.cost, found.start, found.end), (0, 4, 10));
        let found = align(
            &chars("2345O4"),
            &chars("ABC12345D404"),
            Span::Substring,
            false,
        );
        assert_eq!((found.cost, found.start, found.end), (LOOKALIKE, 4, 10));
    }
}
