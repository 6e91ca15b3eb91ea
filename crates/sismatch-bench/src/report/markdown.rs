//! `report.md`: the summary a person reads, with the same figures as `report.json`.

use std::fmt::Write;

use super::Report;
use crate::load::{LoadReport, Percentiles};

fn gib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0 * 1024.0)
}

fn latency_row(name: &str, p: &Percentiles) -> String {
    format!(
        "| {name} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |\n",
        p.count, p.mean_ms, p.p50_ms, p.p90_ms, p.p99_ms, p.p999_ms, p.max_ms
    )
}

/// The Markdown text of `report`.
pub(crate) fn render(report: &Report) -> String {
    let mut out = String::new();
    let m = &report.machine;
    let memory = m
        .memory_bytes
        .map_or("unknown".to_string(), |b| format!("{:.1} GiB", gib(b)));
    let _ = writeln!(out, "# sismatch benchmark report ({})\n", report.kind);
    let _ = writeln!(out, "- date: {}", report.date);
    let _ = writeln!(
        out,
        "- sismatch {} at commit `{}`, {} build",
        report.sismatch_version, report.git_commit, report.build
    );
    let _ = writeln!(
        out,
        "- machine: {} cores, {memory} memory, {} {}",
        m.cores, m.os, m.arch
    );
    if report.build != "release" {
        let _ = writeln!(out, "- **debug build: the timings are not representative**");
    }
    if let Some(corpus) = &report.corpus {
        let _ = writeln!(
            out,
            "- corpus: {} alerts ({} objects, {} reported in two countries, {} identifiers) over {}, seed {}, {} register sales",
            corpus.alerts,
            corpus.objects,
            corpus.shared_objects,
            corpus.identifiers,
            corpus.countries.join(", "),
            corpus.seed,
            corpus.register_sales
        );
    }
    if let Some(resident) = report.resident_bytes {
        let _ = writeln!(
            out,
            "- resident memory after the import: {:.2} GiB (the whole process)",
            gib(resident)
        );
    }
    out.push('\n');
    if !report.targets.is_empty() {
        out.push_str("## DESIGN §6 targets\n\n| what | target | measured | met | conditions |\n| --- | --- | --- | --- | --- |\n");
        for t in &report.targets {
            let met = if t.met { "yes" } else { "**no**" };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {met} | {} |",
                t.what, t.target, t.measured, t.note
            );
        }
        out.push('\n');
    }
    if !report.import.is_empty() {
        out.push_str("## Import\n\n| node | alerts | import s | alerts/s (durable) | index catch-up s | compaction s | segments |\n| --- | --- | --- | --- | --- | --- | --- |\n");
        for i in &report.import {
            let _ = writeln!(
                out,
                "| {} | {} | {:.1} | {:.0} | {:.1} | {:.1} | {} |",
                i.node,
                i.alerts,
                i.import_s,
                i.alerts_per_s,
                i.index_wait_s,
                i.compaction_wait_s,
                i.segments
            );
        }
        out.push('\n');
    }
    if let Some(q) = &report.quality {
        let _ = writeln!(
            out,
            "## Quality ({}, default threshold {})\n",
            q.target, q.threshold
        );
        out.push_str("| corruption | queries | recall@1 | recall@10 | MRR |\n| --- | --- | --- | --- | --- |\n");
        for c in &q.by_corruption {
            let r = &c.recall;
            let _ = writeln!(
                out,
                "| {} | {} | {:.4} | {:.4} | {:.4} |",
                c.corruption, r.queries, r.recall_at_1, r.recall_at_10, r.mrr
            );
        }
        let r = &q.overall;
        let _ = writeln!(
            out,
            "| **overall** | {} | {:.4} | {:.4} | {:.4} |\n",
            r.queries, r.recall_at_1, r.recall_at_10, r.mrr
        );
        let n = &q.negatives;
        let _ = writeln!(
            out,
            "Negatives: {} queries; {} matched a stored number within two edits (near); {} false hits; false-hit rate {:.2} % (of the {} not near); any match {:.2} %.\n",
            n.queries,
            n.near,
            n.false_hits,
            n.false_hit_rate * 100.0,
            n.queries - n.near,
            n.any_match_rate * 100.0
        );
        if !q.miss_classes.is_empty() {
            let classes: Vec<String> = q
                .miss_classes
                .iter()
                .map(|(c, n)| format!("{c} {n}"))
                .collect();
            let _ = writeln!(out, "Misses at ten by class: {}.\n", classes.join(", "));
        }
        if !q.errors.is_empty() {
            let _ = writeln!(out, "Failed searches: {:?}.\n", q.errors);
        }
        out.push_str("Threshold sweep (recall@10 and precision of the best match over positives, false hits over negatives):\n\n| threshold | recall@10 | precision@1 | false-hit rate |\n| --- | --- | --- | --- |\n");
        for p in &q.sweep {
            let precision = p
                .precision_at_1
                .map_or("-".to_string(), |v| format!("{v:.4}"));
            let _ = writeln!(
                out,
                "| {:.2} | {:.4} | {precision} | {:.2} % |",
                p.threshold,
                p.recall_at_10,
                p.false_hit_rate * 100.0
            );
        }
        out.push('\n');
        if !q.misses.is_empty() {
            out.push_str("Examples of misses:\n\n| query | corruption | class | typed | stored | expected score | first returned |\n| --- | --- | --- | --- | --- | --- | --- |\n");
            for miss in &q.misses {
                let typed: Vec<&str> = miss.values.iter().map(|v| v.value.as_str()).collect();
                let stored: Vec<&str> = miss.sources.iter().map(|v| v.value.as_str()).collect();
                let score = miss
                    .expected_score
                    .map_or("-".to_string(), |s| format!("{s:.3}"));
                let first = miss
                    .returned
                    .first()
                    .map_or("nothing".to_string(), |(id, s)| format!("{id} {s:.3}"));
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | `{}` | `{}` | {score} | {first} |",
                    miss.query,
                    miss.corruption,
                    miss.class,
                    typed.join("` `"),
                    stored.join("` `"),
                );
            }
            out.push('\n');
        }
    }
    for load in &report.load {
        render_load(&mut out, load);
    }
    out.push_str("Plots: `latency.svg` (latency by percentile), `recall.svg` (recall by corruption type), `pr.svg` (precision/recall by threshold), as far as this run measured them.\n");
    out
}

fn render_load(out: &mut String, load: &LoadReport) {
    let mode = match load.rate {
        Some(rate) => format!(
            "open loop at {rate:.0}/s, at most {} in flight",
            load.concurrency
        ),
        None => format!("closed loop, {} clients", load.concurrency),
    };
    let _ = writeln!(out, "## Load: {} ({mode})\n", load.target);
    let _ = writeln!(
        out,
        "{:.1} s measured after {:.1} s of warm-up: {} searches, {} answered, {:.0} searches/s; {} partial answers; errors: {}.\n",
        load.duration_s,
        load.warm_up_s,
        load.requests,
        load.ok,
        load.throughput,
        load.partial,
        if load.errors.is_empty() {
            "none".to_string()
        } else {
            format!("{:?}", load.errors)
        }
    );
    out.push_str("| latency (ms) | count | mean | p50 | p90 | p99 | p99.9 | max |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n");
    out.push_str(&latency_row("client, end to end", &load.latency));
    out.push_str(&latency_row(
        &format!("server ({})", load.target),
        &load.server,
    ));
    if load.server_no_hit.count > 0 {
        out.push_str(&latency_row(
            &format!("server ({}), searches that found nothing", load.target),
            &load.server_no_hit,
        ));
    }
    for node in &load.nodes {
        out.push_str(&latency_row(
            &format!(
                "node {} as the core saw it ({} not OK)",
                node.node, node.not_ok
            ),
            &node.latency,
        ));
    }
    out.push('\n');
}
