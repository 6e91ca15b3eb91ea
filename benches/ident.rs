//! Micro-benchmarks of the identifier core (`sismatch-ident`).
//!
//! What is measured, each as the time of one operation on one value (the benches cycle through
//! a corpus so that no single value's shape dominates):
//! - `normalise`: raw values as officers and importers write them, with mixed case and
//!   separators (`abc-12345 d4 04`, `NL.ABC 12345/D404`, `1hgcm 82633 a004352`);
//! - `parse`: kind detection and format parsing on a mix of HINs, CINs, VINs, container codes,
//!   IMO numbers and free-form serials, with no kind declared;
//! - `score/<family>/<case>` (the fast path used for ranking, no explanation) and
//!   `compare/<family>/<case>` (with the explanation), for two families, 12-character HIN-like
//!   values (`hin`) and 17-character VINs (`vin`), and five cases: `exact`, one look-alike
//!   (`lookalike`), a substitution and a transposition (`two_edits`), a bare 6-character
//!   fragment (`fragment`), and a `*...?...*` pattern (`pattern`).
//!
//! The corpus is synthetic and seeded (`sismatch-sample`'s `Rng`, the workspace's one seeded
//! generator, with the fixed seeds below), so every run measures the same values; each corpus holds 64 (normalise, parse: 240) values. Queries are parsed
//! and stored values normalised during setup, outside the measured loop.
//!
//! Run with `cargo bench -p sismatch-microbenches --bench ident`; add, for example,
//! `-- --warm-up-time 1 --measurement-time 3` for a quicker run, or a filter such as
//! `-- compare/vin` for one group.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use sismatch_ident::{DEFAULT_THRESHOLD, MatchMode, Query, compare, normalise, parse, score};
use sismatch_sample::Rng;

/// Letters and digits allowed in a VIN and a HIN serial (no `I`, `O`, `Q`).
const NO_IOQ: &str = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &str = "0123456789";
const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/// Characters with no look-alike, for unrelated substitutions.
const PLAIN: &str = "ACEFHKMNPRTWXY3479";
const COUNTRIES: [&str; 8] = ["NL", "DE", "FR", "BE", "IT", "ES", "GB", "SE"];
const SEPARATORS: &str = " -./";

/// A look-alike for each character that has one (first other member of its class).
fn lookalike(c: char) -> Option<char> {
    let other = match c {
        '0' => 'O',
        'O' | 'Q' | 'D' => '0',
        '1' => 'I',
        'I' | 'L' => '1',
        '2' => 'Z',
        'Z' => '2',
        '5' => 'S',
        'S' => '5',
        '6' => 'G',
        'G' => '6',
        '8' => 'B',
        'B' => '8',
        'V' => 'U',
        'U' => 'V',
        _ => return None,
    };
    Some(other)
}

/// A HIN in the current layout: maker code, serial, month letter, year digits.
fn hin(rng: &mut Rng) -> String {
    let mut value = rng.string(LETTERS, 3);
    value += &rng.string(NO_IOQ, 5);
    value.push(rng.char_of("ABCDEFGHIJKL"));
    value += &rng.string(DIGITS, 3);
    value
}

fn vin(rng: &mut Rng) -> String {
    rng.string(NO_IOQ, 17)
}

/// One value of each kind the parser detects, in turn, as an officer would type it.
fn mixed_value(rng: &mut Rng, index: usize) -> String {
    match index % 6 {
        0 => hin(rng),
        1 => format!("{}-{}", COUNTRIES[rng.index(COUNTRIES.len())], hin(rng)),
        2 => vin(rng),
        3 => format!(
            "{}U {} {}",
            rng.string(LETTERS, 3),
            rng.string(DIGITS, 6),
            rng.char_of(DIGITS)
        ),
        4 => format!("IMO {}", rng.string(DIGITS, 7)),
        _ => {
            let len = 6 + rng.index(5);
            rng.string(ALNUM, len)
        }
    }
}

/// `value` with random lower case and separators, as raw input arrives.
fn messy(rng: &mut Rng, value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 2);
    for c in value.chars() {
        if rng.index(4) == 0 {
            out.push(rng.char_of(SEPARATORS));
        }
        out.push(if rng.index(2) == 0 {
            c.to_ascii_lowercase()
        } else {
            c
        });
    }
    out
}

/// The five query cases, in bench order.
const CASES: [&str; 5] = ["exact", "lookalike", "two_edits", "fragment", "pattern"];

/// What an officer types for `stored` in `case`.
fn typed(rng: &mut Rng, stored: &str, case: &str) -> String {
    let mut chars: Vec<char> = stored.chars().collect();
    let len = chars.len();
    match case {
        "lookalike" => {
            let start = rng.index(len);
            let at = (0..len)
                .map(|k| (start + k) % len)
                .find(|&i| lookalike(chars[i]).is_some())
                .unwrap_or(start);
            chars[at] = lookalike(chars[at]).unwrap_or('0');
            chars.into_iter().collect()
        }
        "two_edits" => {
            // An unrelated substitution in the first half, a transposition in the second.
            let at = rng.index(len / 2);
            let mut with = rng.char_of(PLAIN);
            while with == chars[at] {
                with = rng.char_of(PLAIN);
            }
            chars[at] = with;
            let start = len / 2 + rng.index(len / 2 - 1);
            let swap = (start..len - 1)
                .chain(len / 2..start)
                .find(|&i| chars[i] != chars[i + 1])
                .unwrap_or(start);
            chars.swap(swap, swap + 1);
            chars.into_iter().collect()
        }
        "fragment" => {
            let start = 2 + rng.index(len - 8);
            chars[start..start + 6].iter().collect()
        }
        "pattern" => {
            let start = 2 + rng.index(len - 9);
            let mut run: Vec<char> = chars[start..start + 7].to_vec();
            run[1 + rng.index(5)] = '?';
            format!("*{}*", run.into_iter().collect::<String>())
        }
        _ => stored.to_string(),
    }
}

/// `(query, stored normalised value)` pairs for one family and case, checked to be matches of
/// the intended mode so that the bench measures what its name says.
fn pairs(family: &str, case: &str, seed: u64) -> Vec<(Query, String)> {
    let mut rng = Rng::new(seed);
    (0..64)
        .map(|_| {
            let raw = if family == "vin" {
                vin(&mut rng)
            } else {
                hin(&mut rng)
            };
            let stored = parse(&raw, None).normalised;
            let typed = typed(&mut rng, &stored, case);
            let query = match Query::parse(&typed, None) {
                Ok(query) => query,
                Err(error) => panic!("bench corpus: {typed:?} is not a query: {error}"),
            };
            let comparison = compare(&query, &stored);
            let mode = match case {
                "fragment" => MatchMode::Fragment,
                "pattern" => MatchMode::Pattern,
                _ => MatchMode::Edits,
            };
            assert!(
                comparison.mode == mode && comparison.score >= DEFAULT_THRESHOLD,
                "bench corpus: {typed} vs {stored} is not a {case} match: {comparison:?}"
            );
            (query, stored)
        })
        .collect()
}

fn bench_normalise(c: &mut Criterion) {
    let mut rng = Rng::new(0x5EED_0001);
    let corpus: Vec<String> = (0..240)
        .map(|i| {
            let value = mixed_value(&mut rng, i);
            messy(&mut rng, &value)
        })
        .collect();
    let mut i = 0;
    c.bench_function("normalise", |b| {
        b.iter(|| {
            i = (i + 1) % corpus.len();
            normalise(black_box(&corpus[i]))
        })
    });
}

fn bench_parse(c: &mut Criterion) {
    let mut rng = Rng::new(0x5EED_0002);
    let corpus: Vec<String> = (0..240).map(|i| mixed_value(&mut rng, i)).collect();
    let mut i = 0;
    c.bench_function("parse", |b| {
        b.iter(|| {
            i = (i + 1) % corpus.len();
            parse(black_box(&corpus[i]), None)
        })
    });
}

fn bench_scoring(c: &mut Criterion) {
    for (family, seed) in [("hin", 0x5EED_0100_u64), ("vin", 0x5EED_0200)] {
        let corpora: Vec<(&str, Vec<(Query, String)>)> = CASES
            .iter()
            .zip(0..)
            .map(|(&case, k)| (case, pairs(family, case, seed + k)))
            .collect();
        cycle(c, &format!("score/{family}"), &corpora, score);
        cycle(c, &format!("compare/{family}"), &corpora, |q, s| {
            compare(q, s)
        });
    }
}

/// One benchmark per case of `corpora` in group `name`, each cycling through its pairs.
fn cycle<R>(
    c: &mut Criterion,
    name: &str,
    corpora: &[(&str, Vec<(Query, String)>)],
    run: impl Fn(&Query, &str) -> R,
) {
    let mut group = c.benchmark_group(name);
    for (case, corpus) in corpora {
        let mut i = 0;
        group.bench_function(BenchmarkId::from_parameter(case), |b| {
            b.iter(|| {
                i = (i + 1) % corpus.len();
                let (query, stored) = &corpus[i];
                run(black_box(query), black_box(stored))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_normalise, bench_parse, bench_scoring);
criterion_main!(benches);
