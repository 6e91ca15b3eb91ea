//! The web page (issue 13) over HTTP against a real federation: two national nodes and a
//! core in this process, over mutual TLS with roles, and the `sismatch web` binary calling
//! the core as a trusted forwarder with its own certificate, configured by a TOML file with
//! Argon2-hashed accounts. Every page is read as a browser without JavaScript reads it.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sismatch_alert::{Alert, Contact, IdentifierEntry, Restricted};
use sismatch_auth::{AuthMode, AuthSettings, Directory, Role};
use sismatch_ident::IdentifierKind;
use sismatch_partner::{PartnerConfig, RegisterRecord};
use sismatch_proto::v1::national_node_client::NationalNodeClient;
use sismatch_serve::LocalFederation;
use tempfile::TempDir;
use tonic::transport::{Certificate, Channel, ClientTlsConfig};

use crate::http::{Browser, Reply};
use crate::roles::{entry, identity, over_mtls, pem};
use crate::support::{Running, import, metrics_line, scrape, series, sismatch, terminate};
use sismatch_sample::fixture;

/// Passwords of the test accounts (hashed into the web server's config).
pub const PASSWORD: &str = "counter-password-1";

/// A federation with the web page in front of it.
pub struct WebFederation {
    pub web: SocketAddr,
    /// The web server's metrics endpoint.
    pub metrics: SocketAddr,
    /// The alerts stored, NL's and BE's, each with restricted data.
    pub alerts: Vec<Alert>,
    _web_process: Running,
    _federation: LocalFederation,
    _certs: TempDir,
}

fn directory(identities: Vec<sismatch_auth::IdentityEntry>, forwarders: &[&str]) -> Arc<Directory> {
    Arc::new(
        Directory::new(AuthSettings {
            mode: AuthMode::Required,
            accept_tokens: false,
            identities,
            trusted_forwarders: forwarders.iter().map(|f| f.to_string()).collect(),
            policy: Vec::new(),
        })
        .unwrap(),
    )
}

/// Restricted data whose every field is a marker no page may show a dealer.
fn restricted(id: &str) -> Restricted {
    let contact = |who: &str| Contact {
        name: Some(format!("{who}-NAME-{id}")),
        phone: Some(format!("{who}-PHONE-{id}")),
        email: Some(format!("{who}-MAIL-{id}@example.org")),
        address: Some(format!("{who}-ADDRESS-{id}")),
    };
    Restricted {
        owner: Some(contact("OWNER")),
        victim: Some(contact("VICTIM")),
        notes: Some(format!("NOTES-{id}")),
    }
}

/// What no dealer page may contain about `alert`: its id, its descriptive fields and every
/// restricted field.
pub fn secrets(alert: &Alert) -> Vec<String> {
    let mut out = vec![alert.id.clone()];
    out.extend(alert.description.clone());
    out.extend(alert.case_reference.clone());
    out.extend(alert.brand.clone());
    if let Some(r) = &alert.restricted {
        out.extend(r.notes.clone());
        for contact in [&r.owner, &r.victim].into_iter().flatten() {
            out.extend(contact.name.clone());
            out.extend(contact.phone.clone());
            out.extend(contact.email.clone());
            out.extend(contact.address.clone());
        }
    }
    out
}

async fn tls_channel(certs: &Path, addr: SocketAddr, name: &str) -> Channel {
    let tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(pem(certs, "ca.pem")))
        .domain_name("localhost")
        .identity(identity(certs, name));
    Channel::from_shared(format!("https://localhost:{}", addr.port()))
        .unwrap()
        .tls_config(tls)
        .unwrap()
        .connect()
        .await
        .unwrap()
}

/// Who each server of the federation knows, by its name: the nodes know the core, the web
/// server and the operator `beheer`, and believe the first two about the end caller; the
/// partner knows and believes the core; the core knows the web server, which it believes, and
/// the operator.
fn directory_of(server: &str) -> Arc<Directory> {
    let operator = |name| entry(name, Role::Operator, None, None);
    match server {
        "core" => directory(vec![operator("web"), operator("beheer")], &["web"]),
        "partner YAMAHA" => directory(vec![operator("core")], &["core"]),
        _ => directory(
            vec![operator("core"), operator("web"), operator("beheer")],
            &["core", "web"],
        ),
    }
}

/// The hull number of the first NL alert, sold with `ENGINE`.
pub const HULL: &str = "ABC12345D404";

/// An engine serial no alert has, in YAMAHA's register.
pub const ENGINE: &str = "6CJ-1013456";

/// The web server's config file: the core and nodes over mTLS with the `web` certificate,
/// a dealer, police of NL and of BE, and an operator.
fn web_config(certs: &Path, core: SocketAddr, nodes: &[(&str, SocketAddr)]) -> String {
    let nodes: Vec<String> = nodes
        .iter()
        .map(|(country, addr)| format!("\"{country}=https://localhost:{}\"", addr.port()))
        .collect();
    let hash = sismatch_web::hash_password(PASSWORD).unwrap();
    let mut config = format!(
        "core = \"https://localhost:{}\"\nsecure_cookies = false\npolice_phone = \"+31 900 8844\"\n\
         checks_per_minute_per_address = 10000\nnodes = [{}]\n\
         trusted_proxies = [\"127.0.0.1\"]\nclient_certificate_header = \"X-Client-Cert-CN\"\n\n[tls]\nca = \"ca.pem\"\ncert = \"web.pem\"\nkey = \"web.key\"\n",
        core.port(),
        nodes.join(", ")
    );
    for (name, role, country) in [
        ("garage", "DEALER", None),
        ("agent-nl", "POLICE", Some("NL")),
        ("agent-be", "POLICE", Some("BE")),
        ("beheer", "OPERATOR", None),
    ] {
        config.push_str(&format!(
            "\n[[users]]\nname = \"{name}\"\nrole = \"{role}\"\n"
        ));
        if let Some(country) = country {
            config.push_str(&format!("country = \"{country}\"\n"));
        }
        if role == "DEALER" {
            config.push_str("dealer_id = \"KVK-12345678\"\n");
        }
        config.push_str(&format!("password_hash = \"{hash}\"\n"));
    }
    std::fs::write(certs.join("web.toml"), &config).unwrap();
    config
}

impl WebFederation {
    /// Starts everything; `dealer_quota` is the core's checks per dealer per minute.
    pub async fn start(alerts_per_country: usize, dealer_quota: u32) -> WebFederation {
        WebFederation::start_with(alerts_per_country, dealer_quota, &[]).await
    }

    /// Starts everything, the core also knowing a node of each of `dead`, which never answers
    /// (nothing listens at its address).
    pub async fn start_with(
        alerts_per_country: usize,
        dealer_quota: u32,
        dead: &[&'static str],
    ) -> WebFederation {
        let certs = TempDir::new().unwrap();
        let dir = certs.path();
        let mut args = vec!["certs", "--out", dir.to_str().unwrap()];
        args.extend([
            "node-nl",
            "node-be",
            "core",
            "web",
            "beheer",
            "partner-yamaha",
        ]);
        assert!(sismatch(&args).status.success());
        // Two nodes, YAMAHA's register and the core over them (and over a node of each of
        // `dead`, at an address where nothing listens), all over mutual TLS.
        let mut builder = over_mtls(dir, directory_of)
            .countries(["NL", "BE"])
            .partner(
                PartnerConfig::new("YAMAHA", dir.join("register")),
                vec!["6CJ".to_string()],
            )
            .core_config(move |config| config.dealer_checks_per_minute = dealer_quota);
        for country in dead {
            let nobody = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let port = nobody.local_addr().unwrap().port();
            builder = builder.remote_node(country, country, &format!("https://localhost:{port}"));
        }
        let federation = builder.start().await.unwrap();

        let mut alerts = Vec::new();
        let mut nodes = Vec::new();
        for (local, seed) in federation.nodes().iter().zip([31, 32]) {
            let country = local.country.as_str();
            let mut mine = fixture::alerts(country, alerts_per_country, seed);
            for alert in &mut mine {
                alert.restricted = Some(restricted(&alert.id));
            }
            if country == "NL" {
                // The boat whose engine YAMAHA sold with it.
                mine[0].identifiers = vec![IdentifierEntry::new(IdentifierKind::Hin, HULL)];
            }
            let mut operator =
                NationalNodeClient::new(tls_channel(dir, local.addr, "beheer").await);
            import(&mut operator, &mine, 100).await;
            assert!(local.node.wait_indexed(Duration::from_secs(20)).await);
            nodes.push((country, local.addr));
            alerts.extend(mine);
        }
        // YAMAHA's register: engine `ENGINE` was sold with hull `HULL`.
        let line = format!(
            r#"{{"maker":"YAMAHA","engine_serial":"{ENGINE}","hull":"{HULL}","sold_at":"2024-05-02"}}"#
        );
        let register = &federation.partner().unwrap().partner;
        register
            .import_batch(vec![RegisterRecord::from_ndjson(&line, "YAMAHA").unwrap()])
            .await
            .unwrap();
        let core = federation.core().unwrap().addr;
        web_config(dir, core, &nodes);
        let args: Vec<String> = [
            "web",
            "--listen",
            "127.0.0.1:0",
            "--metrics",
            "127.0.0.1:0",
            "--config",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([dir.join("web.toml").to_str().unwrap().to_string()])
        .collect();
        let (web_process, web, mut lines) = Running::spawn(&args, &dir.join("web.log"));
        let metrics = metrics_line(&mut lines);
        WebFederation {
            web,
            metrics,
            alerts,
            _web_process: web_process,
            _federation: federation,
            _certs: certs,
        }
    }

    /// A browser signed in as `name`.
    pub async fn signed_in(&self, name: &str) -> Browser {
        let mut browser = Browser::new(self.web);
        let reply = browser.sign_in(name, PASSWORD).await;
        assert_eq!(reply.status, 303, "{name} signs in: {}", reply.body);
        browser
    }

    /// The first identifier value of the `i`-th alert.
    pub fn value(&self, i: usize) -> String {
        self.alerts[i].identifiers[0].value.clone()
    }
}

/// Asserts that no alert's id, description or restricted field is in `page`.
pub fn assert_nothing_about_alerts(alerts: &[Alert], page: &Reply, context: &str) {
    for alert in alerts {
        for secret in secrets(alert) {
            assert!(
                !page.body.contains(&secret),
                "{context}: the dealer's page shows '{secret}' of {}",
                alert.id
            );
        }
    }
}

/// The text of the element with `id` on the page.
pub fn element(page: &Reply, id: &str) -> String {
    let marker = format!(r#"id="{id}">"#);
    let Some(start) = page.body.find(&marker) else {
        return String::new();
    };
    let rest = &page.body[start + marker.len()..];
    rest.chars().take_while(|c| *c != '<').collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dealer_checks_police_search_and_report_and_an_operator_sees_the_nodes() {
    let fed = WebFederation::start(6, 60).await;

    // Every page carries the strict policy; nothing is served without signing in.
    let mut anonymous = Browser::new(fed.web);
    let login = anonymous.get("/login").await;
    assert_eq!(login.status, 200);
    let csp = login.header("content-security-policy").unwrap();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("unsafe"),
        "{csp}"
    );
    assert_eq!(login.header("x-frame-options"), Some("DENY"));
    for path in ["/check", "/search", "/status", "/check/certificate"] {
        let page = anonymous.get(path).await;
        assert_eq!(
            (page.status, page.header("location")),
            (303, Some("/login")),
            "{path}"
        );
    }

    // A dealer: the cookie is HttpOnly and SameSite; a misread stolen number is a HIT.
    let mut dealer = Browser::new(fed.web);
    let wrong = dealer.sign_in("garage", "not the password").await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("User name or password is wrong."));
    let signed = dealer.sign_in("garage", PASSWORD).await;
    assert_eq!(signed.header("location"), Some("/check"));
    let cookie = signed
        .headers
        .iter()
        .find(|(k, v)| k == "set-cookie" && v.starts_with("sismatch_session="))
        .map(|(_, v)| v.clone())
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let stolen = fed.value(0);
    let misread = stolen.replacen('0', "O", 1);
    let hit = dealer
        .submit("/check", &[("values", &misread), ("kind", "")])
        .await;
    assert_eq!(hit.status, 200, "{}", hit.body);
    assert_eq!(element(&hit, "outcome"), "HIT", "{}", hit.body);
    assert!(element(&hit, "reference").starts_with("C-"));
    assert!(hit.body.contains("tel:+319008844"));
    assert_nothing_about_alerts(&fed.alerts, &hit, "HIT");
    let no_hit = dealer
        .submit("/check", &[("values", "ZZQ9XW7YV3KT2"), ("kind", "")])
        .await;
    assert_eq!(element(&no_hit, "outcome"), "NO HIT");
    assert_eq!(element(&no_hit, "countries"), "BE, NL");
    let certificate = dealer.get("/check/certificate").await;
    assert_eq!(certificate.status, 200);
    assert!(certificate.body.contains("KVK-12345678"));
    assert!(certificate.body.contains(&element(&no_hit, "reference")));
    assert_eq!(dealer.get("/search").await.status, 403);
    assert_eq!(dealer.get("/status").await.status, 403);

    // Police of the issuing country see the explanation and the owner; police of another
    // country see the alert without it, and report the hit.
    let nl_alert = &fed.alerts[0];
    let mut police_nl = fed.signed_in("agent-nl").await;
    let found = police_nl
        .submit("/search", &[("values", &misread), ("kind", "")])
        .await;
    assert_eq!(found.status, 200);
    assert!(found.body.contains(&nl_alert.id), "{}", found.body);
    assert!(found.body.contains("look-alike"), "{}", found.body);
    assert!(found.body.contains(&format!("NOTES-{}", nl_alert.id)));
    assert_eq!(police_nl.get("/check").await.status, 403);
    // The engine serial alone finds nothing; asked of the manufacturer, with a purpose and a
    // case, it leads to the boat it was sold with, and says how.
    let alone = police_nl
        .submit("/search", &[("values", "6CJ-1O13456")])
        .await;
    assert!(alone.body.contains("No alert matched."), "{}", alone.body);
    let expanded = police_nl
        .submit(
            "/search",
            &[
                ("values", "6CJ-1O13456"),
                ("expand", "on"),
                ("purpose", "THEFT_INVESTIGATION"),
                ("case_reference", "PL0100-2026-0815"),
            ],
        )
        .await;
    assert!(expanded.body.contains(&nl_alert.id), "{}", expanded.body);
    assert!(
        expanded
            .body
            .contains("via partner YAMAHA: 6CJ-1013456 → ABC12345D404"),
        "{}",
        expanded.body
    );
    assert!(expanded.body.contains("Manufacturers asked"));
    let mut police_be = fed.signed_in("agent-be").await;
    let found = police_be
        .submit("/search", &[("values", &misread), ("kind", "")])
        .await;
    assert!(found.body.contains(&nl_alert.id));
    assert!(
        !found.body.contains("NOTES-"),
        "restricted data went to BE police"
    );
    assert!(found.body.contains(r#"class="outcome">OK"#));
    let reported = police_be
        .submit(
            "/search/report",
            &[
                ("alert_id", &nl_alert.id),
                ("matched_value", &misread),
                ("location", "Antwerp harbour"),
                ("note", "found on a trailer"),
                ("case_reference", "BE-PV-2026-77"),
            ],
        )
        .await;
    assert!(reported.body.contains("Hit reported"), "{}", reported.body);
    // Prüm's second step: a Belgian report on a Dutch alert waits for the Netherlands.
    assert!(
        reported
            .body
            .contains("once the issuing country accepts the report"),
        "{}",
        reported.body
    );
    // The search is asked again: the alert now shows the hit.
    assert!(reported.body.contains("HIT_CONFIRMED"), "{}", reported.body);
    let again = police_be
        .submit("/search", &[("values", &stolen), ("kind", "")])
        .await;
    assert!(again.body.contains("HIT_CONFIRMED"), "{}", again.body);

    // The operator sees every node answering and their counts.
    let mut operator = fed.signed_in("beheer").await;
    let status = operator.get("/status").await;
    assert_eq!(status.status, 200, "{}", status.body);
    assert_eq!(
        status.body.matches(r#"class="outcome">OK"#).count(),
        2,
        "{}",
        status.body
    );
    assert!(
        status.body.contains("<td>6 (5 active)</td>")
            || status.body.contains("<td>6 (6 active)</td>"),
        "{}",
        status.body
    );
    // Each node's index segments, last minute's searches and start time, as its own status
    // gives them: the probe searched every node just now.
    assert!(
        status.body.contains("<th>Index segments</th>"),
        "{}",
        status.body
    );
    assert!(
        status.body.contains("<th>Searches (last minute)</th>"),
        "{}",
        status.body
    );
    assert!(!status.body.contains("<td>–</td>"), "{}", status.body);
    let year = jiff::Timestamp::now().to_string()[..4].to_string();
    assert_eq!(
        status.body.matches(&format!("<td>{year}-")).count(),
        2,
        "{}",
        status.body
    );

    // Every answer is counted by route and status.
    let scraped = scrape(fed.metrics).await;
    let checks = series(
        &scraped,
        "sismatch_web_requests_total",
        r#"route="/check",status="200""#,
    );
    assert!(checks.is_some_and(|n| n >= 2.0), "{scraped}");
    assert!(
        series(
            &scraped,
            "sismatch_web_requests_total",
            r#"route="/search",status="403""#
        )
        .is_some()
    );

    // Signing out ends the session on the server, not only in the browser.
    let session = dealer.cookies.get("sismatch_session").cloned().unwrap();
    let page = dealer.get("/check").await;
    dealer.post("/logout", &[("csrf", &page.csrf())]).await;
    let mut replay = Browser::new(fed.web);
    replay
        .cookies
        .insert("sismatch_session".to_string(), session);
    assert_eq!(replay.get("/check").await.status, 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_page_a_dealer_can_receive_says_anything_about_an_alert() {
    let fed = WebFederation::start(12, 1000).await;
    let mut dealer = fed.signed_in("garage").await;
    let mut rng = sismatch_sample::Rng::new(7);
    let mut hits = 0;
    for round in 0..40 {
        // Stored numbers, misread or cut to a fragment, several at once, and noise.
        let i = rng.index(fed.alerts.len());
        let stored = fed.value(i);
        let value = match round % 4 {
            0 => stored.clone(),
            1 => stored.replacen('0', "O", 1).replacen('1', "I", 1),
            2 => format!("*{}*", &stored[stored.len().saturating_sub(7)..]),
            _ => format!("{}\n{}", stored, fed.value((i + 1) % fed.alerts.len())),
        };
        let page = dealer
            .submit("/check", &[("values", &value), ("kind", "")])
            .await;
        assert_eq!(page.status, 200, "{value}: {}", page.body);
        if element(&page, "outcome") == "HIT" {
            hits += 1;
        }
        assert_nothing_about_alerts(&fed.alerts, &page, &value);
        let certificate = dealer.get("/check/certificate").await;
        assert_nothing_about_alerts(&fed.alerts, &certificate, &value);
    }
    assert!(
        hits >= 20,
        "only {hits} of 40 checks hit: the test would prove little"
    );
    // Refused and malformed requests do not leak either.
    for path in ["/search", "/status", "/nowhere"] {
        let page = dealer.get(path).await;
        assert_nothing_about_alerts(&fed.alerts, &page, path);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_the_form_back_with_a_message_never_a_server_error() {
    let fed = WebFederation::start(3, 3).await;
    let mut dealer = fed.signed_in("garage").await;
    let long = "A".repeat(10_000);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"values=".to_vec(), "give at least one number"),
        (crate::http::form(&[("values", &long)]), "at most"),
        (b"values=ABC%0012345".to_vec(), "control character"),
        (b"values=ABC%1B%5B2J".to_vec(), "control character"),
        (b"values=%FF%FEABC12345".to_vec(), "not UTF-8"),
        (b"values=ABC12345&kind=SPACESHIP".to_vec(), "unknown kind"),
        (b"%%%=&&&values".to_vec(), "give at least one number"),
    ];
    for (body, expected) in cases {
        let csrf = dealer.get("/check").await.csrf();
        let mut with_token = format!("csrf={csrf}&").into_bytes();
        with_token.extend_from_slice(&body);
        let page = dealer.post_raw("/check", with_token).await;
        assert_eq!(page.status, 400, "{}", String::from_utf8_lossy(&body));
        assert!(page.body.contains(r#"role="alert""#), "{}", page.body);
        assert!(page.body.contains(expected), "{expected}: {}", page.body);
        assert!(page.body.contains(r#"<form method="post" action="/check""#));
    }

    // In the person's language.
    dealer.accept_language = "nl-BE,nl;q=0.9".to_string();
    let page = dealer.submit("/check", &[("values", " ")]).await;
    assert!(
        page.body.contains("Nummers: geef minstens één nummer"),
        "{}",
        page.body
    );
    dealer.accept_language = "en".to_string();

    // A form without its session's token is refused, and nothing is checked.
    let page = dealer.post("/check", &[("values", &fed.value(0))]).await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("The form has expired"));
    let page = dealer
        .post(
            "/check",
            &[("csrf", &"0".repeat(64)), ("values", &fed.value(0))],
        )
        .await;
    assert_eq!(page.status, 403);

    // The core's per-dealer quota (3 a minute here) is a sentence on the page.
    let mut last = None;
    for _ in 0..4 {
        last = Some(dealer.submit("/check", &[("values", &fed.value(0))]).await);
    }
    let page = last.unwrap();
    assert_eq!(page.status, 429, "{}", page.body);
    assert!(page.body.contains("too many checks"), "{}", page.body);

    // A police search with nothing to search for, or a partner look-up without a case.
    let mut police = fed.signed_in("agent-nl").await;
    let page = police
        .submit("/search", &[("values", ""), ("text", "")])
        .await;
    assert_eq!(page.status, 400);
    let page = police
        .submit(
            "/search",
            &[
                ("values", "6CJ-1013456"),
                ("expand", "on"),
                ("purpose", "THEFT_INVESTIGATION"),
            ],
        )
        .await;
    assert_eq!(page.status, 400);
    assert!(
        page.body.contains("Case reference: required"),
        "{}",
        page.body
    );
    let page = police
        .submit(
            "/search/report",
            &[("alert_id", "NL-000001"), ("location", "")],
        )
        .await;
    assert!(
        page.body.contains("Where it was found: required"),
        "{}",
        page.body
    );

    // Sign-in is throttled: after five wrong passwords even the right one waits.
    let mut guesser = Browser::new(fed.web);
    for _ in 0..5 {
        assert_eq!(
            guesser.sign_in("beheer", "guess-guess-guess").await.status,
            401
        );
    }
    let refused = guesser.sign_in("beheer", PASSWORD).await;
    assert_eq!(refused.status, 429);
    assert!(refused.body.contains("Too many failed sign-ins"));

    // Labels follow Accept-Language and the switch.
    let mut dutch = Browser::new(fed.web);
    dutch.accept_language = "nl-NL,nl;q=0.9,en;q=0.5".to_string();
    assert!(dutch.get("/login").await.body.contains("Wachtwoord"));
    let switched = dutch.get("/lang?set=de&back=/login").await;
    assert_eq!(switched.header("location"), Some("/login"));
    assert!(dutch.get("/login").await.body.contains("Passwort"));
    let elsewhere = dutch.get("/lang?set=fr&back=//evil.example/").await;
    assert_eq!(elsewhere.header("location"), Some("/"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_proxy_signs_in_the_holder_of_a_client_certificate() {
    let fed = WebFederation::start(2, 60).await;
    // The proxy (here: loopback, trusted by the config) names the certificate's holder.
    let mut officer = Browser::new(fed.web);
    officer.extra_headers = vec![("X-Client-Cert-CN".to_string(), "agent-nl".to_string())];
    let page = officer.get("/search").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("agent-nl (POLICE NL)"));
    let found = officer
        .submit("/search", &[("values", &fed.value(0))])
        .await;
    assert!(found.body.contains(&fed.alerts[0].id), "{}", found.body);
    // The session it opened serves the next requests, with the same CSRF token.
    let session = officer.cookies.get("sismatch_session").cloned().unwrap();
    assert_eq!(officer.get("/search").await.csrf(), page.csrf());
    assert_eq!(officer.cookies.get("sismatch_session"), Some(&session));
    // A name that is not a configured user signs nobody in.
    let mut stranger = Browser::new(fed.web);
    stranger.extra_headers = vec![("X-Client-Cert-CN".to_string(), "mallory".to_string())];
    assert_eq!(
        stranger.get("/search").await.header("location"),
        Some("/login")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_config_of_the_deployment_guide_starts_the_web_page() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/web.example.toml");
    let dir = TempDir::new().unwrap();
    let args: Vec<String> = ["web", "--config", example, "--listen", "127.0.0.1:0"]
        .iter()
        .map(|s| s.to_string())
        .chain(["--metrics".to_string(), "127.0.0.1:0".to_string()])
        .collect();
    let (mut web, addr, _lines) = Running::spawn(&args, &dir.path().join("web.log"));
    // The core of the example is not there: the page still serves, and says so.
    let mut dealer = Browser::new(addr);
    assert_eq!(
        dealer
            .sign_in("example-dealer", "example-only-password")
            .await
            .status,
        303
    );
    let page = dealer.submit("/check", &[("values", "ABC12345D404")]).await;
    assert_eq!(page.status, 502, "{}", page.body);
    assert!(page.body.contains("cannot be reached"), "{}", page.body);
    // SIGTERM stops it cleanly.
    let status = terminate(&mut web.0).await;
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_bad_web_config_stops_the_server_naming_the_key() {
    let dir = TempDir::new().unwrap();
    let cases = [
        ("colour = \"red\"", "colour"),
        (
            "core = \"127.0.0.1:1\"\nsession_idle_minutes = 0",
            "session_idle_minutes",
        ),
        (
            "core = \"127.0.0.1:1\"\n[[users]]\nname = \"jan\"\nrole = \"POLICE\"\npassword_hash = \"x\"",
            "users[0].country",
        ),
        ("listen = \"127.0.0.1:0\"", "core: missing"),
    ];
    for (text, key) in cases {
        let path = dir.path().join("web.toml");
        std::fs::write(&path, text).unwrap();
        let output = sismatch(&[
            "web",
            "--config",
            path.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ]);
        assert!(!output.status.success(), "{text}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(key), "{text}: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_country_that_does_not_answer_makes_a_no_hit_incomplete() {
    let fed = WebFederation::start_with(2, 60, &["FR"]).await;
    let mut dealer = fed.signed_in("garage").await;
    let page = dealer
        .submit("/check", &[("values", "ZZQ9XW7YV3KT2")])
        .await;
    assert_eq!(element(&page, "outcome"), "INCOMPLETE", "{}", page.body);
    assert_eq!(element(&page, "countries"), "BE, NL");
    assert!(page.body.contains("Check again later"), "{}", page.body);
    // No certificate for an incomplete check.
    assert_eq!(dealer.get("/check/certificate").await.status, 404);
    // A stolen number is still a HIT: the countries that answered found it.
    let hit = dealer.submit("/check", &[("values", &fed.value(0))]).await;
    assert_eq!(element(&hit, "outcome"), "HIT");
    // The officer sees which country did not answer, and that matches may be missing.
    let mut police = fed.signed_in("agent-nl").await;
    let found = police.submit("/search", &[("values", &fed.value(0))]).await;
    assert!(found.body.contains(&fed.alerts[0].id), "{}", found.body);
    assert!(
        found.body.contains(r#"class="outcome">UNAVAILABLE"#),
        "{}",
        found.body
    );
    assert!(found.body.contains("matches may be missing"));
}
