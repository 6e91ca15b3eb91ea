//! The matching core over three real national nodes on loopback: fuzzy federated search,
//! groups, multi-identifier ranking, a dead node, a slow node, hit routing.

use std::time::Duration;

use sismatch_alert::{Alert, Category, IdentifierEntry, Status};
use sismatch_auth::Caller;
use sismatch_core::{Core, CoreConfig, MemberConfig, PartnerMemberConfig};
use sismatch_ident::IdentifierKind;
use sismatch_proto::v1;
use sismatch_proto::v1::matching_core_client::MatchingCoreClient;
use tempfile::TempDir;
use tonic::transport::Channel;

use crate::support::{
    InProcessCore, InProcessNode, NodeProcess, delaying_proxy, import, sismatch, sismatch_json,
};
use sismatch_sample::fixture;

fn entry(kind: IdentifierKind, value: &str) -> IdentifierEntry {
    IdentifierEntry::new(kind, value)
}

fn boat(id: &str, identifiers: Vec<IdentifierEntry>) -> Alert {
    let mut alert = fixture::alerts(&id[..2], 1, 1).remove(0);
    alert.id = id.to_string();
    alert.category = Category::Boat;
    alert.identifiers = identifiers;
    alert.status = Status::Active;
    alert
}

/// The objects the tests look for, with the generated background of each country.
fn country_data(country: &str) -> Vec<Alert> {
    let mut alerts = fixture::alerts(
        country,
        200,
        7 + country.len() as u64 * 31 + u64::from(country.as_bytes()[0]),
    );
    match country {
        "NL" => alerts.push(boat(
            "NL-BOAT-1",
            vec![
                entry(IdentifierKind::Cin, "NL-ABC12345D404"),
                entry(IdentifierKind::EngineSerial, "6CJ-1013456"),
            ],
        )),
        "BE" => {
            alerts.push(boat(
                "BE-BOAT-1",
                vec![
                    entry(IdentifierKind::Hin, "ABC 12345 D4 04"),
                    entry(IdentifierKind::EngineSerial, "6CJ 1013456"),
                ],
            ));
            alerts.push(boat(
                "BE-DECOY-1",
                vec![entry(IdentifierKind::Hin, "XYZ1A234B505")],
            ));
        }
        _ => alerts.push(boat(
            "FR-BOAT-2",
            vec![
                entry(IdentifierKind::Hin, "XYZ1A234B506"),
                entry(IdentifierKind::EngineSerial, "BAKJ-1234567"),
            ],
        )),
    }
    alerts
}

struct Federation {
    _dirs: Vec<TempDir>,
    nodes: Vec<InProcessNode>,
    core: InProcessCore,
}

async fn federation(deadline: Duration) -> Federation {
    let mut dirs = Vec::new();
    let mut nodes = Vec::new();
    for country in ["NL", "BE", "FR"] {
        let dir = TempDir::new().unwrap();
        let node = InProcessNode::start(country, dir.path()).await;
        let acks = import(&mut node.client().await, &country_data(country), 100).await;
        assert!(acks.iter().all(|ack| ack.rejected == 0), "{acks:?}");
        node.wait_indexed().await;
        dirs.push(dir);
        nodes.push(node);
    }
    let members: Vec<(&str, &str, std::net::SocketAddr)> = ["NL", "BE", "FR"]
        .iter()
        .zip(&nodes)
        .map(|(c, n)| (*c, *c, n.addr))
        .collect();
    let core = InProcessCore::start(&members, deadline).await;
    Federation {
        _dirs: dirs,
        nodes,
        core,
    }
}

fn query(value: &str) -> v1::IdentifierQuery {
    v1::IdentifierQuery {
        value: value.to_string(),
        ..v1::IdentifierQuery::default()
    }
}

async fn search(
    client: &mut MatchingCoreClient<Channel>,
    values: &[&str],
) -> v1::MatchingCoreSearchResponse {
    let request = v1::MatchingCoreSearchRequest {
        queries: values.iter().map(|v| query(v)).collect(),
        ..v1::MatchingCoreSearchRequest::default()
    };
    let mut request = tonic::Request::new(request);
    request.set_timeout(Duration::from_secs(10));
    client.search(request).await.unwrap().into_inner()
}

fn ids(response: &v1::MatchingCoreSearchResponse) -> Vec<String> {
    response
        .matches
        .iter()
        .map(|m| m.alert.as_ref().unwrap().id.clone())
        .collect()
}

fn outcomes(response: &v1::MatchingCoreSearchResponse) -> Vec<(String, v1::NodeOutcome)> {
    response
        .nodes
        .iter()
        .map(|n| {
            (
                n.node.clone(),
                v1::NodeOutcome::try_from(n.outcome).unwrap(),
            )
        })
        .collect()
}

fn all_ok() -> Vec<(String, v1::NodeOutcome)> {
    ["NL", "BE", "FR"]
        .iter()
        .map(|c| (c.to_string(), v1::NodeOutcome::Ok))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzzy_fragment_group_and_multi_identifier_searches_through_the_core() {
    let federation = federation(Duration::from_secs(5)).await;
    let mut client = federation.core.client().await;

    // Look-alikes (O for 0, S for 5) and a transposition (3 and 4 swapped) in the NL boat's
    // hull number, typed without the CIN's country prefix: found in NL and in BE.
    let answer = search(&mut client, &["ABC12435D4O4"]).await;
    assert_eq!(outcomes(&answer), all_ok());
    assert!(!answer.partial);
    let found = ids(&answer);
    assert!(found[..2].contains(&"NL-BOAT-1".to_string()), "{found:?}");
    assert!(found[..2].contains(&"BE-BOAT-1".to_string()), "{found:?}");
    let nl = &answer.matches[found.iter().position(|id| id == "NL-BOAT-1").unwrap()];
    assert_eq!(nl.node, "NL");
    let explanation = &nl.identifier_matches[0].explanation;
    assert!(explanation.contains("look-alike"), "{explanation}");
    assert!(explanation.contains("transposed"), "{explanation}");

    // The two alerts on that boat come back as one group.
    assert_eq!(answer.groups.len(), 1, "{:?}", answer.groups);
    let group = &answer.groups[0];
    assert_eq!(group.normalized_identifier, "ABC12345D404");
    let mut countries = group.countries.clone();
    countries.sort();
    assert_eq!(countries, vec!["BE", "NL"]);
    assert!(group.explanation.starts_with("same object reported by"));

    // A fragment of a ground-off hull number.
    let answer = search(&mut client, &["*2345D4*"]).await;
    let found = ids(&answer);
    assert!(found.contains(&"NL-BOAT-1".to_string()), "{found:?}");
    assert!(found.contains(&"BE-BOAT-1".to_string()), "{found:?}");

    // Hull number and engine serial read on one object: the BE decoy matches the hull number
    // exactly, but the FR boat agrees on both numbers and ranks first.
    let answer = search(&mut client, &["XYZ1A234B505", "BAKJ-1234567"]).await;
    let found = ids(&answer);
    assert_eq!(found[0], "FR-BOAT-2", "{found:?}");
    assert!(found.contains(&"BE-DECOY-1".to_string()), "{found:?}");
    assert_eq!(answer.matches[0].identifier_matches.len(), 2);
    let decoy = &answer.matches[found.iter().position(|id| id == "BE-DECOY-1").unwrap()];
    assert_eq!(decoy.identifier_matches.len(), 1);
    assert!((decoy.score - 1.0).abs() < 1e-9, "{}", decoy.score);

    // Limiting to one country asks only that node.
    let request = v1::MatchingCoreSearchRequest {
        queries: vec![query("ABC12345D404")],
        filter: Some(v1::SearchFilter {
            countries: vec!["BE".to_string()],
            ..v1::SearchFilter::default()
        }),
        ..v1::MatchingCoreSearchRequest::default()
    };
    let answer = client.search(request).await.unwrap().into_inner();
    assert_eq!(
        outcomes(&answer),
        vec![("BE".to_string(), v1::NodeOutcome::Ok)]
    );
    assert_eq!(ids(&answer)[0], "BE-BOAT-1");

    // Bad input names the field and reaches no node.
    let status = client
        .search(v1::MatchingCoreSearchRequest {
            queries: vec![query("A"), query(&"7".repeat(65))],
            ..v1::MatchingCoreSearchRequest::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert!(status.message().contains("queries[1].value"), "{status:?}");

    federation.core.stop().await;
    for node in federation.nodes {
        node.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_node_times_out_and_the_others_answer() {
    let dir_nl = TempDir::new().unwrap();
    let dir_be = TempDir::new().unwrap();
    let nl = InProcessNode::start("NL", dir_nl.path()).await;
    let be = InProcessNode::start("BE", dir_be.path()).await;
    for (node, country) in [(&nl, "NL"), (&be, "BE")] {
        import(&mut node.client().await, &country_data(country), 100).await;
        node.wait_indexed().await;
    }
    let slow_be = delaying_proxy(be.addr, Duration::from_secs(3)).await;
    let core = InProcessCore::start(
        &[("NL", "NL", nl.addr), ("BE", "BE", slow_be)],
        Duration::from_millis(300),
    )
    .await;
    let mut client = core.client().await;
    let answer = search(&mut client, &["ABC12345D404"]).await;
    assert_eq!(
        outcomes(&answer),
        vec![
            ("NL".to_string(), v1::NodeOutcome::Ok),
            ("BE".to_string(), v1::NodeOutcome::Timeout)
        ],
        "{:?}",
        answer.nodes
    );
    assert!(answer.partial);
    assert_eq!(ids(&answer), vec!["NL-BOAT-1".to_string()]);
    assert!(
        answer.nodes[1].message.contains("deadline"),
        "{:?}",
        answer.nodes[1]
    );

    // A caller's own gRPC deadline shorter than the core's bounds the fan-out too.
    let mut request = tonic::Request::new(v1::MatchingCoreSearchRequest {
        queries: vec![query("ABC12345D404")],
        deadline_ms: 20_000,
        ..v1::MatchingCoreSearchRequest::default()
    });
    request.set_timeout(Duration::from_millis(1500));
    let answer = client.search(request).await.unwrap().into_inner();
    assert_eq!(
        outcomes(&answer)[1].1,
        v1::NodeOutcome::Timeout,
        "{:?}",
        answer.nodes
    );
    assert_eq!(ids(&answer), vec!["NL-BOAT-1".to_string()]);

    core.stop().await;
    nl.stop().await;
    be.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_node_is_unavailable_then_reconnected() {
    let dirs: Vec<TempDir> = (0..2).map(|_| TempDir::new().unwrap()).collect();
    let nl = InProcessNode::start("NL", dirs[0].path()).await;
    import(&mut nl.client().await, &country_data("NL"), 100).await;
    nl.wait_indexed().await;
    let be = NodeProcess::spawn("BE", dirs[1].path());
    let be_addr = be.addr;
    import(
        &mut crate::support::client(be_addr).await,
        &country_data("BE"),
        100,
    )
    .await;
    let core = InProcessCore::start(
        &[("NL", "NL", nl.addr), ("BE", "BE", be_addr)],
        Duration::from_secs(2),
    )
    .await;
    let mut client = core.client().await;

    // Both up: BE's copy of the boat is found (the import above is searchable within 2 s).
    let mut found = Vec::new();
    for _ in 0..50 {
        found = ids(&search(&mut client, &["ABC12345D404"]).await);
        if found.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(found.len(), 2, "{found:?}");

    // kill -9 the BE node: the answer still comes, with BE unavailable and NL's match intact.
    be.kill();
    let answer = search(&mut client, &["ABC12345D404"]).await;
    assert_eq!(outcomes(&answer)[0].1, v1::NodeOutcome::Ok);
    assert_eq!(
        outcomes(&answer)[1].1,
        v1::NodeOutcome::Unavailable,
        "{:?}",
        answer.nodes
    );
    assert_eq!(ids(&answer), vec!["NL-BOAT-1".to_string()]);
    assert!(answer.partial);

    // While it is down the core does not try it on every query: it says it is reconnecting.
    let answer = search(&mut client, &["ABC12345D404"]).await;
    assert_eq!(outcomes(&answer)[1].1, v1::NodeOutcome::Unavailable);
    assert!(
        answer.nodes[1].message.contains("reconnecting"),
        "{:?}",
        answer.nodes[1]
    );

    // Restarted on the same port, it is found again by the background reconnect.
    let be = NodeProcess::spawn_on("BE", dirs[1].path(), &be_addr.to_string());
    let mut back = false;
    for _ in 0..100 {
        let answer = search(&mut client, &["ABC12345D404"]).await;
        if outcomes(&answer)[1].1 == v1::NodeOutcome::Ok && answer.matches.len() == 2 {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(back, "the restarted node was not reconnected");
    drop(be);
    core.stop().await;
    nl.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hit_report_reaches_the_issuing_node() {
    let federation = federation(Duration::from_secs(5)).await;
    let mut client = federation.core.client().await;
    let report = v1::MatchingCoreReportHitRequest {
        hit: Some(v1::HitReport {
            alert_id: "BE-BOAT-1".to_string(),
            reporting_country: "FR".to_string(),
            reporting_officer: "brigade fluviale".to_string(),
            note: "found at the Port de Lyon".to_string(),
            matched_value: "ABC12345D4O4".to_string(),
            ..v1::HitReport::default()
        }),
    };
    let answer = client.report_hit(report).await.unwrap().into_inner();
    assert_eq!(answer.node, "BE");
    let alert = answer.alert.unwrap();
    assert_eq!(alert.status, i32::from(v1::AlertStatus::HitConfirmed));
    let recorded = answer.hit.unwrap();
    assert!(!recorded.id.is_empty());

    // The issuing node lists it.
    let be = &federation.nodes[1];
    let hits = be
        .client()
        .await
        .list_hits(v1::ListHitsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .hits;
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].alert_id, "BE-BOAT-1");
    assert_eq!(hits[0].reporting_country, "FR");

    // An unknown alert of a known country: the node's NOT_FOUND; an unknown country: invalid.
    let status = client
        .report_hit(v1::MatchingCoreReportHitRequest {
            hit: Some(v1::HitReport {
                alert_id: "NL-NOPE".to_string(),
                reporting_country: "FR".to_string(),
                reporting_officer: "x".to_string(),
                ..v1::HitReport::default()
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::NotFound, "{status:?}");
    let status = client
        .report_hit(v1::MatchingCoreReportHitRequest {
            hit: Some(v1::HitReport {
                alert_id: "DE-1".to_string(),
                reporting_country: "FR".to_string(),
                reporting_officer: "x".to_string(),
                ..v1::HitReport::default()
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    assert!(status.message().contains("hit.alert_id"), "{status:?}");

    federation.core.stop().await;
    for node in federation.nodes {
        node.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn core_search_and_report_hit_from_the_command_line() {
    let federation = federation(Duration::from_secs(5)).await;
    let nodes: Vec<String> = ["NL", "BE", "FR"]
        .iter()
        .zip(&federation.nodes)
        .map(|(c, n)| format!("{c}={}", n.addr))
        .collect();
    let mut args = vec!["core", "--listen", "127.0.0.1:0"];
    for node in &nodes {
        args.push("--node");
        args.push(node);
    }
    let mut core = std::process::Command::new(env!("CARGO_BIN_EXE_sismatch"))
        .args(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(core.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let address = line.trim().to_string();
    let answer = tokio::task::spawn_blocking(move || {
        let json = sismatch_json(&["search", "--core", &address, "--json", "ABC12345D4O4"]);
        let hit = sismatch_json(&[
            "report-hit",
            "--core",
            &address,
            "NL-BOAT-1",
            "--by",
            "BE",
            "--note",
            "seen in Antwerp",
            "--json",
        ]);
        let table = sismatch(&[
            "search",
            "--core",
            &address,
            "--country",
            "FR",
            "BAKJ1234567",
        ]);
        let check = sismatch(&["check", "--core", &address, "ABC12345D404"]);
        assert!(check.status.success());
        let check = String::from_utf8_lossy(&check.stdout).to_string();
        assert!(check.starts_with("HIT: do not buy"), "{check}");
        assert!(!check.contains("BOAT"), "{check}");
        (json, hit, table)
    })
    .await
    .unwrap();
    let (json, hit, table) = answer;
    let kinds: Vec<&str> = json["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["identifiers"][0]["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"CIN") && kinds.contains(&"HIN"),
        "{kinds:?}"
    );
    assert_eq!(json["groups"][0]["countries"].as_array().unwrap().len(), 2);
    assert_eq!(json["nodes"].as_array().unwrap().len(), 3);
    assert_eq!(json["nodes"][0]["outcome"], "OK");
    assert!(json["reference"].as_str().unwrap().starts_with("S-"));
    assert_eq!(hit["node"], "NL");
    assert_eq!(hit["alert_status"], "HIT_CONFIRMED");
    assert_eq!(
        hit["state"], "PENDING",
        "a Belgian report on a Dutch alert waits for NL"
    );
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.contains("FR-BOAT-2"), "{table}");
    assert!(table.contains("nodes: FR OK"), "{table}");
    let _ = core.kill();
    let _ = core.wait();
    federation.core.stop().await;
    for node in federation.nodes {
        node.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shards_of_one_country_are_searched_alike_and_hits_find_their_shard() {
    let dirs: Vec<TempDir> = (0..2).map(|_| TempDir::new().unwrap()).collect();
    let first = InProcessNode::start("NL", dirs[0].path()).await;
    let second = InProcessNode::start("NL", dirs[1].path()).await;
    let mut on_second = country_data("NL");
    let boat = on_second.pop().unwrap();
    import(&mut first.client().await, &on_second[..100], 100).await;
    import(&mut second.client().await, &[boat], 100).await;
    first.wait_indexed().await;
    second.wait_indexed().await;
    let core = InProcessCore::start(
        &[("NL", "NL", first.addr), ("NL-2", "NL", second.addr)],
        Duration::from_secs(5),
    )
    .await;
    let mut client = core.client().await;
    let answer = search(&mut client, &["NL-ABC12345D404"]).await;
    assert_eq!(
        outcomes(&answer),
        vec![
            ("NL".to_string(), v1::NodeOutcome::Ok),
            ("NL-2".to_string(), v1::NodeOutcome::Ok)
        ]
    );
    assert_eq!(ids(&answer), vec!["NL-BOAT-1".to_string()]);
    assert_eq!(answer.matches[0].node, "NL-2");

    let answer = client
        .report_hit(v1::MatchingCoreReportHitRequest {
            hit: Some(v1::HitReport {
                alert_id: "NL-BOAT-1".to_string(),
                reporting_country: "DE".to_string(),
                reporting_officer: "Wasserschutzpolizei".to_string(),
                ..v1::HitReport::default()
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.node, "NL-2");
    core.stop().await;
    first.stop().await;
    second.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_partner_is_skipped_until_it_is_back() {
    let dir = TempDir::new().unwrap();
    let nl = InProcessNode::start("NL", dir.path()).await;
    // A port nobody listens on any more.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut config = CoreConfig::new(vec![MemberConfig {
        name: "NL".to_string(),
        country: "NL".to_string(),
        address: format!("http://{}", nl.addr),
    }]);
    config.partners = vec![PartnerMemberConfig {
        name: "YAMAHA".to_string(),
        address: format!("http://{dead}"),
        prefixes: vec!["6CJ".to_string()],
    }];
    let core = Core::new(config).unwrap();
    let request = v1::MatchingCoreSearchRequest {
        queries: vec![query("6CJ-1013456")],
        expand_via_partners: true,
        purpose: v1::LookupPurpose::TheftInvestigation.into(),
        case_reference: "NL-2026-0001".to_string(),
        ..v1::MatchingCoreSearchRequest::default()
    };

    // The first search finds the partner unreachable and marks it down...
    let first = core
        .search(request.clone(), None, &Caller::open())
        .await
        .unwrap();
    assert_eq!(first.partners.len(), 1, "{first:?}");
    assert_eq!(
        first.partners[0].outcome,
        i32::from(v1::NodeOutcome::Unavailable)
    );
    // ...the next ones do not try to connect: it is being reconnected in the background.
    let second = core.search(request, None, &Caller::open()).await.unwrap();
    assert_eq!(
        second.partners[0].outcome,
        i32::from(v1::NodeOutcome::Unavailable)
    );
    assert!(
        second.partners[0].message.contains("reconnecting"),
        "{:?}",
        second.partners[0]
    );
    assert_eq!(second.nodes[0].outcome, i32::from(v1::NodeOutcome::Ok));
    nl.stop().await;
}
