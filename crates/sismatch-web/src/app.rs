//! The web server's state: its settings, the accounts, the sessions, the limits and the
//! connection to the core, built once at start.

use std::time::Duration;

use tonic::metadata::{Ascii, MetadataValue};

use crate::accounts::Accounts;
use crate::core_api::CoreApi;
use crate::proxy::ProxySettings;
use crate::session::Sessions;
use crate::status::StatusNode;
use crate::throttle::Limiter;

/// The web server's settings (the binary fills them from flags and the config file).
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// The telephone number a dealer with a HIT should call (shown on the answer).
    pub police_phone: String,
    /// Mark cookies `Secure` (sent over HTTPS only). Off only for plain-HTTP local use.
    pub secure_cookies: bool,
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// A session ends this long after sign-in at the latest.
    pub session_lifetime: Duration,
    /// Checks per minute from one client address (the page's own limit).
    pub checks_per_minute_per_address: u32,
    /// Failed sign-ins allowed per name and per address within `sign_in_window`.
    pub sign_in_failures: u32,
    /// The window of `sign_in_failures`.
    pub sign_in_window: Duration,
    /// The TLS-terminating proxies believed, and their client-certificate header.
    pub proxy: ProxySettings,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            police_phone: String::new(),
            secure_cookies: true,
            session_idle: Duration::from_secs(30 * 60),
            session_lifetime: Duration::from_secs(12 * 3600),
            checks_per_minute_per_address: 60,
            sign_in_failures: 5,
            sign_in_window: Duration::from_secs(15 * 60),
            proxy: ProxySettings::default(),
        }
    }
}

/// Everything a request handler needs.
#[derive(Debug)]
pub struct App {
    pub(crate) settings: WebSettings,
    pub(crate) proxy: ProxySettings,
    pub(crate) accounts: Accounts,
    pub(crate) sessions: Sessions,
    pub(crate) core: CoreApi,
    pub(crate) status_nodes: Vec<StatusNode>,
    pub(crate) authorization: Option<MetadataValue<Ascii>>,
    pub(crate) failures_by_name: Limiter,
    pub(crate) failures_by_address: Limiter,
    pub(crate) checks_by_address: Limiter,
    pub(crate) verifications: tokio::sync::Semaphore,
}

/// Password verifications running at once, at most.
const VERIFICATIONS: usize = 4;

impl App {
    /// The state of a web server over `core`, with the nodes whose status `/status` shows
    /// and the bearer token (`Bearer ...`) it sends to the servers, if any.
    pub fn new(
        settings: WebSettings,
        accounts: Accounts,
        core: CoreApi,
        status_nodes: Vec<StatusNode>,
        authorization: Option<MetadataValue<Ascii>>,
    ) -> App {
        let window = settings.sign_in_window;
        App {
            sessions: Sessions::new(settings.session_idle, settings.session_lifetime),
            failures_by_name: Limiter::new(settings.sign_in_failures, window),
            // An address (a shop's, an office's) may be shared by several people.
            failures_by_address: Limiter::new(settings.sign_in_failures.saturating_mul(4), window),
            checks_by_address: Limiter::new(
                settings.checks_per_minute_per_address,
                Duration::from_secs(60),
            ),
            proxy: settings.proxy.clone(),
            verifications: tokio::sync::Semaphore::new(VERIFICATIONS),
            settings,
            accounts,
            core,
            status_nodes,
            authorization,
        }
    }
}
