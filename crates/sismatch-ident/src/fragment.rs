//! Wildcard patterns: what an officer types when part of a number is ground off
//! (`*2345D4*`, `ABC123??D404`).
//!
//! `?` stands for exactly one character and `*` for any run, possibly empty. A pattern is
//! anchored at both ends unless it starts or ends with `*`. Literal characters must match
//! exactly or as look-alikes; the uncertainty the officer knows about is in the wildcards, so
//! other edits are not allowed.

use crate::distance::LOOKALIKE;
use crate::explain::EditOp;
use crate::lookalike::is_lookalike;

/// A successful pattern match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PatternMatch {
    /// Cost in quarter edits (look-alikes only).
    pub cost: u32,
    /// The look-alike operations and the matched span, when asked for.
    pub ops: Vec<EditOp>,
}

const NONE: u32 = u32::MAX;

fn literal_cost(p: char, t: char) -> u32 {
    if p == '?' || p == t {
        0
    } else if is_lookalike(p, t) {
        LOOKALIKE
    } else {
        NONE
    }
}

/// Matches `pattern` (normalised, with wildcards) against a stored normalised value.
pub(crate) fn match_pattern(
    pattern: &[char],
    stored: &[char],
    explain: bool,
) -> Option<PatternMatch> {
    let (m, n) = (pattern.len(), stored.len());
    let width = n + 1;
    // d[i][j]: cheapest way for pattern[..i] to match stored[..j] exactly.
    let mut d = vec![NONE; (m + 1) * width];
    d[0] = 0;
    for i in 1..=m {
        let p = pattern[i - 1];
        for j in 0..=n {
            let value = if p == '*' {
                let skip = d[(i - 1) * width + j];
                let take = if j > 0 { d[i * width + j - 1] } else { NONE };
                skip.min(take)
            } else if j > 0 {
                let before = d[(i - 1) * width + j - 1];
                let cost = literal_cost(p, stored[j - 1]);
                if before == NONE || cost == NONE {
                    NONE
                } else {
                    before + cost
                }
            } else {
                NONE
            };
            d[i * width + j] = value;
        }
    }
    let cost = d[m * width + n];
    if cost == NONE {
        return None;
    }
    let ops = if explain {
        explain_pattern(pattern, stored, &d, width)
    } else {
        Vec::new()
    };
    Some(PatternMatch { cost, ops })
}

/// Recovers the look-alikes and the span of stored characters covered by non-`*` tokens.
fn explain_pattern(pattern: &[char], stored: &[char], d: &[u32], width: usize) -> Vec<EditOp> {
    let (mut i, mut j) = (pattern.len(), stored.len());
    let mut lookalikes = Vec::new();
    let (mut first, mut last) = (usize::MAX, 0);
    while i > 0 {
        let p = pattern[i - 1];
        if p == '*' {
            if d[(i - 1) * width + j] == d[i * width + j] {
                i -= 1;
            } else {
                j -= 1;
            }
            continue;
        }
        let t = stored[j - 1];
        if p != '?' && p != t {
            lookalikes.push(EditOp::LookAlike {
                at: i,
                query: p,
                stored: t,
            });
        }
        first = first.min(j);
        last = last.max(j);
        i -= 1;
        j -= 1;
    }
    lookalikes.reverse();
    let mut ops = Vec::with_capacity(lookalikes.len() + 1);
    if first != usize::MAX {
        ops.push(EditOp::Pattern {
            start: first,
            end: last,
        });
    }
    ops.extend(lookalikes);
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(pattern: &str, stored: &str) -> Option<(u32, Vec<String>)> {
        let p: Vec<char> = pattern.chars().collect();
        let s: Vec<char> = stored.chars().collect();
        match_pattern(&p, &s, true)
            .map(|m| (m.cost, m.ops.iter().map(ToString::to_string).collect()))
    }

    #[test]
    fn wildcards() {
        assert_eq!(
            run("*2345D4*", "ABC12345D404"),
            Some((0, vec!["pattern matched at 5..10".to_string()]))
        );
        assert_eq!(
            run("ABC123??D404", "ABC12345D404"),
            Some((0, vec!["pattern matched at 1..12".to_string()]))
        );
        assert_eq!(run("ABC123??D404", "ABC1234D404"), None);
        assert_eq!(run("ABC*", "XABC123"), None);
        assert!(run("*ABC*", "XABC123").is_some());
    }

    #[test]
    fn lookalikes_inside_patterns() {
        assert_eq!(
            run("*2345O4*", "ABC12345D404"),
            Some((
                LOOKALIKE,
                vec![
                    "pattern matched at 5..10".to_string(),
                    "look-alike O→D at 6".to_string()
                ]
            ))
        );
        assert_eq!(run("*2345X4*", "ABC12345D404"), None);
    }
}
