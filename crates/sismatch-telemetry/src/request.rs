//! Request metrics of a gRPC server: a count and a latency histogram per RPC and status code.
//!
//! A tower layer rather than code in each handler, so that no RPC (health and reflection
//! included) escapes. The status of a gRPC call is in the response's trailers (or its headers
//! when the call failed at once), so the layer wraps the response body and records when the
//! body ends: the time measured is the whole call, streamed imports included.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};
use tower::{Layer, Service};

/// Requests answered, by server, RPC and status code.
const REQUESTS: &str = "sismatch_grpc_requests_total";
/// Time from a request's arrival to the end of its answer, in seconds.
const DURATION: &str = "sismatch_grpc_request_duration_seconds";

/// Gives the request series their `# HELP` text; done by [`crate::install_recorder`].
pub(crate) fn describe_metrics() {
    metrics::describe_counter!(
        REQUESTS,
        "gRPC requests answered, by server, RPC and status code"
    );
    metrics::describe_histogram!(
        DURATION,
        "Seconds from a gRPC request's arrival to the end of its answer"
    );
}

/// gRPC status codes by number, named as Prometheus dashboards for gRPC expect them.
const CODES: [&str; 17] = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

/// Wraps a server's services in [`RequestMetrics`]; `server` labels its series (`node NL`,
/// `core`), so that several servers in one process (the demo) stay apart.
#[derive(Debug, Clone)]
pub struct RequestMetricsLayer {
    server: Arc<str>,
}

impl RequestMetricsLayer {
    /// A layer labelling its series with `server`.
    pub fn new(server: &str) -> RequestMetricsLayer {
        RequestMetricsLayer {
            server: Arc::from(server),
        }
    }
}

impl<S> Layer<S> for RequestMetricsLayer {
    type Service = RequestMetrics<S>;

    fn layer(&self, inner: S) -> RequestMetrics<S> {
        RequestMetrics {
            inner,
            server: Arc::clone(&self.server),
        }
    }
}

/// The service [`RequestMetricsLayer`] makes: `inner`, with every call counted and timed.
#[derive(Debug, Clone)]
pub struct RequestMetrics<S> {
    inner: S,
    server: Arc<str>,
}

impl<S, B, ResBody> Service<http::Request<B>> for RequestMetrics<S>
where
    S: Service<http::Request<B>, Response = http::Response<ResBody>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<MeteredBody<ResBody>>;
    type Error = S::Error;
    type Future =
        Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send + 'static>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let mut call = Call {
            server: Arc::clone(&self.server),
            rpc: request.uri().path().to_owned(),
            started: Instant::now(),
            code: None,
            ended: false,
        };
        let answer = self.inner.call(request);
        Box::pin(async move {
            let response = answer.await.inspect_err(|_| call.code = Some(13))?;
            call.code = grpc_code(response.headers());
            Ok(response.map(|inner| MeteredBody {
                inner,
                call: Some(call),
            }))
        })
    }
}

pin_project_lite::pin_project! {
    /// A response body that records its call when it ends (or is dropped unfinished).
    pub struct MeteredBody<B> {
        #[pin]
        inner: B,
        call: Option<Call>,
    }
}

impl<B: Body> Body for MeteredBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let frame = ready!(this.inner.poll_frame(cx));
        match &frame {
            Some(Ok(frame)) => {
                if let (Some(trailers), Some(call)) = (frame.trailers_ref(), this.call.as_mut())
                    && let Some(code) = grpc_code(trailers)
                {
                    call.code = Some(code);
                }
            }
            Some(Err(_)) => {
                if let Some(call) = this.call.as_mut() {
                    call.code.get_or_insert(13);
                }
            }
            None => {
                if let Some(mut call) = this.call.take() {
                    call.ended = true;
                }
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// One call being answered; recorded when dropped.
struct Call {
    server: Arc<str>,
    rpc: String,
    started: Instant,
    /// The gRPC status code, once the headers or trailers have told it.
    code: Option<u32>,
    /// Whether the body was read to its end (a body dropped before was cancelled).
    ended: bool,
}

impl Drop for Call {
    fn drop(&mut self) {
        let code = match self.code {
            Some(code) => CODES.get(code as usize).copied().unwrap_or("UNKNOWN"),
            None if self.ended => "OK",
            None => "CANCELLED",
        };
        // An unknown path would otherwise add a series per path a client makes up.
        let rpc = if code == "UNIMPLEMENTED" {
            "unknown".to_owned()
        } else {
            std::mem::take(&mut self.rpc)
        };
        let labels = [
            ("server", self.server.to_string()),
            ("rpc", rpc),
            ("code", code.to_owned()),
        ];
        metrics::counter!(REQUESTS, &labels).increment(1);
        metrics::histogram!(DURATION, &labels).record(self.started.elapsed().as_secs_f64());
    }
}

/// The `grpc-status` in `headers`, when there is one.
fn grpc_code(headers: &HeaderMap) -> Option<u32> {
    headers.get("grpc-status")?.to_str().ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_grpc_status_of_headers_and_trailers() {
        let mut headers = HeaderMap::new();
        assert_eq!(grpc_code(&headers), None);
        headers.insert("grpc-status", http::HeaderValue::from_static("3"));
        assert_eq!(grpc_code(&headers), Some(3));
        assert_eq!(CODES[3], "INVALID_ARGUMENT");
        headers.insert("grpc-status", http::HeaderValue::from_static("x"));
        assert_eq!(grpc_code(&headers), None);
    }
}
