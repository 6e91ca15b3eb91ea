//! Who may see what, over real mutual TLS on loopback: certificates made by `sismatch certs`,
//! a national node and a core that identify their callers by client certificate.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sismatch_alert::Restricted;
use sismatch_audit::AuditLog;
use sismatch_auth::{AuthMode, AuthSettings, Directory, IdentityEntry, Role};
use sismatch_core::ClientTls;
use sismatch_grpc::audit::Auditor;
use sismatch_partner::{PartnerConfig, RegisterRecord};
use sismatch_proto::v1;
use sismatch_proto::v1::matching_core_client::MatchingCoreClient;
use sismatch_proto::v1::national_node_client::NationalNodeClient;
use sismatch_serve::{Auth, LocalFederation, LocalFederationBuilder};
use tempfile::TempDir;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity, ServerTlsConfig};

use crate::support::{import, sismatch};
use sismatch_sample::fixture;

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

/// A directory of client certificates only (no tokens), trusting `forwarders` to name the end
/// caller.
pub fn certificates(identities: Vec<IdentityEntry>, forwarders: &[&str]) -> Arc<Directory> {
    let settings = AuthSettings {
        mode: AuthMode::Required,
        accept_tokens: false,
        identities,
        trusted_forwarders: forwarders.iter().map(|name| name.to_string()).collect(),
        policy: Vec::new(),
    };
    Arc::new(Directory::new(settings).unwrap())
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

/// Each server's auth in a federation of the tests: over mutual TLS with the certificate of
/// its name in `dir` (`node NL` presents `node-nl`, `core` `core`, `partner YAMAHA`
/// `partner-yamaha`), knowing the identities `directory` gives for that name.
pub fn tls_auth(
    dir: &Path,
    directory: impl Fn(&str) -> Arc<Directory> + Send + Sync + 'static,
) -> impl Fn(&str) -> Auth + Send + Sync + 'static {
    let dir = dir.to_path_buf();
    move |server| Auth {
        directory: directory(server),
        tls: Some(server_tls(
            &dir,
            &server.to_ascii_lowercase().replace(' ', "-"),
        )),
    }
}

/// A federation of the tests over mutual TLS ([`tls_auth`] with `directory`), whose core
/// calls the others as `core` and waits 5 s for them by default.
pub fn over_mtls(
    dir: &Path,
    directory: impl Fn(&str) -> Arc<Directory> + Send + Sync + 'static,
) -> LocalFederationBuilder {
    let client_tls = core_tls(dir);
    LocalFederation::builder()
        .auth(tls_auth(dir, directory))
        .core_config(move |config| {
            config.default_deadline = Duration::from_secs(5);
            config.tls = Some(client_tls);
        })
}

/// How the core of these tests proves who it is to the node and the partner.
pub fn core_tls(dir: &Path) -> ClientTls {
    ClientTls {
        ca_pem: pem(dir, "ca.pem"),
        cert_pem: pem(dir, "core.pem"),
        key_pem: pem(dir, "core.key"),
    }
}

/// The NL node and a core over mutual TLS, with certificates made by `sismatch certs` for
/// every name of [`NAMES`], one alert with owner data imported by an operator, and the core's
/// audit log (dealer checks limited to two a minute).
struct Federation {
    certs: TempDir,
    _local: LocalFederation,
    node_addr: SocketAddr,
    core_addr: SocketAddr,
    audit_dir: TempDir,
    audit_log: Arc<AuditLog>,
    alert: sismatch_alert::Alert,
}

impl Federation {
    async fn start() -> Federation {
        let certs = TempDir::new().unwrap();
        let mut args = vec!["certs", "--out", certs.path().to_str().unwrap()];
        args.extend(NAMES);
        assert!(sismatch(&args).status.success());
        let dir = certs.path();

        // The NL node and the core over mTLS, the node knowing the core as a trusted
        // forwarder, the core recording into its audit log.
        let audit_dir = TempDir::new().unwrap();
        let audit_log = Arc::new(AuditLog::open(audit_dir.path(), "core").unwrap());
        let auditor = Auditor::new(Arc::clone(&audit_log));
        let local = over_mtls(dir, |_| directory())
            .countries(["NL"])
            .audit_into(move |server| (server == "core").then(|| auditor.clone()))
            .core_config(|config| config.dealer_checks_per_minute = 2)
            .start()
            .await
            .unwrap();
        let node_addr = local.nodes()[0].addr;
        let core_addr = local.core().unwrap().addr;

        // An operator imports an alert with owner data.
        let mut alert = fixture::alerts("NL", 1, 3).remove(0);
        alert.identifiers[0].value = "NL-ABC12345D404".to_string();
        alert.identifiers[0].kind = sismatch_ident::IdentifierKind::Cin;
        alert.restricted = Some(Restricted {
            owner: None,
            victim: None,
            notes: Some("owner: J. de Vries, Harlingen".to_string()),
        });
        let mut operator =
            NationalNodeClient::new(channel(dir, node_addr, Some("beheer-nl")).await);
        let acks = import(&mut operator, &[alert.clone()], 10).await;
        assert_eq!(acks[0].created, 1, "{acks:?}");
        assert!(
            local.nodes()[0]
                .node
                .wait_indexed(Duration::from_secs(10))
                .await
        );
        Federation {
            certs,
            _local: local,
            node_addr,
            core_addr,
            audit_dir,
            audit_log,
            alert,
        }
    }

    fn dir(&self) -> &Path {
        self.certs.path()
    }

    /// The path of a file of the certificates' folder, as a command-line argument.
    fn file(&self, name: &str) -> String {
        self.dir().join(name).to_str().unwrap().to_string()
    }

    async fn core(&self, name: Option<&str>) -> MatchingCoreClient<Channel> {
        MatchingCoreClient::new(channel(self.dir(), self.core_addr, name).await)
    }

    async fn node(&self, name: Option<&str>) -> NationalNodeClient<Channel> {
        NationalNodeClient::new(channel(self.dir(), self.node_addr, name).await)
    }

    /// The status codes of the core's audit records, in order, once the chain is checked
    /// intact; and the records themselves.
    fn audited(&self) -> (Vec<i64>, Vec<serde_json::Value>) {
        self.audit_log.flush().unwrap();
        let verification = sismatch_audit::verify(self.audit_dir.path()).unwrap();
        assert!(verification.first_broken.is_none(), "{verification:?}");
        let mut exported = Vec::new();
        sismatch_audit::export(self.audit_dir.path(), None, &mut exported).unwrap();
        let records: Vec<serde_json::Value> = String::from_utf8(exported)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(verification.records, records.len() as u64);
        let codes = records
            .iter()
            .map(|r| r["status_code"].as_i64().unwrap())
            .collect();
        (codes, records)
    }
}

/// Where a call of the role table goes: a search through the core, or the alert read at the
/// node.
#[derive(Debug, Clone, Copy)]
enum Via {
    CoreSearch,
    NodeGetAlert,
}

/// What a call of the role table answers.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Sees {
    /// The alert with its restricted part (owner, victim, notes).
    Restricted,
    /// The alert without it.
    Public,
    /// A refusal with this code.
    Refused(tonic::Code),
}

/// A refusal: the caller is known and its role may not do this.
const DENIED: Sees = Sees::Refused(tonic::Code::PermissionDenied);
/// A refusal: the caller is not known.
const UNKNOWN: Sees = Sees::Refused(tonic::Code::Unauthenticated);

/// Who sees what (DESIGN §4), by caller certificate (`None`: no certificate, no token).
#[rustfmt::skip]
const ROLE_TABLE: [(Option<&str>, Via, Sees); 10] = [
    (Some("politie-nl"), Via::CoreSearch,   Sees::Restricted),
    (Some("politie-be"), Via::CoreSearch,   Sees::Public),
    (Some("garage"),     Via::CoreSearch,   DENIED),
    (Some("fabrikant"),  Via::CoreSearch,   DENIED),
    (None,               Via::CoreSearch,   UNKNOWN),
    (Some("politie-nl"), Via::NodeGetAlert, Sees::Restricted),
    (Some("politie-be"), Via::NodeGetAlert, Sees::Public),
    (Some("garage"),     Via::NodeGetAlert, DENIED),
    (Some("fabrikant"),  Via::NodeGetAlert, DENIED),
    (None,               Via::NodeGetAlert, UNKNOWN),
];
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_gets_what_design_section_4_allows_over_mutual_tls() {
    let federation = Federation::start().await;
    let seen = |alert: Option<v1::Alert>| match alert {
        Some(alert) if alert.restricted.is_some() => Sees::Restricted,
        Some(_) => Sees::Public,
        None => panic!("an answer without its alert"),
    };
    for (caller, via, expected) in ROLE_TABLE {
        let sees = match via {
            Via::CoreSearch => {
                let answer = federation
                    .core(caller)
                    .await
                    .search(search("ABC12345D4O4"))
                    .await;
                answer.map(|answer| {
                    let matches = answer.into_inner().matches;
                    assert_eq!(matches.len(), 1, "{caller:?} {matches:?}");
                    seen(matches.into_iter().next().and_then(|m| m.alert))
                })
            }
            Via::NodeGetAlert => {
                let request = v1::GetAlertRequest {
                    id: federation.alert.id.clone(),
                    ..v1::GetAlertRequest::default()
                };
                let answer = federation.node(caller).await.get_alert(request).await;
                answer.map(|answer| seen(answer.into_inner().alert))
            }
        };
        let sees = sees.unwrap_or_else(|status| Sees::Refused(status.code()));
        assert_eq!(sees, expected, "{caller:?} through {via:?}");
    }
    // Every request to the core was audited, refusals included, in an intact chain.
    let (codes, _) = federation.audited();
    let core_rows: Vec<i64> = ROLE_TABLE
        .iter()
        .filter(|(_, via, _)| matches!(via, Via::CoreSearch))
        .map(|(_, _, sees)| match sees {
            Sees::Refused(code) => *code as i64,
            _ => 0,
        })
        .collect();
    assert_eq!(codes, core_rows);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dealer_checks_within_its_quota_and_sees_only_hit_and_reference() {
    let federation = Federation::start().await;
    // A dealer check: hit and a reference, nothing else; then the quota (2 a minute).
    let check = v1::CheckRequest {
        identifiers: search("ABC12345D404").queries,
        ..v1::CheckRequest::default()
    };
    let mut dealer = federation.core(Some("garage")).await;
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

    // The same dealer with its configured token (no certificate) is known too: a dealer.
    let mut request = tonic::Request::new(search("ABC12345D404"));
    request.metadata_mut().insert(
        "authorization",
        "Bearer garage-token-0123456789".parse().unwrap(),
    );
    let status = federation
        .core(None)
        .await
        .search(request)
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::PermissionDenied, "{status:?}");

    // The dealer's hit names the alert in the audit log (and only there).
    let (codes, records) = federation.audited();
    assert_eq!(codes, vec![0, 0, 8, 7], "{records:?}");
    assert_eq!(records[0]["caller"], "garage");
    assert_eq!(records[0]["alert_ids"][0], federation.alert.id.as_str());
    assert_eq!(records[0]["hit"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_trusted_core_may_act_for_someone_else() {
    let federation = Federation::start().await;
    let mut request = tonic::Request::new(v1::GetAlertRequest {
        id: federation.alert.id.clone(),
        ..v1::GetAlertRequest::default()
    });
    request.metadata_mut().insert(
        sismatch_auth::ON_BEHALF_OF,
        "POLICE;NL;someone".parse().unwrap(),
    );
    let status = federation
        .node(Some("politie-be"))
        .await
        .get_alert(request)
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::PermissionDenied, "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_and_the_benchmark_suite_speak_mutual_tls() {
    let federation = Federation::start().await;
    let address = format!("https://localhost:{}", federation.core_addr.port());
    let (ca, cert, key) = (
        federation.file("ca.pem"),
        federation.file("politie-nl.pem"),
        federation.file("politie-nl.key"),
    );

    // `sismatch search` over mTLS, as the Dutch police.
    let json = {
        let (address, ca, cert, key) = (address.clone(), ca.clone(), cert.clone(), key.clone());
        tokio::task::spawn_blocking(move || {
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
        .unwrap()
    };
    assert_eq!(
        json["matches"][0]["alert_id"],
        federation.alert.id.as_str(),
        "{json}"
    );

    // The benchmark suite's load over mTLS, as the Dutch police: every search answered.
    let bench = TempDir::new().unwrap();
    let bench_dir = bench.path().to_path_buf();
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

    // The NL node, YAMAHA's register (engine serials starting 6CJ are YAMAHA's) and the core
    // over both, over mutual TLS.
    let register = TempDir::new().unwrap();
    let local = over_mtls(dir, |_| directory())
        .countries(["NL"])
        .partner(
            PartnerConfig::new("YAMAHA", register.path()),
            vec!["6CJ".to_string()],
        )
        .start()
        .await
        .unwrap();
    let node = &local.nodes()[0];
    let core_addr = local.core().unwrap().addr;

    // NL has an alert on the hull only: the engine was never reported.
    let mut alert = fixture::alerts("NL", 1, 5).remove(0);
    alert.identifiers = vec![sismatch_alert::IdentifierEntry::new(
        sismatch_ident::IdentifierKind::Hin,
        "ABC12345D404",
    )];
    let mut operator = NationalNodeClient::new(channel(dir, node.addr, Some("beheer-nl")).await);
    import(&mut operator, &[alert.clone()], 10).await;
    assert!(node.node.wait_indexed(Duration::from_secs(10)).await);

    // YAMAHA's register: that engine was sold with that hull.
    let line = r#"{"maker":"YAMAHA","engine_serial":"6CJ-1013456","hull":"ABC12345D404","dealer":"Watersport Jansen","sold_at":"2024-05-02"}"#;
    local
        .partner()
        .unwrap()
        .partner
        .import_batch(vec![RegisterRecord::from_ndjson(line, "YAMAHA").unwrap()])
        .await
        .unwrap();

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
