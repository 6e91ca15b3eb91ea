//! Which of the oracle's first ten the engine missed, and which misses are the data's.
//!
//! The rule: an alert of the oracle's first `top_k` is an *engine-only miss* when the engine's
//! answer does not hold it and either the answer is shorter than `top_k` (there was room for
//! it) or the oracle ranks it above the engine's worst answer (it should have displaced it).
//! Because the oracle's order is total (ties end on the alert id), "above" is a position in
//! the oracle's ranking. An engine answer the oracle does not rank at all (it does not match,
//! or is not searchable) ranks below everything; such answers are also reported on their own
//! (`unmatched`). The engine's worst answer is its last when both agree on the order; when they
//! do not (`disordered`, itself a finding) the oracle's view decides. By counting, a full
//! answer that lacks an oracle top-`top_k` alert holds one the oracle ranks lower, so the rule
//! comes down to "in the oracle's first ten, not in the engine's".
//!
//! Pure: no IO, no clock, so the rule is tested on hand-made rankings.

use super::rank::Scored;

/// How an engine answer compares with the oracle's ranking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Positions (0-based) in the oracle's ranking of the engine-only misses, best first.
    pub misses: Vec<usize>,
    /// Positions in the engine's answer of the alerts the oracle does not rank.
    pub unmatched: Vec<usize>,
    /// Whether the engine's answer is in another order than the oracle's.
    pub disordered: bool,
}

/// Where each of `ids` stands in `ranking` (0-based), if anywhere: one pass over the ranking.
pub fn placement(ranking: &[Scored<'_>], ids: &[&str]) -> Vec<Option<usize>> {
    let mut placed = vec![None; ids.len()];
    let mut left = ids.len();
    for (position, scored) in ranking.iter().enumerate() {
        if left == 0 {
            break;
        }
        for (i, id) in ids.iter().enumerate() {
            if placed[i].is_none() && *id == scored.id {
                placed[i] = Some(position);
                left -= 1;
            }
        }
    }
    placed
}

/// Compares the engine's answer (`engine`: alert ids, best first) with the oracle's whole
/// `ranking` (best first), for a search of `top_k` matches.
pub fn judge(ranking: &[Scored<'_>], engine: &[&str], top_k: usize) -> Verdict {
    let placed = placement(ranking, engine);
    let unmatched = placed
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_none())
        .map(|(i, _)| i)
        .collect();
    // Oracle positions strictly above the engine's worst answer (all of them when the answer
    // had room left).
    let ranks: Vec<usize> = placed.iter().map(|p| p.unwrap_or(usize::MAX)).collect();
    let above = match ranks.iter().max() {
        Some(worst) if engine.len() >= top_k => *worst,
        _ => usize::MAX,
    };
    let misses = ranking
        .iter()
        .take(top_k)
        .enumerate()
        .filter(|(position, scored)| *position < above && !engine.contains(&scored.id))
        .map(|(position, _)| position)
        .collect();
    Verdict {
        misses,
        unmatched,
        disordered: ranks.windows(2).any(|pair| pair[0] > pair[1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranking(ids: &[&'static str]) -> Vec<Scored<'static>> {
        ids.iter()
            .enumerate()
            .map(|(i, id)| Scored {
                id,
                country: "NL",
                hits: 1,
                score: 1.0 - i as f64 * 0.01,
            })
            .collect()
    }

    const TWELVE: [&str; 12] = [
        "NL-01", "NL-02", "NL-03", "NL-04", "NL-05", "NL-06", "NL-07", "NL-08", "NL-09", "NL-10",
        "NL-11", "NL-12",
    ];

    #[test]
    fn the_same_answer_has_no_miss() {
        let oracle = ranking(&TWELVE);
        let verdict = judge(&oracle, &TWELVE[..10], 10);
        assert_eq!(
            verdict,
            Verdict {
                misses: vec![],
                unmatched: vec![],
                disordered: false
            }
        );
        let few = ranking(&TWELVE[..3]);
        assert!(judge(&few, &TWELVE[..3], 10).misses.is_empty());
        assert!(judge(&[], &[], 10).misses.is_empty());
    }

    #[test]
    fn an_oracle_alert_missing_from_a_short_answer_is_a_miss() {
        let oracle = ranking(&TWELVE[..3]);
        let verdict = judge(&oracle, &["NL-01", "NL-03"], 10);
        assert_eq!(verdict.misses, [1]);
        assert_eq!(judge(&oracle, &[], 10).misses, [0, 1, 2]);
    }

    #[test]
    fn a_full_answer_misses_what_outranks_its_last() {
        let oracle = ranking(&TWELVE);
        // NL-05 left out, NL-11 returned last instead: NL-05 outranks it.
        let mut answer: Vec<&str> = TWELVE[..10]
            .iter()
            .copied()
            .filter(|id| *id != "NL-05")
            .collect();
        answer.push("NL-11");
        assert_eq!(judge(&oracle, &answer, 10).misses, [4]);
        // Returned out of order but the same set: no miss.
        let mut shuffled = TWELVE[..10].to_vec();
        shuffled.reverse();
        let verdict = judge(&oracle, &shuffled, 10);
        assert!(verdict.misses.is_empty(), "{verdict:?}");
        assert!(verdict.disordered);
        // NL-12, the engine's worst answer by the oracle, is not its last: NL-01 still counts.
        let answer = [
            "NL-02", "NL-03", "NL-04", "NL-05", "NL-06", "NL-07", "NL-08", "NL-09", "NL-12",
            "NL-10",
        ];
        assert_eq!(judge(&oracle, &answer, 10).misses, [0]);
    }

    #[test]
    fn an_answer_the_oracle_does_not_rank_displaces_nothing_silently() {
        let oracle = ranking(&TWELVE);
        let mut answer = TWELVE[..9].to_vec();
        answer.push("XX-99");
        let verdict = judge(&oracle, &answer, 10);
        assert_eq!(verdict.unmatched, [9]);
        assert_eq!(verdict.misses, [9]);
    }

    #[test]
    fn placement_finds_positions() {
        let oracle = ranking(&TWELVE);
        assert_eq!(
            placement(&oracle, &["NL-12", "XX-1", "NL-01"]),
            [Some(11), None, Some(0)]
        );
    }
}
