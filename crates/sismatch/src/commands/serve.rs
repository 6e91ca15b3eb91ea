//! What every server of the binary shares: message limits, request spans, shutdown signals,
//! and serving a node or the core on a bound listener.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use sismatch_core::Core;
use sismatch_grpc::{CoreService, NodeService};
use sismatch_node::Node;
use sismatch_proto::v1::manufacturer_partner_server::ManufacturerPartnerServer;
use sismatch_proto::v1::matching_core_server::MatchingCoreServer;
use sismatch_proto::v1::national_node_server::NationalNodeServer;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tonic::server::NamedService;
use tonic::transport::server::Router;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Server, ServerTlsConfig};
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use crate::commands::security::Security;
use tracing::{Span, info, info_span};

/// The node service's name in health checks.
const NODE_SERVICE: &str = <NationalNodeServer<NodeService> as NamedService>::NAME;

/// Largest gRPC message accepted: an import batch of a few thousand alerts fits.
pub const MAX_MESSAGE: usize = 16 * 1024 * 1024;

/// One span per request, named by the RPC.
pub fn trace_span(request: &tonic::codegen::http::Request<()>) -> Span {
    info_span!("rpc", method = %request.uri().path())
}

/// The connections of `listener`, with Nagle's algorithm off: a search answer is one small
/// write, and waiting for the client's delayed ACK before sending it costs 40 ms per call.
fn incoming(listener: TcpListener) -> TcpIncoming {
    TcpIncoming::from(listener).with_nodelay(Some(true))
}

/// A server builder, with TLS when configured.
fn builder(tls: Option<ServerTlsConfig>) -> Result<Server> {
    let builder = Server::builder();
    match tls {
        Some(tls) => builder.tls_config(tls).context("invalid TLS settings"),
        None => Ok(builder),
    }
}

/// A server with the standard services every sismatch server offers: `grpc.health.v1.Health`
/// (for Kubernetes probes and `grpc_health_probe`) and server reflection (so `grpcurl list`
/// works without the .proto files). Neither needs authentication: they disclose no alerts.
fn with_standard_services(tls: Option<ServerTlsConfig>) -> Result<(Router, HealthReporter)> {
    let (reporter, health) = tonic_health::server::health_reporter();
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(sismatch_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()
        .context("cannot build the reflection service")?;
    let router = builder(tls)?
        .trace_fn(trace_span)
        .add_service(health)
        .add_service(reflection);
    Ok((router, reporter))
}

/// The node's health now: NOT_SERVING while its index is rebuilt from the store (searches
/// would miss alerts), SERVING otherwise.
async fn node_health(node: &Node) -> ServingStatus {
    if node.status().await.is_ok_and(|status| !status.rebuilding) {
        ServingStatus::Serving
    } else {
        ServingStatus::NotServing
    }
}

/// Sets the node's health before it serves (so a probe never finds it unregistered), then
/// keeps it up to date.
async fn report_node_health(node: Arc<Node>, reporter: HealthReporter) -> JoinHandle<()> {
    let mut last = node_health(&node).await;
    reporter.set_service_status("", last).await;
    reporter.set_service_status(NODE_SERVICE, last).await;
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let now = node_health(&node).await;
            if now != last {
                reporter.set_service_status("", now).await;
                reporter.set_service_status(NODE_SERVICE, now).await;
                last = now;
            }
        }
    })
}

/// Serves `node` on `listener` until `shutdown` completes; in-flight requests finish first.
pub async fn serve_node(
    node: Arc<Node>,
    security: Security,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let service = NationalNodeServer::new(
        NodeService::with_directory(Arc::clone(&node), security.directory)
            .with_audit(security.auditor),
    )
    .max_decoding_message_size(MAX_MESSAGE);
    let (router, reporter) = with_standard_services(security.tls)?;
    let health = report_node_health(node, reporter).await;
    let served = router
        .add_service(service)
        .serve_with_incoming_shutdown(incoming(listener), shutdown)
        .await
        .context("the node's gRPC server failed");
    health.abort();
    served
}

/// Serves `core` on `listener` until `shutdown` completes; in-flight requests finish first.
pub async fn serve_core(
    core: Arc<Core>,
    security: Security,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let service = MatchingCoreServer::new(
        CoreService::with_directory(core, security.directory).with_audit(security.auditor),
    )
    .max_decoding_message_size(MAX_MESSAGE);
    let (router, reporter) = with_standard_services(security.tls)?;
    reporter
        .set_serving::<MatchingCoreServer<CoreService>>()
        .await;
    router
        .add_service(service)
        .serve_with_incoming_shutdown(incoming(listener), shutdown)
        .await
        .context("the core's gRPC server failed")
}

/// Completes on Ctrl-C or SIGTERM: the server stops accepting and finishes what is in flight.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => info!("interrupted: shutting down"),
        () = terminate => info!("terminated: shutting down"),
    }
}

/// Serves `partner` on `listener` until `shutdown` completes; in-flight requests finish first.
pub async fn serve_partner(
    partner: Arc<sismatch_partner::Partner>,
    security: Security,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let service = sismatch_grpc::PartnerService::new(partner, security.directory)
        .with_audit(security.auditor);
    let (router, reporter) = with_standard_services(security.tls)?;
    reporter
        .set_serving::<ManufacturerPartnerServer<sismatch_grpc::PartnerService>>()
        .await;
    router
        .add_service(ManufacturerPartnerServer::new(service))
        .serve_with_incoming_shutdown(incoming(listener), shutdown)
        .await
        .context("the partner's gRPC server failed")
}
