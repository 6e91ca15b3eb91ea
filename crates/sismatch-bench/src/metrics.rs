//! The arithmetic of the quality and load figures. Pure functions over answers already
//! received, unit-tested on hand-made cases.
//!
//! Definitions (also in BENCHMARKS.md):
//! - **recall@k**: the share of queries for which *at least one* of the expected alerts is
//!   among the first k matches. A boat reported in two countries is found when either alert
//!   is (the core returns them as one group).
//! - **MRR**: the mean over queries of 1 / the rank of the first expected alert in the answer
//!   (the first 10 matches), 0 when none is there.
//! - **false hit**: a negative query (a number of an object never stolen) whose answer holds
//!   a match at or above the threshold through a stored number that is *more than two edits*
//!   from the query, look-alike confusions not counted as edits (the DESIGN §6 definition). A
//!   negative whose answer holds a match within two edits is a *near* negative: the engine is
//!   right to report it, and it leaves the denominator. The false-hit rate is false hits over
//!   negatives that are not near.
//! - **precision@1** at a threshold: among positive queries whose best match scores at least
//!   the threshold, the share whose best match is expected.

use serde::{Deserialize, Serialize};
use sismatch_ident::skeleton;

/// One match of an answer, in answer order.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// The alert id.
    pub id: String,
    /// Its score in [0, 1].
    pub score: f64,
    /// Whether the stored number it matched through is within two edits of the query value
    /// (look-alikes free); only negatives need it, and a load run does not judge it (false).
    pub near: bool,
}

/// The first 1-based rank at which an expected alert appears, if any.
pub fn first_hit(expected: &[String], ranked: &[Ranked]) -> Option<usize> {
    ranked
        .iter()
        .position(|found| expected.contains(&found.id))
        .map(|at| at + 1)
}

/// `n / d`, 0 when there is nothing to divide.
pub fn ratio(n: u64, d: u64) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

/// Recall and MRR of a group of positive queries.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Recall {
    /// Queries counted.
    pub queries: u64,
    /// Share found first.
    pub recall_at_1: f64,
    /// Share found among the first ten.
    pub recall_at_10: f64,
    /// Mean reciprocal rank.
    pub mrr: f64,
}

/// Counts towards [`Recall`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RecallTally {
    queries: u64,
    at_1: u64,
    at_10: u64,
    reciprocal: f64,
}

impl RecallTally {
    /// One query, found first at `rank` (1-based) or not at all.
    pub fn add(&mut self, rank: Option<usize>) {
        self.queries += 1;
        if let Some(rank) = rank {
            self.at_1 += u64::from(rank == 1);
            self.at_10 += u64::from(rank <= 10);
            self.reciprocal += 1.0 / rank as f64;
        }
    }

    /// The figures so far.
    pub fn recall(&self) -> Recall {
        Recall {
            queries: self.queries,
            recall_at_1: ratio(self.at_1, self.queries),
            recall_at_10: ratio(self.at_10, self.queries),
            mrr: if self.queries == 0 {
                0.0
            } else {
                self.reciprocal / self.queries as f64
            },
        }
    }
}

/// What negatives got back at one threshold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Negatives {
    /// Negative queries.
    pub queries: u64,
    /// Negatives with a match within two edits (a legitimate hit on a similar number).
    pub near: u64,
    /// Negatives with a match, but none within two edits: false hits.
    pub false_hits: u64,
    /// False hits over negatives that are not near (the DESIGN §6 figure).
    pub false_hit_rate: f64,
    /// Negatives with any match at all, over all negatives.
    pub any_match_rate: f64,
}

/// Counts [`Negatives`] at `threshold` over the answers to negative queries.
pub fn negatives(answers: &[&[Ranked]], threshold: f64) -> Negatives {
    let mut out = Negatives::default();
    for answer in answers {
        out.queries += 1;
        let above = || answer.iter().filter(|found| found.score >= threshold);
        if above().any(|found| found.near) {
            out.near += 1;
        } else if above().next().is_some() {
            out.false_hits += 1;
        }
    }
    out.false_hit_rate = ratio(out.false_hits, out.queries - out.near);
    out.any_match_rate = ratio(out.near + out.false_hits, out.queries);
    out
}

/// One point of the threshold sweep.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// Matches below it are dropped.
    pub threshold: f64,
    /// Recall@10 of the positives.
    pub recall_at_10: f64,
    /// Precision of the best match of positives (see the module doc); `None` when no positive
    /// query has a match at this threshold.
    pub precision_at_1: Option<f64>,
    /// False-hit rate of the negatives.
    pub false_hit_rate: f64,
}

/// Recall, precision and false hits at each of `thresholds`, from answers taken at a lower
/// threshold: `positives` as (expected ids, answer), `negative` answers apart.
pub fn sweep(
    positives: &[(&[String], &[Ranked])],
    negative: &[&[Ranked]],
    thresholds: &[f64],
) -> Vec<SweepPoint> {
    let mut points = Vec::with_capacity(thresholds.len());
    for &threshold in thresholds {
        let mut found = 0;
        let mut answered = 0;
        let mut correct = 0;
        for (expected, answer) in positives {
            let kept: Vec<Ranked> = answer
                .iter()
                .filter(|m| m.score >= threshold)
                .cloned()
                .collect();
            if first_hit(expected, &kept).is_some_and(|rank| rank <= 10) {
                found += 1;
            }
            if let Some(best) = kept.first() {
                answered += 1;
                correct += u64::from(expected.contains(&best.id));
            }
        }
        points.push(SweepPoint {
            threshold,
            recall_at_10: ratio(found, positives.len() as u64),
            precision_at_1: (answered > 0).then(|| ratio(correct, answered)),
            false_hit_rate: negatives(negative, threshold).false_hit_rate,
        });
    }
    points
}

/// Optimal-string-alignment distance (insertions, deletions, substitutions, adjacent
/// transpositions, each one edit).
pub fn osa_distance(a: &[char], b: &[char]) -> usize {
    let width = b.len() + 1;
    let mut d = vec![0_usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            let at = i * width + j;
            d[at] = if i == 0 || j == 0 {
                i + j
            } else {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut best = (d[at - width] + 1)
                    .min(d[at - 1] + 1)
                    .min(d[at - width - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(d[at - 2 * width - 2] + 1);
                }
                best
            };
        }
    }
    d[a.len() * width + b.len()]
}

/// Whether two identifier keys are within two edits, look-alike confusions not counted (the
/// keys are compared as skeletons).
pub fn within_two_edits(query_key: &str, stored_key: &str) -> bool {
    let a: Vec<char> = skeleton(query_key).chars().collect();
    let b: Vec<char> = skeleton(stored_key).chars().collect();
    a.len().abs_diff(b.len()) <= 2 && osa_distance(&a, &b) <= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranked(list: &[(&str, f64, bool)]) -> Vec<Ranked> {
        list.iter()
            .map(|(id, score, near)| Ranked {
                id: id.to_string(),
                score: *score,
                near: *near,
            })
            .collect()
    }

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn recall_and_mrr_by_hand() {
        let expected = ids(&["NL-1", "BE-2"]);
        let first = ranked(&[("NL-1", 1.0, true)]);
        let third = ranked(&[("X", 0.9, true), ("Y", 0.8, true), ("BE-2", 0.7, true)]);
        let mut eleventh: Vec<Ranked> = (0..10)
            .map(|i| ranked(&[(&format!("Z{i}"), 0.9, true)])[0].clone())
            .collect();
        eleventh.extend(ranked(&[("NL-1", 0.6, true)]));
        assert_eq!(first_hit(&expected, &first), Some(1));
        assert_eq!(first_hit(&expected, &third), Some(3));
        assert_eq!(first_hit(&expected, &eleventh), Some(11));
        assert_eq!(first_hit(&expected, &[]), None);
        let mut tally = RecallTally::default();
        for answer in [&first, &third, &eleventh, &Vec::new()] {
            tally.add(first_hit(&expected, answer));
        }
        let recall = tally.recall();
        assert_eq!(recall.queries, 4);
        assert_eq!(recall.recall_at_1, 0.25);
        assert_eq!(recall.recall_at_10, 0.5);
        // (1 + 1/3 + 1/11 + 0) / 4
        assert!((recall.mrr - (1.0 + 1.0 / 3.0 + 1.0 / 11.0) / 4.0).abs() < 1e-12);
        assert_eq!(RecallTally::default().recall().mrr, 0.0);
    }

    #[test]
    fn false_hits_by_hand() {
        let none = ranked(&[]);
        let weak_far = ranked(&[("A", 0.4, false)]);
        let far = ranked(&[("B", 0.6, false)]);
        let near = ranked(&[("C", 0.9, false), ("D", 0.7, true)]);
        let answers: Vec<&[Ranked]> = vec![&none, &weak_far, &far, &near];
        let at_half = negatives(&answers, 0.5);
        assert_eq!(
            (at_half.queries, at_half.near, at_half.false_hits),
            (4, 1, 1)
        );
        assert!((at_half.false_hit_rate - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(at_half.any_match_rate, 0.5);
        let at_low = negatives(&answers, 0.3);
        assert_eq!(at_low.false_hits, 2);
        let at_high = negatives(&answers, 0.95);
        assert_eq!(
            (at_high.near, at_high.false_hits, at_high.false_hit_rate),
            (0, 0, 0.0)
        );
    }

    #[test]
    fn sweep_by_hand() {
        let expected = ids(&["E"]);
        let strong = ranked(&[("E", 0.9, true)]);
        let behind = ranked(&[("X", 0.8, true), ("E", 0.6, true)]);
        let weak = ranked(&[("E", 0.4, true)]);
        let positives: Vec<(&[String], &[Ranked])> = vec![
            (&expected, &strong),
            (&expected, &behind),
            (&expected, &weak),
        ];
        let far = ranked(&[("F", 0.55, false)]);
        let negative: Vec<&[Ranked]> = vec![&far];
        let points = sweep(&positives, &negative, &[0.3, 0.5, 0.7, 0.95]);
        assert_eq!(points[0].recall_at_10, 1.0);
        assert_eq!(points[0].precision_at_1, Some(2.0 / 3.0));
        assert_eq!(points[0].false_hit_rate, 1.0);
        assert_eq!(points[1].recall_at_10, 2.0 / 3.0);
        assert_eq!(points[1].precision_at_1, Some(0.5));
        assert_eq!(points[2].recall_at_10, 1.0 / 3.0);
        assert_eq!(points[2].precision_at_1, Some(0.5));
        assert_eq!(points[2].false_hit_rate, 0.0);
        assert_eq!(points[3].recall_at_10, 0.0);
        assert_eq!(points[3].precision_at_1, None);
    }

    #[test]
    fn edit_distances_by_hand() {
        let d = |a: &str, b: &str| {
            osa_distance(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
            )
        };
        assert_eq!(d("", ""), 0);
        assert_eq!(d("ABC", ""), 3);
        assert_eq!(d("ABCD", "ABDC"), 1);
        assert_eq!(d("ABCD", "AXCD"), 1);
        assert_eq!(d("ABCD", "ABD"), 1);
        assert_eq!(d("12345678", "21345687"), 2);
        assert_eq!(d("CA", "ABC"), 3);
        assert!(within_two_edits("BAY12345D404", "8AY12354D4O4"));
        assert!(within_two_edits("BAY12345D404", "BAY1345D44"));
        assert!(!within_two_edits("BAY12345D404", "BAY13354D444"));
        assert!(!within_two_edits("12345", "12345678"));
    }
}
