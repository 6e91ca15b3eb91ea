//! `sismatch bench load`: searches at full speed (closed loop) or at a fixed rate (open
//! loop) against a core or a node, after a warm-up that is not counted.
//!
//! Latencies go into HDR histograms (microseconds, three significant digits), so percentiles
//! up to p99.9 are exact to 0.1 %. In the open loop a search's latency counts from when it
//! was due, not from when it could be sent: a stalled server cannot hide its stall by slowing
//! the client down (no coordinated omission). Queries are the query set's values, cycled.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::error::{BenchError, Result};
use crate::target::{Answer, Search, Target};

/// Closed or open loop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// Each of `concurrency` clients sends its next search when the last one is answered:
    /// the throughput the target sustains.
    Closed,
    /// Searches are due at a fixed rate per second, at most `concurrency` in flight: latency
    /// at a given load.
    Open {
        /// Searches per second.
        rate: f64,
    },
}

/// How to load the target.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadConfig {
    /// Closed or open loop.
    pub mode: Mode,
    /// Clients (closed loop) or searches in flight at most (open loop).
    pub concurrency: usize,
    /// Time measured, after the warm-up.
    pub duration: Duration,
    /// Time searched first and not counted (connections, caches, page cache).
    pub warm_up: Duration,
    /// A search not answered within it counts as an error (`client_timeout`).
    pub timeout: Duration,
}

/// Latency percentiles, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// Values recorded.
    pub count: u64,
    /// Mean.
    pub mean_ms: f64,
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// 99.9th percentile.
    pub p999_ms: f64,
    /// Largest.
    pub max_ms: f64,
}

/// The percentiles of a histogram of microseconds.
pub fn percentiles(histogram: &Histogram<u64>) -> Percentiles {
    let ms = |us: u64| us as f64 / 1000.0;
    Percentiles {
        count: histogram.len(),
        mean_ms: histogram.mean() / 1000.0,
        p50_ms: ms(histogram.value_at_quantile(0.50)),
        p90_ms: ms(histogram.value_at_quantile(0.90)),
        p99_ms: ms(histogram.value_at_quantile(0.99)),
        p999_ms: ms(histogram.value_at_quantile(0.999)),
        max_ms: ms(histogram.max()),
    }
}

/// One node's timing as the core saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeLatency {
    /// The node.
    pub node: String,
    /// Answers that were not OK (timeout, unavailable, error).
    pub not_ok: u64,
    /// Its latency, from the core's call to its answer.
    #[serde(flatten)]
    pub latency: Percentiles,
}

/// The figures of one load run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadReport {
    /// `core` or `node`.
    pub target: String,
    /// `closed` or `open`.
    pub mode: String,
    /// Clients, or searches in flight at most.
    pub concurrency: usize,
    /// Searches per second asked for (open loop).
    pub rate: Option<f64>,
    /// Seconds of warm-up, not counted.
    pub warm_up_s: f64,
    /// Seconds measured.
    pub duration_s: f64,
    /// Searches sent in the measured time.
    pub requests: u64,
    /// Of which answered without error.
    pub ok: u64,
    /// Of which a core answered as partial (a node missing).
    pub partial: u64,
    /// Errors by gRPC status code (`client_timeout` for no answer in time).
    pub errors: BTreeMap<String, u64>,
    /// Answered searches per second.
    pub throughput: f64,
    /// Latency as the client saw it.
    pub latency: Percentiles,
    /// Time the server says it spent.
    pub server: Percentiles,
    /// Time the server says it spent on the searches that found nothing: 99.99 % of a
    /// national system's searches (DESIGN §6), and the path every node of a federation runs
    /// for every search. Reports written before it read as empty.
    #[serde(default)]
    pub server_no_hit: Percentiles,
    /// Per node, for a core.
    pub nodes: Vec<NodeLatency>,
    /// The client latency distribution: (milliseconds, quantile) pairs, for the plot.
    pub distribution: Vec<(f64, f64)>,
}

/// A histogram of 1 µs to 10 min at three significant digits.
fn histogram() -> Histogram<u64> {
    match Histogram::new_with_bounds(1, 600_000_000, 3) {
        Ok(histogram) => histogram,
        Err(error) => unreachable!("constant histogram bounds are valid: {error}"),
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

/// What the searches of a run recorded.
struct Recorder {
    client: Histogram<u64>,
    server: Histogram<u64>,
    server_no_hit: Histogram<u64>,
    nodes: BTreeMap<String, (Histogram<u64>, u64)>,
    errors: BTreeMap<String, u64>,
    requests: u64,
    ok: u64,
    partial: u64,
}

impl Recorder {
    fn new() -> Recorder {
        Recorder {
            client: histogram(),
            server: histogram(),
            server_no_hit: histogram(),
            nodes: BTreeMap::new(),
            errors: BTreeMap::new(),
            requests: 0,
            ok: 0,
            partial: 0,
        }
    }

    fn record(
        &mut self,
        latency: Duration,
        outcome: Option<std::result::Result<Answer, tonic::Status>>,
    ) {
        self.requests += 1;
        let answer = match outcome {
            None => {
                *self.errors.entry("client_timeout".to_string()).or_default() += 1;
                return;
            }
            Some(Err(status)) => {
                *self
                    .errors
                    .entry(format!("{:?}", status.code()))
                    .or_default() += 1;
                return;
            }
            Some(Ok(answer)) => answer,
        };
        self.ok += 1;
        self.partial += u64::from(answer.partial);
        self.client.saturating_record(micros(latency));
        if let Some(server) = answer.server_elapsed {
            self.server.saturating_record(micros(server));
            if answer.ranked.is_empty() {
                self.server_no_hit.saturating_record(micros(server));
            }
        }
        for node in answer.nodes {
            let (histogram, not_ok) = self
                .nodes
                .entry(node.node)
                .or_insert_with(|| (histogram(), 0));
            histogram.saturating_record(micros(node.elapsed));
            *not_ok += u64::from(!node.ok);
        }
    }
}

/// Runs the load of `config` against `target` with `queries`, cycled.
pub async fn run(target: &Target, queries: Vec<Search>, config: &LoadConfig) -> Result<LoadReport> {
    if queries.is_empty() {
        return Err(BenchError::Invalid("no queries to send".to_string()));
    }
    let queries = Arc::new(queries);
    let recorder = Arc::new(Mutex::new(Recorder::new()));
    let started = Instant::now();
    let measure_from = started + config.warm_up;
    let end = measure_from + config.duration;
    let concurrency = config.concurrency.max(1);
    let mut tasks = JoinSet::new();
    let search = {
        let (queries, recorder, timeout) =
            (Arc::clone(&queries), Arc::clone(&recorder), config.timeout);
        move |mut target: Target, n: usize, due: Instant| {
            let (queries, recorder) = (Arc::clone(&queries), Arc::clone(&recorder));
            async move {
                let query = &queries[n % queries.len()];
                let outcome = tokio::time::timeout(timeout, target.search(query, 10, 0.0, false))
                    .await
                    .ok();
                let latency = due.elapsed();
                if due >= measure_from
                    && let Ok(mut recorder) = recorder.lock()
                {
                    recorder.record(latency, outcome);
                }
            }
        }
    };
    match config.mode {
        Mode::Closed => {
            for client in 0..concurrency {
                let (target, search) = (target.clone(), search.clone());
                tasks.spawn(async move {
                    let mut n = client * 7_919;
                    while Instant::now() < end {
                        search(target.clone(), n, Instant::now()).await;
                        n += 1;
                    }
                });
            }
        }
        Mode::Open { rate } => {
            if !(rate > 0.0 && rate.is_finite()) {
                return Err(BenchError::Invalid(
                    "--rate: must be a positive number".to_string(),
                ));
            }
            let permits = Arc::new(Semaphore::new(concurrency));
            let mut n = 0_usize;
            loop {
                let due = started + Duration::from_secs_f64(n as f64 / rate);
                if due >= end {
                    break;
                }
                tokio::time::sleep_until(due.into()).await;
                let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
                    break;
                };
                let call = search(target.clone(), n, due);
                tasks.spawn(async move {
                    call.await;
                    drop(permit);
                });
                n += 1;
            }
        }
    }
    while let Some(done) = tasks.join_next().await {
        done.map_err(|e| BenchError::Report(format!("a load task failed: {e}")))?;
    }
    let measured = Instant::now()
        .saturating_duration_since(measure_from)
        .max(config.duration);
    let recorder = recorder
        .lock()
        .map_err(|_| BenchError::Report("recorder poisoned".to_string()))?;
    Ok(report(target, config, &recorder, measured))
}

fn report(
    target: &Target,
    config: &LoadConfig,
    recorder: &Recorder,
    measured: Duration,
) -> LoadReport {
    let mut quantiles: Vec<f64> = (0..100).map(|i| f64::from(i) / 100.0).collect();
    quantiles.extend([0.995, 0.999, 0.9995, 0.9999, 1.0]);
    let distribution = if recorder.client.is_empty() {
        Vec::new()
    } else {
        quantiles
            .iter()
            .map(|&q| (recorder.client.value_at_quantile(q) as f64 / 1000.0, q))
            .collect()
    };
    let (mode, rate) = match config.mode {
        Mode::Closed => ("closed", None),
        Mode::Open { rate } => ("open", Some(rate)),
    };
    LoadReport {
        target: target.name().to_string(),
        mode: mode.to_string(),
        concurrency: config.concurrency,
        rate,
        warm_up_s: config.warm_up.as_secs_f64(),
        duration_s: measured.as_secs_f64(),
        requests: recorder.requests,
        ok: recorder.ok,
        partial: recorder.partial,
        errors: recorder.errors.clone(),
        throughput: recorder.ok as f64 / measured.as_secs_f64().max(1e-9),
        latency: percentiles(&recorder.client),
        server: percentiles(&recorder.server),
        server_no_hit: percentiles(&recorder.server_no_hit),
        nodes: recorder
            .nodes
            .iter()
            .map(|(node, (histogram, not_ok))| NodeLatency {
                node: node.clone(),
                not_ok: *not_ok,
                latency: percentiles(histogram),
            })
            .collect(),
        distribution,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_hand() {
        let mut h = histogram();
        for us in 1..=1000 {
            h.record(us * 1000).unwrap();
        }
        let p = percentiles(&h);
        assert_eq!(p.count, 1000);
        let close = |a: f64, b: f64| (a - b).abs() <= b * 0.001 + 1e-9;
        assert!(close(p.p50_ms, 500.0), "{p:?}");
        assert!(close(p.p90_ms, 900.0), "{p:?}");
        assert!(close(p.p99_ms, 990.0), "{p:?}");
        assert!(close(p.p999_ms, 999.0), "{p:?}");
        assert!(close(p.max_ms, 1000.0), "{p:?}");
        assert!(close(p.mean_ms, 500.5), "{p:?}");
        assert_eq!(percentiles(&histogram()).p99_ms, 0.0);
    }

    #[test]
    fn errors_are_counted_by_code() {
        let mut recorder = Recorder::new();
        recorder.record(
            Duration::from_millis(3),
            Some(Err(tonic::Status::unavailable("down"))),
        );
        recorder.record(Duration::from_millis(3), None);
        recorder.record(
            Duration::from_millis(2),
            Some(Ok(Answer {
                ranked: Vec::new(),
                server_elapsed: Some(Duration::from_millis(1)),
                nodes: Vec::new(),
                partial: true,
            })),
        );
        assert_eq!(
            (recorder.requests, recorder.ok, recorder.partial),
            (3, 1, 1)
        );
        assert_eq!(recorder.errors.get("Unavailable"), Some(&1));
        assert_eq!(recorder.errors.get("client_timeout"), Some(&1));
        assert_eq!(recorder.client.len(), 1);
        assert_eq!(recorder.server.len(), 1);
        assert_eq!(recorder.server_no_hit.len(), 1, "an answer without matches");
    }

    #[test]
    fn searches_that_found_nothing_are_timed_apart() {
        let mut recorder = Recorder::new();
        let answer = |ranked: Vec<crate::metrics::Ranked>, ms| Answer {
            ranked,
            server_elapsed: Some(Duration::from_millis(ms)),
            nodes: Vec::new(),
            partial: false,
        };
        let hit = crate::metrics::Ranked {
            id: "NL-1".to_string(),
            score: 0.9,
            near: true,
        };
        recorder.record(Duration::from_millis(9), Some(Ok(answer(vec![hit], 8))));
        recorder.record(Duration::from_millis(2), Some(Ok(answer(Vec::new(), 1))));
        recorder.record(Duration::from_millis(3), Some(Ok(answer(Vec::new(), 2))));
        let (server, no_hit) = (
            percentiles(&recorder.server),
            percentiles(&recorder.server_no_hit),
        );
        assert_eq!((server.count, no_hit.count), (3, 2));
        assert!(no_hit.max_ms < 2.01, "{no_hit:?}");
        assert!(server.max_ms > 7.9, "{server:?}");
    }
}
