//! What the operator's status page shows, gathered from the servers themselves: a probe
//! search through the core (every node's outcome and time, as a search sees them now) and
//! `GetNodeStatus` of each node the web server's configuration lists.

use std::time::Duration;

use sismatch_auth::{ON_BEHALF_OF, encode_on_behalf_of};
use sismatch_proto::v1;
use sismatch_proto::v1::national_node_client::NationalNodeClient;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::Channel;

use crate::accounts::Account;
use crate::core_api::{CoreApi, explain};
use crate::i18n::Lang;

/// A value no alert has: the probe measures the round trip, not a ranking.
const PROBE: &str = "SISMATCH-STATUS-PROBE";

/// How long the page waits for a node's status.
const NODE_TIMEOUT: Duration = Duration::from_secs(3);

/// A node whose own status the page shows.
#[derive(Debug, Clone)]
pub struct StatusNode {
    /// Its name (`NL`).
    pub name: String,
    /// A channel to it, with the web server's TLS settings.
    pub channel: Channel,
}

/// One node's status, or why it could not be read.
#[derive(Debug, Clone)]
pub struct NodeRow {
    /// The node's name.
    pub name: String,
    /// Its status.
    pub status: Result<v1::GetNodeStatusResponse, String>,
}

/// Everything the status page shows.
#[derive(Debug, Clone)]
pub struct StatusView {
    /// Each node's outcome in a probe search through the core, or why the probe failed.
    pub probe: Result<Vec<v1::NodeStatus>, String>,
    /// The listed nodes' own status.
    pub nodes: Vec<NodeRow>,
}

/// Gathers the status on behalf of `operator`.
pub async fn gather(
    core: &CoreApi,
    nodes: &[StatusNode],
    authorization: Option<&MetadataValue<Ascii>>,
    operator: &Account,
    lang: Lang,
) -> StatusView {
    let probe = v1::MatchingCoreSearchRequest {
        queries: vec![v1::IdentifierQuery {
            value: PROBE.to_string(),
            ..v1::IdentifierQuery::default()
        }],
        top_k: 1,
        ..v1::MatchingCoreSearchRequest::default()
    };
    let probe = match core.search(operator, probe).await {
        Ok(answer) => Ok(answer.nodes),
        Err(error) => Err(explain(lang, &error)),
    };
    let mut rows = Vec::with_capacity(nodes.len());
    for node in nodes {
        rows.push(NodeRow {
            name: node.name.clone(),
            status: node_status(node, authorization, operator).await,
        });
    }
    StatusView { probe, nodes: rows }
}

async fn node_status(
    node: &StatusNode,
    authorization: Option<&MetadataValue<Ascii>>,
    operator: &Account,
) -> Result<v1::GetNodeStatusResponse, String> {
    let mut request = tonic::Request::new(v1::GetNodeStatusRequest {});
    request.set_timeout(NODE_TIMEOUT);
    if let Some(value) = authorization {
        request
            .metadata_mut()
            .insert("authorization", value.clone());
    }
    if let Ok(value) = encode_on_behalf_of(&operator.caller()).parse() {
        request.metadata_mut().insert(ON_BEHALF_OF, value);
    }
    let mut client = NationalNodeClient::new(node.channel.clone());
    match client.get_node_status(request).await {
        Ok(answer) => Ok(answer.into_inner()),
        Err(status) => Err(format!("{:?}: {}", status.code(), status.message())),
    }
}
