//! What every server of the binary shares: message limits, request spans, shutdown signals.

use tracing::{Span, info, info_span};

/// Largest gRPC message accepted: an import batch of a few thousand alerts fits.
pub const MAX_MESSAGE: usize = 16 * 1024 * 1024;

/// One span per request, named by the RPC.
pub fn trace_span(request: &tonic::codegen::http::Request<()>) -> Span {
    info_span!("rpc", method = %request.uri().path())
}

/// Completes on Ctrl-C or SIGTERM: the server stops accepting and finishes what is in flight.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => info!("interrupted: shutting down"),
        () = terminate => info!("terminated: shutting down"),
    }
}
