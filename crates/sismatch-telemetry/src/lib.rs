//! What operators watch: Prometheus metrics and logs.
//!
//! Layer: beside the servers, under the binary. The library crates record metrics through the
//! `metrics` facade (`metrics::counter!` and friends, free when no recorder is installed) and
//! log through `tracing`; this crate is the one place that decides where both go:
//!
//! - [`install_recorder`] installs the process's Prometheus recorder (histogram buckets fit
//!   for milliseconds-scale gRPC calls);
//! - [`serve_metrics`] answers `GET /metrics` on its own port, refreshing scrape-time gauges
//!   (index size, alerts by status, disk use) through [`Refresh`] callbacks first;
//! - [`RequestMetricsLayer`] counts and times every gRPC request by RPC and status code;
//! - [`init_logging`] sets up logs (pretty, compact or JSON, `RUST_LOG` respected) and,
//!   given an OTLP endpoint, exports spans to an OpenTelemetry collector;
//! - [`inject_context`] and [`set_parent_from`] carry the W3C trace context in gRPC metadata
//!   from the core to the nodes, so that one federated query is one trace.
//!
//! It knows nothing about alerts or nodes: servers hand it their names and callbacks.

mod endpoint;
mod error;
mod logging;
mod recorder;
mod request;
mod traces;

pub use endpoint::{Refresh, serve_metrics};
pub use error::{Result, TelemetryError};
pub use logging::{LogFormat, Telemetry, init_logging};
pub use recorder::install_recorder;
pub use request::{RequestMetrics, RequestMetricsLayer};
pub use traces::{Otlp, inject_context, set_parent_from};
