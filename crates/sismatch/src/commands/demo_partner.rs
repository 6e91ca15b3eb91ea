//! The demo's manufacturer partner (issue 14): YAMAHA's sales register over the sample, served
//! behind its gate as in production, so that the one-command demo shows the case this project
//! exists for: an engine serial with no alert of its own leads, through the maker's register,
//! to the stolen boat it was sold with.
//!
//! The gate answers authenticated police only, with a purpose and a case reference, over
//! mutual TLS (DESIGN §4). The demo does not weaken it: it makes a local authority and
//! certificates in `DATA/certs` (as `sismatch certs` does), the core calls the partner over
//! mutual TLS as `core`, a forwarder the partner trusts, and the core takes police searches on
//! a second, mutually authenticated listener, where the officer `politie-CC` (police of the
//! demo's first country) is known. The core's open listener, which the other examples use,
//! stays as it was: its anonymous callers are police of no country, so the partner refuses
//! them, as it should.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::json;
use sismatch_auth::{AuthMode, AuthSettings, Directory, IdentityEntry, Role};
use sismatch_core::{ClientTls, Core};
use sismatch_grpc::audit::Auditor;
use sismatch_grpc::convert::kind_out;
use sismatch_ident::IdentifierKind;
use sismatch_partner::{Partner, PartnerConfig, RegisterRecord};
use sismatch_proto::v1;
use sismatch_sample::{PartnerCase, REGISTER_MAKER, REGISTER_PREFIXES, Sample, sales_register};
use sismatch_serve::Auth;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tonic::transport::{Certificate, Identity, ServerTlsConfig};

use crate::commands::certs::write_certificates;
use crate::commands::client::Credentials;
use crate::commands::search::DEFAULT_TOP;
use crate::commands::serve::{Security, serve_core};

/// The core's name in the certificates and in the partner's list of forwarders.
const CORE: &str = "core";
/// The partner's certificate name.
const PARTNER: &str = "partner-yamaha";
/// The purpose of the demo's partner search, as the command line names it (the request
/// says `LookupPurpose::TheftInvestigation`).
const PURPOSE: &str = "THEFT_INVESTIGATION";
/// The case reference of the demo's partner search.
const CASE: &str = "DEMO-2026-0001";

/// Where the demo's certificates are and whose they are.
pub struct Certificates {
    folder: PathBuf,
    /// The demo officer's identity (`politie-nl`).
    pub police: String,
    /// The officer's country.
    country: String,
}

impl Certificates {
    /// A new local authority and the certificates of the core, the partner and one officer
    /// of `country`, in `root/certs` (made again at every start: they are the demo's own).
    pub fn write(root: &Path, country: &str) -> Result<Certificates> {
        let folder = root.join("certs");
        let police = format!("politie-{}", country.to_ascii_lowercase());
        let names = [CORE, PARTNER, police.as_str()].map(str::to_string);
        write_certificates(&folder, &names)?;
        Ok(Certificates {
            folder,
            police,
            country: country.to_string(),
        })
    }

    fn file(&self, name: &str) -> PathBuf {
        self.folder.join(name)
    }

    fn read(&self, name: &str) -> Result<Vec<u8>> {
        let path = self.file(name);
        std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))
    }

    /// A server presenting `name`'s certificate and requiring a client certificate of the
    /// demo's authority.
    fn server(&self, name: &str) -> Result<ServerTlsConfig> {
        let identity = Identity::from_pem(
            self.read(&format!("{name}.pem"))?,
            self.read(&format!("{name}.key"))?,
        );
        Ok(ServerTlsConfig::new()
            .identity(identity)
            .client_ca_root(Certificate::from_pem(self.read("ca.pem")?)))
    }

    /// How the core proves who it is to the partner.
    pub fn core_client(&self) -> Result<ClientTls> {
        Ok(ClientTls {
            ca_pem: self.read("ca.pem")?,
            cert_pem: self.read(&format!("{CORE}.pem"))?,
            key_pem: self.read(&format!("{CORE}.key"))?,
        })
    }

    /// The officer's `--ca --cert --key`.
    pub fn police_credentials(&self) -> Credentials {
        Credentials::from_parts(
            Some(self.file("ca.pem")),
            Some(self.file(&format!("{}.pem", self.police))),
            Some(self.file(&format!("{}.key", self.police))),
            None,
        )
    }

    fn police_flags(&self) -> Vec<String> {
        let path = |name: String| self.file(&name).display().to_string();
        vec![
            "--ca".to_string(),
            path("ca.pem".to_string()),
            "--cert".to_string(),
            path(format!("{}.pem", self.police)),
            "--key".to_string(),
            path(format!("{}.key", self.police)),
        ]
    }
}

/// A server that knows `identities` and believes `forwarders` about the end caller.
fn directory(identities: Vec<IdentityEntry>, forwarders: &[&str]) -> Result<Arc<Directory>> {
    let settings = AuthSettings {
        mode: AuthMode::Required,
        accept_tokens: false,
        identities,
        trusted_forwarders: forwarders.iter().map(|f| f.to_string()).collect(),
        policy: Vec::new(),
    };
    Ok(Arc::new(
        Directory::new(settings).map_err(|e| anyhow::anyhow!("{e}"))?,
    ))
}

fn identity(name: &str, role: Role, country: Option<&str>) -> IdentityEntry {
    IdentityEntry {
        name: name.to_string(),
        role,
        country: country.map(str::to_string),
        token: None,
    }
}

/// YAMAHA's register in `root/partner-yamaha`, and the values the core asks it about.
pub fn partner_config(root: &Path) -> (PartnerConfig, Vec<String>) {
    let config = PartnerConfig::new(REGISTER_MAKER, root.join(PARTNER));
    (config, REGISTER_PREFIXES.map(str::to_string).to_vec())
}

/// The partner's auth: over mutual TLS, to the core alone, which it trusts to name the officer
/// it acts for.
pub fn partner_auth(certs: &Certificates) -> Result<Auth> {
    Ok(Auth {
        directory: directory(vec![identity(CORE, Role::Operator, None)], &[CORE])?,
        tls: Some(certs.server(PARTNER)?),
    })
}

/// The partner's server name, as the federation asks for its auth.
pub fn partner_server() -> String {
    format!("partner {REGISTER_MAKER}")
}

/// Loads the register of the sample into `partner` (a re-run on the same folder changes
/// nothing) and returns the case it makes possible, if the sample holds one.
pub async fn load_register(partner: &Partner, samples: &[Sample]) -> Result<Option<PartnerCase>> {
    let (sales, case) = sales_register(samples);
    let mut records = Vec::with_capacity(sales.len());
    for sale in &sales {
        // The register's own import format, as `sismatch partner import` reads it.
        let line = json!({
            "maker": REGISTER_MAKER,
            "engine_serial": sale.engine_serial,
            "hull": sale.hull,
            "model": sale.model,
            "sold_at": sale.sold_at.to_string(),
        });
        let record = RegisterRecord::from_ndjson(&line.to_string(), REGISTER_MAKER)
            .with_context(|| format!("sample sale {line} refused"))?;
        records.push(record);
    }
    partner.import_batch(records).await?;
    println!(
        "partner {REGISTER_MAKER}: {} sales in its register",
        sales.len()
    );
    Ok(case)
}

/// Serves `core` to the demo's officer over mutual TLS, recording into the core's own audit
/// log, until `shutdown`; returns the address and the server task.
pub async fn serve_police_core(
    core: Arc<Core>,
    certs: &Certificates,
    auditor: Auditor,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> Result<(SocketAddr, JoinHandle<sismatch_serve::Result<()>>)> {
    let officer = identity(&certs.police, Role::Police, Some(&certs.country));
    let security = Security {
        server: "core".to_string(),
        directory: directory(vec![officer], &[])?,
        tls: Some(certs.server(CORE)?),
        auditor,
    };
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(serve_core(core, security, listener, shutdown, grace));
    Ok((addr, server))
}

/// The address of the police listener as clients must write it: the certificates name
/// `localhost`.
pub fn police_address(addr: SocketAddr) -> String {
    format!("https://localhost:{}", addr.port())
}

/// The officer's search of the case, as the printed command makes it.
pub fn request(case: &PartnerCase) -> v1::MatchingCoreSearchRequest {
    v1::MatchingCoreSearchRequest {
        queries: vec![v1::IdentifierQuery {
            value: case.engine_serial.clone(),
            kind: kind_out(IdentifierKind::EngineSerial),
            manufacturer: String::new(),
        }],
        top_k: DEFAULT_TOP,
        expand_via_partners: true,
        purpose: v1::LookupPurpose::TheftInvestigation.into(),
        case_reference: CASE.to_string(),
        ..v1::MatchingCoreSearchRequest::default()
    }
}

/// `search --core ADDR --ca ... --cert ... --key ... --via-partners --purpose ...
/// --case-reference ... --kind ENGINE_SERIAL SERIAL`: the officer's search of the case.
pub fn search_args(addr: SocketAddr, certs: &Certificates, case: &PartnerCase) -> Vec<String> {
    let mut args = vec![
        "search".to_string(),
        "--core".to_string(),
        police_address(addr),
    ];
    args.extend(certs.police_flags());
    args.extend(
        [
            "--via-partners",
            "--purpose",
            PURPOSE,
            "--case-reference",
            CASE,
            "--kind",
            "ENGINE_SERIAL",
        ]
        .map(str::to_string),
    );
    args.push(case.engine_serial.clone());
    args
}
