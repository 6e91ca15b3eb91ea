//! Traces: spans exported to an OpenTelemetry collector over OTLP/gRPC, and the W3C trace
//! context carried in gRPC metadata from the core to the nodes, so that one federated query
//! is one trace (the core's request span, one span per node call, each node's request span).
//!
//! Without an endpoint nothing is exported and nothing is propagated: the functions here
//! then find no OpenTelemetry layer and do nothing.

use http::HeaderMap;
use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tonic::metadata::{MetadataKey, MetadataMap, MetadataValue};
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::error::{Result, TelemetryError};

/// Where traces go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Otlp {
    /// The collector's OTLP/gRPC endpoint (`http://otel-collector:4317`).
    pub endpoint: String,
    /// The service name spans carry (`sismatch-node`), unless `OTEL_SERVICE_NAME` is set.
    pub service: String,
}

/// A tracer provider exporting in batches to `otlp.endpoint`. Must be called inside a tokio
/// runtime: the exporter's channel is driven by it. Also installs the W3C trace-context
/// propagator that [`inject_context`] and [`set_parent_from`] use.
pub(crate) fn provider(otlp: &Otlp) -> Result<SdkTracerProvider> {
    let exporter = SpanExporter::builder()
        .with_tonic()
        .with_endpoint(otlp.endpoint.clone())
        .build()
        .map_err(|e| TelemetryError::Logging {
            field: "otlp_endpoint",
            message: e.to_string(),
        })?;
    let mut resource = Resource::builder();
    if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
        resource = resource.with_service_name(otlp.service.clone());
    }
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    Ok(SdkTracerProvider::builder()
        .with_resource(resource.build())
        .with_batch_exporter(exporter)
        .build())
}

/// The tracer of `provider`, named after this crate's users.
pub(crate) fn tracer(provider: &SdkTracerProvider) -> opentelemetry_sdk::trace::Tracer {
    provider.tracer("sismatch")
}

/// Writes the current span's trace context into an outgoing call's `metadata`
/// (`traceparent`, `tracestate`), so the callee's spans join the caller's trace.
pub fn inject_context(metadata: &mut MetadataMap) {
    let context = Span::current().context();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut MetadataInjector(metadata));
    });
}

/// Makes `span` (a server's request span, not yet entered) a child of the trace context the
/// caller sent in `headers`, if any.
pub fn set_parent_from(span: &Span, headers: &HeaderMap) {
    let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&HeaderExtractor(headers))
    });
    // Fails only when no OpenTelemetry layer is installed (no endpoint): nothing to join.
    let _ = span.set_parent(parent);
}

/// Writes propagation fields as gRPC metadata; a field that is not valid metadata is left
/// out rather than failing the call.
struct MetadataInjector<'a>(&'a mut MetadataMap);

impl Injector for MetadataInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(key), Ok(value)) = (
            MetadataKey::from_bytes(key.as_bytes()),
            MetadataValue::try_from(value.as_str()),
        ) {
            self.0.insert(key, value);
        }
    }
}

/// Reads propagation fields from HTTP/2 headers.
struct HeaderExtractor<'a>(&'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|key| key.as_str()).collect()
    }
}
