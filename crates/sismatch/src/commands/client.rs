//! Connecting to a node as a client.

use anyhow::{Context, Result};
use sismatch_proto::v1::national_node_client::NationalNodeClient;
use tonic::transport::Channel;

use crate::commands::serve::MAX_MESSAGE;

/// Connects to the node at `address` (`127.0.0.1:7400` or `http://host:port`).
pub async fn node_client(address: &str) -> Result<NationalNodeClient<Channel>> {
    let uri = if address.contains("://") {
        address.to_string()
    } else {
        format!("http://{address}")
    };
    let channel = Channel::from_shared(uri.clone())
        .with_context(|| format!("'{address}' is not a node address"))?
        .connect()
        .await
        .with_context(|| format!("cannot connect to the node at {address}"))?;
    Ok(NationalNodeClient::new(channel)
        .max_decoding_message_size(MAX_MESSAGE)
        .max_encoding_message_size(MAX_MESSAGE))
}
