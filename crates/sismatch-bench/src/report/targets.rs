//! The DESIGN §6 targets a report can speak to, each with what was measured and whether it
//! is met. A target the run did not measure is left out; the conditions that differ from the
//! target's (fewer alerts, fewer nodes) are said in the note.

use serde::{Deserialize, Serialize};

use super::Report;

/// One target, checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetCheck {
    /// What is measured.
    pub what: String,
    /// The target, as DESIGN §6 states it.
    pub target: String,
    /// What this run measured.
    pub measured: String,
    /// Whether the measured figure meets the target.
    pub met: bool,
    /// Where the run's conditions differ from the target's.
    pub note: String,
}

fn push(
    checks: &mut Vec<TargetCheck>,
    what: &str,
    target: &str,
    measured: String,
    met: bool,
    note: String,
) {
    checks.push(TargetCheck {
        what: what.to_string(),
        target: target.to_string(),
        measured,
        met,
        note,
    });
}

/// The targets `report` measured.
pub(crate) fn check(report: &Report) -> Vec<TargetCheck> {
    let mut checks = Vec::new();
    let alerts = report.corpus.as_ref().map(|c| c.alerts);
    let at = alerts.map_or(String::new(), |n| format!("at {n} alerts"));
    if let Some(quality) = &report.quality {
        let recall = &quality.overall;
        push(
            &mut checks,
            "recall@10, overall",
            "≥ 0.995",
            format!("{:.4}", recall.recall_at_10),
            recall.recall_at_10 >= 0.995,
            at.clone(),
        );
        if let Some(worst) = quality
            .by_corruption
            .iter()
            .min_by(|a, b| a.recall.recall_at_10.total_cmp(&b.recall.recall_at_10))
        {
            let figure = worst.recall.recall_at_10;
            push(
                &mut checks,
                "recall@10, worst corruption type",
                "≥ 0.98 for every type",
                format!("{figure:.4} ({})", worst.corruption),
                figure >= 0.98,
                at.clone(),
            );
        }
        push(
            &mut checks,
            "recall@1, overall",
            "≥ 0.99",
            format!("{:.4}", recall.recall_at_1),
            recall.recall_at_1 >= 0.99,
            at.clone(),
        );
        let negatives = &quality.negatives;
        push(
            &mut checks,
            "false hits (negatives more than two edits from everything stored)",
            "≤ 1 %",
            format!("{:.2} %", negatives.false_hit_rate * 100.0),
            negatives.false_hit_rate <= 0.01,
            format!(
                "{} negatives, {} near a stored number",
                negatives.queries, negatives.near
            ),
        );
    }
    let per_node = report
        .corpus
        .as_ref()
        .map(|c| c.alerts / c.countries.len().max(1) as u64);
    let node_note = per_node.map_or(String::new(), |n| {
        format!("about {n} alerts on the node (target: 1 M)")
    });
    for load in &report.load {
        let mode = if load.mode == "closed" {
            format!("closed loop, {} clients", load.concurrency)
        } else {
            format!("open loop, {:.0}/s", load.rate.unwrap_or(0.0))
        };
        if load.target == "node" {
            let server = &load.server;
            push(
                &mut checks,
                "fuzzy search, one node, server-side p50",
                "≤ 1 ms",
                format!("{:.2} ms ({mode})", server.p50_ms),
                server.p50_ms <= 1.0,
                node_note.clone(),
            );
            push(
                &mut checks,
                "fuzzy search, one node, server-side p99",
                "≤ 3 ms",
                format!("{:.2} ms ({mode})", server.p99_ms),
                server.p99_ms <= 3.0,
                node_note.clone(),
            );
            if load.mode == "closed" {
                push(
                    &mut checks,
                    "throughput, one node, 2 cores",
                    "≥ 2,500 searches/s",
                    format!("{:.0}/s ({mode})", load.throughput),
                    load.throughput >= 2_500.0,
                    node_note.clone(),
                );
            }
        } else {
            let nodes = report.corpus.as_ref().map_or(0, |c| c.countries.len());
            push(
                &mut checks,
                "federated search, end to end p99",
                "≤ 30 ms (5 nodes × 1 M alerts)",
                format!("{:.2} ms ({mode})", load.latency.p99_ms),
                load.latency.p99_ms <= 30.0,
                format!("{nodes} nodes, {}", at),
            );
        }
    }
    if let Some(slowest) = report
        .import
        .iter()
        .min_by(|a, b| a.alerts_per_s.total_cmp(&b.alerts_per_s))
    {
        push(
            &mut checks,
            "bulk import, per node, durable",
            "≥ 20,000 alerts/s",
            format!(
                "{:.0}/s (slowest node, {})",
                slowest.alerts_per_s, slowest.node
            ),
            slowest.alerts_per_s >= 20_000.0,
            "in process (Node::import_batch), without the gRPC stream".to_string(),
        );
    }
    if let (Some(resident), Some(alerts)) = (report.resident_bytes, alerts)
        && alerts > 0
    {
        let per_alert = resident as f64 / alerts as f64 / 1024.0;
        push(
            &mut checks,
            "memory, resident per alert",
            "≤ 1.5 KiB at 1 M alerts",
            format!("{per_alert:.2} KiB"),
            per_alert <= 1.5,
            format!("the whole process (every node, the core, the client) over {alerts} alerts"),
        );
    }
    checks
}
