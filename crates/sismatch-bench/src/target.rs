//! What a benchmark searches: the matching core (a federated search) or one national node, as
//! a gRPC client, with the answers reduced to what the figures need.

use std::time::Duration;

use sismatch_grpc::convert::{kind_in, kind_out};
use sismatch_ident::{IdentifierKind, parse};
use sismatch_proto::v1;
use sismatch_proto::v1::matching_core_client::MatchingCoreClient;
use sismatch_proto::v1::national_node_client::NationalNodeClient;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::Channel;

use crate::error::{BenchError, Result};
use crate::lean;
use crate::metrics::{Ranked, within_two_edits};

/// Largest gRPC message accepted from a core or node (as the binary's servers).
const MAX_MESSAGE: usize = 16 * 1024 * 1024;

/// A connected core or node, and the bearer token to send, if any. Cloning shares the
/// connection.
#[derive(Debug, Clone)]
pub struct Target {
    client: Client,
    /// The connection under `client`, for lean calls ([`crate::lean`]).
    channel: Channel,
    authorization: Option<MetadataValue<Ascii>>,
}

/// What is searched.
#[derive(Debug, Clone)]
enum Client {
    /// A matching core: federated search, with a status per node.
    Core(MatchingCoreClient<Channel>),
    /// One national node.
    Node(NationalNodeClient<Channel>),
}

/// How long one node took, as the core reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeTiming {
    /// The node's name (`NL`).
    pub node: String,
    /// Whether it answered OK.
    pub ok: bool,
    /// From the core's call to the node's answer (or to giving up).
    pub elapsed: Duration,
}

/// One answer, reduced.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The matches, best first.
    pub ranked: Vec<Ranked>,
    /// Time the server says it spent (the core's or the node's own figure).
    pub server_elapsed: Option<Duration>,
    /// Per node, for a core.
    pub nodes: Vec<NodeTiming>,
    /// Whether the core said the answer may be missing a node's matches.
    pub partial: bool,
}

/// One query value with its declared kind.
pub type TypedValue = (Option<IdentifierKind>, String);

/// One search as a query set states it: the values read on one object, and description words.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Search {
    /// The values, each with its declared kind.
    pub values: Vec<TypedValue>,
    /// Description words; empty for none.
    pub text: String,
}

fn with_scheme(address: &str) -> String {
    if address.contains("://") {
        address.to_string()
    } else {
        format!("http://{address}")
    }
}

async fn channel(address: &str) -> Result<Channel> {
    let failed = |message: String| BenchError::Connect {
        address: address.to_string(),
        message,
    };
    Channel::from_shared(with_scheme(address))
        .map_err(|e| failed(e.to_string()))?
        .tcp_nodelay(true)
        .connect()
        .await
        .map_err(|e| failed(e.to_string()))
}

fn duration(value: Option<&prost_types::Duration>) -> Option<Duration> {
    let value = value?;
    let nanos = u64::try_from(value.seconds).ok()? * 1_000_000_000;
    Some(Duration::from_nanos(
        nanos + u64::try_from(value.nanos).ok()?,
    ))
}

impl Target {
    /// Connects to the core at `address` (`127.0.0.1:7500`), in plain HTTP/2 (a server in
    /// open mode, as the suite's own federation).
    pub async fn core(address: &str) -> Result<Target> {
        Ok(Target::core_over(channel(address).await?))
    }

    /// Connects to the node at `address`, as [`Target::core`].
    pub async fn node(address: &str) -> Result<Target> {
        Ok(Target::node_over(channel(address).await?))
    }

    /// The core behind `channel`, which the caller set up (TLS, a client certificate).
    pub fn core_over(channel: Channel) -> Target {
        let client =
            MatchingCoreClient::new(channel.clone()).max_decoding_message_size(MAX_MESSAGE);
        Target {
            client: Client::Core(client),
            channel,
            authorization: None,
        }
    }

    /// The node behind `channel`, as [`Target::core_over`].
    pub fn node_over(channel: Channel) -> Target {
        let client =
            NationalNodeClient::new(channel.clone()).max_decoding_message_size(MAX_MESSAGE);
        Target {
            client: Client::Node(client),
            channel,
            authorization: None,
        }
    }

    /// Sends `authorization` (`Bearer <token>`) with every search, for servers that accept
    /// tokens.
    pub fn with_authorization(mut self, authorization: Option<MetadataValue<Ascii>>) -> Target {
        self.authorization = authorization;
        self
    }

    /// `core` or `node`, for reports.
    pub fn name(&self) -> &'static str {
        match self.client {
            Client::Core(_) => "core",
            Client::Node(_) => "node",
        }
    }

    /// The country of a node, from its status; `None` for a core, which searches every
    /// country.
    pub async fn node_country(&mut self) -> std::result::Result<Option<String>, tonic::Status> {
        let Client::Node(client) = &mut self.client else {
            return Ok(None);
        };
        let request = with_authorization(v1::GetNodeStatusRequest {}, self.authorization.as_ref());
        let status = client.get_node_status(request).await?.into_inner();
        Ok(Some(status.country))
    }

    /// Searches for `search` (one object's numbers and words), at most `top_k` matches scoring at least
    /// `min_score` (0 for the default threshold). With `judge_near`, each match says whether the
    /// number it matched is within two edits of the query value ([`Ranked::near`], which the
    /// quality metrics need); a load run leaves it out, since the client shares the machine's
    /// cores with the server and its work would be counted against the server's throughput,
    /// and for the same reason decodes only the matches' ids and scores ([`crate::lean`]).
    pub async fn search(
        &mut self,
        search: &Search,
        top_k: u32,
        min_score: f64,
        judge_near: bool,
    ) -> std::result::Result<Answer, tonic::Status> {
        let values = &search.values;
        let text = search.text.clone();
        let queries: Vec<v1::IdentifierQuery> = values
            .iter()
            .map(|(kind, value)| v1::IdentifierQuery {
                value: value.clone(),
                kind: kind.map_or(0, kind_out),
                manufacturer: String::new(),
            })
            .collect();
        match &mut self.client {
            Client::Core(client) => {
                let request = v1::MatchingCoreSearchRequest {
                    queries,
                    text,
                    top_k,
                    min_score,
                    ..v1::MatchingCoreSearchRequest::default()
                };
                let request = with_authorization(request, self.authorization.as_ref());
                if !judge_near {
                    let answer: lean::CoreAnswer = self
                        .lean("/sismatch.v1.MatchingCore/Search", request)
                        .await?;
                    return Ok(Answer {
                        ranked: lean_ranked(&answer.matches),
                        server_elapsed: duration(answer.elapsed.as_ref()),
                        nodes: answer
                            .nodes
                            .iter()
                            .map(|n| timing(&n.node, n.outcome, n.elapsed.as_ref()))
                            .collect(),
                        partial: answer.partial,
                    });
                }
                let answer = client.search(request).await?.into_inner();
                Ok(Answer {
                    ranked: reduce(values, &answer.matches, judge_near),
                    server_elapsed: duration(answer.elapsed.as_ref()),
                    nodes: answer
                        .nodes
                        .iter()
                        .map(|n| timing(&n.node, n.outcome, n.elapsed.as_ref()))
                        .collect(),
                    partial: answer.partial,
                })
            }
            Client::Node(client) => {
                let request = v1::NationalNodeSearchRequest {
                    queries,
                    text,
                    top_k,
                    min_score,
                    ..v1::NationalNodeSearchRequest::default()
                };
                let request = with_authorization(request, self.authorization.as_ref());
                if !judge_near {
                    let answer: lean::NodeAnswer = self
                        .lean("/sismatch.v1.NationalNode/Search", request)
                        .await?;
                    return Ok(Answer {
                        ranked: lean_ranked(&answer.matches),
                        server_elapsed: duration(answer.elapsed.as_ref()),
                        nodes: Vec::new(),
                        partial: false,
                    });
                }
                let answer = client.search(request).await?.into_inner();
                Ok(Answer {
                    ranked: reduce(values, &answer.matches, judge_near),
                    server_elapsed: duration(answer.elapsed.as_ref()),
                    nodes: Vec::new(),
                    partial: false,
                })
            }
        }
    }
}

impl Target {
    /// Calls the unary method `path` over this target's connection and reads its answer as the
    /// lean message `A` ([`crate::lean`]).
    async fn lean<R, A>(
        &self,
        path: &'static str,
        request: tonic::Request<R>,
    ) -> std::result::Result<A, tonic::Status>
    where
        R: prost::Message + Send + Sync + 'static,
        A: prost::Message + Default + Send + Sync + 'static,
    {
        lean::call(self.channel.clone(), path, request, MAX_MESSAGE).await
    }
}

/// `message` as a request, with `authorization` if there is one.
fn with_authorization<T>(
    message: T,
    authorization: Option<&MetadataValue<Ascii>>,
) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    if let Some(value) = authorization {
        request
            .metadata_mut()
            .insert("authorization", value.clone());
    }
    request
}

/// How long a core says node `node` took (`outcome`: a `NodeOutcome`).
fn timing(node: &str, outcome: i32, elapsed: Option<&prost_types::Duration>) -> NodeTiming {
    NodeTiming {
        node: node.to_string(),
        ok: outcome == v1::NodeOutcome::Ok as i32,
        elapsed: duration(elapsed).unwrap_or_default(),
    }
}

/// The matches of a lean answer as the metrics see them: id and score.
fn lean_ranked(matches: &[lean::Match]) -> Vec<Ranked> {
    let ranked = matches.iter().map(|found| Ranked {
        id: found
            .alert
            .as_ref()
            .map(|a| a.id.clone())
            .unwrap_or_default(),
        score: found.score,
        near: false,
    });
    ranked.collect()
}

/// The matches as the metrics see them: id, score, and (with `judge_near`) whether the number
/// matched is within two edits of the query value it matched.
fn reduce(values: &[TypedValue], matches: &[v1::Match], judge_near: bool) -> Vec<Ranked> {
    matches
        .iter()
        .map(|found| {
            let near = judge_near
                && found.identifier_matches.iter().any(|hit| {
                    let Some(stored) = &hit.matched_identifier else {
                        return false;
                    };
                    let Some((kind, value)) = values.get(hit.query_index as usize) else {
                        return false;
                    };
                    let query_key = parse(value, *kind).key;
                    let stored_kind = kind_in("kind", stored.kind).ok().flatten();
                    let stored_key = parse(&stored.value, stored_kind).key;
                    within_two_edits(&query_key, &stored_key)
                });
            Ranked {
                id: found
                    .alert
                    .as_ref()
                    .map(|a| a.id.clone())
                    .unwrap_or_default(),
                score: found.score,
                near,
            }
        })
        .collect()
}
