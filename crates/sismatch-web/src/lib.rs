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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A web server over a core that is not there, on a free port.
    async fn server() -> SocketAddr {
        let channel = tonic::transport::Endpoint::from_static("http://127.0.0.1:9").connect_lazy();
        let app = Arc::new(App::new(
            WebSettings::default(),
            Accounts::default(),
            CoreApi::new(channel, None),
            Vec::new(),
            None,
        ));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve(listener, app, std::future::pending()));
        addr
    }

    /// The head of the answer to `method path`, lower-cased.
    async fn head(addr: SocketAddr, method: &str, path: &str) -> String {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer.split("\r\n\r\n").next().unwrap().to_lowercase()
    }

    #[tokio::test]
    async fn every_route_is_served_and_every_answer_carries_the_policy() {
        let addr = server().await;
        for route in respond::ROUTES {
            let method = if matches!(route, "/logout" | "/search/report") {
                "POST"
            } else {
                "GET"
            };
            let answer = head(addr, method, route).await;
            assert!(!answer.starts_with("http/1.1 404"), "{route}: {answer}");
            assert!(!answer.starts_with("http/1.1 5"), "{route}: {answer}");
            assert!(
                answer.contains("content-security-policy: default-src 'none'"),
                "{route}: {answer}"
            );
        }
        let unknown = head(addr, "GET", "/wp-admin").await;
        assert!(unknown.starts_with("http/1.1 404"), "{unknown}");
        assert!(unknown.contains("x-frame-options: deny"), "{unknown}");
        let css = head(addr, "GET", "/style.css").await;
        assert!(css.contains("content-type: text/css"), "{css}");
        let wrong_method = head(addr, "DELETE", "/check").await;
        assert!(wrong_method.starts_with("http/1.1 405"), "{wrong_method}");
        assert!(
            wrong_method.contains("content-security-policy"),
            "{wrong_method}"
        );
    }
}
