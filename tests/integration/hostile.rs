//! Hostile input on the wire (issue 16): bytes that are not the request an RPC takes, on the
//! real `sismatch` node, core and partner binaries over real HTTP/2. Each must be refused as
//! the caller's fault, write nothing, and leave the server serving.

use std::net::SocketAddr;

use sismatch_proto::v1;
use tonic::Code;
use tonic::transport::Channel;

use crate::support::{NodeProcess, RawCodec, Servers, client, import};
use sismatch_sample::fixture::alerts;

/// A request that starts a length-delimited field 1 of 16 bytes and ends after one: a
/// message cut short, which no request type decodes.
const TRUNCATED: &[u8] = b"\x0a\x10a";

/// One byte more than the largest message a server accepts (`MAX_MESSAGE` of the binary's
/// `serve.rs`).
const OVERSIZED: usize = 16 * 1024 * 1024 + 1;

/// Sends `body` as the whole message of `path` (`/sismatch.v1.NationalNode/Search`) to
/// `addr`, framed as gRPC but not encoded by us: the server sees exactly these bytes.
async fn raw_call(addr: SocketAddr, path: &'static str, body: Vec<u8>) -> tonic::Status {
    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let path = tonic::codegen::http::uri::PathAndQuery::from_static(path);
    grpc.unary(tonic::Request::new(body), path, RawCodec)
        .await
        .expect_err("the server refuses these bytes")
}

/// Asserts that `status` refuses a request that did not decode.
fn assert_undecodable(status: &tonic::Status) {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(
        status
            .message()
            .starts_with("the request could not be decoded"),
        "{status:?}"
    );
}

/// Asserts that `status` refuses a message larger than the server's limit.
fn assert_too_large(status: &tonic::Status) {
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert!(
        status.message().starts_with(&format!(
            "the message of {OVERSIZED} bytes is larger than the limit"
        )),
        "{status:?}"
    );
}

/// The node's number of stored alerts.
async fn alerts_total(addr: SocketAddr) -> u64 {
    let mut node = client(addr).await;
    let status = node.get_node_status(v1::GetNodeStatusRequest {}).await;
    status.unwrap().into_inner().alerts_total
}

/// A search of the node at `addr` for `value` that must succeed.
async fn search_works(addr: SocketAddr, value: &str) {
    let request = v1::NationalNodeSearchRequest {
        queries: vec![v1::IdentifierQuery {
            value: value.to_string(),
            ..v1::IdentifierQuery::default()
        }],
        ..v1::NationalNodeSearchRequest::default()
    };
    let answer = client(addr).await.search(request).await;
    assert!(answer.is_ok(), "{answer:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_does_not_decode_is_invalid_argument_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let node = NodeProcess::spawn("NL", &dir.path().join("nl"));
    let sample = alerts("NL", 3, 16);
    let mut nl = client(node.addr).await;
    import(&mut nl, &sample, 3).await;
    let before = alerts_total(node.addr).await;

    let search = raw_call(
        node.addr,
        "/sismatch.v1.NationalNode/Search",
        TRUNCATED.to_vec(),
    );
    assert_undecodable(&search.await);
    let put = raw_call(
        node.addr,
        "/sismatch.v1.NationalNode/PutAlert",
        TRUNCATED.to_vec(),
    );
    assert_undecodable(&put.await);

    assert_eq!(alerts_total(node.addr).await, before);
    search_works(node.addr, &sample[0].identifiers[0].value).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_core_and_a_partner_refuse_undecodable_requests_as_invalid_argument() {
    let dir = tempfile::tempdir().unwrap();
    let servers = Servers::spawn(dir.path());
    let (core, partner) = (servers.core, servers.partner);
    let search = raw_call(core, "/sismatch.v1.MatchingCore/Search", TRUNCATED.to_vec());
    assert_undecodable(&search.await);

    let lookup = raw_call(
        partner,
        "/sismatch.v1.ManufacturerPartner/Lookup",
        TRUNCATED.to_vec(),
    );
    assert_undecodable(&lookup.await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_batch_that_does_not_decode_ends_the_import_with_invalid_argument() {
    let dir = tempfile::tempdir().unwrap();
    let node = NodeProcess::spawn("NL", &dir.path().join("nl"));
    let channel = Channel::from_shared(format!("http://{}", node.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let path = tonic::codegen::http::uri::PathAndQuery::from_static(
        "/sismatch.v1.NationalNode/ImportAlerts",
    );
    let batches = tokio_stream::iter([TRUNCATED.to_vec()]);
    let mut answers = grpc
        .streaming(tonic::Request::new(batches), path, RawCodec)
        .await
        .unwrap()
        .into_inner();
    let status = answers.message().await.expect_err("the batch is refused");
    assert_undecodable(&status);
    assert_eq!(alerts_total(node.addr).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_limit_is_resource_exhausted_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let node = NodeProcess::spawn("NL", &dir.path().join("nl"));
    let sample = alerts("NL", 3, 16);
    import(&mut client(node.addr).await, &sample, 3).await;
    let before = alerts_total(node.addr).await;

    let search = raw_call(
        node.addr,
        "/sismatch.v1.NationalNode/Search",
        vec![0; OVERSIZED],
    );
    assert_too_large(&search.await);
    let put = raw_call(
        node.addr,
        "/sismatch.v1.NationalNode/PutAlert",
        vec![0; OVERSIZED],
    );
    assert_too_large(&put.await);
    // The limit is the same for the health service, which tonic would answer OUT_OF_RANGE.
    let health = raw_call(
        node.addr,
        "/grpc.health.v1.Health/Check",
        vec![0; OVERSIZED],
    );
    assert_too_large(&health.await);

    assert_eq!(alerts_total(node.addr).await, before);
    search_works(node.addr, &sample[0].identifiers[0].value).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_core_and_a_partner_refuse_messages_over_the_limit_as_resource_exhausted() {
    let dir = tempfile::tempdir().unwrap();
    let servers = Servers::spawn(dir.path());
    let (core, partner) = (servers.core, servers.partner);
    let search = raw_call(core, "/sismatch.v1.MatchingCore/Search", vec![0; OVERSIZED]);
    assert_too_large(&search.await);

    // Over tonic's default limit (4 MiB) as well: the partner's limit is the servers' one.
    let lookup = raw_call(
        partner,
        "/sismatch.v1.ManufacturerPartner/Lookup",
        vec![0; OVERSIZED],
    );
    assert_too_large(&lookup.await);
}

/// Sends `messages` raw messages to `path` at `addr` and reads the whole answer.
async fn raw_stream(
    addr: SocketAddr,
    path: &'static str,
    messages: Vec<Vec<u8>>,
) -> Result<(), tonic::Status> {
    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let path = tonic::codegen::http::uri::PathAndQuery::from_static(path);
    let request = tonic::Request::new(tokio_stream::iter(messages));
    let mut answers = grpc.streaming(request, path, RawCodec).await?.into_inner();
    while answers.message().await?.is_some() {}
    Ok(())
}

/// Found by the request fuzzer: tonic answered INTERNAL ("Missing request message.").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unary_request_without_a_message_is_invalid_argument() {
    let dir = tempfile::tempdir().unwrap();
    let servers = Servers::spawn(dir.path());
    for (addr, path) in [
        (servers.node, "/sismatch.v1.NationalNode/PutAlert"),
        (servers.core, "/sismatch.v1.MatchingCore/Search"),
        (servers.partner, "/sismatch.v1.ManufacturerPartner/Lookup"),
        (servers.node, "/grpc.health.v1.Health/Check"),
    ] {
        let status = raw_stream(addr, path, Vec::new()).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{path}: {status:?}");
        assert_eq!(status.message(), "the request carried no message", "{path}");
    }
    // A stream of no batches is an empty import, not a missing message.
    let import = "/sismatch.v1.NationalNode/ImportAlerts";
    assert!(raw_stream(servers.node, import, Vec::new()).await.is_ok());
    assert_eq!(alerts_total(servers.node).await, 0);
}
