//! The checks after the run, each reported as figures and a verdict: no acknowledged write
//! lost, no answer past its deadline, every answer during a fault naming the failing node with
//! the right status, a full disk refusing writes clearly and recovering without a restart, no
//! panic in any log, no server dead by itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Result;
use sismatch_proto::v1;
use sismatch_proto::v1::national_node_client::NationalNodeClient;
use tokio::task::JoinSet;
use tonic::Code;

use crate::cluster;
use crate::faults::{Episode, Federation, Kind};
use crate::journal::{Acknowledged, Journal, Search, Write};
use crate::load::channel;

/// How long after a fault heals a node may still be reported unreachable: the core's
/// reconnect back-off (5 s at most by default) plus a restart.
const RECONNECT_GRACE: Duration = Duration::from_secs(7);
/// How long after a hang, a slow line or a small lag ends late answers may still arrive.
const DRAIN_GRACE: Duration = Duration::from_millis(1500);
/// How long after a fault starts before its effect is certain (the proxy's mode to spread).
const SETTLE: Duration = Duration::from_millis(20);

const OK: i32 = v1::NodeOutcome::Ok as i32;
const TIMEOUT: i32 = v1::NodeOutcome::Timeout as i32;
const UNAVAILABLE: i32 = v1::NodeOutcome::Unavailable as i32;

/// One check's verdict and its figures.
pub struct Verdict {
    /// What is checked.
    pub check: &'static str,
    /// Whether it held.
    pub passed: bool,
    /// The figures, in words.
    pub figures: String,
}

/// The statuses a core may give a node under a fault of `kind`.
fn expected(kind: Kind) -> &'static [i32] {
    match kind {
        Kind::Kill | Kind::Drop => &[UNAVAILABLE],
        Kind::Hang | Kind::Slow => &[TIMEOUT],
        Kind::Lag | Kind::DiskFull => &[],
    }
}

/// The statuses a core may give a node just after a fault of `kind` healed: a node continued
/// after SIGSTOP finds more streams reset by the cores' time-outs than h2 accepts (20) and
/// closes their connections, which fails the calls still open on them (UNAVAILABLE).
fn expected_after(kind: Kind) -> &'static [i32] {
    match kind {
        Kind::Hang => &[TIMEOUT, UNAVAILABLE],
        other => expected(other),
    }
}

/// How long after `episode` healed a failure of the node is still its doing.
fn grace(kind: Kind) -> Duration {
    match kind {
        Kind::Kill | Kind::Drop => RECONNECT_GRACE,
        Kind::Hang | Kind::Slow | Kind::Lag => DRAIN_GRACE,
        Kind::DiskFull => Duration::ZERO,
    }
}

/// Figures of the searches.
#[derive(Default)]
pub struct SearchFigures {
    /// Answers received.
    pub answered: usize,
    /// Searches the core refused or did not answer.
    pub errors: Vec<String>,
    /// Slowest answer.
    pub slowest: Duration,
    /// 99th percentile of the answers' latency.
    pub p99: Duration,
    /// Answers later than the deadline plus the margin, as the client saw them.
    pub late: usize,
    /// The longest time a core said it spent on a search.
    pub slowest_in_core: Duration,
    /// Answers on which the core itself spent longer than the deadline plus the margin.
    pub late_in_core: usize,
    /// Answers whose list of node statuses is wrong (a node missing, `partial` not matching).
    pub malformed: Vec<String>,
    /// Answers given entirely inside a fault, and how many named the node with the right status.
    pub during_fault: usize,
    /// Of those, the right ones.
    pub right_status: usize,
    /// Per kind of fault: answers given entirely inside one, and the right ones among them.
    pub by_kind: std::collections::HashMap<&'static str, (usize, usize)>,
    /// Examples of wrong statuses during a fault.
    pub wrong: Vec<String>,
    /// A node reported unreachable or failing (UNAVAILABLE, ERROR) with no fault to explain
    /// it.
    pub unexplained: Vec<String>,
    /// A node without a fault reported TIMEOUT: it did not answer by the deadline, which the
    /// core reports rightly; on a busy machine (the load average is in the report) a healthy
    /// node can be that slow. Counted, not failed: the answer's own lateness is checked.
    pub stray_timeouts: Vec<String>,
}

/// Checks every search against the deadline and the fault timeline.
pub fn searches(
    searches: &[Search],
    episodes: &[Episode],
    names: &[String],
    deadline: Duration,
    margin: Duration,
) -> SearchFigures {
    let mut figures = SearchFigures::default();
    let mut latencies = Vec::new();
    for search in searches {
        let (nodes, partial) = match &search.answer {
            Ok(answer) => answer,
            Err((code, message)) => {
                figures.errors.push(format!(
                    "at {:.2} s, core-{}: {code:?} {message}",
                    search.sent.as_secs_f64(),
                    search.core + 1
                ));
                continue;
            }
        };
        figures.answered += 1;
        latencies.push(search.elapsed);
        if search.elapsed > deadline + margin {
            figures.late += 1;
        }
        if let Some(spent) = search.core_elapsed {
            figures.slowest_in_core = figures.slowest_in_core.max(spent);
            if spent > deadline + margin {
                figures.late_in_core += 1;
            }
        }
        let received = search.sent + search.elapsed;
        let any_failed = nodes.iter().any(|node| node.outcome != OK);
        let complete = names
            .iter()
            .all(|name| nodes.iter().filter(|node| &node.name == name).count() == 1);
        if !complete || nodes.len() != names.len() || any_failed != *partial {
            figures.malformed.push(format!(
                "at {:.2} s: {} statuses, partial {partial}",
                search.sent.as_secs_f64(),
                nodes.len()
            ));
        }
        for (index, name) in names.iter().enumerate() {
            let Some(seen) = nodes.iter().find(|node| &node.name == name) else {
                continue;
            };
            let on_node = episodes.iter().filter(|episode| episode.node == index);
            // Inside a certain fault: the status must be the fault's.
            let hard = on_node.clone().find(|episode| {
                !expected(episode.kind).is_empty()
                    && episode.hard_until > episode.start
                    && episode.certain_from + SETTLE <= search.sent
                    && received <= episode.hard_until
            });
            if let Some(episode) = hard {
                figures.during_fault += 1;
                let of_kind = figures.by_kind.entry(episode.kind.name()).or_default();
                of_kind.0 += 1;
                // A status left by an earlier fault on the same node (a link still reconnecting
                // after a kill or a drop) is that fault's doing, not a wrong one.
                let earlier = on_node.clone().filter(|other| other.end <= episode.start);
                if expected(episode.kind).contains(&seen.outcome)
                    || explained(earlier, search.sent, received, seen.outcome)
                {
                    figures.right_status += 1;
                    of_kind.1 += 1;
                } else {
                    figures.wrong.push(format!(
                        "at {:.2} s, fault {} ({}) on {name}: {} '{}'",
                        search.sent.as_secs_f64(),
                        episode.number,
                        episode.kind.name(),
                        outcome_name(seen.outcome),
                        seen.message
                    ));
                }
                continue;
            }
            if seen.outcome == OK {
                continue;
            }
            // Outside one: a failure must be explained by a fault overlapping the search, of a
            // kind that fails that way.
            if !explained(on_node, search.sent, received, seen.outcome) {
                let list = if seen.outcome == TIMEOUT {
                    &mut figures.stray_timeouts
                } else {
                    &mut figures.unexplained
                };
                list.push(format!(
                    "at {:.2} s ({:.0} ms), {name}: {} '{}'",
                    search.sent.as_secs_f64(),
                    search.elapsed.as_secs_f64() * 1000.0,
                    outcome_name(seen.outcome),
                    seen.message
                ));
            }
        }
    }
    latencies.sort();
    figures.slowest = latencies.last().copied().unwrap_or_default();
    if !latencies.is_empty() {
        figures.p99 = latencies[(latencies.len() * 99 / 100).min(latencies.len() - 1)];
    }
    figures
}

/// Whether one of `episodes` (on the node) explains `outcome` for a search sent at `sent` and
/// answered at `received`: a fault overlapping the search, or whose after-effects it met, of a
/// kind that fails that way.
fn explained<'a>(
    episodes: impl Iterator<Item = &'a Episode> + Clone,
    sent: Duration,
    received: Duration,
    outcome: i32,
) -> bool {
    let mut episodes = episodes;
    episodes.clone().any(|episode| {
        episode.start <= received
            && sent <= episode.end + grace(episode.kind)
            && expected_after(episode.kind).contains(&outcome)
    }) || (outcome == TIMEOUT
        && episodes.clone().any(|episode| {
            // A node signalled but not yet gone answers nothing, and keeps its sockets.
            episode.kind == Kind::Kill && episode.start <= received && sent <= episode.certain_from
        }))
        || (outcome == UNAVAILABLE
            && episodes.any(|episode| {
                // A link marked down by a kill or a drop stays down until its reconnect.
                matches!(episode.kind, Kind::Kill | Kind::Drop)
                    && episode.start <= received
                    && sent <= episode.end + RECONNECT_GRACE
            }))
}

/// A node outcome's name.
pub fn outcome_name(outcome: i32) -> &'static str {
    match v1::NodeOutcome::try_from(outcome) {
        Ok(v1::NodeOutcome::Ok) => "OK",
        Ok(v1::NodeOutcome::Timeout) => "TIMEOUT",
        Ok(v1::NodeOutcome::Unavailable) => "UNAVAILABLE",
        Ok(v1::NodeOutcome::Error) => "ERROR",
        _ => "UNSPECIFIED",
    }
}

/// Figures of the ledger check.
pub struct LedgerFigures {
    /// Alerts in the ledger.
    pub alerts: usize,
    /// Of those, absent from their node or at a lower version than acknowledged.
    pub lost: Vec<String>,
}

/// Reads every alert of the ledger back from its node.
pub async fn ledger(journal: &Journal, nodes: &[std::net::SocketAddr]) -> Result<LedgerFigures> {
    let entries: Arc<Vec<(String, Acknowledged)>> = Arc::new(journal.ledger());
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = JoinSet::new();
    for _ in 0..8 {
        let entries = Arc::clone(&entries);
        let next = Arc::clone(&next);
        let mut clients = nodes
            .iter()
            .map(|addr| channel(*addr).map(NationalNodeClient::new))
            .collect::<Result<Vec<_>>>()?;
        workers.spawn(async move {
            let mut lost = Vec::new();
            loop {
                let at = next.fetch_add(1, Ordering::Relaxed);
                let Some((id, entry)) = entries.get(at) else {
                    return lost;
                };
                if let Some(problem) = read_back(&mut clients[entry.node], id, entry).await {
                    lost.push(problem);
                }
            }
        });
    }
    let mut lost = Vec::new();
    while let Some(found) = workers.join_next().await {
        lost.extend(found?);
    }
    Ok(LedgerFigures {
        alerts: entries.len(),
        lost,
    })
}

/// Why the alert is not as acknowledged, or `None` when it is.
async fn read_back(
    client: &mut NationalNodeClient<tonic::transport::Channel>,
    id: &str,
    entry: &Acknowledged,
) -> Option<String> {
    let mut last = String::new();
    // A few tries: a transport hiccup is not a lost write.
    for _ in 0..3 {
        let request = v1::GetAlertRequest {
            id: id.to_string(),
            version: 0,
        };
        match tokio::time::timeout(Duration::from_secs(5), client.get_alert(request)).await {
            Ok(Ok(answer)) => {
                let version = answer.into_inner().alert.map_or(0, |alert| alert.version);
                if version >= entry.version {
                    return None;
                }
                return Some(format!(
                    "{id}: at version {version}, version {} was acknowledged",
                    entry.version
                ));
            }
            Ok(Err(status)) if status.code() == Code::NotFound => {
                return Some(format!(
                    "{id}: not found, version {} acknowledged",
                    entry.version
                ));
            }
            Ok(Err(status)) => last = format!("{:?} {}", status.code(), status.message()),
            Err(_) => last = "no answer".to_string(),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Some(format!("{id}: could not be read back ({last})"))
}

/// Panic lines in the servers' logs.
pub fn panics(federation: &Federation) -> Vec<String> {
    federation
        .nodes
        .iter()
        .chain(&federation.cores)
        .flat_map(|server| {
            cluster::panics(&server.log)
                .into_iter()
                .map(|line| format!("{}: {line}", server.name))
        })
        .collect()
}

/// Servers that exited by themselves.
pub fn dead(federation: &mut Federation) -> Vec<String> {
    federation
        .nodes
        .iter_mut()
        .chain(federation.cores.iter_mut())
        .filter_map(|server| (!server.running()).then(|| server.name.clone()))
        .collect()
}

/// Whether a refusal names a full disk clearly: RESOURCE_EXHAUSTED or UNAVAILABLE, saying
/// what ran out.
pub fn clear_disk_refusal(code: Code, message: &str) -> bool {
    let message = message.to_lowercase();
    matches!(code, Code::ResourceExhausted | Code::Unavailable)
        && (message.contains("space") || message.contains("disk"))
}

/// The full-disk check: refused clearly, recovered without a restart.
pub fn disk(federation: &Federation, episodes: &[Episode], writes: &[Write]) -> Verdict {
    let check = "a full disk refuses writes clearly and recovers without a restart";
    let Some((node, _)) = &federation.disk else {
        return Verdict {
            check,
            passed: true,
            figures: "skipped: the small filesystem could not be mounted (needs root)".to_string(),
        };
    };
    let full: Vec<&Episode> = episodes
        .iter()
        .filter(|e| e.kind == Kind::DiskFull)
        .collect();
    if full.is_empty() {
        return Verdict {
            check,
            passed: false,
            figures: "the run was too short for a full disk".to_string(),
        };
    }
    let refusals: Vec<&Write> = writes
        .iter()
        .filter(|w| {
            w.node == *node
                && w.kind != "hit"
                && full.iter().any(|e| e.start <= w.sent && w.done <= e.end)
        })
        .filter_map(|w| w.outcome.as_ref().err().map(|_| w))
        .collect();
    let unclear: Vec<String> = refusals
        .iter()
        .filter_map(|w| match &w.outcome {
            Err((code, message)) if !clear_disk_refusal(*code, message) => {
                Some(format!("{code:?} '{message}'"))
            }
            _ => None,
        })
        .collect();
    let refused = full
        .iter()
        .filter_map(|e| e.disk.as_ref())
        .map(|d| d.refused)
        .sum::<usize>();
    let refusing = full
        .iter()
        .filter_map(|e| e.disk.as_ref())
        .filter(|d| d.refused > 0)
        .count();
    let recovered = full
        .iter()
        .filter_map(|e| e.disk.as_ref())
        .all(|d| d.recovered_after.is_some() && d.same_process);
    // The node's audit log is on the same disk; one that stopped did not recover.
    let audit_stopped = cluster::lines_with(&federation.nodes[*node].log, "the log stops").len();
    let slowest = full
        .iter()
        .filter_map(|e| e.disk.as_ref()?.recovered_after)
        .max()
        .unwrap_or_default();
    let mut example = unclear.first().cloned().unwrap_or_default();
    if example.is_empty() {
        example = refusals
            .first()
            .and_then(|w| w.outcome.as_ref().err())
            .map(|(code, message)| format!("{code:?} '{message}'"))
            .unwrap_or_default();
    }
    Verdict {
        check,
        passed: refused > 0 && unclear.is_empty() && recovered && audit_stopped == 0,
        figures: format!(
            "{} times full, {refusing} of them until the node refused writes (the others: its preallocated write-ahead log took every write meanwhile); {refused} writes refused, {} unclearly (e.g. {example}); writes accepted again within {:.1} s of space coming back, same process: {}; audit log stopped: {}",
            full.len(),
            unclear.len(),
            slowest.as_secs_f64(),
            if recovered { "yes" } else { "NO" },
            if audit_stopped == 0 {
                "no"
            } else {
                "YES (it stays stopped until a restart)"
            }
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::journal::NodeSeen;

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    /// A fault of `kind` on node 1 (BE) from 10 s, certain until 14 s, healed at 15 s.
    fn fault(kind: Kind) -> Episode {
        Episode {
            number: 1,
            kind,
            node: 1,
            start: ms(10_000),
            certain_from: ms(10_000),
            hard_until: ms(14_000),
            end: ms(15_000),
            disk: None,
        }
    }

    /// An answer sent at `sent` ms that took `took` ms, BE with `outcome`, the others OK.
    fn answer(sent: u64, took: u64, outcome: i32) -> Search {
        let node = |name: &str, outcome: i32| NodeSeen {
            name: name.to_string(),
            outcome,
            message: String::new(),
        };
        Search {
            core: 0,
            sent: ms(sent),
            elapsed: ms(took),
            core_elapsed: Some(ms(took)),
            answer: Ok((
                vec![node("NL", OK), node("BE", outcome), node("FR", OK)],
                outcome != OK,
            )),
        }
    }

    fn check(kind: Kind, searches: &[Search]) -> SearchFigures {
        let names = ["NL", "BE", "FR"].map(String::from);
        super::searches(searches, &[fault(kind)], &names, ms(300), ms(150))
    }

    #[test]
    fn inside_a_fault_only_its_status_is_right() {
        let killed = check(
            Kind::Kill,
            &[answer(11_000, 5, UNAVAILABLE), answer(12_000, 300, TIMEOUT)],
        );
        assert_eq!((killed.during_fault, killed.right_status), (2, 1));
        let hung = check(
            Kind::Hang,
            &[answer(11_000, 300, TIMEOUT), answer(12_000, 300, OK)],
        );
        assert_eq!((hung.during_fault, hung.right_status), (2, 1));
        let cut = check(Kind::Drop, &[answer(11_000, 2, UNAVAILABLE)]);
        assert_eq!((cut.during_fault, cut.right_status), (1, 1));
    }

    #[test]
    fn a_failure_needs_a_fault_to_explain_it() {
        // A killed node stays unreachable for the core's reconnect back-off after its restart.
        let after_kill = check(Kind::Kill, &[answer(17_000, 3, UNAVAILABLE)]);
        assert!(after_kill.unexplained.is_empty());
        // A hung node closes the cores' connections when it resumes.
        let after_hang = check(Kind::Hang, &[answer(13_900, 300, UNAVAILABLE)]);
        assert!(after_hang.unexplained.is_empty());
        // Long after, or for a fault that does not fail searches, it is a finding.
        let later = check(Kind::Kill, &[answer(40_000, 3, UNAVAILABLE)]);
        assert_eq!(later.unexplained.len(), 1);
        let lag = check(Kind::Lag, &[answer(11_000, 3, UNAVAILABLE)]);
        assert_eq!(lag.unexplained.len(), 1);
        // A TIMEOUT without a fault is counted apart.
        let slow = check(Kind::Kill, &[answer(40_000, 300, TIMEOUT)]);
        assert_eq!((slow.unexplained.len(), slow.stray_timeouts.len()), (0, 1));
    }

    #[test]
    fn a_killed_node_may_time_out_until_it_is_gone() {
        let mut dying = fault(Kind::Kill);
        dying.certain_from = ms(10_400);
        let names = ["NL", "BE", "FR"].map(String::from);
        let figures = super::searches(
            &[answer(10_100, 300, TIMEOUT), answer(10_500, 300, TIMEOUT)],
            &[dying],
            &names,
            ms(300),
            ms(150),
        );
        assert_eq!((figures.during_fault, figures.right_status), (1, 0));
        assert!(figures.stray_timeouts.is_empty() && figures.unexplained.is_empty());
    }

    #[test]
    fn late_answers_and_wrong_partial_flags_are_counted() {
        let mut wrong_flag = answer(40_000, 10, OK);
        if let Ok((_, partial)) = &mut wrong_flag.answer {
            *partial = true;
        }
        let figures = check(Kind::Lag, &[answer(40_000, 451, OK), wrong_flag]);
        assert_eq!(figures.late, 1);
        assert_eq!(figures.malformed.len(), 1);
    }

    #[test]
    fn a_clear_disk_refusal_says_what_ran_out() {
        let message = "the node's disk is full; nothing was written, retry once space is freed";
        assert!(clear_disk_refusal(Code::ResourceExhausted, message));
        assert!(!clear_disk_refusal(
            Code::Internal,
            "internal error; see the node's log"
        ));
        assert!(!clear_disk_refusal(
            Code::ResourceExhausted,
            "quota exceeded"
        ));
    }
}
