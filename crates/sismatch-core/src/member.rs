//! One node of the federation as the core sees it: its [`Link`] (a channel, and whether the
//! node is up) and the calls the core makes to it.

use std::sync::Arc;
use std::time::Duration;

use sismatch_proto::v1::{self, national_node_client::NationalNodeClient};
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::Channel;

use crate::config::{ClientTls, MemberConfig};
use crate::error::Result;
use crate::link::{CallError, Link, outgoing};

/// Largest message the core accepts from a node: a full top-100 answer fits easily.
const MAX_MESSAGE: usize = 16 * 1024 * 1024;

/// A national node (or shard) the core calls.
pub struct Member {
    config: MemberConfig,
    link: Arc<Link>,
}

fn client(channel: Channel) -> NationalNodeClient<Channel> {
    NationalNodeClient::new(channel)
        .max_decoding_message_size(MAX_MESSAGE)
        .max_encoding_message_size(MAX_MESSAGE)
}

impl Member {
    /// A member for `config`; connects lazily, on the first call.
    pub fn new(
        config: MemberConfig,
        connect_timeout: Duration,
        max_backoff: Duration,
        tls: Option<&ClientTls>,
    ) -> Result<Arc<Member>> {
        let link = Link::new(
            &format!("nodes.{}.address", config.name),
            &config.name,
            &config.address,
            connect_timeout,
            max_backoff,
            tls,
        )?;
        Ok(Arc::new(Member { config, link }))
    }

    /// Name of the node in answers (`NL`, `NL-2`).
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// Country whose alerts the node holds.
    pub fn country(&self) -> &str {
        &self.config.country
    }

    /// Address the core calls.
    pub fn address(&self) -> &str {
        &self.config.address
    }

    /// Whether the node is believed reachable (no connection failure since the last
    /// successful reconnect).
    pub fn is_up(&self) -> bool {
        self.link.is_up()
    }

    fn client(&self) -> std::result::Result<NationalNodeClient<Channel>, CallError> {
        self.link
            .channel()
            .map(client)
            .map_err(CallError::Unavailable)
    }

    /// Searches the node, giving up after `deadline` (which is also sent to the node as the
    /// call's gRPC deadline, so it stops working on an answer nobody waits for), on behalf of
    /// the end caller `on_behalf_of` names, if any.
    pub async fn search(
        &self,
        request: v1::NationalNodeSearchRequest,
        deadline: Duration,
        on_behalf_of: Option<&MetadataValue<Ascii>>,
    ) -> std::result::Result<v1::NationalNodeSearchResponse, CallError> {
        let mut client = self.client()?;
        let request = outgoing(request, deadline, on_behalf_of);
        self.link
            .settle(tokio::time::timeout(deadline, client.search(request)).await)
    }

    /// Sends a hit report to the node, bounded by `deadline`, on behalf of the reporting
    /// officer `on_behalf_of` names, if any.
    pub async fn report_hit(
        &self,
        request: v1::NationalNodeReportHitRequest,
        deadline: Duration,
        on_behalf_of: Option<&MetadataValue<Ascii>>,
    ) -> std::result::Result<v1::NationalNodeReportHitResponse, CallError> {
        let mut client = self.client()?;
        let request = outgoing(request, deadline, on_behalf_of);
        self.link
            .settle(tokio::time::timeout(deadline, client.report_hit(request)).await)
    }

    /// Asks the node for the alert of an accepted hit report, restricted part included,
    /// bounded by `deadline`, on behalf of the officer `on_behalf_of` names.
    pub async fn get_released_alert(
        &self,
        request: v1::NationalNodeGetReleasedAlertRequest,
        deadline: Duration,
        on_behalf_of: Option<&MetadataValue<Ascii>>,
    ) -> std::result::Result<v1::NationalNodeGetReleasedAlertResponse, CallError> {
        let mut client = self.client()?;
        let request = outgoing(request, deadline, on_behalf_of);
        let answer = tokio::time::timeout(deadline, client.get_released_alert(request)).await;
        self.link.settle(answer)
    }
}
