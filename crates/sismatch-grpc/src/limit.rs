//! The message size limit of every server: a message larger than the limit is refused with
//! RESOURCE_EXHAUSTED.
//!
//! tonic enforces `max_decoding_message_size` in its streaming decoder and answers
//! OUT_OF_RANGE, which the gRPC status code guide keeps for iterating past the end of
//! something, and which no codec can change (the check runs before the codec sees a byte).
//! So [`MessageLimitLayer`] reads the 5-byte gRPC frame headers of each request body as the
//! bytes arrive and ends the body with RESOURCE_EXHAUSTED at the first message that claims
//! more than the limit; tonic hands that status to the caller as it is. The servers keep
//! tonic's own limit at the same value, so tonic's check never fires first.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http_body::{Frame, SizeHint};
use tonic::Status;
use tonic::body::Body;
use tonic::codegen::http::Request;
use tonic::codegen::{Bytes, Service};
use tower::Layer;

/// Bytes before each message in a gRPC stream: a compression flag and a big-endian length.
const FRAME_HEADER: usize = 5;

/// Wraps a server's services so that no request message may exceed `limit` bytes.
#[derive(Debug, Clone, Copy)]
pub struct MessageLimitLayer {
    limit: usize,
}

impl MessageLimitLayer {
    /// A layer refusing request messages of more than `limit` bytes.
    pub fn new(limit: usize) -> MessageLimitLayer {
        MessageLimitLayer { limit }
    }
}

impl<S> Layer<S> for MessageLimitLayer {
    type Service = MessageLimit<S>;

    fn layer(&self, inner: S) -> MessageLimit<S> {
        MessageLimit {
            inner,
            limit: self.limit,
        }
    }
}

/// The service [`MessageLimitLayer`] makes: `inner`, reading request bodies through
/// [`LimitedBody`].
#[derive(Debug, Clone)]
pub struct MessageLimit<S> {
    inner: S,
    limit: usize,
}

impl<S> Service<Request<Body>> for MessageLimit<S>
where
    S: Service<Request<Body>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let limit = self.limit;
        self.inner.call(request.map(|body| {
            Body::new(LimitedBody {
                inner: body,
                frames: Frames::new(limit),
            })
        }))
    }
}

/// A request body that ends with RESOURCE_EXHAUSTED instead of passing on a chunk in which a
/// message claims more than the limit.
struct LimitedBody {
    inner: Body,
    frames: Frames,
}

impl http_body::Body for LimitedBody {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let frame = ready!(Pin::new(&mut self.inner).poll_frame(cx));
        if let Some(Ok(frame)) = &frame
            && let Some(data) = frame.data_ref()
            && let Err(len) = self.frames.read(data)
        {
            let limit = self.frames.limit;
            return Poll::Ready(Some(Err(Status::resource_exhausted(format!(
                "the message of {len} bytes is larger than the limit of {limit} bytes"
            )))));
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

/// Where a gRPC stream is between its messages: the header bytes read so far, or how much of
/// the current message is still to come.
#[derive(Debug)]
struct Frames {
    limit: usize,
    header: [u8; FRAME_HEADER],
    header_read: usize,
    message_left: usize,
}

impl Frames {
    fn new(limit: usize) -> Frames {
        Frames {
            limit,
            header: [0; FRAME_HEADER],
            header_read: 0,
            message_left: 0,
        }
    }

    /// Follows the stream through `data`, the next bytes of the body; the length a message
    /// claims when it is larger than the limit.
    fn read(&mut self, mut data: &[u8]) -> Result<(), usize> {
        while !data.is_empty() {
            if self.message_left > 0 {
                let skipped = self.message_left.min(data.len());
                self.message_left -= skipped;
                data = &data[skipped..];
                continue;
            }
            let taken = (FRAME_HEADER - self.header_read).min(data.len());
            self.header[self.header_read..self.header_read + taken].copy_from_slice(&data[..taken]);
            self.header_read += taken;
            data = &data[taken..];
            if self.header_read == FRAME_HEADER {
                let [_, a, b, c, d] = self.header;
                let len = u32::from_be_bytes([a, b, c, d]) as usize;
                if len > self.limit {
                    return Err(len);
                }
                self.message_left = len;
                self.header_read = 0;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A gRPC stream of uncompressed messages of `lens` bytes.
    fn stream(lens: &[u32]) -> Vec<u8> {
        let mut bytes = Vec::new();
        for &len in lens {
            bytes.push(0);
            bytes.extend_from_slice(&len.to_be_bytes());
            bytes.resize(bytes.len() + len as usize, 7);
        }
        bytes
    }

    #[test]
    fn messages_up_to_the_limit_pass_in_chunks_of_any_size() {
        let bytes = stream(&[10, 0, 3, 10]);
        for chunk in 1..=bytes.len() {
            let mut frames = Frames::new(10);
            for part in bytes.chunks(chunk) {
                assert_eq!(frames.read(part), Ok(()), "chunks of {chunk}");
            }
            assert_eq!((frames.header_read, frames.message_left), (0, 0));
        }
    }

    #[test]
    fn the_first_message_over_the_limit_is_named_by_its_length() {
        let bytes = stream(&[3, 11, 2]);
        for chunk in 1..=bytes.len() {
            let mut frames = Frames::new(10);
            let refused = bytes
                .chunks(chunk)
                .map(|part| frames.read(part))
                .find(Result::is_err);
            assert_eq!(refused, Some(Err(11)), "chunks of {chunk}");
        }
    }
}
