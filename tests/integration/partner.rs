//! The manufacturer partner node over gRPC: a real register in a temporary folder, callers
//! identified by bearer tokens, the gate's answers; and the `sismatch partner` binary after an
//! offline `sismatch partner import`.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use sismatch_audit::AuditLog;
use sismatch_auth::{AuthMode, AuthSettings, Directory, IdentityEntry, Role};
use sismatch_grpc::audit::Auditor;
use sismatch_partner::{PartnerConfig, RegisterRecord, SaleField};
use sismatch_proto::v1;
use sismatch_proto::v1::manufacturer_partner_client::ManufacturerPartnerClient;
use sismatch_serve::{Auth, LocalFederation};
use tonic::Code;
use tonic::transport::Channel;

use crate::support::sismatch;

const POLICE_TOKEN: &str = "police-token-0123456789";
const DEALER_TOKEN: &str = "dealer-token-0123456789";

const REGISTER: &str = r#"{"maker":"YAMAHA","engine_serial":"6CJ-1013456","hull":"ABC12345D404","vin":null,"dealer":"Watersport Jansen","dealer_country":"NL","sold_at":"2024-05-02","model":"F115"}
{"maker":"YAMAHA","engine_serial":"6CJ-2000001","hull":"NL-XYZ98765E505","relation":"FITTED_TO"}
{"maker":"MERCURY","engine_serial":"2B123456","hull":"DEF11111G101"}
"#;

fn identity(name: &str, role: Role, country: Option<&str>, token: &str) -> IdentityEntry {
    IdentityEntry {
        name: name.to_string(),
        role,
        country: country.map(str::to_string),
        token: Some(token.to_string()),
    }
}

/// A partner for YAMAHA with the register above, served in this process (a `LocalFederation`
/// of that partner alone, serving while held) with token authentication (mutual TLS not
/// required: tokens are not mTLS); returns its address too.
async fn start_partner(dir: &Path) -> (LocalFederation, SocketAddr) {
    start_partner_audited(dir, Auditor::default()).await
}

/// [`start_partner`], recording every look-up in `auditor`.
async fn start_partner_audited(dir: &Path, auditor: Auditor) -> (LocalFederation, SocketAddr) {
    let mut config = PartnerConfig::new("YAMAHA", dir);
    config.share = [SaleField::Dealer, SaleField::SoldAt].into_iter().collect();
    config.require_mtls = false;
    let records = REGISTER
        .lines()
        .filter_map(|line| RegisterRecord::from_ndjson(line, "YAMAHA").ok())
        .collect();
    let directory = Arc::new(
        Directory::new(AuthSettings {
            mode: AuthMode::Required,
            accept_tokens: true,
            identities: vec![
                identity("politie-nl", Role::Police, Some("NL"), POLICE_TOKEN),
                identity("garage", Role::Dealer, None, DEALER_TOKEN),
            ],
            trusted_forwarders: Vec::new(),
            policy: Vec::new(),
        })
        .unwrap(),
    );
    let federation = LocalFederation::builder()
        .without_core()
        .partner(config, Vec::new())
        .auth(move |_| Auth {
            directory: Arc::clone(&directory),
            tls: None,
        })
        .audit_into(move |_| Some(auditor.clone()))
        .start()
        .await
        .unwrap();
    let partner = federation.partner().unwrap();
    partner.partner.import_batch(records).await.unwrap();
    let addr = partner.addr;
    (federation, addr)
}

async fn client(addr: SocketAddr) -> ManufacturerPartnerClient<Channel> {
    ManufacturerPartnerClient::connect(format!("http://{addr}"))
        .await
        .unwrap()
}

fn lookup_request(value: &str, purpose: v1::LookupPurpose) -> v1::LookupRequest {
    v1::LookupRequest {
        identifiers: vec![v1::IdentifierQuery {
            value: value.to_string(),
            kind: v1::IdentifierKind::EngineSerial.into(),
            manufacturer: String::new(),
        }],
        purpose: purpose.into(),
        case_reference: "NL-2024-0042".to_string(),
        officer: "agent 7".to_string(),
    }
}

/// Calls Lookup with `token` as bearer token (none when `None`).
async fn lookup(
    client: &mut ManufacturerPartnerClient<Channel>,
    token: Option<&str>,
    request: v1::LookupRequest,
) -> Result<v1::LookupResponse, tonic::Status> {
    let mut request = tonic::Request::new(request);
    if let Some(token) = token {
        let value = format!("Bearer {token}").parse().unwrap();
        request.metadata_mut().insert("authorization", value);
    }
    client
        .lookup(request)
        .await
        .map(tonic::Response::into_inner)
}

#[tokio::test]
async fn police_get_linked_identifiers_others_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_partner, addr) = start_partner(dir.path()).await;
    let mut client = client(addr).await;
    let theft = v1::LookupPurpose::TheftInvestigation;

    // A misread serial (O for 0) still finds the hull it was sold with.
    let found = lookup(
        &mut client,
        Some(POLICE_TOKEN),
        lookup_request("6CJ-1O13456", theft),
    )
    .await
    .unwrap();
    assert_eq!(found.outcome(), v1::LookupOutcome::Found);
    assert_eq!(found.partner, "YAMAHA");
    assert!(found.reference.starts_with("L-"));
    let record = &found.records[0];
    assert_eq!(record.identifier.as_ref().unwrap().value, "6CJ-1013456");
    let linked = &record.linked[0];
    assert_eq!(linked.relation(), v1::LinkRelation::SoldWith);
    assert_eq!(linked.identifier.as_ref().unwrap().value, "ABC12345D404");
    let sale = record.sale.as_ref().unwrap();
    assert_eq!(sale.dealer, "Watersport Jansen");
    assert!(sale.sold_at.is_some());
    assert_eq!(sale.model, "", "not agreed to share");

    // The MERCURY line was not imported into YAMAHA's register.
    let other_maker = lookup(
        &mut client,
        Some(POLICE_TOKEN),
        lookup_request("2B123456", theft),
    )
    .await
    .unwrap();
    assert_eq!(other_maker.outcome(), v1::LookupOutcome::NotFound);

    let no_purpose = lookup(
        &mut client,
        Some(POLICE_TOKEN),
        lookup_request("6CJ-1013456", v1::LookupPurpose::Unspecified),
    )
    .await
    .unwrap();
    assert_eq!(no_purpose.outcome(), v1::LookupOutcome::Refused);
    assert_eq!(no_purpose.refusal(), v1::RefusalReason::MissingPurpose);
    assert!(no_purpose.records.is_empty());

    let dealer = lookup(
        &mut client,
        Some(DEALER_TOKEN),
        lookup_request("6CJ-1013456", theft),
    )
    .await
    .unwrap();
    assert_eq!(dealer.outcome(), v1::LookupOutcome::Refused);
    assert_eq!(dealer.refusal(), v1::RefusalReason::NotPolice);
    assert!(dealer.records.is_empty());

    let anonymous = lookup(&mut client, None, lookup_request("6CJ-1013456", theft))
        .await
        .unwrap_err();
    assert_eq!(anonymous.code(), Code::Unauthenticated);
    let unknown = lookup(
        &mut client,
        Some("not-a-known-token-at-all"),
        lookup_request("6CJ-1013456", theft),
    )
    .await
    .unwrap_err();
    assert_eq!(unknown.code(), Code::Unauthenticated);

    let mut malformed = lookup_request("6CJ-1013456", theft);
    malformed.identifiers[0].value = "9".repeat(65);
    let status = lookup(&mut client, Some(POLICE_TOKEN), malformed)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().starts_with("identifiers[0].value"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn a_look_up_is_answered_only_once_its_audit_record_is_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let audit_dir = dir.path().join("audit");
    let log = AuditLog::open(&audit_dir, "partner YAMAHA").unwrap();
    let (_partner, addr) =
        start_partner_audited(&dir.path().join("register"), Auditor::new(Arc::new(log))).await;
    let mut client = client(addr).await;
    let theft = v1::LookupPurpose::TheftInvestigation;
    let found = lookup(
        &mut client,
        Some(POLICE_TOKEN),
        lookup_request("6CJ-1013456", theft),
    )
    .await
    .unwrap();
    assert_eq!(found.outcome(), v1::LookupOutcome::Found);

    // Read back at once, from another handle, as `sismatch audit export` does while the
    // partner runs: the record of the answer just received is already durable.
    let mut exported = Vec::new();
    let count = sismatch_audit::export(&audit_dir, None, &mut exported).unwrap();
    assert_eq!(count, 1);
    let record: serde_json::Value = serde_json::from_slice(&exported).unwrap();
    assert_eq!(record["reference"], found.reference.as_str());
    assert_eq!(record["case_reference"], "NL-2024-0042");
}

/// A `sismatch partner` process, killed when dropped.
struct PartnerProcess {
    addr: SocketAddr,
    child: Child,
}

impl Drop for PartnerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_partner(data: &Path) -> PartnerProcess {
    let log = std::fs::File::create(data.with_extension("log")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sismatch"))
        .args([
            "partner",
            "--maker",
            "YAMAHA",
            "--listen",
            "127.0.0.1:0",
            "--data",
        ])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    PartnerProcess {
        addr: line
            .trim()
            .parse()
            .expect("the first line is the bound address"),
        child,
    }
}

#[tokio::test]
async fn the_binary_imports_offline_and_refuses_anonymous_callers() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("register");
    let file = dir.path().join("register.ndjson");
    std::fs::write(&file, format!("{REGISTER}{{not json\n")).unwrap();
    let import = |file: &Path| {
        sismatch(&[
            "partner",
            "import",
            "--maker",
            "YAMAHA",
            "--data",
            data.to_str().unwrap(),
            file.to_str().unwrap(),
        ])
    };
    let output = import(&file);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with("stored 2 new, 0 updated, 0 unchanged; rejected 2"),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 3: maker: 'MERCURY'"), "{stderr}");
    assert!(
        stderr.contains("line 4: record: not valid JSON"),
        "{stderr}"
    );
    let again = String::from_utf8_lossy(&import(&file).stdout).into_owned();
    assert!(
        again.starts_with("stored 0 new, 0 updated, 2 unchanged"),
        "{again}"
    );

    let process = spawn_partner(&data);
    let mut client = client(process.addr).await;
    let answer = lookup(
        &mut client,
        None,
        lookup_request("6CJ-1013456", v1::LookupPurpose::TheftInvestigation),
    )
    .await
    .unwrap();
    assert_eq!(answer.outcome(), v1::LookupOutcome::Refused);
    assert_eq!(answer.refusal(), v1::RefusalReason::NotPolice);
    assert!(answer.records.is_empty());
    assert_eq!(answer.partner, "YAMAHA");

    // The running node holds the register: an import now fails cleanly.
    let busy = import(&file);
    assert!(!busy.status.success());
    assert!(
        String::from_utf8_lossy(&busy.stderr).contains("cannot open the partner register"),
        "{}",
        String::from_utf8_lossy(&busy.stderr)
    );
}
