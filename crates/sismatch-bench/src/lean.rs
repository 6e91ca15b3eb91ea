//! Lean answers for load runs. A load client shares the machine's cores with the server it
//! measures: every microsecond it spends decoding an answer is taken from the server's
//! throughput. So a load run decodes only what its figures need (each match's alert id and
//! score, the server's own time, per node for a core) and lets prost skip the rest of each
//! answer on the wire (unknown fields are skipped without allocating). The tags are those of
//! `proto/sismatch/v1`; a test checks them against the full messages.

use tonic::Status;
use tonic::codegen::http::uri::PathAndQuery;
use tonic::transport::Channel;

/// `NationalNodeSearchResponse`, reduced.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct NodeAnswer {
    #[prost(message, repeated, tag = "1")]
    pub(crate) matches: Vec<Match>,
    #[prost(message, optional, tag = "4")]
    pub(crate) elapsed: Option<prost_types::Duration>,
}

/// `MatchingCoreSearchResponse`, reduced.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct CoreAnswer {
    #[prost(message, repeated, tag = "1")]
    pub(crate) matches: Vec<Match>,
    #[prost(message, repeated, tag = "3")]
    pub(crate) nodes: Vec<NodeStatus>,
    #[prost(bool, tag = "5")]
    pub(crate) partial: bool,
    #[prost(message, optional, tag = "6")]
    pub(crate) elapsed: Option<prost_types::Duration>,
}

/// `Match`, reduced.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Match {
    #[prost(message, optional, tag = "3")]
    pub(crate) alert: Option<Alert>,
    #[prost(double, tag = "4")]
    pub(crate) score: f64,
}

/// `Alert`, reduced to its id.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Alert {
    #[prost(string, tag = "1")]
    pub(crate) id: String,
}

/// `NodeStatus` (of a core's answer), reduced.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct NodeStatus {
    #[prost(string, tag = "1")]
    pub(crate) node: String,
    #[prost(int32, tag = "4")]
    pub(crate) outcome: i32,
    #[prost(message, optional, tag = "6")]
    pub(crate) elapsed: Option<prost_types::Duration>,
}

/// Calls the unary method `path` (`/sismatch.v1.NationalNode/Search`) over `channel` and
/// decodes its answer as `A`.
pub(crate) async fn call<R, A>(
    channel: Channel,
    path: &'static str,
    request: tonic::Request<R>,
    max_message: usize,
) -> Result<A, Status>
where
    R: prost::Message + Send + Sync + 'static,
    A: prost::Message + Default + Send + Sync + 'static,
{
    let mut grpc = tonic::client::Grpc::new(channel).max_decoding_message_size(max_message);
    grpc.ready()
        .await
        .map_err(|e| Status::unknown(format!("the service was not ready: {e}")))?;
    let codec = tonic_prost::ProstCodec::<R, A>::default();
    let answer = grpc.unary(request, PathAndQuery::from_static(path), codec);
    Ok(answer.await?.into_inner())
}

#[cfg(test)]
mod tests {
    use prost::Message as _;
    use sismatch_proto::v1;

    use super::*;

    fn full_match(id: &str, score: f64) -> v1::Match {
        v1::Match {
            node: "NL".into(),
            country: "NL".into(),
            alert: Some(v1::Alert {
                id: id.into(),
                country: "NL".into(),
                brand: "Yamaha".into(),
                identifiers: vec![v1::Identifier {
                    value: "ABC12345D404".into(),
                    ..v1::Identifier::default()
                }],
                ..v1::Alert::default()
            }),
            score,
            explanation: "exact".into(),
            identifier_matches: vec![v1::IdentifierMatch {
                query_value: "ABC12345D404".into(),
                score,
                ..v1::IdentifierMatch::default()
            }],
        }
    }

    fn elapsed() -> Option<prost_types::Duration> {
        Some(prost_types::Duration {
            seconds: 0,
            nanos: 312_000,
        })
    }

    #[test]
    fn a_node_answer_reads_as_its_ids_scores_and_time() {
        let full = v1::NationalNodeSearchResponse {
            matches: vec![full_match("NL-1", 1.0), full_match("NL-7", 0.81)],
            truncated: true,
            index_sequence: 42,
            elapsed: elapsed(),
        };
        let lean = NodeAnswer::decode(full.encode_to_vec().as_slice()).unwrap();
        let read: Vec<(&str, f64)> = lean
            .matches
            .iter()
            .map(|m| (m.alert.as_ref().unwrap().id.as_str(), m.score))
            .collect();
        assert_eq!(read, [("NL-1", 1.0), ("NL-7", 0.81)]);
        assert_eq!(lean.elapsed, elapsed());
    }

    #[test]
    fn a_core_answer_reads_as_its_matches_nodes_and_partial() {
        let full = v1::MatchingCoreSearchResponse {
            matches: vec![full_match("BE-3", 0.9)],
            nodes: vec![v1::NodeStatus {
                node: "BE".into(),
                country: "BE".into(),
                address: "http://127.0.0.1:1".into(),
                outcome: v1::NodeOutcome::Timeout.into(),
                message: "deadline".into(),
                elapsed: elapsed(),
                results: 1,
            }],
            partial: true,
            elapsed: elapsed(),
            reference: "ref".into(),
            ..v1::MatchingCoreSearchResponse::default()
        };
        let lean = CoreAnswer::decode(full.encode_to_vec().as_slice()).unwrap();
        assert_eq!(lean.matches[0].alert.as_ref().unwrap().id, "BE-3");
        assert_eq!(lean.matches[0].score, 0.9);
        assert_eq!(lean.nodes[0].node, "BE");
        assert_eq!(lean.nodes[0].outcome, v1::NodeOutcome::Timeout as i32);
        assert_eq!(lean.nodes[0].elapsed, elapsed());
        assert!(lean.partial);
        assert_eq!(lean.elapsed, elapsed());
    }
}
