//! [`LocalFederation`]: national nodes, a matching core and optionally a manufacturer partner
//! in this process, each a real gRPC server of [`crate::server`] on a loopback port, with real
//! RocksDB stores and tantivy indexes in a given or temporary folder.
//!
//! Why one builder: the demo, the operator's benchmark suite, the integration tests and the
//! criterion benches all need a federation in one process. Started here, each of them runs the
//! stack a deployment runs (health, reflection, request metrics, message limits, audit, graceful
//! stop) instead of a hand-made copy that drifts from it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sismatch_auth::Directory;
use sismatch_core::{Core, CoreConfig, MemberConfig, PartnerMemberConfig};
use sismatch_grpc::audit::Auditor;
use sismatch_node::{Node, NodeConfig, NodeOptions};
use sismatch_partner::{Partner, PartnerConfig};
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tonic::transport::ServerTlsConfig;

use crate::error::{Result, ServeError};
use crate::members::members;
use crate::server::{Security, audit_log, serve_core, serve_node, serve_partner};

/// How long in-flight requests may run once a server is told to stop, unless the builder says
/// otherwise: longer than any search (deadline 500 ms), shorter than Kubernetes' 30 s before it
/// kills a pod. The binary's `--shutdown-grace-ms` defaults to it too.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How one server of a local federation identifies its callers: its TLS settings (the
/// certificates name `localhost`) and its directory.
#[derive(Clone)]
pub struct Auth {
    /// Known identities and the policy.
    pub directory: Arc<Directory>,
    /// TLS settings; None serves plain HTTP/2.
    pub tls: Option<ServerTlsConfig>,
}

impl Auth {
    /// No TLS, open mode: every caller may call every RPC.
    pub fn open() -> Auth {
        Auth {
            directory: Arc::new(Directory::open()),
            tls: None,
        }
    }
}

/// The auth of each server, by its name (`node NL`, `core`, `partner YAMAHA`).
type AuthOf = Box<dyn Fn(&str) -> Auth + Send + Sync>;
/// The audit log of some servers, by name, other than the one in their folder.
type AuditInto = Box<dyn Fn(&str) -> Option<Auditor> + Send + Sync>;
/// Changes to the core's configuration before it starts (deadlines, client TLS).
type ConfigureCore = Box<dyn FnOnce(&mut CoreConfig) + Send>;
/// A server task.
type ServerTask = JoinHandle<Result<()>>;

/// A national node of a local federation.
pub struct LocalNode {
    /// Its name among the core's members (`NL`, or `NL-2` for a country's second node).
    pub name: String,
    /// Its country.
    pub country: String,
    /// Where it listens.
    pub addr: SocketAddr,
    /// The node itself, for in-process work (imports, waits) beside its server.
    pub node: Arc<Node>,
    server: ServerTask,
}

/// The matching core of a local federation.
pub struct LocalCore {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The core itself, to serve on another listener too (the demo's police listener).
    pub core: Arc<Core>,
    /// The core's audit log, to share with such a listener.
    pub auditor: Auditor,
    server: ServerTask,
}

/// The manufacturer partner of a local federation.
pub struct LocalPartner {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The partner itself, to load its register.
    pub partner: Arc<Partner>,
    server: ServerTask,
}

/// A federation running in this process; [`LocalFederation::stop`] ends it gracefully. Dropped
/// without it, its servers are told to stop and end on their own, and its nodes close when
/// their last user lets go of them.
pub struct LocalFederation {
    nodes: Vec<LocalNode>,
    core: Option<LocalCore>,
    partner: Option<LocalPartner>,
    root: PathBuf,
    stop: watch::Sender<bool>,
    // Declared last: removed after the servers are told to stop.
    temporary: Option<TempDir>,
}

/// What a [`LocalFederation`] is made of; [`LocalFederationBuilder::start`] starts it.
pub struct LocalFederationBuilder {
    nodes: Vec<(String, Option<PathBuf>)>,
    remote: Vec<MemberConfig>,
    data_dir: Option<PathBuf>,
    node_options: NodeOptions,
    core: bool,
    core_listener: Option<TcpListener>,
    configure_core: Vec<ConfigureCore>,
    audit_into: Option<AuditInto>,
    partner: Option<(PartnerConfig, Vec<String>)>,
    auth: Option<AuthOf>,
    grace: Duration,
}

impl LocalFederation {
    /// A federation with no node yet, a core, no partner, open auth, in a temporary folder.
    pub fn builder() -> LocalFederationBuilder {
        LocalFederationBuilder {
            nodes: Vec::new(),
            remote: Vec::new(),
            data_dir: None,
            node_options: NodeOptions::default(),
            core: true,
            core_listener: None,
            configure_core: Vec::new(),
            audit_into: None,
            partner: None,
            auth: None,
            grace: SHUTDOWN_GRACE,
        }
    }

    /// The nodes, in the order they were asked for.
    pub fn nodes(&self) -> &[LocalNode] {
        &self.nodes
    }

    /// The core, unless built without one.
    pub fn core(&self) -> Option<&LocalCore> {
        self.core.as_ref()
    }

    /// The partner, if one was asked for.
    pub fn partner(&self) -> Option<&LocalPartner> {
        self.partner.as_ref()
    }

    /// The folder holding the servers' data (`nl/`, `core/`, ...).
    pub fn data_dir(&self) -> &Path {
        &self.root
    }

    /// Completes once the federation is told to stop: for other servers (a web page, a second
    /// listener) that should stop with it.
    pub fn stopped(&self) -> impl Future<Output = ()> + Send + 'static {
        until(self.stop.subscribe())
    }

    /// Tells every server to stop, waits for each to finish what is in flight (within the
    /// grace period), closes the nodes and removes a temporary folder.
    pub async fn stop(self) -> Result<()> {
        let _ = self.stop.send(true);
        if let Some(core) = self.core {
            core.server.await??;
        }
        if let Some(partner) = self.partner {
            partner.server.await??;
        }
        for local in self.nodes {
            local.server.await??;
            let node = local.node;
            tokio::task::spawn_blocking(move || node.shutdown()).await?;
        }
        drop(self.temporary);
        Ok(())
    }
}

impl LocalFederationBuilder {
    /// One node per country, each in `DATA/cc` (the country code in lower case).
    pub fn countries<I, S>(mut self, countries: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for country in countries {
            self.nodes
                .push((country.as_ref().trim().to_ascii_uppercase(), None));
        }
        self
    }

    /// One node of `country` with its data in `dir` (a test that reopens it later).
    pub fn node(mut self, country: &str, dir: &Path) -> Self {
        self.nodes
            .push((country.trim().to_ascii_uppercase(), Some(dir.to_path_buf())));
        self
    }

    /// A member of the core that is not started here: a node elsewhere, or behind a proxy.
    pub fn remote_node(mut self, name: &str, country: &str, address: &str) -> Self {
        self.remote.push(MemberConfig {
            name: name.to_string(),
            country: country.to_string(),
            address: crate::members::with_scheme(address),
        });
        self
    }

    /// The folder of the servers' data, created if missing and kept; a temporary folder,
    /// removed at [`LocalFederation::stop`], otherwise.
    pub fn data_dir(mut self, dir: &Path) -> Self {
        self.data_dir = Some(dir.to_path_buf());
        self
    }

    /// The settings of every node.
    pub fn node_options(mut self, options: NodeOptions) -> Self {
        self.node_options = options;
        self
    }

    /// No core: nodes (and a partner) only.
    pub fn without_core(mut self) -> Self {
        self.core = false;
        self
    }

    /// The core listens on `listener` rather than on a loopback port chosen by the system.
    pub fn core_listener(mut self, listener: TcpListener) -> Self {
        self.core_listener = Some(listener);
        self
    }

    /// Changes the core's configuration (members and partner filled in) before it starts;
    /// changes given in several calls are made in their order.
    pub fn core_config(mut self, configure: impl FnOnce(&mut CoreConfig) + Send + 'static) -> Self {
        self.configure_core.push(Box::new(configure));
        self
    }

    /// The servers for which `auditor` gives an auditor, by name (`node NL`, `core`, `partner
    /// YAMAHA`), record their requests into it rather than into the `audit` folder beside their
    /// data (a test that reads the records while the servers run).
    pub fn audit_into(
        mut self,
        auditor: impl Fn(&str) -> Option<Auditor> + Send + Sync + 'static,
    ) -> Self {
        self.audit_into = Some(Box::new(auditor));
        self
    }

    /// A manufacturer partner with `config`'s register, which the core asks about values
    /// starting with one of `prefixes`; its audit log in the register's folder.
    pub fn partner(mut self, config: PartnerConfig, prefixes: Vec<String>) -> Self {
        self.partner = Some((config, prefixes));
        self
    }

    /// Each server's TLS and directory, by its name (`node NL`, `core`, `partner YAMAHA`);
    /// open, without TLS, otherwise. A server with TLS is called at `https://localhost:PORT`.
    pub fn auth(mut self, auth: impl Fn(&str) -> Auth + Send + Sync + 'static) -> Self {
        self.auth = Some(Box::new(auth));
        self
    }

    /// How long in-flight requests may run once told to stop ([`SHUTDOWN_GRACE`] otherwise).
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Opens and serves the nodes, then the partner, then the core over both.
    pub async fn start(mut self) -> Result<LocalFederation> {
        let (temporary, root) = match &self.data_dir {
            Some(dir) => (None, dir.clone()),
            None => {
                let dir = tempfile::tempdir().map_err(ServeError::TempDir)?;
                let root = dir.path().to_path_buf();
                (Some(dir), root)
            }
        };
        let (stop, _) = watch::channel(false);
        let mut nodes = Vec::with_capacity(self.nodes.len());
        let mut addresses = Vec::with_capacity(self.nodes.len());
        for (country, dir) in &self.nodes {
            let data_dir = dir
                .clone()
                .unwrap_or_else(|| root.join(country.to_ascii_lowercase()));
            let (node, called_at) = self.start_node(country, data_dir, &stop).await?;
            addresses.push((country.clone(), called_at, None));
            nodes.push(node);
        }
        let mut core_members = members(addresses);
        for (local, member) in nodes.iter_mut().zip(&core_members) {
            local.name = member.name.clone();
        }
        core_members.append(&mut self.remote);
        let (partner, partner_members) = match self.partner.take() {
            Some((config, prefixes)) => {
                let (partner, member) = self.start_partner(config, prefixes, &stop).await?;
                (Some(partner), vec![member])
            }
            None => (None, Vec::new()),
        };
        let mut core = None;
        if self.core {
            let mut config = CoreConfig::new(core_members);
            config.partners = partner_members;
            core = Some(self.start_core(config, &root, &stop).await?);
        }
        Ok(LocalFederation {
            nodes,
            core,
            partner,
            root,
            stop,
            temporary,
        })
    }

    /// The audit log of `server`: the one [`Self::audit_into`] gives, else `data/audit`.
    fn auditor(&self, server: &str, data: &Path) -> Result<Auditor> {
        match self.audit_into.as_ref().and_then(|into| into(server)) {
            Some(auditor) => Ok(auditor),
            None => audit_log(data, server),
        }
    }

    /// A server's security, and whether it is called over TLS.
    fn security(&self, server: &str, auditor: Auditor) -> (Security, bool) {
        let auth = self.auth.as_ref().map_or_else(Auth::open, |of| of(server));
        let tls = auth.tls.is_some();
        let security = Security {
            server: server.to_string(),
            directory: auth.directory,
            tls: auth.tls,
            auditor,
        };
        (security, tls)
    }

    /// Opens the node of `country` in `data_dir` and serves it until `stop`; returns it and
    /// the address the core calls it at.
    async fn start_node(
        &self,
        country: &str,
        data_dir: PathBuf,
        stop: &watch::Sender<bool>,
    ) -> Result<(LocalNode, String)> {
        let server = format!("node {country}");
        let auditor = self.auditor(&server, &data_dir)?;
        let config = NodeConfig {
            country: country.to_string(),
            data_dir,
        };
        let options = self.node_options.clone();
        let node = tokio::task::spawn_blocking(move || Node::open_with(config, options))
            .await?
            .map_err(|e| ServeError::Node(country.to_string(), e))?;
        let node = Arc::new(node);
        let (listener, addr) = bind(None).await?;
        let (security, tls) = self.security(&server, auditor);
        let shutdown = until(stop.subscribe());
        let served = serve_node(Arc::clone(&node), security, listener, shutdown, self.grace);
        let local = LocalNode {
            name: country.to_string(),
            country: country.to_string(),
            addr,
            node,
            server: tokio::spawn(served),
        };
        Ok((local, address(addr, tls)))
    }

    /// Opens the partner's register and serves it until `stop`; returns it and the core's
    /// entry for it.
    async fn start_partner(
        &self,
        config: PartnerConfig,
        prefixes: Vec<String>,
        stop: &watch::Sender<bool>,
    ) -> Result<(LocalPartner, PartnerMemberConfig)> {
        let server = format!("partner {}", config.maker);
        let auditor = self.auditor(&server, &config.data_dir)?;
        let name = config.maker.clone();
        let partner = tokio::task::spawn_blocking(move || Partner::open(config))
            .await?
            .map_err(ServeError::Partner)?;
        let partner = Arc::new(partner);
        let (listener, addr) = bind(None).await?;
        let (security, tls) = self.security(&server, auditor);
        let shutdown = until(stop.subscribe());
        let served = serve_partner(
            Arc::clone(&partner),
            security,
            listener,
            shutdown,
            self.grace,
        );
        let member = PartnerMemberConfig {
            name,
            address: address(addr, tls),
            prefixes,
        };
        let local = LocalPartner {
            addr,
            partner,
            server: tokio::spawn(served),
        };
        Ok((local, member))
    }

    /// Starts the core with `config` (after the caller's changes) and serves it until `stop`,
    /// recording into `root/core/audit` unless told otherwise.
    async fn start_core(
        &mut self,
        mut config: CoreConfig,
        root: &Path,
        stop: &watch::Sender<bool>,
    ) -> Result<LocalCore> {
        for configure in self.configure_core.drain(..) {
            configure(&mut config);
        }
        let core = Arc::new(Core::new(config).map_err(ServeError::Core)?);
        let auditor = self.auditor("core", &root.join("core"))?;
        let (listener, addr) = bind(self.core_listener.take()).await?;
        let (security, _) = self.security("core", auditor.clone());
        let shutdown = until(stop.subscribe());
        let served = serve_core(Arc::clone(&core), security, listener, shutdown, self.grace);
        Ok(LocalCore {
            addr,
            core,
            auditor,
            server: tokio::spawn(served),
        })
    }
}

/// `listener`, or a new one on a loopback port chosen by the system; and its address.
async fn bind(listener: Option<TcpListener>) -> Result<(TcpListener, SocketAddr)> {
    let listener = match listener {
        Some(listener) => listener,
        None => {
            let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
            TcpListener::bind(loopback)
                .await
                .map_err(|e| ServeError::Listen(loopback, e))?
        }
    };
    let addr = listener.local_addr().map_err(ServeError::Address)?;
    Ok((listener, addr))
}

/// How the core calls a server at `addr`: by `localhost` over TLS (the name local
/// certificates carry), by its address otherwise.
fn address(addr: SocketAddr, tls: bool) -> String {
    if tls {
        format!("https://localhost:{}", addr.port())
    } else {
        format!("http://{addr}")
    }
}

/// Completes once `stopped` says stop, or once its sender is gone (the federation dropped).
async fn until(mut stopped: watch::Receiver<bool>) {
    let _ = stopped.wait_for(|stop| *stop).await;
}
