//! Micro-benchmark of what the request metrics add to every gRPC call a server answers.
//!
//! What is measured: one call through `sismatch_telemetry::RequestMetrics` wrapped around a
//! service that answers at once with a gRPC-shaped body (no data, trailers with
//! `grpc-status: 0`), the body read to its end, as tonic's server does:
//! - `request_metrics/no_recorder`: metrics off (`--metrics` not given): the layer still runs,
//!   the `metrics` facade finds no recorder;
//! - `request_metrics/prometheus`: with the Prometheus recorder installed (`--metrics`): the
//!   counter and the histogram recorded under their labels.
//!
//! The difference between the two and a search's own cost (about a millisecond, see
//! BENCHMARKS.md) is the overhead of metrics. Run with
//! `cargo bench -p sismatch-microbenches --bench telemetry`.

// In a bench harness a failed setup step is a failed run, with its message.
#![allow(clippy::expect_used)]

use std::convert::Infallible;
use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use criterion::{Criterion, criterion_group, criterion_main};
use http::HeaderMap;
use http_body::{Body, Frame};
use sismatch_telemetry::{RequestMetricsLayer, install_recorder};
use tower::{Layer, Service, service_fn};

/// A unary gRPC answer's body, reduced to its trailers.
struct Answer {
    sent: bool,
}

impl Body for Answer {
    type Data = &'static [u8];
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        if self.sent {
            return Poll::Ready(None);
        }
        self.sent = true;
        let mut trailers = HeaderMap::new();
        trailers.insert("grpc-status", http::HeaderValue::from_static("0"));
        Poll::Ready(Some(Ok(Frame::trailers(trailers))))
    }
}

/// Polls `future`, which must be ready at once (nothing here waits).
fn ready<T>(future: impl Future<Output = T>) -> T {
    let mut context = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut context) {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("the benchmarked service never waits"),
    }
}

fn bench(c: &mut Criterion) {
    let mut service = RequestMetricsLayer::new("node NL").layer(service_fn(
        |_request: http::Request<()>| async {
            Ok::<_, Infallible>(http::Response::new(Answer { sent: false }))
        },
    ));
    let mut call = || {
        let request = http::Request::builder()
            .uri("/sismatch.v1.NationalNode/Search")
            .body(())
            .expect("a request");
        let response = ready(service.call(request)).expect("an answer");
        let mut body = pin!(response.into_body());
        let mut context = Context::from_waker(Waker::noop());
        while let Poll::Ready(Some(_)) = body.as_mut().poll_frame(&mut context) {}
    };
    let mut group = c.benchmark_group("request_metrics");
    group.bench_function("no_recorder", |b| b.iter(&mut call));
    install_recorder().expect("the recorder");
    group.bench_function("prometheus", |b| b.iter(&mut call));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
