//! The process's Prometheus recorder.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::error::{Result, TelemetryError};

/// Bucket bounds of every histogram, in seconds: a search answers in about a millisecond, a
/// federated search in a few, a deadline is 500 ms, an import batch takes up to seconds.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The handle of the installed recorder: a process has one, however many servers it runs
/// (the demo runs three nodes and a core; tests start several servers).
static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the Prometheus recorder as the process's global `metrics` recorder, the first
/// time; later calls return the same handle. Metrics recorded before the first call are lost,
/// so servers call it before they open anything.
pub fn install_recorder() -> Result<PrometheusHandle> {
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let recorder = PrometheusBuilder::new()
        .set_buckets(BUCKETS)
        .map_err(|e| TelemetryError::Recorder(e.to_string()))?
        .build_recorder();
    let handle = recorder.handle();
    // Two threads racing here: the loser's recorder is dropped and both use the winner's.
    if HANDLE.set(handle).is_ok() {
        metrics::set_global_recorder(recorder)
            .map_err(|e| TelemetryError::Recorder(e.to_string()))?;
        crate::request::describe_metrics();
    }
    HANDLE
        .get()
        .cloned()
        .ok_or_else(|| TelemetryError::Recorder("no recorder installed".to_owned()))
}
