//! Structure in answers (issue 14) on real nodes and a real core with RocksDB and tantivy in
//! temporary folders: identifiers go out with their format's parts and check digit, a match
//! through several identifiers explains each of them, a valid check digit wins a tie at the
//! core without moving a score and an invalid one is shown, never a rejection; a query's maker
//! ranks another maker's serial lower; a number recorded partly ground off (`?`) is found by
//! the number read later; and every version of an alert names who wrote it, as mutual TLS
//! identified the caller.

use std::sync::Arc;
use std::time::Duration;

use sismatch_alert::{Alert, Category, IdentifierEntry};
use sismatch_auth::{Directory, Role};
use sismatch_grpc::convert::alert_out;
use sismatch_ident::IdentifierKind;
use sismatch_proto::v1;
use sismatch_proto::v1::matching_core_client::MatchingCoreClient;
use sismatch_proto::v1::national_node_client::NationalNodeClient;
use sismatch_serve::LocalFederation;
use tempfile::TempDir;

use crate::roles::{certificates, channel, entry, tls_auth};
use crate::support::{sismatch, sismatch_json};

/// A VIN whose check digit holds, and two one-substitution misreadings of it.
const VIN: &str = "1HGCM82633A004352";
/// What the officer reads: `VIN` with 0→7 at 12 (its check digit fails).
const READ: &str = "1HGCM82633A704352";
/// `READ` with 3→8 at 15: as far from `READ` as `VIN`, with a failing check digit.
const WRONG_CHECK: &str = "1HGCM82633A704852";

fn car(id: &str, vin: &str) -> Alert {
    let vin = IdentifierEntry::new(IdentifierKind::Vin, vin);
    Alert::new(id, "NL", Category::MotorVehicle, vec![vin])
}

fn put(alert: &Alert) -> v1::PutAlertRequest {
    v1::PutAlertRequest {
        alert: Some(alert_out(alert.clone())),
        ..v1::PutAlertRequest::default()
    }
}

fn queries(values: &[&str]) -> Vec<v1::IdentifierQuery> {
    let query = |value: &&str| v1::IdentifierQuery {
        value: value.to_string(),
        ..v1::IdentifierQuery::default()
    };
    values.iter().map(query).collect()
}

fn ids(matches: &[v1::Match]) -> Vec<&str> {
    let alerts = matches.iter().filter_map(|m| m.alert.as_ref());
    alerts.map(|a| a.id.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_show_parts_check_digits_and_every_identifier_that_agreed() {
    let federation = LocalFederation::builder()
        .countries(["NL"])
        .start()
        .await
        .unwrap();
    let local = &federation.nodes()[0];
    let mut node = crate::support::client(local.addr).await;
    let boat = Alert::new(
        "NL-3",
        "NL",
        Category::Boat,
        vec![
            IdentifierEntry::new(IdentifierKind::Hin, "ABC12345D404"),
            IdentifierEntry::new(IdentifierKind::EngineSerial, "6CJ-1013456"),
        ],
    );
    // The VIN with the failing check digit is stored like any other.
    for alert in [car("NL-1", WRONG_CHECK), car("NL-2", VIN), boat] {
        node.put_alert(put(&alert)).await.unwrap();
    }
    assert!(local.node.wait_indexed(Duration::from_secs(30)).await);
    let search = |values: &[&str]| v1::NationalNodeSearchRequest {
        queries: queries(values),
        ..v1::NationalNodeSearchRequest::default()
    };

    // Found by its own number, exactly, its failing check digit shown.
    let own = node
        .search(search(&[WRONG_CHECK]))
        .await
        .unwrap()
        .into_inner();
    let exact = &own.matches[0];
    assert_eq!((ids(&own.matches)[0], exact.score), ("NL-1", 1.0));
    assert_eq!(
        exact.explanation,
        "exact, check digit INVALID (shown, not rejected)"
    );
    let stored = exact.identifier_matches[0]
        .matched_identifier
        .clone()
        .unwrap();
    assert_eq!(stored.check_digit(), v1::CheckDigit::Invalid);
    assert_eq!(stored.parts.get("wmi").map(String::as_str), Some("1HG"));

    // Two stored VINs one substitution from the number read score the same; the node orders
    // them by id, the core puts the one whose check digit holds first.
    let read = node.search(search(&[READ])).await.unwrap().into_inner();
    assert_eq!(ids(&read.matches), ["NL-1", "NL-2"]);
    assert_eq!(read.matches[0].score, read.matches[1].score);
    assert_eq!(
        read.matches[1].explanation,
        "substituted 7→0 at 12, check digit valid"
    );
    let core_addr = federation.core().unwrap().addr;
    let mut core = MatchingCoreClient::connect(format!("http://{core_addr}"))
        .await
        .unwrap();
    let federated = v1::MatchingCoreSearchRequest {
        queries: queries(&[READ]),
        ..v1::MatchingCoreSearchRequest::default()
    };
    let federated = core.search(federated).await.unwrap().into_inner();
    assert_eq!(ids(&federated.matches), ["NL-2", "NL-1"]);
    assert_eq!(federated.matches[0].score, read.matches[1].score);

    // The hull number and a misread engine serial of one boat: both explained, with parts.
    let boat = node
        .search(search(&["ABC12345D404", "6CJ-1O13456"]))
        .await
        .unwrap()
        .into_inner();
    let found = &boat.matches[0];
    assert_eq!(
        found.explanation,
        "2 identifiers agree; HIN: exact; engine: look-alike O→0 at 5"
    );
    let hin = found.identifier_matches[0]
        .matched_identifier
        .clone()
        .unwrap();
    let part = |name: &str| hin.parts.get(name).cloned().unwrap_or_default();
    assert_eq!(
        [part("manufacturer_code"), part("serial"), part("format")],
        ["ABC", "12345", "current"]
    );
    let engine = found.identifier_matches[1]
        .matched_identifier
        .clone()
        .unwrap();
    assert!(engine.parts.is_empty(), "{engine:?}");
    federation.stop().await.unwrap();
}

/// A serial is unique only per maker: two countries' guns share one, and the officer names the
/// maker, over gRPC and with `sismatch search --manufacturer`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_makers_hint_ranks_another_makers_serial_lower_across_the_federation() {
    let federation = LocalFederation::builder()
        .countries(["NL", "BE"])
        .start()
        .await
        .unwrap();
    let gun = |id: &str, maker: &str| {
        let mut serial = IdentifierEntry::new(IdentifierKind::FirearmSerial, "BXK4471");
        serial.manufacturer = Some(maker.to_string());
        Alert::new(id, &id[..2], Category::Firearm, vec![serial])
    };
    for (local, alert) in federation
        .nodes()
        .iter()
        .zip([gun("NL-1", "Glock"), gun("BE-1", "Beretta")])
    {
        let mut node = NationalNodeClient::connect(format!("http://{}", local.addr))
            .await
            .unwrap();
        node.put_alert(put(&alert)).await.expect("stored");
    }
    let core = federation.core().unwrap().addr;
    let mut client = MatchingCoreClient::connect(format!("http://{core}"))
        .await
        .unwrap();
    let search = |maker: &str| v1::MatchingCoreSearchRequest {
        queries: vec![v1::IdentifierQuery {
            value: "BXK-4471".to_string(),
            manufacturer: maker.to_string(),
            ..v1::IdentifierQuery::default()
        }],
        ..v1::MatchingCoreSearchRequest::default()
    };
    // Without a maker: two exact matches, country order.
    let both = client.search(search("")).await.unwrap().into_inner();
    assert_eq!(ids(&both.matches), ["BE-1", "NL-1"], "{both:?}");
    assert!(both.matches.iter().all(|m| m.score == 1.0));
    // The Glock asked for: the Beretta follows, lowered and saying why.
    let glock = client.search(search("GLOCK")).await.unwrap().into_inner();
    assert_eq!(ids(&glock.matches), ["NL-1", "BE-1"], "{glock:?}");
    assert_eq!(glock.matches[0].score, 1.0);
    assert!((glock.matches[1].score - 0.8).abs() < 1e-9, "{glock:?}");
    let explanation = &glock.matches[1].identifier_matches[0].explanation;
    assert!(
        explanation.contains("another maker than asked"),
        "{explanation}"
    );
    let addr = core.to_string();
    let cli = tokio::task::spawn_blocking(move || {
        let args = [
            "search",
            "--core",
            &addr,
            "--json",
            "--manufacturer",
            "Beretta",
        ];
        sismatch_json(&[&args[..], &["BXK4471"]].concat())
    })
    .await
    .unwrap();
    assert_eq!(cli["matches"][0]["alert_id"], "BE-1", "{cli}");
    assert_eq!(cli["matches"][1]["alert_id"], "NL-1", "{cli}");
    federation.stop().await.unwrap();
}

/// A hull number recorded partly ground off, `AB???345D404` (GROUND_OFF): the number an
/// officer reads in full later finds it, below an exact match, with the engine serial read
/// beside it raising it; a number it cannot have been does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_recorded_partly_ground_off_is_found_by_the_number_read_later() {
    let federation = LocalFederation::builder()
        .countries(["NL"])
        .start()
        .await
        .unwrap();
    let mut hull = IdentifierEntry::new(IdentifierKind::Hin, "AB???345D404");
    hull.legibility = Some(sismatch_alert::Legibility::GroundOff);
    let engine = IdentifierEntry::new(IdentifierKind::EngineSerial, "6CJ-1013456");
    let boat = Alert::new("NL-1", "NL", Category::Boat, vec![hull, engine]);
    let other = Alert::new(
        "NL-2",
        "NL",
        Category::Boat,
        vec![IdentifierEntry::new(IdentifierKind::Hin, "ABC12345D404")],
    );
    let addr = federation.nodes()[0].addr;
    let mut node = NationalNodeClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    for alert in [&boat, &other] {
        node.put_alert(put(alert)).await.expect("stored");
    }
    let search = |values: &[&str]| v1::NationalNodeSearchRequest {
        queries: queries(values),
        ..v1::NationalNodeSearchRequest::default()
    };
    let answer = node
        .search(search(&["ABC12345D404"]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ids(&answer.matches), ["NL-2", "NL-1"], "{answer:?}");
    let ground_off = &answer.matches[1];
    assert!(
        ground_off.score >= 0.5 && ground_off.score < 1.0,
        "{ground_off:?}"
    );
    let stored = ground_off.identifier_matches[0]
        .matched_identifier
        .as_ref()
        .unwrap();
    assert_eq!(stored.value, "AB???345D404");
    // With the engine serial read too, two identifiers agree: the boat comes first.
    let both = node
        .search(search(&["ABC12345D404", "6CJ1013456"]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ids(&both.matches), ["NL-1", "NL-2"], "{both:?}");
    assert!(
        both.matches[0]
            .explanation
            .starts_with("2 identifiers agree"),
        "{both:?}"
    );
    let none = node
        .search(search(&["ZZZ12345D404"]))
        .await
        .unwrap()
        .into_inner();
    assert!(!ids(&none.matches).contains(&"NL-1"), "{none:?}");
    federation.stop().await.unwrap();
}

fn directory() -> Arc<Directory> {
    let identities = vec![
        entry("beheer-nl", Role::Operator, None, None),
        entry("teamleider-nl", Role::Operator, None, None),
    ];
    certificates(identities, &[])
}

/// Who made each version of an alert, oldest first, with what the change was.
async fn authors(
    client: &mut NationalNodeClient<tonic::transport::Channel>,
    id: &str,
) -> Vec<(v1::AlertChange, String)> {
    let request = v1::GetAlertHistoryRequest { id: id.to_string() };
    let versions = client.get_alert_history(request).await.unwrap();
    let versions = versions.into_inner().versions.into_iter();
    versions.map(|v| (v.change(), v.changed_by)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_version_names_the_caller_that_wrote_it() {
    let certs = TempDir::new().unwrap();
    let dir = certs.path();
    let names = ["node-nl", "beheer-nl", "teamleider-nl"];
    let mut args = vec!["certs", "--out", dir.to_str().unwrap()];
    args.extend(names);
    assert!(sismatch(&args).status.success());
    let federation = LocalFederation::builder()
        .countries(["NL"])
        .without_core()
        .auth(tls_auth(dir, |_| directory()))
        .start()
        .await
        .unwrap();
    let addr = federation.nodes()[0].addr;
    let mut beheer = NationalNodeClient::new(channel(dir, addr, Some("beheer-nl")).await);
    let mut teamleider = NationalNodeClient::new(channel(dir, addr, Some("teamleider-nl")).await);

    beheer.put_alert(put(&car("NL-1", VIN))).await.unwrap();
    let recovered = v1::SetAlertStatusRequest {
        id: "NL-1".to_string(),
        status: v1::AlertStatus::Recovered.into(),
        ..v1::SetAlertStatusRequest::default()
    };
    teamleider.set_alert_status(recovered).await.unwrap();
    let withdraw = v1::WithdrawAlertRequest {
        id: "NL-1".to_string(),
        ..v1::WithdrawAlertRequest::default()
    };
    beheer.withdraw_alert(withdraw).await.unwrap();
    let by = |name: &str| name.to_string();
    assert_eq!(
        authors(&mut beheer, "NL-1").await,
        [
            (v1::AlertChange::Created, by("beheer-nl")),
            (v1::AlertChange::StatusChanged, by("teamleider-nl")),
            (v1::AlertChange::Withdrawn, by("beheer-nl")),
        ]
    );

    // `sismatch import` with the team leader's certificate: the import's versions are theirs.
    let file = dir.join("alerts.ndjson");
    let line = serde_json::to_string(&car("NL-2", READ)).unwrap();
    std::fs::write(&file, format!("{line}\n")).unwrap();
    let path = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let node = format!("https://localhost:{}", addr.port());
    let (ca, cert, key) = (
        path("ca.pem"),
        path("teamleider-nl.pem"),
        path("teamleider-nl.key"),
    );
    let file = file.to_str().unwrap().to_string();
    let output = tokio::task::spawn_blocking(move || {
        let args = [
            "import", "--node", &node, "--ca", &ca, "--cert", &cert, "--key", &key,
        ];
        sismatch(&[&args[..], &[file.as_str()]].concat())
    });
    let output = output.await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(
        authors(&mut beheer, "NL-2").await,
        [(v1::AlertChange::Created, by("teamleider-nl"))]
    );
    federation.stop().await.unwrap();
}
