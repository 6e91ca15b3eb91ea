//! What the core is told at start: its nodes and its defaults. Plain structs; reading them from
//! a TOML file or flags is the binary's job.

use std::time::Duration;

/// One national node (or one shard of a large country) the core asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberConfig {
    /// Name of the node in answers and logs: the country code, or `NL-2` for a second shard.
    pub name: String,
    /// ISO 3166-1 alpha-2 code of the country whose alerts the node holds.
    pub country: String,
    /// gRPC address (`http://127.0.0.1:7401`).
    pub address: String,
}

/// A manufacturer partner the core may ask to expand a police search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerMemberConfig {
    /// The partner's name (`YAMAHA`), in statuses and logs.
    pub name: String,
    /// gRPC address (`https://yamaha-partner:7600`).
    pub address: String,
    /// Normalised key prefixes of the identifiers its register holds: HIN manufacturer codes
    /// (`YAM`), VIN world manufacturer identifiers, engine-serial prefixes (`6CJ`).
    pub prefixes: Vec<String>,
}

/// How the core proves who it is to the nodes, and checks who they are: mutually
/// authenticated TLS with PEM files read by the caller.
#[derive(Debug, Clone)]
pub struct ClientTls {
    /// The certificate authority that signed the nodes' certificates.
    pub ca_pem: Vec<u8>,
    /// The core's own certificate (its subject names the core to the nodes).
    pub cert_pem: Vec<u8>,
    /// The core's private key.
    pub key_pem: Vec<u8>,
}

/// The core's configuration.
#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// The federation's nodes, in the order their statuses are reported.
    pub members: Vec<MemberConfig>,
    /// Fan-out deadline of a search that names none.
    pub default_deadline: Duration,
    /// How long one attempt to connect to a node may take; a node that does not accept a
    /// connection within it is marked unavailable and retried in the background.
    pub connect_timeout: Duration,
    /// Longest wait between two reconnect attempts to a node that is down.
    pub max_backoff: Duration,
    /// Dealer checks allowed per caller and minute; 0 = unlimited.
    pub dealer_checks_per_minute: u32,
    /// TLS towards the nodes and partners (`https://` addresses); None for plain connections.
    pub tls: Option<ClientTls>,
    /// Manufacturer partners for `expand_via_partners`.
    pub partners: Vec<PartnerMemberConfig>,
}

impl CoreConfig {
    /// A configuration with the default timings for `members`.
    pub fn new(members: Vec<MemberConfig>) -> Self {
        CoreConfig {
            members,
            default_deadline: Duration::from_millis(500),
            connect_timeout: Duration::from_millis(250),
            max_backoff: Duration::from_secs(5),
            dealer_checks_per_minute: 60,
            tls: None,
            partners: Vec::new(),
        }
    }
}
