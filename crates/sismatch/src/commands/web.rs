//! `sismatch web`: the web page for the counter (issue 13), an HTTP server that calls the
//! matching core over gRPC as a trusted forwarder. `sismatch web user add`: the Argon2 hash
//! of a password, as a `[[users]]` entry for the config file.

use std::io::BufRead;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use serde::Deserialize;
use sismatch_web::{
    Accounts, App, CoreApi, ProxySettings, StatusNode, UserEntry, WebSettings, hash_password,
    parse_role, valid_name,
};
use tokio::net::TcpListener;
use tonic::codegen::http::HeaderName;
use tracing::{info, warn};

use crate::commands::client::Credentials;
use crate::commands::ops::OpsArgs;
use crate::commands::security::config_folder;
use crate::commands::serve::shutdown_signal;

/// Arguments of `sismatch web`: without a subcommand, run the web server. Flags, and the
/// `SISMATCH_*` variables named in `--help`, override the config file.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct WebArgs {
    #[command(subcommand)]
    command: Option<WebCommand>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum WebCommand {
    /// Manage sign-in accounts.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Read a password (the first line of standard input) and print a `[[users]]` entry with
    /// its Argon2 hash, to append to the web server's config file.
    Add(UserAddArgs),
}

#[derive(Debug, Args)]
struct UserAddArgs {
    /// The sign-in name (letters, digits, `.`, `_`, `-`, `@`).
    #[arg(long)]
    name: String,
    /// DEALER, POLICE or OPERATOR.
    #[arg(long)]
    role: String,
    /// The person's country (ISO 3166-1 alpha-2); required for POLICE.
    #[arg(long)]
    country: Option<String>,
    /// The dealer's business id, printed on check certificates.
    #[arg(long)]
    dealer_id: Option<String>,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// A TOML file with `listen`, `core`, `police_phone`, `secure_cookies`, the limits,
    /// `nodes`, `[tls]`, `token` and the `[[users]]` (see deploy/README.md).
    #[arg(long, env = "SISMATCH_CONFIG")]
    config: Option<PathBuf>,
    /// Address of the matching core (`127.0.0.1:7500`, `https://core.example:7443`).
    #[arg(long, env = "SISMATCH_CORE")]
    core: Option<String>,
    /// Address to listen on; port 0 picks a free port. The bound address is printed on the
    /// first line of standard output.
    #[arg(long, env = "SISMATCH_LISTEN")]
    listen: Option<SocketAddr>,
    /// The police telephone number shown to a dealer with a HIT.
    #[arg(long, env = "SISMATCH_POLICE_PHONE")]
    police_phone: Option<String>,
    /// Send cookies over plain HTTP too (local use without a TLS-terminating proxy). By
    /// default cookies are `Secure`: browsers send them over HTTPS (and to localhost) only.
    #[arg(long)]
    insecure_cookies: bool,
    /// The web server's identity towards the core.
    #[command(flatten)]
    credentials: Credentials,
    #[command(flatten)]
    ops: OpsArgs,
}

/// The web server's config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebFile {
    listen: Option<SocketAddr>,
    core: Option<String>,
    metrics: Option<SocketAddr>,
    shutdown_grace_ms: Option<u64>,
    police_phone: Option<String>,
    secure_cookies: Option<bool>,
    session_idle_minutes: Option<u64>,
    session_lifetime_hours: Option<u64>,
    checks_per_minute_per_address: Option<u32>,
    sign_in_failures: Option<u32>,
    /// Addresses of TLS-terminating proxies whose `X-Forwarded-For` and certificate header
    /// are believed.
    #[serde(default)]
    trusted_proxies: Vec<IpAddr>,
    /// The header in which a trusted proxy names the holder of a verified client certificate.
    client_certificate_header: Option<String>,
    /// Nodes whose own status `/status` shows, as `CC=ADDRESS`.
    #[serde(default)]
    nodes: Vec<String>,
    tls: Option<WebTlsFile>,
    token: Option<String>,
    #[serde(default)]
    users: Vec<UserEntry>,
}

/// `[tls]` of the web server: the authority of the core's certificate and, for mutual TLS,
/// the web server's own certificate and key. Paths are relative to the config file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebTlsFile {
    ca: PathBuf,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
}

fn read_config(path: &Path) -> Result<WebFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
}

fn positive(key: &str, value: Option<u64>, unit: Duration, default: Duration) -> Result<Duration> {
    match value {
        None => Ok(default),
        Some(0) => bail!("{key}: must be more than 0"),
        Some(n) => Ok(unit.saturating_mul(u32::try_from(n).unwrap_or(u32::MAX))),
    }
}

impl WebArgs {
    /// Runs the web server, or the subcommand.
    pub async fn run(self) -> Result<()> {
        match self.command {
            Some(WebCommand::User(UserCommand::Add(args))) => args.run(),
            None => self.serve.run().await,
        }
    }
}

impl UserAddArgs {
    fn run(self) -> Result<()> {
        if !valid_name(&self.name) {
            bail!("--name: use 1 to 64 letters, digits, '.', '_', '-' or '@'");
        }
        let role = parse_role("--role", &self.role)?;
        let country = self.country.map(|c| c.trim().to_ascii_uppercase());
        if role == sismatch_auth::Role::Police && country.is_none() {
            bail!("--country: required for POLICE");
        }
        eprintln!("password (first line of standard input):");
        let mut password = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut password)
            .context("cannot read the password from standard input")?;
        let password = password.trim_end_matches(['\r', '\n']);
        let hash = hash_password(password).map_err(|e| anyhow!("password: {e}"))?;
        println!(
            "{}",
            user_entry(
                &self.name,
                role,
                country.as_deref(),
                self.dealer_id.as_deref(),
                &hash
            )
        );
        Ok(())
    }
}

/// A `[[users]]` entry as TOML.
pub fn user_entry(
    name: &str,
    role: sismatch_auth::Role,
    country: Option<&str>,
    dealer_id: Option<&str>,
    hash: &str,
) -> String {
    let mut entry = format!("[[users]]\nname = {name:?}\nrole = \"{role}\"\n");
    if let Some(country) = country {
        entry.push_str(&format!("country = {country:?}\n"));
    }
    if let Some(dealer) = dealer_id {
        entry.push_str(&format!("dealer_id = {dealer:?}\n"));
    }
    entry.push_str(&format!("password_hash = {hash:?}"));
    entry
}

/// The settings of the file, flags over file.
fn settings(file: &WebFile, police_phone: Option<String>, insecure: bool) -> Result<WebSettings> {
    let defaults = WebSettings::default();
    Ok(WebSettings {
        police_phone: police_phone
            .or_else(|| file.police_phone.clone())
            .unwrap_or_default(),
        secure_cookies: !insecure && file.secure_cookies.unwrap_or(true),
        session_idle: positive(
            "session_idle_minutes",
            file.session_idle_minutes,
            Duration::from_secs(60),
            defaults.session_idle,
        )?,
        session_lifetime: positive(
            "session_lifetime_hours",
            file.session_lifetime_hours,
            Duration::from_secs(3600),
            defaults.session_lifetime,
        )?,
        checks_per_minute_per_address: file
            .checks_per_minute_per_address
            .unwrap_or(defaults.checks_per_minute_per_address),
        sign_in_failures: match file.sign_in_failures {
            Some(0) => bail!("sign_in_failures: must be more than 0"),
            Some(n) => n,
            None => defaults.sign_in_failures,
        },
        sign_in_window: defaults.sign_in_window,
        proxy: proxy(file)?,
    })
}

/// `trusted_proxies` and `client_certificate_header`.
fn proxy(file: &WebFile) -> Result<ProxySettings> {
    let certificate_header = match &file.client_certificate_header {
        None => None,
        Some(_) if file.trusted_proxies.is_empty() => {
            bail!("client_certificate_header: needs trusted_proxies (only a proxy is believed)")
        }
        Some(name) => Some(
            HeaderName::from_bytes(name.trim().as_bytes())
                .map_err(|_| anyhow!("client_certificate_header: '{name}' is not a header name"))?,
        ),
    };
    Ok(ProxySettings {
        trusted: file.trusted_proxies.clone(),
        certificate_header,
    })
}

/// Everything `sismatch web` and `sismatch demo` need to start a web server.
pub struct WebServer {
    /// The state.
    pub app: Arc<App>,
}

impl WebServer {
    /// Builds the web server over the core at `core` with `credentials`, the accounts of
    /// `users`, and the nodes `nodes` (`CC=ADDRESS`) for `/status`. Connects lazily: the
    /// web server starts while the core is down, and its pages say so.
    pub fn new(
        settings: WebSettings,
        core: &str,
        credentials: &Credentials,
        users: &[UserEntry],
        nodes: &[String],
    ) -> Result<WebServer> {
        let accounts = Accounts::new(users).map_err(|e| anyhow!("{e}"))?;
        if accounts.is_empty() {
            warn!(
                "no [[users]] in the config file: nobody can sign in (see `sismatch web user add`)"
            );
        }
        let channel = credentials.endpoint(core, "core")?.connect_lazy();
        let authorization = credentials.authorization()?;
        let api = CoreApi::new(channel, authorization.clone());
        let mut status_nodes = Vec::with_capacity(nodes.len());
        for (i, entry) in nodes.iter().enumerate() {
            let Some((name, address)) = entry.split_once('=') else {
                bail!("nodes[{i}]: '{entry}' is not CC=ADDRESS");
            };
            status_nodes.push(StatusNode {
                name: name.trim().to_ascii_uppercase(),
                channel: credentials.endpoint(address.trim(), "node")?.connect_lazy(),
            });
        }
        Ok(WebServer {
            app: Arc::new(App::new(
                settings,
                accounts,
                api,
                status_nodes,
                authorization,
            )),
        })
    }

    /// Serves on `listener` until `shutdown` completes, then gives requests in flight up to
    /// `grace`.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
        grace: Duration,
    ) -> Result<()> {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(sismatch_web::serve(listener, self.app, async move {
            let _ = stopped.await;
        }));
        shutdown.await;
        let _ = stop.send(());
        match tokio::time::timeout(grace, server).await {
            Ok(Ok(served)) => served.context("the web server failed"),
            Ok(Err(join)) => Err(anyhow!("the web server task failed: {join}")),
            Err(_) => {
                warn!(
                    grace_ms = grace.as_millis() as u64,
                    "requests still running at the end of the grace period"
                );
                Ok(())
            }
        }
    }
}

impl ServeArgs {
    async fn run(self) -> Result<()> {
        let file = match &self.config {
            Some(path) => read_config(path)?,
            None => WebFile::default(),
        };
        let ops = self.ops.resolve(file.metrics, file.shutdown_grace_ms)?;
        let base = config_folder(self.config.as_deref());
        let Some(core) = self.core.clone().or_else(|| file.core.clone()) else {
            bail!("core: missing (give --core ADDRESS or `core` in the config file)");
        };
        let from_file = match &file.tls {
            Some(tls) => Credentials::from_parts(
                Some(base.join(&tls.ca)),
                tls.cert.as_ref().map(|p| base.join(p)),
                tls.key.as_ref().map(|p| base.join(p)),
                file.token.clone(),
            ),
            None => Credentials::from_parts(None, None, None, file.token.clone()),
        };
        let credentials = self.credentials.clone().or(from_file);
        let settings = settings(&file, self.police_phone.clone(), self.insecure_cookies)?;
        let listen = self
            .listen
            .or(file.listen)
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
        if !listen.ip().is_loopback() {
            if settings.secure_cookies {
                warn!(%listen, "cookies are Secure: browsers send them over HTTPS only; serve the page behind a TLS-terminating proxy");
            } else {
                warn!(%listen, "secure_cookies = false on a non-loopback address: session cookies travel over plain HTTP");
            }
        }
        let server = WebServer::new(settings, &core, &credentials, &file.users, &file.nodes)?;
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let bound = listener.local_addr()?;
        println!("{bound}");
        let metrics = ops.serve_metrics(Vec::new()).await?;
        info!(%bound, core = %core, users = file.users.len(), "web page serving");
        let served = server.serve(listener, shutdown_signal(), ops.grace).await;
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        served
    }
}

/// The web page of `sismatch demo`: one account per role (a dealer, police of every
/// country, an operator) with demo passwords printed on screen, plain HTTP on loopback.
pub struct DemoWeb {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The server task, ending after the demo's stop signal.
    pub server: tokio::task::JoinHandle<Result<()>>,
    sign_ins: Vec<(String, String, String)>,
}

impl DemoWeb {
    /// Prints the URL and the demo sign-ins.
    pub fn print_sign_ins(&self) {
        println!();
        println!(
            "== the web page: open http://{}/ in a browser and sign in as (demo passwords) ==",
            self.addr
        );
        for (who, name, password) in &self.sign_ins {
            println!("{who:<12} {name:<12} {password}");
        }
    }
}

/// Starts the demo's web page on `listen` (a free port when it is taken) over the demo's
/// core, with its nodes on `/status`.
pub async fn demo_web(
    listen: SocketAddr,
    core: SocketAddr,
    nodes: &[(String, SocketAddr)],
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> Result<DemoWeb> {
    let mut accounts = vec![(
        "dealer".to_string(),
        "garage".to_string(),
        sismatch_auth::Role::Dealer,
        None,
    )];
    for (country, _) in nodes {
        accounts.push((
            format!("police {country}"),
            format!("police-{}", country.to_ascii_lowercase()),
            sismatch_auth::Role::Police,
            Some(country.clone()),
        ));
    }
    accounts.push((
        "operator".to_string(),
        "operator".to_string(),
        sismatch_auth::Role::Operator,
        None,
    ));
    let mut users = Vec::with_capacity(accounts.len());
    let mut sign_ins = Vec::with_capacity(accounts.len());
    for (who, name, role, country) in accounts {
        let password = format!("demo-{name}");
        users.push(UserEntry {
            name: name.clone(),
            role: role.to_string(),
            country,
            dealer_id: (role == sismatch_auth::Role::Dealer).then(|| "DEMO-DEALER-1".to_string()),
            password_hash: hash_password(&password).map_err(|e| anyhow!("{e}"))?,
        });
        sign_ins.push((who, name, password));
    }
    let settings = WebSettings {
        police_phone: "112".to_string(),
        ..WebSettings::default()
    };
    let node_list: Vec<String> = nodes.iter().map(|(c, a)| format!("{c}={a}")).collect();
    let server = WebServer::new(
        settings,
        &core.to_string(),
        &Credentials::default(),
        &users,
        &node_list,
    )?;
    let listener = match TcpListener::bind(listen).await {
        Ok(listener) => listener,
        Err(error) if listen.port() != 0 => {
            eprintln!("web: cannot listen on {listen} ({error}); using a free port");
            TcpListener::bind(SocketAddr::new(listen.ip(), 0)).await?
        }
        Err(error) => return Err(error).with_context(|| format!("web: cannot listen on {listen}")),
    };
    let addr = listener.local_addr()?;
    let server = tokio::spawn(server.serve(listener, shutdown, grace));
    Ok(DemoWeb {
        addr,
        server,
        sign_ins,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_entry_is_a_valid_config_entry() {
        let hash = hash_password("correct horse battery").unwrap();
        let text = user_entry("jan", sismatch_auth::Role::Police, Some("NL"), None, &hash);
        let file: WebFile = toml::from_str(&text).unwrap();
        assert_eq!(file.users.len(), 1);
        assert!(
            Accounts::new(&file.users)
                .unwrap()
                .verify("jan", "correct horse battery")
                .is_some()
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused_by_name() {
        let error = toml::from_str::<WebFile>("colour = \"red\"")
            .unwrap_err()
            .to_string();
        assert!(error.contains("colour"), "{error}");
        let file: WebFile = toml::from_str("session_idle_minutes = 0").unwrap();
        let error = settings(&file, None, false).unwrap_err().to_string();
        assert!(error.starts_with("session_idle_minutes"), "{error}");
        let file: WebFile =
            toml::from_str("client_certificate_header = \"X-Client-Cert-CN\"").unwrap();
        let error = settings(&file, None, false).unwrap_err().to_string();
        assert!(error.starts_with("client_certificate_header"), "{error}");
        let file: WebFile = toml::from_str(
            "trusted_proxies = [\"10.0.0.5\"]\nclient_certificate_header = \"bad header\"",
        )
        .unwrap();
        let error = settings(&file, None, false).unwrap_err().to_string();
        assert!(error.contains("not a header name"), "{error}");
    }
}
