//! The oracle's report: `oracle.json` (every figure and every miss), `oracle.md` (what a
//! person reads), and the table printed on standard output.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use super::{OracleReport, TOP_K};
use crate::error::{BenchError, Result};
use crate::query::QueryValue;

/// The headline: engine-only misses against the bar.
pub fn headline(report: &OracleReport) -> String {
    format!(
        "engine-only misses: {} (bar: 0) over {} queries",
        report.engine_only_misses, report.queries
    )
}

/// The per-corruption table as plain text, for a terminal.
pub fn table(report: &OracleReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<20} {:>7} {:>10} {:>13} {:>9} {:>8} {:>10} {:>6}",
        "corruption",
        "queries",
        "oracle top",
        "engine misses",
        "expected",
        "crowded",
        "unmatched",
        "errors"
    );
    for c in &report.by_corruption {
        let _ = writeln!(
            out,
            "{:<20} {:>7} {:>10} {:>13} {:>9} {:>8} {:>10} {:>6}",
            c.corruption,
            c.queries,
            c.oracle_top,
            c.engine_misses,
            c.expected,
            c.expected_crowded,
            c.expected_unmatched,
            c.errors
        );
    }
    out
}

fn values(values: &[QueryValue]) -> String {
    values
        .iter()
        .map(|v| match &v.kind {
            Some(kind) => format!("`{}` ({kind})", v.value),
            None => format!("`{}`", v.value),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The Markdown text of `report`.
pub fn markdown(report: &OracleReport) -> String {
    let mut out = String::new();
    let m = &report.machine;
    let _ = writeln!(out, "# sismatch recall oracle\n");
    let _ = writeln!(out, "- date: {}", report.date);
    let _ = writeln!(
        out,
        "- sismatch {} at commit `{}`, {} build; {} cores, {} {}",
        report.sismatch_version, report.git_commit, report.build, m.cores, m.os, m.arch
    );
    let _ = writeln!(
        out,
        "- engine: the {} (top {} at the default threshold {}); oracle: {} alerts of {} ({} identifiers, {:.1} MiB), scored on {} threads",
        report.target,
        report.top_k,
        report.threshold,
        report.alerts,
        report.countries.join(", "),
        report.identifiers,
        report.table_bytes as f64 / (1024.0 * 1024.0),
        report.threads
    );
    if let Some(corpus) = &report.corpus {
        let _ = writeln!(
            out,
            "- corpus: {} alerts over {}, seed {}",
            corpus.alerts,
            corpus.countries.join(", "),
            corpus.seed
        );
    }
    let _ = writeln!(
        out,
        "- time: {:.1} s loading, {:.1} s engine searches, {:.1} s oracle scans, {:.1} s in all",
        report.load_s, report.engine_s, report.oracle_s, report.seconds
    );
    let _ = writeln!(out, "\n**{}**\n", headline(report));
    let _ = writeln!(
        out,
        "An engine-only miss is an alert of the oracle's first {TOP_K} (every stored alert \
         scored by the identifier core, ranked by the node's rule) that the engine did not \
         return. *Crowded* and *unmatched* are the data's misses: ground-truth alerts the oracle \
         itself ranks below its tenth, or does not match at all (below the threshold).\n"
    );
    let _ = writeln!(
        out,
        "| corruption | queries | oracle top-{TOP_K} alerts | engine-only misses | queries with misses | expected | crowded | unmatched | engine answers not ranked | reordered | errors |"
    );
    let _ = writeln!(
        out,
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for c in &report.by_corruption {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            c.corruption,
            c.queries,
            c.oracle_top,
            c.engine_misses,
            c.queries_with_misses,
            c.expected,
            c.expected_crowded,
            c.expected_unmatched,
            c.engine_unmatched,
            c.disordered,
            c.errors
        );
    }
    if !report.misses.is_empty() {
        let _ = writeln!(out, "\n## Engine-only misses\n");
        let _ = writeln!(
            out,
            "| query | corruption | values | missed alert | oracle rank | values matched | oracle score | engine returned |"
        );
        let _ = writeln!(out, "| --- | --- | --- | --- | ---: | ---: | ---: | ---: |");
        for miss in &report.misses {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {:.4} | {} |",
                miss.query,
                miss.corruption,
                values(&miss.values),
                miss.alert,
                miss.oracle_rank,
                miss.queries_matched,
                miss.oracle_score,
                miss.engine_returned
            );
        }
    }
    if !report.unmatched.is_empty() {
        let _ = writeln!(out, "\n## Engine answers the oracle does not rank\n");
        for found in &report.unmatched {
            let _ = writeln!(
                out,
                "- {} ({}): {} at {:.4}",
                found.query, found.corruption, found.alert, found.engine_score
            );
        }
    }
    if !report.errors.is_empty() {
        let _ = writeln!(out, "\n## Queries not checked\n");
        for error in &report.errors {
            let _ = writeln!(
                out,
                "- {} ({}): {}",
                error.query, error.corruption, error.message
            );
        }
    }
    out
}

/// Writes `oracle.json` and `oracle.md` into `dir` (created if needed); returns the files.
pub fn write(report: &OracleReport, dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(BenchError::io(dir))?;
    let json = dir.join("oracle.json");
    let text =
        serde_json::to_string_pretty(report).map_err(|e| BenchError::Report(e.to_string()))?;
    std::fs::write(&json, text + "\n").map_err(BenchError::io(&json))?;
    let md = dir.join("oracle.md");
    std::fs::write(&md, markdown(report)).map_err(BenchError::io(&md))?;
    Ok(vec![json, md])
}
