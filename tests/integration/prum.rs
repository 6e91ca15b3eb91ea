//! Prüm's second step (issue 14) over real mutual TLS on loopback: a Dutch node and a core, the
//! police of three countries and the Dutch SIRENE operator, each with a certificate made by
//! `sismatch certs`, audited at the node and at the core.
//!
//! The rule under test: a foreign officer's hit report is PENDING until the issuing node's
//! operator accepts or declines it (`sismatch hits ...`); once accepted, that officer, and no
//! other officer of the same country nor of a third country, fetches the alert's restricted
//! part through the core. The issuing country's own police see it throughout.

use std::net::SocketAddr;
use std::sync::Arc;

use sismatch_alert::Restricted;
use sismatch_audit::AuditLog;
use sismatch_auth::{Directory, Role};
use sismatch_grpc::audit::Auditor;
use sismatch_proto::v1;
use sismatch_proto::v1::matching_core_client::MatchingCoreClient;
use sismatch_proto::v1::national_node_client::NationalNodeClient;
use sismatch_serve::LocalFederation;
use tempfile::TempDir;
use tonic::Code;
use tonic::transport::Channel;

use crate::roles::{certificates, channel, entry, over_mtls};
use crate::support::{import, sismatch};
use sismatch_sample::fixture;

const NAMES: [&str; 7] = [
    "node-nl",
    "core",
    "beheer-nl",
    "politie-nl",
    "politie-be",
    "politie-be-2",
    "politie-fr",
];

fn directory() -> Arc<Directory> {
    let identities = vec![
        entry("core", Role::Operator, None, None),
        entry("beheer-nl", Role::Operator, None, None),
        entry("politie-nl", Role::Police, Some("NL"), None),
        entry("politie-be", Role::Police, Some("BE"), None),
        entry("politie-be-2", Role::Police, Some("BE"), None),
        entry("politie-fr", Role::Police, Some("FR"), None),
    ];
    certificates(identities, &["core"])
}

/// A Dutch node holding one alert with owner data, and a core, both over mTLS and audited.
struct Federation {
    certs: TempDir,
    _local: LocalFederation,
    node_addr: SocketAddr,
    core_addr: SocketAddr,
    node_log: (Arc<AuditLog>, TempDir),
    core_log: (Arc<AuditLog>, TempDir),
    alert_id: String,
}

fn audit_log(server: &str) -> (Arc<AuditLog>, TempDir) {
    let dir = TempDir::new().unwrap();
    (Arc::new(AuditLog::open(dir.path(), server).unwrap()), dir)
}

impl Federation {
    async fn start() -> Federation {
        let certs = TempDir::new().unwrap();
        let mut args = vec!["certs", "--out", certs.path().to_str().unwrap()];
        args.extend(NAMES);
        assert!(sismatch(&args).status.success());
        let dir = certs.path();

        // The node and the core over mTLS, each audited into a log the test reads.
        let node_log = audit_log("node NL");
        let core_log = audit_log("core");
        let node_auditor = Auditor::new(Arc::clone(&node_log.0));
        let core_auditor = Auditor::new(Arc::clone(&core_log.0));
        let local = over_mtls(dir, |_| directory())
            .countries(["NL"])
            .audit_into(move |server| match server {
                "node NL" => Some(node_auditor.clone()),
                "core" => Some(core_auditor.clone()),
                _ => None,
            })
            .start()
            .await
            .unwrap();
        let node_addr = local.nodes()[0].addr;
        let core_addr = local.core().unwrap().addr;

        let mut alert = fixture::alerts("NL", 1, 14).remove(0);
        alert.restricted = Some(Restricted {
            owner: None,
            victim: None,
            notes: Some("owner: J. de Vries, Harlingen".to_string()),
        });
        let mut operator =
            NationalNodeClient::new(channel(dir, node_addr, Some("beheer-nl")).await);
        assert_eq!(
            import(&mut operator, &[alert.clone()], 1).await[0].created,
            1
        );

        Federation {
            certs,
            _local: local,
            node_addr,
            core_addr,
            node_log,
            core_log,
            alert_id: alert.id,
        }
    }

    async fn core_as(&self, name: &str) -> MatchingCoreClient<Channel> {
        MatchingCoreClient::new(channel(self.certs.path(), self.core_addr, Some(name)).await)
    }

    async fn node_as(&self, name: &str) -> NationalNodeClient<Channel> {
        NationalNodeClient::new(channel(self.certs.path(), self.node_addr, Some(name)).await)
    }

    /// A hit report on the alert through the core, by `officer` for `country`.
    async fn report(&self, officer: &str, country: &str) -> Result<v1::HitReport, tonic::Status> {
        let request = v1::MatchingCoreReportHitRequest {
            hit: Some(v1::HitReport {
                alert_id: self.alert_id.clone(),
                reporting_country: country.to_string(),
                reporting_officer: format!("agent of {officer}"),
                ..v1::HitReport::default()
            }),
        };
        let answer = self.core_as(officer).await.report_hit(request).await?;
        let answer = answer.into_inner();
        let alert = answer.alert.unwrap();
        // The report's own answer releases nothing to foreign police.
        assert_eq!(alert.restricted.is_some(), country == "NL", "{alert:?}");
        Ok(answer.hit.unwrap())
    }

    /// The released alert of `hit_id` through the core, as `officer`.
    async fn fetch(
        &self,
        officer: &str,
        hit_id: &str,
    ) -> Result<v1::MatchingCoreGetReleasedAlertResponse, tonic::Status> {
        let request = v1::MatchingCoreGetReleasedAlertRequest {
            hit_id: hit_id.to_string(),
        };
        let answer = self
            .core_as(officer)
            .await
            .get_released_alert(request)
            .await;
        answer.map(tonic::Response::into_inner)
    }

    /// `sismatch hits ARGS --node ... --json` as the Dutch operator, on a blocking thread.
    async fn hits_cli(&self, args: &[&str]) -> std::process::Output {
        let file = |name: &str| self.certs.path().join(name).to_str().unwrap().to_string();
        let mut all: Vec<String> = vec!["hits".to_string()];
        all.extend(args.iter().map(|a| a.to_string()));
        all.extend([
            "--node".to_string(),
            format!("https://localhost:{}", self.node_addr.port()),
            "--ca".to_string(),
            file("ca.pem"),
            "--cert".to_string(),
            file("beheer-nl.pem"),
            "--key".to_string(),
            file("beheer-nl.key"),
            "--json".to_string(),
        ]);
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = all.iter().map(String::as_str).collect();
            sismatch(&args)
        })
        .await
        .unwrap()
    }

    /// `sismatch hits released --core ... --json HIT_ID` as `officer`.
    async fn released_cli(&self, officer: &str, hit_id: &str) -> std::process::Output {
        let file = |name: &str| self.certs.path().join(name).to_str().unwrap().to_string();
        let all = vec![
            "hits".to_string(),
            "released".to_string(),
            "--core".to_string(),
            format!("https://localhost:{}", self.core_addr.port()),
            "--ca".to_string(),
            file("ca.pem"),
            "--cert".to_string(),
            file(&format!("{officer}.pem")),
            "--key".to_string(),
            file(&format!("{officer}.key")),
            "--json".to_string(),
            hit_id.to_string(),
        ];
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = all.iter().map(String::as_str).collect();
            sismatch(&args)
        })
        .await
        .unwrap()
    }

    async fn hits_json(&self, args: &[&str]) -> serde_json::Value {
        let output = self.hits_cli(args).await;
        assert!(
            output.status.success(),
            "sismatch hits {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    }

    /// Every record of an audit log, in order.
    fn records(log: &(Arc<AuditLog>, TempDir)) -> Vec<serde_json::Value> {
        log.0.flush().unwrap();
        let verification = sismatch_audit::verify(log.1.path()).unwrap();
        assert!(verification.first_broken.is_none(), "{verification:?}");
        let mut exported = Vec::new();
        sismatch_audit::export(log.1.path(), None, &mut exported).unwrap();
        String::from_utf8(exported)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }
}

/// The (caller, status code) of the records of `method` about hit `hit_id`.
fn audited(records: &[serde_json::Value], method: &str, hit_id: &str) -> Vec<(String, i64)> {
    records
        .iter()
        .filter(|r| r["rpc"].as_str().is_some_and(|rpc| rpc.ends_with(method)))
        .filter(|r| r["reference"] == hit_id)
        .map(|r| {
            let caller = r["caller"].as_str().unwrap().to_string();
            (caller, r["status_code"].as_i64().unwrap())
        })
        .collect()
}

fn owned(pairs: &[(&str, Code)]) -> Vec<(String, i64)> {
    pairs
        .iter()
        .map(|(caller, code)| (caller.to_string(), *code as i64))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accepted_hit_releases_the_restricted_part_to_its_officer_only() {
    let federation = Federation::start().await;

    // A Belgian officer reports the hit: PENDING, and nothing restricted yet.
    let hit = federation.report("politie-be", "BE").await.unwrap();
    assert_eq!(hit.state, i32::from(v1::HitState::Pending));
    assert_eq!(hit.reported_by, "politie-be");
    let status = federation.fetch("politie-be", &hit.id).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    assert!(status.message().contains("pending"), "{status:?}");

    // The Dutch operator sees it pending, and only the operator may decide.
    let listed = federation.hits_json(&["list", "--state", "pending"]).await;
    assert_eq!(listed["hits"][0]["hit_id"], hit.id.as_str(), "{listed}");
    assert_eq!(listed["hits"][0]["reported_by"], "politie-be");
    assert_eq!(listed["hits"].as_array().unwrap().len(), 1);
    let accept = v1::AcceptHitRequest {
        hit_id: hit.id.clone(),
    };
    let mut officer = federation.node_as("politie-be").await;
    let status = officer.accept_hit(accept.clone()).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    let status = officer.get_node_status(v1::GetNodeStatusRequest {}).await;
    assert_eq!(status.unwrap().into_inner().hits_pending, 1);
    let accepted = federation.hits_json(&["accept", &hit.id]).await;
    assert_eq!(accepted["state"], "ACCEPTED", "{accepted}");
    assert_eq!(accepted["decided_by"], "beheer-nl");

    let status = officer.get_node_status(v1::GetNodeStatusRequest {}).await;
    assert_eq!(status.unwrap().into_inner().hits_pending, 0);

    // Deciding twice, or deciding an unknown report, is a clear error.
    let again = federation.hits_cli(&["accept", &hit.id]).await;
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        stderr.contains("hit_id: ") && stderr.contains("already ACCEPTED"),
        "{stderr}"
    );
    let mut operator = federation.node_as("beheer-nl").await;
    let unknown = v1::AcceptHitRequest {
        hit_id: format!("HIT-{}-99", federation.alert_id),
    };
    let status = operator.accept_hit(unknown).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    assert!(status.message().starts_with("hit_id: "), "{status:?}");

    // Now that officer fetches the owner data through the core; nobody else abroad does.
    let released = federation.fetch("politie-be", &hit.id).await.unwrap();
    let restricted = released.alert.unwrap().restricted.unwrap();
    assert_eq!(restricted.notes, "owner: J. de Vries, Harlingen");
    assert_eq!(released.node, "NL");
    for other in ["politie-be-2", "politie-fr"] {
        let status = federation.fetch(other, &hit.id).await.unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied, "{other}: {status:?}");
    }
    let (officer_cli, colleague_cli) = (
        federation.released_cli("politie-be", &hit.id).await,
        federation.released_cli("politie-be-2", &hit.id).await,
    );
    assert!(officer_cli.status.success());
    let json: serde_json::Value = serde_json::from_slice(&officer_cli.stdout).unwrap();
    assert_eq!(
        json["restricted"]["notes"], "owner: J. de Vries, Harlingen",
        "{json}"
    );
    assert!(!colleague_cli.status.success());
    let stderr = String::from_utf8_lossy(&colleague_cli.stderr);
    assert!(stderr.contains("did not report hit"), "{stderr}");
    let issuing = federation.fetch("politie-nl", &hit.id).await.unwrap();
    assert!(issuing.alert.unwrap().restricted.is_some());
    let mut operator_at_core = federation.core_as("beheer-nl").await;
    let request = v1::MatchingCoreGetReleasedAlertRequest {
        hit_id: hit.id.clone(),
    };
    let status = operator_at_core
        .get_released_alert(request)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");

    // Every step is in the node's audit log, with who and which report; the core's too.
    let node = Federation::records(&federation.node_log);
    let via = |name: &str| format!("{name} via core");
    assert_eq!(
        audited(&node, "/ReportHit", &hit.id),
        [(via("politie-be"), 0)]
    );
    assert_eq!(
        audited(&node, "/AcceptHit", &hit.id),
        owned(&[
            ("politie-be", Code::PermissionDenied),
            ("beheer-nl", Code::Ok),
            ("beheer-nl", Code::FailedPrecondition),
        ])
    );
    let fetches = audited(&node, "/GetReleasedAlert", &hit.id);
    assert_eq!(
        fetches,
        [
            (via("politie-be"), Code::PermissionDenied as i64),
            (via("politie-be"), 0),
            (via("politie-be-2"), Code::PermissionDenied as i64),
            (via("politie-fr"), Code::PermissionDenied as i64),
            (via("politie-be"), 0),
            (via("politie-be-2"), Code::PermissionDenied as i64),
            (via("politie-nl"), 0),
        ]
    );
    let core = Federation::records(&federation.core_log);
    assert_eq!(
        audited(&core, "/GetReleasedAlert", &hit.id),
        owned(&[
            ("politie-be", Code::PermissionDenied),
            ("politie-be", Code::Ok),
            ("politie-be-2", Code::PermissionDenied),
            ("politie-fr", Code::PermissionDenied),
            ("politie-be", Code::Ok),
            ("politie-be-2", Code::PermissionDenied),
            ("politie-nl", Code::Ok),
            ("beheer-nl", Code::PermissionDenied),
        ])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_hit_releases_nothing_and_bad_reports_are_named() {
    let federation = Federation::start().await;

    // A French report, declined with a reason: the officer never gets the owner data.
    let hit = federation.report("politie-fr", "FR").await.unwrap();
    let mut operator = federation.node_as("beheer-nl").await;
    let silent = v1::DeclineHitRequest {
        hit_id: hit.id.clone(),
        reason: String::new(),
    };
    let status = operator.decline_hit(silent).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(status.message().starts_with("reason: "), "{status:?}");
    let declined = federation
        .hits_json(&[
            "decline",
            &hit.id,
            "--reason",
            "not the object of this alert",
        ])
        .await;
    assert_eq!(declined["state"], "DECLINED", "{declined}");
    assert_eq!(declined["decline_reason"], "not the object of this alert");
    let status = federation.fetch("politie-fr", &hit.id).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    assert!(status.message().contains("declined"), "{status:?}");
    let status = operator
        .accept_hit(v1::AcceptHitRequest {
            hit_id: hit.id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");

    // The issuing country's own police: accepted on receipt.
    let own = federation.report("politie-nl", "NL").await.unwrap();
    assert_eq!(own.state, i32::from(v1::HitState::Accepted));
    assert_eq!(own.decided_at, own.received_at);
    let listed = federation.hits_json(&["list", "--state", "declined"]).await;
    let ids: Vec<&str> = listed["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["hit_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [hit.id.as_str()]);

    // Bad reports and requests, each naming its field.
    let status = federation.report("politie-be", "FR").await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    assert!(status.message().contains("reporting_country"), "{status:?}");
    let nameless = v1::MatchingCoreReportHitRequest {
        hit: Some(v1::HitReport {
            alert_id: federation.alert_id.clone(),
            reporting_country: "BE".to_string(),
            ..v1::HitReport::default()
        }),
    };
    let mut belgian = federation.core_as("politie-be").await;
    let status = belgian.report_hit(nameless).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(status.message().contains("reporting_officer"), "{status:?}");
    let status = federation
        .fetch("politie-be", "nonsense")
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(status.message().starts_with("hit_id: "), "{status:?}");
    let bad_state = federation.hits_cli(&["list", "--state", "maybe"]).await;
    assert!(!bad_state.status.success());
    assert!(String::from_utf8_lossy(&bad_state.stderr).contains("'maybe'"));

    // The decision and the refusals are in the node's audit log.
    let node = Federation::records(&federation.node_log);
    assert_eq!(
        audited(&node, "/DeclineHit", &hit.id),
        owned(&[
            ("beheer-nl", Code::InvalidArgument),
            ("beheer-nl", Code::Ok),
        ])
    );
    assert_eq!(
        audited(&node, "/GetReleasedAlert", &hit.id),
        owned(&[("politie-fr via core", Code::PermissionDenied)])
    );
}
