//! `sismatch`: the one binary of the federation. National nodes, the matching core, partner
//! nodes and the operator tools are its subcommands.
//!
//! Layer: the outermost. This crate parses the command line, sets up logging and hands over to
//! the library crates; it holds no matching logic of its own.

mod commands;

/// mimalloc rather than the system allocator: every search allocates and frees short-lived
/// vectors on the request threads, and glibc's arena locks and free-chunk consolidation took
/// a tenth of the node's time under load (`BENCHMARKS.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sismatch_telemetry::{LogFormat, Otlp, init_logging};

/// The federated stolen-object matching engine.
#[derive(Debug, Parser)]
#[command(name = "sismatch", version, about, propagate_version = true)]
struct Cli {
    /// How log lines on standard error look: `compact` (one line per event), `pretty` (with
    /// the spans an event is in) or `json` (one object per line, for log pipelines).
    /// `RUST_LOG` chooses what is logged.
    #[arg(
        long,
        global = true,
        env = "SISMATCH_LOG_FORMAT",
        default_value = "compact"
    )]
    log_format: LogFormat,
    /// Export the servers' spans to this OpenTelemetry collector over OTLP/gRPC
    /// (`http://localhost:4317`), and carry the trace context from the core to the nodes, so
    /// one federated query is one trace. Off by default. `OTEL_SERVICE_NAME` overrides the
    /// service name (`sismatch-node`, `sismatch-core`, ...).
    #[arg(
        long,
        global = true,
        env = "OTEL_EXPORTER_OTLP_ENDPOINT",
        value_name = "URL"
    )]
    otlp_endpoint: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse, normalise and compare identifiers (hull numbers, VINs, container codes, serials).
    #[command(subcommand)]
    Ident(commands::ident::IdentCommand),
    /// Run a national node: durable alert store, identifier index, gRPC service.
    Node(commands::node::NodeArgs),
    /// Import alerts from an NDJSON or CSV file into a node.
    Import(commands::import::ImportArgs),
    /// Search a node, or the whole federation through the core, for identifiers as read on an
    /// object.
    Search(commands::search::SearchArgs),
    /// Dealer check through the core: hit / no hit and a reference, nothing else.
    Check(commands::check::CheckArgs),
    /// Make a local certificate authority and certificates for a demo federation (mTLS).
    Certs(commands::certs::CertsArgs),
    /// Run the matching core: federated search over the national nodes.
    Core(commands::core::CoreArgs),
    /// Run a whole federation on this machine with sample data: the embedded default.
    Demo(commands::demo::DemoArgs),
    /// Report, through the core, that the object of an alert was found.
    ReportHit(commands::report_hit::ReportHitArgs),
    /// The issuing node's hit reports: list them, accept or decline a foreign officer's
    /// pending report (Prüm's second step).
    #[command(subcommand)]
    Hits(commands::hits::HitsCommand),
    /// Review alerts before they expire: list those due at a node, extend one with a reason.
    #[command(subcommand)]
    Alerts(commands::alerts::AlertsCommand),
    /// Verify or export a server's audit log (read-only; also while the server runs).
    #[command(subcommand)]
    Audit(commands::audit::AuditCommand),
    /// Run a manufacturer partner node (gated look-ups in a maker's sales register), or import
    /// its register with `sismatch partner import`.
    Partner(commands::partner::PartnerArgs),
    /// Run the web page for dealers, police and operators (HTTP, over the core), or add a
    /// sign-in account with `sismatch web user add`.
    Web(commands::web::WebArgs),
    /// The operator benchmark suite: generate a corpus, measure quality and load, report.
    #[command(subcommand)]
    Bench(commands::bench::BenchCommand),
}

/// Runs an async command on a multi-threaded runtime.
fn block_on(command: impl Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    runtime()?.block_on(command)
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

/// How a server logs and traces.
struct Logs {
    format: LogFormat,
    otlp_endpoint: Option<String>,
}

impl Logs {
    /// Runs a server command with its logs at `level` and, with an OTLP endpoint, its spans
    /// exported as `service`; the exporter is set up inside the runtime (it needs one) and
    /// flushed once the command has ended.
    fn serve(
        &self,
        level: &str,
        service: &str,
        command: impl Future<Output = anyhow::Result<()>>,
    ) -> anyhow::Result<()> {
        let runtime = runtime()?;
        let otlp = self.otlp_endpoint.as_ref().map(|endpoint| Otlp {
            endpoint: endpoint.clone(),
            service: service.to_owned(),
        });
        let telemetry = {
            let _entered = runtime.enter();
            init_logging(self.format, level, otlp.as_ref())?
        };
        let result = runtime.block_on(command);
        {
            let _entered = runtime.enter();
            telemetry.shutdown();
        }
        result
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let logs = Logs {
        format: cli.log_format,
        otlp_endpoint: cli.otlp_endpoint,
    };
    let result = match cli.command {
        Command::Ident(command) => command.run(&mut std::io::stdout().lock()),
        Command::Node(args) => logs.serve("info", "sismatch-node", args.run()),
        Command::Import(args) => block_on(args.run()),
        Command::Search(args) => block_on(args.run()),
        Command::Core(args) => logs.serve("info", "sismatch-core", args.run()),
        Command::ReportHit(args) => block_on(args.run()),
        Command::Hits(command) => block_on(command.run()),
        Command::Alerts(command) => block_on(command.run()),
        Command::Certs(args) => args.run(),
        Command::Check(args) => block_on(args.run()),
        Command::Audit(command) => command.run(&mut std::io::stdout().lock()),
        Command::Partner(args) => {
            let level = args.log_level();
            logs.serve(level, "sismatch-partner", args.run())
        }
        Command::Demo(args) => logs.serve("warn", "sismatch-demo", args.run()),
        Command::Web(args) => logs.serve("info", "sismatch-web", args.run()),
        Command::Bench(command) => logs.serve("warn", "sismatch-bench", command.run()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
