//! `sismatch bench all`, the operator benchmark suite end to end: a small corpus, the
//! in-process federation, quality and load, and the report folder it writes.

use std::process::Command;

#[test]
fn bench_all_writes_a_report_with_plots() {
    let out = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_sismatch"))
        .args([
            "bench",
            "all",
            "--alerts",
            "2000",
            "--queries-per-type",
            "20",
            "--negatives",
            "50",
            "--duration",
            "2",
            "--warm-up",
            "1",
            "--out",
        ])
        .arg(out.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");

    let corpus = out.path().join("corpus");
    for file in [
        "alerts-NL.ndjson",
        "alerts-BE.ndjson",
        "alerts-FR.ndjson",
        "register.ndjson",
        "queries.ndjson",
        "manifest.json",
    ] {
        assert!(corpus.join(file).metadata().unwrap().len() > 0, "{file}");
    }
    let text = std::fs::read_to_string(out.path().join("report.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let unit = |value: &serde_json::Value| value.as_f64().is_some_and(|v| (0.0..=1.0).contains(&v));
    let quality = &report["quality"];
    for field in ["recall_at_1", "recall_at_10", "mrr"] {
        assert!(
            unit(&quality["overall"][field]),
            "{field}: {}",
            quality["overall"]
        );
    }
    let types = quality["by_corruption"].as_array().unwrap();
    assert_eq!(types.len(), 12, "{types:?}");
    assert!(types.iter().all(|t| unit(&t["recall_at_10"])), "{types:?}");
    assert!(unit(&quality["negatives"]["false_hit_rate"]));
    assert_eq!(report["load"].as_array().unwrap().len(), 2);
    assert!(
        report["load"][0]["ok"].as_u64().unwrap() > 0,
        "{}",
        report["load"][0]
    );
    assert!(report["machine"]["cores"].as_u64().unwrap() >= 1);
    assert!(report["targets"].as_array().is_some_and(|t| !t.is_empty()));

    let markdown = std::fs::read_to_string(out.path().join("report.md")).unwrap();
    assert!(markdown.contains("## Quality"), "{markdown}");
    for plot in ["latency.svg", "recall.svg", "pr.svg"] {
        let svg = std::fs::read_to_string(out.path().join(plot)).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{plot}: {}",
            &svg[..svg.len().min(200)]
        );
    }
}
