//! Who may see what, over real mutual TLS on loopback: certificates made by `sismatch certs`,
//! a national node and a core that identify their callers by client certificate.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sismatch_alert::Restricted;
use sismatch_audit::AuditLog;
use sismatch_auth::{AuthMode, AuthSettings, Directory, IdentityEntry, Role};
use sismatch_core::{ClientTls, Core, CoreConfig, MemberConfig, PartnerMemberConfig};
use sismatch_grpc::audit::Auditor;
use sismatch_grpc::{CoreService, NodeService, PartnerService};
use sismatch_node::{Node, NodeConfig};
use sismatch_partner::{Partner, PartnerConfig, RegisterRecord};
use sismatch_proto::v1;
use sismatch_proto::v1::manufacturer_partner_server::ManufacturerPartnerServer;
use sismatch_proto::v1::matching_core_client::MatchingCoreClient;
use sismatch_proto::v1::matching_core_server::MatchingCoreServer;
use sismatch_proto::v1::national_node_client::NationalNodeClient;
use sismatch_proto::v1::national_node_server::NationalNodeServer;
use tempfile::TempDir;
use tokio::net::TcpListener;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity, Server, ServerTlsConfig};

use crate::data;
use crate::support::{import, sismatch};

const NAMES: [&str; 7] = [
    "fabrikant",
    "node-nl",
    "core",
    "beheer-nl",
    "politie-nl",
    "politie-be",
    "garage",
];

pub fn pem(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap()
}

/// A core over `nodes` (name = country, at `https://localhost:PORT`) and the YAMAHA partner
/// (engine serials starting 6CJ), calling them over mTLS with the `core` certificate of `dir`.
pub fn tls_core_config(
    dir: &Path,
    nodes: &[(&str, SocketAddr)],
    partner: SocketAddr,
) -> CoreConfig {
    let members = nodes
        .iter()
        .map(|(country, addr)| MemberConfig {
            name: country.to_string(),
            country: country.to_string(),
            address: format!("https://localhost:{}", addr.port()),
        })
        .collect();
    let mut config = CoreConfig::new(members);
    config.default_deadline = Duration::from_secs(5);
    config.partners = vec![PartnerMemberConfig {
        name: "YAMAHA".to_string(),
        address: format!("https://localhost:{}", partner.port()),
        prefixes: vec!["6CJ".to_string()],
    }];
    config.tls = Some(ClientTls {
        ca_pem: pem(dir, "ca.pem"),
        cert_pem: pem(dir, "core.pem"),
        key_pem: pem(dir, "core.key"),
    });
    config
}

pub fn identity(dir: &Path, name: &str) -> Identity {
    Identity::from_pem(
        pem(dir, &format!("{name}.pem")),
        pem(dir, &format!("{name}.key")),
    )
}

pub fn entry(name: &str, role: Role, country: Option<&str>, token: Option<&str>) -> IdentityEntry {
    IdentityEntry {
        name: name.to_string(),
        role,
        country: country.map(str::to_string),
        token: token.map(str::to_string),
    }
}

fn directory() -> Arc<Directory> {
    Arc::new(
        Directory::new(AuthSettings {
            mode: AuthMode::Required,
            accept_tokens: true,
            identities: vec![
                entry("core", Role::Operator, None, None),
                entry("beheer-nl", Role::Operator, None, None),
                entry("politie-nl", Role::Police, Some("NL"), None),
                entry("fabrikant", Role::Manufacturer, None, None),
                entry("politie-be", Role::Police, Some("BE"), None),
                entry(
                    "garage",
                    Role::Dealer,
                    None,
                    Some("garage-token-0123456789"),
                ),
            ],
            trusted_forwarders: vec!["core".to_string()],
            policy: Vec::new(),
        })
        .unwrap(),
    )
}

pub fn server_tls(dir: &Path, name: &str) -> ServerTlsConfig {
    ServerTlsConfig::new()
        .identity(identity(dir, name))
        .client_ca_root(Certificate::from_pem(pem(dir, "ca.pem")))
        .client_auth_optional(true)
}

/// A TLS channel to `addr`, with the client certificate of `name` if given.
pub async fn channel(dir: &Path, addr: SocketAddr, name: Option<&str>) -> Channel {
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(pem(dir, "ca.pem")))
        .domain_name("localhost");
    if let Some(name) = name {
        tls = tls.identity(identity(dir, name));
    }
    Channel::from_shared(format!("https://localhost:{}", addr.port()))
        .unwrap()
        .tls_config(tls)
        .unwrap()
        .connect()
        .await
        .unwrap()
}

fn search(value: &str) -> v1::MatchingCoreSearchRequest {
    v1::MatchingCoreSearchRequest {
        queries: vec![v1::IdentifierQuery {
            value: value.to_string(),
            ..v1::IdentifierQuery::default()
        }],
        ..v1::MatchingCoreSearchRequest::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_gets_what_design_section_4_allows_over_mutual_tls() {
    let certs = TempDir::new().unwrap();
    let mut args = vec!["certs", "--out", certs.path().to_str().unwrap()];
    args.extend(NAMES);
    assert!(sismatch(&args).status.success());
    let dir = certs.path();

    // The NL node, over mTLS, knowing the core as a trusted forwarder.
    let data_dir = TempDir::new().unwrap();
    let config = NodeConfig {
        country: "NL".to_string(),
        data_dir: data_dir.path().to_path_buf(),
    };
    let node = Arc::new(
        tokio::task::spawn_blocking(move || Node::open(config))
            .await
            .unwrap()
            .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let node_addr = listener.local_addr().unwrap();
    let service =
        NationalNodeServer::new(NodeService::with_directory(Arc::clone(&node), directory()));
    let node_tls = server_tls(dir, "node-nl");
    tokio::spawn(async move {
        Server::builder()
            .tls_config(node_tls)
            .unwrap()
            .add_service(service)
            .serve_with_incoming(TcpIncoming::from(listener).with_nodelay(Some(true)))
            .await
            .unwrap();
    });

    // An operator imports an alert with owner data.
    let mut alert = data::alerts("NL", 1, 3).remove(0);
    alert.identifiers[0].value = "NL-ABC12345D404".to_string();
    alert.identifiers[0].kind = sismatch_ident::IdentifierKind::Cin;
    alert.restricted = Some(Restricted {
        owner: None,
        victim: None,
        notes: Some("owner: J. de Vries, Harlingen".to_string()),
    });
    let mut operator = NationalNodeClient::new(channel(dir, node_addr, Some("beheer-nl")).await);
    let acks = import(&mut operator, &[alert.clone()], 10).await;
    assert_eq!(acks[0].created, 1, "{acks:?}");
    assert!(node.wait_indexed(Duration::from_secs(10)).await);

    // The core, over mTLS towards its callers and the node.
    let members = vec![MemberConfig {
        name: "NL".to_string(),
        country: "NL".to_string(),
        address: format!("https://localhost:{}", node_addr.port()),
    }];
    let mut config = CoreConfig::new(members);
    config.default_deadline = Duration::from_secs(5);
    config.dealer_checks_per_minute = 2;
    config.tls = Some(ClientTls {
        ca_pem: pem(dir, "ca.pem"),
        cert_pem: pem(dir, "core.pem"),
        key_pem: pem(dir, "core.key"),
    });
    let core = Arc::new(Core::new(config).unwrap());
    let audit_dir = TempDir::new().unwrap();
    let audit_log = Arc::new(AuditLog::open(audit_dir.path(), "core").unwrap());
    let auditor = Auditor::new(Arc::clone(&audit_log));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let core_addr = listener.local_addr().unwrap();
    let core_tls = server_tls(dir, "core");
    tokio::spawn(async move {
        Server::builder()
            .tls_config(core_tls)
            .unwrap()
            .add_service(MatchingCoreServer::new(
                CoreService::with_directory(core, directory()).with_audit(auditor),
            ))
            .serve_with_incoming(TcpIncoming::from(listener).with_nodelay(Some(true)))
            .await
            .unwrap();
    });
    let core_as = |name: Option<&'static str>| {
        let dir = dir.to_path_buf();
        async move { MatchingCoreClient::new(channel(&dir, core_addr, name).await) }
    };

    // Police of the issuing country get the owner data, through the core and at the node.
    let answer = core_as(Some("politie-nl"))
        .await
        .search(search("ABC12345D4O4"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.matches.len(), 1, "{answer:?}");
    let found = answer.matches[0].alert.as_ref().unwrap();
    assert!(found.restricted.is_some());
    // Foreign police find the alert but not the owner.
    let answer = core_as(Some("politie-be"))
        .await
        .search(search("ABC12345D4O4"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.matches.len(), 1);
    assert!(
        answer.matches[0]
            .alert
            .as_ref()
            .unwrap()
            .restricted
            .is_none()
    );
    let get = |name: &'static str| {
        let dir = dir.to_path_buf();
        let id = alert.id.clone();
        async move {
            NationalNodeClient::new(channel(&dir, node_addr, Some(name)).await)
                .get_alert(v1::GetAlertRequest {
                    id,
                    ..v1::GetAlertRequest::default()
                })
                .await
        }
    };
    assert!(
        get("politie-nl")
            .await
            .unwrap()
            .into_inner()
            .alert
            .unwrap()
            .restricted
            .is_some()
    );
    assert!(
        get("politie-be")
            .await
            .unwrap()
            .into_inner()
            .alert
            .unwrap()
            .restricted
            .is_none()
    );

    // The command line over mTLS, as the Dutch police.
    let file = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let address = format!("https://localhost:{}", core_addr.port());
    let (ca, cert, key) = (
        file("ca.pem"),
        file("politie-nl.pem"),
        file("politie-nl.key"),
    );
    let json = tokio::task::spawn_blocking(move || {
        crate::support::sismatch_json(&[
            "search",
            "--core",
            &address,
            "--ca",
            &ca,
            "--cert",
            &cert,
            "--key",
            &key,
            "--json",
            "ABC12345D404",
        ])
    })
    .await
    .unwrap();
    assert_eq!(json["matches"][0]["alert_id"], alert.id.as_str(), "{json}");

    // A dealer may not search, neither at the core nor at the node.
    let status = core_as(Some("garage"))
        .await
        .search(search("ABC12345D404"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::PermissionDenied, "{status:?}");
    let status = get("garage").await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::PermissionDenied, "{status:?}");

    // A manufacturer gets nothing from the core or the nodes.
    let status = core_as(Some("fabrikant"))
        .await
        .search(search("ABC12345D404"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::PermissionDenied, "{status:?}");
    let status = get("fabrikant").await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::PermissionDenied, "{status:?}");

    // A dealer check: hit and a reference, nothing else; then the quota (2 a minute).
    let check = v1::CheckRequest {
        identifiers: search("ABC12345D404").queries,
        ..v1::CheckRequest::default()
    };
    let mut dealer = core_as(Some("garage")).await;
    let answer = dealer.check(check.clone()).await.unwrap().into_inner();
    assert_eq!(answer.outcome, i32::from(v1::CheckOutcome::Hit));
    assert!(answer.reference.starts_with("C-"));
    let clean = v1::CheckRequest {
        identifiers: search("ZZZ99999Z999").queries,
        ..v1::CheckRequest::default()
    };
    let answer = dealer.check(clean).await.unwrap().into_inner();
    assert_eq!(answer.outcome, i32::from(v1::CheckOutcome::NoHit));
    let status = dealer.check(check.clone()).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");

    // The same dealer with its configured token (no certificate) is known too.
    let mut request = tonic::Request::new(search("ABC12345D404"));
    request.metadata_mut().insert(
        "authorization",
        "Bearer garage-token-0123456789".parse().unwrap(),
    );
    let status = core_as(None).await.search(request).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::PermissionDenied, "{status:?}");

    // No certificate, no token: unauthenticated.
    let status = core_as(None)
        .await
        .search(search("ABC12345D404"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unauthenticated, "{status:?}");

    // Police may not claim to act for someone else: only the trusted core may.
    let mut request = tonic::Request::new(v1::GetAlertRequest {
        id: alert.id.clone(),
        ..v1::GetAlertRequest::default()
    });
    request.metadata_mut().insert(
        sismatch_auth::ON_BEHALF_OF,
        "POLICE;NL;someone".parse().unwrap(),
    );
    let status = NationalNodeClient::new(channel(dir, node_addr, Some("politie-be")).await)
        .get_alert(request)
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::PermissionDenied, "{status:?}");

    // Every request to the core was audited, refusals included, in an intact chain; the
    // dealer's hit names the alert there (and only there).
    audit_log.flush().unwrap();
    let verification = sismatch_audit::verify(audit_dir.path()).unwrap();
    assert!(verification.first_broken.is_none(), "{verification:?}");
    assert_eq!(verification.records, 10);
    let mut exported = Vec::new();
    sismatch_audit::export(audit_dir.path(), None, &mut exported).unwrap();
    let records: Vec<serde_json::Value> = String::from_utf8(exported)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let codes: Vec<i64> = records
        .iter()
        .map(|r| r["status_code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, vec![0, 0, 0, 7, 7, 0, 0, 8, 7, 16], "{records:?}");
    assert_eq!(records[5]["caller"], "garage");
    assert_eq!(records[5]["alert_ids"][0], alert.id.as_str());
    assert_eq!(records[5]["hit"], true);

    // The benchmark suite's load over mTLS, as the Dutch police: every search answered.
    let bench = TempDir::new().unwrap();
    let bench_dir = bench.path().to_path_buf();
    let address = format!("https://localhost:{}", core_addr.port());
    let (ca, cert, key) = (
        file("ca.pem"),
        file("politie-nl.pem"),
        file("politie-nl.key"),
    );
    let report = tokio::task::spawn_blocking(move || {
        let corpus = bench_dir.join("corpus");
        let corpus = corpus.to_str().unwrap();
        let generated = sismatch(&[
            "bench",
            "generate",
            "--alerts",
            "200",
            "--queries-per-type",
            "5",
            "--negatives",
            "10",
            "--out",
            corpus,
        ]);
        assert!(generated.status.success(), "{generated:?}");
        let queries = format!("{corpus}/queries.ndjson");
        let out = bench_dir.join("report");
        let loaded = sismatch(&[
            "bench",
            "load",
            "--core",
            &address,
            "--ca",
            &ca,
            "--cert",
            &cert,
            "--key",
            &key,
            "--queries",
            &queries,
            "--duration",
            "1",
            "--warm-up",
            "0.2",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(loaded.status.success(), "{loaded:?}");
        std::fs::read_to_string(out.join("report.json")).unwrap()
    })
    .await
    .unwrap();
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    let load = &report["load"][0];
    assert!(load["ok"].as_u64().is_some_and(|ok| ok > 0), "{load}");
    assert_eq!(load["ok"], load["requests"], "{load}");
    assert_eq!(load["errors"], serde_json::json!({}), "{load}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_without_alert_leads_through_the_partner_to_the_stolen_boat() {
    let certs = TempDir::new().unwrap();
    let mut args = vec!["certs", "--out", certs.path().to_str().unwrap()];
    args.extend([
        "node-nl",
        "core",
        "beheer-nl",
        "politie-be",
        "partner-yamaha",
    ]);
    assert!(sismatch(&args).status.success());
    let dir = certs.path();

    // NL has an alert on the hull only: the engine was never reported.
    let data_dir = TempDir::new().unwrap();
    let config = NodeConfig {
        country: "NL".to_string(),
        data_dir: data_dir.path().to_path_buf(),
    };
    let node = Arc::new(
        tokio::task::spawn_blocking(move || Node::open(config))
            .await
            .unwrap()
            .unwrap(),
    );
    let node_addr = serve(
        dir,
        "node-nl",
        NationalNodeServer::new(NodeService::with_directory(Arc::clone(&node), directory())),
    )
    .await;
    let mut alert = data::alerts("NL", 1, 5).remove(0);
    alert.identifiers = vec![sismatch_alert::IdentifierEntry {
        kind: sismatch_ident::IdentifierKind::Hin,
        value: "ABC12345D404".to_string(),
        manufacturer: None,
        location: None,
        legibility: None,
    }];
    let mut operator = NationalNodeClient::new(channel(dir, node_addr, Some("beheer-nl")).await);
    import(&mut operator, &[alert.clone()], 10).await;
    assert!(node.wait_indexed(Duration::from_secs(10)).await);

    // YAMAHA's register: that engine was sold with that hull.
    let register = TempDir::new().unwrap();
    let partner_config = PartnerConfig::new("YAMAHA", register.path());
    let partner = Arc::new(
        tokio::task::spawn_blocking(move || Partner::open(partner_config))
            .await
            .unwrap()
            .unwrap(),
    );
    let line = r#"{"maker":"YAMAHA","engine_serial":"6CJ-1013456","hull":"ABC12345D404","dealer":"Watersport Jansen","sold_at":"2024-05-02"}"#;
    partner
        .import_batch(vec![RegisterRecord::from_ndjson(line, "YAMAHA").unwrap()])
        .await
        .unwrap();
    let partner_addr = serve(
        dir,
        "partner-yamaha",
        ManufacturerPartnerServer::new(PartnerService::new(partner, directory())),
    )
    .await;

    // The core knows the node and the partner (engine serials starting 6CJ are YAMAHA's).
    let config = tls_core_config(dir, &[("NL", node_addr)], partner_addr);
    let core = Arc::new(Core::new(config).unwrap());
    let core_addr = serve(
        dir,
        "core",
        MatchingCoreServer::new(CoreService::with_directory(core, directory())),
    )
    .await;
    let mut police = MatchingCoreClient::new(channel(dir, core_addr, Some("politie-be")).await);

    // The engine serial alone, misread, finds nothing on the nodes...
    let answer = police
        .search(search("6CJ-1O13456"))
        .await
        .unwrap()
        .into_inner();
    assert!(answer.matches.is_empty(), "{answer:?}");
    // ...but through the partner it leads to the stolen boat, and says how.
    let mut request = search("6CJ-1O13456");
    request.expand_via_partners = true;
    request.purpose = v1::LookupPurpose::TheftInvestigation.into();
    request.case_reference = "BE-PJ-2026-117".to_string();
    let answer = police.search(request).await.unwrap().into_inner();
    assert_eq!(answer.partners.len(), 1, "{answer:?}");
    assert_eq!(
        answer.partners[0].outcome,
        i32::from(v1::NodeOutcome::Ok),
        "{answer:?}"
    );
    assert_eq!(answer.matches.len(), 1, "{answer:?}");
    let found = &answer.matches[0];
    assert_eq!(found.alert.as_ref().unwrap().id, alert.id);
    let hit = &found.identifier_matches[0];
    assert_eq!(hit.source, i32::from(v1::MatchSource::Partner));
    assert_eq!(hit.query_index, 0);
    assert!(
        hit.explanation
            .starts_with("via partner YAMAHA: 6CJ-1013456 → ABC12345D404"),
        "{}",
        hit.explanation
    );
    assert_eq!(
        hit.partner_link.as_ref().unwrap().relation,
        i32::from(v1::LinkRelation::SoldWith)
    );

    // Without a purpose the core refuses before asking anyone.
    let mut request = search("6CJ-1013456");
    request.expand_via_partners = true;
    let status = police.search(request).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
}

/// Serves `service` over mTLS as `name`; returns the address.
pub async fn serve<S>(dir: &Path, name: &str, service: S) -> SocketAddr
where
    S: tonic::codegen::Service<
            tonic::codegen::http::Request<tonic::body::Body>,
            Response = tonic::codegen::http::Response<tonic::body::Body>,
            Error = std::convert::Infallible,
        > + tonic::server::NamedService
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let tls = server_tls(dir, name);
    tokio::spawn(async move {
        Server::builder()
            .tls_config(tls)
            .unwrap()
            .add_service(service)
            .serve_with_incoming(TcpIncoming::from(listener).with_nodelay(Some(true)))
            .await
            .unwrap();
    });
    addr
}
