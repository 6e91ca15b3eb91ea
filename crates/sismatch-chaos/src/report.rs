//! The run's report on standard output, as Markdown tables that go into BENCHMARKS.md as they
//! are: what each kind of fault did to the load, then every check with its figures.

use std::time::Duration;

use crate::checks::{SearchFigures, Verdict};
use crate::faults::{Episode, Kind};
use crate::journal::{Search, Write};

const KINDS: [Kind; 6] = [
    Kind::Kill,
    Kind::Hang,
    Kind::Slow,
    Kind::Lag,
    Kind::Drop,
    Kind::DiskFull,
];

fn within(at: Duration, episode: &Episode) -> bool {
    episode.start <= at && at <= episode.end
}

/// Prints the fault table: per kind, how often, how long, and the load served meanwhile.
pub fn faults(
    episodes: &[Episode],
    searches: &[Search],
    writes: &[Write],
    figures: &SearchFigures,
    run: Duration,
) {
    println!();
    println!(
        "| fault | times | seconds under it | searches answered (partial) | answers inside it naming the node right | writes acknowledged / sent (to the faulted node) |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for kind in KINDS {
        let of_kind: Vec<&Episode> = episodes.iter().filter(|e| e.kind == kind).collect();
        if of_kind.is_empty() {
            println!("| {} | 0 | | | | |", kind.name());
            continue;
        }
        let seconds: f64 = of_kind
            .iter()
            .map(|e| (e.end - e.start).as_secs_f64())
            .sum();
        let during = |at: Duration| of_kind.iter().any(|e| within(at, e));
        let answered: Vec<&Search> = searches
            .iter()
            .filter(|s| s.answer.is_ok() && during(s.sent))
            .collect();
        let partial = answered
            .iter()
            .filter(|s| matches!(&s.answer, Ok((_, true))))
            .count();
        let sent: Vec<&Write> = writes.iter().filter(|w| during(w.sent)).collect();
        let acknowledged = sent.iter().filter(|w| w.outcome.is_ok()).count();
        let to_node: Vec<&&Write> = sent
            .iter()
            .filter(|w| {
                of_kind
                    .iter()
                    .any(|e| e.node == w.node && within(w.sent, e))
            })
            .collect();
        let to_node_ok = to_node.iter().filter(|w| w.outcome.is_ok()).count();
        let (inside, right) = figures
            .by_kind
            .get(kind.name())
            .copied()
            .unwrap_or_default();
        println!(
            "| {} | {} | {seconds:.1} | {} ({partial}) | {right} / {inside} | {acknowledged} / {} ({to_node_ok} / {}) |",
            kind.name(),
            of_kind.len(),
            answered.len(),
            sent.len(),
            to_node.len()
        );
    }
    let answered = searches.iter().filter(|s| s.answer.is_ok()).count();
    let acknowledged = writes.iter().filter(|w| w.outcome.is_ok()).count();
    let seconds = run.as_secs_f64().max(1.0);
    println!(
        "| whole run | {} | {seconds:.1} | {answered} ({:.0}/s) | {} / {} | {acknowledged} / {} ({:.0}/s) |",
        episodes.len(),
        answered as f64 / seconds,
        figures.right_status,
        figures.during_fault,
        writes.len(),
        acknowledged as f64 / seconds
    );
}

/// Prints the checks with their figures; returns whether all passed.
pub fn verdicts(verdicts: &[Verdict]) -> bool {
    println!();
    println!("| check | result | figures |");
    println!("| --- | --- | --- |");
    for verdict in verdicts {
        println!(
            "| {} | {} | {} |",
            verdict.check,
            if verdict.passed { "pass" } else { "FAIL" },
            verdict.figures
        );
    }
    verdicts.iter().all(|verdict| verdict.passed)
}

/// Prints up to `limit` examples under a heading, when there are any.
pub fn examples(heading: &str, lines: &[String], limit: usize) {
    if lines.is_empty() {
        return;
    }
    println!();
    println!("{heading} ({} in all):", lines.len());
    for line in lines.iter().take(limit) {
        println!("  {line}");
    }
}

/// Writes the journal as tab-separated files in `folder` (`writes.tsv`, `searches.tsv`,
/// `faults.tsv`), for reading a failed run line by line.
pub fn dump(
    folder: &std::path::Path,
    names: &[String],
    episodes: &[Episode],
    searches: &[Search],
    writes: &[Write],
) -> std::io::Result<()> {
    use std::fmt::Write as _;
    let mut text = String::from("sent_s\tdone_s\tnode\tkind\toutcome\n");
    for w in writes {
        let outcome = match &w.outcome {
            Ok(()) => "OK".to_string(),
            Err((code, message)) => format!("{code:?} {message}"),
        };
        let _ = writeln!(
            text,
            "{:.3}\t{:.3}\t{}\t{}\t{outcome}",
            w.sent.as_secs_f64(),
            w.done.as_secs_f64(),
            names.get(w.node).map_or("?", String::as_str),
            w.kind
        );
    }
    std::fs::write(folder.join("writes.tsv"), text)?;
    let mut text = String::from("sent_s\telapsed_ms\tcore_elapsed_ms\tcore\tanswer\n");
    for s in searches {
        let answer = match &s.answer {
            Ok((nodes, partial)) => {
                let statuses: Vec<String> = nodes
                    .iter()
                    .map(|n| {
                        format!(
                            "{}={} {}",
                            n.name,
                            crate::checks::outcome_name(n.outcome),
                            n.message
                        )
                    })
                    .collect();
                format!("partial={partial} {}", statuses.join("; "))
            }
            Err((code, message)) => format!("{code:?} {message}"),
        };
        let _ = writeln!(
            text,
            "{:.3}\t{:.1}\t{:.1}\tcore-{}\t{answer}",
            s.sent.as_secs_f64(),
            s.elapsed.as_secs_f64() * 1000.0,
            s.core_elapsed
                .map_or(f64::NAN, |spent| spent.as_secs_f64() * 1000.0),
            s.core + 1
        );
    }
    std::fs::write(folder.join("searches.tsv"), text)?;
    let mut text =
        String::from("number\tkind\tnode\tstart_s\tcertain_from_s\thard_until_s\tend_s\n");
    for e in episodes {
        let _ = writeln!(
            text,
            "{}\t{}\t{}\t{:.3}\t{:.3}\t{:.3}\t{:.3}",
            e.number,
            e.kind.name(),
            names.get(e.node).map_or("?", String::as_str),
            e.start.as_secs_f64(),
            e.certain_from.as_secs_f64(),
            e.hard_until.as_secs_f64(),
            e.end.as_secs_f64()
        );
    }
    std::fs::write(folder.join("faults.tsv"), text)
}
