//! A request of a unary RPC that carries no message is the caller's fault: INVALID_ARGUMENT.
//!
//! tonic answers such a request INTERNAL ("Missing request message."), the code the gRPC
//! status guide keeps for a server's own broken invariants; the request fuzzer found it
//! (issue 16). No handler or codec sees the request (tonic answers before decoding), and only
//! tonic knows which RPCs take one message, so [`MissingMessageLayer`] rewrites that one
//! answer, recognised by its code and tonic's exact message, in the response headers where a
//! refused unary request carries its status. tonic is pinned, and the fuzzer fails if its
//! wording ever changes.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tonic::codegen::Service;
use tonic::codegen::http::{Request, Response};
use tonic::{Code, Status};
use tower::Layer;

/// tonic's answer to a unary request that ended before its message.
const TONIC_MISSING: &str = "Missing request message.";

/// Wraps a server's services so that a unary request without a message is INVALID_ARGUMENT.
#[derive(Debug, Clone, Copy, Default)]
pub struct MissingMessageLayer;

impl<S> Layer<S> for MissingMessageLayer {
    type Service = MissingMessage<S>;

    fn layer(&self, inner: S) -> MissingMessage<S> {
        MissingMessage { inner }
    }
}

/// The service [`MissingMessageLayer`] makes.
#[derive(Debug, Clone)]
pub struct MissingMessage<S> {
    inner: S,
}

impl<S, B, R> Service<Request<B>> for MissingMessage<S>
where
    S: Service<Request<B>, Response = Response<R>>,
    S::Future: Send + 'static,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<R>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let answer = self.inner.call(request);
        Box::pin(async move {
            let mut response = answer.await?;
            let missing = Status::from_header_map(response.headers())
                .is_some_and(|s| s.code() == Code::Internal && s.message() == TONIC_MISSING);
            if missing {
                let status = Status::invalid_argument("the request carried no message");
                // Both header values are plain ASCII: writing them cannot fail.
                let _ = status.add_header(response.headers_mut());
            }
            Ok(response)
        })
    }
}
