//! Alerts reviewed before they expire (issue 14, DESIGN §2) on a real node over mutual TLS,
//! audited, with real RocksDB and tantivy in temporary folders: the Dutch operator lists the
//! alerts due (`sismatch alerts expiring` and the RPC), extends one with a reason (`sismatch
//! alerts extend` and the RPC), and lets another lapse; expired and recovered alerts stay out
//! of searches unless asked.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use sismatch_alert::{Alert, Status};
use sismatch_audit::AuditLog;
use sismatch_auth::{Directory, Role};
use sismatch_grpc::audit::Auditor;
use sismatch_grpc::convert::time_out;
use sismatch_proto::v1;
use sismatch_proto::v1::national_node_client::NationalNodeClient;
use sismatch_proto::wire::duration;
use sismatch_serve::LocalFederation;
use tempfile::TempDir;
use tonic::Code;
use tonic::transport::Channel;

use crate::roles::{certificates, channel, entry, tls_auth};
use crate::support::{import, sismatch, sismatch_json};
use sismatch_sample::fixture;

const DAY: SignedDuration = SignedDuration::from_hours(24);

fn directory() -> Arc<Directory> {
    let identities = vec![
        entry("beheer-nl", Role::Operator, None, None),
        entry("politie-nl", Role::Police, Some("NL"), None),
    ];
    certificates(identities, &[])
}

/// Five Dutch alerts: due in 10 days, due in 60 days, expired an hour ago, recovered (due in
/// 5 days), never expiring.
fn alerts() -> Vec<Alert> {
    let now = Timestamp::now();
    let expiries = [
        Some(now + DAY * 10),
        Some(now + DAY * 60),
        Some(now - SignedDuration::from_hours(1)),
        Some(now + DAY * 5),
        None,
    ];
    let mut alerts = fixture::alerts("NL", 5, 41);
    for (alert, expires_at) in alerts.iter_mut().zip(expiries) {
        alert.expires_at = expires_at;
    }
    alerts
}

/// The ids of the alerts a search for `value` returns.
async fn found(
    client: &mut NationalNodeClient<Channel>,
    value: &str,
    expired: bool,
) -> Vec<String> {
    let request = v1::NationalNodeSearchRequest {
        queries: vec![v1::IdentifierQuery {
            value: value.to_string(),
            ..v1::IdentifierQuery::default()
        }],
        filter: Some(v1::SearchFilter {
            include_expired: expired,
            ..v1::SearchFilter::default()
        }),
        ..v1::NationalNodeSearchRequest::default()
    };
    let answer = client.search(request).await.unwrap().into_inner();
    let alerts = answer.matches.into_iter().filter_map(|m| m.alert);
    alerts.map(|a| a.id).collect()
}

async fn due(client: &mut NationalNodeClient<Channel>, days: u64) -> Vec<String> {
    let request = v1::ListExpiringAlertsRequest {
        within: Some(duration(Duration::from_secs(days * 86_400))),
        ..v1::ListExpiringAlertsRequest::default()
    };
    let page = client.list_expiring_alerts(request).await.unwrap();
    page.into_inner().alerts.into_iter().map(|a| a.id).collect()
}

/// `sismatch alerts COMMAND --node ADDR ... --json ARGS` as the operator, over mTLS.
async fn cli(certs: &Path, node: SocketAddr, args: &[&str]) -> serde_json::Value {
    let file = |name: &str| certs.join(name).to_str().unwrap().to_string();
    let mut all = vec!["alerts".to_string(), args[0].to_string()];
    let flags = [
        "--node".to_string(),
        format!("https://localhost:{}", node.port()),
        "--ca".to_string(),
        file("ca.pem"),
        "--cert".to_string(),
        file("beheer-nl.pem"),
        "--key".to_string(),
        file("beheer-nl.key"),
        "--json".to_string(),
    ];
    all.extend(flags);
    all.extend(args[1..].iter().map(|a| a.to_string()));
    tokio::task::spawn_blocking(move || {
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        sismatch_json(&all)
    })
    .await
    .unwrap()
}

/// The message of a refused call, after checking its code.
fn refused<T: std::fmt::Debug>(result: Result<T, tonic::Status>, code: Code) -> String {
    let status = result.unwrap_err();
    assert_eq!(status.code(), code, "{status:?}");
    status.message().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_lists_the_alerts_due_and_extends_one_and_an_expired_one_is_found_again() {
    let certs = TempDir::new().unwrap();
    let names = ["certs", "--out", certs.path().to_str().unwrap()];
    let mut args = names.to_vec();
    args.extend(["node-nl", "beheer-nl", "politie-nl"]);
    assert!(sismatch(&args).status.success());
    let dir = certs.path();
    let audit = TempDir::new().unwrap();
    let log = Arc::new(AuditLog::open(audit.path(), "node NL").unwrap());
    let auditor = Auditor::new(Arc::clone(&log));
    let federation = LocalFederation::builder()
        .countries(["NL"])
        .without_core()
        .auth(tls_auth(dir, |_| directory()))
        .audit_into(move |_| Some(auditor.clone()))
        .start()
        .await
        .unwrap();
    let node = &federation.nodes()[0].node;
    let addr = federation.nodes()[0].addr;
    let mut operator = NationalNodeClient::new(channel(dir, addr, Some("beheer-nl")).await);
    let mut police = NationalNodeClient::new(channel(dir, addr, Some("politie-nl")).await);

    let alerts = alerts();
    let ids: Vec<&str> = alerts.iter().map(|a| a.id.as_str()).collect();
    let value = |n: usize| alerts[n].identifiers[0].value.clone();
    assert_eq!(import(&mut operator, &alerts, 10).await[0].created, 5);
    let recovered = v1::SetAlertStatusRequest {
        id: ids[3].to_string(),
        status: v1::AlertStatus::Recovered.into(),
        reason: "found at a marina".to_string(),
        ..v1::SetAlertStatusRequest::default()
    };
    operator.set_alert_status(recovered).await.unwrap();
    assert!(node.wait_indexed(Duration::from_secs(30)).await);

    // Due within 30 days: only the alert in force expiring in 10; not the one due in 60, the
    // expired one, the recovered one, nor the one that never expires.
    assert_eq!(due(&mut operator, 30).await, [ids[0]]);
    assert_eq!(due(&mut operator, 90).await, [ids[0], ids[1]]);
    let listed = cli(dir, addr, &["expiring", "--within", "30d"]).await;
    assert_eq!(listed["alerts"][0]["alert_id"], ids[0], "{listed}");
    assert_eq!(listed["alerts"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["next_page_token"], "", "{listed}");

    // Expired and recovered alerts stay out of searches unless asked.
    assert!(found(&mut police, &value(2), false).await.is_empty());
    assert_eq!(found(&mut police, &value(2), true).await, [ids[2]]);
    assert!(found(&mut police, &value(3), false).await.is_empty());
    assert_eq!(found(&mut police, &value(0), false).await, [ids[0]]);

    // Extended over gRPC, the alert due in 10 days leaves the list.
    let next_year = Timestamp::now() + DAY * 365;
    let extend = |id: &str, until: Option<Timestamp>, reason: &str| v1::ExtendAlertRequest {
        id: id.to_string(),
        expires_at: time_out(until),
        reason: reason.to_string(),
        expected_version: 0,
    };
    let answer = operator
        .extend_alert(extend(ids[0], Some(next_year), "vessel still sought"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.alert.unwrap().expires_at, time_out(Some(next_year)));
    assert!(due(&mut operator, 30).await.is_empty());

    // Extended with the command line, the expired alert is found again without asking.
    let extended = cli(
        dir,
        addr,
        &[
            "extend",
            ids[2],
            "--until",
            "2099-12-31",
            "--reason",
            "case reopened",
        ],
    )
    .await;
    assert_eq!(extended["expires_at"], "2100-01-01T00:00:00Z", "{extended}");
    assert_eq!(extended["version"], 2, "{extended}");
    assert_eq!(found(&mut police, &value(2), false).await, [ids[2]]);
    let history = operator
        .get_alert_history(v1::GetAlertHistoryRequest {
            id: ids[2].to_string(),
        })
        .await
        .unwrap()
        .into_inner()
        .versions;
    let last = history.last().unwrap();
    assert_eq!(last.change(), v1::AlertChange::ExpiryExtended);
    assert_eq!(
        (last.reason.as_str(), last.changed_by.as_str()),
        ("case reopened", "beheer-nl")
    );

    // Bad input is named; nothing changes.
    let message = refused(
        operator
            .extend_alert(extend(ids[1], Some(next_year), " "))
            .await,
        Code::InvalidArgument,
    );
    assert!(message.starts_with("reason:"), "{message}");
    let message = refused(
        operator.extend_alert(extend(ids[1], None, "ok")).await,
        Code::InvalidArgument,
    );
    assert!(message.starts_with("expires_at:"), "{message}");
    let earlier = Timestamp::now() + DAY * 20;
    let message = refused(
        operator
            .extend_alert(extend(ids[1], Some(earlier), "ok"))
            .await,
        Code::InvalidArgument,
    );
    assert!(message.starts_with("expires_at:"), "{message}");
    let message = refused(
        operator
            .extend_alert(extend(ids[3], Some(next_year), "ok"))
            .await,
        Code::FailedPrecondition,
    );
    assert!(message.contains("RECOVERED"), "{message}");
    let too_far = v1::ListExpiringAlertsRequest {
        within: Some(duration(Duration::from_secs(4000 * 86_400))),
        ..v1::ListExpiringAlertsRequest::default()
    };
    let message = refused(
        operator.list_expiring_alerts(too_far).await,
        Code::InvalidArgument,
    );
    assert!(message.starts_with("within:"), "{message}");
    let bad_token = v1::ListExpiringAlertsRequest {
        page_token: "not a token".to_string(),
        ..v1::ListExpiringAlertsRequest::default()
    };
    let message = refused(
        operator.list_expiring_alerts(bad_token).await,
        Code::InvalidArgument,
    );
    assert!(message.starts_with("page_token:"), "{message}");
    assert_eq!(node.get_alert(ids[1].to_string()).await.unwrap().version, 1);
    assert_eq!(
        node.get_alert(ids[3].to_string()).await.unwrap().status,
        Status::Recovered
    );

    // Police review nothing.
    let list = v1::ListExpiringAlertsRequest::default();
    refused(
        police.list_expiring_alerts(list).await,
        Code::PermissionDenied,
    );
    let extension = extend(ids[1], Some(next_year), "ok");
    refused(police.extend_alert(extension).await, Code::PermissionDenied);

    // Every extension is in the node's audit log, with the operator and the alert.
    log.flush().unwrap();
    let mut exported = Vec::new();
    sismatch_audit::export(audit.path(), None, &mut exported).unwrap();
    let records: Vec<serde_json::Value> = String::from_utf8(exported)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let extensions: Vec<(&str, i64, &serde_json::Value)> = records
        .iter()
        .filter(|r| {
            r["rpc"]
                .as_str()
                .is_some_and(|rpc| rpc.ends_with("/ExtendAlert"))
        })
        .map(|r| {
            let caller = r["caller"].as_str().unwrap();
            (caller, r["status_code"].as_i64().unwrap(), &r["alert_ids"])
        })
        .collect();
    let ok = Code::Ok as i64;
    assert_eq!(
        extensions[0],
        ("beheer-nl", ok, &serde_json::json!([ids[0]]))
    );
    assert_eq!(
        extensions[1],
        ("beheer-nl", ok, &serde_json::json!([ids[2]]))
    );
    assert_eq!(extensions.len(), 7, "{extensions:?}");
    assert_eq!(extensions[6].0, "politie-nl");
    assert_eq!(extensions[6].1, Code::PermissionDenied as i64);
    let listings = records.iter().filter(|r| {
        r["rpc"]
            .as_str()
            .is_some_and(|rpc| rpc.ends_with("/ListExpiringAlerts"))
    });
    assert!(listings.count() >= 5);
}
