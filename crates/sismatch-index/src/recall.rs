//! Recall and latency of candidate generation at scale: an `#[ignore]`d test, because it indexes
//! 200,000 identifiers (set `SISMATCH_RECALL_IDENTIFIERS` for another size). Run it in release:
//!
//! ```text
//! cargo test --release -p sismatch-index -- --ignored --nocapture
//! ```
//!
//! Corpus: seeded VIN-like (17), HIN-like (12), CIN (14), IMO and 6-10 character serials, 1 to 3
//! per alert. Queries: 2,000 with two random look-alikes, edits or transpositions, then 200 of
//! every corruption kind of DESIGN §3, then 1,000 values that are stored nowhere (the no-hit
//! path). Measured: the share whose alert is among the top 200 candidates, the share in the top
//! 10 once the candidates are scored as the node does, and the time of `candidates`, after
//! [`AlertIndex::compact`] (set `SISMATCH_RECALL_COMPACT=0` to search the segments the import
//! left) and 7 small batches (each a small segment, as when a node serves updates).

use std::time::{Duration, Instant};

use sismatch_alert::Alert;
use sismatch_ident::{DEFAULT_THRESHOLD, IdentifierKind, Query, parse, score};
use tempfile::TempDir;

use crate::testkit::{Corruption, Rng, alerts, identifier};
use crate::{AlertIndex, IndexChange};

const LIMIT: usize = 200;

/// What happened to a set of queries.
#[derive(Default)]
struct Tally {
    queries: usize,
    accepted: usize,
    in_candidates: usize,
    accepted_in_candidates: usize,
    in_top10: usize,
    candidates: usize,
    times: Vec<Duration>,
}

impl Tally {
    fn line(&mut self, name: &str) -> String {
        self.times.sort();
        let pct = |n: usize, of: usize| 100.0 * n as f64 / of.max(1) as f64;
        let at = |q: f64| {
            let i =
                ((self.times.len() as f64 * q) as usize).min(self.times.len().saturating_sub(1));
            self.times.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e3)
        };
        format!(
            "{name:<28} n={:>5} in-candidates={:>6.2}% scorer-accepted={:>6.2}% of-those-in-candidates={:>6.2}% top10-after-scoring={:>6.2}% mean-candidates={:>6.1} p50={:.3}ms p99={:.3}ms max={:.3}ms",
            self.queries,
            pct(self.in_candidates, self.queries),
            pct(self.accepted, self.queries),
            pct(self.accepted_in_candidates, self.accepted),
            pct(self.in_top10, self.queries),
            self.candidates as f64 / self.queries.max(1) as f64,
            at(0.5),
            at(0.99),
            self.times.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
        )
    }
}

/// The node's ranking: the best score of any identifier of each candidate, above the threshold.
fn top10(query: &Query, candidates: &[String], normalised: &[Vec<String>]) -> Vec<usize> {
    let mut scored: Vec<(f64, usize)> = candidates
        .iter()
        .filter_map(|id| id.strip_prefix("NL-")?.parse::<usize>().ok())
        .map(|n| {
            let best = normalised[n]
                .iter()
                .map(|value| score(query, value))
                .fold(0.0, f64::max);
            (best, n)
        })
        .filter(|(s, _)| *s >= DEFAULT_THRESHOLD)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().take(10).map(|(_, n)| n).collect()
}

fn run(
    index: &AlertIndex,
    tally: &mut Tally,
    raw: &str,
    kind: Option<IdentifierKind>,
    truth: Option<(usize, &str)>,
    normalised: &[Vec<String>],
) {
    let Ok(query) = Query::parse(raw, kind) else {
        return;
    };
    let start = Instant::now();
    let found = index
        .candidates(std::slice::from_ref(&query), LIMIT)
        .unwrap();
    tally.times.push(start.elapsed());
    tally.queries += 1;
    tally.candidates += found.len();
    let Some((n, stored)) = truth else {
        return;
    };
    let hit = found.iter().any(|id| id == &format!("NL-{n:07}"));
    let accepted = score(&query, stored) >= DEFAULT_THRESHOLD;
    if accepted && !hit {
        println!(
            "missed: {raw:?} ({kind:?}) for {stored:?}, {} candidates",
            found.len()
        );
    }
    tally.in_candidates += usize::from(hit);
    tally.accepted += usize::from(accepted);
    tally.accepted_in_candidates += usize::from(hit && accepted);
    tally.in_top10 += usize::from(top10(&query, &found, normalised).contains(&n));
}

/// Two random look-alikes, edits or transpositions.
fn two_corruptions(rng: &mut Rng, kind: IdentifierKind, value: &str) -> String {
    let singles = [
        Corruption::LookAlike,
        Corruption::OneEdit,
        Corruption::Transposition,
    ];
    let first = singles[rng.below(3)];
    let second = singles[rng.below(3)];
    let (once, _) = first.apply(rng, kind, value);
    second.apply(rng, kind, &once).0
}

#[test]
#[ignore = "indexes 200,000 identifiers; run in release with --ignored --nocapture"]
fn recall_and_latency_at_scale() {
    let wanted: usize = std::env::var("SISMATCH_RECALL_IDENTIFIERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let mut rng = Rng::new(2026);
    let mut stored: Vec<Alert> = Vec::new();
    let mut identifiers = 0;
    while identifiers < wanted {
        let mut batch = alerts(&mut rng, 1000);
        for (i, a) in batch.iter_mut().enumerate() {
            a.id = format!("NL-{:07}", stored.len() + i);
        }
        identifiers += batch.iter().map(|a| a.identifiers.len()).sum::<usize>();
        stored.extend(batch);
    }
    let normalised: Vec<Vec<String>> = stored
        .iter()
        .map(|a| {
            a.identifiers
                .iter()
                .map(|e| parse(&e.value, Some(e.kind)).normalised)
                .collect()
        })
        .collect();

    let dir = TempDir::new().unwrap();
    let (index, _) = AlertIndex::open(dir.path()).unwrap();
    let start = Instant::now();
    for (sequence, chunk) in stored.chunks(20_000).enumerate() {
        let changes: Vec<IndexChange<'_>> = chunk.iter().map(IndexChange::Upsert).collect();
        index.apply(&changes, sequence as u64 + 1).unwrap();
    }
    let import = start.elapsed();
    let stats = index.stats().unwrap();
    println!(
        "indexed {} alerts, {} identifiers in {:.1}s ({:.0} alerts/s), {} segments",
        stats.alerts,
        stats.identifiers,
        import.as_secs_f64(),
        stats.alerts as f64 / import.as_secs_f64(),
        index.segments()
    );
    if std::env::var("SISMATCH_RECALL_COMPACT").as_deref() != Ok("0") {
        let start = Instant::now();
        index.compact().unwrap();
        println!(
            "compacted to {} segments in {:.1}s",
            index.segments(),
            start.elapsed().as_secs_f64()
        );
    }

    // Steady state: a node then applies small batches, each a small segment until merged.
    for sequence in 0..7u64 {
        let batch: Vec<IndexChange<'_>> = (0..20)
            .map(|_| IndexChange::Upsert(&stored[rng.below(stored.len())]))
            .collect();
        index.apply(&batch, 1000 + sequence).unwrap();
    }
    println!("then 7 small batches: {} segments", index.segments());
    let bytes: u64 = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|entry| entry.ok()?.metadata().ok())
        .map(|meta| meta.len())
        .sum();
    println!(
        "index on disk: {:.0} MB ({:.0} bytes per identifier)",
        bytes as f64 / 1e6,
        bytes as f64 / stats.identifiers as f64
    );

    // Warm the page cache and the automaton builders.
    let mut warm = Tally::default();
    for _ in 0..200 {
        let n = rng.below(stored.len());
        let entry = &stored[n].identifiers[0];
        run(&index, &mut warm, &entry.value, None, None, &normalised);
    }

    profile_stages(&index, &stored, &mut rng);

    let mut overall = Tally::default();
    for _ in 0..2000 {
        let n = rng.below(stored.len());
        let i = rng.below(stored[n].identifiers.len());
        let entry = &stored[n].identifiers[i];
        let raw = two_corruptions(&mut rng, entry.kind, &entry.value);
        let truth = Some((n, normalised[n][i].as_str()));
        run(
            &index,
            &mut overall,
            &raw,
            Some(entry.kind),
            truth,
            &normalised,
        );
    }
    println!("{}", overall.line("two corruptions"));

    for corruption in Corruption::ALL {
        let mut tally = Tally::default();
        for _ in 0..200 {
            let n = rng.below(stored.len());
            let i = rng.below(stored[n].identifiers.len());
            let entry = &stored[n].identifiers[i];
            let (raw, kind) = corruption.apply(&mut rng, entry.kind, &entry.value);
            let truth = Some((n, normalised[n][i].as_str()));
            run(&index, &mut tally, &raw, kind, truth, &normalised);
        }
        println!("{}", tally.line(&format!("{corruption:?}")));
    }

    let mut missing = Tally::default();
    let mut unknown = Rng::new(99);
    for _ in 0..1000 {
        let (kind, value) = identifier(&mut unknown);
        run(&index, &mut missing, &value, Some(kind), None, &normalised);
    }
    println!("{}", missing.line("not stored (no-hit path)"));
}

/// Time of each stage of `candidates` on two-corruption queries, by query length.
fn profile_stages(index: &AlertIndex, stored: &[Alert], rng: &mut Rng) {
    use crate::gather::Gather;
    let (searcher, fields, tables) = index.parts();
    // By length bucket: [exact, fuzzy, fragments, ids], count.
    let mut buckets: Vec<([Duration; 4], usize)> = vec![([Duration::ZERO; 4], 0); 4];
    for _ in 0..2000 {
        let n = rng.below(stored.len());
        let i = rng.below(stored[n].identifiers.len());
        let entry = &stored[n].identifiers[i];
        let raw = two_corruptions(rng, entry.kind, &entry.value);
        let Ok(Query::Value(value)) = Query::parse(&raw, Some(entry.kind)) else {
            continue;
        };
        let skel: Vec<char> = value.skeleton.chars().collect();
        let bucket = match skel.len() {
            0..=7 => 0,
            8..=9 => 1,
            10..=13 => 2,
            _ => 3,
        };
        let mut gather = Gather::new(&searcher, fields, tables.clone());
        let mut times = [Duration::ZERO; 4];
        let start = Instant::now();
        gather.exact(0, &value.skeleton).unwrap();
        times[0] = start.elapsed();
        let start = Instant::now();
        crate::fuzzy::fuzzy(&mut gather, 0, &skel).unwrap();
        times[1] = start.elapsed();
        let start = Instant::now();
        crate::search::fragments(&mut gather, &fields, 0, &skel).unwrap();
        times[2] = start.elapsed();
        let start = Instant::now();
        gather.into_alert_ids(LIMIT).unwrap();
        times[3] = start.elapsed();
        for (total, t) in buckets[bucket].0.iter_mut().zip(times) {
            *total += t;
        }
        buckets[bucket].1 += 1;
    }
    for (name, (times, count)) in ["<=7", "8-9", "10-13", ">=14"].iter().zip(buckets) {
        let us = |d: Duration| d.as_secs_f64() * 1e6 / count.max(1) as f64;
        println!(
            "stages, length {name:>5}: n={count:>4} exact={:.0}us fuzzy={:.0}us fragments={:.0}us ids={:.0}us",
            us(times[0]),
            us(times[1]),
            us(times[2]),
            us(times[3])
        );
    }
}
