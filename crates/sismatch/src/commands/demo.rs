//! `sismatch demo`: the embedded default. A whole federation in one process: national nodes,
//! a matching core and a manufacturer partner (`demo_partner.rs`) on loopback, loaded with a
//! realistic generated sample and the maker's sales register, showing a few searches with
//! misread and partial numbers and one that leads through the partner from an engine serial
//! to a stolen boat, then serving until Ctrl-C.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use sismatch_alert::Alert;
use sismatch_grpc::convert::kind_out;
use sismatch_node::{ImportItem, NodeOptions};
use sismatch_proto::v1;
use sismatch_sample::{
    ExampleQuery, Generator, PartnerCase, REGISTER_MAKER, Sample, SampleConfig, example_queries,
};
use sismatch_serve::{Auth, LocalFederation, LocalNode};
use tokio::net::TcpListener;

use crate::commands::client::{Credentials, core_client};
use crate::commands::demo_partner::{self, Certificates, police_address, serve_police_core};
use crate::commands::node::node_gauges;
use crate::commands::ops::OpsArgs;
use crate::commands::search::{DEFAULT_TOP, print_core};
use crate::commands::serve::shutdown_signal;
use crate::commands::try_it::{self, TryIt};
use crate::commands::web::demo_web;

/// Alerts written to a node per batch while loading the sample.
const LOAD_BATCH: usize = 2_000;

/// Arguments of `sismatch demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the nodes' data in this folder (one sub-folder per country) instead of a temporary
    /// one that is removed at exit; a second run on the same folder starts at once.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Countries of the national nodes, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "NL,BE,FR")]
    countries: Vec<String>,
    /// Sample alerts to generate, over all countries.
    #[arg(long, default_value_t = 3_000)]
    alerts: u64,
    /// Seed of the sample: the same seed gives the same alerts.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Address of the matching core; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:7500")]
    listen: SocketAddr,
    /// Address of the web page (dealer check, police search, status); port 0 picks a free
    /// port, and so does the default when 8080 is taken.
    #[arg(long, default_value = "127.0.0.1:8080")]
    web: SocketAddr,
    /// Load and show the examples, then exit instead of serving.
    #[arg(long)]
    no_serve: bool,
    #[command(flatten)]
    ops: OpsArgs,
}

impl DemoArgs {
    /// Runs the demo.
    pub async fn run(self) -> Result<()> {
        let countries: Vec<String> = self
            .countries
            .iter()
            .map(|c| c.trim().to_ascii_uppercase())
            .collect();
        let temporary = match &self.data {
            Some(_) => None,
            None => Some(tempfile::tempdir().context("cannot create a temporary folder")?),
        };
        let root = match (&self.data, &temporary) {
            (Some(path), _) => path.clone(),
            (None, Some(dir)) => dir.path().to_path_buf(),
            (None, None) => bail!("no data folder"),
        };
        let ops = self.ops.resolve(None, None)?;
        let Some(first_country) = countries.first() else {
            bail!("--countries: give at least one country");
        };
        let certs = Certificates::write(&root, first_country)?;
        let listener = TcpListener::bind(self.listen).await.with_context(|| {
            format!(
                "cannot listen on {} (is another demo running? try --listen 127.0.0.1:0)",
                self.listen
            )
        })?;
        let (register, prefixes) = demo_partner::partner_config(&root);
        let partner_auth = demo_partner::partner_auth(&certs)?;
        let partner_server = demo_partner::partner_server();
        // Used only towards `https://` addresses: the partner's; the nodes stay plain.
        let core_tls = certs.core_client()?;
        let federation = LocalFederation::builder()
            .countries(&countries)
            .data_dir(&root)
            .node_options(NodeOptions::for_sample())
            .partner(register, prefixes)
            .auth(move |server| {
                if server == partner_server {
                    partner_auth.clone()
                } else {
                    Auth::open()
                }
            })
            .core_listener(listener)
            .core_config(move |config| config.tls = Some(core_tls))
            .grace(ops.grace)
            .start()
            .await?;
        let (Some(core), Some(partner)) = (federation.core(), federation.partner()) else {
            bail!("the demo's federation started without its core or partner");
        };
        let core_addr = core.addr;
        let (police_addr, police_server) = serve_police_core(
            Arc::clone(&core.core),
            &certs,
            core.auditor.clone(),
            federation.stopped(),
            ops.grace,
        )
        .await?;

        let node_addrs: Vec<(String, SocketAddr)> = federation
            .nodes()
            .iter()
            .map(|local| (local.country.clone(), local.addr))
            .collect();
        let web = demo_web(
            self.web,
            core_addr,
            &node_addrs,
            federation.stopped(),
            ops.grace,
        )
        .await?;

        println!("core: {core_addr}");
        for (country, addr) in &node_addrs {
            println!("node {country}: {addr}");
        }
        println!(
            "core for police (mutual TLS, as {}): {}",
            certs.police,
            police_address(police_addr)
        );
        println!(
            "partner {REGISTER_MAKER}: https://localhost:{}",
            partner.addr.port()
        );
        println!("web: http://{}/", web.addr);
        println!("data: {}", root.display());
        let metrics = ops
            .serve_metrics(
                federation
                    .nodes()
                    .iter()
                    .map(|local| node_gauges(&local.node))
                    .collect(),
            )
            .await?;

        let samples = self.load(&countries, federation.nodes()).await?;
        let case = demo_partner::load_register(&partner.partner, &samples).await?;
        let examples = example_queries(&samples);
        self.show_examples(core_addr, &examples).await?;
        if let Some(case) = &case {
            show_partner_example(police_addr, &certs, case).await?;
        }

        if !self.no_serve {
            web.print_sign_ins();
            print_try_it(&try_it::commands(
                core_addr, &countries, &examples, &samples,
            ));
            match &temporary {
                Some(_) => println!(
                    "serving until Ctrl-C: press Ctrl-C to stop the demo; its temporary data is removed"
                ),
                None => println!(
                    "serving until Ctrl-C: press Ctrl-C to stop the demo; its data stays in {}",
                    root.display()
                ),
            }
            shutdown_signal().await;
        }
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        federation.stop().await?;
        police_server.await??;
        web.server.await??;
        drop(temporary);
        Ok(())
    }

    /// Generates the sample and writes it into the nodes; returns the alerts for the examples.
    async fn load(&self, countries: &[String], nodes: &[LocalNode]) -> Result<Vec<Sample>> {
        let started = Instant::now();
        let config = SampleConfig {
            countries: countries.to_vec(),
            alerts: self.alerts,
            seed: self.seed,
            ..SampleConfig::default()
        };
        let samples: Vec<Sample> = Generator::new(&config)?.collect();
        let mut by_country: BTreeMap<&str, Vec<Alert>> = BTreeMap::new();
        for sample in &samples {
            by_country
                .entry(sample.alert.country.as_str())
                .or_default()
                .push(sample.alert.clone());
        }
        let mut stored = 0;
        for local in nodes {
            let country = &local.country;
            let alerts = by_country.remove(country.as_str()).unwrap_or_default();
            let mut line = 0_u64;
            for chunk in alerts.chunks(LOAD_BATCH) {
                let items = chunk
                    .iter()
                    .map(|alert| {
                        line += 1;
                        ImportItem {
                            line,
                            alert: Ok(alert.clone()),
                        }
                    })
                    .collect();
                let outcome = local.node.import_batch(items, "import:demo sample").await?;
                if let Some(problem) = outcome.errors.first() {
                    bail!(
                        "sample alert {} of {country} refused: {}",
                        problem.line,
                        problem.error
                    );
                }
                stored += outcome.created + outcome.updated + outcome.unchanged;
            }
            if !local.node.wait_indexed(Duration::from_secs(120)).await {
                bail!("the index of {country} did not catch up within two minutes");
            }
        }
        println!(
            "loaded {stored} sample alerts in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        Ok(samples)
    }

    /// Runs each example through the core, as a police system would, and prints the answer.
    async fn show_examples(&self, core: SocketAddr, examples: &[ExampleQuery]) -> Result<()> {
        let mut client = core_client(&core.to_string(), &Credentials::default()).await?;
        let program = try_it::program();
        for example in examples {
            println!();
            println!("== {} ==", example.title);
            println!(
                "$ {}",
                try_it::shell_line(&program, &try_it::search_args(core, example))
            );
            let request = v1::MatchingCoreSearchRequest {
                queries: example
                    .values
                    .iter()
                    .map(|(kind, value)| v1::IdentifierQuery {
                        value: value.clone(),
                        kind: kind.map_or(0, kind_out),
                        manufacturer: String::new(),
                    })
                    .collect(),
                top_k: DEFAULT_TOP,
                ..v1::MatchingCoreSearchRequest::default()
            };
            let answer = client
                .search(request)
                .await
                .map_err(|status| anyhow::anyhow!("{}", status.message()))?
                .into_inner();
            print_core(&answer);
            say_first(&answer, &example.expected_alert_ids);
        }
        Ok(())
    }
}

/// Says whether the answer's first match is one of the alerts expected.
fn say_first(answer: &v1::MatchingCoreSearchResponse, expected: &[String]) {
    let first = answer
        .matches
        .first()
        .and_then(|m| m.alert.as_ref())
        .map(|a| a.id.clone());
    match first {
        Some(id) if expected.contains(&id) => println!("expected alert found first: {id}"),
        _ => println!("expected {} first; see above", expected.join(" or ")),
    }
}

/// Runs the partner case through the core's police listener, as the demo's officer, and
/// prints the answer under the command that gives it.
async fn show_partner_example(
    addr: SocketAddr,
    certs: &Certificates,
    case: &PartnerCase,
) -> Result<()> {
    println!();
    println!("== {} ==", case.title);
    let args = demo_partner::search_args(addr, certs, case);
    println!("$ {}", try_it::shell_line(&try_it::program(), &args));
    let credentials = certs.police_credentials();
    let mut client = core_client(&police_address(addr), &credentials).await?;
    let answer = client
        .search(credentials.request(demo_partner::request(case))?)
        .await
        .map_err(|status| anyhow::anyhow!("{}", status.message()))?
        .into_inner();
    print_core(&answer);
    say_first(&answer, &case.expected_alert_ids);
    Ok(())
}

/// The "try it yourself" block: each command under a line saying what it shows; nothing when
/// the sample is too small for the examples.
fn print_try_it(tries: &[TryIt]) {
    if tries.is_empty() {
        return;
    }
    println!();
    println!("== try it yourself: paste these in another terminal while the demo runs ==");
    let program = try_it::program();
    for TryIt { what, args } in tries {
        println!("{what}");
        println!("  {}", try_it::shell_line(&program, args));
    }
}
