//! Prometheus metrics: a node and the core started with `--metrics`, scraped over HTTP after
//! real traffic, expose the series operators' dashboards read.

use std::net::SocketAddr;
use std::time::Duration;

use sismatch_proto::v1;
use sismatch_proto::v1::matching_core_client::MatchingCoreClient;
use tonic::Code;

use crate::support::{NodeProcess, Running, client, import, metrics_line, scrape, series};
use sismatch_sample::fixture::alerts;

/// The node's Search RPC, as the request metrics name it.
const NODE_SEARCH: &str = "/sismatch.v1.NationalNode/Search";

fn query(value: &str) -> v1::IdentifierQuery {
    v1::IdentifierQuery {
        value: value.to_string(),
        kind: 0,
        manufacturer: String::new(),
    }
}

/// A `sismatch core` over `node` with metrics on; its gRPC and metrics addresses.
fn spawn_core(node: SocketAddr, log: &std::path::Path) -> (Running, SocketAddr, SocketAddr) {
    let args = [
        "core",
        "--listen",
        "127.0.0.1:0",
        "--metrics",
        "127.0.0.1:0",
        "--node",
    ];
    let mut args: Vec<String> = args.iter().map(ToString::to_string).collect();
    args.push(format!("NL={node}"));
    let (running, addr, mut lines) = Running::spawn(&args, log);
    let metrics = metrics_line(&mut lines);
    (running, addr, metrics)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_and_the_core_expose_request_fan_out_index_and_audit_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let node = NodeProcess::spawn_with(
        "NL",
        &dir.path().join("nl"),
        &["--listen", "127.0.0.1:0", "--metrics", "127.0.0.1:0"],
    );
    let node_metrics = node.metrics.unwrap();
    let sample = alerts("NL", 50, 23);
    let mut nl = client(node.addr).await;
    import(&mut nl, &sample, 20).await;
    for _ in 0..100 {
        let status = nl.get_node_status(v1::GetNodeStatusRequest {}).await;
        let status = status.unwrap().into_inner();
        if status.index_sequence >= status.store_sequence {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let value = sample[0].identifiers[0].value.clone();
    let direct = nl
        .search(v1::NationalNodeSearchRequest {
            queries: vec![query(&value)],
            ..v1::NationalNodeSearchRequest::default()
        })
        .await;
    assert!(direct.is_ok(), "{direct:?}");
    let bad = nl
        .search(v1::NationalNodeSearchRequest::default())
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);

    let (_core, core_addr, core_metrics) = spawn_core(node.addr, &dir.path().join("core.log"));
    let mut federation = MatchingCoreClient::connect(format!("http://{core_addr}"))
        .await
        .unwrap();
    let answer = federation
        .search(v1::MatchingCoreSearchRequest {
            queries: vec![query(&value)],
            ..v1::MatchingCoreSearchRequest::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        answer.matches[0].alert.as_ref().map(|a| a.id.as_str()),
        Some(sample[0].id.as_str())
    );

    // The audit writer commits in the background: wait for its records to be counted.
    let mut text = String::new();
    for _ in 0..50 {
        text = scrape(node_metrics).await;
        if series(&text, "sismatch_audit_records_total", r#"server="node NL""#)
            .is_some_and(|n| n >= 3.0)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let search_ok = format!(r#"server="node NL",rpc="{NODE_SEARCH}",code="OK""#);
    let searches = series(&text, "sismatch_grpc_requests_total", &search_ok);
    assert_eq!(
        searches,
        Some(2.0),
        "one direct, one from the core:\n{text}"
    );
    let refused = format!(r#"server="node NL",rpc="{NODE_SEARCH}",code="INVALID_ARGUMENT""#);
    assert_eq!(
        series(&text, "sismatch_grpc_requests_total", &refused),
        Some(1.0),
        "{text}"
    );
    let bucket = format!(r#"{search_ok},le="+Inf""#);
    assert_eq!(
        series(
            &text,
            "sismatch_grpc_request_duration_seconds_bucket",
            &bucket
        ),
        Some(2.0),
        "{text}"
    );
    let active = series(&text, "sismatch_alerts", r#"node="NL",status="ACTIVE""#);
    let withdrawn = series(&text, "sismatch_alerts", r#"node="NL",status="WITHDRAWN""#);
    assert_eq!(active.zip(withdrawn), Some((50.0, 0.0)), "{text}");
    assert_eq!(
        series(&text, "sismatch_alerts_imported_total", r#"node="NL""#),
        Some(50.0),
        "{text}"
    );
    let identifiers = series(&text, "sismatch_index_identifiers", r#"node="NL""#);
    assert!(identifiers.is_some_and(|n| n >= 50.0), "{text}");
    for part in ["store", "index"] {
        let labels = format!(r#"node="NL",part="{part}""#);
        let bytes = series(&text, "sismatch_disk_bytes", &labels);
        assert!(bytes.is_some_and(|b| b > 0.0), "{part}: {text}");
    }
    assert!(text.contains("# TYPE sismatch_grpc_request_duration_seconds histogram"));
    for name in [
        "sismatch_grpc_requests_total",
        "sismatch_alerts",
        "sismatch_disk_bytes",
    ] {
        assert!(
            text.contains(&format!("# HELP {name} ")),
            "no help for {name}"
        );
    }

    let text = scrape(core_metrics).await;
    let fanned = series(
        &text,
        "sismatch_fanout_calls_total",
        r#"node="NL",outcome="OK""#,
    );
    assert_eq!(fanned, Some(1.0), "{text}");
    let timed = series(
        &text,
        "sismatch_fanout_duration_seconds_count",
        r#"node="NL",outcome="OK""#,
    );
    assert_eq!(timed, Some(1.0), "{text}");
    let core_search = r#"server="core",rpc="/sismatch.v1.MatchingCore/Search",code="OK""#;
    assert_eq!(
        series(&text, "sismatch_grpc_requests_total", core_search),
        Some(1.0),
        "{text}"
    );
}
