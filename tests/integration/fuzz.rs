//! A request fuzzer over every RPC of the node, the core and a partner (issue 16): random
//! bytes and mutated valid requests, sent as raw gRPC messages to the real binaries. Every
//! answer must be OK or an error code the RPC documents in `proto/`, come within seconds, and,
//! when refused, leave the node's store as it was; afterwards every server must still be
//! healthy and no log may show a panic.
//!
//! Seeded and bounded in time: `SISMATCH_FUZZ_SECONDS` (3 by default, for the test suite; set
//! it higher for a long run) and `SISMATCH_FUZZ_SEED` (printed, so a failure replays).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use prost::Message;
use prost::bytes::Bytes;
use sismatch_grpc::convert::{alert_out, time_out};
use sismatch_proto::v1;
use sismatch_proto::wire::duration;
use tonic::Code;
use tonic::codegen::http::uri::PathAndQuery;
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::support::{RawCodec, Servers, client, import};
use sismatch_sample::Rng;
use sismatch_sample::fixture::alerts;

/// Codes that any RPC may answer (`types.proto`): bad input and messages over the limit.
const ANY_RPC: [Code; 2] = [Code::InvalidArgument, Code::ResourceExhausted];

/// One RPC under test: where it is served, a valid request to mutate, the error codes its
/// comment in `proto/` documents beyond `ANY_RPC`, and whether it may write to the node.
struct Rpc {
    server: SocketAddr,
    path: &'static str,
    valid: Vec<u8>,
    documented: &'static [Code],
    writes: bool,
}

/// Every RPC of the three services, each with a valid request about the node's alerts.
fn rpcs(servers: &Servers, id: &str, value: &str) -> Vec<Rpc> {
    let query = || v1::IdentifierQuery {
        value: value.to_string(),
        ..v1::IdentifierQuery::default()
    };
    let hit = v1::HitReport {
        alert_id: id.to_string(),
        reporting_country: "BE".to_string(),
        reporting_officer: "brigade 7".to_string(),
        case_reference: "BE-2026-1".to_string(),
        matched_value: value.to_string(),
        ..v1::HitReport::default()
    };
    let alert = alert_out(alerts("NL", 1, 99).remove(0));
    let (node, core, partner) = (servers.node, servers.core, servers.partner);
    let rpc = |server, path, valid: Vec<u8>, documented, writes| Rpc {
        server,
        path,
        valid,
        documented,
        writes,
    };
    let id = id.to_string();
    vec![
        rpc(
            node,
            "/sismatch.v1.NationalNode/PutAlert",
            v1::PutAlertRequest {
                alert: Some(alert.clone()),
                ..v1::PutAlertRequest::default()
            }
            .encode_to_vec(),
            &[
                Code::AlreadyExists,
                Code::FailedPrecondition,
                Code::PermissionDenied,
            ],
            true,
        ),
        rpc(
            node,
            "/sismatch.v1.NationalNode/GetAlert",
            v1::GetAlertRequest {
                id: id.clone(),
                version: 0,
            }
            .encode_to_vec(),
            &[Code::NotFound],
            false,
        ),
        rpc(
            node,
            "/sismatch.v1.NationalNode/WithdrawAlert",
            v1::WithdrawAlertRequest {
                id: id.clone(),
                ..v1::WithdrawAlertRequest::default()
            }
            .encode_to_vec(),
            &[Code::NotFound, Code::FailedPrecondition],
            true,
        ),
        rpc(
            node,
            "/sismatch.v1.NationalNode/SetAlertStatus",
            v1::SetAlertStatusRequest {
                id: id.clone(),
                status: v1::AlertStatus::Recovered as i32,
                ..v1::SetAlertStatusRequest::default()
            }
            .encode_to_vec(),
            &[
                Code::NotFound,
                Code::FailedPrecondition,
                Code::AlreadyExists,
            ],
            true,
        ),
        rpc(
            node,
            "/sismatch.v1.NationalNode/GetAlertHistory",
            v1::GetAlertHistoryRequest { id: id.clone() }.encode_to_vec(),
            &[Code::NotFound],
            false,
        ),
        rpc(
            node,
            "/sismatch.v1.NationalNode/ImportAlerts",
            v1::ImportAlertsRequest {
                items: vec![v1::ImportItem {
                    line: 1,
                    alert: Some(alert),
                }],
            }
            .encode_to_vec(),
            &[],
            true,
        ),
        rpc(
            node,
            "/sismatch.v1.NationalNode/Search",
            v1::NationalNodeSearchRequest {
                queries: vec![query()],
                ..v1::NationalNodeSearchRequest::default()
            }
            .encode_to_vec(),
            &[],
            false,
        ),
        rpc(
            node,
            "/sismatch.v1.NationalNode/ReportHit",
            v1::NationalNodeReportHitRequest {
                hit: Some(hit.clone()),
            }
            .encode_to_vec(),
            &[
                Code::NotFound,
                Code::FailedPrecondition,
                Code::AlreadyExists,
            ],
            true,
        ),
        rpc(
            node,
            "/sismatch.v1.NationalNode/ListHits",
            v1::ListHitsRequest::default().encode_to_vec(),
            &[],
            false,
        ),
        rpc(
            node,
            "/sismatch.v1.NationalNode/AcceptHit",
            v1::AcceptHitRequest {
                hit_id: format!("HIT-{id}-1"),
            }
            .encode_to_vec(),
            &[Code::NotFound, Code::FailedPrecondition],
            false,
        ),
        rpc(
            node,
            "/sismatch.v1.NationalNode/DeclineHit",
            v1::DeclineHitRequest {
                hit_id: format!("HIT-{id}-2"),
                reason: "not our object".to_string(),
            }
            .encode_to_vec(),
            &[Code::NotFound, Code::FailedPrecondition],
            false,
        ),
        rpc(
            node,
            "/sismatch.v1.NationalNode/GetReleasedAlert",
            v1::NationalNodeGetReleasedAlertRequest {
                hit_id: format!("HIT-{id}-1"),
            }
            .encode_to_vec(),
            &[Code::NotFound, Code::PermissionDenied],
            false,
        ),
        rpc(
            node,
            "/sismatch.v1.NationalNode/GetNodeStatus",
            v1::GetNodeStatusRequest {}.encode_to_vec(),
            &[],
            false,
        ),
        rpc(
            node,
            "/sismatch.v1.NationalNode/ListExpiringAlerts",
            v1::ListExpiringAlertsRequest {
                within: Some(duration(Duration::from_secs(90 * 86_400))),
                ..v1::ListExpiringAlertsRequest::default()
            }
            .encode_to_vec(),
            &[],
            false,
        ),
        rpc(
            node,
            "/sismatch.v1.NationalNode/ExtendAlert",
            v1::ExtendAlertRequest {
                id: id.clone(),
                expires_at: time_out(Some(jiff::Timestamp::MAX)),
                reason: "still sought".to_string(),
                expected_version: 0,
            }
            .encode_to_vec(),
            &[Code::NotFound, Code::FailedPrecondition],
            true,
        ),
        rpc(
            core,
            "/sismatch.v1.MatchingCore/Search",
            v1::MatchingCoreSearchRequest {
                queries: vec![query()],
                ..v1::MatchingCoreSearchRequest::default()
            }
            .encode_to_vec(),
            &[Code::PermissionDenied, Code::Unauthenticated],
            false,
        ),
        rpc(
            core,
            "/sismatch.v1.MatchingCore/Check",
            v1::CheckRequest {
                identifiers: vec![query()],
                category: 0,
            }
            .encode_to_vec(),
            &[],
            false,
        ),
        rpc(
            core,
            "/sismatch.v1.MatchingCore/ReportHit",
            v1::MatchingCoreReportHitRequest { hit: Some(hit) }.encode_to_vec(),
            &[
                Code::NotFound,
                Code::FailedPrecondition,
                Code::AlreadyExists,
                Code::Unavailable,
            ],
            true,
        ),
        rpc(
            core,
            "/sismatch.v1.MatchingCore/GetReleasedAlert",
            v1::MatchingCoreGetReleasedAlertRequest {
                hit_id: format!("HIT-{id}-1"),
            }
            .encode_to_vec(),
            &[Code::NotFound, Code::PermissionDenied, Code::Unavailable],
            false,
        ),
        rpc(
            partner,
            "/sismatch.v1.ManufacturerPartner/Lookup",
            v1::LookupRequest {
                identifiers: vec![query()],
                purpose: v1::LookupPurpose::TheftInvestigation as i32,
                case_reference: "NL-2026-1".to_string(),
                officer: "officer 7".to_string(),
            }
            .encode_to_vec(),
            &[Code::Unauthenticated],
            false,
        ),
    ]
}

/// Random bytes, or `valid` with one to three mutations: bits flipped, a cut, bytes inserted
/// or overwritten with edge values, a stretch repeated.
fn mutate(rng: &mut Rng, valid: &[u8]) -> Vec<u8> {
    if rng.index(8) == 0 {
        let len = rng.index(64);
        return (0..len).map(|_| rng.next_u64() as u8).collect();
    }
    let mut body = valid.to_vec();
    for _ in 0..=rng.index(3) {
        let at = rng.index(body.len() + 1);
        match rng.index(5) {
            0 if at < body.len() => body[at] ^= 1 << rng.index(8),
            1 => body.truncate(at),
            2 => {
                let bytes: Vec<u8> = (0..=rng.index(8)).map(|_| rng.next_u64() as u8).collect();
                body.splice(at..at, bytes);
            }
            3 if at < body.len() => body[at] = [0x00, 0x7f, 0x80, 0xff][rng.index(4)],
            _ => {
                let end = (at + rng.index(32)).min(body.len());
                let stretch = body[at..end].to_vec();
                body.splice(at..at, stretch);
            }
        }
    }
    body
}

/// Sends `bodies` as the messages of `path` and reads the whole answer: the messages
/// answered, and how the call ended.
async fn call(
    channel: Channel,
    path: &'static str,
    bodies: Vec<Vec<u8>>,
) -> (Vec<Bytes>, Result<(), tonic::Status>) {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.expect("the connection is ready");
    let request = tonic::Request::new(tokio_stream::iter(bodies));
    let path = PathAndQuery::from_static(path);
    let mut answers = match grpc.streaming(request, path, RawCodec).await {
        Ok(answers) => answers.into_inner(),
        Err(status) => return (Vec::new(), Err(status)),
    };
    let mut messages = Vec::new();
    loop {
        match answers.message().await {
            Ok(Some(message)) => messages.push(message),
            Ok(None) => return (messages, Ok(())),
            Err(status) => return (messages, Err(status)),
        }
    }
}

/// The node's change sequence: it moves with every write.
async fn store_sequence(node: SocketAddr) -> u64 {
    let mut node = client(node).await;
    let status = node.get_node_status(v1::GetNodeStatusRequest {}).await;
    status.unwrap().into_inner().store_sequence
}

/// A setting of the run from the environment, or its default.
fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).map_or(default, |v| v.parse().expect("a whole number"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rpc_answers_random_and_mutated_requests_with_a_documented_code() {
    let seconds = setting("SISMATCH_FUZZ_SECONDS", 3);
    let seed = setting("SISMATCH_FUZZ_SEED", 16);
    eprintln!("fuzz: seed {seed} for {seconds} s (SISMATCH_FUZZ_SEED, SISMATCH_FUZZ_SECONDS)");
    let dir = tempfile::tempdir().unwrap();
    let servers = Servers::spawn(dir.path());
    let sample = alerts("NL", 20, 16);
    import(&mut client(servers.node).await, &sample, 20).await;
    let rpcs = rpcs(&servers, &sample[0].id, &sample[0].identifiers[0].value);
    let mut channels = BTreeMap::new();
    for address in [servers.node, servers.core, servers.partner] {
        let channel = Channel::from_shared(format!("http://{address}")).unwrap();
        channels.insert(address, channel.connect().await.unwrap());
    }

    let mut rng = Rng::new(seed);
    let mut answers: BTreeMap<(&str, String), u64> = BTreeMap::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(seconds) {
        let rpc = &rpcs[rng.index(rpcs.len())];
        // Mostly one message, as every RPC but ImportAlerts takes; sometimes none, or two.
        let count = [1, 1, 1, 1, 1, 1, 1, 1, 0, 2][rng.index(10)];
        let bodies: Vec<Vec<u8>> = (0..count).map(|_| mutate(&mut rng, &rpc.valid)).collect();
        let before = store_sequence(servers.node).await;
        let channel = channels[&rpc.server].clone();
        let answer = tokio::time::timeout(
            Duration::from_secs(10),
            call(channel, rpc.path, bodies.clone()),
        );
        let what = format!("{} with {bodies:02x?}", rpc.path);
        let (acks, answer) = answer.await.unwrap_or_else(|_| panic!("no answer: {what}"));
        let code = answer.as_ref().err().map_or(Code::Ok, tonic::Status::code);
        *answers.entry((rpc.path, format!("{code:?}"))).or_default() += 1;
        let Err(status) = answer else { continue };
        let documented = ANY_RPC.contains(&code) || rpc.documented.contains(&code);
        assert!(documented, "undocumented {status:?}: {what}");
        if rpc.writes {
            // Only an import answers before it is refused: its batches acknowledged until
            // then are stored, and nothing after them.
            let acknowledged = acks.last().map_or(before, |ack| {
                let ack = v1::ImportAlertsResponse::decode(ack.clone()).unwrap();
                ack.sequence.max(before)
            });
            let after = store_sequence(servers.node).await;
            assert_eq!(
                after, acknowledged,
                "refused but written ({status:?}): {what}"
            );
        }
    }
    for ((path, code), count) in &answers {
        eprintln!("fuzz: {path} {code} {count}");
    }
    let calls: u64 = answers.values().sum();
    assert!(calls >= 10 * seconds, "only {calls} calls in {seconds} s");

    for address in [servers.node, servers.core, servers.partner] {
        let mut health = HealthClient::new(channels[&address].clone());
        let request = HealthCheckRequest::default();
        let status = health.check(request).await.unwrap().into_inner().status();
        assert_eq!(status, ServingStatus::Serving, "{address}");
    }
    for rpc in &rpcs {
        let channel = channels[&rpc.server].clone();
        let (_, answer) = call(channel, rpc.path, vec![rpc.valid.clone()]).await;
        let documented = answer
            .as_ref()
            .map_or_else(|s| rpc.documented.contains(&s.code()), |()| true);
        assert!(documented, "{}: {answer:?}", rpc.path);
    }
    for log in ["nl.log", "core.log", "partner.log"] {
        let text = std::fs::read_to_string(dir.path().join(log)).unwrap();
        assert!(!text.contains("panicked"), "{log}: {text}");
    }
}
