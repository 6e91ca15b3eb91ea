//! The oracle's ranking: every stored alert scored against a query, by brute force, with the
//! node's rule.
//!
//! Why a copy of the node's rule and not a call into it: the oracle must not share the code
//! it checks the answers of beyond the identifier core (whose `score` is the definition of a
//! match). What is copied is small and stated here, from `sismatch-node`'s `search.rs`
//! (`best_hits`, `combined`, `admits`, `rank`) and the core's `merge.rs`:
//!
//! - per query value, the best score over the alert's indexable identifiers, times 0.9 when
//!   the value was declared of another kind than the identifier (a HIN and a CIN are one kind),
//!   kept when it reaches the default threshold;
//! - an alert matches when at least one value is kept; its score is `1 - Π(1 - s)` over the
//!   kept values, in query order;
//! - only ACTIVE and HIT_CONFIRMED alerts not past their expiry take part;
//! - matches rank by values matched (more first), score (higher first), country, then id.
//!   Within one node the country is the same for all; the core orders equal scores by
//!   country before id.

use std::cmp::Ordering;
use std::ops::Range;

use jiff::Timestamp;
use sismatch_ident::{DEFAULT_THRESHOLD, IdentifierKind, Query, score};

use super::table::Table;
use crate::target::TypedValue;

/// Factor the node applies to a match through an identifier of another kind than declared.
const WRONG_KIND: f64 = 0.9;

/// A query ready to score: each value parsed once.
#[derive(Debug, Clone)]
pub struct Plan {
    values: Vec<(Query, Option<IdentifierKind>)>,
    threshold: f64,
}

impl Plan {
    /// The plan of `values` at the default threshold, or why the node would refuse them (a
    /// wildcard pattern too vague, an empty value).
    pub fn new(values: &[TypedValue]) -> std::result::Result<Plan, String> {
        let mut parsed = Vec::with_capacity(values.len());
        for (i, (kind, value)) in values.iter().enumerate() {
            let query = Query::parse(value, *kind).map_err(|e| format!("values[{i}]: {e}"))?;
            parsed.push((query, *kind));
        }
        Ok(Plan {
            values: parsed,
            threshold: DEFAULT_THRESHOLD,
        })
    }
}

/// One alert the oracle ranks, with its rank key.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored<'t> {
    /// The alert's id.
    pub id: &'t str,
    /// Its issuing country.
    pub country: &'t str,
    /// Query values it matched.
    pub hits: usize,
    /// Combined score.
    pub score: f64,
}

/// The federation's order, best first: more values matched, higher score, country, id.
pub fn order(a: &Scored<'_>, b: &Scored<'_>) -> Ordering {
    b.hits
        .cmp(&a.hits)
        .then(b.score.total_cmp(&a.score))
        .then_with(|| a.country.cmp(b.country))
        .then_with(|| a.id.cmp(b.id))
}

/// Kinds that are one number written two ways: a HIN is the body of a CIN.
fn same_kind(declared: IdentifierKind, stored: IdentifierKind) -> bool {
    use IdentifierKind::{Cin, Hin};
    declared == stored || matches!((declared, stored), (Hin, Cin) | (Cin, Hin))
}

/// Values matched and combined score of an alert with `stored` identifiers (position,
/// declared kind, normalised value), or `None` when no value reaches the threshold.
pub fn score_alert<'a>(
    plan: &Plan,
    stored: impl Iterator<Item = (usize, IdentifierKind, &'a str)> + Clone,
) -> Option<(usize, f64)> {
    let mut hits = 0;
    let mut missing = 1.0;
    for (query, declared) in &plan.values {
        let mut best: Option<f64> = None;
        for (_, kind, normalised) in stored.clone() {
            let mismatch = declared.is_some_and(|k| !same_kind(k, kind));
            let factor = if mismatch { WRONG_KIND } else { 1.0 };
            let s = score(query, normalised) * factor;
            if best.is_none_or(|b| s > b) {
                best = Some(s);
            }
        }
        if let Some(s) = best.filter(|s| *s >= plan.threshold) {
            hits += 1;
            missing *= 1.0 - s;
        }
    }
    (hits > 0).then_some((hits, 1.0 - missing))
}

fn scan_rows<'t>(
    table: &'t Table,
    plan: &Plan,
    now: Timestamp,
    rows: Range<usize>,
) -> Vec<Scored<'t>> {
    let mut found = Vec::new();
    for row in rows {
        if !table.admits(row, now) {
            continue;
        }
        if let Some((hits, score)) = score_alert(plan, table.identifiers(row)) {
            found.push(Scored {
                id: table.id(row),
                country: table.country(row),
                hits,
                score,
            });
        }
    }
    found
}

/// Every alert of `table` that matches `plan` at `now`, best first: the node's (or the core's)
/// whole ranking, of which a search returns the head. The alerts are scored on `threads`
/// threads, each over a contiguous share of the table.
pub fn scan<'t>(table: &'t Table, plan: &Plan, now: Timestamp, threads: usize) -> Vec<Scored<'t>> {
    let rows = table.len();
    let threads = threads.clamp(1, rows.max(1));
    let share = rows.div_ceil(threads);
    let mut found: Vec<Scored<'t>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let range = (t * share).min(rows)..((t + 1) * share).min(rows);
                scope.spawn(move || scan_rows(table, plan, now, range))
            })
            .collect();
        let mut all = Vec::new();
        for worker in workers {
            match worker.join() {
                Ok(part) => all.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        all
    });
    found.sort_by(order);
    found
}

#[cfg(test)]
mod tests {
    use super::super::table::tests::alert;
    use super::*;

    fn plan(values: &[(Option<IdentifierKind>, &str)]) -> Plan {
        let typed: Vec<TypedValue> = values.iter().map(|(k, v)| (*k, v.to_string())).collect();
        Plan::new(&typed).unwrap()
    }

    fn ids<'t>(found: &[Scored<'t>]) -> Vec<&'t str> {
        found.iter().map(|s| s.id).collect()
    }

    #[test]
    fn ties_break_by_country_then_id() {
        let mut table = Table::new();
        for id in ["NL-3", "NL-1", "BE-9", "NL-2"] {
            table
                .push(&alert(id, &[(IdentifierKind::Hin, "BAY12345D404")]))
                .unwrap();
        }
        let query = plan(&[(Some(IdentifierKind::Hin), "BAY12345D404")]);
        for threads in [1, 2, 3, 8] {
            let found = scan(&table, &query, Timestamp::now(), threads);
            assert_eq!(ids(&found), ["BE-9", "NL-1", "NL-2", "NL-3"], "{threads}");
            assert!(
                found
                    .iter()
                    .all(|s| s.hits == 1 && s.score == found[0].score)
            );
        }
    }

    #[test]
    fn more_values_matched_rank_first_and_wrong_kind_costs() {
        let mut table = Table::new();
        table
            .push(&alert("NL-1", &[(IdentifierKind::Hin, "BAY12345D404")]))
            .unwrap();
        table
            .push(&alert(
                "NL-2",
                &[
                    (IdentifierKind::Hin, "BAY12346D404"),
                    (IdentifierKind::EngineSerial, "6CJ-1013456"),
                ],
            ))
            .unwrap();
        table
            .push(&alert(
                "NL-3",
                &[(IdentifierKind::EngineSerial, "BAY12345D404")],
            ))
            .unwrap();
        table
            .push(&alert(
                "NL-4",
                &[(IdentifierKind::Vin, "WAUZZZ8V5KA106318")],
            ))
            .unwrap();
        let now = Timestamp::now();
        let both = plan(&[
            (Some(IdentifierKind::Hin), "BAY12345D404"),
            (Some(IdentifierKind::EngineSerial), "6CJ-1013456"),
        ]);
        let found = scan(&table, &both, now, 2);
        assert_eq!(ids(&found), ["NL-2", "NL-1", "NL-3"]);
        assert_eq!(found[0].hits, 2);
        assert_eq!(found[1].score, 1.0);
        // The same number stored as an engine serial: found below the hull number, at 0.9.
        assert_eq!(found[2].hits, 1);
        assert!((found[2].score - 0.9).abs() < 1e-12, "{}", found[2].score);
    }

    #[test]
    fn inactive_and_expired_alerts_are_left_out() {
        let mut table = Table::new();
        let mut recovered = alert("NL-1", &[(IdentifierKind::Hin, "BAY12345D404")]);
        recovered.status = sismatch_alert::Status::Recovered;
        let mut expired = alert("NL-2", &[(IdentifierKind::Hin, "BAY12345D404")]);
        expired.expires_at = Some(Timestamp::UNIX_EPOCH);
        let mut confirmed = alert("NL-3", &[(IdentifierKind::Hin, "BAY12345D404")]);
        confirmed.status = sismatch_alert::Status::HitConfirmed;
        for a in [recovered, expired, confirmed] {
            table.push(&a).unwrap();
        }
        let query = plan(&[(None, "BAY12345D404")]);
        assert_eq!(ids(&scan(&table, &query, Timestamp::now(), 1)), ["NL-3"]);
    }

    #[test]
    fn a_vague_pattern_is_refused_as_the_node_refuses_it() {
        assert!(Plan::new(&[(None, "*1*".to_string())]).is_err());
    }
}
