//! The core's connection to a server it calls (a national node or a manufacturer partner): a
//! gRPC channel and whether the server is up.
//!
//! A server that cannot be reached costs one failed call, not a connection attempt per query:
//! the first connection failure marks it down, calls then fail at once with UNAVAILABLE, and a
//! background task reconnects with exponential back-off and marks it up again. A slow server
//! that still accepts connections stays up; each call to it is bounded by the caller's
//! deadline.

use std::error::Error as _;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use sismatch_auth::ON_BEHALF_OF;
use sismatch_proto::v1;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};
use tonic::{Code, Status};
use tracing::{debug, info, warn};

use crate::config::ClientTls;
use crate::error::{CoreError, Result};

/// First wait before reconnecting to a server that went down.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// Up, with a channel to call through, or down since a connection failure.
enum State {
    Up(Channel),
    Down { reason: String, since: Instant },
}

/// How to reach a server, and whether it is reachable now.
pub struct Link {
    /// The server's name in logs (`NL`, `YAMAHA`).
    name: String,
    endpoint: Endpoint,
    connect_timeout: Duration,
    max_backoff: Duration,
    state: Mutex<State>,
}

impl Link {
    /// A link to `address`, connected lazily on the first call; `field` names the address's
    /// config key in errors (`nodes.NL.address`).
    pub fn new(
        field: &str,
        name: &str,
        address: &str,
        connect_timeout: Duration,
        max_backoff: Duration,
        tls: Option<&ClientTls>,
    ) -> Result<Arc<Link>> {
        let mut endpoint = Endpoint::from_shared(address.to_string())
            .map_err(|e| CoreError::invalid(field, format!("'{address}' is not a URI: {e}")))?
            .connect_timeout(connect_timeout)
            .tcp_nodelay(true)
            .http2_keep_alive_interval(Duration::from_secs(30))
            .keep_alive_while_idle(true);
        if let Some(tls) = tls {
            let settings = ClientTlsConfig::new()
                .ca_certificate(Certificate::from_pem(&tls.ca_pem))
                .identity(Identity::from_pem(&tls.cert_pem, &tls.key_pem));
            endpoint = endpoint.tls_config(settings).map_err(|e| {
                CoreError::invalid(field, format!("cannot use TLS towards '{address}': {e}"))
            })?;
        }
        let channel = endpoint.connect_lazy();
        Ok(Arc::new(Link {
            name: name.to_string(),
            endpoint,
            connect_timeout,
            max_backoff,
            state: Mutex::new(State::Up(channel)),
        }))
    }

    /// Whether the server is believed reachable (no connection failure since the last
    /// successful reconnect).
    pub fn is_up(&self) -> bool {
        self.state
            .lock()
            .map(|state| matches!(*state, State::Up(_)))
            .unwrap_or(false)
    }

    /// The channel to call through, or, while the server is down, why not (for its status
    /// line).
    pub fn channel(&self) -> std::result::Result<Channel, String> {
        let state = self
            .state
            .lock()
            .map_err(|_| "connection state poisoned".to_string())?;
        match &*state {
            State::Up(channel) => Ok(channel.clone()),
            State::Down { reason, since } => Err(format!(
                "down for {} ms ({reason}); reconnecting in the background",
                since.elapsed().as_millis()
            )),
        }
    }

    /// Marks the server down and starts the background reconnect, once.
    pub fn mark_down(self: &Arc<Self>, reason: &str) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if matches!(*state, State::Down { .. }) {
            return;
        }
        warn!(server = %self.name, %reason, "unreachable; reconnecting in the background");
        *state = State::Down {
            reason: reason.to_string(),
            since: Instant::now(),
        };
        drop(state);
        tokio::spawn(reconnect(Arc::downgrade(self)));
    }
}

/// Tries to connect again after growing pauses until it succeeds or the link is dropped.
async fn reconnect(link: Weak<Link>) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        tokio::time::sleep(backoff).await;
        let Some(this) = link.upgrade() else {
            return;
        };
        let attempt = tokio::time::timeout(this.connect_timeout, this.endpoint.connect()).await;
        match attempt {
            Ok(Ok(channel)) => {
                if let Ok(mut state) = this.state.lock() {
                    *state = State::Up(channel);
                }
                info!(server = %this.name, "reachable again");
                return;
            }
            Ok(Err(error)) => debug!(server = %this.name, %error, "reconnect failed"),
            Err(_) => debug!(server = %this.name, "reconnect timed out"),
        }
        backoff = (backoff * 2).min(this.max_backoff);
    }
}

/// Why a call to a server (a node, a partner) gave no answer.
#[derive(Debug)]
pub enum CallError {
    /// The deadline passed first.
    Timeout,
    /// The server could not be reached, or said it cannot serve now.
    Unavailable(String),
    /// The server answered with an error.
    Failed(Status),
}

impl CallError {
    /// The message for the server's status line.
    pub fn message(&self) -> String {
        match self {
            CallError::Timeout => "no answer before the deadline".to_string(),
            CallError::Unavailable(message) => message.clone(),
            CallError::Failed(status) => format!("{:?}: {}", status.code(), status.message()),
        }
    }

    /// The outcome the server's status line shows.
    pub fn outcome(&self) -> v1::NodeOutcome {
        match self {
            CallError::Timeout => v1::NodeOutcome::Timeout,
            CallError::Unavailable(_) => v1::NodeOutcome::Unavailable,
            CallError::Failed(_) => v1::NodeOutcome::Error,
        }
    }
}

impl Link {
    /// The answer of a call to this server bounded by `tokio::time::timeout`, or why there is
    /// none; a connection failure marks the server down.
    pub fn settle<T>(
        self: &Arc<Self>,
        answer: std::result::Result<
            std::result::Result<tonic::Response<T>, Status>,
            tokio::time::error::Elapsed,
        >,
    ) -> std::result::Result<T, CallError> {
        match answer {
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
}

/// An outgoing call carrying `message`: `deadline` sent as its gRPC timeout (so the server
/// stops working on an answer nobody waits for), the end caller `on_behalf_of` names, if any,
/// and the current trace context.
pub fn outgoing<T>(
    message: T,
    deadline: Duration,
    on_behalf_of: Option<&MetadataValue<Ascii>>,
) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.set_timeout(deadline);
    if let Some(value) = on_behalf_of {
        request.metadata_mut().insert(ON_BEHALF_OF, value.clone());
    }
    sismatch_telemetry::inject_context(request.metadata_mut());
    request
}

/// Whether `status` was made by the transport (the connection could not be made, or it
/// broke), as opposed to sent by the server: only the transport attaches a source error.
pub fn is_connection_failure(status: &Status) -> bool {
    status.source().is_some()
}

/// Whether `status` says the call ran out of time: DEADLINE_EXCEEDED, or CANCELLED, which is
/// what a tonic server answers when the `grpc-timeout` the core sent expires first, and what
/// the client's own timeout gives (with a [`tonic::TimeoutExpired`] source). A CANCELLED with
/// another source is a connection that broke mid-call (the server killed): not a timeout.
pub fn is_timeout(status: &Status) -> bool {
    let mut source = status.source();
    let mut expired = source.is_none();
    while let Some(error) = source {
        expired |= error.is::<tonic::TimeoutExpired>();
        source = error.source();
    }
    status.code() == Code::DeadlineExceeded || (status.code() == Code::Cancelled && expired)
}
