//! Traces: a node and the core started with `--otlp-endpoint` export their spans to an
//! OpenTelemetry collector (a real OTLP/gRPC server in this test), and a federated search is
//! one trace: the node's request span is a child of the core's call to that node.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::trace::v1::Span;
use sismatch_proto::v1;
use sismatch_proto::v1::matching_core_client::MatchingCoreClient;
use tokio::net::TcpListener;
use tonic::transport::server::TcpIncoming;
use tonic::{Request, Response, Status};

use crate::support::{Running, client, import, terminate};
use sismatch_sample::fixture::alerts;

/// Spans received, with the service that sent them.
#[derive(Clone, Default)]
struct Collector {
    spans: Arc<Mutex<Vec<(String, Span)>>>,
}

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let mut spans = self.spans.lock().unwrap();
        for resource_spans in request.into_inner().resource_spans {
            let service = resource_spans
                .resource
                .iter()
                .flat_map(|resource| &resource.attributes)
                .find(|attribute| attribute.key == "service.name")
                .and_then(|attribute| attribute.value.as_ref()?.value.as_ref())
                .map(|value| match value {
                    Value::StringValue(name) => name.clone(),
                    other => format!("{other:?}"),
                })
                .unwrap_or_default();
            for scope in resource_spans.scope_spans {
                spans.extend(scope.spans.into_iter().map(|span| (service.clone(), span)));
            }
        }
        Ok(Response::new(ExportTraceServiceResponse::default()))
    }
}

/// Starts `sismatch` with `args` and the OTLP endpoint; returns it and the address it prints.
fn spawn(args: &[&str], collector: SocketAddr, log: &Path) -> (Running, SocketAddr) {
    let mut all: Vec<String> = args.iter().map(ToString::to_string).collect();
    all.extend(["--otlp-endpoint".to_string(), format!("http://{collector}")]);
    let (running, addr, _) = Running::spawn(&all, log);
    (running, addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_federated_search_is_one_trace_across_core_and_node() {
    let collector = Collector::default();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let collector_addr = listener.local_addr().unwrap();
    let server = tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(collector.clone()))
            .serve_with_incoming(TcpIncoming::from(listener)),
    );

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nl");
    let (mut node, node_addr) = spawn(
        &[
            "node",
            "--country",
            "NL",
            "--listen",
            "127.0.0.1:0",
            "--data",
            &data.display().to_string(),
        ],
        collector_addr,
        &dir.path().join("node.log"),
    );
    let sample = alerts("NL", 20, 31);
    import(&mut client(node_addr).await, &sample, 20).await;
    let value = sample[0].identifiers[0].value.clone();
    let (mut core, core_addr) = spawn(
        &[
            "core",
            "--listen",
            "127.0.0.1:0",
            "--node",
            &format!("NL={node_addr}"),
        ],
        collector_addr,
        &dir.path().join("core.log"),
    );
    let mut federation = MatchingCoreClient::connect(format!("http://{core_addr}"))
        .await
        .unwrap();
    let answer = federation
        .search(v1::MatchingCoreSearchRequest {
            queries: vec![v1::IdentifierQuery {
                value,
                kind: 0,
                manufacturer: String::new(),
            }],
            ..v1::MatchingCoreSearchRequest::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.nodes.len(), 1);
    // SIGTERM flushes the spans not yet exported.
    terminate(&mut core.0).await;
    terminate(&mut node.0).await;

    let spans = collector.spans.lock().unwrap().clone();
    let find = |service: &str, name: &str| {
        spans
            .iter()
            .filter(|(s, span)| s == service && span.name == name)
            .map(|(_, span)| span.clone())
            .collect::<Vec<Span>>()
    };
    let core_search = find("sismatch-core", "/sismatch.v1.MatchingCore/Search");
    let node_calls = find("sismatch-core", "node_call");
    let node_search = find("sismatch-node", "/sismatch.v1.NationalNode/Search");
    let names: Vec<(&String, &String)> = spans.iter().map(|(s, span)| (s, &span.name)).collect();
    assert_eq!(core_search.len(), 1, "{names:?}");
    assert_eq!(node_calls.len(), 1, "{names:?}");
    assert_eq!(node_search.len(), 1, "{names:?}");
    let trace = &core_search[0].trace_id;
    assert_eq!(
        &node_calls[0].trace_id, trace,
        "the node call is in the query's trace"
    );
    assert_eq!(
        &node_search[0].trace_id, trace,
        "the node's span is in the query's trace"
    );
    assert_eq!(
        node_search[0].parent_span_id, node_calls[0].span_id,
        "the node's request span is a child of the core's call to it"
    );
    server.abort();
}
