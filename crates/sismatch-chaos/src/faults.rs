//! The fault scheduler: seeded, one fault at a time, each logged as it starts and ends, so
//! that a run can be read afterwards and replayed with its seed.
//!
//! The faults are what production does to a node: `kill -9` and a restart on the same data
//! and port; SIGSTOP then SIGCONT (a hung node: it accepts connections and answers nothing); a
//! slow line and dropped connections (the proxy in front of one node); a full disk (the node on
//! the small filesystem), freed again while the node keeps running.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use sismatch_proto::v1::national_node_client::NationalNodeClient;

use crate::cluster::Server;
use crate::disk::SmallDisk;
use crate::load::{BIG, Settings, channel, import, put};
use crate::proxy::{Mode, Proxy};
use crate::rng::Rng;

/// Latency of a slow line: above any search deadline of the run, so answers time out.
pub const SLOW: Duration = Duration::from_millis(600);
/// Latency of a laggy line: well within the deadline, so the node must still answer.
pub const LAG: Duration = Duration::from_millis(30);
/// The calm at the end of a run, so that the last fault has healed before the load stops.
const QUIET: Duration = Duration::from_secs(4);
/// How long a full disk is held at most while waiting for a write to be refused (RocksDB
/// preallocates its write-ahead log by some 70 MB, which takes writes until it is used up).
const FULL_AT_MOST: Duration = Duration::from_secs(25);
/// How long a node may take to accept writes again once its disk has space (RocksDB looks
/// for space every 5 s).
const RECOVERY_AT_MOST: Duration = Duration::from_secs(30);
/// The most a full disk takes, filling, held and recovering: it is not started later than this
/// before the end of the run.
const DISK_FULL_AT_MOST: Duration = Duration::from_secs(40);

/// The servers the faults act on.
pub struct Federation {
    /// The national nodes.
    pub nodes: Vec<Server>,
    /// The core replicas (never faulted: they are the observers).
    pub cores: Vec<Server>,
    /// The proxy in front of one node.
    pub proxy: Proxy,
    /// Which node is behind the proxy.
    pub proxied: usize,
    /// The node on the small filesystem, and that filesystem (none when mounting was refused).
    pub disk: Option<(usize, SmallDisk)>,
}

/// The kinds of fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `kill -9`, then a restart on the same data and port.
    Kill,
    /// SIGSTOP, then SIGCONT.
    Hang,
    /// The proxy holds answers back longer than the deadline.
    Slow,
    /// The proxy holds answers back a little, within the deadline.
    Lag,
    /// The proxy cuts every connection.
    Drop,
    /// The node's filesystem is filled to the last byte, then freed.
    DiskFull,
}

impl Kind {
    /// The name in the fault log and the report.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Kill => "kill -9 + restart",
            Kind::Hang => "SIGSTOP / SIGCONT",
            Kind::Slow => "proxy latency 600 ms",
            Kind::Lag => "proxy latency 30 ms",
            Kind::Drop => "proxy drops connections",
            Kind::DiskFull => "disk full (ENOSPC), freed",
        }
    }
}

/// What a full disk did.
#[derive(Debug, Clone)]
pub struct DiskOutcome {
    /// Bytes of ballast it took to fill the filesystem.
    pub ballast: u64,
    /// Writes to the node refused while the disk was full.
    pub refused: usize,
    /// From freeing the ballast to the first acknowledged write; none if none came.
    pub recovered_after: Option<Duration>,
    /// Whether the node recovered as the same process (no restart).
    pub same_process: bool,
}

/// One fault as it happened, in run time.
#[derive(Debug, Clone)]
pub struct Episode {
    /// Its number in the run, from 1.
    pub number: usize,
    /// What was done.
    pub kind: Kind,
    /// To which node (index).
    pub node: usize,
    /// When it began.
    pub start: Duration,
    /// From when it certainly acts: for a kill, when the process was gone (reaped). SIGKILL
    /// ends a process only once its threads leave the kernel: one inside an fsync on a busy
    /// disk keeps the process, and its sockets, for a while, so that calls to it time out
    /// rather than fail. For the other faults, `start`.
    pub certain_from: Duration,
    /// Until when the node certainly could not answer (killed and not yet restarted, stopped,
    /// behind a proxy cutting or delaying past the deadline); equal to `start` for faults
    /// under which the node must still answer searches (a small lag, a full disk).
    pub hard_until: Duration,
    /// When the fault was healed (restart done, continued, proxy passing, disk freed).
    pub end: Duration,
    /// For a full disk, what it did.
    pub disk: Option<DiskOutcome>,
}

/// Runs faults until `until` (run time), then leaves every node healed.
pub async fn run(
    federation: &mut Federation,
    settings: &Arc<Settings>,
    seed: u64,
    until: Duration,
) -> Result<Vec<Episode>> {
    let journal = Arc::clone(&settings.journal);
    let mut rng = Rng::new(seed, 1);
    let mut kinds = vec![Kind::Kill, Kind::Hang, Kind::Slow, Kind::Lag, Kind::Drop];
    if federation.disk.is_some() {
        kinds.push(Kind::DiskFull);
    }
    let mut plan: Vec<Kind> = Vec::new();
    let mut episodes = Vec::new();
    // Short runs (CI) hold faults for less time, so that every kind fits.
    let (hold_ms, gap_ms) = if until < Duration::from_secs(120) {
        ((1500, 3000), (500, 1500))
    } else {
        ((2000, 6000), (1000, 4000))
    };
    tokio::time::sleep(rng.millis(1500, 2500)).await;
    loop {
        if plan.is_empty() {
            // Every kind once per round, in a seeded order; a full disk, the longest and least
            // predictable, opens the first round so that a short run has one.
            plan = kinds.clone();
            for i in (1..plan.len()).rev() {
                let j = usize::try_from(rng.below(i as u64 + 1)).unwrap_or(0);
                plan.swap(i, j);
            }
            if episodes.is_empty() {
                plan.retain(|kind| *kind != Kind::DiskFull);
                if federation.disk.is_some() {
                    plan.push(Kind::DiskFull);
                }
            }
        }
        let Some(kind) = plan.pop() else {
            break;
        };
        let hold = rng.millis(hold_ms.0, hold_ms.1);
        if kind == Kind::DiskFull
            && journal.now() + DISK_FULL_AT_MOST > until
            && !episodes.is_empty()
        {
            continue;
        }
        let node = match kind {
            Kind::Kill | Kind::Hang => {
                usize::try_from(rng.below(federation.nodes.len() as u64)).unwrap_or(0)
            }
            Kind::Slow | Kind::Lag | Kind::Drop => federation.proxied,
            Kind::DiskFull => federation.disk.as_ref().map_or(0, |(node, _)| *node),
        };
        if journal.now() + hold + QUIET > until {
            break;
        }
        let number = episodes.len() + 1;
        let name = federation.nodes[node].name.clone();
        let start = journal.now();
        say(
            start,
            &format!("fault {number}: {} on {name}, {hold:?}", kind.name()),
        );
        let episode = match kind {
            Kind::Kill => {
                let server = &mut federation.nodes[node];
                tokio::task::block_in_place(|| server.kill());
                let gone = journal.now();
                say(
                    gone,
                    &format!(
                        "fault {number}: {name} gone {:.0} ms after SIGKILL",
                        (gone - start).as_secs_f64() * 1000.0
                    ),
                );
                tokio::time::sleep(hold).await;
                let hard_until = journal.now();
                let server = &mut federation.nodes[node];
                tokio::task::block_in_place(|| server.start())
                    .with_context(|| format!("restarting {name} after kill -9"))?;
                let mut killed = episode(number, kind, node, start, hard_until, journal.now());
                killed.certain_from = gone;
                killed
            }
            Kind::Hang => {
                federation.nodes[node].signal("STOP")?;
                tokio::time::sleep(hold).await;
                let hard_until = journal.now();
                federation.nodes[node].signal("CONT")?;
                episode(number, kind, node, start, hard_until, journal.now())
            }
            Kind::Slow | Kind::Lag | Kind::Drop => {
                federation.proxy.set(match kind {
                    Kind::Slow => Mode::Delay(SLOW),
                    Kind::Lag => Mode::Delay(LAG),
                    _ => Mode::Drop,
                });
                tokio::time::sleep(hold).await;
                let hard_until = if kind == Kind::Lag {
                    start
                } else {
                    journal.now()
                };
                federation.proxy.set(Mode::Pass);
                episode(number, kind, node, start, hard_until, journal.now())
            }
            Kind::DiskFull => disk_full(federation, settings, number, node, hold).await?,
        };
        say(
            journal.now(),
            &format!(
                "fault {number}: healed after {:.1} s{}",
                (episode.end - episode.start).as_secs_f64(),
                episode.disk.as_ref().map_or(String::new(), |disk| format!(
                    " ({} bytes of ballast; {} writes refused; writes accepted again {} after space came back, {})",
                    disk.ballast,
                    disk.refused,
                    disk.recovered_after
                        .map_or("never".to_string(), |after| format!("{after:.1?}")),
                    if disk.same_process {
                        "same process"
                    } else {
                        "NOT the same process"
                    }
                ))
            ),
        );
        episodes.push(episode);
        tokio::time::sleep(rng.millis(gap_ms.0, gap_ms.1)).await;
    }
    Ok(episodes)
}

fn episode(
    number: usize,
    kind: Kind,
    node: usize,
    start: Duration,
    hard_until: Duration,
    end: Duration,
) -> Episode {
    Episode {
        number,
        kind,
        node,
        start,
        certain_from: start,
        hard_until,
        end,
        disk: None,
    }
}

/// Fills the node's filesystem, holds it full at least `hold` and until a write was refused,
/// frees it, and waits for the node to acknowledge a write again.
async fn disk_full(
    federation: &mut Federation,
    settings: &Arc<Settings>,
    number: usize,
    node: usize,
    hold: Duration,
) -> Result<Episode> {
    let journal = Arc::clone(&settings.journal);
    let Some((_, disk)) = federation.disk.as_ref() else {
        anyhow::bail!("no small disk");
    };
    let pid = federation.nodes[node].pid();
    let start = journal.now();
    let ballast = tokio::task::block_in_place(|| disk.fill())?;
    say(
        journal.now(),
        &format!("fault {number}: {ballast} bytes of ballast, the disk is full"),
    );
    let full_since = journal.now();
    // RocksDB preallocates its write-ahead log, so a node with a full disk still takes a few
    // megabytes of writes: big imports use them up, as a busy day would.
    let client = NationalNodeClient::new(channel(federation.nodes[node].addr)?);
    let name = federation.nodes[node].name.clone();
    let mut burst = 0_u64;
    while journal.refusals_since(node, full_since) == 0 && journal.now() - full_since < FULL_AT_MOST
    {
        burst += 1;
        let batch = |stream: u64| {
            let rows = (0..50_u64)
                .map(|line| {
                    (
                        line + 1,
                        format!(
                            "{name}-CHAOS-{:x}-F{number}-{burst}-{stream}-{line}",
                            settings.seed
                        ),
                        format!("FULL{number}X{burst}X{stream}X{line}"),
                    )
                })
                .collect();
            vec![rows]
        };
        let (mut first, mut second, mut third) = (client.clone(), client.clone(), client.clone());
        let imported = tokio::join!(
            import(settings, &mut first, node, batch(1), BIG),
            import(settings, &mut second, node, batch(2), BIG),
            import(settings, &mut third, node, batch(3), BIG),
        );
        if !(imported.0 && imported.1 && imported.2) {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let mut client = client;
    let held = journal.now() - full_since;
    if held < hold {
        tokio::time::sleep(hold - held).await;
    }
    let refused = journal.refusals_since(node, full_since);
    disk.free()?;
    let freed = journal.now();
    let mut recovered_after = None;
    let mut attempt = 0;
    while journal.now() - freed < RECOVERY_AT_MOST {
        attempt += 1;
        let id = format!(
            "{}-CHAOS-{:x}-D{number}-{attempt}",
            federation.nodes[node].name, settings.seed
        );
        let serial = format!("DISKPROBE{number}X{attempt}");
        if put(settings, &mut client, node, &id, &serial, "probe")
            .await
            .is_ok()
        {
            recovered_after = Some(journal.now() - freed);
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let server = &mut federation.nodes[node];
    let same_process = server.pid() == pid && server.running();
    Ok(Episode {
        number,
        kind: Kind::DiskFull,
        node,
        start,
        certain_from: start,
        hard_until: start,
        end: freed,
        disk: Some(DiskOutcome {
            ballast,
            refused,
            recovered_after,
            same_process,
        }),
    })
}

/// One line of the fault log, with the run time.
pub fn say(at: Duration, message: &str) {
    println!("[{:>7.2} s] {message}", at.as_secs_f64());
}
