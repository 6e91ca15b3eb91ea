//! What every handler needs from a request (language, session, client address) and the few
//! kinds of answer it gives (a page, a redirect), with the security headers every answer
//! carries.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use axum::response::IntoResponse;

use crate::accounts::Account;
use crate::app::App;
use crate::html::Frame;
use crate::i18n::Lang;
use crate::random::same_secret;
use crate::session::{LANG_COOKIE, LOGIN_COOKIE, SESSION_COOKIE, Session, cookie, set_cookie};

/// The Content-Security-Policy of every answer: nothing but this origin's stylesheet, no
/// script at all, forms posting only here, never framed.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The request's context.
#[derive(Debug)]
pub struct Ctx {
    /// The page language.
    pub lang: Lang,
    /// The session id and the session, when signed in.
    pub session: Option<(String, Session)>,
    /// The client's address (for the per-address limits).
    pub address: String,
    /// The sign-in form's CSRF token from its cookie, if any.
    pub login_token: Option<String>,
}

impl Ctx {
    /// The context of a request with `headers` from `peer`.
    pub fn of(app: &App, headers: &HeaderMap, peer: Option<SocketAddr>) -> Ctx {
        let cookies = headers.get(header::COOKIE).and_then(|v| v.to_str().ok());
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        let lang = Lang::negotiate(cookie(cookies, LANG_COOKIE), accept);
        let session = cookie(cookies, SESSION_COOKIE).and_then(|id| {
            app.sessions
                .get(id, Instant::now())
                .map(|session| (id.to_string(), session))
        });
        Ctx {
            lang,
            session,
            address: app.proxy.client_address(peer, headers),
            login_token: cookie(cookies, LOGIN_COOKIE).map(str::to_string),
        }
    }

    /// The session id and session of a signed-in person whom `may` allows here.
    pub fn allowed(&self, may: fn(&Account) -> bool) -> Option<(&str, &Session)> {
        self.session
            .as_ref()
            .filter(|(_, session)| may(&session.person))
            .map(|(id, session)| (id.as_str(), session))
    }

    /// The frame of a page at `path`.
    pub fn frame<'a>(&'a self, path: &'a str) -> Frame<'a> {
        Frame {
            lang: self.lang,
            person: self.session.as_ref().map(|(_, s)| &s.person),
            csrf: self.session.as_ref().map_or("", |(_, s)| s.csrf.as_str()),
            path,
        }
    }

    /// Whether `token` is this session's CSRF token.
    pub fn csrf_ok(&self, token: &str) -> bool {
        self.session
            .as_ref()
            .is_some_and(|(_, s)| same_secret(&s.csrf, token))
    }
}

/// Every handler's context, from the request's headers and the connection's address.
impl FromRequestParts<Arc<App>> for Ctx {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &Arc<App>,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0);
        Ok(Ctx::of(app, &parts.headers, peer))
    }
}

/// An HTML page with `status`, setting `cookies`.
pub fn html(status: StatusCode, body: String, cookies: &[String]) -> Response<Body> {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    add_cookies(headers, cookies);
    response
}

/// A 303 redirect to `location` (POST/redirect/GET), setting `cookies`.
pub fn redirect(location: &str, cookies: &[String]) -> Response<Body> {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(location) {
        headers.insert(header::LOCATION, value);
    }
    add_cookies(headers, cookies);
    response
}

fn add_cookies(headers: &mut HeaderMap, cookies: &[String]) {
    for value in cookies {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.append(header::SET_COOKIE, value);
        }
    }
}

/// The cookie that ends the session in the browser.
pub fn clear_session_cookie(app: &App) -> String {
    set_cookie(SESSION_COOKIE, "", None, app.settings.secure_cookies)
}

/// The routes of the page, as metric labels (any other path is `other`, so that a scan of
/// random paths cannot grow the label set).
pub const ROUTES: [&str; 11] = [
    "/",
    "/login",
    "/logout",
    "/check",
    "/check/certificate",
    "/search",
    "/search/report",
    "/status",
    "/lang",
    "/style.css",
    "/healthz",
];

/// Counter of answered requests, by route and HTTP status.
const REQUESTS: &str = "sismatch_web_requests_total";
/// Histogram of request durations, by route.
const DURATION: &str = "sismatch_web_request_duration_seconds";

/// Describes the web page's metrics to the installed recorder (the binary calls it).
pub fn describe_metrics() {
    metrics::describe_counter!(
        REQUESTS,
        "Web page requests answered, by route and HTTP status"
    );
    metrics::describe_histogram!(
        DURATION,
        "Seconds from a web request's arrival to its answer, by route"
    );
}

/// Adds the security headers to every answer, and counts and times it (middleware).
pub async fn security_headers(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response<Body> {
    let started = std::time::Instant::now();
    let path = request.uri().path();
    let route = ROUTES
        .iter()
        .find(|route| **route == path)
        .copied()
        .unwrap_or("other");
    let mut response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(REQUESTS, "route" => route, "status" => status).increment(1);
    metrics::histogram!(DURATION, "route" => route).record(started.elapsed().as_secs_f64());
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A path to come back to: only a local absolute path (`/check`), never another site.
pub fn local_path(path: &str) -> &str {
    let safe = path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && path.len() <= 200
        && path.chars().all(|c| c.is_ascii_graphic());
    if safe { path } else { "/" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path("/check"), "/check");
        assert_eq!(local_path("//evil.example/"), "/");
        assert_eq!(local_path("https://evil.example/"), "/");
        assert_eq!(local_path("/\\evil.example"), "/");
        assert_eq!(local_path(""), "/");
    }
}
