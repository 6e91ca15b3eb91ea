//! The standard gRPC services that operators' tools use: health and server reflection (v1,
//! and v1alpha for the tools that speak only it).

use std::net::SocketAddr;
use std::time::Duration;

use tempfile::TempDir;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

use crate::support::{NodeProcess, Servers};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_answers_health_checks_and_reflection() {
    let dir = TempDir::new().unwrap();
    let node = NodeProcess::spawn("NL", &dir.path().join("nl"));
    let channel = tonic::transport::Channel::from_shared(format!("http://{}", node.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();

    let mut health = HealthClient::new(channel.clone());
    let mut status = ServingStatus::Unknown;
    for _ in 0..50 {
        let answer = health
            .check(HealthCheckRequest {
                service: "sismatch.v1.NationalNode".to_string(),
            })
            .await
            .unwrap()
            .into_inner();
        status = answer.status();
        if status == ServingStatus::Serving {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, ServingStatus::Serving);
    let unknown = health
        .check(HealthCheckRequest {
            service: "no.such.Service".to_string(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), tonic::Code::NotFound);

    let mut reflection = ServerReflectionClient::new(channel);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut answers = reflection
        .server_reflection_info(tokio_stream::iter(vec![request]))
        .await
        .unwrap()
        .into_inner();
    let answer = answers.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = answer.message_response else {
        panic!("not a service list: {answer:?}");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for expected in [
        "sismatch.v1.NationalNode",
        "sismatch.v1.MatchingCore",
        "grpc.health.v1.Health",
    ] {
        assert!(names.iter().any(|n| n == expected), "{names:?}");
    }
    node.kill();
}

/// Asks the reflection service at `addr` in `grpc.reflection.v1alpha`, the only version that
/// Python's `grpcio-reflection`, Evans, grpcui and older grpcurl speak: the services it lists,
/// and the encoded file that defines `symbol`.
async fn reflect_v1alpha(addr: SocketAddr, symbol: &str) -> (Vec<String>, Vec<u8>) {
    use tonic_reflection::pb::v1alpha::ServerReflectionRequest;
    use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1alpha::server_reflection_response::MessageResponse;

    let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let requests = [
        MessageRequest::ListServices(String::new()),
        MessageRequest::FileContainingSymbol(symbol.to_string()),
    ]
    .map(|request| ServerReflectionRequest {
        host: String::new(),
        message_request: Some(request),
    });
    let mut answers = ServerReflectionClient::new(channel)
        .server_reflection_info(tokio_stream::iter(requests))
        .await
        .unwrap()
        .into_inner();
    let list = answers.message().await.unwrap().unwrap().message_response;
    let Some(MessageResponse::ListServicesResponse(list)) = list else {
        panic!("not a service list: {list:?}");
    };
    let file = answers.message().await.unwrap().unwrap().message_response;
    let Some(MessageResponse::FileDescriptorResponse(file)) = file else {
        panic!("not a file descriptor: {file:?}");
    };
    let names = list.service.into_iter().map(|s| s.name).collect();
    (names, file.file_descriptor_proto.concat())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_node_core_and_partner_answer_reflection_v1alpha() {
    let dir = TempDir::new().unwrap();
    let servers = Servers::spawn(dir.path());
    for (addr, service, method) in [
        (servers.node, "sismatch.v1.NationalNode", "Search"),
        (servers.core, "sismatch.v1.MatchingCore", "Search"),
        (servers.partner, "sismatch.v1.ManufacturerPartner", "Lookup"),
    ] {
        let (names, file) = reflect_v1alpha(addr, service).await;
        for expected in [
            service,
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection",
        ] {
            assert!(names.iter().any(|n| n == expected), "{expected}: {names:?}");
        }
        // What `grpcurl describe` reads: the file defining the service, with its methods.
        let file = String::from_utf8_lossy(&file);
        let short = service.trim_start_matches("sismatch.v1.");
        assert!(file.contains(short) && file.contains(method), "{file}");
    }
}
