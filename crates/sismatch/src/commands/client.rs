//! Connecting to a node or to the core as a client.

use anyhow::{Context, Result};
use sismatch_proto::v1::matching_core_client::MatchingCoreClient;
use sismatch_proto::v1::national_node_client::NationalNodeClient;
use tonic::transport::Channel;

use crate::commands::core::with_scheme;
use crate::commands::serve::MAX_MESSAGE;

async fn channel(address: &str, what: &str) -> Result<Channel> {
    Channel::from_shared(with_scheme(address))
        .with_context(|| format!("'{address}' is not a {what} address"))?
        .connect()
        .await
        .with_context(|| format!("cannot connect to the {what} at {address}"))
}

/// Connects to the node at `address` (`127.0.0.1:7400` or `http://host:port`).
pub async fn node_client(address: &str) -> Result<NationalNodeClient<Channel>> {
    Ok(NationalNodeClient::new(channel(address, "node").await?)
        .max_decoding_message_size(MAX_MESSAGE)
        .max_encoding_message_size(MAX_MESSAGE))
}

/// Connects to the matching core at `address` (`127.0.0.1:7500` or `http://host:port`).
pub async fn core_client(address: &str) -> Result<MatchingCoreClient<Channel>> {
    Ok(MatchingCoreClient::new(channel(address, "core").await?)
        .max_decoding_message_size(MAX_MESSAGE)
        .max_encoding_message_size(MAX_MESSAGE))
}
