//! The codec of the generated servers: prost's wire format, with a request that does not
//! decode answered as the caller's fault.
//!
//! tonic's `ProstCodec` turns a prost `DecodeError` into INTERNAL, which is right for a
//! client reading a broken answer but wrong for a server reading a broken request: the
//! bytes came from the caller, so the server answers INVALID_ARGUMENT (the API's documented
//! code for a request the caller must fix). Encoding is tonic's own. `build.rs` gives this
//! codec to the servers only; the clients keep tonic's.

use std::marker::PhantomData;

use prost::Message;
use tonic::Status;
use tonic::codec::{Codec, DecodeBuf, Decoder};
use tonic_prost::ProstEncoder;

/// Encodes answers `T` as tonic does and decodes requests `U`, refusing bytes that are not a
/// `U` with INVALID_ARGUMENT.
#[derive(Debug, Clone)]
pub struct RequestCodec<T, U> {
    _messages: PhantomData<(T, U)>,
}

impl<T, U> Default for RequestCodec<T, U> {
    fn default() -> Self {
        RequestCodec {
            _messages: PhantomData,
        }
    }
}

impl<T, U> Codec for RequestCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = RequestDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        ProstEncoder::default()
    }

    fn decoder(&mut self) -> Self::Decoder {
        RequestDecoder {
            _message: PhantomData,
        }
    }
}

/// Decodes one request `U`; see [`RequestCodec`].
#[derive(Debug, Clone)]
pub struct RequestDecoder<U> {
    _message: PhantomData<U>,
}

impl<U: Message + Default> Decoder for RequestDecoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        match U::decode(buf) {
            Ok(message) => Ok(Some(message)),
            Err(error) => Err(undecodable(&error)),
        }
    }
}

/// The answer to a request whose bytes are not the message the RPC takes.
fn undecodable(error: &prost::DecodeError) -> Status {
    Status::invalid_argument(format!("the request could not be decoded: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;

    #[test]
    fn a_decode_error_is_the_callers_fault() {
        let Err(error) = crate::v1::NationalNodeSearchRequest::decode(&b"\xff\xff\xff"[..]) else {
            panic!("three 0xff bytes decoded as a search request");
        };
        let status = undecodable(&error);
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(
            status
                .message()
                .starts_with("the request could not be decoded: "),
            "{}",
            status.message()
        );
    }
}
