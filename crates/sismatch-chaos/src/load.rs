//! The mixed load: tokio tasks that write to the nodes (PutAlert, ImportAlerts, status
//! changes), report hits and search through both core replicas, recording every outcome in the
//! [`Journal`] and every acknowledged write in its ledger.
//!
//! Writes go to the nodes directly, as an operator's import would; searches and hit reports go
//! through the cores. Every call is bounded on the client side too, so that a hung node holds a
//! task for seconds, not for the rest of the run.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Result;
use sismatch_proto::v1;
use sismatch_proto::v1::matching_core_client::MatchingCoreClient;
use sismatch_proto::v1::national_node_client::NationalNodeClient;
use tokio::task::JoinSet;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Request};

use crate::journal::{Acknowledged, Journal, NodeSeen, Outcome, Search, Write};
use crate::rng::Rng;

/// How long a write may take before the client gives up on its answer: above the 2 s a node
/// waits for its index before acknowledging a write anyway.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a search may take before the client gives up (far above the core's deadline:
/// the check measures the core, the client must not cut it short).
const SEARCH_TIMEOUT: Duration = Duration::from_secs(3);
/// Alerts per import batch, and batches per import stream.
const IMPORT_BATCH: usize = 20;
const IMPORT_BATCHES: usize = 3;

/// Where the load goes and how.
pub struct Settings {
    /// The nodes as `(country, address)`, writes go there directly.
    pub nodes: Vec<(String, SocketAddr)>,
    /// The core replicas; searches and hit reports go there.
    pub cores: Vec<SocketAddr>,
    /// The run's seed (alert ids and the tasks' random streams derive from it).
    pub seed: u64,
    /// The deadline each search names, in milliseconds.
    pub deadline_ms: u32,
    /// Set when the load must end.
    pub stop: AtomicBool,
    /// What the load saw.
    pub journal: Arc<Journal>,
}

impl Settings {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// A lazily connected channel to `addr` (it reconnects by itself after a failure).
pub fn channel(addr: SocketAddr) -> Result<Channel> {
    Ok(Endpoint::from_shared(format!("http://{addr}"))?
        .connect_timeout(Duration::from_millis(500))
        .tcp_nodelay(true)
        .connect_lazy())
}

/// Starts every load task.
pub fn start(settings: &Arc<Settings>) -> Result<JoinSet<()>> {
    let mut tasks = JoinSet::new();
    for node in 0..settings.nodes.len() {
        let client = NationalNodeClient::new(channel(settings.nodes[node].1)?);
        tasks.spawn(putter(Arc::clone(settings), node, client));
    }
    let node_clients = settings
        .nodes
        .iter()
        .map(|(_, addr)| channel(*addr).map(NationalNodeClient::new))
        .collect::<Result<Vec<_>>>()?;
    let core_clients = settings
        .cores
        .iter()
        .map(|addr| channel(*addr).map(MatchingCoreClient::new))
        .collect::<Result<Vec<_>>>()?;
    tasks.spawn(importer(Arc::clone(settings), node_clients.clone()));
    tasks.spawn(status_changer(Arc::clone(settings), node_clients));
    tasks.spawn(hit_reporter(Arc::clone(settings), core_clients.clone()));
    for task in 0..4 {
        let core = task % core_clients.len().max(1);
        tasks.spawn(searcher(
            Arc::clone(settings),
            task as u64,
            core,
            core_clients[core].clone(),
        ));
    }
    Ok(tasks)
}

/// A serial number of 12 characters without look-alikes.
fn serial(rng: &mut Rng) -> String {
    const ALPHABET: &[u8] = b"ACEFHJKMNPRTWXY34679";
    (0..12).map(|_| char::from(*rng.pick(ALPHABET))).collect()
}

/// The longest description an alert may have (8 KiB): what fills a disk fastest.
pub const BIG: usize = 8000;

/// A valid alert of `country` with one serial number and a description of `size` bytes.
fn alert(country: &str, id: &str, serial: &str, size: usize) -> v1::Alert {
    v1::Alert {
        id: id.to_string(),
        country: country.to_string(),
        category: v1::ObjectCategory::OtherHighValue as i32,
        identifiers: vec![v1::Identifier {
            kind: v1::IdentifierKind::SerialNumber as i32,
            value: serial.to_string(),
            ..Default::default()
        }],
        brand: "Chaos".to_string(),
        description: "written by the fault run ".repeat(size / 25 + 1),
        case_reference: "CHAOS-16".to_string(),
        ..Default::default()
    }
}

fn refused(status: &tonic::Status) -> (Code, String) {
    (status.code(), status.message().to_string())
}

fn no_answer() -> (Code, String) {
    (
        Code::DeadlineExceeded,
        "no answer within the client's timeout".to_string(),
    )
}

/// Stores one alert on `node` with PutAlert; on acknowledgement, enters it in the ledger.
pub async fn put(
    settings: &Settings,
    client: &mut NationalNodeClient<Channel>,
    node: usize,
    id: &str,
    serial: &str,
    kind: &'static str,
) -> Outcome {
    let journal = &settings.journal;
    let sent = journal.now();
    let mut request = Request::new(v1::PutAlertRequest {
        alert: Some(alert(&settings.nodes[node].0, id, serial, 25)),
        ..Default::default()
    });
    request.set_timeout(WRITE_TIMEOUT);
    let outcome = match tokio::time::timeout(WRITE_TIMEOUT, client.put_alert(request)).await {
        Err(_) => Err(no_answer()),
        Ok(Err(status)) => Err(refused(&status)),
        Ok(Ok(response)) => {
            if let Some(stored) = response.into_inner().alert {
                journal.acknowledge(&stored.id, node, stored.version, serial);
            }
            Ok(())
        }
    };
    journal.write(Write {
        node,
        kind,
        sent,
        done: journal.now(),
        outcome: outcome.clone(),
    });
    outcome
}

async fn putter(settings: Arc<Settings>, node: usize, mut client: NationalNodeClient<Channel>) {
    let mut rng = Rng::new(settings.seed, 100 + node as u64);
    let mut number = 0_u64;
    while !settings.stopped() {
        number += 1;
        let id = format!(
            "{}-CHAOS-{:x}-P{number}",
            settings.nodes[node].0, settings.seed
        );
        let serial = serial(&mut rng);
        let _ = put(&settings, &mut client, node, &id, &serial, "put").await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn importer(settings: Arc<Settings>, mut clients: Vec<NationalNodeClient<Channel>>) {
    let mut rng = Rng::new(settings.seed, 200);
    let mut number = 0_u64;
    while !settings.stopped() {
        let node = usize::try_from(rng.below(clients.len() as u64)).unwrap_or(0);
        let country = settings.nodes[node].0.clone();
        let mut batches = Vec::new();
        for _ in 0..IMPORT_BATCHES {
            let mut items = Vec::new();
            for line in 0..IMPORT_BATCH {
                number += 1;
                let id = format!("{country}-CHAOS-{:x}-I{number}", settings.seed);
                let serial = serial(&mut rng);
                items.push((line as u64 + 1, id, serial));
            }
            batches.push(items);
        }
        import(&settings, &mut clients[node], node, batches, 25).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// One import stream of `batches` of `(line, id, serial)` with descriptions of `size` bytes,
/// a batch sent only after the previous one was acknowledged, so that an answer names exactly
/// the items it made durable. Returns whether every batch was acknowledged.
pub async fn import(
    settings: &Settings,
    client: &mut NationalNodeClient<Channel>,
    node: usize,
    batches: Vec<Vec<(u64, String, String)>>,
    size: usize,
) -> bool {
    let country = settings.nodes[node].0.as_str();
    let journal = &settings.journal;
    let (sender, receiver) = tokio::sync::mpsc::channel(1);
    let mut request = Request::new(ReceiverStream::new(receiver));
    request.set_timeout(Duration::from_secs(10));
    let mut request = Some(request);
    let mut responses = None;
    for batch in batches {
        let sent = journal.now();
        let message = v1::ImportAlertsRequest {
            items: batch
                .iter()
                .map(|(line, id, serial)| v1::ImportItem {
                    line: *line,
                    alert: Some(alert(country, id, serial, size)),
                })
                .collect(),
        };
        if sender.send(message).await.is_err() {
            return false;
        }
        if let Some(request) = request.take() {
            match tokio::time::timeout(WRITE_TIMEOUT, client.import_alerts(request)).await {
                Ok(Ok(stream)) => responses = Some(stream.into_inner()),
                Ok(Err(status)) => {
                    record_import(journal, node, sent, Err(refused(&status)));
                    return false;
                }
                Err(_) => {
                    record_import(journal, node, sent, Err(no_answer()));
                    return false;
                }
            }
        }
        let Some(stream) = responses.as_mut() else {
            return false;
        };
        let outcome = match tokio::time::timeout(WRITE_TIMEOUT, stream.message()).await {
            Err(_) => Err(no_answer()),
            Ok(Err(status)) => Err(refused(&status)),
            Ok(Ok(None)) => Err((Code::Unknown, "the import stream ended early".to_string())),
            Ok(Ok(Some(answer))) => {
                for (_, id, serial) in &batch {
                    let rejected = answer.errors.iter().any(|error| &error.alert_id == id);
                    if !rejected {
                        journal.acknowledge(id, node, 1, serial);
                    }
                }
                Ok(())
            }
        };
        let failed = outcome.is_err();
        record_import(journal, node, sent, outcome);
        if failed {
            return false;
        }
    }
    true
}

fn record_import(journal: &Journal, node: usize, sent: Duration, outcome: Outcome) {
    journal.write(Write {
        node,
        kind: "import",
        sent,
        done: journal.now(),
        outcome,
    });
}

async fn status_changer(settings: Arc<Settings>, mut clients: Vec<NationalNodeClient<Channel>>) {
    let mut rng = Rng::new(settings.seed, 300);
    let journal = Arc::clone(&settings.journal);
    while !settings.stopped() {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let Some((id, entry)) = journal.acknowledged_at(rng.next_u64()) else {
            continue;
        };
        let status = if rng.below(2) == 0 {
            v1::AlertStatus::Recovered
        } else {
            v1::AlertStatus::Active
        };
        let mut request = Request::new(v1::SetAlertStatusRequest {
            id: id.clone(),
            status: status as i32,
            reason: "fault run".to_string(),
            expected_version: 0,
        });
        request.set_timeout(WRITE_TIMEOUT);
        let sent = journal.now();
        let call = clients[entry.node].set_alert_status(request);
        let answered = tokio::time::timeout(WRITE_TIMEOUT, call).await;
        let alert = answered.map(|a| a.map(|response| response.into_inner().alert));
        record_change(&journal, "status", &id, &entry, sent, alert);
    }
}

/// Records a change to an acknowledged alert whose answer (`None` past its deadline) carries
/// the alert as it now is: the new version goes into the ledger, the write into the journal.
fn record_change(
    journal: &Journal,
    kind: &'static str,
    id: &str,
    entry: &Acknowledged,
    sent: Duration,
    answered: Result<Result<Option<v1::Alert>, tonic::Status>, tokio::time::error::Elapsed>,
) {
    let outcome = match answered {
        Err(_) => Err(no_answer()),
        Ok(Err(status)) => Err(refused(&status)),
        Ok(Ok(alert)) => {
            if let Some(alert) = alert {
                journal.acknowledge(id, entry.node, alert.version, &entry.serial);
            }
            Ok(())
        }
    };
    journal.write(Write {
        node: entry.node,
        kind,
        sent,
        done: journal.now(),
        outcome,
    });
}

async fn hit_reporter(settings: Arc<Settings>, mut cores: Vec<MatchingCoreClient<Channel>>) {
    let mut rng = Rng::new(settings.seed, 400);
    let journal = Arc::clone(&settings.journal);
    let mut turn = 0_usize;
    while !settings.stopped() {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let Some((id, entry)) = journal.acknowledged_at(rng.next_u64()) else {
            continue;
        };
        turn += 1;
        let core = turn % cores.len().max(1);
        let mut request = Request::new(v1::MatchingCoreReportHitRequest {
            hit: Some(v1::HitReport {
                alert_id: id.clone(),
                reporting_country: "DE".to_string(),
                reporting_officer: "fault run".to_string(),
                matched_value: entry.serial.clone(),
                ..Default::default()
            }),
        });
        request.set_timeout(WRITE_TIMEOUT);
        let sent = journal.now();
        let call = cores[core].report_hit(request);
        let answered = tokio::time::timeout(WRITE_TIMEOUT, call).await;
        let alert = answered.map(|a| a.map(|response| response.into_inner().alert));
        record_change(&journal, "hit", &id, &entry, sent, alert);
    }
}

async fn searcher(
    settings: Arc<Settings>,
    task: u64,
    core: usize,
    mut client: MatchingCoreClient<Channel>,
) {
    let mut rng = Rng::new(settings.seed, 500 + task);
    let journal = Arc::clone(&settings.journal);
    while !settings.stopped() {
        tokio::time::sleep(Duration::from_millis(20)).await;
        // Mostly a stored serial misread at one place; sometimes a number nobody reported.
        let value = match journal.acknowledged_at(rng.next_u64()) {
            Some((_, entry)) if rng.below(4) != 0 => {
                let mut chars: Vec<char> = entry.serial.chars().collect();
                let at = usize::try_from(rng.below(chars.len() as u64)).unwrap_or(0);
                chars[at] = '8';
                chars.into_iter().collect()
            }
            _ => serial(&mut rng),
        };
        let mut request = Request::new(v1::MatchingCoreSearchRequest {
            queries: vec![v1::IdentifierQuery {
                value,
                ..Default::default()
            }],
            top_k: 10,
            deadline_ms: settings.deadline_ms,
            ..Default::default()
        });
        request.set_timeout(SEARCH_TIMEOUT);
        let sent = journal.now();
        let started = std::time::Instant::now();
        let mut core_elapsed = None;
        let answer = match tokio::time::timeout(SEARCH_TIMEOUT, client.search(request)).await {
            Err(_) => Err(no_answer()),
            Ok(Err(status)) => Err(refused(&status)),
            Ok(Ok(response)) => {
                let response = response.into_inner();
                core_elapsed = response.elapsed.and_then(|spent| {
                    let seconds = u64::try_from(spent.seconds).ok()?;
                    let nanos = u32::try_from(spent.nanos).ok()?;
                    Some(Duration::new(seconds, nanos))
                });
                let nodes = response
                    .nodes
                    .into_iter()
                    .map(|status| NodeSeen {
                        name: status.node,
                        outcome: status.outcome,
                        message: status.message,
                    })
                    .collect();
                Ok((nodes, response.partial))
            }
        };
        journal.search(Search {
            core,
            sent,
            elapsed: started.elapsed(),
            core_elapsed,
            answer,
        });
    }
}
