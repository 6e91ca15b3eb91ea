//! `sismatch-chaos`: the fault run of issue 16 (`make chaos`).
//!
//! Three national nodes and two core replicas run as real `sismatch` processes on loopback,
//! with real RocksDB and tantivy, under a mixed load (puts, imports, status changes, hit
//! reports, searches through both cores), while a seeded scheduler kills, hangs, slows, cuts
//! off and fills the disk of nodes. Afterwards it checks DESIGN §5 from the outside: every
//! acknowledged write is there, no search answered after its deadline, every answer during a
//! fault named the failing node with the right status, a full disk refused writes clearly and
//! the node recovered without a restart, and no server panicked. It exits non-zero when any
//! check fails, and keeps the servers' logs then.
//!
//! A binary of its own rather than an integration test: it mounts a filesystem (root), runs
//! for minutes, and prints a report; `make test` stays what it was, and CI runs a short one.

mod checks;
mod cluster;
mod disk;
mod faults;
mod journal;
mod load;
mod proxy;
mod report;
mod rng;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use sismatch_proto::v1;
use sismatch_proto::v1::matching_core_client::MatchingCoreClient;

use crate::checks::Verdict;
use crate::cluster::{Server, free_port};
use crate::disk::SmallDisk;
use crate::faults::{Federation, Kind, say};
use crate::journal::Journal;
use crate::load::Settings;
use crate::proxy::Proxy;

/// The countries of the three nodes; the second is behind the proxy, the third on the small
/// filesystem.
const COUNTRIES: [&str; 3] = ["NL", "BE", "FR"];

/// Run three nodes and two cores under load while faults happen, then check DESIGN §5.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// How long the load and the faults run, in seconds.
    #[arg(long, env = "CHAOS_SECONDS", default_value_t = 300)]
    seconds: u64,
    /// Seed of the fault schedule and the load: the same seed does the same faults, on the same
    /// nodes, for the same times, in the same order. Default: from the clock (printed).
    #[arg(long, env = "CHAOS_SEED")]
    seed: Option<u64>,
    /// The `sismatch` binary to run. Default: the one next to this program.
    #[arg(long, env = "SISMATCH_BIN")]
    sismatch: Option<PathBuf>,
    /// The deadline every search names, in milliseconds.
    #[arg(long, default_value_t = 300)]
    deadline_ms: u32,
    /// How late after its deadline an answer may reach the client (the core's merge, the way
    /// back, a scheduler on two busy cores), in milliseconds. CI, on a machine it may share,
    /// holds a wider margin: there a late answer is a hang, not a slow scheduler.
    #[arg(long, env = "CHAOS_MARGIN_MS", default_value_t = 150)]
    margin_ms: u64,
    /// Folder of the servers' data and logs. Default: a temporary folder, removed after a
    /// passing run and kept after a failing one.
    #[arg(long)]
    work: Option<PathBuf>,
    /// Size of the small filesystem under the third node, in MiB.
    #[arg(long, default_value_t = 256)]
    disk_mib: u32,
}

fn main() -> ExitCode {
    let args = Args::parse();
    // More workers than cores: a worker busy encoding a big import or filling the ballast must
    // not hold up the answer of a search, whose time the client measures.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("sismatch-chaos: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("sismatch-chaos: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The `sismatch` binary: as given, else beside this program.
fn sismatch_binary(given: Option<PathBuf>) -> Result<PathBuf> {
    let path = match given {
        Some(path) => path,
        None => std::env::current_exe()
            .context("locating this program")?
            .with_file_name("sismatch"),
    };
    if !path.is_file() {
        anyhow::bail!(
            "no sismatch binary at {} (build it with `cargo build -p sismatch`, or pass --sismatch)",
            path.display()
        );
    }
    Ok(path)
}

async fn run(args: Args) -> Result<bool> {
    let view = args_view(&args);
    let bin = sismatch_binary(args.sismatch)?;
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(16, |since| since.as_secs())
    });
    let (temporary, work) = match args.work {
        Some(work) => {
            std::fs::create_dir_all(&work)?;
            (None, work)
        }
        None => {
            let folder = tempfile::Builder::new()
                .prefix("sismatch-chaos-")
                .tempdir()?;
            let path = folder.path().to_path_buf();
            (Some(folder), path)
        }
    };
    println!(
        "sismatch-chaos: seed {seed}, {} s, deadline {} ms + {} ms margin, in {}",
        args.seconds,
        args.deadline_ms,
        args.margin_ms,
        work.display()
    );
    let outcome = async {
        let mut federation = start(&bin, &work, args.disk_mib).await?;
        // Ctrl-C ends the run early but still stops the servers and unmounts the small disk.
        let outcome = tokio::select! {
            outcome = exercise(&view, seed, &work, &mut federation) => outcome,
            _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
        };
        // Servers first, then the filesystem under one of them.
        for server in federation
            .nodes
            .iter_mut()
            .chain(federation.cores.iter_mut())
        {
            server.shutdown();
        }
        drop(federation);
        outcome
    }
    .await;
    if !matches!(outcome, Ok(true)) {
        // The last lines are what a CI log keeps: say how to replay this run.
        println!(
            "replay this schedule: CHAOS_SEED={seed} make chaos CHAOS_SECONDS={}",
            args.seconds
        );
    }
    match temporary {
        Some(folder) if matches!(outcome, Ok(true)) => drop(folder),
        Some(folder) => {
            let kept = folder.keep();
            println!("logs and data kept in {}", kept.display());
        }
        None => {}
    }
    outcome
}

/// The settings of a run that outlive the argument parsing.
struct Run {
    seconds: u64,
    deadline: Duration,
    margin: Duration,
}

fn args_view(args: &Args) -> Run {
    Run {
        seconds: args.seconds,
        deadline: Duration::from_millis(u64::from(args.deadline_ms)),
        margin: Duration::from_millis(args.margin_ms),
    }
}

/// Starts the nodes, the proxy and the cores.
async fn start(bin: &Path, work: &Path, disk_mib: u32) -> Result<Federation> {
    let small = work.join("small-disk");
    let disk = match SmallDisk::mount(&small, disk_mib) {
        Ok(disk) => Some(disk),
        Err(error) => {
            println!("skipping the full-disk fault: {error:#}");
            None
        }
    };
    let mut nodes = Vec::new();
    for (index, country) in COUNTRIES.iter().enumerate() {
        let data = match (&disk, index) {
            (Some(disk), 2) => disk.root.join("data"),
            _ => work.join(country.to_lowercase()),
        };
        let args = vec![
            "node".to_string(),
            "--country".to_string(),
            (*country).to_string(),
            "--data".to_string(),
            data.display().to_string(),
        ];
        let log = work.join(format!("{}.log", country.to_lowercase()));
        let mut server = Server::new(country, bin, args, free_port()?, log);
        tokio::task::block_in_place(|| server.start())?;
        nodes.push(server);
    }
    let proxied = 1;
    let proxy = Proxy::start(free_port()?, nodes[proxied].addr).await?;
    let mut cores = Vec::new();
    for replica in 1..=2 {
        let mut args = vec![
            "core".to_string(),
            "--deadline-ms".to_string(),
            "500".to_string(),
        ];
        for (index, node) in nodes.iter().enumerate() {
            let addr = if index == proxied {
                proxy.addr
            } else {
                node.addr
            };
            args.push("--node".to_string());
            args.push(format!("{}={addr}", node.name));
        }
        let log = work.join(format!("core-{replica}.log"));
        let mut server = Server::new(&format!("core-{replica}"), bin, args, free_port()?, log);
        tokio::task::block_in_place(|| server.start())?;
        cores.push(server);
    }
    Ok(Federation {
        nodes,
        cores,
        proxy,
        proxied,
        disk: disk.map(|disk| (2, disk)),
    })
}

/// Waits until every core sees every node answer.
async fn wait_ready(federation: &Federation) -> Result<()> {
    for core in &federation.cores {
        let mut client = MatchingCoreClient::new(load::channel(core.addr)?);
        let mut ready = false;
        for _ in 0..100 {
            let request = v1::MatchingCoreSearchRequest {
                queries: vec![v1::IdentifierQuery {
                    value: "READY12345".to_string(),
                    ..Default::default()
                }],
                ..Default::default()
            };
            if let Ok(answer) = client.search(request).await
                && !answer.into_inner().partial
            {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        if !ready {
            anyhow::bail!("{} does not see every node answer", core.name);
        }
    }
    Ok(())
}

/// Keeps the highest one-minute load average of the machine seen (times 100) in `peak`: the
/// servers, the load and anything else running share the cores, and a busy machine explains
/// slow answers.
async fn sample_load(peak: Arc<AtomicU64>) {
    loop {
        if let Ok(text) = std::fs::read_to_string("/proc/loadavg")
            && let Some(Ok(load)) = text.split_whitespace().next().map(str::parse::<f64>)
        {
            peak.fetch_max((load * 100.0) as u64, Ordering::Relaxed);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// The load, the faults and the checks.
async fn exercise(run: &Run, seed: u64, work: &Path, federation: &mut Federation) -> Result<bool> {
    wait_ready(federation).await?;
    let journal = Arc::new(Journal::new());
    let settings = Arc::new(Settings {
        nodes: federation
            .nodes
            .iter()
            .map(|node| (node.name.clone(), node.addr))
            .collect(),
        cores: federation.cores.iter().map(|core| core.addr).collect(),
        seed,
        deadline_ms: u32::try_from(run.deadline.as_millis()).unwrap_or(u32::MAX),
        stop: AtomicBool::new(false),
        journal: Arc::clone(&journal),
    });
    let load_peak = Arc::new(AtomicU64::new(0));
    let sampler = tokio::spawn(sample_load(Arc::clone(&load_peak)));
    say(journal.now(), "load started");
    let mut tasks = load::start(&settings)?;
    let until = Duration::from_secs(run.seconds);
    let episodes = faults::run(federation, &settings, seed, until).await;
    // Whatever happened, heal before stopping: the checks read every node.
    federation.proxy.set(proxy::Mode::Pass);
    if let Some((_, disk)) = &federation.disk {
        disk.free()?;
    }
    let episodes = episodes?;
    let remaining = until.saturating_sub(journal.now());
    tokio::time::sleep(remaining).await;
    settings.stop.store(true, Ordering::Relaxed);
    while tasks.join_next().await.is_some() {}
    let run_time = journal.now();
    sampler.abort();
    say(run_time, "load stopped; checking");
    let dead = checks::dead(federation);
    for node in &mut federation.nodes {
        if !node.running() {
            node.kill();
            tokio::task::block_in_place(|| node.start())?;
        }
    }
    let names: Vec<String> = COUNTRIES.iter().map(ToString::to_string).collect();
    let searches = journal.searches();
    let writes = journal.writes();
    let figures = checks::searches(&searches, &episodes, &names, run.deadline, run.margin);
    let addrs: Vec<_> = federation.nodes.iter().map(|node| node.addr).collect();
    let ledger = checks::ledger(&journal, &addrs).await?;
    let panics = checks::panics(federation);
    let mut verdicts = vec![
        Verdict {
            check: "every acknowledged write is present",
            passed: ledger.lost.is_empty(),
            figures: format!(
                "{} alerts acknowledged ({} acknowledged writes), {} lost",
                ledger.alerts,
                writes.iter().filter(|w| w.outcome.is_ok()).count(),
                ledger.lost.len()
            ),
        },
        Verdict {
            check: "no answer later than its deadline",
            passed: figures.late == 0 && figures.errors.is_empty(),
            figures: format!(
                "{} answers, deadline {} ms: p99 {:.0} ms, slowest {:.0} ms, {} past {} ms; {} searches failed; in the cores (their `elapsed`): slowest {:.0} ms, {} past {} ms; machine load average up to {:.1}",
                figures.answered,
                run.deadline.as_millis(),
                figures.p99.as_secs_f64() * 1000.0,
                figures.slowest.as_secs_f64() * 1000.0,
                figures.late,
                (run.deadline + run.margin).as_millis(),
                figures.errors.len(),
                figures.slowest_in_core.as_secs_f64() * 1000.0,
                figures.late_in_core,
                (run.deadline + run.margin).as_millis(),
                load_peak.load(Ordering::Relaxed) as f64 / 100.0
            ),
        },
        Verdict {
            check: "every answer during a fault names the failing node rightly",
            passed: figures.wrong.is_empty()
                && figures.unexplained.is_empty()
                && figures.malformed.is_empty()
                && figures.during_fault > 0,
            figures: format!(
                "{} of {} node statuses given inside a fault right; {} unreachable or failing outside any fault; {} answers without a status per node; {} TIMEOUT of a node without a fault (machine load average up to {:.1} on {} cores)",
                figures.right_status,
                figures.during_fault,
                figures.unexplained.len(),
                figures.malformed.len(),
                figures.stray_timeouts.len(),
                load_peak.load(Ordering::Relaxed) as f64 / 100.0,
                std::thread::available_parallelism().map_or(0, usize::from)
            ),
        },
    ];
    verdicts.push(checks::disk(federation, &episodes, &writes));
    verdicts.push(Verdict {
        check: "no panic in any log, no server died by itself",
        passed: panics.is_empty() && dead.is_empty(),
        figures: format!(
            "{} panic lines in {} logs; died by themselves: {}",
            panics.len(),
            federation.nodes.len() + federation.cores.len(),
            if dead.is_empty() {
                "none".to_string()
            } else {
                dead.join(", ")
            }
        ),
    });
    let kinds_run = [Kind::Kill, Kind::Hang, Kind::Slow, Kind::Lag, Kind::Drop]
        .iter()
        .filter(|kind| episodes.iter().any(|e| e.kind == **kind))
        .count();
    verdicts.push(Verdict {
        check: "every kind of fault happened",
        passed: kinds_run == 5,
        figures: format!(
            "{} faults; {kinds_run} of the 5 process and network kinds",
            episodes.len()
        ),
    });
    report::dump(work, &names, &episodes, &searches, &writes)?;
    report::faults(&episodes, &searches, &writes, &figures, run_time);
    let passed = report::verdicts(&verdicts);
    report::examples("lost writes", &ledger.lost, 20);
    report::examples("late or failed searches", &figures.errors, 10);
    report::examples("wrong statuses inside a fault", &figures.wrong, 10);
    report::examples("node failures outside any fault", &figures.unexplained, 10);
    report::examples(
        "TIMEOUT of a node without a fault",
        &figures.stray_timeouts,
        10,
    );
    report::examples("answers without a status per node", &figures.malformed, 10);
    report::examples("panics", &panics, 10);
    Ok(passed)
}
