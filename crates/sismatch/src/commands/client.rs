//! Connecting to a node or to the core as a client, with the caller's credentials.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use sismatch_proto::v1::matching_core_client::MatchingCoreClient;
use sismatch_proto::v1::national_node_client::NationalNodeClient;
use sismatch_serve::{MAX_MESSAGE, with_scheme};
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

/// How a command-line client proves who it is: a client certificate (mutual TLS, `https://`
/// addresses) or a bearer token where the server accepts tokens. Without any, the server must
/// run in open mode.
#[derive(Debug, Clone, Default, Args)]
pub struct Credentials {
    /// The authority that signed the server's certificate (PEM); implies TLS.
    #[arg(long, env = "SISMATCH_CA")]
    ca: Option<PathBuf>,
    /// This client's certificate (PEM), for mutual TLS; needs --key.
    #[arg(long, requires = "key", env = "SISMATCH_CERT")]
    cert: Option<PathBuf>,
    /// This client's private key (PEM).
    #[arg(long, requires = "cert", env = "SISMATCH_KEY")]
    key: Option<PathBuf>,
    /// A bearer token (where the server's config accepts tokens).
    #[arg(long, env = "SISMATCH_TOKEN", hide_env_values = true)]
    token: Option<String>,
}

fn read(path: &PathBuf, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("--{what}: cannot read {}", path.display()))
}

impl Credentials {
    /// The `authorization` header of the bearer token, if any.
    pub fn authorization(&self) -> Result<Option<MetadataValue<Ascii>>> {
        self.token
            .as_ref()
            .map(|token| {
                format!("Bearer {token}")
                    .parse()
                    .context("--token: not a valid header value")
            })
            .transpose()
    }

    /// Adds the bearer token, if any, to a request.
    pub fn authorize<T>(&self, request: &mut tonic::Request<T>) -> Result<()> {
        if let Some(value) = self.authorization()? {
            request.metadata_mut().insert("authorization", value);
        }
        Ok(())
    }

    /// A request carrying `message` and the credentials.
    pub fn request<T>(&self, message: T) -> Result<tonic::Request<T>> {
        let mut request = tonic::Request::new(message);
        self.authorize(&mut request)?;
        Ok(request)
    }

    /// The endpoint of `address` with these credentials' TLS settings; `what` (`core`,
    /// `node`) names the server in errors.
    pub fn endpoint(&self, address: &str, what: &str) -> Result<Endpoint> {
        let mut uri = with_scheme(address);
        if self.ca.is_some() && uri.starts_with("http://") {
            uri = uri.replacen("http://", "https://", 1);
        }
        let mut endpoint = Channel::from_shared(uri)
            .with_context(|| format!("'{address}' is not a {what} address"))?;
        if let Some(ca) = &self.ca {
            let mut tls =
                ClientTlsConfig::new().ca_certificate(Certificate::from_pem(read(ca, "ca")?));
            if let (Some(cert), Some(key)) = (&self.cert, &self.key) {
                tls = tls.identity(Identity::from_pem(read(cert, "cert")?, read(key, "key")?));
            }
            endpoint = endpoint.tls_config(tls).context("invalid TLS settings")?;
        }
        Ok(endpoint)
    }

    /// A channel to `address` with these credentials' TLS settings; `what` (`core`, `node`)
    /// names the server in errors.
    pub async fn channel(&self, address: &str, what: &str) -> Result<Channel> {
        self.endpoint(address, what)?
            .connect()
            .await
            .with_context(|| format!("cannot connect to the {what} at {address}"))
    }

    /// These credentials, with what they lack taken from `other` (flags over a config file).
    pub fn or(self, other: Credentials) -> Credentials {
        let (cert, key) = match (self.cert, self.key) {
            (Some(cert), Some(key)) => (Some(cert), Some(key)),
            _ => (other.cert, other.key),
        };
        Credentials {
            ca: self.ca.or(other.ca),
            cert,
            key,
            token: self.token.or(other.token),
        }
    }

    /// Credentials from a config file's paths and token.
    pub fn from_parts(
        ca: Option<PathBuf>,
        cert: Option<PathBuf>,
        key: Option<PathBuf>,
        token: Option<String>,
    ) -> Credentials {
        Credentials {
            ca,
            cert,
            key,
            token,
        }
    }
}

/// A connected client of a national node.
pub type NodeClient = NationalNodeClient<Channel>;

/// Connects to the node at `address` (`127.0.0.1:7400` or `http://host:port`).
pub async fn node_client(address: &str, credentials: &Credentials) -> Result<NodeClient> {
    Ok(
        NationalNodeClient::new(credentials.channel(address, "node").await?)
            .max_decoding_message_size(MAX_MESSAGE)
            .max_encoding_message_size(MAX_MESSAGE),
    )
}

/// Connects to the matching core at `address` (`127.0.0.1:7500` or `https://host:port`).
pub async fn core_client(
    address: &str,
    credentials: &Credentials,
) -> Result<MatchingCoreClient<Channel>> {
    Ok(
        MatchingCoreClient::new(credentials.channel(address, "core").await?)
            .max_decoding_message_size(MAX_MESSAGE)
            .max_encoding_message_size(MAX_MESSAGE),
    )
}

/// Prints one page of a paged listing for `--json`: the items under `name`, and the token
/// that asks for the next page (empty on the last), as every paged listing of the API gives
/// them.
pub fn print_json_page(
    name: &str,
    items: Vec<serde_json::Value>,
    next_page_token: &str,
) -> Result<()> {
    let mut listing = serde_json::Map::new();
    listing.insert(name.to_string(), serde_json::Value::Array(items));
    listing.insert("next_page_token".to_string(), next_page_token.into());
    println!("{}", serde_json::to_string_pretty(&listing)?);
    Ok(())
}
