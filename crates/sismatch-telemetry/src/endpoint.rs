//! The `/metrics` endpoint: plain HTTP on its own port, as Prometheus scrapes it.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;

use crate::error::{Result, TelemetryError};

/// Sets scrape-time gauges (a node's alerts by status, index and store size) just before a
/// scrape is rendered, so they are never older than the scrape. Cheap calls only: a scrape
/// every 15 s must not load the server.
pub type Refresh = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// Content type of the Prometheus text exposition format.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// How often histograms are folded into their buckets between scrapes, so memory stays flat
/// however long nobody scrapes.
const UPKEEP: Duration = Duration::from_secs(5);

/// What a scrape needs.
#[derive(Clone)]
struct Scrape {
    handle: PrometheusHandle,
    refresh: Arc<Vec<Refresh>>,
}

/// Serves `GET /metrics` (and `GET /` for a person with a browser) on `listener` until the
/// task is dropped or serving fails. The listener is the caller's, so `--metrics
/// 127.0.0.1:0` can print the bound port before serving.
pub async fn serve_metrics(
    listener: TcpListener,
    handle: PrometheusHandle,
    refresh: Vec<Refresh>,
) -> Result<()> {
    let scrape = Scrape {
        handle: handle.clone(),
        refresh: Arc::new(refresh),
    };
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/", get(index))
        .with_state(scrape);
    let upkeep = async move {
        loop {
            tokio::time::sleep(UPKEEP).await;
            handle.run_upkeep();
        }
    };
    tokio::select! {
        served = axum::serve(listener, app).into_future() => {
            served.map_err(|e| TelemetryError::Serve(e.to_string()))
        }
        () = upkeep => Ok(()),
    }
}

/// The metrics in Prometheus' text format, scrape-time gauges refreshed first.
async fn metrics(State(scrape): State<Scrape>) -> impl IntoResponse {
    for refresh in scrape.refresh.iter() {
        refresh().await;
    }
    scrape.handle.run_upkeep();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, TEXT_FORMAT)],
        scrape.handle.render(),
    )
}

/// A pointer to `/metrics`.
async fn index() -> &'static str {
    "sismatch metrics: GET /metrics\n"
}
