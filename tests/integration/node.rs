//! The national node with real RocksDB and tantivy in temporary folders, served over gRPC on
//! loopback ports: imports, every corruption of DESIGN §3, withdrawals, restarts, a lost index,
//! bad input, and `kill -9` in the middle of an import.

use sismatch_alert::Category;
use sismatch_grpc::convert::{alert_out, kind_out};
use sismatch_ident::IdentifierKind;
use sismatch_proto::v1;
use sismatch_proto::v1::national_node_client::NationalNodeClient;
use tonic::Code;
use tonic::transport::Channel;

use crate::support::{InProcessNode, NodeProcess, client, import, sismatch, sismatch_json};
use sismatch_sample::fixture::alerts;
use sismatch_sample::{Corruption, corrupt, mistaken_kind};

/// The ids of the matches for `values` (each of kind `kind` when given), best first.
async fn search(
    client: &mut NationalNodeClient<Channel>,
    values: &[&str],
    kind: Option<IdentifierKind>,
) -> Vec<String> {
    let request = v1::NationalNodeSearchRequest {
        queries: values
            .iter()
            .map(|value| v1::IdentifierQuery {
                value: (*value).to_string(),
                kind: kind.map_or(0, kind_out),
                manufacturer: String::new(),
            })
            .collect(),
        ..v1::NationalNodeSearchRequest::default()
    };
    let response = client
        .search(request)
        .await
        .expect("search answers")
        .into_inner();
    response
        .matches
        .into_iter()
        .filter_map(|m| m.alert.map(|a| a.id))
        .collect()
}

/// Swaps characters `i` and `i + 1`.
fn transpose(value: &str, i: usize) -> String {
    let mut chars: Vec<char> = value.chars().collect();
    chars.swap(i, i + 1);
    chars.into_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_corruption_of_the_design_finds_the_right_alert_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    let node = InProcessNode::start("NL", dir.path()).await;
    let mut client = node.client().await;
    let sample = alerts("NL", 400, 7);
    let acks = import(&mut client, &sample, 100).await;
    assert_eq!(acks.iter().map(|a| a.created).sum::<u64>(), 400);
    node.wait_indexed().await;

    let of = |category: Category| {
        sample
            .iter()
            .find(|a| a.category == category)
            .expect("the sample has every category")
    };
    let (boat, car, gun) = (
        of(Category::Boat),
        of(Category::MotorVehicle),
        of(Category::Firearm),
    );
    let cin = boat.identifiers[0].value.clone(); // NL-ABC12345D404
    let hin = cin.trim_start_matches("NL-").to_string();
    let engine = boat.identifiers[1].value.clone();
    // Every corruption of the sample crate's list, on every number of a boat, a car and a
    // firearm it applies to, and on the boat's hull number typed without its prefix.
    let numbers = [
        (&boat.id, IdentifierKind::Cin, cin.as_str()),
        (&boat.id, IdentifierKind::Hin, hin.as_str()),
        (&boat.id, IdentifierKind::EngineSerial, engine.as_str()),
        (
            &car.id,
            IdentifierKind::Vin,
            car.identifiers[0].value.as_str(),
        ),
        (
            &gun.id,
            IdentifierKind::FirearmSerial,
            gun.identifiers[0].value.as_str(),
        ),
    ];
    for corruption in Corruption::ALL {
        let mut applied = 0;
        for (seed, (expected, kind, value)) in (7..).zip(numbers) {
            let Some(typed) = corrupt(value, corruption, seed) else {
                continue;
            };
            let declared = (corruption == Corruption::WrongKind).then(|| mistaken_kind(kind));
            let found = search(&mut client, &[&typed], declared).await;
            assert_eq!(
                found.first(),
                Some(expected),
                "{corruption}: {value:?} typed {typed:?} ({declared:?}) found {found:?}"
            );
            applied += 1;
        }
        assert!(applied > 0, "{corruption} applies to none of the numbers");
    }

    // Several numbers of one object at once: the boat that matches both ranks first.
    let found = search(&mut client, &[&transpose(&hin, 4), &engine], None).await;
    assert_eq!(found.first(), Some(&boat.id));

    // A value far from everything stored finds nothing.
    assert!(
        search(&mut client, &["QQQQQQQQQQQQ"], None)
            .await
            .is_empty()
    );
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withdrawn_alerts_disappear_and_everything_survives_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sample = alerts("BE", 40, 11);
    let node = InProcessNode::start("BE", dir.path()).await;
    let mut client = node.client().await;
    import(&mut client, &sample, 40).await;
    node.wait_indexed().await;
    let gone = &sample[1];
    let kept = &sample[2];
    let withdrawn = client
        .withdraw_alert(v1::WithdrawAlertRequest {
            id: gone.id.clone(),
            reason: "recovered by the owner".to_string(),
            expected_version: 0,
        })
        .await
        .expect("withdraw")
        .into_inner();
    assert_eq!(
        withdrawn.alert.map(|a| a.status),
        Some(v1::AlertStatus::Withdrawn as i32)
    );
    let value = gone.identifiers[0].value.clone();
    assert!(search(&mut client, &[&value], None).await.is_empty());
    node.stop().await;

    let node = InProcessNode::start("BE", dir.path()).await;
    let mut client = node.client().await;
    node.wait_indexed().await;
    assert!(search(&mut client, &[&value], None).await.is_empty());
    let kept_value = kept.identifiers[0].value.clone();
    assert_eq!(
        search(&mut client, &[&kept_value], None).await.first(),
        Some(&kept.id)
    );
    let history = client
        .get_alert_history(v1::GetAlertHistoryRequest {
            id: gone.id.clone(),
        })
        .await
        .expect("history")
        .into_inner();
    assert_eq!(history.versions.len(), 2);
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_index_is_rebuilt_from_the_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sample = alerts("FR", 200, 13);
    let node = InProcessNode::start("FR", dir.path()).await;
    let mut client = node.client().await;
    import(&mut client, &sample, 50).await;
    node.wait_indexed().await;
    node.stop().await;

    std::fs::remove_dir_all(dir.path().join("index")).expect("index removed");
    let node = InProcessNode::start("FR", dir.path()).await;
    let mut client = node.client().await;
    node.wait_indexed().await;
    for alert in sample.iter().step_by(37) {
        let value = alert.identifiers[0].value.clone();
        assert_eq!(
            search(&mut client, &[&value], None).await.first(),
            Some(&alert.id)
        );
    }
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_the_field_named_and_nothing_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let node = InProcessNode::start("NL", dir.path()).await;
    let mut client = node.client().await;
    let good = alerts("NL", 1, 3).remove(0);
    let mut cases = Vec::new();
    let mut no_identifiers = good.clone();
    no_identifiers.identifiers.clear();
    cases.push(("identifiers", no_identifiers));
    let mut long_identifier = good.clone();
    long_identifier.identifiers[0].value = "A".repeat(65);
    cases.push(("identifiers[0].value", long_identifier));
    let mut long_description = good.clone();
    long_description.description = Some("x".repeat(8 * 1024 + 1));
    cases.push(("description", long_description));
    let mut unknown_country = good.clone();
    unknown_country.country = "XX".to_string();
    cases.push(("country", unknown_country));
    let mut foreign_id = good.clone();
    foreign_id.id = "BE-000001".to_string();
    cases.push(("id", foreign_id));
    for (field, alert) in cases {
        let status = client
            .put_alert(v1::PutAlertRequest {
                alert: Some(alert_out(alert)),
                expected_version: 0,
                reason: String::new(),
                searchable_wait_ms: 0,
            })
            .await
            .expect_err("refused");
        assert_eq!(status.code(), Code::InvalidArgument, "{field}: {status:?}");
        assert!(
            status.message().starts_with(field),
            "{field}: {}",
            status.message()
        );
    }
    let mut missing_category = alert_out(good.clone());
    missing_category.category = 0;
    let status = client
        .put_alert(v1::PutAlertRequest {
            alert: Some(missing_category),
            expected_version: 0,
            reason: String::new(),
            searchable_wait_ms: 0,
        })
        .await
        .expect_err("refused");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("category"),
        "{}",
        status.message()
    );
    let status = client
        .put_alert(v1::PutAlertRequest::default())
        .await
        .expect_err("refused");
    assert_eq!(status.code(), Code::InvalidArgument);

    let node_status = client
        .get_node_status(v1::GetNodeStatusRequest {})
        .await
        .expect("status")
        .into_inner();
    assert_eq!(node_status.store_sequence, 0, "nothing was written");
    assert_eq!(node_status.alerts_total, 0);
    let missing = client
        .get_alert(v1::GetAlertRequest {
            id: good.id.clone(),
            version: 0,
        })
        .await
        .expect_err("not stored");
    assert_eq!(missing.code(), Code::NotFound);
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_in_the_middle_of_an_import_loses_no_acknowledged_alert() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("node");
    let sample = alerts("NL", 6000, 17);
    let process = NodeProcess::spawn("NL", &data);
    let mut importer = client(process.addr).await;
    let (batches, outgoing) = tokio::sync::mpsc::channel(2);
    let mut acks = importer
        .import_alerts(tokio_stream::wrappers::ReceiverStream::new(outgoing))
        .await
        .expect("import accepted")
        .into_inner();
    let chunks: Vec<Vec<sismatch_alert::Alert>> = sample.chunks(200).map(<[_]>::to_vec).collect();
    let sender = tokio::spawn(async move {
        for chunk in chunks {
            let items = chunk
                .into_iter()
                .map(|alert| v1::ImportItem {
                    line: 0,
                    alert: Some(alert_out(alert)),
                })
                .collect();
            if batches
                .send(v1::ImportAlertsRequest { items })
                .await
                .is_err()
            {
                break;
            }
        }
    });
    let mut acknowledged = 0usize;
    while let Ok(Some(ack)) = acks.message().await {
        acknowledged += ack.received as usize;
        if acknowledged >= 2000 {
            break;
        }
    }
    process.kill();
    let _ = sender.await;
    assert!(
        acknowledged >= 2000,
        "only {acknowledged} acknowledged before the kill"
    );

    let process = NodeProcess::spawn("NL", &data);
    let mut reader = client(process.addr).await;
    for alert in &sample[..acknowledged] {
        let found = reader
            .get_alert(v1::GetAlertRequest {
                id: alert.id.clone(),
                version: 0,
            })
            .await;
        assert!(found.is_ok(), "acknowledged alert {} lost", alert.id);
    }
    // And searchable once the index has caught up with the store.
    let probe = &sample[acknowledged - 1];
    let value = probe.identifiers[0].value.clone();
    let mut found = Vec::new();
    for _ in 0..100 {
        found = search(&mut reader, &[&value], None).await;
        if found.first() == Some(&probe.id) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(found.first(), Some(&probe.id));
}

#[test]
fn import_and_search_from_the_command_line() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let node = runtime.block_on(InProcessNode::start("NL", &dir.path().join("node")));
    let file = dir.path().join("alerts.ndjson");
    std::fs::write(
        &file,
        concat!(
            r#"{"id":"NL-000123","country":"NL","category":"BOAT","identifiers":[{"kind":"HIN","value":"NL-ABC12345D404"},{"kind":"ENGINE_SERIAL","value":"6CJ-1013456","location":"outboard"}],"brand":"Bayliner","description":"white bowrider, blue canopy","stolen_at":"2026-05-14T22:00:00Z"}"#,
            "\n",
            "not json at all\n",
            r#"{"id":"NL-000124","country":"NL","category":"BOAT","identifiers":[]}"#,
            "\n",
            r#"{"id":"NL-000125","country":"NL","category":"FIREARM","identifiers":[{"kind":"FIREARM_SERIAL","value":"BXK4471"}],"calibre":"9mm"}"#,
            "\n",
        ),
    )
    .expect("file written");
    let addr = node.addr.to_string();
    let path = file.to_string_lossy().to_string();
    let output = sismatch(&["import", "--node", &addr, &path]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains("stored 2 new, 0 updated, 0 unchanged; rejected 2"),
        "{stdout}"
    );
    assert!(stderr.contains("line 2: alert: not valid JSON"), "{stderr}");
    assert!(
        stderr.contains("line 3: identifiers: at least one identifier"),
        "{stderr}"
    );
    assert!(stderr.contains("unknown field 'calibre'"), "{stderr}");

    // Importing the same file again changes nothing.
    let again = sismatch(&["import", "--node", &addr, &path]);
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(
        stdout.contains("stored 0 new, 0 updated, 2 unchanged"),
        "{stdout}"
    );

    assert!(stdout.contains("searchable"), "{stdout}");
    // The import waited until it was searchable: a search right after it finds it.
    let report = sismatch_json(&["search", "--node", &addr, "--json", "ABC1234SD4O4"]);
    assert_eq!(report["matches"][0]["alert_id"], "NL-000123");
    let explanation = report["matches"][0]["identifiers"][0]["explanation"]
        .as_str()
        .unwrap_or_default();
    assert!(explanation.contains("look-alike"), "{explanation}");
    runtime.block_on(node.stop());
}

#[test]
fn a_bad_config_file_fails_at_start_with_the_key_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("node.toml");
    std::fs::write(
        &config,
        "country = \"NL\"\ndata = \"x\"\nlisen = \"127.0.0.1:0\"\n",
    )
    .expect("config written");
    let output = sismatch(&["node", "--config", &config.to_string_lossy()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("lisen"), "{stderr}");

    let output = sismatch(&["node", "--data", &dir.path().to_string_lossy()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("country: missing"), "{stderr}");
}

#[test]
fn the_example_config_of_the_deployment_guide_starts_a_node() {
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/node.example.toml"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sismatch"))
        .args([
            "node",
            "--config",
            example,
            "--listen",
            "127.0.0.1:0",
            "--data",
        ])
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("sismatch node starts");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout");
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
        .expect("address line");
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        line.trim().parse::<std::net::SocketAddr>().is_ok(),
        "the node did not start from the example config: {line:?}"
    );
}

/// A put request for `alert` made against `expected_version`.
fn put_request(alert: &sismatch_alert::Alert, expected_version: u64) -> v1::PutAlertRequest {
    v1::PutAlertRequest {
        alert: Some(alert_out(alert.clone())),
        expected_version,
        reason: String::new(),
        searchable_wait_ms: 0,
    }
}

/// A put answers once its alert is searchable (or says it is not yet), and a wait beyond the
/// limit is refused with the field named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_put_says_whether_its_alert_is_searchable() {
    let dir = tempfile::tempdir().expect("temp dir");
    let node = InProcessNode::start("NL", dir.path()).await;
    let mut client = node.client().await;
    let sample = alerts("NL", 1, 5);
    let mut request = put_request(&sample[0], 0);
    request.searchable_wait_ms = 10_000;
    let put = client.put_alert(request).await.expect("put").into_inner();
    assert!(put.searchable);
    let value = sample[0].identifiers[0].value.clone();
    let found = search(&mut client, &[&value], None).await;
    assert_eq!(found.first(), Some(&sample[0].id));

    let mut too_long = put_request(&sample[0], 0);
    too_long.searchable_wait_ms = 60_001;
    let refused = client.put_alert(too_long).await.expect_err("refused");
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert!(
        refused.message().starts_with("searchable_wait_ms"),
        "{refused:?}"
    );
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expected_version_is_checked_and_a_mismatch_is_failed_precondition() {
    let dir = tempfile::tempdir().expect("temp dir");
    let node = InProcessNode::start("NL", dir.path()).await;
    let mut client = node.client().await;
    let mut sample = alerts("NL", 2, 21);
    let first = sample.remove(0);
    let created = client.put_alert(put_request(&first, 0)).await.expect("put");
    assert_eq!(
        created.into_inner().outcome,
        v1::WriteOutcome::Created as i32
    );
    let mut changed = first.clone();
    changed.colour = Some("red".to_string());
    let updated = client
        .put_alert(put_request(&changed, 1))
        .await
        .expect("put at version 1")
        .into_inner();
    assert_eq!(updated.alert.map(|a| a.version), Some(2));

    let stale = client
        .put_alert(put_request(&first, 1))
        .await
        .expect_err("version 1 is gone");
    assert_eq!(stale.code(), Code::FailedPrecondition);
    assert_eq!(
        stale.message(),
        format!("expected_version 1 but alert {} is at version 2", first.id)
    );
    let absent = client
        .put_alert(put_request(&sample[0], 3))
        .await
        .expect_err("no such alert");
    assert_eq!(absent.code(), Code::FailedPrecondition);
    assert!(absent.message().ends_with("does not exist"), "{absent:?}");

    let withdraw = client
        .withdraw_alert(v1::WithdrawAlertRequest {
            id: first.id.clone(),
            reason: "duplicate report".to_string(),
            expected_version: 1,
        })
        .await
        .expect_err("version 1 is gone");
    assert_eq!(withdraw.code(), Code::FailedPrecondition);
    let recovered = client
        .set_alert_status(v1::SetAlertStatusRequest {
            id: first.id.clone(),
            status: v1::AlertStatus::Recovered as i32,
            reason: String::new(),
            expected_version: 2,
        })
        .await
        .expect("status at version 2")
        .into_inner();
    assert_eq!(recovered.alert.map(|a| a.version), Some(3));
    let withdrawn_by_status = client
        .set_alert_status(v1::SetAlertStatusRequest {
            id: first.id.clone(),
            status: v1::AlertStatus::Withdrawn as i32,
            reason: String::new(),
            expected_version: 0,
        })
        .await
        .expect_err("WITHDRAWN only through WithdrawAlert");
    assert_eq!(withdrawn_by_status.code(), Code::InvalidArgument);
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawn_alert_sent_again_stays_withdrawn_and_a_duplicate_is_refused_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let node = InProcessNode::start("NL", dir.path()).await;
    let mut client = node.client().await;
    // Alert 4 of a sample is a boat, with a CIN and an engine serial.
    let sample = alerts("NL", 4, 23);
    let boat = &sample[3];
    client.put_alert(put_request(boat, 0)).await.expect("put");
    client
        .withdraw_alert(v1::WithdrawAlertRequest {
            id: boat.id.clone(),
            reason: "reported in error".to_string(),
            expected_version: 0,
        })
        .await
        .expect("withdrawn");
    let resent = client
        .put_alert(put_request(boat, 0))
        .await
        .expect("put again")
        .into_inner();
    assert_eq!(resent.outcome, v1::WriteOutcome::Unchanged as i32);
    assert_eq!(
        resent.alert.map(|a| a.status),
        Some(v1::AlertStatus::Withdrawn as i32)
    );

    // Another alert with the other's engine serial, once that one is in force again: refused
    // (the node's default, one alert per object), naming the field and the alert.
    let engine = boat.identifiers[1].clone();
    let mut other = sample[0].clone();
    other.identifiers.push(engine.clone());
    client
        .set_alert_status(v1::SetAlertStatusRequest {
            id: boat.id.clone(),
            status: v1::AlertStatus::Active as i32,
            reason: "withdrawn by mistake".to_string(),
            expected_version: 0,
        })
        .await
        .expect("active again");
    let refused = client
        .put_alert(put_request(&other, 0))
        .await
        .expect_err("a second alert of the boat's engine");
    assert_eq!(refused.code(), Code::AlreadyExists);
    let field = format!("identifiers[{}].value", other.identifiers.len() - 1);
    assert!(refused.message().starts_with(&field), "{refused:?}");
    assert!(refused.message().contains(&boat.id), "{refused:?}");
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hits_are_listed_by_alert_and_time_page_by_page() {
    let dir = tempfile::tempdir().expect("temp dir");
    let node = InProcessNode::start("NL", dir.path()).await;
    let mut client = node.client().await;
    let sample = alerts("NL", 3, 29);
    import(&mut client, &sample, 3).await;
    let mut started = None;
    for n in 0..10 {
        // Hits on alert 0, 1, 2, 0, 1, 2, ...
        let hit = v1::HitReport {
            alert_id: sample[n % 3].id.clone(),
            reporting_country: "DE".to_string(),
            reporting_officer: "Wasserschutzpolizei".to_string(),
            note: format!("hit {n}"),
            ..v1::HitReport::default()
        };
        let answer = client
            .report_hit(v1::NationalNodeReportHitRequest { hit: Some(hit) })
            .await
            .expect("hit recorded")
            .into_inner();
        if n == 6 {
            started = answer.hit.and_then(|h| h.received_at);
        }
    }
    let list = |alert_id: &str, since, page_size, page_token: &str| v1::ListHitsRequest {
        alert_id: alert_id.to_string(),
        since,
        page_size,
        page_token: page_token.to_string(),
        ..v1::ListHitsRequest::default()
    };
    // Alert 0 has hits 0, 3, 6 and 9: pages of two, both full, the last one saying so.
    let mut notes = Vec::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_hits(list(&sample[0].id, None, 2, &token))
            .await
            .expect("page")
            .into_inner();
        notes.push(page.hits.into_iter().map(|h| h.note).collect::<Vec<_>>());
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(notes, [vec!["hit 9", "hit 6"], vec!["hit 3", "hit 0"]]);

    let recent = client
        .list_hits(list("", started, 0, ""))
        .await
        .expect("recent")
        .into_inner();
    let notes: Vec<_> = recent.hits.into_iter().map(|h| h.note).collect();
    assert_eq!(notes, ["hit 9", "hit 8", "hit 7", "hit 6"]);
    assert!(recent.next_page_token.is_empty());

    let bad = client
        .list_hits(list("", None, 2, "not a token"))
        .await
        .expect_err("bad token");
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert!(bad.message().starts_with("page_token"), "{bad:?}");

    let status = client
        .get_node_status(v1::GetNodeStatusRequest {})
        .await
        .expect("status")
        .into_inner();
    assert_eq!(status.hits_received, 10);
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_status_fills_every_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let node = InProcessNode::start("NL", dir.path()).await;
    let mut client = node.client().await;
    let mut sample = alerts("NL", 20, 31);
    // Two alerts that expired in 2020.
    for alert in &mut sample[..2] {
        alert.expires_at = serde_json::from_str("\"2020-01-01T00:00:00Z\"").expect("time");
    }
    import(&mut client, &sample, 10).await;
    node.wait_indexed().await;
    let status = client
        .get_node_status(v1::GetNodeStatusRequest {})
        .await
        .expect("status")
        .into_inner();
    let identifiers: usize = sample.iter().map(|a| a.identifiers.len()).sum();
    assert_eq!(status.country, "NL");
    assert_eq!(status.node, "NL");
    assert_eq!(status.version, env!("CARGO_PKG_VERSION"));
    let started = status.started_at.expect("started_at");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    assert!(started.seconds > 0 && started.seconds as u64 <= now);
    assert_eq!(status.alerts_total, 20);
    assert_eq!(status.alerts_active, 20);
    assert_eq!(status.alerts_expired, 2);
    assert_eq!(status.identifiers_indexed, identifiers as u64);
    assert_eq!(status.hits_received, 0);
    assert_eq!(status.store_sequence, 20);
    assert_eq!(status.index_sequence, 20);
    assert!(!status.rebuilding);
    assert_eq!(status.rebuild_progress, 0.0);
    assert_eq!(status.searches_last_minute, 0);
    assert_eq!(status.search_p50_ms_last_minute, 0.0);

    // The last minute's searches: three answered, one refused as invalid (not a failure).
    for value in ["ABC12345D404", "XYZ", "6AH-1012345"] {
        client
            .search(v1::NationalNodeSearchRequest {
                queries: vec![v1::IdentifierQuery {
                    value: value.to_string(),
                    ..v1::IdentifierQuery::default()
                }],
                ..v1::NationalNodeSearchRequest::default()
            })
            .await
            .expect("search");
    }
    let invalid = client
        .search(v1::NationalNodeSearchRequest::default())
        .await
        .expect_err("a search without a query");
    assert_eq!(invalid.code(), tonic::Code::InvalidArgument);
    let status = client
        .get_node_status(v1::GetNodeStatusRequest {})
        .await
        .expect("status")
        .into_inner();
    assert_eq!(status.searches_last_minute, 4);
    assert_eq!(status.search_failures_last_minute, 0);
    assert!(status.search_p50_ms_last_minute > 0.0, "{status:?}");
    assert!(
        status.search_p99_ms_last_minute >= status.search_p50_ms_last_minute,
        "{status:?}"
    );
    node.stop().await;
}
