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
//! - [`init_logging`] sets up logs: pretty, compact or JSON, `RUST_LOG` respected.
//!
//! It knows nothing about alerts or nodes: servers hand it their names and callbacks.

mod endpoint;
mod error;
mod logging;
mod recorder;
mod request;

pub use endpoint::{Refresh, serve_metrics};
pub use error::{Result, TelemetryError};
pub use logging::{LogFormat, init_logging};
pub use recorder::install_recorder;
pub use request::{RequestMetrics, RequestMetricsLayer};
