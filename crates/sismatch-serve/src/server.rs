//! The gRPC servers of a node, the core and a partner, as every deployment runs them: TLS and
//! the caller directory ([`Security`]), health and reflection, request spans and metrics,
//! message limits, and a bounded graceful stop.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sismatch_audit::AuditLog;
use sismatch_auth::Directory;
use sismatch_core::Core;
use sismatch_grpc::audit::Auditor;
use sismatch_grpc::{
    CoreService, MessageLimitLayer, MissingMessageLayer, NodeService, PartnerService,
};
use sismatch_node::Node;
use sismatch_proto::v1::manufacturer_partner_server::ManufacturerPartnerServer;
use sismatch_proto::v1::matching_core_server::MatchingCoreServer;
use sismatch_proto::v1::national_node_server::NationalNodeServer;
use sismatch_telemetry::RequestMetricsLayer;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::server::NamedService;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use tonic::transport::server::{Router, ServerTlsConfig};
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;
use tower::layer::util::{Identity, Stack};
use tracing::{Span, info, info_span, warn};

use crate::error::{Result, ServeError};

/// The node service's name in health checks.
const NODE_SERVICE: &str = <NationalNodeServer<NodeService> as NamedService>::NAME;

/// Largest gRPC message accepted: an import batch of a few thousand alerts fits. A larger one
/// is refused with RESOURCE_EXHAUSTED by [`MessageLimitLayer`]; every service's own tonic
/// limit is set to the same value, so that tonic's check (OUT_OF_RANGE) never fires first.
pub const MAX_MESSAGE: usize = 16 * 1024 * 1024;

/// What a server needs to identify its callers and record their requests.
pub struct Security {
    /// The server's name in logs, audit records and metric labels (`node NL`, `core`).
    pub server: String,
    /// Known identities and the policy.
    pub directory: Arc<Directory>,
    /// TLS settings; None serves plain HTTP/2 (local use).
    pub tls: Option<ServerTlsConfig>,
    /// The server's audit log.
    pub auditor: Auditor,
}

impl Security {
    /// No TLS, open mode, auditing into `auditor`: the local demo.
    pub fn open(server: &str, auditor: Auditor) -> Security {
        Security {
            server: server.to_owned(),
            directory: Arc::new(Directory::open()),
            tls: None,
            auditor,
        }
    }
}

/// Opens the audit log in `data/audit` for `server` (`node NL`, `core`, `partner YAMAHA`).
pub fn audit_log(data: &Path, server: &str) -> Result<Auditor> {
    let folder = data.join(sismatch_audit::FOLDER);
    let log = AuditLog::open(&folder, server).map_err(|e| ServeError::Audit(folder, e))?;
    Ok(Auditor::new(Arc::new(log)))
}

/// One span per request, named by the RPC, joined to the caller's trace when the caller sent
/// a trace context (the core calling a node).
pub fn trace_span(request: &tonic::codegen::http::Request<()>) -> Span {
    let method = request.uri().path();
    let span = info_span!("rpc", method = %method, otel.name = %method, otel.kind = "server");
    sismatch_telemetry::set_parent_from(&span, request.headers());
    span
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
        Some(tls) => builder.tls_config(tls).map_err(ServeError::Tls),
        None => Ok(builder),
    }
}

/// A server's router: every request counted and timed under the server's name, no request
/// message larger than [`MAX_MESSAGE`], and a unary request without a message the caller's
/// fault.
type Layered = Router<
    Stack<MissingMessageLayer, Stack<MessageLimitLayer, Stack<RequestMetricsLayer, Identity>>>,
>;

/// A server with the standard services every sismatch server offers: `grpc.health.v1.Health`
/// (for Kubernetes probes and `grpc_health_probe`) and server reflection, v1 and v1alpha (so
/// `grpcurl list` works without the .proto files). Neither needs authentication: they disclose
/// no alerts. Every request, theirs included, is counted and timed under `server`'s name (the
/// outer layer, so that a message refused as too large is counted too) and held to
/// [`MAX_MESSAGE`].
fn with_standard_services(
    tls: Option<ServerTlsConfig>,
    server: &str,
) -> Result<(Layered, HealthReporter)> {
    let (reporter, health) = tonic_health::server::health_reporter();
    let reflection = reflection_builder()
        .build_v1()
        .map_err(|e| ServeError::Reflection("", e))?
        .max_decoding_message_size(MAX_MESSAGE);
    let reflection_v1alpha = reflection_builder()
        .build_v1alpha()
        .map_err(|e| ServeError::Reflection("v1alpha ", e))?
        .max_decoding_message_size(MAX_MESSAGE);
    let router = builder(tls)?
        .trace_fn(trace_span)
        .layer(RequestMetricsLayer::new(server))
        .layer(MessageLimitLayer::new(MAX_MESSAGE))
        .layer(MissingMessageLayer)
        .add_service(health.max_decoding_message_size(MAX_MESSAGE))
        .add_service(reflection)
        .add_service(reflection_v1alpha);
    Ok((router, reporter))
}

/// What server reflection describes: the sismatch services, health, and both versions of
/// reflection itself. Both are served: `grpc.reflection.v1` for current tools, and
/// `grpc.reflection.v1alpha` for those that speak only it (Python's `grpcio-reflection`,
/// Evans, grpcui, older grpcurl), which would otherwise get UNIMPLEMENTED.
fn reflection_builder() -> tonic_reflection::server::Builder<'static> {
    tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(sismatch_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET)
        .include_reflection_service(false)
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

/// Serves `node` on `listener` until `shutdown` completes and in-flight requests have
/// finished (at most `grace` more).
pub async fn serve_node(
    node: Arc<Node>,
    security: Security,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> Result<()> {
    let served = Arc::clone(&node);
    let service = |directory, auditor| {
        NationalNodeServer::new(NodeService::with_directory(served, directory).with_audit(auditor))
            .max_decoding_message_size(MAX_MESSAGE)
    };
    let kind = Kind::Node(node);
    serve_one(service, security, kind, listener, shutdown, grace).await
}

/// Serves `core` on `listener` until `shutdown` completes and in-flight requests have
/// finished (at most `grace` more).
pub async fn serve_core(
    core: Arc<Core>,
    security: Security,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> Result<()> {
    let service = |directory, auditor| {
        MatchingCoreServer::new(CoreService::with_directory(core, directory).with_audit(auditor))
            .max_decoding_message_size(MAX_MESSAGE)
    };
    serve_one(service, security, Kind::Core, listener, shutdown, grace).await
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

/// Serves `partner` on `listener` until `shutdown` completes and in-flight requests have
/// finished (at most `grace` more).
pub async fn serve_partner(
    partner: Arc<sismatch_partner::Partner>,
    security: Security,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> Result<()> {
    let service = |directory, auditor| {
        ManufacturerPartnerServer::new(PartnerService::new(partner, directory).with_audit(auditor))
            .max_decoding_message_size(MAX_MESSAGE)
    };
    serve_one(service, security, Kind::Partner, listener, shutdown, grace).await
}

/// Which server is served: its health and its name in errors.
enum Kind {
    /// A node: NOT_SERVING while its index is rebuilt, kept up to date.
    Node(Arc<Node>),
    /// The core: SERVING from the start.
    Core,
    /// A partner: SERVING from the start.
    Partner,
}

/// Serves the service `make` builds for `security`'s callers and audit log beside the standard
/// services, on `listener` until `shutdown` completes and in-flight requests have finished (at
/// most `grace` more).
async fn serve_one<S>(
    make: impl FnOnce(Arc<Directory>, Auditor) -> S,
    security: Security,
    kind: Kind,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> Result<()>
where
    S: tonic::codegen::Service<
            tonic::codegen::http::Request<tonic::body::Body>,
            Response = tonic::codegen::http::Response<tonic::body::Body>,
            Error = std::convert::Infallible,
        > + NamedService
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    let service = make(security.directory, security.auditor);
    let (router, reporter) = with_standard_services(security.tls, &security.server)?;
    let (who, health_updates) = match kind {
        Kind::Node(node) => (
            "node",
            Some(report_node_health(node, reporter.clone()).await),
        ),
        Kind::Core => ("core", None),
        Kind::Partner => ("partner", None),
    };
    if health_updates.is_none() {
        reporter.set_serving::<S>().await;
    }
    let (stopping, stopped) = oneshot::channel();
    let signal = begin_shutdown(shutdown, reporter, S::NAME, stopping, health_updates);
    let serving = router
        .add_service(service)
        .serve_with_incoming_shutdown(incoming(listener), signal);
    drain(serving, stopped, grace)
        .await
        .map_err(|e| ServeError::Serve(who, e))
}

/// The server's shutdown signal: waits for `shutdown`, then reports NOT_SERVING (so load
/// balancers and probes stop sending traffic), stops `health_updates` from setting it back,
/// and tells `stopping` that the grace period starts.
async fn begin_shutdown(
    shutdown: impl Future<Output = ()>,
    reporter: HealthReporter,
    service: &'static str,
    stopping: oneshot::Sender<()>,
    health_updates: Option<JoinHandle<()>>,
) {
    shutdown.await;
    if let Some(updates) = health_updates {
        updates.abort();
    }
    reporter
        .set_service_status("", ServingStatus::NotServing)
        .await;
    reporter
        .set_service_status(service, ServingStatus::NotServing)
        .await;
    let _ = stopping.send(());
}

/// Runs `serving` to its end: once shutdown has begun (`stopped`), in-flight requests get
/// `grace` to finish; the ones still running then are dropped (their callers get an error,
/// never a lost acknowledged write: a write is acknowledged only once durable).
async fn drain<E>(
    serving: impl Future<Output = std::result::Result<(), E>>,
    stopped: oneshot::Receiver<()>,
    grace: Duration,
) -> std::result::Result<(), E> {
    let deadline = async {
        match stopped.await {
            Ok(()) => tokio::time::sleep(grace).await,
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        served = serving => served,
        () = deadline => {
            warn!(grace_ms = grace.as_millis(), "requests still in flight after the grace period: closing");
            Ok(())
        }
    }
}
