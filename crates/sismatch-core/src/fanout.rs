//! Asking every selected node at once, each call bounded by the same deadline.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sismatch_proto::v1;
use tokio::task::JoinSet;
use tonic::metadata::{Ascii, MetadataValue};
use tracing::{Instrument, debug, info_span, warn};

use crate::link::CallError;
use crate::member::Member;

/// One node's reply to a fan-out.
pub struct Reply {
    /// Position of the member in the federation's list (statuses keep that order).
    pub position: usize,
    /// The node asked.
    pub member: Arc<Member>,
    /// Its answer, or why there is none.
    pub outcome: Result<v1::NationalNodeSearchResponse, CallError>,
    /// From sending the call to its answer or to giving up.
    pub elapsed: Duration,
}

/// Node calls of fan-outs, by node and outcome (`OK`, `TIMEOUT`, `UNAVAILABLE`, `ERROR`).
const CALLS: &str = "sismatch_fanout_calls_total";
/// Time from sending a node call to its answer or to giving up, in seconds.
const DURATION: &str = "sismatch_fanout_duration_seconds";

/// Gives the fan-out's series their `# HELP` text in a scrape. Call once, after the binary
/// has installed its recorder.
pub fn describe_metrics() {
    metrics::describe_counter!(
        CALLS,
        "Node calls of federated searches, by node and outcome"
    );
    metrics::describe_histogram!(
        DURATION,
        "Seconds from sending a node call to its answer or to giving up"
    );
}

/// Counts and times one node call of a fan-out (through the `metrics` facade: nothing is
/// recorded unless the binary installed a recorder).
fn record(
    member: &Member,
    outcome: &Result<v1::NationalNodeSearchResponse, CallError>,
    elapsed: Duration,
) {
    let outcome = match outcome {
        Ok(_) => "OK",
        Err(CallError::Timeout) => "TIMEOUT",
        Err(CallError::Unavailable(_)) => "UNAVAILABLE",
        Err(CallError::Failed(_)) => "ERROR",
    };
    let labels = [
        ("node", member.name().to_owned()),
        ("outcome", outcome.to_owned()),
    ];
    metrics::counter!(CALLS, &labels).increment(1);
    metrics::histogram!(DURATION, &labels).record(elapsed.as_secs_f64());
}

/// Sends `request` to every member in parallel and returns one reply per member, in member
/// order, once all have answered or the deadline has passed for the others. Each call runs in
/// its own `node_call` span, so a slow node stands out in the trace of the query.
pub async fn search_all(
    members: Vec<(usize, Arc<Member>)>,
    request: &v1::NationalNodeSearchRequest,
    deadline: Duration,
    on_behalf_of: Option<MetadataValue<Ascii>>,
) -> Vec<Reply> {
    let mut calls = JoinSet::new();
    for (position, member) in members {
        let request = request.clone();
        let on_behalf_of = on_behalf_of.clone();
        let span = info_span!(
            "node_call",
            node = %member.name(),
            country = %member.country(),
            otel.kind = "client"
        );
        calls.spawn(
            async move {
                let started = Instant::now();
                let outcome = member
                    .search(request, deadline, on_behalf_of.as_ref())
                    .await;
                let elapsed = started.elapsed();
                record(&member, &outcome, elapsed);
                let elapsed_ms = elapsed.as_secs_f64() * 1000.0;
                match &outcome {
                    Ok(answer) => {
                        debug!(elapsed_ms, matches = answer.matches.len(), "node answered");
                    }
                    Err(problem) => {
                        warn!(elapsed_ms, problem = %problem.message(), "node gave no answer");
                    }
                }
                Reply {
                    position,
                    member,
                    outcome,
                    elapsed,
                }
            }
            .instrument(span),
        );
    }
    let mut replies = Vec::with_capacity(calls.len());
    while let Some(joined) = calls.join_next().await {
        match joined {
            Ok(reply) => replies.push(reply),
            Err(error) => warn!(%error, "a node call task failed"),
        }
    }
    replies.sort_by_key(|reply| reply.position);
    replies
}
