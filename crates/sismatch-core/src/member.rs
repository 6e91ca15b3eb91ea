//! One node of the federation as the core sees it: a gRPC channel and whether it is up.
//!
//! A node that cannot be reached costs one failed call, not a deadline per query: the first
//! connection failure marks it down, calls then fail at once with UNAVAILABLE, and a background
//! task reconnects with exponential back-off and marks it up again. A slow node that still
//! accepts connections stays up; each call to it is bounded by the caller's deadline.

use std::error::Error as _;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use sismatch_auth::ON_BEHALF_OF;
use sismatch_proto::v1::{self, national_node_client::NationalNodeClient};
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};
use tonic::{Code, Status};
use tracing::{debug, info, warn};

use crate::config::{ClientTls, MemberConfig};
use crate::error::{CoreError, Result};

/// Largest message the core accepts from a node: a full top-100 answer fits easily.
const MAX_MESSAGE: usize = 16 * 1024 * 1024;
/// First wait before reconnecting to a node that went down.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// Why a call to a node gave no answer.
#[derive(Debug)]
pub enum CallError {
    /// The deadline passed first.
    Timeout,
    /// The node could not be reached, or said it cannot serve now.
    Unavailable(String),
    /// The node answered with an error.
    Failed(Status),
}

impl CallError {
    /// The message for the node's status line.
    pub fn message(&self) -> String {
        match self {
            CallError::Timeout => "no answer before the deadline".to_string(),
            CallError::Unavailable(message) => message.clone(),
            CallError::Failed(status) => format!("{:?}: {}", status.code(), status.message()),
        }
    }
}

enum Link {
    Up(NationalNodeClient<Channel>),
    Down { reason: String, since: Instant },
}

/// A national node (or shard) the core calls.
pub struct Member {
    config: MemberConfig,
    endpoint: Endpoint,
    connect_timeout: Duration,
    max_backoff: Duration,
    link: Mutex<Link>,
}

fn client(channel: Channel) -> NationalNodeClient<Channel> {
    NationalNodeClient::new(channel)
        .max_decoding_message_size(MAX_MESSAGE)
        .max_encoding_message_size(MAX_MESSAGE)
}

/// Whether `status` was made by the client's transport (the connection failed, was refused or
/// broke), as opposed to sent by the node: only the transport attaches a source error.
fn is_connection_failure(status: &Status) -> bool {
    status.source().is_some()
}

/// Whether `status` says the call ran out of time: DEADLINE_EXCEEDED, or CANCELLED, which is
/// what a tonic server answers when the `grpc-timeout` the core sent expires first, and what
/// the client's own timeout gives (with a [`tonic::TimeoutExpired`] source). A CANCELLED with
/// another source is a connection that broke mid-call (the node killed): not a timeout.
fn is_timeout(status: &Status) -> bool {
    let mut source = status.source();
    let mut expired = source.is_none();
    while let Some(error) = source {
        expired |= error.is::<tonic::TimeoutExpired>();
        source = error.source();
    }
    status.code() == Code::DeadlineExceeded || (status.code() == Code::Cancelled && expired)
}

impl Member {
    /// A member for `config`; connects lazily, on the first call.
    pub fn new(
        config: MemberConfig,
        connect_timeout: Duration,
        max_backoff: Duration,
        tls: Option<&ClientTls>,
    ) -> Result<Arc<Member>> {
        let mut endpoint = Endpoint::from_shared(config.address.clone())
            .map_err(|e| {
                CoreError::invalid(
                    format!("nodes.{}.address", config.name),
                    format!("'{}' is not a URI: {e}", config.address),
                )
            })?
            .connect_timeout(connect_timeout)
            .tcp_nodelay(true)
            .http2_keep_alive_interval(Duration::from_secs(30))
            .keep_alive_while_idle(true);
        if let Some(tls) = tls {
            let settings = ClientTlsConfig::new()
                .ca_certificate(Certificate::from_pem(&tls.ca_pem))
                .identity(Identity::from_pem(&tls.cert_pem, &tls.key_pem));
            endpoint = endpoint.tls_config(settings).map_err(|e| {
                CoreError::invalid(
                    format!("nodes.{}.address", config.name),
                    format!("cannot use TLS towards '{}': {e}", config.address),
                )
            })?;
        }
        let channel = endpoint.connect_lazy();
        Ok(Arc::new(Member {
            config,
            endpoint,
            connect_timeout,
            max_backoff,
            link: Mutex::new(Link::Up(client(channel))),
        }))
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
        self.link
            .lock()
            .map(|link| matches!(*link, Link::Up(_)))
            .unwrap_or(false)
    }

    fn client(&self) -> std::result::Result<NationalNodeClient<Channel>, CallError> {
        let link = self
            .link
            .lock()
            .map_err(|_| CallError::Unavailable("connection state poisoned".to_string()))?;
        match &*link {
            Link::Up(client) => Ok(client.clone()),
            Link::Down { reason, since } => Err(CallError::Unavailable(format!(
                "down for {} ms ({reason}); reconnecting in the background",
                since.elapsed().as_millis()
            ))),
        }
    }

    /// Searches the node, giving up after `deadline` (which is also sent to the node as the
    /// call's gRPC deadline, so it stops working on an answer nobody waits for), on behalf of
    /// the end caller `on_behalf_of` names, if any.
    pub async fn search(
        self: &Arc<Self>,
        request: v1::NationalNodeSearchRequest,
        deadline: Duration,
        on_behalf_of: Option<&MetadataValue<Ascii>>,
    ) -> std::result::Result<v1::NationalNodeSearchResponse, CallError> {
        let mut client = self.client()?;
        let mut request = tonic::Request::new(request);
        request.set_timeout(deadline);
        if let Some(value) = on_behalf_of {
            request.metadata_mut().insert(ON_BEHALF_OF, value.clone());
        }
        sismatch_telemetry::inject_context(request.metadata_mut());
        match tokio::time::timeout(deadline, client.search(request)).await {
            Err(_) => Err(CallError::Timeout),
            Ok(Ok(response)) => Ok(response.into_inner()),
            Ok(Err(status)) => Err(self.failed(status)),
        }
    }

    /// Sends a hit report to the node, bounded by `deadline`, on behalf of the reporting
    /// officer `on_behalf_of` names, if any.
    pub async fn report_hit(
        self: &Arc<Self>,
        request: v1::NationalNodeReportHitRequest,
        deadline: Duration,
        on_behalf_of: Option<&MetadataValue<Ascii>>,
    ) -> std::result::Result<v1::NationalNodeReportHitResponse, CallError> {
        let mut client = self.client()?;
        let mut request = tonic::Request::new(request);
        request.set_timeout(deadline);
        if let Some(value) = on_behalf_of {
            request.metadata_mut().insert(ON_BEHALF_OF, value.clone());
        }
        sismatch_telemetry::inject_context(request.metadata_mut());
        match tokio::time::timeout(deadline, client.report_hit(request)).await {
            Err(_) => Err(CallError::Timeout),
            Ok(Ok(response)) => Ok(response.into_inner()),
            Ok(Err(status)) => Err(self.failed(status)),
        }
    }

    fn failed(self: &Arc<Self>, status: Status) -> CallError {
        if is_timeout(&status) {
            return CallError::Timeout;
        }
        if is_connection_failure(&status) {
            let reason = status.message().to_string();
            self.mark_down(&reason);
            return CallError::Unavailable(reason);
        }
        if status.code() == Code::Unavailable {
            return CallError::Unavailable(status.message().to_string());
        }
        CallError::Failed(status)
    }

    /// Marks the node down and starts the background reconnect, once.
    fn mark_down(self: &Arc<Self>, reason: &str) {
        let Ok(mut link) = self.link.lock() else {
            return;
        };
        if matches!(*link, Link::Down { .. }) {
            return;
        }
        warn!(node = %self.config.name, address = %self.config.address, %reason, "node unreachable; reconnecting in the background");
        *link = Link::Down {
            reason: reason.to_string(),
            since: Instant::now(),
        };
        drop(link);
        tokio::spawn(reconnect(Arc::downgrade(self)));
    }
}

/// Tries to connect again after growing pauses until it succeeds or the member is dropped.
async fn reconnect(member: Weak<Member>) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        tokio::time::sleep(backoff).await;
        let Some(this) = member.upgrade() else {
            return;
        };
        let attempt = tokio::time::timeout(this.connect_timeout, this.endpoint.connect()).await;
        match attempt {
            Ok(Ok(channel)) => {
                if let Ok(mut link) = this.link.lock() {
                    *link = Link::Up(client(channel));
                }
                info!(node = %this.config.name, "node reachable again");
                return;
            }
            Ok(Err(error)) => debug!(node = %this.config.name, %error, "reconnect failed"),
            Err(_) => debug!(node = %this.config.name, "reconnect timed out"),
        }
        backoff = (backoff * 2).min(this.max_backoff);
    }
}
