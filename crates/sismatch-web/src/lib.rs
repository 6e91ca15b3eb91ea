//! `sismatch-web`: the web page for the people at the counter (issue 13). A dealer checks the
//! numbers of an object offered for sale and gets HIT, NO HIT or INCOMPLETE and nothing
//! else; a police officer searches every country with numbers as read and reports a hit; an
//! operator sees the federation's status. Server-rendered HTML, forms and redirects: it works
//! without JavaScript.
//!
//! Layer: a server beside the `sismatch` binary's gRPC servers. It holds no alerts and no
//! matching logic: it calls the matching core over gRPC as a *trusted forwarder*, naming the
//! signed-in person (`x-sismatch-on-behalf-of`), so the core applies that person's role and
//! country and its audit log names who asked.
//!
//! What it must never do: show a dealer anything about an alert (a dealer's pages are built
//! from `CheckResponse` alone), accept a form without its session's CSRF token, keep a
//! password other than as an Argon2 hash, run script in a page (the Content-Security-Policy
//! forbids it), or answer bad input with a server error.

mod accounts;
mod app;
mod check;
mod core_api;
mod error;
mod handlers;
mod html;
mod i18n;
mod input;
mod pages;
mod proxy;
mod random;
mod respond;
mod search;
mod session;
mod status;
mod throttle;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tokio::net::TcpListener;

pub use accounts::{
    Account, Accounts, MIN_PASSWORD, UserEntry, hash_password, parse_role, valid_name,
};
pub use app::{App, WebSettings};
pub use core_api::CoreApi;
pub use error::{Result, WebError};
pub use i18n::Lang;
pub use proxy::ProxySettings;
pub use respond::{CSP, describe_metrics};
pub use session::SESSION_COOKIE;
pub use status::StatusNode;

/// Largest form body accepted: room for 10,000 characters of any script, percent-encoded.
const MAX_BODY: usize = 256 * 1024;

/// The routes of the web page.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(handlers::home))
        .route("/login", get(handlers::login_form).post(handlers::login))
        .route("/logout", post(handlers::logout))
        .route("/check", get(handlers::check_form).post(handlers::check))
        .route("/check/certificate", get(handlers::certificate))
        .route("/search", get(handlers::search_form).post(handlers::search))
        .route("/search/report", post(handlers::report_hit))
        .route("/status", get(handlers::status))
        .route("/lang", get(handlers::language))
        .route("/style.css", get(handlers::style))
        .route("/healthz", get(handlers::health))
        .fallback(handlers::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&app),
            proxy::certificate_sign_in,
        ))
        .layer(axum::middleware::from_fn(respond::security_headers))
        .with_state(app)
}

/// Serves the web page on `listener` until `shutdown` completes; requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
