//! `sismatch bench`: the operator benchmark suite (generate, quality, load, oracle, all).
//! Arguments only: the work is done by `sismatch-bench`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use sismatch_bench::federation::Federation;
use sismatch_bench::generate::{GenerateConfig, MANIFEST_FILE, Manifest, QUERIES_FILE, generate};
use sismatch_bench::load::{LoadConfig, LoadReport, Mode};
use sismatch_bench::oracle::{self, OracleConfig, corpus_countries};
use sismatch_bench::quality::{QualityConfig, QualityReport};
use sismatch_bench::query::{QueryRecord, read_queries};
use sismatch_bench::report::{Report, resident_bytes};
use sismatch_bench::target::{Search, Target};
use sismatch_bench::{Progress, load, quality};

use crate::commands::client::Credentials;

/// The benchmark suite's subcommands.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Generate a corpus: alerts per country, a sales register, queries with ground truth.
    Generate(GenerateArgs),
    /// Measure recall, MRR and false hits of a core or a node with a query set.
    Quality(QualityArgs),
    /// Load a core or a node: throughput, latency percentiles, errors, per-node timing.
    Load(LoadArgs),
    /// Check a core or a node against a brute-force oracle: every alert of the oracle's first
    /// ten that the engine did not return, by corruption type.
    Oracle(OracleArgs),
    /// Generate, run a federation on this machine, import, measure quality and load, report.
    All(AllArgs),
}

/// What corpus to generate.
#[derive(Debug, Args)]
pub struct CorpusArgs {
    /// Alerts over all countries.
    #[arg(long, default_value_t = 100_000)]
    alerts: u64,
    /// Reporting countries (one node each), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "NL,BE,FR")]
    countries: Vec<String>,
    /// Seed: the same seed gives the same corpus on every machine.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Per mille of objects reported in two countries.
    #[arg(long, default_value_t = 20)]
    shared_per_mille: u32,
    /// Queries per corruption type (and of several identifiers).
    #[arg(long, default_value_t = 250)]
    queries_per_type: usize,
    /// Negative queries: numbers of objects never stolen.
    #[arg(long, default_value_t = 1_000)]
    negatives: usize,
}

impl CorpusArgs {
    fn config(&self) -> GenerateConfig {
        GenerateConfig {
            countries: self
                .countries
                .iter()
                .map(|c| c.trim().to_ascii_uppercase())
                .collect(),
            alerts: self.alerts,
            seed: self.seed,
            shared_per_mille: self.shared_per_mille,
            queries_per_type: self.queries_per_type,
            negatives: self.negatives,
        }
    }
}

/// Arguments of `sismatch bench generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    corpus: CorpusArgs,
    /// Folder to write the corpus to.
    #[arg(long)]
    out: PathBuf,
}

/// The core or the node to measure.
#[derive(Debug, Args)]
pub struct TargetArgs {
    #[command(flatten)]
    address: TargetAddress,
    /// How the benchmark client proves who it is (a federation with `[auth]`).
    #[command(flatten)]
    credentials: Credentials,
}

/// Which server to measure: one of the two.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
struct TargetAddress {
    /// Address of a matching core (federated search).
    #[arg(long)]
    core: Option<String>,
    /// Address of a national node.
    #[arg(long)]
    node: Option<String>,
}

impl TargetArgs {
    async fn connect(&self) -> Result<Target> {
        let target = match (&self.address.core, &self.address.node) {
            (Some(core), _) => Target::core_over(self.credentials.channel(core, "core").await?),
            (None, Some(node)) => Target::node_over(self.credentials.channel(node, "node").await?),
            (None, None) => anyhow::bail!("--core or --node is required"),
        };
        Ok(target.with_authorization(self.credentials.authorization()?))
    }
}

/// How to load a target.
#[derive(Debug, Args)]
pub struct LoadFlags {
    /// Clients (closed loop), or searches in flight at most (with --rate).
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Seconds measured.
    #[arg(long, default_value_t = 20.0)]
    duration: f64,
    /// Seconds searched before measuring, not counted.
    #[arg(long, default_value_t = 5.0)]
    warm_up: f64,
    /// Searches per second (open loop); without it, a closed loop.
    #[arg(long)]
    rate: Option<f64>,
}

impl LoadFlags {
    fn config(&self) -> Result<LoadConfig> {
        let seconds = |name: &str, value: f64| {
            anyhow::ensure!(
                value.is_finite() && value >= 0.0,
                "--{name}: must be a number of seconds"
            );
            Ok(Duration::from_secs_f64(value))
        };
        Ok(LoadConfig {
            mode: self.rate.map_or(Mode::Closed, |rate| Mode::Open { rate }),
            concurrency: self.concurrency.max(1),
            duration: seconds("duration", self.duration)?,
            warm_up: seconds("warm-up", self.warm_up)?,
            timeout: Duration::from_secs(10),
        })
    }
}

/// Arguments of `sismatch bench quality`.
#[derive(Debug, Args)]
pub struct QualityArgs {
    #[command(flatten)]
    target: TargetArgs,
    /// The query set (`queries.ndjson` of a generated corpus).
    #[arg(long)]
    queries: PathBuf,
    /// Searches in flight at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Folder of the report.
    #[arg(long, default_value = "bench-report")]
    out: PathBuf,
}

/// Arguments of `sismatch bench load`.
#[derive(Debug, Args)]
pub struct LoadArgs {
    #[command(flatten)]
    target: TargetArgs,
    /// The query set whose values are sent, cycled.
    #[arg(long)]
    queries: PathBuf,
    #[command(flatten)]
    load: LoadFlags,
    /// Folder of the report.
    #[arg(long, default_value = "bench-report")]
    out: PathBuf,
}

/// Arguments of `sismatch bench oracle`.
#[derive(Debug, Args)]
pub struct OracleArgs {
    #[command(flatten)]
    target: TargetArgs,
    /// The corpus folder (`sismatch bench generate --out`) whose alerts the target holds.
    #[arg(long)]
    corpus: PathBuf,
    /// With --node: the node's country, instead of asking the node's status.
    #[arg(long)]
    country: Option<String>,
    /// Queries per corruption type, the first ones of `queries.ndjson`.
    #[arg(long, default_value_t = 40)]
    per_type: usize,
    /// Negative queries, the first ones of `queries.ndjson`.
    #[arg(long, default_value_t = 100)]
    negatives: usize,
    /// Threads the oracle scores on (default: the cores available).
    #[arg(long)]
    threads: Option<usize>,
    /// Folder of the report (`oracle.json`, `oracle.md`).
    #[arg(long, default_value = "bench-report")]
    out: PathBuf,
}

impl OracleArgs {
    async fn run(self) -> Result<()> {
        anyhow::ensure!(
            self.country.is_none() || self.target.address.node.is_some(),
            "--country goes with --node: a core searches every country"
        );
        let mut target = self.target.connect().await?;
        let countries = match (target.name(), &self.country) {
            ("node", Some(country)) => vec![country.trim().to_ascii_uppercase()],
            ("node", None) => {
                let country = target
                    .node_country()
                    .await
                    .context("cannot read the node's status for its country (or give --country)")?;
                vec![country.unwrap_or_default()]
            }
            _ => corpus_countries(&self.corpus)?,
        };
        let threads = self
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
            .max(1);
        let config = OracleConfig {
            corpus: self.corpus.clone(),
            countries,
            per_type: self.per_type,
            negatives: self.negatives,
            threads,
        };
        eprintln!(
            "oracle ({}): alerts of {} from {}, {} threads",
            target.name(),
            config.countries.join(", "),
            self.corpus.display(),
            threads
        );
        let report = oracle::run(&target, &config, true).await?;
        print!("{}", oracle::text_table(&report));
        for file in oracle::write(&report, &self.out)? {
            println!("{}", file.display());
        }
        if !report.unmatched.is_empty() || !report.errors.is_empty() {
            println!(
                "engine answers the oracle does not rank: {}; queries not checked: {} (see oracle.md)",
                report.unmatched.len(),
                report.errors.len()
            );
        }
        println!("{}", oracle::headline(&report));
        Ok(())
    }
}

/// Arguments of `sismatch bench all`.
#[derive(Debug, Args)]
pub struct AllArgs {
    #[command(flatten)]
    corpus: CorpusArgs,
    #[command(flatten)]
    load: LoadFlags,
    /// What to load after the quality run: `core` (federated), `node` (the first country's
    /// node alone), or both.
    #[arg(long = "load", value_delimiter = ',', default_value = "core,node")]
    targets: Vec<String>,
    /// Folder of the report (the corpus goes into its `corpus/`).
    #[arg(long, default_value = "bench-report")]
    out: PathBuf,
    /// Keep the nodes' data in this folder instead of a temporary one.
    #[arg(long)]
    data: Option<PathBuf>,
}

impl BenchCommand {
    /// Runs the subcommand.
    pub async fn run(self) -> Result<()> {
        match self {
            BenchCommand::Generate(args) => {
                let manifest = run_generate(&args.corpus, &args.out).await?;
                println!("{}", serde_json::to_string_pretty(&manifest)?);
            }
            BenchCommand::Quality(args) => {
                let target = args.target.connect().await?;
                let mut report = Report::new("quality");
                report.corpus = manifest_beside(&args.queries);
                let queries = read_queries(&args.queries)?;
                let config = QualityConfig {
                    concurrency: args.concurrency,
                    ..QualityConfig::default()
                };
                report.quality = Some(run_quality(&target, &queries, &config).await?);
                finish(report, &args.out)?;
            }
            BenchCommand::Load(args) => {
                let target = args.target.connect().await?;
                let mut report = Report::new("load");
                report.corpus = manifest_beside(&args.queries);
                let queries = read_queries(&args.queries)?;
                report
                    .load
                    .push(run_load(&target, &queries, &args.load.config()?).await?);
                finish(report, &args.out)?;
            }
            BenchCommand::Oracle(args) => args.run().await?,
            BenchCommand::All(args) => args.run().await?,
        }
        Ok(())
    }
}

impl AllArgs {
    async fn run(self) -> Result<()> {
        for target in &self.targets {
            anyhow::ensure!(
                target == "core" || target == "node",
                "--load: '{target}' is neither core nor node"
            );
        }
        let load_config = self.load.config()?;
        let corpus = self.out.join("corpus");
        let manifest = run_generate(&self.corpus, &corpus).await?;
        let temporary = tempfile::tempdir().context("cannot create a temporary folder")?;
        let root = self
            .data
            .clone()
            .unwrap_or_else(|| temporary.path().to_path_buf());
        let federation = Federation::start(&manifest.countries, &root).await?;
        let mut report = Report::new("all");
        report.import = federation.import(&corpus, true).await?;
        for node in &report.import {
            eprintln!(
                "imported {} alerts into {} at {:.0}/s; indexed after {:.1} s more, compacted after {:.1} s more ({} segments)",
                node.alerts,
                node.node,
                node.alerts_per_s,
                node.index_wait_s,
                node.compaction_wait_s,
                node.segments
            );
        }
        report.resident_bytes = resident_bytes();
        report.corpus = Some(manifest);
        let queries = read_queries(&corpus.join(QUERIES_FILE))?;
        let core = Target::core(&federation.core_address()).await?;
        report.quality = Some(run_quality(&core, &queries, &QualityConfig::default()).await?);
        for name in &self.targets {
            let target = match (name.as_str(), federation.first_node()) {
                ("node", Some((_, address))) => Target::node(&address).await?,
                _ => core.clone(),
            };
            report
                .load
                .push(run_load(&target, &queries, &load_config).await?);
        }
        federation.shutdown().await?;
        drop(temporary);
        finish(report, &self.out)
    }
}

async fn run_generate(args: &CorpusArgs, out: &Path) -> Result<Manifest> {
    let config = args.config();
    let out = out.to_path_buf();
    let manifest = tokio::task::spawn_blocking(move || generate(&config, &out, true)).await??;
    eprintln!(
        "generated {} alerts, {} sales, {} queries in {:.1} s",
        manifest.alerts,
        manifest.register_sales,
        manifest.queries.values().sum::<u64>(),
        manifest.seconds
    );
    Ok(manifest)
}

async fn run_quality(
    target: &Target,
    queries: &[QueryRecord],
    config: &QualityConfig,
) -> Result<QualityReport> {
    let progress = Arc::new(Progress::new("quality", queries.len() as u64));
    let report = quality::run(target, queries, config, progress).await?;
    let r = &report.overall;
    eprintln!(
        "quality ({}): recall@1 {:.4}, recall@10 {:.4}, MRR {:.4} over {} queries; false hits {:.2} % of negatives",
        report.target,
        r.recall_at_1,
        r.recall_at_10,
        r.mrr,
        r.queries,
        report.negatives.false_hit_rate * 100.0
    );
    Ok(report)
}

async fn run_load(
    target: &Target,
    queries: &[QueryRecord],
    config: &LoadConfig,
) -> Result<LoadReport> {
    let values: Vec<Search> = queries
        .iter()
        .map(|q| q.search().map_err(anyhow::Error::msg))
        .collect::<Result<_>>()?;
    eprintln!(
        "load ({}): {:.0} s warm-up, then {:.0} s measured",
        target.name(),
        config.warm_up.as_secs_f64(),
        config.duration.as_secs_f64()
    );
    let report = load::run(target, values, config).await?;
    let p = &report.latency;
    eprintln!(
        "load ({}): {:.0} searches/s; p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms; {} errors",
        report.target,
        report.throughput,
        p.p50_ms,
        p.p90_ms,
        p.p99_ms,
        p.p999_ms,
        report.errors.values().sum::<u64>()
    );
    Ok(report)
}

/// The manifest of the corpus a query set belongs to, when it lies beside it.
fn manifest_beside(queries: &Path) -> Option<Manifest> {
    let path = queries.parent()?.join(MANIFEST_FILE);
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

fn finish(report: Report, out: &Path) -> Result<()> {
    let files = report.write(out)?;
    for file in files {
        println!("{}", file.display());
    }
    Ok(())
}
