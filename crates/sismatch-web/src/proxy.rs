//! Deployments behind a TLS-terminating proxy (nginx, HAProxy, a load balancer): only from
//! the proxies the configuration trusts, the client's address is taken from the last
//! `X-Forwarded-For` entry (for the per-address limits), and, where the proxy checks client
//! certificates, the person is signed in by the name it passes in the configured header (the
//! certificate subject's common name, which must be a configured user). The proxy must
//! remove that header from what clients send; a request from any other address is never
//! believed.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Response, header};
use axum::middleware::Next;

use crate::app::App;
use crate::session::{SESSION_COOKIE, cookie, set_cookie};

/// Which proxies are believed, and the header naming a certificate's holder.
#[derive(Debug, Clone, Default)]
pub struct ProxySettings {
    /// Addresses of the trusted proxies.
    pub trusted: Vec<IpAddr>,
    /// The header in which a trusted proxy names the holder of a verified client certificate
    /// (`X-Client-Cert-CN`); None: certificates do not sign anyone in.
    pub certificate_header: Option<HeaderName>,
}

impl ProxySettings {
    fn trusts(&self, peer: Option<SocketAddr>) -> bool {
        peer.is_some_and(|peer| self.trusted.contains(&peer.ip()))
    }

    /// The client's address: the peer's, or for a trusted proxy the last address it appended
    /// to `X-Forwarded-For`.
    pub fn client_address(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> String {
        let Some(peer) = peer else {
            return "unknown".to_string();
        };
        if self.trusts(Some(peer)) {
            // The entry the proxy appended is the last one; earlier ones are the client's word.
            let forwarded = headers
                .get_all("x-forwarded-for")
                .iter()
                .next_back()
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.rsplit(',').next())
                .and_then(|entry| entry.trim().parse::<IpAddr>().ok());
            if let Some(client) = forwarded {
                return client.to_string();
            }
        }
        peer.ip().to_string()
    }

    /// The name a trusted proxy passes for a verified client certificate, if any.
    fn certificate_holder(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<String> {
        let header = self.certificate_header.as_ref()?;
        if !self.trusts(peer) {
            return None;
        }
        let name = headers.get(header)?.to_str().ok()?.trim();
        (!name.is_empty()).then(|| name.to_string())
    }
}

/// Middleware: a request carrying a trusted proxy's certificate header for a configured user
/// gets a session for that user (cookie set on the answer) unless it already has one.
pub async fn certificate_sign_in(
    State(app): State<Arc<App>>,
    mut request: Request,
    next: Next,
) -> Response<Body> {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0);
    let Some(holder) = app.proxy.certificate_holder(peer, request.headers()) else {
        return next.run(request).await;
    };
    let cookies = request
        .headers()
        .get(header::COOKIE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    let now = Instant::now();
    let current = cookie(cookies.as_deref(), SESSION_COOKIE)
        .and_then(|id| app.sessions.get(id, now))
        .is_some_and(|session| session.person.name == holder);
    if current {
        return next.run(request).await;
    }
    let Some(person) = app.accounts.get(&holder) else {
        tracing::warn!(holder = %holder, "a client certificate names no configured user");
        return next.run(request).await;
    };
    let Some(id) = app.sessions.create(person, now) else {
        return next.run(request).await;
    };
    tracing::info!(user = %holder, "signed in by client certificate");
    let others: Vec<&str> = cookies
        .as_deref()
        .unwrap_or("")
        .split(';')
        .map(str::trim)
        .filter(|pair| !pair.is_empty() && !pair.starts_with("sismatch_session="))
        .collect();
    let mut jar = others.join("; ");
    if !jar.is_empty() {
        jar.push_str("; ");
    }
    jar.push_str(&format!("{SESSION_COOKIE}={id}"));
    if let Ok(value) = HeaderValue::from_str(&jar) {
        request.headers_mut().insert(header::COOKIE, value);
    }
    let mut response = next.run(request).await;
    let set = set_cookie(
        SESSION_COOKIE,
        &id,
        Some(app.sessions.lifetime()),
        app.settings.secure_cookies,
    );
    if let Ok(value) = HeaderValue::from_str(&set) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_trusted_proxy_is_believed() {
        let settings = ProxySettings {
            trusted: vec!["10.0.0.5".parse().unwrap()],
            certificate_header: Some(HeaderName::from_static("x-client-cert-cn")),
        };
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("198.51.100.7, 203.0.113.9"),
        );
        headers.insert("x-client-cert-cn", HeaderValue::from_static("agent-nl"));
        let proxy: SocketAddr = "10.0.0.5:41000".parse().unwrap();
        let client: SocketAddr = "192.0.2.1:50000".parse().unwrap();
        assert_eq!(
            settings.client_address(Some(proxy), &headers),
            "203.0.113.9"
        );
        assert_eq!(settings.client_address(Some(client), &headers), "192.0.2.1");
        assert_eq!(
            settings
                .certificate_holder(Some(proxy), &headers)
                .as_deref(),
            Some("agent-nl")
        );
        assert_eq!(settings.certificate_holder(Some(client), &headers), None);
        let no_header = ProxySettings {
            certificate_header: None,
            ..settings
        };
        assert_eq!(no_header.certificate_holder(Some(proxy), &headers), None);
    }
}
