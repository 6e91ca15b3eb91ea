//! The oracle end to end: a small generated corpus imported into an in-process federation,
//! checked through a node and through the core. The engine is exhaustive by design, so the
//! oracle must find no engine-only miss; a run that does names the queries in its report.

use super::*;
use crate::federation::Federation;
use crate::generate::{GenerateConfig, generate};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_misses_nothing_the_oracle_ranks_first() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    let countries = vec!["NL".to_string(), "BE".to_string()];
    let generated = GenerateConfig {
        countries: countries.clone(),
        alerts: 300,
        seed: 11,
        shared_per_mille: 50,
        queries_per_type: 5,
        negatives: 10,
    };
    generate(&generated, &corpus, false).unwrap();
    assert_eq!(corpus_countries(&corpus).unwrap(), countries);
    let federation = Federation::start(&countries, &dir.path().join("data"))
        .await
        .unwrap();
    federation.import(&corpus, false).await.unwrap();

    let (country, address) = federation.first_node().unwrap();
    let mut node = Target::node(&address).await.unwrap();
    assert_eq!(node.node_country().await.unwrap(), Some(country.clone()));
    let config = OracleConfig {
        corpus: corpus.clone(),
        countries: vec![country],
        per_type: 3,
        negatives: 3,
        threads: 2,
    };
    let report = run(&node, &config, false).await.unwrap();
    assert!(
        report.alerts > 0 && report.alerts < 300,
        "{}",
        report.alerts
    );
    check(&report);

    let core = Target::core(&federation.core_address()).await.unwrap();
    let config = OracleConfig {
        countries: countries.clone(),
        ..config
    };
    let report = run(&core, &config, false).await.unwrap();
    assert_eq!(report.alerts, 300);
    check(&report);
    let files = write(&report, &dir.path().join("report")).unwrap();
    assert_eq!(files.len(), 2);
    for file in &files {
        assert!(
            std::fs::metadata(file).unwrap().len() > 0,
            "{}",
            file.display()
        );
    }
    let text = std::fs::read_to_string(&files[1]).unwrap();
    assert!(text.contains("engine-only misses: 0 (bar: 0)"), "{text}");
    federation.shutdown().await.unwrap();
}

fn check(report: &OracleReport) {
    assert_eq!(report.engine_only_misses, 0, "{:#?}", report.misses);
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    assert!(report.unmatched.is_empty(), "{:#?}", report.unmatched);
    // 11 corruption types and several identifiers, 3 each, and 3 negatives.
    assert_eq!(report.queries, 12 * 3 + 3, "{:#?}", report.by_corruption);
    let clean = report
        .by_corruption
        .iter()
        .find(|c| c.corruption == "clean")
        .unwrap();
    assert!(clean.oracle_top >= 3, "{clean:?}");
    assert!(report.by_corruption.iter().all(|c| c.disordered == 0));
}
