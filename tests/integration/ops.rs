//! The standard gRPC services that operators' tools use: health and server reflection.

use std::time::Duration;

use tempfile::TempDir;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

use crate::support::NodeProcess;

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
